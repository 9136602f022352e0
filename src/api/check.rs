//! Reads and checks: `ping`, `assert_ping`, `assert_no_ping`, `exec`, `sh`. Each flushes the plan first,
//! so it sees what the script asked for.

use super::addr::parse_ip;
use super::error::{fail, DslError, R};
use super::named::Named;
use super::plain_text::check_no_nul;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::plan::PingMode;
use crate::sys::Netns;
use rhai::{Engine, FuncRegistration, Map, NativeCallContext};
use std::time::Instant;

impl Session {
    pub(crate) fn ping(&mut self, st: &Stack, dst: &str, mode: PingMode) -> Result<bool, DslError> {
        let ip = parse_ip(dst, "ping target")?;
        if ip.is_ipv6() {
            return Err(DslError::new(
                "netsh::ping",
                format!("cannot ping {ip}: netsh's native ping is IPv4 only for now"),
                format!("use exec(\"ping -6 -c 3 {ip}\") meanwhile"),
            ));
        }
        self.flush()?;
        let t = Instant::now();
        let far = self.far_stack(&st.ns);
        let r = match far.clone() {
            Some((m, there)) => Ok(self.far_ping(&m, there, ip, mode)?),
            None => self.backend.ping_echo(&st.ns, ip, mode),
        };
        self.verify += t.elapsed();
        let echo = r.map_err(|f| {
            DslError::new(
                "netsh::ping",
                format!("cannot ping {ip} from {}: {}", st.ns, f.message),
                // EACCES from sendto, once the socket is open, is no matter of privilege: the
                // kernel refuses to send to a broadcast address.
                if f.errno == Some(13) && f.message.starts_with("sendto") {
                    format!("{ip} is the broadcast address (the last) of a subnet on {}, not a host's: ping a host's address", st.ns)
                } else {
                    crate::plan::flush::root_help(f.errno).unwrap_or_else(|| {
                        "check that the namespace exists: ns(...) creates it".into()
                    })
                },
            )
        })?;
        let got = echo.answered();
        if got == (mode != PingMode::ExpectNot) || self.replay {
            self.tell_check(&st.ns, ip, mode, echo);
        }
        let place = match &st.ns {
            Netns::Root => "the host".to_string(),
            Netns::Named(n) => n.clone(),
            Netns::Adopted(f) => f.spec.clone(),
        };
        let st_words = self.describe_stack(st);
        match (mode, got) {
            (PingMode::Expect, false) => {
                // Explain the failure as `why` does: the first broken step and its fix (on
                // this machine's kernel: a far machine's path is not read from here).
                let why = far
                    .is_none()
                    .then(|| crate::why::probe::why(self.backend.why_kernel(), &st.ns, ip, false));
                let (cause, help) = match why.as_ref().map(|w| (&w.broken, &w.fix)) {
                    Some((Some(b), Some(f))) => (format!(" — {b}"), format!("try {f} (`netsh why {} {ip}` shows every hop)", st.ns)),
                    Some((Some(b), None)) => (format!(" — {b}"), format!("`netsh why {} {ip}` shows every hop", st.ns)),
                    _ => match &far {
                        // Its reads would read this machine: name the commands to run there.
                        Some((m, there)) => (String::new(), format!(
                            "look at the path on {m}: `{ip} route`, `{ip} addr`, `{ip} link` — a missing route, a link down, or ip_forward off on the way",
                            ip = there.ip()
                        )),
                        None => (String::new(), format!(
                            "look at the path: {st_words}.routes(), {st_words}.addrs(), {st_words}.links() — a missing route, a link down, or ip_forward off on the way"
                        )),
                    },
                };
                Err(DslError::new(
                    "netsh::unreachable",
                    format!("{place} cannot reach {ip}: no echo reply within 10 s{cause}"),
                    help,
                ))
            }
            (PingMode::ExpectNot, true) if self.replay => {
                // The lab stood before this run: the failure the script narrates here is
                // already repaired. Say so rather than fail the replay.
                eprintln!(
                    "note: {place} already reaches {ip}: lab {} stood before this run, so the failure narrated here cannot be shown again (netsh down first to see it)",
                    self.journal.lab
                );
                Ok(true)
            }
            (PingMode::ExpectNot, true) => Err(DslError::new(
                "netsh::reachable",
                format!("{place} can reach {ip}, but the script asserts it cannot"),
                "something on the path already forwards: check the routes and firewall rules the script expects to be missing",
            )),
            _ => Ok(got),
        }
    }

    pub(crate) fn exec(&mut self, st: &Stack, cmd: &str) -> Result<Map, DslError> {
        // A shell command may hold newlines (it is a script); a NUL cannot pass as an argument.
        check_no_nul(
            cmd,
            "netsh::exec",
            "the command",
            "remove the NUL byte: a command is text, and a NUL would end it early",
        )?;
        self.flush()?;
        let o = match self.far_stack(&st.ns) {
            Some((m, there)) => self.far_exec(&m, there, cmd)?,
            None => self.backend.exec(&st.ns, cmd).map_err(|f| {
                DslError::new(
                    "netsh::exec",
                    format!("cannot run `{cmd}` on {}: {}", st.ns, f.message),
                    "check that the command exists and the namespace was created",
                )
            })?,
        };
        let mut m = Map::new();
        m.insert("code".into(), o.code.into());
        m.insert("out".into(), o.out.into());
        m.insert("err".into(), o.err.into());
        let mut cut = Map::new();
        cut.insert("out".into(), (o.cut[0] as i64).into());
        cut.insert("err".into(), (o.cut[1] as i64).into());
        m.insert("cut".into(), cut.into());
        Ok(m)
    }
}

impl Session {
    /// `exec`, but a command that fails stops the script, with its own error words: what a
    /// fix or a setup step wants (`exec` returns the code for a script that reads it).
    pub(crate) fn sh(&mut self, st: &Stack, cmd: &str) -> Result<String, DslError> {
        let m = self.exec(st, cmd)?;
        let text = |k: &str| m.get(k).map(|v| v.to_string()).unwrap_or_default();
        let code = m.get("code").and_then(|c| c.as_int().ok()).unwrap_or(0);
        if code == 0 {
            return Ok(text("out"));
        }
        let err = text("err");
        let said = err
            .trim()
            .lines()
            .last()
            .unwrap_or("no error output")
            .to_string();
        Err(DslError::new(
            "netsh::sh",
            format!("`{cmd}` failed in {} (exit {code}): {said}", st.ns),
            "the words after the exit code are the command's own: fix what it names and run              the line again (exec(cmd) returns the code instead of stopping)",
        ))
    }
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let host = || Stack { ns: Netns::Root };
    // Each with its entry on a stack, then on the host.
    let checks = [
        (
            "ping",
            PingMode::Probe,
            [
                "/// stack.ping(addr) -> bool",
                "/// whether a namespace reaches addr",
            ],
            [
                "/// ping(addr) -> bool",
                "/// whether the host reaches addr (native ICMP, bounded, retried)",
            ],
        ),
        (
            "assert_ping",
            PingMode::Expect,
            [
                "/// assert_ping(stack, addr) -> bool",
                "/// fail with the reason unless stack reaches addr",
            ],
            [
                "/// assert_ping(addr) -> bool",
                "/// fail with the reason unless the host reaches addr",
            ],
        ),
        (
            "assert_no_ping",
            PingMode::ExpectNot,
            [
                "/// assert_no_ping(stack, addr) -> bool",
                "/// fail unless stack cannot reach addr",
            ],
            [
                "/// assert_no_ping(addr) -> bool",
                "/// fail unless the host cannot reach addr",
            ],
        ),
    ];
    for (name, mode, on_stack, on_host) in checks {
        let s = shared.clone();
        FuncRegistration::new(name)
            .with_comments(on_stack)
            .register_named(
                engine,
                ["stack", "addr"],
                move |ctx: NativeCallContext, st: &mut Stack, dst: &str| -> R<bool> {
                    let r = s.borrow_mut().ping(st, dst, mode);
                    r.or_else(|e| fail(&ctx, e))
                },
            );
        let s = shared.clone();
        FuncRegistration::new(name)
            .with_comments(on_host)
            .register_named(
                engine,
                ["addr"],
                move |ctx: NativeCallContext, dst: &str| -> R<bool> {
                    let r = s.borrow_mut().ping(&host(), dst, mode);
                    r.or_else(|e| fail(&ctx, e))
                },
            );
    }
    let s = shared.clone();
    FuncRegistration::new("exec")
        .with_comments([
            "/// stack.exec(cmd) -> #{ code, out, err, cut }",
            "/// run a command in a namespace (sh -c, 60 s at most: then code 124); out and err keep",
            "/// 16 MiB each, cut: #{ out, err } counts the bytes past that, read and dropped",
        ])
        .register_named(
            engine,
            ["stack", "cmd"],
            move |ctx: NativeCallContext, st: &mut Stack, cmd: &str| -> R<Map> {
                let r = s.borrow_mut().exec(st, cmd);
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("exec")
        .with_comments([
            "/// exec(cmd) -> #{ code, out, err, cut }",
            "/// run a command on the host (sh -c, 60 s at most: then code 124); out and err keep",
            "/// 16 MiB each, cut: #{ out, err } counts the bytes past that, read and dropped",
        ])
        .register_named(
            engine,
            ["cmd"],
            move |ctx: NativeCallContext, cmd: &str| -> R<Map> {
                let r = s.borrow_mut().exec(&host(), cmd);
                r.or_else(|e| fail(&ctx, e))
            },
        );
    for (on, comments) in [
        (true, "/// stack.sh(cmd) -> string"),
        (false, "/// sh(cmd) -> string"),
    ] {
        let s = shared.clone();
        let f = FuncRegistration::new("sh").with_comments([
            comments,
            "/// run a command like exec and return its output; a command that exits non-zero",
            "/// stops the script with its error (exec returns the code instead)",
        ]);
        if on {
            f.register_named(
                engine,
                ["stack", "cmd"],
                move |ctx: NativeCallContext, st: &mut Stack, cmd: &str| -> R<String> {
                    let r = s.borrow_mut().sh(st, cmd);
                    r.or_else(|e| fail(&ctx, e))
                },
            );
        } else {
            f.register_named(
                engine,
                ["cmd"],
                move |ctx: NativeCallContext, cmd: &str| -> R<String> {
                    let r = s.borrow_mut().sh(&host(), cmd);
                    r.or_else(|e| fail(&ctx, e))
                },
            );
        }
    }
}
