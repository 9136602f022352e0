//! `netsh doc [NAME]`: the DSL reference, read from the registrations as the REPL's `:help` is.

use super::error::Error;
use super::DocArgs;
use crate::api::doc::{near, render};

pub fn doc(a: DocArgs) -> Result<(), Error> {
    if let Some(text) = render(a.name.as_deref()) {
        print!("{text}");
        return Ok(());
    }
    let name = a.name.unwrap_or_default();
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
