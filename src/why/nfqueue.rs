//! An iptables rule that hands the packet to NFQUEUE (an inline IPS such as Suricata): the
//! program reading that queue decides. With no program reading it the kernel drops the packet,
//! unless the rule has `--queue-bypass`, which then lets it on as ACCEPT.

use super::kernel::Kernel;
use super::nfqueue_read::{queues, unread};
use super::traverse::At;
use super::words::call;
use crate::sys::Netns;

/// For the NFQUEUE rule `at` that ends the packet's way in `ns`, when no program reads its
/// queue: the words (`to NFQUEUE 0 (rule …), which no program in rt reads …`) and the fix
/// that deletes the rule.
pub(crate) fn unread_queue(k: &mut dyn Kernel, ns: &Netns, at: &At) -> Option<(String, String)> {
    if !at.spec.contains("-j NFQUEUE") || unread(k, ns, &at.spec) != Some(true) {
        return None;
    }
    let q: Vec<String> = queues(&at.spec).iter().map(u16::to_string).collect();
    let t = match at.table.as_str() {
        "filter" => String::new(),
        t => format!("-t {t} "),
    };
    let words = format!(
        "to NFQUEUE {} (rule `{}`), which no program in {ns} reads: the kernel drops what it queues there",
        q.join(", "),
        at.text()
    );
    let del = format!("sh(\"iptables {t}-D {} {}\")", at.chain, at.spec);
    Some((words, call(ns, &del)))
}
