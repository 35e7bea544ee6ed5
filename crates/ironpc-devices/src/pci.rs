//! PCI configuration mechanism #1 (CONFIG_ADDRESS 0xCF8, CONFIG_DATA 0xCFC–0xCFF) with the
//! two functions of a minimal i440FX/PIIX3 board on bus 0: the host bridge (8086:1237) at
//! device 0 and the PCI-to-ISA bridge (8086:7000) at device 1. Also the PIIX3 reset control
//! register at 0xCF9. Offsets follow the PCI Local Bus Specification 2.1, chapter 6, and
//! the 82441FX and 82371SB datasheets.
//!
//! Deliberate deviations:
//! * The PIIX3 reports header type 0x00 (single function): its IDE/USB functions are not
//!   modelled, so there is nothing for the guest to find at functions 1–7.
//! * Chipset registers 0x40–0xFF are plain storage (PAM, SMRAM, PIRQ routing...); the board
//!   may read them with [`Pci::config`] but nothing here acts on them.
//! * The reset control register's RCPU bit is self-clearing: every write with it set
//!   requests a reset, not only a 0-to-1 transition.

use crate::bus::{read_bytes, write_bytes, DevCtx, PortDevice, Size};

/// CONFIG_ADDRESS (dword accesses only).
pub const PORT_CONFIG_ADDRESS: u16 = 0xCF8;
/// PIIX3 reset control register (byte accesses).
pub const PORT_RESET_CONTROL: u16 = 0xCF9;
/// CONFIG_DATA, four byte lanes.
pub const PORT_CONFIG_DATA: u16 = 0xCFC;

/// CONFIG_ADDRESS: enable bit and the implemented bits (bus, device, function, register).
const ADDR_ENABLE: u32 = 0x8000_0000;
const ADDR_MASK: u32 = 0x80FF_FFFC;
/// Reset control register: system reset (hard) and reset CPU.
const RCR_SRST: u8 = 0x02;
const RCR_RCPU: u8 = 0x04;

/// Configuration header offsets (type 0).
const CFG_VENDOR_ID: usize = 0x00;
const CFG_DEVICE_ID: usize = 0x02;
const CFG_COMMAND: usize = 0x04;
const CFG_STATUS: usize = 0x06;
const CFG_REVISION: usize = 0x08;
const CFG_CLASS: usize = 0x09;
const CFG_LATENCY_TIMER: usize = 0x0D;
const CFG_HEADER_TYPE: usize = 0x0E;
/// First device-specific register.
const CFG_DEVICE_SPECIFIC: usize = 0x40;
/// Command register: I/O, memory, bus master, special cycles, MWI, parity, SERR#.
const COMMAND_WRITABLE: u16 = 0x015F;
/// Status register: the error bits are write-one-to-clear.
const STATUS_W1C: u16 = 0xF900;
/// Status register: medium DEVSEL timing, fast back-to-back capable.
const STATUS_DEVSEL_MEDIUM: u16 = 0x0200;
const STATUS_FAST_B2B: u16 = 0x0080;

/// i440FX PMC host bridge.
const HOST_BRIDGE_ID: (u16, u16) = (0x8086, 0x1237);
/// PIIX3 PCI-to-ISA bridge.
const ISA_BRIDGE_ID: (u16, u16) = (0x8086, 0x7000);
/// Class codes (class, subclass, programming interface).
const CLASS_HOST_BRIDGE: [u8; 3] = [0x00, 0x00, 0x06];
const CLASS_ISA_BRIDGE: [u8; 3] = [0x00, 0x01, 0x06];

/// Which modelled function a configuration address selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PciFunction {
    /// Bus 0, device 0, function 0.
    HostBridge,
    /// Bus 0, device 1, function 0.
    IsaBridge,
}

/// Saved state of the configuration mechanism and both functions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PciState {
    /// CONFIG_ADDRESS.
    pub address: u32,
    /// Configuration space of the host bridge.
    pub host_bridge: [u8; 256],
    /// Configuration space of the ISA bridge.
    pub isa_bridge: [u8; 256],
    /// Reset control register (0xCF9).
    pub reset_control: u8,
    /// A reset through 0xCF9 was requested and not yet taken by the board.
    pub reset_request: bool,
}

fn header(id: (u16, u16), class: [u8; 3], revision: u8, command: u16, status: u16) -> [u8; 256] {
    let mut c = [0u8; 256];
    c[CFG_VENDOR_ID..CFG_VENDOR_ID + 2].copy_from_slice(&id.0.to_le_bytes());
    c[CFG_DEVICE_ID..CFG_DEVICE_ID + 2].copy_from_slice(&id.1.to_le_bytes());
    c[CFG_COMMAND..CFG_COMMAND + 2].copy_from_slice(&command.to_le_bytes());
    c[CFG_STATUS..CFG_STATUS + 2].copy_from_slice(&status.to_le_bytes());
    c[CFG_REVISION] = revision;
    c[CFG_CLASS..CFG_CLASS + 3].copy_from_slice(&class);
    c[CFG_HEADER_TYPE] = 0x00;
    c
}

impl Default for PciState {
    fn default() -> Self {
        let host_bridge = header(
            HOST_BRIDGE_ID,
            CLASS_HOST_BRIDGE,
            0x02,
            0x0006,
            STATUS_DEVSEL_MEDIUM | STATUS_FAST_B2B,
        );
        let mut isa_bridge = header(
            ISA_BRIDGE_ID,
            CLASS_ISA_BRIDGE,
            0x00,
            0x0007,
            STATUS_DEVSEL_MEDIUM,
        );
        // 82371SB power-on values: ISA I/O recovery, X-bus chip select, top of memory,
        // PIRQ routing and motherboard IRQ/DMA routing all disabled.
        for (off, v) in [
            (0x4C, 0x4D),
            (0x4E, 0x03),
            (0x60, 0x80),
            (0x61, 0x80),
            (0x62, 0x80),
            (0x63, 0x80),
            (0x69, 0x02),
            (0x70, 0x80),
            (0x76, 0x0C),
            (0x77, 0x0C),
        ] {
            isa_bridge[off] = v;
        }
        Self {
            address: 0,
            host_bridge,
            isa_bridge,
            reset_control: 0,
            reset_request: false,
        }
    }
}

/// Bits of configuration byte `off` the guest may write, and bits it clears by writing 1.
fn write_masks(func: PciFunction, off: usize) -> (u8, u8) {
    let [cmd_lo, cmd_hi] = COMMAND_WRITABLE.to_le_bytes();
    let [w1c_lo, w1c_hi] = STATUS_W1C.to_le_bytes();
    match off {
        0x04 => (cmd_lo, 0),
        0x05 => (cmd_hi, 0),
        0x06 => (0, w1c_lo),
        0x07 => (0, w1c_hi),
        // The host bridge's master latency timer (82441FX MLT, bits 7–3).
        CFG_LATENCY_TIMER if func == PciFunction::HostBridge => (0xF8, 0),
        CFG_DEVICE_SPECIFIC.. => (0xFF, 0),
        _ => (0, 0),
    }
}

/// The configuration mechanism and the two bridges.
#[derive(Clone, Debug, Default)]
pub struct Pci {
    s: PciState,
}

impl Pci {
    /// Both functions in their power-on state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Restore from a saved state.
    pub fn from_state(state: &PciState) -> Self {
        let mut s = state.clone();
        s.address &= ADDR_MASK;
        Self { s }
    }

    /// The current state, for saving.
    pub fn state(&self) -> PciState {
        self.s.clone()
    }

    /// The configuration space of a function (e.g. for the board to read PAM settings).
    pub fn config(&self, func: PciFunction) -> &[u8; 256] {
        match func {
            PciFunction::HostBridge => &self.s.host_bridge,
            PciFunction::IsaBridge => &self.s.isa_bridge,
        }
    }

    /// Whether the guest asked for a reset through 0xCF9 since the last call.
    pub fn take_reset_request(&mut self) -> bool {
        std::mem::take(&mut self.s.reset_request)
    }

    /// The function CONFIG_ADDRESS selects, if it is enabled and present.
    fn selected(&self) -> Option<PciFunction> {
        let a = self.s.address;
        if a & ADDR_ENABLE == 0 {
            return None;
        }
        let (bus, dev, func) = ((a >> 16) & 0xFF, (a >> 11) & 0x1F, (a >> 8) & 7);
        match (bus, dev, func) {
            (0, 0, 0) => Some(PciFunction::HostBridge),
            (0, 1, 0) => Some(PciFunction::IsaBridge),
            _ => None,
        }
    }

    fn space_mut(&mut self, func: PciFunction) -> &mut [u8; 256] {
        match func {
            PciFunction::HostBridge => &mut self.s.host_bridge,
            PciFunction::IsaBridge => &mut self.s.isa_bridge,
        }
    }

    /// Configuration register byte for data port lane `lane` (0–3).
    fn data_offset(&self, lane: u16) -> usize {
        (self.s.address & 0xFC) as usize + usize::from(lane & 3)
    }

    fn read_byte(&self, port: u16) -> u8 {
        match port {
            PORT_RESET_CONTROL => self.s.reset_control,
            PORT_CONFIG_DATA..=0xCFF => match self.selected() {
                Some(f) => self.config(f)[self.data_offset(port - PORT_CONFIG_DATA)],
                // No device answers: master abort, all ones.
                None => 0xFF,
            },
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, port: u16, v: u8) {
        match port {
            PORT_RESET_CONTROL => {
                if v & RCR_RCPU != 0 {
                    self.s.reset_request = true;
                }
                self.s.reset_control = v & RCR_SRST;
            }
            PORT_CONFIG_DATA..=0xCFF => {
                let off = self.data_offset(port - PORT_CONFIG_DATA);
                if let Some(f) = self.selected() {
                    let (writable, w1c) = write_masks(f, off);
                    let b = &mut self.space_mut(f)[off];
                    *b = (*b & !writable | v & writable) & !(v & w1c);
                }
            }
            _ => {}
        }
    }
}

impl PortDevice for Pci {
    fn read(&mut self, port: u16, size: Size, _cx: &mut DevCtx) -> u32 {
        if port == PORT_CONFIG_ADDRESS && size == 4 {
            return self.s.address;
        }
        // Byte and word cycles to 0xCF8–0xCFB are ordinary I/O (0xCF9 is the RCR).
        read_bytes(port, size, |p| self.read_byte(p))
    }

    fn write(&mut self, port: u16, size: Size, value: u32, _cx: &mut DevCtx) {
        if port == PORT_CONFIG_ADDRESS && size == 4 {
            self.s.address = value & ADDR_MASK;
            return;
        }
        write_bytes(port, size, value, |p, b| self.write_byte(p, b));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::IrqLines;

    struct Rig {
        pci: Pci,
        lines: IrqLines,
    }

    impl Rig {
        fn new() -> Self {
            Self {
                pci: Pci::new(),
                lines: IrqLines::default(),
            }
        }
        fn out(&mut self, port: u16, size: Size, v: u32) {
            let mut cx = DevCtx {
                now: 0,
                irq: &mut self.lines,
            };
            self.pci.write(port, size, v, &mut cx);
        }
        fn inp(&mut self, port: u16, size: Size) -> u32 {
            let mut cx = DevCtx {
                now: 0,
                irq: &mut self.lines,
            };
            self.pci.read(port, size, &mut cx)
        }
        /// A type-0 configuration read the way Linux' pci_conf1_read does it.
        fn cfg_read(&mut self, dev: u32, reg: u32, size: Size) -> u32 {
            self.out(0xCF8, 4, 0x8000_0000 | dev << 11 | (reg & 0xFC));
            self.inp(0xCFC + (reg & 3) as u16, size)
        }
        fn cfg_write(&mut self, dev: u32, reg: u32, size: Size, v: u32) {
            self.out(0xCF8, 4, 0x8000_0000 | dev << 11 | (reg & 0xFC));
            self.out(0xCFC + (reg & 3) as u16, size, v);
        }
    }

    #[test]
    fn identifies_both_bridges() {
        let mut r = Rig::new();
        assert_eq!(r.cfg_read(0, 0x00, 4), 0x1237_8086);
        assert_eq!(r.cfg_read(0, 0x08, 4), 0x0600_0002);
        assert_eq!(r.cfg_read(0, 0x0E, 1), 0x00);
        assert_eq!(r.cfg_read(1, 0x00, 4), 0x7000_8086);
        assert_eq!(r.cfg_read(1, 0x0A, 2), 0x0601);
        assert_eq!(r.cfg_read(1, 0x02, 2), 0x7000);
        assert_eq!(r.cfg_read(1, 0x60, 4), 0x8080_8080);
    }

    #[test]
    fn absent_devices_read_all_ones() {
        let mut r = Rig::new();
        assert_eq!(r.cfg_read(2, 0, 4), 0xFFFF_FFFF);
        r.out(0xCF8, 4, 0x8001_0000); // bus 1
        assert_eq!(r.inp(0xCFC, 4), 0xFFFF_FFFF);
        r.out(0xCF8, 4, 0x8000_0100); // device 0, function 1
        assert_eq!(r.inp(0xCFC, 2), 0xFFFF);
        r.out(0xCF8, 4, 0x0000_0000); // enable bit clear
        assert_eq!(r.inp(0xCFC, 4), 0xFFFF_FFFF);
        r.out(0xCFC, 4, 0);
        assert_eq!(r.cfg_read(0, 0, 4), 0x1237_8086);
    }

    #[test]
    fn linux_type1_probe() {
        let mut r = Rig::new();
        // pci_check_type1(): a byte write to 0xCFB must not disturb CONFIG_ADDRESS.
        r.out(0xCFB, 1, 0x01);
        let saved = r.inp(0xCF8, 4);
        r.out(0xCF8, 4, 0x8000_0000);
        assert_eq!(r.inp(0xCF8, 4), 0x8000_0000);
        r.out(0xCF8, 4, saved);
        // pci_sanity_check(): some device reports a host bridge class.
        assert_eq!(r.cfg_read(0, 0x0A, 2), 0x0600);
        r.out(0xCF8, 4, 0xFFFF_FFFF);
        assert_eq!(r.inp(0xCF8, 4), ADDR_MASK);
    }

    #[test]
    fn read_only_fields_and_write_masks() {
        let mut r = Rig::new();
        r.cfg_write(0, 0x00, 4, 0xDEAD_BEEF);
        r.cfg_write(0, 0x08, 4, 0xFFFF_FFFF);
        assert_eq!(r.cfg_read(0, 0x00, 4), 0x1237_8086);
        assert_eq!(r.cfg_read(0, 0x08, 4), 0x0600_0002);
        r.cfg_write(1, 0x04, 2, 0xFFFF);
        assert_eq!(r.cfg_read(1, 0x04, 2), u32::from(COMMAND_WRITABLE));
        r.cfg_write(1, 0x04, 2, 0x0000);
        assert_eq!(r.cfg_read(1, 0x04, 2), 0);
        // BAR sizing on a function without BARs reads back 0.
        r.cfg_write(1, 0x10, 4, 0xFFFF_FFFF);
        assert_eq!(r.cfg_read(1, 0x10, 4), 0);
        // Status error bits are write-one-to-clear.
        r.pci.s.isa_bridge[0x07] |= 0x20; // received master abort
        r.cfg_write(1, 0x06, 2, 0x0000);
        assert_eq!(r.cfg_read(1, 0x06, 2), 0x2200);
        r.cfg_write(1, 0x06, 2, 0xFFFF);
        assert_eq!(r.cfg_read(1, 0x06, 2), u32::from(STATUS_DEVSEL_MEDIUM));
        r.cfg_write(0, 0x0D, 1, 0xFF);
        assert_eq!(r.cfg_read(0, 0x0D, 1), 0xF8);
    }

    #[test]
    fn any_width_at_any_lane() {
        let mut r = Rig::new();
        r.out(0xCF8, 4, 0x8000_0000);
        assert_eq!(r.inp(0xCFE, 2), 0x1237);
        assert_eq!(r.inp(0xCFD, 1), 0x80);
        // A dword at 0xCFD runs past the data port: the last byte is not ours.
        assert_eq!(r.inp(0xCFD, 4), 0xFF12_3780);
        // PAM registers (0x59–0x5F) are stored for the board.
        r.cfg_write(0, 0x5A, 1, 0x33);
        r.cfg_write(0, 0x59, 2, 0x1130);
        assert_eq!(r.cfg_read(0, 0x58, 4), 0x0011_3000);
        assert_eq!(r.pci.config(PciFunction::HostBridge)[0x5A], 0x11);
    }

    #[test]
    fn reset_control_register() {
        let mut r = Rig::new();
        r.out(0xCF9, 1, 0x02);
        assert!(!r.pci.take_reset_request());
        assert_eq!(r.inp(0xCF9, 1), 0x02);
        r.out(0xCF9, 1, 0x06);
        assert!(r.pci.take_reset_request());
        assert!(!r.pci.take_reset_request());
        assert_eq!(
            r.pci.state().address,
            0,
            "byte cycles never touch CONFIG_ADDRESS"
        );
    }

    #[test]
    fn state_round_trip() {
        let mut r = Rig::new();
        r.cfg_write(0, 0x72, 1, 0x0A);
        let s = r.pci.state();
        assert_eq!(Pci::from_state(&s).state(), s);
    }

    #[test]
    fn hammer_every_port() {
        let mut r = Rig::new();
        let mut x = 0x5851_F42D_4C95_7F2Du64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let port = 0xCF7 + (x % 10) as u16;
            let size = [1u8, 2, 4, 8][((x >> 8) & 3) as usize];
            let value = (x >> 32) as u32;
            // Mostly aim at real functions so that their registers get hammered too.
            let addr = if x & (1 << 20) != 0 {
                0x8000_0000 | (value & 0x08FC)
            } else {
                value
            };
            match (x >> 12) % 4 {
                0 => {
                    r.inp(port, size);
                }
                1 => r.out(0xCF8, 4, addr),
                _ => r.out(port, size, value),
            }
        }
        r.pci.take_reset_request();
        assert_eq!(r.cfg_read(0, 0, 4), 0x1237_8086);
        assert_eq!(r.cfg_read(1, 0x08, 4), 0x0601_0000);
    }
}
