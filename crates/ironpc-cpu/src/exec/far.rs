//! Far control transfers and interrupts: INT n, INT3, INTO, IRET, far JMP, far CALL, RETF
//! (SDM vol. 2 and vol. 3 chapter 5.8). Call gates and task switches are delegated to
//! `Cpu::far_gate` / `Cpu::task_switch`.

use iced_x86::{Code, Instruction, Mnemonic, OpKind};

use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::flags::{IOPL, NT, VIF, VIP, VM};
use crate::interrupt::{Event, IntKind};
use crate::seg::Desc;
use crate::state::{attr, Cpu, Segment, CS, DS, ES, ESP, FS, GS, SS};
use crate::task::SwitchKind;
use crate::uop::{Handler, Uop};
use crate::width::{Width, D32, W16};

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let k0 = ins.op0_kind();
    Some(match ins.mnemonic() {
        Mnemonic::Int => int_n,
        Mnemonic::Int3 => int3,
        Mnemonic::Into => into,
        Mnemonic::Iret => iret::<W16>,
        Mnemonic::Iretd => iret::<D32>,
        Mnemonic::Jmp if k0 == OpKind::FarBranch16 => jmp_far::<W16, false>,
        Mnemonic::Jmp if k0 == OpKind::FarBranch32 => jmp_far::<D32, false>,
        Mnemonic::Jmp if k0 == OpKind::Memory && ins.code() == Code::Jmp_m1616 => {
            jmp_far::<W16, true>
        }
        Mnemonic::Jmp if k0 == OpKind::Memory && ins.code() == Code::Jmp_m1632 => {
            jmp_far::<D32, true>
        }
        Mnemonic::Call if k0 == OpKind::FarBranch16 => call_far::<W16, false>,
        Mnemonic::Call if k0 == OpKind::FarBranch32 => call_far::<D32, false>,
        Mnemonic::Call if k0 == OpKind::Memory && ins.code() == Code::Call_m1616 => {
            call_far::<W16, true>
        }
        Mnemonic::Call if k0 == OpKind::Memory && ins.code() == Code::Call_m1632 => {
            call_far::<D32, true>
        }
        Mnemonic::Retf => match ins.code() {
            Code::Retfw | Code::Retfw_imm16 => retf::<W16>,
            Code::Retfd | Code::Retfd_imm16 => retf::<D32>,
            _ => return None,
        },
        _ => return None,
    })
}

fn soft_int(cpu: &mut Cpu, sys: &mut Sys, v: u8) -> Res {
    cpu.stats.soft_ints += 1;
    cpu.event(Event::SoftInt(v));
    cpu.interrupt(sys, v, IntKind::Software, None)
}

fn int_n(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    // INT n in V86 mode is IOPL-sensitive (no VME): the monitor sees #GP(0).
    if cpu.v86() && cpu.flags.iopl() < 3 {
        return Err(Fault::GP(0));
    }
    soft_int(cpu, sys, u.imm as u8)
}

fn int3(cpu: &mut Cpu, sys: &mut Sys, _: &Uop) -> Res {
    soft_int(cpu, sys, 3)
}

fn into(cpu: &mut Cpu, sys: &mut Sys, _: &Uop) -> Res {
    if cpu.flags.of() {
        return soft_int(cpu, sys, 4);
    }
    Ok(())
}

/// The target of a far JMP/CALL: from the instruction or a memory pointer (offset, then
/// selector).
fn far_target<W: Width, const MEM: bool>(
    cpu: &mut Cpu,
    sys: &mut Sys,
    u: &Uop,
) -> Result<(u16, u32), Fault> {
    if MEM {
        let off = cpu.ea(u);
        let seg = u.ea.seg as usize;
        let o = cpu.rd::<W>(sys, seg, off)?;
        let s = cpu.rd::<W16>(sys, seg, off.wrapping_add(W::BYTES) & u.ea.mask)?;
        Ok((s as u16, o))
    } else {
        Ok((u.imm2 as u16, u.imm & W::MASK))
    }
}

fn jmp_far<W: Width, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let (sel, off) = far_target::<W, MEM>(cpu, sys, u)?;
    if !cpu.prot() {
        // Real and V86 mode: the target offset is checked against the CS limit (which a
        // real-mode CS load keeps), so an o32 far JMP beyond 64 KiB faults at the JMP.
        if off > cpu.segs[CS].limit {
            return Err(Fault::GP(0));
        }
        cpu.set_cs_real(sel);
        cpu.eip = off;
        return Ok(());
    }
    let d = cpu.read_desc_nonnull(sys, sel)?;
    if d.is_seg() {
        cpu.check_direct_code(sel, d)?;
        if off > d.limit() {
            return Err(Fault::GP(0));
        }
        cpu.set_cs(sys, sel, d, cpu.cpl)?;
        cpu.eip = off;
        return Ok(());
    }
    cpu.far_system(sys, sel, d, off, false, W::BITS == 32)
}

fn call_far<W: Width, const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let (sel, off) = far_target::<W, MEM>(cpu, sys, u)?;
    let ret_cs = u32::from(cpu.segs[CS].selector);
    let ret_ip = cpu.eip;
    if !cpu.prot() {
        if off > cpu.segs[CS].limit {
            return Err(Fault::GP(0));
        }
        let sp = cpu.regs[ESP];
        let r = (|| {
            cpu.push::<W>(sys, ret_cs)?;
            cpu.push::<W>(sys, ret_ip)
        })();
        if let Err(e) = r {
            cpu.regs[ESP] = sp;
            return Err(e);
        }
        cpu.set_cs_real(sel);
        cpu.eip = off;
        return Ok(());
    }
    let d = cpu.read_desc_nonnull(sys, sel)?;
    if d.is_seg() {
        cpu.check_direct_code(sel, d)?;
        if off > d.limit() {
            return Err(Fault::GP(0));
        }
        let sp = cpu.regs[ESP];
        let r = (|| {
            cpu.push::<W>(sys, ret_cs)?;
            cpu.push::<W>(sys, ret_ip)
        })();
        if let Err(e) = r {
            cpu.regs[ESP] = sp;
            return Err(e);
        }
        cpu.set_cs(sys, sel, d, cpu.cpl)?;
        cpu.eip = off;
        return Ok(());
    }
    cpu.far_system(sys, sel, d, off, true, W::BITS == 32)
}

impl Cpu {
    fn read_desc_nonnull(&mut self, sys: &mut Sys, sel: u16) -> Result<Desc, Fault> {
        if sel & !3 == 0 {
            return Err(Fault::GP(0));
        }
        self.read_desc(sys, sel)
    }

    /// Checks for a direct far JMP/CALL to a code segment (no privilege change).
    fn check_direct_code(&self, sel: u16, d: Desc) -> Res {
        let err = sel & !3;
        if !d.is_code() {
            return Err(Fault::GP(err));
        }
        if d.conforming() {
            if d.dpl() > self.cpl {
                return Err(Fault::GP(err));
            }
        } else if (sel & 3) as u8 > self.cpl || d.dpl() != self.cpl {
            return Err(Fault::GP(err));
        }
        if !d.present() {
            return Err(Fault::NP(err));
        }
        Ok(())
    }

    /// Far JMP/CALL through a system descriptor: call gate, task gate or TSS.
    fn far_system(
        &mut self,
        sys: &mut Sys,
        sel: u16,
        d: Desc,
        _off: u32,
        call: bool,
        _o32: bool,
    ) -> Res {
        let err = sel & !3;
        match d.sys_type() {
            4 | 12 => self.call_gate(sys, sel, d, call),
            5 | 1 | 9 => {
                if d.dpl() < self.cpl || d.dpl() < (sel & 3) as u8 {
                    return Err(Fault::GP(err));
                }
                if !d.present() {
                    return Err(Fault::NP(err));
                }
                let target = if d.sys_type() == 5 {
                    d.gate_selector()
                } else {
                    sel
                };
                let kind = if call {
                    SwitchKind::Call
                } else {
                    SwitchKind::Jump
                };
                self.task_switch(sys, target, kind, 0)
            }
            _ => Err(Fault::GP(err)),
        }
    }

    /// Far JMP/CALL through a call gate (SDM vol. 3, 5.8.4–5.8.5), including the stack
    /// switch to an inner privilege level with parameter copy.
    fn call_gate(&mut self, sys: &mut Sys, gsel: u16, gate: Desc, call: bool) -> Res {
        let gerr = gsel & !3;
        if gate.dpl() < self.cpl || gate.dpl() < (gsel & 3) as u8 {
            return Err(Fault::GP(gerr));
        }
        if !gate.present() {
            return Err(Fault::NP(gerr));
        }
        let sel = gate.gate_selector();
        let gate32 = gate.sys_type() == 12;
        let off = if gate32 {
            gate.gate_offset()
        } else {
            gate.gate_offset() & 0xFFFF
        };
        if sel & !3 == 0 {
            return Err(Fault::GP(0));
        }
        let d = self.read_desc(sys, sel)?;
        let err = sel & !3;
        if !d.is_code() || d.dpl() > self.cpl {
            return Err(Fault::GP(err));
        }
        if !call && !d.conforming() && d.dpl() != self.cpl {
            return Err(Fault::GP(err));
        }
        if !d.present() {
            return Err(Fault::NP(err));
        }
        if off > d.limit() {
            return Err(Fault::GP(0));
        }
        let ret_cs = u32::from(self.segs[CS].selector);
        let ret_ip = self.eip;
        let saved = (self.segs, self.regs[ESP], self.cpl);
        let inner = call && !d.conforming() && d.dpl() < self.cpl;
        // The inner stack's selector once switched to (for the #SS error code below).
        let mut new_ss = None;
        let r = (|| -> Res {
            if inner {
                let new_cpl = d.dpl();
                let nparams = gate.gate_params();
                let (ss_sel, esp) = self.tss_stack(sys, new_cpl, 0)?;
                let ssd = self.stack_desc(sys, ss_sel, new_cpl, 0)?;
                let old_ss = u32::from(self.segs[SS].selector);
                let old_esp = self.regs[ESP];
                // Read the parameters from the old stack before switching.
                let mut params = [0u32; 31];
                let psize = if gate32 { 4 } else { 2 };
                for (i, p) in params.iter_mut().enumerate().take(nparams as usize) {
                    let o = old_esp.wrapping_add(i as u32 * psize) & self.sp_mask();
                    *p = if gate32 {
                        self.rd::<D32>(sys, SS, o)?
                    } else {
                        self.rd::<W16>(sys, SS, o)?
                    };
                }
                self.segs[SS] = Desc(ssd.0 | (1 << 40)).to_segment(ss_sel);
                self.regs[ESP] = esp;
                self.cpl = new_cpl;
                new_ss = Some(ss_sel);
                self.gate_push(sys, gate32, old_ss)?;
                self.gate_push(sys, gate32, old_esp)?;
                for i in (0..nparams as usize).rev() {
                    self.gate_push(sys, gate32, params[i])?;
                }
            }
            if call {
                self.gate_push(sys, gate32, ret_cs)?;
                self.gate_push(sys, gate32, ret_ip)?;
            }
            let cpl = if d.conforming() || !inner {
                self.cpl
            } else {
                d.dpl()
            };
            self.set_cs(sys, sel, d, cpl)
        })();
        if let Err(e) = r {
            (self.segs, self.regs[ESP], self.cpl) = saved;
            // No room on the inner stack: #SS(its selector), not #SS(0) (SDM vol. 2, CALL).
            return Err(match (e, new_ss) {
                (Fault::SS(0), Some(ss)) => Fault::SS(ss & !3),
                (e, _) => e,
            });
        }
        self.eip = off;
        Ok(())
    }

    fn gate_push(&mut self, sys: &mut Sys, o32: bool, v: u32) -> Res {
        if o32 {
            self.push::<D32>(sys, v)
        } else {
            self.push::<W16>(sys, v & 0xFFFF)
        }
    }

    /// Return to CS:EIP `sel:off` at privilege `rpl` from a RETF/IRET in protected mode:
    /// descriptor checks common to both (SDM vol. 2, RET: "protected-mode return").
    fn return_code_desc(&mut self, sys: &mut Sys, sel: u16) -> Result<Desc, Fault> {
        let err = sel & !3;
        if err == 0 {
            return Err(Fault::GP(0));
        }
        let d = self.read_desc(sys, sel)?;
        let rpl = (sel & 3) as u8;
        if !d.is_code() || rpl < self.cpl {
            return Err(Fault::GP(err));
        }
        if d.conforming() {
            if d.dpl() > rpl {
                return Err(Fault::GP(err));
            }
        } else if d.dpl() != rpl {
            return Err(Fault::GP(err));
        }
        if !d.present() {
            return Err(Fault::NP(err));
        }
        Ok(d)
    }

    /// Load SS:ESP for a return to an outer level, with the checks of RET/IRET.
    fn return_stack(&mut self, sys: &mut Sys, ss: u16, esp: u32, rpl: u8) -> Res {
        let err = ss & !3;
        if err == 0 {
            return Err(Fault::GP(0));
        }
        let d = self.read_desc(sys, ss)?;
        if (ss & 3) as u8 != rpl || !d.writable_data() || d.dpl() != rpl {
            return Err(Fault::GP(err));
        }
        if !d.present() {
            return Err(Fault::SS(err));
        }
        self.set_desc_accessed(sys, ss, d)?;
        self.segs[SS] = Desc(d.0 | (1 << 40)).to_segment(ss);
        self.regs[ESP] = if self.segs[SS].big() {
            esp
        } else {
            (self.regs[ESP] & 0xFFFF_0000) | (esp & 0xFFFF)
        };
        Ok(())
    }
}

fn retf<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let imm = u.imm & 0xFFFF;
    let ip = cpu.peek::<W>(sys, 0)?;
    let cs = cpu.peek::<W>(sys, W::BYTES)? as u16;
    if !cpu.prot() {
        if ip > cpu.segs[CS].limit {
            return Err(Fault::GP(0));
        }
        let sp = cpu.regs[ESP].wrapping_add(2 * W::BYTES + imm);
        cpu.set_sp(sp);
        cpu.set_cs_real(cs);
        cpu.eip = ip;
        return Ok(());
    }
    let d = cpu.return_code_desc(sys, cs)?;
    let rpl = (cs & 3) as u8;
    if ip > d.limit() {
        return Err(Fault::GP(0));
    }
    if rpl == cpu.cpl {
        let sp = cpu.regs[ESP].wrapping_add(2 * W::BYTES + imm);
        cpu.set_cs(sys, cs, d, rpl)?;
        cpu.set_sp(sp);
        cpu.eip = ip;
        return Ok(());
    }
    // Return to an outer privilege level: SS:ESP follow the parameters.
    let base = 2 * W::BYTES + imm;
    let esp = cpu.peek::<W>(sys, base)?;
    let ss = cpu.peek::<W>(sys, base + W::BYTES)? as u16;
    let saved = (cpu.segs, cpu.regs[ESP], cpu.cpl);
    let r = (|| -> Res {
        cpu.return_stack(sys, ss, esp, rpl)?;
        cpu.set_cs(sys, cs, d, rpl)
    })();
    if let Err(e) = r {
        (cpu.segs, cpu.regs[ESP], cpu.cpl) = saved;
        return Err(e);
    }
    let sp = cpu.regs[ESP].wrapping_add(imm);
    cpu.set_sp(sp);
    cpu.eip = ip;
    cpu.null_invalid_segs();
    Ok(())
}

fn iret<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.nmi_blocked = false;
    if !cpu.pe() {
        return iret_real::<W>(cpu, sys);
    }
    if cpu.v86() {
        if cpu.flags.iopl() < 3 {
            return Err(Fault::GP(0));
        }
        return iret_real::<W>(cpu, sys);
    }
    if cpu.flags.sys(NT) {
        let back = cpu.lin_rd::<W16>(sys, cpu.tr.base, false)? as u16;
        return cpu.task_switch(sys, back, SwitchKind::Iret, 0);
    }
    let ip = cpu.peek::<W>(sys, 0)?;
    let cs = cpu.peek::<W>(sys, W::BYTES)? as u16;
    let fl = cpu.peek::<W>(sys, 2 * W::BYTES)?;
    if W::BITS == 32 && fl & VM != 0 && cpu.cpl == 0 {
        return iret_to_v86(cpu, sys, ip, cs, fl);
    }
    let d = cpu.return_code_desc(sys, cs)?;
    let rpl = (cs & 3) as u8;
    if ip > d.limit() {
        return Err(Fault::GP(0));
    }
    let old_cpl = cpu.cpl;
    if rpl == cpu.cpl {
        cpu.set_cs(sys, cs, d, rpl)?;
        let sp = cpu.regs[ESP].wrapping_add(3 * W::BYTES);
        cpu.set_sp(sp);
    } else {
        let esp = cpu.peek::<W>(sys, 3 * W::BYTES)?;
        let ss = cpu.peek::<W>(sys, 4 * W::BYTES)? as u16;
        let saved = (cpu.segs, cpu.regs[ESP], cpu.cpl);
        let r = (|| -> Res {
            cpu.return_stack(sys, ss, esp, rpl)?;
            cpu.set_cs(sys, cs, d, rpl)
        })();
        if let Err(e) = r {
            (cpu.segs, cpu.regs[ESP], cpu.cpl) = saved;
            return Err(e);
        }
    }
    cpu.eip = ip;
    // EFLAGS under the privilege of the *old* CPL (SDM vol. 2, IRET).
    let new_cpl = cpu.cpl;
    cpu.cpl = old_cpl;
    cpu.load_flags_checked(fl, W::MASK);
    if old_cpl == 0 && W::BITS == 32 {
        // CPL 0 may also restore VIF/VIP.
        let keep = cpu.flags.get() & !(VIF | VIP);
        cpu.flags.set(keep | (fl & (VIF | VIP)));
    }
    cpu.cpl = new_cpl;
    if new_cpl > old_cpl {
        cpu.null_invalid_segs();
    }
    Ok(())
}

fn iret_real<W: Width>(cpu: &mut Cpu, sys: &mut Sys) -> Res {
    let ip = cpu.peek::<W>(sys, 0)?;
    let cs = cpu.peek::<W>(sys, W::BYTES)? as u16;
    let fl = cpu.peek::<W>(sys, 2 * W::BYTES)?;
    if ip > cpu.segs[CS].limit {
        return Err(Fault::GP(0));
    }
    let sp = cpu.regs[ESP].wrapping_add(3 * W::BYTES);
    cpu.set_sp(sp);
    cpu.set_cs_real(cs);
    cpu.eip = ip;
    let mask = if cpu.v86() { W::MASK & !IOPL } else { W::MASK };
    cpu.load_flags_checked(fl, mask);
    Ok(())
}

/// IRET from CPL 0 to a virtual-8086 task (SDM vol. 2, IRET: RETURN-TO-VIRTUAL-8086-MODE).
fn iret_to_v86(cpu: &mut Cpu, sys: &mut Sys, ip: u32, cs: u16, fl: u32) -> Res {
    let mut v = [0u32; 6];
    for (i, x) in v.iter_mut().enumerate() {
        *x = cpu.peek::<D32>(sys, 12 + 4 * i as u32)?;
    }
    let [esp, ss, es, ds, fs, gs] = v;
    // RF (set in the image of a fault) only suppresses an instruction breakpoint for one
    // instruction; without debug-register breakpoints it is dropped rather than kept.
    cpu.flags.set(fl & !crate::flags::RF);
    cpu.cpl = 3;
    let data = attr::P | attr::S | attr::RW | attr::ACCESSED | (3 << 5);
    for (seg, sel) in [(ES, es), (DS, ds), (FS, fs), (GS, gs), (SS, ss)] {
        let mut s = Segment::real(sel as u16, 0xFFFF, data);
        s.refresh_real();
        cpu.segs[seg] = s;
    }
    cpu.set_cs_real(cs);
    cpu.regs[ESP] = esp;
    cpu.eip = ip & 0xFFFF;
    cpu.brk = true;
    cpu.check_irq = true;
    Ok(())
}
