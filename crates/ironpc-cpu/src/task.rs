//! Hardware task switching (SDM vol. 3, chapter 7).

use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::state::Cpu;

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

impl Cpu {
    /// Switch to the task whose TSS (or task gate) selector is `sel`.
    ///
    /// Not implemented yet: raises #GP(selector), so guests see a defined fault rather than
    /// wrong behaviour. Tracked by the CPU system-architecture issue.
    pub fn task_switch(&mut self, _sys: &mut Sys, sel: u16, _kind: SwitchKind, ext: u16) -> Res {
        Err(Fault::GP((sel & !3) + ext))
    }
}
