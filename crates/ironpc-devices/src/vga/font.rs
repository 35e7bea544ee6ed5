//! The VGA ROM fonts and how a BIOS puts them into plane 2. Text modes draw each character
//! from 32-byte glyph slots in one of eight character maps of plane 2 (sequencer register 3
//! picks two of them, attribute bit 3 chooses between the two).
//!
//! The glyph data is in `roms/fonts/` (see its README for provenance and licence).

use super::{Vga, PLANE_SIZE};

/// 256 glyphs of 8×16 in code page 437 order, 16 bytes each, bit 7 leftmost.
pub const VGA_FONT_8X16: &[u8; 4096] = include_bytes!("../../../../roms/fonts/vga8x16.bin");
/// 256 glyphs of 8×8 in code page 437 order, 8 bytes each.
pub const VGA_FONT_8X8: &[u8; 2048] = include_bytes!("../../../../roms/fonts/vga8x8.bin");

/// Bytes per glyph slot in plane 2.
pub const GLYPH_SLOT: usize = 32;

/// Offset in plane 2 of character map `map` (0–7): maps 0–3 at 16 KiB steps, 4–7 between.
pub fn font_base(map: u8) -> usize {
    const BASES: [usize; 8] = [
        0x0000, 0x4000, 0x8000, 0xC000, 0x2000, 0x6000, 0xA000, 0xE000,
    ];
    BASES[usize::from(map & 7)]
}

impl Vga {
    /// Write a font into character map 0 of plane 2, as a VGA BIOS does at a mode set:
    /// `glyphs` holds 256 glyphs of `glyphs.len() / 256` rows (16 for the 8×16 font, 8 or 14
    /// for others; at most 32), each row a byte with bit 7 leftmost. Unused slot rows are
    /// cleared. A slice shorter than 256 bytes loads nothing.
    pub fn load_font(&mut self, glyphs: &[u8]) {
        self.load_font_map(0, glyphs);
    }

    /// [`Vga::load_font`] into character map `map` (0–7).
    pub fn load_font_map(&mut self, map: u8, glyphs: &[u8]) {
        let height = (glyphs.len() / 256).min(GLYPH_SLOT);
        if height == 0 {
            return;
        }
        let plane2 = &mut self.s.vram[2 * PLANE_SIZE..3 * PLANE_SIZE];
        let base = font_base(map);
        for (ch, glyph) in glyphs.chunks_exact(height).take(256).enumerate() {
            let slot = &mut plane2[base + ch * GLYPH_SLOT..][..GLYPH_SLOT];
            slot[..height].copy_from_slice(glyph);
            slot[height..].fill(0);
        }
        self.dirty = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_have_ibm_glyphs() {
        // 'A' of the IBM VGA 8x16 font.
        let a = &VGA_FONT_8X16[0x41 * 16..0x42 * 16];
        assert_eq!(
            a,
            &[0, 0, 0x10, 0x38, 0x6C, 0xC6, 0xC6, 0xFE, 0xC6, 0xC6, 0xC6, 0xC6, 0, 0, 0, 0]
        );
        assert!(
            VGA_FONT_8X16[..16].iter().all(|&b| b == 0),
            "code 0 is blank"
        );
        assert_eq!(
            &VGA_FONT_8X16[0xDB * 16..0xDC * 16],
            &[0xFF; 16],
            "full block"
        );
        assert_eq!(&VGA_FONT_8X8[0xDB * 8..0xDC * 8], &[0xFF; 8]);
    }

    #[test]
    fn load_font_fills_plane_2_slots() {
        let mut v = Vga::new();
        v.load_font(VGA_FONT_8X16);
        let p2 = 2 * PLANE_SIZE;
        assert_eq!(
            &v.s.vram[p2 + 0x41 * 32..p2 + 0x41 * 32 + 16],
            &VGA_FONT_8X16[0x41 * 16..0x42 * 16]
        );
        v.s.vram[p2 + 0x4000 + 0x41 * 32 + 12] = 0x55;
        v.load_font_map(1, VGA_FONT_8X8);
        assert_eq!(
            &v.s.vram[p2 + 0x4000 + 0x41 * 32..][..8],
            &VGA_FONT_8X8[0x41 * 8..0x42 * 8]
        );
        assert_eq!(
            v.s.vram[p2 + 0x4000 + 0x41 * 32 + 12],
            0,
            "rest of the slot cleared"
        );
        v.load_font(&[0xFF; 100]);
        v.load_font_map(7, &[0xAA; 256 * 40]);
        assert_eq!(v.s.vram[p2 + 0xE000 + 255 * 32 + 31], 0xAA);
    }
}
