//! "Why can't A reach B?": the analysis. Pure code over `trait Kernel` (what the kernel says
//! about each namespace), so every cause and fix is testable from synthetic inputs.

pub mod cached;
pub mod chain;
pub mod crossed;
pub mod decision;
pub mod kernel;
pub mod l2;
pub mod link_detail;
pub mod no_route;
pub mod owner;
pub mod packet;
pub mod probe;
pub mod report;
pub mod route_get;
pub mod tunnel;
pub mod walk;
pub mod way_back;
pub mod words;

#[cfg(test)]
mod tests;

pub use kernel::Kernel;
pub use link_detail::{LinkDetail, VxlanInfo};
pub use report::Report;
pub use route_get::RouteGet;
pub use walk::walk;
