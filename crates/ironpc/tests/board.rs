//! The board's devices as a guest sees them: the ROM test programs of `tests/roms/board/`
//! (8259A/8254 interrupts and virtual time, 8254 modes, 16550A UART, RTC/CMOS, 8042 with A20
//! and reset, every port with bad values), an idle guest's host CPU use, and the serial
//! console on standard input/output.
//!
//! Each ROM is assembled with nasm into a scratch directory and run as `-bios` firmware on
//! the ironpc binary. A ROM prints `ok N text` or `FAIL N text: got X want Y` per check on
//! the debug console (port 0xE9), then `ALL PASSED: N checks`, and exits through port 0xF4
//! with 0 (exit status 1). nasm is required: without it these tests fail, they do not pass.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("board-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("cannot create a scratch directory");
    d
}

/// Assemble `tests/roms/board/NAME.asm` with `defines` into `dir`.
fn assemble(name: &str, dir: &Path, defines: &[&str]) -> PathBuf {
    let src_dir = repo().join("tests/roms/board");
    let src = src_dir.join(format!("{name}.asm"));
    let out = dir.join(format!("{name}.rom"));
    let mut cmd = Command::new("nasm");
    cmd.arg("-f").arg("bin");
    for inc in [src_dir.clone(), repo().join("tests/roms")] {
        let mut i = inc.into_os_string();
        i.push("/");
        cmd.arg("-I").arg(i);
    }
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    cmd.arg("-o").arg(&out).arg(&src);
    let res = match cmd.output() {
        Ok(r) => r,
        Err(e) => panic!(
            "cannot run nasm ({e}): the board ROM tests need it. Install it (`apt-get install \
             nasm`) or run the README's test command, scripts/test.sh, which installs it"
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

/// How a run ended and what it printed.
struct Run {
    status: Option<i32>,
    /// Debug console (port 0xE9) output.
    e9: String,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Everything, for assertion messages.
    fn dump(&self) -> String {
        format!(
            "exit status {:?}\n[debug console]\n{}\n[stdout]\n{}\n[stderr]\n{}",
            self.status, self.e9, self.stdout, self.stderr
        )
    }

    /// The numbers of the `ok N` lines, in order.
    fn oks(&self) -> Vec<u32> {
        self.e9
            .lines()
            .filter_map(|l| l.strip_prefix("ok "))
            .map(|l| l.split(' ').next().unwrap().parse().unwrap())
            .collect()
    }
}

/// Run `rom` with `args`, the debug console going to a file, `stdin` piped in (or none).
fn run(rom: &Path, dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let e9 = dir.join("e9.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .arg("-bios")
        .arg(rom)
        .arg("-debugcon")
        .arg(format!("file:{}", e9.display()))
        .args(["-display", "none", "--timeout", "60"])
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run the ironpc binary");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(bytes)
            .expect("cannot write to ironpc's stdin");
        // Dropping the pipe closes it: the guest sees no more input after these bytes.
    }
    let out = child.wait_with_output().expect("ironpc did not finish");
    Run {
        status: out.status.code(),
        e9: std::fs::read(&e9)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The run passed exactly the checks `range`, in order, with no failure.
fn assert_checks(name: &str, r: &Run, range: std::ops::RangeInclusive<u32>) {
    assert!(
        !r.e9.contains("FAIL"),
        "{name}: a check failed\n{}",
        r.dump()
    );
    let want: Vec<u32> = range.collect();
    assert_eq!(
        r.oks(),
        want,
        "{name}: the checks that passed are not exactly {want:?}\n{}",
        r.dump()
    );
}

/// Assemble and run `NAME.asm`: it must pass its `checks` checks and exit with status 1.
fn rom_test(name: &str, defines: &[&str], args: &[&str], checks: u32) -> Run {
    // One directory per variant: tests run in parallel.
    let dir = scratch(
        &[name]
            .iter()
            .chain(defines)
            .copied()
            .collect::<Vec<_>>()
            .join("-"),
    );
    let rom = assemble(name, &dir, defines);
    let r = run(&rom, &dir, args, None);
    assert_checks(name, &r, 1..=checks);
    assert!(
        r.e9.contains(&format!("ALL PASSED: {checks} checks\n")),
        "{name}: missing summary line\n{}",
        r.dump()
    );
    assert_eq!(
        r.status,
        Some(1),
        "{name}: expected exit status 1 (port 0xF4 <- 0)\n{}",
        r.dump()
    );
    let _ = std::fs::remove_dir_all(&dir);
    r
}

#[test]
fn pic_pit() {
    rom_test("pic_pit", &[], &["-no-reboot"], 25);
}

#[test]
fn pit_modes() {
    rom_test("pit_modes", &[], &["-no-reboot"], 27);
}

#[test]
fn uart() {
    let dir = scratch("uart-serial");
    let serial = dir.join("com1.txt");
    let arg = format!("file:{}", serial.display());
    let r = rom_test("uart", &[], &["-no-reboot", "-serial", &arg], 37);
    let sent = std::fs::read(&serial).expect("no -serial file");
    assert_eq!(
        String::from_utf8_lossy(&sent),
        "hello serial\n",
        "COM1 output: loopback bytes must not leak, the transmitted line must arrive\n{}",
        r.dump()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rtc_fixed_date() {
    // The board's default start, given explicitly (the CLI's default is the host's time).
    rom_test(
        "rtc",
        &["MEM_MB=32"],
        &["-no-reboot", "-m", "32", "-rtc", "base=2000-01-01T00:00:00"],
        38,
    );
}

#[test]
fn rtc_leap_day_rollover() {
    rom_test(
        "rtc",
        &["MEM_MB=48", "LEAP"],
        &["-no-reboot", "-m", "48", "-rtc", "base=2024-02-29T23:59:58"],
        38,
    );
}

/// The year (UTC) of Unix time `t` (H. Hinnant's civil_from_days).
fn utc_year(t: u64) -> u64 {
    let z = t / 86_400 + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    yoe + era * 400 + u64::from(mp >= 10)
}

#[test]
fn rtc_defaults_to_host_time() {
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    assert_eq!(utc_year(946_684_800), 2000);
    assert_eq!(utc_year(1_709_251_198), 2024);
    assert_eq!(utc_year(1_735_689_599), 2024); // 2024-12-31 23:59:59
    assert_eq!(utc_year(1_735_689_600), 2025);
    let year = utc_year(now());
    let dir = scratch("rtc-now");
    let rom = assemble("rtc_now", &dir, &[&format!("YEAR={year}")]);
    let r = run(&rom, &dir, &["-no-reboot"], None);
    if utc_year(now()) != year {
        return; // New Year's Eve, midnight UTC: no verdict.
    }
    assert_checks("rtc_now", &r, 1..=2);
    assert_eq!(r.status, Some(1), "{}", r.dump());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rtc_rejects_bad_dates() {
    for bad in ["base=2023-02-29", "base=2024-01-01T25:00:00", "base=now"] {
        let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
            .args(["-rtc", bad, "-display", "none", "--timeout", "5"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "-rtc {bad}: {err}");
        assert!(err.contains("-rtc"), "-rtc {bad}: {err}");
    }
}

#[test]
fn i8042_reset_with_no_reboot_ends_the_run() {
    let dir = scratch("i8042-noreboot");
    let rom = assemble("i8042", &dir, &[]);
    let r = run(&rom, &dir, &["-no-reboot"], None);
    assert_checks("i8042", &r, 1..=22);
    assert!(
        r.e9.ends_with("# resetting through the 8042 (command FEh)\n"),
        "the run must end at the reset\n{}",
        r.dump()
    );
    assert_eq!(
        r.status,
        Some(0),
        "-no-reboot: a guest reset ends the run with status 0\n{}",
        r.dump()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn i8042_reset_reboots() {
    let dir = scratch("i8042-reboot");
    let rom = assemble("i8042", &dir, &[]);
    let r = run(&rom, &dir, &[], None);
    assert_checks("i8042", &r, 1..=26);
    assert!(
        r.e9.contains("# second boot\n") && r.e9.ends_with("ALL PASSED: 4 checks\n"),
        "the ROM must see itself start again\n{}",
        r.dump()
    );
    assert_eq!(r.status, Some(1), "{}", r.dump());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ports_with_bad_values() {
    let r = rom_test("ports", &[], &["-no-reboot", "-serial", "null"], 9);
    assert!(
        !r.stderr.contains("panic"),
        "the emulator panicked\n{}",
        r.dump()
    );
}

/// CPU time (user + system) and exit status of child `pid`, reaped with wait4(2).
#[cfg(unix)]
fn wait_rusage(pid: u32) -> (Duration, i32) {
    let pid = libc::pid_t::try_from(pid).unwrap();
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of the plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `ru` are valid for writes for the duration of the call.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        assert_eq!(
            err.kind(),
            std::io::ErrorKind::Interrupted,
            "wait4 failed: {err}"
        );
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (tv(ru.ru_utime) + tv(ru.ru_stime), code)
}

/// An idle guest (PIT at 100 Hz, `sti; hlt` loop) costs almost no host CPU, and its virtual
/// time keeps pace with host time: 200 ticks take 2 s.
#[cfg(unix)]
#[test]
#[allow(clippy::zombie_processes)] // reaped by wait_rusage (wait4), not by Child::wait
fn idle_guest_sleeps() {
    let dir = scratch("idle");
    let rom = assemble("idle", &dir, &[]);
    let e9 = dir.join("e9.txt");
    let start = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .arg("-bios")
        .arg(&rom)
        .arg("-debugcon")
        .arg(format!("file:{}", e9.display()))
        .args(["-display", "none", "--timeout", "20"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot run the ironpc binary");
    // Reaped here, not through `child.wait()`, to get this child's own resource usage.
    let (cpu, code) = wait_rusage(child.id());
    let wall = start.elapsed();
    let text = std::fs::read_to_string(&e9).unwrap_or_default();
    let share = cpu.as_secs_f64() / wall.as_secs_f64();
    eprintln!(
        "idle guest: wall {:.3} s, CPU {:.3} s ({:.2} % of one core)",
        wall.as_secs_f64(),
        cpu.as_secs_f64(),
        100.0 * share
    );
    assert_eq!(code, 1, "expected exit through port 0xF4; output:\n{text}");
    assert_eq!(text, "idle: 200 ticks\n");
    assert!(
        wall >= Duration::from_millis(1800),
        "200 ticks at 100 Hz took only {wall:?} of host time: virtual time ran ahead"
    );
    assert!(
        wall <= Duration::from_secs(10),
        "200 ticks at 100 Hz took {wall:?}"
    );
    assert!(
        share <= 0.05,
        "the idle guest used {cpu:?} of CPU in {wall:?} ({:.1} %)",
        100.0 * share
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `-rtc clock=vm`: virtual time is not tied to host time, so the same idle guest's 2 s of
/// timer ticks are skipped through at once (here well under a second of host time).
#[test]
fn clock_vm_skips_idle_time() {
    let dir = scratch("idle-vm");
    let rom = assemble("idle", &dir, &[]);
    let start = Instant::now();
    let r = run(&rom, &dir, &["-rtc", "clock=vm"], None);
    let wall = start.elapsed();
    assert_eq!(r.status, Some(1), "{}", r.e9);
    assert_eq!(r.e9, "idle: 200 ticks\n");
    assert!(
        wall < Duration::from_millis(1500),
        "2 s of idle virtual time took {wall:?} of host time with clock=vm"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `-nographic`: bytes piped into standard input reach COM1 (the guest echoes them to the
/// debug console and back to COM1, which is standard output). More than the FIFO holds,
/// before the guest has even initialised the UART.
#[test]
fn serial_console_stdin_to_com1() {
    let dir = scratch("echo");
    let rom = assemble("echo", &dir, &[]);
    let mut line: Vec<u8> = Vec::new();
    while line.len() < 3000 {
        line.extend_from_slice(b"the quick brown fox jumps over the lazy dog \x01 ");
    }
    line.push(b'\n');
    let mut input = line.clone();
    input.extend_from_slice(b"after the newline: not read\n");
    let r = run(&rom, &dir, &["-nographic"], Some(&input));
    let want = String::from_utf8(line).unwrap();
    assert_eq!(r.status, Some(1), "{}", r.dump());
    assert!(
        r.e9 == want,
        "the guest must receive exactly the first line (Ctrl-A passes through a pipe)\n{}",
        r.dump()
    );
    assert!(r.stdout == want, "COM1 output on stdout\n{}", r.dump());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `-serial stdio` with standard input at its end from the start: the run goes on, and the
/// run ends at the timeout with the guest still waiting.
#[test]
fn serial_console_without_input_times_out() {
    let dir = scratch("echo-eof");
    let rom = assemble("echo", &dir, &[]);
    let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .arg("-bios")
        .arg(&rom)
        .args(["-serial", "stdio", "-display", "none", "--timeout", "1"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(124),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A pseudo-terminal pair: (master, slave), if the host has pseudo-terminals.
#[cfg(target_os = "linux")]
fn openpty() -> Option<(std::fs::File, std::fs::File)> {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: the out-pointers are valid; null name, termios and winsize are allowed.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    if r != 0 {
        eprintln!("openpty: {}", std::io::Error::last_os_error());
        return None;
    }
    // SAFETY: openpty returned two fresh descriptors that nothing else owns.
    unsafe {
        Some((
            std::fs::File::from_raw_fd(master),
            std::fs::File::from_raw_fd(slave),
        ))
    }
}

/// The terminal modes of `tty` (input, output, control, local flags).
#[cfg(target_os = "linux")]
fn term_modes(tty: &std::fs::File) -> [libc::tcflag_t; 4] {
    use std::os::fd::AsRawFd;
    // SAFETY: an all-zero termios is a valid value of the plain C struct.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: the descriptor is open for the call and `t` is valid for writes.
    let r = unsafe { libc::tcgetattr(tty.as_raw_fd(), &mut t) };
    assert_eq!(r, 0, "tcgetattr: {}", std::io::Error::last_os_error());
    [t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag]
}

/// Standard input on a terminal: raw mode while the guest runs (Ctrl-A Ctrl-A sends one
/// Ctrl-A), Ctrl-A x ends the run with status 0, and the terminal's modes are restored.
#[cfg(target_os = "linux")]
#[test]
fn serial_console_on_a_terminal() {
    let dir = scratch("echo-tty");
    let rom = assemble("echo", &dir, &[]);
    let e9 = dir.join("e9.txt");
    for (input, status, want_e9) in [
        (&b"ab\x01\x01c\n"[..], 1, &b"ab\x01c\n"[..]),
        (&b"\x01x"[..], 0, &b""[..]),
    ] {
        let Some((mut master, slave)) = openpty() else {
            eprintln!("no pseudo-terminals on this host: terminal console test skipped");
            return;
        };
        let before = term_modes(&slave);
        let child = Command::new(env!("CARGO_BIN_EXE_ironpc"))
            .arg("-bios")
            .arg(&rom)
            .arg("-debugcon")
            .arg(format!("file:{}", e9.display()))
            .args(["-nographic", "--timeout", "30"])
            .stdin(slave.try_clone().unwrap())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot run the ironpc binary");
        // Wait for raw mode (no canonical input, no echo) before typing.
        let t0 = Instant::now();
        while term_modes(&slave)[3] & (libc::ICANON | libc::ECHO) != 0 {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "the console never put the terminal in raw mode"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        master.write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(status), "{stderr}");
        assert_eq!(std::fs::read(&e9).unwrap(), want_e9, "{stderr}");
        assert_eq!(
            term_modes(&slave),
            before,
            "the terminal's modes were not restored"
        );
        if status == 0 {
            assert!(stderr.contains("terminated"), "{stderr}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
