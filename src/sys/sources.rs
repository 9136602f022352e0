//! Module files by number, so that an `At` (which is `Copy`) can say which file it is in.

use std::cell::RefCell;

thread_local! {
    static SOURCES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The number of a module's file (1, 2, ...; 0 is the script run).
pub(crate) fn intern(path: &str) -> u32 {
    SOURCES.with(|s| {
        let mut s = s.borrow_mut();
        match s.iter().position(|p| p == path) {
            Some(i) => i as u32 + 1,
            None => {
                s.push(path.to_string());
                s.len() as u32
            }
        }
    })
}

pub(crate) fn path(id: u32) -> Option<String> {
    SOURCES.with(|s| s.borrow().get(id.checked_sub(1)? as usize).cloned())
}
