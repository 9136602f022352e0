//! `Link`: a handle on one link the script made or named (bridge, veth end, existing link), and
//! its verbs: peer, into, master, nomaster, addr, del_addr, up, down, mtu, del, name, ns.

use super::addr::{parse_cidr, parse_host_cidr};
use super::adopted::adopted;
use super::error::{at, fail, DslError, R};
use super::model::ModelKind;
use super::named::Named;
use super::session::{Session, Shared};
use super::stack::{Stack, NAME_DOC};
use crate::plan::OpKind;
use crate::sys::{At, Netns};
use rhai::{Engine, FuncRegistration, Map, NativeCallContext};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Link {
    pub(crate) id: usize,
}

impl Session {
    fn live(&self, l: &Link) -> Result<(&str, &Netns), DslError> {
        let o = &self.model.links[l.id];
        if o.deleted {
            return Err(DslError::new(
                "netsh::deleted",
                format!("{} on {} was deleted earlier in this script", o.name, o.ns),
                "create it again before using it",
            ));
        }
        Ok((&o.name, &o.ns))
    }

    pub(crate) fn link_op(
        &mut self,
        l: &Link,
        at: At,
        f: impl FnOnce(Netns, String) -> OpKind,
    ) -> Result<(), DslError> {
        let (name, ns) = self.live(l)?;
        let op = f(ns.clone(), name.to_string());
        self.push(op, at);
        Ok(())
    }

    pub(crate) fn peer(&self, l: &Link) -> Result<Link, DslError> {
        let (name, ns) = self.live(l)?;
        match self.model.links[l.id].peer {
            Some(p) => Ok(Link { id: p }),
            None => Err(DslError::new(
                "netsh::peer",
                format!(
                    "{name} on {ns} is {}, not a veth: it has no peer",
                    self.model.links[l.id].kind.words()
                ),
                "peer() is for veth ends: veth(\"a\", \"b\").peer() is b",
            )),
        }
    }

    /// `adopted`: the script said it may move a link the lab did not make into a namespace the
    /// lab made (which takes a veth with it when it goes).
    pub(crate) fn move_into(
        &mut self,
        l: &Link,
        to: &Stack,
        at: At,
        adopted: bool,
    ) -> Result<(), DslError> {
        let (name, ns) = self.live(l)?;
        let (name, ns) = (name.to_string(), ns.clone());
        if ns == to.ns {
            return Ok(());
        }
        if let Some(other) = self.model.find(&to.ns, &name) {
            let o = &self.model.links[other];
            return Err(DslError::new(
                "netsh::name-taken",
                format!(
                    "cannot move {name} into {}: it already has a {name} ({}, line {})",
                    to.ns,
                    o.kind.words(),
                    o.at.line
                ),
                "give one of them another name",
            ));
        }
        let op = OpKind::LinkSetNs {
            ns,
            name,
            to: to.ns.clone(),
        };
        self.push_del(op, at, adopted);
        self.model.move_link(l.id, &to.ns);
        Ok(())
    }

    pub(crate) fn master(&mut self, l: &Link, br: &Link, at: At) -> Result<(), DslError> {
        let (name, ns) = self.live(l)?;
        let (name, ns) = (name.to_string(), ns.clone());
        let (bname, bns) = self.live(br)?;
        let (bname, bns) = (bname.to_string(), bns.clone());
        let bkind = self.model.links[br.id].kind;
        if l.id == br.id {
            return Err(DslError::new(
                "netsh::master",
                format!("{name} cannot be its own master: a bridge's ports are other links"),
                format!("enslave another link to it, e.g. veth(\"v1\", \"v2\").master(bridge(\"{name}\"))"),
            ));
        }
        if matches!(bkind, ModelKind::Veth | ModelKind::Vxlan) {
            return Err(DslError::new(
                "netsh::master",
                format!(
                    "{bname} is {}, not a bridge: {name} cannot be enslaved to it",
                    bkind.words()
                ),
                "pass a bridge, e.g. .master(bridge(\"bridge0\"))",
            ));
        }
        if bns != ns {
            return Err(DslError::new(
                "netsh::master",
                format!("{name} is on {ns} but the bridge {bname} is on {bns}"),
                format!("a port must be in its bridge's namespace: move {name} with .into(...) first, or use a bridge on {ns}"),
            ));
        }
        self.push(
            OpKind::LinkSetMaster {
                ns,
                name,
                master: Some(bname),
            },
            at,
        );
        Ok(())
    }

    /// Add an address, or delete one (`adopted`: even if the lab did not add it).
    pub(crate) fn addr(&mut self, l: &Link, cidr: &str, at: At, add: bool) -> Result<(), DslError> {
        self.change_addr(l, cidr, at, add, false)
    }

    pub(crate) fn del_addr(
        &mut self,
        l: &Link,
        cidr: &str,
        at: At,
        adopted: bool,
    ) -> Result<(), DslError> {
        self.change_addr(l, cidr, at, false, adopted)
    }

    fn change_addr(
        &mut self,
        l: &Link,
        cidr: &str,
        at: At,
        add: bool,
        adopted: bool,
    ) -> Result<(), DslError> {
        let (name, ns) = self.live(l)?;
        // An address to remove needs only to parse; one to add must be a host's.
        let parse = if add { parse_host_cidr } else { parse_cidr };
        let net = parse(cidr).map_err(|mut e| {
            e.message = format!("{} (for {name} on {ns})", e.message);
            e
        })?;
        let (link, ns) = (name.to_string(), ns.clone());
        let addrs = &mut self.model.links[l.id].addrs;
        if add {
            addrs.push(net);
            self.push(
                OpKind::AddrAdd {
                    ns,
                    link,
                    addr: net,
                },
                at,
            );
        } else {
            addrs.retain(|a| *a != net);
            let op = OpKind::AddrDel {
                ns,
                link,
                addr: net,
            };
            self.push_del(op, at, adopted);
        }
        Ok(())
    }

    /// Delete a link (`adopted`: even if the lab did not make it).
    pub(crate) fn del_link(&mut self, l: &Link, at: At, adopted: bool) -> Result<(), DslError> {
        let peer = self.model.links[l.id].peer.map(|p| {
            (
                self.model.links[p].ns.clone(),
                self.model.links[p].name.clone(),
            )
        });
        let (name, ns) = self.live(l)?;
        let (ns, name) = (ns.clone(), name.to_string());
        self.push_del(OpKind::LinkDel { ns, name, peer }, at, adopted);
        self.model.drop_link(l.id);
        Ok(())
    }
}

/// Register `name(link, ...)` as a method that records an op and returns the link, so calls chain;
/// `$doc` is its reference entry (see `named`).
macro_rules! chain {
    ($engine:expr, $shared:expr, $name:literal, $doc:expr, |$s:ident, $ctx:ident, $l:ident $(, $arg:ident : $t:ty)*| $body:expr) => {{
        let sh = $shared.clone();
        FuncRegistration::new($name).with_comments($doc).register_named(
            $engine,
            ["link" $(, stringify!($arg))*],
            move |$ctx: NativeCallContext, $l: &mut Link $(, $arg: $t)*| -> R<Link> {
                let r = {
                    let mut guard = sh.borrow_mut();
                    let $s: &mut Session = &mut guard;
                    $body
                };
                match r {
                    Ok(()) => Ok($l.clone()),
                    Err(e) => fail(&$ctx, e),
                }
            },
        );
    }};
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    engine.register_type_with_name::<Link>("Link");
    engine.register_fn("==", |a: Link, b: Link| a == b);
    engine.register_fn("!=", |a: Link, b: Link| a != b);
    let s = shared.clone();
    engine.register_fn("to_string", move |l: &mut Link| {
        let s = s.borrow();
        let o = &s.model.links[l.id];
        format!(
            "{} ({} on {})",
            o.name,
            o.kind
                .words()
                .trim_start_matches("a ")
                .trim_start_matches("an "),
            o.ns
        )
    });
    let s = shared.clone();
    engine.register_fn("to_debug", move |l: &mut Link| {
        let s = s.borrow();
        let o = &s.model.links[l.id];
        format!("link(\"{}\") on {}", o.name, o.ns)
    });
    let s = shared.clone();
    FuncRegistration::new_getter("name")
        .with_comments(NAME_DOC)
        .register_named(engine, ["link"], move |l: &mut Link| {
            s.borrow().model.links[l.id].name.clone()
        });
    let s = shared.clone();
    FuncRegistration::new_getter("ns")
        .with_comments(["/// link.ns -> Stack", "/// the stack the link is in"])
        .register_named(engine, ["link"], move |l: &mut Link| Stack {
            ns: s.borrow().model.links[l.id].ns.clone(),
        });
    let s = shared.clone();
    FuncRegistration::new("peer")
        .with_comments(["/// link.peer() -> Link", "/// the other end of a veth"])
        .register_named(
            engine,
            ["link"],
            move |ctx: NativeCallContext, l: &mut Link| -> R<Link> {
                let r = s.borrow().peer(l);
                r.or_else(|e| fail(&ctx, e))
            },
        );
    register_verbs(engine, shared);
}

/// The verbs that return the link, so calls chain: `veth(..).into(ns1).addr(..).up()`.
fn register_verbs(engine: &mut Engine, shared: &Shared) {
    chain!(
        engine,
        shared,
        "into",
        [
            "/// link.into(stack) -> Link",
            "/// place the link in a namespace or host"
        ],
        |s, ctx, l, stack: Stack| s.move_into(l, &stack, at(&ctx), false)
    );
    chain!(
        engine,
        shared,
        "into",
        [
            "/// link.into(stack, #{ adopted: true }) -> Link",
            "/// move a link the lab did not make into a namespace it made (a veth goes when that namespace goes)"
        ],
        |s, ctx, l, stack: Stack, opts: Map| adopted("into", &opts)
            .and_then(|a| s.move_into(l, &stack, at(&ctx), a))
    );
    chain!(
        engine,
        shared,
        "master",
        [
            "/// link.master(bridge) -> Link",
            "/// enslave the link to a bridge"
        ],
        |s, ctx, l, bridge: Link| s.master(l, &bridge, at(&ctx))
    );
    chain!(
        engine,
        shared,
        "nomaster",
        [
            "/// link.nomaster() -> Link",
            "/// release the link from its bridge"
        ],
        |s, ctx, l| s.link_op(l, at(&ctx), |ns, name| {
            OpKind::LinkSetMaster {
                ns,
                name,
                master: None,
            }
        })
    );
    chain!(
        engine,
        shared,
        "addr",
        [
            "/// link.addr(cidr) -> Link",
            "/// add an address, with its prefix: \"10.1.1.2/24\""
        ],
        |s, ctx, l, cidr: &str| s.addr(l, cidr, at(&ctx), true)
    );
    chain!(
        engine,
        shared,
        "del_addr",
        ["/// link.del_addr(cidr) -> Link", "/// remove an address"],
        |s, ctx, l, cidr: &str| s.del_addr(l, cidr, at(&ctx), false)
    );
    register_settings(engine, shared);
}

/// `del_addr` with options, `up`, `down`, `mtu` and `del`, chained like the others.
fn register_settings(engine: &mut Engine, shared: &Shared) {
    chain!(
        engine,
        shared,
        "del_addr",
        [
            "/// link.del_addr(cidr, #{ adopted: true }) -> Link",
            "/// remove an address the lab did not add (nothing brings it back)"
        ],
        |s, ctx, l, cidr: &str, opts: Map| {
            adopted("del_addr", &opts).and_then(|a| s.del_addr(l, cidr, at(&ctx), a))
        }
    );
    chain!(
        engine,
        shared,
        "up",
        ["/// link.up() -> Link", "/// bring the link up"],
        |s, ctx, l| s.link_op(l, at(&ctx), |ns, name| {
            OpKind::LinkSetUp { ns, name, up: true }
        })
    );
    chain!(
        engine,
        shared,
        "down",
        ["/// link.down() -> Link", "/// bring the link down"],
        |s, ctx, l| s.link_op(l, at(&ctx), |ns, name| {
            OpKind::LinkSetUp {
                ns,
                name,
                up: false,
            }
        })
    );
    chain!(
        engine,
        shared,
        "mtu",
        ["/// link.mtu(n) -> Link", "/// set the MTU (68-65535)"],
        |s, ctx, l, n: i64| {
            if !(68..=65535).contains(&n) {
                Err(DslError::new(
                    "netsh::mtu",
                    format!("mtu {n} is out of range (68-65535)"),
                    "Ethernet's is 1500; under VXLAN use 1450",
                ))
            } else {
                s.link_op(l, at(&ctx), |ns, name| OpKind::LinkSetMtu {
                    ns,
                    name,
                    mtu: n as u32,
                })
            }
        }
    );
    chain!(
        engine,
        shared,
        "del",
        [
            "/// link.del() -> Link",
            "/// delete a link (a veth goes with its peer)"
        ],
        |s, ctx, l| s.del_link(l, at(&ctx), false)
    );
    chain!(
        engine,
        shared,
        "del",
        [
            "/// link.del(#{ adopted: true }) -> Link",
            "/// delete a link the lab did not make (nothing brings it back)"
        ],
        |s, ctx, l, opts: Map| adopted("del", &opts).and_then(|a| s.del_link(l, at(&ctx), a))
    );
}
