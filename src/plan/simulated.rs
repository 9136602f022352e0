//! The backends without a kernel (`DryRun`, `Record`): one generic `Sim<O>` whose reads come from
//! what earlier flushes made (`Simulated`), and whose output `O` is what differs between them.

use super::apply::Apply;
use super::observe::{FdbEntry, Observe};
use super::op::OpKind;
use super::probe::{ExecOutput, PingMode, Print, Probe};
use super::view::NsView;
use crate::firewall::chain::Chain;
use crate::firewall::{Listed, Rule};
use crate::sys::{Failure, Netns};
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

/// The simulated kernel: what earlier flushes made.
#[derive(Default)]
pub struct Simulated {
    pub(crate) named: BTreeSet<String>,
    pub(crate) views: HashMap<Netns, NsView>,
    /// Firewall rules the plan added, per namespace.
    pub(crate) rules: HashMap<Netns, Vec<Rule>>,
    pub(crate) fdb: HashMap<Netns, Vec<FdbEntry>>,
    /// Firewall chains the plan made (`None`) or gave a policy, by (table, chain).
    pub(crate) chains: HashMap<Netns, HashMap<(String, String), Option<String>>>,
}

/// Where a kernel-less backend writes what would be done.
pub trait Output {
    fn steps(&mut self, steps: &[OpKind]);
    /// A check: the answer a script gets without a kernel.
    fn ping(&mut self, ns: &Netns, dst: IpAddr, mode: PingMode) -> bool;
    fn exec(&mut self, ns: &Netns, cmd: &str);
    fn echo(&mut self, text: &str);
    /// `step("…")`: a section begins.
    fn section(&mut self, _title: &str) {}
    /// The run is over.
    fn end(&mut self) {}
}

#[derive(Default)]
pub struct Sim<O> {
    pub(crate) out: O,
    pub(crate) sim: Simulated,
}

impl<O> Sim<O> {
    pub(crate) fn new(out: O) -> Self {
        Sim {
            out,
            sim: Simulated::default(),
        }
    }
}

impl<O> Observe for Sim<O> {
    fn is_live(&self) -> bool {
        false
    }

    fn named_netns(&mut self) -> Result<BTreeSet<String>, Failure> {
        Ok(self.sim.named.clone())
    }

    fn observe(&mut self, ns: &Netns) -> Result<NsView, Failure> {
        Ok(self.sim.observe(ns))
    }

    /// Unknown without a kernel: a sysctl is always set.
    fn read_sysctl(&mut self, _ns: &Netns, _key: &str) -> Result<Option<String>, Failure> {
        Ok(None)
    }

    fn rule_exists(&mut self, ns: &Netns, rule: &Rule) -> Result<bool, Failure> {
        Ok(self.sim.rule_exists(ns, rule))
    }

    fn rules(&mut self, ns: &Netns) -> Result<Vec<Listed>, Failure> {
        Ok(self.sim.rules(ns))
    }

    fn fw_chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Result<Option<Chain>, Failure> {
        Ok(self.sim.fw_chain(ns, table, chain))
    }

    fn fdb(&mut self, ns: &Netns) -> Result<Vec<FdbEntry>, Failure> {
        Ok(self.sim.fdb.get(ns).cloned().unwrap_or_default())
    }
}

impl<O: Output> Apply for Sim<O> {
    fn apply(&mut self, steps: &[OpKind]) -> Result<(), (usize, Failure)> {
        self.out.steps(steps);
        self.sim.apply(steps);
        Ok(())
    }

    fn remember(&mut self, named: Option<BTreeSet<String>>, views: HashMap<Netns, NsView>) {
        self.sim.remember(named, views);
    }
}

impl<O: Output> Probe for Sim<O> {
    fn ping(&mut self, ns: &Netns, dst: IpAddr, mode: PingMode) -> Result<bool, Failure> {
        Ok(self.out.ping(ns, dst, mode))
    }

    fn exec(&mut self, ns: &Netns, cmd: &str) -> Result<ExecOutput, Failure> {
        self.out.exec(ns, cmd);
        Ok(ExecOutput::default())
    }
}

impl<O: Output> Print for Sim<O> {
    fn echo(&mut self, text: &str) {
        self.out.echo(text);
    }

    fn section(&mut self, title: &str) {
        self.out.section(title);
    }

    fn end(&mut self) {
        self.out.end();
    }
}

impl Simulated {
    pub(crate) fn observe(&self, ns: &Netns) -> NsView {
        self.views.get(ns).cloned().unwrap_or_else(NsView::fresh)
    }

    pub(crate) fn apply(&mut self, steps: &[OpKind]) {
        for s in steps {
            match s {
                OpKind::RuleAdd { ns, rule, insert } => self.add_rule(ns, rule, *insert),
                OpKind::Policy {
                    ns,
                    table,
                    chain,
                    policy,
                } => {
                    let key = (table.clone(), chain.clone());
                    let chains = self.chains.entry(ns.clone()).or_default();
                    chains.insert(key, Some(policy.clone()));
                }
                OpKind::ChainAdd { ns, table, chain } => {
                    let key = (table.clone(), chain.clone());
                    self.chains.entry(ns.clone()).or_default().insert(key, None);
                }
                OpKind::ChainDel { ns, table, chain } => {
                    if let Some(c) = self.chains.get_mut(ns) {
                        c.remove(&(table.clone(), chain.clone()));
                    }
                }
                OpKind::RuleDel { ns, rule } => {
                    if let Some(v) = self.rules.get_mut(ns) {
                        if let Some(i) = v.iter().position(|r| r == rule) {
                            v.remove(i);
                        }
                    }
                }
                OpKind::FdbAdd { ns, dev, mac, dst } => self
                    .fdb
                    .entry(ns.clone())
                    .or_default()
                    .push((dev.clone(), mac.clone(), *dst)),
                OpKind::FdbDel { ns, dev, mac, dst } => {
                    if let Some(v) = self.fdb.get_mut(ns) {
                        v.retain(|e| *e != (dev.clone(), mac.clone(), *dst));
                    }
                }
                OpKind::NetnsDel { name } => {
                    self.rules.remove(&Netns::Named(name.clone()));
                    self.fdb.remove(&Netns::Named(name.clone()));
                    self.chains.remove(&Netns::Named(name.clone()));
                }
                _ => {}
            }
        }
    }

    /// Appended, or inserted before the `n`th rule of its chain (from 1).
    fn add_rule(&mut self, ns: &Netns, rule: &Rule, insert: Option<usize>) {
        let v = self.rules.entry(ns.clone()).or_default();
        let same_chain = |r: &Rule| r.table == rule.table && r.chain == rule.chain;
        let at = insert.and_then(|n| {
            v.iter()
                .enumerate()
                .filter(|(_, r)| same_chain(r))
                .nth(n.max(1) - 1)
                .map(|(i, _)| i)
        });
        match at {
            Some(i) => v.insert(i, rule.clone()),
            None => v.push(rule.clone()),
        }
    }

    /// A chain the plan made or gave a policy, with the rules it added to it.
    pub(crate) fn fw_chain(&self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        let key = (table.to_string(), chain.to_string());
        let policy = self.chains.get(ns)?.get(&key)?.clone();
        let rules = self
            .rules(ns)
            .into_iter()
            .filter(|l| l.table == table && l.chain == chain)
            .map(|l| l.spec)
            .collect();
        Some(Chain { policy, rules })
    }

    pub(crate) fn rule_exists(&self, ns: &Netns, rule: &Rule) -> bool {
        self.rules.get(ns).is_some_and(|v| v.contains(rule))
    }

    pub(crate) fn rules(&self, ns: &Netns) -> Vec<Listed> {
        self.rules
            .get(ns)
            .map(|v| {
                v.iter()
                    .map(|r| Listed {
                        table: r.table.clone(),
                        chain: r.chain.clone(),
                        spec: r.spec(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn remember(
        &mut self,
        named: Option<BTreeSet<String>>,
        views: HashMap<Netns, NsView>,
    ) {
        if let Some(named) = named {
            self.named = named;
        }
        self.views.extend(views);
        let named = &self.named;
        self.views.retain(|ns, _| {
            matches!(ns, Netns::Root) || matches!(ns, Netns::Named(n) if named.contains(n))
        });
    }
}
