//! Data movement: MOV (incl. segment registers), MOVZX, MOVSX, LEA, XCHG, NOP, CBW/CWDE,
//! CWD/CDQ, CMOVcc, SETcc, BSWAP, LAHF/SAHF, XLAT.

use iced_x86::{Instruction, Mnemonic, OpKind, Register};

use super::ctrl::{cc_of, cc_table};
use super::{by_width, by_width_form, form, form_of, op_bits};
use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::flags::{AF, CF, PF, SF, ZF};
use crate::state::{Cpu, CS, EAX, EBX, EDX, SS};
use crate::uop::{Handler, Uop};
use crate::width::{Width, B8, D32, W16};

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let k0 = ins.op0_kind();
    let k1 = ins.op_kind(1);
    let mem = k0 == OpKind::Memory || (ins.op_count() > 1 && k1 == OpKind::Memory);
    match ins.mnemonic() {
        Mnemonic::Mov => {
            let r0 = ins.op0_register();
            let r1 = ins.op_register(1);
            if k0 == OpKind::Register && r0.is_segment_register() {
                return if mem {
                    Some(mov_sreg_rm::<true>)
                } else {
                    Some(mov_sreg_rm::<false>)
                };
            }
            if k1 == OpKind::Register && r1.is_segment_register() {
                let bits = if k0 == OpKind::Register {
                    r0.size() as u32 * 8
                } else {
                    16
                };
                return match (bits, mem) {
                    (16, false) => Some(mov_rm_sreg::<W16, false>),
                    (32, false) => Some(mov_rm_sreg::<D32, false>),
                    (_, true) => Some(mov_rm_sreg::<W16, true>),
                    _ => None,
                };
            }
            if (k0 == OpKind::Register && (r0.is_cr() || r0.is_dr() || r0.is_tr()))
                || (k1 == OpKind::Register && (r1.is_cr() || r1.is_dr() || r1.is_tr()))
            {
                return None; // control/debug registers: the system family
            }
            by_width_form!(op_bits(ins, 0), form_of(ins)?, mov)
        }
        Mnemonic::Movzx | Mnemonic::Movsx => {
            let sx = ins.mnemonic() == Mnemonic::Movsx;
            let (d, s) = (op_bits(ins, 0), op_bits(ins, 1));
            macro_rules! pick {
                ($D:ty, $S:ty) => {
                    match (sx, mem) {
                        (false, false) => Some(movx::<$D, $S, false, false> as Handler),
                        (false, true) => Some(movx::<$D, $S, false, true>),
                        (true, false) => Some(movx::<$D, $S, true, false>),
                        (true, true) => Some(movx::<$D, $S, true, true>),
                    }
                };
            }
            match (d, s) {
                (16, 8) => pick!(W16, B8),
                (32, 8) => pick!(D32, B8),
                (16, 16) => pick!(W16, W16),
                (32, 16) => pick!(D32, W16),
                _ => None,
            }
        }
        Mnemonic::Lea if k1 == OpKind::Memory => by_width!(op_bits(ins, 0), lea),
        Mnemonic::Xchg => {
            let f = form_of(ins)?;
            if f == form::RM {
                // XCHG reg, mem is the same as XCHG mem, reg.
                return by_width!(op_bits(ins, 0), xchg, { form::RM });
            }
            by_width_form!(op_bits(ins, 0), f, xchg)
        }
        Mnemonic::Nop | Mnemonic::Pause => Some(nop),
        Mnemonic::Cbw => Some(cbw::<W16>),
        Mnemonic::Cwde => Some(cbw::<D32>),
        Mnemonic::Cwd => Some(cwd::<W16>),
        Mnemonic::Cdq => Some(cwd::<D32>),
        Mnemonic::Bswap => match op_bits(ins, 0) {
            32 => Some(bswap::<true>),
            _ => Some(bswap::<false>),
        },
        Mnemonic::Lahf => Some(lahf),
        Mnemonic::Sahf => Some(sahf),
        Mnemonic::Xlatb => {
            if ins.memory_base() == Register::EBX {
                Some(xlat::<true>)
            } else {
                Some(xlat::<false>)
            }
        }
        _ => {
            if let Some(cc) = cc_of(ins) {
                if matches!(
                    ins.mnemonic(),
                    Mnemonic::Seto
                        | Mnemonic::Setno
                        | Mnemonic::Setb
                        | Mnemonic::Setae
                        | Mnemonic::Sete
                        | Mnemonic::Setne
                        | Mnemonic::Setbe
                        | Mnemonic::Seta
                        | Mnemonic::Sets
                        | Mnemonic::Setns
                        | Mnemonic::Setp
                        | Mnemonic::Setnp
                        | Mnemonic::Setl
                        | Mnemonic::Setge
                        | Mnemonic::Setle
                        | Mnemonic::Setg
                ) {
                    return if mem {
                        cc_table!(setcc, cc, Mem)
                    } else {
                        cc_table!(setcc, cc, Reg)
                    };
                }
                if matches!(
                    ins.mnemonic(),
                    Mnemonic::Cmovo
                        | Mnemonic::Cmovno
                        | Mnemonic::Cmovb
                        | Mnemonic::Cmovae
                        | Mnemonic::Cmove
                        | Mnemonic::Cmovne
                        | Mnemonic::Cmovbe
                        | Mnemonic::Cmova
                        | Mnemonic::Cmovs
                        | Mnemonic::Cmovns
                        | Mnemonic::Cmovp
                        | Mnemonic::Cmovnp
                        | Mnemonic::Cmovl
                        | Mnemonic::Cmovge
                        | Mnemonic::Cmovle
                        | Mnemonic::Cmovg
                ) {
                    return match (op_bits(ins, 0), mem) {
                        (16, false) => cc_table!(cmov, cc, W16, Reg),
                        (16, true) => cc_table!(cmov, cc, W16, Mem),
                        (32, false) => cc_table!(cmov, cc, D32, Reg),
                        (32, true) => cc_table!(cmov, cc, D32, Mem),
                        _ => None,
                    };
                }
            }
            None
        }
    }
}

/// Type-level "operand is memory" / "operand is a register" for cc-table handlers.
pub(crate) trait Loc {
    const MEM: bool;
}
/// Memory operand.
pub(crate) struct Mem;
/// Register operand.
pub(crate) struct Reg;
impl Loc for Mem {
    const MEM: bool = true;
}
impl Loc for Reg {
    const MEM: bool = false;
}

fn mov<W: Width, const F: u8>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    match F {
        form::RR => {
            let v = cpu.reg::<W>(u.r[1]);
            cpu.set_reg::<W>(u.r[0], v);
        }
        form::RI => cpu.set_reg::<W>(u.r[0], u.imm),
        form::RM => {
            let off = cpu.ea(u);
            let v = cpu.rd::<W>(sys, u.ea.seg as usize, off)?;
            cpu.set_reg::<W>(u.r[0], v);
        }
        form::MR => {
            let off = cpu.ea(u);
            let v = cpu.reg::<W>(u.r[1]);
            cpu.wr::<W>(sys, u.ea.seg as usize, off, v)?;
        }
        _ => {
            let off = cpu.ea(u);
            cpu.wr::<W>(sys, u.ea.seg as usize, off, u.imm & W::MASK)?;
        }
    }
    Ok(())
}

fn mov_sreg_rm<const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let seg = u.r[0] as usize;
    if seg == CS || seg > 5 {
        return Err(Fault::UD);
    }
    let sel = cpu.read_rm::<W16, MEM>(sys, u, u.r[1])? as u16;
    cpu.load_seg(sys, seg, sel)?;
    if seg == SS {
        cpu.inhibit = true;
        cpu.brk = true;
    }
    Ok(())
}

fn mov_rm_sreg<W: Width, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let seg = u.r[1] as usize;
    if seg > 5 {
        return Err(Fault::UD);
    }
    let sel = u32::from(cpu.segs[seg].selector);
    if MEM {
        let off = cpu.ea(u);
        cpu.wr::<W16>(sys, u.ea.seg as usize, off, sel)
    } else {
        // A 32-bit destination gets the selector zero-extended (P6 family behaviour).
        cpu.set_reg::<W>(u.r[0], sel);
        Ok(())
    }
}

fn movx<D: Width, S: Width, const SX: bool, const MEM: bool>(
    cpu: &mut Cpu,
    sys: &mut Sys,
    u: &Uop,
) -> Res {
    let v = cpu.read_rm::<S, MEM>(sys, u, u.r[1])?;
    let v = if SX { S::sext(v) } else { v };
    cpu.set_reg::<D>(u.r[0], v & D::MASK);
    Ok(())
}

fn lea<W: Width>(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    let a = cpu.ea(u);
    cpu.set_reg::<W>(u.r[0], a & W::MASK);
    Ok(())
}

fn xchg<W: Width, const F: u8>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    match F {
        form::RR => {
            let a = cpu.reg::<W>(u.r[0]);
            let b = cpu.reg::<W>(u.r[1]);
            cpu.set_reg::<W>(u.r[0], b);
            cpu.set_reg::<W>(u.r[1], a);
            Ok(())
        }
        _ => {
            // Register operand is whichever one is not memory.
            let r = if F == form::MR { u.r[1] } else { u.r[0] };
            let v = cpu.reg::<W>(r);
            let mut old = 0;
            cpu.rmw_mem::<W>(sys, u, |_, a| {
                old = a;
                v
            })?;
            cpu.set_reg::<W>(r, old);
            Ok(())
        }
    }
}

fn nop(_: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    Ok(())
}

/// CBW / CWDE: sign-extend the lower half of the accumulator.
fn cbw<W: Width>(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    let v = if W::BITS == 16 {
        B8::sext(cpu.regs[EAX] & 0xFF)
    } else {
        W16::sext(cpu.regs[EAX] & 0xFFFF)
    };
    cpu.set_reg::<W>(EAX as u8, v);
    Ok(())
}

/// CWD / CDQ: sign of the accumulator into DX / EDX.
fn cwd<W: Width>(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    let neg = cpu.reg::<W>(EAX as u8) & W::SIGN != 0;
    cpu.set_reg::<W>(EDX as u8, if neg { W::MASK } else { 0 });
    Ok(())
}

/// BSWAP r32; with a 16-bit operand the result is undefined by the SDM: real processors
/// clear the register's low word, and so do we.
fn bswap<const D: bool>(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    let r = u.r[0] as usize;
    if D {
        cpu.regs[r] = cpu.regs[r].swap_bytes();
    } else {
        cpu.regs[r] &= 0xFFFF_0000;
    }
    Ok(())
}

fn lahf(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    let f = cpu.flags.get() & 0xFF;
    cpu.set_reg::<B8>(4, f); // AH
    Ok(())
}

fn sahf(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    let ah = cpu.reg::<B8>(4);
    cpu.flags.materialise();
    let m = SF | ZF | AF | PF | CF;
    cpu.flags.bits = (cpu.flags.bits & !m) | (ah & m);
    Ok(())
}

fn xlat<const A32: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let base = if A32 {
        cpu.regs[EBX]
    } else {
        cpu.regs[EBX] & 0xFFFF
    };
    let mut off = base.wrapping_add(cpu.regs[EAX] & 0xFF);
    if !A32 {
        off &= 0xFFFF;
    }
    let v = cpu.rd::<B8>(sys, u.ea.seg as usize, off)?;
    cpu.set_reg::<B8>(0, v);
    Ok(())
}

fn setcc<L: Loc, const CC: u8>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let v = u32::from(cpu.flags.cond(CC));
    if L::MEM {
        let off = cpu.ea(u);
        cpu.wr::<B8>(sys, u.ea.seg as usize, off, v)
    } else {
        cpu.set_reg::<B8>(u.r[0], v);
        Ok(())
    }
}

/// CMOVcc: the source is read (and may fault) even when the condition is false; a 32-bit
/// destination is written only when the condition holds.
fn cmov<W: Width, L: Loc, const CC: u8>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let v = if L::MEM {
        let off = cpu.ea(u);
        cpu.rd::<W>(sys, u.ea.seg as usize, off)?
    } else {
        cpu.reg::<W>(u.r[1])
    };
    if cpu.flags.cond(CC) {
        cpu.set_reg::<W>(u.r[0], v);
    }
    Ok(())
}
