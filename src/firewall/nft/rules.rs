//! The rule operations of the native driver: find, append, insert and delete rules, set a
//! policy, make and delete a user chain; each one transaction planned from the ruleset it read.

use super::batch::{Op, Place};
use super::chains::{self, builtin};
use super::decode::decode;
use super::driver::{Nft, NftError, R};
use super::encode::encode;
use super::model::{Spec, Target};
use super::parse::parse;
use super::ruleset::{KernelRule, Ruleset};
use crate::firewall::Rule;
use crate::sys::Failure;
use std::path::Path;

impl Nft {
    pub(crate) fn exists(&mut self, ns: Option<&Path>, rule: &Rule) -> R<bool> {
        let spec = parse(&rule.args)?;
        let rs = self.ruleset(ns)?;
        check(&rs, rule, &spec)?;
        let found = rs
            .rules_of(&rule.table, &rule.chain)
            .any(|k| same(k, &spec));
        Ok(found)
    }

    pub(crate) fn append_all(&mut self, ns: Option<&Path>, rules: &[Rule]) -> R<()> {
        self.add(ns, rules, None)
    }

    /// `-I CHAIN n` (n from 1): before the rule now at n, or at the end when n is one past it.
    pub(crate) fn insert(&mut self, ns: Option<&Path>, rule: &Rule, n: usize) -> R<()> {
        self.add(ns, std::slice::from_ref(rule), Some(n.max(1)))
    }

    fn add(&mut self, ns: Option<&Path>, rules: &[Rule], at: Option<usize>) -> R<()> {
        let specs: Vec<Spec> = rules
            .iter()
            .map(|r| parse(&r.args))
            .collect::<Result<_, _>>()?;
        self.transaction(ns, |rs| {
            let mut ops = vec![];
            for (rule, spec) in rules.iter().zip(&specs) {
                check(rs, rule, spec)?;
                ensure_chain(rs, &mut ops, &rule.table, &rule.chain)?;
                let place = match at {
                    None => Place::Append,
                    Some(n) => place(rs, rule, n)?,
                };
                ops.push(Op::Rule {
                    table: rule.table.clone(),
                    chain: rule.chain.clone(),
                    enc: encode(spec),
                    place,
                });
            }
            Ok(ops)
        })
    }

    /// Delete each rule (the first the chain holds that is the same rule), all or none.
    pub(crate) fn delete_all(&mut self, ns: Option<&Path>, rules: &[Rule]) -> R<()> {
        let specs: Vec<Spec> = rules
            .iter()
            .map(|r| parse(&r.args))
            .collect::<Result<_, _>>()?;
        self.transaction(ns, |rs| {
            // Handles are unique within a table.
            let mut taken: Vec<(&str, u64)> = vec![];
            let mut ops = vec![];
            for (rule, spec) in rules.iter().zip(&specs) {
                check(rs, rule, spec)?;
                let found = rs
                    .rules_of(&rule.table, &rule.chain)
                    .find(|k| !taken.contains(&(&k.table, k.handle)) && same(k, spec))
                    .ok_or_else(|| {
                        Failure::new(
                            format!(
                                "the {} {} chain has no rule `{}`",
                                rule.table,
                                rule.chain,
                                rule.spec()
                            ),
                            Some(nix::libc::ENOENT),
                        )
                    })?;
                taken.push((&found.table, found.handle));
                ops.push(Op::DelRule {
                    table: rule.table.clone(),
                    chain: rule.chain.clone(),
                    handle: found.handle,
                });
            }
            Ok(ops)
        })
    }

    /// `-P CHAIN ACCEPT|DROP` on a built-in chain.
    pub(crate) fn set_policy(
        &mut self,
        ns: Option<&Path>,
        table: &str,
        chain: &str,
        policy: &str,
    ) -> R<()> {
        let b = builtin(table, chain).ok_or_else(|| {
            Failure::new(
                format!("{table} {chain} is not a built-in chain: it has no policy"),
                None,
            )
        })?;
        let verdict = match policy {
            "ACCEPT" => super::expr::NF_ACCEPT,
            "DROP" => super::expr::NF_DROP,
            other => return Err(NftError::Unsupported(format!("the policy {other}"))),
        };
        self.transaction(ns, |rs| {
            let mut ops = vec![];
            ensure_table(rs, &mut ops, table);
            ops.push(Op::Builtin {
                chain: b,
                policy: verdict,
                counters: true,
            });
            Ok(ops)
        })
    }

    /// `-N CHAIN`: a user chain (an error if it exists, as with iptables).
    pub(crate) fn new_chain(&mut self, ns: Option<&Path>, table: &str, name: &str) -> R<()> {
        known_table(table)?;
        self.transaction(ns, |rs| {
            let mut ops = vec![];
            ensure_table(rs, &mut ops, table);
            ops.push(Op::UserChain {
                table: table.into(),
                name: name.into(),
            });
            Ok(ops)
        })
    }

    /// `-X CHAIN`: a user chain (ENOENT if there is none of the name, as with iptables).
    pub(crate) fn delete_chain(&mut self, ns: Option<&Path>, table: &str, name: &str) -> R<()> {
        known_table(table)?;
        if builtin(table, name).is_some() {
            return Err(Failure::new(
                format!("{table} {name} is a built-in chain: it cannot be deleted"),
                None,
            )
            .into());
        }
        self.transaction(ns, |rs| {
            if rs.chain(table, name).is_none() {
                return Err(Failure::new(
                    format!("the {table} table has no chain {name}"),
                    Some(nix::libc::ENOENT),
                )
                .into());
            }
            Ok(vec![Op::DelChain {
                table: table.into(),
                name: name.into(),
            }])
        })
    }
}

fn same(k: &KernelRule, spec: &Spec) -> bool {
    let d = decode(&k.exprs);
    d.unknown.is_empty() && d.spec == *spec
}

fn known_table(table: &str) -> R<()> {
    if chains::TABLES.contains(&table) {
        Ok(())
    } else {
        Err(NftError::Unsupported(format!("the {table} table")))
    }
}

/// A rule this driver can write here: a known table, and a `-j NAME` that names a chain of
/// the table (else NAME is an extension target, which only the iptables program knows).
fn check(rs: &Ruleset, rule: &Rule, spec: &Spec) -> R<()> {
    known_table(&rule.table)?;
    if let Some(Target::Jump(c) | Target::Goto(c)) = &spec.target {
        if rs.chain(&rule.table, c).is_none() {
            return Err(NftError::Unsupported(format!("the {c} target (-j {c})")));
        }
    }
    Ok(())
}

fn ensure_table(rs: &Ruleset, ops: &mut Vec<Op>, table: &str) {
    let new = Op::NewTable(table.to_string());
    if !rs.has_table(table) && !ops.contains(&new) {
        ops.push(new);
    }
}

/// The table and, for a built-in chain, the chain, made as iptables-nft makes them on first use.
fn ensure_chain(rs: &Ruleset, ops: &mut Vec<Op>, table: &str, chain: &str) -> R<()> {
    ensure_table(rs, ops, table);
    if rs.chain(table, chain).is_some() {
        return Ok(());
    }
    let Some(b) = builtin(table, chain) else {
        return Err(Failure::new(
            format!("the {table} table has no chain {chain}"),
            Some(nix::libc::ENOENT),
        )
        .into());
    };
    let new = Op::Builtin {
        chain: b,
        policy: super::expr::NF_ACCEPT,
        counters: false,
    };
    if !ops.contains(&new) {
        ops.push(new);
    }
    Ok(())
}

fn place(rs: &Ruleset, rule: &Rule, n: usize) -> R<Place> {
    let handles: Vec<u64> = rs
        .rules_of(&rule.table, &rule.chain)
        .map(|k| k.handle)
        .collect();
    match n {
        1 => Ok(Place::Head),
        n if n <= handles.len() => Ok(Place::Before(handles[n - 1])),
        n if n == handles.len() + 1 => Ok(Place::Append),
        n => Err(Failure::new(
            format!(
                "{} {} has {} rules: no place {n} to insert at",
                rule.table,
                rule.chain,
                handles.len()
            ),
            Some(nix::libc::E2BIG),
        )
        .into()),
    }
}
