//! The physical memory map of the PC:
//!
//! | range | what |
//! |---|---|
//! | 0 – 0x9FFFF | RAM (conventional memory) |
//! | 0xA0000 – 0xBFFFF | VGA window (MMIO, answered by the VGA's planes) |
//! | 0xC0000 – top of 1 MiB – ROM size | RAM (option-ROM / UMB area) |
//! | 1 MiB – ROM size – 1 MiB | BIOS ROM, kept in RAM pages mapped read-only |
//! | 1 MiB – RAM size | RAM |
//! | 0xE0000000 – 0xE0FFFFFF | VBE linear frame buffer (MMIO: every access takes the slow path through the VGA for now) |
//! | 4 GiB – ROM size – 4 GiB | the same BIOS ROM (reset vector) |
//! | anything else | unmapped: reads all ones, writes ignored |

use ironpc_cpu::PageMap;

/// Start of the VGA window.
pub const VGA_START: u32 = 0xA_0000;
/// End (exclusive) of the VGA window.
pub const VGA_END: u32 = 0xC_0000;
/// Physical base of the VBE linear frame buffer (the Bochs/QEMU stdvga default).
pub const LFB_BASE: u32 = 0xE000_0000;
/// Size of the linear frame buffer: all of video memory.
pub const LFB_SIZE: u32 = 16 << 20;

/// The memory map as a function from physical page to how the CPU reaches it.
#[derive(Clone, Copy, Debug)]
pub struct MemMap {
    /// RAM bytes.
    pub ram: u32,
    /// ROM bytes (at the top of the first MiB and of the 4 GiB space).
    pub rom: u32,
}

impl MemMap {
    /// First byte of the low ROM copy.
    pub fn rom_low(&self) -> u32 {
        0x10_0000 - self.rom
    }

    /// First byte of the high ROM alias.
    pub fn rom_high(&self) -> u32 {
        0u32.wrapping_sub(self.rom)
    }

    /// How the page at `paddr` is reached.
    pub fn map(&self, paddr: u32) -> PageMap {
        let rom_low = self.rom_low();
        if (VGA_START..VGA_END).contains(&paddr) || paddr.wrapping_sub(LFB_BASE) < LFB_SIZE {
            PageMap::Io
        } else if self.rom != 0 && (rom_low..0x10_0000).contains(&paddr) {
            PageMap::Ram {
                offset: paddr,
                writable: false,
            }
        } else if self.rom != 0 && paddr >= self.rom_high() {
            PageMap::Ram {
                offset: paddr - self.rom_high() + rom_low,
                writable: false,
            }
        } else if paddr < self.ram {
            PageMap::Ram {
                offset: paddr,
                writable: true,
            }
        } else {
            PageMap::Io
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_regions() {
        let m = MemMap {
            ram: 16 << 20,
            rom: 0x1_0000,
        };
        assert_eq!(
            m.map(0x7000),
            PageMap::Ram {
                offset: 0x7000,
                writable: true
            }
        );
        assert_eq!(m.map(0xB_8000), PageMap::Io);
        assert_eq!(
            m.map(0xF_0000),
            PageMap::Ram {
                offset: 0xF_0000,
                writable: false
            }
        );
        assert_eq!(
            m.map(0xFFFF_F000),
            PageMap::Ram {
                offset: 0xF_F000,
                writable: false
            }
        );
        assert_eq!(
            m.map(0x20_0000),
            PageMap::Ram {
                offset: 0x20_0000,
                writable: true
            }
        );
        assert_eq!(m.map(0x4000_0000), PageMap::Io);
        // The linear frame buffer is MMIO even when RAM would reach it.
        let big = MemMap {
            ram: 0xF000_0000,
            rom: 0x1_0000,
        };
        assert_eq!(big.map(LFB_BASE), PageMap::Io);
        assert_eq!(big.map(LFB_BASE + LFB_SIZE - 0x1000), PageMap::Io);
        assert!(matches!(big.map(LFB_BASE - 0x1000), PageMap::Ram { .. }));
        assert!(matches!(big.map(LFB_BASE + LFB_SIZE), PageMap::Ram { .. }));
    }
}
