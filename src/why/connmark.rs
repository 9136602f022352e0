//! `-j CONNMARK`: the connection's mark set (`--set-xmark V/M`), the packet's mark saved into
//! it (`--save-mark`), or restored from it (`--restore-mark`), with the masks iptables -S
//! prints (`--nfmask`, `--ctmask`), as xt_connmark computes them.

use super::mark::{value_mask, SetMark};

/// What a CONNMARK rule does to (packet mark, connection mark).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConnMark {
    Set(SetMark),
    Save { nf: u32, ct: u32 },
    Restore { nf: u32, ct: u32 },
}

impl ConnMark {
    /// The CONNMARK target of `spec` (a rule as iptables -S prints it); `None` for another
    /// target or options not read.
    pub(crate) fn read(spec: &str) -> Option<ConnMark> {
        let w: Vec<&str> = spec.split_whitespace().collect();
        let j = w.iter().position(|x| *x == "-j")?;
        if w.get(j + 1) != Some(&"CONNMARK") {
            return None;
        }
        let opts = &w[j + 2..];
        let arg = |name: &str| {
            let at = opts.iter().position(|x| *x == name)?;
            opts.get(at + 1).and_then(|a| value_mask(a)).map(|(v, _)| v)
        };
        let nf = arg("--nfmask").or(arg("--mask")).unwrap_or(u32::MAX);
        let ct = arg("--ctmask").or(arg("--mask")).unwrap_or(u32::MAX);
        match *opts.first()? {
            "--save-mark" => Some(ConnMark::Save { nf, ct }),
            "--restore-mark" => Some(ConnMark::Restore { nf, ct }),
            o => SetMark::read(o, opts.get(1)?).map(ConnMark::Set),
        }
    }

    /// The packet's and the connection's marks after the rule; the connection's `None` when
    /// not known (a packet of a connection made before), which a restore then leaves unknown.
    pub(crate) fn apply(self, mark: u32, conn: Option<u32>) -> (Option<u32>, Option<u32>) {
        match self {
            ConnMark::Set(s) => (Some(mark), conn.map(|c| s.apply(c))),
            ConnMark::Save { nf, ct } => (Some(mark), conn.map(|c| (c & !ct) ^ (mark & nf))),
            ConnMark::Restore { nf, ct } => (conn.map(|c| (mark & !nf) ^ (c & ct)), conn),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connmark_sets_saves_and_restores_as_xt_connmark_does() {
        let set = ConnMark::read("-j CONNMARK --set-xmark 0x1/0xffffffff").unwrap();
        assert_eq!(set.apply(0, Some(0)), (Some(0), Some(1)));
        let restore =
            ConnMark::read("-j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff")
                .unwrap();
        assert_eq!(restore.apply(0, Some(1)), (Some(1), Some(1)));
        assert_eq!(restore.apply(0, None), (None, None));
        let masked =
            ConnMark::read("-i left -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xf0")
                .unwrap();
        assert_eq!(masked.apply(0x101, Some(0x3f)), (Some(0x130), Some(0x3f)));
        let save =
            ConnMark::read("-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff")
                .unwrap();
        assert_eq!(save.apply(0x2, Some(0x1)), (Some(0x2), Some(0x2)));
        assert_eq!(ConnMark::read("-j MARK --set-xmark 0x1/0xffffffff"), None);
    }
}
