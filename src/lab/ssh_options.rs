//! How the controller reaches a machine: what `host("h150", #{ ssh: … })` said, kept in the
//! controller's journal so that `netsh down` reaches the machine again.

use serde::{Deserialize, Serialize};

/// `host("h150", #{ ssh: "root@192.0.2.150", port: 22, identity: "…", netsh: "…" })`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SshOptions {
    /// `user@address` (or a Host of ~/.ssh/config).
    pub(crate) ssh: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) identity: Option<String>,
    /// The far side's netsh; default `netsh` on its PATH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) netsh: Option<String>,
}
