//! `Diag`: what went wrong, where, and what to do — rendered by miette with the call underlined.
//! Rendering is plain (no colour, fixed width) so that tests can pin the exact text.

use super::span::{call_len, offset};
use crate::sys::At;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    pub code: String,
    pub message: String,
    pub help: Option<String>,
    pub at: Option<At>,
}

impl Diag {
    pub(crate) fn new(code: &str, message: impl Into<String>, help: Option<String>) -> Self {
        Diag {
            code: code.to_string(),
            message: message.into(),
            help,
            at: None,
        }
    }

    pub(crate) fn at(mut self, at: Option<At>) -> Self {
        self.at = at;
        self
    }

    /// Render against the script it points into (`file` as the user named it).
    pub(crate) fn render(&self, file: &str, src: Option<&str>) -> String {
        // A position in a module: render against the module's own file.
        if let Some(a) = self.at.filter(|a| a.file != 0) {
            if let Some(path) = crate::sys::sources::path(a.file) {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    let mut d = self.clone();
                    d.at = Some(At { file: 0, ..a });
                    return d.render(&path, Some(&text));
                }
            }
        }
        let mut d = MietteDiagnostic::new(self.message.clone()).with_code(self.code.clone());
        if let Some(h) = &self.help {
            d = d.with_help(h.clone());
        }
        let span = match (src, self.at) {
            (Some(src), Some(at)) if at.line > 0 => offset(src, at.line, at.col.max(1)),
            _ => None,
        };
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_links(false);
        let mut out = String::new();
        let r = match (span, src) {
            (Some(off), Some(src)) => {
                let len = call_len(src, off).max(1);
                let d = d.with_label(LabeledSpan::at(off..off + len, "here"));
                let report = miette::Report::new(d)
                    .with_source_code(NamedSource::new(file, src.to_string()));
                handler.render_report(&mut out, report.as_ref())
            }
            _ => {
                let report = miette::Report::new(d);
                handler.render_report(&mut out, report.as_ref())
            }
        };
        if r.is_err() {
            out = format!("error: {}\n", self.message);
        }
        out
    }
}
