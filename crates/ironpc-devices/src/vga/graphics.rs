//! Graphics scanout: the graphics controller's three shifter modes (planar 16-colour, CGA
//! 2-bit interleave, 256-colour) with pixel panning, and the VBE packed-pixel depths.

use super::dump::Frame;
use super::regs::*;
use super::scanout::{Geometry, LineSpec};
use super::vbe::bytes_per_pixel;
use super::{Vga, PLANE_SIZE};

impl Vga {
    /// Draw a VGA graphics mode into `frame` (sized `g.width × lines.len()`). `lut` maps a
    /// pixel value (attribute colour 0–15, or the 256-colour byte) to its colour; `scratch`
    /// holds one line of pixel values.
    pub(super) fn draw_graphics(
        &self,
        g: &Geometry,
        lines: &[LineSpec],
        lut: &[u32; 256],
        scratch: &mut Vec<u8>,
        frame: &mut Frame,
    ) {
        let vram = &self.s.vram;
        let planes: [&[u8]; 4] =
            std::array::from_fn(|p| &vram[p * PLANE_SIZE..(p + 1) * PLANE_SIZE]);
        let gc_mode = self.s.gc[GC_MODE];
        let shift256 = gc_mode & GCM_SHIFT_256 != 0;
        let interleave = !shift256 && gc_mode & GCM_SHIFT_INTERLEAVE != 0;
        let pan_reg = self.s.ac[AC_PANNING] & 0x0F;
        let pan = if shift256 {
            usize::from((pan_reg >> 1) & 3)
        } else if pan_reg < 8 {
            usize::from(pan_reg)
        } else {
            0
        };
        let pan_off_below_split = self.s.ac[AC_MODE] & ACM_PAN_COMPAT != 0;
        let a = g.addressing;
        let width = frame.width;
        // One extra character clock feeds the pixels panned in from the right.
        let clocks = g.chars + usize::from(pan > 0);
        scratch.clear();
        scratch.resize(clocks * g.dots, 0);
        for (l, out) in lines.iter().zip(frame.pixels.chunks_exact_mut(width)) {
            for (c, px) in scratch.chunks_exact_mut(g.dots).enumerate() {
                let addr = a.addr(a.ma_at(l.ma, c as u32), l.row);
                let b = [
                    planes[0][addr],
                    planes[1][addr],
                    planes[2][addr],
                    planes[3][addr],
                ];
                if shift256 {
                    px.copy_from_slice(&b);
                } else if interleave {
                    // CGA 4-colour: plane 0 gives the first four pixels, plane 1 the next
                    // four, two bits each (planes 2 and 3 the upper two bits).
                    for (i, p) in px.iter_mut().enumerate() {
                        let (lo, hi) = if i < 4 { (b[0], b[2]) } else { (b[1], b[3]) };
                        let shift = 6 - 2 * (i & 3);
                        *p = ((lo >> shift) & 3) | (((hi >> shift) & 3) << 2);
                    }
                } else {
                    for (i, p) in px.iter_mut().enumerate() {
                        let s = 7 - i;
                        *p = ((b[0] >> s) & 1)
                            | ((b[1] >> s) & 1) << 1
                            | ((b[2] >> s) & 1) << 2
                            | ((b[3] >> s) & 1) << 3;
                    }
                }
            }
            let skip = if l.split && pan_off_below_split {
                0
            } else {
                pan
            };
            for (o, &v) in out.iter_mut().zip(&scratch[skip..]) {
                *o = lut[usize::from(v)];
            }
        }
    }

    /// Draw the VBE picture into `frame`, sizing it. Memory beyond video RAM shows black.
    pub(super) fn draw_vbe(&self, lut: &[u32; 256], frame: &mut Frame) {
        let l = self.vbe_layout();
        frame.resize(l.width, l.height);
        if l.width == 0 {
            return;
        }
        let bpp = bytes_per_pixel(l.bpp);
        let vram = &self.s.vram;
        for (y, out) in frame.pixels.chunks_exact_mut(l.width).enumerate() {
            let start = l.start.saturating_add(y * l.pitch);
            let src = vram.get(start..).unwrap_or(&[]);
            let src = &src[..src.len().min(l.width * bpp)];
            let n = src.len() / bpp;
            let (shown, missing) = out.split_at_mut(n);
            missing.fill(0);
            match l.bpp {
                32 => {
                    for (o, p) in shown.iter_mut().zip(src.chunks_exact(4)) {
                        *o = u32::from_le_bytes([p[0], p[1], p[2], 0]);
                    }
                }
                24 => {
                    for (o, p) in shown.iter_mut().zip(src.chunks_exact(3)) {
                        *o = u32::from_le_bytes([p[0], p[1], p[2], 0]);
                    }
                }
                16 => {
                    for (o, p) in shown.iter_mut().zip(src.chunks_exact(2)) {
                        let v = u32::from(u16::from_le_bytes([p[0], p[1]]));
                        *o = expand5((v >> 11) & 0x1F) << 16
                            | expand6((v >> 5) & 0x3F) << 8
                            | expand5(v & 0x1F);
                    }
                }
                15 => {
                    for (o, p) in shown.iter_mut().zip(src.chunks_exact(2)) {
                        let v = u32::from(u16::from_le_bytes([p[0], p[1]]));
                        *o = expand5((v >> 10) & 0x1F) << 16
                            | expand5((v >> 5) & 0x1F) << 8
                            | expand5(v & 0x1F);
                    }
                }
                _ => {
                    for (o, &p) in shown.iter_mut().zip(src) {
                        *o = lut[usize::from(p)];
                    }
                }
            }
        }
    }
}

fn expand5(c: u32) -> u32 {
    (c << 3) | (c >> 2)
}

fn expand6(c: u32) -> u32 {
    (c << 2) | (c >> 4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vga::vbe::*;
    use crate::vga::{StandardMode, VBE_PORT_DATA, VBE_PORT_INDEX};

    fn dispi(v: &mut Vga, index: u16, value: u16) {
        v.vbe_write(VBE_PORT_INDEX, index);
        v.vbe_write(VBE_PORT_DATA, value);
    }

    fn vbe_mode(v: &mut Vga, w: u16, h: u16, bpp: u16) {
        dispi(v, VBE_INDEX_XRES, w);
        dispi(v, VBE_INDEX_YRES, h);
        dispi(v, VBE_INDEX_BPP, bpp);
        dispi(v, VBE_INDEX_ENABLE, VBE_ENABLED | VBE_LFB_ENABLED);
    }

    #[test]
    fn vbe_depths_decode_to_rgb() {
        for (bpp, bytes, want) in [
            (32u16, vec![0x56, 0x34, 0x12, 0xFF], 0x123456u32),
            (24, vec![0x56, 0x34, 0x12], 0x123456),
            (16, 0xF800u16.to_le_bytes().to_vec(), 0xFF0000),
            (16, 0x07E0u16.to_le_bytes().to_vec(), 0x00FF00),
            (15, 0x001Fu16.to_le_bytes().to_vec(), 0x0000FF),
            (15, 0x7C00u16.to_le_bytes().to_vec(), 0xFF0000),
        ] {
            let mut v = Vga::new();
            vbe_mode(&mut v, 16, 4, bpp);
            let pitch = 16 * bytes.len() as u32;
            for (i, &b) in bytes.iter().enumerate() {
                v.lfb_write(
                    pitch * 2 + bytes.len() as u32 * 3 + i as u32,
                    1,
                    u32::from(b),
                );
            }
            let f = v.render().unwrap();
            assert_eq!((f.width, f.height), (16, 4));
            assert_eq!(f.pixel(3, 2), Some(want), "{bpp} bpp");
            assert_eq!(f.pixel(2, 2), Some(0));
        }
    }

    #[test]
    fn vbe_8bpp_uses_the_dac_and_y_offset_pans() {
        let mut v = Vga::new();
        vbe_mode(&mut v, 8, 2, 8);
        v.port_write_byte(0x3C8, 5);
        for c in [0x3F, 0x00, 0x3F] {
            v.port_write_byte(0x3C9, c);
        }
        v.lfb_write(8 * 3 + 1, 1, 5);
        assert_eq!(v.render().unwrap().pixel(1, 1), Some(0));
        dispi(&mut v, VBE_INDEX_Y_OFFSET, 2);
        assert_eq!(v.render().unwrap().pixel(1, 1), Some(0xFF00FF));
        // A write outside the displayed picture does not cause a redraw.
        v.lfb_write(0x10_0000, 4, 0x1234_5678);
        assert!(v.render().is_none());
        v.lfb_write(8 * 3 + 2, 1, 5);
        assert!(v.render().is_some());
    }

    #[test]
    fn vbe_picture_past_the_end_of_memory_is_black() {
        let mut v = Vga::new();
        vbe_mode(&mut v, 1920, 1080, 32);
        dispi(&mut v, VBE_INDEX_Y_OFFSET, 2000);
        let f = v.render().unwrap();
        assert_eq!(f.pixels.len(), 1920 * 1080);
        assert!(f.pixels.iter().all(|&p| p == 0));
    }

    #[test]
    fn pixel_panning_shifts_planar_lines() {
        let mut v = Vga::new();
        v.set_mode(StandardMode::Vga640x480x16);
        v.mem_write(0, 1, 0x01); // pixel 7 white
        v.mem_write(1, 1, 0x80); // pixel 8 white
        assert_eq!(v.render().unwrap().pixel(7, 0), Some(0xFFFFFF));
        v.port_read_byte(0x3DA);
        v.port_write_byte(0x3C0, 0x33);
        v.port_write_byte(0x3C0, 3);
        let f = v.render().unwrap();
        assert_eq!(f.pixel(4, 0), Some(0xFFFFFF));
        assert_eq!(f.pixel(5, 0), Some(0xFFFFFF));
        assert_eq!(f.pixel(7, 0), Some(0));
    }
}
