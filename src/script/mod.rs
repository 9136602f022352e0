//! Running a script: the engine, parameters, and errors turned into diagnostics at the call.

pub mod diagnostic;
pub(crate) mod engine;
pub(crate) mod errors;
pub(crate) mod handle;
pub(crate) mod modules;
pub(crate) mod read;
pub(crate) mod span;

use crate::api::Shared;
use diagnostic::Diag;
use errors::{to_diag, Known};
use rhai::Engine;

/// The names `param("...")` reads in a script, to reject a `-p` the script never reads.
pub(crate) fn declared_params(src: &str) -> Vec<String> {
    let mut out = vec![];
    let mut rest = src;
    while let Some(i) = rest.find("param(") {
        rest = &rest[i + 6..];
        let t = rest.trim_start();
        if let Some(t) = t.strip_prefix('"') {
            if let Some(end) = t.find('"') {
                out.push(t[..end].to_string());
            }
        }
    }
    out
}

pub(crate) fn known<'a>(engine: &Engine, ast: Option<&rhai::AST>, src: &'a str) -> Known<'a> {
    let mut functions = vec![];
    for sig in engine.gen_fn_signatures(false) {
        // "bridge(_: &str) -> Link" → ("bridge", "string")
        let Some(open) = sig.find('(') else { continue };
        let name = sig[..open].trim().to_string();
        let close = sig.rfind(')').unwrap_or(sig.len());
        let args = sig[open + 1..close]
            .split(',')
            .filter(|a| !a.trim().is_empty())
            .map(|a| {
                let t = a.rsplit(':').next().unwrap_or(a).trim();
                match t {
                    "&str" | "ImmutableString" | "String" => "string".to_string(),
                    "i64" => "integer".to_string(),
                    "f64" => "float".to_string(),
                    "&mut Stack" | "Stack" => "Stack".to_string(),
                    "&mut Link" | "Link" => "Link".to_string(),
                    "Dynamic" => "any".to_string(),
                    other => other.rsplit("::").next().unwrap_or(other).to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        functions.push((name, args));
    }
    if let Some(ast) = ast {
        for f in ast.iter_functions() {
            functions.push((f.name.to_string(), vec!["any"; f.params.len()].join(", ")));
        }
    }
    Known { functions, src }
}

/// Compile and run `src` in the session, then flush what is left. Errors become diagnostics.
/// `file` is the script's (its modules are looked for in its folder first; importing it is a cycle).
pub fn run(shared: &Shared, src: &str, file: Option<&std::path::Path>) -> Result<(), Diag> {
    let mut engine = engine::engine(shared);
    engine.set_module_resolver(match file {
        Some(f) => modules::StdlibResolver::for_script(f),
        None => modules::StdlibResolver::new(None),
    });
    let ast = engine
        .compile(src)
        .map_err(|e| to_diag(&e.into(), &known(&engine, None, src)))?;
    engine
        .run_ast(&ast)
        .map_err(|e| to_diag(&e, &known(&engine, Some(&ast), src)))?;
    let r = shared.borrow_mut().flush();
    r.map_err(|e| Diag::new(e.code, e.message, e.help).at(e.at))?;
    // A stop asked during the script's last call (a ping) stops the run all the same.
    let cancel = shared.borrow().cancel.clone();
    if cancel.take() {
        return Err(Diag::new(
            "netsh::interrupted",
            format!("interrupted ({})", cancel.words()),
            Some("the run stopped at its end; what it built is rolled back unless --keep".into()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod firewall_tests;
#[cfg(test)]
mod tests;
