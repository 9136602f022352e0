//! A firewall failure in people's words: iptables says what went wrong only in words, so the
//! common ones get what to do.

use crate::sys::Failure;

pub(crate) fn failure(message: impl Into<String>, help: Option<String>) -> Failure {
    let message = message.into();
    let m = message.to_lowercase();
    let help = help.or_else(|| {
        Some(
            if m.contains("permission denied") || m.contains("must be root") {
                "needs root (CAP_NET_ADMIN): use --sandbox (no root needed), sudo, or --dry-run"
            } else if m.contains("couldn't load") || m.contains("no chain/target/match") {
                "this kernel or iptables lacks a match or target the rule uses: check its name, or load its module (modprobe xt_NAME)"
            } else if m.contains("bad argument") || m.contains("unknown option") {
                "iptables does not understand the rule: check it with `iptables -A ...` by hand"
            } else {
                return None;
            }
            .to_string(),
        )
    });
    Failure {
        message,
        errno: None,
        help,
    }
}
