//! The IronPC board: guest RAM and ROM, the port bus with its devices, virtual time, and the
//! loop that lets an engine run the guest between device events.
#![forbid(unsafe_code)]

pub mod bioscall;
pub mod board;
pub mod config;
pub mod disk;
pub mod frontend;
pub mod keys;
pub mod memory;

pub use board::{Board, RunOutcome};
pub use config::{Config, ConfigError, Output};
pub use disk::{BootDevice, DiskConfig};
pub use frontend::{Frontend, GuestView, Polled};
