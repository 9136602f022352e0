//! A port's MAC pin gone stale: a `bridge` family rule drops the frames in by a port whose
//! source MAC is not the one it names (`ebtables -A FORWARD -i veth2 -s ! M -j DROP`, `iifname
//! "veth2" ether saddr != M drop`), and no link holds M any more (the container behind the port
//! was made again with another MAC). The pin is kept and moved to the MAC the sender has now:
//! the same rule with that MAC put in its place (`nft replace rule`; with ebtables, which
//! replaces nothing, inserted where the old one is, then the old one deleted).

use super::kernel::Kernel;
use super::words::call;
use crate::firewall::nft::bridge_rule::{ebtables_own, ebtables_words, pinned_mac, repinned};
use crate::firewall::nft::foreign::ForeignChain;
use crate::firewall::nft::foreign_judge::Frame;
use crate::sys::Netns;

/// What is said of the stale pin of rule `by` of `c` in `ns`, and the fix that moves it to the
/// source MAC of `f`; `None` when the rule pins no MAC, some link still holds it (the port has more than one
/// sender: the pin is not stale), or the frame's source MAC is not known.
pub(crate) fn repin(
    k: &mut dyn Kernel,
    ns: &Netns,
    c: &ForeignChain,
    by: Option<u64>,
    f: &Frame,
) -> Option<(String, String)> {
    let h = by?;
    let at = c.listed.iter().position(|(x, _)| *x == h)?;
    let exprs = &c.listed[at].1;
    let old = pinned_mac(exprs)?;
    let mut now = [0u8; 6];
    for (b, x) in now.iter_mut().zip(&f.ether[6..]) {
        *b = (*x)?;
    }
    if held(k, &old) {
        return None;
    }
    let said = format!(
        ": it pins {old}, a MAC no link here has now, and the sender's is {}",
        now.map(|b| format!("{b:02x}")).join(":")
    );
    let sh = |cmd: String| call(ns, &format!("sh(\"{}\")", cmd.replace('"', "\\\"")));
    if ebtables_own(&c.family, &c.table, &c.name) {
        let (was, new) = (ebtables_words(exprs)?, repinned(exprs, now, true)?);
        let t = match c.table.as_str() {
            "filter" => String::new(),
            t => format!("-t {t} "),
        };
        let fix = format!(
            "{}; {}",
            sh(format!("ebtables {t}-I {} {} {new}", c.name, at + 1)),
            sh(format!("ebtables {t}-D {} {was}", c.name))
        );
        return Some((said, fix));
    }
    let new = repinned(exprs, now, false)?;
    let fix = sh(format!("nft replace rule {} handle {h} {new}", c.path()));
    Some((said, fix))
}

/// Whether a link of any namespace here has `mac`.
fn held(k: &mut dyn Kernel, mac: &str) -> bool {
    k.namespaces().into_iter().any(|ns| {
        k.l2(&ns)
            .into_iter()
            .any(|l| l.mac.is_some_and(|m| m.eq_ignore_ascii_case(mac)))
    })
}
