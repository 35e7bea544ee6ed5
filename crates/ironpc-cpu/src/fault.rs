//! Guest exceptions. Handlers return `Result<(), Fault>`; a fault travels by `?` to the run
//! loop, which restores EIP to the faulting instruction and delivers it (see `interrupt.rs`).

/// An exception raised by an instruction (SDM vol. 3, 6.3 and table 6-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// #DE, divide error (vector 0).
    DE,
    /// #DB, debug (vector 1), raised as a fault.
    DB,
    /// #BR, BOUND range exceeded (vector 5).
    BR,
    /// #UD, invalid opcode (vector 6).
    UD,
    /// #NM, device not available (vector 7).
    NM,
    /// #TS, invalid TSS (vector 10).
    TS(u16),
    /// #NP, segment not present (vector 11).
    NP(u16),
    /// #SS, stack-segment fault (vector 12).
    SS(u16),
    /// #GP, general protection (vector 13).
    GP(u16),
    /// #PF, page fault (vector 14): CR2 value and error code.
    PF {
        /// Linear address that faulted (goes to CR2).
        addr: u32,
        /// Page-fault error code (P, W/R, U/S bits).
        err: u32,
    },
    /// #MF, x87 floating-point error (vector 16).
    MF,
    /// #AC, alignment check (vector 17).
    AC,
}

impl Fault {
    /// The interrupt vector of this exception.
    pub fn vector(self) -> u8 {
        match self {
            Fault::DE => 0,
            Fault::DB => 1,
            Fault::BR => 5,
            Fault::UD => 6,
            Fault::NM => 7,
            Fault::TS(_) => 10,
            Fault::NP(_) => 11,
            Fault::SS(_) => 12,
            Fault::GP(_) => 13,
            Fault::PF { .. } => 14,
            Fault::MF => 16,
            Fault::AC => 17,
        }
    }

    /// The error code pushed with this exception, if it has one.
    pub fn error_code(self) -> Option<u32> {
        match self {
            Fault::TS(e) | Fault::NP(e) | Fault::SS(e) | Fault::GP(e) => Some(u32::from(e)),
            Fault::PF { err, .. } => Some(err),
            Fault::AC => Some(0),
            _ => None,
        }
    }
}

/// Exception class for the double-fault rules (SDM vol. 3, table 6-5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    Benign,
    Contributory,
    PageFault,
    DoubleFault,
}

/// Class of an exception vector.
pub(crate) fn class_of(vector: u8) -> Class {
    match vector {
        0 | 10..=13 => Class::Contributory,
        14 => Class::PageFault,
        8 => Class::DoubleFault,
        _ => Class::Benign,
    }
}

/// Result of an instruction handler.
pub type Res = Result<(), Fault>;
