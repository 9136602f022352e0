//! What judging one op against the kernel decided.

use super::op::OpKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Verdict {
    /// The lab makes a new object.
    Create,
    /// The lab changes a setting of an existing object (up, master, mtu, a sysctl).
    Change,
    /// It exists and the journal says this lab made it: a replay.
    Unchanged,
    /// It existed before, made by someone else, and matches: used, never deleted.
    Adopted,
}

/// The kernel requests one judged op turns into (none when nothing is to be done).
#[derive(Clone, Debug)]
pub(crate) struct Judged {
    pub(crate) verdict: Verdict,
    pub(crate) steps: Vec<OpKind>,
}

impl Judged {
    pub(crate) fn apply(verdict: Verdict, op: &OpKind) -> Self {
        Judged {
            verdict,
            steps: vec![op.clone()],
        }
    }

    pub(crate) fn nothing(verdict: Verdict) -> Self {
        Judged {
            verdict,
            steps: vec![],
        }
    }
}
