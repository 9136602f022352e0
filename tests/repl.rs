//! The REPL driven through a pseudo-terminal, as a person types: every session runs with
//! `repl --sandbox` (its own network namespace), every wait is bounded (10 s).

mod support;

use rexpect::session::{spawn_with_options, Options, PtySession};
use std::path::PathBuf;
use std::process::Command;
use support::{assert_lines_eq, normalize_state, state_in_sandbox, DUMP_STATE};

const PROMPT: &str = "netsh[repl sandbox]> ";
/// A new prompt, at the start of a line (the editor also redraws the prompt while one types).
const NEXT: &str = r"\n\r?netsh\[repl sandbox\]> ";

/// A fresh folder for one test: the history (XDG_STATE_HOME) and its files.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("netsh-repl-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn start(dir: &PathBuf, args: &[&str]) -> PtySession {
    let mut cmd = Command::new(support::netsh_bin());
    cmd.arg("repl")
        .arg("--sandbox")
        .args(args)
        .env("XDG_STATE_HOME", dir)
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let opts = Options::new()
        .timeout_ms(Some(10_000))
        .strip_ansi_escape_codes(true);
    spawn_with_options(cmd, opts).expect("start netsh repl in a pty")
}

/// Types `line`, then waits for the output up to `until`.
#[track_caller]
fn line(p: &mut PtySession, text: &str, until: &str) -> String {
    p.send_line(text).unwrap();
    match p.exp_regex(until) {
        Ok((before, _)) => before,
        Err(e) => panic!("after typing {text:?}, no {until:?}: {e}"),
    }
}

/// Waits for the next prompt.
#[track_caller]
fn ready(p: &mut PtySession) {
    if let Err(e) = p.exp_regex(NEXT) {
        panic!("no new prompt: {e}");
    }
}

#[track_caller]
fn quit(mut p: PtySession) {
    ready(&mut p);
    p.send_line(":quit").unwrap();
    p.exp_eof().expect("netsh repl leaves on :quit");
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn multi_line_function_definition() {
    let dir = scratch("multiline");
    let mut p = start(&dir, &[]);
    p.exp_string(PROMPT).unwrap();
    // Enter on an open block continues it instead of failing.
    p.send_line("fn twice(x) {").unwrap();
    p.send_line("x * 2").unwrap();
    p.send_line("}").unwrap();
    ready(&mut p);
    line(&mut p, "twice(21)", r"\n42\r");
    quit(p);
    let history = std::fs::read_to_string(dir.join("netsh/history")).unwrap();
    assert!(history.contains("fn twice(x) {"), "{history}");
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn completes_a_namespace_created_earlier() {
    let dir = scratch("complete");
    let mut p = start(&dir, &[]);
    p.exp_string(PROMPT).unwrap();
    line(&mut p, "ns(\"alpha\")", r"\+ netns alpha\r");
    ready(&mut p);
    p.send("ns(\"al").unwrap();
    p.send("\t").unwrap();
    p.send_line("\").name").unwrap();
    p.exp_regex(r"\n\x22alpha\x22\r")
        .expect("Tab completed the namespace's name");
    quit(p);
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn an_error_then_a_successful_line() {
    let dir = scratch("error");
    let mut p = start(&dir, &[]);
    p.exp_string(PROMPT).unwrap();
    line(&mut p, "bogus(1)", "unknown function bogus");
    p.exp_string("help: `netsh doc` lists every function")
        .unwrap();
    ready(&mut p);
    line(&mut p, "1 + 2", r"\n3\r");
    quit(p);
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn lines_typed_ahead_are_kept() {
    let dir = scratch("typeahead");
    let mut p = start(&dir, &[]);
    p.exp_string(PROMPT).unwrap();
    // Sent without waiting: the later lines arrive while the first one runs.
    p.send_line("let x = ns(\"ta\").name;").unwrap();
    p.send_line("let y = \"!\";").unwrap();
    line(&mut p, "x + y", r"\n\x22ta!\x22\r");
    quit(p);
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn ctrl_c_interrupts_a_line_and_the_session_goes_on() {
    let dir = scratch("ctrlc");
    let mut p = start(&dir, &[]);
    p.exp_string(PROMPT).unwrap();
    p.send_line("loop {}").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    p.send_control('c').unwrap();
    p.exp_string("interrupted (Ctrl-C)").unwrap();
    p.exp_string("the line stopped; the session goes on")
        .unwrap();
    ready(&mut p);
    line(&mut p, "40 + 2", r"\n42\r");
    // A command the line runs stops too.
    ready(&mut p);
    p.send_line("exec(\"sleep 8\")").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    p.send_control('c').unwrap();
    p.exp_string("interrupted (Ctrl-C)").unwrap();
    ready(&mut p);
    line(&mut p, "1 + 1", r"\n2\r");
    // Ctrl-D leaves.
    ready(&mut p);
    p.send_control('d').unwrap();
    p.exp_eof().expect("netsh repl leaves on Ctrl-D");
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn help_prints_the_signature() {
    let dir = scratch("help");
    let mut p = start(&dir, &[]);
    p.exp_string(PROMPT).unwrap();
    p.send_line(":help bridge").unwrap();
    p.exp_string(
        "bridge(name) -> Link        a bridge on the host\r\n\
         stack.bridge(name) -> Link  a bridge in a namespace or host\r",
    )
    .unwrap();
    quit(p);
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn load_runs_a_script_then_stays_in_its_state() {
    let dir = scratch("load");
    let file = dir.join("lab1.rhai");
    std::fs::write(
        &file,
        "let n1 = ns(\"n1\");\nlet br = bridge(\"br0\").up();\n",
    )
    .unwrap();
    let mut p = start(&dir, &["--load", file.to_str().unwrap()]);
    p.exp_string("+ netns n1").unwrap();
    p.exp_string("netsh[lab1 sandbox]> ").unwrap();
    line(&mut p, "n1.name + br.name", r"\n\x22n1br0\x22\r");
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn load_of_a_script_that_imports_itself_reports_the_cycle_and_goes_on() {
    let dir = scratch("cycle");
    let file = dir.join("me.rhai");
    std::fs::write(&file, "ns(\"n1\");\nimport \"me\" as me;\n").unwrap();
    let mut p = start(&dir, &[]);
    p.exp_string(PROMPT).unwrap();
    line(
        &mut p,
        &format!(":load {}", file.display()),
        // The pty reads bytes as Latin-1: the arrow is a few characters that are not spaces.
        r"import cycle: me\.rhai \S+ me\.rhai\r",
    );
    p.exp_string("help: me.rhai imports itself: remove that import")
        .unwrap();
    ready(&mut p);
    // The session goes on, without what the failed file asked for: n1 is made anew.
    line(&mut p, "ns(\"n1\")", r"\+ netns n1\r");
    quit(p);
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn plan_then_apply_then_show() {
    let dir = scratch("plan");
    let mut p = start(&dir, &[]);
    p.exp_string(PROMPT).unwrap();
    line(&mut p, "ns(\"n1\")", r"\+ netns n1\r");
    ready(&mut p);
    line(
        &mut p,
        ":plan",
        "the following lines change nothing until :apply",
    );
    p.exp_string("netsh[repl sandbox plan]> ").unwrap();
    line(&mut p, "let n2 = ns(\"n2\");", r"\+ netns n2\r");
    p.exp_string("netsh[repl sandbox plan]> ").unwrap();
    // Planned, not made: :apply makes it now.
    line(&mut p, ":apply", r"\+ netns n2\r");
    ready(&mut p);
    line(&mut p, "n2.name", r"\n\x22n2\x22\r");
    ready(&mut p);
    p.send_line(":show").unwrap();
    p.exp_string("\nhost\r\nn1 (namespace)\r\nn2 (namespace)\r")
        .unwrap();
    quit(p);
}

/// `:save` writes the successful lines; `netsh run` of them in a fresh sandbox builds the state
/// the session had, as `ip -j` and iptables-save read it back.
#[test]
#[ignore = "needs iproute2, iptables"]
fn saved_session_replays_to_the_same_kernel_state() {
    let dir = scratch("save");
    let dump = dir.join("dump.sh");
    std::fs::write(&dump, DUMP_STATE).unwrap();
    let session_state = dir.join("session.txt");
    // Named repl.rhai, so that the replay's lab (and its rule tags) is "repl" as in the session.
    let saved = dir.join("repl.rhai");
    let mut p = start(&dir, &[]);
    p.exp_string(PROMPT).unwrap();
    let lines = [
        "let br = bridge(\"br0\").addr(\"10.1.1.1/24\").up();",
        "connect(ns(\"ns1\"), br, \"10.1.1.2/24\", #{ gw: true });",
        "let v = veth(\"va\", \"vb\");",
        "v.into(ns(\"ns2\")).addr(\"10.2.0.1/24\").up();",
        "ip_forward(true);",
        "masquerade(#{ src: \"10.1.1.0/24\", out: \"!br0\" });",
    ];
    for l in lines {
        p.send_line(l).unwrap();
        ready(&mut p);
    }
    // A failed line is not saved and leaves nothing behind.
    line(&mut p, "ns(\"ns3\"); bogus()", "unknown function bogus");
    ready(&mut p);
    line(
        &mut p,
        &format!(":save {}", saved.display()),
        "saved 6 statements",
    );
    ready(&mut p);
    line(
        &mut p,
        &format!(
            "exec(\"bash {} > {}\").code",
            dump.display(),
            session_state.display()
        ),
        r"\n0\r",
    );
    quit(p);
    let session = normalize_state(&std::fs::read_to_string(&session_state).unwrap());
    for fact in [
        "ns1 addr eth0 10.1.1.2/24",
        "ns2 addr va 10.2.0.1/24",
        "MASQUERADE",
    ] {
        assert!(session.contains(fact), "no {fact:?} in\n{session}");
    }
    assert!(
        !session.contains("ns3"),
        "the failed line left ns3:\n{session}"
    );
    let (out, replayed) = state_in_sandbox(&format!("\"$NETSH\" run {}", saved.display()));
    out.assert_success();
    assert_lines_eq(&session, &replayed);
    let _ = std::fs::remove_dir_all(&dir);
}

/// As an ordinary user (nobody, through setpriv), with lines piped in: `repl --sandbox` works
/// through a user namespace; `repl` on the real stack says it needs root.
#[test]
#[ignore = "needs iproute2, iptables"]
fn repl_needs_no_root_in_a_sandbox() {
    use std::io::Write;
    use std::process::Stdio;
    let nobody = |args: &[&str], input: &str| {
        let dir = support::nobody_dir();
        let mut child = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(dir.join("netsh"))
            .args(args)
            .current_dir(&dir)
            .env_remove("XDG_STATE_HOME")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("setpriv (util-linux) must be installed: .ci/run installs it");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, out, err) = nobody(&["repl", "--sandbox"], "ns(\"a\")\n1 + 1\n");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "+ netns a\nns(\"a\")\n2\n", "{err}");
    let (code, out, err) = nobody(&["repl"], "");
    assert_eq!(code, Some(1));
    assert_eq!(out, "");
    assert!(
        err.contains("netsh repl needs root (CAP_NET_ADMIN)"),
        "{err}"
    );
}

/// What the pty shows for `s`: it reads bytes as Latin-1, so ✓ and ↛ come as their UTF-8 bytes.
fn pty_text(s: &str) -> String {
    s.bytes().map(char::from).collect()
}

/// `netsh run --sandbox --inspect` of a script that fails: nothing is rolled back, the REPL
/// opens on the lab with the script's variables; pingall prints its table once, `:sh` runs a
/// command in a namespace; leaving ends the sandbox.
#[test]
#[ignore = "needs iproute2, iptables"]
fn inspect_opens_the_repl_on_the_lab_a_failed_run_left() {
    let dir = scratch("inspect");
    let file = dir.join("insp.rhai");
    std::fs::write(
        &file,
        "let ns1 = ns(\"ns1\");\nlet br = bridge(\"br0\").up();\n\
         connect(ns1, br, \"10.1.1.2/24\");\nlet ns2 = ns(\"ns2\");\n\
         connect(ns2, \"br0\", \"10.1.1.3/24\");\n",
    )
    .unwrap();
    let mut cmd = Command::new(support::netsh_bin());
    cmd.args(["run", "--sandbox", "--inspect"])
        .arg(&file)
        .env("XDG_STATE_HOME", &dir)
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let opts = Options::new()
        .timeout_ms(Some(10_000))
        .strip_ansi_escape_codes(true);
    let mut p = spawn_with_options(cmd, opts).expect("start netsh run --inspect in a pty");
    p.exp_string("connect takes the bridge itself, not its name \"br0\"")
        .unwrap();
    p.exp_string("nothing was rolled back").unwrap();
    p.exp_string("netsh[insp sandbox]> ").unwrap();
    // The script's variables, and its lab: ns1 stands, as the run left it.
    let table = line(&mut p, "pingall()", r"\n\r?netsh\[insp sandbox\]> ");
    assert!(table.contains("from  host  ns1 (10.1.1.2)"), "{table}");
    assert!(
        !table.contains("#{"),
        "pingall printed its value again: {table}"
    );
    line(&mut p, ":sh ns1 ip -br addr", r"10\.1\.1\.2/24");
    p.exp_string("netsh[insp sandbox]> ").unwrap();
    p.send_line("ns1.ping(\"10.1.1.2\")").unwrap();
    p.exp_string(&pty_text("✓ ns1 → 10.1.1.2")).unwrap();
    p.exp_string("netsh[insp sandbox]> ").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().expect("leaving the REPL ends the run");
}

/// exec at the prompt prints as the command prints; `:sh` runs one command or a shell in a
/// namespace, Ctrl-C stops the command and the session goes on.
#[test]
#[ignore = "needs iproute2, iptables"]
fn exec_and_sh_stream_and_ctrl_c_stops_them() {
    let dir = scratch("stream");
    let mut p = start(&dir, &[]);
    p.exp_string(PROMPT).unwrap();
    line(&mut p, "let a = ns(\"a\");", r"\+ netns a\r");
    ready(&mut p);
    let t = std::time::Instant::now();
    p.send_line("a.exec(\"echo one; sleep 3; echo two\")")
        .unwrap();
    p.exp_string("one").unwrap();
    let first = t.elapsed();
    p.exp_string("two").unwrap();
    assert!(
        first < std::time::Duration::from_millis(2500),
        "the first line came only after {first:?}: not streamed"
    );
    // Printed as it came, not again as a map.
    let rest = line(&mut p, "1 + 1", r"\n2\r");
    assert!(!rest.contains("\"out\""), "{rest}");
    ready(&mut p);
    line(&mut p, ":sh a echo in $NETSH_NS", r"\nin a\r");
    ready(&mut p);
    // An interactive shell: its prompt names the namespace.
    p.send_line(":sh a").unwrap();
    p.exp_string("[netsh a] $ ").unwrap();
    p.send_line("ip -br link show lo").unwrap();
    p.exp_regex(r"lo\s+UNKNOWN").unwrap();
    p.send_line("exit").unwrap();
    p.exp_string(PROMPT).unwrap();
    // The DSL's own: a.shell() is the same shell, its exit code the value (0: nothing said).
    p.send_line("a.shell()").unwrap();
    p.exp_string("[netsh a] $ ").unwrap();
    p.send_line("echo $NETSH_NS; exit 3").unwrap();
    p.exp_string("exit 3").unwrap();
    p.exp_string(PROMPT).unwrap();
    p.send_line(":sh host sleep 8").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    p.send_control('c').unwrap();
    ready(&mut p);
    line(&mut p, "40 + 2", r"\n42\r");
    quit(p);
}

/// Each value said once and in words: a check's ✓ line, shell commands hinted, a plan that does
/// not invent answers.
#[test]
#[ignore = "needs iproute2, iptables"]
fn checks_hints_and_plans_in_words() {
    let dir = scratch("words");
    let mut p = start(&dir, &[]);
    p.exp_string("Tab completes").unwrap();
    p.exp_string(PROMPT).unwrap();
    line(&mut p, "let a = ns(\"a\");", r"\+ netns a\r");
    ready(&mut p);
    p.send_line("a.assert_no_ping(\"192.0.2.1\")").unwrap();
    p.exp_string(&pty_text("✓ a ↛ 192.0.2.1")).unwrap();
    ready(&mut p);
    p.send_line("ip netns add ns1").unwrap();
    p.exp_string("`ip netns add ns1` is a shell command")
        .unwrap();
    p.exp_string("help: in the DSL: ns(\"ns1\")").unwrap();
    ready(&mut p);
    line(&mut p, ":plan", "change nothing until :apply");
    p.exp_string("netsh[repl sandbox plan]> ").unwrap();
    line(
        &mut p,
        "ns(\"ghost\").ping(\"10.9.9.9\")",
        "ping: not evaluated in a plan",
    );
    p.exp_string("netsh[repl sandbox plan]> ").unwrap();
    p.send_line(":show").unwrap();
    p.exp_string("ghost (namespace)  (planned)").unwrap();
    p.exp_string("netsh[repl sandbox plan]> ").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// Tab after `v1.` offers a link's methods (`peer`, not a namespace's `ping`); after `:load`, the
/// files; `:save --asserts` writes a script that runs, its pings as assertions.
#[test]
#[ignore = "needs iproute2, iptables"]
fn completion_by_type_and_a_saved_script_that_runs() {
    let dir = scratch("typed");
    let mut p = start(&dir, &[]);
    p.exp_string(PROMPT).unwrap();
    line(&mut p, "let v1 = veth(\"va\", \"vb\");", r"\+ veth va");
    ready(&mut p);
    p.send("v1.p").unwrap();
    p.send("\t").unwrap();
    p.send_line("().name").unwrap();
    p.exp_regex(r"\n\x22vb\x22\r")
        .expect("Tab completed v1.p to the link method peer");
    ready(&mut p);
    line(&mut p, "let a = ns(\"a\"); // the first", r"\+ netns a\r");
    ready(&mut p);
    p.send_line("a.ping(\"127.0.0.1\") // lo").unwrap();
    p.exp_string(&pty_text("✓ a → 127.0.0.1")).unwrap();
    ready(&mut p);
    let saved = dir.join("saved.rhai");
    line(
        &mut p,
        &format!(":save --asserts {}", saved.display()),
        "saved 4 statements",
    );
    ready(&mut p);
    // The path completes after :load (the one file that starts so).
    p.send(&format!(":load {}/sav", dir.display())).unwrap();
    p.send("\t").unwrap();
    p.send_line("").unwrap();
    p.exp_string(&pty_text("✓ a → 127.0.0.1")).unwrap();
    quit(p);
    let text = std::fs::read_to_string(&saved).unwrap();
    assert_eq!(
        text,
        "// saved by the netsh REPL\nlet v1 = veth(\"va\", \"vb\");\nv1.peer().name;\nlet a = ns(\"a\"); // the first\na.assert_ping(\"127.0.0.1\"); // lo\n"
    );
    let out = Command::new(support::netsh_bin())
        .args(["run", "--sandbox"])
        .arg(&saved)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A sandboxed run that fails points at --inspect (its sandbox, and the lab, are gone: a
/// `netsh why` afterwards would find nothing); `repl --load` of that script keeps its lab.
#[test]
#[ignore = "needs iproute2, iptables"]
fn a_failed_sandboxed_run_points_at_inspect_and_load_keeps_the_lab() {
    let dir = scratch("failhelp");
    let file = dir.join("nowhere.rhai");
    std::fs::write(
        &file,
        "let a = ns(\"a\");\nlet v = a.veth(\"va\", \"vb\").addr(\"10.5.0.1/24\").up();\n\
         a.assert_ping(\"192.0.2.1\");\n",
    )
    .unwrap();
    // Run from its folder, so that the help's path is short enough not to wrap.
    let out = Command::new(support::netsh_bin())
        .args(["run", "--sandbox", "nowhere.rhai"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let help = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains(
            "the sandbox is gone with the run: `netsh run --sandbox --inspect nowhere.rhai` keeps the lab and opens the REPL on it"
        ),
        "{err}"
    );
    assert!(!help.contains("netsh why"), "{err}");
    let mut p = start(&dir, &["--load", file.to_str().unwrap()]);
    p.exp_string("a cannot reach 192.0.2.1").unwrap();
    p.exp_string("nothing was rolled back").unwrap();
    p.exp_string("netsh[nowhere sandbox]> ").unwrap();
    // The script's variables and what it built stand.
    line(
        &mut p,
        "v.name + \" \" + a.addrs().len()",
        r"\n\x22va \d\x22\r",
    );
    p.exp_string("netsh[nowhere sandbox]> ").unwrap();
    line(&mut p, ":sh a ip -br addr show va", r"10\.5\.0\.1/24");
    p.exp_string("netsh[nowhere sandbox]> ").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}
