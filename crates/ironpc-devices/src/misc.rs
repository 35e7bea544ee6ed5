//! The small fry of the PC/AT port map: the two 8237A DMA controllers (0x00–0x0F and
//! 0xC0–0xDF) with their page registers (0x80–0x8F, 0x80 doubling as the POST code port),
//! and system control port A (0x92, fast A20 and fast reset).
//!
//! The DMA controllers only keep their registers so that BIOSes and drivers that program
//! them read back sane values; no transfers happen here and the status register reads 0.
//! Register names follow the Intel 8237A datasheet and the PS/2 technical reference.
//!
//! Deliberate deviations:
//! * Current and base address/count registers are one and the same (nothing counts).
//! * Reading 0x0F/0xDE returns the mask register (as the 82374/PIIX "read all mask bits"),
//!   other write-only DMA registers read 0xFF.
//! * Port 0x92 bit 3 (security lock) is stored but does not lock anything.

use crate::bus::{read_bytes, write_bytes, DevCtx, PortDevice, Size};

/// DMA controller 1 (channels 0–3, byte wide) base port.
pub const DMA1_BASE: u16 = 0x00;
/// DMA controller 2 (channels 4–7, word wide) base port; registers at even ports.
pub const DMA2_BASE: u16 = 0xC0;
/// Page registers; 0x80 itself is the POST diagnostic port.
pub const PAGE_BASE: u16 = 0x80;
pub const POST_PORT: u16 = 0x80;
/// System control port A.
pub const PORT_92: u16 = 0x92;

/// 8237A register numbers (port offset, ×2 on controller 2).
const REG_STATUS_COMMAND: u16 = 0x08;
const REG_REQUEST: u16 = 0x09;
const REG_SINGLE_MASK: u16 = 0x0A;
const REG_MODE: u16 = 0x0B;
const REG_CLEAR_FLIP_FLOP: u16 = 0x0C;
const REG_TEMP_MASTER_CLEAR: u16 = 0x0D;
const REG_CLEAR_MASK: u16 = 0x0E;
const REG_ALL_MASK: u16 = 0x0F;
/// Single mask / request register: bit 2 sets, bits 1–0 select the channel.
const SET_BIT: u8 = 0x04;
const CHANNEL_MASK: u8 = 0x03;
/// Page register port offset of each channel 0–7 (0x80 + offset).
const PAGE_OFFSET: [u8; 8] = [0x7, 0x3, 0x1, 0x2, 0xF, 0xB, 0x9, 0xA];
/// Port 0x92: fast reset (write 1), A20 gate, and the writable bits.
const P92_FAST_RESET: u8 = 0x01;
const P92_A20: u8 = 0x02;

/// The registers of both DMA controllers and the page register file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DmaState {
    /// Address register of channels 0–7.
    pub address: [u16; 8],
    /// Count register of channels 0–7.
    pub count: [u16; 8],
    /// Mode register of channels 0–7.
    pub mode: [u8; 8],
    /// Command register of each controller.
    pub command: [u8; 2],
    /// Software request bits of each controller.
    pub request: [u8; 2],
    /// Mask bits of each controller (bit n = channel n of that controller).
    pub mask: [u8; 2],
    /// Byte pointer flip-flop of each controller: high byte next.
    pub flip_flop: [bool; 2],
    /// The 16 page registers 0x80–0x8F (0x80 holds the last POST code).
    pub page: [u8; 16],
}

/// How a DMA channel is programmed, for a device model that wants to transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmaChannel {
    /// Physical start address (page and address; channels 4–7 count in words).
    pub address: u32,
    /// Transfer length in bytes.
    pub length: u32,
    /// Mode register.
    pub mode: u8,
    /// Masked channels do not transfer.
    pub masked: bool,
}

/// The DMA controllers and page registers.
#[derive(Clone, Debug)]
pub struct Dma {
    s: DmaState,
}

impl Default for Dma {
    fn default() -> Self {
        Self::new()
    }
}

impl Dma {
    /// Both controllers after reset: all channels masked.
    pub fn new() -> Self {
        Self {
            s: DmaState {
                mask: [0x0F; 2],
                ..DmaState::default()
            },
        }
    }

    /// Restore from a saved state.
    pub fn from_state(state: &DmaState) -> Self {
        Self { s: state.clone() }
    }

    /// The current state, for saving.
    pub fn state(&self) -> DmaState {
        self.s.clone()
    }

    /// The last value written to port 0x80.
    pub fn post_code(&self) -> u8 {
        self.s.page[0]
    }

    /// The programming of channel `ch` (0–7; others read as channel `ch & 7`).
    pub fn channel(&self, ch: u8) -> DmaChannel {
        let ch = usize::from(ch & 7);
        let page = u32::from(self.s.page[usize::from(PAGE_OFFSET[ch])]);
        let (addr, count) = (
            u32::from(self.s.address[ch]),
            u32::from(self.s.count[ch]) + 1,
        );
        let (address, length) = if ch < 4 {
            (page << 16 | addr, count)
        } else {
            ((page & 0xFE) << 16 | addr << 1, count * 2)
        };
        DmaChannel {
            address,
            length,
            mode: self.s.mode[ch],
            masked: self.s.mask[ch / 4] & (1 << (ch % 4)) != 0,
        }
    }

    /// The controller (0 or 1) and register number a port decodes to.
    fn decode(port: u16) -> Option<(usize, u16)> {
        match port {
            DMA1_BASE..=0x0F => Some((0, port - DMA1_BASE)),
            // Controller 2 sits on the even addresses only.
            DMA2_BASE..=0xDF if port & 1 == 0 => Some((1, (port - DMA2_BASE) / 2)),
            _ => None,
        }
    }

    /// Flip controller `c`'s byte pointer, returning whether this access is the high byte.
    fn toggle(&mut self, c: usize) -> bool {
        let high = self.s.flip_flop[c];
        self.s.flip_flop[c] = !high;
        high
    }

    fn read_byte(&mut self, port: u16) -> u8 {
        if let PAGE_BASE..=0x8F = port {
            return self.s.page[usize::from(port - PAGE_BASE)];
        }
        let Some((c, reg)) = Self::decode(port) else {
            return 0xFF;
        };
        match reg {
            0..=7 => {
                let ch = c * 4 + usize::from(reg / 2);
                let v = if reg % 2 == 0 {
                    self.s.address[ch]
                } else {
                    self.s.count[ch]
                };
                v.to_le_bytes()[usize::from(self.toggle(c))]
            }
            // No terminal counts, no requests.
            REG_STATUS_COMMAND | REG_TEMP_MASTER_CLEAR => 0,
            REG_ALL_MASK => self.s.mask[c] | 0xF0,
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, port: u16, v: u8) {
        if let PAGE_BASE..=0x8F = port {
            self.s.page[usize::from(port - PAGE_BASE)] = v;
            return;
        }
        let Some((c, reg)) = Self::decode(port) else {
            return;
        };
        let bit = 1u8 << (v & CHANNEL_MASK);
        match reg {
            0..=7 => {
                let ch = c * 4 + usize::from(reg / 2);
                let high = self.toggle(c);
                let r = if reg % 2 == 0 {
                    &mut self.s.address[ch]
                } else {
                    &mut self.s.count[ch]
                };
                let mut bytes = r.to_le_bytes();
                bytes[usize::from(high)] = v;
                *r = u16::from_le_bytes(bytes);
            }
            REG_STATUS_COMMAND => self.s.command[c] = v,
            REG_REQUEST if v & SET_BIT != 0 => self.s.request[c] |= bit,
            REG_REQUEST => self.s.request[c] &= !bit,
            REG_SINGLE_MASK if v & SET_BIT != 0 => self.s.mask[c] |= bit,
            REG_SINGLE_MASK => self.s.mask[c] &= !bit,
            REG_MODE => self.s.mode[c * 4 + usize::from(v & CHANNEL_MASK)] = v,
            REG_CLEAR_FLIP_FLOP => self.s.flip_flop[c] = false,
            REG_TEMP_MASTER_CLEAR => {
                // Master clear: like a hardware reset of this controller.
                self.s.command[c] = 0;
                self.s.request[c] = 0;
                self.s.flip_flop[c] = false;
                self.s.mask[c] = 0x0F;
            }
            REG_CLEAR_MASK => self.s.mask[c] = 0,
            REG_ALL_MASK => self.s.mask[c] = v & 0x0F,
            _ => {}
        }
    }
}

impl PortDevice for Dma {
    fn read(&mut self, port: u16, size: Size, _cx: &mut DevCtx) -> u32 {
        read_bytes(port, size, |p| self.read_byte(p))
    }

    fn write(&mut self, port: u16, size: Size, value: u32, _cx: &mut DevCtx) {
        write_bytes(port, size, value, |p, b| self.write_byte(p, b));
    }
}

/// Saved state of system control port A.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Port92State {
    /// The port as last written, bit 0 excepted (it reads 0).
    pub value: u8,
    /// A fast reset was requested and not yet taken by the board.
    pub reset_request: bool,
}

/// System control port A (0x92): fast A20 gate and fast reset. The board's A20 line is
/// this gate OR the 8042's.
#[derive(Clone, Debug, Default)]
pub struct Port92 {
    s: Port92State,
}

impl Port92 {
    /// The port after reset: A20 gate off.
    pub fn new() -> Self {
        Self::default()
    }

    /// Restore from a saved state.
    pub fn from_state(state: &Port92State) -> Self {
        Self { s: state.clone() }
    }

    /// The current state, for saving.
    pub fn state(&self) -> Port92State {
        self.s.clone()
    }

    /// Bit 1: the fast A20 gate.
    pub fn a20(&self) -> bool {
        self.s.value & P92_A20 != 0
    }

    /// Whether the guest wrote bit 0 = 1 since the last call.
    pub fn take_reset_request(&mut self) -> bool {
        std::mem::take(&mut self.s.reset_request)
    }
}

impl PortDevice for Port92 {
    fn read(&mut self, port: u16, size: Size, _cx: &mut DevCtx) -> u32 {
        read_bytes(
            port,
            size,
            |p| if p == PORT_92 { self.s.value } else { 0xFF },
        )
    }

    fn write(&mut self, port: u16, size: Size, value: u32, _cx: &mut DevCtx) {
        write_bytes(port, size, value, |p, v| {
            if p == PORT_92 {
                if v & P92_FAST_RESET != 0 {
                    self.s.reset_request = true;
                }
                self.s.value = v & !P92_FAST_RESET;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::IrqLines;

    fn io<D: PortDevice>(dev: &mut D, port: u16, write: Option<u8>) -> u8 {
        let mut lines = IrqLines::default();
        let mut cx = DevCtx {
            now: 0,
            irq: &mut lines,
        };
        match write {
            Some(v) => {
                dev.write(port, 1, u32::from(v), &mut cx);
                0
            }
            None => dev.read(port, 1, &mut cx) as u8,
        }
    }

    #[test]
    fn floppy_style_channel2_programming() {
        let mut d = Dma::new();
        // Linux' floppy: mask, clear flip-flop, mode, address, page, count, unmask.
        io(&mut d, 0x0A, Some(0x06));
        io(&mut d, 0x0C, Some(0));
        io(&mut d, 0x0B, Some(0x46));
        io(&mut d, 0x04, Some(0x00));
        io(&mut d, 0x04, Some(0x30));
        io(&mut d, 0x81, Some(0x01));
        io(&mut d, 0x05, Some(0xFF));
        io(&mut d, 0x05, Some(0x01));
        assert!(d.channel(2).masked);
        io(&mut d, 0x0A, Some(0x02));
        assert_eq!(
            d.channel(2),
            DmaChannel {
                address: 0x1_3000,
                length: 0x200,
                mode: 0x46,
                masked: false
            }
        );
        io(&mut d, 0x0C, Some(0));
        assert_eq!(
            [io(&mut d, 0x04, None), io(&mut d, 0x04, None)],
            [0x00, 0x30]
        );
        assert_eq!(io(&mut d, 0x08, None), 0, "status reads 0");
    }

    #[test]
    fn second_controller_uses_even_ports_and_words() {
        let mut d = Dma::new();
        io(&mut d, 0xD8, Some(0));
        io(&mut d, 0xC4, Some(0x00));
        io(&mut d, 0xC4, Some(0x80)); // channel 5 address 0x8000 (words)
        io(&mut d, 0x8B, Some(0x02));
        io(&mut d, 0xD4, Some(0x01)); // unmask channel 5
        assert_eq!(d.channel(5).address, 0x2_0000 | 0x1_0000);
        assert!(!d.channel(5).masked);
        assert_eq!(io(&mut d, 0xC5, None), 0xFF);
        assert_eq!(io(&mut d, 0xDE, None), 0xFD);
        io(&mut d, 0xDA, Some(0)); // master clear
        assert_eq!(io(&mut d, 0xDE, None), 0xFF);
        io(&mut d, 0xDC, Some(0)); // clear mask
        assert_eq!(io(&mut d, 0xDE, None), 0xF0);
    }

    #[test]
    fn post_code_and_page_registers() {
        let mut d = Dma::new();
        io(&mut d, 0x80, Some(0x42));
        assert_eq!(d.post_code(), 0x42);
        assert_eq!(io(&mut d, 0x80, None), 0x42);
        io(&mut d, 0x8F, Some(0x99));
        assert_eq!(io(&mut d, 0x8F, None), 0x99);
        assert_eq!(io(&mut d, 0x90, None), 0xFF);
    }

    #[test]
    fn port92_a20_and_fast_reset() {
        let mut p = Port92::new();
        assert!(!p.a20());
        let v = io(&mut p, 0x92, None) | 0x02;
        io(&mut p, 0x92, Some(v));
        assert!(p.a20());
        assert!(!p.take_reset_request());
        io(&mut p, 0x92, Some(0x03));
        assert!(p.take_reset_request());
        assert!(!p.take_reset_request());
        assert_eq!(io(&mut p, 0x92, None), 0x02, "bit 0 reads 0");
        assert_eq!(io(&mut p, 0x93, None), 0xFF);
        assert_eq!(Port92::from_state(&p.state()).state(), p.state());
    }

    #[test]
    fn hammer_every_port() {
        let mut d = Dma::new();
        let mut p = Port92::new();
        let mut lines = IrqLines::default();
        let mut x = 0x94D0_49BB_1331_11EBu64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let port = match x % 4 {
                0 => (x >> 8) as u16 % 0x10,
                1 => 0x80 + (x >> 8) as u16 % 0x10,
                2 => 0xC0 + (x >> 8) as u16 % 0x20,
                _ => 0x91 + (x >> 8) as u16 % 3,
            };
            let size = [1u8, 2, 4, 0][((x >> 16) & 3) as usize];
            let mut cx = DevCtx {
                now: 0,
                irq: &mut lines,
            };
            if x & (1 << 40) != 0 {
                d.read(port, size, &mut cx);
                p.read(port, size, &mut cx);
            } else {
                d.write(port, size, (x >> 32) as u32, &mut cx);
                p.write(port, size, (x >> 32) as u32, &mut cx);
            }
            let _ = d.channel((x >> 50) as u8);
        }
        io(&mut d, 0x80, Some(0xAB));
        assert_eq!(io(&mut d, 0x80, None), 0xAB);
        assert_eq!(io(&mut d, 0x08, None), 0);
        io(&mut p, 0x92, Some(0x02));
        assert!(p.a20());
        assert_eq!(Dma::from_state(&d.state()).state(), d.state());
    }
}
