//! `pingall()`: the reachability matrix of the lab's namespaces and the host, each pair pinged
//! once with a short bound; printed as a table, returned as an array of #{ from, to, addr, ok }.

use super::error::{fail, DslError, R};
use super::named::Named;
use super::session::{Session, Shared};
use crate::plan::PingMode;
use crate::sys::Netns;
use rhai::{Array, Dynamic, Engine, FuncRegistration, Map, NativeCallContext};
use std::net::IpAddr;

impl Session {
    pub(crate) fn pingall(&mut self) -> Result<Array, DslError> {
        self.flush()?;
        let mut stacks = vec![Netns::Root];
        stacks.extend(self.model.namespaces.keys().map(|n| Netns::named(n)));
        // Each stack is reached at its first address that is not loopback.
        let mut targets: Vec<(Netns, Option<IpAddr>)> = vec![];
        for ns in &stacks {
            let v = self.backend.observe(ns).unwrap_or_default();
            let a = v
                .addrs
                .iter()
                .map(|(_, a)| a.addr())
                .find(|a| a.is_ipv4() && !a.is_loopback());
            targets.push((ns.clone(), a));
        }
        let mut out = Array::new();
        let mut rows = vec![];
        // A pair that does not answer costs up to 2 s: the whole matrix is bounded too, and what
        // is left when the time is up is marked `?`.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut skipped = 0;
        for from in &stacks {
            let mut cells = vec![];
            for (to, addr) in &targets {
                let cell = match addr {
                    _ if to == from => "·".to_string(),
                    None => "-".to_string(),
                    Some(_) if std::time::Instant::now() > deadline => {
                        skipped += 1;
                        "?".to_string()
                    }
                    Some(a) => {
                        let ok = self
                            .backend
                            .ping(from, *a, PingMode::Sweep)
                            .unwrap_or(false);
                        let mut m = Map::new();
                        m.insert("from".into(), from.to_string().into());
                        m.insert("to".into(), to.to_string().into());
                        m.insert("addr".into(), a.to_string().into());
                        m.insert("ok".into(), ok.into());
                        out.push(Dynamic::from(m));
                        if ok { "ok" } else { "--" }.to_string()
                    }
                };
                cells.push(cell);
            }
            rows.push((from.to_string(), cells));
        }
        if self.backend.is_live() {
            let table = table(&targets, &rows);
            self.backend.echo(&table);
            if skipped > 0 {
                eprintln!("note: pingall stopped after 60 s: {skipped} pairs not tried (`?`)");
            }
        }
        Ok(out)
    }
}

/// Rows are sources, columns targets (with the address pinged); `ok`, `--` (no reply), `-`
/// (the target has no address), `·` (itself).
fn table(targets: &[(Netns, Option<IpAddr>)], rows: &[(String, Vec<String>)]) -> String {
    let heads: Vec<String> = targets
        .iter()
        .map(|(n, a)| match a {
            Some(a) => format!("{n} ({a})"),
            None => n.to_string(),
        })
        .collect();
    let first = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0).max(4);
    let mut s = format!("{:first$}", "from");
    for h in &heads {
        s += &format!("  {h}");
    }
    for (n, cells) in rows {
        s += &format!("\n{n:first$}");
        for (c, h) in cells.iter().zip(&heads) {
            s += &format!("  {c:w$}", w = h.chars().count());
        }
    }
    s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let s = shared.clone();
    FuncRegistration::new("pingall")
        .with_comments([
            "/// pingall() -> Array",
            "/// the reachability matrix of the lab's namespaces and the host, printed as a table",
        ])
        .register_named(engine, [], move |ctx: NativeCallContext| -> R<Array> {
            let r = s.borrow_mut().pingall();
            r.or_else(|e| fail(&ctx, e))
        });
}
