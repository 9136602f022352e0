//! The Rhai engine: limits set, strict variables, `print` through the backend (so that a dry-run
//! prints `echo`), and every DSL function registered.

use crate::api::{self, Shared};
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use rhai::Engine;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by Ctrl-C; the engine stops at its next step, and the run rolls back.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: nix::libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Ctrl-C stops the script (and the run rolls back) instead of killing netsh mid-flush.
pub fn catch_interrupt() {
    let act = SigAction::new(
        SigHandler::Handler(on_sigint),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // Safety: the handler only stores to an atomic.
    let _ = unsafe { sigaction(Signal::SIGINT, &act) };
}

/// Whether Ctrl-C was pressed (and not yet acted on): a running command stops too.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Forget a Ctrl-C that came while no script ran (the REPL, before each line).
pub fn reset_interrupt() {
    INTERRUPTED.store(false, Ordering::SeqCst);
}

pub fn engine(shared: &Shared) -> Engine {
    let mut e = Engine::new();
    e.set_strict_variables(true);
    e.set_fail_on_invalid_map_property(true);
    e.set_max_call_levels(64);
    e.set_max_expr_depths(128, 64);
    e.set_max_string_size(1 << 20);
    e.set_max_array_size(1 << 20);
    e.set_max_map_size(1 << 16);
    e.set_max_modules(64);
    e.on_progress(|_| {
        INTERRUPTED
            .swap(false, Ordering::SeqCst)
            .then(|| "interrupted".into())
    });
    let s = shared.clone();
    e.on_print(move |text| s.borrow_mut().backend.echo(text));
    e.on_debug(|text, _, pos| eprintln!("debug {pos}: {text}"));
    api::register(&mut e, shared);
    e
}
