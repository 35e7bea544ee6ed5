//! Bochs VBE "DISPI" interface (index port 0x1CE, data port 0x1CF), as Bochs and QEMU's
//! standard VGA implement it: resolution, depth, enable (with the linear frame buffer and
//! no-clear bits), 64 KiB banks at A0000, virtual width and panning offsets, over 16 MiB of
//! video memory. The linear frame buffer itself is [`Vga::lfb_read`]/[`Vga::lfb_write`]; the
//! machine maps it where it likes (e.g. a PCI BAR at 0xE0000000).

use super::{Vga, VRAM_SIZE};

/// DISPI register indexes.
pub const VBE_INDEX_ID: u16 = 0x0;
pub const VBE_INDEX_XRES: u16 = 0x1;
pub const VBE_INDEX_YRES: u16 = 0x2;
pub const VBE_INDEX_BPP: u16 = 0x3;
pub const VBE_INDEX_ENABLE: u16 = 0x4;
pub const VBE_INDEX_BANK: u16 = 0x5;
pub const VBE_INDEX_VIRT_WIDTH: u16 = 0x6;
pub const VBE_INDEX_VIRT_HEIGHT: u16 = 0x7;
pub const VBE_INDEX_X_OFFSET: u16 = 0x8;
pub const VBE_INDEX_Y_OFFSET: u16 = 0x9;
pub const VBE_INDEX_VIDEO_MEMORY_64K: u16 = 0xA;

/// Interface revisions a guest may select; we report the newest by default.
pub const VBE_ID0: u16 = 0xB0C0;
pub const VBE_ID5: u16 = 0xB0C5;

/// ENABLE bits.
pub const VBE_ENABLED: u16 = 0x01;
pub const VBE_GETCAPS: u16 = 0x02;
pub const VBE_8BIT_DAC: u16 = 0x20;
pub const VBE_LFB_ENABLED: u16 = 0x40;
pub const VBE_NOCLEARMEM: u16 = 0x80;

/// Largest mode we accept.
pub const VBE_MAX_XRES: u16 = 1920;
pub const VBE_MAX_YRES: u16 = 1080;
pub const VBE_MAX_BPP: u16 = 32;

const BANK_SIZE: usize = 0x1_0000;

/// Registers at power-on: 640×480×8, disabled.
pub(super) fn power_on_registers() -> [u16; 16] {
    let mut r = [0u16; 16];
    r[usize::from(VBE_INDEX_ID)] = VBE_ID5;
    r[usize::from(VBE_INDEX_XRES)] = 640;
    r[usize::from(VBE_INDEX_YRES)] = 480;
    r[usize::from(VBE_INDEX_BPP)] = 8;
    r[usize::from(VBE_INDEX_VIRT_WIDTH)] = 640;
    r
}

/// Bring registers restored from a saved state within what a guest could have written.
pub(super) fn sanitize(r: &mut [u16; 16]) {
    let x = &mut r[usize::from(VBE_INDEX_XRES)];
    *x = (*x).clamp(1, VBE_MAX_XRES);
    let y = &mut r[usize::from(VBE_INDEX_YRES)];
    *y = (*y).clamp(1, VBE_MAX_YRES);
    let bpp = &mut r[usize::from(VBE_INDEX_BPP)];
    if !matches!(*bpp, 8 | 15 | 16 | 24 | 32) {
        *bpp = 8;
    }
    let bank = &mut r[usize::from(VBE_INDEX_BANK)];
    *bank = (*bank).min((VRAM_SIZE / BANK_SIZE - 1) as u16);
    if !(VBE_ID0..=VBE_ID5).contains(&r[usize::from(VBE_INDEX_ID)]) {
        r[usize::from(VBE_INDEX_ID)] = VBE_ID5;
    }
}

/// Bytes per pixel of a DISPI depth (15 and 16 both take two).
pub(super) fn bytes_per_pixel(bpp: u16) -> usize {
    match bpp {
        15 | 16 => 2,
        24 => 3,
        32 => 4,
        _ => 1,
    }
}

/// Where the displayed VBE picture lies in video memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct VbeLayout {
    pub width: usize,
    pub height: usize,
    pub bpp: u16,
    /// Bytes per scanline (from the virtual width).
    pub pitch: usize,
    /// Byte offset of the top-left displayed pixel.
    pub start: usize,
}

impl VbeLayout {
    /// Bytes of memory the picture spans, from `start`.
    pub fn span(&self) -> usize {
        self.pitch * self.height.saturating_sub(1) + self.width * bytes_per_pixel(self.bpp)
    }
}

impl Vga {
    fn vbe_reg(&self, index: u16) -> u16 {
        self.s.vbe[usize::from(index & 0xF)]
    }

    /// VBE mode enabled: the VBE picture is shown and A0000 is a bank of linear memory.
    pub(super) fn vbe_enabled(&self) -> bool {
        self.vbe_reg(VBE_INDEX_ENABLE) & VBE_ENABLED != 0
    }

    /// DAC components are 8 bits wide (ENABLE bit 5).
    pub(super) fn dac_8bit(&self) -> bool {
        self.vbe_reg(VBE_INDEX_ENABLE) & VBE_8BIT_DAC != 0
    }

    pub(super) fn vbe_layout(&self) -> VbeLayout {
        let bpp = self.vbe_reg(VBE_INDEX_BPP);
        let bytes = bytes_per_pixel(bpp);
        let width = usize::from(self.vbe_reg(VBE_INDEX_XRES));
        let virt = usize::from(self.vbe_reg(VBE_INDEX_VIRT_WIDTH)).max(width);
        let pitch = virt * bytes;
        let start = usize::from(self.vbe_reg(VBE_INDEX_Y_OFFSET))
            .saturating_mul(pitch)
            .saturating_add(usize::from(self.vbe_reg(VBE_INDEX_X_OFFSET)) * bytes);
        VbeLayout {
            width,
            height: usize::from(self.vbe_reg(VBE_INDEX_YRES)),
            bpp,
            pitch,
            start,
        }
    }

    /// Lines of the virtual screen that fit in video memory.
    fn virt_height(&self) -> u16 {
        let pitch = self.vbe_layout().pitch.max(1);
        u16::try_from(VRAM_SIZE / pitch).unwrap_or(u16::MAX)
    }

    pub(super) fn vbe_read(&mut self, port: u16) -> u16 {
        if port == super::VBE_PORT_INDEX {
            return self.s.vbe_index;
        }
        let caps = self.vbe_reg(VBE_INDEX_ENABLE) & VBE_GETCAPS != 0;
        match self.s.vbe_index {
            VBE_INDEX_XRES if caps => VBE_MAX_XRES,
            VBE_INDEX_YRES if caps => VBE_MAX_YRES,
            VBE_INDEX_BPP if caps => VBE_MAX_BPP,
            VBE_INDEX_VIRT_HEIGHT => self.virt_height(),
            VBE_INDEX_VIDEO_MEMORY_64K => (VRAM_SIZE / BANK_SIZE) as u16,
            i @ 0..=0xA => self.vbe_reg(i),
            _ => 0,
        }
    }

    pub(super) fn vbe_write(&mut self, port: u16, v: u16) {
        if port == super::VBE_PORT_INDEX {
            self.s.vbe_index = v;
            return;
        }
        let i = self.s.vbe_index;
        let reg = |i: u16| usize::from(i);
        match i {
            VBE_INDEX_ID if (VBE_ID0..=VBE_ID5).contains(&v) => self.s.vbe[reg(i)] = v,
            VBE_INDEX_XRES if (1..=VBE_MAX_XRES).contains(&v) => self.s.vbe[reg(i)] = v,
            VBE_INDEX_YRES if (1..=VBE_MAX_YRES).contains(&v) => self.s.vbe[reg(i)] = v,
            VBE_INDEX_BPP => {
                let v = if v == 0 { 8 } else { v };
                if matches!(v, 8 | 15 | 16 | 24 | 32) {
                    self.s.vbe[reg(i)] = v;
                }
            }
            VBE_INDEX_ENABLE => self.vbe_enable(v),
            VBE_INDEX_BANK if usize::from(v) < VRAM_SIZE / BANK_SIZE => self.s.vbe[reg(i)] = v,
            VBE_INDEX_VIRT_WIDTH if v > 0 => self.s.vbe[reg(i)] = v,
            VBE_INDEX_X_OFFSET | VBE_INDEX_Y_OFFSET => self.s.vbe[reg(i)] = v,
            _ => return,
        }
        self.dirty = true;
    }

    fn vbe_enable(&mut self, v: u16) {
        let v = v & (VBE_ENABLED | VBE_GETCAPS | VBE_8BIT_DAC | VBE_LFB_ENABLED | VBE_NOCLEARMEM);
        let old = self.vbe_reg(VBE_INDEX_ENABLE);
        let r = |i: u16| usize::from(i);
        if v & VBE_ENABLED != 0 && old & VBE_ENABLED == 0 {
            // Entering a mode: the virtual screen is the visible one, panned to the origin.
            self.s.vbe[r(VBE_INDEX_VIRT_WIDTH)] = self.vbe_reg(VBE_INDEX_XRES);
            self.s.vbe[r(VBE_INDEX_X_OFFSET)] = 0;
            self.s.vbe[r(VBE_INDEX_Y_OFFSET)] = 0;
            self.s.vbe[r(VBE_INDEX_BANK)] = 0;
            if v & VBE_NOCLEARMEM == 0 {
                let span = self.vbe_layout().span().min(VRAM_SIZE);
                self.s.vram[..span].fill(0);
            }
        }
        // Switching the DAC width rescales the palette, as Bochs does.
        if (v ^ old) & VBE_8BIT_DAC != 0 {
            for c in self.s.dac.iter_mut() {
                *c = if v & VBE_8BIT_DAC != 0 {
                    (*c & 0x3F) << 2
                } else {
                    *c >> 2
                };
            }
        }
        self.s.vbe[r(VBE_INDEX_ENABLE)] = v;
    }

    fn bank_index(&self, offset: u32) -> Option<usize> {
        let offset = usize::try_from(offset).ok().filter(|&o| o < BANK_SIZE)?;
        Some(usize::from(self.vbe_reg(VBE_INDEX_BANK)) * BANK_SIZE + offset)
            .filter(|&i| i < VRAM_SIZE)
    }

    /// A byte at A0000 + `offset` while VBE is on: bank `BANK` of linear memory (A0000–AFFFF).
    pub(super) fn vbe_bank_read(&self, offset: u32) -> u8 {
        self.bank_index(offset).map_or(0xFF, |i| self.s.vram[i])
    }

    pub(super) fn vbe_bank_write(&mut self, offset: u32, value: u8) {
        if let Some(i) = self.bank_index(offset) {
            self.vram_store(i, value);
        }
    }

    /// Store a byte of linear memory, noting whether the displayed picture changed.
    fn vram_store(&mut self, i: usize, value: u8) {
        let cell = &mut self.s.vram[i];
        if *cell == value {
            return;
        }
        *cell = value;
        if !self.dirty {
            if self.vbe_enabled() {
                let l = self.vbe_layout();
                self.dirty = (l.start..l.start.saturating_add(l.span())).contains(&i);
            } else {
                // VGA modes scan the four planes at the start of memory.
                self.dirty = i < 4 * super::PLANE_SIZE;
            }
        }
    }

    /// A CPU read of `size` (1, 2 or 4) bytes at `offset` into the linear frame buffer,
    /// little-endian; beyond video memory reads all ones.
    pub fn lfb_read(&self, offset: u32, size: u8) -> u32 {
        (0..u32::from(crate::bus::access_width(size))).fold(0u32, |acc, k| {
            let b = usize::try_from(offset.wrapping_add(k))
                .ok()
                .and_then(|i| self.s.vram.get(i).copied())
                .unwrap_or(0xFF);
            acc | u32::from(b) << (8 * k)
        })
    }

    /// A CPU write of `size` (1, 2 or 4) bytes at `offset` into the linear frame buffer,
    /// little-endian; beyond video memory is ignored.
    pub fn lfb_write(&mut self, offset: u32, size: u8, value: u32) {
        for k in 0..u32::from(crate::bus::access_width(size)) {
            if let Some(i) = usize::try_from(offset.wrapping_add(k))
                .ok()
                .filter(|&i| i < VRAM_SIZE)
            {
                self.vram_store(i, (value >> (8 * k)) as u8);
            }
        }
    }

    /// The whole video memory, e.g. for a frontend or a debugger.
    pub fn vram(&self) -> &[u8] {
        &self.s.vram
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vga::{VBE_PORT_DATA, VBE_PORT_INDEX};

    fn dispi(v: &mut Vga, index: u16, value: u16) {
        v.vbe_write(VBE_PORT_INDEX, index);
        v.vbe_write(VBE_PORT_DATA, value);
    }
    fn dispi_get(v: &mut Vga, index: u16) -> u16 {
        v.vbe_write(VBE_PORT_INDEX, index);
        v.vbe_read(VBE_PORT_DATA)
    }

    #[test]
    fn id_probe_and_capabilities() {
        let mut v = Vga::new();
        dispi(&mut v, VBE_INDEX_ID, VBE_ID0 + 2);
        assert_eq!(dispi_get(&mut v, VBE_INDEX_ID), 0xB0C2);
        dispi(&mut v, VBE_INDEX_ID, 0xB0C9);
        assert_eq!(
            dispi_get(&mut v, VBE_INDEX_ID),
            0xB0C2,
            "unknown ids are refused"
        );
        dispi(&mut v, VBE_INDEX_ENABLE, VBE_GETCAPS);
        assert_eq!(dispi_get(&mut v, VBE_INDEX_XRES), 1920);
        assert_eq!(dispi_get(&mut v, VBE_INDEX_YRES), 1080);
        assert_eq!(dispi_get(&mut v, VBE_INDEX_BPP), 32);
        dispi(&mut v, VBE_INDEX_ENABLE, 0);
        assert_eq!(dispi_get(&mut v, VBE_INDEX_XRES), 640);
        assert_eq!(dispi_get(&mut v, VBE_INDEX_VIDEO_MEMORY_64K), 256);
        assert_eq!(dispi_get(&mut v, 0x7FFF), 0);
    }

    #[test]
    fn mode_set_validates_and_computes_virtual_screen() {
        let mut v = Vga::new();
        dispi(&mut v, VBE_INDEX_XRES, 4000);
        dispi(&mut v, VBE_INDEX_BPP, 12);
        assert_eq!(dispi_get(&mut v, VBE_INDEX_XRES), 640);
        assert_eq!(dispi_get(&mut v, VBE_INDEX_BPP), 8);
        dispi(&mut v, VBE_INDEX_XRES, 1024);
        dispi(&mut v, VBE_INDEX_YRES, 768);
        dispi(&mut v, VBE_INDEX_BPP, 32);
        v.s.vram[5] = 0x77;
        dispi(&mut v, VBE_INDEX_ENABLE, VBE_ENABLED | VBE_LFB_ENABLED);
        assert_eq!(v.s.vram[5], 0, "enabling clears");
        assert_eq!(dispi_get(&mut v, VBE_INDEX_VIRT_WIDTH), 1024);
        assert_eq!(dispi_get(&mut v, VBE_INDEX_VIRT_HEIGHT), 4096);
        dispi(&mut v, VBE_INDEX_VIRT_WIDTH, 2048);
        dispi(&mut v, VBE_INDEX_Y_OFFSET, 10);
        dispi(&mut v, VBE_INDEX_X_OFFSET, 3);
        let l = v.vbe_layout();
        assert_eq!((l.pitch, l.start), (8192, 10 * 8192 + 12));
        dispi(&mut v, VBE_INDEX_ENABLE, 0);
        v.s.vram[5] = 0x77;
        dispi(&mut v, VBE_INDEX_ENABLE, VBE_ENABLED | VBE_NOCLEARMEM);
        assert_eq!(v.s.vram[5], 0x77, "no-clear bit");
    }

    #[test]
    fn banked_window_and_lfb_see_the_same_memory() {
        let mut v = Vga::new();
        dispi(&mut v, VBE_INDEX_ENABLE, VBE_ENABLED);
        dispi(&mut v, VBE_INDEX_BANK, 3);
        v.mem_write(0x10, 4, 0xAABB_CCDD);
        assert_eq!(v.lfb_read(3 * 0x10000 + 0x10, 4), 0xAABB_CCDD);
        v.lfb_write(3 * 0x10000 + 0x12, 2, 0x1234);
        assert_eq!(v.mem_read(0x10, 4), 0x1234_CCDD);
        assert_eq!(v.mem_read(0x10000, 1), 0xFF, "only A0000-AFFFF is banked");
        dispi(&mut v, VBE_INDEX_BANK, 256);
        assert_eq!(
            dispi_get(&mut v, VBE_INDEX_BANK),
            3,
            "bank beyond memory refused"
        );
        assert_eq!(v.lfb_read(VRAM_SIZE as u32 - 2, 4), 0xFFFF_0000);
        v.lfb_write(u32::MAX, 4, 0);
    }

    #[test]
    fn eight_bit_dac_rescales_the_palette() {
        let mut v = Vga::new();
        v.s.dac[0] = 0x3F;
        dispi(&mut v, VBE_INDEX_ENABLE, VBE_ENABLED | VBE_8BIT_DAC);
        assert_eq!(v.s.dac[0], 0xFC);
        v.port_write_byte(0x3C8, 1);
        for c in [0xFF, 0x80, 0x01] {
            v.port_write_byte(0x3C9, c);
        }
        assert_eq!(&v.s.dac[3..6], &[0xFF, 0x80, 0x01]);
        dispi(&mut v, VBE_INDEX_ENABLE, 0);
        assert_eq!(&v.s.dac[3..6], &[0x3F, 0x20, 0x00]);
    }
}
