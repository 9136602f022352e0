//! `read_sysctl(key)`: a sysctl's live value, or `()` where this kernel has no such key (a module
//! not loaded: br_netfilter's `net.bridge.*`) or nothing is known (a dry run). A script branches
//! on it to say what a machine lacks instead of failing.

use super::error::{fail, DslError, R};
use super::named::Named;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::sys::Netns;
use rhai::{Dynamic, Engine, FuncRegistration, NativeCallContext};

impl Session {
    pub(crate) fn read_sysctl(&mut self, st: &Stack, key: &str) -> Result<Dynamic, DslError> {
        if !key.starts_with("net.") || key.contains('/') || key.split('.').any(str::is_empty) {
            return Err(DslError::new(
                "netsh::sysctl",
                format!("\"{key}\" is not a per-namespace sysctl key"),
                "netsh reads only net.* keys, written with dots, e.g. \"net.ipv4.ip_forward\"",
            ));
        }
        self.flush()?;
        match self.backend.read_sysctl(&st.ns, key) {
            Ok(Some(v)) => Ok(v.trim().to_string().into()),
            Ok(None) => Ok(Dynamic::UNIT),
            // ENOENT: no such key in this kernel (or its module is not loaded).
            Err(f) if f.errno == Some(2) => Ok(Dynamic::UNIT),
            Err(f) => Err(DslError::new(
                "netsh::read",
                format!("cannot read {key} on {}: {}", st.ns, f.message),
                "check that the namespace exists: ns(...) creates it",
            )),
        }
    }
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let s = shared.clone();
    FuncRegistration::new("read_sysctl")
        .with_comments([
            "/// stack.read_sysctl(key) -> string or ()",
            "/// a sysctl's live value in a namespace; () where the kernel has no such key",
        ])
        .register_named(
            engine,
            ["stack", "key"],
            move |ctx: NativeCallContext, st: &mut Stack, key: &str| -> R<Dynamic> {
                let r = s.borrow_mut().read_sysctl(st, key);
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("read_sysctl")
        .with_comments([
            "/// read_sysctl(key) -> string or ()",
            "/// a sysctl's live value on the host, e.g. read_sysctl(\"net.bridge.bridge-nf-call-iptables\"); () where the kernel has no such key (br_netfilter not loaded)",
        ])
        .register_named(
            engine,
            ["key"],
            move |ctx: NativeCallContext, key: &str| -> R<Dynamic> {
                let host = Stack { ns: Netns::Root };
                let r = s.borrow_mut().read_sysctl(&host, key);
                r.or_else(|e| fail(&ctx, e))
            },
        );
}
