//! The controller's end of one agent: `netsh agent` started over the machine's ssh master,
//! its hello checked, then one request and one reply at a time. A connection that breaks is an
//! error naming the machine.

use super::error::RemoteError;
use super::far_netsh::far_netsh;
use super::proto::{line, Reply, Request, PROTOCOL};
use super::ssh::{drain, Ssh};
use crate::sys::shell::quote;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::sync::{Arc, Mutex};

pub(crate) struct Agent {
    pub(crate) ssh: Ssh,
    /// The far agent's hello.
    pub(crate) hello: Reply,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// What the far side wrote on stderr (its warnings, ssh's own words on a lost connection).
    stderr: Arc<Mutex<String>>,
}

impl Agent {
    /// Connect, find (or copy) the far side's netsh, start its agent and read its hello.
    pub(crate) fn start(ssh: Ssh) -> Result<Agent, RemoteError> {
        let netsh = far_netsh(&ssh)?;
        // `~` and `$HOME` forms come back expanded; anything else is a path to quote.
        let mut cmd = ssh.command(&format!("{} agent", quote(&netsh)));
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| ssh.unreachable(None, &e.to_string()))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let err = child.stderr.take().expect("piped");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let text = drain(err);
            sink.lock().unwrap().push_str(&text);
        });
        let mut agent = Agent {
            ssh,
            hello: Reply::Bye,
            child,
            stdin,
            stdout,
            stderr,
        };
        agent.hello = agent.read()?;
        match agent.hello.clone() {
            Reply::Hello {
                protocol: PROTOCOL, ..
            } => Ok(agent),
            Reply::Hello { protocol, version, .. } => Err(RemoteError::new(
                format!(
                    "{} runs netsh {version}, which speaks protocol {protocol}; this netsh speaks {PROTOCOL}",
                    agent.ssh.name
                ),
                format!("install netsh {} there", env!("CARGO_PKG_VERSION")),
            )),
            other => Err(agent.lost(&format!("it answered {other:?} instead of hello"))),
        }
    }

    /// One request, its reply.
    pub(crate) fn call(&mut self, req: &Request) -> Result<Reply, RemoteError> {
        let sent = self
            .stdin
            .write_all(line(req).as_bytes())
            .and_then(|()| self.stdin.flush());
        if let Err(e) = sent {
            return Err(self.lost(&e.to_string()));
        }
        self.read()
    }

    fn read(&mut self) -> Result<Reply, RemoteError> {
        let mut text = String::new();
        match self.stdout.read_line(&mut text) {
            Ok(0) => Err(self.lost("the agent's output ended")),
            Ok(_) => serde_json::from_str(&text).map_err(|e| {
                self.lost(&format!(
                    "not a reply of protocol {PROTOCOL} ({e}): {}",
                    text.trim()
                ))
            }),
            Err(e) => Err(self.lost(&e.to_string())),
        }
    }

    /// The connection broke: ssh's words (or the agent's last ones) and its exit code.
    fn lost(&mut self, what: &str) -> RemoteError {
        // Bounded: ssh exits once its pipes are gone; ServerAlive ends a silent machine.
        let mut code = None;
        for _ in 0..100 {
            if let Ok(Some(st)) = self.child.try_wait() {
                code = st.code();
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let said = self.stderr.lock().unwrap().trim().to_string();
        let said = if said.is_empty() {
            what.to_string()
        } else {
            said
        };
        let mut e = self.ssh.unreachable(code, &said);
        e.message = e.message.replace("cannot reach", "lost the connection to");
        e
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.stdin.write_all(line(&Request::Bye).as_bytes());
        let _ = self.stdin.flush();
        // Ours, by pid; bounded: the agent ends on bye (or on its input closing).
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
