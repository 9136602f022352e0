//! `Apply`: carrying out judged steps; `Builder`: what a flush or a teardown needs, reads to judge
//! against and requests to apply.

use super::observe::Observe;
use super::op::OpKind;
use super::view::NsView;
use crate::sys::{Failure, Netns};
use std::collections::{BTreeSet, HashMap};

pub trait Apply {
    /// Apply judged steps in order; on failure, the index of the step that failed.
    fn apply(&mut self, steps: &[OpKind]) -> Result<(), (usize, Failure)>;
    /// After a flush: the state the plan left, as judged. A backend without a kernel keeps it
    /// as its simulated kernel, so the next flush sees what this one made.
    fn remember(&mut self, _named: Option<BTreeSet<String>>, _views: HashMap<Netns, NsView>) {}
}

pub trait Builder: Observe + Apply {}

impl<T: Observe + Apply + ?Sized> Builder for T {}
