//! Atomic read-modify-write instructions of the 486 and Pentium: XADD, CMPXCHG, CMPXCHG8B.
//! With one processor they need no real locking, so LOCK is simply accepted (on a memory
//! destination). A memory destination is written back even when CMPXCHG's comparison fails,
//! as the SDM specifies. CMPXCHG8B with a register operand is #UD (no handler).

use iced_x86::{Instruction, Mnemonic, OpKind};

use super::{by_width, op_bits};
use crate::bus::Sys;
use crate::fault::Res;
use crate::flags::{LazyOp, ZF};
use crate::state::{Cpu, EAX, EBX, ECX, EDX};
use crate::uop::{Handler, Uop};
use crate::width::{Width, D32};

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let mem = ins.op0_kind() == OpKind::Memory;
    match ins.mnemonic() {
        Mnemonic::Xadd | Mnemonic::Cmpxchg if ins.op1_kind() == OpKind::Register => {
            let bits = op_bits(ins, 0);
            match (ins.mnemonic() == Mnemonic::Xadd, mem) {
                (true, false) => by_width!(bits, xadd, false),
                (true, true) => by_width!(bits, xadd, true),
                (false, false) => by_width!(bits, cmpxchg, false),
                (false, true) => by_width!(bits, cmpxchg, true),
            }
        }
        Mnemonic::Cmpxchg8b if mem => Some(cmpxchg8b),
        _ => None,
    }
}

/// XADD r/m, r: TEMP = DEST + SRC; SRC = DEST; DEST = TEMP (flags as ADD).
fn xadd<W: Width, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let s = cpu.reg::<W>(u.r[1]);
    let add = |cpu: &mut Cpu, d: u32| {
        let r = d.wrapping_add(s) & W::MASK;
        cpu.flags.set_lazy(LazyOp::Add, W::CLASS, d, s, r);
        r
    };
    if MEM {
        let mut old = 0;
        cpu.rmw_mem::<W>(sys, u, |cpu, d| {
            old = d;
            add(cpu, d)
        })?;
        cpu.set_reg::<W>(u.r[1], old);
    } else {
        let d = cpu.reg::<W>(u.r[0]);
        let r = add(cpu, d);
        cpu.set_reg::<W>(u.r[1], d);
        cpu.set_reg::<W>(u.r[0], r);
    }
    Ok(())
}

/// CMPXCHG r/m, r: compare the accumulator with DEST (flags as CMP); equal: DEST = SRC,
/// else the accumulator = DEST.
fn cmpxchg<W: Width, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let acc = cpu.reg::<W>(EAX as u8);
    let s = cpu.reg::<W>(u.r[1]);
    let cmp = |cpu: &mut Cpu, d: u32| {
        let r = acc.wrapping_sub(d) & W::MASK;
        cpu.flags.set_lazy(LazyOp::Sub, W::CLASS, acc, d, r);
    };
    let d = if MEM {
        let mut old = 0;
        cpu.rmw_mem::<W>(sys, u, |cpu, d| {
            old = d;
            cmp(cpu, d);
            if d == acc {
                s
            } else {
                d
            }
        })?;
        old
    } else {
        let d = cpu.reg::<W>(u.r[0]);
        cmp(cpu, d);
        if d == acc {
            cpu.set_reg::<W>(u.r[0], s);
        }
        d
    };
    if d != acc {
        cpu.set_reg::<W>(EAX as u8, d);
    }
    Ok(())
}

/// CMPXCHG8B m64: compare EDX:EAX with m64; equal: ZF = 1, m64 = ECX:EBX; else ZF = 0,
/// EDX:EAX = m64. Other flags are unaffected. Both dwords are checked writable before
/// anything changes, so a fault leaves memory and registers as they were.
fn cmpxchg8b(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let off = cpu.ea(u);
    let lin = cpu.seg_lin_len(u.ea.seg as usize, off, 8, true)?;
    let hi_lin = lin.wrapping_add(4);
    let user = cpu.cpl == 3;
    let lo = cpu.lin_rd::<D32>(sys, lin, user)?;
    let hi = cpu.lin_rd::<D32>(sys, hi_lin, user)?;
    let eq = lo == cpu.regs[EAX] && hi == cpu.regs[EDX];
    let (nlo, nhi) = if eq {
        (cpu.regs[EBX], cpu.regs[ECX])
    } else {
        (lo, hi)
    };
    // Writing the old high dword first proves its page writable without changing it.
    cpu.lin_wr::<D32>(sys, hi_lin, hi, user)?;
    cpu.lin_wr::<D32>(sys, lin, nlo, user)?;
    cpu.lin_wr::<D32>(sys, hi_lin, nhi, user)?;
    if !eq {
        cpu.regs[EAX] = lo;
        cpu.regs[EDX] = hi;
    }
    cpu.flags.put(ZF, if eq { ZF } else { 0 });
    Ok(())
}
