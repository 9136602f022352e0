//! `stack.shell()`: an interactive shell inside a namespace (as `ip netns exec ns1 bash`), on
//! netsh's terminal; the REPL's `:sh NS [command]` runs through it too.

use super::error::{fail, DslError, R};
use super::named::Named;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::sys::Netns;
use rhai::{Engine, FuncRegistration, NativeCallContext};

/// The shell to start: the user's ($SHELL), or /bin/sh.
fn login_shell() -> String {
    std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".into())
}

/// The shell without job control (`+m`) where it takes that: in a sandbox, netsh's process
/// group lives outside its PID namespace, and a shell that tries to take the terminal for its
/// own fails there; without job control it shares netsh's, and Ctrl-C reaches what it runs.
fn shell_argv(shell: String) -> Vec<String> {
    let name = shell.rsplit('/').next().unwrap_or(&shell);
    match matches!(
        name,
        "sh" | "dash" | "bash" | "zsh" | "ksh" | "mksh" | "ash"
    ) {
        true => vec![shell, "+m".into()],
        false => vec![shell],
    }
}

impl Session {
    /// A shell in `st` (or `cmd` run by `sh -c` there) on the terminal; its exit code. The
    /// shell knows where it is: NETSH_NS names the stack, and PS1 shows it.
    pub(crate) fn shell(&mut self, st: &Stack, cmd: Option<&str>) -> Result<i64, DslError> {
        self.flush()?;
        let place = match &st.ns {
            Netns::Root => "host".to_string(),
            ns => ns.to_string(),
        };
        if !self.backend.is_live() {
            return Err(DslError::new(
                "netsh::shell",
                format!("no shell in {place}: this run changes nothing (a dry run or a :plan)"),
                "run it for real (or :apply the plan), then open the shell",
            ));
        }
        let path = st.ns.path();
        if let Some(p) = path.as_deref().filter(|p| !crate::sys::enter::is_netns(p)) {
            return Err(DslError::new(
                "netsh::shell",
                format!("no shell in {place}: {} is not a namespace", p.display()),
                format!("create it first: ns(\"{place}\")"),
            ));
        }
        let argv = match cmd {
            Some(c) => vec!["/bin/sh".into(), "-c".into(), c.to_string()],
            None => shell_argv(login_shell()),
        };
        let env = [
            ("NETSH_NS".to_string(), place.clone()),
            ("PS1".to_string(), format!("[netsh {place}] $ ")),
        ];
        let r = crate::net::exec::on_terminal(path.as_deref(), &argv, &env);
        // Ctrl-C inside the shell was the shell's: the script or the REPL line goes on.
        self.cancel.reset();
        r.map(i64::from).map_err(|e| {
            DslError::new(
                "netsh::shell",
                format!("cannot start {} in {place}: {e}", argv[0]),
                "set SHELL to a shell that exists (or unset it for /bin/sh)",
            )
        })
    }
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let s = shared.clone();
    FuncRegistration::new("shell")
        .with_comments([
            "/// stack.shell() -> int",
            "/// an interactive shell ($SHELL) inside a namespace until you leave it (exit, Ctrl-D);",
            "/// NETSH_NS names the namespace; returns the shell's exit code",
        ])
        .register_named(
            engine,
            ["stack"],
            move |ctx: NativeCallContext, st: &mut Stack| -> R<i64> {
                let r = s.borrow_mut().shell(st, None);
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("shell")
        .with_comments([
            "/// shell() -> int",
            "/// an interactive shell ($SHELL) on the host's stack until you leave it",
        ])
        .register_named(engine, [], move |ctx: NativeCallContext| -> R<i64> {
            let r = s.borrow_mut().shell(&Stack { ns: Netns::Root }, None);
            r.or_else(|e| fail(&ctx, e))
        });
}
