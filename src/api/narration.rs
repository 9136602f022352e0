//! `Narration`: what a run tells on stdout as it goes (`step`'s sections, the checks' lines).

/// What a run tells on stdout besides the script's own `print`s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Narration {
    /// Sections and check lines (`netsh run` without `-q`).
    pub(crate) told: bool,
    /// `--step`: wait for Enter before each section (until stdin ends).
    pub(crate) pause: bool,
    /// Something was told already: sections after the first are set off by a blank line.
    pub(crate) said: bool,
}

impl Narration {
    pub(crate) fn told(pause: bool) -> Self {
        Narration {
            told: true,
            pause,
            said: false,
        }
    }
}
