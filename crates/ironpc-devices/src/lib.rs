//! PC board devices. Each chip is a small state machine behind [`PortDevice`]; devices know
//! nothing of the CPU or of each other. The machine crate owns them, routes port accesses to
//! them, reads their interrupt lines and drives their timers from virtual time.
#![forbid(unsafe_code)]

pub mod bus;

pub use bus::{DevCtx, IrqLines, PortDevice, Size};
