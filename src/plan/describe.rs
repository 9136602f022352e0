//! Ops in words, for diagnostics: "create veth vethb1 ↔ veth1 in ns1".

use super::op::{LinkSpec, OpKind};
use super::render::dst_text;

pub(crate) fn describe(op: &OpKind) -> String {
    use OpKind::*;
    match op {
        NetnsAdd { name } => format!("create namespace {name}"),
        NetnsDel { name } => format!("delete namespace {name}"),
        LinkAdd { ns, name, kind, .. } => match kind {
            LinkSpec::Bridge => format!("create bridge {name} on {ns}"),
            LinkSpec::Vxlan(v) => format!("create vxlan {name} (VNI {}) on {ns}", v.id),
            LinkSpec::Veth { peer, peer_ns } if peer_ns == ns => {
                format!("create veth {name} ↔ {peer} on {ns}")
            }
            LinkSpec::Veth { peer, peer_ns } => {
                format!("create veth {name} on {ns} ↔ {peer} on {peer_ns}")
            }
        },
        LinkRequire { ns, name } => format!("use link {name} on {ns}"),
        LinkSetNs { ns, name, to } => format!("move {name} from {ns} into {to}"),
        LinkSetMaster { ns, name, master } => match master {
            Some(m) => format!("enslave {name} to {m} on {ns}"),
            None => format!("release {name} from its master on {ns}"),
        },
        LinkSetUp { ns, name, up } => {
            format!("set {name} {} on {ns}", if *up { "up" } else { "down" })
        }
        LinkSetMtu { ns, name, mtu } => format!("set the mtu of {name} to {mtu} on {ns}"),
        LinkDel { ns, name, .. } => format!("delete link {name} on {ns}"),
        AddrAdd { ns, link, addr } => format!("add {addr} to {link} on {ns}"),
        AddrDel { ns, link, addr } => format!("remove {addr} from {link} on {ns}"),
        RouteAdd { ns, dst, via, .. } => match via {
            Some(v) => format!("add route {} via {v} on {ns}", dst_text(dst)),
            None => format!("add route {} on {ns}", dst_text(dst)),
        },
        RouteDel { ns, dst, .. } => format!("delete route {} on {ns}", dst_text(dst)),
        Sysctl { ns, key, value } => format!("set {key}={value} on {ns}"),
        RuleAdd {
            ns,
            rule,
            insert: None,
        } => format!(
            "add the {} {} rule `{}` on {ns}",
            rule.table,
            rule.chain,
            rule.untagged().spec()
        ),
        RuleAdd {
            ns,
            rule,
            insert: Some(n),
        } => format!(
            "insert the {} {} rule `{}` at {n} on {ns}",
            rule.table,
            rule.chain,
            rule.untagged().spec()
        ),
        Policy {
            ns,
            table,
            chain,
            policy,
        } => format!("set the policy of {table} {chain} to {policy} on {ns}"),
        ChainAdd { ns, table, chain } => format!("create the {table} chain {chain} on {ns}"),
        ChainDel { ns, table, chain } => format!("delete the {table} chain {chain} on {ns}"),
        FdbAdd { ns, dev, mac, dst } => {
            format!("add the fdb entry {mac} → {dst} to {dev} on {ns}")
        }
        FdbDel { ns, dev, mac, dst } => {
            format!("delete the fdb entry {mac} → {dst} from {dev} on {ns}")
        }
        RuleDel { ns, rule } => format!(
            "delete the {} {} rule `{}` on {ns}",
            rule.table,
            rule.chain,
            rule.untagged().spec()
        ),
    }
}
