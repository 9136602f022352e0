//! `netsh doc [NAME]`: the DSL reference, read from the registrations as the REPL's `:help` is,
//! then the stdlib's modules, read from their files' `///` comments.

use super::error::Error;
use super::DocArgs;
use crate::api::doc::{near, render};

/// One stdlib function: `topo::star(n, subnet)`, what it does, and its example.
struct LibFn {
    sig: String,
    doc: String,
    example: Option<String>,
}

/// The documented functions of a module's source: each `fn` with the `///` lines above it, the
/// first of them `name(args): what it does`, an indented one its example.
fn lib_fns(module: &str, src: &str) -> Vec<LibFn> {
    let mut out = vec![];
    let mut comment: Vec<&str> = vec![];
    for line in src.lines() {
        if let Some(c) = line.strip_prefix("///") {
            comment.push(c);
            continue;
        }
        if line.starts_with("fn ") && !comment.is_empty() {
            let text: Vec<&str> = comment
                .iter()
                .filter(|c| !c.starts_with("   "))
                .map(|c| c.trim())
                .collect();
            let text = text.join(" ");
            let (sig, doc) = text.split_once(": ").unwrap_or(("", &text));
            let sig = match sig.is_empty() {
                true => line[3..].split('{').next().unwrap_or("").trim().to_string(),
                false => sig.to_string(),
            };
            out.push(LibFn {
                sig: format!("{module}::{sig}"),
                doc: doc.to_string(),
                example: comment
                    .iter()
                    .find(|c| c.starts_with("   "))
                    .map(|c| c.trim().to_string()),
            });
        }
        comment.clear();
    }
    out
}

/// The stdlib's functions, module by module.
fn stdlib() -> Vec<(String, Vec<LibFn>)> {
    crate::script::modules::stdlib_modules()
        .into_iter()
        .filter_map(|(m, path)| {
            let src = std::fs::read_to_string(path).ok()?;
            let fns = lib_fns(&m, &src);
            Some((m, fns))
        })
        .collect()
}

fn lib_text(f: &LibFn) -> String {
    let mut s = format!("{}  {}\n", f.sig, f.doc);
    if let Some(e) = &f.example {
        s.push_str(&format!("    e.g. {e}\n"));
    }
    s
}

pub fn doc(a: DocArgs) -> Result<(), Error> {
    let lib = stdlib();
    let Some(name) = a.name else {
        print!("{}", render(None).unwrap_or_default());
        for (m, fns) in &lib {
            println!("── stdlib: import \"{m}\" as {m};");
            for f in fns {
                print!("{}", lib_text(f));
            }
        }
        return Ok(());
    };
    if let Some(text) = render(Some(&name)) {
        print!("{text}");
        return Ok(());
    }
    // `star` or `topo::star`.
    let short = name.rsplit("::").next().unwrap_or(&name);
    let found: Vec<&LibFn> = lib
        .iter()
        .flat_map(|(_, fns)| fns)
        .filter(|f| f.sig.split('(').next().and_then(|s| s.rsplit("::").next()) == Some(short))
        .collect();
    if !found.is_empty() {
        for f in found {
            print!("{}", lib_text(f));
        }
        return Ok(());
    }
    let near = near(&name);
    let help = if near.is_empty() {
        "help: `netsh doc` lists them all".to_string()
    } else {
        format!("help: did you mean {}?", near.join(", "))
    };
    Err(Error::Failed(vec![
        format!("error: no function {name}"),
        format!("  {help}"),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdlib_functions_are_read_from_their_comments() {
        let src = "/// star(n, subnet): the star lab.\n/// More words.\n///   topo::star(3, \"10.1.0.0/24\");\nfn star(n, subnet) {\n}\nfn hidden() {}\n";
        let fns = lib_fns("topo", src);
        assert_eq!(fns.len(), 1);
        assert_eq!(
            lib_text(&fns[0]),
            "topo::star(n, subnet)  the star lab. More words.\n    e.g. topo::star(3, \"10.1.0.0/24\");\n"
        );
        // The stdlib shipped with netsh is found and documented.
        let lib = stdlib();
        assert!(lib
            .iter()
            .any(|(m, f)| m == "topo" && f.iter().any(|f| f.sig.starts_with("topo::star("))));
    }
}
