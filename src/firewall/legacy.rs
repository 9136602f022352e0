//! Which kind of firewall a namespace's rules live in. A host that runs iptables-legacy keeps
//! its rules in x_tables, which nf_tables rules would sit beside unseen (both are evaluated):
//! such a namespace is served by the iptables-legacy program, never by both kinds.

use crate::sys::enter::in_netns;
use nix::libc;
use std::io;
use std::path::Path;

/// The driver a namespace's firewall goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DriverKind {
    /// nf_tables over netlink, in iptables-nft's encoding: no program needed.
    Native,
    /// The iptables-legacy program (x_tables), for a namespace whose rules live there.
    Legacy,
}

/// Legacy when an x_tables table of the namespace holds rules or user chains; else native
/// (empty legacy tables filter nothing: a loaded module makes them in every namespace on some
/// kernels).
pub fn detect(ns: Option<&Path>) -> io::Result<DriverKind> {
    in_netns(ns, || {
        // /proc/thread-self: this thread's namespace (/proc/net follows the main thread's).
        let names = match std::fs::read_to_string("/proc/thread-self/net/ip_tables_names") {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(DriverKind::Native),
            // In a user namespace the file belongs to the host's root, whom nobody here maps
            // to: a namespace made in a sandbox starts with no legacy rules of its own.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return Ok(DriverKind::Native),
            Err(e) => return Err(e),
        };
        for table in names.lines().filter(|t| !t.is_empty()) {
            if holds_rules(table)? {
                return Ok(DriverKind::Legacy);
            }
        }
        Ok(DriverKind::Native)
    })?
}

/// The driver a stack's firewall goes through, as `-v` and `show` name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    Native,
    Legacy,
    /// Native, and the iptables program for rules outside the native set.
    NativeAndProgram,
}

impl Driver {
    /// Its name in `show --json`.
    pub fn name(self) -> &'static str {
        match self {
            Driver::Native => "nf_tables",
            Driver::Legacy => "iptables-legacy",
            Driver::NativeAndProgram => "nf_tables+iptables",
        }
    }

    /// Its words in `-v` and `show`.
    pub fn words(self) -> &'static str {
        match self {
            Driver::Native => "native nf_tables",
            Driver::Legacy => "the iptables-legacy program (x_tables)",
            Driver::NativeAndProgram => {
                "native nf_tables, and the iptables program for rules outside its set"
            }
        }
    }
}

const IPT_SO_GET_INFO: libc::c_int = 64;

/// struct ipt_getinfo (linux/netfilter_ipv4/ip_tables.h).
#[repr(C)]
struct GetInfo {
    name: [u8; 32],
    valid_hooks: u32,
    hook_entry: [u32; 5],
    underflow: [u32; 5],
    num_entries: u32,
    size: u32,
}

/// Whether a legacy table (one that exists: asking about another would load it) has more
/// entries than its built-in chains' policies and the closing entry.
fn holds_rules(table: &str) -> io::Result<bool> {
    let mut info = GetInfo {
        name: [0; 32],
        valid_hooks: 0,
        hook_entry: [0; 5],
        underflow: [0; 5],
        num_entries: 0,
        size: 0,
    };
    let n = table.len().min(31);
    info.name[..n].copy_from_slice(&table.as_bytes()[..n]);
    let mut len = std::mem::size_of::<GetInfo>() as libc::socklen_t;
    // SAFETY: a plain socket and getsockopt into a buffer of the size passed; the fd is closed
    // before returning.
    let r = unsafe {
        let fd = libc::socket(
            libc::AF_INET,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::IPPROTO_RAW,
        );
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let r = libc::getsockopt(
            fd,
            libc::IPPROTO_IP,
            IPT_SO_GET_INFO,
            (&mut info as *mut GetInfo).cast(),
            &mut len,
        );
        let e = io::Error::last_os_error();
        libc::close(fd);
        if r < 0 {
            Err(e)
        } else {
            Ok(())
        }
    };
    match r {
        Ok(()) => Ok(info.num_entries > info.valid_hooks.count_ones() + 1),
        // Gone since it was listed.
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(false),
        Err(e) => Err(e),
    }
}
