//! `Shell`: the read-eval-print loop — the prompt, the meta commands, and after each line what
//! changed in the kernel and the line's value.

use super::changes::change_lines;
use super::completion::Names;
use super::enter::IndentOnEnter;
use super::evaluator::Evaluator;
use super::helper::ReplHelper;
use super::history::history_file;
use super::meta::{Meta, COMMANDS};
use super::plan_mode::PlanMode;
use crate::api::stack::Stack;
use crate::api::Shared;
use crate::lab::teardown::teardown;
use crate::script::diagnostic::Diag;
use crate::sys::Netns;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Config, Editor, EventHandler, KeyCode, KeyEvent, Modifiers};
use std::path::Path;

/// The name a typed line's diagnostics give as its file.
const INPUT: &str = "<input>";

const BANNER: &str = concat!(
    "netsh ",
    env!("CARGO_PKG_VERSION"),
    ": DSL lines build the lab; :help lists the words, Tab completes, Ctrl-D leaves"
);

/// `:help`: the words by category, then the commands; `:help NAME` and `netsh doc` say more.
pub(crate) fn help_text() -> String {
    let mut out =
        String::from("DSL (:help NAME: its forms and an example; netsh doc: all of it)\n");
    out.push_str(&crate::api::doc::summary(100));
    out.push_str("commands\n");
    for (c, what) in COMMANDS {
        out.push_str(&format!("  {c:<24}{what}\n"));
    }
    out
}

pub(crate) struct Shell {
    ev: Evaluator,
    lab: String,
    sandboxed: bool,
    plan: Option<PlanMode>,
    /// The page `:web` serves; it stops when the REPL ends.
    web: Option<crate::web::Server>,
}

impl Shell {
    pub(crate) fn new(shared: &Shared, lab: &str, sandboxed: bool) -> Self {
        shared.borrow_mut().applied = Some(vec![]);
        Shell {
            ev: Evaluator::new(shared),
            lab: lab.to_string(),
            sandboxed,
            plan: None,
            web: None,
        }
    }

    pub(crate) fn prompt(&self) -> String {
        let mut tags = vec![self.lab.as_str()];
        if self.sandboxed {
            tags.push("sandbox");
        }
        if self.plan.is_some() {
            tags.push("plan");
        }
        format!("netsh[{}]> ", tags.join(" "))
    }

    /// Run `src` as one input and say what it did; `file` names it in diagnostics.
    fn input(&mut self, src: &str, file: &str) -> bool {
        self.input_as(src, file, false)
    }

    /// As `input`; with `keep`, a failure leaves the lab and the variables as it reached them.
    fn input_as(&mut self, src: &str, file: &str, keep: bool) -> bool {
        // What a typed line runs prints as it comes; a loaded script's commands stay quiet.
        let typed = file == INPUT;
        crate::net::exec::stream_output(typed);
        self.ev.streamed = typed;
        let r = match keep {
            true => self.ev.eval_kept(src),
            false => self.ev.eval(src),
        };
        crate::net::exec::stream_output(false);
        // A script narrated as `netsh run` tells it (--inspect): its sections and checks said
        // what it did, and -v its commands; the change list and last value would say it twice.
        let told = !typed && self.ev.shared.borrow().narration.told;
        if told {
            self.take_changes();
        } else {
            self.print_changes();
        }
        match r {
            Ok(value) => {
                if let Some(v) = value.filter(|_| !told) {
                    println!("{v}");
                }
                true
            }
            Err(mut d) => {
                if d.code == "netsh::interrupted" {
                    d.help = Some("the line stopped; the session goes on".into());
                }
                d.help = d.help.map(|h| super::hint::in_repl_words(&h));
                eprint!("{}", d.render(file, Some(src)));
                false
            }
        }
    }

    /// A typed line: a shell command gets its DSL form instead of "unknown variable".
    fn typed(&mut self, line: &str) {
        let known = |w: &str| self.ev.scope.contains(w);
        if let Some((message, help)) = super::hint::shell_hint(line, known) {
            let at = crate::sys::At {
                line: 1,
                col: 1 + line.len() - line.trim_start().len(),
                file: 0,
            };
            let d = Diag::new("netsh::shell-command", message, Some(help)).at(Some(at));
            eprint!("{}", d.render(INPUT, Some(line)));
            return;
        }
        self.input(line, INPUT);
    }

    fn print_changes(&mut self) {
        for line in change_lines(&self.take_changes()) {
            println!("{line}");
        }
    }

    fn take_changes(&mut self) -> Vec<crate::plan::OpKind> {
        self.ev
            .shared
            .borrow_mut()
            .applied
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Run a script file in the session (`:load`): a failure undoes the whole file.
    pub(crate) fn load(&mut self, file: &Path) -> bool {
        self.load_as(file, false)
    }

    /// Run the script the session starts from (`--load`, `run --inspect`): a failure keeps
    /// what it reached, to be looked at.
    pub(crate) fn load_kept(&mut self, file: &Path) -> bool {
        let ok = self.load_as(file, true);
        if !ok {
            let first = self
                .ev
                .shared
                .borrow()
                .model
                .namespaces
                .keys()
                .next()
                .cloned();
            let n = first.unwrap_or_else(|| "ns1".into());
            eprintln!(
                "lab {}: {} stopped at the error above; nothing was rolled back: look with pingall(), :show, ns(\"{n}\").why(\"ADDR\"), :sh {n}",
                self.lab,
                file.display()
            );
        }
        ok
    }

    fn load_as(&mut self, file: &Path, keep: bool) -> bool {
        let name = file.display().to_string();
        let src = match crate::script::read::read_script(file) {
            Ok(s) => s,
            Err(d) => {
                eprint!("{}", d.render(&name, None));
                return false;
            }
        };
        self.ev.set_script(file);
        let ok = self.input_as(&src, &name, keep);
        self.ev.set_dir(None);
        ok
    }

    fn names(&self) -> Names {
        let s = self.ev.shared.borrow();
        let mut objects: Vec<String> = s.model.namespaces.keys().cloned().collect();
        objects.extend(
            s.model
                .links
                .iter()
                .filter(|l| !l.deleted)
                .map(|l| l.name.clone()),
        );
        Names {
            variables: self.ev.variables(),
            receivers: self.ev.receivers(),
            objects,
        }
    }

    /// A meta command; `false` to leave.
    fn meta(&mut self, m: Meta) -> bool {
        match m {
            Meta::Quit => return false,
            Meta::Help(None) => print!("{}", help_text()),
            Meta::Help(Some(name)) if name.starts_with(':') => {
                match COMMANDS
                    .iter()
                    .find(|(c, _)| c.split(' ').next() == Some(name.as_str()))
                {
                    Some((c, what)) => println!("{c:<14}{what}"),
                    None => eprintln!("no command {name}: :help lists them all"),
                }
            }
            Meta::Help(Some(name)) => match crate::api::doc::render(Some(&name)) {
                Some(text) => print!("{text}"),
                None => {
                    let near = crate::api::doc::near(&name);
                    if near.is_empty() {
                        eprintln!("no function {name}: :help lists them all");
                    } else {
                        eprintln!("no function {name}: did you mean {}?", near.join(", "));
                    }
                }
            },
            Meta::Show => {
                let r = super::show::show(&mut self.ev.shared.borrow_mut());
                // During a plan: what the lab holds now, to mark what only the plan adds.
                let live = match self.plan.as_mut() {
                    Some(p) => Some(p.live(&self.ev, super::show::show)),
                    None => None,
                };
                self.print_changes();
                match (r, live) {
                    (Ok(text), Some(Ok(now))) => print!("{}", super::show::planned(&now, &text)),
                    (Ok(text), _) => print!("{text}"),
                    (Err(e), _) => eprintln!("error: {e}"),
                }
            }
            Meta::Plan => {
                if self.plan.is_some() {
                    eprintln!("already planning: :apply runs the planned lines");
                } else {
                    self.plan = Some(PlanMode::begin(&mut self.ev));
                    println!("planning: the following lines change nothing until :apply");
                }
            }
            Meta::Apply => match self.plan.take() {
                None => eprintln!("nothing is planned: :plan starts a plan"),
                Some(p) => {
                    let lines = p.end(&mut self.ev);
                    for l in &lines {
                        if !self.input(l, INPUT) {
                            eprintln!("stopped applying the plan at the line above");
                            break;
                        }
                    }
                }
            },
            Meta::Save { file, asserts } => {
                // Planned lines are not part of the lab until :apply.
                let n = self
                    .plan
                    .as_ref()
                    .map_or(self.ev.statements.len(), PlanMode::kept);
                match std::fs::write(&file, self.ev.script(n, asserts)) {
                    Ok(()) => println!(
                        "saved {n} statement{} to {}",
                        if n == 1 { "" } else { "s" },
                        file.display()
                    ),
                    Err(e) => eprintln!("error: cannot write {}: {e}", file.display()),
                }
            }
            Meta::Sh { place, cmd } => self.sh(&place, cmd.as_deref()),
            Meta::Load(file) => {
                self.load(&file);
            }
            Meta::Web(addr) => self.web(addr.as_deref()),
            Meta::Reset => self.reset(),
        }
        true
    }

    /// `:web [ADDR:PORT]`: starts the lab's page once; again, prints where it is.
    fn web(&mut self, addr: Option<&str>) {
        if let Some(w) = &self.web {
            println!("{}", w.url());
            return;
        }
        let addr = addr.unwrap_or("127.0.0.1:0");
        match crate::web::Server::start(addr, Some(self.lab.clone())) {
            Ok(w) => {
                println!("{}", w.url());
                println!("the page follows each line; it stops when the REPL ends");
                self.web = Some(w);
            }
            Err(e) => eprintln!("error: {e}"),
        }
    }

    /// `:sh NS [CMD]`: NS is a namespace's name, a variable holding one, or `host`.
    fn sh(&mut self, place: &str, cmd: Option<&str>) {
        let ns = match place {
            "host" => Netns::Root,
            p if crate::sys::nsfile::is_spec(p) => match Netns::adopt(p) {
                Ok(ns) => ns,
                Err(f) => {
                    eprintln!("error: {}", f.message);
                    if let Some(h) = f.help {
                        eprintln!("  help: {h}");
                    }
                    return;
                }
            },
            _ => self
                .ev
                .scope
                .get_value::<Stack>(place)
                .map_or_else(|| Netns::named(place), |st| st.ns),
        };
        let r = self.ev.shared.borrow_mut().shell(&Stack { ns }, cmd);
        match r {
            Ok(0) => {}
            Ok(code) => eprintln!("exit {code}"),
            Err(e) => {
                eprintln!("error: {}", e.message);
                if let Some(h) = e.help {
                    eprintln!("  help: {h}");
                }
            }
        }
    }

    /// Remove what the session built, and forget its variables and functions.
    fn reset(&mut self) {
        if let Some(p) = self.plan.take() {
            p.end(&mut self.ev);
        }
        {
            let mut s = self.ev.shared.borrow_mut();
            let s = &mut *s;
            s.pending.clear();
            let owned = s.journal.entries.iter().filter(|e| !e.adopted).count();
            let lab = s.journal.lab.clone();
            // The teardown runs whole: Ctrl-C now stops nothing (the next line listens again).
            s.cancel.settle();
            let failed = teardown(s.backend.as_mut(), &s.journal.undoable(), &lab);
            crate::lab::teardown::warn_failures(&failed);
            // What could not be removed stays in the journal, for `netsh down`.
            if failed.is_empty() {
                let _ = s.journal.clear();
            }
            s.model = Default::default();
            s.made.clear();
            println!("reset: removed {owned} objects; variables and functions forgotten");
        }
        self.ev.clear();
        if let Some(log) = self.ev.shared.borrow_mut().applied.as_mut() {
            log.clear();
        }
    }

    /// The loop, until `:quit` or Ctrl-D. Returns the exit code.
    /// The session, until :quit or Ctrl-D; an editor that cannot start is the one failure.
    pub(crate) fn run(&mut self) -> Result<(), String> {
        let config = Config::builder()
            .auto_add_history(false)
            .history_ignore_space(true)
            .completion_type(CompletionType::List)
            .max_history_size(10_000)
            .and_then(|b| b.history_ignore_dups(true))
            .map(|b| b.build())
            .unwrap_or_default();
        let mut rl: Editor<ReplHelper, DefaultHistory> = match Editor::with_config(config) {
            Ok(rl) => rl,
            Err(e) => return Err(format!("cannot start the line editor: {e}")),
        };
        let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        rl.set_helper(Some(ReplHelper {
            names: self.names(),
            colour,
        }));
        rl.bind_sequence(
            KeyEvent(KeyCode::Enter, Modifiers::NONE),
            EventHandler::Conditional(Box::new(IndentOnEnter)),
        );
        let history = history_file();
        if let Some(h) = &history {
            let _ = rl.load_history(h);
        }
        // A person at a terminal is greeted; lines piped in get their output only.
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            println!("{}", BANNER);
        }
        loop {
            match rl.readline(&self.prompt()) {
                Ok(line) => {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let _ = rl.add_history_entry(line.as_str());
                    if let Some(h) = &history {
                        let _ = rl.append_history(h);
                    }
                    let go_on = if line.trim_start().starts_with(':') {
                        match Meta::parse(&line) {
                            Ok(m) => self.meta(m),
                            Err(e) => {
                                eprintln!("{e}");
                                true
                            }
                        }
                    } else {
                        self.typed(&line);
                        true
                    };
                    if !go_on {
                        break;
                    }
                    let names = self.names();
                    if let Some(h) = rl.helper_mut() {
                        h.names = names;
                    }
                }
                // Ctrl-C at the prompt clears the line.
                Err(ReadlineError::Interrupted) => continue,
                Err(ReadlineError::Eof) => break,
                Err(e) => return Err(e.to_string()),
            }
        }
        // Leaving drops an unapplied plan.
        if let Some(p) = self.plan.take() {
            p.end(&mut self.ev);
        }
        self.farewell();
        Ok(())
    }

    fn farewell(&self) {
        let s = self.ev.shared.borrow();
        let owned = s.journal.entries.iter().filter(|e| !e.adopted).count();
        if owned == 0 {
            return;
        }
        if self.sandboxed {
            eprintln!(
                "lab {}: the sandbox ends with the session, and its {} with it",
                self.lab,
                crate::lab::objects(owned)
            );
            return;
        }
        eprintln!(
            "lab {}: kept {owned} objects; `netsh down --lab {}` removes them",
            self.lab, self.lab
        );
    }
}
