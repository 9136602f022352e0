//! Runs that change one host's network stack take turns: `run`, `repl` and `down` hold
//! `/run/netsh/.lock` while they work, and `/run/netsh/.<lab>.lock` while they use the lab's
//! journal (flock: the kernel drops a lock when its holder dies). A second netsh waits, saying
//! for whom, for at most a minute, then gives up naming the holder.

use super::journal::STATE_DIR;
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A held lock; dropping it lets the next netsh go.
pub(crate) struct Lock {
    _file: Flock<File>,
}

#[derive(Debug)]
pub(crate) enum LockError {
    /// Still held after the wait: by whom ("lab X (pid N)"), and the lock file.
    Busy {
        holder: String,
        path: PathBuf,
    },
    Io {
        path: PathBuf,
        error: io::Error,
    },
}

/// How long to wait for a lock: a minute, or `NETSH_LOCK_WAIT` seconds.
fn patience() -> Duration {
    let secs = std::env::var("NETSH_LOCK_WAIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

pub(crate) fn host_path() -> PathBuf {
    Path::new(STATE_DIR).join(".lock")
}

pub(crate) fn lab_path(lab: &str) -> PathBuf {
    Path::new(STATE_DIR).join(format!(".{lab}.lock"))
}

/// The lab's lock, then the host's: what `run`, `repl` and `down` hold while they work.
pub(crate) fn lock(lab: &str) -> Result<(Lock, Lock), LockError> {
    let mine = take(&lab_path(lab), lab, patience())?;
    let host = take(&host_path(), lab, patience())?;
    Ok((mine, host))
}

/// Take the lock at `path` for `lab`, waiting up to `patience` while another netsh holds it.
pub(crate) fn take(path: &Path, lab: &str, patience: Duration) -> Result<Lock, LockError> {
    let io_err = |error| LockError::Io {
        path: path.to_path_buf(),
        error,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_err)?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_err)?;
    let deadline = Instant::now() + patience;
    let mut said = false;
    loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(mut held) => {
                // Who holds it, for whoever waits next; a full /run only loses the name.
                let me = format!("lab {lab} (pid {})\n", std::process::id());
                let _ = held
                    .set_len(0)
                    .and_then(|_| held.seek(SeekFrom::Start(0)))
                    .and_then(|_| held.write_all(me.as_bytes()));
                return Ok(Lock { _file: held });
            }
            Err((f, Errno::EWOULDBLOCK)) => file = f,
            Err((_, e)) => return Err(io_err(io::Error::from(e))),
        }
        let holder = holder(&mut file);
        if Instant::now() >= deadline {
            return Err(LockError::Busy {
                holder,
                path: path.to_path_buf(),
            });
        }
        if !said {
            eprintln!("waiting for {holder} to finish…");
            said = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Who holds the lock, as its holder wrote it.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut text));
    match text.trim() {
        "" => "another netsh".to_string(),
        t => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_waits_then_names_the_holder() {
        let path = std::env::temp_dir().join(format!("netsh-lock-{}", std::process::id()));
        let held = take(&path, "first", Duration::ZERO).unwrap();
        let e = take(&path, "second", Duration::ZERO).err().unwrap();
        match e {
            LockError::Busy { holder, .. } => {
                assert_eq!(holder, format!("lab first (pid {})", std::process::id()))
            }
            other => panic!("{other:?}"),
        }
        drop(held);
        assert!(take(&path, "second", Duration::ZERO).is_ok());
        std::fs::remove_file(&path).unwrap();
    }
}
