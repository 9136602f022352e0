//! What the page asks for: itself, the picture, the state, a stream of changes, one object's
//! details, and the two probes. Every request must carry the token.

use super::http::{read_request, respond};
use super::kernel::{Job, Snapshot};
use super::token::same;
use crate::lab::state::State;
use serde_json::{json, Value};
use std::io::Write;
use std::net::{IpAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

const PAGE: &str = include_str!("page.html");
/// How long one event stream lasts; the browser opens the next one itself.
const STREAM_BOUND: Duration = Duration::from_secs(600);
/// The longest a probe may take before the page is told so.
const PROBE_BOUND: Duration = Duration::from_secs(90);

/// What every request's thread shares.
pub(crate) struct Ctx {
    pub token: String,
    pub snap: Arc<RwLock<Snapshot>>,
    pub jobs: Sender<Job>,
    pub stop: Arc<AtomicBool>,
}

const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";

pub(crate) fn handle(mut s: TcpStream, ctx: &Ctx) {
    let Some(req) = read_request(&mut s) else {
        return;
    };
    if req.method != "GET" {
        return respond(&mut s, 405, TEXT, b"only GET\n");
    }
    if !req.query.get("token").is_some_and(|t| same(t, &ctx.token)) {
        let why = "403: this page needs the token that netsh printed with its URL\n";
        return respond(&mut s, 403, TEXT, why.as_bytes());
    }
    let arg = |k: &str| req.query.get(k).cloned().unwrap_or_default();
    match req.path.as_str() {
        "/" => respond(&mut s, 200, "text/html; charset=utf-8", PAGE.as_bytes()),
        "/svg" | "/state" => {
            let snap = ctx.snap.read().unwrap();
            match (&snap.error, snap.version) {
                (Some(e), 0) => respond(&mut s, 503, TEXT, e.as_bytes()),
                (None, 0) => respond(&mut s, 503, TEXT, b"the state is being read\n"),
                _ if req.path == "/svg" => {
                    respond(&mut s, 200, "image/svg+xml", snap.svg.as_bytes())
                }
                _ => respond(&mut s, 200, JSON, snap.json.as_bytes()),
            }
        }
        "/events" => events(s, ctx),
        "/object" => {
            let snap = ctx.snap.read().unwrap();
            match snap.state.as_ref().and_then(|st| object(st, &arg("id"))) {
                Some(v) => respond(&mut s, 200, JSON, v.to_string().as_bytes()),
                None => respond(&mut s, 404, TEXT, b"no such object\n"),
            }
        }
        "/pingall" => probe(s, ctx, Job::Pingall),
        "/why" => {
            let from = arg("from");
            let known = ctx
                .snap
                .read()
                .unwrap()
                .state
                .as_ref()
                .is_some_and(|st| st.stacks.iter().any(|x| x.name == from));
            match arg("addr").trim().parse::<IpAddr>() {
                Ok(a) if known => probe(s, ctx, |tx| Job::Why(from, a, tx)),
                Ok(_) => respond(&mut s, 400, TEXT, format!("no stack {from:?}\n").as_bytes()),
                Err(_) => respond(&mut s, 400, TEXT, b"addr is not an IP address\n"),
            }
        }
        _ => respond(&mut s, 404, TEXT, b"not here\n"),
    }
}

/// Runs a probe on the kernel's thread and answers with its JSON.
fn probe(mut s: TcpStream, ctx: &Ctx, job: impl FnOnce(Sender<String>) -> Job) {
    let (tx, rx) = channel();
    if ctx.jobs.send(job(tx)).is_err() {
        return respond(&mut s, 503, TEXT, b"the kernel reader has stopped\n");
    }
    match rx.recv_timeout(PROBE_BOUND) {
        Ok(body) => respond(&mut s, 200, JSON, body.as_bytes()),
        Err(_) => respond(&mut s, 503, TEXT, b"the probe did not finish in time\n"),
    }
}

/// Server-sent events: the state's version each time it changes, a comment now and then to
/// keep the connection, until the server stops or the stream has lasted its bound.
fn events(mut s: TcpStream, ctx: &Ctx) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
                Connection: close\r\n\r\n";
    if s.write_all(head.as_bytes()).is_err() {
        return;
    }
    let start = Instant::now();
    let mut sent = None;
    let mut beat = Instant::now();
    while !ctx.stop.load(Ordering::SeqCst) && start.elapsed() < STREAM_BOUND {
        let v = ctx.snap.read().unwrap().version;
        let msg = if sent != Some(v) && v > 0 {
            sent = Some(v);
            format!("data: {v}\n\n")
        } else if beat.elapsed() > Duration::from_secs(15) {
            ": still here\n\n".to_string()
        } else {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        beat = Instant::now();
        if s.write_all(msg.as_bytes()).and_then(|_| s.flush()).is_err() {
            return;
        }
    }
}

/// One object of the picture by its SVG id: a machine or namespace (`machine-X`, `ns-X`) with
/// its links, routes and rules; a link (`link-STACK/LINK`) with its routes and rules.
pub(crate) fn object(state: &State, id: &str) -> Option<Value> {
    let stack = |n: &str| state.stacks.iter().find(|s| s.name == n);
    if let Some(n) = id
        .strip_prefix("ns-")
        .or_else(|| id.strip_prefix("machine-"))
    {
        let s = stack(n)?;
        return Some(json!({ "kind": "stack", "stack": s }));
    }
    let (n, l) = id.strip_prefix("link-")?.split_once('/')?;
    let s = stack(n)?;
    let link = s.links.iter().find(|x| x.name == l)?;
    let routes: Vec<_> = s
        .routes
        .iter()
        .filter(|r| r.dev.as_deref() == Some(l))
        .collect();
    let words = [format!("-i {l} "), format!("-o {l} ")];
    let rules: Vec<_> = s
        .rules
        .iter()
        .filter(|r| words.iter().any(|w| format!("{} ", r.spec).contains(w)))
        .collect();
    Some(json!({ "kind": "link", "stack": n, "link": link, "routes": routes, "rules": rules }))
}
