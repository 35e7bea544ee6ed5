//! Stack instructions: PUSH, POP (incl. segment registers), PUSHA/POPA, PUSHF/POPF, ENTER,
//! LEAVE.

use iced_x86::{Code, Instruction, Mnemonic, OpKind};

use super::by_width;
use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::flags::{AC, ARITH, DF, ID, IF, IOPL, NT, TF, VM};
use crate::state::{Cpu, CS, EBP, ESP, SS};
use crate::uop::{Handler, Uop};
use crate::width::{Width, B8, D32, W16};

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    let k0 = ins.op0_kind();
    let mem = k0 == OpKind::Memory;
    // Operand size of the stack access comes from the Code (PUSH imm8 sign-extends to it).
    let o32 = matches!(
        ins.code(),
        Code::Push_r32
            | Code::Push_rm32
            | Code::Pushd_imm32
            | Code::Pushd_imm8
            | Code::Pushd_ES
            | Code::Pushd_CS
            | Code::Pushd_SS
            | Code::Pushd_DS
            | Code::Pushd_FS
            | Code::Pushd_GS
            | Code::Pop_r32
            | Code::Pop_rm32
            | Code::Popd_ES
            | Code::Popd_SS
            | Code::Popd_DS
            | Code::Popd_FS
            | Code::Popd_GS
            | Code::Pushad
            | Code::Popad
            | Code::Pushfd
            | Code::Popfd
            | Code::Enterd_imm16_imm8
            | Code::Leaved
    );
    let bits = if o32 { 32 } else { 16 };
    match ins.mnemonic() {
        Mnemonic::Push => match k0 {
            OpKind::Register if ins.op0_register().is_segment_register() => {
                by_width!(bits, push_sreg)
            }
            OpKind::Register => by_width!(bits, push_reg),
            OpKind::Memory => by_width!(bits, push_mem),
            _ => by_width!(bits, push_imm),
        },
        Mnemonic::Pop => match k0 {
            OpKind::Register if ins.op0_register().is_segment_register() => {
                by_width!(bits, pop_sreg)
            }
            OpKind::Register => by_width!(bits, pop_reg),
            _ if mem => by_width!(bits, pop_mem),
            _ => None,
        },
        Mnemonic::Pusha | Mnemonic::Pushad => by_width!(bits, pusha),
        Mnemonic::Popa | Mnemonic::Popad => by_width!(bits, popa),
        Mnemonic::Pushf | Mnemonic::Pushfd => by_width!(bits, pushf),
        Mnemonic::Popf | Mnemonic::Popfd => by_width!(bits, popf),
        Mnemonic::Enter => by_width!(bits, enter),
        Mnemonic::Leave => by_width!(bits, leave),
        _ => None,
    }
}

fn push_reg<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    // PUSH ESP pushes the value before the decrement.
    let v = cpu.reg::<W>(u.r[0]);
    cpu.push::<W>(sys, v)
}

fn push_imm<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    cpu.push::<W>(sys, u.imm & W::MASK)
}

fn push_mem<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let off = cpu.ea(u);
    let v = cpu.rd::<W>(sys, u.ea.seg as usize, off)?;
    cpu.push::<W>(sys, v)
}

fn push_sreg<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let v = u32::from(cpu.segs[u.r[0] as usize % 6].selector);
    cpu.push::<W>(sys, v)
}

fn pop_reg<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let v = cpu.pop::<W>(sys)?;
    cpu.set_reg::<W>(u.r[0], v);
    Ok(())
}

/// POP to memory: the address is computed after ESP is incremented (SDM vol. 2, POP).
fn pop_mem<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let old = cpu.regs[ESP];
    let v = cpu.pop::<W>(sys)?;
    let off = cpu.ea(u);
    if let Err(e) = cpu.wr::<W>(sys, u.ea.seg as usize, off, v) {
        cpu.regs[ESP] = old;
        return Err(e);
    }
    Ok(())
}

fn pop_sreg<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let seg = u.r[0] as usize;
    if seg == CS || seg > 5 {
        return Err(Fault::UD);
    }
    let sel = cpu.peek::<W>(sys, 0)? as u16;
    // The increment uses the stack-address size in effect when the instruction started:
    // POP SS of a descriptor with a different B bit must not change how ESP is stepped
    // (SDM vol. 2, POP: StackAddrSize is taken before DEST is loaded).
    let m = cpu.sp_mask();
    let sp = (cpu.regs[ESP] & !m) | (cpu.regs[ESP].wrapping_add(W::BYTES) & m);
    cpu.load_seg(sys, seg, sel)?;
    cpu.regs[ESP] = sp;
    if seg == SS {
        cpu.inhibit = true;
        cpu.brk = true;
    }
    Ok(())
}

fn pusha<W: Width>(cpu: &mut Cpu, sys: &mut Sys, _: &Uop) -> Res {
    let saved = cpu.regs[ESP];
    let vals = cpu.regs;
    for (i, v) in vals.iter().take(8).enumerate() {
        let v = if i == ESP { saved } else { *v };
        if let Err(e) = cpu.push::<W>(sys, v & W::MASK) {
            cpu.regs[ESP] = saved;
            return Err(e);
        }
    }
    Ok(())
}

fn popa<W: Width>(cpu: &mut Cpu, sys: &mut Sys, _: &Uop) -> Res {
    // Read everything first so a fault leaves the registers untouched.
    let mut vals = [0u32; 8];
    for (i, v) in vals.iter_mut().enumerate() {
        *v = cpu.peek::<W>(sys, W::BYTES * (7 - i as u32))?;
    }
    for (i, v) in vals.iter().enumerate() {
        if i != ESP {
            cpu.set_reg::<W>(i as u8, *v);
        }
    }
    let sp = cpu.regs[ESP].wrapping_add(8 * W::BYTES);
    cpu.set_sp(sp);
    Ok(())
}

fn pushf<W: Width>(cpu: &mut Cpu, sys: &mut Sys, _: &Uop) -> Res {
    if cpu.v86() && cpu.flags.iopl() < 3 {
        return Err(Fault::GP(0));
    }
    // VM and RF are cleared in the pushed image.
    let v = cpu.flags.get() & !(VM | crate::flags::RF);
    cpu.push::<W>(sys, v & W::MASK)
}

fn popf<W: Width>(cpu: &mut Cpu, sys: &mut Sys, _: &Uop) -> Res {
    if cpu.v86() && cpu.flags.iopl() < 3 {
        return Err(Fault::GP(0));
    }
    let v = cpu.peek::<W>(sys, 0)?;
    let sp = cpu.regs[ESP].wrapping_add(W::BYTES);
    cpu.set_sp(sp);
    cpu.load_flags_checked(v, W::MASK);
    Ok(())
}

impl Cpu {
    /// POPF/IRET-style EFLAGS load under the privilege rules of the current mode
    /// (SDM vol. 2, POPF): IOPL changes only at CPL 0, IF only when CPL <= IOPL, VM/VIP/VIF
    /// and RF never. `size_mask` limits the update to the operand size.
    pub(crate) fn load_flags_checked(&mut self, v: u32, size_mask: u32) {
        let mut can = ARITH | TF | DF | NT | AC | ID;
        if !self.prot() || self.cpl == 0 {
            can |= IOPL;
        }
        if !self.prot() || self.cpl <= self.flags.iopl() {
            can |= IF;
        }
        if self.v86() {
            can &= !IOPL;
        }
        can &= size_mask;
        let old = self.flags.get();
        self.flags.set((old & !can) | (v & can));
        self.brk = true;
        self.check_irq = true;
    }
}

/// ENTER imm16, imm8: make a stack frame with `level` nested frame pointers.
fn enter<W: Width>(cpu: &mut Cpu, sys: &mut Sys, u: &Uop) -> Res {
    let size = u.imm & 0xFFFF;
    let level = u.imm2 & 31;
    let saved = (cpu.regs[ESP], cpu.regs[EBP]);
    let r = (|| -> Res {
        let bp = cpu.regs[EBP];
        cpu.push::<W>(sys, bp & W::MASK)?;
        // FrameTemp <- ESP (32-bit operand) or SP (16-bit): the operand size decides, also on
        // a stack of the other size (SDM vol. 2, ENTER).
        let frame = cpu.regs[ESP] & W::MASK;
        if level > 0 {
            let mut bp = cpu.regs[EBP];
            for _ in 1..level {
                bp = bp.wrapping_sub(W::BYTES);
                let m = cpu.sp_mask();
                let v = cpu.rd::<W>(sys, SS, bp & m)?;
                cpu.push::<W>(sys, v)?;
            }
            cpu.push::<W>(sys, frame & W::MASK)?;
        }
        let sp = cpu.regs[ESP].wrapping_sub(size);
        // The new stack top must be writable (SDM: #SS if it is outside the limit).
        let m = cpu.sp_mask();
        if size > 0 {
            cpu.seg_lin::<B8>(SS, sp & m, true)?;
        }
        cpu.set_sp(sp);
        // EBP <- FrameTemp for a 32-bit operand size, BP <- FrameTemp for a 16-bit one; the
        // stack size only decides how ESP/SP and the nesting pointer wrap.
        cpu.set_reg::<W>(EBP as u8, frame);
        Ok(())
    })();
    if r.is_err() {
        (cpu.regs[ESP], cpu.regs[EBP]) = saved;
    }
    r
}

fn leave<W: Width>(cpu: &mut Cpu, sys: &mut Sys, _: &Uop) -> Res {
    let m = cpu.sp_mask();
    let bp = cpu.regs[EBP] & m;
    let v = cpu.rd::<W>(sys, SS, bp)?;
    cpu.set_sp(bp.wrapping_add(W::BYTES));
    cpu.set_reg::<W>(EBP as u8, v);
    Ok(())
}

#[allow(dead_code)]
fn _w(_: D32, _: W16) {}

#[cfg(test)]
mod tests {
    use crate::interp::Exit;
    use crate::state::{EAX, EBP, EBX, ESP, SS};
    use crate::testkit::TestMachine;

    /// A flat machine whose GDT has 0x08 code32, 0x10 data with B=1 and 0x18 data with B=0;
    /// `code` runs at 0x1000 after LGDT and must end with `out 0xF4, al`.
    fn run_with_gdt(code: &[u8]) -> TestMachine {
        let mut m = TestMachine::new(1 << 20);
        let gdt: [u64; 4] = [
            0,
            0x00CF_9B00_0000_FFFF,
            0x00CF_9300_0000_FFFF,
            0x008F_9300_0000_FFFF,
        ];
        let bytes: Vec<u8> = gdt.iter().flat_map(|d| d.to_le_bytes()).collect();
        m.load(0x2000, &bytes);
        m.load(0x3000, &[0x1F, 0x00, 0x00, 0x20, 0x00, 0x00]);
        let mut prog = vec![0x0F, 0x01, 0x15, 0x00, 0x30, 0x00, 0x00]; // lgdt [0x3000]
        prog.extend_from_slice(code);
        m.load(0x1000, &prog);
        m.flat32(0x1000, 0x8000);
        assert_eq!(m.run_to_end(1000), Exit::Stop);
        m
    }

    fn dword(m: &TestMachine, a: usize) -> u32 {
        u32::from_le_bytes(m.ram[a..a + 4].try_into().unwrap())
    }

    /// ENTER: FrameTemp is ESP for a 32-bit operand size and SP for a 16-bit one, and it is
    /// what EBP/BP receives and what is pushed last, whatever the stack size; the stack size
    /// only decides how SP/ESP and the nesting pointer wrap (SDM vol. 2, ENTER). test386.asm
    /// POST 1A runs `o32 enter 8,4` on a 16-bit stack.
    #[test]
    fn enter_frame_pointer_follows_the_operand_size() {
        // 16-bit stack, 32-bit operand size: ENTER 8,4 with ESP = 0x10000, EBP = 0x1FFEC.
        let m = run_with_gdt(&[
            0x66, 0xB8, 0x18, 0x00, // mov ax, 0x18
            0x8E, 0xD0, // mov ss, ax
            0xBC, 0x00, 0x00, 0x01, 0x00, // mov esp, 0x10000
            0xBD, 0xEC, 0xFF, 0x01, 0x00, // mov ebp, 0x1FFEC
            0xC8, 0x08, 0x00, 0x04, // enter 8, 4
            0xE6, 0xF4, // out 0xF4, al
        ]);
        let cpu = &m.interp.cpu;
        assert_eq!(cpu.regs[ESP], 0x0001_FFE4, "SP -= 4 + 3*4 + 4 + 8");
        assert_eq!(cpu.regs[EBP], 0x0001_FFFC, "EBP <- ESP after PUSH EBP");
        assert_eq!(dword(&m, 0xFFFC), 0x0001_FFEC, "old EBP");
        assert_eq!(dword(&m, 0xFFEC), 0x0001_FFFC, "FrameTemp is the whole ESP");

        // 32-bit stack, 16-bit operand size: ENTER 0,1 with ESP = 0x20000.
        let m = run_with_gdt(&[
            0xBC, 0x00, 0x00, 0x02, 0x00, // mov esp, 0x20000
            0xBD, 0x78, 0x56, 0x34, 0x12, // mov ebp, 0x12345678
            0x66, 0xC8, 0x00, 0x00, 0x01, // o16 enter 0, 1
            0xE6, 0xF4, // out 0xF4, al
        ]);
        let cpu = &m.interp.cpu;
        assert_eq!(cpu.regs[ESP], 0x0001_FFFC);
        assert_eq!(
            cpu.regs[EBP], 0x1234_FFFE,
            "BP <- SP; the upper half of EBP is kept"
        );
        assert_eq!(
            dword(&m, 0x1FFFC),
            0x5678_FFFE,
            "BP, then FrameTemp (a word)"
        );
    }

    /// POP SS steps ESP by the stack-address size in effect before the pop (the old SS.B),
    /// not by the B bit of the descriptor it loads (SDM vol. 2, POP). test386.asm (POST 9)
    /// pops a 16-bit data selector into a 32-bit SS and back.
    #[test]
    fn pop_ss_steps_esp_by_the_old_stack_size() {
        let mut m = TestMachine::new(1 << 20);
        // GDT at 0x2000: null, 0x08 flat code32, 0x10 flat data (B=1), 0x18 flat data (B=0).
        let gdt: [u64; 4] = [
            0,
            0x00CF_9B00_0000_FFFF,
            0x00CF_9300_0000_FFFF,
            0x008F_9300_0000_FFFF,
        ];
        let bytes: Vec<u8> = gdt.iter().flat_map(|d| d.to_le_bytes()).collect();
        m.load(0x2000, &bytes);
        m.load(0x3000, &[0x1F, 0x00, 0x00, 0x20, 0x00, 0x00]);
        m.load(
            0x1000,
            &[
                0x0F, 0x01, 0x15, 0x00, 0x30, 0x00, 0x00, // lgdt [0x3000]
                0xBC, 0x00, 0x00, 0x02, 0x00, // mov esp, 0x20000
                0x68, 0x18, 0x00, 0x00, 0x00, // push dword 0x18
                0x17, // pop ss        (32-bit stack -> 16-bit SS)
                0x89, 0xE0, // mov eax, esp
                0x66, 0x68, 0x10, 0x00, // push word 0x10 (SP 0000 -> FFFE)
                0x66, 0x17, // pop ss  (16-bit stack -> 32-bit SS)
                0x89, 0xE3, // mov ebx, esp
                0xE6, 0xF4, // out 0xF4, al
            ],
        );
        m.flat32(0x1000, 0x8000);
        assert_eq!(m.run_to_end(100), Exit::Stop);
        let cpu = &m.interp.cpu;
        assert_eq!(cpu.regs[EAX], 0x0002_0000, "32-bit stack: ESP += 4");
        assert_eq!(
            cpu.regs[EBX], 0x0002_0000,
            "16-bit stack: SP += 2, wrapping within 64 KiB"
        );
        assert_eq!(cpu.segs[SS].selector, 0x10);
        assert!(cpu.stack32());
    }
}
