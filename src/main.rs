//! netsh: build Linux network labs from Rhai scripts. Thin: parse the command line, enter the
//! sandbox before any thread starts, run the subcommand, exit with its code.

use clap::Parser;
use netsh::cli::{self, Cli, Cmd};
use netsh::net::sandbox;

fn main() {
    quiet_on_closed_output();
    let cli = Cli::parse();
    let sandboxed = matches!(&cli.cmd, Some(Cmd::Run(a)) if a.sandbox && a.dry_run.is_none())
        || matches!(&cli.cmd, Some(Cmd::Repl(a)) if a.sandbox);
    if sandboxed {
        match sandbox::enter() {
            Ok(sandbox::Entered::Inside) => {}
            // The parent: the sandboxed run is over; its code is ours.
            Ok(sandbox::Entered::Outside(code)) => std::process::exit(code),
            Err(e) => {
                eprintln!("error: cannot enter the sandbox: {e}");
                eprintln!("  help: --sandbox needs user namespaces (sysctl user.max_user_namespaces > 0), for root too");
                std::process::exit(1);
            }
        }
    }
    let result = match cli.cmd {
        // --inspect: the script runs in the REPL's session, which then stays open on the lab.
        Some(Cmd::Run(a)) if a.inspect => cli::repl::inspect(a, sandboxed),
        Some(Cmd::Run(a)) => cli::run::run(a, sandboxed),
        Some(Cmd::Check(a)) => cli::check::check(a),
        Some(Cmd::Down(a)) => cli::down::down(a),
        Some(Cmd::Repl(a)) => cli::repl::repl(a, sandboxed),
        Some(Cmd::Doc(a)) => cli::doc::doc(a),
        Some(Cmd::Show(a)) => cli::show::show(a),
        Some(Cmd::Why(a)) => cli::why::why(a),
        Some(Cmd::Agent(a)) => cli::agent::agent(a),
        None => cli::repl::repl(
            cli::ReplArgs {
                sandbox: false,
                load: None,
            },
            false,
        ),
    };
    // The one place a failure is printed and its exit code chosen.
    if let Err(e) = result {
        eprint!("{}", e.render());
        std::process::exit(e.code());
    }
}

/// `netsh doc | head`: the reader closed the pipe. Rust ignores SIGPIPE, so a write to it fails
/// with EPIPE, and `println!` panics on that ("failed printing to stdout: Broken pipe"). Like
/// other Unix tools, netsh then ends quietly, by SIGPIPE, whatever it was printing. SIGPIPE
/// itself stays ignored: a child that closes the stdin netsh feeds it (iptables-restore, ssh)
/// is an error netsh reports, not a silent death.
fn quiet_on_closed_output() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let p = info.payload();
        let text = p
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| p.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        let broken = std::io::Error::from_raw_os_error(libc::EPIPE).to_string();
        if text.starts_with("failed printing to std") && text.contains(&broken) {
            // Safety: resetting a signal's disposition and raising it, then exiting if it
            // did not end the process.
            unsafe {
                libc::signal(libc::SIGPIPE, libc::SIG_DFL);
                libc::raise(libc::SIGPIPE);
            }
            std::process::exit(141);
        }
        default(info)
    }));
}
