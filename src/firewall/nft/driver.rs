//! `Nft`: the native driver. Rules are read and written over NETLINK_NETFILTER in iptables-nft's
//! encoding, one transaction per call, computed from the ruleset read after the generation id
//! and retried when another program changed the ruleset in between (ERESTART).

use super::batch::Op;
use super::parse::Unsupported;
use super::ruleset::Ruleset;
use super::socket::{Refused, Sock};
use crate::sys::Failure;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// How often a transaction is recomputed when the ruleset keeps changing under it.
const TRIES: usize = 10;

/// Why the native driver did not do something: a rule outside what it writes (the iptables
/// program can), or a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NftError {
    Unsupported(String),
    Failed(Failure),
}

impl From<Failure> for NftError {
    fn from(f: Failure) -> Self {
        NftError::Failed(f)
    }
}

impl From<Unsupported> for NftError {
    fn from(u: Unsupported) -> Self {
        NftError::Unsupported(u.0)
    }
}

pub(super) type R<T> = Result<T, NftError>;

#[derive(Default)]
pub struct Nft {
    /// A socket per namespace path, with the namespace's inode (a name can be reused).
    socks: HashMap<Option<PathBuf>, (u64, Sock)>,
    /// Tests: run once between reading the ruleset and committing (another program's change).
    #[cfg(test)]
    pub(super) race: Option<Box<dyn FnMut()>>,
    /// Tests: how many batches were sent.
    #[cfg(test)]
    pub(super) commits: usize,
}

fn io_failure(e: std::io::Error) -> Failure {
    Failure::from_io(&e)
}

impl Nft {
    pub(super) fn sock(&mut self, ns: Option<&Path>) -> Result<&mut Sock, Failure> {
        let key = ns.map(Path::to_path_buf);
        let ino = crate::sys::enter::inode(ns).map_err(io_failure)?;
        if self.socks.get(&key).is_none_or(|(i, _)| *i != ino) {
            let sock = Sock::open_in(ns).map_err(io_failure)?;
            self.socks.insert(key.clone(), (ino, sock));
        }
        Ok(&mut self.socks.get_mut(&key).unwrap().1)
    }

    pub(crate) fn ruleset(&mut self, ns: Option<&Path>) -> Result<Ruleset, Failure> {
        Ruleset::read(self.sock(ns)?).map_err(io_failure)
    }

    /// Read the ruleset, plan the ops from it, commit them in one batch carrying the
    /// generation read; again if the generation went stale.
    pub(super) fn transaction(
        &mut self,
        ns: Option<&Path>,
        plan: impl Fn(&Ruleset) -> R<Vec<Op>>,
    ) -> R<()> {
        for _ in 0..TRIES {
            let rs = self.ruleset(ns)?;
            let ops = plan(&rs)?;
            if ops.is_empty() {
                return Ok(());
            }
            #[cfg(test)]
            {
                if let Some(mut race) = self.race.take() {
                    race();
                }
                self.commits += 1;
            }
            let sock = self.sock(ns)?;
            match sock.commit(rs.genid, |m| ops.iter().for_each(|o| o.write(m))) {
                Ok(()) => return Ok(()),
                Err(Ok(Refused { errno, .. })) if errno == nix::libc::ERESTART => continue,
                Err(Ok(Refused { index, errno })) => {
                    let what = index
                        .and_then(|i| ops.get(i))
                        .map(Op::describe)
                        .unwrap_or_else(|| "apply the batch".into());
                    let words =
                        crate::sys::errno::errno_words(&std::io::Error::from_raw_os_error(errno));
                    return Err(Failure::new(
                        format!("nf_tables refused to {what}: {words}"),
                        Some(errno),
                    )
                    .into());
                }
                Err(Err(e)) => return Err(io_failure(e).into()),
            }
        }
        Err(Failure::new(
            format!("the ruleset kept changing while netsh wrote to it ({TRIES} tries)"),
            None,
        )
        .into())
    }
}
