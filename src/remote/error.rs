//! `RemoteError`: what went wrong with a far machine, naming it, with what to do.

/// The session turns it into a diagnostic at the script line that reached the machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RemoteError {
    pub(crate) message: String,
    pub(crate) help: String,
}

impl RemoteError {
    pub(crate) fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        RemoteError {
            message: message.into(),
            help: help.into(),
        }
    }
}

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n  help: {}", self.message, self.help)
    }
}
