//! Whether a program reads the queues an NFQUEUE rule sends to: with none reading, the kernel
//! drops what the rule queues, unless the rule has `--queue-bypass`.

use super::kernel::Kernel;
use crate::sys::Netns;

/// The queues an NFQUEUE rule's `spec` sends to: `--queue-num N` (0 when not said), or each
/// of `--queue-balance A:B`.
pub(crate) fn queues(spec: &str) -> Vec<u16> {
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
pub(crate) fn unread(k: &mut dyn Kernel, ns: &Netns, spec: &str) -> Option<bool> {
    let read = k.nfqueues(ns)?;
    Some(queues(spec).iter().all(|q| !read.contains(q)))
}

/// An NFQUEUE rule with `--queue-bypass` whose queues no program reads: the packet goes on
/// as if accepted.
pub(crate) fn bypassed(k: &mut dyn Kernel, ns: &Netns, spec: &str) -> bool {
    spec.contains("--queue-bypass") && unread(k, ns, spec) == Some(true)
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
