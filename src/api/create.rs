//! The link constructors: `bridge(name)`, `veth(name, peer)` and `link(name)`, on the host or as
//! methods of a stack. Calling one again with the same name returns the same link (ensure
//! semantics); a name the script already gave to another kind of link is a mistake.

use super::error::{at, fail, DslError, R};
use super::link::Link;
use super::model::ModelKind;
use super::named::Named;
use super::names::check_ifname;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::plan::{LinkSpec, OpKind};
use crate::sys::{At, Netns};
use rhai::{Engine, FuncRegistration, NativeCallContext};

impl Session {
    pub(crate) fn taken(
        &self,
        ns: &Netns,
        name: &str,
        want: ModelKind,
    ) -> Result<Option<usize>, DslError> {
        match self.model.find(ns, name) {
            Some(id) if self.model.links[id].kind == want => Ok(Some(id)),
            Some(id) => {
                let o = &self.model.links[id];
                Err(DslError::new(
                    "netsh::name-taken",
                    format!(
                        "{name} on {ns} is already {} (line {})",
                        o.kind.words(),
                        o.at.line
                    ),
                    format!(
                        "give the new {} another name",
                        want.words().trim_start_matches("a ")
                    ),
                ))
            }
            None => Ok(None),
        }
    }

    pub(crate) fn bridge(&mut self, st: &Stack, name: &str, at: At) -> Result<Link, DslError> {
        self.alive(st)?;
        check_ifname(name, "bridge")?;
        if let Some(id) = self.taken(&st.ns, name, ModelKind::Bridge)? {
            return Ok(Link { id });
        }
        let id = self.model.add(name, &st.ns, ModelKind::Bridge, at);
        self.push(
            OpKind::LinkAdd {
                ns: st.ns.clone(),
                name: name.to_string(),
                kind: LinkSpec::Bridge,
                master: None,
                up: false,
                mtu: None,
            },
            at,
        );
        Ok(Link { id })
    }

    pub(crate) fn veth(
        &mut self,
        st: &Stack,
        name: &str,
        peer: &str,
        at: At,
    ) -> Result<Link, DslError> {
        self.alive(st)?;
        check_ifname(name, "veth")?;
        check_ifname(peer, "veth peer")?;
        if name == peer {
            return Err(DslError::new(
                "netsh::name-taken",
                format!("a veth pair needs two names, but both ends are \"{name}\""),
                format!("name the peer differently, e.g. veth(\"{name}\", \"{name}b\")"),
            ));
        }
        let a = self.taken(&st.ns, name, ModelKind::Veth)?;
        let b = self.taken(&st.ns, peer, ModelKind::Veth)?;
        match (a, b) {
            (Some(a), Some(b)) if self.model.links[a].peer == Some(b) => return Ok(Link { id: a }),
            (None, None) => {}
            (Some(x), _) | (_, Some(x)) => {
                let o = &self.model.links[x];
                return Err(DslError::new(
                    "netsh::name-taken",
                    format!(
                        "{} on {} already belongs to another veth pair (line {})",
                        o.name, o.ns, o.at.line
                    ),
                    "give the new pair other names",
                ));
            }
        }
        let (a, _) = self.cable(st, name, st, peer, at)?;
        Ok(a)
    }

    pub(crate) fn link(&mut self, st: &Stack, name: &str, at: At) -> Result<Link, DslError> {
        self.alive(st)?;
        check_ifname(name, "link")?;
        if let Some(id) = self.model.find(&st.ns, name) {
            return Ok(Link { id });
        }
        if let Some(id) = self.model.moved_from(&st.ns, name) {
            let o = &self.model.links[id];
            let hint = format!("{}.link(\"{name}\")", o.ns.dsl());
            return Err(DslError::new(
                "netsh::wrong-namespace",
                format!(
                    "{name} is on {}, not on {}: it was moved there (line {})",
                    o.ns, st.ns, o.at.line
                ),
                format!("use {hint}, or the handle the script already has"),
            ));
        }
        let id = self.model.add(name, &st.ns, ModelKind::Existing, at);
        self.push(
            OpKind::LinkRequire {
                ns: st.ns.clone(),
                name: name.to_string(),
            },
            at,
        );
        Ok(Link { id })
    }
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let host = || Stack { ns: Netns::Root };
    let s = shared.clone();
    FuncRegistration::new("bridge")
        .with_comments(["/// bridge(name) -> Link", "/// a bridge on the host"])
        .register_named(
            engine,
            ["name"],
            move |ctx: NativeCallContext, name: &str| -> R<Link> {
                let r = s.borrow_mut().bridge(&host(), name, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("bridge")
        .with_comments([
            "/// stack.bridge(name) -> Link",
            "/// a bridge in a namespace or host",
        ])
        .register_named(
            engine,
            ["stack", "name"],
            move |ctx: NativeCallContext, st: &mut Stack, name: &str| -> R<Link> {
                let r = s.borrow_mut().bridge(st, name, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("veth")
        .with_comments([
            "/// veth(name, peer) -> Link",
            "/// a veth pair on the host; returns the end `name`",
        ])
        .register_named(
            engine,
            ["name", "peer"],
            move |ctx: NativeCallContext, name: &str, peer: &str| -> R<Link> {
                let r = s.borrow_mut().veth(&host(), name, peer, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("veth")
        .with_comments([
            "/// stack.veth(name, peer) -> Link",
            "/// a veth pair in a namespace or host",
        ])
        .register_named(
            engine,
            ["stack", "name", "peer"],
            move |ctx: NativeCallContext, st: &mut Stack, name: &str, peer: &str| -> R<Link> {
                let r = s.borrow_mut().veth(st, name, peer, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("link")
        .with_comments([
            "/// link(name) -> Link",
            "/// an existing link on the host, adopted",
        ])
        .register_named(
            engine,
            ["name"],
            move |ctx: NativeCallContext, name: &str| -> R<Link> {
                let r = s.borrow_mut().link(&host(), name, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("link")
        .with_comments([
            "/// stack.link(name) -> Link",
            "/// an existing link in a namespace, adopted",
        ])
        .register_named(
            engine,
            ["stack", "name"],
            move |ctx: NativeCallContext, st: &mut Stack, name: &str| -> R<Link> {
                let r = s.borrow_mut().link(st, name, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
}
