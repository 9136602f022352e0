//! `pingall()`: the reachability matrix of the lab's namespaces and the host, each pair pinged
//! once with a short bound; printed as a table, returned as an array of #{ from, to, addr, ok }.

use super::error::{fail, DslError, R};
use super::named::Named;
use super::session::{Session, Shared};
use crate::sys::Netns;
use rhai::{Array, Dynamic, Engine, FuncRegistration, Map, NativeCallContext};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The longest a batch of rows takes: two rounds of a second (see net/sweep.rs) and the paths
/// made ready in between.
const ROW_BOUND: Duration = Duration::from_secs(3);
/// The longest the whole matrix takes.
const MATRIX_BOUND: Duration = Duration::from_secs(60);
/// At most this many targets in one row. A row leaves two neighbour entries a target (the
/// source's, the target's for the way back) until it ends, in a kernel table that every
/// namespace of the machine shares and that holds 1024 entries younger than 5 s: a sweep
/// keeps well below that, so as not to starve anyone else's.
const SWEEP_ROW: usize = 128;
/// Rows pinged together (one per core of a small machine: each ARP broadcast of a row is
/// copied to every port of a bridge, the bulk of a sweep's work).
const ROWS_AT_ONCE: usize = 2;

/// A sweep's answers by source and target (`None`: not tried), and how many pairs were not
/// tried for want of time and of room.
type Swept = (Vec<Vec<Option<bool>>>, usize, usize);

impl Session {
    /// At most `max_records` pairs are pinged (and returned).
    pub(crate) fn pingall(&mut self, max_records: usize) -> Result<Array, DslError> {
        self.flush()?;
        let mut stacks = vec![Netns::Root];
        stacks.extend(self.model.namespaces.keys().map(|n| Netns::named(n)));
        // Each stack is reached at its first address that is not loopback (a real machine's
        // stacks read, and their rows pinged, on that machine: src/api/far_sweep.rs).
        let targets = self.sweep_targets(&stacks)?;
        let (answers, late, full) = self.sweep(&targets, max_records)?;
        let mut out = Array::new();
        let mut rows = vec![];
        for (i, (from, _)) in targets.iter().enumerate() {
            let mut cells = vec![];
            for (j, (to, addr)) in targets.iter().enumerate() {
                let cell = match (addr, answers[i][j]) {
                    _ if i == j => "·",
                    (None, _) => "-",
                    (Some(_), None) => "?",
                    (Some(a), Some(ok)) => {
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
                let secs = MATRIX_BOUND.as_secs();
                eprintln!("note: pingall stopped after {secs} s: {late} pairs not tried (`?`)");
            }
        }
        Ok(out)
    }

    /// Ping every pair of `targets` (each stack at its address), `SWEEP_ROW` targets of one
    /// source at a time, `ROWS_AT_ONCE` of those together. The answers, by source and target
    /// (`None`: not tried), and how many pairs were not tried for want of time and of room.
    fn sweep(
        &mut self,
        targets: &[(Netns, Option<IpAddr>)],
        max_records: usize,
    ) -> Result<Swept, DslError> {
        let mut answers = vec![vec![None; targets.len()]; targets.len()];
        // Each row: its source's index, and its targets' indices.
        let mut rows: Vec<(usize, Vec<usize>)> = vec![];
        for (i, _) in targets.iter().enumerate() {
            let to: Vec<usize> = (0..targets.len())
                .filter(|j| *j != i && targets[*j].1.is_some())
                .collect();
            rows.extend(to.chunks(SWEEP_ROW).map(|c| (i, c.to_vec())));
        }
        // A row that does not answer costs up to its bound: the whole matrix is bounded too,
        // and the rows left when less than that remains are marked `?`; so are the pairs past
        // as many records as a script's value may hold.
        let deadline = Instant::now() + MATRIX_BOUND;
        let (mut late, mut full, mut room) = (0, 0, max_records);
        for batch in rows.chunks(ROWS_AT_ONCE) {
            if Instant::now() + ROW_BOUND > deadline {
                late += batch.iter().map(|(_, to)| to.len()).sum::<usize>();
                continue;
            }
            let mut asked = vec![];
            for (i, to) in batch {
                let take = to.len().min(room);
                room -= take;
                full += to.len() - take;
                asked.push((*i, to[..take].to_vec()));
            }
            let got = self.ping_rows_where(targets, &asked)?;
            for ((i, to), oks) in asked.iter().zip(got) {
                for (j, ok) in to.iter().zip(oks) {
                    answers[*i][*j] = Some(ok);
                }
            }
        }
        Ok((answers, late, full))
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
            // Each record is a map of 4: the result may hold the engine's map size over 4.
            let max = match ctx.engine().max_map_size() {
                0 => usize::MAX,
                m => m / 4,
            };
            let r = s.borrow_mut().pingall(max);
            r.or_else(|e| fail(&ctx, e))
        });
}
