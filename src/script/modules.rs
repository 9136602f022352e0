//! `import "topo" as topo;`: modules are found in the script's own folder first, then next to
//! the binary (`stdlib/`, and the source tree's `stdlib/` for a binary under `target/`), then in
//! the source tree netsh was built from. A module's source is its file's path, so diagnostics
//! point into the module's own lines.

use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared};
use std::path::{Path, PathBuf};

pub struct StdlibResolver {
    dirs: Vec<PathBuf>,
}

impl StdlibResolver {
    pub fn new(script_dir: Option<&Path>) -> Self {
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
        StdlibResolver { dirs }
    }

    pub fn find(&self, path: &str) -> Option<PathBuf> {
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
        let mut ast = engine
            .compile_file(file.clone())
            .map_err(|e| Box::new(EvalAltResult::ErrorInModule(path.to_string(), e, pos)))?;
        ast.set_source(file.display().to_string());
        let m = Module::eval_ast_as_new(Scope::new(), &ast, engine)
            .map_err(|e| Box::new(EvalAltResult::ErrorInModule(path.to_string(), e, pos)))?;
        Ok(m.into())
    }
}
