//! The flush: coalesce the pending ops, judge them all against the kernel (conflicts stop
//! everything before the first change), journal the batch, then apply it.

use super::apply::Builder;
use super::coalesce::coalesce;
use super::error::PlanError;
use super::judge::{Problem, World};
use super::ledger::{Entry, Gone, Ledger};
use super::op::{LinkSpec, Op, OpKind};
use super::verdict::{Judged, Verdict};
use crate::sys::{At, Failure, Netns, ObjectKey};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Tally {
    pub(crate) created: usize,
    pub(crate) changed: usize,
    pub(crate) unchanged: usize,
    pub(crate) adopted: usize,
}

impl Tally {
    pub(crate) fn add(&mut self, other: Tally) {
        self.created += other.created;
        self.changed += other.changed;
        self.unchanged += other.unchanged;
        self.adopted += other.adopted;
    }
}

/// What a flush did: the tally, the keys of the objects it created, and what it deleted.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) tally: Tally,
    pub(crate) created: Vec<ObjectKey>,
    /// The objects found as asked: the lab's own (a replay), and others' (adopted). A session
    /// counts each once, as it counts what it created: objects, not the calls that name them.
    pub(crate) unchanged: Vec<ObjectKey>,
    pub(crate) adopted: Vec<ObjectKey>,
    /// Adopted objects the journal did not have before (the summary says what adopted means).
    pub(crate) first_adopted: bool,
    pub(crate) gone: Vec<Gone>,
    /// The kernel requests applied, in order (for `-v`).
    pub(crate) steps: Vec<OpKind>,
}

pub(crate) fn flush(
    ops: Vec<Op>,
    backend: &mut dyn Builder,
    ledger: &mut dyn Ledger,
) -> Result<Report, PlanError> {
    let ops = coalesce(ops);
    let mut world = World::new(&mut *backend).tagged(ledger.tag());
    let mut batch = Batch::default();
    for op in &ops {
        let judged = world
            .judge(op, &|k| ledger.made(k))
            .map_err(|p| problem_at(op, p))?;
        batch.book(op, judged, &mut world, &*ledger)?;
    }
    let (named, views) = world.into_parts();
    if !batch.entries.is_empty() {
        ledger.record(&batch.entries).map_err(|e| PlanError {
            code: "netsh::journal",
            at: ops.first().map(|o| o.at).unwrap_or_default(),
            message: format!("cannot write the lab journal: {e}"),
            help: Some(journal_help(e.raw_os_error())),
        })?;
    }
    batch.send(backend, ledger)?;
    // Not knowing a namespace's inode only weakens `down`'s check to the tag on its lo.
    let _ = ledger.made_now(&batch.created);
    backend.remember(named, views);
    if !batch.gone.is_empty() {
        ledger.forget(&batch.gone).map_err(|e| PlanError {
            code: "netsh::journal",
            at: ops.last().map(|o| o.at).unwrap_or_default(),
            message: format!("cannot write the lab journal: {e}"),
            help: None,
        })?;
    }
    Ok(Report {
        tally: batch.tally,
        created: batch.created,
        unchanged: batch.unchanged,
        adopted: batch.adopted,
        first_adopted: batch.first_adopted,
        gone: batch.gone,
        steps: batch.steps,
    })
}

/// What judging the plan decided so far: the journal entries to write before anything is
/// applied, the kernel requests, and the tally.
#[derive(Default)]
struct Batch {
    tally: Tally,
    entries: Vec<Entry>,
    steps: Vec<OpKind>,
    /// Each step's op and call, to name a step the kernel refuses.
    step_at: Vec<(At, OpKind)>,
    /// The links and namespaces this flush creates.
    made: BTreeSet<ObjectKey>,
    created: Vec<ObjectKey>,
    unchanged: Vec<ObjectKey>,
    adopted: Vec<ObjectKey>,
    first_adopted: bool,
    gone: Vec<Gone>,
}

impl Batch {
    /// One judged op: its journal entry, its count, and its kernel requests.
    fn book(
        &mut self,
        op: &Op,
        judged: Judged,
        world: &mut World,
        ledger: &dyn Ledger,
    ) -> Result<(), PlanError> {
        match (judged.verdict, op.kind.object_key()) {
            (Verdict::Create, Some(key)) => self.create(op, key, world, ledger)?,
            (Verdict::Adopted, Some(key)) => self.adopt(op, key, ledger),
            (Verdict::Adopted, None) => self.count_adopted(op, None, ledger),
            // A setting found as asked is part of its object, counted once as that object.
            (Verdict::Unchanged, Some(key)) => {
                self.tally.unchanged += 1;
                self.unchanged.push(key);
            }
            (Verdict::Unchanged, None) => {}
            (Verdict::Create | Verdict::Change, _) => {
                if !self.on_own(&op.kind, ledger) && !judged.steps.is_empty() {
                    self.tally.changed += 1;
                }
            }
        }
        if judged.verdict == Verdict::Change {
            self.gone.extend(Gone::of(&op.kind));
        }
        for s in judged.steps {
            self.step_at.push((op.at, op.kind.clone()));
            self.steps.push(s);
        }
        Ok(())
    }

    /// A new object: journaled with what undoes it, and the lab's own from now on.
    fn create(
        &mut self,
        op: &Op,
        key: ObjectKey,
        world: &mut World,
        ledger: &dyn Ledger,
    ) -> Result<(), PlanError> {
        // A sysctl another live lab set first: restore what that lab would.
        let undo = match ledger.inherited_undo(&key) {
            Some(u) => Some(u),
            None => undo_of(&op.kind, world).map_err(|f| kernel_at(op, f))?,
        };
        self.entries.push(Entry {
            key: key.clone(),
            ns: op.kind.ns(),
            peer_ns: peer_ns(&op.kind),
            undo,
            adopted: false,
            inode: None,
            in_flight: false,
        });
        self.made.insert(key.clone());
        self.created.push(key);
        if let OpKind::LinkAdd {
            kind: LinkSpec::Veth { peer, peer_ns },
            ..
        } = &op.kind
        {
            self.made.insert(ObjectKey::link(peer_ns, peer));
        }
        self.tally.created += 1;
        Ok(())
    }

    /// Someone else's object, used as it is: journaled as adopted (never deleted), unless the
    /// journal already has it or another live lab's duty to restore it is inherited.
    fn adopt(&mut self, op: &Op, key: ObjectKey, ledger: &dyn Ledger) {
        if !ledger.owns(&key) {
            let inherited = ledger.inherited_undo(&key);
            self.entries.push(Entry {
                key: key.clone(),
                ns: op.kind.ns(),
                peer_ns: None,
                adopted: inherited.is_none(),
                undo: inherited,
                inode: None,
                in_flight: false,
            });
        }
        self.count_adopted(op, Some(key), ledger);
    }

    /// An adopted object counts, once, unless it came with a namespace the lab made (its lo):
    /// that is part of the namespace, not someone else's object.
    fn count_adopted(&mut self, op: &Op, key: Option<ObjectKey>, ledger: &dyn Ledger) {
        let ns = op.kind.ns();
        let own_ns = |n: &str| {
            let k = ObjectKey::netns(n);
            self.made.contains(&k) || ledger.owns(&k)
        };
        if matches!(&ns, Netns::Named(n) if own_ns(n)) {
            return;
        }
        let key = key.or_else(|| op.kind.link().map(|l| ObjectKey::link(&ns, l)));
        let Some(key) = key else {
            return;
        };
        self.first_adopted |= !ledger.owns(&key);
        self.tally.adopted += 1;
        self.adopted.push(key);
    }

    /// Settings and deletions of the lab's own links are part of building it; only changes to
    /// what others made are worth a count.
    fn on_own(&self, op: &OpKind, ledger: &dyn Ledger) -> bool {
        let ns = op.ns();
        let own = |k: ObjectKey| self.made.contains(&k) || ledger.owns(&k);
        let own_link = |l: &str| own(ObjectKey::link(&ns, l));
        let own_ns = |n: &str| own(ObjectKey::netns(n));
        op.link().is_some_and(own_link)
            // Anything inside a namespace the lab made is the lab's own.
            || matches!(&ns, Netns::Named(n) if own_ns(n))
            || matches!(op, OpKind::NetnsDel { name } if ledger.owns(&ObjectKey::netns(name)))
    }

    /// The kernel requests, in order; on failure, the op and call of the failed one.
    fn send(&self, backend: &mut dyn Builder, ledger: &mut dyn Ledger) -> Result<(), PlanError> {
        let Err((i, f)) = backend.apply(&self.steps) else {
            return Ok(());
        };
        let (at, op) = self.step_at[i].clone();
        // Someone made the same object between judging and applying: it is theirs, and a
        // rollback must not delete it.
        if f.errno == Some(17) {
            if let Some(k) = op.object_key() {
                let _ = ledger.unrecord(&[k]);
            }
        }
        Err(kernel_at(&Op::new(op, at), f))
    }
}

fn peer_ns(op: &OpKind) -> Option<Netns> {
    match op {
        OpKind::LinkAdd {
            kind: LinkSpec::Veth { peer_ns, .. },
            ..
        } => Some(peer_ns.clone()),
        _ => None,
    }
}

/// What undoes a created object: the inverse op, with a sysctl's earlier value.
fn undo_of(op: &OpKind, world: &mut World) -> Result<Option<OpKind>, Failure> {
    use OpKind::*;
    Ok(match op {
        NetnsAdd { name } => Some(NetnsDel { name: name.clone() }),
        LinkAdd { ns, name, .. } => Some(LinkDel {
            ns: ns.clone(),
            name: name.clone(),
            peer: None,
        }),
        AddrAdd { ns, link, addr } => Some(AddrDel {
            ns: ns.clone(),
            link: link.clone(),
            addr: *addr,
        }),
        RouteAdd { ns, dst, via, dev } => Some(RouteDel {
            ns: ns.clone(),
            dst: *dst,
            via: *via,
            dev: dev.clone(),
        }),
        FdbAdd { ns, dev, mac, dst } => Some(FdbDel {
            ns: ns.clone(),
            dev: dev.clone(),
            mac: mac.clone(),
            dst: *dst,
        }),
        RuleAdd { ns, rule, .. } => Some(RuleDel {
            ns: ns.clone(),
            rule: rule.clone(),
        }),
        ChainAdd { ns, table, chain } => Some(ChainDel {
            ns: ns.clone(),
            table: table.clone(),
            chain: chain.clone(),
        }),
        Policy {
            ns, table, chain, ..
        } if !world.is_fresh(ns) => {
            let was = world.backend().fw_chain(ns, table, chain)?;
            was.and_then(|c| c.policy).map(|old| Policy {
                ns: ns.clone(),
                table: table.clone(),
                chain: chain.clone(),
                policy: old,
            })
        }
        Sysctl { ns, key, .. } if !world.is_fresh(ns) => {
            world.backend().read_sysctl(ns, key)?.map(|old| Sysctl {
                ns: ns.clone(),
                key: key.clone(),
                value: old,
            })
        }
        _ => None,
    })
}

pub(crate) fn problem_at(op: &Op, p: Problem) -> PlanError {
    match p {
        Problem::Refused(r) => r.at(op.at),
        Problem::Kernel(f) => kernel_at(op, f),
    }
}

/// A kernel error, named by the object and the operation, never a bare "File exists".
pub(crate) fn kernel_at(op: &Op, f: Failure) -> PlanError {
    let what = super::describe::describe(&op.kind);
    PlanError {
        code: "netsh::kernel",
        at: op.at,
        message: format!("cannot {what}: {}", f.message),
        help: f
            .help
            .clone()
            .or_else(|| root_help(f.errno))
            .or_else(|| errno_help(f.errno, &op.kind)),
    }
}

/// What to do when the journal cannot be written.
fn journal_help(errno: Option<i32>) -> String {
    root_help(errno).unwrap_or_else(|| match errno {
        // ENOSPC: the journal was cut back, so nothing of this batch is listed.
        Some(28) => {
            "/run/netsh is full: free some space there (df /run/netsh), then run again".to_string()
        }
        _ => "netsh keeps its journals in /run/netsh: check that it is writable".to_string(),
    })
}

pub(crate) fn root_help(errno: Option<i32>) -> Option<String> {
    match errno {
        Some(1) | Some(13) => Some(
            "needs root (CAP_NET_ADMIN): use --sandbox (no root needed), sudo, or --dry-run"
                .to_string(),
        ),
        _ => None,
    }
}

fn errno_help(errno: Option<i32>, op: &OpKind) -> Option<String> {
    let name = op.link().unwrap_or("it");
    if let (OpKind::Sysctl { key, .. }, Some(2)) = (op, errno) {
        return Some(format!(
            "this kernel has no {key}: check its spelling (sysctl -a lists the keys)"
        ));
    }
    Some(match errno? {
        17 => format!("{name} already exists: pick another name, or delete the existing one first"),
        19 => format!(
            "{name} does not exist on {}: check the name with links()",
            op.ns()
        ),
        16 => "the kernel is busy with this object: try again".to_string(),
        _ => return None,
    })
}
