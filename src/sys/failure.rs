//! `Failure`: a kernel (or system) error, with its errno when there is one. The error type of the
//! layers that talk to the kernel (net, firewall) and of the traits plan asks them through.

use super::errno::errno_words;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub errno: Option<i32>,
    /// What to do, when the failing layer knows better than the errno (a missing program).
    pub help: Option<String>,
}

impl Failure {
    pub(crate) fn new(message: impl Into<String>, errno: Option<i32>) -> Self {
        Failure {
            message: message.into(),
            errno,
            help: None,
        }
    }

    /// "…: No such file or directory (ENOENT)": the system's words and the errno's name.
    pub(crate) fn from_io(e: &std::io::Error) -> Self {
        let s = errno_words(e);
        // A wrapped error keeps its kind but not its errno: recover the common ones.
        let errno = e.raw_os_error().or(match e.kind() {
            std::io::ErrorKind::NotFound => Some(2),
            std::io::ErrorKind::PermissionDenied => Some(13),
            std::io::ErrorKind::AlreadyExists => Some(17),
            _ => None,
        });
        Failure::new(s, errno)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}
