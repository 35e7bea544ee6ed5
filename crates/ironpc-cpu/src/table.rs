//! Chooses each instruction's handler once, at decode time. Families are asked in turn;
//! whatever no family claims (and every invalid encoding) gets the #UD handler, so an
//! unimplemented instruction is a guest-visible #UD, never a host error.

use iced_x86::Instruction;

use crate::exec;
use crate::uop::Handler;

/// The handler for a decoded instruction.
pub fn handler(ins: &Instruction) -> Handler {
    if ins.is_invalid() {
        return exec::ud;
    }
    exec::lookup(ins).unwrap_or(exec::ud)
}

/// Is this instruction implemented (does it get a handler other than #UD)?
pub fn implemented(ins: &Instruction) -> bool {
    !ins.is_invalid() && exec::lookup(ins).is_some()
}
