//! Hardware task switching (SDM vol. 3, chapter 7): JMP/CALL to a TSS or task gate, task
//! gates in the IDT, IRET with NT set. 32-bit and 16-bit TSSs. The outgoing state is saved
//! in the current TSS, the busy bits and back link are maintained, and the incoming state is
//! loaded with its segment checks (faults there are #TS in the context of the new task).

use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::flags::{NT, VM};
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

impl Cpu {
    /// Switch to the task whose TSS selector is `sel` (SDM vol. 3, 7.3).
    pub fn task_switch(&mut self, sys: &mut Sys, sel: u16, kind: SwitchKind, ext: u16) -> Res {
        let err = (sel & !3) + ext;
        if sel & 4 != 0 || sel & !3 == 0 {
            return Err(if kind == SwitchKind::Iret {
                Fault::TS(err)
            } else {
                Fault::GP(err)
            });
        }
        let new = self.read_desc(sys, sel)?;
        let ty = new.sys_type();
        let busy = matches!(ty, 3 | 11);
        let valid_type = !new.is_seg() && matches!(ty, 1 | 3 | 9 | 11);
        if !valid_type || (kind == SwitchKind::Iret) != busy {
            return Err(if kind == SwitchKind::Iret {
                Fault::TS(err)
            } else {
                Fault::GP(err)
            });
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

        // Save the outgoing state. IRET clears NT in the saved image.
        let mut fl = self.flags.get();
        if kind == SwitchKind::Iret {
            fl &= !NT;
        }
        let base = self.tr.base;
        if old32 {
            self.lin_wr::<D32>(sys, base + tss32::EIP, self.eip, false)?;
            self.lin_wr::<D32>(sys, base + tss32::EFLAGS, fl, false)?;
            for i in 0..8 {
                self.lin_wr::<D32>(sys, base + tss32::EAX + 4 * i, self.regs[i as usize], false)?;
            }
            for (i, s) in [ES, CS, SS, DS, FS, GS].iter().enumerate() {
                let v = u32::from(self.segs[*s].selector);
                self.lin_wr::<W16>(sys, base + tss32::ES + 4 * i as u32, v, false)?;
            }
        } else {
            self.lin_wr::<W16>(sys, base + tss16::IP, self.eip & 0xFFFF, false)?;
            self.lin_wr::<W16>(sys, base + tss16::FLAGS, fl & 0xFFFF, false)?;
            for i in 0..8 {
                self.lin_wr::<W16>(
                    sys,
                    base + tss16::AX + 2 * i,
                    self.regs[i as usize] & 0xFFFF,
                    false,
                )?;
            }
            for (i, s) in [ES, CS, SS, DS].iter().enumerate() {
                let v = u32::from(self.segs[*s].selector);
                self.lin_wr::<W16>(sys, base + tss16::ES + 2 * i as u32, v, false)?;
            }
        }
        // Busy bits: JMP and IRET free the old task; JMP, CALL and interrupts busy the new.
        if matches!(kind, SwitchKind::Jump | SwitchKind::Iret) {
            self.set_busy(sys, self.tr.selector, false)?;
        }
        if kind != SwitchKind::Iret {
            self.set_busy(sys, sel, true)?;
        }
        let old_tr = self.tr.selector;

        // Switch TR and read the incoming state.
        let mut tr = new.to_segment(sel);
        tr.attr = new.attr() | 2;
        self.tr = tr;
        self.cr0 |= cr0::TS;
        let nb = tr.base;
        let (eip, mut nfl, regs, sels, ldt, cr3) = if new32 {
            let cr3 = self.lin_rd::<D32>(sys, nb + tss32::CR3, false)?;
            let eip = self.lin_rd::<D32>(sys, nb + tss32::EIP, false)?;
            let fl = self.lin_rd::<D32>(sys, nb + tss32::EFLAGS, false)?;
            let mut regs = [0u32; 8];
            for (i, r) in regs.iter_mut().enumerate() {
                *r = self.lin_rd::<D32>(sys, nb + tss32::EAX + 4 * i as u32, false)?;
            }
            let mut sels = [0u16; 6];
            for (i, s) in sels.iter_mut().enumerate() {
                *s = self.lin_rd::<W16>(sys, nb + tss32::ES + 4 * i as u32, false)? as u16;
            }
            let ldt = self.lin_rd::<W16>(sys, nb + tss32::LDT, false)? as u16;
            (eip, fl, regs, sels, ldt, Some(cr3))
        } else {
            let eip = self.lin_rd::<W16>(sys, nb + tss16::IP, false)?;
            let fl = self.lin_rd::<W16>(sys, nb + tss16::FLAGS, false)?;
            let mut regs = self.regs;
            for (i, r) in regs.iter_mut().take(8).enumerate() {
                *r = (*r & 0xFFFF_0000)
                    | self.lin_rd::<W16>(sys, nb + tss16::AX + 2 * i as u32, false)?;
            }
            let mut sels = [0u16; 6];
            for (i, s) in sels.iter_mut().take(4).enumerate() {
                *s = self.lin_rd::<W16>(sys, nb + tss16::ES + 2 * i as u32, false)? as u16;
            }
            let ldt = self.lin_rd::<W16>(sys, nb + tss16::LDT, false)? as u16;
            let r8: [u32; 8] = regs[..8].try_into().unwrap_or([0; 8]);
            (eip, fl, r8, sels, ldt, None)
        };
        if matches!(kind, SwitchKind::Call | SwitchKind::Interrupt) {
            self.lin_wr::<W16>(sys, nb, u32::from(old_tr), false)?;
            nfl |= NT;
        }
        if let Some(cr3) = cr3 {
            if self.cr0 & cr0::PG != 0 && cr3 != self.cr3 {
                self.cr3 = cr3 & 0xFFFF_F018;
                self.flush_tlb_non_global();
            }
        }
        self.regs[..8].copy_from_slice(&regs);
        self.eip = eip;
        self.flags.set(nfl | 2);
        self.brk = true;
        self.check_irq = true;
        self.tlb.gen = self.tlb.gen.wrapping_add(1);

        // Load LDTR and the segment registers; faults now belong to the new task.
        self.load_task_ldt(sys, ldt, ext)?;
        if nfl & VM != 0 {
            self.cpl = 3;
            let data = attr::P | attr::S | attr::RW | attr::ACCESSED | (3 << 5);
            for (i, s) in [ES, CS, SS, DS, FS, GS].iter().enumerate() {
                self.segs[*s] = Segment::real(
                    sels[i],
                    0xFFFF,
                    if *s == CS { data | attr::CODE } else { data },
                );
            }
            return Ok(());
        }
        let cs_sel = sels[1];
        self.cpl = (cs_sel & 3) as u8;
        // Selectors first (so a fault leaves them visible), then descriptor checks.
        for (i, s) in [ES, CS, SS, DS, FS, GS].iter().enumerate() {
            self.segs[*s].selector = sels[i];
        }
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
