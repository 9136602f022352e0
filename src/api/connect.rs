//! `connect(ns, br, cidr [, #{ name, peer, gw }])`: a namespace on a bridge in one call — a veth
//! whose bridge end is enslaved and up, and whose other end is in `ns`, addressed and up.

use super::error::{at, fail, DslError, R};
use super::link::Link;
use super::model::ModelKind;
use super::named::Named;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::sys::{At, Netns};
use rhai::{Engine, FuncRegistration, Map, NativeCallContext};

#[derive(Default)]
struct Opts {
    name: Option<String>,
    peer: Option<String>,
    gw: bool,
}

fn opts(m: &Map) -> Result<Opts, DslError> {
    let mut o = Opts::default();
    for (k, v) in m {
        match k.as_str() {
            "name" | "peer" => {
                let s = v.clone().into_string().map_err(|t| {
                    DslError::new(
                        "netsh::connect",
                        format!("connect option {k} must be a string, not {t}"),
                        format!("e.g. {k}: \"veth1\""),
                    )
                })?;
                if k == "name" {
                    o.name = Some(s)
                } else {
                    o.peer = Some(s)
                }
            }
            "gw" => {
                o.gw = v.as_bool().map_err(|t| {
                    DslError::new(
                        "netsh::connect",
                        format!("connect option gw must be true or false, not {t}"),
                        "e.g. gw: true",
                    )
                })?
            }
            _ => {
                return Err(DslError::new(
                    "netsh::connect",
                    format!("unknown connect option \"{k}\""),
                    "connect options are name, peer and gw",
                ))
            }
        }
    }
    Ok(o)
}

impl Session {
    fn free_name(&mut self, ns: &Netns, base: &str) -> String {
        // An adopted namespace (a container's) holds links the script never made: ask it.
        let there: Vec<String> = match ns {
            Netns::Adopted(_) => self
                .backend
                .observe(ns)
                .map(|v| v.links.into_keys().collect())
                .unwrap_or_default(),
            _ => vec![],
        };
        (0..)
            .map(|k| format!("{base}{k}"))
            .find(|n| self.model.find(ns, n).is_none() && !there.contains(n))
            .unwrap()
    }

    fn connect(
        &mut self,
        st: &Stack,
        br: &Link,
        cidr: &str,
        o: Opts,
        at: At,
    ) -> Result<Link, DslError> {
        let b = self.model.links[br.id].clone();
        if b.kind == ModelKind::Veth {
            return Err(DslError::new(
                "netsh::connect",
                format!("{} is a veth, not a bridge", b.name),
                "connect(ns, br, cidr) plugs ns into the bridge br: pass a bridge(...)",
            ));
        }
        // Everything is checked before anything is recorded.
        crate::api::addr::parse_host_cidr(cidr)?;
        let gw = match (o.gw, b.addrs.first()) {
            (false, _) => None,
            (true, Some(a)) => Some(a.addr()),
            (true, None) => {
                return Err(DslError::new(
                    "netsh::connect",
                    format!("gw: true, but the bridge {} has no address yet", b.name),
                    format!(
                        "give it one first: bridge(\"{}\").addr(\"10.1.1.1/24\")",
                        b.name
                    ),
                ))
            }
        };
        let inside = o.name.unwrap_or_else(|| self.free_name(&st.ns, "eth"));
        let outside = match o.peer {
            Some(p) => p,
            None => {
                let nsname = match &st.ns {
                    Netns::Named(n) => n.clone(),
                    Netns::Root => "host".into(),
                    // "pid:1234" is no part of an interface name.
                    Netns::Adopted(_) => ".".into(),
                };
                let c = format!("{nsname}-{}", b.name);
                if c.len() <= 15 && self.model.find(&b.ns, &c).is_none() && !c.contains('.') {
                    c
                } else {
                    self.free_name(&b.ns, "veth")
                }
            }
        };
        let bst = Stack { ns: b.ns.clone() };
        let (v, peer) = self.cable(st, &inside, &bst, &outside, at)?;
        self.master(&peer, br, at)?;
        self.link_op(&peer, at, |ns, name| crate::plan::OpKind::LinkSetUp {
            ns,
            name,
            up: true,
        })?;
        self.addr(&v, cidr, at, true)?;
        self.link_op(&v, at, |ns, name| crate::plan::OpKind::LinkSetUp {
            ns,
            name,
            up: true,
        })?;
        if let Some(gw) = gw {
            self.route(st, "default", Some(&gw.to_string()), None, at)?;
        }
        Ok(v)
    }
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let s = shared.clone();
    FuncRegistration::new("connect")
        .with_comments([
            "/// connect(stack, bridge, cidr) -> Link",
            "/// a veth from a namespace to a bridge, addressed and up",
        ])
        .register_named(
            engine,
            ["stack", "bridge", "cidr"],
            move |ctx: NativeCallContext, st: Stack, br: Link, cidr: &str| -> R<Link> {
                let r = s
                    .borrow_mut()
                    .connect(&st, &br, cidr, Opts::default(), at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("connect")
        .with_comments([
            "/// connect(stack, bridge, cidr, #{ name, peer, gw }) -> Link",
            "/// connect with names; gw: true adds the default route via the bridge",
        ])
        .register_named(
            engine,
            ["stack", "bridge", "cidr", "opts"],
            move |ctx: NativeCallContext, st: Stack, br: Link, cidr: &str, m: Map| -> R<Link> {
                let r = opts(&m).and_then(|o| s.borrow_mut().connect(&st, &br, cidr, o, at(&ctx)));
                r.or_else(|e| fail(&ctx, e))
            },
        );
}
