//! Read and write `net.*` sysctls of a network namespace.
//!
//! `/proc/sys/net` is resolved against the namespace of the *thread* doing
//! the lookup (unlike `/proc/net`, a link to `/proc/self/net`, which follows
//! the main thread), so opening the file from an [`in_netns`] thread is
//! enough; the kernel-test suite checks this isolation.
//!
//! Only `net.` keys are accepted: other sysctls are not per network
//! namespace, and writing them would change the whole host.
//! Keys use the dotted form, so an interface name containing a dot (VLAN
//! `eth0.10`) cannot be addressed yet.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::InvalidArg;
use crate::sys::enter::in_netns;
use crate::sys::errno::context as ctx;

/// Read `key` (e.g. `net.ipv4.ip_forward`) in namespace `ns` (`None`: the
/// caller's namespace). Surrounding whitespace is trimmed.
pub(crate) fn read(ns: Option<&Path>, key: &str) -> io::Result<String> {
    let path = key_path(key)?;
    in_netns(ns, move || {
        fs::read_to_string(&path)
            .map(|s| s.trim().to_owned())
            .map_err(|e| ctx(e, path.display()))
    })?
}

/// Write `value` to `key` in namespace `ns` (`None`: the caller's namespace).
pub(crate) fn write(ns: Option<&Path>, key: &str, value: &str) -> io::Result<()> {
    let path = key_path(key)?;
    let value = value.to_owned();
    in_netns(ns, move || {
        // One write() at offset 0: proc sysctl handlers parse a single write.
        let mut f = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| ctx(e, path.display()))?;
        f.write_all(value.as_bytes())
            .map_err(|e| ctx(e, format_args!("write {:?} to {}", value, path.display())))
    })?
}

/// Map a dotted key to its `/proc/sys` path, rejecting anything that could
/// point outside `/proc/sys/net`.
fn key_path(key: &str) -> io::Result<PathBuf> {
    let bad = |why| Err(InvalidArg::SysctlKey(key.into(), why).into());
    if key.contains('/') || key.contains('\0') {
        return bad("contains '/' or NUL");
    }
    if key.contains("..") {
        return bad("contains '..'");
    }
    if !key.starts_with("net.") {
        return bad("only net.* keys are per network namespace");
    }
    let parts: Vec<&str> = key.split('.').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return bad("empty component");
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("contains whitespace");
    }
    let mut p = PathBuf::from("/proc/sys");
    p.extend(parts);
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_validation() {
        assert_eq!(
            key_path("net.ipv4.ip_forward").unwrap(),
            Path::new("/proc/sys/net/ipv4/ip_forward")
        );
        assert_eq!(
            key_path("net.ipv4.conf.veth-a_1.forwarding").unwrap(),
            Path::new("/proc/sys/net/ipv4/conf/veth-a_1/forwarding")
        );
        for bad in [
            "",
            "net",
            "net.",
            ".net.ipv4",
            "net..ipv4",
            "net.ipv4.conf/all",
            "net/ipv4/ip_forward",
            "net.ipv4.ip_forward.",
            "kernel.hostname",
            "vm.swappiness",
            "net.ipv4.ip forward",
            "net.a\0b",
        ] {
            let e = key_path(bad).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        // Validation happens before any namespace or file access.
        assert_eq!(
            write(None, "kernel.hostname", "x").unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn read_in_current_namespace() {
        // Reading is harmless and works unprivileged.
        let v = read(None, "net.ipv4.ip_forward").unwrap();
        assert!(v == "0" || v == "1", "{v:?}");
    }
}
