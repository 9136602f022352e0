//! The kernel reads `why` and the FDB judge make over netlink give what iproute2 gives: each is
//! compared with the `ip -j` / `bridge -j` command a person would run, on a lab with a bridge,
//! veths across namespaces, VXLANs with FDB entries, neighbours and a gateway route. And `why`
//! and a re-run that reads the FDB need neither `ip` nor `bridge` on PATH.
//!
//! The comparison runs inside the sandbox: the script builds the lab with iproute2, then runs
//! this test binary again there (with `INSIDE` set) to read it both ways.

mod support;

use netsh::net::Netlink;
use netsh::plan::Observe;
use netsh::sys::{LinkKind, Netns};
use netsh::why::{Kernel, LinkDetail, Lookup, RouteGet, RouteKind, VxlanInfo};
use serde_json::Value;
use std::net::IpAddr;
use std::process::Command;
use support::sandbox;

const INSIDE: &str = "NETSH_NATIVE_READS_INSIDE";

const LAB: &str = r#"set -e
for n in ns1 ns2 ns3 h150; do ip netns add $n; ip -n $n link set lo up; done
ip link add br0 type bridge; ip addr add 10.1.1.1/24 dev br0; ip link set br0 up
ip link add vethb1 type veth peer name veth1 netns ns1
ip link set vethb1 master br0 up
ip -n ns1 addr add 10.1.1.2/24 dev veth1; ip -n ns1 link set veth1 up
ip -n ns1 route add default via 10.1.1.1
ip addr add 2001:db8:1::1/64 dev br0 nodad
ip -n ns1 addr add 2001:db8:1::2/64 dev veth1 nodad
ip -n ns1 route add default via 2001:db8:1::1
ip -n ns3 route add unreachable 203.0.113.0/24
ip -n ns3 route add prohibit 198.51.100.0/24
ip -n ns3 route add blackhole 192.0.2.0/24
ip link add vethb2 type veth peer name veth2 netns ns2
ip -n ns2 link set veth2 up
ip -n ns2 link add a23 type veth peer name a32 netns ns3
ip -n ns2 link set a23 up
ip link add va type veth peer name vb
ip link set va up
ip link add eth0 type veth peer name eth0 netns h150
ip addr add 172.31.131.149/24 dev eth0; ip link set eth0 up
ip -n h150 addr add 172.31.131.150/24 dev eth0; ip -n h150 link set eth0 up
ip link add vxlan1 type vxlan id 42 remote 172.31.131.150 local 172.31.131.149 dev eth0 dstport 4789
ip link set vxlan1 master br0 up
ip link add vxlan2 type vxlan id 7 dev eth0 dstport 8472
bridge fdb append 00:00:00:00:00:00 dev vxlan2 dst 172.31.131.150
bridge fdb append 00:00:00:00:00:00 dev vxlan2 dst 172.31.131.151
bridge fdb add 02:00:00:00:00:01 dev vxlan2 dst 172.31.131.152
ip link add vxlan6 type vxlan id 6 remote 2001:db8::2 dstport 4789
bridge fdb append 00:00:00:00:00:00 dev vxlan6 dst 2001:db8::3
ip -n h150 link add vxlan1 type vxlan id 42 remote 172.31.131.149 dev eth0 dstport 4789
ip -n ns1 neigh add 10.1.1.9 lladdr 02:00:00:00:00:09 dev veth1 nud permanent
ip -n ns1 neigh add 10.1.1.8 lladdr 02:00:00:00:00:08 dev veth1 nud stale
ip -n ns1 neigh add 10.1.1.7 lladdr 02:00:00:00:00:07 dev veth1 nud noarp
ip netns exec ns1 ping -c 1 -W 2 10.1.1.1 >/dev/null
set +e
"#;

/// Build the lab, then run this very test inside the sandbox, where it compares.
#[test]
#[ignore = "needs iproute2"]
fn native_reads_equal_iproute2() {
    if std::env::var_os(INSIDE).is_some() {
        return compare();
    }
    let exe = std::env::current_exe().unwrap();
    let out = sandbox(&format!(
        "{LAB}\n{INSIDE}=1 \"{}\" --exact native_reads_equal_iproute2 --include-ignored \
         --nocapture --test-threads=1",
        exe.display()
    ));
    out.assert_success();
    let line = out.stdout.lines().find_map(|l| l.split_once("compared: "));
    let (counts, met) = line
        .map(|(_, l)| l.split_once("; met: ").unwrap())
        .unwrap_or_else(|| panic!("no comparison: {out}"));
    assert_eq!(
        counts, "5 namespaces, 20 links, 7 FDB entries, 55 routes",
        "{out}"
    );
    // Each kind of answer, in the kernel's words as `ip` prints them (a DELAY may come too).
    for word in [
        "Invalid argument",
        "Network is unreachable",
        "No route to host",
        "Permission denied",
        "PERMANENT",
        "REACHABLE",
        "STALE",
        "direct",
        "no entry",
        "via",
    ] {
        assert!(met.split(", ").any(|m| m == word), "{word} not met: {out}");
    }
}

fn compare() {
    let mut nl = Netlink::new("cmp").unwrap();
    let spaces = Kernel::namespaces(&mut nl);
    let (mut links, mut fdbs, mut routes) = (0, 0, 0);
    // What the reads met, so the caller knows each kind of answer was compared.
    let mut seen = std::collections::BTreeSet::new();
    for ns in &spaces {
        let want = ip_links(ns);
        assert!(!want.is_empty(), "ip reads no links in {ns}");
        assert_eq!(Kernel::links(&mut nl, ns), want, "links of {ns}");
        links += want.len();

        let want = bridge_fdb(ns);
        let mut got = nl.fdb(ns).unwrap();
        got.sort();
        assert_eq!(got, want, "FDB of {ns}");
        fdbs += want.len();

        for dst in [
            "10.1.1.1",
            "10.1.1.2",
            "172.31.131.150",
            "172.31.131.149",
            "203.0.113.9",
            "127.0.0.1",
            "::1",
            "2001:db8::5",
            "2001:db8:1::1",
            "198.51.100.1",
            "192.0.2.1",
        ] {
            let dst: IpAddr = dst.parse().unwrap();
            let want = ip_route_get(ns, dst);
            // The table is compared in tests/why_routes.rs (`ip route get` prints no main).
            let got = nl
                .route_get(ns, &Lookup::to(dst))
                .map(|r| RouteGet { table: None, ..r })
                .map_err(|e| e.words);
            assert_eq!(got, want, "route get {dst} in {ns}");
            routes += 1;
            match want {
                Ok(r) if r.via.is_some() => seen.insert("via".to_string()),
                Ok(_) => seen.insert("direct".to_string()),
                Err(e) => seen.insert(e),
            };
        }

        let mut asked = ip_neighbours(ns);
        // No entry, and one `ip neigh show` hides (NOARP).
        asked.push(("lo".to_string(), "10.1.1.99".parse().unwrap()));
        asked.push(("veth1".to_string(), "10.1.1.7".parse().unwrap()));
        for (dev, ip) in asked {
            let want = ip_neigh_state(ns, &dev, ip);
            assert_eq!(
                nl.neighbour(ns, &dev, ip),
                want,
                "neighbour {ip} {dev} in {ns}"
            );
            seen.insert(want.unwrap_or("no entry".to_string()));
        }
    }
    println!(
        "compared: {} namespaces, {links} links, {fdbs} FDB entries, {routes} routes; met: {}",
        spaces.len(),
        seen.into_iter().collect::<Vec<_>>().join(", ")
    );
}

/// `ip [-n NS] -j ARGS`: the JSON, or the refusal without "RTNETLINK answers: ".
fn ip_json(ns: &Netns, prog: &str, args: &[&str]) -> Result<Value, String> {
    let mut cmd = Command::new(prog);
    if let Netns::Named(n) = ns {
        cmd.args(["-n", n]);
    }
    let out = cmd.arg("-j").args(args).output().unwrap();
    if !out.status.success() {
        let e = String::from_utf8_lossy(&out.stderr);
        return Err(e
            .trim()
            .trim_start_matches("RTNETLINK answers: ")
            .to_string());
    }
    Ok(serde_json::from_slice(&out.stdout).unwrap_or_default())
}

fn ip_route_get(ns: &Netns, dst: IpAddr) -> Result<RouteGet, String> {
    let v = ip_json(ns, "ip", &["route", "get", &dst.to_string()])?;
    let r = &v[0];
    let s = |k: &str| r.get(k).and_then(Value::as_str);
    Ok(RouteGet {
        dev: s("dev").unwrap_or("").to_string(),
        via: s("gateway").and_then(|g| g.parse().ok()),
        src: s("prefsrc").and_then(|g| g.parse().ok()),
        kind: match s("type") {
            Some("local") => RouteKind::Local,
            Some("broadcast") => RouteKind::Broadcast,
            _ => RouteKind::Unicast,
        },
        table: None,
        ..RouteGet::default()
    })
}

/// Every (dev, dst) of `ip neigh show`.
fn ip_neighbours(ns: &Netns) -> Vec<(String, IpAddr)> {
    let v = ip_json(ns, "ip", &["neigh", "show"]).unwrap();
    let list = v.as_array().cloned().unwrap_or_default();
    list.iter()
        .filter_map(|e| {
            let dev = e.get("dev")?.as_str()?.to_string();
            Some((dev, e.get("dst")?.as_str()?.parse().ok()?))
        })
        .collect()
}

fn ip_neigh_state(ns: &Netns, dev: &str, ip: IpAddr) -> Option<String> {
    let v = ip_json(
        ns,
        "ip",
        &["neigh", "show", "to", &ip.to_string(), "dev", dev],
    )
    .ok()?;
    let st = v.get(0)?.get("state")?;
    st.get(0).or(Some(st))?.as_str().map(str::to_string)
}

fn bridge_fdb(ns: &Netns) -> Vec<(String, String, IpAddr)> {
    let v = ip_json(ns, "bridge", &["fdb", "show"]).unwrap();
    let mut entries = vec![];
    for e in v.as_array().into_iter().flatten() {
        let s = |k: &str| e.get(k).and_then(|x| x.as_str());
        if let (Some(dev), Some(mac), Some(dst)) = (s("ifname"), s("mac"), s("dst")) {
            entries.push((dev.to_string(), mac.to_lowercase(), dst.parse().unwrap()));
        }
    }
    entries.sort();
    entries
}

/// `ip -d link show` and `ip netns list-id`, read as `why` read them before netlink.
fn ip_links(ns: &Netns) -> Vec<LinkDetail> {
    let v = ip_json(ns, "ip", &["-d", "link", "show"]).unwrap();
    let ids = ip_json(ns, "ip", &["netns", "list-id"]).unwrap_or_default();
    let named = |id: u64| -> Netns {
        ids.as_array()
            .into_iter()
            .flatten()
            .find(|e| e.get("nsid").and_then(Value::as_u64) == Some(id))
            .and_then(|e| e.get("name").and_then(Value::as_str))
            .map(Netns::named)
            .unwrap_or(Netns::Root)
    };
    let raws = v.as_array().cloned().unwrap_or_default();
    let mut out: Vec<LinkDetail> = raws.iter().map(|l| ip_link(l, &named)).collect();
    // A same-namespace peer is reported by name: turn it into its index.
    let by_name: Vec<(String, u32)> = out.iter().map(|l| (l.name.clone(), l.index)).collect();
    for (l, raw) in out.iter_mut().zip(&raws) {
        if l.peer_index.is_none() && l.kind == Some(LinkKind::Veth) {
            if let Some(p) = raw.get("link").and_then(Value::as_str) {
                l.peer_index = by_name.iter().find(|(n, _)| n == p).map(|(_, i)| *i);
            }
        }
    }
    out
}

fn ip_link(l: &Value, named: &dyn Fn(u64) -> Netns) -> LinkDetail {
    let s = |k: &str| l.get(k).and_then(Value::as_str);
    let flags: Vec<&str> = l["flags"]
        .as_array()
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
            // An IPv6 remote is `remote6` (which the `ip` reading of old missed).
            remote: ["remote", "group", "remote6", "group6"]
                .into_iter()
                .find_map(&d)
                .and_then(Value::as_str)
                .and_then(|a| a.parse().ok()),
            dev: d("link").and_then(Value::as_str).map(str::to_string),
            ttl: d("ttl").and_then(Value::as_u64).unwrap_or(0) as u8,
            // `ip -j` says `"external": true` for a flow-based (collect_metadata) VXLAN.
            external: d("external").and_then(Value::as_bool).unwrap_or(false),
            zero_csum6_tx: d("udp_zero_csum6_tx")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            zero_csum6_rx: d("udp_zero_csum6_rx")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            port: d("port").and_then(Value::as_u64).unwrap_or(0) as u16,
            // `ip -j` says `"learning": false` for `nolearning`.
            nolearning: d("learning").and_then(Value::as_bool) == Some(false),
            local: ["local", "local6"]
                .into_iter()
                .find_map(&d)
                .and_then(Value::as_str)
                .and_then(|a| a.parse().ok()),
        }
    });
    let macvlan_mode = (kind == Some(LinkKind::Other("macvlan".into())))
        .then(|| data.and_then(|x| x.get("mode")).and_then(Value::as_str))
        .flatten()
        .map(str::to_string);
    LinkDetail {
        name: s("ifname").unwrap_or("").to_string(),
        index: l["ifindex"].as_u64().unwrap_or(0) as u32,
        kind,
        up: flags.contains(&"UP"),
        carrier: flags.contains(&"LOWER_UP"),
        master: s("master").map(str::to_string),
        peer_index: l["link_index"].as_u64().map(|i| i as u32),
        peer_ns: l["link_netnsid"].as_u64().map(named),
        vxlan,
        macvlan_mode,
        macvlan_bcqueuelen: data
            .and_then(|x| x.get("bcqueuelen"))
            .and_then(Value::as_u64)
            .map(|n| n as u32),
        macvlan_bcqueuelen_used: data
            .and_then(|x| x.get("usedbcqueuelen"))
            .and_then(Value::as_u64)
            .map(|n| n as u32),
        macvlan_sources: data
            .and_then(|x| x.get("macaddr_data"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Run `lab` (a tests/why lab with `params`), then `then` (bash) where `$BARE` runs netsh with a
/// PATH that holds no program at all.
fn bare(lab: &str, params: &str, then: &str) -> String {
    let out = sandbox(&format!(
        "cd \"{}\"\nmkdir /run/nobin\nBARE=\"env PATH=/run/nobin $NETSH\"\n\
         \"$NETSH\" run tests/why/{lab}.rhai {params} >/dev/null 2>&1 || echo 'build failed'\n{then}",
        env!("CARGO_MANIFEST_DIR")
    ));
    out.assert_success();
    out.stdout
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn why_reads_links_routes_and_neighbours_without_ip() {
    // A veth end down on the far side of a namespace, and a refusal in the kernel's words.
    let got = bare(
        "lan",
        "-p down=vethb1 -p route=false",
        "for d in 10.1.1.3 172.31.131.150; do $BARE why ns1 $d; echo \"exit $?\"; done",
    );
    let down = "vethb1 in host (the other end of veth1 in ns1) is down";
    let none = "ns1 has no route to 172.31.131.150 (Network is unreachable)";
    let want = format!(
        "why ns1 → 10.1.1.3
  [ok] ns1: route to 10.1.1.3 dev veth1 src 10.1.1.2
  [BROKEN] host: {down}
  fix: link(\"vethb1\").up()
  probe: no reply from 10.1.1.3
verdict: blocked — {down}
exit 1
why ns1 → 172.31.131.150
  [BROKEN] ns1: {none}
  fix: ns1.route(\"default\", \"10.1.1.1\")
  probe: no reply from 172.31.131.150
verdict: blocked — {none}
exit 1
"
    );
    assert_eq!(got, want);

    // The neighbour that never answers ARP, named from its own sysctl (read without `sysctl`).
    let got = bare(
        "lan",
        "",
        "nsenter --net=/run/netns/ns2 sh -c 'echo 8 > /proc/sys/net/ipv4/conf/all/arp_ignore'\n\
         $BARE why ns1 10.1.1.3; echo \"exit $?\"",
    );
    let silent = "ns2 does not answer ARP for 10.1.1.3 on veth2 from 10.1.1.2: arp_ignore is 8: it answers ARP for no address";
    let want = format!(
        "why ns1 → 10.1.1.3
  [ok] ns1: route to 10.1.1.3 dev veth1 src 10.1.1.2
  [ok] ns1: veth1 is up, cable to vethb1 in host
  [ok] host: vethb1 is a port of bridge0
  [ok] host: bridge0 forwards to its port vethb2, cable to veth2 in ns2
  [BROKEN] ns2: {silent}
  fix: ns2.sysctl(\"net.ipv4.conf.all.arp_ignore\", 0)
  probe: no reply from 10.1.1.3
verdict: blocked — {silent}
exit 1
"
    );
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn why_reads_vxlans_without_ip() {
    let got = bare(
        "vxlan",
        "-p vni=2",
        "$BARE why ns1 10.1.1.5 | grep -E 'BROKEN|verdict'",
    );
    let cause = "the L2 path over the tunnel ends at vxlan1 in host: h150 at 172.31.131.150 has no VXLAN with VNI 1 port 4789 (it has vxlan1 VNI 2 port 4789 remote 172.31.131.149; wrong VNI)";
    assert_eq!(
        got,
        format!("  [BROKEN] h150: {cause}\nverdict: blocked — {cause}\n")
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_run_that_judges_fdb_entries_needs_no_bridge_program() {
    // The second run finds every FDB entry in place: it reads them (an empty read would
    // create them again), over netlink.
    let out = sandbox(
        "mkdir /run/nobin /run/m\ncat > /run/m/mesh.rhai <<'EOF'\n\
         import \"topo\" as topo;\n\
         let m = topo::vxlan_mesh([host(\"a\"), host(\"b\"), host(\"c\")], 42);\n\
         assert_ping(m.namespaces[0], \"10.77.0.4\");\nEOF\n\
         \"$NETSH\" run -q /run/m/mesh.rhai 2>/dev/null || echo 'build failed'\n\
         env PATH=/run/nobin \"$NETSH\" run -q /run/m/mesh.rhai 2>/run/m/err; echo \"exit $?\"\n\
         grep -o ' 0 created' /run/m/err",
    );
    assert_eq!(out.stdout, "exit 0\n 0 created\n", "{out}");
}
