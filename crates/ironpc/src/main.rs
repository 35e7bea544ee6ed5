//! `ironpc`: the command-line front end. A thin layer: parse the QEMU-style flags, build the
//! board, run it, report how the run ended as an exit status.

mod bench;
mod cli;
mod console;
#[cfg(target_os = "linux")]
mod kvm;
mod screen;
mod window;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use ironpc_machine::bioscall::BUILTIN_BIOS;
use ironpc_machine::{Board, BootDevice, Config, DiskConfig, Output, RunOutcome};

use cli::Args;

/// Exit status of a run stopped by `--timeout`.
const EXIT_TIMEOUT: u8 = 124;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("bench") {
        return bench::main(&argv[1..]);
    }
    let args = Args::parse_from(cli::qemu_to_clap(argv));
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ironpc: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The largest firmware image the board takes (`ironpc_machine::Board::new`).
const BIOS_MAX: u64 = 0x2_0000;

/// Read a `-bios` image, but never more than the largest valid ROM: a huge file or a
/// device is refused by its size instead of being loaded into memory.
fn read_bios(p: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let what = || format!("cannot read BIOS image {}", p.display());
    let f = std::fs::File::open(p).with_context(what)?;
    let mut bios = Vec::new();
    f.take(BIOS_MAX + 1)
        .read_to_end(&mut bios)
        .with_context(what)?;
    if bios.len() as u64 > BIOS_MAX {
        let size = std::fs::metadata(p).map_or(bios.len() as u64, |m| m.len());
        bail!("{}", ironpc_machine::ConfigError::BiosSize(size as usize));
    }
    Ok(bios)
}

fn run(args: &Args) -> Result<u8> {
    let use_kvm = match args.accel.as_str() {
        "interp" | "tcg" => false,
        "kvm" if cfg!(target_os = "linux") => true,
        a => bail!("-accel {a}: expected interp or kvm"),
    };
    for (flag, given) in [("-kernel", args.kernel.is_some())] {
        if given {
            bail!("{flag} is not implemented yet in this build");
        }
    }
    if let Some(d) = args.display.as_deref() {
        if d != "window" && d != "none" {
            bail!("-display {d}: expected window or none");
        }
    }
    let bios = match &args.bios {
        Some(p) => read_bios(p)?,
        None => BUILTIN_BIOS.to_vec(),
    };
    let disks = DiskConfig {
        floppy: [args.fda.clone(), args.fdb.clone()],
        hard: [args.hda.clone(), args.hdb.clone()],
        boot: args.boot.as_deref().map(BootDevice::parse).transpose()?,
        snapshot: args.snapshot,
    };
    let debugcon = match args.debugcon.as_deref() {
        Some(s) => Output::parse(s)?,
        None => Output::Null,
    };
    let serial = match (args.serial.as_deref(), args.nographic) {
        (Some(s), _) => Output::parse(s)?,
        (None, true) => Output::Stdio,
        (None, false) => Output::Null,
    };
    let cfg = Config {
        ram_mib: args.mem,
        bios,
        debugcon,
        serial,
        no_reboot: args.no_reboot,
        disks,
        rtc_start: rtc_start(args.rtc.as_deref())?,
        pace: cli::rtc_clock_paced(args.rtc.as_deref()),
        ..Config::default()
    };
    let mut board = Board::new(&cfg)?;
    for d in board.disks.iter_mut().filter(|d| d.read_only()) {
        eprintln!(
            "ironpc: warning: {} is not writable: guest writes to it will fail \
             (-snapshot keeps them in memory)",
            d.path().display()
        );
    }
    // -serial stdio (or -nographic): standard input goes to COM1.
    let mut console = match cfg.serial {
        Output::Stdio => Some(console::Console::start(&mut board).context("serial console")?),
        _ => None,
    };
    if let Some(k) = args.keys.as_deref() {
        board
            .type_keys(&ironpc_machine::keys::unescape(k))
            .map_err(|c| anyhow::anyhow!("--keys: {c:?} cannot be typed on a US keyboard"))?;
    }
    if want_window(args, use_kvm) {
        match window::open() {
            Ok(link) => board.set_frontend(Box::new(link)),
            Err(e) => eprintln!("ironpc: no window ({e}); running with -display none"),
        }
    }
    let deadline = match args.timeout {
        Some(s) if s.is_finite() && s >= 0.0 => {
            Some(Instant::now() + Duration::from_secs_f64(s.min(1e9)))
        }
        Some(s) => bail!("--timeout {s}: expected a non-negative number of seconds"),
        None => None,
    };
    #[cfg(target_os = "linux")]
    let outcome = if use_kvm {
        kvm::run(
            &mut board,
            cfg.ram_mib as usize * 1024 * 1024,
            &cfg.bios,
            args.no_reboot,
            deadline,
        )?
    } else {
        console::run(&mut board, deadline, console.as_mut())
    };
    #[cfg(not(target_os = "linux"))]
    let outcome = {
        let _ = use_kvm;
        console::run(&mut board, deadline, console.as_mut())
    };
    // Leave raw mode before any message of ours.
    if let Some(c) = console.as_mut() {
        c.restore();
    }
    // Close the window, then write the dumps: on every way the run ended.
    drop(board.take_frontend());
    if let Err(e) = screen::write_dumps(
        &mut board.io.vga,
        args.textdump.as_deref(),
        args.screendump.as_deref(),
    ) {
        eprintln!("ironpc: cannot write {e:#}");
    }
    if std::env::var_os("IRONPC_DEBUG").is_some() {
        eprintln!("{}", board.debug_summary());
    }
    Ok(match outcome {
        RunOutcome::Exit(code) => (code & 0xFF) as u8,
        RunOutcome::Reset => 0,
        RunOutcome::TripleFault(why) => {
            eprintln!("ironpc: {why}");
            2
        }
        RunOutcome::Timeout => EXIT_TIMEOUT,
        RunOutcome::Halted(why) => {
            eprintln!("ironpc: {why}; stopping");
            3
        }
    })
}

/// Whether to open a window: `-display window`, or by default (no `-display`, no
/// `-nographic`) when an X display is there (`DISPLAY` set). An explicit `-display window`
/// that cannot be honoured says so on stderr; the default falls back silently.
fn want_window(args: &Args, use_kvm: bool) -> bool {
    let explicit = args.display.as_deref() == Some("window");
    let wanted = explicit
        || (args.display.is_none()
            && !args.nographic
            && std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()));
    if wanted && use_kvm {
        eprintln!("ironpc: no window with -accel kvm yet; running with -display none");
        return false;
    }
    if explicit && std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
        eprintln!("ironpc: no window (DISPLAY is not set); running with -display none");
        return false;
    }
    wanted
}

/// The RTC's start for `-rtc` (default: the host's time, UTC).
fn rtc_start(opt: Option<&str>) -> Result<i64> {
    let base = match opt {
        Some(s) => cli::RtcBase::parse(s).map_err(anyhow::Error::msg)?,
        None => cli::RtcBase::Utc,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let offset = if base == cli::RtcBase::LocalTime {
        utc_offset(now)
    } else {
        0
    };
    Ok(base.start(now, offset))
}

/// The host's offset from UTC at Unix time `t`, in seconds east (its local time zone).
#[cfg(unix)]
#[allow(clippy::useless_conversion)] // c_long is i64 on 64-bit hosts only
fn utc_offset(t: i64) -> i64 {
    // time_t is 64 bits on every host of interest; elsewhere the offset of 1970 does.
    let t = t as libc::time_t;
    // SAFETY: `localtime_r` reads `t` and writes the broken-down time into `tm`, both valid
    // for the call; an all-zero `tm` is a valid value of the plain C struct.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return 0;
        }
        i64::from(tm.tm_gmtoff)
    }
}

#[cfg(not(unix))]
fn utc_offset(_t: i64) -> i64 {
    0
}
