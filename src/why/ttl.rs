//! How far a walk goes: no packet crosses more routers than its TTL allows.

/// Linux's default TTL (net.ipv4.ip_default_ttl).
pub(crate) const CAP: usize = 64;
