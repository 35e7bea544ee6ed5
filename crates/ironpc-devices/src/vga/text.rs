//! Alphanumeric modes: characters from plane 0, attributes from plane 1, glyphs from the
//! character maps of plane 2; 8- or 9-dot cells (the 9th dot repeats the 8th for the line
//! graphics codes C0–DF), the cursor from CRTC 0A/0B/0E/0F, underline, and attribute bit 7
//! as blink or background intensity per attribute mode control bit 3. Also the text dump.

use super::cp437::decode_row;
use super::dump::Frame;
use super::font::{font_base, GLYPH_SLOT};
use super::regs::*;
use super::scanout::{Geometry, LineSpec};
use super::{Vga, PLANE_SIZE};

impl Vga {
    /// Draw a text mode into `frame` (already sized `g.width × lines.len()`); `lut` maps
    /// attribute colours 0–15 to pixels; `phase` is (cursor on, blinking characters on).
    pub(super) fn draw_text(
        &self,
        g: &Geometry,
        lines: &[LineSpec],
        phase: (bool, bool),
        lut: &[u32; 256],
        frame: &mut Frame,
    ) {
        let vram = &self.s.vram;
        let (plane0, rest) = vram.split_at(PLANE_SIZE);
        let (plane1, rest) = rest.split_at(PLANE_SIZE);
        let plane2 = &rest[..PLANE_SIZE];
        let cmap = self.s.seq[SEQ_CHAR_MAP];
        // Map A (attribute bit 3 set): bits 5,3,2; map B: bits 4,1,0.
        let map_a = font_base(((cmap >> 3) & 4) | ((cmap >> 2) & 3));
        let map_b = font_base(((cmap >> 2) & 4) | (cmap & 3));
        let ac_mode = self.s.ac[AC_MODE];
        let blink = ac_mode & ACM_BLINK != 0;
        let line_graphics = ac_mode & ACM_LINE_GRAPHICS != 0;
        let crtc = &self.s.crtc;
        let cursor_rows =
            u32::from(crtc[CRTC_CURSOR_START] & 0x1F)..=u32::from(crtc[CRTC_CURSOR_END] & 0x1F);
        let cursor_on = crtc[CRTC_CURSOR_START] & 0x20 == 0 && phase.0;
        let cursor = self.cursor_address();
        let underline = u32::from(crtc[CRTC_UNDERLINE] & 0x1F);
        let a = g.addressing;
        let width = frame.width;
        for (l, out) in lines.iter().zip(frame.pixels.chunks_exact_mut(width)) {
            let mut x = 0;
            let mut put = |px: u32| {
                if g.double_dots {
                    out[x] = px;
                    out[x + 1] = px;
                    x += 2;
                } else {
                    out[x] = px;
                    x += 1;
                }
            };
            for c in 0..g.chars as u32 {
                let ma = a.ma_at(l.ma, c);
                let addr = a.addr(ma, l.row);
                let ch = plane0[addr];
                let attr = plane1[addr];
                let base = if attr & 0x08 != 0 { map_a } else { map_b };
                let mut bits = if (l.row as usize) < GLYPH_SLOT {
                    plane2[base + usize::from(ch) * GLYPH_SLOT + l.row as usize]
                } else {
                    0
                };
                let fg = attr & 0x0F;
                let mut bg = attr >> 4;
                if blink {
                    bg &= 7;
                    if attr & 0x80 != 0 && !phase.1 {
                        bits = 0;
                    }
                }
                let mut full = false;
                if attr & 0x77 == 0x01 && l.row == underline {
                    full = true;
                }
                if cursor_on && ma == cursor && cursor_rows.contains(&l.row) {
                    full = true;
                }
                if full {
                    bits = 0xFF;
                }
                let (fgc, bgc) = (lut[usize::from(fg)], lut[usize::from(bg)]);
                for i in 0..8 {
                    put(if bits & (0x80 >> i) != 0 { fgc } else { bgc });
                }
                if g.dots == 9 {
                    let ninth = full || (line_graphics && ch & 0xE0 == 0xC0 && bits & 1 != 0);
                    put(if ninth { fgc } else { bgc });
                }
            }
        }
    }

    /// The screen as text when a text mode is shown: one string per character row, decoded
    /// from code page 437, trailing spaces trimmed. `None` in graphics and VBE modes.
    pub fn text_screen(&self) -> Option<Vec<String>> {
        if self.vbe_enabled() || self.s.ac[AC_MODE] & ACM_GRAPHICS != 0 {
            return None;
        }
        let g = self.geometry();
        let mut lines = Vec::new();
        self.walk_lines(false, &mut lines);
        let plane0 = &self.s.vram[..PLANE_SIZE];
        let a = g.addressing;
        let rows = lines
            .iter()
            .enumerate()
            .filter(|&(i, l)| i == 0 || l.row == 0)
            .map(|(_, l)| {
                decode_row((0..g.chars as u32).map(|c| plane0[a.addr(a.ma_at(l.ma, c), l.row)]))
            })
            .collect();
        Some(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vga::StandardMode;

    fn put(v: &mut Vga, col: usize, row: usize, s: &str, attr: u8) {
        for (i, b) in s.bytes().enumerate() {
            let off = 0x18000 + 2 * (row * 80 + col + i) as u32;
            v.mem_write(off, 2, u32::from(attr) << 8 | u32::from(b));
        }
    }

    #[test]
    fn text_screen_decodes_rows() {
        let mut v = Vga::new();
        v.set_mode(StandardMode::Text80x25);
        put(&mut v, 0, 0, "Hello", 0x07);
        put(&mut v, 3, 24, "end  ", 0x1F);
        v.mem_write(0x18000 + 2 * 80, 1, 0xC9);
        let t = v.text_screen().unwrap();
        assert_eq!(t.len(), 25);
        assert_eq!(t[0], "Hello");
        assert_eq!(t[1], "╔");
        assert_eq!(t[2], "");
        assert_eq!(t[24], "   end");
        v.set_mode(StandardMode::Vga320x200x256);
        assert!(v.text_screen().is_none());
    }

    #[test]
    fn char_map_select_intensity_and_8_dot_cells() {
        let mut v = Vga::new();
        v.set_mode(StandardMode::Text80x25);
        let mut alt = [0u8; 256 * 16];
        alt[b'X' as usize * 16 + 3] = 0xFF; // map 1: 'X' is a single bar on row 3
        v.load_font_map(1, &alt);
        put(&mut v, 0, 0, "X", 0x0F); // attribute bit 3: map A
        put(&mut v, 1, 0, "X", 0x07); // map B
        v.port_write_byte(0x3C4, SEQ_CHAR_MAP as u8);
        v.port_write_byte(0x3C5, 0x04); // map A = 1, map B = 0
        let f = v.render().unwrap().clone();
        assert_eq!(f.pixel(0, 3), Some(0xFFFFFF));
        assert_eq!(f.pixel(0, 5), Some(0), "map 1 glyph has only row 3");
        assert_ne!(f.pixel(9 + 1, 5), Some(0), "map 0 'X' has row 5");
        // Attribute bit 7 as background intensity once blinking is off.
        put(&mut v, 2, 0, " ", 0xF0);
        assert_eq!(v.render().unwrap().pixel(18, 0), Some(0xAAAAAA));
        v.port_read_byte(0x3DA);
        v.port_write_byte(0x3C0, 0x30);
        v.port_write_byte(0x3C0, 0x04); // mode control: text, line graphics, no blink
        assert_eq!(v.render().unwrap().pixel(18, 0), Some(0xFFFFFF));
        // 8-dot characters: 640 pixels wide, cell 2 starts at x = 16.
        v.port_write_byte(0x3C4, SEQ_CLOCKING as u8);
        v.port_write_byte(0x3C5, CLK_8DOT);
        let f = v.render().unwrap();
        assert_eq!((f.width, f.height), (640, 400));
        assert_eq!(f.pixel(16, 0), Some(0xFFFFFF));
    }

    #[test]
    fn eight_line_font_gives_50_rows() {
        let mut v = Vga::new();
        v.set_mode(StandardMode::Text80x25);
        v.load_font(crate::vga::VGA_FONT_8X8);
        v.port_write_byte(0x3D4, CRTC_MAX_SCAN as u8);
        v.port_write_byte(0x3D5, 0x47);
        put(&mut v, 0, 49, "last", 0x07);
        let t = v.text_screen().unwrap();
        assert_eq!(t.len(), 50);
        assert_eq!(t[49], "last");
        assert_eq!(v.render().unwrap().height, 400);
    }

    #[test]
    fn cursor_and_blink_follow_virtual_time() {
        let mut v = Vga::new();
        v.set_mode(StandardMode::Text80x25);
        put(&mut v, 0, 0, "B", 0x87); // blinking
        v.set_time(0);
        let f = v.render().unwrap().clone();
        // Cursor at 0 on rows 13-14 (0x0D-0x0E): the cell's bottom rows are solid grey.
        let grey = 0xAAAAAA;
        assert_eq!(f.pixel(0, 13), Some(grey));
        assert_eq!(v.render(), None, "nothing changed");
        v.set_time(super::super::FRAME_NS * 8);
        let f2 = v.render().expect("cursor blinked off").clone();
        assert_eq!(f2.pixel(0, 13), Some(0));
        assert_ne!(f.pixel(2, 5), Some(0), "B visible");
        v.set_time(super::super::FRAME_NS * 16);
        let f3 = v.render().unwrap();
        assert_eq!(f3.pixel(0, 13), Some(grey), "cursor back on");
        assert_eq!(f3.pixel(2, 5), Some(0), "B blinked off");
    }
}
