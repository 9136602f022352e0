//! A rule's TCP matches (`-p tcp`, `--dport`, `--sport`, `--syn`, `--tcp-flags`) against a
//! segment of the connection `why ADDR:PORT` asks about. The service's port is the request's
//! destination port and the reply's source port; the client's is an ephemeral one, not known
//! before the probe, so a match on it holds only when it covers the whole ephemeral range.

/// Linux's default `net.ipv4.ip_local_port_range`: where the client's port is.
const EPHEMERAL: (u16, u16) = (32768, 60999);

/// Options of a rule this module judges for a TCP packet (the protocol and its ports).
pub(crate) fn owns(tcp_port: Option<u16>, opt: &str) -> bool {
    tcp_port.is_some()
        && matches!(
            opt,
            "-p" | "--protocol"
                | "--icmp-type"
                | "--dport"
                | "--dports"
                | "--destination-port"
                | "--sport"
                | "--sports"
                | "--source-port"
                | "--syn"
                | "--tcp-flags"
        )
}

/// Whether option `opt` with its words `args` holds for a segment of the connection to
/// `tcp_port`: the SYN when `request`, else its reply (`None`: not understood). Only called
/// when `owns` says so.
pub(crate) fn hold(tcp_port: Option<u16>, request: bool, opt: &str, args: &[&str]) -> Option<bool> {
    let port = tcp_port?;
    let arg = args.first().copied().unwrap_or("");
    match opt {
        "-p" | "--protocol" => Some(matches!(
            arg.to_ascii_lowercase().as_str(),
            "tcp" | "6" | "all" | "0"
        )),
        "--icmp-type" => Some(false),
        "--dport" | "--dports" | "--destination-port" if request => Some(ports(arg, port)),
        "--sport" | "--sports" | "--source-port" if !request => Some(ports(arg, port)),
        "--dport" | "--dports" | "--destination-port" | "--sport" | "--sports"
        | "--source-port" => ephemeral(arg),
        // The request is the SYN, the reply a SYN-ACK.
        "--syn" => Some(request),
        "--tcp-flags" => {
            let set = if request { "SYN" } else { "SYN,ACK" };
            flags(arg, args.get(1).copied()?, set)
        }
        _ => None,
    }
}

/// `80`, `8000:8100`, or a comma list of them, holding `p`.
fn ports(spec: &str, p: u16) -> bool {
    spec.split(',').any(|one| match one.split_once(':') {
        Some((a, b)) => {
            a.parse::<u16>().unwrap_or(0) <= p && p <= b.parse::<u16>().unwrap_or(u16::MAX)
        }
        None => one.parse::<u16>() == Ok(p),
    })
}

/// A port match on the client's (unknown, ephemeral) port: yes when it covers the whole
/// range, no when it covers none of it, else not known.
fn ephemeral(spec: &str) -> Option<bool> {
    let (lo, hi) = EPHEMERAL;
    let mut all = false;
    let mut some = false;
    for one in spec.split(',') {
        let (a, b) = match one.split_once(':') {
            Some((a, b)) => (a.parse().unwrap_or(0), b.parse().unwrap_or(u16::MAX)),
            None => {
                let p: u16 = one.parse().ok()?;
                (p, p)
            }
        };
        all |= a <= lo && hi <= b;
        some |= a <= hi && lo <= b;
    }
    match (all, some) {
        (true, _) => Some(true),
        (false, false) => Some(false),
        _ => None,
    }
}

/// `--tcp-flags MASK COMP` for a segment carrying exactly `set`.
fn flags(mask: &str, comp: &str, set: &str) -> Option<bool> {
    const ALL: [&str; 6] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG"];
    let list = |s: &str| -> Option<Vec<&'static str>> {
        let mut v = vec![];
        for f in s.split(',') {
            match f {
                "ALL" => v.extend(ALL),
                "NONE" => {}
                f => v.push(*ALL.iter().find(|a| **a == f)?),
            }
        }
        Some(v)
    };
    let (mask, comp, set) = (list(mask)?, list(comp)?, list(set)?);
    Some(mask.iter().all(|f| set.contains(f) == comp.contains(f)))
}
