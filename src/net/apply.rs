//! Applying judged steps: each step becomes netlink requests queued in dependency waves (see
//! `Waves`), or a syscall or firewall batch that first waits for what is in flight.

use super::backend::{Netlink, Waves};
use super::messages::{self as m, NewLink};
use super::netns::{self, NewNetns};
use super::sysctl;
use crate::plan::{Apply, LinkSpec, OpKind};
use crate::sys::{Failure, Netns};
use rtnetlink::packet_route::RouteNetlinkMessage;
use std::collections::HashMap;

/// How many namespaces are made at once.
const NETNS_RUN: usize = 64;

/// A step's failure: its index, and what the kernel said.
type Failed = (usize, Failure);

impl Apply for Netlink {
    fn apply(&mut self, steps: &[OpKind]) -> Result<(), Failed> {
        let mut batch = Waves::default();
        // Firewall steps and namespace creations go in runs (one batch per namespace, all
        // namespaces at once); the index after the last run.
        let mut run_done = 0;
        for (i, step) in steps.iter().enumerate() {
            if i < run_done {
                continue;
            }
            self.go_on(i)?;
            if matches!(
                step,
                OpKind::RuleAdd { insert: None, .. } | OpKind::RuleDel { .. }
            ) {
                run_done = self.rules(&mut batch, steps, i)?;
            } else if matches!(step, OpKind::NetnsAdd { .. }) {
                run_done = self.netns_adds(&mut batch, steps, i)?;
            } else {
                self.step(&mut batch, step, i)?;
            }
        }
        self.drain(&mut batch)
    }
}

impl Netlink {
    /// One step; anything that may look up an index or make a syscall first waits for the batch.
    fn step(&mut self, batch: &mut Waves, step: &OpKind, i: usize) -> Result<(), Failed> {
        let t = step.names();
        let at = |f: Failure| (i, f);
        use OpKind::*;
        match step {
            NetnsAdd { .. } => unreachable!("namespaces go in runs (Netlink::netns_adds)"),
            NetnsDel { name } => {
                self.drain(batch)?;
                let ns = Netns::Named(name.clone());
                self.h.forget(&ns);
                self.index.remove(&ns);
                self.next_index.remove(&ns);
                netns::delete_named(name).map_err(|e| at(Failure::from_io(&e)))?;
            }
            LinkAdd { .. } => self.link_add(batch, step, i)?,
            LinkRequire { .. } => {}
            LinkSetNs { ns, name, to } => {
                let fd = self.h.fd(to).map_err(|e| at(Failure::from_io(&e)))?;
                self.forget_link(ns, name);
                self.send(batch, &t, i, ns, vec![m::set_netns(name, fd)])?;
                // Its index in the new namespace is the kernel's choice, and could be the
                // one netsh would choose next there: stop choosing in that namespace.
                self.drain(batch)?;
                self.next_index.remove(to);
            }
            LinkSetMaster { ns, name, master } => {
                let mi = match master {
                    Some(mn) => self.index_now(batch, i, ns, mn)?,
                    None => 0,
                };
                self.send(batch, &t, i, ns, vec![m::set_master(name, mi)])?;
            }
            LinkSetUp { ns, name, up } => {
                self.send(batch, &t, i, ns, vec![m::set_up(name, *up)])?
            }
            LinkSetMtu { ns, name, mtu } => {
                self.send(batch, &t, i, ns, vec![m::set_mtu(name, *mtu)])?
            }
            LinkDel { ns, name, .. } => {
                self.forget_link(ns, name);
                self.send(batch, &t, i, ns, vec![m::del_link(name)])?;
            }
            AddrAdd { .. } | AddrDel { .. } | RouteAdd { .. } | RouteDel { .. } => {
                self.addr_or_route(batch, step, i)?
            }
            FdbAdd { ns, dev, mac, dst } | FdbDel { ns, dev, mac, dst } => {
                let idx = self.index_now(batch, i, ns, dev)?;
                let mac = m::parse_mac(mac)
                    .ok_or_else(|| at(Failure::new(format!("bad MAC {mac}"), None)))?;
                let msg = m::fdb(idx, mac, *dst, matches!(step, FdbAdd { .. }));
                self.send(batch, &t, i, ns, vec![msg])?;
            }
            RuleAdd { insert: None, .. } | RuleDel { .. } => {
                unreachable!("rules go in runs (Netlink::rules)")
            }
            RuleAdd { .. } | Policy { .. } | ChainAdd { .. } | ChainDel { .. } => {
                self.firewall(batch, step, i)?
            }
            Sysctl { ns, key, value } => {
                self.drain(batch)?;
                sysctl::write(ns.path().as_deref(), key, value)
                    .map_err(|e| at(Failure::from_io(&e)))?;
            }
        }
        Ok(())
    }

    /// The run of namespace creations from `i`, made at once (see `netns::create_many`), each
    /// with the lab's tag on its `lo` from the start (`down` tells the lab's namespaces by it,
    /// and `down --force` finds them by it); a `lo` up right after its namespace goes in the
    /// same request. At most `NETNS_RUN` at once, so that a stop asked meanwhile (Ctrl-C) is
    /// heard between runs. Returns the index after the run.
    fn netns_adds(
        &mut self,
        batch: &mut Waves,
        steps: &[OpKind],
        i: usize,
    ) -> Result<usize, Failed> {
        self.drain(batch)?;
        let mut new = vec![];
        let mut at = vec![];
        let mut j = i;
        while let (Some(OpKind::NetnsAdd { name }), true) = (steps.get(j), new.len() < NETNS_RUN) {
            let lo_up = matches!(steps.get(j + 1), Some(OpKind::LinkSetUp { ns: Netns::Named(n), name: lo, up: true }) if n == name && lo == "lo");
            new.push(NewNetns {
                name: name.clone(),
                alias: Some(self.alias.clone()),
                lo_up,
            });
            at.push(j);
            j += if lo_up { 2 } else { 1 };
        }
        let made = self.h.create_netns(new);
        let mut failed = None;
        for (k, m) in at.into_iter().zip(made) {
            let OpKind::NetnsAdd { name } = &steps[k] else {
                unreachable!("at holds the namespace creations")
            };
            match m {
                Ok(()) => {
                    let ns = Netns::Named(name.clone());
                    self.next_index.insert(ns.clone(), 2);
                    self.index
                        .insert(ns, HashMap::from([("lo".to_string(), 1)]));
                }
                Err(e) => {
                    failed.get_or_insert((k, Failure::from_io(&e)));
                }
            }
        }
        match failed {
            Some(f) => Err(f),
            None => Ok(j),
        }
    }

    /// A link with its index, master, state and tag in one request; a veth's peer is born in
    /// its namespace, tagged too unless it dies with a namespace this run made.
    fn link_add(&mut self, batch: &mut Waves, step: &OpKind, i: usize) -> Result<(), Failed> {
        let OpKind::LinkAdd {
            ns,
            name,
            kind,
            master,
            up,
            mtu,
        } = step
        else {
            unreachable!("link_add takes a LinkAdd")
        };
        let master = match master {
            Some(mn) => Some(self.index_now(batch, i, ns, mn)?),
            None => None,
        };
        let l = NewLink {
            name,
            index: self.choose_index(ns, name),
            master,
            up: *up,
            mtu: *mtu,
        };
        let mut after_peer = None;
        let msg = match kind {
            LinkSpec::Bridge => {
                let mac = crate::plan::op::bridge_mac_on(self.machine.as_deref(), ns, name);
                m::add_bridge(&l, mac)
            }
            LinkSpec::Vxlan(v) => {
                let dev = match &v.dev {
                    Some(d) => Some(self.index_now(batch, i, ns, d)?),
                    None => None,
                };
                m::add_vxlan(&l, v, dev)
            }
            LinkSpec::Veth { peer, peer_ns } => {
                let fd = if peer_ns != ns {
                    Some(self.h.fd(peer_ns).map_err(|e| (i, Failure::from_io(&e)))?)
                } else {
                    None
                };
                let pidx = self.choose_index(peer_ns, peer);
                if !self.next_index.contains_key(peer_ns) || peer_ns == ns {
                    after_peer = Some((peer_ns.clone(), peer.clone()));
                }
                m::add_veth(&l, peer, pidx, fd)
            }
        };
        let alias = m::set_alias(name, &self.alias);
        self.send(batch, &step.names(), i, ns, vec![msg, alias])?;
        if let Some((pns, peer)) = after_peer {
            let alias = m::set_alias(&peer, &self.alias);
            let named = [(pns.clone(), peer.clone())];
            self.send(batch, &named, i, &pns, vec![alias])?;
        }
        Ok(())
    }

    fn addr_or_route(&mut self, batch: &mut Waves, step: &OpKind, i: usize) -> Result<(), Failed> {
        use OpKind::*;
        let msg = match step {
            AddrAdd { ns, link, addr } | AddrDel { ns, link, addr } => {
                let idx = self.index_now(batch, i, ns, link)?;
                let msg = m::address(idx, addr);
                if matches!(step, AddrAdd { .. }) {
                    m::envelope(RouteNetlinkMessage::NewAddress(msg), m::CREATE)
                } else {
                    m::envelope(RouteNetlinkMessage::DelAddress(msg), m::CHANGE)
                }
            }
            RouteAdd { ns, dst, via, dev } | RouteDel { ns, dst, via, dev } => {
                let oif = match dev {
                    Some(d) => Some(self.index_now(batch, i, ns, d)?),
                    None => None,
                };
                let msg = m::route(dst, via, oif, matches!(step, RouteDel { .. }));
                if matches!(step, RouteAdd { .. }) {
                    m::envelope(RouteNetlinkMessage::NewRoute(msg), m::CREATE)
                } else {
                    m::envelope(RouteNetlinkMessage::DelRoute(msg), m::CHANGE)
                }
            }
            _ => unreachable!("addr_or_route takes an address or a route"),
        };
        self.send(batch, &step.names(), i, &step.ns(), vec![msg])
    }

    /// A firewall change other than appending or deleting rules, after what is in flight.
    fn firewall(&mut self, batch: &mut Waves, step: &OpKind, i: usize) -> Result<(), Failed> {
        self.drain(batch)?;
        let path = step.ns().path();
        let ns = path.as_deref();
        let done = match step {
            OpKind::RuleAdd {
                rule,
                insert: Some(n),
                ..
            } => self.fw.insert(ns, rule, *n),
            OpKind::Policy {
                table,
                chain,
                policy,
                ..
            } => self.fw.set_policy(ns, table, chain, policy),
            OpKind::ChainAdd { table, chain, .. } => self.fw.new_chain(ns, table, chain),
            OpKind::ChainDel { table, chain, .. } => self.fw.delete_chain(ns, table, chain),
            _ => unreachable!("firewall takes an insert, a policy or a chain"),
        };
        done.map_err(|f| (i, f))
    }

    /// The run of firewall steps from `i` that add (or delete) rules in one namespace: one
    /// batch, after what is in flight. Returns the index after the run.
    fn rules(&mut self, batch: &mut Waves, steps: &[OpKind], i: usize) -> Result<usize, Failed> {
        let (ns, adding) = match &steps[i] {
            OpKind::RuleAdd { ns, .. } => (ns.clone(), true),
            OpKind::RuleDel { ns, .. } => (ns.clone(), false),
            _ => unreachable!("rules start at a rule"),
        };
        let rules: Vec<_> = steps[i..]
            .iter()
            .map_while(|s| match s {
                OpKind::RuleAdd {
                    ns: n,
                    rule,
                    insert: None,
                } if adding && *n == ns => Some(rule.clone()),
                OpKind::RuleDel { ns: n, rule } if !adding && *n == ns => Some(rule.clone()),
                _ => None,
            })
            .collect();
        self.drain(batch)?;
        let path = ns.path();
        let done = if adding {
            self.fw.append_all(path.as_deref(), &rules)
        } else {
            self.fw.delete_all(path.as_deref(), &rules)
        };
        done.map_err(|f| (i, f))?;
        Ok(i + rules.len())
    }
}
