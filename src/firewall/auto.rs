//! `Auto`: the firewall netsh uses. Each namespace goes through the native driver, unless its
//! rules live in iptables-legacy (then through the iptables-legacy program, so a namespace never
//! holds both kinds). A rule outside the native set goes through the iptables program when it is
//! installed and writes nf_tables too; else the failure names what needs it and the package.

use super::iptables::Iptables;
use super::legacy::{detect, Driver, DriverKind};
use super::nft::{needs_iptables, Nft, NftError};
use super::{Firewall, Listed, Rule};
use crate::sys::Failure;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which `iptables` program is installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Program {
    Missing,
    NfTables,
    Legacy,
}

fn program() -> Program {
    match Command::new("iptables").arg("--version").output() {
        Ok(o) if String::from_utf8_lossy(&o.stdout).contains("legacy") => Program::Legacy,
        Ok(_) => Program::NfTables,
        Err(_) => Program::Missing,
    }
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

#[derive(Default)]
pub struct Auto {
    nft: Nft,
    /// For rules outside the native set in a native namespace.
    iptables: Iptables,
    /// For namespaces on iptables-legacy: made on first use.
    legacy: Option<Iptables>,
    program: Option<Program>,
    /// The driver of each namespace, by path and inode (a name can be reused).
    kinds: HashMap<Key, DriverKind>,
    /// The native namespaces where the iptables program wrote a rule outside the native set.
    programmed: HashSet<Key>,
}

/// A namespace: its path and inode.
type Key = (Option<PathBuf>, u64);

fn key(ns: Option<&Path>) -> Result<Key, Failure> {
    let ino = crate::sys::enter::inode(ns).map_err(|e| Failure::from_io(&e))?;
    Ok((ns.map(Path::to_path_buf), ino))
}

impl Auto {
    /// The driver `ns` goes through: legacy if its x_tables hold rules, else native.
    pub fn kind(&mut self, ns: Option<&Path>) -> Result<DriverKind, Failure> {
        let key = key(ns)?;
        if let Some(k) = self.kinds.get(&key) {
            return Ok(*k);
        }
        let k = detect(ns).map_err(|e| Failure::from_io(&e))?;
        self.kinds.insert(key, k);
        Ok(k)
    }

    fn legacy(&mut self) -> &mut Iptables {
        self.legacy.get_or_insert_with(|| {
            // Debian names it iptables-legacy; elsewhere `iptables` may be the legacy one.
            Iptables::program(if on_path("iptables-legacy") {
                "iptables-legacy"
            } else {
                "iptables"
            })
        })
    }

    /// The iptables program, for what the native driver does not write.
    fn fallback(&mut self, what: &str) -> Result<&mut Iptables, Failure> {
        match *self.program.get_or_insert_with(program) {
            Program::NfTables => Ok(&mut self.iptables),
            Program::Missing => Err(needs_iptables(what)),
            Program::Legacy => Err(Failure {
                message: format!(
                    "netsh writes {what} only through the iptables program, and the one installed \
                     is iptables-legacy: its rule would sit in x_tables beside netsh's nf_tables rules"
                ),
                errno: None,
                help: Some(
                    "install the nf_tables one: apt-get install iptables, then \
                     update-alternatives --set iptables /usr/sbin/iptables-nft"
                        .into(),
                ),
            }),
        }
    }

    /// Native, or the program when the native driver does not write the rule. A failure says
    /// whether it is that there is no program for such a rule.
    fn route<T>(
        &mut self,
        ns: Option<&Path>,
        native: impl FnOnce(&mut Nft) -> Result<T, NftError>,
        program: impl FnOnce(&mut Iptables) -> Result<T, Failure>,
    ) -> Result<T, (Failure, bool)> {
        let kind = self.kind(ns).map_err(|f| (f, false))?;
        if kind == DriverKind::Legacy {
            return program(self.legacy()).map_err(|f| (f, false));
        }
        match native(&mut self.nft) {
            Err(NftError::Unsupported(what)) => match self.fallback(&what) {
                Ok(i) => {
                    let done = program(i).map_err(|f| (f, false))?;
                    self.programmed.extend(key(ns).ok());
                    Ok(done)
                }
                Err(f) => Err((f, self.program == Some(Program::Missing))),
            },
            other => other.map_err(|e| (e.into(), false)),
        }
    }

    fn either<T>(
        &mut self,
        ns: Option<&Path>,
        native: impl FnOnce(&mut Nft) -> Result<T, NftError>,
        program: impl FnOnce(&mut Iptables) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        self.route(ns, native, program).map_err(|(f, _)| f)
    }
}

impl Auto {
    /// Whether the native driver reads every rule of the rule's chain: then a rule outside the
    /// native set is not among them, program or not.
    fn understood(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<bool, Failure> {
        let entries = self.nft.entries(ns)?;
        Ok(!entries.iter().any(|e| {
            e.table == rule.table && e.chain == rule.chain && !e.decoded.unknown.is_empty()
        }))
    }

    /// A rule outside the native set, and no program to ask: known absent when its chain holds
    /// only rules the native driver reads.
    fn absent(&mut self, ns: Option<&Path>, rules: &[Rule], f: Failure) -> Result<(), Failure> {
        for r in rules {
            if !self.understood(ns, r)? {
                return Err(f);
            }
        }
        Ok(())
    }
}

impl Firewall for Auto {
    fn exists(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<bool, Failure> {
        match self.route(ns, |n| n.exists(ns, rule), |i| i.exists(ns, rule)) {
            Err((f, true)) => self
                .absent(ns, std::slice::from_ref(rule), f)
                .map(|()| false),
            other => other.map_err(|(f, _)| f),
        }
    }

    fn append(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<(), Failure> {
        self.append_all(ns, std::slice::from_ref(rule))
    }

    fn append_all(&mut self, ns: Option<&Path>, rules: &[Rule]) -> Result<(), Failure> {
        self.either(ns, |n| n.append_all(ns, rules), |i| i.append_all(ns, rules))
    }

    fn delete(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<(), Failure> {
        self.delete_all(ns, std::slice::from_ref(rule))
    }

    fn delete_all(&mut self, ns: Option<&Path>, rules: &[Rule]) -> Result<(), Failure> {
        match self.route(ns, |n| n.delete_all(ns, rules), |i| i.delete_all(ns, rules)) {
            Err((f, true)) => {
                self.absent(ns, rules, f)?;
                // As iptables -D says of a rule it does not find.
                Err(Failure::new("no such rule", Some(nix::libc::ENOENT)))
            }
            other => other.map_err(|(f, _)| f),
        }
    }

    fn list(&mut self, ns: Option<&Path>) -> Result<Vec<Listed>, Failure> {
        if self.kind(ns)? == DriverKind::Legacy {
            return self.legacy().list(ns);
        }
        let entries = self.nft.entries(ns)?;
        // A rule with parts only iptables can print is listed by iptables when it is there.
        if let Some(e) = entries.iter().find(|e| !e.decoded.unknown.is_empty()) {
            if let Ok(i) = self.fallback(&e.decoded.unknown[0]) {
                return i.list(ns);
            }
        }
        Ok(entries.iter().map(|e| e.listed()).collect())
    }

    fn insert(&mut self, ns: Option<&Path>, rule: &Rule, n: usize) -> Result<(), Failure> {
        self.either(ns, |f| f.insert(ns, rule, n), |i| i.insert(ns, rule, n))
    }

    fn set_policy(
        &mut self,
        ns: Option<&Path>,
        table: &str,
        chain: &str,
        policy: &str,
    ) -> Result<(), Failure> {
        self.either(
            ns,
            |f| f.set_policy(ns, table, chain, policy),
            |i| i.set_policy(ns, table, chain, policy),
        )
    }

    fn new_chain(&mut self, ns: Option<&Path>, table: &str, chain: &str) -> Result<(), Failure> {
        self.either(
            ns,
            |f| f.new_chain(ns, table, chain),
            |i| i.new_chain(ns, table, chain),
        )
    }

    fn delete_chain(&mut self, ns: Option<&Path>, table: &str, chain: &str) -> Result<(), Failure> {
        self.either(
            ns,
            |f| f.delete_chain(ns, table, chain),
            |i| i.delete_chain(ns, table, chain),
        )
    }

    /// Natively from the ruleset, unless the namespace is on iptables-legacy: a built-in chain
    /// not made yet reads as iptables-nft would make it, empty with policy ACCEPT.
    fn chain(
        &mut self,
        ns: Option<&Path>,
        table: &str,
        chain: &str,
    ) -> Result<Option<super::chain::Chain>, Failure> {
        if self.kind(ns)? == DriverKind::Legacy {
            return super::chain::read(ns, table, chain).map_err(|e| Failure::from_io(&e));
        }
        let rs = self.nft.ruleset(ns)?;
        let found = rs
            .chains
            .iter()
            .find(|c| c.table == table && c.name == chain);
        let policy = match found {
            Some(c) => c
                .policy
                .map(|p| if p == 0 { "DROP" } else { "ACCEPT" }.to_string()),
            None if super::nft::chains::builtin(table, chain).is_some() => {
                Some("ACCEPT".to_string())
            }
            None => return Ok(None),
        };
        let entries: Vec<_> = self
            .nft
            .entries(ns)?
            .into_iter()
            .filter(|e| e.table == table && e.chain == chain)
            .collect();
        // A match the native reader cannot decode is read whole by the program, if it is here.
        if entries.iter().any(|e| !e.decoded.unknown.is_empty()) {
            if let Ok(Some(c)) = super::chain::read(ns, table, chain) {
                return Ok(Some(c));
            }
        }
        let rules = entries.into_iter().map(|e| e.listed().spec).collect();
        Ok(Some(super::chain::Chain { policy, rules }))
    }

    /// x_tables, always by iptables-legacy: `chain` reads them through the `iptables` program
    /// only where that is the legacy one.
    fn legacy_chain(
        &mut self,
        ns: Option<&Path>,
        table: &str,
        chain: &str,
    ) -> Option<super::chain::Chain> {
        super::legacy_beside::read(ns, table, chain)
    }

    /// Read natively whatever driver serves iptables: nf_tables holds them either way.
    fn foreign(&mut self, ns: Option<&Path>) -> Vec<super::nft::foreign::ForeignChain> {
        self.nft.foreign(ns).unwrap_or_default()
    }

    /// Natively (each rule's counter expression, each base chain's counters), unless the
    /// namespace is on iptables-legacy: then its iptables-save.
    fn counters(&mut self, ns: Option<&Path>) -> Option<Vec<super::counters::Count>> {
        if self.kind(ns).ok()? == DriverKind::Legacy {
            let save = if on_path("iptables-legacy-save") {
                "iptables-legacy-save"
            } else {
                "iptables-save"
            };
            return super::counters::read(ns, save);
        }
        super::nft::counts::native(&mut self.nft, ns)
    }

    /// Native and the program where the program wrote a rule here, or where the ruleset holds
    /// one only it reads.
    fn driver(&mut self, ns: Option<&Path>) -> Option<Driver> {
        if self.kind(ns).ok()? == DriverKind::Legacy {
            return Some(Driver::Legacy);
        }
        let programmed = self.programmed.contains(&key(ns).ok()?);
        let foreign = |nft: &mut Nft| -> Option<bool> {
            let entries = nft.entries(ns).ok()?;
            Some(entries.iter().any(|e| !e.decoded.unknown.is_empty()))
        };
        if programmed || foreign(&mut self.nft)? {
            Some(Driver::NativeAndProgram)
        } else {
            Some(Driver::Native)
        }
    }
}
