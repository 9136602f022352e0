//! `import "topo" as topo;`: modules are found in the script's own folder first, then next to
//! the binary (`stdlib/`, and the source tree's `stdlib/` for a binary under `target/`), then in
//! the source tree netsh was built from. A module's source is its file's path, so diagnostics
//! point into the module's own lines. A module that imports a file still being imported (itself,
//! or the script that imported it) is a cycle, reported at the import that starts it.

use crate::api::DslError;
use crate::sys::At;
use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared};
use std::cell::RefCell;
use std::path::{Path, PathBuf};

pub(crate) struct StdlibResolver {
    dirs: Vec<PathBuf>,
    /// The files being imported, outermost first (the script run, when known), each with the
    /// position of the import that brought it in (in the file before it).
    importing: RefCell<Vec<(PathBuf, Position)>>,
    /// Whether the first of `importing` is the script run (its lines are file 0).
    rooted: bool,
}

/// The stdlib's modules (`topo`, …): each `name.rhai` in the first folder that holds any.
pub(crate) fn stdlib_modules() -> Vec<(String, PathBuf)> {
    let r = StdlibResolver::new(None);
    for d in &r.dirs {
        let Ok(entries) = std::fs::read_dir(d) else {
            continue;
        };
        let mut out: Vec<(String, PathBuf)> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "rhai"))
            .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p.clone())))
            .collect();
        if !out.is_empty() {
            out.sort();
            return out;
        }
    }
    vec![]
}

impl StdlibResolver {
    pub(crate) fn new(script_dir: Option<&Path>) -> Self {
        let mut dirs = vec![];
        if let Some(d) = script_dir {
            dirs.push(d.to_path_buf());
        }
        if let Some(exe_dir) = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf))
        {
            dirs.push(exe_dir.join("stdlib"));
            // target/{debug,release}/netsh → the source tree's stdlib/
            dirs.push(exe_dir.join("../../stdlib"));
        }
        dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib"));
        StdlibResolver {
            dirs,
            importing: RefCell::new(vec![]),
            rooted: false,
        }
    }

    /// The resolver for the script `file` (its folder first); an import of the script itself is
    /// a cycle, and one in the script is reported in its lines.
    pub(crate) fn for_script(file: &Path) -> Self {
        let mut r = StdlibResolver::new(Some(file.parent().unwrap_or(Path::new("."))));
        let root = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
        r.importing.borrow_mut().push((root, Position::NONE));
        r.rooted = true;
        r
    }

    pub(crate) fn find(&self, path: &str) -> Option<PathBuf> {
        let file = if path.ends_with(".rhai") {
            path.to_string()
        } else {
            format!("{path}.rhai")
        };
        self.dirs
            .iter()
            .map(|d| d.join(&file))
            .find(|p| p.is_file())
            .map(|p| p.canonicalize().unwrap_or(p))
    }

    /// `file`, imported at `pos`, is being imported already: the chain from there, pointed at
    /// the import that starts it.
    fn cycle(&self, file: &Path, pos: Position) -> Option<Box<EvalAltResult>> {
        let importing = self.importing.borrow();
        let k = importing.iter().position(|(f, _)| f == file)?;
        let name = |f: &Path| {
            f.file_name()
                .map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into())
        };
        let chain: Vec<String> = importing[k..]
            .iter()
            .map(|(f, _)| name(f))
            .chain([name(file)])
            .collect();
        // The import in the cycle's first file: of the next one, or (a file importing itself) this.
        let start = importing.get(k + 1).map_or(pos, |(_, p)| *p);
        let in_file = if k == 0 && self.rooted {
            0
        } else {
            crate::sys::sources::intern(&importing[k].0.display().to_string())
        };
        let e = DslError {
            code: "netsh::import-cycle",
            message: format!("import cycle: {}", chain.join(" → ")),
            help: Some(match &chain[..] {
                [me, _] => format!("{me} imports itself: remove that import"),
                [.., by, of] => format!(
                    "{by} imports {of}, which is importing it: move what they share into a module that imports neither"
                ),
                _ => unreachable!("a chain has two files at least"),
            }),
            at: start.line().map(|line| At {
                line,
                col: start.position().unwrap_or(1),
                file: in_file,
            }),
        };
        Some(e.into_rhai(pos))
    }

    fn is_cycle(e: &EvalAltResult) -> bool {
        matches!(e, EvalAltResult::ErrorRuntime(d, _)
            if d.read_lock::<DslError>().is_some_and(|e| e.code == "netsh::import-cycle"))
    }
}

impl ModuleResolver for StdlibResolver {
    fn resolve(
        &self,
        engine: &Engine,
        _source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let Some(file) = self.find(path) else {
            return Err(Box::new(EvalAltResult::ErrorModuleNotFound(
                path.to_string(),
                pos,
            )));
        };
        if let Some(e) = self.cycle(&file, pos) {
            return Err(e);
        }
        let in_module = |e: Box<EvalAltResult>| {
            // A cycle is told once, where it starts, not wrapped in every module on the way.
            if Self::is_cycle(&e) {
                e
            } else {
                Box::new(EvalAltResult::ErrorInModule(path.to_string(), e, pos))
            }
        };
        let mut ast = engine.compile_file(file.clone()).map_err(in_module)?;
        ast.set_source(file.display().to_string());
        self.importing.borrow_mut().push((file, pos));
        let m = Module::eval_ast_as_new(Scope::new(), &ast, engine);
        self.importing.borrow_mut().pop();
        Ok(m.map_err(in_module)?.into())
    }
}
