//! `Stack`: a network stack the script works on — the host (`host()`) or a namespace (`ns("ns1")`).
//! Every verb is a method of it; the top-level verbs act on the host.

use super::error::{at, fail, DslError, R};
use super::names::check_nsname;
use super::session::{Session, Shared};
use crate::plan::{At, Netns, OpKind};
use rhai::{Engine, NativeCallContext};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stack {
    pub ns: Netns,
}

impl fmt::Display for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.ns {
            Netns::Root => f.write_str("host()"),
            Netns::Named(n) => write!(f, "ns(\"{n}\")"),
        }
    }
}

impl Session {
    pub fn ns(&mut self, name: &str, at: At) -> Result<Stack, DslError> {
        check_nsname(name)?;
        let ns = Netns::named(name);
        if !self.model.namespaces.contains_key(name) {
            self.model.namespaces.insert(name.to_string(), at);
            self.push(
                OpKind::NetnsAdd {
                    name: name.to_string(),
                },
                at,
            );
            // A namespace is born with lo down; every lab wants it up.
            self.push(
                OpKind::LinkSetUp {
                    ns: ns.clone(),
                    name: "lo".to_string(),
                    up: true,
                },
                at,
            );
        }
        Ok(Stack { ns })
    }

    pub fn del_ns(&mut self, st: &Stack, at: At) -> Result<(), DslError> {
        let Netns::Named(name) = &st.ns else {
            return Err(DslError::new(
                "netsh::delete",
                "the host cannot be deleted",
                "delete its links or namespaces instead, or use netsh down",
            ));
        };
        self.push(OpKind::NetnsDel { name: name.clone() }, at);
        self.model.drop_ns(&st.ns);
        Ok(())
    }
}

pub fn register(engine: &mut Engine, shared: &Shared) {
    engine.register_type_with_name::<Stack>("Stack");
    engine.register_fn("to_string", |s: &mut Stack| s.to_string());
    engine.register_fn("to_debug", |s: &mut Stack| s.to_string());
    engine.register_get("name", |s: &mut Stack| match &s.ns {
        Netns::Root => "host".to_string(),
        Netns::Named(n) => n.clone(),
    });
    engine.register_fn("==", |a: Stack, b: Stack| a == b);
    engine.register_fn("!=", |a: Stack, b: Stack| a != b);
    engine.register_fn("host", || Stack { ns: Netns::Root });
    let s = shared.clone();
    engine.register_fn(
        "ns",
        move |ctx: NativeCallContext, name: &str| -> R<Stack> {
            let r = s.borrow_mut().ns(name, at(&ctx));
            r.or_else(|e| fail(&ctx, e))
        },
    );
    let s = shared.clone();
    engine.register_fn(
        "del",
        move |ctx: NativeCallContext, st: &mut Stack| -> R<()> {
            let r = s.borrow_mut().del_ns(st, at(&ctx));
            r.or_else(|e| fail(&ctx, e))
        },
    );
}
