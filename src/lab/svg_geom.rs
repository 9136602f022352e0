//! The shapes of `show --svg` and the sizes they are measured in: boxes, which side a cable
//! leaves by, where a link sits; and the machines of a state, before anything is placed.

use super::state::{LinkState, StackState, State};
use crate::sys::LinkKind;

/// The width of a character at 11px monospace, rounded up; a line of text.
pub(crate) const CH: i32 = 7;
pub(crate) const LH: i32 = 14;
pub(crate) const PAD: i32 = 8;
pub(crate) const MARGIN: i32 = 16;
/// A bridge port's square, and the room between two ports.
pub(crate) const PORT: i32 = 10;
pub(crate) const PORT_GAP: i32 = 20;
/// Between two parallel cables.
pub(crate) const LANE: i32 = 4;
pub(crate) const BUS_LANE: i32 = 18;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Rect {
    pub(crate) fn right(&self) -> i32 {
        self.x + self.w
    }
    pub(crate) fn bottom(&self) -> i32 {
        self.y + self.h
    }
    #[cfg(test)]
    pub(crate) fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }
}

/// Which way a link's cable leaves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Top,
    Bottom,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// In a namespace of machine `machine`, in its grid cell; `index`: the link's place in it.
    Ns {
        machine: usize,
        row: usize,
        col: usize,
        index: usize,
    },
    /// In the machine's own stack: a port on a bridge (a square) or a link of its own.
    Own { machine: usize, port: bool },
}

pub(crate) struct LinkBox {
    pub stack: String,
    pub link: String,
    pub kind: Option<LinkKind>,
    pub rect: Rect,
    pub lines: Vec<String>,
    pub up: bool,
    pub side: Side,
    pub anchor: (i32, i32),
    pub place: Place,
}

pub(crate) struct NsBox {
    pub name: String,
    pub rect: Rect,
    pub lines: Vec<String>,
}

pub(crate) struct BridgeBox {
    pub stack: String,
    pub link: String,
    pub rect: Rect,
    pub lines: Vec<String>,
    pub up: bool,
}

pub(crate) struct MachineBox {
    pub name: String,
    pub rect: Rect,
    pub lines: Vec<String>,
    pub namespaces: Vec<NsBox>,
    pub bridges: Vec<BridgeBox>,
    /// The right edge of each column of namespaces, the bottom of each row.
    pub col_right: Vec<i32>,
    pub row_bottom: Vec<i32>,
    /// The top of the channel between the namespaces and the machine's own links.
    pub chan_y: i32,
}

/// A machine and its stacks, before placing: its own (absent when --lab left it out) and its
/// namespaces, in natural order (ns2 before ns10).
pub(crate) struct Group<'a> {
    pub name: String,
    pub own: Option<&'a StackState>,
    pub ns: Vec<&'a StackState>,
}

/// The links worth drawing: all but a loopback without an address of its own.
pub(crate) fn shown(l: &LinkState) -> bool {
    l.name != "lo" || !l.addrs.is_empty()
}

/// This machine first, then the others by name.
pub(crate) fn groups(state: &State) -> Vec<Group<'_>> {
    let mut names: Vec<&str> = state.stacks.iter().map(|s| s.machine.as_str()).collect();
    names.sort_by_key(|m| (*m != "host", natural(m)));
    names.dedup();
    names
        .into_iter()
        .map(|m| {
            let mut ns: Vec<&StackState> = state
                .stacks
                .iter()
                .filter(|s| s.machine == m && s.name != m)
                .collect();
            ns.sort_by_key(|s| natural(&s.name));
            Group {
                name: m.to_string(),
                own: state.stacks.iter().find(|s| s.name == m),
                ns,
            }
        })
        .collect()
}

/// A name as text and numbers, so that "ns10" sorts after "ns9".
pub(crate) fn natural(s: &str) -> Vec<(String, u64)> {
    let mut out = vec![];
    let mut text = String::new();
    let mut num: Option<u64> = None;
    for c in s.chars() {
        match c.to_digit(10) {
            Some(d) => num = Some(num.unwrap_or(0).saturating_mul(10).saturating_add(d.into())),
            None => {
                if let Some(n) = num.take() {
                    out.push((std::mem::take(&mut text), n));
                }
                text.push(c);
            }
        }
    }
    out.push((text, num.unwrap_or(0)));
    out
}
