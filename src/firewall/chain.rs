//! Reading one chain as `iptables -t TABLE -S CHAIN` prints it (policy and rules), for `why`.

use crate::why::Chain;
use std::path::Path;
use std::process::Command;

pub fn read(ns: Option<&Path>, table: &str, chain: &str) -> std::io::Result<Option<Chain>> {
    let (t, c) = (table.to_string(), chain.to_string());
    let out = crate::net::netns::in_netns(ns, move || {
        Command::new("iptables")
            .args(["-w", "-t", &t, "-S", &c])
            .output()
    })??;
    if !out.status.success() {
        return Ok(None);
    }
    Ok(Some(Chain::parse(&String::from_utf8_lossy(&out.stdout))))
}
