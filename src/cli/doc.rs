//! `netsh doc [NAME]`: the DSL reference, read from the registrations as the REPL's `:help` is.

use super::DocArgs;
use crate::api::doc::{near, render};

pub fn doc(a: DocArgs) -> i32 {
    match render(a.name.as_deref()) {
        Some(text) => {
            print!("{text}");
            0
        }
        None => {
            let name = a.name.unwrap_or_default();
            let near = near(&name);
            if near.is_empty() {
                eprintln!("error: no function {name}\n  help: `netsh doc` lists them all");
            } else {
                eprintln!(
                    "error: no function {name}\n  help: did you mean {}?",
                    near.join(", ")
                );
            }
            1
        }
    }
}
