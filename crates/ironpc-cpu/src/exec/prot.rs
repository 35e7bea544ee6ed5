//! Protection instructions of protected mode: LAR, LSL, VERR, VERW, ARPL (SDM vol. 2), and
//! the fast system calls SYSENTER/SYSEXIT (SDM vol. 3, 5.8.7) with their MSRs.

use iced_x86::{Instruction, Mnemonic, OpKind};

use super::by_width;
use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::flags::{IF, RF, VM, ZF};
use crate::seg::Desc;
use crate::state::{Cpu, CS, ECX, EDX, ESP, SS};
use crate::uop::{Handler, Uop};
use crate::width::{Width, W16};

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let mem = (0..ins.op_count()).any(|i| ins.op_kind(i) == OpKind::Memory);
    let bits = super::op_bits(ins, 0);
    match (ins.mnemonic(), mem) {
        (Mnemonic::Lar, false) => by_width!(bits, lar, false),
        (Mnemonic::Lar, true) => by_width!(bits, lar, true),
        (Mnemonic::Lsl, false) => by_width!(bits, lsl, false),
        (Mnemonic::Lsl, true) => by_width!(bits, lsl, true),
        (Mnemonic::Verr, false) => Some(verrw::<false, false>),
        (Mnemonic::Verr, true) => Some(verrw::<false, true>),
        (Mnemonic::Verw, false) => Some(verrw::<true, false>),
        (Mnemonic::Verw, true) => Some(verrw::<true, true>),
        (Mnemonic::Arpl, false) => Some(arpl::<false>),
        (Mnemonic::Arpl, true) => Some(arpl::<true>),
        (Mnemonic::Sysenter, _) => Some(sysenter),
        (Mnemonic::Sysexit, _) => Some(sysexit),
        _ => None,
    }
}

/// The descriptor for `sel` if it may be examined at the current privilege: not null, inside
/// its table, and (unless a conforming code segment) DPL ≥ CPL and DPL ≥ RPL.
fn visible(cpu: &mut Cpu, sys: &mut Sys, sel: u16) -> Result<Option<Desc>, Fault> {
    if sel & !3 == 0 {
        return Ok(None);
    }
    let d = match cpu.read_desc(sys, sel) {
        Ok(d) => d,
        Err(Fault::GP(_)) => return Ok(None), // outside the table: ZF = 0, no fault
        Err(e) => return Err(e),
    };
    let rpl = (sel & 3) as u8;
    if !d.conforming() && (d.dpl() < cpu.cpl || d.dpl() < rpl) {
        return Ok(None);
    }
    Ok(Some(d))
}

fn selector_operand<const MEM: bool>(
    cpu: &mut Cpu,
    sys: &mut Sys,
    u: &Uop,
    reg: u8,
) -> Result<u16, Fault> {
    if !cpu.prot() {
        return Err(Fault::UD);
    }
    Ok(cpu.read_rm::<W16, MEM>(sys, u, reg)? as u16)
}

/// LAR: access rights of a descriptor (SDM vol. 2, LAR).
fn lar<W: Width, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let sel = selector_operand::<MEM>(cpu, sys, u, u.r[1])?;
    let ok = visible(cpu, sys, sel)?
        .filter(|d| d.is_seg() || matches!(d.sys_type(), 1 | 2 | 3 | 4 | 5 | 9 | 11 | 12));
    if let Some(d) = ok {
        let v = ((d.0 >> 32) as u32) & 0x00F0_FF00;
        cpu.set_reg::<W>(u.r[0], v & W::MASK);
    }
    cpu.flags.assign(ZF, ok.is_some());
    Ok(())
}

/// LSL: segment limit, granularity applied.
fn lsl<W: Width, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let sel = selector_operand::<MEM>(cpu, sys, u, u.r[1])?;
    let ok = visible(cpu, sys, sel)?
        .filter(|d| d.is_seg() || matches!(d.sys_type(), 1 | 2 | 3 | 9 | 11));
    if let Some(d) = ok {
        cpu.set_reg::<W>(u.r[0], d.limit() & W::MASK);
    }
    cpu.flags.assign(ZF, ok.is_some());
    Ok(())
}

/// VERR (`W` = false) / VERW (`W` = true).
fn verrw<const WRITE: bool, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let sel = selector_operand::<MEM>(cpu, sys, u, u.r[0])?;
    let ok = visible(cpu, sys, sel)?.is_some_and(|d| {
        if WRITE {
            d.writable_data()
        } else {
            d.readable()
        }
    });
    cpu.flags.assign(ZF, ok);
    Ok(())
}

/// ARPL r/m16, r16: raise the RPL of the destination selector to the source's.
fn arpl<const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    if !cpu.prot() {
        return Err(Fault::UD);
    }
    let src = cpu.reg::<W16>(u.r[1]);
    let dst = cpu.read_rm::<W16, MEM>(sys, u, u.r[0])?;
    if dst & 3 < src & 3 {
        cpu.write_rm::<W16, MEM>(sys, u, u.r[0], (dst & !3) | (src & 3))?;
        cpu.flags.assign(ZF, true);
    } else {
        cpu.flags.assign(ZF, false);
    }
    Ok(())
}

/// Flat 4 GiB segment caches as SYSENTER/SYSEXIT load them.
fn flat(sel: u16, code: bool, dpl: u8) -> crate::state::Segment {
    let ty: u64 = if code { 0xB } else { 0x3 };
    let access = 0x90 | (u64::from(dpl) << 5) | ty;
    Desc(0x00CF_0000_0000_FFFF | (access << 40)).to_segment(sel)
}

fn sysenter(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    let cs = (cpu.sysenter[0] & 0xFFFC) as u16;
    if !cpu.pe() || cs == 0 {
        return Err(Fault::GP(0));
    }
    cpu.flags.assign(VM | IF | RF, false);
    cpu.segs[CS] = flat(cs, true, 0);
    cpu.segs[SS] = flat(cs.wrapping_add(8), false, 0);
    cpu.set_cpl(0);
    cpu.regs[ESP] = cpu.sysenter[1];
    cpu.eip = cpu.sysenter[2];
    cpu.tlb.gen = cpu.tlb.gen.wrapping_add(1);
    cpu.brk = true;
    Ok(())
}

fn sysexit(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    let base = (cpu.sysenter[0] & 0xFFFC) as u16;
    if !cpu.prot() || cpu.cpl != 0 || base == 0 {
        return Err(Fault::GP(0));
    }
    cpu.segs[CS] = flat(base.wrapping_add(16) | 3, true, 3);
    cpu.segs[SS] = flat(base.wrapping_add(24) | 3, false, 3);
    cpu.set_cpl(3);
    cpu.regs[ESP] = cpu.regs[ECX];
    cpu.eip = cpu.regs[EDX];
    cpu.tlb.gen = cpu.tlb.gen.wrapping_add(1);
    cpu.brk = true;
    Ok(())
}
