//! The transport: the system `ssh` (so ~/.ssh/config, the agent, known_hosts and ProxyJump work
//! as users expect), one multiplexed connection per machine for the whole run. The master is a
//! child of ours, killed by its pid when the machine is dropped; every other ssh rides on it.

use super::error::RemoteError;
use crate::sys::shell::quote;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub(crate) use crate::lab::ssh_options::SshOptions;

/// How long the master may take to log in (ssh's own ConnectTimeout bounds the TCP part).
const LOGIN_WAIT: Duration = Duration::from_secs(20);

/// One machine reached over ssh: the master connection, alive until dropped.
pub(crate) struct Ssh {
    pub(crate) name: String,
    pub(crate) opts: SshOptions,
    /// Private to us (0700): the control socket and the master's log.
    dir: PathBuf,
    master: Option<Child>,
}

impl Ssh {
    /// Log in once: the master every later command of the run rides on.
    pub(crate) fn connect(name: &str, opts: &SshOptions) -> Result<Ssh, RemoteError> {
        let dir = private_dir(name).map_err(|e| {
            RemoteError::new(
                format!(
                    "cannot reach {name} ({}): cannot make a folder for its ssh connection: {e}",
                    opts.ssh
                ),
                "check that the temporary folder (TMPDIR, else /tmp) is writable",
            )
        })?;
        let log = std::fs::File::create(dir.join("master.log")).map_err(|e| {
            RemoteError::new(format!("cannot log ssh for {name}: {e}"), "check /tmp")
        })?;
        let mut ssh = Ssh {
            name: name.to_string(),
            opts: opts.clone(),
            dir,
            master: None,
        };
        let mut cmd = Command::new("ssh");
        cmd.args(ssh.args(&["-M", "-N"]))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        let child = cmd.spawn().map_err(|e| {
            RemoteError::new(
                format!("cannot reach {name} ({}): cannot run ssh: {e}", opts.ssh),
                "install the OpenSSH client (apt-get install openssh-client)",
            )
        })?;
        ssh.master = Some(child);
        ssh.wait_for_master()?;
        Ok(ssh)
    }

    /// ssh's arguments, ours before the target, then `extra` commands after it.
    fn args(&self, before: &[&str]) -> Vec<String> {
        let mut a: Vec<String> = before.iter().map(|s| s.to_string()).collect();
        for o in [
            "ControlMaster=auto".to_string(),
            format!("ControlPath={}", self.dir.join("c").display()),
            "BatchMode=yes".to_string(),
            // A dead machine ends the connection (and the run) within seconds, not hours.
            "ServerAliveInterval=5".to_string(),
            "ServerAliveCountMax=3".to_string(),
        ] {
            a.push("-o".into());
            a.push(o);
        }
        if let Some(p) = self.opts.port {
            a.extend(["-p".into(), p.to_string()]);
        }
        if let Some(i) = &self.opts.identity {
            a.extend(["-i".into(), i.clone()]);
        }
        a.push(self.opts.ssh.clone());
        a
    }

    /// Bounded: the control socket appears once logged in; the master ending first is a
    /// failure to log in, told with ssh's own words.
    fn wait_for_master(&mut self) -> Result<(), RemoteError> {
        let socket = self.dir.join("c");
        let deadline = Instant::now() + LOGIN_WAIT;
        loop {
            if socket.exists() {
                return Ok(());
            }
            let master = self.master.as_mut().expect("spawned");
            if let Ok(Some(st)) = master.try_wait() {
                self.master = None;
                let said = std::fs::read_to_string(self.dir.join("master.log")).unwrap_or_default();
                return Err(self.unreachable(st.code(), said.trim()));
            }
            if Instant::now() >= deadline {
                return Err(self.unreachable(None, "gave up waiting for ssh to log in (20 s)"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// "cannot reach h150 (root@…) over ssh", with ssh's words and the command to try.
    pub(crate) fn unreachable(&self, code: Option<i32>, said: &str) -> RemoteError {
        let exit = code.map(|c| format!(" (ssh exit {c})")).unwrap_or_default();
        let said = if said.is_empty() {
            "the connection ended"
        } else {
            said
        };
        RemoteError::new(
            format!("cannot reach {} over ssh{exit}: {said}", self.who()),
            format!("check `{}`", self.try_command()),
        )
    }

    /// "h150 (root@192.0.2.150)", or the target alone where it is the name.
    pub(crate) fn who(&self) -> String {
        match self.name == self.opts.ssh {
            true => self.name.clone(),
            false => format!("{} ({})", self.name, self.opts.ssh),
        }
    }

    /// What a user runs to see the same connection for themselves.
    pub(crate) fn try_command(&self) -> String {
        let mut c = vec!["ssh".to_string()];
        if let Some(p) = self.opts.port {
            c.extend(["-p".into(), p.to_string()]);
        }
        if let Some(i) = &self.opts.identity {
            c.extend(["-i".into(), quote(i)]);
        }
        c.push(quote(&self.opts.ssh));
        c.push("true".into());
        c.join(" ")
    }

    /// A command for the far side's shell, over the master.
    pub(crate) fn command(&self, remote: &str) -> Command {
        let mut cmd = Command::new("ssh");
        cmd.args(self.args(&[])).arg("--").arg(remote);
        cmd
    }

    /// Run `remote` there, with `input` on its stdin; ssh's exit 255 is a lost connection.
    pub(crate) fn run(&self, remote: &str, input: Option<&Path>) -> Result<Output, RemoteError> {
        let mut cmd = self.command(remote);
        match input {
            Some(p) => {
                cmd.stdin(std::fs::File::open(p).map_err(|e| {
                    RemoteError::new(format!("cannot read {}: {e}", p.display()), "")
                })?)
            }
            None => cmd.stdin(Stdio::null()),
        };
        let out = cmd
            .output()
            .map_err(|e| self.unreachable(None, &e.to_string()))?;
        if out.status.code() == Some(255) {
            return Err(self.unreachable(Some(255), String::from_utf8_lossy(&out.stderr).trim()));
        }
        Ok(out)
    }
}

impl Drop for Ssh {
    fn drop(&mut self) {
        if let Some(mut m) = self.master.take() {
            // Ours, by pid: the master and with it every session riding on it.
            let _ = m.kill();
            let _ = m.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh 0700 folder under the temporary folder (the control socket must be ours alone).
fn private_dir(name: &str) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    for i in 0..100u32 {
        let d = base.join(format!("netsh-ssh-{}-{name}-{i}", std::process::id()));
        match std::fs::DirBuilder::new().mode(0o700).create(&d) {
            Ok(()) => return Ok(d),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free name"))
}

/// What the far side's stderr said, read to the end (bounded by the pipe closing).
pub(crate) fn drain(mut r: impl Read) -> String {
    let mut s = String::new();
    let _ = r.read_to_string(&mut s);
    s
}
