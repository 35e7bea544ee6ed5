//! BOUND r16, m16&16 / BOUND r32, m32&32 (SDM vol. 2, BOUND): the signed index in the
//! register must lie within the two signed bounds at the memory operand (lower bound first,
//! upper bound next), both inclusive; otherwise #BR, a fault (the saved CS:EIP points at
//! the BOUND). The register form does not exist (62 with mod = 11 is #UD in legacy modes).

use iced_x86::{Code, Instruction, OpKind};

use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::state::Cpu;
use crate::uop::{Handler, Uop};
use crate::width::{Width, D32, W16};

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    if ins.op_count() < 2 || ins.op1_kind() != OpKind::Memory {
        return None;
    }
    match ins.code() {
        Code::Bound_r16_m1616 => Some(bound::<W16>),
        Code::Bound_r32_m3232 => Some(bound::<D32>),
        _ => None,
    }
}

fn bound<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let off = cpu.ea(u);
    let seg = u.ea.seg as usize;
    // Both bounds are read (and may fault) before the comparison.
    let lo = cpu.rd::<W>(sys, seg, off)?;
    let hi = cpu.rd::<W>(sys, seg, off.wrapping_add(W::BYTES) & u.ea.mask)?;
    let idx = W::sext(cpu.reg::<W>(u.r[0])) as i32;
    if idx < W::sext(lo) as i32 || idx > W::sext(hi) as i32 {
        return Err(Fault::BR);
    }
    Ok(())
}
