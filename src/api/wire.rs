//! `wire(a, "eth0", "172.31.131.149/24", b, "eth0", "172.31.131.150/24")`: a LAN cable between
//! two hosts (or namespaces) — a veth whose ends are born in each, named, addressed and up.

use super::addr::parse_cidr;
use super::error::{at, fail, DslError, R};
use super::link::Link;
use super::model::ModelKind;
use super::names::check_ifname;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::plan::{At, LinkKind, OpKind};
use rhai::{Engine, NativeCallContext};

impl Session {
    #[allow(clippy::too_many_arguments)]
    pub fn wire(
        &mut self,
        a: &Stack,
        name_a: &str,
        cidr_a: &str,
        b: &Stack,
        name_b: &str,
        cidr_b: &str,
        at: At,
    ) -> Result<Link, DslError> {
        self.alive(a)?;
        self.alive(b)?;
        check_ifname(name_a, "wire end")?;
        check_ifname(name_b, "wire end")?;
        let net_a = parse_cidr(cidr_a)?;
        let net_b = parse_cidr(cidr_b)?;
        if a.ns == b.ns {
            return Err(DslError::new(
                "netsh::wire",
                format!("both ends of the wire are on {}", a.ns),
                "a wire joins two hosts: wire(host(), \"eth0\", ..., host(\"h150\"), \"eth0\", ...)",
            ));
        }
        for (st, n) in [(a, name_a), (b, name_b)] {
            if let Some(id) = self.model.find(&st.ns, n) {
                let o = &self.model.links[id];
                return Err(DslError::new(
                    "netsh::name-taken",
                    format!(
                        "{n} on {} is already {} (line {})",
                        st.ns,
                        o.kind.words(),
                        o.at.line
                    ),
                    "give the wire's end another name",
                ));
            }
        }
        let ia = self.model.add(name_a, &a.ns, ModelKind::Veth, at);
        let ib = self.model.add(name_b, &b.ns, ModelKind::Veth, at);
        self.model.links[ia].peer = Some(ib);
        self.model.links[ib].peer = Some(ia);
        self.model.links[ia].addrs.push(net_a);
        self.model.links[ib].addrs.push(net_b);
        self.push(
            OpKind::LinkAdd {
                ns: a.ns.clone(),
                name: name_a.to_string(),
                kind: LinkKind::Veth {
                    peer: name_b.to_string(),
                    peer_ns: b.ns.clone(),
                },
                master: None,
                up: false,
                mtu: None,
            },
            at,
        );
        for (st, n, net) in [(a, name_a, net_a), (b, name_b, net_b)] {
            self.push(
                OpKind::AddrAdd {
                    ns: st.ns.clone(),
                    link: n.to_string(),
                    addr: net,
                },
                at,
            );
            self.push(
                OpKind::LinkSetUp {
                    ns: st.ns.clone(),
                    name: n.to_string(),
                    up: true,
                },
                at,
            );
        }
        Ok(Link { id: ia })
    }
}

pub fn register(engine: &mut Engine, shared: &Shared) {
    let s = shared.clone();
    engine.register_fn(
        "wire",
        move |ctx: NativeCallContext,
              a: Stack,
              name_a: &str,
              cidr_a: &str,
              b: Stack,
              name_b: &str,
              cidr_b: &str|
              -> R<Link> {
            let r = s
                .borrow_mut()
                .wire(&a, name_a, cidr_a, &b, name_b, cidr_b, at(&ctx));
            r.or_else(|e| fail(&ctx, e))
        },
    );
}
