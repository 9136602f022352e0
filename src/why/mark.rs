//! Packet marks: `-m mark --mark V/M` matched against the mark the packet carries, and
//! `-j MARK --set-xmark V/M` (and its kin) applied to it; a policy rule `fwmark V/M` then picks
//! the table the packet is routed by.

/// `V` or `V/M` (hex or decimal), the mask all ones when absent.
pub(crate) fn value_mask(arg: &str) -> Option<(u32, u32)> {
    let num = |s: &str| match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    };
    match arg.split_once('/') {
        Some((v, m)) => Some((num(v)?, num(m)?)),
        None => Some((num(arg)?, u32::MAX)),
    }
}

/// Whether `--mark arg` holds for a packet marked `mark`.
pub(crate) fn holds(arg: &str, mark: u32) -> Option<bool> {
    let (v, m) = value_mask(arg)?;
    Some((mark ^ v) & m == 0)
}

/// What a MARK target does to a mark: the bits it clears, then the value it XORs (or ORs) in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SetMark {
    clear: u32,
    value: u32,
    xor: bool,
}

impl SetMark {
    /// The MARK target's option `opt arg`, as iptables -S prints it (`--set-xmark 0x20/0xffffffff`).
    pub(crate) fn read(opt: &str, arg: &str) -> Option<SetMark> {
        let (v, m) = value_mask(arg)?;
        let (clear, value, xor) = match opt {
            "--set-xmark" => (m, v, true),
            "--set-mark" => (m, v, false),
            "--and-mark" => (!v, 0, true),
            "--or-mark" => (v, v, false),
            "--xor-mark" => (0, v, true),
            _ => return None,
        };
        Some(SetMark { clear, value, xor })
    }

    pub(crate) fn apply(self, mark: u32) -> u32 {
        let kept = mark & !self.clear;
        if self.xor {
            kept ^ self.value
        } else {
            kept | self.value
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_set_and_matched_as_the_kernel_does() {
        let set = SetMark::read("--set-xmark", "0x4000/0x4000").unwrap();
        assert_eq!(set.apply(0x1), 0x4001);
        assert_eq!(holds("0x4000/0x4000", 0x4001), Some(true));
        assert_eq!(holds("0x4000/0x4000", 0x1), Some(false));
        let all = SetMark::read("--set-xmark", "0x20/0xffffffff").unwrap();
        assert_eq!(all.apply(0x4000), 0x20);
        assert_eq!(SetMark::read("--or-mark", "0x2").unwrap().apply(0x1), 0x3);
        assert_eq!(holds("32", 0x20), Some(true));
        assert_eq!(value_mask("zz"), None);
    }
}
