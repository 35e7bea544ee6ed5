//! What the CPU needs from the board, and nothing more: guest RAM as a byte slice for the
//! TLB fast path, a slow path for everything that is not RAM, port I/O, and the INTR pin.
//! The CPU knows no devices; the machine crate implements [`CpuBus`].

/// How a physical page is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageMap {
    /// Backed by the RAM slice at this byte offset (page aligned). `writable == false` for
    /// ROM-like pages (BIOS shadow): reads are fast, writes go to [`CpuBus::mem_write`].
    Ram {
        /// Byte offset of the page in the RAM slice.
        offset: u32,
        /// Whether guest stores may go straight to the slice.
        writable: bool,
    },
    /// Every access goes through [`CpuBus::mem_read`] / [`CpuBus::mem_write`] (MMIO, holes).
    Io,
}

/// The board as the CPU sees it.
pub trait CpuBus {
    /// How the physical page starting at `paddr` (4 KiB aligned, A20 already applied) is reached.
    /// Called when a TLB entry is filled, not on every access.
    fn map_page(&mut self, paddr: u32) -> PageMap;
    /// Read `size` bytes (1, 2 or 4, never crossing a page) at `paddr` from a non-RAM page.
    fn mem_read(&mut self, paddr: u32, size: u8) -> u32;
    /// Write to a non-RAM or read-only page.
    fn mem_write(&mut self, paddr: u32, size: u8, value: u32);
    /// A guest `IN`.
    fn io_in(&mut self, port: u16, size: u8) -> u32;
    /// A guest `OUT`.
    fn io_out(&mut self, port: u16, size: u8, value: u32);
    /// Is the INTR pin asserted (a maskable interrupt waiting)?
    fn intr_pending(&mut self) -> bool;
    /// The interrupt-acknowledge cycle: the vector of the interrupt being taken.
    fn intr_ack(&mut self) -> u8;
    /// Virtual time in nanoseconds, for RDTSC.
    fn now_ns(&self) -> u64;
    /// Does the board want the CPU to stop (exit port written, reset requested, A20 changed)?
    /// Polled after port I/O only.
    fn wants_stop(&mut self) -> bool;
}

/// The two halves of the board handed to the CPU for a run: RAM and everything else.
pub struct Sys<'a> {
    /// Guest RAM from physical address 0.
    pub ram: &'a mut [u8],
    /// Devices, ROM, MMIO.
    pub bus: &'a mut dyn CpuBus,
}
