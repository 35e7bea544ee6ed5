//! National Semiconductor PC16550D UART at any base port and IRQ line (COM1 = 0x3F8, IRQ4).
//!
//! Transmission is instantaneous: a THR write goes straight to the sink (or, in loopback,
//! to the receiver) and THR is empty again at once, re-arming the THRE interrupt. Bytes from
//! the host go through [`Uart::receive`] into a capped host-side queue that refills the
//! 16-byte receive FIFO as the guest drains it, so fast typing or pasting loses nothing.
//! Register and bit names follow the PC16550D datasheet.
//!
//! Deliberate deviations:
//! * The character timeout indication (IIR 0x0C) is raised at once when the FIFO holds data
//!   below the trigger level: with the host queue empty no further character is coming, so
//!   there is nothing to wait four character times for.
//! * No parity, framing or break conditions are ever received; LSR bit 7 stays 0.
//! * In loopback the output pins are inactive, so (as on a PC, where OUT2 enables the IRQ
//!   driver) the IRQ line stays low.

use std::collections::VecDeque;
use std::io::Write;

use crate::bus::{read_bytes, write_bytes, DevCtx, PortDevice, Size};

/// COM1 base port and IRQ.
pub const COM1_BASE: u16 = 0x3F8;
pub const COM1_IRQ: u8 = 4;
/// COM2 base port and IRQ.
pub const COM2_BASE: u16 = 0x2F8;
pub const COM2_IRQ: u8 = 3;

/// Register offsets (DLAB selects DLL/DLM at 0/1).
const RBR_THR_DLL: u16 = 0;
const IER_DLM: u16 = 1;
const IIR_FCR: u16 = 2;
const LCR: u16 = 3;
const MCR: u16 = 4;
const LSR: u16 = 5;
const MSR: u16 = 6;
const SCR: u16 = 7;

/// IER bits.
const IER_ERBFI: u8 = 0x01;
const IER_ETBEI: u8 = 0x02;
const IER_ELSI: u8 = 0x04;
const IER_EDSSI: u8 = 0x08;
/// IIR values (bit 0 clear = interrupt pending), in priority order.
const IIR_NONE: u8 = 0x01;
const IIR_RLS: u8 = 0x06;
const IIR_RDA: u8 = 0x04;
const IIR_CTI: u8 = 0x0C;
const IIR_THRE: u8 = 0x02;
const IIR_MODEM: u8 = 0x00;
const IIR_FIFOS_ENABLED: u8 = 0xC0;
/// FCR bits.
const FCR_FIFO_ENABLE: u8 = 0x01;
const FCR_RCVR_RESET: u8 = 0x02;
const FCR_TRIGGER_SHIFT: u8 = 6;
/// LCR bits.
const LCR_WLS_MASK: u8 = 0x03;
const LCR_DLAB: u8 = 0x80;
/// MCR bits.
const MCR_DTR: u8 = 0x01;
const MCR_RTS: u8 = 0x02;
const MCR_OUT1: u8 = 0x04;
const MCR_OUT2: u8 = 0x08;
const MCR_LOOP: u8 = 0x10;
const MCR_MASK: u8 = 0x1F;
/// LSR bits.
const LSR_DR: u8 = 0x01;
const LSR_OE: u8 = 0x02;
const LSR_PE: u8 = 0x04;
const LSR_FE: u8 = 0x08;
const LSR_BI: u8 = 0x10;
const LSR_THRE: u8 = 0x20;
const LSR_TEMT: u8 = 0x40;
const LSR_ERRORS: u8 = LSR_OE | LSR_PE | LSR_FE | LSR_BI;
/// MSR bits: deltas in the low nibble, line states in the high one.
const MSR_DCTS: u8 = 0x01;
const MSR_DDSR: u8 = 0x02;
const MSR_TERI: u8 = 0x04;
const MSR_DDCD: u8 = 0x08;
const MSR_CTS: u8 = 0x10;
const MSR_DSR: u8 = 0x20;
const MSR_RI: u8 = 0x40;
const MSR_DCD: u8 = 0x80;
const MSR_DELTAS: u8 = 0x0F;
/// What the host side presents on the modem inputs: a terminal that is always there.
const EXTERNAL_MODEM_INPUTS: u8 = MSR_DCD | MSR_DSR | MSR_CTS;

/// Depth of the receive FIFO.
pub const FIFO_SIZE: usize = 16;
/// Bytes the host may queue ahead of the FIFO; more are dropped and counted.
pub const HOST_QUEUE_CAP: usize = 64 * 1024;

/// The registers and queues of a 16550A (the output sink is not part of the state).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UartState {
    /// Divisor latch, low and high byte.
    pub dll: u8,
    pub dlm: u8,
    /// Interrupt enable register.
    pub ier: u8,
    /// Line control register.
    pub lcr: u8,
    /// Modem control register.
    pub mcr: u8,
    /// LSR error bits (OE, PE, FE, BI) not yet read; DR/THRE/TEMT are derived.
    pub lsr_errors: u8,
    /// Modem status register: input levels and delta bits.
    pub msr: u8,
    /// Scratch register.
    pub scr: u8,
    /// FCR bit 0.
    pub fifo_enabled: bool,
    /// FCR bits 7–6: receiver trigger level select.
    pub rx_trigger: u8,
    /// THR emptied and the THRE interrupt not yet cleared by IIR read or THR write.
    pub thre_pending: bool,
    /// Receive FIFO (the RBR alone when FIFOs are off), oldest first.
    pub rx_fifo: Vec<u8>,
    /// Host bytes waiting for room in the FIFO.
    pub host_queue: Vec<u8>,
    /// Host bytes dropped because the host queue was full.
    pub dropped: u64,
}

impl Default for UartState {
    fn default() -> Self {
        Self {
            dll: 0x0C,
            dlm: 0,
            ier: 0,
            lcr: 0,
            mcr: 0,
            lsr_errors: 0,
            msr: EXTERNAL_MODEM_INPUTS,
            scr: 0,
            fifo_enabled: false,
            rx_trigger: 0,
            thre_pending: false,
            rx_fifo: Vec::new(),
            host_queue: Vec::new(),
            dropped: 0,
        }
    }
}

/// A 16550A UART wired to `irq`, writing what the guest transmits to a sink.
pub struct Uart {
    base: u16,
    irq: u8,
    s: UartState,
    rx: VecDeque<u8>,
    host: VecDeque<u8>,
    sink: Box<dyn Write + Send>,
    /// Host input changed the interrupt state outside a guest access.
    irq_stale: bool,
}

impl Uart {
    /// A UART at `base` on line `irq` in its power-on state.
    pub fn new(base: u16, irq: u8, sink: Box<dyn Write + Send>) -> Self {
        Self::from_state(base, irq, &UartState::default(), sink)
    }

    /// Restore from a saved state (queues are truncated to their capacities).
    pub fn from_state(base: u16, irq: u8, state: &UartState, sink: Box<dyn Write + Send>) -> Self {
        let mut s = state.clone();
        let rx: VecDeque<u8> = std::mem::take(&mut s.rx_fifo)
            .into_iter()
            .take(FIFO_SIZE)
            .collect();
        let host = std::mem::take(&mut s.host_queue)
            .into_iter()
            .take(HOST_QUEUE_CAP)
            .collect();
        s.rx_trigger &= 3;
        s.mcr &= MCR_MASK;
        s.ier &= 0x0F;
        s.lsr_errors &= LSR_ERRORS;
        let mut uart = Self {
            base,
            irq: irq & 15,
            s,
            rx,
            host,
            sink,
            irq_stale: true,
        };
        uart.rx.truncate(uart.rx_capacity());
        uart
    }

    /// The current state, for saving.
    pub fn state(&self) -> UartState {
        UartState {
            rx_fifo: self.rx.iter().copied().collect(),
            host_queue: self.host.iter().copied().collect(),
            ..self.s.clone()
        }
    }

    /// Flush the output sink (at the end of a run).
    pub fn flush_output(&mut self) {
        let _ = self.sink.flush();
    }

    /// Queue bytes typed on the host. They enter the receive FIFO as the guest makes
    /// room; beyond [`HOST_QUEUE_CAP`] waiting bytes, input is dropped and counted.
    pub fn receive(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.host.len() < HOST_QUEUE_CAP {
                self.host.push_back(b);
            } else {
                self.s.dropped += 1;
            }
            self.refill();
        }
        self.irq_stale = true;
    }

    /// Host bytes dropped so far because the host queue was full.
    pub fn dropped_input(&self) -> u64 {
        self.s.dropped
    }

    /// Host bytes not yet in the receive FIFO.
    pub fn pending_input(&self) -> usize {
        self.host.len()
    }

    fn loopback(&self) -> bool {
        self.s.mcr & MCR_LOOP != 0
    }

    fn rx_capacity(&self) -> usize {
        if self.s.fifo_enabled {
            FIFO_SIZE
        } else {
            1
        }
    }

    fn rx_trigger_level(&self) -> usize {
        [1, 4, 8, 14][usize::from(self.s.rx_trigger & 3)]
    }

    /// Move host bytes into the FIFO while there is room (never in loopback, where the
    /// receiver is disconnected from the serial input).
    fn refill(&mut self) {
        while !self.loopback() && self.rx.len() < self.rx_capacity() {
            match self.host.pop_front() {
                Some(b) => self.rx.push_back(b),
                None => break,
            }
        }
    }

    /// A character arriving from the (looped-back) serial input.
    fn rx_char(&mut self, b: u8) {
        if self.rx.len() < self.rx_capacity() {
            self.rx.push_back(b);
        } else {
            // Overrun. In FIFO mode the new character is lost; without FIFOs it
            // overwrites the unread RBR (LSR bit 1 description).
            self.s.lsr_errors |= LSR_OE;
            if !self.s.fifo_enabled {
                self.rx.clear();
                self.rx.push_back(b);
            }
        }
    }

    /// The modem inputs: the host side's, or in loopback the modem control outputs.
    fn modem_inputs(&self) -> u8 {
        if !self.loopback() {
            return EXTERNAL_MODEM_INPUTS;
        }
        let m = self.s.mcr;
        let bit = |mask: u8, out: u8| if m & mask != 0 { out } else { 0 };
        bit(MCR_RTS, MSR_CTS)
            | bit(MCR_DTR, MSR_DSR)
            | bit(MCR_OUT1, MSR_RI)
            | bit(MCR_OUT2, MSR_DCD)
    }

    fn update_msr(&mut self) {
        let old = self.s.msr;
        let new = self.modem_inputs();
        let changed = old ^ new;
        let mut deltas = old & MSR_DELTAS;
        if changed & MSR_CTS != 0 {
            deltas |= MSR_DCTS;
        }
        if changed & MSR_DSR != 0 {
            deltas |= MSR_DDSR;
        }
        if old & MSR_RI != 0 && new & MSR_RI == 0 {
            deltas |= MSR_TERI;
        }
        if changed & MSR_DCD != 0 {
            deltas |= MSR_DDCD;
        }
        self.s.msr = new | deltas;
    }

    /// The highest-priority pending interrupt, as IIR bits 3–0.
    fn interrupt_id(&self) -> u8 {
        let ier = self.s.ier;
        if ier & IER_ELSI != 0 && self.s.lsr_errors != 0 {
            IIR_RLS
        } else if ier & IER_ERBFI != 0 && !self.rx.is_empty() {
            if self.s.fifo_enabled && self.rx.len() < self.rx_trigger_level() {
                IIR_CTI
            } else {
                IIR_RDA
            }
        } else if ier & IER_ETBEI != 0 && self.s.thre_pending {
            IIR_THRE
        } else if ier & IER_EDSSI != 0 && self.s.msr & MSR_DELTAS != 0 {
            IIR_MODEM
        } else {
            IIR_NONE
        }
    }

    /// Whether the IRQ line is driven: INTRPT gated by OUT2, as on PC serial cards.
    pub fn irq_level(&self) -> bool {
        self.interrupt_id() != IIR_NONE && self.s.mcr & MCR_OUT2 != 0 && !self.loopback()
    }

    fn update_irq(&mut self, cx: &mut DevCtx) {
        cx.irq.set(self.irq, self.irq_level());
        self.irq_stale = false;
    }

    fn transmit(&mut self, b: u8, cx: &mut DevCtx) {
        // Writing THR clears THRE; the character leaves at once and THR is empty again,
        // so the line drops and rises: an edge-triggered PIC sees a new interrupt.
        self.s.thre_pending = false;
        self.update_irq(cx);
        let b = b & (0xFF >> (3 - (self.s.lcr & LCR_WLS_MASK)));
        if self.loopback() {
            self.rx_char(b);
        } else {
            // A sink that fails (closed pipe) must not stop the guest: errors are dropped.
            let _ = self.sink.write_all(&[b]).and_then(|()| self.sink.flush());
        }
        self.s.thre_pending = true;
    }

    fn read_byte(&mut self, offset: u16) -> u8 {
        let dlab = self.s.lcr & LCR_DLAB != 0;
        match offset {
            RBR_THR_DLL if dlab => self.s.dll,
            RBR_THR_DLL => {
                let b = self.rx.pop_front().unwrap_or(0);
                self.refill();
                b
            }
            IER_DLM if dlab => self.s.dlm,
            IER_DLM => self.s.ier,
            IIR_FCR => {
                let id = self.interrupt_id();
                if id == IIR_THRE {
                    // Reading IIR with THRE the source clears it (IIR description).
                    self.s.thre_pending = false;
                }
                let fifos = if self.s.fifo_enabled {
                    IIR_FIFOS_ENABLED
                } else {
                    0
                };
                id | fifos
            }
            LCR => self.s.lcr,
            MCR => self.s.mcr,
            LSR => {
                let mut v = self.s.lsr_errors | LSR_THRE | LSR_TEMT;
                if !self.rx.is_empty() {
                    v |= LSR_DR;
                }
                self.s.lsr_errors = 0;
                v
            }
            MSR => {
                let v = self.s.msr;
                self.s.msr &= !MSR_DELTAS;
                v
            }
            SCR => self.s.scr,
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, offset: u16, v: u8, cx: &mut DevCtx) {
        let dlab = self.s.lcr & LCR_DLAB != 0;
        match offset {
            RBR_THR_DLL if dlab => self.s.dll = v,
            RBR_THR_DLL => self.transmit(v, cx),
            IER_DLM if dlab => self.s.dlm = v,
            IER_DLM => {
                let changed = (self.s.ier ^ v) & IER_ETBEI;
                self.s.ier = v & 0x0F;
                if changed != 0 {
                    // Enabling ETBEI with THR empty raises THRE at once (QEMU and Bochs
                    // do the same; Windows and Linux' THRE test rely on it).
                    self.s.thre_pending = v & IER_ETBEI != 0;
                }
            }
            IIR_FCR => {
                let enable = v & FCR_FIFO_ENABLE != 0;
                if enable != self.s.fifo_enabled {
                    self.rx.clear();
                }
                self.s.fifo_enabled = enable;
                // The other FCR bits only program when bit 0 is set.
                if enable {
                    if v & FCR_RCVR_RESET != 0 {
                        self.rx.clear();
                    }
                    self.s.rx_trigger = v >> FCR_TRIGGER_SHIFT;
                }
                self.refill();
            }
            LCR => self.s.lcr = v,
            MCR => {
                self.s.mcr = v & MCR_MASK;
                self.update_msr();
                self.refill();
            }
            SCR => self.s.scr = v,
            // LSR and MSR writes are for factory testing only.
            _ => {}
        }
    }

    fn offset(&self, port: u16) -> Option<u16> {
        let off = port.wrapping_sub(self.base);
        (off < 8).then_some(off)
    }
}

impl PortDevice for Uart {
    fn read(&mut self, port: u16, size: Size, cx: &mut DevCtx) -> u32 {
        let v = read_bytes(port, size, |p| match self.offset(p) {
            Some(off) => self.read_byte(off),
            None => 0xFF,
        });
        self.update_irq(cx);
        v
    }

    fn write(&mut self, port: u16, size: Size, value: u32, cx: &mut DevCtx) {
        write_bytes(port, size, value, |p, b| {
            if let Some(off) = self.offset(p) {
                self.write_byte(off, b, cx);
            }
        });
        self.update_irq(cx);
    }

    fn advance(&mut self, cx: &mut DevCtx) {
        self.update_irq(cx);
    }

    /// `Some(0)` ("now") after host input arrived, until the board calls `advance`.
    fn next_event(&self) -> Option<u64> {
        self.irq_stale.then_some(0)
    }
}

impl std::fmt::Debug for Uart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uart")
            .field("base", &self.base)
            .field("irq", &self.irq)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::IrqLines;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    struct Rig {
        uart: Uart,
        out: Capture,
        lines: IrqLines,
    }

    impl Rig {
        fn new() -> Self {
            let out = Capture::default();
            Self {
                uart: Uart::new(COM1_BASE, COM1_IRQ, Box::new(out.clone())),
                out,
                lines: IrqLines::default(),
            }
        }
        fn w(&mut self, off: u16, v: u8) {
            let mut cx = DevCtx {
                now: 0,
                irq: &mut self.lines,
            };
            self.uart.write(COM1_BASE + off, 1, u32::from(v), &mut cx);
        }
        fn r(&mut self, off: u16) -> u8 {
            let mut cx = DevCtx {
                now: 0,
                irq: &mut self.lines,
            };
            self.uart.read(COM1_BASE + off, 1, &mut cx) as u8
        }
        fn irq(&self) -> bool {
            self.lines.level(COM1_IRQ)
        }
        fn output(&self) -> Vec<u8> {
            self.out.0.lock().map(|v| v.clone()).unwrap_or_default()
        }
    }

    #[test]
    fn power_on_registers() {
        let mut r = Rig::new();
        assert_eq!(r.r(IIR_FCR), IIR_NONE);
        assert_eq!(r.r(LSR), LSR_THRE | LSR_TEMT);
        assert_eq!(r.r(MSR), 0xB0);
        assert_eq!(r.r(LCR), 0);
        assert_eq!(r.r(8), 0xFF);
    }

    #[test]
    fn transmit_to_sink() {
        let mut r = Rig::new();
        r.w(LCR, 0x03);
        for &b in b"Hello\n" {
            r.w(RBR_THR_DLL, b);
        }
        assert_eq!(r.output(), b"Hello\n");
        // 7-bit words lose the top bit on the wire.
        r.w(LCR, 0x02);
        r.w(RBR_THR_DLL, 0xC1);
        assert_eq!(r.output().last(), Some(&0x41));
    }

    #[test]
    fn divisor_latch() {
        let mut r = Rig::new();
        r.w(IER_DLM, 0x0F);
        r.w(LCR, LCR_DLAB | 0x03);
        r.w(RBR_THR_DLL, 0x01);
        r.w(IER_DLM, 0x00);
        assert_eq!(r.r(RBR_THR_DLL), 0x01);
        assert_eq!(r.r(IER_DLM), 0x00);
        r.w(LCR, 0x03);
        assert_eq!(r.r(IER_DLM), 0x0F, "IER untouched behind DLAB");
        assert!(r.output().is_empty());
    }

    #[test]
    fn thre_interrupt_semantics() {
        let mut r = Rig::new();
        r.w(MCR, MCR_OUT2 | MCR_RTS | MCR_DTR);
        r.w(IER_DLM, IER_ETBEI);
        assert_eq!(r.r(IIR_FCR), IIR_THRE);
        assert!(!r.irq(), "IIR read cleared THRE");
        assert_eq!(r.r(IIR_FCR), IIR_NONE);
        let rises = r.lines.rises(COM1_IRQ);
        r.w(RBR_THR_DLL, b'x');
        assert!(r.irq());
        assert_eq!(r.lines.rises(COM1_IRQ), rises + 1);
        // Writing THR again while THRE is pending still makes a fresh edge.
        r.w(RBR_THR_DLL, b'y');
        assert_eq!(r.lines.rises(COM1_IRQ), rises + 2);
        // Linux' UART_BUG_THRE probe: toggling ETBEI re-asserts THRE.
        r.r(IIR_FCR);
        r.w(IER_DLM, 0);
        r.w(IER_DLM, IER_ETBEI);
        assert_eq!(r.r(IIR_FCR), IIR_THRE);
        // Without OUT2 the PC's IRQ driver is off.
        r.w(MCR, MCR_DTR);
        r.w(RBR_THR_DLL, b'z');
        assert!(!r.irq());
    }

    #[test]
    fn receive_without_fifo() {
        let mut r = Rig::new();
        r.w(MCR, MCR_OUT2);
        r.w(IER_DLM, IER_ERBFI);
        r.uart.receive(b"ab");
        assert_eq!(r.uart.next_event(), Some(0));
        let mut cx = DevCtx {
            now: 5,
            irq: &mut r.lines,
        };
        r.uart.advance(&mut cx);
        assert_eq!(r.uart.next_event(), None);
        assert!(r.irq());
        assert_eq!(r.r(IIR_FCR), IIR_RDA);
        assert_eq!(r.r(LSR) & LSR_DR, LSR_DR);
        assert_eq!(r.r(RBR_THR_DLL), b'a');
        assert_eq!(r.r(RBR_THR_DLL), b'b');
        assert_eq!(r.r(LSR) & LSR_DR, 0);
        assert!(!r.irq());
    }

    #[test]
    fn fifo_trigger_levels_and_timeout() {
        let mut r = Rig::new();
        r.w(IIR_FCR, 0xC7); // enable, reset both, trigger 14
        assert_eq!(r.r(IIR_FCR), IIR_FIFOS_ENABLED | IIR_NONE);
        r.w(IER_DLM, IER_ERBFI);
        r.uart.receive(&[1; 10]);
        assert_eq!(r.r(IIR_FCR), IIR_FIFOS_ENABLED | IIR_CTI);
        r.uart.receive(&[2; 4]);
        assert_eq!(r.r(IIR_FCR), IIR_FIFOS_ENABLED | IIR_RDA);
        r.w(IIR_FCR, 0x43); // trigger 4, reset RX
        assert_eq!(r.r(LSR) & LSR_DR, 0);
        assert_eq!(r.r(IIR_FCR), IIR_FIFOS_ENABLED | IIR_NONE);
    }

    #[test]
    fn host_queue_loses_nothing_then_caps() {
        let mut r = Rig::new();
        r.w(IIR_FCR, 0x01);
        let data: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        r.uart.receive(&data);
        assert_eq!(r.uart.pending_input(), 1000 - FIFO_SIZE);
        let mut got = Vec::new();
        while r.r(LSR) & LSR_DR != 0 {
            got.push(r.r(RBR_THR_DLL));
        }
        assert_eq!(got, data);
        assert_eq!(r.r(LSR) & LSR_OE, 0);
        r.uart.receive(&vec![0u8; HOST_QUEUE_CAP + 100]);
        assert_eq!(r.uart.pending_input(), HOST_QUEUE_CAP);
        assert_eq!(r.uart.dropped_input(), 100 - FIFO_SIZE as u64);
    }

    #[test]
    fn loopback_modem_lines() {
        let mut r = Rig::new();
        // Linux autoconfig: LOOP | RTS | OUT2 must read back CTS | DCD.
        r.w(MCR, MCR_LOOP | 0x0A);
        assert_eq!(r.r(MSR) & 0xF0, 0x90);
        r.w(MCR, MCR_LOOP | MCR_DTR | MCR_OUT1);
        assert_eq!(r.r(MSR), MSR_DSR | MSR_RI | MSR_DCTS | MSR_DDSR | MSR_DDCD);
        r.w(MCR, MCR_LOOP);
        assert_eq!(r.r(MSR), MSR_DDSR | MSR_TERI);
        // Data written loops back to the receiver instead of the sink.
        r.uart.receive(b"host");
        r.w(LCR, 0x03);
        r.w(RBR_THR_DLL, 0x5A);
        assert_eq!(r.r(RBR_THR_DLL), 0x5A);
        assert!(r.output().is_empty());
        assert_eq!(r.r(LSR) & LSR_DR, 0, "host input waits while in loopback");
        r.w(MCR, 0);
        assert_eq!(r.r(RBR_THR_DLL), b'h');
    }

    #[test]
    fn modem_status_interrupt() {
        let mut r = Rig::new();
        r.w(IER_DLM, IER_EDSSI);
        r.w(MCR, MCR_LOOP | MCR_RTS);
        assert_eq!(r.r(IIR_FCR), IIR_MODEM);
        r.r(MSR);
        assert_eq!(r.r(IIR_FCR), IIR_NONE);
    }

    #[test]
    fn overrun_in_fifo_and_byte_mode() {
        let mut r = Rig::new();
        r.w(IIR_FCR, 0x07);
        r.w(IER_DLM, IER_ELSI | IER_ERBFI);
        r.w(MCR, MCR_LOOP);
        for b in 0..17u8 {
            r.w(RBR_THR_DLL, b);
        }
        assert_eq!(r.r(IIR_FCR), IIR_FIFOS_ENABLED | IIR_RLS);
        assert_eq!(r.r(LSR), LSR_OE | LSR_DR | LSR_THRE | LSR_TEMT);
        assert_eq!(r.r(LSR) & LSR_OE, 0, "LSR read clears OE");
        for b in 0..16u8 {
            assert_eq!(r.r(RBR_THR_DLL), b);
        }
        // Without FIFOs the new character overwrites the unread one.
        r.w(IIR_FCR, 0x00);
        r.w(RBR_THR_DLL, 1);
        r.w(RBR_THR_DLL, 2);
        assert_ne!(r.r(LSR) & LSR_OE, 0);
        assert_eq!(r.r(RBR_THR_DLL), 2);
    }

    #[test]
    fn iir_priority_order() {
        let mut r = Rig::new();
        r.w(IER_DLM, 0x0F);
        r.w(MCR, MCR_LOOP | MCR_DTR);
        r.w(RBR_THR_DLL, 7);
        r.w(RBR_THR_DLL, 8); // overrun without FIFOs
        assert_eq!(r.r(IIR_FCR), IIR_RLS);
        r.r(LSR);
        assert_eq!(r.r(IIR_FCR), IIR_RDA);
        r.r(RBR_THR_DLL);
        assert_eq!(r.r(IIR_FCR), IIR_THRE);
        assert_eq!(r.r(IIR_FCR), IIR_MODEM);
        r.r(MSR);
        assert_eq!(r.r(IIR_FCR), IIR_NONE);
    }

    #[test]
    fn state_round_trip() {
        let mut r = Rig::new();
        r.w(IIR_FCR, 0x81);
        r.w(SCR, 0x42);
        r.uart.receive(&[9; 40]);
        let s = r.uart.state();
        let mut u = Uart::from_state(COM1_BASE, COM1_IRQ, &s, Box::new(std::io::sink()));
        assert_eq!(u.state(), s);
        let mut cx = DevCtx {
            now: 0,
            irq: &mut r.lines,
        };
        assert_eq!(u.read(COM1_BASE + SCR, 1, &mut cx), 0x42);
        assert_eq!(s.rx_fifo.len(), FIFO_SIZE);
        assert_eq!(s.host_queue.len(), 40 - FIFO_SIZE);
    }

    #[test]
    fn hammer_every_port() {
        let mut r = Rig::new();
        let mut x = 0xDEAD_BEEF_CAFE_F00Du64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let port = COM1_BASE - 1 + (x % 10) as u16;
            let size = [1u8, 2, 4, 9][((x >> 8) & 3) as usize];
            let mut cx = DevCtx {
                now: x >> 20,
                irq: &mut r.lines,
            };
            match (x >> 12) % 6 {
                0 | 1 => {
                    r.uart.read(port, size, &mut cx);
                }
                2 => r.uart.receive(&x.to_le_bytes()[..(x >> 61) as usize]),
                _ => r.uart.write(port, size, (x >> 32) as u32, &mut cx),
            }
            assert!(r.uart.pending_input() <= HOST_QUEUE_CAP);
        }
        r.w(LCR, 0x03);
        r.w(MCR, 0);
        r.w(SCR, 0xA5);
        assert_eq!(r.r(SCR), 0xA5);
        assert_eq!(r.r(LSR) & (LSR_THRE | LSR_TEMT), LSR_THRE | LSR_TEMT);
    }
}
