//! The decoded form of an instruction: the handler chosen once at decode time, plus operands
//! pre-resolved so that handlers do no decoding work (register indexes, an effective-address
//! recipe, immediates, a relative branch displacement).

use iced_x86::{Code, Instruction, OpKind, Register};

use crate::bus::Sys;
use crate::fault::Res;
use crate::state::{Cpu, ZERO_REG};

/// An instruction handler.
pub type Handler = fn(&mut Cpu, &mut Sys, &Uop) -> Res;

/// Effective-address recipe: `(disp + regs[base] + (regs[index] << scale)) & mask` in
/// segment `seg`. Absent base or index use the always-zero register slot.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ea {
    /// Base register index (or `ZERO_REG`).
    pub base: u8,
    /// Index register index (or `ZERO_REG`).
    pub index: u8,
    /// log2 of the index scale.
    pub scale: u8,
    /// Effective segment (default or override).
    pub seg: u8,
    /// Displacement (already sign/zero extended by iced).
    pub disp: u32,
    /// 0xFFFF for 16-bit addressing, 0xFFFF_FFFF for 32-bit.
    pub mask: u32,
}

/// One decoded instruction.
#[derive(Clone, Copy)]
pub struct Uop {
    /// Handler chosen at decode time.
    pub exec: Handler,
    /// Register index of each operand that is a register (8-bit: AL CL DL BL AH CH DH BH;
    /// segment: ES CS SS DS FS GS; CRn/DRn: n).
    pub r: [u8; 3],
    /// Instruction length in bytes.
    pub len: u8,
    /// The memory operand's address recipe.
    pub ea: Ea,
    /// First immediate (sign-extended as the encoding says), or the relative displacement of
    /// a near branch (`target - next_eip`).
    pub imm: u32,
    /// Second immediate (ENTER's nesting level, a far pointer's selector), or the EIP mask of
    /// a near branch (0xFFFF for 16-bit operand size).
    pub imm2: u32,
    /// The full iced instruction, for rare handlers that need more.
    pub ins: Instruction,
}

/// Register index of an iced register as the hardware encodes it.
fn reg_index(r: Register) -> u8 {
    if r == Register::None {
        return ZERO_REG as u8;
    }
    (r.number() & 7) as u8
}

impl Uop {
    /// Build a uop for `ins` (decoded at `ip`) with handler `exec`.
    pub fn new(ins: &Instruction, exec: Handler) -> Uop {
        let mut u = Uop {
            exec,
            r: [ZERO_REG as u8; 3],
            len: ins.len() as u8,
            ea: Ea {
                base: ZERO_REG as u8,
                index: ZERO_REG as u8,
                mask: 0xFFFF_FFFF,
                ..Ea::default()
            },
            imm: 0,
            imm2: 0,
            ins: *ins,
        };
        let next = ins.next_ip32();
        for i in 0..ins.op_count().min(3) {
            match ins.op_kind(i) {
                OpKind::Register => u.r[i as usize] = reg_index(ins.op_register(i)),
                OpKind::Memory => {
                    let base = ins.memory_base();
                    let index = ins.memory_index();
                    let a16 = match (base, index) {
                        (Register::None, Register::None) => ins.memory_displ_size() == 2,
                        (Register::None, r) | (r, _) => r.size() == 2,
                    };
                    u.ea = Ea {
                        base: reg_index(base),
                        index: reg_index(index),
                        scale: ins.memory_index_scale().trailing_zeros() as u8,
                        seg: (ins.memory_segment().number() & 7) as u8,
                        disp: ins.memory_displacement32(),
                        mask: if a16 { 0xFFFF } else { 0xFFFF_FFFF },
                    };
                }
                OpKind::Immediate8
                | OpKind::Immediate16
                | OpKind::Immediate32
                | OpKind::Immediate8to16
                | OpKind::Immediate8to32 => {
                    if i == 0 || ins.op_kind(0) != OpKind::Immediate16 {
                        u.imm = ins.immediate(i) as u32;
                    }
                    if i == 1 && ins.op_kind(0) == OpKind::Immediate16 {
                        u.imm2 = ins.immediate(i) as u32;
                    }
                }
                OpKind::Immediate8_2nd => u.imm2 = u32::from(ins.immediate8_2nd()),
                OpKind::NearBranch16 => {
                    u.imm = (ins.near_branch_target() as u32).wrapping_sub(next);
                    u.imm2 = 0xFFFF;
                }
                OpKind::NearBranch32 => {
                    u.imm = (ins.near_branch_target() as u32).wrapping_sub(next);
                    u.imm2 = 0xFFFF_FFFF;
                }
                OpKind::FarBranch16 => {
                    u.imm = u32::from(ins.far_branch16());
                    u.imm2 = u32::from(ins.far_branch_selector());
                }
                OpKind::FarBranch32 => {
                    u.imm = ins.far_branch32();
                    u.imm2 = u32::from(ins.far_branch_selector());
                }
                OpKind::MemorySegSI
                | OpKind::MemorySegESI
                | OpKind::MemorySegDI
                | OpKind::MemorySegEDI
                | OpKind::MemoryESDI
                | OpKind::MemoryESEDI => {
                    // String operands: the segment of the source (DS or an override) and the
                    // address size.
                    let a16 = matches!(
                        ins.op_kind(i),
                        OpKind::MemorySegSI | OpKind::MemorySegDI | OpKind::MemoryESDI
                    );
                    if !matches!(ins.op_kind(i), OpKind::MemoryESDI | OpKind::MemoryESEDI) {
                        u.ea.seg = (ins.memory_segment().number() & 7) as u8;
                    }
                    u.ea.mask = if a16 { 0xFFFF } else { 0xFFFF_FFFF };
                }
                _ => {}
            }
        }
        u
    }

    /// The iced code of this instruction.
    #[inline]
    pub fn code(&self) -> Code {
        self.ins.code()
    }
}

impl Cpu {
    /// Effective address (offset within the segment) of the uop's memory operand.
    #[inline(always)]
    pub fn ea(&self, u: &Uop) -> u32 {
        let e = &u.ea;
        e.disp
            .wrapping_add(self.regs[e.base as usize])
            .wrapping_add(self.regs[e.index as usize] << e.scale)
            & e.mask
    }
}
