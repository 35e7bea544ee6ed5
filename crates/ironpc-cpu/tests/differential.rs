//! Differential tests of the integer instructions: each case runs the same instruction bytes
//! natively on the x86-64 host (inline `asm!`, flags set and captured with POPFQ/PUSHFQ) and
//! in the interpreter (one instruction in a reused flat 32-bit `TestMachine`), over edge
//! operands and at least 10,000 random operand sets per instruction and width, and compares
//! the registers, memory and every flag the SDM defines for that instruction.
//!
//! Only instructions whose 32-bit encoding means the same in 64-bit mode can run natively:
//! registers are EAX ECX EDX EBX ESI EDI (and AH CH DH BH), memory operands are `[esi]`
//! (`[rsi]` natively, pointing at a host buffer; at `GUEST_BUF` in the guest). The BCD
//! instructions (DAA DAS AAA AAS AAM AAD) are invalid in 64-bit mode, so they are checked
//! against a reference written from the SDM pseudo-code instead (`bcd_against_sdm`).
//!
//! Flags the SDM leaves undefined are masked per instruction, as listed in [`UNDEFINED`]
//! (and docs/undefined-flags.md); how often the host and IronPC agree on them anyway is
//! printed (run with `--nocapture`).
#![cfg(target_arch = "x86_64")]

use std::arch::asm;
use std::time::Instant;

use ironpc_cpu::testkit::TestMachine;

const CF: u32 = 1;
const PF: u32 = 1 << 2;
const AF: u32 = 1 << 4;
const ZF: u32 = 1 << 6;
const SF: u32 = 1 << 7;
const OF: u32 = 1 << 11;
const ARITH: u32 = CF | PF | AF | ZF | SF | OF;

const EAX: usize = 0;
const ECX: usize = 1;
const EDX: usize = 2;
const EBX: usize = 3;
const ESI: usize = 6;
const EDI: usize = 7;

/// Where the instruction under test is placed in the guest.
const CODE: u32 = 0x1000;
/// The guest's copy of the memory buffer; `[esi]` points at its middle.
const GUEST_BUF: u32 = 0x2_0000;
/// Memory buffer size; ESI points at offset `BUF_MID`.
const BUF: usize = 128;
const BUF_MID: usize = 64;

/// Random operand sets per primary case (one instruction, one width, one form).
const RANDOM: usize = 10_000;
/// Random operand sets for secondary encodings (immediate variants, memory forms, aliases):
/// the handler is shared with a primary case, so fewer suffice.
const FEW: usize = 1_000;

/// Flags the SDM leaves undefined, by instruction; `Undef` implements this table.
const UNDEFINED: &[(&str, &str)] = &[
    ("AND OR XOR TEST", "AF"),
    ("MUL IMUL", "SF ZF AF PF"),
    ("DIV IDIV", "CF OF SF ZF AF PF"),
    (
        "SHL SAL SHR SAR",
        "AF (count != 0); OF (count != 1); CF for SHL/SHR with count >= width",
    ),
    ("ROL ROR RCL RCR", "OF (masked count > 1)"),
    (
        "SHLD SHRD",
        "AF (count != 0); OF (count != 1); 16-bit count > 16: result and all flags",
    ),
    ("BT BTS BTR BTC", "OF SF AF PF"),
    (
        "BSF BSR",
        "CF OF SF AF PF (destination when the source is 0: see docs)",
    ),
    ("DAA DAS", "OF"),
    ("AAA AAS", "OF SF ZF PF"),
    ("AAM AAD", "OF AF CF"),
];

/// Register and flag state; `r` is indexed in hardware order (ESP and EBP unused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct St {
    r: [u32; 8],
    fl: u32,
}

type Native = fn(&mut St, *mut u8);

/// Adjusts (or rejects, with `false`) an operand set: state, memory, randomness, width.
type Fix = fn(&mut St, &mut [u8; BUF], &mut Rng, u32) -> bool;

/// A native runner for fixed instruction bytes: loads EAX ECX EDX EBX ESI EDI and the
/// arithmetic flags, runs the bytes, stores them back. With a non-null `mem`, RSI points
/// there instead (and ESI is reported unchanged).
macro_rules! nat {
    ($($b:expr),+ $(,)?) => {{
        fn run(s: &mut St, mem: *mut u8) {
            let mut a = u64::from(s.r[EAX]);
            let mut c = u64::from(s.r[ECX]);
            let mut d = u64::from(s.r[EDX]);
            let mut b = u64::from(s.r[EBX]);
            let mut si = if mem.is_null() { u64::from(s.r[ESI]) } else { mem as u64 };
            let mut di = u64::from(s.r[EDI]);
            let mut f = u64::from(s.fl & ARITH) | 2;
            // SAFETY: the bytes are one integer instruction that touches only RAX RCX RDX RBX
            // RSI RDI, the arithmetic flags and (through RSI) the caller's buffer, which the
            // caller sizes for every offset the case can reach. RBX (which LLVM reserves, so
            // it cannot be an operand) is swapped with R8 around the instruction and so is
            // restored; PUSH/POP use the stack, which `asm!` allows because `nostack` is not
            // given. Only arithmetic flags are loaded, so DF, TF and AC stay clear.
            unsafe {
                asm!(
                    "xchg r8, rbx",
                    "push r9",
                    "popfq",
                    $(concat!(".byte ", stringify!($b)),)+
                    "pushfq",
                    "pop r9",
                    "xchg r8, rbx",
                    // Fixed registers: a `reg` operand could be given RBX itself.
                    inout("r8") b,
                    inout("r9") f,
                    inout("rax") a,
                    inout("rcx") c,
                    inout("rdx") d,
                    inout("rsi") si,
                    inout("rdi") di,
                );
            }
            s.r[EAX] = a as u32;
            s.r[ECX] = c as u32;
            s.r[EDX] = d as u32;
            s.r[EBX] = b as u32;
            if mem.is_null() {
                s.r[ESI] = si as u32;
            }
            s.r[EDI] = di as u32;
            s.fl = f as u32;
        }
        run as Native
    }};
}

/// How a register operand is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// A value of the case's width (upper bits random).
    Val,
    /// A shift/rotate count in the low byte.
    Cnt,
    /// A signed bit offset that stays within the memory buffer.
    BitOff,
    /// A BSF/BSR source: often 0 or a single bit.
    Scan,
}

/// Where the count of a shift comes from (for the undefined-flag rules).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Count {
    None,
    Cl,
    Imm(u32),
}

/// Undefined-flag rule of a case (see [`UNDEFINED`]).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Undef {
    None,
    Logic,
    Mul,
    Div,
    /// SHL/SAL/SHR: CF is undefined for counts >= the width.
    ShlShr,
    Sar,
    Rot,
    Dsh,
    Bt,
    Bscan,
}

struct Case {
    name: String,
    w: u32,
    bytes: Vec<u8>,
    native: Native,
    ops: &'static [(usize, Kind)],
    undef: Undef,
    count: Count,
    mem: bool,
    n: usize,
    /// Adjust (or reject, with `false`) an operand set before it runs.
    fix: Option<Fix>,
}

impl Case {
    fn new(name: &str, w: u32, bytes: &[u8], native: Native) -> Case {
        Case {
            name: name.to_string(),
            w,
            bytes: bytes.to_vec(),
            native,
            ops: &[(EAX, Kind::Val), (ECX, Kind::Val)],
            undef: Undef::None,
            count: Count::None,
            mem: false,
            n: RANDOM,
            fix: None,
        }
    }

    /// The flags the SDM leaves undefined for this input, and whether the result is too.
    fn undefined(&self, s: &St) -> (u32, bool) {
        let n = match self.count {
            Count::None => 0,
            Count::Cl => s.r[ECX] & 0x1F,
            Count::Imm(n) => n & 0x1F,
        };
        let of = if n == 1 { 0 } else { OF };
        match self.undef {
            Undef::None => (0, false),
            Undef::Logic => (AF, false),
            Undef::Mul => (SF | ZF | AF | PF, false),
            Undef::Div => (ARITH, false),
            Undef::ShlShr | Undef::Sar if n == 0 => (0, false),
            Undef::ShlShr => (AF | of | if n >= self.w { CF } else { 0 }, false),
            Undef::Sar => (AF | of, false),
            Undef::Rot if n == 0 => (0, false),
            Undef::Rot => (of, false),
            Undef::Dsh if n == 0 => (0, false),
            Undef::Dsh if self.w == 16 && n > 16 => (ARITH, true),
            Undef::Dsh => (AF | of, false),
            Undef::Bt => (OF | SF | AF | PF, false),
            Undef::Bscan => (CF | OF | SF | AF | PF, false),
        }
    }
}

/// xorshift64*: deterministic, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn u32(&mut self) -> u32 {
        (self.next() >> 32) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        (((self.next() >> 32) * u64::from(n)) >> 32) as u32
    }
}

fn mask(w: u32) -> u32 {
    if w == 32 {
        u32::MAX
    } else {
        (1 << w) - 1
    }
}

/// Edge value number `i` (0..16) of a width.
fn edge_at(w: u32, i: u32) -> u32 {
    let m = mask(w);
    let s = 1u32 << (w - 1);
    let e = [
        0,
        1,
        2,
        9,
        0x0F,
        0x10,
        0x7F,
        0x80,
        0xFF,
        s - 1,
        s,
        s + 1,
        m,
        m - 1,
        0x5555_5555,
        0xAAAA_AAAA,
    ];
    e[i as usize % e.len()] & m
}

/// Edge values of a width.
fn edges(w: u32) -> Vec<u32> {
    let mut v: Vec<u32> = (0..16).map(|i| edge_at(w, i)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn count_edges() -> Vec<u32> {
    let mut v: Vec<u32> = (0..=33).collect();
    v.extend([63, 64, 65, 0x80, 0xFF]);
    v
}

fn bitoff_edges() -> Vec<u32> {
    [
        0i32, 1, -1, 7, 8, 15, 16, 17, 31, 32, 33, -16, -17, -32, -33, 511, -512,
    ]
    .iter()
    .map(|&x| x as u32)
    .collect()
}

fn kind_edges(k: Kind, w: u32) -> Vec<u32> {
    match k {
        Kind::Val => edges(w),
        Kind::Cnt => count_edges(),
        Kind::BitOff => bitoff_edges(),
        Kind::Scan => {
            let mut v = edges(w);
            v.extend((0..w).map(|i| 1 << i));
            v
        }
    }
}

/// A random operand of kind `k` and width `w`; `upper` fills the bits above the width.
fn draw(r: &mut Rng, k: Kind, w: u32) -> u32 {
    let upper = r.u32() & !mask(w);
    let low = match k {
        Kind::Val => match r.below(8) {
            0 | 1 => edge_at(w, r.below(16)),
            2 => r.below(300).wrapping_sub(150),
            3 => r.u32() & r.u32(),
            4 => r.u32() | r.u32(),
            _ => r.u32(),
        },
        Kind::Cnt => match r.below(4) {
            0 | 1 => r.below(34),
            2 => 32 + r.below(34),
            _ => r.u32() & 0xFF,
        },
        Kind::BitOff => return r.below(1024).wrapping_sub(512),
        Kind::Scan => match r.below(4) {
            0 => 0,
            1 => 1 << r.below(w),
            2 => (1 << r.below(w)) | (1u32 << r.below(w)).wrapping_sub(1),
            _ => r.u32(),
        },
    };
    upper | (low & mask(w))
}

/// The interpreter side: one flat 32-bit machine reused for every run.
struct Emu {
    m: TestMachine,
    loaded: Vec<u8>,
}

impl Emu {
    fn new() -> Emu {
        let mut m = TestMachine::new(1 << 20);
        m.flat32(CODE, 0x8000);
        Emu {
            m,
            loaded: Vec::new(),
        }
    }

    /// Run `bytes` once from state `s` (and memory `mem` at `GUEST_BUF`).
    fn run(&mut self, bytes: &[u8], s: &St, mem: &mut [u8; BUF]) -> St {
        if self.loaded != bytes {
            let mut code = bytes.to_vec();
            code.push(0xF4); // HLT: ends the decoded block
            self.m.load(CODE, &code);
            self.loaded = bytes.to_vec();
        }
        let b = GUEST_BUF as usize;
        self.m.ram[b..b + BUF].copy_from_slice(mem);
        let cpu = &mut self.m.interp.cpu;
        for i in [EAX, ECX, EDX, EBX, ESI, EDI] {
            cpu.regs[i] = s.r[i];
        }
        cpu.regs[4] = 0x8000;
        cpu.regs[5] = 0;
        cpu.eip = CODE;
        cpu.set_eflags((s.fl & ARITH) | 2);
        let icount = cpu.icount;
        self.m.run(1);
        let cpu = &self.m.interp.cpu;
        assert_eq!(
            cpu.icount,
            icount + 1,
            "instruction {bytes:02X?} did not retire"
        );
        let mut o = St {
            r: [0; 8],
            fl: cpu.eflags(),
        };
        o.r[..8].copy_from_slice(&cpu.regs[..8]);
        o.r[4] = 0;
        o.r[5] = 0;
        mem.copy_from_slice(&self.m.ram[b..b + BUF]);
        o
    }
}

/// Outcome of one case.
#[derive(Default)]
struct Tally {
    runs: usize,
    skipped: usize,
    mismatches: usize,
    failures: Vec<String>,
    /// Per flag bit: (runs where it was undefined, runs where host and IronPC differed).
    undef: [(usize, usize); 12],
}

fn check(c: &Case, emu: &mut Emu, s: St, mem: &[u8; BUF], t: &mut Tally) {
    let (uf, ures) = c.undefined(&s);
    let mut hm = *mem;
    let mut hs = s;
    if c.mem {
        hs.r[ESI] = GUEST_BUF + BUF_MID as u32;
    }
    let mut gs = hs;
    let ptr = if c.mem {
        // SAFETY: BUF_MID < BUF, so the pointer stays inside `hm`.
        unsafe { hm.as_mut_ptr().add(BUF_MID) }
    } else {
        std::ptr::null_mut()
    };
    (c.native)(&mut hs, ptr);
    let mut gm = *mem;
    let inp = gs;
    gs = emu.run(&c.bytes, &gs, &mut gm);
    hs.r[4] = 0;
    hs.r[5] = 0;
    t.runs += 1;
    let defined = ARITH & !uf;
    let regs_ok = ures || hs.r == gs.r;
    let flags_ok = (hs.fl ^ gs.fl) & defined == 0;
    let mem_ok = ures || hm == gm;
    for (bit, u) in t.undef.iter_mut().enumerate() {
        if uf & (1 << bit) != 0 {
            u.0 += 1;
            if (hs.fl ^ gs.fl) & (1 << bit) != 0 {
                u.1 += 1;
            }
        }
    }
    if !(regs_ok && flags_ok && mem_ok) {
        t.mismatches += 1;
    }
    if !(regs_ok && flags_ok && mem_ok) && t.failures.len() < 8 {
        let mut msg = format!(
            "{}: in {:08X?} fl {:03X}\n   host   {:08X?} fl {:03X}\n   ironpc {:08X?} fl {:03X} (compared flags {:03X})",
            c.name,
            inp.r,
            inp.fl & ARITH,
            hs.r,
            hs.fl & ARITH,
            gs.r,
            gs.fl & ARITH,
            defined
        );
        if !mem_ok {
            msg += &format!(
                "\n   mem host {:02X?}\n   mem ironpc {:02X?}",
                &hm[BUF_MID - 8..BUF_MID + 8],
                &gm[BUF_MID - 8..BUF_MID + 8]
            );
        }
        t.failures.push(msg);
    }
}

fn run_case(c: &Case, emu: &mut Emu, rng: &mut Rng) -> Tally {
    let mut t = Tally::default();
    let mut base = St::default();
    let mut mem = [0u8; BUF];
    let fresh = |rng: &mut Rng, base: &mut St, mem: &mut [u8; BUF]| {
        for i in [EAX, ECX, EDX, EBX, ESI, EDI] {
            base.r[i] = draw(rng, Kind::Val, c.w);
        }
        base.fl = rng.u32() & ARITH;
        for b in mem.iter_mut() {
            *b = rng.u32() as u8;
        }
    };
    // Edge operands: the product of the edge values of the first two operands, with the
    // arithmetic flags all clear and all set.
    let e0 = kind_edges(c.ops[0].1, c.w);
    let e1 = c.ops.get(1).map_or(vec![0], |o| kind_edges(o.1, c.w));
    for &a in &e0 {
        for &b in &e1 {
            for fl in [0, ARITH] {
                fresh(rng, &mut base, &mut mem);
                let mut s = base;
                let keep = !mask(c.w);
                let put = |s: &mut St, (reg, k): (usize, Kind), v: u32| {
                    s.r[reg] = if k == Kind::Val || k == Kind::Scan {
                        (s.r[reg] & keep) | v
                    } else {
                        v
                    };
                };
                put(&mut s, c.ops[0], a);
                if let Some(&o) = c.ops.get(1) {
                    put(&mut s, o, b);
                }
                s.fl = fl;
                if let Some(fix) = c.fix {
                    if !fix(&mut s, &mut mem, rng, c.w) {
                        t.skipped += 1;
                        continue;
                    }
                }
                check(c, emu, s, &mem, &mut t);
            }
        }
    }
    // Random operands until `n` have run.
    let mut done = 0;
    let mut tries = 0;
    while done < c.n {
        tries += 1;
        assert!(tries < c.n * 4, "{}: too many rejected inputs", c.name);
        fresh(rng, &mut base, &mut mem);
        let mut s = base;
        for &(reg, k) in c.ops {
            s.r[reg] = draw(rng, k, c.w);
        }
        if let Some(fix) = c.fix {
            if !fix(&mut s, &mut mem, rng, c.w) {
                t.skipped += 1;
                continue;
            }
        }
        check(c, emu, s, &mem, &mut t);
        done += 1;
    }
    t
}

/// DIV: make the quotient fit (no #DE natively).
fn fix_div(s: &mut St, _: &mut [u8; BUF], r: &mut Rng, w: u32) -> bool {
    let m = mask(w);
    let mut d = s.r[ECX] & m;
    if d == 0 {
        d = (r.u32() & m).max(1);
        s.r[ECX] = (s.r[ECX] & !m) | d;
    }
    if w == 8 {
        let ah = ((s.r[EAX] >> 8) & 0xFF) % d;
        s.r[EAX] = (s.r[EAX] & !0xFF00) | (ah << 8);
    } else {
        let hi = (s.r[EDX] & m) % d;
        s.r[EDX] = (s.r[EDX] & !m) | hi;
    }
    true
}

/// IDIV: make the quotient fit where possible; reject the rest.
fn fix_idiv(s: &mut St, _: &mut [u8; BUF], r: &mut Rng, w: u32) -> bool {
    let m = mask(w);
    let sext = |v: u32| i64::from(((v << (32 - w)) as i32) >> (32 - w));
    if s.r[ECX] & m == 0 {
        s.r[ECX] = (s.r[ECX] & !m) | (r.u32() & m).max(1);
    }
    let d = i128::from(sext(s.r[ECX] & m));
    let (hi, lo) = if w == 8 {
        ((s.r[EAX] >> 8) & 0xFF, s.r[EAX] & 0xFF)
    } else {
        (s.r[EDX] & m, s.r[EAX] & m)
    };
    let n = |hi: u32, lo: u32| i128::from(sext(hi)) << w | i128::from(lo);
    let fits = |n: i128| {
        let q = n / d;
        q >= -(1i128 << (w - 1)) && q < (1i128 << (w - 1))
    };
    if fits(n(hi, lo)) {
        return true;
    }
    // Sign-extend the low half into the high half (as CBW/CWD/CDQ would).
    let hi = if sext(lo) < 0 { m } else { 0 };
    if !fits(n(hi, lo)) {
        return false;
    }
    if w == 8 {
        s.r[EAX] = (s.r[EAX] & !0xFF00) | (hi << 8);
    } else {
        s.r[EDX] = (s.r[EDX] & !m) | hi;
    }
    true
}

/// CMPXCHG dest=EDX: make the accumulator equal to the destination half of the time.
fn fix_cx_reg(s: &mut St, _: &mut [u8; BUF], r: &mut Rng, w: u32) -> bool {
    if r.below(2) == 0 {
        let m = mask(w);
        s.r[EAX] = (s.r[EAX] & !m) | (s.r[EDX] & m);
    }
    true
}

/// CMPXCHG [esi]: make the accumulator equal to memory half of the time.
fn fix_cx_mem(s: &mut St, mem: &mut [u8; BUF], r: &mut Rng, w: u32) -> bool {
    if r.below(2) == 0 {
        let m = mask(w);
        let v = u32::from_le_bytes(mem[BUF_MID..BUF_MID + 4].try_into().unwrap());
        s.r[EAX] = (s.r[EAX] & !m) | (v & m);
    }
    true
}

/// CMPXCHG8B [esi]: make EDX:EAX equal to memory half of the time.
fn fix_cx8b(s: &mut St, mem: &mut [u8; BUF], r: &mut Rng, _: u32) -> bool {
    if r.below(2) == 0 {
        s.r[EAX] = u32::from_le_bytes(mem[BUF_MID..BUF_MID + 4].try_into().unwrap());
        s.r[EDX] = u32::from_le_bytes(mem[BUF_MID + 4..BUF_MID + 8].try_into().unwrap());
    }
    true
}

/// Every case. Byte-register forms use AL/CL (and AH/CH for some); 16/32-bit forms use the
/// E-registers; memory forms use `[esi]`.
#[allow(clippy::vec_init_then_push)]
fn cases() -> Vec<Case> {
    let mut v: Vec<Case> = Vec::new();
    macro_rules! case {
        ($name:expr, $w:expr, [$($b:expr),+ $(,)?] $(, $f:ident = $val:expr)* $(,)?) => {
            v.push(Case {
                $($f: $val,)*
                ..Case::new($name, $w, &[$($b),+], nat!($($b),+))
            })
        };
    }
    const AC: &[(usize, Kind)] = &[(EAX, Kind::Val), (ECX, Kind::Val)];
    const A: &[(usize, Kind)] = &[(EAX, Kind::Val)];
    const C: &[(usize, Kind)] = &[(ECX, Kind::Val)];
    const ACD: &[(usize, Kind)] = &[(EAX, Kind::Val), (ECX, Kind::Val), (EDX, Kind::Val)];
    const CNT: &[(usize, Kind)] = &[(EAX, Kind::Val), (ECX, Kind::Cnt)];
    const DSH: &[(usize, Kind)] = &[(EAX, Kind::Val), (ECX, Kind::Cnt), (EDX, Kind::Val)];
    const AD: &[(usize, Kind)] = &[(EAX, Kind::Val), (EDX, Kind::Val)];
    const BTM: &[(usize, Kind)] = &[(ECX, Kind::BitOff)];
    const SCAN: &[(usize, Kind)] = &[(ECX, Kind::Scan), (EAX, Kind::Val)];
    const NONE: &[(usize, Kind)] = &[(EAX, Kind::Val)];

    // ADD OR ADC SBB AND SUB XOR CMP (group 1, op k): r/m,r in all widths; AH,CH; memory
    // both ways; the immediate forms.
    macro_rules! alu {
        ($k:literal, $name:literal, $u:expr) => {
            case!(concat!($name, " al,cl"), 8, [$k * 8, 0xC8], undef = $u);
            case!(
                concat!($name, " ax,cx"),
                16,
                [0x66, $k * 8 + 1, 0xC8],
                undef = $u
            );
            case!(
                concat!($name, " eax,ecx"),
                32,
                [$k * 8 + 1, 0xC8],
                undef = $u
            );
            case!(
                concat!($name, " ah,ch"),
                8,
                [$k * 8, 0xEC],
                undef = $u,
                n = FEW
            );
            case!(
                concat!($name, " [esi],ecx"),
                32,
                [$k * 8 + 1, 0x0E],
                undef = $u,
                n = FEW,
                mem = true,
                ops = C
            );
            case!(
                concat!($name, " cx,[esi]"),
                16,
                [0x66, $k * 8 + 3, 0x0E],
                undef = $u,
                n = FEW,
                mem = true,
                ops = C
            );
            case!(
                concat!($name, " byte [esi],0x80"),
                8,
                [0x80, 0x06 + $k * 8, 0x80],
                undef = $u,
                n = FEW,
                mem = true,
                ops = A
            );
            case!(
                concat!($name, " eax,-1 (83)"),
                32,
                [0x83, 0xC0 + $k * 8, 0xFF],
                undef = $u,
                n = FEW,
                ops = A
            );
            case!(
                concat!($name, " ax,0x8000"),
                16,
                [0x66, 0x81, 0xC0 + $k * 8, 0x00, 0x80],
                undef = $u,
                n = FEW,
                ops = A
            );
            case!(
                concat!($name, " al,0x7f"),
                8,
                [$k * 8 + 4, 0x7F],
                undef = $u,
                n = FEW,
                ops = A
            );
            case!(
                concat!($name, " eax,0x80000001"),
                32,
                [$k * 8 + 5, 0x01, 0x00, 0x00, 0x80],
                undef = $u,
                n = FEW,
                ops = A
            );
        };
    }
    alu!(0, "add", Undef::None);
    alu!(1, "or", Undef::Logic);
    alu!(2, "adc", Undef::None);
    alu!(3, "sbb", Undef::None);
    alu!(4, "and", Undef::Logic);
    alu!(5, "sub", Undef::None);
    alu!(6, "xor", Undef::Logic);
    alu!(7, "cmp", Undef::None);

    case!("test al,cl", 8, [0x84, 0xC8], undef = Undef::Logic);
    case!("test ax,cx", 16, [0x66, 0x85, 0xC8], undef = Undef::Logic);
    case!("test eax,ecx", 32, [0x85, 0xC8], undef = Undef::Logic);
    case!(
        "test al,0x81",
        8,
        [0xA8, 0x81],
        undef = Undef::Logic,
        n = FEW,
        ops = A
    );
    case!(
        "test ecx,0x80000001",
        32,
        [0xF7, 0xC1, 0x01, 0, 0, 0x80],
        undef = Undef::Logic,
        n = FEW,
        ops = C
    );
    case!(
        "test [esi],cx",
        16,
        [0x66, 0x85, 0x0E],
        undef = Undef::Logic,
        n = FEW,
        mem = true,
        ops = C
    );

    // INC DEC NEG NOT (groups 3 and 4/5).
    macro_rules! unary {
        ($name:literal, $g8:literal, $g:literal, $modrm:literal, $mem:literal) => {
            case!(concat!($name, " al"), 8, [$g8, $modrm], ops = A);
            case!(concat!($name, " ax"), 16, [0x66, $g, $modrm], ops = A);
            case!(concat!($name, " eax"), 32, [$g, $modrm], ops = A);
            case!(
                concat!($name, " ah"),
                8,
                [$g8, $modrm + 4],
                ops = A,
                n = FEW
            );
            case!(
                concat!($name, " dword [esi]"),
                32,
                [$g, $mem],
                ops = A,
                n = FEW,
                mem = true
            );
        };
    }
    unary!("inc", 0xFE, 0xFF, 0xC0, 0x06);
    unary!("dec", 0xFE, 0xFF, 0xC8, 0x0E);
    unary!("not", 0xF6, 0xF7, 0xD0, 0x16);
    unary!("neg", 0xF6, 0xF7, 0xD8, 0x1E);

    // MUL IMUL DIV IDIV r/m (group 3 /4../7), source ECX/CX/CL.
    macro_rules! muldiv {
        ($name:literal, $modrm:literal, $mem:literal, $u:expr, $fix:expr) => {
            case!(
                concat!($name, " cl"),
                8,
                [0xF6, $modrm],
                ops = AC,
                undef = $u,
                fix = $fix
            );
            case!(
                concat!($name, " cx"),
                16,
                [0x66, 0xF7, $modrm],
                ops = ACD,
                undef = $u,
                fix = $fix
            );
            case!(
                concat!($name, " ecx"),
                32,
                [0xF7, $modrm],
                ops = ACD,
                undef = $u,
                fix = $fix
            );
            case!(
                concat!($name, " byte [esi]"),
                8,
                [0xF6, $mem],
                ops = A,
                undef = $u,
                n = FEW,
                mem = true
            );
        };
    }
    muldiv!("mul", 0xE1, 0x26, Undef::Mul, None);
    muldiv!("imul", 0xE9, 0x2E, Undef::Mul, None);
    muldiv!("div", 0xF1, 0x36, Undef::Div, Some(fix_div));
    muldiv!("idiv", 0xF9, 0x3E, Undef::Div, Some(fix_idiv));
    // The memory DIV/IDIV cases above have random divisors: keep those that fit.
    for c in v.iter_mut().filter(|c| c.mem && c.undef == Undef::Div) {
        c.fix = Some(fix_div_mem);
    }
    case!(
        "imul ax,cx",
        16,
        [0x66, 0x0F, 0xAF, 0xC1],
        undef = Undef::Mul
    );
    case!("imul eax,ecx", 32, [0x0F, 0xAF, 0xC1], undef = Undef::Mul);
    case!(
        "imul eax,[esi]",
        32,
        [0x0F, 0xAF, 0x06],
        undef = Undef::Mul,
        n = FEW,
        mem = true,
        ops = A
    );
    macro_rules! imul3 {
        ($w:literal, $n:expr, [$($b:expr),+], $name:literal) => {
            case!(concat!("imul ", $name), $w, [$($b),+], undef = Undef::Mul, n = $n, ops = C);
        };
    }
    imul3!(16, 2_000, [0x66, 0x6B, 0xC1, 0x00], "ax,cx,0");
    imul3!(16, 2_000, [0x66, 0x6B, 0xC1, 0xFF], "ax,cx,-1");
    imul3!(16, 2_000, [0x66, 0x6B, 0xC1, 0x7F], "ax,cx,0x7f");
    imul3!(16, 2_000, [0x66, 0x6B, 0xC1, 0x80], "ax,cx,-0x80");
    imul3!(16, 2_000, [0x66, 0x6B, 0xC1, 0x03], "ax,cx,3");
    imul3!(16, 2_000, [0x66, 0x69, 0xC1, 0x00, 0x80], "ax,cx,0x8000");
    imul3!(16, 2_000, [0x66, 0x69, 0xC1, 0x34, 0x12], "ax,cx,0x1234");
    imul3!(32, 2_000, [0x6B, 0xC1, 0x00], "eax,ecx,0");
    imul3!(32, 2_000, [0x6B, 0xC1, 0xFF], "eax,ecx,-1");
    imul3!(32, 2_000, [0x6B, 0xC1, 0x7F], "eax,ecx,0x7f");
    imul3!(32, 2_000, [0x6B, 0xC1, 0x80], "eax,ecx,-0x80");
    imul3!(32, 2_000, [0x6B, 0xC1, 0x03], "eax,ecx,3");
    imul3!(
        32,
        2_000,
        [0x69, 0xC1, 0x00, 0x00, 0x00, 0x80],
        "eax,ecx,0x80000000"
    );
    imul3!(
        32,
        2_000,
        [0x69, 0xC1, 0xFF, 0xFF, 0xFF, 0x7F],
        "eax,ecx,0x7fffffff"
    );
    imul3!(
        32,
        2_000,
        [0x69, 0xC1, 0x78, 0x56, 0x34, 0x12],
        "eax,ecx,0x12345678"
    );
    case!(
        "imul eax,[esi],-3",
        32,
        [0x6B, 0x06, 0xFD],
        undef = Undef::Mul,
        n = FEW,
        mem = true,
        ops = A
    );

    // Shifts and rotates, group 2 /k: by CL (random counts), by 1, by imm8, AH, memory.
    macro_rules! shifts {
        ($k:literal, $name:literal, $u:expr, [$($n:literal),+]) => {
            case!(concat!($name, " al,cl"), 8, [0xD2, 0xC0 + $k * 8], ops = CNT, undef = $u, count = Count::Cl);
            case!(concat!($name, " ax,cl"), 16, [0x66, 0xD3, 0xC0 + $k * 8], ops = CNT, undef = $u, count = Count::Cl);
            case!(concat!($name, " eax,cl"), 32, [0xD3, 0xC0 + $k * 8], ops = CNT, undef = $u, count = Count::Cl);
            case!(concat!($name, " ah,cl"), 8, [0xD2, 0xC4 + $k * 8], ops = CNT, undef = $u, count = Count::Cl, n = FEW);
            case!(concat!($name, " dword [esi],cl"), 32, [0xD3, 0x06 + $k * 8], ops = &[(ECX, Kind::Cnt)], undef = $u, count = Count::Cl, n = FEW, mem = true);
            case!(concat!($name, " word [esi],cl"), 16, [0x66, 0xD3, 0x06 + $k * 8], ops = &[(ECX, Kind::Cnt)], undef = $u, count = Count::Cl, n = FEW, mem = true);
            case!(concat!($name, " al,1"), 8, [0xD0, 0xC0 + $k * 8], ops = A, undef = $u, count = Count::Imm(1), n = 2_000);
            case!(concat!($name, " ax,1"), 16, [0x66, 0xD1, 0xC0 + $k * 8], ops = A, undef = $u, count = Count::Imm(1), n = 2_000);
            case!(concat!($name, " eax,1"), 32, [0xD1, 0xC0 + $k * 8], ops = A, undef = $u, count = Count::Imm(1), n = 2_000);
            $(
                case!(&format!("{} al,{}", $name, $n), 8, [0xC0, 0xC0 + $k * 8, $n], ops = A, undef = $u, count = Count::Imm($n), n = 500);
                case!(&format!("{} ax,{}", $name, $n), 16, [0x66, 0xC1, 0xC0 + $k * 8, $n], ops = A, undef = $u, count = Count::Imm($n), n = 500);
                case!(&format!("{} eax,{}", $name, $n), 32, [0xC1, 0xC0 + $k * 8, $n], ops = A, undef = $u, count = Count::Imm($n), n = 500);
            )+
        };
    }
    shifts!(0, "rol", Undef::Rot, [0, 1, 2, 7, 8, 9, 16, 17, 31, 33]);
    shifts!(1, "ror", Undef::Rot, [0, 1, 2, 7, 8, 9, 16, 17, 31, 33]);
    shifts!(2, "rcl", Undef::Rot, [0, 1, 2, 7, 8, 9, 16, 17, 31, 33]);
    shifts!(3, "rcr", Undef::Rot, [0, 1, 2, 7, 8, 9, 16, 17, 31, 33]);
    shifts!(4, "shl", Undef::ShlShr, [0, 1, 2, 7, 8, 9, 16, 17, 31, 33]);
    shifts!(5, "shr", Undef::ShlShr, [0, 1, 2, 7, 8, 9, 16, 17, 31, 33]);
    shifts!(6, "sal", Undef::ShlShr, [0, 1, 2, 7, 8, 9, 16, 17, 31, 33]);
    shifts!(7, "sar", Undef::Sar, [0, 1, 2, 7, 8, 9, 16, 17, 31, 33]);

    // SHLD/SHRD r/m, EDX, CL or imm8.
    macro_rules! dshift {
        ($op:literal, $name:literal, [$($n:literal),+]) => {
            case!(concat!($name, " ax,dx,cl"), 16, [0x66, 0x0F, $op + 1, 0xD0], ops = DSH, undef = Undef::Dsh, count = Count::Cl);
            case!(concat!($name, " eax,edx,cl"), 32, [0x0F, $op + 1, 0xD0], ops = DSH, undef = Undef::Dsh, count = Count::Cl);
            case!(concat!($name, " [esi],edx,cl"), 32, [0x0F, $op + 1, 0x16], ops = &[(ECX, Kind::Cnt), (EDX, Kind::Val)], undef = Undef::Dsh, count = Count::Cl, n = FEW, mem = true);
            case!(concat!($name, " [esi],dx,cl"), 16, [0x66, 0x0F, $op + 1, 0x16], ops = &[(ECX, Kind::Cnt), (EDX, Kind::Val)], undef = Undef::Dsh, count = Count::Cl, n = FEW, mem = true);
            $(
                case!(&format!("{} ax,dx,{}", $name, $n), 16, [0x66, 0x0F, $op, 0xD0, $n], ops = AD, undef = Undef::Dsh, count = Count::Imm($n), n = FEW);
                case!(&format!("{} eax,edx,{}", $name, $n), 32, [0x0F, $op, 0xD0, $n], ops = AD, undef = Undef::Dsh, count = Count::Imm($n), n = FEW);
            )+
        };
    }
    dshift!(0xA4, "shld", [0, 1, 5, 15, 16, 17, 31, 33]);
    dshift!(0xAC, "shrd", [0, 1, 5, 15, 16, 17, 31, 33]);

    // BT BTS BTR BTC: register offsets (any value: masked), immediates, memory with signed
    // register offsets (outside the operand) and immediate offsets.
    macro_rules! bt {
        ($op:literal, $g:literal, $name:literal, [$($n:literal),+]) => {
            case!(concat!($name, " ax,cx"), 16, [0x66, 0x0F, $op, 0xC8], undef = Undef::Bt);
            case!(concat!($name, " eax,ecx"), 32, [0x0F, $op, 0xC8], undef = Undef::Bt);
            case!(concat!($name, " [esi],ecx"), 32, [0x0F, $op, 0x0E], ops = BTM, undef = Undef::Bt, n = 5_000, mem = true);
            case!(concat!($name, " [esi],cx"), 16, [0x66, 0x0F, $op, 0x0E], ops = BTM, undef = Undef::Bt, n = 5_000, mem = true);
            $(
                case!(&format!("{} ax,{}", $name, $n), 16, [0x66, 0x0F, 0xBA, 0xC0 + $g * 8, $n], ops = A, undef = Undef::Bt, n = 300);
                case!(&format!("{} eax,{}", $name, $n), 32, [0x0F, 0xBA, 0xC0 + $g * 8, $n], ops = A, undef = Undef::Bt, n = 300);
                case!(&format!("{} dword [esi],{}", $name, $n), 32, [0x0F, 0xBA, 0x06 + $g * 8, $n], ops = A, undef = Undef::Bt, n = 300, mem = true);
            )+
        };
    }
    bt!(0xA3, 4, "bt", [0, 7, 15, 16, 31, 33, 255]);
    bt!(0xAB, 5, "bts", [0, 7, 15, 16, 31, 33, 255]);
    bt!(0xB3, 6, "btr", [0, 7, 15, 16, 31, 33, 255]);
    bt!(0xBB, 7, "btc", [0, 7, 15, 16, 31, 33, 255]);

    case!(
        "bsf ax,cx",
        16,
        [0x66, 0x0F, 0xBC, 0xC1],
        ops = SCAN,
        undef = Undef::Bscan
    );
    case!(
        "bsf eax,ecx",
        32,
        [0x0F, 0xBC, 0xC1],
        ops = SCAN,
        undef = Undef::Bscan
    );
    case!(
        "bsr ax,cx",
        16,
        [0x66, 0x0F, 0xBD, 0xC1],
        ops = SCAN,
        undef = Undef::Bscan
    );
    case!(
        "bsr eax,ecx",
        32,
        [0x0F, 0xBD, 0xC1],
        ops = SCAN,
        undef = Undef::Bscan
    );
    case!(
        "bsf eax,[esi]",
        32,
        [0x0F, 0xBC, 0x06],
        ops = A,
        undef = Undef::Bscan,
        n = FEW,
        mem = true
    );
    case!(
        "bsr ax,[esi]",
        16,
        [0x66, 0x0F, 0xBD, 0x06],
        ops = A,
        undef = Undef::Bscan,
        n = FEW,
        mem = true
    );

    // XADD, CMPXCHG, CMPXCHG8B.
    case!("xadd al,cl", 8, [0x0F, 0xC0, 0xC8]);
    case!("xadd ax,cx", 16, [0x66, 0x0F, 0xC1, 0xC8]);
    case!("xadd eax,ecx", 32, [0x0F, 0xC1, 0xC8]);
    case!("xadd eax,eax", 32, [0x0F, 0xC1, 0xC0], n = FEW);
    case!(
        "xadd [esi],ecx",
        32,
        [0x0F, 0xC1, 0x0E],
        ops = C,
        n = FEW,
        mem = true
    );
    case!(
        "lock xadd [esi],cx",
        16,
        [0xF0, 0x66, 0x0F, 0xC1, 0x0E],
        ops = C,
        n = FEW,
        mem = true
    );
    case!(
        "cmpxchg dl,cl",
        8,
        [0x0F, 0xB0, 0xCA],
        ops = ACD,
        fix = Some(fix_cx_reg)
    );
    case!(
        "cmpxchg dx,cx",
        16,
        [0x66, 0x0F, 0xB1, 0xCA],
        ops = ACD,
        fix = Some(fix_cx_reg)
    );
    case!(
        "cmpxchg edx,ecx",
        32,
        [0x0F, 0xB1, 0xCA],
        ops = ACD,
        fix = Some(fix_cx_reg)
    );
    case!("cmpxchg eax,ecx", 32, [0x0F, 0xB1, 0xC8], n = FEW);
    case!(
        "cmpxchg [esi],ecx",
        32,
        [0x0F, 0xB1, 0x0E],
        ops = AC,
        n = FEW,
        mem = true,
        fix = Some(fix_cx_mem)
    );
    case!(
        "lock cmpxchg [esi],cl",
        8,
        [0xF0, 0x0F, 0xB0, 0x0E],
        ops = AC,
        n = FEW,
        mem = true,
        fix = Some(fix_cx_mem)
    );
    case!(
        "cmpxchg8b [esi]",
        32,
        [0x0F, 0xC7, 0x0E],
        ops = AD,
        mem = true,
        fix = Some(fix_cx8b)
    );
    case!(
        "lock cmpxchg8b [esi]",
        32,
        [0xF0, 0x0F, 0xC7, 0x0E],
        ops = AD,
        n = FEW,
        mem = true,
        fix = Some(fix_cx8b)
    );

    // Data movement with flag or width subtleties.
    case!("bswap eax", 32, [0x0F, 0xC8], ops = A);
    case!(
        "bswap edi",
        32,
        [0x0F, 0xCF],
        ops = &[(EDI, Kind::Val)],
        n = FEW
    );
    case!("movsx eax,cl", 32, [0x0F, 0xBE, 0xC1], ops = C);
    case!("movsx ax,cl", 16, [0x66, 0x0F, 0xBE, 0xC1], ops = C);
    case!("movsx eax,cx", 32, [0x0F, 0xBF, 0xC1], ops = C);
    case!("movsx eax,ch", 32, [0x0F, 0xBE, 0xC5], ops = C, n = FEW);
    case!(
        "movsx eax,word [esi]",
        32,
        [0x0F, 0xBF, 0x06],
        ops = A,
        n = FEW,
        mem = true
    );
    case!("movzx eax,cl", 32, [0x0F, 0xB6, 0xC1], ops = C);
    case!("movzx ax,cl", 16, [0x66, 0x0F, 0xB6, 0xC1], ops = C);
    case!("movzx eax,cx", 32, [0x0F, 0xB7, 0xC1], ops = C);
    case!(
        "movzx ax,byte [esi]",
        16,
        [0x66, 0x0F, 0xB6, 0x06],
        ops = A,
        n = FEW,
        mem = true
    );
    case!("cbw", 8, [0x66, 0x98], ops = A);
    case!("cwde", 16, [0x98], ops = A);
    case!("cwd", 16, [0x66, 0x99], ops = A);
    case!("cdq", 32, [0x99], ops = A);
    case!("lahf", 32, [0x9F], ops = NONE);
    case!("sahf", 16, [0x9E], ops = &[(EAX, Kind::Val)]);

    // SETcc and CMOVcc over all 16 conditions, with random flags.
    macro_rules! cc {
        ($($cc:literal),+) => {$(
            case!(&format!("set{:X} al", $cc), 8, [0x0F, 0x90 + $cc, 0xC0], ops = A);
            case!(&format!("set{:X} byte [esi]", $cc), 8, [0x0F, 0x90 + $cc, 0x06], ops = A, n = FEW, mem = true);
            case!(&format!("cmov{:X} ax,cx", $cc), 16, [0x66, 0x0F, 0x40 + $cc, 0xC1]);
            case!(&format!("cmov{:X} eax,ecx", $cc), 32, [0x0F, 0x40 + $cc, 0xC1]);
            case!(&format!("cmov{:X} eax,[esi]", $cc), 32, [0x0F, 0x40 + $cc, 0x06], ops = A, n = FEW, mem = true);
        )+};
    }
    cc!(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    v
}

/// DIV/IDIV byte [esi]: the divisor is the memory byte.
fn fix_div_mem(s: &mut St, mem: &mut [u8; BUF], r: &mut Rng, _: u32) -> bool {
    if mem[BUF_MID] == 0 {
        mem[BUF_MID] = (r.u32() as u8).max(1);
    }
    // Make AH small enough for either signedness: |AH| < |divisor| / 2 keeps both fitting.
    let d = mem[BUF_MID] as i8;
    let lim = (i32::from(d).unsigned_abs() / 2).max(1);
    let ah = r.below(lim);
    s.r[EAX] = (s.r[EAX] & !0xFF00) | (ah << 8);
    let (ax, du) = (s.r[EAX] & 0xFFFF, u32::from(mem[BUF_MID]));
    let sq = i32::from(ax as u16 as i16) / i32::from(d);
    ax / du <= 0xFF && (-128..128).contains(&sq)
}

#[test]
fn differential_against_host() {
    let start = Instant::now();
    let cases = cases();
    let mut emu = Emu::new();
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let mut failures = Vec::new();
    let mut total = 0;
    let mut mismatches = 0;
    let mut undef_report = Vec::new();
    for c in &cases {
        let t = run_case(c, &mut emu, &mut rng);
        total += t.runs;
        mismatches += t.mismatches;
        assert!(
            t.runs >= c.n,
            "{}: only {} of {} operand sets ran",
            c.name,
            t.runs,
            c.n
        );
        for (bit, &(n, diff)) in t.undef.iter().enumerate() {
            if n > 0 {
                undef_report.push(format!(
                    "{:<28} {:>2}: undefined in {:>6} runs, host differs in {:>6}",
                    c.name,
                    ["CF", "-", "PF", "-", "AF", "-", "ZF", "SF", "-", "-", "-", "OF"][bit],
                    n,
                    diff
                ));
            }
        }
        failures.extend(t.failures);
    }
    println!("undefined flags (masked in the comparison; see {UNDEFINED:?}):");
    for l in &undef_report {
        println!("  {l}");
    }
    println!(
        "{} cases, {} runs in {:.1} s",
        cases.len(),
        total,
        start.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches (the first of each case):\n{}",
        mismatches,
        failures.join("\n")
    );
}

/// Every primary instruction/width has at least `RANDOM` random operand sets (immediate
/// variants of one instruction count together).
#[test]
fn enough_random_cases() {
    use std::collections::HashMap;
    let mut per: HashMap<(String, u32), usize> = HashMap::new();
    for c in cases() {
        let name = c.name.strip_prefix("lock ").unwrap_or(&c.name);
        let m = name.split(' ').next().unwrap_or("").to_string();
        *per.entry((m, c.w)).or_default() += c.n;
    }
    for ((m, w), n) in per {
        assert!(n >= RANDOM, "{m} ({w}-bit): only {n} random cases");
    }
}

// ---------------------------------------------------------------------------------------
// Interpreter-only checks: #DE, #UD, and the BCD instructions against the SDM pseudo-code.

/// Run `bytes` once on a fresh machine; return the state after and the first exception.
fn run_fresh(bytes: &[u8], s: &St) -> (St, Option<u8>) {
    let mut m = TestMachine::new(1 << 20);
    m.flat32(CODE, 0x8000);
    let mut code = bytes.to_vec();
    code.push(0xF4);
    m.load(CODE, &code);
    let cpu = &mut m.interp.cpu;
    cpu.regs[..8].copy_from_slice(&s.r);
    cpu.regs[4] = 0x8000;
    cpu.set_eflags((s.fl & ARITH) | 2);
    m.run(1);
    let cpu = &m.interp.cpu;
    let mut o = St {
        r: [0; 8],
        fl: cpu.eflags(),
    };
    o.r.copy_from_slice(&cpu.regs[..8]);
    o.r[4] = 0x8000;
    let exc = cpu.stats.first_exception.map(|(v, _, eip)| {
        assert_eq!(eip, CODE, "a fault must point at the faulting instruction");
        v
    });
    (o, exc)
}

#[test]
fn divide_errors() {
    let st = |eax: u32, ecx: u32, edx: u32| {
        let mut s = St::default();
        s.r[EAX] = eax;
        s.r[ECX] = ecx;
        s.r[EDX] = edx;
        s.r[4] = 0x8000;
        s.fl = CF | ZF;
        s
    };
    let de: &[(&str, &[u8], St)] = &[
        ("div cl by 0", &[0xF6, 0xF1], st(0x1234, 0, 0)),
        (
            "div cx by 0",
            &[0x66, 0xF7, 0xF1],
            st(0x1234, 0xFFFF_0000, 0),
        ),
        ("div ecx by 0", &[0xF7, 0xF1], st(1, 0, 0)),
        ("idiv ecx by 0", &[0xF7, 0xF9], st(1, 0, 0)),
        ("div cl overflow", &[0xF6, 0xF1], st(0x0100, 1, 0)),
        ("div cx overflow", &[0x66, 0xF7, 0xF1], st(0, 2, 2)),
        (
            "div ecx overflow",
            &[0xF7, 0xF1],
            st(0, 0xFFFF_FFFF, 0xFFFF_FFFF),
        ),
        ("idiv cl -32768/-1", &[0xF6, 0xF9], st(0x8000, 0xFF, 0)),
        ("idiv cl 128/1", &[0xF6, 0xF9], st(0x0080, 1, 0)),
        (
            "idiv cx -2^31/-1",
            &[0x66, 0xF7, 0xF9],
            st(0, 0xFFFF, 0x8000),
        ),
        (
            "idiv cx MIN/-1",
            &[0x66, 0xF7, 0xF9],
            st(0x8000, 0xFFFF, 0xFFFF),
        ),
        (
            "idiv ecx MIN/-1",
            &[0xF7, 0xF9],
            st(0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFF),
        ),
        (
            "idiv ecx -2^63/-1",
            &[0xF7, 0xF9],
            st(0, 0xFFFF_FFFF, 0x8000_0000),
        ),
        ("idiv ecx 2^31/1", &[0xF7, 0xF9], st(0x8000_0000, 1, 0)),
        ("aam 0", &[0xD4, 0x00], st(0x1234, 0, 0)),
    ];
    for (name, bytes, s) in de {
        let (o, exc) = run_fresh(bytes, s);
        assert_eq!(exc, Some(0), "{name}: expected #DE");
        assert_eq!(o.r, s.r, "{name}: registers must be unchanged by #DE");
    }
    // The same instructions just inside the limits do not fault.
    let ok: &[(&str, &[u8], St, u32, u32)] = &[
        ("idiv cl -128", &[0xF6, 0xF9], st(0xFF80, 1, 0), 0x0080, 0),
        (
            "idiv ecx MIN/1",
            &[0xF7, 0xF9],
            st(0x8000_0000, 1, 0xFFFF_FFFF),
            0x8000_0000,
            0,
        ),
        (
            "div ecx max",
            &[0xF7, 0xF1],
            st(0xFFFF_FFFE, 0xFFFF_FFFF, 0xFFFF_FFFE),
            0xFFFF_FFFF,
            0xFFFF_FFFD,
        ),
        (
            "idiv cx -7/2",
            &[0x66, 0xF7, 0xF9],
            st(0xFFF9, 2, 0xFFFF),
            0xFFFD,
            0xFFFF,
        ),
    ];
    for (name, bytes, s, eax, edx) in ok {
        let (o, exc) = run_fresh(bytes, s);
        assert_eq!(exc, None, "{name}: unexpected exception");
        let m = if bytes[0] == 0x66 { 0xFFFF } else { u32::MAX };
        if bytes[0] == 0xF6 {
            assert_eq!(o.r[EAX] & 0xFFFF, *eax, "{name}: AX");
        } else {
            assert_eq!(o.r[EAX] & m, *eax, "{name}: quotient");
            assert_eq!(o.r[EDX] & m, *edx, "{name}: remainder");
        }
    }
}

#[test]
fn invalid_forms_are_ud() {
    // CMPXCHG8B with a register operand; LOCK on a register destination, on BT (not a
    // read-modify-write) and on a shift.
    let cases: &[&[u8]] = &[
        &[0x0F, 0xC7, 0xC8],
        &[0xF0, 0x0F, 0xC1, 0xC8],
        &[0xF0, 0x0F, 0xA3, 0x0E],
        &[0xF0, 0xD3, 0x26],
        &[0xF0, 0x0F, 0xAF, 0x06],
    ];
    for bytes in cases {
        let mut s = St::default();
        s.r[ESI] = GUEST_BUF;
        let (_, exc) = run_fresh(bytes, &s);
        assert_eq!(exc, Some(6), "{bytes:02X?} must be #UD");
    }
}

/// SDM pseudo-code of the BCD instructions, on (AX, CF, AF) -> (AX, CF, AF).
fn bcd_ref(op: &str, ax: u32, cf: bool, af: bool, base: u32) -> (u32, bool, bool) {
    let al = ax & 0xFF;
    let ah = ax >> 8;
    match op {
        "daa" => {
            // old_AL, old_CF; the first step's carry is overwritten by the second step.
            let af2 = (al & 0x0F) > 9 || af;
            let mut al2 = if af2 { (al + 6) & 0xFF } else { al };
            let cf2 = al > 0x99 || cf;
            if cf2 {
                al2 = (al2 + 0x60) & 0xFF;
            }
            ((ah << 8) | al2, cf2, af2)
        }
        "das" => {
            let (mut al2, mut cf2, af2);
            al2 = al;
            cf2 = false;
            if (al & 0x0F) > 9 || af {
                al2 = al.wrapping_sub(6) & 0xFF;
                cf2 = cf || al < 6;
                af2 = true;
            } else {
                af2 = false;
            }
            if al > 0x99 || cf {
                al2 = al2.wrapping_sub(0x60) & 0xFF;
                cf2 = true;
            }
            ((ah << 8) | al2, cf2, af2)
        }
        "aaa" => {
            if (al & 0x0F) > 9 || af {
                let ax2 = (ax + 0x106) & 0xFFFF;
                (ax2 & 0xFF0F, true, true)
            } else {
                (ax & 0xFF0F, false, false)
            }
        }
        "aas" => {
            if (al & 0x0F) > 9 || af {
                let ax2 = ax.wrapping_sub(6) & 0xFFFF;
                let ah2 = ((ax2 >> 8).wrapping_sub(1)) & 0xFF;
                ((ah2 << 8) | (ax2 & 0x0F), true, true)
            } else {
                (ax & 0xFF0F, false, false)
            }
        }
        "aam" => (((al / base) << 8) | (al % base), cf, af),
        _ => ((al + ah * base) & 0xFF, cf, af),
    }
}

fn szp8(v: u32) -> u32 {
    let v = v & 0xFF;
    let mut f = 0;
    if v == 0 {
        f |= ZF;
    }
    if v & 0x80 != 0 {
        f |= SF;
    }
    if v.count_ones() & 1 == 0 {
        f |= PF;
    }
    f
}

/// DAA DAS AAA AAS AAM AAD cannot run natively in 64-bit mode: check them exhaustively
/// over AL (and AH, CF, AF) against the SDM pseudo-code above.
#[test]
fn bcd_against_sdm() {
    let mut emu = Emu::new();
    let mut rng = Rng(42);
    let mut mem = [0u8; BUF];
    let mut runs = 0;
    let mut run = |bytes: &[u8], op: &str, ax: u32, fl: u32, base: u32, emu: &mut Emu, r: u32| {
        let mut s = St::default();
        s.r[EAX] = (r & 0xFFFF_0000) | ax;
        s.r[ECX] = r.rotate_left(7);
        s.fl = fl;
        let o = emu.run(bytes, &s, &mut mem);
        let (ax2, cf, af) = bcd_ref(op, ax, fl & CF != 0, fl & AF != 0, base);
        let want = (s.r[EAX] & 0xFFFF_0000) | ax2;
        assert_eq!(o.r[EAX], want, "{op} ax={ax:04X} fl={fl:03X}: AX");
        assert_eq!(o.r[ECX], s.r[ECX]);
        // Defined flags: DAA/DAS all but OF; AAA/AAS AF and CF; AAM/AAD SF ZF PF.
        let (defined, mut f) = match op {
            "daa" | "das" => (CF | AF | SF | ZF | PF, szp8(ax2)),
            "aaa" | "aas" => (CF | AF, 0),
            _ => (SF | ZF | PF, szp8(ax2)),
        };
        if cf {
            f |= CF;
        }
        if af {
            f |= AF;
        }
        assert_eq!(
            o.fl & defined,
            f & defined,
            "{op} ax={ax:04X} fl={fl:03X}: flags"
        );
    };
    for al in 0..=0xFFu32 {
        for fl in [0, CF, AF, CF | AF, ARITH & !CF & !AF, ARITH] {
            for ah in [0u32, 0x7F, 0xFF, rng.u32() & 0xFF] {
                let ax = (ah << 8) | al;
                run(&[0x27], "daa", ax, fl, 0, &mut emu, rng.u32());
                run(&[0x2F], "das", ax, fl, 0, &mut emu, rng.u32());
                run(&[0x37], "aaa", ax, fl, 0, &mut emu, rng.u32());
                run(&[0x3F], "aas", ax, fl, 0, &mut emu, rng.u32());
                runs += 4;
            }
        }
        for base in [10u32, 16, 1, 2, 7, 0x80, 0xFF] {
            let fl = rng.u32() & ARITH;
            run(
                &[0xD4, base as u8],
                "aam",
                al,
                fl,
                base,
                &mut emu,
                rng.u32(),
            );
            runs += 1;
        }
    }
    for ax in 0..=0xFFFFu32 {
        for base in [10u32, 16, 0, 1, 0xFF] {
            let fl = rng.u32() & ARITH;
            run(
                &[0xD5, base as u8],
                "aad",
                ax,
                fl,
                base,
                &mut emu,
                rng.u32(),
            );
            runs += 1;
        }
    }
    println!("BCD: {runs} runs against the SDM pseudo-code");
}

/// F3 0F BC / F3 0F BD decode as TZCNT/LZCNT today but are BSF/BSR (REP ignored) on a P6;
/// the host may have BMI, so this is checked against BSF/BSR in the interpreter.
#[test]
fn rep_bsf_runs_as_bsf() {
    let mut emu = Emu::new();
    let mut mem = [0u8; BUF];
    let mut rng = Rng(7);
    for i in 0..2000 {
        let mut s = St::default();
        s.r[EAX] = rng.u32();
        s.r[ECX] = match i % 3 {
            0 => 0,
            1 => 1 << (i % 32),
            _ => rng.u32(),
        };
        s.fl = rng.u32() & ARITH;
        for (plain, rep) in [
            (&[0x0F, 0xBC, 0xC1][..], &[0xF3, 0x0F, 0xBC, 0xC1][..]),
            (&[0x0F, 0xBD, 0xC1][..], &[0xF3, 0x0F, 0xBD, 0xC1][..]),
            (
                &[0x66, 0x0F, 0xBC, 0xC1][..],
                &[0x66, 0xF3, 0x0F, 0xBC, 0xC1][..],
            ),
        ] {
            let a = emu.run(plain, &s, &mut mem);
            let b = emu.run(rep, &s, &mut mem);
            assert_eq!(a, b, "{rep:02X?} must behave as {plain:02X?} for {s:08X?}");
        }
    }
}

/// What IronPC produces for the flags and results the SDM leaves undefined, as documented
/// in docs/undefined-flags.md.
#[test]
fn documented_undefined_behaviour() {
    let mut emu = Emu::new();
    let mut mem = [0u8; BUF];
    let st = |eax: u32, ecx: u32, edx: u32, fl: u32| St {
        r: [eax, ecx, edx, 0, 0, 0, 0, 0],
        fl,
    };
    let mut run = |bytes: &[u8], s: St| emu.run(bytes, &s, &mut mem);
    // MUL/IMUL: SF, ZF, PF from the low half of the product; AF = 0.
    let o = run(&[0xF7, 0xE1], st(0x1_0000, 0x1_0000, 0, AF));
    assert_eq!(o.fl & ARITH, CF | OF | ZF | PF, "mul: low half 0");
    let o = run(
        &[0x0F, 0xAF, 0xC1],
        st(0xFFFF_FFFF, 0x8000_0001, 0, AF | ZF),
    );
    assert_eq!(o.r[EAX], 0x7FFF_FFFF);
    assert_eq!(
        o.fl & ARITH,
        PF,
        "imul: no overflow, low half positive, low byte FF"
    );
    // DIV/IDIV leave every flag unchanged.
    for fl in [0, ARITH, CF | ZF | AF] {
        let o = run(&[0xF7, 0xF1], st(100, 7, 0, fl));
        assert_eq!((o.r[EAX], o.r[EDX], o.fl & ARITH), (14, 2, fl));
    }
    // Shifts: AF = 0; SHR OF = 0 for counts > 1; SHL OF = MSB(result) ^ CF.
    let o = run(&[0xD3, 0xE8], st(0x8000_0000, 2, 0, AF | OF));
    assert_eq!(o.fl & (AF | OF), 0, "shr by 2");
    let o = run(&[0xD3, 0xE0], st(0x4000_0000, 2, 0, AF));
    assert_eq!(
        o.fl & (AF | OF | CF),
        OF | CF,
        "shl by 2: CF = 1, MSB(result) = 0"
    );
    // BT leaves OF SF AF PF (and ZF) unchanged.
    let o = run(&[0x0F, 0xA3, 0xC8], st(1, 0, 0, OF | SF | AF | PF | ZF));
    assert_eq!(o.fl & ARITH, OF | SF | AF | PF | ZF | CF);
    // BSF/BSR with a zero source: ZF = 1, destination and other flags unchanged.
    let o = run(&[0x0F, 0xBD, 0xC1], st(0x1234_5678, 0, 0, CF | OF));
    assert_eq!((o.r[EAX], o.fl & ARITH), (0x1234_5678, CF | OF | ZF));
    // SHLD/SHRD of a word by more than 16: the P6 model shifts DEST:SRC:DEST.
    let o = run(&[0x66, 0x0F, 0xA5, 0xD0], st(0x1234, 20, 0xABCD, 0));
    assert_eq!(
        o.r[EAX] & 0xFFFF,
        0xBCD1,
        "shld ax,dx,20 = (SRC:DEST << 4) >> 16"
    );
    let o = run(&[0x66, 0x0F, 0xAD, 0xD0], st(0x1234, 20, 0xABCD, 0));
    assert_eq!(o.r[EAX] & 0xFFFF, 0x4ABC, "shrd ax,dx,20 = DEST:SRC >> 4");
    // AAM clears OF AF CF; AAD sets them as the 8-bit addition it performs.
    let o = run(&[0xD4, 0x0A], st(0x00FF, 0, 0, OF | AF | CF));
    assert_eq!((o.r[EAX] & 0xFFFF, o.fl & (OF | AF | CF)), (0x1905, 0));
    let o = run(&[0xD5, 0x0A], st(0x0C78, 0, 0, 0));
    // 0x78 + 12 * 10 = 0x78 + 0x78 = 0xF0: signed overflow, no carry, no half carry.
    assert_eq!(
        (o.r[EAX] & 0xFFFF, o.fl & (OF | AF | CF)),
        (0x00F0, OF | AF)
    );
    // DAA/DAS/AAA/AAS clear OF; AAA/AAS set SF ZF PF from AL.
    let o = run(&[0x27], st(0x7F, 0, 0, OF));
    assert_eq!((o.r[EAX], o.fl & OF), (0x85, 0));
    let o = run(&[0x37], st(0x0A, 0, 0, OF | SF));
    assert_eq!((o.r[EAX], o.fl & ARITH), (0x0100, CF | AF | ZF | PF));
}
