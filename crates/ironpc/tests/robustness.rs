//! The guest can never crash the host: random programs, firmware, disk images and port
//! storms on the whole board (devices wired, the built-in BIOS and its host call), run
//! in-process with a deadline. Every run must end with a [`RunOutcome`] (any): no panic, no
//! hang past its deadline, no huge host allocation (a counting global allocator watches the
//! largest single allocation), and a bad image is refused with one clear line.
//!
//! Everything is generated from fixed seeds by a small xorshift generator, so a failure
//! names its seed and reproduces. Structured programs are written as nasm source (random
//! values in fixed instruction shapes) and assembled here; nasm is required.
//!
//! Regression seeds found by this file are kept in the `*_REGRESSIONS` lists of each test;
//! `bad_files_give_one_line` keeps the 8 GiB `-bios` file, which the binary once read whole
//! into memory. A run that overruns its deadline by more than 0.5 s prints `OVERRUN` and
//! the CPU state (`ROBUSTNESS_VERBOSE=1`: every run); only past [`HANG_SLACK`] does it fail.
//! Known: self-modifying code (random code running RAM's zeros, `add [bx+si], al` into its
//! own page) runs the interpreter well under 1 MIPS, so one 1M-instruction slice of the
//! run loop, between two looks at the deadline, can take a few seconds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ironpc_machine::bioscall::BUILTIN_BIOS;
use ironpc_machine::{Board, Config, DiskConfig, Output, RunOutcome};

// ---------------------------------------------------------------------------------------
// The largest single host allocation, to catch a guest making the host allocate a size it
// chose (a disk's size, a count...).

struct Counting;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to the system allocator with the caller's arguments
// unchanged; only the size is recorded.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LARGEST.fetch_max(l.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        LARGEST.fetch_max(l.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc_zeroed` is passed on.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: the caller's contract for `dealloc` is passed on.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LARGEST.fetch_max(new, Ordering::Relaxed);
        // SAFETY: the caller's contract for `realloc` is passed on.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// No single allocation may exceed this: the largest legitimate ones are guest RAM (at
/// most 64 MiB here) and the VGA's 16 MiB of video memory.
const ALLOC_LIMIT: usize = 96 << 20;

fn check_allocations(label: &str) {
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(
        largest <= ALLOC_LIMIT,
        "{label}: a single host allocation of {largest} bytes (limit {ALLOC_LIMIT})"
    );
}

// ---------------------------------------------------------------------------------------
// Deterministic randomness.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03);
        if r.0 == 0 {
            r.0 = 1;
        }
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn u8(&mut self) -> u8 {
        self.next() as u8
    }
    fn u16(&mut self) -> u16 {
        self.next() as u16
    }
    fn u32(&mut self) -> u32 {
        self.next() as u32
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// One of the values, chosen by `rng` (the values may draw from `rng` themselves).
macro_rules! pick {
    ($rng:expr, [$($x:expr),+ $(,)?]) => {{
        let xs = [$($x),+];
        let i = $rng.below(xs.len() as u64) as usize;
        xs[i]
    }};
}

impl Rng {
    fn fill(&mut self, b: &mut [u8]) {
        for c in b.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            c.copy_from_slice(&v[..c.len()]);
        }
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0; n];
        self.fill(&mut v);
        v
    }
}

// ---------------------------------------------------------------------------------------
// Helpers.

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("robustness-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("cannot create a scratch directory");
    d
}

/// Assemble `src` (nasm syntax) in `dir` as `name`.
fn nasm(dir: &Path, name: &str, src: &str) -> Vec<u8> {
    let asm = dir.join(format!("{name}.asm"));
    let out = dir.join(format!("{name}.bin"));
    std::fs::write(&asm, src).unwrap();
    let res = Command::new("nasm")
        .args(["-f", "bin", "-o"])
        .arg(&out)
        .arg(&asm)
        .output()
        .expect("nasm is needed for this test: run scripts/test.sh, which installs it");
    assert!(
        res.status.success(),
        "nasm failed on {}:\n{}",
        asm.display(),
        String::from_utf8_lossy(&res.stderr)
    );
    std::fs::read(&out).unwrap()
}

/// Slack past a run's deadline before the host is said to hang: a slice of the run loop
/// is short, but the machine (2 cores) is shared with the other tests.
const HANG_SLACK: Duration = Duration::from_secs(10);

/// What a case did.
#[derive(Debug)]
enum Ran {
    /// The board was built and ran to an outcome.
    Outcome(RunOutcome),
    /// `Board::new` refused the configuration.
    Refused(String),
}

/// Build a board from `cfg` and run it for `budget` of host time on its own thread: a
/// panic, or a run that does not return within the budget and [`HANG_SLACK`], fails the
/// test with `label`. The VGA renders the final screen too (random register states).
fn run_case(label: &str, cfg: Config, budget: Duration) -> Ran {
    let (tx, rx) = mpsc::channel();
    let name = label.to_string();
    std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            let r = catch_unwind(AssertUnwindSafe(|| {
                let mut b = match Board::new(&cfg) {
                    Ok(b) => b,
                    Err(e) => return Ran::Refused(e.to_string()),
                };
                let start = Instant::now();
                let out = b.run(Some(start + budget));
                let took = start.elapsed();
                if took > budget + Duration::from_millis(500)
                    || std::env::var_os("ROBUSTNESS_VERBOSE").is_some()
                {
                    eprintln!("OVERRUN {took:?}\n{}", b.debug_summary());
                }
                let _ = b.io.vga.render();
                Ran::Outcome(out)
            }));
            let _ = tx.send(r);
        })
        .unwrap();
    let r = match rx.recv_timeout(budget + HANG_SLACK) {
        Ok(Ok(r)) => r,
        Ok(Err(p)) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{label}: the emulator panicked: {msg}")
        }
        Err(_) => panic!(
            "{label}: the run did not end within its deadline ({budget:?}) + {HANG_SLACK:?}: \
             the host hangs"
        ),
    };
    check_allocations(label);
    r
}

/// A run that must have been built: its outcome.
fn outcome(label: &str, cfg: Config, budget: Duration) -> RunOutcome {
    match run_case(label, cfg, budget) {
        Ran::Outcome(o) => o,
        Ran::Refused(e) => panic!("{label}: the board was refused: {e}"),
    }
}

fn base_config(rng: &mut Rng) -> Config {
    Config {
        ram_mib: pick!(rng, [2, 3, 4, 4, 16, 16, 32]),
        bios: BUILTIN_BIOS.to_vec(),
        debugcon: Output::Null,
        serial: if rng.chance(50) {
            Output::Null
        } else {
            Output::None
        },
        no_reboot: rng.chance(80),
        ips: pick!(rng, [1_000_000, 100_000_000, 100_000_000, 1_000_000_000]),
        rtc_start: 946_684_800 + i64::from(rng.u32()),
        pace: rng.chance(20),
        disks: DiskConfig::default(),
    }
}

/// Tally of outcomes, printed with `--nocapture`.
#[derive(Default)]
struct Tally(std::collections::BTreeMap<&'static str, u32>);

impl Tally {
    fn add(&mut self, o: &RunOutcome) {
        let k = match o {
            RunOutcome::Exit(_) => "exit",
            RunOutcome::Reset => "reset",
            RunOutcome::TripleFault(_) => "triple fault",
            RunOutcome::Timeout => "timeout",
            RunOutcome::Halted(_) => "halted",
        };
        *self.0.entry(k).or_default() += 1;
    }
    fn print(&self, what: &str) {
        eprintln!("{what}: {:?}", self.0);
    }
}

const FLOPPY_144: usize = 1_474_560;
const FLOPPY_SIZES: [usize; 8] = [
    163_840, 184_320, 327_680, 368_640, 737_280, 1_228_800, 1_474_560, 2_949_120,
];

// ---------------------------------------------------------------------------------------
// 1. Random boot sectors through the built-in BIOS.

/// `xor ax,ax; mov ss,ax; mov sp,7C00h; mov ds,ax; mov es,ax; sti`.
const PROLOGUE: [u8; 12] = [
    0x31, 0xC0, 0x8E, 0xD0, 0xBC, 0x00, 0x7C, 0x8E, 0xD8, 0x8E, 0xC0, 0xFB,
];

/// Seeds of boot sectors that once broke the host.
const BOOT_REGRESSIONS: &[u64] = &[];

#[test]
fn random_boot_sectors() {
    let dir = scratch("boot");
    let mut tally = Tally::default();
    let seeds: Vec<u64> = BOOT_REGRESSIONS.iter().copied().chain(0..40).collect();
    for seed in seeds {
        let mut rng = Rng::new(seed ^ 0xB007);
        let size = if rng.chance(70) {
            FLOPPY_144
        } else {
            rng.pick(&FLOPPY_SIZES)
        };
        let mut img = vec![0u8; size];
        let random_part = (64 * 512).min(size);
        rng.fill(&mut img[..random_part]);
        if rng.chance(50) {
            img[..PROLOGUE.len()].copy_from_slice(&PROLOGUE);
        }
        img[510] = 0x55;
        img[511] = 0xAA;
        let fda = dir.join(format!("boot-{seed}.img"));
        std::fs::write(&fda, &img).unwrap();
        let mut cfg = base_config(&mut rng);
        cfg.disks = DiskConfig {
            floppy: [Some(fda.clone()), None],
            snapshot: rng.chance(50),
            ..DiskConfig::default()
        };
        if rng.chance(30) {
            let hda = dir.join(format!("boot-{seed}-hd.img"));
            let sectors = pick!(rng, [1usize, 2, 63, 1008, 4096]);
            std::fs::write(&hda, rng.bytes(sectors * 512)).unwrap();
            cfg.disks.hard[0] = Some(hda);
        }
        let o = outcome(
            &format!("boot sector seed {seed}"),
            cfg,
            Duration::from_millis(100),
        );
        tally.add(&o);
    }
    tally.print("random boot sectors");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The boot sector of the structured programs: loads 35 sectors (cylinder 0, head 0
/// sectors 2-18 and head 1 sectors 1-18 of a 1.44M floppy) to 0000:8000 and jumps there.
const LOADER: &str = "
bits 16
org 0x7C00
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7C00
    mov ds, ax
    mov es, ax
    sti
    mov ax, 0x0211
    mov cx, 0x0002
    xor dh, dh
    mov bx, 0x8000
    int 0x13
    jc fail
    mov ax, 0x0212
    mov cx, 0x0001
    mov dh, 1
    mov bx, 0xA200
    int 0x13
    jc fail
    jmp 0:0x8000
fail:
    mov al, 'F'
    out 0xE9, al
    mov al, 0x7F
    out 0xF4, al
    hlt
    times 510-($-$$) db 0
    dw 0xAA55
";

/// Bytes the loader brings in.
const BODY_MAX: usize = 35 * 512;

/// Where a buffer (segment, offset) goes: anywhere, across a 64 KiB boundary, above 1 MiB,
/// into the VGA window or the ROM, or harmless free RAM.
fn real_buffer(rng: &mut Rng) -> (u16, u16) {
    match rng.below(7) {
        0 => (rng.u16(), rng.u16()),
        1 => (
            pick!(rng, [0x0FFF, 0x1FFF, 0x2FFF, 0x8FFF, 0x9FFF]),
            0xFE00 | (rng.u16() & 0x1FF),
        ),
        2 => (0xFFFF, rng.u16()),
        3 => (
            pick!(rng, [0xA000, 0xB000, 0xB800, 0xBFFF, 0x9FC0]),
            rng.u16(),
        ),
        4 => (pick!(rng, [0xF000, 0xE000, 0xC000]), rng.u16()),
        5 => (0, rng.u16() & 0x7FF),
        _ => (0x2000, 0),
    }
}

/// A physical address for flat buffers and host-call frames: near the end of RAM, in the
/// VGA window or ROM, at the top of the 4 GiB space, the linear frame buffer, anywhere.
fn phys_addr(rng: &mut Rng, ram: u32) -> u64 {
    match rng.below(12) {
        0 => u64::from(ram - rng.below(64) as u32 * 512),
        1 => u64::from(ram - rng.below(64) as u32),
        2 => u64::from(ram + rng.below(64) as u32),
        3 => 0xA_0000 - rng.below(64),
        4 => 0xA_0000 + rng.below(0x2_0000),
        5 => 0xF_0000 + rng.below(0x1_0000),
        6 => 0xFFFF_FFFF - rng.below(64),
        7 => 0xE000_0000 + rng.below(0x100_0000),
        8 => pick!(rng, [1u64 << 32, u64::MAX, 1 << 63, 0xFFFF_FFFF]),
        9 => rng.next(),
        10 => 0x10_0000 + rng.below(0x1_0000),
        _ => u64::from(rng.u32()),
    }
}

/// The data of one structured program, labelled `dap0`, `gdt0`, `frame0`... .
struct Data {
    daps: usize,
    gdts: usize,
    frames: usize,
}

/// Emit the random data tables of a structured program.
fn emit_data(rng: &mut Rng, src: &mut String, ram: u32, disk_sectors: u64) -> Data {
    let d = Data {
        daps: 24,
        gdts: 8,
        frames: 10,
    };
    for i in 0..d.daps {
        let size = pick!(rng, [0x10u8, 0x10, 0x18, 0x18, 0x0F, 0, 0xFF, rng.u8()]);
        let count = pick!(
            rng,
            [
                0u16,
                1,
                2,
                127,
                128,
                129,
                255,
                256,
                0x8000,
                0xFFFF,
                rng.u16()
            ]
        );
        let (seg, off) = if rng.chance(40) {
            (0xFFFF, 0xFFFF)
        } else {
            real_buffer(rng)
        };
        let lba = match rng.below(8) {
            0 => 0,
            1 => disk_sectors.saturating_sub(rng.below(4)),
            2 => disk_sectors + rng.below(4),
            3 => u64::MAX - rng.below(2),
            4 => 1 << 63,
            5 => u64::from(rng.u32()),
            6 => rng.next(),
            _ => rng.below(2880),
        };
        let flat = phys_addr(rng, ram);
        let _ = writeln!(
            src,
            "dap{i}: db {size}, {}\n dw {count}, {off}, {seg}\n dq {lba}, {flat}",
            rng.u8()
        );
    }
    for i in 0..d.gdts {
        let _ = write!(src, "gdt{i}: dq {}, {}", rng.next(), rng.next());
        for _ in 0..2 {
            let base = phys_addr(rng, ram) as u32;
            let limit = rng.u16();
            let access = pick!(rng, [0x93u8, 0x92, rng.u8()]);
            let desc = u64::from(limit)
                | u64::from(base & 0xFF_FFFF) << 16
                | u64::from(access) << 40
                | u64::from(rng.u8()) << 48
                | u64::from(base >> 24) << 56;
            let _ = write!(src, ", {desc}");
        }
        let _ = writeln!(src, ", {}, {}", rng.next(), rng.next());
    }
    for i in 0..d.frames {
        let func = pick!(
            rng,
            [0x0001u16, 0x0013, 0x0013, 0x0013, 0x1587, 0, rng.u16()]
        );
        let ah = pick!(
            rng,
            [
                0x02u32,
                0x03,
                0x08,
                0x42,
                0x43,
                0x48,
                0x15,
                rng.u32() & 0xFF
            ]
        );
        let eax = (rng.u32() & !0xFF00) | ah << 8;
        let edx = (rng.u32() & !0xFF) | u32::from(pick!(rng, [0u8, 1, 0x80, 0x81, rng.u8()]));
        let (ds, esi) = if rng.chance(50) {
            (0, format!("dap{}", rng.below(d.daps as u64)))
        } else if rng.chance(50) {
            (0, "longstr".to_string())
        } else {
            (rng.u16(), rng.u32().to_string())
        };
        let (es, bx) = real_buffer(rng);
        let _ = writeln!(
            src,
            "frame{i}: dw {func}, {}\n dd {}, {esi}, {}, {}, {}, {edx}, {}, {eax}\n dw {ds}, {es}, {}, {}, {}",
            rng.u16(),
            rng.u32(),
            rng.u32(),
            rng.u32(),
            (rng.u32() & !0xFFFF) | u32::from(bx),
            rng.u32(),
            rng.u16(),
            rng.u16(),
            rng.u16()
        );
    }
    let _ = writeln!(src, "longstr: times 300 db 'x'\n db 0");
    d
}

/// One random BIOS call (or host-call trap) of a structured program.
fn emit_call(rng: &mut Rng, src: &mut String, d: &Data, ram: u32) {
    // A sane stack for the BIOS, whatever the last call did.
    src.push_str(" xor ax, ax\n mov ss, ax\n mov sp, 0x7C00\n cld\n");
    let mut regs: [u32; 7] = std::array::from_fn(|_| rng.u32()); // eax ebx ecx edx esi edi ebp
    let (mut ds, mut es) = (rng.u16(), rng.u16());
    let mut esi_label = None;
    let set16 = |r: &mut u32, v: u16| *r = (*r & !0xFFFF) | u32::from(v);
    let set_ah = |r: &mut u32, v: u8| *r = (*r & !0xFF00) | u32::from(v) << 8;
    let set_al = |r: &mut u32, v: u8| *r = (*r & !0xFF) | u32::from(v);
    let int = match rng.below(20) {
        0..=6 => {
            let ah = pick!(
                rng,
                [
                    0x00u8,
                    0x01,
                    0x02,
                    0x02,
                    0x02,
                    0x03,
                    0x04,
                    0x05,
                    0x08,
                    0x0C,
                    0x0D,
                    0x10,
                    0x11,
                    0x14,
                    0x15,
                    0x16,
                    0x17,
                    0x18,
                    0x41,
                    0x42,
                    0x42,
                    0x42,
                    0x43,
                    0x43,
                    0x44,
                    0x47,
                    0x48,
                    0x48,
                    rng.u8(),
                ]
            );
            set_ah(&mut regs[0], ah);
            set_al(
                &mut regs[0],
                pick!(rng, [0u8, 1, 2, 17, 18, 36, 63, 127, 128, 255, rng.u8()]),
            );
            if rng.chance(50) {
                set16(&mut regs[2], rng.u16() & 0x03FF);
            }
            let dl = pick!(
                rng,
                [0u8, 0, 1, 2, 0x7F, 0x80, 0x80, 0x81, 0x82, 0xFF, rng.u8()]
            );
            let dh = if rng.chance(50) {
                rng.u8() & 1
            } else {
                rng.u8()
            };
            set16(&mut regs[3], u16::from(dh) << 8 | u16::from(dl));
            let (s, o) = real_buffer(rng);
            es = s;
            set16(&mut regs[1], o);
            if ah == 0x41 && rng.chance(80) {
                set16(&mut regs[1], 0x55AA);
            }
            if rng.chance(85) {
                ds = 0;
                esi_label = Some(format!("dap{}", rng.below(d.daps as u64)));
            }
            0x13
        }
        7..=10 => {
            match rng.below(6) {
                0 | 1 => {
                    regs[0] = 0xE820;
                    regs[3] = if rng.chance(80) {
                        0x534D_4150
                    } else {
                        rng.u32()
                    };
                    regs[1] = pick!(rng, [0, 1, 2, 3, 4, 5, 6, 7, 10, 0xFFFF_FFFF, rng.u32()]);
                    regs[2] = pick!(rng, [0, 19, 20, 24, 0xFFFF, rng.u32()]);
                    let (s, o) = real_buffer(rng);
                    es = s;
                    set16(&mut regs[5], o);
                }
                2 | 3 => {
                    set_ah(&mut regs[0], 0x87);
                    set16(
                        &mut regs[2],
                        pick!(rng, [0u16, 1, 0x100, 0x8000, 0x8001, 0xFFFF, rng.u16()]),
                    );
                    if rng.chance(85) {
                        es = 0;
                        esi_label = Some(format!("gdt{}", rng.below(d.gdts as u64)));
                    }
                }
                _ => {
                    let ah = pick!(
                        rng,
                        [
                            0x88u8,
                            0xE8,
                            0x86,
                            0x83,
                            0xC0,
                            0x24,
                            0x4F,
                            0x85,
                            0x90,
                            0x91,
                            0xC1,
                            0xC2,
                            0x53,
                            0x89,
                            0x87,
                            rng.u8(),
                        ]
                    );
                    set_ah(&mut regs[0], ah);
                    if ah == 0xE8 {
                        set_al(&mut regs[0], pick!(rng, [0x01, 0x20, rng.u8()]));
                    }
                    if ah == 0x24 {
                        set_al(&mut regs[0], rng.u8() & 3);
                    }
                    if matches!(ah, 0x86 | 0x83) && rng.chance(90) {
                        // Waits of up to 64 ms.
                        set16(&mut regs[2], 0);
                    }
                }
            }
            0x15
        }
        11..=13 => {
            if rng.chance(40) {
                set16(
                    &mut regs[0],
                    0x4F00
                        | pick!(
                            rng,
                            [
                                0u16,
                                1,
                                2,
                                3,
                                4,
                                5,
                                6,
                                7,
                                8,
                                9,
                                10,
                                11,
                                0x10,
                                0x15,
                                rng.u16() & 0xFF
                            ]
                        ),
                );
                let mode = pick!(
                    rng,
                    [
                        0x100u16,
                        0x101,
                        0x103,
                        0x105,
                        0x107,
                        0x112,
                        0x118,
                        0x11B,
                        0x140,
                        0x144,
                        0x145,
                        0x192,
                        0x195,
                        0x03,
                        0x13,
                        rng.u16()
                    ]
                );
                set16(&mut regs[1], mode | pick!(rng, [0, 0x4000, 0x8000, 0xC000]));
            } else {
                let ah = pick!(
                    rng,
                    [
                        0x00u8,
                        0x01,
                        0x02,
                        0x03,
                        0x05,
                        0x06,
                        0x07,
                        0x08,
                        0x09,
                        0x0A,
                        0x0B,
                        0x0C,
                        0x0D,
                        0x0E,
                        0x0F,
                        0x10,
                        0x11,
                        0x12,
                        0x13,
                        0x1A,
                        0x1B,
                        0x1C,
                        rng.u8(),
                    ]
                );
                set_ah(&mut regs[0], ah);
                if ah == 0 {
                    set_al(
                        &mut regs[0],
                        pick!(
                            rng,
                            [0u8, 1, 2, 3, 4, 7, 0x0D, 0x12, 0x13, 0x83, 0x93, rng.u8()]
                        ),
                    );
                }
            }
            let (s, o) = real_buffer(rng);
            es = s;
            set16(&mut regs[5], o);
            set16(&mut regs[6], o);
            0x10
        }
        14 | 15 => {
            let ah = pick!(
                rng,
                [
                    0x01u8,
                    0x02,
                    0x03,
                    0x05,
                    0x09,
                    0x0A,
                    0x11,
                    0x12,
                    0x55,
                    0x92,
                    0xA2,
                    rng.u8() | 0x80
                ]
            );
            set_ah(&mut regs[0], ah);
            0x16
        }
        16 | 17 => {
            set_ah(
                &mut regs[0],
                pick!(rng, [0u8, 1, 2, 3, 4, 5, 6, 7, 0xB1, rng.u8()]),
            );
            0x1A
        }
        18 => pick!(rng, [0x11u8, 0x12, 0x14, 0x17]),
        _ => {
            // The host-call port, directly: a frame of ours or anywhere.
            let addr = if rng.chance(50) {
                format!("frame{}", rng.below(d.frames as u64))
            } else {
                (phys_addr(rng, ram) as u32).to_string()
            };
            match rng.below(6) {
                0 => {
                    let size = pick!(rng, ["al", "ax", "eax"]);
                    let _ = writeln!(
                        src,
                        " mov dx, {}\n mov eax, {}\n out dx, {size}",
                        0x5A0 + rng.below(4),
                        rng.u32()
                    );
                }
                1 => {
                    let _ = writeln!(src, " mov dx, {}\n in eax, dx", 0x5A0 + rng.below(4));
                }
                _ => {
                    let _ = writeln!(src, " mov dx, 0x5A0\n mov eax, {addr}\n out dx, eax");
                }
            }
            return;
        }
    };
    let names = ["eax", "ebx", "ecx", "edx", "esi", "edi", "ebp"];
    let _ = writeln!(
        src,
        " mov ax, {ds}\n mov ds, ax\n mov ax, {es}\n mov es, ax"
    );
    for (i, (r, v)) in names.iter().zip(regs).enumerate().skip(1) {
        match (i, &esi_label) {
            (4, Some(l)) => {
                let _ = writeln!(src, " mov {r}, {l}");
            }
            _ => {
                let _ = writeln!(src, " mov {r}, {v}");
            }
        }
    }
    let _ = writeln!(src, " mov eax, {}\n int {int:#x}", regs[0]);
}

/// Seeds of structured programs that once broke the host.
const CALL_REGRESSIONS: &[u64] = &[];

#[test]
fn random_bios_calls() {
    let dir = scratch("calls");
    let loader = nasm(&dir, "loader", LOADER);
    assert_eq!(loader.len(), 512);
    let mut tally = Tally::default();
    let mut completed = 0;
    let seeds: Vec<u64> = CALL_REGRESSIONS.iter().copied().chain(0..40).collect();
    for &seed in &seeds {
        let mut rng = Rng::new(seed ^ 0xCA11);
        let mut cfg = base_config(&mut rng);
        cfg.no_reboot = true;
        let ram = cfg.ram_mib << 20;
        let hd_sectors: u64 = pick!(rng, [1, 63, 1008, 2048, 16_065, 8 << 21]);
        let mut src = String::from("bits 16\norg 0x8000\n");
        let mut data = String::new();
        let d = emit_data(&mut rng, &mut data, ram, hd_sectors);
        for _ in 0..200 {
            emit_call(&mut rng, &mut src, &d, ram);
        }
        src.push_str(
            " xor ax, ax\n mov ds, ax\n mov al, '!'\n out 0xE9, al\n mov al, 0x2A\n out 0xF4, al\n hlt\n",
        );
        src.push_str(&data);
        let body = nasm(&dir, &format!("calls-{seed}"), &src);
        assert!(
            body.len() <= BODY_MAX,
            "seed {seed}: program of {} bytes",
            body.len()
        );
        let mut img = vec![0u8; FLOPPY_144];
        rng.fill(&mut img[..64 * 512]);
        img[..512].copy_from_slice(&loader);
        img[512..512 + body.len()].copy_from_slice(&body);
        let fda = dir.join(format!("calls-{seed}.img"));
        std::fs::write(&fda, &img).unwrap();
        let hda = dir.join(format!("calls-{seed}-hd.img"));
        {
            let f = std::fs::File::create(&hda).unwrap();
            f.set_len(hd_sectors * 512).unwrap();
            use std::io::Write;
            (&f).write_all(&rng.bytes(512 * 64.min(hd_sectors as usize)))
                .unwrap();
        }
        // Writes to the 8 GiB disk go to the sparse file, not to a -snapshot map.
        let snapshot = hd_sectors < 1 << 20 && rng.chance(50);
        cfg.disks = DiskConfig {
            floppy: [Some(fda), None],
            hard: [Some(hda.clone()), None],
            snapshot,
            ..DiskConfig::default()
        };
        let o = outcome(
            &format!("BIOS calls seed {seed}"),
            cfg,
            Duration::from_millis(300),
        );
        if o == RunOutcome::Exit((0x2A << 1) | 1) {
            completed += 1;
        }
        tally.add(&o);
        let _ = std::fs::remove_file(&hda);
    }
    tally.print("random BIOS calls");
    eprintln!(
        "random BIOS calls: {completed} of {} programs ran to their end",
        seeds.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// 2. Random firmware (-bios) on the full board.

/// A protected-mode prologue at CS offset `entry` (CS = F000h): random GDT, maybe an IDT
/// and control-register bits, then a far jump through a random selector into random code.
fn pm_prologue(rng: &mut Rng, entry: u32) -> String {
    let mut s = format!("bits 16\norg {entry}\n cli\n o32 lgdt [cs:gdtr]\n");
    if rng.chance(50) {
        s.push_str(" o32 lidt [cs:idtr]\n");
    }
    if rng.chance(30) {
        let _ = writeln!(s, " mov eax, {}\n mov cr3, eax", rng.u32() & !0xFFF);
    }
    if rng.chance(20) {
        let _ = writeln!(s, " mov eax, {}\n mov cr4, eax", rng.u32() & 0x3F);
    }
    let cr0 = 1 | pick!(
        rng,
        [
            0u32,
            0,
            0x8000_0000,
            0x2_0000,
            0x20,
            0x8,
            rng.u32() & 0xE005_003E
        ]
    );
    let _ = writeln!(s, " mov eax, cr0\n or eax, {cr0}\n mov cr0, eax");
    let data_sel = pick!(rng, [0x10u16, 0x10, 0x18, 0x20, rng.u16() & 0x3F]);
    if rng.chance(80) {
        let _ = writeln!(
            s,
            " mov ax, {data_sel}\n mov ds, ax\n mov es, ax\n mov ss, ax\n mov esp, {}",
            pick!(rng, [0x7000u32, 0x10_0000, rng.u32()])
        );
    }
    let code_sel = pick!(
        rng,
        [0x08u16, 0x08, 0x28, 0x30, rng.u16() & 0x3F, rng.u16()]
    );
    let target = pick!(
        rng,
        [
            0xF_0000 + (rng.u32() & 0xFFFF),
            rng.u32() & 0xFFFF,
            rng.u32()
        ]
    );
    let _ = writeln!(s, " jmp dword {code_sel}:{target}");
    let descs = [
        0u64,
        0x00CF_9A00_0000_FFFF, // flat 32-bit code
        0x00CF_9200_0000_FFFF, // flat data
        0x0000_920F_0000_FFFF, // 16-bit data at F0000
        rng.next(),
        0x0000_9A0F_0000_FFFF, // 16-bit code at F0000
        rng.next(),
        rng.next() ^ 0x00CF_9A00_0000_FFFF,
    ];
    let flip = |rng: &mut Rng, d: u64| {
        if rng.chance(25) {
            d ^ (1 << rng.below(64))
        } else {
            d
        }
    };
    s.push_str("gdtr: dw ");
    let _ = writeln!(
        s,
        "{}\n dd 0xF0000 + gdt",
        pick!(rng, [63u16, 63, 23, 0, rng.u16()])
    );
    let _ = writeln!(
        s,
        "idtr: dw {}\n dd {}",
        rng.u16(),
        pick!(rng, [0xF_0000 + (rng.u32() & 0xFFFF), rng.u32(), 0])
    );
    s.push_str("gdt:");
    for (i, d) in descs.into_iter().enumerate() {
        let d = flip(rng, d);
        let _ = write!(s, "{} {d}", if i == 0 { " dq" } else { "," });
    }
    s.push('\n');
    s
}

/// Seeds of ROMs that once broke the host.
const ROM_REGRESSIONS: &[u64] = &[];

#[test]
fn random_roms() {
    let dir = scratch("roms");
    let mut tally = Tally::default();
    // Random code often ends up running the zeros of RAM at 0000:0000, where every
    // `add [bx+si], al` writes into its own page: the interpreter then runs at well under
    // 1 MIPS and a slice of the run loop takes up to a few seconds. Hence few seeds.
    let seeds: Vec<u64> = ROM_REGRESSIONS.iter().copied().chain(0..24).collect();
    for seed in seeds {
        let mut rng = Rng::new(seed ^ 0x0B105);
        let size = pick!(
            rng,
            [0x1_0000usize, 0x1_0000, 0x1_0000, 0x1000, 0x8000, 0x2_0000]
        );
        let mut rom = rng.bytes(size);
        // CS = F000h reaches the top 64 KiB of the ROM.
        let seg_start = 0x1_0000usize.saturating_sub(size);
        let window = size.min(0x1_0000);
        let entry = seg_start + rng.below((window - 0x200) as u64) as usize;
        let off = size - window + (entry - seg_start);
        match rng.below(3) {
            0 => {}
            1 => rom[off..off + PROLOGUE.len()].copy_from_slice(&PROLOGUE),
            _ => {
                let code = nasm(
                    &dir,
                    &format!("pm-{seed}"),
                    &pm_prologue(&mut rng, entry as u32),
                );
                assert!(code.len() < 0x200);
                rom[off..off + code.len()].copy_from_slice(&code);
            }
        }
        // Reset vector: jmp far F000:entry.
        let rv = size - 16;
        rom[rv..rv + 5].copy_from_slice(&[0xEA, entry as u8, (entry >> 8) as u8, 0x00, 0xF0]);
        let mut cfg = base_config(&mut rng);
        cfg.bios = rom;
        let o = outcome(&format!("ROM seed {seed}"), cfg, Duration::from_millis(50));
        tally.add(&o);
    }
    tally.print("random ROMs");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// 3. Random disk images.

/// Make a file of `size` bytes: `content` at the start, the rest sparse.
fn sized_file(path: &Path, size: u64, content: &[u8]) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(&content[..content.len().min(size as usize)])
        .unwrap();
    f.set_len(size).unwrap();
}

/// Whether the board must refuse an image of `size` bytes as a floppy or hard disk.
fn refused(size: u64, floppy: bool) -> bool {
    if floppy {
        !FLOPPY_SIZES.contains(&(size as usize))
    } else {
        size == 0 || !size.is_multiple_of(512)
    }
}

#[test]
fn random_disk_images() {
    let dir = scratch("disks");
    let mut tally = Tally::default();
    let mut sizes: Vec<u64> = vec![
        0,
        1,
        511,
        512,
        513,
        1024,
        1000,
        163_840,
        1_474_559,
        1_474_560,
        1_474_561,
        2_949_120,
        8 << 30,
        (8 << 30) + 1,
    ];
    let mut rng = Rng::new(0xD15C);
    for _ in 0..6 {
        sizes.push(rng.below(4 << 20));
        sizes.push(rng.below(8192) * 512);
    }
    for (i, &size) in sizes.iter().enumerate() {
        for floppy in [true, false] {
            let label = format!(
                "disk image {i} ({size} bytes, {})",
                if floppy { "fda" } else { "hda" }
            );
            let path = dir.join(format!("disk-{i}-{floppy}.img"));
            let mut head = rng.bytes(64 * 512);
            if rng.chance(70) && head.len() >= 512 {
                head[510] = 0x55;
                head[511] = 0xAA;
            }
            sized_file(&path, size, &head);
            let mut cfg = base_config(&mut rng);
            cfg.no_reboot = true;
            let slot = Some(path.clone());
            cfg.disks = DiskConfig {
                snapshot: rng.chance(50),
                ..DiskConfig::default()
            };
            if floppy {
                cfg.disks.floppy[rng.below(2) as usize] = slot;
            } else {
                cfg.disks.hard[rng.below(2) as usize] = slot;
            }
            match run_case(&label, cfg, Duration::from_millis(50)) {
                Ran::Refused(e) => {
                    assert!(refused(size, floppy), "{label}: refused: {e}");
                    assert!(!e.contains('\n') && e.contains("disk-"), "{label}: {e:?}");
                }
                Ran::Outcome(o) => {
                    assert!(!refused(size, floppy), "{label}: accepted, ran to {o:?}");
                    tally.add(&o);
                }
            }
            let _ = std::fs::remove_file(&path);
        }
    }
    // Not a file at all.
    for (what, path) in [
        ("directory", dir.clone()),
        ("missing", dir.join("no-such.img")),
    ] {
        let mut cfg = base_config(&mut rng);
        cfg.disks.hard[0] = Some(path);
        match run_case(what, cfg, Duration::from_millis(50)) {
            Ran::Refused(e) => assert!(!e.contains('\n'), "{what}: {e:?}"),
            Ran::Outcome(o) => panic!("{what}: accepted, ran to {o:?}"),
        }
    }
    tally.print("random disk images");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The binary refuses bad images and firmware with one line on standard error and exit
/// status 1, before running anything.
#[test]
fn bad_files_give_one_line() {
    let dir = scratch("files");
    let empty = dir.join("empty.img");
    sized_file(&empty, 0, &[]);
    let odd = dir.join("odd.img");
    sized_file(&odd, 1001, &[0x55; 1001]);
    let huge = dir.join("huge.img");
    sized_file(&huge, 8 << 30, &[]);
    let rom = dir.join("short.rom");
    sized_file(&rom, 1000, &[0xF4; 1000]);
    let cases: Vec<Vec<String>> = [
        vec!["-fda", empty.to_str().unwrap()],
        vec!["-hda", empty.to_str().unwrap()],
        vec!["-fda", odd.to_str().unwrap()],
        vec!["-hda", odd.to_str().unwrap()],
        vec!["-fda", huge.to_str().unwrap()],
        vec!["-hdb", dir.to_str().unwrap()],
        vec!["-hda", dir.join("missing.img").to_str().unwrap()],
        vec!["-bios", rom.to_str().unwrap()],
        vec!["-bios", huge.to_str().unwrap()],
        vec!["-bios", dir.join("missing.rom").to_str().unwrap()],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    for args in cases {
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
            .args(["-display", "none", "--timeout", "2", "-no-reboot"])
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("ironpc: "), "{args:?}: {err}");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{args:?}: slow refusal"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// 4. Port storms.

/// Ports whose writes end the run or reset the machine: 0xF4 (exit), 0x64 (8042 commands:
/// reset pulse, output port), 0x92 (fast reset), 0xCF9 (PCI reset control; a 16- or
/// 32-bit write at 0xCF6-0xCF8 reaches it too, except the dword at 0xCF8, the address).
fn ends_or_resets(port: u16) -> bool {
    matches!(port, 0xF4 | 0x64 | 0x92 | 0xCF6..=0xCF9)
}

/// A ROM that switches to flat 32-bit protected mode, writes LCG values of every size to
/// every port but [`ends_or_resets`] (reading each back), does random string I/O with REP,
/// prints `STORM-OK` on the debug console and exits through port 0xF4 with 21h.
fn storm_rom(dir: &Path, rng: &mut Rng, ram: u32, name: &str) -> Vec<u8> {
    let mut s = format!(
        "bits 16
org 0
start:
    cli
    o32 lgdt [cs:gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:(0xF0000 + pm)
bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, 0x7000
    mov ebp, {seed}
%macro PASS 1
    xor edx, edx
%%loop:
    cmp dx, 0xF4
    je %%skip
    cmp dx, 0x64
    je %%skip
    cmp dx, 0x92
    je %%skip
    lea ecx, [edx - 0xCF6]
    cmp ecx, 3
    jbe %%skip
    imul ebp, ebp, 1103515245
    add ebp, 12345
    mov eax, ebp
    rol eax, 15
    out dx, %1
    in %1, dx
%%skip:
    inc edx
    cmp edx, 0x10000
    jb %%loop
%endmacro
    PASS al
    PASS ax
    PASS eax
",
        seed = rng.u32()
    );
    for _ in 0..48 {
        let mut port = pick!(
            rng,
            [
                0x5A0u16,
                0x3C9,
                0x1CF,
                0x3F8,
                0x3D5,
                0x71,
                0x60,
                0x40,
                0xE9,
                rng.u16(),
                rng.u16()
            ]
        );
        if ends_or_resets(port) {
            port = 0x80;
        }
        let count = pick!(rng, [0u32, 1, 2, 3, 0x100, 0x1000, 0x1_0000, 0x4_0000]);
        let down = rng.chance(20);
        let dir = if down { "std" } else { "cld" };
        let (op, width) = pick!(
            rng,
            [
                ("outsb", 1u64),
                ("outsw", 2),
                ("outsd", 4),
                ("insb", 1),
                ("insw", 2),
                ("insd", 4)
            ]
        );
        // Keep the string inside the flat 4 GiB segment: past its limit is a #GP (SDM
        // vol. 3A 5.3), which without an IDT is a triple fault, not what this test is after.
        let span = u64::from(count) * width;
        let inside = |a: u64| {
            if down {
                a.clamp(span.saturating_sub(width), (1 << 32) - width) as u32
            } else {
                a.min((1 << 32) - span.max(width)) as u32
            }
        };
        let src = inside(phys_addr(rng, ram) & 0xFFFF_FFFF);
        let dst = inside(phys_addr(rng, ram) & 0xFFFF_FFFF);
        let _ = writeln!(
            s,
            "    mov edx, {port}\n    mov ecx, {count}\n    mov esi, {src}\n    mov edi, {dst}\n    {dir}\n    rep {op}"
        );
        let port = rng.u16();
        if !ends_or_resets(port) {
            let reg = pick!(rng, ["al", "ax", "eax"]);
            let _ = writeln!(
                s,
                "    mov edx, {port}\n    mov eax, {}\n    out dx, {reg}\n    in {reg}, dx",
                rng.u32()
            );
        }
    }
    s.push_str(
        "    cld
    mov esi, 0xF0000 + msg
    mov edx, 0xE9
    mov ecx, msg_end - msg
    rep outsb
    mov al, 0x21
    out 0xF4, al
    hlt
msg: db 10, 'STORM-OK', 10
msg_end:
gdtr: dw 23
    dd 0xF0000 + gdt
gdt: dq 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF
    times 0xFFF0-($-$$) db 0xF4
bits 16
    jmp 0xF000:start
    times 0x10000-($-$$) db 0
",
    );
    nasm(dir, name, &s)
}

/// Seeds of port storms that once broke the host.
const STORM_REGRESSIONS: &[u64] = &[];

#[test]
fn port_storm_leaves_a_working_machine() {
    let dir = scratch("storm");
    let seeds: Vec<u64> = STORM_REGRESSIONS.iter().copied().chain(0..8).collect();
    for seed in seeds {
        let mut rng = Rng::new(seed ^ 0x5707);
        let mut cfg = base_config(&mut rng);
        cfg.ips = 100_000_000;
        let rom = storm_rom(&dir, &mut rng, cfg.ram_mib << 20, &format!("storm-{seed}"));
        let log = dir.join(format!("storm-{seed}.e9"));
        cfg.bios = rom;
        cfg.debugcon = Output::File(log.clone());
        cfg.serial = Output::Null;
        let label = format!("port storm seed {seed}");
        let o = outcome(&label, cfg, Duration::from_secs(20));
        let e9 = std::fs::read(&log).unwrap();
        assert_eq!(o, RunOutcome::Exit((0x21 << 1) | 1), "{label}");
        assert!(
            e9.ends_with(b"\nSTORM-OK\n"),
            "{label}: the marker is missing"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// String I/O with a count of 4 G-1 is cut into slices: the run still ends at its deadline.
#[test]
fn huge_string_io_obeys_the_deadline() {
    let dir = scratch("huge");
    for (i, (port, op, std)) in [
        (0x3DA, "insd", false),
        (0xE9, "outsb", false),
        (0x5A0, "outsd", false),
        (0x1CF, "insw", true),
        (0x80, "outsd", true),
    ]
    .into_iter()
    .enumerate()
    {
        let src = format!(
            "bits 16
org 0
start:
    cli
    o32 lgdt [cs:gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:(0xF0000 + pm)
bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov edx, {port}
    mov ecx, 0xFFFFFFFF
    mov esi, 0x100000
    mov edi, 0x100000
    {}
    rep {op}
    mov al, 1
    out 0xF4, al
gdtr: dw 23
    dd 0xF0000 + gdt
gdt: dq 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF
    times 0xFFF0-($-$$) db 0xF4
bits 16
    jmp 0xF000:start
    times 0x10000-($-$$) db 0
",
            if std { "std" } else { "cld" }
        );
        let rom = nasm(&dir, &format!("huge-{i}"), &src);
        let cfg = Config {
            ram_mib: 16,
            bios: rom,
            no_reboot: true,
            pace: false,
            ..Config::default()
        };
        let start = Instant::now();
        let o = outcome(
            &format!("rep {op} on {port:#x}"),
            cfg,
            Duration::from_millis(300),
        );
        assert_eq!(o, RunOutcome::Timeout, "rep {op} on {port:#x}");
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "rep {op} on {port:#x}: the deadline was overrun by {:?}",
            start.elapsed()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
