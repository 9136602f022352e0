//! nfnetlink framing: a batch of netlink messages (nlmsghdr + nfgenmsg + attributes) written into
//! one buffer, and attributes read back. Host byte order for netlink headers, big endian for
//! nf_tables values, as the kernel wants them.

pub(crate) const NFNL_SUBSYS_NFTABLES: u16 = 10;
pub(crate) const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
pub(crate) const NFNL_MSG_BATCH_END: u16 = 0x11;
/// NFNL_BATCH_GENID: the generation the batch was computed from (ERESTART when stale).
pub(crate) const NFNL_BATCH_GENID: u16 = 1;

pub(crate) const NFT_MSG_NEWTABLE: u16 = 0;
pub(crate) const NFT_MSG_GETTABLE: u16 = 1;
pub(crate) const NFT_MSG_NEWCHAIN: u16 = 3;
pub(crate) const NFT_MSG_GETCHAIN: u16 = 4;
pub(crate) const NFT_MSG_DELCHAIN: u16 = 5;
pub(crate) const NFT_MSG_NEWRULE: u16 = 6;
pub(crate) const NFT_MSG_GETRULE: u16 = 7;
pub(crate) const NFT_MSG_DELRULE: u16 = 8;
pub(crate) const NFT_MSG_NEWGEN: u16 = 15;
pub(crate) const NFT_MSG_GETGEN: u16 = 16;

pub(crate) const NLMSG_ERROR: u16 = 2;
pub(crate) const NLMSG_DONE: u16 = 3;
pub(crate) const NLM_F_REQUEST: u16 = 0x1;
pub(crate) const NLM_F_ACK: u16 = 0x4;
pub(crate) const NLM_F_DUMP: u16 = 0x300;
pub(crate) const NLM_F_CREATE: u16 = 0x400;
pub(crate) const NLM_F_APPEND: u16 = 0x800;
pub(crate) const NLA_F_NESTED: u16 = 0x8000;
pub(crate) const NFPROTO_IPV4: u8 = 2;

/// Messages being written into one buffer, each with its sequence number.
#[derive(Default)]
pub(crate) struct Msgs {
    pub(crate) buf: Vec<u8>,
    start: usize,
    nests: Vec<usize>,
    seq: u32,
}

impl Msgs {
    pub(crate) fn new(first_seq: u32) -> Self {
        Msgs {
            seq: first_seq,
            ..Msgs::default()
        }
    }

    fn pad(&mut self) {
        self.buf.resize(self.buf.len().next_multiple_of(4), 0);
    }

    /// Start a message: nlmsghdr (length patched by `end`) and nfgenmsg. Returns its seq.
    pub(crate) fn begin(&mut self, nl_type: u16, flags: u16, family: u8, res_id: u16) -> u32 {
        self.pad();
        self.start = self.buf.len();
        self.seq += 1;
        self.buf.extend_from_slice(&0u32.to_ne_bytes());
        self.buf.extend_from_slice(&nl_type.to_ne_bytes());
        self.buf.extend_from_slice(&flags.to_ne_bytes());
        self.buf.extend_from_slice(&self.seq.to_ne_bytes());
        self.buf.extend_from_slice(&0u32.to_ne_bytes());
        self.buf.push(family);
        self.buf.push(0); // NFNETLINK_V0
        self.buf.extend_from_slice(&res_id.to_be_bytes());
        self.seq
    }

    /// An nf_tables request in the ip family.
    pub(crate) fn nft(&mut self, msg: u16, flags: u16) -> u32 {
        self.nft_in(msg, flags, NFPROTO_IPV4)
    }

    /// A message for one family (`NFPROTO_UNSPEC`, 0: every family, in a dump).
    pub(crate) fn nft_in(&mut self, msg: u16, flags: u16, family: u8) -> u32 {
        let t = (NFNL_SUBSYS_NFTABLES << 8) | msg;
        self.begin(t, NLM_F_REQUEST | flags, family, 0)
    }

    pub(crate) fn end(&mut self) {
        self.pad();
        let len = (self.buf.len() - self.start) as u32;
        self.buf[self.start..self.start + 4].copy_from_slice(&len.to_ne_bytes());
    }

    pub(crate) fn attr(&mut self, ty: u16, data: &[u8]) {
        self.pad();
        self.buf
            .extend_from_slice(&((4 + data.len()) as u16).to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
    }

    pub(crate) fn str(&mut self, ty: u16, s: &str) {
        self.attr(ty, &cstring(s));
    }

    pub(crate) fn u32be(&mut self, ty: u16, v: u32) {
        self.attr(ty, &v.to_be_bytes());
    }

    pub(crate) fn u64be(&mut self, ty: u16, v: u64) {
        self.attr(ty, &v.to_be_bytes());
    }

    pub(crate) fn nest(&mut self, ty: u16) {
        self.pad();
        self.nests.push(self.buf.len());
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf
            .extend_from_slice(&(ty | NLA_F_NESTED).to_ne_bytes());
    }

    pub(crate) fn nest_end(&mut self) {
        let at = self.nests.pop().expect("nest_end without nest");
        self.pad();
        let len = (self.buf.len() - at) as u16;
        self.buf[at..at + 2].copy_from_slice(&len.to_ne_bytes());
    }
}

/// A string as nf_tables wants it: with its NUL.
pub(crate) fn cstring(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

/// The attributes of a buffer: (type without flags, whether nested, payload).
pub(crate) fn attrs(mut b: &[u8]) -> impl Iterator<Item = (u16, bool, &[u8])> {
    std::iter::from_fn(move || {
        if b.len() < 4 {
            return None;
        }
        let len = u16::from_ne_bytes([b[0], b[1]]) as usize;
        let ty = u16::from_ne_bytes([b[2], b[3]]);
        if len < 4 || len > b.len() {
            return None;
        }
        let payload = &b[4..len];
        b = &b[len.next_multiple_of(4).min(b.len())..];
        Some((ty & 0x3fff, ty & NLA_F_NESTED != 0, payload))
    })
}

pub(crate) fn get(b: &[u8], want: u16) -> Option<&[u8]> {
    attrs(b).find(|(t, _, _)| *t == want).map(|(_, _, p)| p)
}

/// A NUL-terminated (or not) string attribute.
pub(crate) fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

pub(crate) fn be32(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.try_into().ok()?))
}

pub(crate) fn be64(b: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(b.try_into().ok()?))
}

/// One received message: netlink type, sequence number, payload after nlmsghdr.
pub(crate) struct Reply {
    pub(crate) ty: u16,
    pub(crate) seq: u32,
    pub(crate) payload: Vec<u8>,
}

/// The messages in one datagram.
pub(crate) fn replies(buf: &[u8]) -> Vec<Reply> {
    let mut out = vec![];
    let mut i = 0usize;
    while i + 16 <= buf.len() {
        let len = u32::from_ne_bytes(buf[i..i + 4].try_into().unwrap()) as usize;
        if len < 16 || i + len > buf.len() {
            break;
        }
        out.push(Reply {
            ty: u16::from_ne_bytes([buf[i + 4], buf[i + 5]]),
            seq: u32::from_ne_bytes(buf[i + 8..i + 12].try_into().unwrap()),
            payload: buf[i + 16..i + len].to_vec(),
        });
        i += len.next_multiple_of(4);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_with_a_nest_reads_back() {
        let mut m = Msgs::new(0);
        let seq = m.nft(NFT_MSG_NEWRULE, NLM_F_ACK);
        m.str(1, "filter");
        m.nest(4);
        m.u32be(1, 7);
        m.nest_end();
        m.end();
        assert_eq!(seq, 1);
        let r = replies(&m.buf);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].ty, (10 << 8) | 6);
        let body = &r[0].payload[4..];
        assert_eq!(get(body, 1).map(cstr).as_deref(), Some("filter"));
        let nest = attrs(body).nth(1).unwrap();
        assert!(nest.1);
        assert_eq!(get(nest.2, 1).and_then(be32), Some(7));
    }
}
