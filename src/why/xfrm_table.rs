//! The IPsec policies and SAs of one namespace, as `ip xfrm policy` and `ip xfrm state`
//! list them.

use ipnet::IpNet;
use std::net::IpAddr;

/// One template of a policy: the SA the packet must go through (`tmpl src … dst … proto esp
/// mode tunnel`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XfrmTmpl {
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub proto: String,
    pub mode: String,
    pub reqid: u32,
    /// `level use`: the template is optional.
    pub optional: bool,
}

/// A policy as `ip xfrm policy` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XfrmPolicy {
    pub src: IpNet,
    pub dst: IpNet,
    /// `proto N` of the selector (0: any).
    pub proto: u8,
    /// `out`, `fwd` or `in`.
    pub dir: String,
    pub priority: u32,
    /// `action block`.
    pub block: bool,
    pub tmpls: Vec<XfrmTmpl>,
}

/// An SA as `ip xfrm state` lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XfrmState {
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub proto: String,
    pub mode: String,
    pub reqid: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Xfrm {
    pub policies: Vec<XfrmPolicy>,
    pub states: Vec<XfrmState>,
}
