//! The Rhai engine: limits set, strict variables, `print` through the backend (so that a dry-run
//! prints `echo`), and every DSL function registered.

use crate::api::{self, Shared};
use rhai::Engine;

pub(crate) fn engine(shared: &Shared) -> Engine {
    let mut e = Engine::new();
    e.set_strict_variables(true);
    e.set_fail_on_invalid_map_property(true);
    e.set_max_call_levels(64);
    e.set_max_expr_depths(128, 64);
    // Rhai counts a map's strings together: exec's result holds two captured streams.
    e.set_max_string_size(2 * crate::plan::CAPTURE_LIMIT + (1 << 20));
    e.set_max_array_size(1 << 20);
    e.set_max_map_size(1 << 20);
    e.set_max_modules(64);
    // The session's token (Ctrl-C): the script stops at its next step, and the run rolls back.
    let cancel = shared.borrow().cancel.clone();
    e.on_progress(move |_| cancel.take().then(|| cancel.words().into()));
    let s = shared.clone();
    e.on_print(move |text| s.borrow_mut().backend.echo(text));
    e.on_debug(|text, _, pos| eprintln!("debug {pos}: {text}"));
    api::register(&mut e, shared);
    e
}
