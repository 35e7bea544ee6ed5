//! String instructions MOVS STOS LODS CMPS SCAS INS OUTS, with REP/REPE/REPNE. Registers are
//! updated after every element, so a fault in the middle restarts correctly; a long REP
//! runs in chunks and re-executes itself, so the run loop gets control back regularly.

use iced_x86::{Instruction, Mnemonic, OpKind};

use crate::bus::Sys;
use crate::fault::Res;
use crate::flags::{LazyOp, DF};
use crate::state::{Cpu, EAX, ECX, EDI, EDX, ES, ESI};
use crate::uop::{Handler, Uop};
use crate::width::{Width, B8, D32, W16};

const MOVS: u8 = 0;
const STOS: u8 = 1;
const LODS: u8 = 2;
const CMPS: u8 = 3;
const SCAS: u8 = 4;
const INS: u8 = 5;
const OUTS: u8 = 6;

/// No prefix, REP/REPE, REPNE.
const NONE: u8 = 0;
const REPE: u8 = 1;
const REPNE: u8 = 2;

/// Elements per execution before the instruction yields and re-executes.
const CHUNK: u32 = 4096;

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let (op, bits) = match ins.mnemonic() {
        Mnemonic::Movsb => (MOVS, 8),
        Mnemonic::Movsw => (MOVS, 16),
        Mnemonic::Movsd => (MOVS, 32),
        Mnemonic::Stosb => (STOS, 8),
        Mnemonic::Stosw => (STOS, 16),
        Mnemonic::Stosd => (STOS, 32),
        Mnemonic::Lodsb => (LODS, 8),
        Mnemonic::Lodsw => (LODS, 16),
        Mnemonic::Lodsd => (LODS, 32),
        Mnemonic::Cmpsb => (CMPS, 8),
        Mnemonic::Cmpsw => (CMPS, 16),
        Mnemonic::Cmpsd => (CMPS, 32),
        Mnemonic::Scasb => (SCAS, 8),
        Mnemonic::Scasw => (SCAS, 16),
        Mnemonic::Scasd => (SCAS, 32),
        Mnemonic::Insb => (INS, 8),
        Mnemonic::Insw => (INS, 16),
        Mnemonic::Insd => (INS, 32),
        Mnemonic::Outsb => (OUTS, 8),
        Mnemonic::Outsw => (OUTS, 16),
        Mnemonic::Outsd => (OUTS, 32),
        _ => return None,
    };
    // SSE MOVSD/CMPSD share mnemonics: only the string forms have string operands.
    let a16 = (0..ins.op_count()).any(|i| {
        matches!(
            ins.op_kind(i),
            OpKind::MemorySegSI | OpKind::MemorySegDI | OpKind::MemoryESDI
        )
    });
    let a32 = (0..ins.op_count()).any(|i| {
        matches!(
            ins.op_kind(i),
            OpKind::MemorySegESI | OpKind::MemorySegEDI | OpKind::MemoryESEDI
        )
    });
    if !a16 && !a32 {
        return None;
    }
    let rep = if ins.has_repne_prefix() {
        if matches!(op, CMPS | SCAS) {
            REPNE
        } else {
            REPE
        }
    } else if ins.has_rep_prefix() {
        REPE
    } else {
        NONE
    };
    macro_rules! pick {
        ($op:expr) => {
            match (bits, a32, rep) {
                (8, false, NONE) => Some(string::<B8, { $op }, false, NONE> as Handler),
                (8, false, REPE) => Some(string::<B8, { $op }, false, REPE>),
                (8, false, _) => Some(string::<B8, { $op }, false, REPNE>),
                (8, true, NONE) => Some(string::<B8, { $op }, true, NONE>),
                (8, true, REPE) => Some(string::<B8, { $op }, true, REPE>),
                (8, true, _) => Some(string::<B8, { $op }, true, REPNE>),
                (16, false, NONE) => Some(string::<W16, { $op }, false, NONE>),
                (16, false, REPE) => Some(string::<W16, { $op }, false, REPE>),
                (16, false, _) => Some(string::<W16, { $op }, false, REPNE>),
                (16, true, NONE) => Some(string::<W16, { $op }, true, NONE>),
                (16, true, REPE) => Some(string::<W16, { $op }, true, REPE>),
                (16, true, _) => Some(string::<W16, { $op }, true, REPNE>),
                (_, false, NONE) => Some(string::<D32, { $op }, false, NONE>),
                (_, false, REPE) => Some(string::<D32, { $op }, false, REPE>),
                (_, false, _) => Some(string::<D32, { $op }, false, REPNE>),
                (_, true, NONE) => Some(string::<D32, { $op }, true, NONE>),
                (_, true, REPE) => Some(string::<D32, { $op }, true, REPE>),
                (_, true, _) => Some(string::<D32, { $op }, true, REPNE>),
            }
        };
    }
    match op {
        MOVS => pick!(MOVS),
        STOS => pick!(STOS),
        LODS => pick!(LODS),
        CMPS => pick!(CMPS),
        SCAS => pick!(SCAS),
        INS => pick!(INS),
        _ => pick!(OUTS),
    }
}

/// One string instruction. `A32`: 32-bit address size (ESI/EDI/ECX), else SI/DI/CX.
fn string<W: Width, const OP: u8, const A32: bool, const REP: u8>(
    cpu: &mut Cpu,
    sys: &mut Sys,
    u: &Uop,
) -> Res {
    let am: u32 = if A32 { 0xFFFF_FFFF } else { 0xFFFF };
    let step = if cpu.flags.sys(DF) {
        W::BYTES.wrapping_neg()
    } else {
        W::BYTES
    };
    let src_seg = u.ea.seg as usize;
    if matches!(OP, INS | OUTS) {
        let port = (cpu.regs[EDX] & 0xFFFF) as u16;
        cpu.check_io(sys, port, W::BYTES)?;
    }
    let mut done = 0u32;
    loop {
        if REP != NONE {
            if cpu.regs[ECX] & am == 0 {
                break;
            }
            if done == CHUNK {
                // Yield: run this instruction again (interrupts may be taken in between).
                let len = u32::from(u.len);
                cpu.eip = cpu.eip.wrapping_sub(len)
                    & if cpu.bitness() == 32 {
                        0xFFFF_FFFF
                    } else {
                        0xFFFF
                    };
                cpu.brk = true;
                break;
            }
        }
        let si = cpu.regs[ESI] & am;
        let di = cpu.regs[EDI] & am;
        match OP {
            MOVS => {
                let v = cpu.rd::<W>(sys, src_seg, si)?;
                cpu.wr::<W>(sys, ES, di, v)?;
                adv(cpu, ESI, step, am);
                adv(cpu, EDI, step, am);
            }
            STOS => {
                let v = cpu.reg::<W>(EAX as u8);
                cpu.wr::<W>(sys, ES, di, v)?;
                adv(cpu, EDI, step, am);
            }
            LODS => {
                let v = cpu.rd::<W>(sys, src_seg, si)?;
                cpu.set_reg::<W>(EAX as u8, v);
                adv(cpu, ESI, step, am);
            }
            CMPS | SCAS => {
                let a = if OP == CMPS {
                    cpu.rd::<W>(sys, src_seg, si)?
                } else {
                    cpu.reg::<W>(EAX as u8)
                };
                let b = cpu.rd::<W>(sys, ES, di)?;
                let r = a.wrapping_sub(b) & W::MASK;
                cpu.flags.set_lazy(LazyOp::Sub, W::CLASS, a, b, r);
                if OP == CMPS {
                    adv(cpu, ESI, step, am);
                }
                adv(cpu, EDI, step, am);
            }
            INS => {
                let port = (cpu.regs[EDX] & 0xFFFF) as u16;
                // The destination is checked before the port is read.
                cpu.seg_lin::<W>(ES, di, true)?;
                let v = cpu.port_in(sys, port, W::BYTES as u8);
                cpu.wr::<W>(sys, ES, di, v)?;
                adv(cpu, EDI, step, am);
            }
            _ => {
                let port = (cpu.regs[EDX] & 0xFFFF) as u16;
                let v = cpu.rd::<W>(sys, src_seg, si)?;
                cpu.port_out(sys, port, W::BYTES as u8, v);
                adv(cpu, ESI, step, am);
            }
        }
        done += 1;
        if REP == NONE {
            break;
        }
        let c = cpu.regs[ECX].wrapping_sub(1) & am;
        cpu.regs[ECX] = (cpu.regs[ECX] & !am) | c;
        if matches!(OP, CMPS | SCAS)
            && ((REP == REPE && !cpu.flags.zf()) || (REP == REPNE && cpu.flags.zf()))
        {
            break;
        }
    }
    // Every element counts as an instruction for virtual time.
    cpu.icount += u64::from(done.saturating_sub(1));
    Ok(())
}

#[inline(always)]
fn adv(cpu: &mut Cpu, r: usize, step: u32, am: u32) {
    let v = cpu.regs[r].wrapping_add(step) & am;
    cpu.regs[r] = (cpu.regs[r] & !am) | v;
}
