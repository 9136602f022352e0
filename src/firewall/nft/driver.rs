//! `Nft`: the native driver. Rules are read and written over NETLINK_NETFILTER in iptables-nft's
//! encoding, one transaction per call, computed from the ruleset read after the generation id
//! and retried when another program changed the ruleset in between (ERESTART).

use super::batch::{Op, Place};
use super::chains::{self, builtin};
use super::decode::{decode, Decoded};
use super::encode::encode;
use super::model::{Spec, Target};
use super::parse::{parse, Unsupported};
use super::render::render;
use super::ruleset::{KernelRule, Ruleset};
use super::socket::{Refused, Sock};
use crate::firewall::{Listed, Rule};
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

type R<T> = Result<T, NftError>;

/// One listed rule: where it is, its handle, and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub table: String,
    pub chain: String,
    pub handle: u64,
    pub decoded: Decoded,
}

impl Entry {
    /// As iptables-save prints it; parts this driver cannot read are named at the end.
    pub fn listed(&self) -> Listed {
        let mut spec = render(&self.decoded.spec);
        for u in &self.decoded.unknown {
            spec.push_str(&format!(" [{u}]"));
        }
        Listed {
            table: self.table.clone(),
            chain: self.chain.clone(),
            spec: spec.trim_start().to_string(),
        }
    }
}

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
    fn sock(&mut self, ns: Option<&Path>) -> Result<&mut Sock, Failure> {
        let key = ns.map(Path::to_path_buf);
        let ino = crate::sys::enter::inode(ns).map_err(io_failure)?;
        if self.socks.get(&key).is_none_or(|(i, _)| *i != ino) {
            let sock = Sock::open_in(ns).map_err(io_failure)?;
            self.socks.insert(key.clone(), (ino, sock));
        }
        Ok(&mut self.socks.get_mut(&key).unwrap().1)
    }

    pub fn ruleset(&mut self, ns: Option<&Path>) -> Result<Ruleset, Failure> {
        Ruleset::read(self.sock(ns)?).map_err(io_failure)
    }

    /// Read the ruleset, plan the ops from it, commit them in one batch carrying the
    /// generation read; again if the generation went stale.
    fn transaction(&mut self, ns: Option<&Path>, plan: impl Fn(&Ruleset) -> R<Vec<Op>>) -> R<()> {
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

    pub fn exists(&mut self, ns: Option<&Path>, rule: &Rule) -> R<bool> {
        let spec = parse(&rule.args)?;
        let rs = self.ruleset(ns)?;
        check(&rs, rule, &spec)?;
        let found = rs
            .rules_of(&rule.table, &rule.chain)
            .any(|k| same(k, &spec));
        Ok(found)
    }

    pub fn append_all(&mut self, ns: Option<&Path>, rules: &[Rule]) -> R<()> {
        self.add(ns, rules, None)
    }

    /// `-I CHAIN n` (n from 1): before the rule now at n, or at the end when n is one past it.
    pub fn insert(&mut self, ns: Option<&Path>, rule: &Rule, n: usize) -> R<()> {
        self.add(ns, std::slice::from_ref(rule), Some(n.max(1)))
    }

    fn add(&mut self, ns: Option<&Path>, rules: &[Rule], at: Option<usize>) -> R<()> {
        let specs: Vec<Spec> = rules
            .iter()
            .map(|r| parse(&r.args))
            .collect::<Result<_, _>>()?;
        self.transaction(ns, |rs| {
            let mut ops = vec![];
            for (rule, spec) in rules.iter().zip(&specs) {
                check(rs, rule, spec)?;
                ensure_chain(rs, &mut ops, &rule.table, &rule.chain)?;
                let place = match at {
                    None => Place::Append,
                    Some(n) => place(rs, rule, n)?,
                };
                ops.push(Op::Rule {
                    table: rule.table.clone(),
                    chain: rule.chain.clone(),
                    enc: encode(spec),
                    place,
                });
            }
            Ok(ops)
        })
    }

    /// Delete each rule (the first the chain holds that is the same rule), all or none.
    pub fn delete_all(&mut self, ns: Option<&Path>, rules: &[Rule]) -> R<()> {
        let specs: Vec<Spec> = rules
            .iter()
            .map(|r| parse(&r.args))
            .collect::<Result<_, _>>()?;
        self.transaction(ns, |rs| {
            // Handles are unique within a table.
            let mut taken: Vec<(&str, u64)> = vec![];
            let mut ops = vec![];
            for (rule, spec) in rules.iter().zip(&specs) {
                check(rs, rule, spec)?;
                let found = rs
                    .rules_of(&rule.table, &rule.chain)
                    .find(|k| !taken.contains(&(&k.table, k.handle)) && same(k, spec))
                    .ok_or_else(|| {
                        Failure::new(
                            format!(
                                "the {} {} chain has no rule `{}`",
                                rule.table,
                                rule.chain,
                                rule.spec()
                            ),
                            Some(nix::libc::ENOENT),
                        )
                    })?;
                taken.push((&found.table, found.handle));
                ops.push(Op::DelRule {
                    table: rule.table.clone(),
                    chain: rule.chain.clone(),
                    handle: found.handle,
                });
            }
            Ok(ops)
        })
    }

    /// `-P CHAIN ACCEPT|DROP` on a built-in chain.
    pub fn set_policy(
        &mut self,
        ns: Option<&Path>,
        table: &str,
        chain: &str,
        policy: &str,
    ) -> R<()> {
        let b = builtin(table, chain).ok_or_else(|| {
            Failure::new(
                format!("{table} {chain} is not a built-in chain: it has no policy"),
                None,
            )
        })?;
        let verdict = match policy {
            "ACCEPT" => super::expr::NF_ACCEPT,
            "DROP" => super::expr::NF_DROP,
            other => return Err(NftError::Unsupported(format!("the policy {other}"))),
        };
        self.transaction(ns, |rs| {
            let mut ops = vec![];
            ensure_table(rs, &mut ops, table);
            ops.push(Op::Builtin {
                chain: b,
                policy: verdict,
                counters: true,
            });
            Ok(ops)
        })
    }

    /// `-N CHAIN`: a user chain (an error if it exists, as with iptables).
    pub fn new_chain(&mut self, ns: Option<&Path>, table: &str, name: &str) -> R<()> {
        known_table(table)?;
        self.transaction(ns, |rs| {
            let mut ops = vec![];
            ensure_table(rs, &mut ops, table);
            ops.push(Op::UserChain {
                table: table.into(),
                name: name.into(),
            });
            Ok(ops)
        })
    }

    /// Every rule of iptables' tables, in iptables-save's order, decoded.
    pub fn entries(&mut self, ns: Option<&Path>) -> Result<Vec<Entry>, Failure> {
        let rs = self.ruleset(ns)?;
        let mut out: Vec<Entry> = rs
            .rules
            .iter()
            .filter(|k| chains::TABLES.contains(&k.table.as_str()))
            .map(|k| Entry {
                table: k.table.clone(),
                chain: k.chain.clone(),
                handle: k.handle,
                decoded: decode(&k.exprs),
            })
            .collect();
        out.sort_by_key(|e| chains::order(&e.table, &e.chain));
        Ok(out)
    }
}

fn same(k: &KernelRule, spec: &Spec) -> bool {
    let d = decode(&k.exprs);
    d.unknown.is_empty() && d.spec == *spec
}

fn known_table(table: &str) -> R<()> {
    if chains::TABLES.contains(&table) {
        Ok(())
    } else {
        Err(NftError::Unsupported(format!("the {table} table")))
    }
}

/// A rule this driver can write here: a known table, and a `-j NAME` that names a chain of
/// the table (else NAME is an extension target, which only the iptables program knows).
fn check(rs: &Ruleset, rule: &Rule, spec: &Spec) -> R<()> {
    known_table(&rule.table)?;
    if let Some(Target::Jump(c) | Target::Goto(c)) = &spec.target {
        if rs.chain(&rule.table, c).is_none() {
            return Err(NftError::Unsupported(format!("the {c} target (-j {c})")));
        }
    }
    Ok(())
}

fn ensure_table(rs: &Ruleset, ops: &mut Vec<Op>, table: &str) {
    let new = Op::NewTable(table.to_string());
    if !rs.has_table(table) && !ops.contains(&new) {
        ops.push(new);
    }
}

/// The table and, for a built-in chain, the chain, made as iptables-nft makes them on first use.
fn ensure_chain(rs: &Ruleset, ops: &mut Vec<Op>, table: &str, chain: &str) -> R<()> {
    ensure_table(rs, ops, table);
    if rs.chain(table, chain).is_some() {
        return Ok(());
    }
    let Some(b) = builtin(table, chain) else {
        return Err(Failure::new(
            format!("the {table} table has no chain {chain}"),
            Some(nix::libc::ENOENT),
        )
        .into());
    };
    let new = Op::Builtin {
        chain: b,
        policy: super::expr::NF_ACCEPT,
        counters: false,
    };
    if !ops.contains(&new) {
        ops.push(new);
    }
    Ok(())
}

fn place(rs: &Ruleset, rule: &Rule, n: usize) -> R<Place> {
    let handles: Vec<u64> = rs
        .rules_of(&rule.table, &rule.chain)
        .map(|k| k.handle)
        .collect();
    match n {
        1 => Ok(Place::Head),
        n if n <= handles.len() => Ok(Place::Before(handles[n - 1])),
        n if n == handles.len() + 1 => Ok(Place::Append),
        n => Err(Failure::new(
            format!(
                "{} {} has {} rules: no place {n} to insert at",
                rule.table,
                rule.chain,
                handles.len()
            ),
            Some(nix::libc::E2BIG),
        )
        .into()),
    }
}
