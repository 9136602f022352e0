//! `Cancel`: a token that asks running work to stop. Ctrl-C sets the process's token; the script
//! engine stops at its next step and a running command is killed, because each was handed the
//! token, not because a lower layer reads the script engine's state.

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

/// The token SIGINT sets: a handler may only store to an atomic it can reach without locks.
static SIGINT: OnceLock<Arc<AtomicBool>> = OnceLock::new();

extern "C" fn on_sigint(_: nix::libc::c_int) {
    if let Some(flag) = SIGINT.get() {
        flag.store(true, Ordering::SeqCst);
    }
}

impl Cancel {
    /// The process's Ctrl-C token: SIGINT sets it instead of killing netsh mid-flush (the run
    /// then rolls back). The handler is installed once; every call returns the same token.
    pub fn on_sigint() -> Cancel {
        let flag = SIGINT.get_or_init(|| {
            let act = SigAction::new(
                SigHandler::Handler(on_sigint),
                SaFlags::empty(),
                SigSet::empty(),
            );
            // Safety: the handler only stores to an atomic.
            let _ = unsafe { sigaction(Signal::SIGINT, &act) };
            Arc::new(AtomicBool::new(false))
        });
        Cancel(flag.clone())
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked (and not yet acted on).
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Acts on a stop: true once per request.
    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }

    /// Forget a request that came while nothing ran (the REPL, before each line).
    pub fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
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
}
