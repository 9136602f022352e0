//! `route(dst, via)` and `route(dst, #{ via, dev })`, `del_route(dst)`: routes in the main table of
//! a stack. Whether the gateway is on an attached subnet is judged at flush, against the kernel.

use super::addr::{parse_dst, parse_ip};
use super::adopted::adopted;
use super::error::{at, fail, DslError, R};
use super::named::Named;
use super::names::check_ifname;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::plan::OpKind;
use crate::sys::{At, Netns};
use rhai::{Engine, FuncRegistration, Map, NativeCallContext};

impl Session {
    pub(crate) fn route(
        &mut self,
        st: &Stack,
        dst: &str,
        via: Option<&str>,
        dev: Option<&str>,
        at: At,
    ) -> Result<(), DslError> {
        self.alive(st)?;
        let via = via.map(|v| parse_ip(v, "gateway")).transpose()?;
        if let Some(d) = dev {
            check_ifname(d, "route device")?;
        }
        if via.is_none() && dev.is_none() {
            return Err(DslError::new(
                "netsh::route",
                format!("route {dst} has neither a gateway nor a device"),
                "give a gateway, route(\"10.10.20.0/24\", \"10.10.10.1\"), or #{ dev: \"veth1\" }",
            ));
        }
        let dst = parse_dst(dst, via.is_some_and(|v| v.is_ipv6()))?;
        if let Some(v) = via {
            if v.is_ipv6() != matches!(dst, ipnet::IpNet::V6(_)) {
                return Err(DslError::new(
                    "netsh::route",
                    format!("route {dst} and its gateway {v} are of different IP versions"),
                    "use an IPv4 gateway for an IPv4 destination, IPv6 for IPv6",
                ));
            }
        }
        self.push(
            OpKind::RouteAdd {
                ns: st.ns.clone(),
                dst,
                via,
                dev: dev.map(str::to_string),
            },
            at,
        );
        Ok(())
    }

    /// Delete a route (`adopted`: even if the lab did not add it).
    pub(crate) fn del_route(
        &mut self,
        st: &Stack,
        dst: &str,
        at: At,
        adopted: bool,
    ) -> Result<(), DslError> {
        let dst = parse_dst(dst, false)?;
        let op = OpKind::RouteDel {
            ns: st.ns.clone(),
            dst,
            via: None,
            dev: None,
        };
        self.push_del(op, at, adopted);
        Ok(())
    }
}

fn opt_str(m: &Map, key: &str) -> Result<Option<String>, DslError> {
    match m.get(key) {
        None => Ok(None),
        Some(v) if v.is_string() => Ok(Some(v.clone().into_string().unwrap())),
        Some(v) => Err(DslError::new(
            "netsh::route",
            format!("route option {key} must be a string, not {}", v.type_name()),
            format!("write it in quotes, e.g. {key}: \"10.1.1.1\""),
        )),
    }
}

fn route_opts(m: &Map) -> Result<(Option<String>, Option<String>), DslError> {
    if let Some(k) = m.keys().find(|k| !["via", "dev"].contains(&k.as_str())) {
        return Err(DslError::new(
            "netsh::route",
            format!("unknown route option \"{k}\""),
            "route options are via and dev",
        ));
    }
    Ok((opt_str(m, "via")?, opt_str(m, "dev")?))
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let host = || Stack { ns: Netns::Root };
    let s = shared.clone();
    FuncRegistration::new("route")
        .with_comments([
            "/// stack.route(dst, via) -> Stack",
            "/// a route in a namespace",
        ])
        .register_named(
            engine,
            ["stack", "dst", "via"],
            move |ctx: NativeCallContext, st: &mut Stack, dst: &str, via: &str| -> R<Stack> {
                let r = s.borrow_mut().route(st, dst, Some(via), None, at(&ctx));
                r.map(|_| st.clone()).or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("route")
        .with_comments([
            "/// stack.route(dst, #{ via, dev }) -> Stack",
            "/// a route in a namespace through a gateway or a device",
        ])
        .register_named(
            engine,
            ["stack", "dst", "opts"],
            move |ctx: NativeCallContext, st: &mut Stack, dst: &str, opts: Map| -> R<Stack> {
                let r = route_opts(&opts).and_then(|(via, dev)| {
                    s.borrow_mut()
                        .route(st, dst, via.as_deref(), dev.as_deref(), at(&ctx))
                });
                r.map(|_| st.clone()).or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("route")
        .with_comments([
            "/// route(dst, via) -> Stack",
            "/// a route on the host: dst is a CIDR or \"default\"",
        ])
        .register_named(
            engine,
            ["dst", "via"],
            move |ctx: NativeCallContext, dst: &str, via: &str| -> R<Stack> {
                let r = s
                    .borrow_mut()
                    .route(&host(), dst, Some(via), None, at(&ctx));
                r.map(|_| host()).or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("route")
        .with_comments([
            "/// route(dst, #{ via, dev }) -> Stack",
            "/// a route on the host through a gateway or a device",
        ])
        .register_named(
            engine,
            ["dst", "opts"],
            move |ctx: NativeCallContext, dst: &str, opts: Map| -> R<Stack> {
                let r = route_opts(&opts).and_then(|(via, dev)| {
                    s.borrow_mut()
                        .route(&host(), dst, via.as_deref(), dev.as_deref(), at(&ctx))
                });
                r.map(|_| host()).or_else(|e| fail(&ctx, e))
            },
        );
    register_del(engine, shared);
}

/// `del_route`, on a stack and on the host, with and without `#{ adopted: true }`.
fn register_del(engine: &mut Engine, shared: &Shared) {
    let host = || Stack { ns: Netns::Root };
    let s = shared.clone();
    FuncRegistration::new("del_route")
        .with_comments([
            "/// stack.del_route(dst) -> Stack",
            "/// remove a route from a namespace",
        ])
        .register_named(
            engine,
            ["stack", "dst"],
            move |ctx: NativeCallContext, st: &mut Stack, dst: &str| -> R<Stack> {
                let r = s.borrow_mut().del_route(st, dst, at(&ctx), false);
                r.map(|_| st.clone()).or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("del_route")
        .with_comments([
            "/// stack.del_route(dst, #{ adopted: true }) -> Stack",
            "/// remove a route the lab did not add (nothing brings it back)",
        ])
        .register_named(
            engine,
            ["stack", "dst", "opts"],
            move |ctx: NativeCallContext, st: &mut Stack, dst: &str, opts: Map| -> R<Stack> {
                let r = adopted("del_route", &opts)
                    .and_then(|a| s.borrow_mut().del_route(st, dst, at(&ctx), a));
                r.map(|_| st.clone()).or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("del_route")
        .with_comments([
            "/// del_route(dst) -> Stack",
            "/// remove a route from the host",
        ])
        .register_named(
            engine,
            ["dst"],
            move |ctx: NativeCallContext, dst: &str| -> R<Stack> {
                let r = s.borrow_mut().del_route(&host(), dst, at(&ctx), false);
                r.map(|_| host()).or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("del_route")
        .with_comments([
            "/// del_route(dst, #{ adopted: true }) -> Stack",
            "/// remove a route from the host that the lab did not add (nothing brings it back)",
        ])
        .register_named(
            engine,
            ["dst", "opts"],
            move |ctx: NativeCallContext, dst: &str, opts: Map| -> R<Stack> {
                let r = adopted("del_route", &opts)
                    .and_then(|a| s.borrow_mut().del_route(&host(), dst, at(&ctx), a));
                r.map(|_| host()).or_else(|e| fail(&ctx, e))
            },
        );
}
