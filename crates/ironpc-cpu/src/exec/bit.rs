//! Bit test and scan: BT, BTS, BTR, BTC (register or imm8 bit offset), BSF, BSR.
//!
//! With a memory operand and a register bit offset the offset is signed and may select a bit
//! outside the operand (SDM vol. 2, "bit base, bit offset"): the operand-sized word at
//! `EA + (offset >> log2(width)) * (width / 8)` is accessed. An immediate offset is taken
//! modulo the operand width. BT* set CF to the selected bit and leave ZF and the undefined
//! OF/SF/AF/PF unchanged. BSF/BSR with a zero source set ZF and leave the destination
//! unchanged, as Intel and AMD processors do (the SDM calls the destination undefined).
//! F3 0F BC/BD (TZCNT/LZCNT on newer processors) run as BSF/BSR, as on a P6, which ignores
//! the REP prefix there.

use iced_x86::{Instruction, Mnemonic, OpKind};

use super::{by_width, form, form_of, op_bits};
use crate::bus::Sys;
use crate::fault::Res;
use crate::flags::{CF, ZF};
use crate::state::Cpu;
use crate::uop::{Handler, Uop};
use crate::width::Width;

const BT: u8 = 0;
const BTS: u8 = 1;
const BTR: u8 = 2;
const BTC: u8 = 3;

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let op = match ins.mnemonic() {
        Mnemonic::Bt => BT,
        Mnemonic::Bts => BTS,
        Mnemonic::Btr => BTR,
        Mnemonic::Btc => BTC,
        Mnemonic::Bsf | Mnemonic::Tzcnt => return scan(ins, false),
        Mnemonic::Bsr | Mnemonic::Lzcnt => return scan(ins, true),
        _ => return None,
    };
    let bits = op_bits(ins, 0);
    if bits == 8 {
        return None;
    }
    let f = form_of(ins)?;
    macro_rules! pick {
        ($op:expr) => {
            match f {
                form::RR => by_width!(bits, bt, $op, { form::RR }),
                form::RI => by_width!(bits, bt, $op, { form::RI }),
                form::MR => by_width!(bits, bt, $op, { form::MR }),
                form::MI => by_width!(bits, bt, $op, { form::MI }),
                _ => None,
            }
        };
    }
    match op {
        BT => pick!(BT),
        BTS => pick!(BTS),
        BTR => pick!(BTR),
        _ => pick!(BTC),
    }
}

fn scan(ins: &Instruction, rev: bool) -> Option<Handler> {
    let bits = op_bits(ins, 0);
    if bits == 8 || ins.op_count() != 2 || ins.op0_kind() != OpKind::Register {
        return None;
    }
    let mem = ins.op1_kind() == OpKind::Memory;
    match (rev, mem) {
        (false, false) => by_width!(bits, bsf, false, false),
        (false, true) => by_width!(bits, bsf, false, true),
        (true, false) => by_width!(bits, bsf, true, false),
        (true, true) => by_width!(bits, bsf, true, true),
    }
}

/// The new value of the operand after BT/BTS/BTR/BTC of bit `bit` (0..W::BITS).
#[inline(always)]
fn modify<const OP: u8>(v: u32, bit: u32) -> u32 {
    let m = 1u32 << bit;
    match OP {
        BTS => v | m,
        BTR => v & !m,
        BTC => v ^ m,
        _ => v,
    }
}

fn bt<W: Width, const OP: u8, const F: u8>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let off = match F {
        form::RR | form::MR => cpu.reg::<W>(u.r[1]),
        _ => u.imm,
    };
    let bit = off & (W::BITS - 1);
    let old = match F {
        form::RR | form::RI => {
            let v = cpu.reg::<W>(u.r[0]);
            if OP != BT {
                cpu.set_reg::<W>(u.r[0], modify::<OP>(v, bit));
            }
            v
        }
        _ => {
            let mut a = cpu.ea(u);
            if F == form::MR {
                // Signed bit offset: step over whole operands first.
                let words = (W::sext(off) as i32) >> W::BITS.trailing_zeros();
                a = a.wrapping_add((words as u32).wrapping_mul(W::BYTES)) & u.ea.mask;
            }
            let seg = u.ea.seg as usize;
            if OP == BT {
                cpu.rd::<W>(sys, seg, a)?
            } else {
                let lin = cpu.seg_lin::<W>(seg, a, true)?;
                let user = cpu.cpl == 3;
                let v = cpu.lin_rd::<W>(sys, lin, user)?;
                cpu.lin_wr::<W>(sys, lin, modify::<OP>(v, bit), user)?;
                v
            }
        }
    };
    cpu.flags.put(CF, (old >> bit) & 1);
    Ok(())
}

/// BSF (`REV == false`) / BSR.
fn bsf<W: Width, const REV: bool, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let s = cpu.read_rm::<W, MEM>(sys, u, u.r[1])?;
    if s == 0 {
        cpu.flags.put(ZF, ZF);
    } else {
        let i = if REV {
            31 - s.leading_zeros()
        } else {
            s.trailing_zeros()
        };
        cpu.set_reg::<W>(u.r[0], i);
        cpu.flags.put(ZF, 0);
    }
    Ok(())
}
