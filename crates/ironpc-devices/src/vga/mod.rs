//! IBM VGA with the Bochs VBE (DISPI) extension, headless: the register files behind ports
//! 0x3B0–0x3DF and 0x1CE/0x1CF, four 64 KiB planes behind the A0000–BFFFF window, a 16 MiB
//! linear frame buffer, and a renderer that turns them into a [`Frame`] of 0x00RRGGBB pixels
//! only when something changed.
//!
//! The screen geometry is derived from the CRTC, sequencer, graphics and attribute controller
//! registers as the hardware scans them out (never from a BIOS mode number), so a guest that
//! programs the registers directly gets what it programmed. [`Vga::set_mode`] writes the
//! standard register tables for a few BIOS modes through the same port path, for boot code and
//! tests that do not run a VGA BIOS.
//!
//! Layout of the files: `regs` (ports, register files, DAC, status), `memory` (planes,
//! latches, read and write modes), `vbe` (DISPI registers, banked and linear access),
//! `scanout` (geometry from the registers), `render` (dirty tracking, palettes), `text` and
//! `graphics` (line renderers), `dump`
//! ([`Frame`], PNG), `font` (glyph data, [`Vga::load_font`]), `modes` (standard tables),
//! `cp437` (text extraction table).
//!
//! Deliberate deviations from the hardware are listed where they are made; the main ones:
//! * Frames are given at the logical resolution of graphics modes (320×200 for mode 13h, not
//!   the 640×400 the monitor sees); text modes are given as the monitor sees them (720×400
//!   for 80 and 40 columns alike, the 40-column dots doubled).
//! * In 256-colour mode the pixel byte indexes the DAC directly (the attribute palette is the
//!   identity in every standard mode), as Bochs and QEMU do.
//! * The retrace and display-enable status bits follow a fixed 640×480 60 Hz timing, whatever
//!   the CRTC timing registers say.

mod cp437;
mod dump;
mod font;
mod graphics;
mod memory;
pub mod modes;
pub mod regs;
mod render;
mod scanout;
mod text;
pub mod vbe;

use crate::bus::{access_width, read_bytes, write_bytes, DevCtx, PortDevice, Size};

pub use cp437::CP437;
pub use dump::{write_png, Frame};
pub use font::{VGA_FONT_8X16, VGA_FONT_8X8};
pub use modes::StandardMode;
pub use vbe::{VBE_MAX_BPP, VBE_MAX_XRES, VBE_MAX_YRES};

/// Video memory: the VGA planes are its first 256 KiB (plane `p` at `p * PLANE_SIZE`), the
/// VBE modes see all of it linearly.
pub const VRAM_SIZE: usize = 16 << 20;
/// One VGA plane.
pub const PLANE_SIZE: usize = 0x1_0000;
/// Physical base of the legacy memory window; [`Vga::mem_read`] offsets are relative to it.
pub const WINDOW_BASE: u32 = 0xA_0000;
/// Size of the legacy memory window (A0000–BFFFF).
pub const WINDOW_SIZE: u32 = 0x2_0000;
/// First and last VGA I/O port.
pub const PORT_FIRST: u16 = 0x3B0;
pub const PORT_LAST: u16 = 0x3DF;
/// Bochs VBE (DISPI) index and data ports.
pub const VBE_PORT_INDEX: u16 = 0x1CE;
pub const VBE_PORT_DATA: u16 = 0x1CF;

/// A 60 Hz frame, the time base of the status bits and of blinking.
pub const FRAME_NS: u64 = 16_666_667;

/// Everything a guest can observe or has written: registers, DAC, latches, VBE, memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VgaState {
    /// Miscellaneous output register (0x3C2 write, 0x3CC read).
    pub misc: u8,
    /// Feature control (0x3BA/0x3DA write, 0x3CA read).
    pub feature: u8,
    /// Video subsystem enable (0x3C3).
    pub subsystem_enable: u8,
    /// Sequencer index (3 bits) and registers.
    pub seq_index: u8,
    pub seq: [u8; 8],
    /// CRT controller index (6 bits) and registers.
    pub crtc_index: u8,
    pub crtc: [u8; regs::CRTC_REGS],
    /// Graphics controller index (4 bits) and registers.
    pub gc_index: u8,
    pub gc: [u8; 16],
    /// Attribute controller index, with bit 5 (palette address source) kept.
    pub ac_index: u8,
    /// Attribute flip-flop: `true` when the next 0x3C0 write is data.
    pub ac_data_next: bool,
    pub ac: [u8; 32],
    /// DAC pixel mask (0x3C6).
    pub dac_mask: u8,
    /// DAC read and write indexes, and the component (0–2) the next 0x3C9 access reaches.
    pub dac_read_index: u8,
    pub dac_write_index: u8,
    pub dac_component: u8,
    /// Last index written was the read index (0x3C7 reads back 3) rather than the write one.
    pub dac_reading: bool,
    /// Components written for the entry at the write index, committed with the third.
    pub dac_pending: [u8; 3],
    /// 256 RGB triples, 6 bits each (8 with the VBE 8-bit DAC switch).
    pub dac: [u8; 768],
    /// The four 8-bit latches loaded by every memory read.
    pub latch: [u8; 4],
    /// DISPI index and registers (see `vbe`).
    pub vbe_index: u16,
    pub vbe: [u16; 16],
    /// Video memory, [`VRAM_SIZE`] bytes.
    pub vram: Vec<u8>,
}

impl Default for VgaState {
    /// Power-on: registers clear (the BIOS programs a mode), memory zero, DAC black.
    fn default() -> Self {
        Self {
            misc: 0,
            feature: 0,
            subsystem_enable: 1,
            seq_index: 0,
            seq: [0; 8],
            crtc_index: 0,
            crtc: [0; regs::CRTC_REGS],
            gc_index: 0,
            gc: [0; 16],
            ac_index: 0,
            ac_data_next: false,
            ac: [0; 32],
            dac_mask: 0xFF,
            dac_read_index: 0,
            dac_write_index: 0,
            dac_component: 0,
            dac_reading: false,
            dac_pending: [0; 3],
            dac: [0; 768],
            latch: [0; 4],
            vbe_index: 0,
            vbe: vbe::power_on_registers(),
            vram: vec![0; VRAM_SIZE],
        }
    }
}

/// The VGA/VBE adapter.
pub struct Vga {
    s: VgaState,
    /// Virtual time of the last access or [`Vga::set_time`], for status bits and blinking.
    now: u64,
    /// Something visible may have changed since the last rendered frame.
    dirty: bool,
    frame: Frame,
    has_frame: bool,
    /// Blink phases (cursor, characters) of the last rendered frame, and whether that frame
    /// depended on them.
    last_phase: (bool, bool),
    blink_sensitive: bool,
    /// Scratch reused by the renderer: the scanlines to draw and one line of colour indexes.
    lines: Vec<scanout::LineSpec>,
    scratch: Vec<u8>,
}

impl Default for Vga {
    fn default() -> Self {
        Self::new()
    }
}

impl Vga {
    /// An adapter in its power-on state: registers clear, memory zero, no font loaded.
    pub fn new() -> Self {
        Self::from_state(&VgaState::default())
    }

    /// Restore from a saved state; a wrong-sized memory vector is resized and out-of-range
    /// values (indexes, VBE resolution) are brought into range.
    pub fn from_state(state: &VgaState) -> Self {
        let mut s = state.clone();
        s.vram.resize(VRAM_SIZE, 0);
        s.seq_index &= regs::SEQ_INDEX_MASK;
        s.gc_index &= regs::GC_INDEX_MASK;
        s.crtc_index &= regs::CRTC_INDEX_MASK;
        s.ac_index &= regs::AC_INDEX_MASK | regs::AC_PAS;
        s.dac_component %= 3;
        vbe::sanitize(&mut s.vbe);
        Self {
            s,
            now: 0,
            dirty: true,
            frame: Frame::default(),
            has_frame: false,
            last_phase: (true, true),
            blink_sensitive: false,
            lines: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The current state, for saving (copies the 16 MiB of video memory).
    pub fn state(&self) -> VgaState {
        self.s.clone()
    }

    /// Tell the adapter the virtual time (ns) outside a port access, e.g. before rendering,
    /// so the cursor and blinking characters follow the guest's clock.
    pub fn set_time(&mut self, now: u64) {
        self.now = now;
    }

    /// Force the next [`Vga::render`] to draw, e.g. after the frontend lost its window.
    pub fn invalidate(&mut self) {
        self.dirty = true;
    }

    /// The last rendered frame (empty before the first [`Vga::render`]).
    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// Blink phases at the current time: (cursor visible, blinking characters visible).
    /// The cursor toggles every 8 frames, blinking characters every 16, as on the VGA.
    fn blink_phase(&self) -> (bool, bool) {
        let frame = self.now / FRAME_NS;
        ((frame / 8) % 2 == 0, (frame / 16) % 2 == 0)
    }
}

impl PortDevice for Vga {
    fn read(&mut self, port: u16, size: Size, cx: &mut DevCtx) -> u32 {
        self.now = cx.now;
        match port {
            VBE_PORT_INDEX | VBE_PORT_DATA => {
                let v = u32::from(self.vbe_read(port));
                if access_width(size) == 1 {
                    v & 0xFF
                } else {
                    v
                }
            }
            _ => read_bytes(port, size, |p| self.port_read_byte(p)),
        }
    }

    fn write(&mut self, port: u16, size: Size, value: u32, cx: &mut DevCtx) {
        self.now = cx.now;
        match port {
            VBE_PORT_INDEX | VBE_PORT_DATA => {
                let v = if access_width(size) == 1 {
                    value & 0xFF
                } else {
                    value & 0xFFFF
                };
                self.vbe_write(port, v as u16);
            }
            _ => write_bytes(port, size, value, |p, b| self.port_write_byte(p, b)),
        }
    }

    fn advance(&mut self, cx: &mut DevCtx) {
        self.now = cx.now;
    }
}

impl std::fmt::Debug for Vga {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vga")
            .field("misc", &self.s.misc)
            .field("seq", &self.s.seq)
            .field("gc", &self.s.gc)
            .field("vbe", &self.s.vbe)
            .finish_non_exhaustive()
    }
}
