//! A case of the `why` catalogue as one row of a table: the lab, the fault injected by hand,
//! the flow, and what `why` must name (or that the flow stays clear). A test file holds a
//! table of rows and one `#[test]` per row that checks it.

use super::why_lab::{clear_from, diagnose_at, fixed_from};

/// A fault `why` names at `hop` by `cause`, fixed by `fix` (`other` as the other way).
pub struct Named<'a> {
    pub lab: &'a str,
    pub params: &'a str,
    pub inject: &'a str,
    pub flow: (&'a str, &'a str),
    pub hop: &'a str,
    pub cause: &'a str,
    pub fix: &'a str,
    pub other: Option<&'a str>,
}

impl<'a> Named<'a> {
    /// A case of `lab` built with `params`, on `flow`, with the fault and what is named yet to
    /// be filled in (`Named { inject, hop, cause, fix, ..BASE }`).
    pub const fn on(lab: &'a str, params: &'a str, flow: (&'a str, &'a str)) -> Self {
        Named {
            lab,
            params,
            inject: "",
            flow,
            hop: "",
            cause: "",
            fix: "",
            other: None,
        }
    }

    /// Build, inject, ask `why` and apply its fix: the exact report, then clear after the fix,
    /// then a real ping.
    pub fn check(&self) {
        let got = diagnose_at(self.lab, self.params, self.inject, self.flow, "", "");
        let want = fixed_from(self.flow, self.hop, self.cause, self.fix, self.other);
        assert_eq!(got, want, "{}: {} → {}", self.lab, self.flow.0, self.flow.1);
    }
}

/// Build `lab` with `params` and inject `inject`: `why` finds `flow` clear and a real ping
/// passes.
pub fn stays_clear(lab: &str, params: &str, inject: &str, flow: (&str, &str)) {
    let got = diagnose_at(lab, params, inject, flow, "", "");
    assert_eq!(got, clear_from(flow), "{lab}: {} → {}", flow.0, flow.1);
}
