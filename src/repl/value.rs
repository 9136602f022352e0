//! What a line's value says to the user, once: a check's ✓ line instead of `true`; nothing more
//! after a report that printed itself (`why`, `pingall`) or a command that streamed (`exec`);
//! "not evaluated in a plan" where a dry run could only invent an answer.

use super::call::{literal, Call};
use rhai::{Dynamic, Map};

/// What the REPL knows beside the value: whether it is planning, and a variable's stack name.
pub(crate) struct Context<'a> {
    pub(crate) planning: bool,
    pub(crate) streamed: bool,
    /// The namespace (or `host`) a variable holds.
    pub(crate) place_of: &'a dyn Fn(&str) -> Option<String>,
}

const CHECKS: &[&str] = &["ping", "assert_ping", "assert_no_ping"];
const READS: &[&str] = &[
    "why",
    "pingall",
    "exec",
    "sh",
    "shell",
    "ping",
    "assert_ping",
    "assert_no_ping",
];

fn has_keys(v: &Dynamic, keys: &[&str]) -> bool {
    v.read_lock::<Map>()
        .is_some_and(|m| keys.iter().all(|k| m.contains_key(*k)))
}

/// Where a check runs: its receiver, or its first argument, or the host.
fn place(call: &Call, cx: &Context) -> String {
    let on = match (&call.recv, call.args.len()) {
        (Some(r), _) => Some(r.as_str()),
        (None, 2) => Some(call.args[0].as_str()),
        _ => None,
    };
    let named = |v: &str| {
        let inner = v.strip_prefix("ns(\"")?.strip_suffix("\")")?;
        Some(inner.to_string()).filter(|n| !n.contains('"'))
    };
    match on {
        None | Some("host()") => "host".to_string(),
        Some(v) => (cx.place_of)(v)
            .or_else(|| named(v))
            .unwrap_or_else(|| v.to_string()),
    }
}

/// The text the value shows as, `Some(None)` for nothing at all, `None` for the usual print.
pub(crate) fn present(
    call: Option<&Call>,
    value: &Dynamic,
    cx: &Context,
) -> Option<Option<String>> {
    let call = call?;
    let name = call.name.as_str();
    if !READS.contains(&name) {
        return None;
    }
    if cx.planning {
        return Some(Some(format!(
            "{name}: not evaluated in a plan (nothing is built yet): it runs after :apply"
        )));
    }
    match name {
        "why" if has_keys(value, &["verdict", "hops"]) => Some(None),
        "pingall" if value.is_array() => Some(None),
        "exec" if cx.streamed && has_keys(value, &["code", "out", "err"]) => {
            let code = value
                .read_lock::<Map>()
                .and_then(|m| m.get("code").and_then(|c| c.as_int().ok()))
                .unwrap_or(0);
            Some((code != 0).then(|| format!("exit {code}")))
        }
        // Its output came as it ran; a failure stopped the line with its own words.
        "sh" if cx.streamed && value.is_string() => Some(None),
        // The shell said what it had to; only a failure's code is news.
        "shell" => {
            let code = value.as_int().ok()?;
            Some((code != 0).then(|| format!("exit {code}")))
        }
        _ if CHECKS.contains(&name) => {
            let ok = value.as_bool().ok()?;
            let addr = call.args.last().map_or("", |a| literal(a));
            let from = place(call, cx);
            Some(Some(match (name, ok) {
                ("assert_no_ping", false) => format!("✓ {from} ↛ {addr}"),
                // A replay: the note above says the failure cannot be shown again.
                ("assert_no_ping", true) => format!("{from} → {addr} already"),
                (_, true) => format!("✓ {from} → {addr}"),
                (_, false) => format!("✗ {from} ↛ {addr} (no echo reply)"),
            }))
        }
        _ => None,
    }
}
