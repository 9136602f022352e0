//! What layer 2 and the path MTU need of a link beyond `LinkDetail`: MTU, MAC, ARP off, and a
//! bridge port's STP state.

/// The all-zeros MAC: a VXLAN FDB's flood entry (`bridge fdb append 00:00:00:00:00:00 ...`).
pub const ZEROS: &str = "00:00:00:00:00:00";

/// A bridge port's state as the kernel numbers it (`bridge link` prints the words).
pub const FORWARDING: u8 = 3;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkL2 {
    pub name: String,
    pub mtu: u32,
    /// `aa:bb:cc:dd:ee:ff`.
    pub mac: Option<String>,
    /// IFF_NOARP (`ip link set X arp off`): it neither asks nor answers ARP.
    pub noarp: bool,
    /// IFLA_PROTO_DOWN (`ip link set X protodown on`, an EVPN/MLAG daemon's guard): the
    /// kernel keeps the link without carrier however it is set up.
    pub protodown: bool,
    /// IFLA_BRPORT_STATE when the link is a bridge port.
    pub port_state: Option<u8>,
    /// A bridge port's learning and unicast flood flags (`bridge link set … learning off`).
    pub port_learning: Option<bool>,
    pub port_flood: Option<bool>,
    /// A bridge port's broadcast flood flag (`bridge link set … bcast_flood off`).
    pub port_bcast_flood: Option<bool>,
    /// `bridge link set … isolated on`: the bridge forwards nothing between two such ports.
    pub port_isolated: bool,
    /// `bridge link set … hairpin on`: the port may send a frame back out the way it came.
    pub port_hairpin: bool,
    /// `bridge link set … locked on` (802.1X): the port drops frames from a source MAC that
    /// has no FDB entry on it; `mab on` makes a locked entry for userspace to authorize.
    pub port_locked: bool,
    pub port_mab: bool,
    /// `bridge_slave proxy_arp on` (BR_PROXYARP): the bridge floods nothing out of the port.
    pub port_proxy_arp: bool,
    /// `bridge link set … neigh_suppress on` (IFLA_BRPORT_NEIGH_SUPPRESS, EVPN ARP
    /// suppression): the bridge answers ARP for the MACs behind the port from the host's
    /// neighbour table instead of sending the request on.
    pub port_neigh_suppress: bool,
    /// `bridge link set … guard on` (BPDU guard): the first BPDU that comes in by the port
    /// disables it.
    pub port_guard: bool,
    /// `bridge link set … root_block on` (root guard, IFLA_BRPORT_PROTECT): a superior BPDU
    /// that comes in by the port keeps it from forwarding instead of making it the root port.
    pub port_root_block: bool,
    /// A bridge's stp_state: 0 none, 1 kernel STP (which refuses `bridge link set … state`),
    /// 2 user STP.
    pub stp_state: Option<u32>,
    /// A bridge that is the STP root (its root ID is its own bridge ID).
    pub stp_root: bool,
    /// A bridge's forward_delay in centiseconds (STP spends it listening, then learning).
    pub forward_delay: Option<u32>,
    /// A bridge's ageing_time in centiseconds: 0 forgets every learned MAC at once.
    pub ageing_time: Option<u32>,
    /// A VXLAN's learning flag (IFLA_VXLAN_LEARNING).
    pub learning: Option<bool>,
    /// A VXLAN's `proxy` flag: it answers ARP from its own neighbour table, and drops a
    /// request it cannot answer (the kernel's arp_reduce does not flood it).
    pub proxy: bool,
    /// A bridge's vlan_filtering and default PVID.
    pub vlan_filtering: Option<bool>,
    pub default_pvid: Option<u16>,
    /// A bridge's own br_netfilter switches (`ip link set BR type bridge nf_call_iptables 1`):
    /// with br_netfilter loaded, its switched IPv4 frames cross iptables even where the
    /// namespace's net.bridge.bridge-nf-call-iptables is 0.
    pub nf_call_iptables: Option<bool>,
    /// A port's VLANs (`bridge vlan show`): (VID, whether it is the PVID).
    pub vlans: Option<Vec<(u16, bool)>>,
}

/// `blocking`, as `bridge link` prints a port's state.
pub(crate) fn state_word(s: u8) -> &'static str {
    match s {
        0 => "disabled",
        1 => "listening",
        2 => "learning",
        3 => "forwarding",
        4 => "blocking",
        _ => "unknown",
    }
}
