//! IronPC's IA-32 processor: a pure-software interpreter that decodes each instruction once
//! (with `iced-x86`) into a cached block of uops whose handlers were chosen at decode time.
//!
//! The CPU knows nothing of devices: it sees the board through [`CpuBus`] and guest RAM as a
//! byte slice ([`Sys`]). Faults travel as [`Fault`] values and are delivered as guest
//! exceptions; nothing a guest does can panic the host.
#![forbid(unsafe_code)]

pub mod bus;
pub mod cache;
mod exec;
pub mod fault;
pub mod flags;
pub mod interp;
pub mod interrupt;
pub mod mmu;
pub mod seg;
mod stack;
pub mod state;
pub mod table;
pub mod task;
pub mod testkit;
pub mod uop;
pub mod width;

pub use bus::{CpuBus, PageMap, Sys};
pub use fault::Fault;
pub use interp::{Exit, Interp};
pub use interrupt::{Event, IntKind};
pub use state::Cpu;

/// CPUID leaf 1 EAX / EDX after reset: family 6, model 3 (a Pentium II-class P6), stepping 3.
pub const CPUID_SIGNATURE: u32 = 0x0000_0633;

/// Counters of guest events, kept on slow paths only so they cost nothing on the hot path.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Exceptions delivered, by vector.
    pub exceptions: [u64; 32],
    /// External interrupts taken.
    pub interrupts: u64,
    /// Software interrupts (INT n, INT3, INTO).
    pub soft_ints: u64,
    /// Port reads.
    pub io_in: u64,
    /// Port writes.
    pub io_out: u64,
    /// Privileged or sensitive instructions executed (CR/DR moves, LGDT..., HLT, CLI/STI...).
    pub sensitive: u64,
    /// Stores that hit decoded code.
    pub smc_writes: u64,
    /// Page-table walks.
    pub page_walks: u64,
    /// Page faults raised.
    pub page_faults: u64,
    /// Blocks decoded.
    pub blocks_decoded: u64,
    /// Whole-cache flushes.
    pub cache_flushes: u64,
    /// The first exception of the run: vector, CS selector, EIP.
    pub first_exception: Option<(u8, u16, u32)>,
}
