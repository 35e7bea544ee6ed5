//! Hardware task switching (SDM vol. 3, chapter 7): JMP/CALL to a TSS or task gate, task
//! gates in the IDT, IRET with NT set. 32-bit and 16-bit TSSs. The outgoing state is saved
//! in the current TSS, the busy bits and back link are maintained, and the incoming state is
//! loaded with its segment checks (faults there are #TS in the context of the new task).

use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::flags::{NT, RF, VM};
use crate::mmu::Access;
use crate::seg::Desc;
use crate::state::{attr, cr0, Cpu, Segment, CS, DS, ES, FS, GS, SS};
use crate::width::{D32, W16};

/// What caused a task switch: it decides the busy-bit and NT/back-link handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwitchKind {
    /// JMP to a TSS or task gate.
    Jump,
    /// CALL to a TSS or task gate.
    Call,
    /// An interrupt or exception through a task gate.
    Interrupt,
    /// IRET with NT set.
    Iret,
}

/// Offsets of a 32-bit TSS.
mod tss32 {
    pub const CR3: u32 = 0x1C;
    pub const EIP: u32 = 0x20;
    pub const EFLAGS: u32 = 0x24;
    pub const EAX: u32 = 0x28;
    pub const ES: u32 = 0x48;
    pub const LDT: u32 = 0x60;
    pub const MIN_LIMIT: u32 = 0x67;
}

/// Offsets of a 16-bit TSS.
mod tss16 {
    pub const IP: u32 = 0x0E;
    pub const FLAGS: u32 = 0x10;
    pub const AX: u32 = 0x12;
    pub const ES: u32 = 0x22;
    pub const LDT: u32 = 0x2A;
    pub const MIN_LIMIT: u32 = 0x2B;
}

/// The state read from an incoming TSS.
struct Incoming {
    eip: u32,
    flags: u32,
    regs: [u32; 8],
    sels: [u16; 6],
    ldt: u16,
    cr3: Option<u32>,
}

impl Cpu {
    /// Switch to the task whose TSS selector is `sel` (SDM vol. 3, 7.3). `ext` is the EXT bit
    /// of error codes (1 when an exception or external interrupt caused the switch).
    ///
    /// Faults found before the commit point (the new TSS descriptor, the TSS limits, either
    /// TSS not paged in) leave everything unchanged and are returned to the caller, which
    /// delivers them in the old task. Once TR holds the new task, a fault loading its LDT or
    /// segment registers belongs to the new task (SDM vol. 3, 7.3 step 13): its EIP is the
    /// new task's. When an instruction caused the switch (JMP, CALL, IRET, INT n: `ext` = 0),
    /// the fault is delivered here, because the run loop would put EIP back to the
    /// instruction of the old task; when an exception or interrupt caused it, it is returned
    /// and the caller applies the double-fault rules with the new task's EIP.
    pub fn task_switch(&mut self, sys: &mut Sys, sel: u16, kind: SwitchKind, ext: u16) -> Res {
        let (new, new32) = self.check_new_tss(sys, sel, kind, ext)?;
        self.save_outgoing(sys, sel, kind)?;
        // Commit: TR holds the new task.
        let old_tr = self.tr.selector;
        let mut tr = new.to_segment(sel);
        tr.attr = new.attr() | 2;
        self.tr = tr;
        self.cr0 |= cr0::TS;
        let r = self.load_incoming(sys, kind, old_tr, new32, ext);
        match r {
            Err(f) if ext == 0 => {
                self.raise(sys, f);
                Ok(())
            }
            r => r,
        }
    }

    /// The checks made before anything changes: the new TSS descriptor (type, busy bit,
    /// present, limit), the old TSS's limit, and both TSSs paged in. Returns the new TSS
    /// descriptor and whether it is a 32-bit TSS.
    fn check_new_tss(
        &mut self,
        sys: &mut Sys,
        sel: u16,
        kind: SwitchKind,
        ext: u16,
    ) -> Result<(Desc, bool), Fault> {
        let err = (sel & !3) + ext;
        let bad = |iret: bool| if iret { Fault::TS(err) } else { Fault::GP(err) };
        let iret = kind == SwitchKind::Iret;
        if sel & 4 != 0 || sel & !3 == 0 {
            return Err(bad(iret));
        }
        let new = self.read_desc(sys, sel).map_err(|_| bad(iret))?;
        let ty = new.sys_type();
        let busy = matches!(ty, 3 | 11);
        let valid_type = !new.is_seg() && matches!(ty, 1 | 3 | 9 | 11);
        // JMP/CALL/interrupts need an available TSS, IRET a busy one.
        if !valid_type || iret != busy {
            return Err(bad(iret));
        }
        if !new.present() {
            return Err(Fault::NP(err));
        }
        let new32 = ty & 8 != 0;
        let min = if new32 {
            tss32::MIN_LIMIT
        } else {
            tss16::MIN_LIMIT
        };
        if new.limit() < min {
            return Err(Fault::TS(err));
        }
        // The outgoing task's TSS must be big enough to hold its state.
        let old32 = self.tr.attr & 8 != 0;
        let old_min = if old32 {
            tss32::MIN_LIMIT
        } else {
            tss16::MIN_LIMIT
        };
        if self.tr.limit < old_min {
            return Err(Fault::TS((self.tr.selector & !3) + ext));
        }
        // Both TSSs must be paged in before the old state is saved (SDM vol. 3, 7.3 step 5):
        // a #PF here is restartable. The new TSS's first page is written with the back link.
        let nb = new.base();
        let link = matches!(kind, SwitchKind::Call | SwitchKind::Interrupt);
        let ob = self.tr.base;
        for (lin, acc) in [
            (ob, Access::Write),
            (ob.wrapping_add(old_min), Access::Write),
            (nb, if link { Access::Write } else { Access::Read }),
            (nb.wrapping_add(min), Access::Read),
        ] {
            self.translate(sys, lin, acc, false)?;
        }
        Ok((new, new32))
    }

    /// Save the outgoing task's state in its TSS and update the busy bits.
    fn save_outgoing(&mut self, sys: &mut Sys, sel: u16, kind: SwitchKind) -> Res {
        // IRET clears NT in the saved image.
        let mut fl = self.flags.get();
        if kind == SwitchKind::Iret {
            fl &= !NT;
        }
        let base = self.tr.base;
        let at = |off: u32| base.wrapping_add(off);
        if self.tr.attr & 8 != 0 {
            self.lin_wr::<D32>(sys, at(tss32::EIP), self.eip, false)?;
            self.lin_wr::<D32>(sys, at(tss32::EFLAGS), fl, false)?;
            for i in 0..8u32 {
                let v = self.regs[i as usize];
                self.lin_wr::<D32>(sys, at(tss32::EAX + 4 * i), v, false)?;
            }
            for (i, s) in [ES, CS, SS, DS, FS, GS].iter().enumerate() {
                let v = u32::from(self.segs[*s].selector);
                self.lin_wr::<W16>(sys, at(tss32::ES + 4 * i as u32), v, false)?;
            }
        } else {
            self.lin_wr::<W16>(sys, at(tss16::IP), self.eip & 0xFFFF, false)?;
            self.lin_wr::<W16>(sys, at(tss16::FLAGS), fl & 0xFFFF, false)?;
            for i in 0..8u32 {
                let v = self.regs[i as usize] & 0xFFFF;
                self.lin_wr::<W16>(sys, at(tss16::AX + 2 * i), v, false)?;
            }
            for (i, s) in [ES, CS, SS, DS].iter().enumerate() {
                let v = u32::from(self.segs[*s].selector);
                self.lin_wr::<W16>(sys, at(tss16::ES + 2 * i as u32), v, false)?;
            }
        }
        // Busy bits: JMP and IRET free the old task; JMP, CALL and interrupts busy the new.
        if matches!(kind, SwitchKind::Jump | SwitchKind::Iret) {
            self.set_busy(sys, self.tr.selector, false)?;
        }
        if kind != SwitchKind::Iret {
            self.set_busy(sys, sel, true)?;
        }
        Ok(())
    }

    /// Read the new task's state from its TSS (TR already points at it).
    fn read_incoming(&mut self, sys: &mut Sys, new32: bool) -> Result<Incoming, Fault> {
        let nb = self.tr.base;
        let at = |off: u32| nb.wrapping_add(off);
        if new32 {
            let cr3 = self.lin_rd::<D32>(sys, at(tss32::CR3), false)?;
            let eip = self.lin_rd::<D32>(sys, at(tss32::EIP), false)?;
            let flags = self.lin_rd::<D32>(sys, at(tss32::EFLAGS), false)?;
            let mut regs = [0u32; 8];
            for (i, r) in regs.iter_mut().enumerate() {
                *r = self.lin_rd::<D32>(sys, at(tss32::EAX + 4 * i as u32), false)?;
            }
            let mut sels = [0u16; 6];
            for (i, s) in sels.iter_mut().enumerate() {
                *s = self.lin_rd::<W16>(sys, at(tss32::ES + 4 * i as u32), false)? as u16;
            }
            let ldt = self.lin_rd::<W16>(sys, at(tss32::LDT), false)? as u16;
            Ok(Incoming {
                eip,
                flags,
                regs,
                sels,
                ldt,
                cr3: Some(cr3),
            })
        } else {
            let eip = self.lin_rd::<W16>(sys, at(tss16::IP), false)?;
            let flags = self.lin_rd::<W16>(sys, at(tss16::FLAGS), false)?;
            // A 16-bit TSS holds the low halves; the upper halves of the registers are kept.
            let mut regs = [0u32; 8];
            for (i, r) in regs.iter_mut().enumerate() {
                *r = (self.regs[i] & 0xFFFF_0000)
                    | self.lin_rd::<W16>(sys, at(tss16::AX + 2 * i as u32), false)?;
            }
            // FS and GS are not in a 16-bit TSS: they become null.
            let mut sels = [0u16; 6];
            for (i, s) in sels.iter_mut().take(4).enumerate() {
                *s = self.lin_rd::<W16>(sys, at(tss16::ES + 2 * i as u32), false)? as u16;
            }
            let ldt = self.lin_rd::<W16>(sys, at(tss16::LDT), false)? as u16;
            Ok(Incoming {
                eip,
                flags,
                regs,
                sels,
                ldt,
                cr3: None,
            })
        }
    }

    /// Everything after the commit point: back link, CR3, registers, EFLAGS, LDTR and the
    /// segment registers of the new task.
    fn load_incoming(
        &mut self,
        sys: &mut Sys,
        kind: SwitchKind,
        old_tr: u16,
        new32: bool,
        ext: u16,
    ) -> Res {
        let inc = self.read_incoming(sys, new32)?;
        // RF would only suppress an instruction breakpoint on the task's first instruction
        // and is then cleared; without debug-register breakpoints it is dropped at once.
        let mut nfl = inc.flags & !RF;
        if matches!(kind, SwitchKind::Call | SwitchKind::Interrupt) {
            let nb = self.tr.base;
            self.lin_wr::<W16>(sys, nb, u32::from(old_tr), false)?;
            nfl |= NT;
        }
        if let Some(cr3) = inc.cr3 {
            if self.cr0 & cr0::PG != 0 && cr3 & 0xFFFF_F018 != self.cr3 {
                self.cr3 = cr3 & 0xFFFF_F018;
                self.flush_tlb_non_global();
            }
        }
        self.regs[..8].copy_from_slice(&inc.regs);
        self.eip = inc.eip;
        self.flags.set(nfl | 2);
        self.brk = true;
        self.check_irq = true;
        self.tlb.gen = self.tlb.gen.wrapping_add(1);
        let sels = inc.sels;

        // Selectors first (a fault leaves them visible, SDM vol. 3, 7.3 step 12), then LDTR
        // and the descriptor checks.
        if nfl & VM != 0 {
            self.cpl = 3;
            let data = attr::P | attr::S | attr::RW | attr::ACCESSED | (3 << 5);
            for (i, s) in [ES, CS, SS, DS, FS, GS].iter().enumerate() {
                let a = if *s == CS { data | attr::CODE } else { data };
                self.segs[*s] = Segment::real(sels[i], 0xFFFF, a);
            }
            return self.load_task_ldt(sys, inc.ldt, ext);
        }
        for (i, s) in [ES, CS, SS, DS, FS, GS].iter().enumerate() {
            self.segs[*s].selector = sels[i];
        }
        let cs_sel = sels[1];
        self.cpl = (cs_sel & 3) as u8;
        self.load_task_ldt(sys, inc.ldt, ext)?;
        self.load_task_cs(sys, cs_sel, ext)?;
        let ss = sels[2];
        if ss & !3 == 0 {
            return Err(Fault::TS(ext));
        }
        let d = self
            .read_desc(sys, ss)
            .map_err(|_| Fault::TS((ss & !3) + ext))?;
        if (ss & 3) as u8 != self.cpl || d.dpl() != self.cpl || !d.writable_data() {
            return Err(Fault::TS((ss & !3) + ext));
        }
        if !d.present() {
            return Err(Fault::SS((ss & !3) + ext));
        }
        self.set_desc_accessed(sys, ss, d)?;
        self.segs[SS] = Desc(d.0 | (1 << 40)).to_segment(ss);
        for (i, s) in [(0, ES), (3, DS), (4, FS), (5, GS)] {
            self.load_seg(sys, s, sels[i]).map_err(|f| match f {
                Fault::GP(e) => Fault::TS(e + ext),
                other => other,
            })?;
        }
        Ok(())
    }

    fn set_busy(&mut self, sys: &mut Sys, sel: u16, busy: bool) -> Res {
        let addr = self.gdtr.base.wrapping_add(u32::from(sel & !7) + 5);
        let b = self.lin_rd::<crate::width::B8>(sys, addr, false)?;
        let v = if busy { b | 2 } else { b & !2 };
        self.lin_wr::<crate::width::B8>(sys, addr, v, false)
    }

    fn load_task_ldt(&mut self, sys: &mut Sys, ldt: u16, ext: u16) -> Res {
        if ldt & !3 == 0 {
            self.ldtr = Segment {
                selector: ldt,
                ..Segment::default()
            };
            return Ok(());
        }
        let err = (ldt & !3) + ext;
        if ldt & 4 != 0 {
            return Err(Fault::TS(err));
        }
        let d = self.read_desc(sys, ldt).map_err(|_| Fault::TS(err))?;
        if d.is_seg() || d.sys_type() != 2 {
            return Err(Fault::TS(err));
        }
        if !d.present() {
            return Err(Fault::TS(err));
        }
        self.ldtr = d.to_segment(ldt);
        self.ldtr.attr = d.attr();
        Ok(())
    }

    fn load_task_cs(&mut self, sys: &mut Sys, cs: u16, ext: u16) -> Res {
        let err = (cs & !3) + ext;
        if cs & !3 == 0 {
            return Err(Fault::TS(ext));
        }
        let d = self.read_desc(sys, cs).map_err(|_| Fault::TS(err))?;
        if !d.is_code() {
            return Err(Fault::TS(err));
        }
        let rpl = (cs & 3) as u8;
        if (d.conforming() && d.dpl() > rpl) || (!d.conforming() && d.dpl() != rpl) {
            return Err(Fault::TS(err));
        }
        if !d.present() {
            return Err(Fault::NP(err));
        }
        self.set_cs(sys, cs, d, rpl)
    }
}
