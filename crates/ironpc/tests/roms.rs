//! The ROM test programs of `tests/roms/` and the benchmark ROM of `benches/rom/`: each is
//! assembled with nasm into a temporary directory and run as `-bios` firmware on the ironpc
//! binary. A test program prints `ok N text` or `FAIL N text: got X want Y` per check on
//! the debug console (port 0xE9), then `ALL PASSED: N checks`, and exits through port 0xF4
//! with 0 (exit status 1) or the number of its first failing check.
//!
//! nasm is required: the README's test command (`scripts/test.sh`) installs it. Without it
//! these tests fail, they do not pass silently.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("roms-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("cannot create a scratch directory");
    d
}

/// Assemble `src` (with its directory on the include path) into `out`.
fn nasm(src: &Path, out: &Path, defines: &[&str]) {
    let mut inc = src.parent().unwrap().as_os_str().to_owned();
    inc.push("/");
    let mut cmd = Command::new("nasm");
    cmd.arg("-f").arg("bin").arg("-I").arg(&inc);
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    cmd.arg("-o").arg(out).arg(src);
    let res = match cmd.output() {
        Ok(r) => r,
        Err(e) => panic!(
            "cannot run nasm ({e}): the ROM tests need it. Install it (`apt-get install nasm`) \
             or run the README's test command, scripts/test.sh, which installs it"
        ),
    };
    assert!(
        res.status.success(),
        "nasm failed on {}:\n{}",
        src.display(),
        String::from_utf8_lossy(&res.stderr)
    );
}

/// Run `rom` as firmware; returns the exit status and the debug-console output.
fn run(rom: &Path, dir: &Path) -> (Option<i32>, String) {
    let e9 = dir.join("e9.txt");
    let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .arg("-bios")
        .arg(rom)
        .arg("-debugcon")
        .arg(format!("file:{}", e9.display()))
        .args(["-display", "none", "-no-reboot", "--timeout", "60"])
        .output()
        .expect("cannot run the ironpc binary");
    let text = std::fs::read(&e9)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = if stderr.is_empty() {
        text
    } else {
        format!("{text}\n[ironpc stderr]\n{stderr}")
    };
    (out.status.code(), text)
}

/// Assemble and run `tests/roms/NAME.asm`; it must pass all of its `checks` checks.
fn rom_test(name: &str, checks: u32) -> String {
    let dir = scratch(name);
    let rom = dir.join(format!("{name}.rom"));
    nasm(&repo().join(format!("tests/roms/{name}.asm")), &rom, &[]);
    let (code, text) = run(&rom, &dir);
    assert!(
        !text.contains("FAIL"),
        "{name}: a check failed; debug console:\n{text}"
    );
    assert_eq!(
        code,
        Some(1),
        "{name}: expected exit status 1 (port 0xF4 <- 0); debug console:\n{text}"
    );
    // Every check ran, once, in order.
    let oks: Vec<u32> = text
        .lines()
        .filter_map(|l| l.strip_prefix("ok "))
        .map(|l| l.split(' ').next().unwrap().parse().unwrap())
        .collect();
    let want: Vec<u32> = (1..=checks).collect();
    assert_eq!(
        oks, want,
        "{name}: the checks that passed are not exactly 1..={checks}; debug console:\n{text}"
    );
    assert!(
        text.contains(&format!("ALL PASSED: {checks} checks\n")),
        "{name}: missing summary line; debug console:\n{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    text
}

#[test]
fn realmode_pm() {
    rom_test("realmode_pm", 41);
}

#[test]
fn farcalls() {
    rom_test("farcalls", 128);
}

#[test]
fn strings() {
    let text = rom_test("strings", 117);
    assert!(
        text.contains("# OUTSB says hello\nok "),
        "REP OUTSB output missing:\n{text}"
    );
    assert!(
        text.contains("\n# \nok "),
        "three single OUTSBs' output missing:\n{text}"
    );
}

#[test]
fn interrupts() {
    rom_test("interrupts", 158);
}

#[test]
fn smc() {
    rom_test("smc", 28);
}

/// The benchmark ROM (the workload of `benches/rom/`) must compute the native checksum.
fn bench_rom(paging: bool) {
    let name = if paging { "bench-paging" } else { "bench-flat" };
    let dir = scratch(name);
    let rom = dir.join(format!("{name}.rom"));
    let mut defines = vec!["ITERS=40"];
    if paging {
        defines.push("PAGING");
    }
    nasm(&repo().join("benches/rom/benchrom.asm"), &rom, &defines);
    let (code, text) = run(&rom, &dir);
    assert_eq!(code, Some(1), "{name}: exit status; debug console:\n{text}");
    assert_eq!(
        text, "BENCH-START\nBENCH-END iters=00000028 chk=79C58E05\n",
        "{name}: the checksum for ITERS=40 must match the native run"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bench_rom_flat() {
    bench_rom(false);
}

#[test]
fn bench_rom_paging() {
    bench_rom(true);
}
