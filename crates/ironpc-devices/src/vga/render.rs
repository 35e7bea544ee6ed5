//! Rendering on demand: [`Vga::render`] draws a frame only when video memory, a register or
//! the DAC changed since the last one (or, in text modes, when the cursor or character blink
//! phase turned), into a buffer that is reused from frame to frame.

use super::dump::Frame;
use super::regs::*;
use super::scanout::Scanout;
use super::Vga;

impl Vga {
    /// Render the screen if anything visible changed since the last call, and return it;
    /// `None` when the previous frame (see [`Vga::frame`]) is still right.
    pub fn render(&mut self) -> Option<&Frame> {
        let phase = self.blink_phase();
        let blink_turned = self.blink_sensitive && phase != self.last_phase;
        if self.has_frame && !self.dirty && !blink_turned {
            return None;
        }
        let mut frame = std::mem::take(&mut self.frame);
        let mut lines = std::mem::take(&mut self.lines);
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut lut = [0u32; 256];
        let mut sensitive = false;
        match self.scanout() {
            Scanout::Blank { width, height } => {
                frame.resize(width, height);
                frame.pixels.fill(0);
            }
            Scanout::Text(g) => {
                self.walk_lines(false, &mut lines);
                frame.resize(g.width, lines.len());
                self.attribute_lut(&mut lut);
                self.draw_text(&g, &lines, phase, &lut, &mut frame);
                sensitive = true;
            }
            Scanout::Graphics(g) => {
                self.walk_lines(true, &mut lines);
                frame.resize(g.width, lines.len());
                if self.s.gc[GC_MODE] & GCM_SHIFT_256 != 0 {
                    self.dac_lut(&mut lut);
                } else {
                    self.attribute_lut(&mut lut);
                }
                self.draw_graphics(&g, &lines, &lut, &mut scratch, &mut frame);
            }
            Scanout::Vbe => {
                self.dac_lut(&mut lut);
                self.draw_vbe(&lut, &mut frame);
            }
        }
        self.frame = frame;
        self.lines = lines;
        self.scratch = scratch;
        self.dirty = false;
        self.has_frame = true;
        self.last_phase = phase;
        self.blink_sensitive = sensitive;
        Some(&self.frame)
    }

    /// Colours of the 256 pixel values seen through the DAC mask.
    fn dac_lut(&self, lut: &mut [u32; 256]) {
        let mut dac = [0u32; 256];
        self.dac_rgb(&mut dac);
        let mask = self.s.dac_mask;
        for (i, l) in lut.iter_mut().enumerate() {
            *l = dac[usize::from(i as u8 & mask)];
        }
    }

    /// Colours of the 16 attribute values (through the attribute palette and the DAC); the
    /// other entries repeat them.
    fn attribute_lut(&self, lut: &mut [u32; 256]) {
        let mut dac = [0u32; 256];
        self.dac_rgb(&mut dac);
        let mask = self.s.dac_mask;
        for (i, l) in lut.iter_mut().enumerate() {
            *l = dac[usize::from(self.attribute_to_dac(i as u8 & 0x0F) & mask)];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vga::StandardMode;

    #[test]
    fn unchanged_frames_are_not_redrawn_and_the_buffer_is_reused() {
        let mut v = Vga::new();
        v.set_mode(StandardMode::Vga320x200x256);
        let ptr = v.render().unwrap().pixels.as_ptr();
        assert!(v.render().is_none());
        v.mem_write(5, 1, 0); // same value: nothing changed
        assert!(v.render().is_none());
        v.mem_write(5, 1, 4);
        let f = v.render().unwrap();
        assert_eq!(f.pixels.as_ptr(), ptr, "no reallocation");
        assert_eq!(f.pixel(5, 0), Some(0xAA0000));
        // A DAC change redraws: entry 4 becomes green.
        v.port_write_byte(0x3C8, 4);
        for c in [0, 0x3F, 0] {
            v.port_write_byte(0x3C9, c);
        }
        assert_eq!(v.render().unwrap().pixel(5, 0), Some(0x00FF00));
        // The DAC mask hides bit 2: pixel 4 shows entry 0.
        v.port_write_byte(0x3C6, 0xFB);
        assert_eq!(v.render().unwrap().pixel(5, 0), Some(0));
        // Graphics frames do not redraw for the blink clock.
        v.set_time(crate::vga::FRAME_NS * 8);
        assert!(v.render().is_none());
    }

    #[test]
    fn blanked_screen_renders_black() {
        let mut v = Vga::new();
        let f = v.render().unwrap();
        assert_eq!(
            (f.width, f.height),
            (640, 480),
            "power-on: no plausible mode"
        );
        v.set_mode(StandardMode::Vga320x200x256);
        v.mem_write(0, 1, 15);
        v.port_write_byte(0x3C4, 1);
        v.port_write_byte(0x3C5, 0x21); // screen off
        let f = v.render().unwrap();
        assert_eq!((f.width, f.height), (320, 200));
        assert_eq!(f.pixel(0, 0), Some(0));
    }
}
