//! "Why can't A reach B?": the analysis. Pure code over `trait Kernel` (what the kernel says
//! about each namespace), so every cause and fix is testable from synthetic inputs.

pub(crate) mod absent;
pub(crate) mod arp;
pub(crate) mod back_gateway;
pub(crate) mod back_link;
pub(crate) mod back_loop;
pub(crate) mod cached;
pub mod connect;
pub(crate) mod counted;
pub(crate) mod crossed;
pub(crate) mod dead_peer;
pub(crate) mod dnat_target;
pub(crate) mod down_detour;
pub(crate) mod drops;
pub(crate) mod duplicate;
pub(crate) mod ends;
pub(crate) mod evidence;
pub(crate) mod far_bridge;
pub mod fib;
pub(crate) mod fib_lookup;
pub(crate) mod forward;
pub(crate) mod hook_points;
pub(crate) mod hooks;
pub(crate) mod ignored;
pub mod kernel;
pub(crate) mod l2;
pub(crate) mod l4;
pub mod link_detail;
pub mod link_l2;
pub(crate) mod loops;
pub(crate) mod lost_addr;
pub(crate) mod lost_vtep;
pub(crate) mod mtu;
pub(crate) mod mtu_fix;
pub(crate) mod netmask;
pub(crate) mod netmask_narrow;
pub(crate) mod nft_foreign;
pub(crate) mod no_route;
pub(crate) mod not_router;
pub(crate) mod own_copy;
pub(crate) mod owner;
pub(crate) mod packet;
pub(crate) mod port_state;
pub(crate) mod port_vlan;
pub(crate) mod probe;
pub(crate) mod probe_tcp;
pub(crate) mod refused;
pub(crate) mod report;
pub(crate) mod route_fix;
pub mod route_get;
pub(crate) mod rp_back;
pub(crate) mod rule_match;
pub(crate) mod segment;
pub(crate) mod sender_neigh;
pub mod sighting;
pub(crate) mod snat_held;
pub(crate) mod tcp_match;
pub(crate) mod toward;
pub(crate) mod trail;
pub(crate) mod traverse;
pub(crate) mod ttl;
pub(crate) mod ttl_rule;
pub(crate) mod tunnel;
pub(crate) mod tunnel_far;
pub(crate) mod udp_input;
pub(crate) mod underlay_up;
pub(crate) mod untracked;
pub(crate) mod vanished;
pub(crate) mod vtep;
pub(crate) mod walk;
pub(crate) mod watch;
pub(crate) mod way_back;
pub(crate) mod words;

#[cfg(test)]
mod evidence_tests;
#[cfg(test)]
mod rule_tests;
#[cfg(test)]
mod tests;

pub use kernel::Kernel;
pub use link_detail::{LinkDetail, VxlanInfo};
pub(crate) use report::Report;
pub use route_get::{Lookup, Refusal, RouteGet, RouteKind};
pub use sighting::Sighting;
