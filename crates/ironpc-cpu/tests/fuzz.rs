//! Robustness: random byte sequences executed as code, in real mode and in flat 32-bit
//! protected mode. Every exception vector leads to a handler that steps one byte past the
//! faulting (or trapping) instruction and returns, so execution keeps going through the
//! random bytes and their faults. Each round runs a bounded number of instructions and
//! then starts over from a fresh random state; whatever happens (faults, triple faults,
//! HLT, writes to the exit port, mode switches the random code makes) must be a guest-
//! visible outcome: no host panic, no hang, and a processor state that stays consistent.
//!
//! Deterministic: xorshift seeds are fixed, so a failure reproduces.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use ironpc_cpu::seg::Desc;
use ironpc_cpu::state::{attr, Segment, CS, DS, ES, ESP, FS, GS, SS};
use ironpc_cpu::testkit::TestMachine;
use ironpc_cpu::Exit;

const RAM: usize = 2 << 20;
/// The random code: 64 KiB at linear 10000.
const CODE: u32 = 0x1_0000;
const CODE_LEN: usize = 0x1_0000;
/// Instructions per round before starting over.
const ROUND: u64 = 3000;
/// Instructions per mode, at least.
const MIN_INSNS: u64 = 3_000_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn u32(&mut self) -> u32 {
        (self.next() >> 32) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.u32() % n
    }
}

/// Bytes that make random code more interesting: prefixes, far transfers, INT/IRET, string
/// instructions, port I/O, segment loads, stack and flag manipulation, system opcodes.
const SPICE: &[u8] = &[
    0x0F, 0x0F, 0x0F, 0x66, 0x67, 0xF3, 0xF2, 0xF0, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0xCD, 0xCC,
    0xCE, 0xCF, 0x9A, 0xEA, 0xFF, 0x8E, 0x8C, 0xC4, 0xC5, 0x62, 0xC8, 0xC9, 0xA4, 0xA5, 0xA6, 0xA7,
    0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF, 0xE4, 0xEC, 0xE6, 0xEE, 0x6C, 0x6D, 0x6E, 0x6F, 0x9C, 0x9D,
    0x60, 0x61, 0x17, 0x1F, 0x07, 0xCA, 0xCB, 0xC2, 0xC3, 0xE8, 0xE9, 0xEB, 0xE0, 0xE1, 0xE2, 0xE3,
    0xF4, 0xFA, 0xFB, 0xD4, 0xD5, 0xF6, 0xF7, 0x01, 0x00, 0x20, 0x22, 0x23, 0xA2, 0x31, 0x32, 0x30,
    0xB2, 0xC7, 0xB1, 0xA3, 0xAB,
];

fn random_code(rng: &mut Rng) -> Vec<u8> {
    let mut v = vec![0u8; CODE_LEN];
    let spicy = rng.below(2) == 0;
    for b in v.iter_mut() {
        *b = if spicy && rng.below(6) == 0 {
            SPICE[rng.below(SPICE.len() as u32) as usize]
        } else {
            rng.u32() as u8
        };
    }
    v
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Real,
    Prot32,
    /// CPL 3 with paging: exceptions switch to the ring-0 stack of the TSS and IRET back
    /// out; the tables live on supervisor pages the random code cannot write.
    User,
}

/// Page directory and page table of the User mode (supervisor pages).
const PD: u32 = 0x4000;
const PT: u32 = 0x5000;
/// The TSS of the User mode and its ring-0 stack top.
const TSS: u32 = 0x3000;
const ESP0: u32 = 0x9_F000;

/// Fixed guest scaffolding: handlers, IVT or GDT + IDT.
fn install_tables(m: &mut TestMachine, mode: Mode) {
    match mode {
        Mode::Real => {
            // Handler at 0000:0500: push bp; mov bp,sp; inc word [bp+2]; pop bp; iret
            m.load(0x500, &[0x55, 0x89, 0xE5, 0xFF, 0x46, 0x02, 0x5D, 0xCF]);
            let mut ivt = Vec::with_capacity(1024);
            for _ in 0..256 {
                ivt.extend_from_slice(&[0x00, 0x05, 0x00, 0x00]);
            }
            m.load(0, &ivt);
        }
        Mode::Prot32 | Mode::User => {
            // Handlers: 0x2000 "inc dword [esp]; iretd", 0x2010 "add esp,4" first (for the
            // vectors that push an error code).
            m.load(0x2000, &[0xFF, 0x04, 0x24, 0xCF]);
            m.load(0x2010, &[0x83, 0xC4, 0x04, 0xFF, 0x04, 0x24, 0xCF]);
            // GDT at 0x800: null, 08 flat code, 10 flat data, 18 16-bit code, 20 16-bit
            // data, 2B flat code DPL 3, 33 flat data DPL 3, 38 TSS (busy).
            let gdt: [u64; 8] = [
                0,
                0x00CF_9A00_0000_FFFF,
                0x00CF_9200_0000_FFFF,
                0x0000_9A01_0000_FFFF,
                0x0000_9200_0000_FFFF,
                0x00CF_FA00_0000_FFFF,
                0x00CF_F200_0000_FFFF,
                0x0000_8B00_3000_0067,
            ];
            let bytes: Vec<u8> = gdt.iter().flat_map(|d| d.to_le_bytes()).collect();
            m.load(0x800, &bytes);
            let mut idt = Vec::with_capacity(2048);
            for v in 0..256u32 {
                let err = matches!(v, 8 | 10..=14 | 17);
                let h: u32 = if err { 0x2010 } else { 0x2000 };
                idt.extend_from_slice(&(h as u16).to_le_bytes());
                idt.extend_from_slice(&0x08u16.to_le_bytes());
                idt.extend_from_slice(&0x8E00u16.to_le_bytes());
                idt.extend_from_slice(&((h >> 16) as u16).to_le_bytes());
            }
            m.load(0x1000, &idt);
            // TSS: ring-0 stack, no I/O bitmap.
            let mut tss = [0u8; 0x68];
            tss[4..8].copy_from_slice(&ESP0.to_le_bytes());
            tss[8..12].copy_from_slice(&0x10u32.to_le_bytes());
            tss[102..104].copy_from_slice(&0x68u16.to_le_bytes());
            m.load(TSS, &tss);
        }
    }
}

/// User-mode paging: identity map of the first 2 MiB. Pages below the code and from 80000
/// to 9FFFF are supervisor-only; the rest are user pages, some read-only, a few absent.
fn install_paging(m: &mut TestMachine, rng: &mut Rng, entry: u32, esp: u32) {
    let mut pd = vec![0u8; 4096];
    pd[..4].copy_from_slice(&(PT | 7).to_le_bytes());
    m.load(PD, &pd);
    let mut pt = vec![0u8; 4096];
    for page in 0..512u32 {
        let addr = page << 12;
        let sup = addr < CODE || (0x8_0000..0xA_0000).contains(&addr);
        let mut pte = addr | 1;
        if !sup {
            pte |= 4;
            match rng.below(16) {
                0 => pte &= !1, // absent
                1..=3 => {}     // read-only
                _ => pte |= 2,  // writable
            }
        } else {
            pte |= 2;
        }
        if addr == entry & !0xFFF || addr == (esp - 4) & !0xFFF {
            pte |= 7;
        }
        let i = page as usize * 4;
        pt[i..i + 4].copy_from_slice(&pte.to_le_bytes());
    }
    m.load(PT, &pt);
}

/// A fresh round: processor reset, tables, random code, random registers.
fn start_round(m: &mut TestMachine, mode: Mode, rng: &mut Rng) {
    m.interp.reset();
    m.bus.exit = None;
    m.bus.irq = None;
    m.bus.e9.clear();
    m.bus.outs.clear();
    m.bus.in_value = rng.u32();
    install_tables(m, mode);
    let code = random_code(rng);
    m.load(CODE, &code);
    let off = rng.below(CODE_LEN as u32 - 16);
    let cpu = &mut m.interp.cpu;
    for r in 0..8 {
        cpu.regs[r] = rng.u32();
    }
    match mode {
        Mode::Real => {
            m.real((CODE >> 4) as u16, off as u16);
            let cpu = &mut m.interp.cpu;
            let data = attr::P | attr::S | attr::RW | attr::ACCESSED;
            // Data segments anywhere in the first MiB; the stack well away from the tables.
            for s in [DS, ES, FS, GS] {
                cpu.segs[s] = Segment::real(rng.below(0x1_0000) as u16, 0xFFFF, data);
            }
            cpu.segs[SS] = Segment::real(0x7000, 0xFFFF, data);
            cpu.regs[ESP] = 0xFFF0;
            cpu.idtr.base = 0;
            cpu.idtr.limit = 0x3FF;
        }
        Mode::User => {
            let eip = CODE + off;
            let esp = 0x7_0000 + (rng.below(0x1_0000) & !3);
            install_paging(m, rng, eip, esp);
            m.flat32(eip, esp);
            let cpu = &mut m.interp.cpu;
            cpu.gdtr.base = 0x800;
            cpu.gdtr.limit = 8 * 8 - 1;
            cpu.idtr.base = 0x1000;
            cpu.idtr.limit = 256 * 8 - 1;
            cpu.segs[CS] = Desc(0x00CF_FA00_0000_FFFF).to_segment(0x2B);
            for s in [DS, ES, FS, GS, SS] {
                cpu.segs[s] = Desc(0x00CF_F200_0000_FFFF).to_segment(0x33);
            }
            cpu.tr = Desc(0x0000_8B00_3000_0067).to_segment(0x38);
            cpu.cpl = 3;
            cpu.cr3 = PD;
            cpu.cr0 |= 0x8000_0000;
            cpu.flush_tlb();
            // Interrupts on, and now and then an external interrupt waiting.
            cpu.set_eflags(0x202);
            if rng.below(4) == 0 {
                m.bus.irq = Some(0x20 + rng.below(0xE0) as u8);
            }
        }
        Mode::Prot32 => {
            m.flat32(CODE + off, 0x9_0000 + (rng.below(0x1000) & !3));
            let cpu = &mut m.interp.cpu;
            cpu.gdtr.base = 0x800;
            cpu.gdtr.limit = 5 * 8 - 1;
            cpu.idtr.base = 0x1000;
            cpu.idtr.limit = 256 * 8 - 1;
            cpu.segs[CS].selector = 0x08;
            for s in [DS, ES, FS, GS, SS] {
                cpu.segs[s].selector = 0x10;
            }
        }
    }
}

#[derive(Default, Debug)]
struct Totals {
    rounds: u64,
    insns: u64,
    exceptions: u64,
    shutdowns: u64,
    halts: u64,
    stops: u64,
}

/// `IRONPC_FUZZ_SCALE=N` runs N times as many instructions (for longer local fuzzing).
fn scale() -> u64 {
    std::env::var("IRONPC_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1u64)
        .max(1)
}

fn fuzz(mode: Mode, seeds: &[u64]) -> Totals {
    let mut t = Totals::default();
    let mut m = TestMachine::new(RAM);
    for &seed in seeds {
        let mut rng = Rng(seed | 1);
        let per_seed = MIN_INSNS * scale() / seeds.len() as u64 + ROUND;
        let seed_start = t.insns;
        while t.insns - seed_start < per_seed {
            start_round(&mut m, mode, &mut rng);
            let exc0: u64 = m.interp.cpu.stats.exceptions.iter().sum();
            let i0 = m.interp.cpu.icount;
            match m.run(ROUND) {
                Exit::Budget => {}
                Exit::Halted => t.halts += 1,
                Exit::Stop => t.stops += 1,
                Exit::Shutdown(why) => {
                    assert!(!why.is_empty());
                    t.shutdowns += 1;
                }
            }
            let cpu = &m.interp.cpu;
            let ran = cpu.icount - i0;
            // The budget bounds the work of one run (a REP counts each element; delivering
            // an exception costs one slot), with a little slack for the last instruction.
            assert!(
                ran <= ROUND + 0x1_0000,
                "seed {seed:#x}: run({ROUND}) retired {ran} instructions"
            );
            t.insns += ran;
            t.exceptions += cpu.stats.exceptions.iter().sum::<u64>() - exc0;
            t.rounds += 1;
            // Architectural invariants that no guest can break.
            assert!(cpu.cpl <= 3, "seed {seed:#x}: CPL {}", cpu.cpl);
            if !cpu.pe() {
                assert_eq!(cpu.cpl, 0, "seed {seed:#x}: real mode at CPL {}", cpu.cpl);
            }
            if cpu.bitness() == 16 {
                assert!(
                    cpu.eip <= 0xFFFF,
                    "seed {seed:#x}: 16-bit code with EIP {:#x}",
                    cpu.eip
                );
            }
            let fl = cpu.eflags();
            assert_eq!(fl & 0x2, 0x2, "seed {seed:#x}: EFLAGS bit 1 clear");
            assert_eq!(fl & 0x8028, 0, "seed {seed:#x}: EFLAGS reserved bits set");
        }
    }
    t
}

/// Run `f` on a worker thread; fail if it takes longer than `limit` (a hang).
fn with_watchdog(limit: Duration, f: impl FnOnce() -> Totals + Send + 'static) -> Totals {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(r);
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(t)) => t,
        Ok(Err(p)) => std::panic::resume_unwind(p),
        Err(_) => panic!("the fuzz run did not finish within {limit:?}: a host hang"),
    }
}

fn check(mode: Mode, seeds: &'static [u64]) {
    let start = Instant::now();
    let limit = Duration::from_secs(120 * scale());
    let t = with_watchdog(limit, move || fuzz(mode, seeds));
    eprintln!("{mode:?}: {t:?} in {:?}", start.elapsed());
    assert!(
        t.insns >= MIN_INSNS,
        "{mode:?}: only {} instructions retired",
        t.insns
    );
    assert!(
        t.exceptions > t.rounds,
        "{mode:?}: only {} exceptions in {} rounds: the handlers are not being exercised",
        t.exceptions,
        t.rounds
    );
}

#[test]
fn random_code_real_mode() {
    check(
        Mode::Real,
        &[0x1234_5678, 0xDEAD_BEEF, 0x0BAD_F00D, 0x5EED_0001],
    );
}

#[test]
fn random_code_user_mode_with_paging() {
    check(
        Mode::User,
        &[0x0BAD_CAFE, 0x1357_9BDF, 0x2468_ACE0, 0x5EED_0003],
    );
}

#[test]
fn random_code_protected_mode() {
    check(
        Mode::Prot32,
        &[0x8765_4321, 0xFEED_FACE, 0xC0FF_EE00, 0x5EED_0002],
    );
}

/// A guest stuck delivering the same exception forever (the #UD handler is itself a UD2)
/// retires no instruction; the run must still come back within its budget.
#[test]
fn endless_fault_loop_returns() {
    let t = with_watchdog(Duration::from_secs(60), || {
        let mut m = TestMachine::new(RAM);
        // IVT[6] = 0000:0600, which holds UD2; start at 0000:0700 on another UD2.
        m.load(6 * 4, &[0x00, 0x06, 0x00, 0x00]);
        m.load(0x600, &[0x0F, 0x0B]);
        m.load(0x700, &[0x0F, 0x0B]);
        m.real(0, 0x700);
        // The stack wraps within 9000:0000-FFFF, away from the IVT and the code.
        let data = attr::P | attr::S | attr::RW | attr::ACCESSED;
        m.interp.cpu.segs[SS] = Segment::real(0x9000, 0xFFFF, data);
        let exit = m.run(10_000);
        assert_eq!(exit, Exit::Budget);
        let exceptions = m.interp.cpu.stats.exceptions[6];
        assert!(exceptions > 0);
        Totals {
            exceptions,
            ..Totals::default()
        }
    });
    assert!(t.exceptions >= 1000, "{t:?}");
}
