//! Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP, TEST, INC DEC NEG NOT.
//! Flags are left lazy (see `flags.rs`).

use iced_x86::{Instruction, Mnemonic};

use super::{by_width, by_width_form, form, form_of, op_bits};
use crate::bus::Sys;
use crate::fault::Res;
use crate::flags::LazyOp;
use crate::state::Cpu;
use crate::uop::{Handler, Uop};
use crate::width::Width;

const ADD: u8 = 0;
const OR: u8 = 1;
const ADC: u8 = 2;
const SBB: u8 = 3;
const AND: u8 = 4;
const SUB: u8 = 5;
const XOR: u8 = 6;
const CMP: u8 = 7;
const TEST: u8 = 8;

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let op = match ins.mnemonic() {
        Mnemonic::Add => ADD,
        Mnemonic::Or => OR,
        Mnemonic::Adc => ADC,
        Mnemonic::Sbb => SBB,
        Mnemonic::And => AND,
        Mnemonic::Sub => SUB,
        Mnemonic::Xor => XOR,
        Mnemonic::Cmp => CMP,
        Mnemonic::Test => TEST,
        Mnemonic::Inc => return unary(ins, INC),
        Mnemonic::Dec => return unary(ins, DEC),
        Mnemonic::Neg => return unary(ins, NEG),
        Mnemonic::Not => return unary(ins, NOT),
        _ => return None,
    };
    let bits = op_bits(ins, 0);
    let f = form_of(ins)?;
    match op {
        ADD => by_width_form!(bits, f, binop, ADD),
        OR => by_width_form!(bits, f, binop, OR),
        ADC => by_width_form!(bits, f, binop, ADC),
        SBB => by_width_form!(bits, f, binop, SBB),
        AND => by_width_form!(bits, f, binop, AND),
        SUB => by_width_form!(bits, f, binop, SUB),
        XOR => by_width_form!(bits, f, binop, XOR),
        CMP => by_width_form!(bits, f, binop, CMP),
        _ => by_width_form!(bits, f, binop, TEST),
    }
}

/// Compute `a OP b`, record the flags, return the result.
#[inline(always)]
fn alu<W: Width, const OP: u8>(cpu: &mut Cpu, a: u32, b: u32) -> u32 {
    let b = b & W::MASK;
    match OP {
        ADD => {
            let r = a.wrapping_add(b) & W::MASK;
            cpu.flags.set_lazy(LazyOp::Add, W::CLASS, a, b, r);
            r
        }
        ADC => {
            let c = u32::from(cpu.flags.cf());
            let r = a.wrapping_add(b).wrapping_add(c) & W::MASK;
            cpu.flags.set_lazy(LazyOp::Add, W::CLASS, a, b, r);
            r
        }
        SUB | CMP => {
            let r = a.wrapping_sub(b) & W::MASK;
            cpu.flags.set_lazy(LazyOp::Sub, W::CLASS, a, b, r);
            r
        }
        SBB => {
            let c = u32::from(cpu.flags.cf());
            let r = a.wrapping_sub(b).wrapping_sub(c) & W::MASK;
            cpu.flags.set_lazy(LazyOp::Sub, W::CLASS, a, b, r);
            r
        }
        _ => {
            let r = match OP {
                OR => a | b,
                XOR => a ^ b,
                _ => a & b,
            };
            cpu.flags.set_lazy(LazyOp::Logic, W::CLASS, 0, 0, r);
            r
        }
    }
}

/// Two-operand ALU instruction in form `F` (see `exec::form`).
fn binop<W: Width, const OP: u8, const F: u8>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let writes = OP != CMP && OP != TEST;
    match F {
        form::RR | form::RI | form::RM => {
            let a = cpu.reg::<W>(u.r[0]);
            let b = match F {
                form::RR => cpu.reg::<W>(u.r[1]),
                form::RI => u.imm,
                _ => {
                    let off = cpu.ea(u);
                    cpu.rd::<W>(sys, u.ea.seg as usize, off)?
                }
            };
            let r = alu::<W, OP>(cpu, a, b);
            if writes {
                cpu.set_reg::<W>(u.r[0], r);
            }
            Ok(())
        }
        _ => {
            let b = if F == form::MR {
                cpu.reg::<W>(u.r[1])
            } else {
                u.imm
            };
            if writes {
                cpu.rmw_mem::<W>(sys, u, |cpu, a| alu::<W, OP>(cpu, a, b))
            } else {
                let off = cpu.ea(u);
                let a = cpu.rd::<W>(sys, u.ea.seg as usize, off)?;
                alu::<W, OP>(cpu, a, b);
                Ok(())
            }
        }
    }
}

const INC: u8 = 0;
const DEC: u8 = 1;
const NEG: u8 = 2;
const NOT: u8 = 3;

fn unary(ins: &Instruction, op: u8) -> Option<Handler> {
    let bits = op_bits(ins, 0);
    let mem = ins.op0_kind() == iced_x86::OpKind::Memory;
    match (op, mem) {
        (INC, false) => by_width!(bits, unop, INC, false),
        (INC, true) => by_width!(bits, unop, INC, true),
        (DEC, false) => by_width!(bits, unop, DEC, false),
        (DEC, true) => by_width!(bits, unop, DEC, true),
        (NEG, false) => by_width!(bits, unop, NEG, false),
        (NEG, true) => by_width!(bits, unop, NEG, true),
        (_, false) => by_width!(bits, unop, NOT, false),
        (_, true) => by_width!(bits, unop, NOT, true),
    }
}

#[inline(always)]
fn un<W: Width, const OP: u8>(cpu: &mut Cpu, a: u32) -> u32 {
    match OP {
        INC => {
            let r = a.wrapping_add(1) & W::MASK;
            cpu.flags.set_incdec(LazyOp::Inc, W::CLASS, a, r);
            r
        }
        DEC => {
            let r = a.wrapping_sub(1) & W::MASK;
            cpu.flags.set_incdec(LazyOp::Dec, W::CLASS, a, r);
            r
        }
        NEG => {
            let r = 0u32.wrapping_sub(a) & W::MASK;
            cpu.flags.set_lazy(LazyOp::Sub, W::CLASS, 0, a, r);
            r
        }
        _ => !a & W::MASK,
    }
}

fn unop<W: Width, const OP: u8, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    if MEM {
        cpu.rmw_mem::<W>(sys, u, |cpu, a| un::<W, OP>(cpu, a))
    } else {
        let a = cpu.reg::<W>(u.r[0]);
        let r = un::<W, OP>(cpu, a);
        cpu.set_reg::<W>(u.r[0], r);
        Ok(())
    }
}
