//! `ironpc`: the command-line front end. A thin layer: parse the QEMU-style flags, build the
//! board, run it, report how the run ended as an exit status.

mod cli;
#[cfg(target_os = "linux")]
mod kvm;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use ironpc_machine::{Board, Config, Output, RunOutcome};

use cli::Args;

/// Exit status of a run stopped by `--timeout`.
const EXIT_TIMEOUT: u8 = 124;

fn main() -> ExitCode {
    let args = Args::parse_from(cli::qemu_to_clap(std::env::args()));
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ironpc: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<u8> {
    let use_kvm = match args.accel.as_str() {
        "interp" | "tcg" => false,
        "kvm" if cfg!(target_os = "linux") => true,
        a => bail!("-accel {a}: expected interp or kvm"),
    };
    for (flag, given) in [
        ("-fda", args.fda.is_some()),
        ("-fdb", args.fdb.is_some()),
        ("-hda", args.hda.is_some()),
        ("-hdb", args.hdb.is_some()),
        ("-kernel", args.kernel.is_some()),
        ("--keys", args.keys.is_some()),
        ("--textdump", args.textdump.is_some()),
        ("--screendump", args.screendump.is_some()),
    ] {
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
        Some(p) => {
            std::fs::read(p).with_context(|| format!("cannot read BIOS image {}", p.display()))?
        }
        None => bail!("no built-in BIOS in this build yet: give a firmware image with -bios FILE"),
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
        ..Config::default()
    };
    let mut board = Board::new(&cfg)?;
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
        board.run(deadline)
    };
    #[cfg(not(target_os = "linux"))]
    let outcome = {
        let _ = use_kvm;
        board.run(deadline)
    };
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
