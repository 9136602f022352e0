//! The DSL: one file per object kind. Each validates its arguments, updates the script's model and
//! records `Op`s with the position of the call; nothing here talks to the kernel.

pub mod addr;
pub mod adopted;
pub mod backend;
pub mod cable;
pub mod check;
pub mod connect;
pub mod create;
pub mod doc;
pub mod error;
pub mod firewall;
pub mod link;
pub mod model;
pub mod named;
pub mod names;
pub mod param;
pub mod pingall;
pub mod plain_text;
pub mod query;
pub mod route;
pub mod session;
pub mod stack;
pub mod sysctl;
pub mod sysctl_range;
pub mod vxlan;
pub mod why;
pub mod wire;

pub use error::DslError;
pub use session::{Session, Shared};

/// Register every DSL function on the engine.
pub fn register(engine: &mut rhai::Engine, shared: &Shared) {
    stack::register(engine, shared);
    link::register(engine, shared);
    create::register(engine, shared);
    route::register(engine, shared);
    sysctl::register(engine, shared);
    check::register(engine, shared);
    query::register(engine, shared);
    connect::register(engine, shared);
    param::register(engine, shared);
    firewall::register(engine, shared);
    wire::register(engine, shared);
    vxlan::register(engine, shared);
    why::register(engine, shared);
    pingall::register(engine, shared);
}
