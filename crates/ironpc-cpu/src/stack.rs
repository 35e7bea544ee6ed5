//! Stack pushes and pops, honouring SS.B (32- or 16-bit stack pointer) and the operand size.

use crate::bus::Sys;
use crate::fault::Fault;
use crate::state::{Cpu, ESP, SS};
use crate::width::Width;

impl Cpu {
    /// Mask of the stack pointer for the current SS (0xFFFF for a 16-bit stack).
    #[inline(always)]
    pub fn sp_mask(&self) -> u32 {
        if self.stack32() {
            0xFFFF_FFFF
        } else {
            0xFFFF
        }
    }

    /// Write the stack pointer, keeping the upper half for a 16-bit stack.
    #[inline(always)]
    pub fn set_sp(&mut self, v: u32) {
        let m = self.sp_mask();
        self.regs[ESP] = (self.regs[ESP] & !m) | (v & m);
    }

    /// PUSH a `W`-sized value. ESP is only updated once the write succeeded.
    #[inline(always)]
    pub fn push<W: Width>(&mut self, sys: &mut Sys, v: u32) -> Result<(), Fault> {
        let m = self.sp_mask();
        let sp = self.regs[ESP].wrapping_sub(W::BYTES) & m;
        self.wr::<W>(sys, SS, sp, v)?;
        self.regs[ESP] = (self.regs[ESP] & !m) | sp;
        Ok(())
    }

    /// POP a `W`-sized value.
    #[inline(always)]
    pub fn pop<W: Width>(&mut self, sys: &mut Sys) -> Result<u32, Fault> {
        let m = self.sp_mask();
        let sp = self.regs[ESP] & m;
        let v = self.rd::<W>(sys, SS, sp)?;
        self.regs[ESP] = (self.regs[ESP] & !m) | (sp.wrapping_add(W::BYTES) & m);
        Ok(v)
    }

    /// Read a `W` at `SP + off` without popping.
    #[inline]
    pub fn peek<W: Width>(&mut self, sys: &mut Sys, off: u32) -> Result<u32, Fault> {
        let m = self.sp_mask();
        let sp = self.regs[ESP].wrapping_add(off) & m;
        self.rd::<W>(sys, SS, sp)
    }
}
