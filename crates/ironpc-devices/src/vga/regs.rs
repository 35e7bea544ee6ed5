//! The VGA register files at ports 0x3B0–0x3DF: miscellaneous output, sequencer, CRT
//! controller (at 0x3B4/5 or 0x3D4/5 as misc-output bit 0 selects), graphics controller,
//! attribute controller with its index/data flip-flop, the DAC, and the two input status
//! registers whose retrace bits follow virtual time. Names follow the IBM VGA technical
//! reference as FreeVGA documents it.

use super::{Vga, FRAME_NS};

/// Miscellaneous output: bit 0 selects the colour (0x3Dx) rather than mono (0x3Bx) CRTC and
/// status ports; bit 1 enables the CPU's access to video memory.
pub const MISC_COLOR_IO: u8 = 0x01;
pub const MISC_RAM_ENABLE: u8 = 0x02;

/// Sequencer registers.
pub const SEQ_RESET: usize = 0x00;
pub const SEQ_CLOCKING: usize = 0x01;
pub const SEQ_MAP_MASK: usize = 0x02;
pub const SEQ_CHAR_MAP: usize = 0x03;
pub const SEQ_MEMORY_MODE: usize = 0x04;
pub const SEQ_INDEX_MASK: u8 = 0x07;
/// Clocking mode: 8-dot characters, dot clock divided by 2, screen off.
pub const CLK_8DOT: u8 = 0x01;
pub const CLK_HALF_DOT: u8 = 0x08;
pub const CLK_SCREEN_OFF: u8 = 0x20;
/// Memory mode: odd/even host writes disabled (bit 2), chain 4 (bit 3).
pub const MEM_SEQUENTIAL: u8 = 0x04;
pub const MEM_CHAIN4: u8 = 0x08;

/// CRT controller registers.
pub const CRTC_H_DISP_END: usize = 0x01;
pub const CRTC_OVERFLOW: usize = 0x07;
pub const CRTC_PRESET_ROW: usize = 0x08;
pub const CRTC_MAX_SCAN: usize = 0x09;
pub const CRTC_CURSOR_START: usize = 0x0A;
pub const CRTC_CURSOR_END: usize = 0x0B;
pub const CRTC_START_HI: usize = 0x0C;
pub const CRTC_START_LO: usize = 0x0D;
pub const CRTC_CURSOR_HI: usize = 0x0E;
pub const CRTC_CURSOR_LO: usize = 0x0F;
pub const CRTC_V_RETRACE_END: usize = 0x11;
pub const CRTC_V_DISP_END: usize = 0x12;
pub const CRTC_OFFSET: usize = 0x13;
pub const CRTC_UNDERLINE: usize = 0x14;
pub const CRTC_MODE: usize = 0x17;
pub const CRTC_LINE_COMPARE: usize = 0x18;
/// Registers kept (0x00–0x18 are defined; the rest read back what was written).
pub const CRTC_REGS: usize = 0x40;
pub const CRTC_INDEX_MASK: u8 = 0x3F;
/// Vertical retrace end bit 7: registers 0–7 write protected (bit 4 of 7 excepted).
const CRTC_PROTECT: u8 = 0x80;

/// Graphics controller registers.
pub const GC_SET_RESET: usize = 0x00;
pub const GC_ENABLE_SET_RESET: usize = 0x01;
pub const GC_COLOR_COMPARE: usize = 0x02;
pub const GC_DATA_ROTATE: usize = 0x03;
pub const GC_READ_MAP: usize = 0x04;
pub const GC_MODE: usize = 0x05;
pub const GC_MISC: usize = 0x06;
pub const GC_COLOR_DONT_CARE: usize = 0x07;
pub const GC_BIT_MASK: usize = 0x08;
pub const GC_INDEX_MASK: u8 = 0x0F;
/// Mode register: read mode 1, host odd/even reads, CGA shift interleave, 256-colour shift.
pub const GCM_READ_MODE1: u8 = 0x08;
pub const GCM_ODD_EVEN: u8 = 0x10;
pub const GCM_SHIFT_INTERLEAVE: u8 = 0x20;
pub const GCM_SHIFT_256: u8 = 0x40;

/// Attribute controller registers (0x00–0x0F are the palette).
pub const AC_MODE: usize = 0x10;
pub const AC_PLANE_ENABLE: usize = 0x12;
pub const AC_PANNING: usize = 0x13;
pub const AC_COLOR_SELECT: usize = 0x14;
pub const AC_INDEX_MASK: u8 = 0x1F;
/// Index bit 5: palette address source; while clear the palette is the CPU's and the
/// screen shows the overscan colour (we show black).
pub const AC_PAS: u8 = 0x20;
/// Mode control: graphics, line-graphics 9th dot, blink, pan compat, 8-bit, P5/P4 select.
pub const ACM_GRAPHICS: u8 = 0x01;
pub const ACM_LINE_GRAPHICS: u8 = 0x04;
pub const ACM_BLINK: u8 = 0x08;
pub const ACM_PAN_COMPAT: u8 = 0x20;
pub const ACM_8BIT: u8 = 0x40;
pub const ACM_P54_SELECT: u8 = 0x80;

/// Input status 1: display disabled (blanking), vertical retrace.
pub const ST1_DISPLAY_DISABLED: u8 = 0x01;
pub const ST1_VRETRACE: u8 = 0x08;

/// The fixed scan timing behind the status bits: 640×480 at 60 Hz, 525 lines of 800 dots,
/// retrace during lines 490–491 (two lines, 64 µs of each 16.7 ms frame).
const LINES_PER_FRAME: u64 = 525;
const LINE_NS: u64 = FRAME_NS / LINES_PER_FRAME;
const VISIBLE_LINES: u64 = 480;
const VRETRACE_LINES: std::ops::Range<u64> = 490..492;
const H_VISIBLE_NS: u64 = LINE_NS * 640 / 800;

/// Input status 1 at virtual time `now`.
pub fn input_status_1(now: u64) -> u8 {
    let t = now % FRAME_NS;
    let line = t / LINE_NS;
    let mut v = 0;
    if line >= VISIBLE_LINES || t % LINE_NS >= H_VISIBLE_NS {
        v |= ST1_DISPLAY_DISABLED;
    }
    if VRETRACE_LINES.contains(&line) {
        v |= ST1_VRETRACE;
    }
    v
}

impl Vga {
    /// Whether `port` is a CRTC/status port of the currently selected (mono or colour) range.
    fn crtc_port(&self, port: u16) -> Option<u16> {
        let color = self.s.misc & MISC_COLOR_IO != 0;
        match port {
            0x3B4 | 0x3B5 | 0x3BA if !color => Some(port + 0x20),
            0x3D4 | 0x3D5 | 0x3DA if color => Some(port),
            _ => None,
        }
    }

    /// A guest byte read from a VGA port; ports not decoded read 0xFF.
    pub(super) fn port_read_byte(&mut self, port: u16) -> u8 {
        let s = &mut self.s;
        match port {
            0x3C0 => s.ac_index,
            0x3C1 => s.ac[usize::from(s.ac_index & AC_INDEX_MASK)],
            // Input status 0: no switch sense, no pending retrace interrupt.
            0x3C2 => 0x00,
            0x3C3 => s.subsystem_enable,
            0x3C4 => s.seq_index,
            0x3C5 => s.seq[usize::from(s.seq_index)],
            0x3C6 => s.dac_mask,
            0x3C7 => {
                if s.dac_reading {
                    0x03
                } else {
                    0x00
                }
            }
            0x3C8 => s.dac_write_index,
            0x3C9 => self.dac_read(),
            0x3CA => s.feature,
            0x3CC => s.misc,
            0x3CE => s.gc_index,
            0x3CF => s.gc[usize::from(s.gc_index)],
            _ => match self.crtc_port(port) {
                Some(0x3D4) => self.s.crtc_index,
                Some(0x3D5) => self.s.crtc[usize::from(self.s.crtc_index)],
                Some(0x3DA) => {
                    // Reading input status 1 resets the attribute flip-flop to "index".
                    self.s.ac_data_next = false;
                    input_status_1(self.now)
                }
                _ => 0xFF,
            },
        }
    }

    /// A guest byte write to a VGA port; ports not decoded ignore it.
    pub(super) fn port_write_byte(&mut self, port: u16, v: u8) {
        match port {
            // 0x3C1 is read-only on IBM's VGA; many clones accept writes there, and a word
            // OUT to 0x3C0 (index, data) lands its data byte on 0x3C1, so treat it as 0x3C0.
            0x3C0 | 0x3C1 => self.ac_write(v),
            0x3C2 => {
                self.s.misc = v;
                self.dirty = true;
            }
            0x3C3 => self.s.subsystem_enable = v & 1,
            0x3C4 => self.s.seq_index = v & SEQ_INDEX_MASK,
            0x3C5 => {
                self.s.seq[usize::from(self.s.seq_index)] = v;
                self.dirty = true;
            }
            0x3C6 => {
                self.s.dac_mask = v;
                self.dirty = true;
            }
            0x3C7 => {
                self.s.dac_read_index = v;
                self.s.dac_component = 0;
                self.s.dac_reading = true;
            }
            0x3C8 => {
                self.s.dac_write_index = v;
                self.s.dac_component = 0;
                self.s.dac_reading = false;
            }
            0x3C9 => self.dac_write(v),
            0x3CE => self.s.gc_index = v & GC_INDEX_MASK,
            0x3CF => {
                self.s.gc[usize::from(self.s.gc_index)] = v;
                self.dirty = true;
            }
            _ => match self.crtc_port(port) {
                Some(0x3D4) => self.s.crtc_index = v & CRTC_INDEX_MASK,
                Some(0x3D5) => self.crtc_write(v),
                Some(0x3DA) => self.s.feature = v,
                _ => {}
            },
        }
    }

    fn crtc_write(&mut self, v: u8) {
        let i = usize::from(self.s.crtc_index);
        if self.s.crtc[CRTC_V_RETRACE_END] & CRTC_PROTECT != 0 && i <= CRTC_OVERFLOW {
            if i == CRTC_OVERFLOW {
                // Only the line compare bit 8 stays writable.
                let old = self.s.crtc[i];
                self.s.crtc[i] = (old & !0x10) | (v & 0x10);
                self.dirty = true;
            }
            return;
        }
        self.s.crtc[i] = v;
        self.dirty = true;
    }

    /// 0x3C0: the flip-flop alternates index and data writes.
    fn ac_write(&mut self, v: u8) {
        let s = &mut self.s;
        if s.ac_data_next {
            let i = usize::from(s.ac_index & AC_INDEX_MASK);
            s.ac[i] = v;
        } else {
            s.ac_index = v & (AC_INDEX_MASK | AC_PAS);
        }
        s.ac_data_next = !s.ac_data_next;
        self.dirty = true;
    }

    /// Bits a DAC component keeps: 6, or 8 with the VBE 8-bit DAC switch.
    fn dac_component_mask(&self) -> u8 {
        if self.dac_8bit() {
            0xFF
        } else {
            0x3F
        }
    }

    /// 0x3C9 write: red, green, blue; the entry changes when blue is written, then the
    /// write index moves on.
    fn dac_write(&mut self, v: u8) {
        let mask = self.dac_component_mask();
        let s = &mut self.s;
        let c = usize::from(s.dac_component % 3);
        s.dac_pending[c] = v & mask;
        if c == 2 {
            let base = usize::from(s.dac_write_index) * 3;
            s.dac[base..base + 3].copy_from_slice(&s.dac_pending);
            s.dac_write_index = s.dac_write_index.wrapping_add(1);
            s.dac_component = 0;
            self.dirty = true;
        } else {
            s.dac_component += 1;
        }
    }

    /// 0x3C9 read: red, green, blue of the entry at the read index, then the next entry.
    fn dac_read(&mut self) -> u8 {
        let s = &mut self.s;
        let c = usize::from(s.dac_component % 3);
        let v = s.dac[usize::from(s.dac_read_index) * 3 + c];
        if c == 2 {
            s.dac_read_index = s.dac_read_index.wrapping_add(1);
            s.dac_component = 0;
        } else {
            s.dac_component += 1;
        }
        v
    }

    /// The 256 DAC entries as 0x00RRGGBB, widened from 6 (or 8) bits.
    pub(super) fn dac_rgb(&self, out: &mut [u32; 256]) {
        let eight = self.dac_8bit();
        for (o, rgb) in out.iter_mut().zip(self.s.dac.chunks_exact(3)) {
            let w = |c: u8| -> u32 {
                if eight {
                    u32::from(c)
                } else {
                    let c = u32::from(c & 0x3F);
                    (c << 2) | (c >> 4)
                }
            };
            *o = w(rgb[0]) << 16 | w(rgb[1]) << 8 | w(rgb[2]);
        }
    }

    /// The DAC index an attribute value (0–15) reaches: colour plane enable, the palette
    /// register, then colour select bits 7–6 (and 5–4 when mode control bit 7 says so).
    pub(super) fn attribute_to_dac(&self, value: u8) -> u8 {
        let ac = &self.s.ac;
        let v = value & ac[AC_PLANE_ENABLE] & 0x0F;
        let p = ac[usize::from(v)] & 0x3F;
        let cs = ac[AC_COLOR_SELECT];
        let low = if ac[AC_MODE] & ACM_P54_SELECT != 0 {
            ((cs & 0x03) << 4) | (p & 0x0F)
        } else {
            p
        };
        ((cs & 0x0C) << 4) | low
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::{DevCtx, IrqLines, PortDevice};

    fn out(v: &mut Vga, port: u16, val: u8) {
        let mut irq = IrqLines::default();
        v.write(
            port,
            1,
            u32::from(val),
            &mut DevCtx {
                now: 0,
                irq: &mut irq,
            },
        );
    }
    fn inp(v: &mut Vga, port: u16) -> u8 {
        let mut irq = IrqLines::default();
        v.read(
            port,
            1,
            &mut DevCtx {
                now: 0,
                irq: &mut irq,
            },
        ) as u8
    }

    #[test]
    fn attribute_flip_flop_alternates_and_status_read_resets_it() {
        let mut v = Vga::new();
        out(&mut v, 0x3C2, MISC_COLOR_IO);
        inp(&mut v, 0x3DA);
        out(&mut v, 0x3C0, 0x05); // index 5
        out(&mut v, 0x3C0, 0x2A); // data
        out(&mut v, 0x3C0, 0x31); // index 0x11 with PAS
        assert_eq!(inp(&mut v, 0x3C0), 0x31);
        // A status read in the middle puts the flip-flop back on "index".
        inp(&mut v, 0x3DA);
        out(&mut v, 0x3C0, 0x05);
        assert_eq!(inp(&mut v, 0x3C1), 0x2A);
        out(&mut v, 0x3C0, 0x17);
        assert_eq!(v.s.ac[5], 0x17);
        // In mono mode 0x3DA is not decoded: it reads 0xFF and leaves the flip-flop alone.
        out(&mut v, 0x3C2, 0);
        out(&mut v, 0x3C0, 0x06);
        assert_eq!(inp(&mut v, 0x3DA), 0xFF);
        out(&mut v, 0x3C0, 0x09);
        assert_eq!(v.s.ac[6], 0x09);
        inp(&mut v, 0x3BA);
        assert!(!v.s.ac_data_next);
    }

    #[test]
    fn dac_indexes_auto_increment_with_six_bit_components() {
        let mut v = Vga::new();
        out(&mut v, 0x3C8, 0xFE);
        for c in [0x3F, 0x41, 0x02, 0x10, 0x20, 0x30, 1, 2, 3] {
            out(&mut v, 0x3C9, c);
        }
        assert_eq!(&v.s.dac[0xFE * 3..0xFE * 3 + 3], &[0x3F, 0x01, 0x02]);
        assert_eq!(&v.s.dac[0xFF * 3..], &[0x10, 0x20, 0x30]);
        assert_eq!(&v.s.dac[..3], &[1, 2, 3], "the write index wraps to 0");
        assert_eq!(inp(&mut v, 0x3C8), 1);
        assert_eq!(inp(&mut v, 0x3C7), 0x00);
        out(&mut v, 0x3C7, 0xFF);
        assert_eq!(inp(&mut v, 0x3C7), 0x03);
        let got: Vec<u8> = (0..6).map(|_| inp(&mut v, 0x3C9)).collect();
        assert_eq!(got, vec![0x10, 0x20, 0x30, 1, 2, 3]);
        // A partial write is not committed until blue.
        out(&mut v, 0x3C8, 7);
        out(&mut v, 0x3C9, 9);
        assert_eq!(v.s.dac[21], 0);
    }

    #[test]
    fn crtc_follows_misc_io_select_and_write_protect() {
        let mut v = Vga::new();
        out(&mut v, 0x3C2, MISC_COLOR_IO);
        out(&mut v, 0x3D4, 0x0E);
        out(&mut v, 0x3D5, 0x12);
        assert_eq!(inp(&mut v, 0x3D5), 0x12);
        assert_eq!(inp(&mut v, 0x3B5), 0xFF);
        out(&mut v, 0x3C2, 0);
        out(&mut v, 0x3B4, 0x0E);
        assert_eq!(inp(&mut v, 0x3B5), 0x12);
        out(&mut v, 0x3B4, 0x11);
        out(&mut v, 0x3B5, 0x80);
        out(&mut v, 0x3B4, 0x01);
        out(&mut v, 0x3B5, 0x4F);
        assert_eq!(v.s.crtc[1], 0, "protected");
        out(&mut v, 0x3B4, 0x07);
        out(&mut v, 0x3B5, 0xFF);
        assert_eq!(v.s.crtc[7], 0x10, "only line compare bit 8");
        out(&mut v, 0x3B4, 0xFF);
        assert_eq!(inp(&mut v, 0x3B4), 0x3F);
    }

    #[test]
    fn word_out_writes_index_then_data() {
        let mut v = Vga::new();
        let mut irq = IrqLines::default();
        let mut cx = DevCtx {
            now: 0,
            irq: &mut irq,
        };
        v.write(0x3C4, 2, 0x0F02, &mut cx);
        assert_eq!(v.s.seq[SEQ_MAP_MASK], 0x0F);
        v.write(0x3CE, 2, 0xFF08, &mut cx);
        assert_eq!(v.read(0x3CE, 2, &mut cx), 0xFF08);
        assert_eq!(v.read(0x3B0, 4, &mut cx), 0xFFFF_FFFF);
    }

    #[test]
    fn retrace_bits_follow_virtual_time() {
        assert_eq!(input_status_1(0) & ST1_VRETRACE, 0);
        assert_eq!(input_status_1(0), 0, "top-left: display enabled");
        let retrace = 490 * LINE_NS + 10;
        assert_eq!(input_status_1(retrace), ST1_VRETRACE | ST1_DISPLAY_DISABLED);
        assert_eq!(
            input_status_1(retrace + FRAME_NS),
            ST1_VRETRACE | ST1_DISPLAY_DISABLED
        );
        assert_eq!(input_status_1(485 * LINE_NS), ST1_DISPLAY_DISABLED);
        assert_eq!(
            input_status_1(10 * LINE_NS + H_VISIBLE_NS),
            ST1_DISPLAY_DISABLED
        );
        // A guest polling every microsecond sees retrace begin and end in every frame.
        let seen: Vec<bool> = (0..2 * FRAME_NS / 1000)
            .map(|us| input_status_1(us * 1000) & ST1_VRETRACE != 0)
            .collect();
        let starts = seen.windows(2).filter(|w| !w[0] && w[1]).count();
        assert_eq!(starts, 2);
        let in_retrace = seen.iter().filter(|&&r| r).count() as u64;
        assert!((100..140).contains(&in_retrace), "{in_retrace} µs");
    }
}
