//! One address of a link as `ip addr` lists it, with what the kernel's source choice reads:
//! whether it is a secondary, its scope, a point-to-point peer, and whether DAD failed.

use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfAddr {
    pub link: String,
    /// The address itself (IFA_LOCAL).
    pub local: IpAddr,
    /// The prefix length, of the peer's network where there is a peer.
    pub prefix: u8,
    /// The far end of a point-to-point address (`peer P/N`: IFA_ADDRESS other than IFA_LOCAL).
    pub peer: Option<IpAddr>,
    /// 0 global, 200 site, 253 link, 254 host.
    pub scope: u8,
    /// IFA_F_SECONDARY: another address of the link already covers its network.
    pub secondary: bool,
    /// IFA_F_DADFAILED: another host on the link held the address when it was added
    /// (`dadfailed tentative`); the kernel never uses it (no local route, not a source).
    pub dadfailed: bool,
    /// IFA_F_TENTATIVE: duplicate address detection is still running (or failed).
    pub tentative: bool,
}
