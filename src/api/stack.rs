//! `Stack`: a network stack the script works on — the host (`host()`) or a namespace (`ns("ns1")`).
//! Every verb is a method of it; the top-level verbs act on the host.

use super::adopted::adopted;
use super::error::{at, fail, DslError, R};
use super::model::NsInfo;
use super::named::Named;
use super::names::check_nsname;
use super::session::{Session, Shared};
use crate::plan::OpKind;
use crate::sys::{At, Netns};
use rhai::{Engine, FuncRegistration, Map, NativeCallContext};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stack {
    pub(crate) ns: Netns,
}

impl fmt::Display for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ns.dsl())
    }
}

impl Session {
    /// `ns(name)` on the host, `h.ns(name)` on a simulated host (the namespace `h.name`).
    pub(crate) fn ns(&mut self, parent: &Stack, name: &str, at: At) -> Result<Stack, DslError> {
        if crate::sys::nsfile::is_spec(name) && parent.ns == Netns::Root {
            return adopt_ns(name);
        }
        check_nsname(name)?;
        let full = match &parent.ns {
            Netns::Root => name.to_string(),
            Netns::Named(h) if self.model.is_host(&parent.ns) => {
                Netns::on_machine(h, name).to_string()
            }
            Netns::Named(_) | Netns::Adopted(_) => {
                let n = &parent.ns;
                return Err(DslError::new(
                    "netsh::namespace",
                    format!("{n} is a namespace, not a host: a namespace holds no namespaces"),
                    format!(
                        "create it on a host: ns(\"{name}\"), or host(\"h150\").ns(\"{name}\")"
                    ),
                ));
            }
        };
        self.make_ns(&full, false, at)
    }

    /// Creates the namespace (once) and brings its lo up.
    pub(crate) fn make_ns(&mut self, name: &str, host: bool, at: At) -> Result<Stack, DslError> {
        let ns = Netns::named(name);
        match self.model.namespaces.get(name) {
            Some(i) if i.host != host => {
                let (was, want) = if i.host {
                    ("a host", "namespace")
                } else {
                    ("a namespace", "host")
                };
                return Err(DslError::new(
                    "netsh::name-taken",
                    format!("{name} is already {was} (line {})", i.at.line),
                    format!("give the new {want} another name"),
                ));
            }
            Some(_) => {}
            None => {
                self.model
                    .namespaces
                    .insert(name.to_string(), NsInfo { at, host });
                if host {
                    // The kernel cannot tell a simulated host from a namespace: the journal
                    // says, for `show`.
                    self.journal.machines.insert(name.to_string());
                }
                self.push(
                    OpKind::NetnsAdd {
                        name: name.to_string(),
                    },
                    at,
                );
                // A namespace is born with lo down; every lab wants it up.
                self.push(
                    OpKind::LinkSetUp {
                        ns: ns.clone(),
                        name: "lo".to_string(),
                        up: true,
                    },
                    at,
                );
            }
        }
        Ok(Stack { ns })
    }

    /// Delete a namespace (`adopted`: even if the lab did not make it).
    pub(crate) fn del_ns(&mut self, st: &Stack, at: At, adopted: bool) -> Result<(), DslError> {
        let Netns::Named(name) = &st.ns else {
            return Err(DslError::new(
                "netsh::delete",
                "the host cannot be deleted",
                "delete its links or namespaces instead, or use netsh down",
            ));
        };
        // A simulated host goes with its namespaces.
        let inner: Vec<String> = self
            .model
            .namespaces
            .keys()
            .filter(|n| Netns::named(n).is_on(name))
            .cloned()
            .collect();
        for n in inner.iter().chain(std::iter::once(name)) {
            self.push_del(OpKind::NetnsDel { name: n.clone() }, at, adopted);
            self.model.drop_ns(&Netns::Named(n.clone()));
        }
        Ok(())
    }

    /// A stack the script deleted (or a host's namespace that went with it) is gone.
    pub(crate) fn alive(&self, st: &Stack) -> Result<(), DslError> {
        match &st.ns {
            Netns::Named(n) if !self.model.namespaces.contains_key(n) => Err(DslError::new(
                "netsh::deleted",
                format!("{n} does not exist: it was deleted earlier in this script"),
                format!("create it again first, with host(\"{n}\") or ns(\"{n}\")"),
            )),
            _ => Ok(()),
        }
    }

    pub(crate) fn describe_stack(&self, st: &Stack) -> String {
        match &st.ns {
            Netns::Named(n) if self.model.is_host(&st.ns) => format!("host(\"{n}\")"),
            ns => ns.dsl(),
        }
    }
}

/// `ns("pid:1234")`, `ns("/var/run/docker/netns/…")`: a namespace someone else made (a
/// container's), adopted as it is: the lab never makes nor deletes it, only what it adds there.
fn adopt_ns(spec: &str) -> Result<Stack, DslError> {
    let ns = Netns::adopt(spec)
        .map_err(|f| DslError::new("netsh::namespace", f.message, f.help.unwrap_or_default()))?;
    Ok(Stack { ns })
}

/// `link.name` and `stack.name` share one entry.
pub(crate) const NAME_DOC: [&str; 2] = [
    "/// link.name / stack.name",
    "/// the name of a link, or of a namespace (\"host\" for the host)",
];

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    engine.register_type_with_name::<Stack>("Stack");
    let s = shared.clone();
    engine.register_fn("to_string", move |st: &mut Stack| {
        s.borrow().describe_stack(st)
    });
    let s = shared.clone();
    engine.register_fn("to_debug", move |st: &mut Stack| {
        s.borrow().describe_stack(st)
    });
    FuncRegistration::new_getter("name")
        .with_comments(NAME_DOC)
        .register_named(engine, ["stack"], |s: &mut Stack| match &s.ns {
            Netns::Root => "host".to_string(),
            Netns::Named(n) => n.clone(),
            Netns::Adopted(f) => f.spec.clone(),
        });
    engine.register_fn("==", |a: Stack, b: Stack| a == b);
    engine.register_fn("!=", |a: Stack, b: Stack| a != b);
    FuncRegistration::new("host")
        .with_comments([
            "/// host() -> Stack",
            "/// this machine's own network stack",
        ])
        .register_named(engine, [], || Stack { ns: Netns::Root });
    let s = shared.clone();
    FuncRegistration::new("ns")
        .with_comments([
            "/// ns(name) -> Stack",
            "/// a namespace on the host (created once, lo up); ns(\"pid:1234\") or ns(\"/path/to/netns\"): a process's or a file's namespace, adopted as it is",
        ])
        .register_named(
            engine,
            ["name"],
            move |ctx: NativeCallContext, name: &str| -> R<Stack> {
                let r = s
                    .borrow_mut()
                    .ns(&Stack { ns: Netns::Root }, name, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("ns")
        .with_comments([
            "/// stack.ns(name) -> Stack",
            "/// a namespace on a simulated host: host.name",
        ])
        .register_named(
            engine,
            ["stack", "name"],
            move |ctx: NativeCallContext, parent: &mut Stack, name: &str| -> R<Stack> {
                let r = s.borrow_mut().ns(parent, name, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("host")
        .with_comments([
            "/// host(name) -> Stack",
            "/// a simulated machine: a namespace with namespaces of its own",
        ])
        .register_named(
            engine,
            ["name"],
            move |ctx: NativeCallContext, name: &str| -> R<Stack> {
                let r =
                    check_nsname(name).and_then(|_| s.borrow_mut().make_ns(name, true, at(&ctx)));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("del")
        .with_comments([
            "/// stack.del()",
            "/// delete a namespace (a host goes with its namespaces)",
        ])
        .register_named(
            engine,
            ["stack"],
            move |ctx: NativeCallContext, st: &mut Stack| -> R<()> {
                let r = s.borrow_mut().del_ns(st, at(&ctx), false);
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("del")
        .with_comments([
            "/// stack.del(#{ adopted: true })",
            "/// delete a namespace the lab did not make (nothing brings it back)",
        ])
        .register_named(
            engine,
            ["stack", "opts"],
            move |ctx: NativeCallContext, st: &mut Stack, opts: Map| -> R<()> {
                let r = adopted("del", &opts).and_then(|a| s.borrow_mut().del_ns(st, at(&ctx), a));
                r.or_else(|e| fail(&ctx, e))
            },
        );
}
