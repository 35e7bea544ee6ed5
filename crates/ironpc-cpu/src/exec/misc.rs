//! The remaining integer instructions of the 8086 ... Pentium Pro: far-pointer loads
//! (LDS LES LSS LFS LGS), SALC (undocumented, 8086 onwards: AL = CF ? FFh : 00h), the
//! reserved-NOP space 0F 0D and 0F 18..0F 1F (NOPs that take a ModRM but never touch memory,
//! as on P6-family processors), and UD0/UD1/UD2, which exist to raise #UD.

use iced_x86::{Instruction, Mnemonic, OpKind};

use super::{by_width, op_bits};
use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::state::{Cpu, DS, EAX, ES, FS, GS, SS};
use crate::uop::{Handler, Uop};
use crate::width::{Width, B8, W16};

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let seg = match ins.mnemonic() {
        Mnemonic::Lds => DS,
        Mnemonic::Les => ES,
        Mnemonic::Lss => SS,
        Mnemonic::Lfs => FS,
        Mnemonic::Lgs => GS,
        Mnemonic::Salc => return Some(salc),
        Mnemonic::Ud0 | Mnemonic::Ud1 | Mnemonic::Ud2 => return Some(undefined),
        Mnemonic::Reservednop => return Some(reserved_nop),
        _ => return None,
    };
    if ins.op_count() != 2 || ins.op1_kind() != OpKind::Memory {
        return None;
    }
    let bits = op_bits(ins, 0);
    match seg {
        DS => by_width!(bits, load_far, DS),
        ES => by_width!(bits, load_far, ES),
        SS => by_width!(bits, load_far, SS),
        FS => by_width!(bits, load_far, FS),
        _ => by_width!(bits, load_far, GS),
    }
}

/// LDS/LES/LSS/LFS/LGS r, m16:16 or m16:32: the offset goes to the register and the
/// selector (the word after it) to the segment register. The segment is loaded first, so a
/// fault in the load leaves the register unchanged.
fn load_far<W: Width, const SEG: usize>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let off = cpu.ea(u);
    let seg = u.ea.seg as usize;
    let v = cpu.rd::<W>(sys, seg, off)?;
    let sel_off = off.wrapping_add(W::BYTES) & u.ea.mask;
    let sel = cpu.rd::<W16>(sys, seg, sel_off)? as u16;
    cpu.load_seg(sys, SEG, sel)?;
    cpu.set_reg::<W>(u.r[0], v);
    Ok(())
}

/// SALC: set AL from CF without changing any flag.
fn salc(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    let v = if cpu.flags.cf() { 0xFF } else { 0 };
    cpu.set_reg::<B8>(EAX as u8, v);
    Ok(())
}

/// UD0, UD1, UD2: the defined invalid opcodes.
fn undefined(_: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    Err(Fault::UD)
}

/// A reserved NOP: decodes its ModRM but does not access the operand.
fn reserved_nop(_: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::state::{DS, EAX, EBX, ES, SS};
    use crate::testkit::TestMachine;

    /// Real mode at 0000:1000 with `code` there.
    fn real(code: &[u8]) -> TestMachine {
        let mut m = TestMachine::new(1 << 20);
        m.load(0x1000, code);
        m.real(0, 0x1000);
        m
    }

    #[test]
    fn far_pointer_loads() {
        // les ax,[0x2004]; lss sp,[0x2008]; lds bx,[0x2000] (DS last: it moves the data)
        let mut m = real(&[
            0xC4, 0x06, 0x04, 0x20, 0x0F, 0xB2, 0x26, 0x08, 0x20, 0xC5, 0x1E, 0x00, 0x20,
        ]);
        m.ram[0x2000..0x200C].copy_from_slice(&[
            0x34, 0x12, 0x00, 0x30, 0x78, 0x56, 0x00, 0x40, 0xFE, 0xFF, 0x00, 0x50,
        ]);
        m.run(3);
        let cpu = &m.interp.cpu;
        assert_eq!(cpu.regs[EBX] & 0xFFFF, 0x1234);
        assert_eq!(cpu.segs[DS].selector, 0x3000);
        assert_eq!(cpu.regs[EAX] & 0xFFFF, 0x5678);
        assert_eq!(cpu.segs[ES].selector, 0x4000);
        assert_eq!(cpu.regs[4] & 0xFFFF, 0xFFFE);
        assert_eq!(cpu.segs[SS].selector, 0x5000);
        assert_eq!(cpu.segs[SS].base, 0x50000);
    }

    #[test]
    fn far_pointer_load_32bit_offset() {
        // 66 lfs eax,[0x2000]: a 32-bit offset then the selector.
        let mut m = real(&[0x66, 0x0F, 0xB4, 0x06, 0x00, 0x20]);
        m.ram[0x2000..0x2006].copy_from_slice(&[0x78, 0x56, 0x34, 0x12, 0x00, 0x60]);
        m.run(1);
        let cpu = &m.interp.cpu;
        assert_eq!(cpu.regs[EAX], 0x1234_5678);
        assert_eq!(cpu.segs[crate::state::FS].selector, 0x6000);
    }

    #[test]
    fn salc_reserved_nop_and_ud2() {
        // stc; salc. Then clc; salc; a reserved NOP with a memory operand (0F 1E /0 [bx+si]),
        // which must not fault. Then UD2.
        let mut m = real(&[0xF9, 0xD6]);
        m.run(2);
        assert_eq!(m.interp.cpu.regs[EAX] & 0xFF, 0xFF);
        assert!(m.interp.cpu.flags.cf(), "SALC leaves the flags alone");
        let mut m = real(&[0xF8, 0xD6, 0x0F, 0x1E, 0x00]);
        m.interp.cpu.regs[EAX] = 0x1234;
        m.run(3);
        assert_eq!(m.interp.cpu.regs[EAX], 0x1200);
        assert_eq!(m.interp.cpu.eip, 0x1005);
        assert_eq!(m.interp.cpu.stats.first_exception, None);
        let mut m = real(&[0x0F, 0x0B]);
        m.run(1);
        assert_eq!(m.interp.cpu.stats.first_exception.map(|e| e.0), Some(6));
    }
}
