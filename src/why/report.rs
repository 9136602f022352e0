//! What `why` found: the hops it followed, the first broken step and its fix.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Hop {
    /// The namespace the step happened in (`host` for the root stack).
    pub(crate) at: String,
    pub(crate) text: String,
    pub(crate) ok: bool,
    /// A step the analysis could not judge (`[?]`): a rule it does not understand.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) unsure: bool,
    /// What follows from the fault named above it (`[then]`): the later break the walk met
    /// first, where the packet is expected to be lost.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) then: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Report {
    pub(crate) src: String,
    pub(crate) dst: String,
    pub(crate) hops: Vec<Hop>,
    /// What packet sockets along the path saw of the probe's echoes.
    pub(crate) sightings: Vec<super::sighting::Sighting>,
    /// The broken step and its cause, in people's words.
    pub(crate) broken: Option<String>,
    /// The repair, in DSL form.
    pub(crate) fix: Option<String>,
    /// Another repair that also works (NAT where the fix is a route), in DSL form.
    pub(crate) other_way: Option<String>,
    /// The real probe's answer; `None` when none was sent (a dry run).
    pub(crate) probe: Option<bool>,
    /// The probe's answer in words, when a ping's are not enough (a TCP connect's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) probe_said: Option<String>,
    /// False in a dry run: nothing was read from a kernel.
    pub(crate) evaluated: bool,
    /// Each layer-2 next hop (namespace, link, address): whose neighbour entry explains a
    /// probe that fails on a path that looks clear.
    #[serde(skip)]
    pub(crate) next_hops: Vec<(crate::sys::Netns, String, std::net::IpAddr)>,
    /// The links an MTU fix raises (namespace, link, MTU): the break is a packet too big.
    #[serde(skip)]
    pub(crate) mtu_raise: Vec<super::mtu_fix::Raised>,
    /// The bridges the last layer-2 hop switched the frame through, from port to port
    /// (namespace, bridge, in, out): where br_netfilter sends it through FORWARD.
    #[serde(skip)]
    pub(crate) switched: Vec<(crate::sys::Netns, String, String, String)>,
    /// The break stands whatever the probe says (a duplicate address: the probe may reach
    /// either host).
    #[serde(skip)]
    pub(crate) firm: bool,
    /// The last iptables DNAT of a TCP probe (namespace, rule, port before, port after): what a
    /// RST from a port nothing listens on is blamed on.
    #[serde(skip)]
    pub(crate) dnat_by: Option<(crate::sys::Netns, super::traverse::At, u16, u16)>,
    /// Where the last DNAT on the way (iptables or nftables) sent the packet on to: where a
    /// TCP probe's RST came from.
    #[serde(skip)]
    pub(crate) dnat_to: Option<std::net::IpAddr>,
    /// The break is on the reply's way back: evidence of a request that got through and a
    /// reply that never came agrees with it.
    #[serde(skip)]
    pub(crate) back: bool,
    /// Where the analysis expects the packet to vanish when it blames an earlier step (a
    /// route that sends it to a host that drops it): evidence of a loss there agrees.
    #[serde(skip)]
    pub(crate) lost_at: Option<String>,
    /// The members of a routing loop the break names: the probe lost at any of them agrees.
    #[serde(skip)]
    pub(crate) looped: Vec<String>,
    /// A second place that agrees (a tunnel's two VTEPs, either of which may lose them).
    #[serde(skip)]
    pub(crate) lost_too: Option<String>,
    /// The packet as each chain it crossed saw it (namespace, table, chain): what a fix for a
    /// rule the counters name is narrowed to.
    #[serde(skip)]
    pub(crate) crossed_chains: Vec<(crate::sys::Netns, String, String, super::rule_match::Seen)>,
    /// The packet left this machine through a tunnel to an address no stack here holds:
    /// where `why` across machines goes on.
    #[serde(skip)]
    pub(crate) tunnel_out: Option<TunnelOut>,
    /// A route from a table other than main that leaves another way than main's: the fault
    /// if the path dies after it (src/why/shadow.rs).
    #[serde(skip)]
    pub(crate) shadow: Option<super::shadow_note::Shadow>,
    /// The kind of the break, where a later step needs it (src/why/break_kind.rs).
    #[serde(skip)]
    pub(crate) break_kind: Option<super::break_kind::BreakKind>,
    /// A native masquerade passed over on the way (a mark test that fails): the cause, and
    /// its fix, for a reply that does not come back.
    #[serde(skip)]
    pub(crate) nat_passed: Option<(String, Option<String>)>,
    /// The native nftables rule that marked the request as it arrived, and where.
    #[serde(skip)]
    pub(crate) nft_mark_by: Option<(crate::sys::Netns, crate::firewall::nft::foreign_eval::Step)>,
}

impl Report {
    /// The probe got through where the analysis saw a break: the packet is the truth, the
    /// break is said as a thought, its fix dropped.
    pub(crate) fn probe_overrules(&mut self, src: &impl ToString) {
        let thought = self.broken.take().unwrap_or_default();
        self.hop(
            src,
            format!("the probe got through nonetheless (the analysis thought: {thought})"),
        );
        self.fix = None;
        self.other_way = None;
    }

    pub(crate) fn hop(&mut self, at: &impl ToString, text: impl Into<String>) {
        self.hops.push(Hop {
            at: at.to_string(),
            text: text.into(),
            ok: true,
            unsure: false,
            then: false,
        });
    }

    pub(crate) fn block(
        &mut self,
        at: &impl ToString,
        cause: impl Into<String>,
        fix: Option<String>,
    ) {
        let cause = cause.into();
        self.hops.push(Hop {
            at: at.to_string(),
            text: cause.clone(),
            ok: false,
            unsure: false,
            then: false,
        });
        self.broken = Some(cause);
        self.fix = fix;
        self.other_way = None;
        self.mtu_raise.clear();
        self.break_kind = None;
    }

    /// A step not judged: shown as `[?]`, left to the probe (and the rule counters) to settle.
    pub(crate) fn unsure(&mut self, at: &impl ToString, text: impl Into<String>) {
        self.hops.push(Hop {
            at: at.to_string(),
            text: text.into(),
            ok: true,
            unsure: true,
            then: false,
        });
    }

    pub(crate) fn clear(&self) -> bool {
        self.broken.is_none()
    }

    /// `verdict: clear` or `verdict: blocked — <the broken step and its cause>`.
    pub(crate) fn verdict(&self) -> String {
        match (&self.broken, self.evaluated) {
            (_, false) => "verdict: not evaluated (a dry run reads no kernel)".to_string(),
            (None, _) => "verdict: clear".to_string(),
            (Some(b), _) => format!("verdict: blocked — {b}"),
        }
    }

    /// Every hop, the fix, the probe, then the verdict: what `netsh why` prints.
    pub(crate) fn render(&self) -> String {
        let mut out = format!("why {} → {}\n", self.src, self.dst);
        for h in &self.hops {
            let mark = match (h.ok, h.unsure) {
                _ if h.then => "then",
                (_, true) => "?",
                (true, _) => "ok",
                _ => "BROKEN",
            };
            out += &format!("  [{mark}] {}: {}\n", h.at, h.text);
        }
        if let Some(f) = &self.fix {
            out += &format!("  fix: {f}\n");
        }
        if let Some(o) = &self.other_way {
            out += &format!("  other way: {o}\n");
        }
        match self.probe {
            Some(_) if self.probe_said.is_some() => {
                out += &format!(
                    "  probe: {}\n",
                    self.probe_said.as_deref().unwrap_or_default()
                )
            }
            Some(true) => out += &format!("  probe: {} answers\n", self.dst),
            Some(false) => out += &format!("  probe: no reply from {}\n", self.dst),
            None => {}
        }
        out += &self.verdict();
        out
    }
}

/// Where the packet left this machine: the VXLAN (in `ns`) and the remote it tunnels to, which
/// no stack here holds (src/why/tunnel_out.rs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TunnelOut {
    pub(crate) ns: crate::sys::Netns,
    pub(crate) dev: String,
    pub(crate) vni: u32,
    pub(crate) port: u16,
    pub(crate) remote: std::net::IpAddr,
}
