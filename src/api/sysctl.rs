//! `sysctl(key, value)` and `ip_forward(on)`. Only `net.*` keys: they are per namespace, while
//! any other key would change the whole machine.

use super::error::{at, fail, DslError, R};
use super::named::Named;
use super::plain_text::check_no_control;
use super::session::{Session, Shared};
use super::stack::Stack;
use super::sysctl_range::ranged;
use crate::plan::OpKind;
use crate::sys::{At, Netns};
use rhai::{Dynamic, Engine, FuncRegistration, NativeCallContext};

impl Session {
    pub(crate) fn sysctl(
        &mut self,
        st: &Stack,
        key: &str,
        value: &Dynamic,
        at: At,
    ) -> Result<(), DslError> {
        self.alive(st)?;
        let valid = key.starts_with("net.")
            && key.split('.').all(|p| !p.is_empty())
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-');
        if !valid {
            return Err(DslError::new(
                "netsh::sysctl",
                format!("\"{key}\" is not a per-namespace sysctl key"),
                "netsh sets only net.* keys, written with dots, e.g. \"net.ipv4.ip_forward\"",
            ));
        }
        let value = if value.is_bool() {
            if value.as_bool().unwrap() { "1" } else { "0" }.to_string()
        } else if value.is_int() || value.is_string() {
            value.to_string()
        } else {
            return Err(DslError::new(
                "netsh::sysctl",
                format!(
                    "the value of {key} must be a string, an integer or a bool, not {}",
                    value.type_name()
                ),
                format!("e.g. sysctl(\"{key}\", \"1\")"),
            ));
        };
        if value.is_empty() {
            return Err(DslError::new(
                "netsh::sysctl",
                format!("the value of {key} is empty"),
                format!("e.g. sysctl(\"{key}\", \"1\")"),
            ));
        }
        check_no_control(
            &value,
            "netsh::sysctl",
            &format!("the value of {key}"),
            "write the value on one line; separate numbers with spaces, e.g. \"20000 30000\"",
        )?;
        let value = ranged(key, &value)?;
        self.push(
            OpKind::Sysctl {
                ns: st.ns.clone(),
                key: key.to_string(),
                value,
            },
            at,
        );
        Ok(())
    }
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let host = || Stack { ns: Netns::Root };
    let s = shared.clone();
    FuncRegistration::new("sysctl")
        .with_comments([
            "/// stack.sysctl(key, value) -> Stack",
            "/// set a sysctl in a namespace",
        ])
        .register_named(
            engine,
            ["stack", "key", "value"],
            move |ctx: NativeCallContext, st: &mut Stack, key: &str, value: Dynamic| -> R<Stack> {
                let r = s.borrow_mut().sysctl(st, key, &value, at(&ctx));
                r.map(|_| st.clone()).or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("sysctl")
        .with_comments([
            "/// sysctl(key, value) -> Stack",
            "/// set a sysctl on the host (restored by down)",
        ])
        .register_named(
            engine,
            ["key", "value"],
            move |ctx: NativeCallContext, key: &str, value: Dynamic| -> R<Stack> {
                let r = s.borrow_mut().sysctl(&host(), key, &value, at(&ctx));
                r.map(|_| host()).or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("ip_forward")
        .with_comments([
            "/// stack.ip_forward(on) -> Stack",
            "/// sysctl net.ipv4.ip_forward in a namespace",
        ])
        .register_named(
            engine,
            ["stack", "on"],
            move |ctx: NativeCallContext, st: &mut Stack, on: bool| -> R<Stack> {
                let r = s
                    .borrow_mut()
                    .sysctl(st, "net.ipv4.ip_forward", &on.into(), at(&ctx));
                r.map(|_| st.clone()).or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("ip_forward")
        .with_comments([
            "/// ip_forward(on) -> Stack",
            "/// sysctl net.ipv4.ip_forward on the host",
        ])
        .register_named(
            engine,
            ["on"],
            move |ctx: NativeCallContext, on: bool| -> R<Stack> {
                let r = s
                    .borrow_mut()
                    .sysctl(&host(), "net.ipv4.ip_forward", &on.into(), at(&ctx));
                r.map(|_| host()).or_else(|e| fail(&ctx, e))
            },
        );
}
