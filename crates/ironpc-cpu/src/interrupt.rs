//! Interrupt and exception delivery (SDM vol. 3, chapter 6): the real-mode IVT, protected-
//! mode interrupt and trap gates with the inner-ring stack switch from the TSS, interrupts
//! from virtual-8086 mode, and the double-fault / triple-fault rules of table 6-5.

use crate::bus::Sys;
use crate::fault::{class_of, Class, Fault, Res};
use crate::flags::{AC, IF, NT, RF, TF, VM};
use crate::seg::Desc;
use crate::state::{attr, Cpu, Segment, CS, DS, ES, ESP, FS, GS, SS};
use crate::width::{B8, D32, W16};

/// Where an interrupt comes from: it decides the gate-DPL check and the EXT bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntKind {
    /// A processor exception (EXT = 1 in error codes).
    Exception,
    /// `INT n`, `INT3`, `INTO`: checked against the gate's DPL.
    Software,
    /// INTR from the interrupt controller (EXT = 1).
    External,
    /// NMI.
    Nmi,
}

/// A trace/count event for the trap-and-emulate view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Port input: port, size, value.
    IoIn(u16, u8, u32),
    /// Port output: port, size, value.
    IoOut(u16, u8, u32),
    /// An exception was delivered: vector, error code.
    Exception(u8, Option<u32>),
    /// An external interrupt was taken: vector.
    Interrupt(u8),
    /// A software interrupt: vector.
    SoftInt(u8),
    /// A privileged or sensitive instruction ran (its iced mnemonic as a number).
    Sensitive(u16),
    /// CR0 was written: old value, new value.
    Cr0(u32, u32),
    /// A triple fault.
    TripleFault,
}

impl Cpu {
    /// Deliver exception `f` raised by the instruction at the current EIP, applying the
    /// double-fault rules. A fault while delivering a double fault shuts the processor down.
    ///
    /// A delivery counts as one instruction slot of the run budget (and of virtual time):
    /// a guest can loop on exceptions without ever retiring an instruction (a #UD handler
    /// that is itself UD2, a #PF handler on an unmapped page), as real hardware would, and
    /// the run loop must still get control back.
    pub(crate) fn raise(&mut self, sys: &mut Sys, f: Fault) {
        self.icount += 1;
        let mut pending = f;
        // At most three nested attempts: the fault, a second one (or #DF), then shutdown.
        for _ in 0..3 {
            let v = pending.vector();
            self.stats.exceptions[v as usize] += 1;
            if self.stats.first_exception.is_none() {
                self.stats.first_exception = Some((v, self.segs[CS].selector, self.eip));
            }
            self.event(Event::Exception(v, pending.error_code()));
            if let Fault::PF { addr, .. } = pending {
                self.cr2 = addr;
            }
            let err = pending.error_code();
            // Every exception raised here is fault-class (single-step traps and INT3/INTO
            // take other paths): the EFLAGS image pushed for it has RF set (SDM vol. 3,
            // 17.3.1.1; #DB excluded). Successful delivery clears RF again; real mode pushes
            // only FLAGS and clears it below.
            if v != 1 {
                self.flags.assign(RF, true);
            }
            let first = if v == 8 {
                Class::DoubleFault
            } else {
                class_of(v)
            };
            match self.interrupt(sys, v, IntKind::Exception, err) {
                Ok(()) => return,
                Err(second) => {
                    let c2 = class_of(second.vector());
                    let double = first == Class::DoubleFault
                        || (first == Class::Contributory && c2 == Class::Contributory)
                        || (first == Class::PageFault && c2 != Class::Benign);
                    if first == Class::DoubleFault {
                        self.triple_fault();
                        return;
                    }
                    if double {
                        if let Fault::PF { addr, .. } = second {
                            self.cr2 = addr;
                        }
                        self.stats.exceptions[8] += 1;
                        self.event(Event::Exception(8, Some(0)));
                        if self.interrupt(sys, 8, IntKind::Exception, Some(0)).is_err() {
                            self.triple_fault();
                        }
                        return;
                    }
                    pending = second;
                }
            }
        }
        self.triple_fault();
    }

    fn triple_fault(&mut self) {
        self.event(Event::TripleFault);
        self.shutdown = Some("triple fault: an exception occurred while delivering a double fault");
        self.brk = true;
    }

    /// Deliver interrupt `vector`. EIP must already be the return address.
    pub fn interrupt(&mut self, sys: &mut Sys, vector: u8, kind: IntKind, err: Option<u32>) -> Res {
        self.halted = false;
        self.brk = true;
        if !self.pe() {
            return self.interrupt_real(sys, vector);
        }
        self.interrupt_prot(sys, vector, kind, err)
    }

    fn interrupt_real(&mut self, sys: &mut Sys, vector: u8) -> Res {
        let off = u32::from(vector) * 4;
        if off + 3 > u32::from(self.idtr.limit) {
            return Err(Fault::GP(0));
        }
        let ip = self.lin_rd::<W16>(sys, self.idtr.base.wrapping_add(off), false)?;
        let cs = self.lin_rd::<W16>(sys, self.idtr.base.wrapping_add(off + 2), false)?;
        let fl = self.flags.get();
        let old_sp = self.regs[ESP];
        let r = (|| {
            self.push::<W16>(sys, fl)?;
            self.push::<W16>(sys, u32::from(self.segs[CS].selector))?;
            self.push::<W16>(sys, self.eip)
        })();
        if let Err(e) = r {
            self.regs[ESP] = old_sp;
            return Err(e);
        }
        self.flags.assign(IF | TF | AC | RF, false);
        self.set_cs_real(cs as u16);
        self.eip = ip;
        Ok(())
    }

    fn interrupt_prot(
        &mut self,
        sys: &mut Sys,
        vector: u8,
        kind: IntKind,
        err: Option<u32>,
    ) -> Res {
        let ext = u16::from(matches!(
            kind,
            IntKind::Exception | IntKind::External | IntKind::Nmi
        ));
        let idx = u16::from(vector) * 8;
        let gate_err = idx + 2 + ext;
        if u32::from(idx) + 7 > u32::from(self.idtr.limit) {
            return Err(Fault::GP(gate_err));
        }
        let lo = self.lin_rd::<D32>(sys, self.idtr.base.wrapping_add(u32::from(idx)), false)?;
        let hi = self.lin_rd::<D32>(sys, self.idtr.base.wrapping_add(u32::from(idx) + 4), false)?;
        let gate = Desc(u64::from(lo) | (u64::from(hi) << 32));
        let ty = gate.sys_type();
        if gate.is_seg() || !matches!(ty, 5 | 6 | 7 | 14 | 15) {
            return Err(Fault::GP(gate_err));
        }
        if kind == IntKind::Software && gate.dpl() < self.cpl {
            return Err(Fault::GP(idx + 2));
        }
        if !gate.present() {
            return Err(Fault::NP(gate_err));
        }
        if ty == 5 {
            return self.task_gate_interrupt(sys, gate, err, ext);
        }
        let gate32 = ty & 8 != 0;
        let trap = ty & 1 != 0;
        let sel = gate.gate_selector();
        let target = if gate32 {
            gate.gate_offset()
        } else {
            gate.gate_offset() & 0xFFFF
        };
        if sel & !3 == 0 {
            return Err(Fault::GP(ext));
        }
        let d = self
            .read_desc(sys, sel)
            .map_err(|_| Fault::GP((sel & !3) + ext))?;
        if !d.is_code() || d.dpl() > self.cpl {
            return Err(Fault::GP((sel & !3) + ext));
        }
        if !d.present() {
            return Err(Fault::NP((sel & !3) + ext));
        }
        let v86 = self.v86();
        let old_flags = self.flags.get();
        let old_cs = u32::from(self.segs[CS].selector);
        let old_eip = self.eip;
        let saved = (self.segs, self.regs[ESP], self.cpl, self.flags);
        let inner = !d.conforming() && d.dpl() < self.cpl;
        if v86 && (!inner || d.dpl() != 0) {
            return Err(Fault::GP((sel & !3) + ext));
        }
        // The new stack's selector, once switched (for the #SS error code below).
        let mut new_ss = None;
        let r = (|| -> Res {
            if inner {
                let new_cpl = d.dpl();
                let (ss_sel, esp) = self.tss_stack(sys, new_cpl, ext)?;
                new_ss = Some(ss_sel);
                let old_ss = u32::from(self.segs[SS].selector);
                let old_esp = self.regs[ESP];
                self.segs[SS] = Desc(self.stack_desc(sys, ss_sel, new_cpl, ext)?.0 | (1 << 40))
                    .to_segment(ss_sel);
                self.regs[ESP] = esp;
                self.cpl = new_cpl;
                self.flags.assign(VM, false);
                if v86 {
                    for seg in [GS, FS, DS, ES] {
                        let s = u32::from(self.segs[seg].selector);
                        self.push_gate(sys, gate32, s)?;
                    }
                }
                self.push_gate(sys, gate32, old_ss)?;
                self.push_gate(sys, gate32, old_esp)?;
            }
            self.push_gate(sys, gate32, old_flags)?;
            self.push_gate(sys, gate32, old_cs)?;
            self.push_gate(sys, gate32, old_eip)?;
            if let Some(e) = err {
                self.push_gate(sys, gate32, e)?;
            }
            if target > d.limit() {
                return Err(Fault::GP(0));
            }
            let cpl = if d.conforming() { self.cpl } else { d.dpl() };
            self.set_cs(sys, sel, d, cpl)?;
            if v86 {
                for seg in [GS, FS, DS, ES] {
                    self.segs[seg] = Segment::default();
                    self.segs[seg].refresh();
                }
            }
            Ok(())
        })();
        if let Err(e) = r {
            (self.segs, self.regs[ESP], self.cpl, self.flags) = saved;
            // The frame does not fit below the stack limit: #SS(new SS + EXT) after a stack
            // switch, #SS(EXT) on the current stack (SDM vol. 2, INT n, #SS), not #SS(0).
            return Err(match e {
                Fault::SS(0) => Fault::SS(new_ss.map_or(0, |s| s & !3) + ext),
                e => e,
            });
        }
        self.eip = target;
        self.flags.assign(TF | NT | RF | VM, false);
        if !trap {
            self.flags.assign(IF, false);
        }
        Ok(())
    }

    fn push_gate(&mut self, sys: &mut Sys, gate32: bool, v: u32) -> Res {
        if gate32 {
            self.push::<D32>(sys, v)
        } else {
            self.push::<W16>(sys, v & 0xFFFF)
        }
    }

    /// SS:ESP for privilege level `pl` from the current TSS (32- or 16-bit).
    pub(crate) fn tss_stack(
        &mut self,
        sys: &mut Sys,
        pl: u8,
        ext: u16,
    ) -> Result<(u16, u32), Fault> {
        let tss32 = self.tr.attr & 8 != 0;
        let tr_err = (self.tr.selector & !3) + ext;
        let (off, size) = if tss32 {
            (u32::from(pl) * 8 + 4, 8)
        } else {
            (u32::from(pl) * 4 + 2, 4)
        };
        if off + size - 1 > self.tr.limit {
            return Err(Fault::TS(tr_err));
        }
        let base = self.tr.base.wrapping_add(off);
        if tss32 {
            let esp = self.lin_rd::<D32>(sys, base, false)?;
            let ss = self.lin_rd::<W16>(sys, base.wrapping_add(4), false)?;
            Ok((ss as u16, esp))
        } else {
            let sp = self.lin_rd::<W16>(sys, base, false)?;
            let ss = self.lin_rd::<W16>(sys, base.wrapping_add(2), false)?;
            Ok((ss as u16, sp))
        }
    }

    /// Check a new stack segment for an inner-level transfer (SDM vol. 3, 6.12.1).
    pub(crate) fn stack_desc(
        &mut self,
        sys: &mut Sys,
        ss: u16,
        pl: u8,
        ext: u16,
    ) -> Result<Desc, Fault> {
        if ss & !3 == 0 {
            return Err(Fault::TS(ext));
        }
        let d = self
            .read_desc(sys, ss)
            .map_err(|_| Fault::TS((ss & !3) + ext))?;
        if (ss & 3) as u8 != pl || d.dpl() != pl || !d.writable_data() {
            return Err(Fault::TS((ss & !3) + ext));
        }
        if !d.present() {
            return Err(Fault::SS((ss & !3) + ext));
        }
        Ok(d)
    }

    fn task_gate_interrupt(
        &mut self,
        sys: &mut Sys,
        gate: Desc,
        err: Option<u32>,
        ext: u16,
    ) -> Res {
        let sel = gate.gate_selector();
        self.task_switch(sys, sel, crate::task::SwitchKind::Interrupt, ext)?;
        if let Some(e) = err {
            if self.tr.attr & 8 != 0 {
                self.push::<D32>(sys, e)?;
            } else {
                self.push::<W16>(sys, e & 0xFFFF)?;
            }
        }
        Ok(())
    }

    /// Record a trace event, if tracing is on. Costs one branch when off.
    #[inline]
    pub fn event(&mut self, e: Event) {
        if let Some(t) = self.trace.as_mut() {
            if t.len() < t.capacity() {
                t.push(e);
            }
        }
    }

    /// Byte at a linear address as a supervisor (debug helper for frontends).
    pub fn peek_lin_u8(&mut self, sys: &mut Sys, lin: u32) -> Option<u8> {
        self.lin_rd::<B8>(sys, lin, false).ok().map(|v| v as u8)
    }
}

/// Attribute bits of a busy 32-bit TSS, for tests and the task-switch code.
pub const TSS32_BUSY: u16 = attr::P | 0xB;
