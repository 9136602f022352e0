//! `netsh check FILE`: a dry-run that prints nothing but diagnostics; no root needed.

use super::run::{check_params, read_script};
use super::{parse_params, CheckArgs};
use crate::api::{Session, Shared};
use crate::lab::Journal;
use crate::plan::dry_run::DryRun;
use crate::script;
use std::cell::RefCell;
use std::rc::Rc;

pub fn check(a: CheckArgs) -> i32 {
    let file = a.file.display().to_string();
    let src = match read_script(&a.file) {
        Ok(s) => s,
        Err(d) => {
            eprint!("{}", d.render(&file, None));
            return 1;
        }
    };
    let params = match parse_params(&a.params).and_then(|p| {
        check_params(&file, &src, &p)?;
        Ok(p)
    }) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let lab = super::lab_name::lab_name(Some(&a.file), None).unwrap_or_else(|_| "check".into());
    let backend = Box::new(DryRun::new(Box::new(std::io::sink()), true));
    let shared: Shared = Rc::new(RefCell::new(Session::new(
        backend,
        Journal::in_memory(&lab),
        params,
    )));
    match script::run(&shared, &src, a.file.parent()) {
        Ok(()) => 0,
        Err(d) => {
            eprint!("{}", d.render(&file, Some(&src)));
            1
        }
    }
}
