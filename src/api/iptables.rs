//! `iptables("...")`: one iptables command line, as its user would type it — `-A`, `-I` and `-D`
//! of a rule (tagged as the lab's), `-P` of a built-in chain's policy (restored by `down`), `-N`
//! of a user chain (deleted by `down` if the lab made it), each with an optional `-t TABLE`.

use super::error::DslError;
use super::firewall::{bad, FwRule, CODE, TABLES};
use super::plain_text::check_no_control;
use super::session::Session;
use super::stack::Stack;
use crate::firewall::Rule;
use crate::plan::OpKind;
use crate::sys::{At, Netns};
use rhai::Dynamic;

/// What the line asks, after its table.
enum Command {
    Append(String),
    Insert(String, usize),
    Delete(String),
    Policy(String, String),
    NewChain(String),
}

/// The built-in chains of a table, or the diagnostic for a table there is not.
fn builtins(table: &str) -> Result<&'static [&'static str], DslError> {
    match TABLES.iter().find(|(t, _)| *t == table) {
        Some((_, chains)) => Ok(chains),
        None => Err(bad(
            format!("unknown table \"{table}\""),
            "the tables are filter, nat, mangle, raw and security",
        )),
    }
}

/// `-t TABLE` out of the words, wherever it is: the table (filter without one).
fn take_table(w: &mut Vec<String>) -> Result<String, DslError> {
    let Some(i) = w.iter().position(|a| a == "-t" || a == "--table") else {
        return Ok("filter".to_string());
    };
    if i + 1 >= w.len() {
        return Err(bad(
            "-t needs a table",
            "e.g. iptables(\"-t nat -A POSTROUTING ...\")",
        ));
    }
    let table = w[i + 1].clone();
    w.drain(i..i + 2);
    Ok(table)
}

fn command(line: &str, w: &mut Vec<String>) -> Result<Command, DslError> {
    let words: Vec<&str> = w.iter().map(String::as_str).collect();
    let cmd = match words.as_slice() {
        ["-A" | "--append", c, ..] => Command::Append(c.to_string()),
        ["-D" | "--delete", c, ..] => Command::Delete(c.to_string()),
        ["-I" | "--insert", c, n, ..] if n.bytes().all(|b| b.is_ascii_digit()) => {
            match n.parse::<usize>() {
                Ok(n) if n >= 1 => Command::Insert(c.to_string(), n),
                _ => {
                    return Err(bad(
                        format!("-I {c} {n}: rules are numbered from 1"),
                        format!("insert at 1 (the first rule), e.g. iptables(\"-I {c} 1 ...\")"),
                    ))
                }
            }
        }
        ["-I" | "--insert", c, ..] => Command::Insert(c.to_string(), 0),
        ["-P" | "--policy", c, p] => Command::Policy(c.to_string(), p.to_string()),
        ["-P" | "--policy", ..] => {
            return Err(bad(
                format!("iptables(\"{line}\") is not a policy: -P takes a chain and ACCEPT or DROP"),
                "e.g. iptables(\"-P FORWARD DROP\")",
            ))
        }
        ["-N" | "--new-chain", c] => Command::NewChain(c.to_string()),
        ["-N" | "--new-chain", ..] => {
            return Err(bad(
                format!("iptables(\"{line}\") is not a new chain: -N takes only its name"),
                "e.g. iptables(\"-N MYCHAIN\"), then iptables(\"-A MYCHAIN ...\")",
            ))
        }
        _ => {
            return Err(bad(
                format!("iptables(\"{line}\") neither adds (-A, -I), deletes (-D) a rule, sets a policy (-P) nor makes a chain (-N)"),
                "netsh adds rules with -A or -I and removes them with -D or .remove(); read the tables with rules() or exec(\"iptables -S\")",
            ))
        }
    };
    // The command and its chain (and -I's number) are not the rule's.
    let taken = match cmd {
        Command::Insert(_, n) if n > 0 => 3,
        _ => 2,
    };
    w.drain(..taken.min(w.len()));
    Ok(match cmd {
        Command::Insert(c, 0) => Command::Insert(c, 1),
        other => other,
    })
}

/// A name iptables takes for a user chain (xtables: at most 28 characters, not an option, not
/// a verdict).
fn check_chain_name(table: &str, name: &str) -> Result<(), DslError> {
    let chains = builtins(table)?;
    if chains.contains(&name) {
        return Err(bad(
            format!("{name} is a built-in chain of the {table} table: it is there already"),
            format!("pick another name for a user chain, or append to {name} with -A"),
        ));
    }
    let verdict = ["ACCEPT", "DROP", "QUEUE", "RETURN"].contains(&name);
    if name.chars().count() > 28 || name.starts_with(['-', '!']) || verdict {
        return Err(bad(
            format!("\"{name}\" cannot name a chain"),
            "a chain name has at most 28 characters, does not start with - or !, and is none of ACCEPT, DROP, QUEUE and RETURN",
        ));
    }
    Ok(())
}

impl Session {
    /// A chain a rule can go in: a built-in one of the table, or a user chain the script made
    /// (or adopted) with -N on this stack.
    fn check_chain(&self, ns: &Netns, table: &str, chain: &str) -> Result<(), DslError> {
        let chains = builtins(table)?;
        let user = (ns.clone(), table.to_string(), chain.to_string());
        if chains.contains(&chain) || self.model.chains.contains(&user) {
            return Ok(());
        }
        let t = match table {
            "filter" => String::new(),
            t => format!("-t {t} "),
        };
        Err(bad(
            format!("the {table} table has no chain \"{chain}\""),
            format!(
                "its chains are {}; a user chain is made (or an existing one adopted) first with iptables(\"{t}-N {chain}\")",
                chains.join(", ")
            ),
        ))
    }

    /// `iptables("-t nat -A PREROUTING ...")`: a rule (its handle), a policy or a chain (unit).
    pub(crate) fn iptables(&mut self, st: &Stack, line: &str, at: At) -> Result<Dynamic, DslError> {
        let mut w =
            crate::firewall::rule::shell_words(line).map_err(|m| bad(m, "close the quote"))?;
        for word in &w {
            check_no_control(
                word,
                CODE,
                "the iptables argument",
                "netsh hands iptables each argument as one word of one line: write it without line breaks or other control characters",
            )?;
        }
        let table = take_table(&mut w)?;
        let cmd = command(line, &mut w)?;
        let ns = st.ns.clone();
        let rule = |chain: String| Rule {
            table: table.clone(),
            chain,
            args: w.clone(),
        };
        match cmd {
            Command::Append(chain) => {
                self.check_chain(&ns, &table, &chain)?;
                Ok(Dynamic::from(self.put_rule(st, rule(chain), None, at)?))
            }
            Command::Insert(chain, n) => {
                self.check_chain(&ns, &table, &chain)?;
                Ok(Dynamic::from(self.put_rule(
                    st,
                    rule(chain),
                    Some(n),
                    at,
                )?))
            }
            Command::Delete(chain) => {
                self.check_chain(&ns, &table, &chain)?;
                self.alive(st)?;
                let tagged = rule(chain).tagged(&self.journal.lab);
                let del = OpKind::RuleDel {
                    ns: ns.clone(),
                    rule: tagged.clone(),
                };
                self.push(del, at);
                Ok(Dynamic::from(FwRule { ns, rule: tagged }))
            }
            Command::Policy(chain, policy) => self.policy(st, &table, &chain, &policy, at),
            Command::NewChain(chain) => {
                check_chain_name(&table, &chain)?;
                self.alive(st)?;
                self.model
                    .chains
                    .insert((ns.clone(), table.clone(), chain.clone()));
                self.push(OpKind::ChainAdd { ns, table, chain }, at);
                Ok(Dynamic::UNIT)
            }
        }
    }

    /// `-P CHAIN ACCEPT|DROP`: only a built-in chain has a policy.
    fn policy(
        &mut self,
        st: &Stack,
        table: &str,
        chain: &str,
        policy: &str,
        at: At,
    ) -> Result<Dynamic, DslError> {
        let chains = builtins(table)?;
        let user = (st.ns.clone(), table.to_string(), chain.to_string());
        if self.model.chains.contains(&user) {
            return Err(bad(
                format!("{chain} is a user chain: only a built-in chain has a policy"),
                format!(
                    "the {table} table's built-in chains are {}; at the end of a user chain packets return to the chain that jumped there (append a last rule -j DROP to drop them instead)",
                    chains.join(", ")
                ),
            ));
        }
        if !chains.contains(&chain) {
            return Err(bad(
                format!("the {table} table has no chain \"{chain}\""),
                format!(
                    "its built-in chains, the ones with a policy, are {}",
                    chains.join(", ")
                ),
            ));
        }
        if !["ACCEPT", "DROP"].contains(&policy) {
            return Err(bad(
                format!("a chain's policy is ACCEPT or DROP, not \"{policy}\""),
                format!(
                    "e.g. iptables(\"-P {chain} DROP\"); to reject, append a last rule: iptables(\"-A {chain} -j REJECT\")"
                ),
            ));
        }
        self.alive(st)?;
        let op = OpKind::Policy {
            ns: st.ns.clone(),
            table: table.to_string(),
            chain: chain.to_string(),
            policy: policy.to_string(),
        };
        self.push(op, at);
        Ok(Dynamic::UNIT)
    }
}
