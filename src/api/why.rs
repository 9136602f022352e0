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
    pub(crate) fn why(&mut self, st: &Stack, dst: &str, probe: bool) -> Result<Report, DslError> {
        let ip = parse_ip(dst, "why target")?;
        self.flush()?;
        Ok(crate::why::probe::why(
            self.backend.why_kernel(),
            &st.ns,
            ip,
            probe,
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
    let run = |s: &Shared, st: &Stack, dst: &str| -> Result<Map, DslError> {
        let mut sess = s.borrow_mut();
        let r = sess.why(st, dst, true)?;
        if r.evaluated {
            sess.backend.echo(&r.render());
        }
        Ok(to_map(&r))
    };
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
