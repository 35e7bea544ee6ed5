//! Near control transfers: Jcc, JMP, CALL, RET, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ.
//! Branch targets are stored relative (see `Uop::imm`) and masked to the operand size.

use iced_x86::{Code, Instruction, Mnemonic, OpKind};

use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::state::{Cpu, CS, ECX};
use crate::uop::{Handler, Uop};
use crate::width::{Width, D32, W16};

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let m = ins.mnemonic();
    let near = matches!(ins.op0_kind(), OpKind::NearBranch16 | OpKind::NearBranch32);
    if ins.is_jcc_short_or_near() {
        return jcc_handler(cc_of(ins)?);
    }
    let o16 = matches!(ins.op0_kind(), OpKind::NearBranch16);
    match m {
        Mnemonic::Jmp if near => Some(jmp_rel),
        // Only the near forms (FF /4, FF /2): FF /5 and FF /3 take a far pointer (m16:16 or
        // m16:32) and belong to the far family.
        Mnemonic::Jmp if matches!(ins.code(), Code::Jmp_rm16 | Code::Jmp_rm32) => {
            let mem = ins.op0_kind() == OpKind::Memory;
            match (super::op_bits(ins, 0), mem) {
                (16, false) => Some(jmp_rm::<W16, false>),
                (16, true) => Some(jmp_rm::<W16, true>),
                (32, false) => Some(jmp_rm::<D32, false>),
                (32, true) => Some(jmp_rm::<D32, true>),
                _ => None,
            }
        }
        Mnemonic::Call if near => {
            if o16 {
                Some(call_rel::<W16>)
            } else {
                Some(call_rel::<D32>)
            }
        }
        Mnemonic::Call if matches!(ins.code(), Code::Call_rm16 | Code::Call_rm32) => {
            let mem = ins.op0_kind() == OpKind::Memory;
            match (super::op_bits(ins, 0), mem) {
                (16, false) => Some(call_rm::<W16, false>),
                (16, true) => Some(call_rm::<W16, true>),
                (32, false) => Some(call_rm::<D32, false>),
                (32, true) => Some(call_rm::<D32, true>),
                _ => None,
            }
        }
        Mnemonic::Ret => match ins.code() {
            Code::Retnw | Code::Retnw_imm16 => Some(ret::<W16>),
            Code::Retnd | Code::Retnd_imm16 => Some(ret::<D32>),
            _ => None,
        },
        Mnemonic::Loop | Mnemonic::Loope | Mnemonic::Loopne | Mnemonic::Jcxz | Mnemonic::Jecxz => {
            let ecx = matches!(
                ins.code(),
                Code::Loop_rel8_16_ECX
                    | Code::Loop_rel8_32_ECX
                    | Code::Loope_rel8_16_ECX
                    | Code::Loope_rel8_32_ECX
                    | Code::Loopne_rel8_16_ECX
                    | Code::Loopne_rel8_32_ECX
                    | Code::Jecxz_rel8_16
                    | Code::Jecxz_rel8_32
            );
            let kind = match m {
                Mnemonic::Loop => LOOP,
                Mnemonic::Loope => LOOPE,
                Mnemonic::Loopne => LOOPNE,
                _ => JCXZ,
            };
            match (kind, ecx) {
                (LOOP, false) => Some(loop_::<W16, LOOP>),
                (LOOP, true) => Some(loop_::<D32, LOOP>),
                (LOOPE, false) => Some(loop_::<W16, LOOPE>),
                (LOOPE, true) => Some(loop_::<D32, LOOPE>),
                (LOOPNE, false) => Some(loop_::<W16, LOOPNE>),
                (LOOPNE, true) => Some(loop_::<D32, LOOPNE>),
                (_, false) => Some(loop_::<W16, JCXZ>),
                (_, true) => Some(loop_::<D32, JCXZ>),
            }
        }
        _ => None,
    }
}

/// The hardware condition-code nibble of a Jcc/SETcc/CMOVcc.
pub(crate) fn cc_of(ins: &Instruction) -> Option<u8> {
    let c = ins.condition_code() as u8;
    if c == 0 {
        None
    } else {
        Some(c - 1)
    }
}

macro_rules! cc_table {
    ($f:ident, $cc:expr $(, $g:ty)*) => {
        match $cc {
            0 => Some($f::<$($g,)* 0> as Handler), 1 => Some($f::<$($g,)* 1>), 2 => Some($f::<$($g,)* 2>),
            3 => Some($f::<$($g,)* 3>), 4 => Some($f::<$($g,)* 4>), 5 => Some($f::<$($g,)* 5>),
            6 => Some($f::<$($g,)* 6>), 7 => Some($f::<$($g,)* 7>), 8 => Some($f::<$($g,)* 8>),
            9 => Some($f::<$($g,)* 9>), 10 => Some($f::<$($g,)* 10>), 11 => Some($f::<$($g,)* 11>),
            12 => Some($f::<$($g,)* 12>), 13 => Some($f::<$($g,)* 13>), 14 => Some($f::<$($g,)* 14>),
            15 => Some($f::<$($g,)* 15>), _ => None,
        }
    };
}
pub(crate) use cc_table;

fn jcc_handler(cc: u8) -> Option<Handler> {
    cc_table!(jcc, cc)
}

/// Take a near branch to `t` (already masked), checking the CS limit.
#[inline(always)]
pub(crate) fn branch(cpu: &mut Cpu, t: u32) -> Res {
    if t > cpu.segs[CS].hi {
        return Err(Fault::GP(0));
    }
    cpu.eip = t;
    Ok(())
}

fn jcc<const CC: u8>(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    if cpu.flags.cond(CC) {
        return branch(cpu, cpu.eip.wrapping_add(u.imm) & u.imm2);
    }
    Ok(())
}

fn jmp_rel(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    branch(cpu, cpu.eip.wrapping_add(u.imm) & u.imm2)
}

fn jmp_rm<W: Width, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let t = cpu.read_rm::<W, MEM>(sys, u, u.r[0])?;
    branch(cpu, t)
}

fn call_rel<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let ret = cpu.eip;
    let t = ret.wrapping_add(u.imm) & u.imm2;
    if t > cpu.segs[CS].hi {
        return Err(Fault::GP(0));
    }
    cpu.push::<W>(sys, ret)?;
    cpu.eip = t;
    Ok(())
}

fn call_rm<W: Width, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let t = cpu.read_rm::<W, MEM>(sys, u, u.r[0])?;
    if t > cpu.segs[CS].hi {
        return Err(Fault::GP(0));
    }
    let ret = cpu.eip;
    cpu.push::<W>(sys, ret)?;
    cpu.eip = t;
    Ok(())
}

fn ret<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let t = cpu.peek::<W>(sys, 0)?;
    if t > cpu.segs[CS].hi {
        return Err(Fault::GP(0));
    }
    let m = cpu.sp_mask();
    let sp = cpu.regs[crate::state::ESP]
        .wrapping_add(W::BYTES)
        .wrapping_add(u.imm & 0xFFFF);
    cpu.set_sp(sp & m);
    cpu.eip = t;
    Ok(())
}

const LOOP: u8 = 0;
const LOOPE: u8 = 1;
const LOOPNE: u8 = 2;
const JCXZ: u8 = 3;

/// LOOPcc / JCXZ; `W` is the counter width (the address size).
fn loop_<W: Width, const K: u8>(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    let take = if K == JCXZ {
        cpu.regs[ECX] & W::MASK == 0
    } else {
        let c = cpu.regs[ECX].wrapping_sub(1) & W::MASK;
        cpu.regs[ECX] = (cpu.regs[ECX] & !W::MASK) | c;
        c != 0
            && match K {
                LOOPE => cpu.flags.zf(),
                LOOPNE => !cpu.flags.zf(),
                _ => true,
            }
    };
    if take {
        return branch(cpu, cpu.eip.wrapping_add(u.imm) & u.imm2);
    }
    Ok(())
}
