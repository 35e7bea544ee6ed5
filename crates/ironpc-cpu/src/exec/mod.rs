//! Instruction handlers, one small file per family. Each family's `lookup` claims the
//! instructions it implements and returns a handler monomorphised for the operand width and
//! form, so the handler itself does no decoding.

use iced_x86::{Instruction, OpKind};

use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::state::Cpu;
use crate::uop::{Handler, Uop};
use crate::width::{Width, B8, D32, W16};

mod alu;
mod atomic;
mod bcd;
mod bit;
mod bound;
mod ctrl;
mod data;
mod far;
mod misc;
mod muldiv;
mod nofpu;
mod prot;
mod shift;
mod stack;
mod string;
mod sys;

/// The handler of every instruction no family claims: #UD.
pub fn ud(_: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    Err(Fault::UD)
}

/// Ask the families in turn.
pub(crate) fn lookup(ins: &Instruction) -> Option<Handler> {
    if ins.has_lock_prefix() && !lockable(ins) {
        return None;
    }
    alu::lookup(ins)
        .or_else(|| data::lookup(ins))
        .or_else(|| ctrl::lookup(ins))
        .or_else(|| stack::lookup(ins))
        .or_else(|| string::lookup(ins))
        .or_else(|| sys::lookup(ins))
        .or_else(|| far::lookup(ins))
        .or_else(|| bound::lookup(ins))
        .or_else(|| muldiv::lookup(ins))
        .or_else(|| shift::lookup(ins))
        .or_else(|| bit::lookup(ins))
        .or_else(|| bcd::lookup(ins))
        .or_else(|| atomic::lookup(ins))
        .or_else(|| misc::lookup(ins))
        .or_else(|| prot::lookup(ins))
        .or_else(|| nofpu::lookup(ins))
}

/// LOCK is allowed only on read-modify-write instructions with a memory destination
/// (SDM vol. 2, LOCK); iced already rejects most other cases as invalid.
fn lockable(ins: &Instruction) -> bool {
    ins.op_count() > 0 && ins.op0_kind() == OpKind::Memory
}

/// Operand shape of a two-operand instruction, fixed at decode time.
pub(crate) mod form {
    /// register, register
    pub const RR: u8 = 0;
    /// register, memory
    pub const RM: u8 = 1;
    /// memory, register
    pub const MR: u8 = 2;
    /// register, immediate
    pub const RI: u8 = 3;
    /// memory, immediate
    pub const MI: u8 = 4;
}

/// Operand width in bits of operand `op`.
pub(crate) fn op_bits(ins: &Instruction, op: u32) -> u32 {
    match ins.op_kind(op) {
        OpKind::Register => ins.op_register(op).size() as u32 * 8,
        OpKind::Memory => ins.memory_size().size() as u32 * 8,
        OpKind::Immediate8 => 8,
        OpKind::Immediate16 | OpKind::Immediate8to16 => 16,
        _ => 32,
    }
}

/// The form of a two-operand instruction (operand 0 is the destination).
pub(crate) fn form_of(ins: &Instruction) -> Option<u8> {
    let imm = |k: OpKind| {
        matches!(
            k,
            OpKind::Immediate8
                | OpKind::Immediate16
                | OpKind::Immediate32
                | OpKind::Immediate8to16
                | OpKind::Immediate8to32
        )
    };
    Some(match (ins.op_kind(0), ins.op_kind(1)) {
        (OpKind::Register, OpKind::Register) => form::RR,
        (OpKind::Register, OpKind::Memory) => form::RM,
        (OpKind::Memory, OpKind::Register) => form::MR,
        (OpKind::Register, k) if imm(k) => form::RI,
        (OpKind::Memory, k) if imm(k) => form::MI,
        _ => return None,
    })
}

/// Pick `$f::<W, ...>` for a width in bits.
macro_rules! by_width {
    ($bits:expr, $f:ident $(, $c:expr)*) => {
        match $bits {
            8 => Some($f::<$crate::width::B8 $(, $c)*> as $crate::uop::Handler),
            16 => Some($f::<$crate::width::W16 $(, $c)*> as $crate::uop::Handler),
            32 => Some($f::<$crate::width::D32 $(, $c)*> as $crate::uop::Handler),
            _ => None,
        }
    };
}
pub(crate) use by_width;

/// Pick `$f::<W, FORM>` for a width and a form.
macro_rules! by_width_form {
    ($bits:expr, $form:expr, $f:ident $(, $c:expr)*) => {{
        use $crate::exec::form::*;
        match $form {
            RR => $crate::exec::by_width!($bits, $f $(, $c)*, RR),
            RM => $crate::exec::by_width!($bits, $f $(, $c)*, RM),
            MR => $crate::exec::by_width!($bits, $f $(, $c)*, MR),
            RI => $crate::exec::by_width!($bits, $f $(, $c)*, RI),
            MI => $crate::exec::by_width!($bits, $f $(, $c)*, MI),
            _ => None,
        }
    }};
}
pub(crate) use by_width_form;

impl Cpu {
    /// Read operand 0 of a uop that is a register (`MEM == false`) or memory.
    #[inline(always)]
    pub(crate) fn read_rm<W: Width, const MEM: bool>(
        &mut self,
        sys: &mut Sys,
        u: &Uop,
        reg: u8,
    ) -> Result<u32, Fault> {
        if MEM {
            let off = self.ea(u);
            self.rd::<W>(sys, u.ea.seg as usize, off)
        } else {
            Ok(self.reg::<W>(reg))
        }
    }

    /// Write a register or memory operand.
    #[inline(always)]
    pub(crate) fn write_rm<W: Width, const MEM: bool>(
        &mut self,
        sys: &mut Sys,
        u: &Uop,
        reg: u8,
        v: u32,
    ) -> Res {
        if MEM {
            let off = self.ea(u);
            self.wr::<W>(sys, u.ea.seg as usize, off, v)
        } else {
            self.set_reg::<W>(reg, v);
            Ok(())
        }
    }

    /// Read-modify-write of operand 0 in memory: translate once (with the write check),
    /// read, compute, write back.
    #[inline(always)]
    pub(crate) fn rmw_mem<W: Width>(
        &mut self,
        sys: &mut Sys,
        u: &Uop,
        f: impl FnOnce(&mut Cpu, u32) -> u32,
    ) -> Res {
        let off = self.ea(u);
        let lin = self.seg_lin::<W>(u.ea.seg as usize, off, true)?;
        let user = self.cpl == 3;
        let a = self.lin_rd::<W>(sys, lin, user)?;
        let r = f(self, a);
        self.lin_wr::<W>(sys, lin, r, user)
    }
}

/// Unused-width guard: keeps the width types referenced for `by_width!` users.
#[allow(dead_code)]
fn _widths(_: B8, _: W16, _: D32) {}
