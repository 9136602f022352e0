//! `PlanError`: the plan layer's one error. A refusal before any change (a conflict with what
//! exists, something missing) or a kernel failure while applying, at the call that asked.

use crate::sys::At;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PlanError {
    /// `netsh::conflict`, `netsh::missing`, `netsh::kernel`, `netsh::journal`.
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    /// The call that recorded the op (set by the flush; the judge does not know it).
    pub(crate) at: At,
}

impl PlanError {
    pub(crate) fn new(
        code: &'static str,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        PlanError {
            code,
            message: message.into(),
            help,
            at: At::default(),
        }
    }

    /// It exists but does not match: named on both sides.
    pub(crate) fn conflict(message: impl Into<String>, help: impl Into<String>) -> Self {
        PlanError::new("netsh::conflict", message, Some(help.into()))
    }

    /// It does not exist.
    pub(crate) fn missing(message: impl Into<String>, help: impl Into<String>) -> Self {
        PlanError::new("netsh::missing", message, Some(help.into()))
    }

    pub(crate) fn at(self, at: At) -> Self {
        PlanError { at, ..self }
    }
}
