//! `vxlan(name, #{ id, remote, local, dev, port, group, learning, ttl })` on a host or namespace,
//! and `fdb(vx, #{ mac, dst })`: the FDB entries of head-end replication (`bridge fdb append`),
//! so one VXLAN device reaches several remotes. An entry's handle has `.remove()`.

use super::addr::parse_ip;
use super::adopted::adopted;
use super::error::{at, fail, DslError, R};
use super::firewall::{REMOVE_ADOPTED_DOC, REMOVE_DOC};
use super::link::Link;
use super::model::ModelKind;
use super::named::Named;
use super::names::check_ifname;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::plan::vxlan::VxlanSpec;
use crate::plan::{LinkSpec, OpKind};
use crate::sys::{At, Netns};
use rhai::{Engine, FuncRegistration, Map, NativeCallContext};
use std::net::IpAddr;

const CODE: &str = "netsh::vxlan";

fn bad(message: impl Into<String>, help: impl Into<String>) -> DslError {
    DslError::new(CODE, message, help)
}

/// An FDB entry the script added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FdbEntry {
    pub(crate) ns: Netns,
    pub(crate) dev: String,
    pub(crate) mac: String,
    pub(crate) dst: IpAddr,
}

fn int(m: &Map, key: &str, lo: i64, hi: i64, example: &str) -> Result<Option<i64>, DslError> {
    match m.get(key) {
        None => Ok(None),
        Some(v) => match v.as_int() {
            Ok(n) if (lo..=hi).contains(&n) => Ok(Some(n)),
            Ok(n) => Err(bad(
                format!(
                    "{} {n} is out of range ({lo}-{hi})",
                    if key == "id" { "VNI" } else { key }
                ),
                format!("e.g. {key}: {example}"),
            )),
            Err(t) => Err(bad(
                format!("vxlan option {key} must be an integer, not {t}"),
                format!("e.g. {key}: {example}"),
            )),
        },
    }
}

fn ip(m: &Map, key: &str) -> Result<Option<IpAddr>, DslError> {
    match m.get(key) {
        None => Ok(None),
        Some(v) if v.is_string() => {
            let s = v.clone().into_string().unwrap();
            parse_ip(&s, &format!("vxlan {key}")).map(Some)
        }
        Some(v) => Err(bad(
            format!(
                "vxlan option {key} must be an address in quotes, not {}",
                v.type_name()
            ),
            format!("e.g. {key}: \"172.31.131.150\""),
        )),
    }
}

impl Session {
    pub(crate) fn vxlan(
        &mut self,
        st: &Stack,
        name: &str,
        m: Map,
        at: At,
    ) -> Result<Link, DslError> {
        self.alive(st)?;
        check_ifname(name, "vxlan")?;
        const KEYS: [&str; 8] = [
            "id", "remote", "local", "dev", "port", "group", "learning", "ttl",
        ];
        if let Some(k) = m.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(bad(
                format!("vxlan has no option \"{k}\""),
                format!("its options are {}", KEYS.join(", ")),
            ));
        }
        let Some(id) = int(&m, "id", 0, 16_777_215, "1")? else {
            return Err(bad(
                format!("vxlan {name} needs id: its VNI"),
                "e.g. vxlan(\"vxlan1\", #{ id: 1, remote: \"172.31.131.150\", dev: \"eth0\", port: 4789 })",
            ));
        };
        let dev = match m.get("dev") {
            None => None,
            Some(v) if v.is_string() => Some(v.clone().into_string().unwrap()),
            Some(v) if v.is::<Link>() => {
                Some(self.model.links[v.clone().cast::<Link>().id].name.clone())
            }
            Some(v) => {
                return Err(bad(
                    format!(
                        "vxlan option dev must be a link name, not {}",
                        v.type_name()
                    ),
                    "e.g. dev: \"eth0\"",
                ))
            }
        };
        if let Some(d) = &dev {
            check_ifname(d, "vxlan dev")?;
        }
        let learning = match m.get("learning") {
            None => None,
            Some(v) => Some(v.as_bool().map_err(|t| {
                bad(
                    format!("vxlan option learning must be true or false, not {t}"),
                    "e.g. learning: false",
                )
            })?),
        };
        let spec = VxlanSpec {
            id: id as u32,
            remote: ip(&m, "remote")?,
            local: ip(&m, "local")?,
            group: ip(&m, "group")?,
            dev,
            port: int(&m, "port", 1, 65535, "4789")?.map(|p| p as u16),
            learning,
            ttl: int(&m, "ttl", 0, 255, "64")?.map(|t| t as u8),
        };
        if spec.remote.is_some() && spec.group.is_some() {
            return Err(bad(
                "a vxlan has a remote or a group, not both",
                "remote for point-to-point (or fdb entries), group for multicast",
            ));
        }
        if let Some(id) = self.taken(&st.ns, name, ModelKind::Vxlan)? {
            return Ok(Link { id });
        }
        let id = self.model.add(name, &st.ns, ModelKind::Vxlan, at);
        self.push(
            OpKind::LinkAdd {
                ns: st.ns.clone(),
                name: name.to_string(),
                kind: LinkSpec::Vxlan(spec),
                master: None,
                up: false,
                mtu: None,
            },
            at,
        );
        Ok(Link { id })
    }

    pub(crate) fn fdb(&mut self, vx: &Link, m: Map, at: At) -> Result<FdbEntry, DslError> {
        let o = self.model.links[vx.id].clone();
        if o.kind != ModelKind::Vxlan && o.kind != ModelKind::Existing {
            return Err(bad(format!("{} is {}, not a vxlan", o.name, o.kind.words()), "fdb(vx, ...) takes the vxlan device, e.g. fdb(vxlan(\"vxlan1\", ...), #{ mac: \"00:00:00:00:00:00\", dst: \"172.31.131.150\" })"));
        }
        if let Some(k) = m.keys().find(|k| !["mac", "dst"].contains(&k.as_str())) {
            return Err(bad(
                format!("fdb has no option \"{k}\""),
                "its options are mac and dst",
            ));
        }
        let mac = match m.get("mac") {
            None => "00:00:00:00:00:00".to_string(),
            Some(v) => v.clone().into_string().map_err(|t| {
                bad(
                    format!("fdb option mac must be a string, not {t}"),
                    "e.g. mac: \"00:00:00:00:00:00\"",
                )
            })?,
        };
        let ok = mac.split(':').count() == 6
            && mac
                .split(':')
                .all(|p| p.len() == 2 && u8::from_str_radix(p, 16).is_ok());
        if !ok {
            return Err(bad(format!("\"{mac}\" is not a MAC address"), "write six hex pairs, e.g. mac: \"00:00:00:00:00:00\" (all zeros: flood to this remote)"));
        }
        let Some(dst) = ip(&m, "dst")? else {
            return Err(bad(
                "fdb needs dst: the remote VTEP's underlay address",
                "e.g. fdb(vx, #{ dst: \"172.31.131.150\" })",
            ));
        };
        let e = FdbEntry {
            ns: o.ns.clone(),
            dev: o.name.clone(),
            mac: mac.to_lowercase(),
            dst,
        };
        self.push(
            OpKind::FdbAdd {
                ns: e.ns.clone(),
                dev: e.dev.clone(),
                mac: e.mac.clone(),
                dst,
            },
            at,
        );
        Ok(e)
    }
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    engine.register_type_with_name::<FdbEntry>("FdbEntry");
    engine.register_fn("to_string", |e: &mut FdbEntry| {
        format!("fdb {} dev {} dst {} (on {})", e.mac, e.dev, e.dst, e.ns)
    });
    let host = || Stack { ns: Netns::Root };
    let s = shared.clone();
    FuncRegistration::new("vxlan")
        .with_comments([
            "/// vxlan(name, #{ id, remote, dev, port }) -> Link",
            "/// a VXLAN device on the host",
        ])
        .register_named(
            engine,
            ["name", "opts"],
            move |ctx: NativeCallContext, name: &str, m: Map| -> R<Link> {
                let r = s.borrow_mut().vxlan(&host(), name, m, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("vxlan")
        .with_comments([
            "/// stack.vxlan(name, #{ id, remote, dev, port }) -> Link",
            "/// a VXLAN device in a namespace or host",
        ])
        .register_named(
            engine,
            ["stack", "name", "opts"],
            move |ctx: NativeCallContext, st: &mut Stack, name: &str, m: Map| -> R<Link> {
                let r = s.borrow_mut().vxlan(st, name, m, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("fdb")
        .with_comments([
            "/// link.fdb(#{ dst, mac }) -> Fdb",
            "/// append a head-end replication entry to a VXLAN device",
        ])
        .register_named(
            engine,
            ["link", "opts"],
            move |ctx: NativeCallContext, vx: &mut Link, m: Map| -> R<FdbEntry> {
                let r = s.borrow_mut().fdb(vx, m, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("remove")
        .with_comments(REMOVE_DOC)
        .register_named(
            engine,
            ["fdb"],
            move |ctx: NativeCallContext, e: &mut FdbEntry| {
                s.borrow_mut().push_del(fdb_del(e), at(&ctx), false);
            },
        );
    let s = shared.clone();
    FuncRegistration::new("remove")
        .with_comments(REMOVE_ADOPTED_DOC)
        .register_named(
            engine,
            ["fdb", "opts"],
            move |ctx: NativeCallContext, e: &mut FdbEntry, m: Map| -> R<()> {
                let adopted = adopted("remove", &m).or_else(|e| fail(&ctx, e))?;
                s.borrow_mut().push_del(fdb_del(e), at(&ctx), adopted);
                Ok(())
            },
        );
}

/// The deletion of an fdb entry.
fn fdb_del(e: &FdbEntry) -> OpKind {
    OpKind::FdbDel {
        ns: e.ns.clone(),
        dev: e.dev.clone(),
        mac: e.mac.clone(),
        dst: e.dst,
    }
}
