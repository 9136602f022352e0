//! The command line (DESIGN.md): one file per subcommand.

pub mod agent;
pub mod check;
pub mod doc;
pub mod down;
pub mod error;
pub(crate) mod inspect;
pub(crate) mod lab_lock;
pub(crate) mod lab_name;
pub mod repl;
pub mod run;
pub mod show;
pub mod why;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "netsh",
    version,
    about = "Build Linux network labs from Rhai scripts"
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Run a lab script
    Run(RunArgs),
    /// Parse and validate a script without touching the kernel (no root needed)
    Check(CheckArgs),
    /// Remove everything a lab owns, and nothing else
    Down(DownArgs),
    /// Why NAMESPACE can or cannot reach ADDRESS, hop by hop (exit 0 clear, 1 blocked)
    Why(WhyArgs),
    /// The interactive shell: every DSL function, a lab growing line by line
    Repl(ReplArgs),
    /// The DSL reference, or one function's forms
    Doc(DocArgs),
    /// The live state: links, addresses, routes and rules, per host and namespace
    Show(ShowArgs),
    /// Serve a controller on stdin/stdout (run over ssh by `netsh run` for host(NAME, #{ ssh }))
    #[command(hide = true)]
    Agent(AgentArgs),
}

#[derive(Args, Debug)]
pub struct AgentArgs {
    /// Relay to the agent of this machine instead (user@address): reach it by hand, with the
    /// connection, the netsh copy and the checks a run makes
    #[arg(long, value_name = "USER@ADDRESS")]
    pub ssh: Option<String>,
    /// Its ssh port
    #[arg(long, requires = "ssh")]
    pub port: Option<u16>,
    /// The ssh key to log in with
    #[arg(long, requires = "ssh")]
    pub identity: Option<String>,
    /// Its netsh (default: netsh on its PATH, else a copy of this one)
    #[arg(long, requires = "ssh")]
    pub netsh: Option<String>,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Only the stacks and rules of this lab
    #[arg(long)]
    pub lab: Option<String>,
    /// Print JSON (schema in README.md)
    #[arg(long, conflicts_with_all = ["dot", "svg"])]
    pub json: bool,
    /// Print the topology as Graphviz DOT
    #[arg(long, conflicts_with = "svg")]
    pub dot: bool,
    /// Draw the lab as SVG (no Graphviz needed), to stdout or to FILE
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = false)]
    pub svg: Option<Option<PathBuf>>,
    /// Serve a live page of the lab (picture, state, pingall, why) on ADDR:PORT; prints its URL
    #[arg(long, value_name = "ADDR:PORT", num_args = 0..=1, default_missing_value = "127.0.0.1:0",
          conflicts_with_all = ["json", "dot", "svg"])]
    pub serve: Option<String>,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    pub file: PathBuf,
    /// Script parameter, read with param("KEY", default)
    #[arg(short = 'p', value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Run in fresh network and mount namespaces that die with netsh (no root needed)
    #[arg(long)]
    pub sandbox: bool,
    /// Print the equivalent ip/sysctl commands as a bash script; change nothing. FORM `steps`
    /// writes one change per command, as the tutorials do (default: merged, as netsh applies them)
    #[arg(long, value_enum, value_name = "FORM", num_args = 0..=1, require_equals = true,
          default_missing_value = "merged")]
    pub dry_run: Option<DryRunForm>,
    /// Remove the lab when the script has finished
    #[arg(long)]
    pub rm: bool,
    /// After a failure, leave what the run built instead of rolling it back
    #[arg(long)]
    pub keep: bool,
    /// Print a `timings:` line (build, verify, teardown)
    #[arg(long)]
    pub timings: bool,
    /// The lab's name (default: the script's file name)
    #[arg(long)]
    pub lab: Option<String>,
    /// Log each operation (on stderr, under its section and check)
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Then open the REPL on the lab, with the script's variables (after a failure too: then
    /// nothing is rolled back); with --sandbox, leaving the REPL ends the lab
    #[arg(long, conflicts_with_all = ["dry_run", "rm"])]
    pub inspect: bool,
    /// Print only the summary: no sections, no check lines
    #[arg(short, long)]
    pub quiet: bool,
    /// Wait for Enter before each section (`step("…")`); the end of stdin stops waiting
    #[arg(long, conflicts_with_all = ["quiet", "dry_run"])]
    pub step: bool,
}

/// How `--dry-run` writes the changes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DryRunForm {
    /// A new link with its settings in one command, as netsh applies it
    Merged,
    /// One change per command: create, enslave, move into the namespace, up
    Steps,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    pub file: PathBuf,
    #[arg(short = 'p', value_name = "KEY=VALUE")]
    pub params: Vec<String>,
}

#[derive(Args, Debug)]
pub struct DownArgs {
    /// The script whose lab to remove
    pub file: Option<PathBuf>,
    /// The lab's name
    #[arg(long)]
    pub lab: Option<String>,
    /// Fall back on the tags when the journal is lost
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct WhyArgs {
    /// A namespace in /run/netns, `host`, `pid:PID` (a process's namespace) or a namespace file
    pub namespace: String,
    /// The address to reach; ADDRESS:PORT asks about a TCP connection to that port
    pub address: String,
    /// A TCP connection to this port instead of a ping (as ADDRESS:PORT): rules with
    /// `-p tcp --dport` (a published port's DNAT) match, and the probe is a connect
    #[arg(long, value_name = "PORT", conflicts_with = "size")]
    pub tcp: Option<u16>,
    /// The ICMP payload in bytes, sent with Don't Fragment: whether a packet that size fits
    /// the path's MTUs (default: a plain ping, 56 bytes)
    #[arg(long, value_parser = clap::value_parser!(u16).range(0..=65507))]
    pub size: Option<u16>,
    /// The report as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ReplArgs {
    /// Run in fresh network and mount namespaces that die with netsh (no root needed)
    #[arg(long)]
    pub sandbox: bool,
    /// Run this script first, then stay interactive in its state
    #[arg(long)]
    pub load: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DocArgs {
    /// A function's name (all of them when omitted)
    pub name: Option<String>,
}

/// `-p KEY=VALUE` pairs, or a usage error.
pub(crate) fn parse_params(
    raw: &[String],
) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut out = std::collections::BTreeMap::new();
    for p in raw {
        let Some((k, v)) = p.split_once('=') else {
            return Err(format!("-p {p}: expected KEY=VALUE"));
        };
        if k.is_empty() {
            return Err(format!("-p {p}: the key is empty"));
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}
