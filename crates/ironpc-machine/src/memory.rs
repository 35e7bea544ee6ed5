//! The physical memory map of the PC:
//!
//! | range | what |
//! |---|---|
//! | 0 – 0x9FFFF | RAM (conventional memory) |
//! | 0xA0000 – 0xBFFFF | VGA window (MMIO; reads 0xFF until a VGA is attached) |
//! | 0xC0000 – top of 1 MiB – ROM size | RAM (option-ROM / UMB area) |
//! | 1 MiB – ROM size – 1 MiB | BIOS ROM, kept in RAM pages mapped read-only |
//! | 1 MiB – RAM size | RAM |
//! | 4 GiB – ROM size – 4 GiB | the same BIOS ROM (reset vector) |
//! | anything else | unmapped: reads all ones, writes ignored |

use ironpc_cpu::PageMap;

/// Start of the VGA window.
pub const VGA_START: u32 = 0xA_0000;
/// End (exclusive) of the VGA window.
pub const VGA_END: u32 = 0xC_0000;

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
        if (VGA_START..VGA_END).contains(&paddr) {
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
    }
}
