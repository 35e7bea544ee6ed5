//! System and sensitive instructions: flag control (CLI/STI/CLD/STD/CLC/STC/CMC), HLT,
//! IN/OUT with the IOPL and TSS I/O-bitmap checks, MOV to/from CRn/DRn, LGDT/LIDT/SGDT/SIDT,
//! LLDT/SLDT/LTR/STR, LMSW/SMSW/CLTS, INVLPG, CPUID, RDTSC, RDMSR/WRMSR, WBINVD/INVD.
//! Every one of them is counted in `Stats::sensitive` (the trap-and-emulate view).

use iced_x86::{Code, Instruction, Mnemonic, OpKind};

use super::by_width;
use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::flags::{CF, DF, IF};
use crate::interrupt::Event;
use crate::state::{attr, cr0, cr4, Cpu, EAX, ECX, EDX};
use crate::uop::{Handler, Uop};
use crate::width::{Width, B8, D32, W16};

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let mem = ins.op_count() > 0 && ins.op0_kind() == OpKind::Memory;
    let m = ins.mnemonic();
    Some(match m {
        Mnemonic::Cli => cli,
        Mnemonic::Sti => sti,
        Mnemonic::Cld => cld,
        Mnemonic::Std => std_,
        Mnemonic::Clc => clc,
        Mnemonic::Stc => stc,
        Mnemonic::Cmc => cmc,
        Mnemonic::Hlt => hlt,
        Mnemonic::In => {
            let imm = ins.op_kind(1) == OpKind::Immediate8;
            let bits = super::op_bits(ins, 0);
            return match (bits, imm) {
                (8, true) => Some(in_::<B8, true>),
                (8, false) => Some(in_::<B8, false>),
                (16, true) => Some(in_::<W16, true>),
                (16, false) => Some(in_::<W16, false>),
                (32, true) => Some(in_::<D32, true>),
                _ => Some(in_::<D32, false>),
            };
        }
        Mnemonic::Out => {
            let imm = ins.op0_kind() == OpKind::Immediate8;
            let bits = super::op_bits(ins, 1);
            return match (bits, imm) {
                (8, true) => Some(out::<B8, true>),
                (8, false) => Some(out::<B8, false>),
                (16, true) => Some(out::<W16, true>),
                (16, false) => Some(out::<W16, false>),
                (32, true) => Some(out::<D32, true>),
                _ => Some(out::<D32, false>),
            };
        }
        Mnemonic::Mov => {
            let r0 = ins.op0_register();
            let r1 = ins.op_register(1);
            if r0.is_cr() {
                mov_cr_r
            } else if r1.is_cr() {
                mov_r_cr
            } else if r0.is_dr() {
                mov_dr_r
            } else if r1.is_dr() {
                mov_r_dr
            } else {
                return None;
            }
        }
        Mnemonic::Lgdt | Mnemonic::Lidt => {
            let o32 = matches!(ins.code(), Code::Lgdt_m1632 | Code::Lidt_m1632);
            let idt = m == Mnemonic::Lidt;
            match (idt, o32) {
                (false, false) => lxdt::<false, false>,
                (false, true) => lxdt::<false, true>,
                (true, false) => lxdt::<true, false>,
                (true, true) => lxdt::<true, true>,
            }
        }
        Mnemonic::Sgdt => sxdt::<false>,
        Mnemonic::Sidt => sxdt::<true>,
        Mnemonic::Lldt => {
            if mem {
                lldt::<true>
            } else {
                lldt::<false>
            }
        }
        Mnemonic::Ltr => {
            if mem {
                ltr::<true>
            } else {
                ltr::<false>
            }
        }
        Mnemonic::Sldt | Mnemonic::Str | Mnemonic::Smsw => {
            let which = match m {
                Mnemonic::Sldt => 0,
                Mnemonic::Str => 1,
                _ => 2,
            };
            let bits = if mem { 16 } else { super::op_bits(ins, 0) };
            return match (which, mem) {
                (0, true) => by_width!(bits, store_sys, 0, true),
                (0, false) => by_width!(bits, store_sys, 0, false),
                (1, true) => by_width!(bits, store_sys, 1, true),
                (1, false) => by_width!(bits, store_sys, 1, false),
                (_, true) => by_width!(bits, store_sys, 2, true),
                (_, false) => by_width!(bits, store_sys, 2, false),
            };
        }
        Mnemonic::Lmsw => {
            if mem {
                lmsw::<true>
            } else {
                lmsw::<false>
            }
        }
        Mnemonic::Clts => clts,
        Mnemonic::Invlpg => invlpg,
        Mnemonic::Wbinvd | Mnemonic::Invd => wbinvd,
        Mnemonic::Cpuid => cpuid,
        Mnemonic::Rdtsc => rdtsc,
        Mnemonic::Rdmsr => rdmsr,
        Mnemonic::Wrmsr => wrmsr,
        _ => return None,
    })
}

impl Cpu {
    /// Count a sensitive instruction and record it for tracing.
    #[inline]
    pub(crate) fn sensitive(&mut self, u: &Uop) {
        self.stats.sensitive += 1;
        self.event(Event::Sensitive(u.ins.mnemonic() as u16));
    }

    /// #GP(0) unless at CPL 0 (privileged instructions; always true in real mode).
    #[inline]
    pub(crate) fn need_cpl0(&self) -> Res {
        if self.pe() && (self.cpl != 0 || self.v86()) {
            return Err(Fault::GP(0));
        }
        Ok(())
    }

    /// I/O permission for `len` bytes at `port` (SDM vol. 1, 19.5): allowed outright when
    /// CPL <= IOPL outside V86; otherwise every bit for the port range in the TSS bitmap
    /// must be clear.
    pub(crate) fn check_io(&mut self, sys: &mut Sys, port: u16, len: u32) -> Res {
        if !self.pe() || (!self.v86() && self.cpl <= self.flags.iopl()) {
            return Ok(());
        }
        // Only a 32-bit TSS has a bitmap.
        if self.tr.attr & attr::P == 0 || self.tr.attr & 0xF != 0xB || self.tr.limit < 103 {
            return Err(Fault::GP(0));
        }
        let base_off = self.lin_rd::<W16>(sys, self.tr.base.wrapping_add(102), false)?;
        let byte = base_off + u32::from(port) / 8;
        if byte + 1 > self.tr.limit {
            return Err(Fault::GP(0));
        }
        let bits = self.lin_rd::<W16>(sys, self.tr.base.wrapping_add(byte), false)?;
        let mask = ((1u32 << len) - 1) << (port & 7);
        if bits & mask != 0 {
            return Err(Fault::GP(0));
        }
        Ok(())
    }

    /// A port read, counted.
    pub(crate) fn port_in(&mut self, sys: &mut Sys, port: u16, size: u8) -> u32 {
        let v = sys.bus.io_in(port, size);
        self.stats.io_in += 1;
        self.event(Event::IoIn(port, size, v));
        self.io_done = true;
        v
    }

    /// A port write, counted. The block ends: a device may now want to interrupt or stop.
    pub(crate) fn port_out(&mut self, sys: &mut Sys, port: u16, size: u8, v: u32) {
        sys.bus.io_out(port, size, v);
        self.stats.io_out += 1;
        self.event(Event::IoOut(port, size, v));
        self.io_done = true;
        self.brk = true;
    }

    /// Write CR0 with its consistency checks; returns #GP(0) for invalid combinations.
    pub fn write_cr0(&mut self, v: u32) -> Res {
        let v = v | cr0::ET;
        if (v & cr0::PG != 0 && v & cr0::PE == 0) || (v & cr0::NW != 0 && v & cr0::CD == 0) {
            return Err(Fault::GP(0));
        }
        let old = self.cr0;
        self.cr0 = v;
        self.event(Event::Cr0(old, v));
        if (old ^ v) & (cr0::PG | cr0::WP) != 0 {
            self.flush_tlb();
        } else if (old ^ v) & cr0::PE != 0 {
            // With paging off (PE can only change with PG clear) translations are the
            // identity whatever PE is, so the TLB stays; block chains are dropped, as the
            // code bitness may change.
            self.tlb.gen = self.tlb.gen.wrapping_add(1);
        }
        if (old ^ v) & cr0::PE != 0 {
            self.refresh_segs_for_mode();
            if v & cr0::PE == 0 {
                self.cpl = 0;
            }
        }
        self.brk = true;
        Ok(())
    }
}

fn cli(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    if cpu.pe() && cpu.cpl > cpu.flags.iopl() || cpu.v86() && cpu.flags.iopl() < 3 {
        return Err(Fault::GP(0));
    }
    cpu.flags.assign(IF, false);
    Ok(())
}

fn sti(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    if cpu.pe() && cpu.cpl > cpu.flags.iopl() || cpu.v86() && cpu.flags.iopl() < 3 {
        return Err(Fault::GP(0));
    }
    if !cpu.flags.sys(IF) {
        // Interrupts stay blocked until after the next instruction.
        cpu.flags.assign(IF, true);
        cpu.inhibit = true;
        cpu.check_irq = true;
        cpu.brk = true;
    }
    Ok(())
}

fn cld(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    cpu.flags.assign(DF, false);
    Ok(())
}
fn std_(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    cpu.flags.assign(DF, true);
    Ok(())
}
fn clc(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    cpu.flags.assign(CF, false);
    Ok(())
}
fn stc(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    cpu.flags.assign(CF, true);
    Ok(())
}
fn cmc(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    let c = cpu.flags.cf();
    cpu.flags.assign(CF, !c);
    Ok(())
}

fn hlt(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.need_cpl0()?;
    cpu.halted = true;
    cpu.brk = true;
    Ok(())
}

fn in_<W: Width, const IMM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let port = if IMM {
        (u.imm & 0xFF) as u16
    } else {
        (cpu.regs[EDX] & 0xFFFF) as u16
    };
    cpu.check_io(sys, port, W::BYTES)?;
    let v = cpu.port_in(sys, port, W::BYTES as u8) & W::MASK;
    cpu.set_reg::<W>(EAX as u8, v);
    Ok(())
}

fn out<W: Width, const IMM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let port = if IMM {
        (u.imm & 0xFF) as u16
    } else {
        (cpu.regs[EDX] & 0xFFFF) as u16
    };
    cpu.check_io(sys, port, W::BYTES)?;
    let v = cpu.reg::<W>(EAX as u8);
    cpu.port_out(sys, port, W::BYTES as u8, v);
    Ok(())
}

fn mov_cr_r(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.need_cpl0()?;
    let v = cpu.regs[u.r[1] as usize & 7];
    match u.r[0] {
        0 => cpu.write_cr0(v)?,
        2 => cpu.cr2 = v,
        3 => {
            cpu.cr3 = v & 0xFFFF_F018;
            cpu.flush_tlb_non_global();
            cpu.brk = true;
        }
        4 => {
            let allowed = cr4::TSD | cr4::DE | cr4::PSE | cr4::PGE;
            if v & !allowed != 0 {
                return Err(Fault::GP(0));
            }
            if (cpu.cr4 ^ v) & (cr4::PSE | cr4::PGE) != 0 {
                cpu.flush_tlb();
            }
            cpu.cr4 = v;
            cpu.brk = true;
        }
        _ => return Err(Fault::UD),
    }
    Ok(())
}

fn mov_r_cr(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.need_cpl0()?;
    let v = match u.r[1] {
        0 => cpu.cr0,
        2 => cpu.cr2,
        3 => cpu.cr3,
        4 => cpu.cr4,
        _ => return Err(Fault::UD),
    };
    cpu.regs[u.r[0] as usize & 7] = v;
    Ok(())
}

/// DR4/DR5 alias DR6/DR7 unless CR4.DE is set, when they are #UD.
fn dr_index(cpu: &Cpu, n: u8) -> Result<usize, Fault> {
    match n {
        4 | 5 if cpu.cr4 & cr4::DE != 0 => Err(Fault::UD),
        4 | 5 => Ok(n as usize + 2),
        n => Ok(n as usize & 7),
    }
}

fn mov_dr_r(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.need_cpl0()?;
    let i = dr_index(cpu, u.r[0])?;
    let v = cpu.regs[u.r[1] as usize & 7];
    cpu.dr[i] = match i {
        6 => (v & 0x0000_E00F) | 0xFFFF_0FF0,
        7 => (v & 0xFFFF_2BFF) | 0x400,
        _ => v,
    };
    Ok(())
}

fn mov_r_dr(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.need_cpl0()?;
    let i = dr_index(cpu, u.r[1])?;
    cpu.regs[u.r[0] as usize & 7] = cpu.dr[i];
    Ok(())
}

/// LGDT/LIDT m16&32: a 16-bit operand size loads only 24 bits of base.
fn lxdt<const IDT: bool, const O32: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.need_cpl0()?;
    let off = cpu.ea(u);
    let seg = u.ea.seg as usize;
    let limit = cpu.rd::<W16>(sys, seg, off)? as u16;
    let mut base = cpu.rd::<D32>(sys, seg, off.wrapping_add(2) & u.ea.mask)?;
    if !O32 {
        base &= 0x00FF_FFFF;
    }
    let t = crate::state::TableReg { base, limit };
    if IDT {
        cpu.idtr = t;
    } else {
        cpu.gdtr = t;
    }
    Ok(())
}

fn sxdt<const IDT: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    let t = if IDT { cpu.idtr } else { cpu.gdtr };
    let off = cpu.ea(u);
    let seg = u.ea.seg as usize;
    // Check the whole 6-byte destination before writing any of it.
    cpu.seg_lin_len(seg, off, 6, true)?;
    cpu.wr::<W16>(sys, seg, off, u32::from(t.limit))?;
    cpu.wr::<D32>(sys, seg, off.wrapping_add(2) & u.ea.mask, t.base)
}

fn lldt<const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    if !cpu.prot() {
        return Err(Fault::UD);
    }
    cpu.need_cpl0()?;
    let sel = cpu.read_rm::<W16, MEM>(sys, u, u.r[0])? as u16;
    if sel & !3 == 0 {
        cpu.ldtr = crate::state::Segment {
            selector: sel,
            ..Default::default()
        };
        return Ok(());
    }
    if sel & 4 != 0 {
        return Err(Fault::GP(sel & !3));
    }
    let d = cpu.read_desc(sys, sel)?;
    if d.is_seg() || d.sys_type() != 2 {
        return Err(Fault::GP(sel & !3));
    }
    if !d.present() {
        return Err(Fault::NP(sel & !3));
    }
    cpu.ldtr = d.to_segment(sel);
    cpu.ldtr.attr = d.attr();
    Ok(())
}

fn ltr<const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    if !cpu.prot() {
        return Err(Fault::UD);
    }
    cpu.need_cpl0()?;
    let sel = cpu.read_rm::<W16, MEM>(sys, u, u.r[0])? as u16;
    if sel & !3 == 0 {
        return Err(Fault::GP(0));
    }
    if sel & 4 != 0 {
        return Err(Fault::GP(sel & !3));
    }
    let d = cpu.read_desc(sys, sel)?;
    if d.is_seg() || !matches!(d.sys_type(), 1 | 9) {
        return Err(Fault::GP(sel & !3));
    }
    if !d.present() {
        return Err(Fault::NP(sel & !3));
    }
    // Mark the TSS busy in the GDT.
    let addr = cpu.gdtr.base.wrapping_add(u32::from(sel & !7) + 5);
    let b = cpu.lin_rd::<B8>(sys, addr, false)?;
    cpu.lin_wr::<B8>(sys, addr, b | 2, false)?;
    let mut s = d.to_segment(sel);
    s.attr = d.attr() | 2;
    cpu.tr = s;
    Ok(())
}

/// SLDT (0), STR (1), SMSW (2).
fn store_sys<W: Width, const WHICH: u8, const MEM: bool>(
    cpu: &mut Cpu,
    sys: &mut Sys,
    u: &Uop,
) -> Res {
    cpu.sensitive(u);
    if WHICH != 2 && !cpu.prot() {
        return Err(Fault::UD);
    }
    let v = match WHICH {
        0 => u32::from(cpu.ldtr.selector),
        1 => u32::from(cpu.tr.selector),
        _ => cpu.cr0,
    };
    cpu.write_rm::<W, MEM>(sys, u, u.r[0], v & W::MASK)
}

/// LMSW: loads PE, MP, EM, TS; cannot clear PE.
fn lmsw<const MEM: bool>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.need_cpl0()?;
    let v = cpu.read_rm::<W16, MEM>(sys, u, u.r[0])?;
    let new = (cpu.cr0 & !0xE) | (v & 0xF) | (cpu.cr0 & cr0::PE);
    cpu.write_cr0(new)
}

fn clts(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.need_cpl0()?;
    cpu.cr0 &= !cr0::TS;
    Ok(())
}

fn invlpg(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.need_cpl0()?;
    let lin = cpu.segs[u.ea.seg as usize].base.wrapping_add(cpu.ea(u));
    cpu.flush_tlb_page(lin);
    Ok(())
}

fn wbinvd(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.need_cpl0()
}

/// CPUID feature bits of leaf 1 EDX: only what is implemented.
pub const CPUID_FEATURES: u32 = (1 << 3) // PSE
    | (1 << 4) // TSC
    | (1 << 5) // MSR
    | (1 << 8) // CX8
    | (1 << 13) // PGE
    | (1 << 11) // SEP
    | (1 << 15); // CMOV

fn cpuid(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    let leaf = cpu.regs[EAX];
    let (a, b, c, d) = match leaf {
        0 => (
            1,
            u32::from_le_bytes(*b"Genu"),
            u32::from_le_bytes(*b"ntel"),
            u32::from_le_bytes(*b"ineI"),
        ),
        1 => (crate::CPUID_SIGNATURE, 0, 0, CPUID_FEATURES),
        0x8000_0000 => (0x8000_0000, 0, 0, 0),
        _ => (0, 0, 0, 0),
    };
    cpu.regs[EAX] = a;
    cpu.regs[crate::state::EBX] = b;
    cpu.regs[ECX] = c;
    cpu.regs[EDX] = d;
    Ok(())
}

impl Cpu {
    /// The time-stamp counter: virtual nanoseconds scaled to cycles, plus the offset.
    pub fn tsc(&self, sys: &Sys) -> u64 {
        let ns = sys.bus.now_ns();
        (((u128::from(ns) * u128::from(self.tsc_per_ns)) >> 32) as u64)
            .wrapping_add(self.tsc_offset)
    }
}

fn rdtsc(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    if cpu.cr4 & cr4::TSD != 0 && cpu.pe() && cpu.cpl != 0 {
        return Err(Fault::GP(0));
    }
    let t = cpu.tsc(sys);
    cpu.regs[EAX] = t as u32;
    cpu.regs[EDX] = (t >> 32) as u32;
    Ok(())
}

const MSR_TSC: u32 = 0x10;

fn rdmsr(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.need_cpl0()?;
    let v: u64 = match cpu.regs[ECX] {
        MSR_TSC => cpu.tsc(sys),
        0x174..=0x176 => u64::from(cpu.sysenter[(cpu.regs[ECX] - 0x174) as usize]),
        _ => return Err(Fault::GP(0)),
    };
    cpu.regs[EAX] = v as u32;
    cpu.regs[EDX] = (v >> 32) as u32;
    Ok(())
}

fn wrmsr(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    cpu.sensitive(u);
    cpu.need_cpl0()?;
    let v = u64::from(cpu.regs[EAX]) | (u64::from(cpu.regs[EDX]) << 32);
    match cpu.regs[ECX] {
        0x174..=0x176 => cpu.sysenter[(cpu.regs[ECX] - 0x174) as usize] = v as u32,
        MSR_TSC => {
            let now = cpu.tsc(sys).wrapping_sub(cpu.tsc_offset);
            cpu.tsc_offset = v.wrapping_sub(now);
        }
        _ => return Err(Fault::GP(0)),
    }
    Ok(())
}
