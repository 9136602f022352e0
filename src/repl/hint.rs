//! Shell commands typed at the DSL prompt (`ip netns add ns1`, `ping 10.1.1.2`): a hint with
//! the DSL form, or `:sh` to run the command itself, instead of "unknown variable ip".

/// The programs whose command lines people type out of habit.
const PROGRAMS: &[&str] = &[
    "ip",
    "ping",
    "bridge",
    "iptables",
    "ip6tables",
    "nft",
    "sysctl",
    "tc",
    "ss",
    "tcpdump",
    "traceroute",
    "tracepath",
    "arp",
    "curl",
    "nc",
    "ethtool",
    "brctl",
];

/// The DSL for a command line, when there is one.
fn dsl_form(w: &[&str]) -> Option<String> {
    let q = |s: &str| format!("\"{s}\"");
    Some(match w {
        ["ip", "netns", "add", n] => format!("ns({})", q(n)),
        ["ip", "netns", "del" | "delete", n] => format!("ns({}).del()", q(n)),
        ["ip", "link", "add", n, "type", "bridge", ..] => format!("bridge({})", q(n)),
        ["ip", "link", "add", n, "type", "veth", "peer", "name", p, ..]
        | ["ip", "link", "add", n, "type", "veth", "peer", p, ..] => {
            format!("veth({}, {})", q(n), q(p))
        }
        ["ip", "link", "set", n, "master", m] | ["ip", "link", "set", "dev", n, "master", m] => {
            format!("link({}).master(bridge({}))", q(n), q(m))
        }
        ["ip", "link", "set", n, "netns", s] | ["ip", "link", "set", "dev", n, "netns", s] => {
            format!("link({}).into(ns({}))", q(n), q(s))
        }
        ["ip", "link", "set", n, "up"] | ["ip", "link", "set", "dev", n, "up"] => {
            format!("link({}).up()", q(n))
        }
        ["ip", "link", "set", n, "down"] | ["ip", "link", "set", "dev", n, "down"] => {
            format!("link({}).down()", q(n))
        }
        ["ip", "addr" | "address" | "a", "add", a, "dev", n] => {
            format!("link({}).addr({})", q(n), q(a))
        }
        ["ip", "route" | "r", "add", d, "via", g, ..] => format!("route({}, {})", q(d), q(g)),
        ["ip", "netns", "exec", n, rest @ ..] if !rest.is_empty() => {
            format!(":sh {n} {}", rest.join(" "))
        }
        ["ip", "link" | "l"] | ["ip", "link" | "l", "show"] => "links()  (or :show)".into(),
        ["ip", "addr" | "address" | "a"] | ["ip", "addr" | "address" | "a", "show"] => {
            "addrs()  (or :show)".into()
        }
        ["ip", "route" | "r"] | ["ip", "route" | "r", "show"] => "routes()  (or :show)".into(),
        ["ping", .., a] if !a.starts_with('-') => {
            format!("ping({}) from the host, ns1.ping({}) from ns1", q(a), q(a))
        }
        ["sysctl", "-w", kv] | ["sysctl", kv] if kv.contains('=') => {
            let (k, v) = kv.split_once('=')?;
            format!("sysctl({}, {})", q(k), q(v))
        }
        ["iptables", rest @ ..] if !rest.is_empty() && !rest[0].starts_with("-L") => {
            format!("iptables({})", q(&rest.join(" ")))
        }
        _ => return None,
    })
}

/// The hint for a line that reads as a shell command, or `None` for anything else. `known`
/// says whether a word is one of the session's variables (then the line is the user's DSL).
pub(crate) fn shell_hint(line: &str, known: impl Fn(&str) -> bool) -> Option<(String, String)> {
    let line = line.trim();
    let words: Vec<&str> = line.split_whitespace().collect();
    let first = *words.first()?;
    let second = words.get(1)?;
    // `ip netns`, `ping 10.1.1.2`, `bridge -d`: a word, a space, then no operator or bracket.
    let looks = PROGRAMS.contains(&first)
        && !known(first)
        && second
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '-');
    if !looks {
        return None;
    }
    let message = format!("`{line}` is a shell command: the REPL reads netsh's DSL");
    let help = match dsl_form(&words) {
        Some(dsl) if dsl.starts_with(':') => format!("in a namespace: {dsl}"),
        Some(dsl) => format!("in the DSL: {dsl}; to run the command itself: :sh host {line}"),
        None => format!("run it with :sh: :sh host {line} (or :sh NS {line} inside namespace NS)"),
    };
    Some((message, help))
}

/// A diagnostic's help said for the prompt: the command line's `netsh why NS ADDR` is
/// `NS.why("ADDR")` here, where the namespace's variable may be called anything.
pub(crate) fn in_repl_words(help: &str) -> String {
    let Some(i) = help.find("`netsh why ") else {
        return help.to_string();
    };
    let rest = &help[i + "`netsh why ".len()..];
    let Some(end) = rest.find('`') else {
        return help.to_string();
    };
    let said = match rest[..end].split_whitespace().collect::<Vec<_>>()[..] {
        ["host", addr] => format!("`why(\"{addr}\")`"),
        [ns, addr] => format!("`ns(\"{ns}\").why(\"{addr}\")`"),
        _ => return help.to_string(),
    };
    format!("{}{said}{}", &help[..i], &rest[end + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netsh_why_is_said_as_the_dsl_call() {
        assert_eq!(
            in_repl_words("try x (`netsh why ns1 10.1.1.9` shows every hop)"),
            "try x (`ns(\"ns1\").why(\"10.1.1.9\")` shows every hop)"
        );
        assert_eq!(in_repl_words("nothing to say"), "nothing to say");
    }

    fn hint(line: &str) -> Option<String> {
        shell_hint(line, |w| w == "bridge_var").map(|(_, h)| h)
    }

    #[test]
    fn shell_commands_get_their_dsl_form() {
        assert_eq!(
            shell_hint("ip netns add ns1", |_| false),
            Some((
                "`ip netns add ns1` is a shell command: the REPL reads netsh's DSL".into(),
                "in the DSL: ns(\"ns1\"); to run the command itself: :sh host ip netns add ns1"
                    .into()
            ))
        );
        assert_eq!(
            hint("ping -c 1 10.1.1.2").unwrap(),
            "in the DSL: ping(\"10.1.1.2\") from the host, ns1.ping(\"10.1.1.2\") from ns1; to run the command itself: :sh host ping -c 1 10.1.1.2"
        );
        assert!(hint("ip link set veth1 master br0")
            .unwrap()
            .starts_with("in the DSL: link(\"veth1\").master(bridge(\"br0\"));"));
        assert_eq!(
            hint("ip netns exec ns1 ip a").unwrap(),
            "in a namespace: :sh ns1 ip a"
        );
        assert!(hint("bridge fdb show")
            .unwrap()
            .starts_with("run it with :sh: :sh host bridge fdb show"));
    }

    #[test]
    fn dsl_lines_are_left_alone() {
        assert_eq!(hint("ping(\"10.1.1.2\")"), None);
        assert_eq!(hint("bridge(\"br0\")"), None);
        assert_eq!(hint("ip"), None);
        assert_eq!(hint("ip + 1"), None);
        assert_eq!(hint("let ip = 1"), None);
    }
}
