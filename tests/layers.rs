//! The walls between layers, read from the source: every `crate::` and `super::` path of every
//! file under src/ is resolved to the file that defines it. A module may import only layers below
//! its own, and no files may import each other, directly or in a loop. Each rule is also shown
//! failing on a planted violation, so the test cannot pass by reading nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, lowest first: a module may import only modules of a lower rank.
const LAYERS: &[&str] = &[
    "sys", "firewall", "plan", "why", "lab", "net", "remote", "web", "api", "script", "repl", "cli",
];

/// The files of a crate: path relative to src/ ("why/l2.rs") → text.
type Files = BTreeMap<String, String>;

fn read_src() -> Files {
    let mut files = Files::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(&root).unwrap().to_string_lossy().to_string();
                files.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    files
}

/// The module path of a file: "why/l2.rs" → ["why", "l2"]; "why/mod.rs" → ["why"].
fn module_of(file: &str) -> Vec<String> {
    let stem = file.trim_end_matches(".rs");
    let mut m: Vec<String> = stem.split('/').map(str::to_string).collect();
    if m.last()
        .is_some_and(|l| l == "mod" || l == "lib" || l == "main")
    {
        m.pop();
    }
    m
}

/// The file that defines module `m`, if any.
fn file_of(files: &Files, m: &[String]) -> Option<String> {
    if m.is_empty() {
        return Some("lib.rs".into());
    }
    let base = m.join("/");
    [format!("{base}.rs"), format!("{base}/mod.rs")]
        .into_iter()
        .find(|f| files.contains_key(f))
}

/// Code without comments and string literals (a path in a doc comment is not an import).
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        if in_str {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_str = false,
                '\n' => out.push('\n'),
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push_str("\"\"");
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            // A char literal holding a quote must not open a string.
            '\'' if chars.clone().nth(1) == Some('\'') => {
                chars.next();
                chars.next();
                out.push_str("' '");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every path a piece of code names: `use` trees expanded, and paths written inline.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut paths = vec![];
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let starts = ["crate::", "super::", "self::"]
            .iter()
            .find(|s| rest.starts_with(**s));
        match starts {
            Some(_) if boundary => {
                let end = tree_end(rest);
                expand(&rest[..end], &mut vec![], &mut paths);
                i += end.max(1);
            }
            _ => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    paths
}

/// Where a path (or a `use` tree with braces) ends.
fn tree_end(s: &str) -> usize {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            c if depth == 0 && !(c.is_alphanumeric() || c == '_' || c == ':') => return i,
            _ => {}
        }
    }
    s.len()
}

fn expand(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = segments(&tree[..open]);
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let n = prefix.len();
        prefix.extend(head);
        for part in split_top(inner) {
            expand(part, prefix, out);
        }
        prefix.truncate(n);
    } else {
        let mut p = prefix.clone();
        p.extend(segments(tree.split(" as ").next().unwrap_or("")));
        if !p.is_empty() {
            out.push(p);
        }
    }
}

fn segments(s: &str) -> Vec<String> {
    s.split("::")
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn split_top(s: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (vec![], 0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// What a file imports, by file. `pub use` in a module's own mod.rs (a facade) and `mod` lines
/// are not imports; a path through a facade's re-export leads to the file that defines it.
fn imports(files: &Files) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for (file, text) in files {
        let code = code_of(text);
        let facade = file.ends_with("mod.rs") || file == "lib.rs";
        let children = children_of(&code);
        let mut deps = BTreeSet::new();
        let mut inline_depth: Option<i32> = None;
        let mut depth = 0;
        for line in code.lines() {
            let t = line.trim_start();
            if inline_depth.is_none() && t.starts_with("mod ") && t.contains('{') {
                inline_depth = Some(depth);
            }
            depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            let inline = inline_depth.is_some();
            if inline_depth.is_some_and(|d| depth <= d) {
                inline_depth = None;
            }
            if facade && t.starts_with("pub use ") {
                continue;
            }
            let mut paths = paths_in(line);
            if !inline {
                paths.extend(child_paths(line, &children));
            }
            for p in paths {
                if let Some(dep) = resolve(files, file, &p, inline) {
                    if dep != *file {
                        deps.insert(dep);
                    }
                }
            }
        }
        graph.insert(file.clone(), deps);
    }
    graph
}

/// The modules a file declares (`mod x;`): a bare `x::f()` in it uses that child's file.
fn children_of(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let t = t.strip_prefix("pub ").unwrap_or(t);
            let t = t.strip_prefix("pub(crate) ").unwrap_or(t);
            let name = t.strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.trim().to_string())
        })
        .collect()
}

/// Paths through a declared child written without `self::`: `link::register(e)`.
fn child_paths(line: &str, children: &[String]) -> Vec<Vec<String>> {
    let mut v = vec![];
    for c in children {
        let pat = format!("{c}::");
        let mut from = 0;
        while let Some(i) = line[from..].find(&pat) {
            let at = from + i;
            let before = line[..at].chars().next_back();
            let free = !before.is_some_and(|b| b.is_alphanumeric() || b == '_' || b == ':');
            if free && !line.trim_start().starts_with("pub use ") {
                let end = at + tree_end(&line[at..]);
                expand(&format!("self::{}", &line[at..end]), &mut vec![], &mut v);
            }
            from = at + pat.len();
        }
    }
    v
}

/// The file a path names, from `file` (inside an inline `mod` block when `inline`).
fn resolve(files: &Files, file: &str, path: &[String], inline: bool) -> Option<String> {
    let mut m = module_of(file);
    let mut rest = path;
    match path.first()?.as_str() {
        "crate" => m.clear(),
        "self" => {}
        "super" => {
            // In an inline module, the first `super` is the file's own module.
            let mut first = inline;
            while rest.first().is_some_and(|s| s == "super") {
                if !first {
                    m.pop();
                }
                first = false;
                rest = &rest[1..];
            }
            return resolve_from(files, m, rest);
        }
        _ => return None,
    }
    rest = &rest[1..];
    resolve_from(files, m, rest)
}

fn resolve_from(files: &Files, mut m: Vec<String>, rest: &[String]) -> Option<String> {
    let mut found = file_of(files, &m)?;
    for seg in rest {
        m.push(seg.clone());
        match file_of(files, &m) {
            Some(f) => found = f,
            None => {
                // A name re-exported by a facade leads to the file that defines it.
                return Some(through_facade(files, &found, seg).unwrap_or(found));
            }
        }
    }
    Some(found)
}

fn through_facade(files: &Files, facade: &str, name: &str) -> Option<String> {
    let code = code_of(files.get(facade)?);
    for line in code
        .lines()
        .filter(|l| l.trim_start().starts_with("pub use "))
    {
        for p in paths_in(&format!(
            "self::{}",
            line.trim_start()["pub use ".len()..].trim_end_matches(';')
        )) {
            if p.last().is_some_and(|l| l == name) {
                return resolve(files, facade, &p, false);
            }
        }
    }
    None
}

fn layer(file: &str) -> Option<usize> {
    let top = file.split('/').next()?.trim_end_matches(".rs");
    LAYERS.iter().position(|l| *l == top)
}

/// Imports from a layer into one above it: "net/exec.rs imports script/engine.rs".
fn upward(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut v = vec![];
    for (file, deps) in graph {
        let Some(mine) = layer(file) else { continue };
        for d in deps {
            if layer(d).is_some_and(|theirs| theirs > mine) {
                v.push(format!("{file} imports {d}"));
            }
        }
    }
    v
}

/// Files that import each other, directly or in a loop (each loop once, as a path).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    // Tarjan's strongly connected components.
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<&'a str>>,
    }
    impl<'a> T<'a> {
        fn visit(&mut self, v: &'a str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on.insert(v);
            for w in self.g.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let l = self.low[v].min(self.low[w]);
                    self.low.insert(v, l);
                } else if self.on.contains(w) {
                    let l = self.low[v].min(self.index[w]);
                    self.low.insert(v, l);
                }
            }
            if self.low[v] == self.index[v] {
                let mut c = vec![];
                while let Some(w) = self.stack.pop() {
                    self.on.remove(w);
                    c.push(w);
                    if w == v {
                        break;
                    }
                }
                if c.len() > 1 {
                    c.sort();
                    self.out.push(c);
                }
            }
        }
    }
    let mut t = T {
        g: graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on: BTreeSet::new(),
        out: vec![],
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.out.into_iter().map(|c| c.join(" ↔ ")).collect()
}

#[test]
fn no_layer_imports_one_above_it() {
    let files = read_src();
    assert!(files.len() > 100, "read {} files from src/", files.len());
    let graph = imports(&files);
    // The walls are not empty: the layers do import what is below them.
    assert!(graph["net/apply.rs"].contains("plan/op.rs"));
    assert!(graph["why/kernel.rs"].contains("sys/netns.rs"));
    assert!(graph["api/mod.rs"].contains("api/link.rs"));
    for file in files.keys() {
        if file.contains('/') {
            assert!(
                layer(file).is_some(),
                "{file} is in no layer: add its folder to LAYERS"
            );
        }
    }
    assert_eq!(upward(&graph), Vec::<String>::new());
}

#[test]
fn no_files_import_each_other() {
    let graph = imports(&read_src());
    assert_eq!(cycles(&graph), Vec::<String>::new());
}

fn planted(files: &[(&str, &str)]) -> Files {
    files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

#[test]
fn a_planted_upward_import_is_found() {
    let files = planted(&[
        ("lib.rs", "pub mod net;\npub mod script;\n"),
        ("net/mod.rs", "pub mod exec;\n"),
        (
            "net/exec.rs",
            "// crate::script::engine in a comment is no import\nfn f() { if crate::script::engine::interrupted() {} }\n",
        ),
        ("script/mod.rs", "pub mod engine;\n"),
        ("script/engine.rs", "pub fn interrupted() -> bool { false }\n"),
    ]);
    assert_eq!(
        upward(&imports(&files)),
        vec!["net/exec.rs imports script/engine.rs"]
    );
}

#[test]
fn a_planted_loop_is_found_through_a_facade() {
    let files = planted(&[
        ("lib.rs", "pub mod why;\n"),
        (
            "why/mod.rs",
            "pub mod l2;\npub mod tunnel;\npub mod walk;\npub use walk::owner;\n",
        ),
        ("why/l2.rs", "use super::tunnel::tunnel;\n"),
        ("why/tunnel.rs", "use super::owner;\n"),
        (
            "why/walk.rs",
            "use super::{l2, tunnel as t};\npub fn owner() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
        ),
    ]);
    let graph = imports(&files);
    assert_eq!(
        graph["why/tunnel.rs"],
        BTreeSet::from(["why/walk.rs".to_string()])
    );
    assert_eq!(
        cycles(&graph),
        vec!["why/l2.rs ↔ why/tunnel.rs ↔ why/walk.rs"]
    );
}

#[test]
fn a_facade_and_its_child_using_each_other_is_a_loop() {
    let files = planted(&[
        ("lib.rs", "pub mod lab;\n"),
        (
            "lab/mod.rs",
            "pub mod journal;\npub fn objects() {}\nfn f() { journal::open(); }\n",
        ),
        ("lab/journal.rs", "pub fn open() { super::objects(); }\n"),
    ]);
    assert_eq!(
        cycles(&imports(&files)),
        vec!["lab/journal.rs ↔ lab/mod.rs"]
    );
}
