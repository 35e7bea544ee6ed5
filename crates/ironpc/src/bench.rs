//! `ironpc bench`: the same guests on full emulation (the interpreter), on hardware-assisted
//! virtualization (KVM, the board's devices driven by its exits) and, where a guest has a
//! native equivalent, natively — measured, checked and reported side by side.
//!
//! Every guest is built into the binary: firmware ROMs (`benches/rom/*.rom`, rebuilt by
//! `benches/rom/build.sh`; a test checks they match their sources), and the demo disk
//! (`roms/demo.img`, booted from floppy A: through the built-in BIOS), so the bench needs no
//! assembler. Each run's guest output is checked (`BENCH-END iters=… chk=…` against the
//! native checksum or the expected count, or the demo's last line); a wrong answer makes the
//! row "failed", never a fast number. The native build of the integer workload
//! (`benches/rom/native.asm`) is assembled at bench time when nasm and ld are installed.
//!
//! Timing: wall time of the guest's run from reset to its write to the exit port (board or
//! VM construction excluded; for native, process start to exit). The median of N runs is
//! reported with min–max. Thread CPU time is measured too: "cost per exit" divides it by the
//! exits (KVM) or traps (interpreter) of the run, so it includes the guest work between them.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use ironpc_machine::{Board, Config, DiskConfig, Output, RunOutcome};

/// Instructions of the integer workload before its first iteration, and per iteration: a
/// ptrace single-step count of the native build, a REP string instruction counting once.
const INT_SETUP_INSTRS: u64 = 156_861;
const INT_ITER_INSTRS: u64 = 512_369;
/// Iterations of the native integer workload when timed (it is ~30× faster than a guest,
/// so it runs more iterations to be measured over seconds, like the interpreter).
const NATIVE_ITERS_QUICK: u64 = 200;
const NATIVE_ITERS_FULL: u64 = 20_000;
/// Checksums of the integer workload by iteration count, from its native build. Used when
/// nasm/ld are missing; otherwise the native build's own answer is the reference.
const KNOWN_CHECKSUMS: &[(u64, u32)] = &[
    (4, 0x1FFD_3D09),
    (40, 0x79C5_8E05),
    (200, 0x03C0_B3B3),
    (1000, 0x010A_CE1B),
    (20_000, 0x2E9F_2691),
];
/// Guest RAM of every bench machine.
const RAM_MIB: u32 = 32;

/// `ironpc bench`: the interpreter, KVM and native execution on the same workloads.
#[derive(Parser, Debug)]
#[command(
    name = "ironpc bench",
    bin_name = "ironpc bench",
    about = "Measure the interpreter, KVM and native execution on the same guests",
    long_about = "Measure the interpreter, KVM and native execution on the same guests.\n\n\
        Prints a table (median of N runs with min-max, guest MIPS, slowdown against native and \
        against the interpreter, exits or traps per second and their cost) and optionally \
        writes JSON, CSV and an SVG bar chart. Every guest's output is checked; a wrong \
        answer is a failed row. KVM problems (no /dev/kvm, a software hypervisor that cannot \
        run a guest, time limits) become skipped or failed rows with the reason.\n\n\
        Exit status: 0 if the bench ran (whatever KVM could do), 1 if an interpreter or \
        native row failed or an output file could not be written, 2 on bad arguments."
)]
struct BenchArgs {
    /// Each case once, at the short sizes (under a minute in all).
    #[arg(long)]
    quick: bool,
    /// Runs per case (default 3, or 1 with --quick).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    runs: Option<u32>,
    /// Write the results as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the results as CSV.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Draw the slowdown against native as an SVG bar chart.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
    /// Engines to run, comma-separated.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "interp,kvm,native"
    )]
    engines: Vec<Engine>,
    /// Only these workloads (comma-separated names; default: all).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    workloads: Vec<String>,
}

/// An execution engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
enum Engine {
    /// IronPC's interpreter: full emulation.
    Interp,
    /// The guest on the host CPU through Linux KVM.
    Kvm,
    /// The workload as a Linux program on the host.
    Native,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Interp => "interp",
            Engine::Kvm => "kvm",
            Engine::Native => "native",
        }
    }
}

/// A firmware image with the size of work it does.
struct Rom {
    /// Iterations (the `ITERS` it was assembled with).
    iters: u64,
    image: &'static [u8],
    /// A floppy image for drive A: (with the built-in BIOS as `image`), or none.
    floppy: Option<&'static [u8]>,
}

impl Rom {
    /// Identifies the guest: the addresses of its built-in images.
    fn key(&self) -> (usize, usize) {
        (
            self.image.as_ptr() as usize,
            self.floppy.map_or(0, |f| f.as_ptr() as usize),
        )
    }
}

macro_rules! rom {
    ($file:literal, $iters:expr) => {
        Rom {
            iters: $iters,
            image: include_bytes!(concat!("../../../benches/rom/", $file)),
            floppy: None,
        }
    };
}

/// The shipped demo disk, booted through the built-in BIOS (the same bytes as
/// `ironpc_machine::bioscall::BUILTIN_BIOS`).
const DEMO_DISK: Rom = Rom {
    iters: 1,
    image: include_bytes!("../../../roms/bios.bin"),
    floppy: Some(include_bytes!("../../../roms/demo.img")),
};

/// What a correct run prints on the debug console.
enum Check {
    /// `BENCH-END iters=ITERS chk=C`, C = the native build's checksum for ITERS.
    IntegerChecksum,
    /// `BENCH-END iters=ITERS chk=ITERS`: the guest counted all its events.
    CountsIters,
    /// The output ends with this text.
    EndsWith(&'static str),
}

/// The native counterpart of a workload.
enum Native {
    /// Assemble and run `benches/rom/native.asm`.
    IntegerBuild,
    /// The same native measurement as another workload, and why.
    SameAs(&'static str, &'static str),
    /// None, and why.
    Without(&'static str),
}

/// How the guest instructions of a run are counted.
enum Count {
    /// `INT_SETUP_INSTRS + iters × INT_ITER_INSTRS` (native instruction stream).
    IntegerFormula,
    /// The interpreter's retired-instruction count for the same ROM.
    Retired,
}

/// One benchmark: a row of this table is all it takes to add one.
struct Workload {
    name: &'static str,
    about: &'static str,
    quick: Rom,
    full: Rom,
    /// The full size is still short under a software hypervisor (PVM runs 32-bit guest code
    /// at ~0.5 MIPS); otherwise KVM runs the quick size there and says so.
    full_on_soft_kvm: bool,
    /// Virtual time paced to host time (for guests that wait for timers).
    pace: bool,
    /// The guest waits for this many timer interrupts per second (reported as achieved).
    irq_hz: Option<f64>,
    check: Check,
    native: Native,
    count: Count,
}

/// The PIT's input clock (the irq ROMs divide it by 119).
const PIT_HZ: f64 = 1_193_182.0;

const NO_NATIVE_IO: &str = "no native equivalent: a Linux process cannot own the board's devices";

static WORKLOADS: [Workload; 8] = [
    Workload {
        name: "integer-flat",
        about: "benches/rom/workload.inc (CRC32, sieve, sort, rep movsd), flat 32-bit",
        quick: rom!("benchrom-flat-4.rom", 4),
        full: rom!("benchrom-flat-1000.rom", 1000),
        full_on_soft_kvm: false,
        pace: false,
        irq_hz: None,
        check: Check::IntegerChecksum,
        native: Native::IntegerBuild,
        count: Count::IntegerFormula,
    },
    Workload {
        name: "integer-paging",
        about: "the same workload with paging on (identity map of 16 MiB, 4 KiB pages)",
        quick: rom!("benchrom-paging-4.rom", 4),
        full: rom!("benchrom-paging-1000.rom", 1000),
        full_on_soft_kvm: false,
        pace: false,
        irq_hz: None,
        check: Check::IntegerChecksum,
        native: Native::SameAs(
            "integer-flat",
            "the integer-flat native run: Linux user code always runs with paging on",
        ),
        count: Count::IntegerFormula,
    },
    Workload {
        name: "portio",
        about: "`out 0x80, al` in a 4-instruction loop (port-I/O exit cost)",
        quick: rom!("portio-100000.rom", 100_000),
        full: rom!("portio-10000000.rom", 10_000_000),
        full_on_soft_kvm: false,
        pace: false,
        irq_hz: None,
        check: Check::CountsIters,
        native: Native::Without(NO_NATIVE_IO),
        count: Count::Retired,
    },
    Workload {
        name: "mmio",
        about: "32-bit stores to unmapped memory at 0xE0000000 in a 4-instruction loop (MMIO exit cost)",
        quick: rom!("mmio-100000.rom", 100_000),
        full: rom!("mmio-10000000.rom", 10_000_000),
        full_on_soft_kvm: false,
        pace: false,
        irq_hz: None,
        check: Check::CountsIters,
        native: Native::Without(NO_NATIVE_IO),
        count: Count::Retired,
    },
    Workload {
        name: "irq-pm32",
        about: "PIT at 10 kHz, IRQ0 counted in a HLT loop, 32-bit protected mode (IDT)",
        quick: rom!("irq-pm32-1000.rom", 1000),
        full: rom!("irq-pm32-20000.rom", 20_000),
        full_on_soft_kvm: true,
        pace: true,
        irq_hz: Some(PIT_HZ / 119.0),
        check: Check::CountsIters,
        native: Native::Without(NO_NATIVE_IO),
        count: Count::Retired,
    },
    Workload {
        name: "irq-real",
        about: "the same interrupt loop in real mode (IVT)",
        quick: rom!("irq-real-1000.rom", 1000),
        full: rom!("irq-real-20000.rom", 20_000),
        full_on_soft_kvm: true,
        pace: true,
        irq_hz: Some(PIT_HZ / 119.0),
        check: Check::CountsIters,
        native: Native::Without(NO_NATIVE_IO),
        count: Count::Retired,
    },
    Workload {
        name: "demo",
        about: "roms/demo.rom: real mode, protected mode, 4 MiB paging, a sieve, RDTSC",
        quick: Rom {
            iters: 1,
            image: include_bytes!("../../../roms/demo.rom"),
            floppy: None,
        },
        full: Rom {
            iters: 1,
            image: include_bytes!("../../../roms/demo.rom"),
            floppy: None,
        },
        full_on_soft_kvm: true,
        pace: true,
        irq_hz: None,
        check: Check::EndsWith("demo done\n"),
        native: Native::Without("firmware guest: no native build"),
        count: Count::Retired,
    },
    Workload {
        name: "demo-disk",
        about: "roms/demo.img (the README's guest) booted from floppy through the built-in BIOS \
                to its end: INT 13h loading, CPUID, E820h, sieves in real mode and in \
                protected mode with paging, the Mandelbrot set in mode 13h (its HLT waits \
                skipped: not paced)",
        quick: DEMO_DISK,
        full: DEMO_DISK,
        full_on_soft_kvm: true,
        pace: false,
        irq_hz: None,
        check: Check::EndsWith("demo done\n"),
        native: Native::Without("a disk booted through the BIOS: no native build"),
        count: Count::Retired,
    },
];

/// The machine the bench ran on.
struct Host {
    cpu: String,
    cores: usize,
    kernel: String,
    hypervisor: String,
}

impl Host {
    fn probe() -> Host {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|v| v.trim().to_string())
            })
            .unwrap_or_else(|| std::env::consts::ARCH.to_string());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| format!("{} {}", std::env::consts::OS, s.trim()))
            .unwrap_or_else(|_| std::env::consts::OS.to_string());
        #[cfg(target_os = "linux")]
        let hypervisor = ironpc_kvm::hypervisor();
        #[cfg(not(target_os = "linux"))]
        let hypervisor = "none".to_string();
        Host {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            kernel,
            hypervisor,
        }
    }

    /// `/dev/kvm` is a software hypervisor (PVM): 32-bit guest code is emulated, not run.
    fn soft_kvm(&self) -> bool {
        self.hypervisor.starts_with("pvm")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Ok,
    Skipped,
    Failed,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
        }
    }
}

/// Why a case produced no measurement.
#[derive(Debug)]
enum Stop {
    Skipped(String),
    Failed(String),
}

/// One timed run.
struct Sample {
    secs: f64,
    cpu_secs: Option<f64>,
    output: String,
    exits: Vec<(String, u64)>,
    exits_total: u64,
    retired: Option<u64>,
}

/// A result row: one engine on one workload.
struct Row {
    engine: Engine,
    workload: &'static str,
    status: Status,
    reason: Option<String>,
    times: Vec<f64>,
    cpu: Vec<f64>,
    /// Guest instructions of one run.
    instrs: Option<u64>,
    exits: Vec<(String, u64)>,
    exits_total: u64,
    mips: Option<f64>,
    vs_native: Option<f64>,
    vs_interp: Option<f64>,
}

impl Row {
    fn empty(engine: Engine, workload: &'static str, status: Status, reason: String) -> Row {
        Row {
            engine,
            workload,
            status,
            reason: Some(reason),
            times: Vec::new(),
            cpu: Vec::new(),
            instrs: None,
            exits: Vec::new(),
            exits_total: 0,
            mips: None,
            vs_native: None,
            vs_interp: None,
        }
    }

    fn median(&self) -> f64 {
        median(&self.times).unwrap_or(0.0)
    }

    fn min(&self) -> f64 {
        self.times
            .iter()
            .copied()
            .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.min(t))))
            .unwrap_or(0.0)
    }

    fn max(&self) -> f64 {
        self.times.iter().copied().fold(0.0, f64::max)
    }

    fn cpu_median(&self) -> Option<f64> {
        median(&self.cpu)
    }

    /// Exits (or traps) per second of wall time.
    fn exit_rate(&self) -> Option<f64> {
        let t = self.median();
        (self.status == Status::Ok && self.exits_total > 0 && t > 0.0)
            .then(|| self.exits_total as f64 / t)
    }

    /// Microseconds of CPU time per exit, all work included; only where exits dominate
    /// (at least one per 100 guest instructions), elsewhere it would be the workload's cost.
    fn us_per_exit(&self) -> Option<f64> {
        let c = self.cpu_median()?;
        let dense = self
            .instrs
            .is_some_and(|n| self.exits_total.saturating_mul(100) >= n);
        (self.status == Status::Ok && self.exits_total > 0 && dense)
            .then(|| c * 1e6 / self.exits_total as f64)
    }
}

fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    })
}

/// CPU time of the calling thread (the vCPU thread for KVM), from the scheduler.
fn thread_cpu() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

/// Parse the `BENCH-END iters=XXXXXXXX chk=XXXXXXXX` line of a guest's output.
fn bench_end(out: &str) -> Option<(u32, u32)> {
    let line = out.lines().find(|l| l.starts_with("BENCH-END "))?;
    let mut iters = None;
    let mut chk = None;
    for f in line.split_whitespace() {
        if let Some(v) = f.strip_prefix("iters=") {
            iters = u32::from_str_radix(v, 16).ok();
        } else if let Some(v) = f.strip_prefix("chk=") {
            chk = u32::from_str_radix(v, 16).ok();
        }
    }
    Some((iters?, chk?))
}

/// Is `out` the correct output of a run of `iters` iterations? `expected` is the native
/// checksum for [`Check::IntegerChecksum`]. Ok carries a short description of what matched.
fn check_output(
    check: &Check,
    iters: u64,
    expected: Option<u32>,
    out: &str,
) -> Result<String, String> {
    let tail = || {
        let t: String = out
            .chars()
            .rev()
            .take(120)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{t:?}")
    };
    match check {
        Check::EndsWith(s) => {
            if out.ends_with(s) {
                Ok(format!("output ends with {s:?}"))
            } else {
                Err(format!("output does not end with {s:?}: {}", tail()))
            }
        }
        Check::IntegerChecksum | Check::CountsIters => {
            let Some((got_iters, chk)) = bench_end(out) else {
                return Err(format!("no BENCH-END line in the output: {}", tail()));
            };
            if u64::from(got_iters) != iters {
                return Err(format!("guest ran iters={got_iters}, expected {iters}"));
            }
            let want = match check {
                Check::CountsIters => Some(iters as u32),
                _ => expected,
            };
            match want {
                Some(w) if w == chk => Ok(format!("chk={chk:08X} as expected")),
                Some(w) => Err(format!(
                    "checksum mismatch: chk={chk:08X}, expected {w:08X}"
                )),
                None => Ok(format!("chk={chk:08X} (no reference to compare with)")),
            }
        }
    }
}

/// The native toolchain's state: built programs by iteration count, or why there are none.
enum NativeTools {
    Built(HashMap<u64, PathBuf>),
    Missing(String),
}

struct Bench {
    quick: bool,
    runs: u32,
    engines: Vec<Engine>,
    host: Host,
    tmp: PathBuf,
    native: NativeTools,
    /// Reference checksums of the integer workload by iterations.
    checksums: HashMap<u64, u32>,
    /// Retired guest instructions per guest (by [`Rom::key`]), from the interpreter.
    retired: HashMap<(usize, usize), u64>,
}

static RUN_ID: AtomicU64 = AtomicU64::new(0);

impl Bench {
    /// Time limit of one run.
    fn limit(&self, engine: Engine) -> Duration {
        Duration::from_secs(match (self.quick, engine) {
            (true, _) => 30,
            (false, Engine::Kvm) => 120,
            (false, _) => 300,
        })
    }

    /// A fresh board for `rom`, its debug console going to a file; returns the file.
    fn board(&self, rom: &Rom, pace: bool) -> Result<(Board, PathBuf), Stop> {
        let id = RUN_ID.fetch_add(1, Ordering::Relaxed);
        let out = self.tmp.join(format!("debugcon-{id}.txt"));
        let mut disks = DiskConfig::default();
        if let Some(img) = rom.floppy {
            // The board opens disks by path: a copy of the built-in image, writes kept in
            // memory (-snapshot).
            let path = self.tmp.join(format!("floppy-{id}.img"));
            std::fs::write(&path, img)
                .map_err(|e| Stop::Failed(format!("cannot write {}: {e}", path.display())))?;
            disks.floppy[0] = Some(path);
            disks.snapshot = true;
        }
        let cfg = Config {
            disks,
            ram_mib: RAM_MIB,
            bios: rom.image.to_vec(),
            debugcon: Output::File(out.clone()),
            serial: Output::Null,
            no_reboot: true,
            pace,
            ..Config::default()
        };
        let board = Board::new(&cfg).map_err(|e| Stop::Failed(format!("board: {e}")))?;
        if let Some(p) = &cfg.disks.floppy[0] {
            let _ = std::fs::remove_file(p); // the board has it open
        }
        Ok((board, out))
    }

    fn run_interp(&self, rom: &Rom, pace: bool, limit: Duration) -> Result<Sample, Stop> {
        let (mut board, out) = self.board(rom, pace)?;
        let cpu0 = thread_cpu();
        let t0 = Instant::now();
        let outcome = board.run(Some(t0 + limit));
        let secs = t0.elapsed().as_secs_f64();
        let cpu_secs = thread_cpu().zip(cpu0).map(|(b, a)| b - a);
        board.flush();
        let output = take_output(&out);
        let st = &board.cpu.cpu.stats;
        let exits: Vec<(String, u64)> = [
            ("io_in", st.io_in),
            ("io_out", st.io_out),
            ("interrupts", st.interrupts),
            ("exceptions", st.exceptions.iter().sum()),
            ("soft_ints", st.soft_ints),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let exits_total = exits.iter().map(|(_, v)| v).sum();
        match outcome {
            RunOutcome::Exit(1) => Ok(Sample {
                secs,
                cpu_secs,
                output,
                exits,
                exits_total,
                retired: Some(board.cpu.cpu.icount),
            }),
            RunOutcome::Timeout => Err(Stop::Failed(format!(
                "did not finish within {} s",
                limit.as_secs()
            ))),
            other => Err(Stop::Failed(format!(
                "{} ({})",
                describe(&other),
                board.debug_summary().replace('\n', "; ")
            ))),
        }
    }

    #[cfg(target_os = "linux")]
    fn run_kvm(&self, rom: &Rom, pace: bool, limit: Duration) -> Result<Sample, Stop> {
        use crate::kvm;
        use ironpc_kvm::{KvmEngine, KvmError, KvmExit};
        let (mut board, out) = self.board(rom, pace)?;
        let mut kvm =
            KvmEngine::new(RAM_MIB as usize * 1024 * 1024, rom.image).map_err(|e| match e {
                KvmError::Unavailable(_) => Stop::Skipped(e.to_string()),
                e => Stop::Failed(e.to_string()),
            })?;
        let soft = self.host.soft_kvm();
        let cpu0 = thread_cpu();
        let t0 = Instant::now();
        let deadline = t0 + limit;
        // The loop of `-accel kvm` (src/kvm.rs): device time is host time; leave the guest
        // at the next device event or after 10 ms at most.
        let timeout = || {
            Stop::Skipped(format!(
                "did not finish within the {} s limit on {}",
                limit.as_secs(),
                self.host.hypervisor
            ))
        };
        let end: Result<(), Stop> = loop {
            let now = t0.elapsed().as_nanos() as u64;
            board.io.advance(now);
            let slice = kvm::slice(&board, now);
            match kvm.run_sliced(&mut board.io, u64::MAX, Some(deadline), Some(slice)) {
                Err(e) => {
                    let hint = if soft && matches!(e, KvmError::Internal(_)) {
                        "; under PVM all 32-bit guest code runs in KVM's instruction emulator, \
                         which delivers interrupts only in real mode (INT n and IRQs in 32-bit \
                         protected mode end like this here)"
                    } else {
                        ""
                    };
                    break Err(Stop::Failed(format!("{e}{hint}")));
                }
                Ok(KvmExit::Stop) => {
                    // BIOS host calls (the demo disk's INT 13h) are served in KVM's RAM.
                    kvm::serve_stop(&mut board, &mut kvm);
                    if let Some(code) = board.io.exit_code() {
                        break if code == 1 {
                            Ok(())
                        } else {
                            let hint = if soft {
                                "; under PVM, interrupts and paging in 32-bit protected mode \
                                 fail (see BENCHMARKS.md)"
                            } else {
                                ""
                            };
                            Err(Stop::Failed(format!("guest exit status {code}{hint}")))
                        };
                    }
                    if board.io.reset_requested() {
                        break Err(Stop::Failed("the guest reset the machine".into()));
                    }
                }
                Ok(KvmExit::Halted) => match kvm::halted_for_good(&board, &kvm) {
                    Err(e) => break Err(Stop::Failed(e.to_string())),
                    Ok(Some(why)) => break Err(Stop::Failed(why)),
                    Ok(None) => {
                        if !kvm::wait_for_interrupt(&mut board, t0, Some(deadline)) {
                            break Err(timeout());
                        }
                    }
                },
                Ok(KvmExit::Shutdown) => {
                    let hint = if soft {
                        "; under PVM, 32-bit guests that turn on paging triple-fault (seen here with \
                         every paging guest, see BENCHMARKS.md)"
                    } else {
                        ""
                    };
                    break Err(Stop::Failed(format!(
                        "triple fault (KVM_EXIT_SHUTDOWN){hint}"
                    )));
                }
                Ok(KvmExit::Budget) => {}
            }
            if Instant::now() >= deadline {
                break Err(timeout());
            }
        };
        let secs = t0.elapsed().as_secs_f64();
        let cpu_secs = thread_cpu().zip(cpu0).map(|(b, a)| b - a);
        board.flush();
        let output = take_output(&out);
        // A failure says what the guest said last (disk guests say where they stopped).
        end.map_err(|stop| match stop {
            Stop::Failed(why) => match output.lines().rfind(|l| !l.trim().is_empty()) {
                Some(last) => Stop::Failed(format!("{why}; the guest's last output: {last:?}")),
                None => Stop::Failed(why),
            },
            skipped => skipped,
        })?;
        let mut exits: Vec<(String, u64)> = kvm
            .stats
            .by_reason()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        exits.push(("kicks".into(), kvm.kicks));
        Ok(Sample {
            secs,
            cpu_secs,
            output,
            exits,
            exits_total: kvm.stats.total() + kvm.kicks,
            retired: None,
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn run_kvm(&self, _rom: &Rom, _pace: bool, _limit: Duration) -> Result<Sample, Stop> {
        Err(Stop::Skipped("the KVM engine is Linux-only".into()))
    }

    /// Run the native integer program built for `iters` iterations.
    fn run_native(&self, iters: u64, limit: Duration) -> Result<Sample, Stop> {
        let exe = match &self.native {
            NativeTools::Built(m) => m
                .get(&iters)
                .ok_or_else(|| Stop::Failed(format!("no native build for {iters} iterations")))?,
            NativeTools::Missing(why) => return Err(Stop::Skipped(why.clone())),
        };
        let t0 = Instant::now();
        let mut child = Command::new(exe)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Stop::Failed(format!("cannot run {}: {e}", exe.display())))?;
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) if t0.elapsed() >= limit => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Stop::Failed(format!(
                        "did not finish within {} s",
                        limit.as_secs()
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_micros(200)),
                Err(e) => return Err(Stop::Failed(format!("wait: {e}"))),
            }
        };
        let secs = t0.elapsed().as_secs_f64();
        let mut output = String::new();
        if let Some(mut o) = child.stdout.take() {
            let _ = o.read_to_string(&mut output);
        }
        if !status.success() {
            return Err(Stop::Failed(format!("native program: {status}")));
        }
        Ok(Sample {
            secs,
            cpu_secs: None,
            output,
            exits: Vec::new(),
            exits_total: 0,
            retired: None,
        })
    }

    /// The interpreter's retired-instruction count for `rom` (an untimed run if needed).
    fn retired(&mut self, rom: &Rom) -> Option<u64> {
        let key = rom.key();
        if let Some(&n) = self.retired.get(&key) {
            return Some(n);
        }
        let s = self.run_interp(rom, false, Duration::from_secs(120)).ok()?;
        let n = s.retired?;
        self.retired.insert(key, n);
        Some(n)
    }

    /// Run one engine on one workload `runs` times.
    fn case(&mut self, w: &'static Workload, engine: Engine, index: usize, total: usize) -> Row {
        let tag = format!("[{index}/{total}] {} {}", engine.name(), w.name);
        let mut note: Option<String> = None;
        let (rom, iters) = match engine {
            Engine::Native => match &w.native {
                Native::Without(why) => {
                    eprintln!("bench: {tag}: skipped ({why})");
                    return Row::empty(engine, w.name, Status::Skipped, why.to_string());
                }
                Native::SameAs(..) => unreachable!("resolved by the caller"),
                Native::IntegerBuild => {
                    let n = if self.quick {
                        NATIVE_ITERS_QUICK
                    } else {
                        NATIVE_ITERS_FULL
                    };
                    (None, n)
                }
            },
            _ => {
                let rom = if self.quick {
                    &w.quick
                } else if engine == Engine::Kvm && self.host.soft_kvm() && !w.full_on_soft_kvm {
                    note = Some(format!(
                        "ran the quick size ({} iterations instead of {}): {} runs 32-bit \
                         guest code in KVM's instruction emulator (~0.5 MIPS here)",
                        w.quick.iters, w.full.iters, self.host.hypervisor
                    ));
                    &w.quick
                } else {
                    &w.full
                };
                (Some(rom), rom.iters)
            }
        };
        let limit = self.limit(engine);
        let mut row = Row::empty(engine, w.name, Status::Ok, String::new());
        row.reason = note.clone();
        for r in 1..=self.runs {
            eprint!(
                "bench: {tag} ({iters} iteration{}) run {r}/{}: ",
                if iters == 1 { "" } else { "s" },
                self.runs
            );
            let res = match (engine, rom) {
                (Engine::Native, _) => self.run_native(iters, limit),
                (Engine::Interp, Some(rom)) => self.run_interp(rom, w.pace, limit),
                (Engine::Kvm, Some(rom)) => self.run_kvm(rom, w.pace, limit),
                _ => unreachable!(),
            };
            let s = match res {
                Ok(s) => s,
                Err(stop) => {
                    let (status, why) = match stop {
                        Stop::Skipped(why) => (Status::Skipped, why),
                        Stop::Failed(why) => (Status::Failed, why),
                    };
                    eprintln!("{} ({why})", status.name());
                    let why = match note {
                        Some(n) => format!("{why}; {n}"),
                        None => why,
                    };
                    return Row::empty(engine, w.name, status, why);
                }
            };
            let expected = self.checksums.get(&iters).copied();
            match check_output(&w.check, iters, expected, &s.output) {
                Ok(what) => eprintln!("{:.3} s, {what}", s.secs),
                Err(why) => {
                    eprintln!("failed ({why})");
                    return Row::empty(engine, w.name, Status::Failed, why);
                }
            }
            row.times.push(s.secs);
            if let Some(c) = s.cpu_secs {
                row.cpu.push(c);
            }
            if let (Some(n), Some(rom)) = (s.retired, rom) {
                self.retired.insert(rom.key(), n);
            }
            row.exits = s.exits;
            row.exits_total = s.exits_total;
        }
        if let Some(hz) = w.irq_hz {
            let got = iters as f64 / row.median();
            let mut n = format!("{got:.0} interrupts/s reached the guest (PIT set to {hz:.0}/s)");
            if engine == Engine::Kvm && got < hz * 0.9 {
                n.push_str(
                    ": in the -accel kvm loop a halted vCPU thread sleeps until the next device \
                     event (thread::sleep, longer on a busy host), each exit and re-entry costs \
                     (more under a software hypervisor), and timer periods that pass meanwhile \
                     are not all delivered",
                );
            }
            row.reason = Some(match row.reason.take() {
                Some(r) => format!("{r}; {n}"),
                None => n,
            });
        }
        row.instrs = match w.count {
            Count::IntegerFormula => Some(INT_SETUP_INSTRS + iters * INT_ITER_INSTRS),
            Count::Retired => rom.and_then(|r| self.retired(r)),
        };
        row.mips = row
            .instrs
            .map(|n| n as f64 / row.median() / 1e6)
            .filter(|m| m.is_finite());
        row
    }
}

/// The debug-console output of a finished run (and remove its file).
fn take_output(path: &Path) -> String {
    let s = std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let _ = std::fs::remove_file(path);
    s
}

fn describe(o: &RunOutcome) -> String {
    match o {
        RunOutcome::Exit(c) => format!("guest exit status {c}"),
        RunOutcome::Reset => "the guest reset the machine".into(),
        RunOutcome::TripleFault(w) => format!("triple fault: {w}"),
        RunOutcome::Timeout => "time limit".into(),
        RunOutcome::Halted(w) => format!("halted: {w}"),
    }
}

/// Assemble and link the native integer workload for each iteration count, in `dir`.
fn build_native(dir: &Path, iters: &[u64]) -> NativeTools {
    let src = dir.join("native");
    if let Err(e) = std::fs::create_dir_all(&src)
        .and_then(|_| {
            std::fs::write(
                src.join("native.asm"),
                include_str!("../../../benches/rom/native.asm"),
            )
        })
        .and_then(|_| {
            std::fs::write(
                src.join("workload.inc"),
                include_str!("../../../benches/rom/workload.inc"),
            )
        })
    {
        return NativeTools::Missing(format!("cannot write the native sources: {e}"));
    }
    let run = |prog: &str, args: &[String]| -> Result<(), String> {
        let out = Command::new(prog)
            .args(args)
            .current_dir(&src)
            .output()
            .map_err(|e| format!("{prog} is not available ({e}): install nasm and binutils"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{prog} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    let mut built = HashMap::new();
    for &n in iters {
        let obj = format!("native-{n}.o");
        let exe = src.join(format!("native-{n}"));
        let r = run(
            "nasm",
            &[
                "-f".into(),
                "elf32".into(),
                format!("-DITERS={n}"),
                "-o".into(),
                obj.clone(),
                "native.asm".into(),
            ],
        )
        .and_then(|_| {
            run(
                "ld",
                &[
                    "-m".into(),
                    "elf_i386".into(),
                    "-o".into(),
                    exe.display().to_string(),
                    obj.clone(),
                ],
            )
        });
        if let Err(why) = r {
            return NativeTools::Missing(why);
        }
        built.insert(n, exe);
    }
    NativeTools::Built(built)
}

/// Entry point: `argv` starts with "bench".
pub fn main(argv: &[String]) -> ExitCode {
    let args = BenchArgs::parse_from(argv);
    match run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ironpc bench: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(args: BenchArgs) -> Result<u8> {
    let workloads: Vec<&'static Workload> = if args.workloads.is_empty() {
        WORKLOADS.iter().collect()
    } else {
        let mut v = Vec::new();
        for name in &args.workloads {
            match WORKLOADS.iter().find(|w| w.name == name) {
                Some(w) => v.push(w),
                None => bail!(
                    "unknown workload {name:?}; known: {}",
                    WORKLOADS
                        .iter()
                        .map(|w| w.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
        v
    };
    let mut engines: Vec<Engine> = Vec::new();
    for e in &args.engines {
        if !engines.contains(e) {
            engines.push(*e);
        }
    }
    let host = Host::probe();
    let tmp = std::env::temp_dir().join(format!("ironpc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    eprintln!(
        "bench: host {} ({} cores), {}, /dev/kvm: {}",
        host.cpu, host.cores, host.kernel, host.hypervisor
    );
    if host.soft_kvm() && engines.contains(&Engine::Kvm) {
        eprintln!(
            "bench: note: /dev/kvm here is PVM, a nested software hypervisor, not VT-x/AMD-V: \
             32-bit guest code runs in KVM's instruction emulator (~100x slower than native), \
             and 32-bit paging and protected-mode interrupts fail under it"
        );
    }
    let mut bench = Bench {
        quick: args.quick,
        runs: args.runs.unwrap_or(if args.quick { 1 } else { 3 }),
        engines: engines.clone(),
        host,
        tmp: tmp.clone(),
        native: NativeTools::Missing(String::new()),
        checksums: KNOWN_CHECKSUMS.iter().copied().collect(),
        retired: HashMap::new(),
    };
    let result = run_all(&mut bench, &workloads);
    let _ = std::fs::remove_dir_all(&tmp);
    let rows = result?;

    print!("{}", table(&bench, &rows));
    let mut write_failed = false;
    let mut write = |what: &str, path: &Option<PathBuf>, f: &dyn Fn(&Path) -> Result<()>| {
        if let Some(p) = path {
            match f(p) {
                Ok(()) => eprintln!("bench: wrote {what} to {}", p.display()),
                Err(e) => {
                    eprintln!("ironpc bench: cannot write {}: {e:#}", p.display());
                    write_failed = true;
                }
            }
        }
    };
    write("JSON", &args.json, &|p| {
        std::fs::write(p, json(&bench.host, &rows)).map_err(Into::into)
    });
    write("CSV", &args.csv, &|p| {
        std::fs::write(p, csv(&rows)).map_err(Into::into)
    });
    write("the chart", &args.plot, &|p| plot(p, &bench.host, &rows));
    let own_failed = rows
        .iter()
        .any(|r| r.status == Status::Failed && r.engine != Engine::Kvm);
    Ok(u8::from(own_failed || write_failed))
}

fn run_all(bench: &mut Bench, workloads: &[&'static Workload]) -> Result<Vec<Row>> {
    // Reference checksums and the timed native program: one native build per size.
    if bench.engines.contains(&Engine::Native)
        || workloads
            .iter()
            .any(|w| matches!(w.check, Check::IntegerChecksum))
    {
        let mut sizes: Vec<u64> = Vec::new();
        for w in workloads {
            if matches!(w.check, Check::IntegerChecksum) {
                sizes.extend([w.quick.iters, w.full.iters]);
            }
            if matches!(w.native, Native::IntegerBuild) && bench.engines.contains(&Engine::Native) {
                sizes.push(if bench.quick {
                    NATIVE_ITERS_QUICK
                } else {
                    NATIVE_ITERS_FULL
                });
            }
        }
        sizes.sort_unstable();
        sizes.dedup();
        let t = Instant::now();
        bench.native = build_native(&bench.tmp, &sizes);
        match &bench.native {
            NativeTools::Built(m) => {
                let mut refs = Vec::new();
                for (&n, exe) in m {
                    if n > 1000 {
                        continue; // the timed build checks itself against the table
                    }
                    let out = Command::new(exe).output().ok();
                    let chk = out.and_then(|o| bench_end(&String::from_utf8_lossy(&o.stdout)));
                    match chk {
                        Some((_, c)) => {
                            if let Some(k) = bench.checksums.get(&n).filter(|&&k| k != c) {
                                eprintln!(
                                    "bench: warning: native checksum for {n} iterations is \
                                     {c:08X}, the built-in table says {k:08X}; using the \
                                     native one"
                                );
                            }
                            bench.checksums.insert(n, c);
                            refs.push(format!("{n}: {c:08X}"));
                        }
                        None => eprintln!(
                            "bench: warning: the native build for {n} iterations gave no \
                             checksum; using the built-in table"
                        ),
                    }
                }
                refs.sort();
                eprintln!(
                    "bench: native reference checksums ({:.1} s to build): {}",
                    t.elapsed().as_secs_f64(),
                    refs.join(", ")
                );
            }
            NativeTools::Missing(why) => {
                eprintln!("bench: no native build ({why}); checksums come from the built-in table")
            }
        }
    }

    let order = [Engine::Native, Engine::Interp, Engine::Kvm];
    let engines: Vec<Engine> = order
        .into_iter()
        .filter(|e| bench.engines.contains(e))
        .collect();
    let total = workloads.len() * engines.len();
    let mut rows: Vec<Row> = Vec::new();
    let mut index = 0;
    for w in workloads {
        for &e in &engines {
            index += 1;
            let row = match (&w.native, e) {
                (Native::SameAs(other, why), Engine::Native) => {
                    match rows
                        .iter()
                        .find(|r| r.engine == Engine::Native && r.workload == *other)
                    {
                        Some(src) => {
                            eprintln!("bench: [{index}/{total}] native {}: {why}", w.name);
                            let mut r = Row::empty(e, w.name, src.status, why.to_string());
                            r.times.clone_from(&src.times);
                            r.mips = src.mips;
                            r.instrs = src.instrs;
                            if let Some(s) = &src.reason {
                                r.reason = Some(format!("{why}; {s}"));
                            }
                            r
                        }
                        None => Row::empty(
                            e,
                            w.name,
                            Status::Skipped,
                            format!("{why}, which was not run (select it with --workloads)"),
                        ),
                    }
                }
                _ => bench.case(w, e, index, total),
            };
            rows.push(row);
        }
    }
    // Slowdowns, from MIPS (time per guest instruction).
    let mips_of = |rows: &[Row], engine: Engine, workload: &str| {
        rows.iter()
            .find(|r| r.engine == engine && r.workload == workload && r.status == Status::Ok)
            .and_then(|r| r.mips)
    };
    let mut derived = Vec::new();
    for r in &rows {
        let native = mips_of(&rows, Engine::Native, r.workload);
        let interp = mips_of(&rows, Engine::Interp, r.workload);
        derived.push((
            native.zip(r.mips).map(|(n, m)| n / m),
            interp.zip(r.mips).map(|(i, m)| i / m),
        ));
    }
    for (r, (n, i)) in rows.iter_mut().zip(derived) {
        if r.status == Status::Ok {
            r.vs_native = n;
            r.vs_interp = i;
        }
    }
    Ok(rows)
}

fn fmt_opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "-".to_string(), f)
}

/// A number with 3 significant digits, at least.
fn sig(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else if v >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// The terminal table, with notes for the rows that have a reason.
fn table(bench: &Bench, rows: &[Row]) -> String {
    let mut s = String::new();
    let h = &bench.host;
    let _ = writeln!(
        s,
        "\nIronPC bench ({}, {} run{} per case): {}, {} cores, {}, /dev/kvm: {}",
        if bench.quick { "quick" } else { "full" },
        bench.runs,
        if bench.runs == 1 { "" } else { "s" },
        h.cpu,
        h.cores,
        h.kernel,
        h.hypervisor
    );
    let head = [
        "workload",
        "engine",
        "status",
        "median s",
        "min-max s",
        "MIPS",
        "x native",
        "x interp",
        "CPU s",
        "exits",
        "exits/s",
        "us/exit",
        "exits by reason (interp: traps)",
    ];
    let mut cells: Vec<Vec<String>> = vec![head.iter().map(|h| h.to_string()).collect()];
    let mut notes = Vec::new();
    for r in rows {
        let ok = r.status == Status::Ok;
        let mut status = r.status.name().to_string();
        if let Some(why) = &r.reason {
            notes.push(format!(
                "[{}] {} {}: {why}",
                notes.len() + 1,
                r.engine.name(),
                r.workload
            ));
            let _ = write!(status, " [{}]", notes.len());
        }
        let reasons: Vec<String> = r
            .exits
            .iter()
            .filter(|(_, v)| *v > 0)
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        cells.push(vec![
            r.workload.to_string(),
            r.engine.name().to_string(),
            status,
            if ok {
                format!("{:.4}", r.median())
            } else {
                "-".into()
            },
            if ok {
                format!("{:.4}-{:.4}", r.min(), r.max())
            } else {
                "-".into()
            },
            fmt_opt(r.mips, sig),
            fmt_opt(r.vs_native, |v| format!("{}x", sig(v))),
            fmt_opt(r.vs_interp, |v| format!("{}x", sig(v))),
            fmt_opt(r.cpu_median().filter(|_| ok), |v| format!("{v:.3}")),
            if ok && r.engine != Engine::Native {
                r.exits_total.to_string()
            } else {
                "-".into()
            },
            fmt_opt(r.exit_rate(), |v| format!("{v:.0}")),
            fmt_opt(r.us_per_exit(), sig),
            if ok {
                reasons.join(", ")
            } else {
                String::new()
            },
        ]);
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|c| {
            cells
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (i, r) in cells.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            let w = widths[c];
            if c < 3 || c == head.len() - 1 {
                let _ = write!(line, "{cell:<w$}  ");
            } else {
                let _ = write!(line, "{cell:>w$}  ");
            }
        }
        let _ = writeln!(s, "{}", line.trim_end());
        if i == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            let _ = writeln!(s, "{}", "-".repeat(total));
        }
    }
    let _ = writeln!(
        s,
        "\nMIPS: guest instructions per second of wall time (integer: 156,861 + 512,369 per \
         iteration, the native stream; others: the interpreter's retired count). x native / \
         x interp: time per guest instruction against that engine. CPU s: thread CPU time. \
         us/exit: CPU time per exit or trap, all guest work included (shown where there is at least \
         one per 100 instructions). Interpreter traps: port \
         I/O, interrupts, exceptions, software interrupts (MMIO is a plain call there, not \
         counted)."
    );
    let _ = writeln!(s, "\nWorkloads:");
    for w in WORKLOADS
        .iter()
        .filter(|w| rows.iter().any(|r| r.workload == w.name))
    {
        let _ = writeln!(s, "  {:<15} {}", w.name, w.about);
    }
    if !notes.is_empty() {
        let _ = writeln!(s, "\nNotes:");
        for n in notes {
            let _ = writeln!(s, "{n}");
        }
    }
    s
}

/// The results as JSON: `{"host": {...}, "results": [...]}`.
fn json(host: &Host, rows: &[Row]) -> String {
    use serde_json::{json, Map, Value};
    let results: Vec<Value> = rows
        .iter()
        .map(|r| {
            let exits: Map<String, Value> =
                r.exits.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            json!({
                "engine": r.engine.name(),
                "workload": r.workload,
                "status": r.status.name(),
                "reason": r.reason,
                "median_s": r.median(),
                "min_s": r.min(),
                "max_s": r.max(),
                "mips": r.mips,
                "slowdown_vs_native": r.vs_native,
                "exits": exits,
            })
        })
        .collect();
    let doc = json!({
        "host": {
            "cpu": host.cpu,
            "cores": host.cores,
            "kernel": host.kernel,
            "hypervisor": host.hypervisor,
        },
        "results": results,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The results as CSV (one row per engine and workload; exits as `reason=count;…`).
fn csv(rows: &[Row]) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let num = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
    let mut s = String::from(
        "engine,workload,status,reason,median_s,min_s,max_s,mips,slowdown_vs_native,\
         slowdown_vs_interp,cpu_s,exits_total,exits_per_s,us_per_exit,exits\n",
    );
    for r in rows {
        let ok = r.status == Status::Ok;
        let exits: Vec<String> = r.exits.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.engine.name(),
            r.workload,
            r.status.name(),
            r.reason.as_deref().map(q).unwrap_or_default(),
            num(ok.then(|| r.median())),
            num(ok.then(|| r.min())),
            num(ok.then(|| r.max())),
            num(r.mips),
            num(r.vs_native),
            num(r.vs_interp),
            num(r.cpu_median().filter(|_| ok)),
            if ok {
                r.exits_total.to_string()
            } else {
                String::new()
            },
            num(r.exit_rate()),
            num(r.us_per_exit()),
            q(&exits.join(";")),
        );
    }
    s
}

/// A bar chart of the slowdown against native, per workload and engine (log scale).
fn plot(path: &Path, host: &Host, rows: &[Row]) -> Result<()> {
    use plotters::prelude::*;
    let engines = [
        (Engine::Native, RGBColor(0x55, 0x55, 0x55)),
        (Engine::Interp, RGBColor(0x1f, 0x77, 0xb4)),
        (Engine::Kvm, RGBColor(0xd6, 0x27, 0x28)),
    ];
    // Workloads with a native measurement, in table order.
    let mut groups: Vec<&str> = Vec::new();
    for r in rows {
        if r.engine == Engine::Native && r.status == Status::Ok && !groups.contains(&r.workload) {
            groups.push(r.workload);
        }
    }
    let top = rows
        .iter()
        .filter_map(|r| r.vs_native)
        .fold(10.0f64, f64::max)
        * 4.0;
    let n = groups.len().max(1);
    let err = |e: &dyn std::fmt::Display| anyhow::anyhow!("{e}");
    let root = SVGBackend::new(path, (220 + 200 * n as u32, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (plot_area, footer) = root.split_vertically(480);
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(
            "IronPC: slowdown against native (log scale, lower is better)",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..n as f64, (0.5f64..top).log_scale())
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc("times slower than native")
        .y_label_formatter(&|v| format!("{v}x"))
        .draw()
        .map_err(|e| err(&e))?;
    let bar = 0.8 / engines.len() as f64;
    for (j, (engine, color)) in engines.iter().enumerate() {
        let mut bars = Vec::new();
        let mut labels = Vec::new();
        for (i, g) in groups.iter().enumerate() {
            let x0 = i as f64 + 0.1 + j as f64 * bar;
            let xc = x0 + bar / 2.0;
            match rows
                .iter()
                .find(|r| r.engine == *engine && r.workload == *g)
            {
                Some(r) if r.vs_native.is_some() => {
                    let v = r.vs_native.unwrap_or(1.0);
                    bars.push(Rectangle::new(
                        [(x0 + 0.01, 0.5), (x0 + bar - 0.01, v)],
                        color.filled(),
                    ));
                    labels.push((format!("{}x", sig(v)), xc, v * 1.25));
                }
                Some(r) => labels.push((r.status.name().to_string(), xc, 0.7)),
                None => labels.push(("not run".into(), xc, 0.7)),
            }
        }
        let c = *color;
        let name = match engine {
            Engine::Kvm => format!("kvm ({})", host.hypervisor),
            e => e.name().to_string(),
        };
        chart
            .draw_series(bars)
            .map_err(|e| err(&e))?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
        let style = ("sans-serif", 13).into_font().color(&BLACK).pos(
            plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Bottom,
            ),
        );
        chart
            .draw_series(
                labels
                    .into_iter()
                    .map(|(t, x, y)| Text::new(t, (x, y), style.clone())),
            )
            .map_err(|e| err(&e))?;
    }
    // Workload names under the groups.
    for (i, g) in groups.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.5));
        plot_area
            .draw(&Text::new(
                g.to_string(),
                (px, py + 8),
                ("sans-serif", 15).into_font().color(&BLACK).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Top,
                    ),
                ),
            ))
            .map_err(|e| err(&e))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.85))
        .draw()
        .map_err(|e| err(&e))?;
    footer
        .draw(&Text::new(
            format!(
                "{} ({} cores), {}, /dev/kvm: {}",
                host.cpu, host.cores, host.kernel, host.hypervisor
            ),
            (12, 12),
            ("sans-serif", 12).into_font(),
        ))
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_checks() {
        let ok = "BENCH-START\nBENCH-END iters=00000004 chk=1FFD3D09\n";
        assert!(check_output(&Check::IntegerChecksum, 4, Some(0x1FFD_3D09), ok).is_ok());
        let bad = check_output(&Check::IntegerChecksum, 4, Some(0x1234_5678), ok);
        assert!(bad.unwrap_err().contains("checksum mismatch"));
        assert!(check_output(&Check::IntegerChecksum, 5, Some(0x1FFD_3D09), ok).is_err());
        assert!(check_output(&Check::IntegerChecksum, 4, None, "BENCH-START\n").is_err());
        let count = "BENCH-START\nBENCH-END iters=000003E8 chk=000003E8\n";
        assert!(check_output(&Check::CountsIters, 1000, None, count).is_ok());
        let short = "BENCH-START\nBENCH-END iters=000003E8 chk=000003E7\n";
        assert!(check_output(&Check::CountsIters, 1000, None, short).is_err());
        assert!(check_output(&Check::EndsWith("done\n"), 1, None, "x\ndone\n").is_ok());
        assert!(check_output(&Check::EndsWith("done\n"), 1, None, "x\n").is_err());
    }

    #[test]
    fn workload_table_is_consistent() {
        for w in &WORKLOADS {
            for rom in [&w.quick, &w.full] {
                assert!(
                    rom.image.len().is_multiple_of(4096) && rom.image.len() <= 0x2_0000,
                    "{}: ROM size",
                    w.name
                );
            }
            for f in [w.quick.floppy, w.full.floppy].into_iter().flatten() {
                assert!(
                    [163_840, 184_320, 327_680, 368_640, 737_280, 1_228_800, 1_474_560]
                        .contains(&f.len()),
                    "{}: a floppy image of a standard size",
                    w.name
                );
            }
            assert!(w.quick.iters <= w.full.iters, "{}", w.name);
            if matches!(w.check, Check::IntegerChecksum) {
                for n in [w.quick.iters, w.full.iters] {
                    assert!(
                        KNOWN_CHECKSUMS.iter().any(|&(k, _)| k == n),
                        "{}: no known checksum for {n} iterations",
                        w.name
                    );
                }
            }
        }
        for n in [NATIVE_ITERS_QUICK, NATIVE_ITERS_FULL] {
            assert!(KNOWN_CHECKSUMS.iter().any(|&(k, _)| k == n));
        }
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
