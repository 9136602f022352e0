//! Deleting what the lab did not make — the host's uplink, another lab's bridge, a namespace
//! someone else made, their addresses and routes — is refused before any change, unless the
//! script says so (`.del(#{ adopted: true })`). netsh cannot bring such an object back.

use super::{Owned, Problem, World};
use crate::plan::error::PlanError;
use crate::plan::op::OpKind;
use crate::plan::render::dst_text;
use crate::plan::view::LinkView;
use crate::sys::{Netns, ObjectKey};

impl World<'_> {
    /// A deletion of an object that is there and is not this lab's: refused, with how to delete
    /// it anyway.
    pub(super) fn refuse_foreign_del(&mut self, op: &OpKind, owned: Owned) -> Result<(), Problem> {
        if let OpKind::LinkSetNs { ns, name, to } = op {
            return self.refuse_foreign_move(ns, name, to, owned);
        }
        let (what, form, whose) = match op {
            OpKind::LinkDel { ns, name, .. } => {
                let Some(l) = self.link(ns, name)? else {
                    return Ok(());
                };
                if self.link_is_mine(ns, name, owned)? {
                    return Ok(());
                }
                let form = format!("{}.del(#{{ adopted: true }})", link_dsl(ns, name));
                (format!("delete {name} on {ns}"), form, owner(&l))
            }
            OpKind::NetnsDel { name } => {
                if !self.named()?.contains(name) || self.netns_is_mine(name, owned)? {
                    return Ok(());
                }
                let lo = self.link(&Netns::named(name), "lo")?.unwrap_or_default();
                let form = format!("{}.del(#{{ adopted: true }})", Netns::named(name).dsl());
                (format!("delete namespace {name}"), form, owner(&lo))
            }
            OpKind::AddrDel { ns, link, addr } => {
                let there = self.view(ns)?.addrs.contains(&(link.clone(), *addr));
                let key = ObjectKey::Addr {
                    ns: ns.clone(),
                    link: link.clone(),
                    addr: *addr,
                };
                // One on a link the lab made is the lab's too: it goes with that link anyway.
                if !there || self.mine(&key, owned) || self.link_is_mine(ns, link, owned)? {
                    return Ok(());
                }
                let l = link_dsl(ns, link);
                let form = format!("{l}.del_addr(\"{addr}\", #{{ adopted: true }})");
                let whose = "this lab did not add it".to_string();
                (format!("remove {addr} from {link} on {ns}"), form, whose)
            }
            OpKind::RouteDel { ns, dst, .. } => {
                let Some(r) = self
                    .view(ns)?
                    .routes
                    .iter()
                    .find(|r| r.dst == *dst)
                    .cloned()
                else {
                    return Ok(());
                };
                let key = ObjectKey::Route {
                    ns: ns.clone(),
                    dst: *dst,
                };
                let on_mine = match &r.dev {
                    Some(d) => self.link_is_mine(ns, d, owned)?,
                    None => false,
                };
                if on_mine || self.mine(&key, owned) || self.in_mine(ns, owned)? {
                    return Ok(());
                }
                let d = dst_text(dst);
                let on = match ns {
                    Netns::Root => String::new(),
                    _ => format!("{}.", ns.dsl()),
                };
                let form = format!("{on}del_route(\"{d}\", #{{ adopted: true }})");
                let whose = "this lab did not add it".to_string();
                (format!("delete route {d} on {ns}"), form, whose)
            }
            OpKind::RuleDel { ns, rule } => {
                if !self.rule_is_foreign(ns, rule, owned)? {
                    return Ok(());
                }
                let what = format!(
                    "delete the {} {} rule `{}` on {ns}",
                    rule.table,
                    rule.chain,
                    rule.untagged().spec()
                );
                let whose = "it does not carry this lab's tag".to_string();
                (what, "rule.remove(#{ adopted: true })".to_string(), whose)
            }
            OpKind::FdbDel { ns, dev, mac, dst } => {
                let key = ObjectKey::Fdb {
                    ns: ns.clone(),
                    dev: dev.clone(),
                    mac: mac.clone(),
                    dst: *dst,
                };
                if self.mine(&key, owned) || self.link_is_mine(ns, dev, owned)? {
                    return Ok(());
                }
                if !self.has_named(ns)? {
                    return Ok(());
                }
                let entry = (dev.clone(), mac.clone(), *dst);
                if !self.fdb_of(ns)?.contains(&entry) {
                    return Ok(());
                }
                let what = format!("delete the fdb entry {mac} dst {dst} of {dev} on {ns}");
                let whose = "this lab did not add it".to_string();
                (what, "fdb.remove(#{ adopted: true })".to_string(), whose)
            }
            _ => return Ok(()),
        };
        Err(Problem::Refused(PlanError::new(
            "netsh::not-owned",
            format!("cannot {what}: {whose}"),
            Some(format!(
                "netsh deletes only what the lab made; to delete it anyway, write {form} — netsh cannot bring it back (not on a rollback, not with `netsh down`)"
            )),
        )))
    }

    /// Moving a link the lab did not make into a namespace the lab made: when that namespace
    /// goes (a rollback, `netsh down`), a veth goes with it.
    fn refuse_foreign_move(
        &mut self,
        ns: &Netns,
        name: &str,
        to: &Netns,
        owned: Owned,
    ) -> Result<(), Problem> {
        let into_mine =
            self.fresh.contains(to) || (self.has_named(to)? && self.in_mine(to, owned)?);
        if !into_mine || !self.has_named(ns)? || self.link(ns, name)?.is_none() {
            return Ok(());
        }
        if self.link_is_mine(ns, name, owned)? {
            return Ok(());
        }
        let form = format!(
            "{}.into({}, #{{ adopted: true }})",
            link_dsl(ns, name),
            to.dsl()
        );
        Err(Problem::Refused(PlanError::new(
            "netsh::not-owned",
            format!(
                "cannot move {name} from {ns} into {to}: this lab did not make it, and when {to} goes (a rollback, `netsh down`) a veth goes with it"
            ),
            Some(format!(
                "move a link of the lab's own instead; to move this one anyway, write {form}"
            )),
        )))
    }

    /// A rule that is there only as someone else's: the lab's carries its tag (or lives in a
    /// namespace the lab made, or was added by this plan).
    fn rule_is_foreign(
        &mut self,
        ns: &Netns,
        rule: &crate::firewall::Rule,
        owned: Owned,
    ) -> Result<bool, Problem> {
        let planned = self.rules_added.get(ns).is_some_and(|v| v.contains(rule));
        if planned || self.fresh.contains(ns) || !self.has_named(ns)? || self.in_mine(ns, owned)? {
            return Ok(false);
        }
        if self.backend.rule_exists(ns, rule)? {
            return Ok(false);
        }
        Ok(self.backend.rule_exists(ns, &rule.untagged())?)
    }

    /// Whether the stack is there to read (a missing namespace is the family judge's to say).
    pub(super) fn has_named(&mut self, ns: &Netns) -> Result<bool, Problem> {
        Ok(match ns {
            Netns::Root => true,
            Netns::Named(n) => self.named()?.contains(n),
            Netns::Adopted(_) => ns.check().is_ok(),
        })
    }

    /// The journal says the lab made it, or this flush makes it.
    fn mine(&self, key: &ObjectKey, owned: Owned) -> bool {
        owned(key) || self.made.contains(key)
    }

    fn carries_tag(&self, l: &LinkView) -> bool {
        self.tag.is_some() && l.alias == self.tag
    }

    /// A namespace the lab made: by the journal, this flush, or the tag on its `lo`.
    fn netns_is_mine(&mut self, name: &str, owned: Owned) -> Result<bool, Problem> {
        let ns = Netns::named(name);
        if self.mine(&ObjectKey::netns(name), owned) || self.fresh.contains(&ns) {
            return Ok(true);
        }
        let lo = self.link(&ns, "lo")?;
        Ok(lo.is_some_and(|l| self.carries_tag(&l)))
    }

    /// Everything inside a namespace the lab made is the lab's.
    fn in_mine(&mut self, ns: &Netns, owned: Owned) -> Result<bool, Problem> {
        match ns {
            Netns::Named(n) => self.netns_is_mine(n, owned),
            // Someone else's: only what the lab added there is the lab's.
            Netns::Root | Netns::Adopted(_) => Ok(false),
        }
    }

    /// A link the lab made: by the journal, this flush, its tag, its veth peer, or where it is.
    fn link_is_mine(&mut self, ns: &Netns, name: &str, owned: Owned) -> Result<bool, Problem> {
        if self.mine(&ObjectKey::link(ns, name), owned) || self.in_mine(ns, owned)? {
            return Ok(true);
        }
        let Some(l) = self.link(ns, name)? else {
            return Ok(false);
        };
        let peer_mine = l
            .peer
            .as_ref()
            .is_some_and(|(pns, p)| self.mine(&ObjectKey::link(pns, p), owned));
        Ok(self.carries_tag(&l) || peer_mine)
    }
}

/// How a script names a link: `link("eth0")`, `ns("ns1").link("veth1")`.
fn link_dsl(ns: &Netns, name: &str) -> String {
    match ns {
        Netns::Root => format!("link(\"{name}\")"),
        _ => format!("{}.link(\"{name}\")", ns.dsl()),
    }
}

/// Whose an object is, by its tag: another lab's, or not made by this lab.
fn owner(l: &LinkView) -> String {
    match l.alias.as_deref().and_then(|a| a.strip_prefix("netsh:")) {
        Some(lab) => format!("it is lab {lab}'s (it carries netsh:{lab})"),
        None => "this lab did not make it".to_string(),
    }
}
