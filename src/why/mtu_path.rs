//! An MTU fix for the whole path, not one link at a time: with the links a fix raises taken
//! as raised, the path is walked again, and each further link too small joins the fix.

use super::cached::Cached;
use super::mtu_fix::{fix, Raised};
use super::report::Report;
use super::walk::walk;
use crate::sys::Netns;
use std::net::IpAddr;

/// Rounds of walking again; each adds a link, and a path has few links too small.
const ROUNDS: usize = 8;

/// Grows `r`'s MTU fix until the walk, with those links raised, finds no other too small.
pub(crate) fn whole_path(live: &mut Cached, r: &mut Report, src: &Netns, dst: IpAddr) {
    let mut all: Vec<Raised> = r.mtu_raise.clone();
    for _ in 0..ROUNDS {
        for (ns, l, m) in &all {
            live.assume_mtu(ns, l, *m);
        }
        let again = walk(live, src, dst);
        let more: Vec<Raised> = again
            .mtu_raise
            .into_iter()
            .filter(|(ns, l, _)| !all.iter().any(|(n, m, _)| n == ns && m == l))
            .collect();
        if more.is_empty() {
            break;
        }
        all.extend(more);
    }
    for (ns, _, _) in &all {
        live.forget_l2(ns);
    }
    if all.len() > r.mtu_raise.len() {
        r.fix = Some(fix(live, &src.to_string(), &all));
        r.mtu_raise = all;
    }
}
