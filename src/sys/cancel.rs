//! `Cancel`: a token that asks running work to stop. A signal (Ctrl-C, SIGTERM, SIGHUP) sets the
//! process's token; the script engine stops at its next step, a running command is killed and
//! the backend stops between waves of requests, because each was handed the token, not because
//! a lower layer reads the script engine's state. The token remembers which signal came, for
//! the exit code (128 + signal).

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, OnceLock};

#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<State>);

#[derive(Debug, Default)]
struct State {
    /// A stop was asked and not yet acted on.
    stop: AtomicBool,
    /// The signal that asked (0: none, or the token was cancelled by hand).
    signal: AtomicI32,
    /// Signals are ignored: what runs now (a rollback) must run whole.
    settled: AtomicBool,
}

/// The token the signal handlers set: a handler may only store to atomics it can reach
/// without locks.
static PROCESS: OnceLock<Arc<State>> = OnceLock::new();

extern "C" fn on_signal(sig: nix::libc::c_int) {
    if let Some(s) = PROCESS.get() {
        if !s.settled.load(Ordering::SeqCst) {
            // The first signal names the stop; a second one only repeats it.
            let _ = s
                .signal
                .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
            s.stop.store(true, Ordering::SeqCst);
        }
    }
}

impl Cancel {
    /// The process's Ctrl-C token (the REPL: SIGTERM and SIGHUP still end it).
    pub(crate) fn on_sigint() -> Cancel {
        Self::on(&[Signal::SIGINT])
    }

    /// The process's token for a run: SIGINT, SIGTERM and SIGHUP set it instead of killing
    /// netsh mid-flush (the run then rolls back).
    pub(crate) fn on_stop_signals() -> Cancel {
        Self::on(&[Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP])
    }

    /// Every call returns the same token; each signal's handler is installed on every call.
    fn on(signals: &[Signal]) -> Cancel {
        let state = PROCESS.get_or_init(|| Arc::new(State::default()));
        let act = SigAction::new(
            SigHandler::Handler(on_signal),
            SaFlags::empty(),
            SigSet::empty(),
        );
        for s in signals {
            // Safety: the handler only touches atomics.
            let _ = unsafe { sigaction(*s, &act) };
        }
        Cancel(state.clone())
    }

    #[cfg(test)]
    pub(crate) fn cancel(&self) {
        self.0.stop.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked (and not yet acted on).
    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.stop.load(Ordering::SeqCst)
    }

    /// Acts on a stop: true once per request.
    pub(crate) fn take(&self) -> bool {
        self.0.stop.swap(false, Ordering::SeqCst)
    }

    /// The signal that asked to stop, if one did.
    pub(crate) fn signal(&self) -> Option<i32> {
        Some(self.0.signal.load(Ordering::SeqCst)).filter(|s| *s != 0)
    }

    /// What asked to stop, in a diagnostic's words: "Ctrl-C", "SIGTERM", ...
    pub(crate) fn words(&self) -> String {
        match self.signal() {
            None | Some(nix::libc::SIGINT) => "Ctrl-C".to_string(),
            Some(s) => {
                Signal::try_from(s).map_or_else(|_| format!("signal {s}"), |s| s.to_string())
            }
        }
    }

    /// The stop is being acted on: forget the request, and ignore signals from now on, so that
    /// the rollback (or teardown) that follows runs whole. `reset` listens again.
    pub(crate) fn settle(&self) {
        self.0.settled.store(true, Ordering::SeqCst);
        self.0.stop.store(false, Ordering::SeqCst);
    }

    /// Forget a request that came while nothing ran, and listen again (the REPL, before each
    /// line).
    pub(crate) fn reset(&self) {
        self.0.stop.store(false, Ordering::SeqCst);
        self.0.signal.store(0, Ordering::SeqCst);
        self.0.settled.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_sees_the_request_and_take_consumes_it() {
        let a = Cancel::default();
        let b = a.clone();
        assert!(!b.is_cancelled());
        a.cancel();
        assert!(b.is_cancelled());
        assert!(b.take());
        assert!(!a.is_cancelled());
        assert!(!a.take());
    }

    #[test]
    fn a_signal_is_remembered_and_ignored_once_settled() {
        let c = Cancel::on_stop_signals();
        c.reset();
        on_signal(nix::libc::SIGTERM);
        on_signal(nix::libc::SIGINT);
        assert!(c.is_cancelled());
        assert_eq!((c.signal(), c.words().as_str()), (Some(15), "SIGTERM"));
        c.settle();
        assert!(!c.is_cancelled());
        on_signal(nix::libc::SIGHUP);
        assert!(
            !c.is_cancelled(),
            "a signal during the rollback stops nothing"
        );
        assert_eq!(c.signal(), Some(15));
        c.reset();
        assert_eq!((c.signal(), c.words().as_str()), (None, "Ctrl-C"));
    }
}
