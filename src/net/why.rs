//! The kernel reads `why` needs, asked of iproute2 in the namespace (`ip -j route get`,
//! `ip -j -d link show`): the same answers a person troubleshooting would see.

use super::backend::Netlink;
use crate::firewall::chain::Chain;
use crate::plan::view::NsView;
use crate::plan::{Observe, PingMode, Probe};
use crate::sys::LinkKind;
use crate::sys::Netns;
use crate::why::{Kernel, LinkDetail, RouteGet, VxlanInfo};
use serde_json::Value;
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

fn ip_json(ns: Option<&Path>, args: &[&str]) -> std::io::Result<Result<Value, String>> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let out = crate::sys::enter::in_netns(ns, move || {
        Command::new("ip").arg("-j").args(&args).output()
    })??;
    if !out.status.success() {
        let e = String::from_utf8_lossy(&out.stderr);
        return Ok(Err(e
            .trim()
            .trim_start_matches("RTNETLINK answers: ")
            .to_string()));
    }
    Ok(Ok(serde_json::from_slice(&out.stdout).unwrap_or_default()))
}

/// `ip route get DST`: the route, or the kernel's refusal.
pub fn route_get(ns: Option<&Path>, dst: IpAddr) -> std::io::Result<Result<RouteGet, String>> {
    Ok(
        ip_json(ns, &["route", "get", &dst.to_string()])?.and_then(|v| {
            let r = v.get(0).ok_or("no answer")?;
            let s = |k: &str| r.get(k).and_then(Value::as_str);
            Ok(RouteGet {
                dev: s("dev").unwrap_or("").to_string(),
                via: s("gateway").and_then(|g| g.parse().ok()),
                src: s("prefsrc").and_then(|g| g.parse().ok()),
            })
        }),
    )
}

/// `ip neigh show to IP dev DEV`: the entry's state, if there is one.
pub fn neighbour(ns: Option<&Path>, dev: &str, ip: IpAddr) -> std::io::Result<Option<String>> {
    let v = ip_json(ns, &["neigh", "show", "to", &ip.to_string(), "dev", dev])?;
    Ok(v.ok().and_then(|v| {
        let st = v.get(0)?.get("state")?;
        st.get(0).or(Some(st))?.as_str().map(str::to_string)
    }))
}

/// Every link with its state, master, veth peer and VXLAN parameters.
pub fn links(ns: Option<&Path>) -> std::io::Result<Vec<LinkDetail>> {
    let v = ip_json(ns, &["-d", "link", "show"])?.unwrap_or_default();
    let ids = ip_json(ns, &["netns", "list-id"])?.unwrap_or_default();
    let named = |id: u64| -> Netns {
        ids.as_array()
            .into_iter()
            .flatten()
            .find(|e| e.get("nsid").and_then(Value::as_u64) == Some(id))
            .and_then(|e| e.get("name").and_then(Value::as_str))
            .map(Netns::named)
            .unwrap_or(Netns::Root)
    };
    let mut out = vec![];
    for l in v.as_array().into_iter().flatten() {
        let s = |k: &str| l.get(k).and_then(Value::as_str);
        let flags: Vec<&str> = l
            .get("flags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let info = l.get("linkinfo");
        let kind = info
            .and_then(|i| i.get("info_kind"))
            .and_then(Value::as_str)
            .map(LinkKind::from_kernel);
        let data = info.and_then(|i| i.get("info_data"));
        let vxlan = (kind == Some(LinkKind::Vxlan)).then(|| {
            let d = |k: &str| data.and_then(|x| x.get(k));
            VxlanInfo {
                id: d("id").and_then(Value::as_u64).unwrap_or(0) as u32,
                remote: d("remote")
                    .or(d("group"))
                    .and_then(Value::as_str)
                    .and_then(|a| a.parse().ok()),
                dev: d("link").and_then(Value::as_str).map(str::to_string),
                port: d("port").and_then(Value::as_u64).unwrap_or(0) as u16,
            }
        });
        // A peer in the same namespace is named ("link"); one elsewhere has an index and a netnsid.
        let peer_index = l
            .get("link_index")
            .and_then(Value::as_u64)
            .map(|i| i as u32);
        let peer_ns = l.get("link_netnsid").and_then(Value::as_u64).map(named);
        out.push(LinkDetail {
            name: s("ifname").unwrap_or("").to_string(),
            index: l.get("ifindex").and_then(Value::as_u64).unwrap_or(0) as u32,
            kind,
            up: flags.contains(&"UP"),
            carrier: flags.contains(&"LOWER_UP"),
            master: s("master").map(str::to_string),
            peer_index,
            peer_ns,
            vxlan,
        });
    }
    // A same-namespace peer is reported by name: turn it into its index.
    let by_name: Vec<(String, u32)> = out.iter().map(|l| (l.name.clone(), l.index)).collect();
    for (l, raw) in out.iter_mut().zip(v.as_array().into_iter().flatten()) {
        if l.peer_index.is_none() && l.kind == Some(LinkKind::Veth) {
            if let Some(p) = raw.get("link").and_then(Value::as_str) {
                l.peer_index = by_name.iter().find(|(n, _)| n == p).map(|(_, i)| *i);
            }
        }
    }
    Ok(out)
}

/// `why`'s reads, asked of this kernel; an unreadable namespace reads as empty.
impl Kernel for Netlink {
    fn namespaces(&mut self) -> Vec<Netns> {
        let mut v = vec![Netns::Root];
        v.extend(
            self.named_netns()
                .unwrap_or_default()
                .into_iter()
                .map(Netns::Named),
        );
        v
    }

    fn view(&mut self, ns: &Netns) -> Option<NsView> {
        self.observe(ns).ok()
    }

    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail> {
        links(ns.path().as_deref()).unwrap_or_default()
    }

    fn route_get(&mut self, ns: &Netns, dst: IpAddr) -> Result<RouteGet, String> {
        route_get(ns.path().as_deref(), dst)
            .map_err(|e| crate::sys::Failure::from_io(&e).message)?
    }

    fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String> {
        self.read_sysctl(ns, key).ok().flatten()
    }

    fn chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        crate::firewall::chain::read(ns.path().as_deref(), table, chain)
            .ok()
            .flatten()
    }

    fn neighbour(&mut self, ns: &Netns, dev: &str, ip: IpAddr) -> Option<String> {
        neighbour(ns.path().as_deref(), dev, ip).ok().flatten()
    }

    fn ping(&mut self, ns: &Netns, dst: IpAddr) -> bool {
        Probe::ping(self, ns, dst, PingMode::Probe).unwrap_or(false)
    }
}
