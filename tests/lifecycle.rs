//! The lab's lifecycle in the kernel: `--rm` and `down` remove everything the lab made and
//! nothing else; `down` is idempotent; adopted objects survive it.

mod support;

use support::sandbox;

/// Waits (bounded) until the kernel has dismantled deleted namespaces, then prints what is left.
const LEFT: &str = r#"
for i in $(seq 1 50); do
  [ "$(ip -o link show type veth | wc -l)" = 0 ] && [ -z "$(ip netns list)" ] && break
  sleep 0.1
done
echo "links: $(ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ')"
echo "netns: $(ip netns list | tr '\n' ' ')"
echo "journals: $(ls /run/netsh | tr '\n' ' ')"
echo "rules: $(iptables-save | grep -c 'netsh:')"
"#;

#[test]
fn rm_leaves_nothing_behind() {
    let out = sandbox(&format!(
        "\"$NETSH\" run --rm scripts/chapter4.rhai || exit 1\n{LEFT}"
    ));
    out.assert_success();
    assert_eq!(out.stdout, "links: lo \nnetns: \njournals: \nrules: 0\n");
    assert!(out.stderr.contains("; removed (--rm)"), "{}", out.stderr);
}

#[test]
fn down_removes_the_lab_and_is_idempotent() {
    let out = sandbox(&format!(
        "\"$NETSH\" run scripts/chapter1.rhai || exit 1\n\
         \"$NETSH\" down scripts/chapter1.rhai || exit 1\n\
         \"$NETSH\" down --lab chapter1 || exit 1\n{LEFT}"
    ));
    out.assert_success();
    assert_eq!(out.stdout, "links: lo \nnetns: \njournals: \nrules: 0\n");
    assert!(
        out.stderr.contains("lab chapter1: nothing to remove"),
        "{}",
        out.stderr
    );
}

#[test]
fn adopted_objects_survive_down() {
    let script = "let br = bridge(\"br0\").addr(\"10.1.1.1/24\").up();\nconnect(ns(\"ns1\"), br, \"10.1.1.2/24\");\n";
    let out = sandbox(&format!(
        "ip link add br0 type bridge\n\
         cat > /tmp/adopt.$$.rhai <<'EOF'\n{script}EOF\n\
         \"$NETSH\" run --lab adopt /tmp/adopt.$$.rhai || exit 1\n\
         \"$NETSH\" down --lab adopt || exit 1\n\
         rm -f /tmp/adopt.$$.rhai\n{LEFT}\n\
         echo \"br0 addrs: $(ip -4 -o addr show dev br0 | wc -l)\""
    ));
    assert_eq!(
        out.stdout, "links: lo br0 \nnetns: \njournals: \nrules: 0\nbr0 addrs: 0\n",
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("1 adopted"), "{}", out.stderr);
}
