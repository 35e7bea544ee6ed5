//! The narrow interface between the board and a device: port reads and writes, interrupt
//! lines carried as levels, and virtual time injected as nanoseconds (never read from the host).

/// Width of a port access in bytes (1, 2 or 4).
pub type Size = u8;

/// The sixteen ISA interrupt request lines, carried as levels. The 8259A pair does the
/// edge detection, so level-triggered lines (ELCR) work as on real hardware.
///
/// Besides the level, every line counts its low-to-high transitions ([`IrqLines::rises`]).
/// A device that drops and re-raises its line between two samplings by the interrupt
/// controller (a UART re-arming THRE, the PIT when the board advanced it past a whole
/// period) therefore still produces an edge the PIC can see.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IrqLines {
    levels: u16,
    rises: [u32; 16],
}

impl IrqLines {
    /// Drive line `irq` (0..=15) to `level`. A low-to-high transition counts as a rise.
    pub fn set(&mut self, irq: u8, level: bool) {
        let n = usize::from(irq & 15);
        let bit = 1u16 << n;
        if level {
            if self.levels & bit == 0 {
                self.rises[n] = self.rises[n].wrapping_add(1);
            }
            self.levels |= bit;
        } else {
            self.levels &= !bit;
        }
    }
    /// A rising edge then, for an edge-triggered input, back low: what an ISA device does
    /// when it "pulses" its line. The edge is remembered by [`IrqLines::rises`], so the PIC
    /// latches it even though it never samples the line high.
    pub fn pulse(&mut self, irq: u8) {
        self.set(irq, true);
        self.set(irq, false);
    }
    /// Current level of line `irq`.
    pub fn level(&self, irq: u8) -> bool {
        self.levels & (1 << (irq & 15)) != 0
    }
    /// All sixteen levels, bit n = IRQ n.
    pub fn bits(&self) -> u16 {
        self.levels
    }
    /// How many low-to-high transitions line `irq` has made (wrapping). The interrupt
    /// controller compares it with the count it saw last to detect edges it did not sample.
    pub fn rises(&self, irq: u8) -> u32 {
        self.rises[usize::from(irq & 15)]
    }
}

/// What a device sees of the board during an access: the virtual time and the IRQ lines.
pub struct DevCtx<'a> {
    /// Virtual time in nanoseconds since power-on.
    pub now: u64,
    /// The board's interrupt request lines.
    pub irq: &'a mut IrqLines,
}

/// A device on the I/O port bus. `port` is the absolute port number; `size` is 1, 2 or 4.
/// Accesses of a width a device does not support are its own business: it must answer
/// something sane (usually the byte access repeated, or all ones), never panic.
pub trait PortDevice {
    /// A guest `IN` from `port`.
    fn read(&mut self, port: u16, size: Size, cx: &mut DevCtx) -> u32;
    /// A guest `OUT` of `value` to `port`.
    fn write(&mut self, port: u16, size: Size, value: u32, cx: &mut DevCtx);
    /// Bring the device's internal time forward to `cx.now`, raising or lowering IRQ lines
    /// as its timers fire. Called by the board at or after [`PortDevice::next_event`].
    fn advance(&mut self, _cx: &mut DevCtx) {}
    /// The virtual time (ns) at which the device next needs [`PortDevice::advance`], if any.
    /// A time at or before the present (devices use `Some(0)`) means "as soon as
    /// possible": host input arrived outside an access and the IRQ line must be updated.
    fn next_event(&self) -> Option<u64> {
        None
    }
}

/// Number of bytes an access of `size` covers: 2 and 4 as given, anything else one byte.
pub fn access_width(size: Size) -> u16 {
    match size {
        2 => 2,
        4 => 4,
        _ => 1,
    }
}

/// Split a wide read into byte reads of consecutive ports, as the ISA bus does for an
/// 8-bit device: byte `i` of the result comes from `port + i`.
pub fn read_bytes(port: u16, size: Size, mut byte: impl FnMut(u16) -> u8) -> u32 {
    (0..access_width(size)).fold(0u32, |acc, i| {
        acc | u32::from(byte(port.wrapping_add(i))) << (8 * i)
    })
}

/// Split a wide write into byte writes of consecutive ports (low byte first).
pub fn write_bytes(port: u16, size: Size, value: u32, mut byte: impl FnMut(u16, u8)) {
    for i in 0..access_width(size) {
        byte(port.wrapping_add(i), (value >> (8 * i)) as u8);
    }
}

/// Pack a binary value 0..=99 as two BCD digits; larger values wrap modulo 100.
pub fn to_bcd(v: u8) -> u8 {
    let v = v % 100;
    (v / 10) << 4 | (v % 10)
}

/// Unpack two BCD digits; invalid nibbles are taken at face value (0x1F → 25), never panic.
pub fn from_bcd(v: u8) -> u8 {
    (v >> 4) * 10 + (v & 0x0F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rises_count_edges_even_without_sampling() {
        let mut l = IrqLines::default();
        l.set(4, true);
        l.set(4, true);
        assert_eq!(l.rises(4), 1);
        l.set(4, false);
        l.set(4, true);
        assert_eq!(l.rises(4), 2);
        l.pulse(3);
        assert!(!l.level(3));
        assert_eq!(l.rises(3), 1);
        assert_eq!(l.bits(), 1 << 4);
    }

    #[test]
    fn byte_splitting() {
        let v = read_bytes(0x3F8, 4, |p| (p & 0xFF) as u8);
        assert_eq!(v, 0xFBFA_F9F8);
        assert_eq!(read_bytes(0xFFFF, 2, |p| p as u8), 0x00FF);
        let mut seen = Vec::new();
        write_bytes(0x20, 2, 0x1234, |p, b| seen.push((p, b)));
        assert_eq!(seen, vec![(0x20, 0x34), (0x21, 0x12)]);
        assert_eq!(access_width(3), 1);
    }

    #[test]
    fn bcd() {
        assert_eq!(to_bcd(59), 0x59);
        assert_eq!(from_bcd(0x59), 59);
        assert_eq!(from_bcd(0xFF), 165);
        assert_eq!(to_bcd(123), 0x23);
    }
}
