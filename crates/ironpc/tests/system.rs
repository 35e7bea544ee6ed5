//! The system-architecture ROM tests of `tests/roms/system/` (protection, interrupts and
//! exceptions, tasks, paging and the TLB, virtual-8086 mode, double and triple faults).
//! Each is assembled with nasm into a temporary directory and run as `-bios` firmware on the
//! ironpc binary. A test prints `ok N text` or `FAIL N text: got X want Y` per check on the
//! debug console (port 0xE9), then `ALL PASSED: N checks`, and exits through port 0xF4 with
//! 0 (exit status 1) or the number of its first failing check.
//!
//! nasm is required: without it these tests fail, they do not pass silently.

use std::path::{Path, PathBuf};
use std::process::Command;

fn roms_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/roms")
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("system-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("cannot create a scratch directory");
    d
}

/// Assemble `tests/roms/system/NAME.asm` (includes from `system/` and `tests/roms/`).
fn assemble(name: &str, dir: &Path) -> PathBuf {
    let src = roms_dir().join("system").join(format!("{name}.asm"));
    let out = dir.join(format!("{name}.rom"));
    let mut sys_inc = roms_dir().join("system").into_os_string();
    sys_inc.push("/");
    let mut lib_inc = roms_dir().into_os_string();
    lib_inc.push("/");
    let res = match Command::new("nasm")
        .arg("-f")
        .arg("bin")
        .arg("-I")
        .arg(&sys_inc)
        .arg("-I")
        .arg(&lib_inc)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .output()
    {
        Ok(r) => r,
        Err(e) => panic!(
            "cannot run nasm ({e}): the system ROM tests need it. Install it \
             (`apt-get install nasm`) or run the README's test command, scripts/test.sh"
        ),
    };
    assert!(
        res.status.success(),
        "nasm failed on {}:\n{}",
        src.display(),
        String::from_utf8_lossy(&res.stderr)
    );
    out
}

/// How a run ended: exit status, debug-console text, stderr.
struct Run {
    code: Option<i32>,
    e9: String,
    stderr: String,
}

impl Run {
    fn dump(&self) -> String {
        format!(
            "exit status {:?}\n[debug console]\n{}\n[ironpc stderr]\n{}",
            self.code, self.e9, self.stderr
        )
    }
}

fn run(rom: &Path, dir: &Path, no_reboot: bool) -> Run {
    let e9 = dir.join("e9.txt");
    let _ = std::fs::remove_file(&e9);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ironpc"));
    cmd.arg("-bios")
        .arg(rom)
        .arg("-debugcon")
        .arg(format!("file:{}", e9.display()))
        .args(["-display", "none", "--timeout", "60"]);
    if no_reboot {
        cmd.arg("-no-reboot");
    }
    let out = cmd.output().expect("cannot run the ironpc binary");
    Run {
        code: out.status.code(),
        e9: std::fs::read(&e9)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Assemble and run `tests/roms/system/NAME.asm`: every one of its `checks` checks must
/// pass, once, in order.
fn system_rom(name: &str, checks: u32) {
    let dir = scratch(name);
    let rom = assemble(name, &dir);
    let r = run(&rom, &dir, true);
    assert!(
        !r.e9.contains("FAIL"),
        "{name}: a check failed\n{}",
        r.dump()
    );
    assert_eq!(
        r.code,
        Some(1),
        "{name}: expected exit status 1 (port 0xF4 <- 0)\n{}",
        r.dump()
    );
    let oks: Vec<u32> =
        r.e9.lines()
            .filter_map(|l| l.strip_prefix("ok "))
            .filter_map(|l| l.split(' ').next()?.parse().ok())
            .collect();
    let want: Vec<u32> = (1..=checks).collect();
    assert_eq!(
        oks,
        want,
        "{name}: the checks that passed are not exactly 1..={checks}\n{}",
        r.dump()
    );
    assert!(
        r.e9.contains(&format!("ALL PASSED: {checks} checks\n")),
        "{name}: missing summary line\n{}",
        r.dump()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rings() {
    system_rom("rings", 177);
}

#[test]
fn tasks() {
    system_rom("tasks", 96);
}

#[test]
fn paging() {
    system_rom("paging", 87);
}

#[test]
fn v86() {
    system_rom("v86", 89);
}

#[test]
fn faults() {
    system_rom("faults", 110);
}

/// A triple fault: with `-no-reboot` the run ends with exit status 2 and the reason on
/// stderr; without it the machine resets, and the ROM (seeing its mark in CMOS RAM) passes
/// on the second boot.
#[test]
fn triple_fault() {
    let dir = scratch("triple");
    let rom = assemble("triple", &dir);
    let r = run(&rom, &dir, true);
    assert_eq!(
        r.code,
        Some(2),
        "triple fault with -no-reboot\n{}",
        r.dump()
    );
    assert!(
        r.stderr.contains("triple fault"),
        "the triple-fault message is missing on stderr\n{}",
        r.dump()
    );
    assert!(
        r.e9.contains("# first boot") && !r.e9.contains("second boot"),
        "-no-reboot: one boot only\n{}",
        r.dump()
    );
    let r = run(&rom, &dir, false);
    assert_eq!(
        r.code,
        Some(1),
        "without -no-reboot the machine resets and the second boot passes\n{}",
        r.dump()
    );
    assert!(
        r.e9.contains("# first boot: triple fault ahead\n# second boot")
            && r.e9.contains("ALL PASSED: 3 checks\n")
            && !r.e9.contains("FAIL"),
        "second boot output\n{}",
        r.dump()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
