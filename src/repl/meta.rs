//! `Meta`: the REPL's own commands, the lines that start with `:`.

use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Meta {
    Help(Option<String>),
    Show,
    Plan,
    Apply,
    /// `:save [--asserts] FILE`
    Save {
        file: PathBuf,
        asserts: bool,
    },
    Load(PathBuf),
    /// `:sh NS [command]`: a shell in a namespace (or the host), or one command there.
    Sh {
        place: String,
        cmd: Option<String>,
    },
    /// `:web [ADDR:PORT]`: serve the lab's live page.
    Web(Option<String>),
    Reset,
    Quit,
}

/// The commands and what they do, for `:help` and completion.
pub(crate) const COMMANDS: &[(&str, &str)] = &[
    (":help [name]", "the DSL reference, or one function's forms"),
    (
        ":show",
        "the lab's state: links, addresses, routes and rules",
    ),
    (":plan", "dry-run the following lines until :apply"),
    (":apply", "run the planned lines for real"),
    (
        ":save [--asserts] FILE",
        "write the session's lines as a script (--asserts: pings as assertions)",
    ),
    (":load FILE", "run a script in this session"),
    (
        ":sh NS [CMD]",
        "a shell in namespace NS (or host), or one command there",
    ),
    (
        ":web [ADDR:PORT]",
        "serve a live page of the lab: picture, state, pingall, why (prints its URL)",
    ),
    (
        ":reset",
        "remove what the session built and forget its variables",
    ),
    (":quit", "leave (Ctrl-D too)"),
];

impl Meta {
    /// A meta command, or why the line is not one.
    pub(crate) fn parse(line: &str) -> Result<Meta, String> {
        let line = line.trim();
        let (cmd, arg) = match line.split_once(char::is_whitespace) {
            Some((c, a)) => (c, Some(a.trim()).filter(|a| !a.is_empty())),
            None => (line, None),
        };
        let file = |what: &str| {
            arg.map(PathBuf::from)
                .ok_or_else(|| format!("{what} needs a file: {what} lab.rhai"))
        };
        let none = |m: Meta| match arg {
            Some(a) => Err(format!("{cmd} takes no argument (got \"{a}\")")),
            None => Ok(m),
        };
        match cmd {
            ":help" | ":h" | ":?" => Ok(Meta::Help(arg.map(str::to_string))),
            ":show" => none(Meta::Show),
            ":plan" => none(Meta::Plan),
            ":apply" => none(Meta::Apply),
            ":save" => {
                let (asserts, rest) = match arg.and_then(|a| a.strip_prefix("--asserts")) {
                    Some(rest) => (true, Some(rest.trim()).filter(|r| !r.is_empty())),
                    None => (false, arg),
                };
                let file = rest
                    .map(PathBuf::from)
                    .ok_or(":save needs a file: :save lab.rhai (:save --asserts lab.rhai turns answered pings into assertions)")?;
                Ok(Meta::Save { file, asserts })
            }
            ":load" => file(":load").map(Meta::Load),
            ":sh" => {
                let arg =
                    arg.ok_or(":sh needs a namespace: :sh ns1, :sh ns1 ip -br addr, :sh host")?;
                let (place, cmd) = match arg.split_once(char::is_whitespace) {
                    Some((p, c)) => (p, Some(c.trim().to_string())),
                    None => (arg, None),
                };
                Ok(Meta::Sh {
                    place: place.to_string(),
                    cmd,
                })
            }
            ":web" => Ok(Meta::Web(arg.map(str::to_string))),
            ":reset" => none(Meta::Reset),
            ":quit" | ":q" | ":exit" => none(Meta::Quit),
            other => Err(format!(
                "unknown command {other}: the commands are {}",
                COMMANDS
                    .iter()
                    .map(|(c, _)| c.split(' ').next().unwrap_or(c))
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(
            Meta::parse(":help bridge"),
            Ok(Meta::Help(Some("bridge".into())))
        );
        assert_eq!(
            Meta::parse(":save  lab.rhai "),
            Ok(Meta::Save {
                file: "lab.rhai".into(),
                asserts: false
            })
        );
        assert!(Meta::parse(":save").unwrap_err().contains(":save lab.rhai"));
        assert!(Meta::parse(":frob")
            .unwrap_err()
            .starts_with("unknown command :frob"));
        assert_eq!(
            Meta::parse(":save --asserts x.rhai"),
            Ok(Meta::Save {
                file: "x.rhai".into(),
                asserts: true
            })
        );
        assert_eq!(Meta::parse(":q"), Ok(Meta::Quit));
        assert_eq!(Meta::parse(":web"), Ok(Meta::Web(None)));
        assert_eq!(
            Meta::parse(":web 127.0.0.1:8080"),
            Ok(Meta::Web(Some("127.0.0.1:8080".into())))
        );
        assert_eq!(
            Meta::parse(":sh ns1  ip -br addr"),
            Ok(Meta::Sh {
                place: "ns1".into(),
                cmd: Some("ip -br addr".into())
            })
        );
        assert_eq!(
            Meta::parse(":sh host"),
            Ok(Meta::Sh {
                place: "host".into(),
                cmd: None
            })
        );
    }
}
