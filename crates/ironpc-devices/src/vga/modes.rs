//! The standard VGA BIOS modes as register tables (the published IBM VGA values, as listed
//! by FreeVGA and the VGA BIOS sources), their default DAC palettes, and [`Vga::set_mode`],
//! which programs them through the port path in the order a BIOS does. Useful for a boot
//! path without a VGA BIOS and for tests; the renderer never looks at the mode number.

use super::font::VGA_FONT_8X16;
use super::regs::*;
use super::vbe::{VBE_INDEX_ENABLE, VBE_NOCLEARMEM};
use super::{Vga, PLANE_SIZE, VBE_PORT_DATA, VBE_PORT_INDEX};

/// The register values of one mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeTable {
    /// Miscellaneous output.
    pub misc: u8,
    /// Sequencer registers 1–4 (register 0 is the reset the sequence toggles).
    pub seq: [u8; 4],
    /// CRT controller registers 0x00–0x18.
    pub crtc: [u8; 25],
    /// Attribute controller registers 0x00–0x14.
    pub ac: [u8; 21],
    /// Graphics controller registers 0x00–0x08.
    pub gc: [u8; 9],
}

const TEXT_AC: [u8; 21] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
    0x0C, 0x00, 0x0F, 0x08, 0x00,
];
const TEXT_GC: [u8; 9] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x0F, 0xFF];
const EGA_AC: [u8; 21] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
    0x01, 0x00, 0x0F, 0x00, 0x00,
];
const PLANAR_GC: [u8; 9] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF];

/// Mode 01h: 40×25 text, 9×16 cells, 360×400 dots (shown doubled, 720×400).
pub const MODE_01: ModeTable = ModeTable {
    misc: 0x67,
    seq: [0x08, 0x03, 0x00, 0x02],
    crtc: [
        0x2D, 0x27, 0x28, 0x90, 0x2B, 0xA0, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00,
        0x00, 0x9C, 0x8E, 0x8F, 0x14, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
    ],
    ac: TEXT_AC,
    gc: TEXT_GC,
};

/// Mode 03h: 80×25 text, 9×16 cells, 720×400.
pub const MODE_03: ModeTable = ModeTable {
    misc: 0x67,
    seq: [0x00, 0x03, 0x00, 0x02],
    crtc: [
        0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00,
        0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
    ],
    ac: TEXT_AC,
    gc: TEXT_GC,
};

/// Mode 04h: 320×200, 4 colours (CGA), memory at B8000 with even/odd row banks.
pub const MODE_04: ModeTable = ModeTable {
    misc: 0x63,
    seq: [0x09, 0x03, 0x00, 0x02],
    crtc: [
        0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xA2, 0xFF,
    ],
    ac: [
        0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
        0x17, 0x01, 0x00, 0x03, 0x00, 0x00,
    ],
    gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0F, 0x0F, 0xFF],
};

/// Mode 0Dh: 320×200, 16 colours, planar.
pub const MODE_0D: ModeTable = ModeTable {
    misc: 0x63,
    seq: [0x09, 0x0F, 0x00, 0x06],
    crtc: [
        0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xE3, 0xFF,
    ],
    ac: [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
        0x17, 0x01, 0x00, 0x0F, 0x00, 0x00,
    ],
    gc: PLANAR_GC,
};

/// Mode 10h: 640×350, 16 colours, planar.
pub const MODE_10: ModeTable = ModeTable {
    misc: 0xA3,
    seq: [0x01, 0x0F, 0x00, 0x06],
    crtc: [
        0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x83, 0x85, 0x5D, 0x28, 0x0F, 0x63, 0xBA, 0xE3, 0xFF,
    ],
    ac: EGA_AC,
    gc: PLANAR_GC,
};

/// Mode 12h: 640×480, 16 colours, planar.
pub const MODE_12: ModeTable = ModeTable {
    misc: 0xE3,
    seq: [0x01, 0x0F, 0x00, 0x06],
    crtc: [
        0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF,
    ],
    ac: EGA_AC,
    gc: PLANAR_GC,
};

/// Mode 13h: 320×200, 256 colours, chain 4.
pub const MODE_13: ModeTable = ModeTable {
    misc: 0x63,
    seq: [0x01, 0x0F, 0x00, 0x0E],
    crtc: [
        0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF,
    ],
    ac: [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E,
        0x0F, 0x41, 0x00, 0x0F, 0x00, 0x00,
    ],
    gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF],
};

/// The BIOS modes [`Vga::set_mode`] knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StandardMode {
    /// 01h
    Text40x25,
    /// 03h
    Text80x25,
    /// 04h
    Cga320x200x4,
    /// 0Dh
    Ega320x200x16,
    /// 10h
    Ega640x350x16,
    /// 12h
    Vga640x480x16,
    /// 13h
    Vga320x200x256,
}

/// Which default DAC palette a mode loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Palette {
    /// 64 entries, bit 4 = intensity (200-line modes).
    Cga,
    /// 64 entries, the EGA rgbRGB encoding.
    Ega,
    /// 256 entries: CGA colours, greys, a hue/saturation/intensity wheel.
    Vga256,
}

impl StandardMode {
    /// The BIOS mode number.
    pub fn number(self) -> u8 {
        match self {
            Self::Text40x25 => 0x01,
            Self::Text80x25 => 0x03,
            Self::Cga320x200x4 => 0x04,
            Self::Ega320x200x16 => 0x0D,
            Self::Ega640x350x16 => 0x10,
            Self::Vga640x480x16 => 0x12,
            Self::Vga320x200x256 => 0x13,
        }
    }

    /// The mode with BIOS number `n` (00h and 02h alias the text modes), if known.
    pub fn from_number(n: u8) -> Option<Self> {
        Some(match n & 0x7F {
            0x00 | 0x01 => Self::Text40x25,
            0x02 | 0x03 => Self::Text80x25,
            0x04 | 0x05 => Self::Cga320x200x4,
            0x0D => Self::Ega320x200x16,
            0x10 => Self::Ega640x350x16,
            0x12 => Self::Vga640x480x16,
            0x13 => Self::Vga320x200x256,
            _ => return None,
        })
    }

    /// The register table.
    pub fn table(self) -> &'static ModeTable {
        match self {
            Self::Text40x25 => &MODE_01,
            Self::Text80x25 => &MODE_03,
            Self::Cga320x200x4 => &MODE_04,
            Self::Ega320x200x16 => &MODE_0D,
            Self::Ega640x350x16 => &MODE_10,
            Self::Vga640x480x16 => &MODE_12,
            Self::Vga320x200x256 => &MODE_13,
        }
    }

    /// Alphanumeric mode.
    pub fn is_text(self) -> bool {
        matches!(self, Self::Text40x25 | Self::Text80x25)
    }

    fn palette(self) -> Palette {
        match self {
            Self::Cga320x200x4 | Self::Ega320x200x16 => Palette::Cga,
            Self::Vga320x200x256 => Palette::Vga256,
            _ => Palette::Ega,
        }
    }
}

/// 6-bit RGB of CGA colour `c` (0–15), with the brown of colour 6.
fn cga_rgb(c: u8) -> [u8; 3] {
    let hi = if c & 8 != 0 { 0x15 } else { 0 };
    let on = |bit: u8| if c & bit != 0 { 0x2A } else { 0 };
    let g = if c == 6 { 0x15 } else { on(2) + hi };
    [on(4) + hi, g, on(1) + hi]
}

/// The default DAC contents for a palette, 6 bits per component.
fn default_palette(p: Palette) -> [u8; 768] {
    let mut dac = [0u8; 768];
    let mut set = |i: usize, rgb: [u8; 3]| dac[i * 3..i * 3 + 3].copy_from_slice(&rgb);
    match p {
        Palette::Cga => {
            for i in 0..64u8 {
                set(usize::from(i), cga_rgb((i & 7) | ((i >> 1) & 8)));
            }
        }
        Palette::Ega => {
            for i in 0..64u8 {
                let c = |two_thirds: u8, one_third: u8| {
                    (if i & two_thirds != 0 { 0x2A } else { 0 })
                        + if i & one_third != 0 { 0x15 } else { 0 }
                };
                set(usize::from(i), [c(4, 32), c(2, 16), c(1, 8)]);
            }
        }
        Palette::Vga256 => {
            for i in 0..16u8 {
                set(usize::from(i), cga_rgb(i));
            }
            const GREYS: [u8; 16] = [0, 5, 8, 11, 14, 17, 20, 24, 28, 32, 36, 40, 45, 50, 56, 63];
            for (i, &g) in GREYS.iter().enumerate() {
                set(16 + i, [g, g, g]);
            }
            // Three intensities × three saturations × 24 hues; each ramp runs from `lo`
            // to `hi` in four steps.
            const RAMPS: [[u8; 5]; 9] = [
                [0x00, 0x10, 0x1F, 0x2F, 0x3F],
                [0x1F, 0x27, 0x2F, 0x37, 0x3F],
                [0x2D, 0x31, 0x36, 0x3A, 0x3F],
                [0x00, 0x07, 0x0E, 0x15, 0x1C],
                [0x0E, 0x11, 0x15, 0x18, 0x1C],
                [0x14, 0x16, 0x18, 0x1A, 0x1C],
                [0x00, 0x04, 0x08, 0x0C, 0x10],
                [0x08, 0x0A, 0x0C, 0x0E, 0x10],
                [0x0B, 0x0C, 0x0D, 0x0F, 0x10],
            ];
            for (group, ramp) in RAMPS.iter().enumerate() {
                for hue in 0..24usize {
                    // Blue → magenta → red → yellow → green → cyan → blue.
                    let (seg, step) = (hue / 4, hue % 4);
                    let up = ramp[step];
                    let down = ramp[4 - step];
                    let (lo, hi) = (ramp[0], ramp[4]);
                    let rgb = match seg {
                        0 => [up, lo, hi],
                        1 => [hi, lo, down],
                        2 => [hi, up, lo],
                        3 => [down, hi, lo],
                        4 => [lo, hi, up],
                        _ => [lo, down, hi],
                    };
                    set(32 + group * 24 + hue, rgb);
                }
            }
        }
    }
    dac
}

impl Vga {
    /// Program `table` through the ports, in the order a VGA BIOS does: misc output, the
    /// sequencer under synchronous reset, the CRTC (unprotected first), the graphics
    /// controller, then the attribute controller, enabling the display at the end.
    pub fn program_registers(&mut self, table: &ModeTable) {
        self.port_write_byte(0x3C2, table.misc);
        self.port_write_byte(0x3C4, SEQ_RESET as u8);
        self.port_write_byte(0x3C5, 0x01);
        for (i, &v) in table.seq.iter().enumerate() {
            self.port_write_byte(0x3C4, i as u8 + 1);
            self.port_write_byte(0x3C5, v);
        }
        self.port_write_byte(0x3C4, SEQ_RESET as u8);
        self.port_write_byte(0x3C5, 0x03);
        let crtc = if table.misc & MISC_COLOR_IO != 0 {
            0x3D4
        } else {
            0x3B4
        };
        self.port_write_byte(crtc, CRTC_V_RETRACE_END as u8);
        self.port_write_byte(crtc + 1, table.crtc[CRTC_V_RETRACE_END] & 0x7F);
        for (i, &v) in table.crtc.iter().enumerate() {
            self.port_write_byte(crtc, i as u8);
            self.port_write_byte(crtc + 1, v);
        }
        for (i, &v) in table.gc.iter().enumerate() {
            self.port_write_byte(0x3CE, i as u8);
            self.port_write_byte(0x3CF, v);
        }
        self.port_read_byte(crtc + 6);
        for (i, &v) in table.ac.iter().enumerate() {
            self.port_write_byte(0x3C0, i as u8);
            self.port_write_byte(0x3C0, v);
        }
        self.port_write_byte(0x3C0, AC_PAS);
    }

    /// Set a standard BIOS mode as INT 10h AH=00h would: VBE off, registers, the default
    /// DAC palette, cleared video memory (blank cells in grey on black for text), and for
    /// text modes the 8×16 font in character map 0.
    pub fn set_mode(&mut self, mode: StandardMode) {
        self.vbe_write(VBE_PORT_INDEX, VBE_INDEX_ENABLE);
        self.vbe_write(VBE_PORT_DATA, VBE_NOCLEARMEM);
        self.program_registers(mode.table());
        self.port_write_byte(0x3C6, 0xFF);
        self.port_write_byte(0x3C8, 0);
        for c in default_palette(mode.palette()) {
            self.port_write_byte(0x3C9, c);
        }
        let vram = &mut self.s.vram;
        if mode.is_text() {
            // The 32 KiB the CPU sees at B8000: even plane addresses of planes 0 and 1.
            for a in (0..0x8000).step_by(2) {
                vram[a] = b' ';
                vram[PLANE_SIZE + a] = 0x07;
            }
            self.load_font(VGA_FONT_8X16);
        } else {
            vram[..4 * PLANE_SIZE].fill(0);
        }
        self.s.latch = [0; 4];
        self.dirty = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_palettes() {
        let ega = default_palette(Palette::Ega);
        assert_eq!(&ega[0x14 * 3..0x14 * 3 + 3], &[0x2A, 0x15, 0x00], "brown");
        assert_eq!(&ega[0x3F * 3..0x3F * 3 + 3], &[0x3F; 3]);
        assert_eq!(&ega[0x38 * 3..0x38 * 3 + 3], &[0x15; 3], "dark grey");
        let cga = default_palette(Palette::Cga);
        assert_eq!(&cga[0x16 * 3..0x16 * 3 + 3], &[0x3F, 0x3F, 0x15], "yellow");
        assert_eq!(&cga[6 * 3..6 * 3 + 3], &[0x2A, 0x15, 0x00], "brown");
        let vga = default_palette(Palette::Vga256);
        assert_eq!(&vga[32 * 3..32 * 3 + 3], &[0x00, 0x00, 0x3F], "blue");
        assert_eq!(&vga[40 * 3..40 * 3 + 3], &[0x3F, 0x00, 0x00], "red");
        assert_eq!(&vga[44 * 3..44 * 3 + 3], &[0x3F, 0x3F, 0x00], "yellow");
        assert_eq!(&vga[48 * 3..48 * 3 + 3], &[0x00, 0x3F, 0x00], "green");
        assert_eq!(&vga[248 * 3..], &[0; 24]);
    }

    #[test]
    fn mode_numbers_round_trip() {
        for n in [0x01, 0x03, 0x04, 0x0D, 0x10, 0x12, 0x13] {
            assert_eq!(StandardMode::from_number(n).unwrap().number(), n);
        }
        assert_eq!(
            StandardMode::from_number(0x83),
            Some(StandardMode::Text80x25)
        );
        assert_eq!(StandardMode::from_number(0x6A), None);
    }
}
