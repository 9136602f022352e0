//! `Evaluator`: one engine, one scope and the functions defined so far, kept across lines. A line
//! runs whole or not at all: when it fails, its variables, its model changes and the objects it
//! created are undone, so the session always stands as its successful lines built it — the
//! statements `:save` writes.

use crate::api::model::Model;
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
    }

    /// Run one input (a line, a block, or a whole file), flush it, and keep it when it succeeds.
    pub(crate) fn eval(&mut self, src: &str) -> Result<Value, Diag> {
        self.shared.borrow().cancel.reset();
        let scope_before = self.scope.clone();
        let model_before: Model = self.shared.borrow().model.clone();
        let journal_before = self.shared.borrow().journal.mark();
        match self.run(src) {
            Ok((value, merged)) => {
                self.funcs = merged;
                self.funcs.clear_statements();
                self.statements.push(src.trim_end().to_string());
                super::imports::keep_imports(&mut self.engine, src, self.dir.as_deref());
                Ok(self.show(value))
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

    fn run(&mut self, src: &str) -> Result<(Dynamic, AST), Diag> {
        let ast = self
            .engine
            .compile_with_scope(&self.scope, src)
            .map_err(|e| to_diag(&e.into(), &known(&self.engine, Some(&self.funcs), src)))?;
        let merged = self.funcs.merge(&ast);
        let value = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut self.scope, &merged)
            .map_err(|e| to_diag(&e, &known(&self.engine, Some(&merged), src)))?;
        // Ctrl-C during the line's last call (a command it ran) stops the line all the same.
        if self.shared.borrow().cancel.is_cancelled() {
            return Err(Diag::new(
                "netsh::interrupted",
                "interrupted (Ctrl-C)",
                None,
            ));
        }
        let flushed = self.shared.borrow_mut().flush();
        flushed.map_err(|e| {
            let mut d = Diag::new(e.code, e.message, e.help).at(e.at);
            // Ctrl-C stopped the flush between two waves of requests.
            if self.shared.borrow().cancel.signal().is_some() {
                d.code = "netsh::interrupted".into();
            }
            d
        })?;
        Ok((value, merged))
    }

    /// A value as the script would debug-print it (links and namespaces by their DSL names);
    /// an array (links(), routes(), rules()) one element a line.
    fn show(&self, value: Dynamic) -> Value {
        if value.is_unit() {
            return None;
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

    /// The session's first `n` successful statements, as a script that rebuilds its state.
    pub(crate) fn script(&self, n: usize) -> String {
        let mut out = String::from("// saved by the netsh REPL\n");
        for s in self.statements.iter().take(n) {
            out.push_str(s);
            if !s.ends_with(';') {
                out.push(';');
            }
            out.push('\n');
        }
        out
    }
}
