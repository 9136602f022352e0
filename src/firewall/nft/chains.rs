//! The tables and built-in chains iptables-nft makes, with their hooks, priorities and types:
//! a table and a built-in chain are created on first use, as iptables-nft creates them.

/// A built-in chain: table, name, netfilter hook, priority and chain type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Builtin {
    pub(crate) table: &'static str,
    pub(crate) chain: &'static str,
    pub(crate) hook: u32,
    pub(crate) prio: i32,
    pub(crate) ty: &'static str,
}

const fn b(
    table: &'static str,
    chain: &'static str,
    hook: u32,
    prio: i32,
    ty: &'static str,
) -> Builtin {
    Builtin {
        table,
        chain,
        hook,
        prio,
        ty,
    }
}

// Hooks: 0 prerouting, 1 input, 2 forward, 3 output, 4 postrouting. In iptables-save's order
// of tables and, within a table, of chains.
const BUILTINS: [Builtin; 17] = [
    b("raw", "PREROUTING", 0, -300, "filter"),
    b("raw", "OUTPUT", 3, -300, "filter"),
    b("mangle", "PREROUTING", 0, -150, "filter"),
    b("mangle", "INPUT", 1, -150, "filter"),
    b("mangle", "FORWARD", 2, -150, "filter"),
    b("mangle", "OUTPUT", 3, -150, "route"),
    b("mangle", "POSTROUTING", 4, -150, "filter"),
    b("filter", "INPUT", 1, 0, "filter"),
    b("filter", "FORWARD", 2, 0, "filter"),
    b("filter", "OUTPUT", 3, 0, "filter"),
    b("security", "INPUT", 1, 150, "filter"),
    b("security", "FORWARD", 2, 150, "filter"),
    b("security", "OUTPUT", 3, 150, "filter"),
    b("nat", "PREROUTING", 0, -100, "nat"),
    b("nat", "INPUT", 1, 100, "nat"),
    b("nat", "OUTPUT", 3, -100, "nat"),
    b("nat", "POSTROUTING", 4, 100, "nat"),
];

/// iptables' tables, in the order iptables-save prints them (enum nft_table_type).
pub(crate) const TABLES: [&str; 5] = ["mangle", "security", "raw", "filter", "nat"];

pub(crate) fn builtin(table: &str, chain: &str) -> Option<Builtin> {
    BUILTINS
        .iter()
        .find(|b| b.table == table && b.chain == chain)
        .copied()
}

/// Where a chain comes in iptables-save's order: built-ins first, in their order, then user
/// chains by name.
pub(crate) fn order(table: &str, chain: &str) -> (usize, usize, String) {
    let t = TABLES
        .iter()
        .position(|t| *t == table)
        .unwrap_or(TABLES.len());
    match BUILTINS
        .iter()
        .position(|b| b.table == table && b.chain == chain)
    {
        Some(i) => (t, i, String::new()),
        None => (t, BUILTINS.len(), chain.to_string()),
    }
}
