//! The x_tables (iptables-legacy) chains of a namespace whose firewall netsh reads natively:
//! a tool on the legacy backend may keep rules or a DROP policy there, and the kernel runs both
//! kinds on the same hooks. Read with the iptables-legacy program, only for a table that
//! already exists (asking about another would make it).

use super::chain::Chain;
use std::path::Path;
use std::process::Command;

/// `iptables-legacy -t TABLE -S CHAIN` in `ns`; `None` when the table does not exist there or
/// iptables-legacy is not installed.
pub(crate) fn read(ns: Option<&Path>, table: &str, chain: &str) -> Option<Chain> {
    let (t, c) = (table.to_string(), chain.to_string());
    let out = crate::sys::enter::in_netns(ns, move || -> Option<std::process::Output> {
        // /proc/thread-self: this thread's namespace (/proc/net follows the main thread's).
        let names = std::fs::read_to_string("/proc/thread-self/net/ip_tables_names").ok()?;
        if !names.lines().any(|n| n == t) {
            return None;
        }
        Command::new("iptables-legacy")
            .args(["-w", "-t", &t, "-S", &c])
            .output()
            .ok()
    })
    .ok()??;
    if !out.status.success() {
        return None;
    }
    Some(Chain::parse(&String::from_utf8_lossy(&out.stdout)))
}
