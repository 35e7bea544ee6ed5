//! Screen geometry as the CRT controller scans it out, derived from the registers alone:
//! display end counts, character width and dot clock, maximum scan line and double scanning,
//! start address, offset, byte/word/doubleword addressing, CGA/Hercules row-scan
//! substitution, line compare (split screen) and preset row scan.
//!
//! The walk produces one [`LineSpec`] per line of the output frame: the memory address
//! counter at the start of the line and the row scan counter. Graphics modes are reduced to
//! their logical resolution: a line repeated by double scanning or by the row scan counter
//! (mode 13h's "maximum scan line = 1") is given once.

use super::regs::*;
use super::Vga;

/// Most lines the walk will describe, whatever the registers say (the 10-bit vertical
/// counters). The width is bounded by 256 characters of 9 doubled dots.
pub const MAX_HEIGHT: usize = 1024;

/// One output line: the memory address counter at its start and the row scan counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineSpec {
    pub ma: u32,
    pub row: u32,
    /// Below the line compare split: pixel panning may be off (attribute mode bit 5).
    pub split: bool,
}

/// The CRTC's addressing, enough to turn a memory address counter into a plane address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addressing {
    dword: bool,
    byte: bool,
    /// Word mode: MA15 (else MA13) becomes address bit 0.
    wrap_ma15: bool,
    cga: bool,
    hercules: bool,
    /// The counter advances every 1, 2 or 4 character clocks.
    pub clocks_per_count: u32,
}

impl Addressing {
    /// The plane address the CRTC puts out for counter `ma` on row scan `row`.
    pub fn addr(&self, ma: u32, row: u32) -> usize {
        let mut a = if self.dword {
            (ma << 2) | ((ma >> 14) & 3)
        } else if !self.byte {
            let low = if self.wrap_ma15 { ma >> 15 } else { ma >> 13 };
            (ma << 1) | (low & 1)
        } else {
            ma
        };
        if self.cga {
            a = (a & !0x2000) | ((row & 1) << 13);
        }
        if self.hercules {
            a = (a & !0x4000) | ((row & 2) << 13);
        }
        (a & 0xFFFF) as usize
    }

    /// The counter at character clock `c` of a line that starts at `ma`.
    pub fn ma_at(&self, ma: u32, c: u32) -> u32 {
        ma.wrapping_add(c / self.clocks_per_count)
    }
}

/// What the registers ask the screen to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scanout {
    /// Screen off (sequencer) or palette in the CPU's hands (attribute index bit 5).
    Blank {
        width: usize,
        height: usize,
    },
    Text(Geometry),
    Graphics(Geometry),
    Vbe,
}

/// Horizontal geometry and addressing of a VGA mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Character clocks per displayed line.
    pub chars: usize,
    /// Dots per character (8 or 9) in text modes; pixels per character clock in graphics.
    pub dots: usize,
    /// Text dots are doubled (dot clock ÷ 2).
    pub double_dots: bool,
    pub width: usize,
    pub addressing: Addressing,
}

impl Vga {
    /// Vertical display end + 1: scanlines displayed.
    fn display_lines(&self) -> usize {
        let c = &self.s.crtc;
        let v = usize::from(c[CRTC_V_DISP_END])
            | usize::from(c[CRTC_OVERFLOW] & 0x02) << 7
            | usize::from(c[CRTC_OVERFLOW] & 0x40) << 3;
        (v + 1).min(MAX_HEIGHT)
    }

    fn line_compare(&self) -> usize {
        let c = &self.s.crtc;
        usize::from(c[CRTC_LINE_COMPARE])
            | usize::from(c[CRTC_OVERFLOW] & 0x10) << 4
            | usize::from(c[CRTC_MAX_SCAN] & 0x40) << 3
    }

    pub(super) fn start_address(&self) -> u32 {
        let c = &self.s.crtc;
        (u32::from(c[CRTC_START_HI]) << 8 | u32::from(c[CRTC_START_LO]))
            + u32::from((c[CRTC_PRESET_ROW] >> 5) & 3)
    }

    pub(super) fn cursor_address(&self) -> u32 {
        let c = &self.s.crtc;
        u32::from(c[CRTC_CURSOR_HI]) << 8 | u32::from(c[CRTC_CURSOR_LO])
    }

    pub(super) fn max_scan_line(&self) -> u32 {
        u32::from(self.s.crtc[CRTC_MAX_SCAN] & 0x1F)
    }

    fn addressing(&self) -> Addressing {
        let c = &self.s.crtc;
        let mode = c[CRTC_MODE];
        Addressing {
            dword: c[CRTC_UNDERLINE] & 0x40 != 0,
            byte: mode & 0x40 != 0,
            wrap_ma15: mode & 0x20 != 0,
            cga: mode & 0x01 == 0,
            hercules: mode & 0x02 == 0,
            clocks_per_count: if c[CRTC_UNDERLINE] & 0x20 != 0 {
                4
            } else if mode & 0x08 != 0 {
                2
            } else {
                1
            },
        }
    }

    /// Horizontal geometry of the mode the attribute controller is in (text or graphics).
    pub(super) fn geometry(&self) -> Geometry {
        let chars = usize::from(self.s.crtc[CRTC_H_DISP_END]) + 1;
        let clocking = self.s.seq[SEQ_CLOCKING];
        if self.s.ac[AC_MODE] & ACM_GRAPHICS == 0 {
            let dots = if clocking & CLK_8DOT != 0 { 8 } else { 9 };
            let double_dots = clocking & CLK_HALF_DOT != 0;
            Geometry {
                chars,
                dots,
                double_dots,
                width: chars * dots * if double_dots { 2 } else { 1 },
                addressing: self.addressing(),
            }
        } else {
            // Graphics: 8 pixels per character clock, 4 with the 256-colour shifter; the
            // halved dot clock of the 320-wide modes only doubles pixels we do not repeat.
            let dots = if self.s.gc[GC_MODE] & GCM_SHIFT_256 != 0 {
                4
            } else {
                8
            };
            Geometry {
                chars,
                dots,
                double_dots: false,
                width: chars * dots,
                addressing: self.addressing(),
            }
        }
    }

    /// Decide what to show and with which horizontal geometry.
    pub(super) fn scanout(&self) -> Scanout {
        if self.vbe_enabled() {
            return Scanout::Vbe;
        }
        let g = self.geometry();
        if self.s.seq[SEQ_CLOCKING] & CLK_SCREEN_OFF != 0 || self.s.ac_index & AC_PAS == 0 {
            // Show black at the programmed size, or a standard size if it is implausible.
            let mut h = 0;
            self.walk(self.s.ac[AC_MODE] & ACM_GRAPHICS != 0, |_| h += 1);
            let w = g.width;
            let (width, height) = if w < 64 || h < 64 { (640, 480) } else { (w, h) };
            return Scanout::Blank { width, height };
        }
        if self.s.ac[AC_MODE] & ACM_GRAPHICS == 0 {
            Scanout::Text(g)
        } else {
            Scanout::Graphics(g)
        }
    }

    /// Walk the displayed scanlines and list the output lines. Text modes give every
    /// scanline (less double scanning); graphics modes give each memory line once.
    pub(super) fn walk_lines(&self, graphics: bool, out: &mut Vec<LineSpec>) {
        out.clear();
        self.walk(graphics, |l| out.push(l));
    }

    fn walk(&self, graphics: bool, mut emit: impl FnMut(LineSpec)) {
        let lines = self.display_lines();
        let msl = self.max_scan_line();
        let double = self.s.crtc[CRTC_MAX_SCAN] & 0x80 != 0;
        let a = self.addressing();
        // Rows repeated by the row scan counter without a change of address.
        let repeat = if !graphics || a.cga {
            1
        } else if a.hercules {
            (msl + 1).min(2)
        } else {
            msl + 1
        };
        let offset = u32::from(self.s.crtc[CRTC_OFFSET]) * 2;
        let compare = self.line_compare();
        let mut row_start = self.start_address();
        let mut row = u32::from(self.s.crtc[CRTC_PRESET_ROW] & 0x1F).min(msl);
        let mut split = false;
        let mut sub = false;
        for line in 0..lines {
            if !sub && row % repeat == 0 {
                emit(LineSpec {
                    ma: row_start,
                    row,
                    split,
                });
            }
            if double && !sub {
                sub = true;
            } else {
                sub = false;
                if row >= msl {
                    row = 0;
                    row_start = row_start.wrapping_add(offset);
                } else {
                    row += 1;
                }
            }
            if line == compare {
                // Split screen: the lines below start again at address 0, row 0.
                row_start = 0;
                row = 0;
                sub = false;
                split = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vga::StandardMode;

    fn geometry(mode: StandardMode) -> (Scanout, usize) {
        let mut v = Vga::new();
        v.set_mode(mode);
        let mut lines = Vec::new();
        let s = v.scanout();
        v.walk_lines(matches!(s, Scanout::Graphics(_)), &mut lines);
        (s, lines.len())
    }

    #[test]
    fn standard_modes_have_their_published_resolutions() {
        for (mode, text, w, h) in [
            (StandardMode::Text40x25, true, 720, 400),
            (StandardMode::Text80x25, true, 720, 400),
            (StandardMode::Cga320x200x4, false, 320, 200),
            (StandardMode::Ega320x200x16, false, 320, 200),
            (StandardMode::Ega640x350x16, false, 640, 350),
            (StandardMode::Vga640x480x16, false, 640, 480),
            (StandardMode::Vga320x200x256, false, 320, 200),
        ] {
            let (s, lines) = geometry(mode);
            let g = match s {
                Scanout::Text(g) if text => g,
                Scanout::Graphics(g) if !text => g,
                other => panic!("{mode:?}: {other:?}"),
            };
            assert_eq!((g.width, lines), (w, h), "{mode:?}");
        }
    }

    #[test]
    fn addressing_modes() {
        let mut a = Addressing {
            dword: true,
            byte: false,
            wrap_ma15: true,
            cga: false,
            hercules: false,
            clocks_per_count: 1,
        };
        assert_eq!(a.addr(0x0101, 0), 0x0404);
        assert_eq!(a.addr(0x4001, 0), 0x0005);
        a.dword = false;
        assert_eq!(a.addr(0x8010, 0), 0x0021);
        a.wrap_ma15 = false;
        assert_eq!(a.addr(0x2010, 0), 0x4021);
        a.cga = true;
        assert_eq!(a.addr(0x0010, 1), 0x2020);
        a.hercules = true;
        a.byte = true;
        assert_eq!(a.addr(0x0010, 3), 0x6010);
    }

    #[test]
    fn line_compare_splits_the_screen() {
        let mut v = Vga::new();
        v.set_mode(StandardMode::Vga640x480x16);
        v.s.crtc[CRTC_START_HI] = 0x10;
        v.s.crtc[CRTC_LINE_COMPARE] = 99;
        v.s.crtc[CRTC_OVERFLOW] &= !0x10;
        v.s.crtc[CRTC_MAX_SCAN] &= !0x40;
        let mut lines = Vec::new();
        v.walk_lines(true, &mut lines);
        assert_eq!(lines[99].ma, 0x1000 + 99 * 80);
        assert_eq!((lines[100].ma, lines[100].split), (0, true));
        assert_eq!(lines[479].ma, 379 * 80);
    }
}
