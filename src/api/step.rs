//! `step("B. The LAN")`: a script's sections, announced as a run reaches them, and each check's
//! one line (`✓ ns1 → 10.1.1.3`). A section changes nothing in the kernel; a dry run writes it as
//! a bash comment.

use super::error::{fail, DslError, R};
use super::named::Named;
pub(crate) use super::narration::Narration;
use super::plain_text::check_no_control;
use super::session::{Session, Shared};
use crate::plan::{Echo, PingMode};
use crate::sys::{Cancel, Netns};
use rhai::{Engine, FuncRegistration, NativeCallContext};
use std::io::BufRead;
use std::net::IpAddr;
use std::time::Duration;

/// A section's header line.
pub(crate) fn section_line(title: &str) -> String {
    format!("── {title}")
}

/// A check's line once it has passed: `✓ ns1 → 10.1.1.3`, or for a failure the script expects,
/// what the ping saw: `✓ ns1 ↛ 172.31.131.150: no route (as expected)`. `None` for a plain read
/// (`ping`, `pingall`), which tells nothing.
pub(crate) fn check_line(from: &Netns, dst: IpAddr, mode: PingMode, echo: Echo) -> Option<String> {
    match (mode, echo) {
        (PingMode::Expect, Echo::Reply) => Some(format!("✓ {from} → {dst}")),
        (PingMode::ExpectNot, Echo::Reply) => Some(format!(
            "· {from} → {dst}: reached already (the lab stood before this run)"
        )),
        (PingMode::ExpectNot, e) => Some(format!("✓ {from} ↛ {dst}: {} (as expected)", e.words())),
        _ => None,
    }
}

impl Session {
    /// `step(title)`: what was asked so far is applied first, so the section's header comes
    /// after the changes of the one before.
    pub(crate) fn step(&mut self, title: &str) -> Result<(), DslError> {
        check_no_control(
            title,
            "netsh::step",
            "the step's title",
            "a title is one line of text: step(\"B. The LAN\")",
        )?;
        self.flush()?;
        self.backend.section(title);
        if !self.narration.told {
            return Ok(());
        }
        if self.narration.said {
            println!();
        }
        println!("{}", section_line(title));
        self.narration.said = true;
        if self.narration.pause && !wait_for_enter(&self.cancel) {
            self.narration.pause = false;
        }
        Ok(())
    }

    /// A check's line on stdout, when the run tells its story.
    pub(crate) fn tell_check(&mut self, from: &Netns, dst: IpAddr, mode: PingMode, echo: Echo) {
        if !self.narration.told {
            return;
        }
        if let Some(mut line) = check_line(from, dst, mode, echo) {
            if mode == PingMode::ExpectNot && !echo.answered() {
                line.push_str(&self.expected_cause(from, dst));
            }
            println!("{line}");
            self.narration.said = true;
        }
    }
}

impl Session {
    /// What stops an expected failure, as `why` reads it from the kernel (no second probe):
    /// `\n    host 149: ip_forward is off` under the check line; empty when why sees nothing.
    fn expected_cause(&mut self, from: &Netns, dst: IpAddr) -> String {
        let why = crate::why::probe::why(self.backend.why_kernel(), from, dst, false);
        match why.broken {
            Some(b) => format!("\n    {b}"),
            None => String::new(),
        }
    }
}

/// `--step`: waits for a line on stdin. False when stdin has ended (or cannot be read): the run
/// goes on without pausing again. A stop signal ends the wait (the script stops right after).
fn wait_for_enter(cancel: &Cancel) -> bool {
    use std::os::fd::AsFd;
    eprint!("   [Enter: run this step] ");
    let stdin = std::io::stdin();
    loop {
        if cancel.is_cancelled() {
            eprintln!();
            return true;
        }
        let mut fds = [nix::poll::PollFd::new(
            stdin.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        let tick = nix::poll::PollTimeout::try_from(Duration::from_millis(200))
            .unwrap_or(nix::poll::PollTimeout::MAX);
        match nix::poll::poll(&mut fds, tick) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
            Ok(_) => break,
            Err(_) => return false,
        }
    }
    let mut line = String::new();
    matches!(stdin.lock().read_line(&mut line), Ok(n) if n > 0)
}

/// A script's section comments, `// ---- A. Local ----` alone on a line, as `step("A. Local")`
/// on the same line (so every other line keeps its number): a dry run carries them into its
/// bash as comments.
pub(crate) fn sections_as_steps(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    for line in src.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        match section_comment(body) {
            Some(title) => {
                let quoted = title.replace('\\', "\\\\").replace('"', "\\\"");
                out.push_str(&format!("step(\"{quoted}\");"));
                out.push_str(&line[body.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// The title of a section comment: `// ---- TITLE ----` (two dashes or more each side).
fn section_comment(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix("//")?.trim();
    let inner = rest.strip_prefix("--")?.strip_suffix("--")?;
    let title = inner.trim_matches('-').trim();
    (!title.is_empty() && !title.chars().any(char::is_control)).then_some(title)
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let s = shared.clone();
    FuncRegistration::new("step")
        .with_comments([
            "/// step(title)",
            "/// begin a section: `netsh run` prints `── title` when it gets there (`--step` waits",
            "/// for Enter first), a dry run writes `# ── title`; the kernel is not touched",
        ])
        .register_named(
            engine,
            ["title"],
            move |ctx: NativeCallContext, title: &str| -> R<()> {
                let r = s.borrow_mut().step(title);
                r.or_else(|e| fail(&ctx, e))
            },
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_say_what_the_ping_saw() {
        let ns1 = Netns::named("ns1");
        let to = |s: &str| s.parse::<IpAddr>().unwrap();
        let line = |from: &Netns, dst, mode, echo| check_line(from, to(dst), mode, echo);
        assert_eq!(
            line(&ns1, "10.1.1.3", PingMode::Expect, Echo::Reply).unwrap(),
            "✓ ns1 → 10.1.1.3"
        );
        assert_eq!(
            line(&ns1, "172.31.131.150", PingMode::ExpectNot, Echo::NoRoute).unwrap(),
            "✓ ns1 ↛ 172.31.131.150: no route (as expected)"
        );
        assert_eq!(
            line(&Netns::Root, "10.0.0.3", PingMode::ExpectNot, Echo::NoReply).unwrap(),
            "✓ host ↛ 10.0.0.3: no reply (as expected)"
        );
        let router = "10.1.1.1".parse().unwrap();
        let far = Echo::Unreachable {
            from: router,
            code: 0,
        };
        assert_eq!(
            line(
                &Netns::on_machine("h150", "ns2"),
                "10.9.0.1",
                PingMode::ExpectNot,
                far
            )
            .unwrap(),
            "✓ h150.ns2 ↛ 10.9.0.1: network unreachable (ICMP from 10.1.1.1) (as expected)"
        );
        assert_eq!(line(&ns1, "10.1.1.3", PingMode::Probe, Echo::Reply), None);
        assert_eq!(section_line("B. The LAN"), "── B. The LAN");
    }

    #[test]
    fn section_comments_become_steps_on_their_own_line() {
        let src = "let a = 1;\n// ---- A. Local: one host ----\nlet b = \"x\";\n  // -- it's \"q\" --\r\n// - not one -\n// ----\n";
        assert_eq!(
            sections_as_steps(src),
            "let a = 1;\nstep(\"A. Local: one host\");\nlet b = \"x\";\nstep(\"it's \\\"q\\\"\");\r\n// - not one -\n// ----\n"
        );
    }
}
