//! The x87 escape space (D8–DF) and WAIT on a processor without a floating-point unit.
//!
//! IronPC's CPU has no x87 yet, and CPUID says so (EDX bit 0 clear). Software finds out
//! whether an FPU is there by executing FNINIT and FNSTSW/FNSTCW and checking whether the
//! stored status or control word changed; BIOSes and DOS programs do this at start-up, and
//! operating systems then set CR0.EM so that every x87 instruction traps to their emulator.
//! So, as the SDM's table of CR0.EM/MP/TS actions (vol. 3, 2.5 and table 12-1) describes
//! for the x87 instructions and WAIT:
//!
//! * an ESC instruction raises #NM when CR0.EM or CR0.TS is set; otherwise, with no FPU
//!   on the bus, it does nothing: no register, flag or memory operand changes, so a
//!   detection sequence sees its marker word unchanged and concludes "no coprocessor";
//! * WAIT/FWAIT raises #NM when CR0.MP and CR0.TS are both set; otherwise it does nothing
//!   (there is never a pending x87 exception).

use iced_x86::{CpuidFeature, Instruction, Mnemonic};

use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::state::{cr0, Cpu};
use crate::uop::{Handler, Uop};

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    if ins.mnemonic() == Mnemonic::Wait {
        return Some(wait);
    }
    let x87 = ins.cpuid_features().iter().any(|f| {
        matches!(
            f,
            CpuidFeature::FPU
                | CpuidFeature::FPU287
                | CpuidFeature::FPU287XL_ONLY
                | CpuidFeature::FPU387
                | CpuidFeature::FPU387SL_ONLY
        )
    });
    x87.then_some(escape as Handler)
}

/// An x87 instruction with no FPU present.
fn escape(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    if cpu.cr0 & (cr0::EM | cr0::TS) != 0 {
        return Err(Fault::NM);
    }
    Ok(())
}

/// WAIT/FWAIT: check for pending x87 exceptions (there are none without an FPU).
fn wait(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    if cpu.cr0 & (cr0::MP | cr0::TS) == cr0::MP | cr0::TS {
        return Err(Fault::NM);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::interp::Exit;
    use crate::state::EAX;
    use crate::testkit::TestMachine;

    /// Run flat 32-bit `code` (ending the run through port 0xF4 or by a fault).
    fn run(code: &[u8]) -> (TestMachine, Exit) {
        let mut m = TestMachine::new(1 << 20);
        m.load(0x1000, code);
        m.flat32(0x1000, 0x8000);
        let exit = m.run_to_end(1000);
        (m, exit)
    }

    /// The classic detection sequence finds no coprocessor: nothing is stored.
    #[test]
    fn detection_sees_no_fpu() {
        let (m, exit) = run(&[
            0x66, 0xC7, 0x05, 0x00, 0x05, 0x00, 0x00, 0x5A, 0x5A, // mov word [0x500], 5A5Ah
            0x66, 0xC7, 0x05, 0x02, 0x05, 0x00, 0x00, 0x5A, 0x5A, // mov word [0x502], 5A5Ah
            0xB8, 0x78, 0x56, 0x34, 0x12, // mov eax, 12345678h
            0xDB, 0xE3, // fninit
            0xDD, 0x3D, 0x00, 0x05, 0x00, 0x00, // fnstsw [0x500]
            0xD9, 0x3D, 0x02, 0x05, 0x00, 0x00, // fnstcw [0x502]
            0xDF, 0xE0, // fnstsw ax
            0x9B, // fwait
            0xD9, 0x05, 0x00, 0x06, 0x00, 0x00, // fld dword [0x600]
            0xDE, 0xF9, // fdivp
            0xE6, 0xF4, // out 0xF4, al
        ]);
        assert_eq!(exit, Exit::Stop);
        assert_eq!(
            &m.ram[0x500..0x504],
            &[0x5A; 4],
            "no status or control word stored"
        );
        assert_eq!(
            m.interp.cpu.regs[EAX], 0x1234_5678,
            "FNSTSW AX leaves AX alone"
        );
        assert_eq!(m.interp.cpu.stats.exceptions[7], 0);
    }

    /// CR0.EM (or TS) makes every ESC instruction raise #NM, as an OS's emulator needs.
    #[test]
    fn em_and_ts_raise_nm() {
        for (bits, insn, nm) in [
            (0x04u8, &[0xDB, 0xE3][..], true), // EM: fninit
            (0x08, &[0xD9, 0xE8][..], true),   // TS: fld1
            (0x0A, &[0x9B][..], true),         // MP+TS: fwait
            (0x08, &[0x9B][..], false),        // TS alone: fwait runs
            (0x04, &[0x9B][..], false),        // EM alone: fwait runs
        ] {
            let mut code = vec![
                0x0F, 0x20, 0xC0, // mov eax, cr0
                0x0C, bits, // or al, bits
                0x0F, 0x22, 0xC0, // mov cr0, eax
            ];
            code.extend_from_slice(insn);
            code.extend_from_slice(&[0xE6, 0xF4]); // out 0xF4, al
            let (m, exit) = run(&code);
            let raised = m.interp.cpu.stats.exceptions[7];
            if nm {
                assert_eq!(raised, 1, "CR0 bits {bits:#x}, {insn:x?}: #NM");
                assert_ne!(exit, Exit::Stop, "no IDT: the #NM escalates");
            } else {
                assert_eq!(
                    (raised, exit),
                    (0, Exit::Stop),
                    "CR0 bits {bits:#x}, {insn:x?}"
                );
            }
        }
    }
}
