//! The kernel modules a lab may need, loaded before `--sandbox` enters its user namespace:
//! inside it, not even root may load a module, and the kernel would refuse the lab's first
//! bridge or NAT rule instead. Never a reason to fail: a module built in, or one that cannot
//! be loaded, is left to the operation that needs it (and its own error).

use std::path::Path;
use std::process::{Command, Stdio};

/// Links (bridge, veth, VXLAN) and the iptables-nft rules netsh writes: NAT, conntrack, comment
/// tags, ports, and the xtables targets and matches nft_compat runs.
const FOR_LABS: &[&str] = &[
    "bridge",
    "veth",
    "vxlan",
    "nf_tables",
    "nft_compat",
    "nft_chain_nat",
    "nf_nat",
    "nf_conntrack",
    "xt_MASQUERADE",
    "xt_nat",
    "xt_comment",
    "xt_conntrack",
    "xt_tcpudp",
];

/// What iptables-legacy needs on top (its tables are modules of their own).
const FOR_LEGACY_IPTABLES: &[&str] = &["ip_tables", "iptable_filter", "iptable_nat"];

/// Load, with one `modprobe`, the modules labs need that the kernel has neither loaded nor built
/// in. A kernel without module support (no /proc/modules) has everything it will ever have.
pub(crate) fn load_for_labs() {
    let Ok(loaded) = std::fs::read_to_string("/proc/modules") else {
        return;
    };
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let builtin =
        std::fs::read_to_string(format!("/lib/modules/{}/modules.builtin", release.trim()))
            .unwrap_or_default();
    let legacy = ["/usr/sbin/iptables", "/sbin/iptables"]
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .any(|p| p.to_string_lossy().contains("legacy"));
    let mut wanted = FOR_LABS.to_vec();
    if legacy {
        wanted.extend(FOR_LEGACY_IPTABLES);
    }
    let missing = missing(&wanted, &loaded, &builtin);
    if missing.is_empty() {
        return;
    }
    let Some(modprobe) = ["/usr/sbin/modprobe", "/sbin/modprobe"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        return;
    };
    // -q: a module this kernel does not have is no error here.
    let _ = Command::new(modprobe)
        .arg("-q")
        .arg("-a")
        .args(&missing)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The modules of `wanted` neither in `loaded` (/proc/modules) nor in `builtin` (the kernel's
/// modules.builtin, paths such as `kernel/net/bridge/bridge.ko`). Names compare with `-` as `_`.
fn missing<'a>(wanted: &[&'a str], loaded: &str, builtin: &str) -> Vec<&'a str> {
    let norm = |s: &str| s.replace('-', "_");
    let present: std::collections::BTreeSet<String> = loaded
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .chain(builtin.lines().filter_map(|l| {
            let file = l.trim().rsplit('/').next()?;
            file.strip_suffix(".ko")
        }))
        .map(norm)
        .collect();
    wanted
        .iter()
        .copied()
        .filter(|m| !present.contains(&norm(m)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_loaded_or_built_in_is_not_loaded_again() {
        let loaded = "veth 45056 0 - Live 0x0\nnf_tables 356352 1 nft_compat, Live 0x0\n";
        let builtin = "kernel/net/bridge/bridge.ko\nkernel/net/netfilter/xt_comment.ko\n";
        assert_eq!(
            missing(
                &["bridge", "veth", "vxlan", "nf_tables", "xt_comment"],
                loaded,
                builtin
            ),
            ["vxlan"]
        );
        assert_eq!(
            missing(&["nf-nat"], "nf_nat 1 0 - Live 0x0\n", ""),
            Vec::<&str>::new()
        );
    }
}
