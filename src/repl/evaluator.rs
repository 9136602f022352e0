//! `Evaluator`: one engine, one scope and the functions defined so far, kept across lines. A line
//! runs whole or not at all: when it fails, its variables, its model changes and the objects it
//! created are undone, so the session always stands as its successful lines built it — the
//! statements `:save` writes.

use super::call::{last_call, Call};
use super::value::{present, Context};
use crate::api::model::Model;
use crate::api::stack::Stack;
use crate::api::Shared;
use crate::lab::teardown::{rollback, warn_failures};
use crate::script::diagnostic::Diag;
use crate::script::errors::to_diag;
use crate::script::modules::StdlibResolver;
use crate::script::{engine, known};
use rhai::{Dynamic, Engine, Scope, AST};
use std::path::{Path, PathBuf};

pub(crate) struct Evaluator {
    pub(crate) engine: Engine,
    pub(crate) scope: Scope<'static>,
    /// The functions the session has defined (no statements).
    pub(crate) funcs: AST,
    pub(crate) shared: Shared,
    /// The statements that succeeded, in order, as typed.
    pub(crate) statements: Vec<String>,
    /// Per statement, what a `ping` it ends with answered (for `:save --asserts`).
    pub(crate) pinged: Vec<Option<bool>>,
    /// Lines run against a dry run (`:plan`): checks are not evaluated.
    pub(crate) planning: bool,
    /// The line's commands print as they run (`exec` typed at the prompt).
    pub(crate) streamed: bool,
    /// The last input failed in its final flush (not in the script).
    flush_failed: bool,
    /// Where the input being run comes from, for its imports.
    dir: Option<PathBuf>,
}

/// What a line left for the user to see: its value, when it has one.
pub(crate) type Value = Option<String>;

impl Evaluator {
    pub(crate) fn new(shared: &Shared) -> Self {
        let mut engine = engine::engine(shared);
        engine.set_module_resolver(StdlibResolver::new(None));
        Evaluator {
            engine,
            scope: Scope::new(),
            funcs: AST::empty(),
            shared: shared.clone(),
            statements: vec![],
            pinged: vec![],
            planning: false,
            streamed: false,
            flush_failed: false,
            dir: None,
        }
    }

    /// Modules are looked for next to the script being loaded (or the current folder).
    pub(crate) fn set_dir(&mut self, dir: Option<&Path>) {
        self.dir = dir.map(Path::to_path_buf);
        self.engine
            .set_module_resolver(StdlibResolver::new(dir.or(Some(Path::new(".")))));
    }

    /// Run a script file next: its modules are looked for next to it, and importing it is a cycle.
    pub(crate) fn set_script(&mut self, file: &Path) {
        self.dir = file.parent().map(Path::to_path_buf);
        self.engine
            .set_module_resolver(StdlibResolver::for_script(file));
    }

    /// Forget every variable and function.
    pub(crate) fn clear(&mut self) {
        self.scope = Scope::new();
        self.funcs = AST::empty();
        self.statements.clear();
        self.pinged.clear();
    }

    /// Run one input (a line, a block, or a whole file), flush it, and keep it when it succeeds.
    pub(crate) fn eval(&mut self, src: &str) -> Result<Value, Diag> {
        self.eval_as(src, false)
    }

    /// Run a script and keep what it reached even when it fails (`--inspect`, `--load`): its
    /// objects stay in the kernel, its variables and functions in the session, for a look.
    pub(crate) fn eval_kept(&mut self, src: &str) -> Result<Value, Diag> {
        self.eval_as(src, true)
    }

    fn eval_as(&mut self, src: &str, keep: bool) -> Result<Value, Diag> {
        self.shared.borrow().cancel.reset();
        let scope_before = self.scope.clone();
        let model_before: Model = self.shared.borrow().model.clone();
        let journal_before = self.shared.borrow().journal.mark();
        let (r, merged) = self.run(src);
        match r {
            Ok(value) => {
                self.funcs = merged.unwrap_or_else(AST::empty);
                self.funcs.clear_statements();
                self.statements.push(src.trim_end().to_string());
                let call = last_call(src);
                let pinged = call.as_ref().filter(|c| c.name == "ping");
                self.pinged.push(
                    pinged
                        .and_then(|_| value.as_bool().ok())
                        .filter(|_| !self.planning),
                );
                super::imports::keep_imports(&mut self.engine, src, self.dir.as_deref());
                Ok(self.show(call.as_ref(), value))
            }
            Err(d) if keep => {
                if let Some(mut m) = merged {
                    m.clear_statements();
                    self.funcs = m;
                }
                super::imports::keep_imports(&mut self.engine, src, self.dir.as_deref());
                // What the lines before the error asked for is built, so the lab stands as the
                // script reached it (unless building it is what failed).
                let mut s = self.shared.borrow_mut();
                s.cancel.settle();
                if !self.flush_failed && !s.pending.is_empty() {
                    if let Err(e) = s.flush() {
                        eprintln!(
                            "note: what the script asked for before the error: {}",
                            e.message
                        );
                    }
                }
                s.pending.clear();
                drop(s);
                Err(d)
            }
            Err(d) => {
                self.scope = scope_before;
                let mut s = self.shared.borrow_mut();
                let s = &mut *s;
                s.model = model_before;
                s.pending.clear();
                // The rollback runs whole: Ctrl-C now stops nothing (the next line listens again).
                s.cancel.settle();
                if !s.journal.since(&journal_before).is_empty() {
                    let (owned, failed) =
                        rollback(s.backend.as_mut(), &mut s.journal, &journal_before);
                    warn_failures(&failed);
                    if owned > 0 {
                        if let Some(log) = &mut s.applied {
                            log.clear();
                        }
                        eprintln!(
                            "rolled back the {} this line created",
                            crate::lab::objects(owned)
                        );
                    }
                }
                Err(d)
            }
        }
    }

    /// The input's value, and the session's functions with the input's (once it compiled).
    fn run(&mut self, src: &str) -> (Result<Dynamic, Diag>, Option<AST>) {
        let ast = match self.engine.compile_with_scope(&self.scope, src) {
            Ok(ast) => ast,
            Err(e) => {
                let known = known(&self.engine, Some(&self.funcs), src);
                return (Err(to_diag(&e.into(), &known)), None);
            }
        };
        let merged = self.funcs.merge(&ast);
        let r = self.run_ast(src, &merged);
        (r, Some(merged))
    }

    fn run_ast(&mut self, src: &str, merged: &AST) -> Result<Dynamic, Diag> {
        self.flush_failed = false;
        let value = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut self.scope, merged)
            .map_err(|e| to_diag(&e, &known(&self.engine, Some(merged), src)))?;
        // Ctrl-C during the line's last call (a command it ran) stops the line all the same.
        if self.shared.borrow().cancel.is_cancelled() {
            return Err(Diag::new(
                "netsh::interrupted",
                "interrupted (Ctrl-C)",
                None,
            ));
        }
        let flushed = self.shared.borrow_mut().flush();
        self.flush_failed = flushed.is_err();
        flushed.map_err(|e| {
            let mut d = Diag::new(e.code, e.message, e.help).at(e.at);
            // Ctrl-C stopped the flush between two waves of requests.
            if self.shared.borrow().cancel.signal().is_some() {
                d.code = "netsh::interrupted".into();
            }
            d
        })?;
        Ok(value)
    }

    /// A value as the script would debug-print it (links and namespaces by their DSL names);
    /// an array (links(), routes(), rules()) one element a line.
    fn show(&self, call: Option<&Call>, value: Dynamic) -> Value {
        if value.is_unit() {
            return None;
        }
        let place_of = |v: &str| self.scope.get_value::<Stack>(v).map(|s| s.ns.to_string());
        let cx = Context {
            planning: self.planning,
            streamed: self.streamed,
            place_of: &place_of,
        };
        if let Some(said) = present(call, &value, &cx) {
            return said;
        }
        if let Some(items) = value.read_lock::<rhai::Array>().filter(|a| a.len() > 1) {
            let lines: Vec<String> = items
                .iter()
                .map(|v| format!("  {},", self.debug(v.clone())))
                .collect();
            return Some(format!("[\n{}\n]", lines.join("\n")));
        }
        Some(self.debug(value))
    }

    fn debug(&self, value: Dynamic) -> String {
        let mut scope = Scope::new();
        scope.push("value", value.clone());
        self.engine
            .eval_with_scope::<String>(&mut scope, "to_debug(value)")
            .unwrap_or_else(|_| value.to_string())
    }

    /// The names of the variables, for completion.
    pub(crate) fn variables(&self) -> Vec<String> {
        self.scope.iter().map(|(n, _, _)| n.to_string()).collect()
    }

    /// What each variable holds, as the reference names receivers (for completion after `.`).
    pub(crate) fn receivers(&self) -> std::collections::HashMap<String, &'static str> {
        use crate::api::{firewall::FwRule, link::Link, vxlan::FdbEntry};
        let kind = |v: &Dynamic| -> Option<&'static str> {
            Some(match () {
                _ if v.is::<Link>() => "link",
                _ if v.is::<Stack>() => "stack",
                _ if v.is::<FwRule>() => "rule",
                _ if v.is::<FdbEntry>() => "fdb",
                _ if v.is::<rhai::Array>() => "rules",
                _ => return None,
            })
        };
        self.scope
            .iter_raw()
            .filter_map(|(n, _, v)| Some((n.to_string(), kind(v)?)))
            .collect()
    }

    /// The session's first `n` successful statements, as a script that rebuilds its state;
    /// with `asserts`, each answered `ping` as its assertion.
    pub(crate) fn script(&self, n: usize, asserts: bool) -> String {
        super::save::script(&self.statements, &self.pinged, n, asserts)
    }
}
