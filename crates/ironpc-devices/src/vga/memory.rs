//! The CPU's view of video memory through the A0000–BFFFF window: the memory map select of
//! the graphics controller, chain-4 / odd-even / planar addressing, the four latches, read
//! modes 0 and 1, and write modes 0–3 with set/reset, rotate, logical function, bit mask and
//! map mask. When VBE is enabled the window is a 64 KiB bank of the linear memory instead.
//!
//! Addressing (plane address within a 64 KiB plane):
//! * chain 4 (mode 13h): plane = A1:0, address = A15:2 with A1:0 kept as zero, the layout
//!   the CRTC's doubleword mode scans (so 3/4 of each plane is unused, as on the VGA);
//! * odd/even (text and CGA modes): plane = A0 (plus bit 1 of read map select for reads),
//!   address = A15:1 with A0 zero, as the CRTC's word mode scans;
//! * planar: all planes at A15:0, filtered by the map mask.
//!
//! Deliberate deviation: in odd/even mode the VGA replaces A0 by a higher-order bit (A16 or
//! the misc-output page bit); we use zero, so the odd plane addresses are not reachable
//! through odd/even access. Standard modes never scan them.

use super::regs::*;
use super::{Vga, PLANE_SIZE};
use crate::bus::access_width;

/// How a window offset reaches the planes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Target {
    /// Plane address (0..=0xFFFF).
    addr: usize,
    /// Planes a write may reach (before the map mask).
    write_planes: u8,
    /// Plane a read-mode-0 read returns.
    read_plane: usize,
}

impl Vga {
    /// A CPU read of `size` (1, 2 or 4) bytes at `offset` = physical address − 0xA0000,
    /// little-endian. Bytes outside the selected window read 0xFF.
    pub fn mem_read(&mut self, offset: u32, size: u8) -> u32 {
        (0..u32::from(access_width(size))).fold(0u32, |acc, i| {
            acc | u32::from(self.mem_read_byte(offset.wrapping_add(i))) << (8 * i)
        })
    }

    /// A CPU write of `size` (1, 2 or 4) bytes at `offset` = physical address − 0xA0000,
    /// little-endian. Bytes outside the selected window are ignored.
    pub fn mem_write(&mut self, offset: u32, size: u8, value: u32) {
        for i in 0..u32::from(access_width(size)) {
            self.mem_write_byte(offset.wrapping_add(i), (value >> (8 * i)) as u8);
        }
    }

    /// Offset inside the window the graphics controller's memory map select decodes.
    fn window_offset(&self, offset: u32) -> Option<u32> {
        let (base, size) = match (self.s.gc[GC_MISC] >> 2) & 3 {
            0 => (0x0_0000, 0x2_0000),
            1 => (0x0_0000, 0x1_0000),
            2 => (0x1_0000, 0x0_8000),
            _ => (0x1_8000, 0x0_8000),
        };
        let rel = offset.checked_sub(base)?;
        (rel < size).then_some(rel)
    }

    fn target(&self, a: u32) -> Target {
        let a = (a & 0xFFFF) as usize;
        let mem_mode = self.s.seq[SEQ_MEMORY_MODE];
        if mem_mode & MEM_CHAIN4 != 0 {
            return Target {
                addr: a & !3,
                write_planes: 1 << (a & 3),
                read_plane: a & 3,
            };
        }
        let read_odd_even = self.s.gc[GC_MODE] & GCM_ODD_EVEN != 0;
        let write_odd_even = mem_mode & MEM_SEQUENTIAL == 0;
        let odd = a & 1;
        Target {
            addr: if read_odd_even || write_odd_even {
                a & !1
            } else {
                a
            },
            write_planes: if write_odd_even {
                0b0101 << odd
            } else {
                0b1111
            },
            read_plane: if read_odd_even {
                usize::from(self.s.gc[GC_READ_MAP] & 2) | odd
            } else {
                usize::from(self.s.gc[GC_READ_MAP] & 3)
            },
        }
    }

    fn mem_read_byte(&mut self, offset: u32) -> u8 {
        if self.vbe_enabled() {
            return self.vbe_bank_read(offset);
        }
        if self.s.misc & MISC_RAM_ENABLE == 0 {
            return 0xFF;
        }
        let Some(a) = self.window_offset(offset) else {
            return 0xFF;
        };
        let t = self.target(a);
        for p in 0..4 {
            self.s.latch[p] = self.s.vram[p * PLANE_SIZE + t.addr];
        }
        if self.s.gc[GC_MODE] & GCM_READ_MODE1 != 0 {
            // Read mode 1: a 1 for every pixel whose colour, over the planes that "care",
            // equals the colour compare register.
            let compare = self.s.gc[GC_COLOR_COMPARE];
            let care = self.s.gc[GC_COLOR_DONT_CARE];
            let mut differ = 0u8;
            for p in 0..4 {
                if care & (1 << p) != 0 {
                    let want = if compare & (1 << p) != 0 { 0xFF } else { 0x00 };
                    differ |= self.s.latch[p] ^ want;
                }
            }
            !differ
        } else {
            self.s.latch[t.read_plane]
        }
    }

    fn mem_write_byte(&mut self, offset: u32, value: u8) {
        if self.vbe_enabled() {
            self.vbe_bank_write(offset, value);
            return;
        }
        if self.s.misc & MISC_RAM_ENABLE == 0 {
            return;
        }
        let Some(a) = self.window_offset(offset) else {
            return;
        };
        let t = self.target(a);
        let planes = t.write_planes & self.s.seq[SEQ_MAP_MASK];
        if planes & 0x0F == 0 {
            return;
        }
        let data = self.write_data(value);
        for (p, &byte) in data.iter().enumerate() {
            if planes & (1 << p) != 0 {
                let cell = &mut self.s.vram[p * PLANE_SIZE + t.addr];
                if *cell != byte {
                    *cell = byte;
                    self.dirty = true;
                }
            }
        }
    }

    /// The bytes the graphics controller sends to the four planes for a CPU byte.
    fn write_data(&self, value: u8) -> [u8; 4] {
        let gc = &self.s.gc;
        let latch = self.s.latch;
        let rotated = value.rotate_right(u32::from(gc[GC_DATA_ROTATE] & 7));
        let set_reset = gc[GC_SET_RESET];
        let expand = |bit: u8| if bit != 0 { 0xFFu8 } else { 0x00 };
        let mut mask = gc[GC_BIT_MASK];
        let mut data = [0u8; 4];
        match gc[GC_MODE] & 3 {
            // Write mode 1: the latches, untouched by the logical unit and the bit mask.
            1 => return latch,
            0 => {
                let enable = gc[GC_ENABLE_SET_RESET];
                for (p, d) in data.iter_mut().enumerate() {
                    *d = if enable & (1 << p) != 0 {
                        expand(set_reset & (1 << p))
                    } else {
                        rotated
                    };
                }
            }
            2 => {
                for (p, d) in data.iter_mut().enumerate() {
                    *d = expand(value & (1 << p));
                }
            }
            _ => {
                // Write mode 3: the rotated data ANDed into the bit mask, set/reset as data.
                mask &= rotated;
                for (p, d) in data.iter_mut().enumerate() {
                    *d = expand(set_reset & (1 << p));
                }
            }
        }
        for (d, l) in data.iter_mut().zip(latch) {
            let v = match (gc[GC_DATA_ROTATE] >> 3) & 3 {
                0 => *d,
                1 => *d & l,
                2 => *d | l,
                _ => *d ^ l,
            };
            *d = (v & mask) | (l & !mask);
        }
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Planar 16-colour setup (mode 12h's memory registers) at A0000/64K.
    fn planar() -> Vga {
        let mut v = Vga::new();
        v.s.misc = MISC_RAM_ENABLE | MISC_COLOR_IO;
        v.s.seq[SEQ_MAP_MASK] = 0x0F;
        v.s.seq[SEQ_MEMORY_MODE] = 0x06;
        v.s.gc[GC_MISC] = 0x05;
        v.s.gc[GC_BIT_MASK] = 0xFF;
        v.s.gc[GC_COLOR_DONT_CARE] = 0x0F;
        v
    }
    fn planes(v: &Vga, addr: usize) -> [u8; 4] {
        std::array::from_fn(|p| v.s.vram[p * PLANE_SIZE + addr])
    }
    fn set_planes(v: &mut Vga, addr: usize, b: [u8; 4]) {
        for (p, x) in b.into_iter().enumerate() {
            v.s.vram[p * PLANE_SIZE + addr] = x;
        }
    }

    #[test]
    fn write_mode_0_map_mask_and_set_reset() {
        let mut v = planar();
        v.mem_write(0x10, 1, 0xA5);
        assert_eq!(planes(&v, 0x10), [0xA5; 4]);
        v.s.seq[SEQ_MAP_MASK] = 0b0101;
        v.mem_write(0x11, 1, 0x3C);
        assert_eq!(planes(&v, 0x11), [0x3C, 0, 0x3C, 0]);
        // Set/reset on planes 0 and 1: they get 0xFF/0x00 from set/reset, 2 and 3 the data.
        v.s.seq[SEQ_MAP_MASK] = 0x0F;
        v.s.gc[GC_SET_RESET] = 0b0001;
        v.s.gc[GC_ENABLE_SET_RESET] = 0b0011;
        v.mem_write(0x12, 1, 0x81);
        assert_eq!(planes(&v, 0x12), [0xFF, 0x00, 0x81, 0x81]);
        // Rotate right by 4.
        v.s.gc[GC_ENABLE_SET_RESET] = 0;
        v.s.gc[GC_DATA_ROTATE] = 4;
        v.mem_write(0x13, 1, 0x12);
        assert_eq!(planes(&v, 0x13), [0x21; 4]);
    }

    #[test]
    fn bit_mask_keeps_latched_bits_and_logical_ops_use_latches() {
        let mut v = planar();
        set_planes(&mut v, 0x20, [0xF0, 0x0F, 0xAA, 0x55]);
        let _ = v.mem_read(0x20, 1); // load the latches
        v.s.gc[GC_BIT_MASK] = 0x0F;
        v.mem_write(0x20, 1, 0x00);
        assert_eq!(planes(&v, 0x20), [0xF0, 0x00, 0xA0, 0x50]);
        for (op, want) in [
            (1u8, [0xF0 & 0x3C, 0x0F & 0x3C, 0xAA & 0x3C, 0x55 & 0x3C]),
            (2, [0xF0 | 0x3C, 0x0F | 0x3C, 0xAA | 0x3C, 0x55 | 0x3C]),
            (3, [0xF0 ^ 0x3C, 0x0F ^ 0x3C, 0xAA ^ 0x3C, 0x55 ^ 0x3C]),
        ] {
            set_planes(&mut v, 0x21, [0xF0, 0x0F, 0xAA, 0x55]);
            let _ = v.mem_read(0x21, 1);
            v.s.gc[GC_BIT_MASK] = 0xFF;
            v.s.gc[GC_DATA_ROTATE] = op << 3;
            v.mem_write(0x21, 1, 0x3C);
            assert_eq!(planes(&v, 0x21), want, "function {op}");
        }
    }

    #[test]
    fn write_mode_1_copies_all_four_latches() {
        let mut v = planar();
        set_planes(&mut v, 0x100, [1, 2, 3, 4]);
        let _ = v.mem_read(0x100, 1);
        v.s.gc[GC_MODE] = 1;
        v.s.gc[GC_BIT_MASK] = 0x00; // ignored in write mode 1
        v.mem_write(0x200, 1, 0xEE);
        assert_eq!(planes(&v, 0x200), [1, 2, 3, 4]);
        v.s.seq[SEQ_MAP_MASK] = 0b1000;
        v.mem_write(0x201, 1, 0);
        assert_eq!(planes(&v, 0x201), [0, 0, 0, 4]);
    }

    #[test]
    fn write_mode_2_expands_colour_under_bit_mask() {
        let mut v = planar();
        v.s.gc[GC_MODE] = 2;
        v.s.gc[GC_BIT_MASK] = 0x81;
        let _ = v.mem_read(0x30, 1);
        v.mem_write(0x30, 1, 0x0B); // colour 1011
        assert_eq!(planes(&v, 0x30), [0x81, 0x81, 0x00, 0x81]);
    }

    #[test]
    fn write_mode_3_uses_rotated_data_as_mask_and_set_reset_as_colour() {
        let mut v = planar();
        set_planes(&mut v, 0x40, [0xFF, 0x00, 0x00, 0x00]);
        let _ = v.mem_read(0x40, 1);
        v.s.gc[GC_MODE] = 3;
        v.s.gc[GC_SET_RESET] = 0b0110;
        v.s.gc[GC_BIT_MASK] = 0xF0;
        v.s.gc[GC_DATA_ROTATE] = 1;
        v.mem_write(0x40, 1, 0x3C); // rotated right 1 = 0x1E, & 0xF0 = 0x10
        assert_eq!(planes(&v, 0x40), [0xEF, 0x10, 0x10, 0x00]);
    }

    #[test]
    fn read_mode_0_selects_plane_and_read_mode_1_compares_colours() {
        let mut v = planar();
        // Pixels (bit 7 first): colours 0..7 in planes 0-2, plane 3 clear.
        set_planes(&mut v, 0x50, [0b0101_0101, 0b0011_0011, 0b0000_1111, 0]);
        v.s.gc[GC_READ_MAP] = 2;
        assert_eq!(v.mem_read(0x50, 1), 0x0F);
        v.s.gc[GC_MODE] = GCM_READ_MODE1;
        v.s.gc[GC_COLOR_COMPARE] = 0b0101; // colour 5 at pixel 5
        assert_eq!(v.mem_read(0x50, 1), 0b0000_0100);
        v.s.gc[GC_COLOR_DONT_CARE] = 0b0001; // only plane 0: odd colours
        assert_eq!(v.mem_read(0x50, 1), 0b0101_0101);
        v.s.gc[GC_COLOR_DONT_CARE] = 0;
        assert_eq!(v.mem_read(0x50, 1), 0xFF);
        assert_eq!(v.s.latch, [0b0101_0101, 0b0011_0011, 0b0000_1111, 0]);
    }

    #[test]
    fn chain4_spreads_bytes_over_planes_at_dword_addresses() {
        let mut v = planar();
        v.s.seq[SEQ_MEMORY_MODE] = 0x0E;
        v.s.gc[GC_MODE] = 0x40;
        v.mem_write(0x104, 4, 0x4433_2211);
        assert_eq!(planes(&v, 0x104), [0x11, 0x22, 0x33, 0x44]);
        assert_eq!(v.mem_read(0x106, 2), 0x4433);
        v.s.seq[SEQ_MAP_MASK] = 0b0010;
        v.mem_write(0x108, 2, 0xBBAA);
        assert_eq!(planes(&v, 0x108), [0, 0xBB, 0, 0]);
    }

    #[test]
    fn odd_even_interleaves_planes_0_and_1_in_the_b8000_window() {
        let mut v = planar();
        v.s.seq[SEQ_MAP_MASK] = 0x03;
        v.s.seq[SEQ_MEMORY_MODE] = 0x02;
        v.s.gc[GC_MODE] = GCM_ODD_EVEN;
        v.s.gc[GC_MISC] = 0x0E; // B8000, 32K
        v.mem_write(0x18000 + 10, 2, 0x1F41); // 'A' on blue-white at cell 5
        assert_eq!(planes(&v, 10), [0x41, 0x1F, 0, 0]);
        assert_eq!(v.mem_read(0x18000 + 10, 2), 0x1F41);
        // Outside the window: 0xFF, ignored.
        assert_eq!(v.mem_read(0x0, 1), 0xFF);
        v.mem_write(0x10000, 1, 0x55);
        assert_eq!(planes(&v, 0), [0; 4]);
        // Plane 2 is reached through odd/even with read map select bit 1.
        v.s.vram[2 * PLANE_SIZE + 10] = 0x99;
        v.s.gc[GC_READ_MAP] = 2;
        assert_eq!(v.mem_read(0x18000 + 10, 1), 0x99);
    }

    #[test]
    fn memory_map_select_windows() {
        let mut v = planar();
        for (map, inside, outside) in [
            (0u8, 0x1FFFF, 0x20000),
            (1, 0xFFFF, 0x10000),
            (2, 0x17FFF, 0x18000),
            (3, 0x1FFFF, 0x17FFF),
        ] {
            v.s.gc[GC_MISC] = map << 2;
            v.mem_write(inside, 1, 0x5A);
            assert_eq!(v.mem_read(inside, 1), 0x5A, "map {map}");
            assert_eq!(v.mem_read(outside, 1), 0xFF, "map {map}");
        }
        v.s.misc = 0;
        assert_eq!(v.mem_read(0, 1), 0xFF, "RAM disabled");
    }

    #[test]
    fn hostile_accesses_do_not_panic() {
        let mut v = planar();
        for off in [0, 0xFFFF, 0x1FFFF, 0x20000, u32::MAX - 1, u32::MAX] {
            for size in [0, 1, 2, 3, 4, 8, 255] {
                v.mem_write(off, size, 0xDEAD_BEEF);
                let _ = v.mem_read(off, size);
            }
        }
    }
}
