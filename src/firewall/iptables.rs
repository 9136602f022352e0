//! The iptables driver, on the `iptables` crate. The crate runs the `iptables` binary (with
//! `--wait`, so concurrent runs and a crashed run's orphan are ordered by the xtables lock); a
//! child inherits the namespace of the thread that forks it, so each call runs on a thread that
//! entered the target namespace.

use super::failure::failure;
use super::{Firewall, Listed, Rule};
use crate::sys::enter::in_netns;
use crate::sys::Failure;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

pub(crate) struct Iptables {
    ipt: Option<Arc<iptables::IPTables>>,
    /// `iptables`, or `iptables-legacy` for a namespace whose rules live in x_tables; its
    /// `-save` and `-restore` are named after it.
    program: &'static str,
}

impl Default for Iptables {
    fn default() -> Self {
        Iptables::program("iptables")
    }
}

fn missing() -> Failure {
    failure(
        "the iptables program is not installed",
        Some(
            "install it: apt-get install iptables (Debian, Ubuntu) or dnf install iptables-nft"
                .into(),
        ),
    )
}

impl Iptables {
    pub(crate) fn program(program: &'static str) -> Self {
        Iptables { ipt: None, program }
    }

    fn ipt(&mut self) -> Result<Arc<iptables::IPTables>, Failure> {
        if self.ipt.is_none() {
            let ipt = iptables::new(false).map_err(|e| {
                if e.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                {
                    missing()
                } else {
                    failure(format!("cannot run iptables: {e}"), None)
                }
            })?;
            self.ipt = Some(Arc::new(iptables::IPTables {
                cmd: self.program,
                ..ipt
            }));
        }
        Ok(self.ipt.clone().unwrap())
    }

    fn run<T: Send + 'static>(
        &mut self,
        ns: Option<&Path>,
        f: impl FnOnce(&iptables::IPTables) -> Result<T, String> + Send + 'static,
    ) -> Result<T, Failure> {
        let ipt = self.ipt()?;
        in_netns(ns, move || f(&ipt))
            .map_err(|e| failure(format!("cannot enter the namespace: {e}"), None))?
            .map_err(|message| failure(message.trim().to_string(), None))
    }
}

/// `iptables -t TABLE OP CHAIN ARGS… --wait`, each argument one argv word as the rule holds it:
/// the crate's string API would join them and split them again, and a quote inside a comment
/// would come out as another rule than the one journaled.
fn rule_cmd(ipt: &iptables::IPTables, op: &str, r: &Rule) -> Result<std::process::Output, String> {
    let mut cmd = Command::new(ipt.cmd);
    cmd.args(["-t", &r.table, op, &r.chain]).args(&r.args);
    if ipt.has_wait {
        cmd.arg("--wait");
    }
    cmd.output()
        .map_err(|e| format!("cannot run {}: {e}", ipt.cmd))
}

/// The rule's `op` done, or iptables' own words for why not.
fn rule_op(ipt: &iptables::IPTables, op: &str, r: &Rule) -> Result<(), String> {
    let out = rule_cmd(ipt, op, r)?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    }
}

impl Firewall for Iptables {
    fn exists(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<bool, Failure> {
        let r = rule.clone();
        self.run(ns, move |ipt| {
            rule_cmd(ipt, "-C", &r).map(|o| o.status.success())
        })
    }

    fn append(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<(), Failure> {
        let r = rule.clone();
        self.run(ns, move |ipt| rule_op(ipt, "-A", &r))
    }

    fn append_all(&mut self, ns: Option<&Path>, rules: &[Rule]) -> Result<(), Failure> {
        // Even one rule goes through iptables-restore: its process dies with netsh (see
        // `restore`), so no orphan can add a rule after a SIGKILLed run's `down`.
        one_line_each(rules)?;
        self.restore(ns, restore_input(rules, "-A"))
    }

    fn delete_all(&mut self, ns: Option<&Path>, rules: &[Rule]) -> Result<(), Failure> {
        if rules.len() == 1 {
            return self.delete(ns, &rules[0]);
        }
        one_line_each(rules)?;
        self.restore(ns, restore_input(rules, "-D"))
    }

    fn delete(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<(), Failure> {
        let r = rule.clone();
        self.run(ns, move |ipt| rule_op(ipt, "-D", &r))
    }

    fn list(&mut self, ns: Option<&Path>) -> Result<Vec<Listed>, Failure> {
        self.list_rules(ns)
    }

    fn insert(&mut self, ns: Option<&Path>, rule: &Rule, n: usize) -> Result<(), Failure> {
        let r = rule.clone();
        self.run(ns, move |ipt| {
            // `-I CHAIN n ARGS…`: the position, then each argument one argv word.
            let mut at = r.clone();
            at.args.insert(0, n.max(1).to_string());
            rule_op(ipt, "-I", &at)
        })
    }

    fn set_policy(
        &mut self,
        ns: Option<&Path>,
        table: &str,
        chain: &str,
        policy: &str,
    ) -> Result<(), Failure> {
        let (t, c, p) = (table.to_string(), chain.to_string(), policy.to_string());
        self.run(ns, move |ipt| {
            ipt.set_policy(&t, &c, &p).map_err(|e| e.to_string())
        })
    }

    fn new_chain(&mut self, ns: Option<&Path>, table: &str, chain: &str) -> Result<(), Failure> {
        let (t, c) = (table.to_string(), chain.to_string());
        self.run(ns, move |ipt| {
            ipt.new_chain(&t, &c).map_err(|e| e.to_string())
        })
    }

    fn delete_chain(&mut self, ns: Option<&Path>, table: &str, chain: &str) -> Result<(), Failure> {
        let (t, c) = (table.to_string(), chain.to_string());
        self.run(ns, move |ipt| {
            ipt.delete_chain(&t, &c).map_err(|e| e.to_string())
        })
    }
}

impl Iptables {
    /// Feed `iptables-restore --noflush` from a thread inside the namespace.
    fn restore(&mut self, ns: Option<&Path>, input: String) -> Result<(), Failure> {
        self.ipt()?;
        let restore = format!("{}-restore", self.program);
        let out = in_netns(ns, move || {
            use std::io::Write;
            use std::os::unix::process::CommandExt;
            let mut cmd = Command::new(restore);
            // Killed with netsh (the forking thread waits for it, so it dies with the process):
            // a SIGKILLed run leaves no iptables-restore to commit rules after its `down`.
            // Safety: prctl is async-signal-safe.
            unsafe {
                cmd.pre_exec(|| {
                    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                        .map_err(std::io::Error::from)
                });
            }
            let mut child = cmd
                .args(["--noflush", "-w"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()?;
            child.stdin.take().unwrap().write_all(input.as_bytes())?;
            child.wait_with_output()
        })
        .map_err(|e| failure(format!("cannot enter the namespace: {e}"), None))?
        .map_err(|e| {
            failure(
                format!("cannot run iptables-restore: {e}"),
                (e.kind() == std::io::ErrorKind::NotFound).then(|| missing().help.unwrap()),
            )
        })?;
        if !out.status.success() {
            return Err(failure(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
                None,
            ));
        }
        Ok(())
    }

    fn list_rules(&mut self, ns: Option<&Path>) -> Result<Vec<Listed>, Failure> {
        self.ipt()?;
        let save = format!("{}-save", self.program);
        let out = in_netns(ns, move || Command::new(save).output())
            .map_err(|e| failure(format!("cannot enter the namespace: {e}"), None))?
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    missing()
                } else {
                    failure(format!("cannot run iptables-save: {e}"), None)
                }
            })?;
        Ok(parse_save(&String::from_utf8_lossy(&out.stdout)))
    }
}

/// iptables-restore reads its input line by line: an argument with a line break (or any other
/// control character) would be read as commands of its own. The DSL refuses them; this is the
/// last guard before the text leaves netsh.
fn one_line_each(rules: &[Rule]) -> Result<(), Failure> {
    let words = rules
        .iter()
        .flat_map(|r| [&r.table, &r.chain].into_iter().chain(&r.args));
    match words.into_iter().find(|w| w.contains(char::is_control)) {
        Some(w) => Err(failure(
            format!("the rule argument {w:?} holds a control character; iptables-restore would read it as more than one line"),
            None,
        )),
        None => Ok(()),
    }
}

/// `iptables-restore` input appending these rules, grouped by table in their order.
pub(crate) fn restore_input(rules: &[Rule], op: &str) -> String {
    let mut tables: Vec<(&str, Vec<&Rule>)> = vec![];
    for r in rules {
        match tables.iter_mut().find(|(t, _)| *t == r.table) {
            Some((_, v)) => v.push(r),
            None => tables.push((&r.table, vec![r])),
        }
    }
    let mut s = String::new();
    for (t, rs) in tables {
        s.push_str(&format!("*{t}\n"));
        for r in rs {
            let args: Vec<String> = r.args.iter().map(|a| restore_quote(a)).collect();
            s.push_str(&format!("{op} {} {}\n", r.chain, args.join(" ")));
        }
        s.push_str("COMMIT\n");
    }
    s
}

/// iptables-restore splits on whitespace and understands double quotes.
fn restore_quote(a: &str) -> String {
    if !a.is_empty() && !a.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
        a.to_string()
    } else {
        format!("\"{}\"", a.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// `iptables-save` output → rules.
pub(crate) fn parse_save(text: &str) -> Vec<Listed> {
    let mut table = String::new();
    let mut out = vec![];
    for line in text.lines() {
        if let Some(t) = line.strip_prefix('*') {
            table = t.trim().to_string();
        } else if let Some(rest) = line.strip_prefix("-A ") {
            let (chain, spec) = rest.split_once(' ').unwrap_or((rest, ""));
            out.push(Listed {
                table: table.clone(),
                chain: chain.to_string(),
                spec: spec.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_one_restore_input_grouped_by_table() {
        let r = |t: &str, c: &str, a: &str| Rule {
            table: t.into(),
            chain: c.into(),
            args: a.split(' ').map(String::from).collect(),
        };
        let mut with_space = r("filter", "INPUT", "-m comment --comment x -j ACCEPT");
        with_space.args[3] = "two words".into();
        let input = restore_input(
            &[
                r("filter", "FORWARD", "-i br0 ! -o br0 -j ACCEPT"),
                r(
                    "nat",
                    "POSTROUTING",
                    "-s 10.1.0.0/16 ! -o br0 -j MASQUERADE",
                ),
                with_space,
            ],
            "-A",
        );
        assert_eq!(
            input,
            "*filter\n-A FORWARD -i br0 ! -o br0 -j ACCEPT\n-A INPUT -m comment --comment \"two words\" -j ACCEPT\nCOMMIT\n*nat\n-A POSTROUTING -s 10.1.0.0/16 ! -o br0 -j MASQUERADE\nCOMMIT\n"
        );
    }

    #[test]
    fn no_argument_reaches_iptables_restore_with_a_line_break() {
        let rule = Rule {
            table: "filter".into(),
            chain: "FORWARD".into(),
            args: vec!["--comment".into(), "a\nCOMMIT\n*filter\n-F INPUT".into()],
        };
        let e = one_line_each(&[rule]).unwrap_err();
        assert!(
            e.message.contains(r#""a\nCOMMIT\n*filter\n-F INPUT""#),
            "{}",
            e.message
        );
    }

    #[test]
    fn save_output_is_parsed_per_table() {
        let text = "*filter\n:INPUT ACCEPT [0:0]\n-A FORWARD -i br0 ! -o br0 -j ACCEPT\nCOMMIT\n*nat\n-A POSTROUTING -s 10.1.0.0/16 ! -o br0 -j MASQUERADE\nCOMMIT\n";
        let l = parse_save(text);
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].table, "nat");
        assert_eq!(l[1].chain, "POSTROUTING");
        assert_eq!(l[0].spec, "-i br0 ! -o br0 -j ACCEPT");
    }
}
