//! `why(src, "ADDRESS")`: why a namespace can or cannot reach an address, hop by hop (src/why).
//! Returns #{ verdict, hops, broken, fix, probe } and prints the hops (not in a dry run).

use super::addr::parse_ip;
use super::error::{fail, DslError, R};
use super::named::Named;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::sys::Netns;
use crate::why::Report;
use rhai::{Array, Dynamic, Engine, FuncRegistration, Map, NativeCallContext};

impl Session {
    /// `why` for a DF-set packet of `size` ICMP payload bytes (`None`: a plain ping), or for
    /// a TCP connection to port `tcp`.
    pub(crate) fn why_sized(
        &mut self,
        st: &Stack,
        dst: &str,
        probe: bool,
        (size, tcp): (Option<usize>, Option<u16>),
    ) -> Result<Report, DslError> {
        let ip = parse_ip(dst, "why target")?;
        self.flush()?;
        if let Some(r) = self.why_machines(st, ip, probe, (size, tcp))? {
            return Ok(r);
        }
        Ok(crate::why::probe::why_as(
            self.backend.why_kernel(),
            &st.ns,
            ip,
            probe,
            size,
            tcp,
        ))
    }
}

/// The report as a script sees it.
pub(crate) fn to_map(r: &Report) -> Map {
    let mut m = Map::new();
    let verdict = match (r.evaluated, r.clear()) {
        (false, _) => "not evaluated",
        (true, true) => "clear",
        (true, false) => "blocked",
    };
    m.insert("verdict".into(), verdict.into());
    let hops: Array = r
        .hops
        .iter()
        .map(|h| Dynamic::from(format!("{}: {}", h.at, h.text)))
        .collect();
    m.insert("hops".into(), hops.into());
    let opt = |s: &Option<String>| s.clone().map(Dynamic::from).unwrap_or(Dynamic::UNIT);
    m.insert("broken".into(), opt(&r.broken));
    m.insert("fix".into(), opt(&r.fix));
    m.insert("other_way".into(), opt(&r.other_way));
    m.insert(
        "probe".into(),
        r.probe.map(Dynamic::from).unwrap_or(Dynamic::UNIT),
    );
    m
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let run = |s: &Shared, st: &Stack, dst: &str| run_sized(s, st, dst, (None, None));
    let s = shared.clone();
    FuncRegistration::new("why")
        .with_comments([
            "/// stack.why(addr, #{ size, tcp }) -> Map",
            "/// as stack.why(addr), for a packet of size ICMP payload bytes with DF set (the path MTU), or a TCP connection to port tcp (its SYN through -p tcp --dport rules, a connect as the probe)",
        ])
        .register_named(
            engine,
            ["stack", "addr", "opts"],
            move |ctx: NativeCallContext, st: Stack, dst: &str, m: Map| -> R<Map> {
                opts(&m)
                    .and_then(|n| run_sized(&s, &st, dst, n))
                    .or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("why")
        .with_comments([
            "/// stack.why(addr) -> Map",
            "/// why a namespace can or cannot reach addr, hop by hop, with the fix in DSL form",
        ])
        .register_named(
            engine,
            ["stack", "addr"],
            move |ctx: NativeCallContext, st: Stack, dst: &str| -> R<Map> {
                run(&s, &st, dst).or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("why")
        .with_comments([
            "/// why(addr) -> Map",
            "/// why the host can or cannot reach addr, hop by hop: #{ verdict, hops, broken, fix, probe }",
        ])
        .register_named(
            engine,
            ["addr"],
            move |ctx: NativeCallContext, dst: &str| -> R<Map> {
                run(&s, &Stack { ns: Netns::Root }, dst).or_else(|e| fail(&ctx, e))
            },
        );
}

fn run_sized(
    s: &Shared,
    st: &Stack,
    dst: &str,
    size: (Option<usize>, Option<u16>),
) -> Result<Map, DslError> {
    let mut sess = s.borrow_mut();
    let r = sess.why_sized(st, dst, true, size)?;
    if r.evaluated {
        sess.backend.echo(&r.render());
    }
    Ok(to_map(&r))
}

/// `#{ size: N }` or `#{ tcp: PORT }`, one of them.
fn opts(m: &Map) -> Result<(Option<usize>, Option<u16>), DslError> {
    if let Some(k) = m.keys().find(|k| !matches!(k.as_str(), "size" | "tcp")) {
        return Err(DslError::new(
            "netsh::why",
            format!("why has no option \"{k}\""),
            "its options are size and tcp: why(ns1, \"10.0.0.2\", #{ size: 1400 }), why(ns1, \"10.0.0.2\", #{ tcp: 80 })",
        ));
    }
    let Some(v) = m.get("tcp") else {
        return Ok((size_opt(m)?, None));
    };
    if m.contains_key("size") {
        return Err(DslError::new(
            "netsh::why",
            "why's size sizes a ping; a TCP port is probed with a connect",
            "give one of them: #{ size: 1400 } or #{ tcp: 80 }",
        ));
    }
    match v.as_int() {
        Ok(n) if (1..=65535).contains(&n) => Ok((None, Some(n as u16))),
        _ => Err(DslError::new(
            "netsh::why",
            format!("why's tcp must be a port from 1 to 65535, not {v}"),
            "e.g. #{ tcp: 80 }",
        )),
    }
}

/// `#{ size: N }`: N from 0 to 65507 (the largest ICMP payload of an IPv4 packet).
fn size_opt(m: &Map) -> Result<Option<usize>, DslError> {
    let Some(v) = m.get("size") else {
        return Ok(None);
    };
    match v.as_int() {
        Ok(n) if (0..=65507).contains(&n) => Ok(Some(n as usize)),
        _ => Err(DslError::new(
            "netsh::why",
            format!("why's size must be a number of bytes from 0 to 65507, not {v}"),
            "e.g. #{ size: 1400 } (the ICMP payload, as ping -s)",
        )),
    }
}
