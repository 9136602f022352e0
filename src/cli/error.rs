//! `Error`: how a subcommand fails. `main` renders it (the one place a failure is printed) and
//! exits with `code()` (the one place exit codes are chosen): 2 for a usage mistake, 128 + the
//! signal for a run a signal stopped, 1 for everything else; a verdict that says "blocked" is a
//! failure already shown.

use crate::script::diagnostic::Diag;

#[derive(Debug)]
pub enum Error {
    /// The command line is wrong: `error: …`, and what to do.
    Usage {
        message: String,
        help: Option<String>,
    },
    /// The command line is wrong, said as a diagnostic.
    UsageDiag(Diag),
    /// A diagnostic, rendered against the script it points into.
    Diag(Box<Located>),
    /// Failures in plain lines (`error: cannot …`).
    Failed(Vec<String>),
    /// The answer is no, and the output already says so (`netsh why`: blocked).
    Blocked,
    /// A signal stopped the run: the failure it caused, and the exit code 128 + signal.
    Interrupted { signal: i32, error: Box<Error> },
}

/// A diagnostic with the script it points into (`file`, `src`), then notes on what became of
/// the lab.
#[derive(Debug)]
pub struct Located {
    pub diag: Diag,
    pub file: String,
    pub src: Option<String>,
    pub notes: Vec<String>,
}

impl Error {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn diag(diag: Diag, file: &str, src: Option<&str>) -> Self {
        Error::Diag(Box::new(Located {
            diag,
            file: file.to_string(),
            src: src.map(str::to_string),
            notes: vec![],
        }))
    }

    /// One line: `error: {message}`.
    pub(crate) fn failed(message: impl Into<String>) -> Self {
        Error::Failed(vec![format!("error: {}", message.into())])
    }

    /// The failure of a run `signal` stopped (when one did): its diagnostic says so, and the
    /// exit code is 128 + signal.
    pub(crate) fn stopped_by(mut self, signal: Option<i32>) -> Self {
        let Some(signal) = signal else { return self };
        if let Error::Diag(l) = &mut self {
            l.diag.code = "netsh::interrupted".into();
        }
        Error::Interrupted {
            signal,
            error: Box::new(self),
        }
    }

    pub fn code(&self) -> i32 {
        match self {
            Error::Usage { .. } | Error::UsageDiag(_) => 2,
            Error::Diag(_) | Error::Failed(_) | Error::Blocked => 1,
            Error::Interrupted { signal, .. } => 128 + signal,
        }
    }

    pub fn render(&self) -> String {
        let lines = |v: &[String]| v.iter().map(|l| format!("{l}\n")).collect::<String>();
        match self {
            Error::Usage { message, help } => {
                let help = help
                    .as_ref()
                    .map(|h| format!("  {h}\n"))
                    .unwrap_or_default();
                format!("error: {message}\n{help}")
            }
            Error::UsageDiag(d) => d.render("", None),
            Error::Diag(l) => l.diag.render(&l.file, l.src.as_deref()) + lines(&l.notes).as_str(),
            Error::Failed(v) => lines(v),
            Error::Blocked => String::new(),
            Error::Interrupted { error, .. } => error.render(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_exits_2_and_everything_else_1() {
        let u = Error::Usage {
            message: "--svg needs a renderer netsh does not carry".into(),
            help: Some("netsh show --dot | dot -Tsvg > lab.svg".into()),
        };
        assert_eq!(u.code(), 2);
        assert_eq!(
            u.render(),
            "error: --svg needs a renderer netsh does not carry\n  netsh show --dot | dot -Tsvg > lab.svg\n"
        );
        let f = Error::failed("cannot read the state: No such device (ENODEV)");
        assert_eq!(f.code(), 1);
        assert_eq!(
            f.render(),
            "error: cannot read the state: No such device (ENODEV)\n"
        );
        assert_eq!(
            (Error::Blocked.code(), Error::Blocked.render()),
            (1, String::new())
        );
    }

    #[test]
    fn a_run_a_signal_stopped_exits_128_plus_the_signal() {
        let e = Error::failed("interrupted (SIGTERM)");
        assert_eq!(e.code(), 1);
        let e = e.stopped_by(Some(15));
        assert_eq!(
            (e.code(), e.render().as_str()),
            (143, "error: interrupted (SIGTERM)\n")
        );
        assert_eq!(Error::Blocked.stopped_by(None).code(), 1);
    }
}
