//! Reading every namespace for `netsh show`: links with their veth peers resolved across
//! namespaces (IFLA_LINK + IFLA_LINK_NETNSID, the nsid mapped back to a name), VXLAN details,
//! addresses, routes and firewall rules.

use super::backend::Netlink;
use super::unnamed::stack_name;
use crate::lab::state::{
    Endpoint, LinkState, RouteState, RuleState, StackState, State, VxlanState,
};
use crate::plan::render::dst_text;
use crate::plan::Observe;
use crate::sys::LinkKind;
use crate::sys::{Failure, Netns};
use futures::TryStreamExt;
use rtnetlink::packet_route::link::{InfoData, InfoVxlan, LinkAttribute, LinkFlags, LinkInfo};
use std::collections::{BTreeMap, HashMap};

/// A link as read, before peers are resolved.
struct Raw {
    state: LinkState,
    index: u32,
    /// (peer ifindex, nsid of the peer's namespace as seen from here; None: same namespace)
    peer: Option<(u32, Option<i32>)>,
}

impl Netlink {
    pub(crate) fn topology(&mut self, lab: Option<&str>) -> Result<State, Failure> {
        self.topology_in(lab, false)
    }

    /// A lab's state with every unnamed namespace linked here searched too, not only those its
    /// journal adopted: what `down --force` sweeps when the journal is lost.
    pub(crate) fn topology_swept(&mut self, lab: &str) -> Result<State, Failure> {
        self.topology_in(Some(lab), true)
    }

    fn topology_in(&mut self, lab: Option<&str>, every: bool) -> Result<State, Failure> {
        let (names, unnamed) = self.stacks_to_show(lab, every)?;
        let mut raws: HashMap<Netns, Vec<Raw>> = HashMap::new();
        let mut nsids: HashMap<Netns, HashMap<i32, Netns>> = HashMap::new();
        let mut stacks = vec![];
        for ns in &names {
            let handle = self.handle_for(ns)?;
            let root_fd = match ns {
                Netns::Root => None,
                Netns::Named(_) | Netns::Adopted(_) => Some(self.root_fd()?),
            };
            let (links, ids) = self.block_on(read_links(&handle, &names, root_fd))?;
            raws.insert(ns.clone(), links);
            nsids.insert(ns.clone(), ids);
            let view = self.observe(ns)?;
            let rules = self
                .rules(ns)?
                .into_iter()
                .filter(|r| lab.is_none_or(|l| r.spec.contains(&crate::firewall::rule::tag(l))))
                .map(|r| RuleState {
                    table: r.table,
                    chain: r.chain,
                    spec: r.spec,
                })
                .collect();
            let routes = view
                .routes
                .iter()
                .filter(|r| r.dst.addr().is_ipv4())
                .map(|r| RouteState {
                    dst: dst_text(&r.dst),
                    via: r.via.map(|v| v.to_string()),
                    dev: r.dev.clone(),
                })
                .collect();
            let fdb = self.fdb(ns).unwrap_or_default();
            let raw = raws.get_mut(ns).unwrap();
            for r in raw.iter_mut() {
                r.state.addrs = view
                    .addrs
                    .iter()
                    .filter(|(l, a)| {
                        *l == r.state.name
                            && !crate::sys::addr::is_link_local(a.addr())
                            && !a.addr().is_loopback()
                    })
                    .map(|(_, a)| a.to_string())
                    .collect();
                if let Some(v) = r.state.vxlan.as_mut() {
                    // Head-end replication: the all-zeros entries, beyond the remote itself.
                    let mut dsts: Vec<String> = fdb
                        .iter()
                        .filter(|(d, mac, _)| *d == r.state.name && mac == "00:00:00:00:00:00")
                        .map(|(_, _, dst)| dst.to_string())
                        .filter(|d| Some(d) != v.remote.as_ref())
                        .collect();
                    dsts.sort();
                    dsts.dedup();
                    v.fdb = dsts;
                }
            }
            let name = stack_name(ns);
            let is_host = *ns == Netns::Root || names.iter().any(|o| o.is_on(&name));
            let machine = match ns {
                Netns::Root | Netns::Adopted(_) => "host".to_string(),
                Netns::Named(n) if is_host => n.clone(),
                Netns::Named(_) => ns.machine().unwrap_or("host").to_string(),
            };
            stacks.push(StackState {
                name,
                kind: if is_host { "host" } else { "namespace" }.to_string(),
                machine,
                links: vec![],
                routes,
                rules,
                firewall: self.firewall_driver(ns).map(|d| d.name().to_string()),
                ip_forward: self.forwards(ns),
                policies: self.policies(ns),
                processes: vec![],
                container: None,
            });
        }
        // Resolve each veth's peer: same namespace by index, or through the nsid.
        let index_of: HashMap<(Netns, u32), String> = raws
            .iter()
            .flat_map(|(ns, v)| {
                v.iter()
                    .map(move |r| ((ns.clone(), r.index), r.state.name.clone()))
            })
            .collect();
        for (i, ns) in names.iter().enumerate() {
            let mut links = vec![];
            for r in raws.remove(ns).unwrap_or_default() {
                let mut st = r.state;
                if let Some((pidx, nsid)) = r.peer {
                    let pns = match nsid {
                        None => Some(ns.clone()),
                        // An nsid that maps to no stack here (a container's namespace): unknown.
                        Some(id) => nsids[ns].get(&id).cloned(),
                    };
                    st.peer = pns.and_then(|pns| {
                        index_of.get(&(pns.clone(), pidx)).map(|l| Endpoint {
                            stack: stack_name(&pns),
                            link: l.clone(),
                        })
                    });
                }
                links.push(st);
            }
            links.sort_by(|a, b| a.name.cmp(&b.name));
            stacks[i].links = links;
        }
        super::unnamed::describe(&mut stacks, &unnamed);
        Ok(State {
            version: 1,
            lab: lab.map(str::to_string),
            stacks,
        })
    }
}

impl Netlink {
    /// Whether `ns` forwards IPv4 (`None`: unreadable).
    fn forwards(&mut self, ns: &Netns) -> Option<bool> {
        self.read_sysctl(ns, "net.ipv4.ip_forward")
            .ok()
            .flatten()
            .map(|v| v.trim() != "0")
    }

    /// The filter table's built-in chains' policies; no filter table lets all through.
    fn policies(&mut self, ns: &Netns) -> BTreeMap<String, String> {
        ["INPUT", "FORWARD", "OUTPUT"]
            .into_iter()
            .map(|c| {
                let policy = match self.fw_chain(ns, "filter", c) {
                    Ok(Some(chain)) => chain.policy.unwrap_or_else(|| "ACCEPT".into()),
                    Ok(None) => "ACCEPT".into(),
                    Err(_) => "?".into(),
                };
                (c.to_string(), policy)
            })
            .collect()
    }
}

async fn read_links(
    handle: &rtnetlink::Handle,
    names: &[Netns],
    root_fd: Option<std::os::fd::RawFd>,
) -> Result<(Vec<Raw>, HashMap<i32, Netns>), rtnetlink::Error> {
    let mut out = vec![];
    let mut by_index: HashMap<u32, String> = HashMap::new();
    let mut masters = vec![];
    let mut links = handle.link().get().execute();
    while let Some(l) = links.try_next().await? {
        let mut st = LinkState {
            name: String::new(),
            kind: None,
            master: None,
            up: l.header.flags.contains(LinkFlags::Up),
            mtu: 0,
            addrs: vec![],
            peer: None,
            vxlan: None,
            alias: None,
        };
        let mut link_to = None;
        let mut nsid = None;
        let mut master = None;
        for a in &l.attributes {
            match a {
                LinkAttribute::IfName(n) => st.name = n.clone(),
                LinkAttribute::Mtu(m) => st.mtu = *m,
                LinkAttribute::IfAlias(a) => st.alias = Some(a.clone()),
                LinkAttribute::Controller(m) => master = Some(*m),
                LinkAttribute::Link(i) => link_to = Some(*i),
                LinkAttribute::LinkNetNsId(i) => nsid = Some(*i),
                LinkAttribute::LinkInfo(infos) => {
                    for i in infos {
                        match i {
                            LinkInfo::Kind(k) => {
                                st.kind = Some(LinkKind::from_kernel(&k.to_string()))
                            }
                            LinkInfo::Data(InfoData::Vxlan(v)) => st.vxlan = Some(vxlan(v)),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        by_index.insert(l.header.index, st.name.clone());
        masters.push(master);
        let is_veth = st.kind == Some(LinkKind::Veth);
        out.push(Raw {
            peer: if is_veth {
                link_to.map(|p| (p, nsid))
            } else {
                None
            },
            index: l.header.index,
            state: st,
        });
    }
    for (r, m) in out.iter_mut().zip(masters) {
        r.state.master = m.and_then(|m| by_index.get(&m).cloned());
        if let Some(v) = r.state.vxlan.as_mut() {
            if let Some(d) = v.dev.take() {
                v.dev = d
                    .parse::<u32>()
                    .ok()
                    .and_then(|i| by_index.get(&i).cloned());
            }
        }
    }
    // The nsid of every named namespace, and of the root stack, as this namespace sees them.
    let ids = super::nsid::named_ids(handle, names, root_fd).await;
    Ok((out, ids))
}

fn vxlan(v: &[InfoVxlan]) -> VxlanState {
    let mut s = VxlanState {
        id: 0,
        remote: None,
        local: None,
        dev: None,
        port: None,
        fdb: vec![],
    };
    for i in v {
        match i {
            InfoVxlan::Id(id) => s.id = *id,
            InfoVxlan::Group(a) if !a.is_unspecified() => s.remote = Some(a.to_string()),
            InfoVxlan::Group6(a) if !a.is_unspecified() => s.remote = Some(a.to_string()),
            InfoVxlan::Local(a) if !a.is_unspecified() => s.local = Some(a.to_string()),
            // The dev's ifindex for now; named once all links are read.
            InfoVxlan::Link(d) => s.dev = Some(d.to_string()),
            InfoVxlan::Port(p) => s.port = Some(*p),
            _ => {}
        }
    }
    s
}
