//! The words of the SVG that the live page reads back: XML escaping, and the ids of objects.

/// Text for XML: the five characters that could end a text or an attribute.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not XML 1.0: a name cannot smuggle one in.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// A namespace's or machine's stack id; `/` cannot be in a netns or link name, so
/// `link-STACK/LINK` is never ambiguous.
pub(crate) fn ns_id(stack: &str) -> String {
    format!("ns-{stack}")
}

pub(crate) fn machine_id(machine: &str) -> String {
    format!("machine-{machine}")
}

pub(crate) fn link_id(stack: &str, link: &str) -> String {
    format!("link-{stack}/{link}")
}

/// A cable's or tunnel's id from its two ends, in a fixed order.
pub(crate) fn wire_id(kind: &str, a: (&str, &str), b: Option<(&str, &str)>) -> String {
    let a = format!("{}/{}", a.0, a.1);
    match b.map(|b| format!("{}/{}", b.0, b.1)) {
        Some(b) if b < a => format!("{kind}-{b}-{a}"),
        Some(b) => format!("{kind}-{a}-{b}"),
        None => format!("{kind}-{a}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(esc("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;?");
    }

    #[test]
    fn wire_ids_do_not_depend_on_the_end_read_first() {
        assert_eq!(
            wire_id("cable", ("ns1", "veth1"), Some(("host", "vethb1"))),
            wire_id("cable", ("host", "vethb1"), Some(("ns1", "veth1")))
        );
    }
}
