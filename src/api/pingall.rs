//! `pingall()`: the reachability matrix of the lab's namespaces and the host, each pair pinged
//! once with a short bound; printed as a table, returned as an array of #{ from, to, addr, ok }.

use super::error::{fail, DslError, R};
use super::named::Named;
use super::session::{Session, Shared};
use crate::plan::PingMode;
use crate::sys::Netns;
use rhai::{Array, Dynamic, Engine, FuncRegistration, Map, NativeCallContext};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The longest one pair's ping takes (the backend's bound for a sweep).
const PAIR_BOUND: Duration = Duration::from_secs(2);

impl Session {
    /// At most `max_records` pairs are pinged (and returned).
    pub fn pingall(&mut self, max_records: usize) -> Result<Array, DslError> {
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
        // A pair that does not answer costs up to 2 s: the whole matrix is bounded too, and
        // what is left when less than that remains is marked `?`; so is what is left once the
        // result holds as many records as a script's value may.
        let deadline = Instant::now() + Duration::from_secs(60);
        let (mut late, mut full) = (0, 0);
        for (from, from_addr) in &targets {
            let mut cells = vec![];
            for (to, addr) in &targets {
                let cell = match addr {
                    _ if to == from => "·",
                    None => "-",
                    Some(_) if out.len() >= max_records => {
                        full += 1;
                        "?"
                    }
                    Some(_) if Instant::now() + PAIR_BOUND > deadline => {
                        late += 1;
                        "?"
                    }
                    Some(a) => {
                        let ok = self.sweep_pair(from, *from_addr, to, *a);
                        let mut m = Map::new();
                        m.insert("from".into(), from.to_string().into());
                        m.insert("to".into(), to.to_string().into());
                        m.insert("addr".into(), a.to_string().into());
                        m.insert("ok".into(), ok.into());
                        out.push(Dynamic::from(m));
                        if ok {
                            "ok"
                        } else {
                            "--"
                        }
                    }
                };
                cells.push(cell.to_string());
            }
            rows.push((from.to_string(), cells));
        }
        if self.backend.is_live() {
            let table = table(&targets, &rows);
            self.backend.echo(&table);
            if full > 0 {
                eprintln!("note: pingall stopped at {max_records} pairs, as many as its result may hold: {full} pairs not tried (`?`)");
            }
            if late > 0 {
                eprintln!("note: pingall stopped after 60 s: {late} pairs not tried (`?`)");
            }
        }
        Ok(out)
    }

    /// One pair of the matrix; then the neighbour entries it made are dropped: a matrix of
    /// every pair would fill the kernel's neighbour table, which every namespace shares.
    fn sweep_pair(&mut self, from: &Netns, back: Option<IpAddr>, to: &Netns, a: IpAddr) -> bool {
        let ok = self.backend.ping(from, a, PingMode::Sweep).unwrap_or(false);
        self.backend.forget_neighbour(from, a);
        if let Some(back) = back {
            self.backend.forget_neighbour(to, back);
        }
        ok
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

pub fn register(engine: &mut Engine, shared: &Shared) {
    let s = shared.clone();
    FuncRegistration::new("pingall")
        .with_comments([
            "/// pingall() -> Array",
            "/// the reachability matrix of the lab's namespaces and the host, printed as a table",
        ])
        .register_named(engine, [], move |ctx: NativeCallContext| -> R<Array> {
            // Each record is a map of 4: the result may hold the engine's map size over 4.
            let max = match ctx.engine().max_map_size() {
                0 => usize::MAX,
                m => m / 4,
            };
            let r = s.borrow_mut().pingall(max);
            r.or_else(|e| fail(&ctx, e))
        });
}
