//! Multiply and divide: MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV.
//! MUL/IMUL set CF = OF = "the product does not fit the destination"; the SDM leaves SF, ZF,
//! AF and PF undefined and we set SF/ZF/PF from the low half of the product and clear AF
//! (as Bochs and QEMU do; see docs/undefined-flags.md). DIV/IDIV leave every flag undefined
//! and we leave them unchanged. A zero divisor or a quotient that does not fit is #DE, raised
//! before anything is written.

use iced_x86::{Instruction, Mnemonic, OpKind};

use super::{by_width, op_bits};
use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::flags::{Flags, ARITH, CF, OF};
use crate::state::{Cpu, EAX, EDX};
use crate::uop::{Handler, Uop};
use crate::width::{Width, W16};

const MUL: u8 = 0;
const IMUL: u8 = 1;
const DIV: u8 = 2;
const IDIV: u8 = 3;

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let op = match ins.mnemonic() {
        Mnemonic::Mul => MUL,
        Mnemonic::Imul => IMUL,
        Mnemonic::Div => DIV,
        Mnemonic::Idiv => IDIV,
        _ => return None,
    };
    let bits = op_bits(ins, 0);
    match ins.op_count() {
        1 => {
            let mem = ins.op0_kind() == OpKind::Memory;
            match (op, mem) {
                (MUL, false) => by_width!(bits, acc, MUL, false),
                (MUL, true) => by_width!(bits, acc, MUL, true),
                (IMUL, false) => by_width!(bits, acc, IMUL, false),
                (IMUL, true) => by_width!(bits, acc, IMUL, true),
                (DIV, false) => by_width!(bits, acc, DIV, false),
                (DIV, true) => by_width!(bits, acc, DIV, true),
                (_, false) => by_width!(bits, acc, IDIV, false),
                (_, true) => by_width!(bits, acc, IDIV, true),
            }
        }
        // IMUL r, r/m and IMUL r, r/m, imm: the multiplier is operand 1 (register or
        // memory) and either operand 0 or the immediate.
        2 | 3 if op == IMUL && bits != 8 => {
            let mem = ins.op_kind(1) == OpKind::Memory;
            let imm = ins.op_count() == 3;
            match (mem, imm) {
                (false, false) => by_width!(bits, imul_r, false, false),
                (true, false) => by_width!(bits, imul_r, true, false),
                (false, true) => by_width!(bits, imul_r, false, true),
                (true, true) => by_width!(bits, imul_r, true, true),
            }
        }
        _ => None,
    }
}

/// Flags of a multiply: CF = OF = `wide` (the product overflowed the low half), SF/ZF/PF of
/// the low half `lo`, AF = 0.
#[inline(always)]
fn mul_flags<W: Width>(cpu: &mut Cpu, lo: u32, wide: bool) {
    let mut f = Flags::szp(W::CLASS, lo);
    if wide {
        f |= CF | OF;
    }
    cpu.flags.put(ARITH, f);
}

/// Signed product of two `W` values (sign-extended) as an i64.
#[inline(always)]
fn smul<W: Width>(a: u32, b: u32) -> i64 {
    i64::from(W::sext(a) as i32) * i64::from(W::sext(b) as i32)
}

/// One-operand forms: the accumulator (AL, AX, EAX; with AH/DX/EDX) against r/m.
fn acc<W: Width, const OP: u8, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let s = cpu.read_rm::<W, MEM>(sys, u, u.r[0])?;
    let a = cpu.reg::<W>(EAX as u8);
    match OP {
        MUL | IMUL => {
            let p = if OP == MUL {
                u64::from(a) * u64::from(s)
            } else {
                smul::<W>(a, s) as u64
            };
            let lo = p as u32 & W::MASK;
            let hi = (p >> W::BITS) as u32 & W::MASK;
            let wide = if OP == MUL {
                hi != 0
            } else {
                i64::from(W::sext(lo) as i32) != p as i64
            };
            put_wide::<W>(cpu, lo, hi);
            mul_flags::<W>(cpu, lo, wide);
            Ok(())
        }
        _ => {
            // The dividend is AX, DX:AX or EDX:EAX.
            let hi = if W::BITS == 8 {
                cpu.reg::<W>(4) // AH
            } else {
                cpu.reg::<W>(EDX as u8)
            };
            let n = (u64::from(hi) << W::BITS) | u64::from(a);
            let (q, r) = if OP == DIV {
                if s == 0 {
                    return Err(Fault::DE);
                }
                let q = n / u64::from(s);
                if q > u64::from(W::MASK) {
                    return Err(Fault::DE);
                }
                (q as u32, (n % u64::from(s)) as u32)
            } else {
                // Sign-extend the double-width dividend.
                let sh = 64 - 2 * W::BITS;
                let n = ((n << sh) as i64) >> sh;
                let d = i64::from(W::sext(s) as i32);
                let (Some(q), Some(r)) = (n.checked_div(d), n.checked_rem(d)) else {
                    return Err(Fault::DE);
                };
                let lim = 1i64 << (W::BITS - 1);
                if q < -lim || q >= lim {
                    return Err(Fault::DE);
                }
                (q as u32 & W::MASK, r as u32 & W::MASK)
            };
            put_wide::<W>(cpu, q, r);
            Ok(())
        }
    }
}

/// Write a double-width result: AL/AH (as AX), AX/DX or EAX/EDX.
#[inline(always)]
fn put_wide<W: Width>(cpu: &mut Cpu, lo: u32, hi: u32) {
    if W::BITS == 8 {
        cpu.set_reg::<W16>(EAX as u8, (hi << 8) | lo);
    } else {
        cpu.set_reg::<W>(EAX as u8, lo);
        cpu.set_reg::<W>(EDX as u8, hi);
    }
}

/// IMUL r, r/m (`IMM == false`: r = r * r/m) and IMUL r, r/m, imm (r = r/m * imm): the
/// product is truncated to the destination.
fn imul_r<W: Width, const MEM: bool, const IMM: bool>(
    cpu: &mut Cpu,
    sys: &mut Sys,
    u: &Uop,
) -> Res {
    let s = cpu.read_rm::<W, MEM>(sys, u, u.r[1])?;
    let m = if IMM { u.imm } else { cpu.reg::<W>(u.r[0]) };
    let p = smul::<W>(s, m);
    let lo = p as u32 & W::MASK;
    cpu.set_reg::<W>(u.r[0], lo);
    mul_flags::<W>(cpu, lo, i64::from(W::sext(lo) as i32) != p);
    Ok(())
}
