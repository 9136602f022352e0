//! `netsh agent`: the far side of a run across machines (src/remote/agent.rs), on stdin/stdout.
//! `netsh agent --ssh USER@ADDRESS` relays the same protocol to that machine's agent, reached
//! as a run reaches it (one ssh master, the far netsh found or copied, its hello checked).

use super::error::Error;
use super::run::{has_net_admin, root_diag};
use super::AgentArgs;
use crate::remote::client::Agent;
use crate::remote::error::RemoteError;
use crate::remote::proto::{line, Reply, Request, PROTOCOL};
use crate::remote::ssh::{Ssh, SshOptions};
use crate::script::diagnostic::Diag;
use std::io::{BufRead, Write};

pub fn agent(a: AgentArgs) -> Result<(), Error> {
    if let Some(target) = a.ssh {
        let opts = SshOptions {
            ssh: target.clone(),
            port: a.port,
            identity: a.identity,
            netsh: a.netsh,
        };
        return relay(&target, &opts);
    }
    if !has_net_admin() {
        let help = "the controller must log in to this machine as root: host(\"NAME\", #{ ssh: \"root@ADDRESS\" })";
        return Err(Error::diag(
            root_diag("netsh agent", "change", help),
            "",
            None,
        ));
    }
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    crate::remote::agent::serve(stdin, stdout)
        .map_err(|e| Error::failed(format!("netsh agent: the controller's pipe broke: {e}")))
}

fn remote_error(e: RemoteError) -> Error {
    Error::diag(
        Diag::new("netsh::remote", e.message, Some(e.help)),
        "",
        None,
    )
}

/// Our stdin's requests to the far agent, its replies on our stdout, until `bye` or the end.
fn relay(name: &str, opts: &SshOptions) -> Result<(), Error> {
    let ssh = Ssh::connect(name, opts).map_err(remote_error)?;
    let mut far = Agent::start(ssh).map_err(remote_error)?;
    let mut out = std::io::stdout().lock();
    let say = |out: &mut std::io::StdoutLock, r: &Reply| {
        out.write_all(line(r).as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| Error::failed(format!("cannot write a reply: {e}")))
    };
    say(&mut out, &far.hello.clone())?;
    for text in std::io::stdin().lock().lines() {
        let text = text.map_err(|e| Error::failed(format!("cannot read a request: {e}")))?;
        if text.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Request>(&text) {
            // Bye is the far agent's to answer when we drop it.
            Ok(Request::Bye) => return say(&mut out, &Reply::Bye),
            Ok(req) => far.call(&req).map_err(remote_error)?,
            Err(e) => Reply::Failed {
                message: format!("not a request of protocol {PROTOCOL}: {e}"),
            },
        };
        say(&mut out, &reply)?;
    }
    Ok(())
}
