//! Shifts and rotates: SHL/SAL, SHR, SAR, ROL, ROR, RCL, RCR (by 1, CL or imm8) and the
//! double shifts SHLD, SHRD. Counts are masked to 5 bits (as on every processor since the
//! 80286); RCL/RCR then rotate through CF modulo 9 or 17 for byte and word operands. A masked
//! count of 0 changes neither the operand nor any flag. SHL/SHR/SAR leave their flags lazy;
//! rotates and double shifts materialise them. Flags the SDM leaves undefined (OF after
//! multi-bit shifts, AF, everything after a 16-bit double shift by more than 16) are
//! documented in docs/undefined-flags.md.

use iced_x86::{Instruction, Mnemonic, OpKind};

use super::{by_width, op_bits};
use crate::bus::Sys;
use crate::fault::Res;
use crate::flags::{Flags, LazyOp, ARITH, CF, OF};
use crate::state::{Cpu, ECX};
use crate::uop::{Handler, Uop};
use crate::width::Width;

const SHL: u8 = 0;
const SHR: u8 = 1;
const SAR: u8 = 2;
const ROL: u8 = 3;
const ROR: u8 = 4;
const RCL: u8 = 5;
const RCR: u8 = 6;

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let op = match ins.mnemonic() {
        Mnemonic::Shl | Mnemonic::Sal => SHL,
        Mnemonic::Shr => SHR,
        Mnemonic::Sar => SAR,
        Mnemonic::Rol => ROL,
        Mnemonic::Ror => ROR,
        Mnemonic::Rcl => RCL,
        Mnemonic::Rcr => RCR,
        Mnemonic::Shld => return double(ins, true),
        Mnemonic::Shrd => return double(ins, false),
        _ => return None,
    };
    if ins.op_count() != 2 {
        return None;
    }
    let bits = op_bits(ins, 0);
    let mem = ins.op0_kind() == OpKind::Memory;
    let cl = ins.op1_kind() == OpKind::Register;
    macro_rules! pick {
        ($op:expr) => {
            match (mem, cl) {
                (false, false) => by_width!(bits, shift, $op, false, false),
                (false, true) => by_width!(bits, shift, $op, false, true),
                (true, false) => by_width!(bits, shift, $op, true, false),
                (true, true) => by_width!(bits, shift, $op, true, true),
            }
        };
    }
    match op {
        SHL => pick!(SHL),
        SHR => pick!(SHR),
        SAR => pick!(SAR),
        ROL => pick!(ROL),
        ROR => pick!(ROR),
        RCL => pick!(RCL),
        _ => pick!(RCR),
    }
}

fn double(ins: &Instruction, left: bool) -> Option<Handler> {
    if ins.op_count() != 3 {
        return None;
    }
    let bits = op_bits(ins, 0);
    let mem = ins.op0_kind() == OpKind::Memory;
    let cl = ins.op2_kind() == OpKind::Register;
    if bits == 8 {
        return None;
    }
    match (left, mem, cl) {
        (true, false, false) => by_width!(bits, dshift, true, false, false),
        (true, false, true) => by_width!(bits, dshift, true, false, true),
        (true, true, false) => by_width!(bits, dshift, true, true, false),
        (true, true, true) => by_width!(bits, dshift, true, true, true),
        (false, false, false) => by_width!(bits, dshift, false, false, false),
        (false, false, true) => by_width!(bits, dshift, false, false, true),
        (false, true, false) => by_width!(bits, dshift, false, true, false),
        (false, true, true) => by_width!(bits, dshift, false, true, true),
    }
}

/// The masked count: CL or the immediate, low 5 bits.
#[inline(always)]
fn count<const CL: bool>(cpu: &Cpu, u: &Uop) -> u32 {
    if CL {
        cpu.regs[ECX] & 0x1F
    } else {
        u.imm & 0x1F
    }
}

/// Shift or rotate `a` by the masked count `n` (1..=31), recording the flags.
#[inline(always)]
fn sh<W: Width, const OP: u8>(cpu: &mut Cpu, a: u32, n: u32) -> u32 {
    let msb = |v: u32| (v >> (W::BITS - 1)) & 1;
    match OP {
        SHL => {
            let r = (a << n) & W::MASK;
            cpu.flags.set_lazy(LazyOp::Shl, W::CLASS, a, n, r);
            r
        }
        SHR => {
            let r = a >> n;
            cpu.flags.set_lazy(LazyOp::Shr, W::CLASS, a, n, r);
            r
        }
        SAR => {
            let r = ((W::sext(a) as i32) >> n) as u32 & W::MASK;
            cpu.flags.set_lazy(LazyOp::Sar, W::CLASS, a, n, r);
            r
        }
        ROL | ROR => {
            // CF is the bit that wrapped around even when the count is a multiple of the
            // width (the operand is then unchanged).
            let k = n % W::BITS;
            let r = match (k, OP) {
                (0, _) => a,
                (_, ROL) => ((a << k) | (a >> (W::BITS - k))) & W::MASK,
                _ => ((a >> k) | (a << (W::BITS - k))) & W::MASK,
            };
            let (cf, of) = if OP == ROL {
                (r & 1, msb(r) ^ (r & 1))
            } else {
                (msb(r), msb(r) ^ ((r >> (W::BITS - 2)) & 1))
            };
            cpu.flags.put(CF | OF, cf | (of << 11));
            r
        }
        _ => {
            // RCL/RCR rotate the (W::BITS + 1)-bit value CF:operand.
            let n = if W::BITS == 32 { n } else { n % (W::BITS + 1) };
            let w = W::BITS + 1;
            let wmask = (1u64 << w) - 1;
            let v = (u64::from(cpu.flags.cf()) << W::BITS) | u64::from(a);
            let v = if OP == RCL {
                ((v << n) | (v >> (w - n))) & wmask
            } else {
                ((v >> n) | (v << (w - n))) & wmask
            };
            let r = v as u32 & W::MASK;
            let cf = (v >> W::BITS) as u32 & 1;
            let of = if OP == RCL {
                msb(r) ^ cf
            } else {
                msb(r) ^ ((r >> (W::BITS - 2)) & 1)
            };
            cpu.flags.put(CF | OF, cf | (of << 11));
            r
        }
    }
}

fn shift<W: Width, const OP: u8, const MEM: bool, const CL: bool>(
    cpu: &mut Cpu,
    sys: &mut Sys,
    u: &Uop,
) -> Res {
    let n = count::<CL>(cpu, u);
    if MEM {
        // A zero count still reads and writes the operand back (and may fault).
        cpu.rmw_mem::<W>(
            sys,
            u,
            |cpu, a| {
                if n == 0 {
                    a
                } else {
                    sh::<W, OP>(cpu, a, n)
                }
            },
        )
    } else {
        if n != 0 {
            let a = cpu.reg::<W>(u.r[0]);
            let r = sh::<W, OP>(cpu, a, n);
            cpu.set_reg::<W>(u.r[0], r);
        }
        Ok(())
    }
}

/// SHLD (`LEFT`) / SHRD of `a` with bits from `s` by `n` (1..=31).
///
/// For 16-bit operands a count above 16 is undefined in the SDM; P6-family processors
/// behave as if shifting the 48-bit value `a:s:a` (SHLD) or `a:s:a` read from the other end
/// (SHRD), so bits of the destination come back in. CF is the last bit shifted out of that
/// value and OF = MSB(result) xor CF (SHLD) or MSB xor MSB-1 of the result (SHRD), which is
/// the SDM's definition for a count of 1.
#[inline(always)]
fn dsh<W: Width, const LEFT: bool>(cpu: &mut Cpu, a: u32, s: u32, n: u32) -> u32 {
    let (a, s) = (u64::from(a), u64::from(s));
    let b = W::BITS;
    let (r, cf) = if b == 32 {
        if LEFT {
            let x = (a << 32) | s;
            (((x << n) >> 32) as u32, (a >> (32 - n)) as u32 & 1)
        } else {
            let x = (s << 32) | a;
            ((x >> n) as u32, (a >> (n - 1)) as u32 & 1)
        }
    } else if LEFT {
        let x = (a << 32) | (s << 16) | a;
        (
            (((x << n) >> 32) & 0xFFFF) as u32,
            (x >> (48 - n)) as u32 & 1,
        )
    } else {
        let x = (a << 32) | (s << 16) | a;
        (((x >> n) & 0xFFFF) as u32, (x >> (n - 1)) as u32 & 1)
    };
    let r = r & W::MASK;
    let msb = (r >> (b - 1)) & 1;
    let of = if LEFT {
        msb ^ cf
    } else {
        msb ^ ((r >> (b - 2)) & 1)
    };
    cpu.flags
        .put(ARITH, Flags::szp(W::CLASS, r) | cf | (of << 11));
    r
}

fn dshift<W: Width, const LEFT: bool, const MEM: bool, const CL: bool>(
    cpu: &mut Cpu,
    sys: &mut Sys,
    u: &Uop,
) -> Res {
    let n = count::<CL>(cpu, u);
    let s = cpu.reg::<W>(u.r[1]);
    if MEM {
        cpu.rmw_mem::<W>(sys, u, |cpu, a| {
            if n == 0 {
                a
            } else {
                dsh::<W, LEFT>(cpu, a, s, n)
            }
        })
    } else {
        if n != 0 {
            let a = cpu.reg::<W>(u.r[0]);
            let r = dsh::<W, LEFT>(cpu, a, s, n);
            cpu.set_reg::<W>(u.r[0], r);
        }
        Ok(())
    }
}
