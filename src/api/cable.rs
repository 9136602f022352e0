//! A veth whose two ends are born where they belong — the primitive under `wire` and
//! `connect`. Each end's name is checked in its own namespace, so both may be called eth0.

use super::error::DslError;
use super::link::Link;
use super::model::ModelKind;
use super::names::check_ifname;
use super::session::Session;
use super::stack::Stack;
use crate::plan::{LinkSpec, OpKind};
use crate::sys::At;

impl Session {
    pub(crate) fn cable(
        &mut self,
        a: &Stack,
        name_a: &str,
        b: &Stack,
        name_b: &str,
        at: At,
    ) -> Result<(Link, Link), DslError> {
        self.alive(a)?;
        self.alive(b)?;
        check_ifname(name_a, "veth")?;
        check_ifname(name_b, "veth peer")?;
        if a.ns == b.ns && name_a == name_b {
            return Err(DslError::new(
                "netsh::name-taken",
                format!("a veth pair needs two names, but both ends are \"{name_a}\""),
                format!("name the peer differently, e.g. \"{name_a}b\""),
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
                    "give this end another name",
                ));
            }
        }
        let ia = self.model.add(name_a, &a.ns, ModelKind::Veth, at);
        let ib = self.model.add(name_b, &b.ns, ModelKind::Veth, at);
        self.model.links[ia].peer = Some(ib);
        self.model.links[ib].peer = Some(ia);
        self.push(
            OpKind::LinkAdd {
                ns: a.ns.clone(),
                name: name_a.to_string(),
                kind: LinkSpec::Veth {
                    peer: name_b.to_string(),
                    peer_ns: b.ns.clone(),
                },
                master: None,
                up: false,
                mtu: None,
            },
            at,
        );
        Ok((Link { id: ia }, Link { id: ib }))
    }
}
