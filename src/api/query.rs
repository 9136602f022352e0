//! `links()`, `addrs()`, `routes()`: the live state of a stack as arrays of maps, for scripts and
//! the REPL. Each flushes the plan first.

use super::error::{fail, DslError, R};
use super::named::Named;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::plan::render::dst_text;
use crate::plan::view::NsView;
use crate::sys::Netns;
use rhai::{Array, Dynamic, Engine, FuncRegistration, Map, NativeCallContext};

impl Session {
    pub(crate) fn observe(&mut self, st: &Stack) -> Result<NsView, DslError> {
        self.flush()?;
        self.backend.observe(&st.ns).map_err(|f| {
            DslError::new(
                "netsh::read",
                format!("cannot read the state of {}: {}", st.ns, f.message),
                "check that the namespace exists: ns(...) creates it",
            )
        })
    }
}

fn opt(s: &Option<String>) -> Dynamic {
    match s {
        Some(s) => s.clone().into(),
        None => Dynamic::UNIT,
    }
}

fn links(v: &NsView) -> Array {
    v.links
        .iter()
        .map(|(name, l)| {
            let mut m = Map::new();
            m.insert("name".into(), name.clone().into());
            m.insert("kind".into(), opt(&l.kind.as_ref().map(|k| k.to_string())));
            m.insert("master".into(), opt(&l.master));
            m.insert("up".into(), l.up.into());
            m.insert("mtu".into(), (l.mtu as i64).into());
            let addrs: Array = v
                .addrs
                .iter()
                .filter(|(d, _)| d == name)
                .map(|(_, a)| a.to_string().into())
                .collect();
            m.insert("addrs".into(), addrs.into());
            m.into()
        })
        .collect()
}

fn addrs(v: &NsView) -> Array {
    v.addrs
        .iter()
        .map(|(link, a)| {
            let mut m = Map::new();
            m.insert("link".into(), link.clone().into());
            m.insert("addr".into(), a.to_string().into());
            m.into()
        })
        .collect()
}

fn routes(v: &NsView) -> Array {
    v.routes
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("dst".into(), dst_text(&r.dst).into());
            m.insert("via".into(), opt(&r.via.map(|v| v.to_string())));
            m.insert("dev".into(), opt(&r.dev));
            m.into()
        })
        .collect()
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    type Reader = fn(&NsView) -> Array;
    // Each with its entry on a stack, then on the host.
    let readers: [(&str, Reader, [&str; 2], [&str; 2]); 3] = [
        (
            "links",
            links,
            [
                "/// stack.links() -> array",
                "/// a namespace's links, live",
            ],
            [
                "/// links() -> array",
                "/// the host's links, live: #{ name, kind, master, up, mtu, addrs }",
            ],
        ),
        (
            "addrs",
            addrs,
            [
                "/// stack.addrs() -> array",
                "/// a namespace's addresses, live",
            ],
            [
                "/// addrs() -> array",
                "/// the host's addresses, live: #{ link, addr }",
            ],
        ),
        (
            "routes",
            routes,
            [
                "/// stack.routes() -> array",
                "/// a namespace's main routing table, live",
            ],
            [
                "/// routes() -> array",
                "/// the host's main routing table, live: #{ dst, via, dev }",
            ],
        ),
    ];
    for (name, f, on_stack, on_host) in readers {
        let s = shared.clone();
        FuncRegistration::new(name)
            .with_comments(on_stack)
            .register_named(
                engine,
                ["stack"],
                move |ctx: NativeCallContext, st: &mut Stack| -> R<Array> {
                    let r = s.borrow_mut().observe(st);
                    r.map(|v| f(&v)).or_else(|e: DslError| fail(&ctx, e))
                },
            );
        let s = shared.clone();
        FuncRegistration::new(name)
            .with_comments(on_host)
            .register_named(engine, [], move |ctx: NativeCallContext| -> R<Array> {
                let r = s.borrow_mut().observe(&Stack { ns: Netns::Root });
                r.map(|v| f(&v)).or_else(|e: DslError| fail(&ctx, e))
            });
    }
}
