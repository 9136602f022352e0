//! An iptables rule that hands the packet to NFQUEUE (an inline IPS such as Suricata): the
//! program reading that queue decides. With no program reading it the kernel drops the packet,
//! unless the rule has `--queue-bypass`, which then lets it on as ACCEPT.

use super::kernel::Kernel;
use super::traverse::At;
use super::words::call;
use crate::sys::Netns;

/// The queues an NFQUEUE rule's `spec` sends to: `--queue-num N` (0 when not said), or each
/// of `--queue-balance A:B`.
fn queues(spec: &str) -> Vec<u16> {
    let w: Vec<&str> = spec.split_whitespace().collect();
    let arg = |name: &str| w.iter().position(|x| *x == name).and_then(|i| w.get(i + 1));
    if let Some((a, b)) = arg("--queue-balance").and_then(|r| r.split_once(':')) {
        if let (Ok(a), Ok(b)) = (a.parse::<u16>(), b.parse::<u16>()) {
            return (a..=b).collect();
        }
    }
    vec![arg("--queue-num").and_then(|n| n.parse().ok()).unwrap_or(0)]
}

/// Whether no program reads any queue `spec` sends to in `ns` (`None`: not known).
fn unread(k: &mut dyn Kernel, ns: &Netns, spec: &str) -> Option<bool> {
    let read = k.nfqueues(ns)?;
    Some(queues(spec).iter().all(|q| !read.contains(q)))
}

/// An NFQUEUE rule with `--queue-bypass` whose queues no program reads: the packet goes on
/// as if accepted.
pub(crate) fn bypassed(k: &mut dyn Kernel, ns: &Netns, spec: &str) -> bool {
    spec.contains("--queue-bypass") && unread(k, ns, spec) == Some(true)
}

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
    let del = format!("exec(\"iptables {t}-D {} {}\")", at.chain, at.spec);
    Some((words, call(ns, &del)))
}

#[cfg(test)]
mod tests {
    use super::queues;

    #[test]
    fn the_queues_a_rule_names() {
        assert_eq!(queues("-j NFQUEUE --queue-num 3"), vec![3]);
        assert_eq!(queues("-j NFQUEUE"), vec![0]);
        assert_eq!(
            queues("-j NFQUEUE --queue-balance 0:2 --queue-bypass"),
            vec![0, 1, 2]
        );
    }
}
