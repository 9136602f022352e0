//! `DslError`: a mistake in a script or a failure it caused, carried through Rhai as a runtime
//! error and rendered by src/script as a miette diagnostic at the call.

use crate::plan::error::PlanError;
use crate::sys::At;
use rhai::{Dynamic, EvalAltResult, NativeCallContext, Position};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DslError {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    /// Where to point; `None` means the call that raised it.
    pub(crate) at: Option<At>,
}

pub(crate) type R<T> = Result<T, Box<EvalAltResult>>;

impl DslError {
    pub(crate) fn new(
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        DslError {
            code,
            message: message.into(),
            help: Some(help.into()),
            at: None,
        }
    }

    pub(crate) fn raise<T>(self, ctx: &NativeCallContext) -> R<T> {
        Err(self.into_rhai(ctx.call_position()))
    }

    pub(crate) fn into_rhai(self, pos: Position) -> Box<EvalAltResult> {
        Box::new(EvalAltResult::ErrorRuntime(Dynamic::from(self), pos))
    }

    pub(crate) fn from_flush(e: PlanError) -> Self {
        DslError {
            code: e.code,
            message: e.message,
            help: e.help,
            at: Some(e.at),
        }
    }
}

pub(crate) fn at(ctx: &NativeCallContext) -> At {
    let p = ctx.call_position();
    At {
        line: p.line().unwrap_or(0),
        col: p.position().unwrap_or(0),
        file: ctx
            .call_source()
            .map(crate::sys::sources::intern)
            .unwrap_or(0),
    }
}

/// Raise `e` at the call `ctx` stands for.
pub(crate) fn fail<T>(ctx: &NativeCallContext, e: DslError) -> R<T> {
    e.raise(ctx)
}
