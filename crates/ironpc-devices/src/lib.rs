//! PC board devices. Each chip is a small state machine behind [`PortDevice`]; devices know
//! nothing of the CPU or of each other. The machine crate owns them, routes port accesses to
//! them, reads their interrupt lines and drives their timers from virtual time.
#![forbid(unsafe_code)]

pub mod bus;
pub mod cmos;
pub mod i8042;
pub mod misc;
pub mod pci;
pub mod pic;
pub mod pit;
pub mod ps2;
pub mod uart;
pub mod vga;

pub use bus::{DevCtx, IrqLines, PortDevice, Size};
pub use cmos::{Cmos, CmosState};
pub use i8042::{I8042State, I8042};
pub use misc::{Dma, DmaState, Port92, Port92State};
pub use pci::{Pci, PciState};
pub use pic::{DualPic, PicState};
pub use pit::{Pit, PitState};
pub use uart::{Uart, UartState};
pub use vga::{Frame, Vga, VgaState};
