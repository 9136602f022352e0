//! `netsh check FILE`: a dry-run that prints nothing but diagnostics; no root needed.

use super::error::Error;
use super::run::load;
use super::CheckArgs;
use crate::api::{Session, Shared};
use crate::lab::Journal;
use crate::script;
use std::cell::RefCell;
use std::rc::Rc;

pub fn check(a: CheckArgs) -> Result<(), Error> {
    let file = a.file.display().to_string();
    let (src, params) = load(&a.file, &a.params)?;
    let lab = super::lab_name::lab_name(Some(&a.file), None).unwrap_or_else(|_| "check".into());
    let backend = Box::new(crate::plan::dry_run::dry_run(
        Box::new(std::io::sink()),
        true,
    ));
    let shared: Shared = Rc::new(RefCell::new(Session::new(
        backend,
        Journal::in_memory(&lab),
        params,
    )));
    script::run(&shared, &src, Some(&a.file)).map_err(|d| Error::diag(d, &file, Some(&src)))
}
