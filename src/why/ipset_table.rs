//! The ipsets of one namespace, as `ipset save` lists them (ipset has no JSON, and its netlink
//! protocol is its own): each set's type and its elements.

/// One element as `ipset save` prints it (`10.0.0.0/24`, `10.0.0.1,tcp:80`, a set's name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpSetEntry {
    pub elem: String,
    /// `nomatch`: an exception carved out of a wider net of the same set.
    pub nomatch: bool,
    /// Seconds left before it times out (a set created with `timeout`).
    pub timeout: Option<u32>,
}

/// One set: `create NAME TYPE [options]` and its `add` lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpSet {
    pub name: String,
    /// `hash:ip`, `hash:net,port`, `bitmap:ip`, `list:set`, ...
    pub kind: String,
    /// `inet6` for an IPv6 set; else `inet`.
    pub family: String,
    /// `netmask N` of a `hash:ip`: elements are stored (and looked up) masked to it.
    pub netmask: Option<u8>,
    pub entries: Vec<IpSetEntry>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IpSets {
    pub sets: Vec<IpSet>,
}

impl IpSets {
    /// The output of `ipset save`.
    pub fn parse(text: &str) -> IpSets {
        let mut out = IpSets::default();
        for line in text.lines() {
            let w: Vec<&str> = line.split_whitespace().collect();
            match w.as_slice() {
                ["create", name, kind, opts @ ..] => out.sets.push(IpSet {
                    name: name.to_string(),
                    kind: kind.to_string(),
                    family: after(opts, "family").unwrap_or("inet").to_string(),
                    netmask: after(opts, "netmask").and_then(|n| n.parse().ok()),
                    entries: vec![],
                }),
                ["add", name, elem, opts @ ..] => {
                    // Sets are listed whole, one after another: an add belongs to its own set.
                    let Some(s) = out.sets.iter_mut().rev().find(|s| s.name == *name) else {
                        continue;
                    };
                    s.entries.push(IpSetEntry {
                        elem: elem.to_string(),
                        nomatch: opts.contains(&"nomatch"),
                        timeout: after(opts, "timeout").and_then(|n| n.parse().ok()),
                    });
                }
                _ => {}
            }
        }
        out
    }

    pub fn get(&self, name: &str) -> Option<&IpSet> {
        self.sets.iter().find(|s| s.name == name)
    }
}

/// The word after `key` in `words`.
fn after<'a>(words: &[&'a str], key: &str) -> Option<&'a str> {
    let i = words.iter().position(|w| *w == key)?;
    words.get(i + 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sets_and_elements() {
        let text = "create ban hash:ip family inet hashsize 1024 maxelem 65536 timeout 600 bucketsize 12 initval 0xa1093df7\n\
                    add ban 10.0.0.1 timeout 599\n\
                    create nets hash:net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xbbd8d8c1\n\
                    add nets 10.0.0.0/24\n\
                    add nets 10.0.0.5 nomatch\n\
                    create m hash:ip family inet hashsize 1024 maxelem 65536 netmask 24 bucketsize 12 initval 0xcf2315a6\n\
                    add m 10.0.3.0\n\
                    create v6 hash:ip family inet6 hashsize 1024 maxelem 65536 counters comment bucketsize 12 initval 0xf91d41ea\n\
                    add v6 fd00::1 packets 0 bytes 0 comment \"x y\"\n\
                    create bm bitmap:ip range 10.0.0.0-10.0.0.255\n\
                    add bm 10.0.0.7\n\
                    create ls list:set size 8\n\
                    add ls ban\n";
        let s = IpSets::parse(text);
        let names: Vec<_> = s
            .sets
            .iter()
            .map(|s| (s.name.as_str(), s.kind.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("ban", "hash:ip"),
                ("nets", "hash:net"),
                ("m", "hash:ip"),
                ("v6", "hash:ip"),
                ("bm", "bitmap:ip"),
                ("ls", "list:set")
            ]
        );
        let e = |elem: &str, nomatch, timeout| IpSetEntry {
            elem: elem.into(),
            nomatch,
            timeout,
        };
        assert_eq!(
            s.get("ban").unwrap().entries,
            [e("10.0.0.1", false, Some(599))]
        );
        assert_eq!(
            s.get("nets").unwrap().entries,
            [e("10.0.0.0/24", false, None), e("10.0.0.5", true, None)]
        );
        assert_eq!(s.get("m").unwrap().netmask, Some(24));
        assert_eq!(s.get("ban").unwrap().netmask, None);
        let v6 = s.get("v6").unwrap();
        assert_eq!((v6.family.as_str(), v6.entries.len()), ("inet6", 1));
        assert_eq!(s.get("bm").unwrap().family, "inet");
        assert_eq!(s.get("ls").unwrap().entries, [e("ban", false, None)]);
    }
}
