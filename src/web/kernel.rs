//! The one thread that talks to the kernel: it reads the state every ~300 ms (less often when
//! a read takes long) and keeps the latest picture, and it runs the page's probes, `pingall`
//! and `why`, one at a time. It never changes the kernel: it only reads, pings and traces.

use super::read::read_state;
use crate::lab::state::State;
use crate::net::Netlink;
use crate::plan::{Probe, SweepRow};
use crate::sys::Netns;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How often the state is read, at most.
const TICK: Duration = Duration::from_millis(300);
/// How often /run/netns and the journals are glanced at between two reads.
const GLANCE: Duration = Duration::from_millis(50);
/// The longest a pingall runs; the pairs left are not tried.
const PINGALL_BOUND: Duration = Duration::from_secs(30);

/// What the page shows: the picture, the state it was drawn from, and a version that changes
/// with them.
#[derive(Default)]
pub(crate) struct Snapshot {
    pub version: u64,
    pub state: Option<State>,
    pub json: String,
    pub svg: String,
    pub error: Option<String>,
}

pub(crate) enum Job {
    Pingall(Sender<String>),
    Why(String, IpAddr, Sender<String>),
}

pub(crate) fn run(
    lab: Option<String>,
    snap: Arc<RwLock<Snapshot>>,
    jobs: Receiver<Job>,
    stop: Arc<AtomicBool>,
) {
    let mut backend = match Netlink::new(lab.as_deref().unwrap_or("web")) {
        Ok(b) => b,
        Err(e) => {
            snap.write().unwrap().error = Some(format!("cannot start the netlink backend: {e}"));
            return;
        }
    };
    let mut next_read = Instant::now();
    let mut seen = cheap_fingerprint();
    while !stop.load(Ordering::SeqCst) {
        let wait = next_read
            .saturating_duration_since(Instant::now())
            .min(GLANCE);
        match jobs.recv_timeout(wait) {
            Ok(Job::Pingall(reply)) => {
                let _ = reply.send(pingall(&mut backend, &snap));
            }
            Ok(Job::Why(from, addr, reply)) => {
                let ns = match from.as_str() {
                    "host" => Netns::Root,
                    n => Netns::named(n),
                };
                let r = crate::why::probe::why_sized(Some(&mut backend), &ns, addr, true, None);
                let _ = reply.send(serde_json::to_string(&r).unwrap_or_default());
            }
            Err(RecvTimeoutError::Timeout) => {
                // A namespace or a journal that changed is read at once; anything else (an
                // `ip` command) at the next tick.
                let now = cheap_fingerprint();
                if now == seen && Instant::now() < next_read {
                    continue;
                }
                seen = now;
                let t = Instant::now();
                refresh(&mut backend, lab.as_deref(), &snap);
                // A slow read (many namespaces) is not repeated back to back.
                next_read = Instant::now() + TICK.max(t.elapsed() * 2);
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// The names in /run/netns and each journal's size and time in /run/netsh: what a REPL line,
/// a `run`, a `down` or `ip netns add` changes, read in microseconds.
fn cheap_fingerprint() -> Vec<(String, u64, Option<std::time::SystemTime>)> {
    let mut out: Vec<_> = ["/run/netns", crate::lab::journal::STATE_DIR]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
        .map(|e| {
            let meta = e.metadata().ok();
            (
                e.path().display().to_string(),
                meta.as_ref().map_or(0, |m| m.len()),
                meta.and_then(|m| m.modified().ok()),
            )
        })
        .collect();
    out.sort();
    out
}

fn refresh(backend: &mut Netlink, lab: Option<&str>, snap: &RwLock<Snapshot>) {
    match read_state(backend, lab) {
        Ok(state) => {
            let json = serde_json::to_string(&state).unwrap_or_default();
            if snap.read().unwrap().json == json {
                return;
            }
            let svg = crate::lab::svg::svg(&state);
            let mut s = snap.write().unwrap();
            s.version += 1;
            s.json = json;
            s.svg = svg;
            s.state = Some(state);
            s.error = None;
        }
        Err(e) => snap.write().unwrap().error = Some(e),
    }
}

/// Every stack pings every other at its first IPv4 address: `{"stacks": [...], "cells":
/// [[true|false|null, ...], ...]}` (null: itself, no address, or not tried in time).
fn pingall(backend: &mut Netlink, snap: &RwLock<Snapshot>) -> String {
    let targets: Vec<(String, Option<IpAddr>)> = {
        let s = snap.read().unwrap();
        let stacks = s
            .state
            .as_ref()
            .map(|st| st.stacks.as_slice())
            .unwrap_or(&[]);
        stacks
            .iter()
            .map(|st| {
                let a = st
                    .links
                    .iter()
                    .flat_map(|l| l.addrs.iter())
                    .filter_map(|a| a.split('/').next()?.parse::<IpAddr>().ok())
                    .find(|a| a.is_ipv4() && !a.is_loopback());
                (st.name.clone(), a)
            })
            .collect()
    };
    let ns = |n: &str| match n {
        "host" => Netns::Root,
        n => Netns::named(n),
    };
    let mut cells = vec![vec![None; targets.len()]; targets.len()];
    let deadline = Instant::now() + PINGALL_BOUND;
    let to: Vec<usize> = (0..targets.len())
        .filter(|j| targets[*j].1.is_some())
        .collect();
    let sources: Vec<usize> = (0..targets.len()).collect();
    // Two rows at once, as the DSL's pingall does (each row's pings go out together).
    for batch in sources.chunks(2) {
        if Instant::now() > deadline {
            break;
        }
        let rows: Vec<SweepRow> = batch
            .iter()
            .map(|&i| SweepRow {
                from: ns(&targets[i].0),
                back: targets[i].1,
                to: to
                    .iter()
                    .filter(|j| **j != i)
                    .filter_map(|j| Some((ns(&targets[*j].0), targets[*j].1?)))
                    .collect(),
            })
            .collect();
        for (&i, oks) in batch.iter().zip(backend.ping_rows(&rows)) {
            for (j, ok) in to.iter().filter(|j| **j != i).zip(oks) {
                cells[i][*j] = Some(ok);
            }
        }
    }
    let names: Vec<&str> = targets.iter().map(|t| t.0.as_str()).collect();
    serde_json::json!({ "stacks": names, "cells": cells }).to_string()
}
