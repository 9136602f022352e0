//! Registering a DSL function with its reference entry on it. Each registration is rhai's
//! `FuncRegistration` with doc comments and parameter names; `api::doc` reads them back from the
//! engine, so the reference cannot drift from what is registered.
//!
//! The comments are the entry, two lines: how a script calls the function, then what it does.
//!
//! ```text
//! FuncRegistration::new("bridge")
//!     .with_comments(["/// stack.bridge(name) -> Link", "/// a bridge in a namespace or host"])
//!     .register_named(engine, ["stack", "name"], |ctx: NativeCallContext, st: &mut Stack, name: &str| ...)
//! ```
//!
//! Forms that share one entry (`remove` on a rule, a list of rules or an fdb entry) carry the same
//! two lines; the reference prints them once.

use rhai::{Engine, FuncRegistration, RhaiNativeFunc};
use std::any::{Any, TypeId};

/// `register_into_engine` with a name for each parameter.
pub(crate) trait Named {
    /// Rhai takes parameter names only with their types (`"name: &str"`, then the return type),
    /// and the diagnostics read those types (`bridge takes string`): fill them in as rhai itself
    /// would, from the function, so only the names are written by hand and their number is
    /// checked when compiling.
    fn register_named<A: 'static, const N: usize, const X: bool, R, const F: bool, FUNC>(
        self,
        engine: &mut Engine,
        names: [&str; N],
        f: FUNC,
    ) where
        R: Any + Clone,
        FUNC: RhaiNativeFunc<A, N, X, R, F> + 'static;
}

impl Named for FuncRegistration {
    fn register_named<A: 'static, const N: usize, const X: bool, R, const F: bool, FUNC>(
        self,
        engine: &mut Engine,
        names: [&str; N],
        f: FUNC,
    ) where
        R: Any + Clone,
        FUNC: RhaiNativeFunc<A, N, X, R, F> + 'static,
    {
        let mut info: Vec<String> = names
            .iter()
            .zip(FUNC::param_names())
            .map(|(name, ty)| format!("{name}: {}", type_name(engine, ty)))
            .collect();
        // As rhai does: a function returning nothing has no return type.
        if FUNC::return_type() != TypeId::of::<()>() {
            info.push(type_name(engine, FUNC::return_type_name()));
        }
        self.with_params_info(info).register_into_engine(engine, f);
    }
}

/// A Rust type as rhai names it: by its registered name (`&mut Stack`), else its own.
fn type_name(engine: &Engine, ty: &str) -> String {
    match ty.strip_prefix("&mut ") {
        Some(inner) => format!("&mut {}", engine.map_type_name(inner)),
        None => engine.map_type_name(ty).to_string(),
    }
}
