//! The `why` catalogue's one way to run a case: build a lab of tests/why in a sandbox, inject
//! one fault by hand, ask `why`, apply the fix it gives until the path is clear (at most three
//! rounds), then prove it with a real ping.

use super::sandbox;

/// `diagnose_with` without extra arguments for `why` or `ping`.
pub fn diagnose(lab: &str, params: &str, inject: &str, dst: &str) -> String {
    diagnose_with(lab, params, inject, dst, "", "")
}

/// Build `lab` with `params`, run `inject` (bash), then `why ns1 DST [why_args]`; while blocked
/// (at most 3 rounds) run its fix as a script that names every namespace (a machine's stack,
/// which holds namespaces, as `host(..)`). Prints each report without its `[ok]` hops (MAC
/// addresses as MAC: they are random; the all-zeros flood entry stays), then whether a real
/// `ping ping_args` passes.
pub fn diagnose_with(
    lab: &str,
    params: &str,
    inject: &str,
    dst: &str,
    why_args: &str,
    ping_args: &str,
) -> String {
    diagnose_at(lab, params, inject, ("ns1", dst), why_args, ping_args)
}

/// `diagnose_with` from the namespace `src`.
pub fn diagnose_at(
    lab: &str,
    params: &str,
    inject: &str,
    (src, dst): (&str, &str),
    why_args: &str,
    ping_args: &str,
) -> String {
    let ping = format!(
        r#"ip netns exec {src} ping -c1 -W2 {ping_args} {dst} >/dev/null 2>&1 && echo "ping ok" || echo "ping fails""#
    );
    diagnose_then(lab, params, inject, (src, dst), why_args, &ping)
}

/// `diagnose_at`, proved by the bash `prove` instead of a ping (a TCP connect, say).
pub fn diagnose_then(
    lab: &str,
    params: &str,
    inject: &str,
    (src, dst): (&str, &str),
    why_args: &str,
    prove: &str,
) -> String {
    let script = format!(
        r#"{built}
for round in 1 2 3; do
  "$NETSH" why {src} {dst} {why_args} > /run/why.out; rc=$?
  grep -Ev '^  \[(ok|then)\]' /run/why.out | sed -E 's/00(:00){{5}}/ZEROS/g; s/([0-9a-f]{{2}}:){{5}}[0-9a-f]{{2}}/MAC/g; s/ZEROS/00:00:00:00:00:00/g'; echo "exit $rc"
  [ $rc = 0 ] && break
  fix=$(sed -n 's/^  fix: //p' /run/why.out)
  [ -z "$fix" ] && break
  {{ for n in $(ls /run/netns | grep -v '\.'); do if ls /run/netns | grep -q "^$n\."; then echo "let $n = host(\"$n\");"; else echo "let $n = ns(\"$n\");"; fi; done; echo "$fix;"; }} > /run/fix.rhai
  "$NETSH" run --lab fix$round /run/fix.rhai >/dev/null 2>/run/fix.err || {{ echo "fix failed"; cat /run/fix.err; }}
done
{prove}"#,
        built = built(lab, params, inject)
    );
    let out = sandbox(&script);
    out.assert_success();
    out.stdout
}

/// The bash that builds `lab` (a lab of tests/why by its name, `chain`, or any script by its
/// path, `benches/star.rhai`) with `params`, then runs `inject`.
fn built(lab: &str, params: &str, inject: &str) -> String {
    let lab = match lab.ends_with(".rhai") {
        true => lab.to_string(),
        false => format!("tests/why/{lab}.rhai"),
    };
    format!(
        r#"cd "{dir}"
"$NETSH" run {lab} {params} >/dev/null 2>&1 || echo "build failed"
{inject}"#,
        dir = env!("CARGO_MANIFEST_DIR")
    )
}

/// Build `lab` with `params`, run `inject` (bash), ask `why SRC DST` and keep the lines of its
/// report that match `keep` (`grep -E`), then whether a real ping passes: for what a case
/// says of a step that stays clear (the rule it names, the address NAT takes).
pub fn why_lines(
    lab: &str,
    params: &str,
    inject: &str,
    (src, dst): (&str, &str),
    keep: &str,
) -> String {
    let script = format!(
        r#"{built}
"$NETSH" why {src} {dst} | grep -E '{keep}'
ip netns exec {src} ping -c1 -W2 {dst} >/dev/null 2>&1 && echo "ping ok" || echo "ping fails""#,
        built = built(lab, params, inject)
    );
    let out = sandbox(&script);
    out.assert_success();
    out.stdout
}

/// The report of a clear path, then the real ping.
pub fn clear(dst: &str) -> String {
    clear_from(("ns1", dst))
}

/// The report of a clear path from `src`, then the real ping.
pub fn clear_from((src, dst): (&str, &str)) -> String {
    format!("why {src} → {dst}\n  probe: {dst} answers\nverdict: clear\nexit 0\nping ok\n")
}

/// The report from `src` to `dst` with `hop` blocked by `cause`, fixed by `fix` (`other` as the
/// other way, when there is one), then clear after the fix, then the real ping.
pub fn fixed_from(
    (src, dst): (&str, &str),
    hop: &str,
    cause: &str,
    fix: &str,
    other: Option<&str>,
) -> String {
    let other = other
        .map(|o| format!("  other way: {o}\n"))
        .unwrap_or_default();
    format!(
        "why {src} → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n{other}  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\n{}",
        clear_from((src, dst))
    )
}

/// The report of a blocked probe: the broken step and its fix.
pub fn blocked(dst: &str, hop: &str, cause: &str, fix: &str) -> String {
    format!(
        "why ns1 → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\n"
    )
}

/// One fault, named and fixed: the report, then clear, then the real ping.
pub fn fixed(lab: &str, params: &str, inject: &str, dst: &str, hop: &str, cause: &str, fix: &str) {
    let got = diagnose(lab, params, inject, dst);
    assert_eq!(got, blocked(dst, hop, cause, fix) + clear(dst).as_str());
}

/// Build the home lab (a router rt with a port forward wan:8080 → nas:80) with a service on
/// nas:80, inject `fault`, ask `why CLIENT 100.64.0.2:8080`, apply its fix, ask again, then a
/// real connect from `client`. Prints each report without its `[ok]` hops. A listener the
/// fault starts writes its pid to /run/extra.pid, and is stopped at the end.
pub fn home_tcp(client: &str, fault: &str) -> String {
    let script = format!(
        r#"cd "{dir}"
"$NETSH" run tests/why/home.rhai >/dev/null 2>&1 || echo "build failed"
ip netns exec nas "$TCP_LISTEN" 80 /run/ready 90 >/dev/null & L=$!
for i in $(seq 1 50); do [ -e /run/ready ] && break; sleep 0.1; done
{fault}
for round in 1 2; do
  "$NETSH" why {client} 100.64.0.2:8080 > /run/why.out; rc=$?
  grep -Ev '^  \[(ok|then)\]' /run/why.out; echo "exit $rc"
  [ $rc = 0 ] && break
  fix=$(sed -n 's/^  fix: //p' /run/why.out)
  [ -z "$fix" ] && break
  {{ for n in $(ls /run/netns); do echo "let $n = ns(\"$n\");"; done; echo "$fix;"; }} > /run/fix.rhai
  "$NETSH" run --lab fix$round /run/fix.rhai >/dev/null 2>/run/fix.err || {{ echo "fix failed"; cat /run/fix.err; }}
done
ip netns exec {client} timeout 5 bash -c 'exec 3<>/dev/tcp/100.64.0.2/8080' 2>/dev/null && echo "connect ok" || echo "connect fails"
kill $L; if [ -e /run/extra.pid ]; then kill $(cat /run/extra.pid); fi"#,
        dir = env!("CARGO_MANIFEST_DIR")
    );
    let out = sandbox(&script);
    out.assert_success();
    out.stdout
}
