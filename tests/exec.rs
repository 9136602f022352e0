//! `exec` as a script sees it: each output stream keeps its first 16 MiB, and `cut` counts the
//! bytes past that, read and dropped.

mod support;

use std::process::Command;

#[test]
fn exec_keeps_16_mib_of_a_stream_and_counts_the_rest() {
    let dir = std::env::temp_dir().join(format!("netsh-exec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("big.rhai");
    std::fs::write(
        &file,
        "let r = exec(\"head -c 20M /dev/zero; echo oops >&2\");\n\
         print(`${r.code} ${r.out.len()} ${r.cut.out} ${r.err.len()} ${r.cut.err}`);\n",
    )
    .unwrap();
    let out = Command::new(support::netsh_bin())
        .args(["run", "--sandbox"])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("0 {} {} 5 0\n", 16 << 20, 4 << 20)
    );
}
