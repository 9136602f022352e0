//! One chain as `iptables -t TABLE -S CHAIN` prints it (policy and rules): read for `why`.

use std::path::Path;
use std::process::Command;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chain {
    /// `ACCEPT`, `DROP`; `None` for a user chain.
    pub policy: Option<String>,
    /// Each rule's `-A CHAIN` line without that prefix.
    pub rules: Vec<String>,
}

impl Chain {
    pub(crate) fn parse(text: &str) -> Chain {
        let mut c = Chain::default();
        for line in text.lines() {
            let mut w = line.split_whitespace();
            match (w.next(), w.next()) {
                (Some("-P"), Some(_)) => c.policy = w.next().map(str::to_string),
                (Some("-A"), Some(_)) => c.rules.push(w.collect::<Vec<_>>().join(" ")),
                _ => {}
            }
        }
        c
    }
}

pub(crate) fn read(ns: Option<&Path>, table: &str, chain: &str) -> std::io::Result<Option<Chain>> {
    read_by(ns, "iptables", table, chain)
}

/// `ip6tables -t TABLE -S CHAIN`: the rules IPv6 packets meet (an IPv6 tunnel's underlay).
pub(crate) fn read6(ns: Option<&Path>, table: &str, chain: &str) -> Option<Chain> {
    read_by(ns, "ip6tables", table, chain).ok().flatten()
}

fn read_by(
    ns: Option<&Path>,
    program: &'static str,
    table: &str,
    chain: &str,
) -> std::io::Result<Option<Chain>> {
    let (t, c) = (table.to_string(), chain.to_string());
    let out = crate::sys::enter::in_netns(ns, move || {
        Command::new(program)
            .args(["-w", "-t", &t, "-S", &c])
            .output()
    })??;
    if !out.status.success() {
        return Ok(None);
    }
    Ok(Some(Chain::parse(&String::from_utf8_lossy(&out.stdout))))
}
