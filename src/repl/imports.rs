//! A module a line imports stays for the lines after it: Rhai forgets a run's imports when the
//! run ends, so the REPL registers each one under its alias.

use crate::script::modules::StdlibResolver;
use rhai::{Engine, ModuleResolver, Position};
use std::path::Path;

/// `import "path" as alias` statements in `src`: (path, alias).
pub(crate) fn imports(src: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut rest = src;
    while let Some(i) = rest.find("import") {
        rest = &rest[i + "import".len()..];
        let t = rest.trim_start();
        let Some(t) = t.strip_prefix('"') else {
            continue;
        };
        let Some(end) = t.find('"') else { break };
        let path = &t[..end];
        let Some(after) = t[end + 1..].trim_start().strip_prefix("as") else {
            continue;
        };
        let alias: String = after
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !alias.is_empty() {
            out.push((path.to_string(), alias));
        }
    }
    out
}

/// Register the modules `src` imported, so that `alias::f` works on the next lines.
pub(crate) fn keep_imports(engine: &mut Engine, src: &str, dir: Option<&Path>) {
    for (path, alias) in imports(src) {
        let resolver = StdlibResolver::new(dir);
        if let Ok(m) = resolver.resolve(engine, None, &path, Position::NONE) {
            engine.register_static_module(alias, m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::imports;

    #[test]
    fn finds_import_statements() {
        assert_eq!(
            imports("import \"topo\" as topo;\nlet x = 1; import \"lib/x\" as x2;"),
            [
                ("topo".to_string(), "topo".to_string()),
                ("lib/x".to_string(), "x2".to_string())
            ]
        );
        assert!(imports("// important\nlet x = \"import\";").is_empty());
    }
}
