//! `netsh agent`: the far side of a run across machines (src/remote/agent.rs), on stdin/stdout.

use super::error::Error;
use super::run::{has_net_admin, root_diag};

pub fn agent() -> Result<(), Error> {
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
