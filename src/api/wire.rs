//! `wire(a, "eth0", "172.31.131.149/24", b, "eth0", "172.31.131.150/24")`: a LAN cable between
//! two hosts (or namespaces) — a veth whose ends are born in each, named, addressed and up.

use super::addr::parse_host_cidr;
use super::error::{at, fail, DslError, R};
use super::link::Link;
use super::named::Named;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::plan::OpKind;
use crate::sys::At;
use rhai::{Engine, FuncRegistration, NativeCallContext};

impl Session {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn wire(
        &mut self,
        a: &Stack,
        name_a: &str,
        cidr_a: &str,
        b: &Stack,
        name_b: &str,
        cidr_b: &str,
        at: At,
    ) -> Result<Link, DslError> {
        let net_a = parse_host_cidr(cidr_a)?;
        let net_b = parse_host_cidr(cidr_b)?;
        if a.ns == b.ns {
            return Err(DslError::new(
                "netsh::wire",
                format!("both ends of the wire are on {}", a.ns),
                "a wire joins two hosts: wire(host(), \"eth0\", ..., host(\"h150\"), \"eth0\", ...)",
            ));
        }
        let (ea, eb) = self.cable(a, name_a, b, name_b, at)?;
        self.model.links[ea.id].addrs.push(net_a);
        self.model.links[eb.id].addrs.push(net_b);
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
        Ok(ea)
    }
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let s = shared.clone();
    FuncRegistration::new("wire")
        .with_comments([
            "/// wire(a, name_a, cidr_a, b, name_b, cidr_b) -> Link",
            "/// a LAN cable between two stacks, addressed at both ends",
        ])
        .register_named(
            engine,
            ["a", "name_a", "cidr_a", "b", "name_b", "cidr_b"],
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
