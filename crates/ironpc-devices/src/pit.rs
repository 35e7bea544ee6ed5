//! Intel 8254 programmable interval timer (ports 0x40–0x43) and the PC's system control
//! port B (0x61), which gates counter 2 and reads back its output.
//!
//! Counters are computed arithmetically from elapsed virtual time in 1.193182 MHz input
//! clocks: nothing is stepped per tick, so a read while counting is exact. Counter 0's OUT
//! drives IRQ0; [`PortDevice::next_event`] is the next time OUT0 changes level. Mode
//! numbers and register names follow the Intel 82C54 datasheet (order no. 231244).
//!
//! Deliberate deviations:
//! * A count is loaded into the counting element at the write instant, not on the next
//!   CLK pulse, so OUT in mode 0 rises N (not N+1) clocks after the write.
//! * Mode 3 takes a new count at the end of the current full period rather than the
//!   current half period, and an odd count reads back in steps of two from N−1.
//! * A count of 1 in modes 2/3 (illegal on the chip) keeps OUT static.

use crate::bus::{read_bytes, write_bytes, DevCtx, IrqLines, PortDevice, Size};

mod counter;

pub use counter::{ns_at, tick_at, PitChannelState, PIT_HZ};
use counter::{CW_RW_SHIFT, RW_LATCH};
#[cfg(test)]
use counter::{ST_NULL_COUNT, ST_OUTPUT};

/// Counter 0 (IRQ0).
pub const PORT_COUNTER0: u16 = 0x40;
/// Counter 1 (DRAM refresh on the PC; unused).
pub const PORT_COUNTER1: u16 = 0x41;
/// Counter 2 (speaker, gated by port 0x61 bit 0).
pub const PORT_COUNTER2: u16 = 0x42;
/// Control word register.
pub const PORT_CONTROL: u16 = 0x43;
/// System control port B.
pub const PORT_61: u16 = 0x61;

/// Control word: SC1–SC0 select the counter; 3 is the read-back command.
const CW_SC_SHIFT: u8 = 6;
const SC_READ_BACK: u8 = 3;
/// Read-back command: COUNT# and STATUS# (active low) and the counter select bits.
const RB_COUNT_N: u8 = 0x20;
const RB_STATUS_N: u8 = 0x10;
const RB_CNT0: u8 = 0x02;
/// Port 0x61: timer 2 gate, speaker data, the writable bits, refresh toggle, OUT2.
pub const P61_GATE2: u8 = 0x01;
pub const P61_SPEAKER_DATA: u8 = 0x02;
const P61_WRITABLE: u8 = 0x0F;
pub const P61_REFRESH: u8 = 0x10;
pub const P61_OUT2: u8 = 0x20;
/// The refresh request bit toggles every 15.085 µs.
const REFRESH_TOGGLE_NS: u64 = 15_085;

/// Saved state of the 8254 and port 0x61.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PitState {
    /// Counters 0–2.
    pub channels: [PitChannelState; 3],
    /// Input clock up to which IRQ0 has been driven.
    pub last_tick: u64,
    /// Port 0x61 bits 0–3 as written.
    pub port61: u8,
}

impl Default for PitState {
    fn default() -> Self {
        let mut channels: [PitChannelState; 3] = Default::default();
        channels[2].gate = false;
        Self {
            channels,
            last_tick: 0,
            port61: 0,
        }
    }
}

/// The 8254 with counter 0 on IRQ0 and counter 2 behind port 0x61.
#[derive(Clone, Debug, Default)]
pub struct Pit {
    s: PitState,
}

impl Pit {
    /// The PIT at power-on: no counter programmed, OUT0 high, gate 2 low.
    pub fn new() -> Self {
        Self::default()
    }

    /// Restore from a saved state.
    pub fn from_state(state: &PitState) -> Self {
        let mut s = state.clone();
        for ch in &mut s.channels {
            ch.mode = ch.mode.min(5);
            ch.access = ch.access.clamp(1, 3);
            ch.period = ch.period.max(1);
            if let Some((n, at)) = ch.pending {
                ch.pending = Some((n.max(1), at));
            }
        }
        s.port61 &= P61_WRITABLE;
        Self { s }
    }

    /// The current state, for saving.
    pub fn state(&self) -> PitState {
        self.s.clone()
    }

    fn tick(&self, now: u64) -> u64 {
        tick_at(now).max(self.s.last_tick)
    }

    /// Drive IRQ0 from OUT0 up to `now`. A rising edge that happened since the last call
    /// is reported even if OUT0 fell again since (see [`IrqLines::rises`]).
    fn catch_up(&mut self, now: u64, irq: &mut IrqLines) {
        let t = self.tick(now);
        let ch = &self.s.channels[0];
        if ch.rose_between(self.s.last_tick, t) {
            irq.set(0, false);
            irq.set(0, true);
        }
        irq.set(0, ch.out(t));
        self.s.last_tick = t;
    }

    /// Set counter 2's GATE (port 0x61 bit 0) at virtual time `now`.
    pub fn set_gate2(&mut self, gate: bool, now: u64) {
        let t = self.tick(now);
        self.s.channels[2].set_gate(gate, t);
    }

    /// Counter 2's OUT at virtual time `now` (port 0x61 bit 5).
    pub fn out2(&self, now: u64) -> bool {
        self.s.channels[2].out(self.tick(now))
    }

    /// Counter 0's OUT (the IRQ0 level) at virtual time `now`.
    pub fn out0(&self, now: u64) -> bool {
        self.s.channels[0].out(self.tick(now))
    }

    fn read_byte(&mut self, port: u16, now: u64) -> u8 {
        let t = self.tick(now);
        match port {
            PORT_COUNTER0..=PORT_COUNTER2 => self.s.channels[usize::from(port & 3)].read(t),
            PORT_61 => {
                let refresh = (now / REFRESH_TOGGLE_NS) & 1 != 0;
                let mut v = self.s.port61;
                if refresh {
                    v |= P61_REFRESH;
                }
                if self.s.channels[2].out(t) {
                    v |= P61_OUT2;
                }
                v
            }
            // The control word register is write-only.
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, port: u16, v: u8, now: u64) {
        let t = self.tick(now);
        match port {
            PORT_COUNTER0..=PORT_COUNTER2 => {
                self.s.channels[usize::from(port & 3)].write_count(v, t);
            }
            PORT_CONTROL => {
                let sc = v >> CW_SC_SHIFT;
                if sc == SC_READ_BACK {
                    for (i, ch) in self.s.channels.iter_mut().enumerate() {
                        if v & (RB_CNT0 << i) == 0 {
                            continue;
                        }
                        if v & RB_STATUS_N == 0 {
                            ch.latch_status(t);
                        }
                        if v & RB_COUNT_N == 0 {
                            ch.latch_count(t);
                        }
                    }
                } else {
                    let ch = &mut self.s.channels[usize::from(sc)];
                    if (v >> CW_RW_SHIFT) & 3 == RW_LATCH {
                        ch.latch_count(t);
                    } else {
                        ch.control(v);
                    }
                }
            }
            PORT_61 => {
                self.s.port61 = v & P61_WRITABLE;
                self.s.channels[2].set_gate(v & P61_GATE2 != 0, t);
            }
            _ => {}
        }
    }
}

impl PortDevice for Pit {
    fn read(&mut self, port: u16, size: Size, cx: &mut DevCtx) -> u32 {
        self.catch_up(cx.now, cx.irq);
        read_bytes(port, size, |p| self.read_byte(p, cx.now))
    }

    fn write(&mut self, port: u16, size: Size, value: u32, cx: &mut DevCtx) {
        self.catch_up(cx.now, cx.irq);
        write_bytes(port, size, value, |p, b| self.write_byte(p, b, cx.now));
        let out = self.out0(cx.now);
        cx.irq.set(0, out);
    }

    fn advance(&mut self, cx: &mut DevCtx) {
        self.catch_up(cx.now, cx.irq);
    }

    /// The next time OUT0 changes level after the last access or advance.
    fn next_event(&self) -> Option<u64> {
        self.s.channels[0].next_change(self.s.last_tick).map(ns_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rig {
        pit: Pit,
        lines: IrqLines,
        now: u64,
    }

    impl Rig {
        fn new() -> Self {
            Self {
                pit: Pit::new(),
                lines: IrqLines::default(),
                now: 0,
            }
        }
        fn at_tick(&mut self, t: u64) {
            self.now = ns_at(t);
        }
        fn out(&mut self, port: u16, v: u8) {
            let mut cx = DevCtx {
                now: self.now,
                irq: &mut self.lines,
            };
            self.pit.write(port, 1, u32::from(v), &mut cx);
        }
        fn inb(&mut self, port: u16) -> u8 {
            let mut cx = DevCtx {
                now: self.now,
                irq: &mut self.lines,
            };
            self.pit.read(port, 1, &mut cx) as u8
        }
        fn advance(&mut self) {
            let mut cx = DevCtx {
                now: self.now,
                irq: &mut self.lines,
            };
            self.pit.advance(&mut cx);
        }
        fn latched(&mut self, port: u16) -> u16 {
            self.out(0x43, (port as u8 & 3) << 6); // counter latch command
            let lo = self.inb(port);
            u16::from(lo) | u16::from(self.inb(port)) << 8
        }
    }

    #[test]
    fn mode0_counts_and_raises_irq0_once() {
        let mut r = Rig::new();
        r.out(0x43, 0x30);
        assert!(!r.lines.level(0), "mode 0 control word sets OUT low");
        let rises = r.lines.rises(0);
        r.out(0x40, 0xE8);
        r.out(0x40, 0x03); // 1000
        assert_eq!(r.pit.next_event(), Some(ns_at(1000)));
        r.at_tick(250);
        assert_eq!(r.latched(0x40), 750);
        r.at_tick(999);
        r.advance();
        assert!(!r.lines.level(0));
        r.at_tick(1000);
        r.advance();
        assert!(r.lines.level(0));
        assert_eq!(r.lines.rises(0), rises + 1);
        assert_eq!(r.pit.next_event(), None);
        // CE wraps and keeps counting; OUT stays high.
        r.at_tick(1010);
        assert_eq!(r.latched(0x40), 0xFFF6);
    }

    #[test]
    fn mode2_periodic_edges_survive_coarse_advance() {
        let mut r = Rig::new();
        // Linux: outb_p(0x34, PIT_MODE); LATCH = 1193 (HZ = 1000).
        r.out(0x43, 0x34);
        r.out(0x40, 0xA9);
        r.out(0x40, 0x04);
        assert!(r.lines.level(0));
        let rises0 = r.lines.rises(0);
        assert_eq!(r.pit.next_event(), Some(ns_at(1192)));
        r.at_tick(1192);
        r.advance();
        assert!(!r.lines.level(0), "one clock low before reload");
        assert_eq!(r.pit.next_event(), Some(ns_at(1193)));
        r.at_tick(1193);
        r.advance();
        assert!(r.lines.level(0));
        assert_eq!(r.lines.rises(0), rises0 + 1);
        // The board oversleeps several periods: still one edge is seen.
        r.at_tick(1193 * 5 + 10);
        r.advance();
        assert_eq!(r.lines.rises(0), rises0 + 2);
        assert_eq!(r.latched(0x40), 1193 - 10);
        assert_eq!(r.pit.next_event(), Some(ns_at(1193 * 6 - 1)));
    }

    #[test]
    fn mode2_new_count_waits_for_cycle_end() {
        let mut r = Rig::new();
        r.out(0x43, 0x34);
        r.out(0x40, 100);
        r.out(0x40, 0);
        r.at_tick(30);
        r.out(0x40, 50);
        r.out(0x40, 0);
        r.out(0x43, 0xE2); // read-back status of counter 0
        assert_ne!(r.inb(0x40) & ST_NULL_COUNT, 0);
        assert_eq!(r.latched(0x40), 70);
        r.at_tick(110);
        assert_eq!(r.latched(0x40), 40);
        r.out(0x43, 0xE2);
        assert_eq!(r.inb(0x40) & ST_NULL_COUNT, 0);
    }

    #[test]
    fn mode3_square_wave() {
        let mut r = Rig::new();
        // BIOS: 0x36, count 0 = 65536, 18.2 Hz.
        r.out(0x43, 0x36);
        r.out(0x40, 0);
        r.out(0x40, 0);
        assert_eq!(r.latched(0x40), 0);
        r.at_tick(10);
        assert_eq!(r.latched(0x40), (65536 - 20) as u16);
        assert!(r.pit.out0(r.now));
        assert_eq!(r.pit.next_event(), Some(ns_at(32768)));
        r.at_tick(32768);
        r.advance();
        assert!(!r.lines.level(0));
        r.at_tick(65536);
        r.advance();
        assert!(r.lines.level(0));
    }

    #[test]
    fn linux_pit_calibrate_tsc() {
        let mut r = Rig::new();
        // Gate high, speaker off.
        let v = (r.inb(0x61) & !0x02) | 0x01;
        r.out(0x61, v);
        // Channel 2, mode 0, LSB/MSB, 50 ms.
        let latch = (PIT_HZ / 20) as u16;
        r.out(0x43, 0xB0);
        r.out(0x42, latch as u8);
        r.out(0x42, (latch >> 8) as u8);
        let mut polls = 0;
        while r.inb(0x61) & 0x20 == 0 {
            r.now += 100_000; // 100 µs of guest time per poll
            polls += 1;
            assert!(polls < 10_000);
        }
        assert_eq!(polls, 500);
        // quick_pit_calibrate: start at 0xFFFF, watch the MSB with unlatched reads.
        r.out(0x43, 0xB0);
        r.out(0x42, 0xFF);
        r.out(0x42, 0xFF);
        let start = tick_at(r.now);
        let msb = |r: &mut Rig, t: u64| {
            r.at_tick(start + t);
            r.inb(0x42);
            r.inb(0x42)
        };
        assert_eq!(msb(&mut r, 1), 0xFF);
        assert_eq!(msb(&mut r, 256), 0xFE);
        assert_eq!(msb(&mut r, 256 * 10 + 5), 0xF5);
    }

    #[test]
    fn latch_holds_while_counting() {
        let mut r = Rig::new();
        r.out(0x43, 0x30);
        r.out(0x40, 0x00);
        r.out(0x40, 0x10); // 4096
        r.at_tick(96);
        r.out(0x43, 0x00);
        r.at_tick(3000);
        r.out(0x43, 0x00); // ignored: the first latch is still unread
        assert_eq!(r.inb(0x40), 0xA0);
        r.at_tick(3500);
        assert_eq!(r.inb(0x40), 0x0F);
        // Unlatched reads see the live value again.
        assert_eq!(r.inb(0x40), (4096u16 - 3500) as u8);
    }

    #[test]
    fn read_back_status_and_count() {
        let mut r = Rig::new();
        r.out(0x43, 0x94); // counter 2, LSB only, mode 2
        r.out(0x43, 0xC8); // read back count+status of counter 2
        assert_eq!(r.inb(0x42), 0x14 | ST_NULL_COUNT | ST_OUTPUT);
        r.out(0x42, 200);
        assert_eq!(r.inb(0x42), 0, "latched count taken before the write");
        r.out(0x61, 0x01); // gate 2 high starts mode 2
        r.at_tick(50);
        r.out(0x43, 0xC8);
        assert_eq!(r.inb(0x42), 0x14 | ST_OUTPUT);
        assert_eq!(r.inb(0x42), 150);
        // Gate low stops counting and forces OUT high.
        r.at_tick(199);
        r.out(0x61, 0x00);
        r.at_tick(400);
        assert!(r.pit.out2(r.now));
        assert_eq!(r.inb(0x42), 1);
    }

    #[test]
    fn mode1_retriggered_by_gate() {
        let mut r = Rig::new();
        r.out(0x43, 0xB2); // counter 2, mode 1
        r.out(0x42, 100);
        r.out(0x42, 0);
        assert!(r.pit.out2(r.now));
        r.at_tick(10);
        r.pit.set_gate2(true, r.now);
        assert!(!r.pit.out2(r.now));
        r.at_tick(60);
        r.pit.set_gate2(false, r.now);
        r.pit.set_gate2(true, r.now);
        r.at_tick(159);
        assert!(!r.pit.out2(r.now));
        r.at_tick(160);
        assert!(r.pit.out2(r.now));
    }

    #[test]
    fn mode4_linux_oneshot_strobe() {
        let mut r = Rig::new();
        r.out(0x43, 0x38);
        r.out(0x40, 0x10);
        r.out(0x40, 0x00);
        assert!(r.lines.level(0));
        let rises = r.lines.rises(0);
        assert_eq!(r.pit.next_event(), Some(ns_at(16)));
        r.at_tick(16);
        r.advance();
        assert!(!r.lines.level(0));
        assert_eq!(r.pit.next_event(), Some(ns_at(17)));
        r.at_tick(17);
        r.advance();
        assert!(r.lines.level(0));
        assert_eq!(r.lines.rises(0), rises + 1);
        assert_eq!(r.pit.next_event(), None);
    }

    #[test]
    fn bcd_counting() {
        let mut r = Rig::new();
        r.out(0x43, 0x31); // mode 0, BCD
        r.out(0x40, 0x00);
        r.out(0x40, 0x10); // 1000 decimal
        r.at_tick(1);
        assert_eq!(r.latched(0x40), 0x0999);
        r.at_tick(1001);
        assert_eq!(r.latched(0x40), 0x9999);
    }

    #[test]
    fn port61_refresh_toggles() {
        let mut r = Rig::new();
        let a = r.inb(0x61) & P61_REFRESH;
        r.now += REFRESH_TOGGLE_NS;
        let b = r.inb(0x61) & P61_REFRESH;
        assert_ne!(a, b);
        r.out(0x61, 0xFF);
        assert_eq!(r.inb(0x61) & 0xCF, 0x0F);
    }

    #[test]
    fn state_round_trip() {
        let mut r = Rig::new();
        r.out(0x43, 0x34);
        r.out(0x40, 0x00);
        r.out(0x40, 0x01);
        r.at_tick(100);
        let copy = Pit::from_state(&r.pit.state());
        assert_eq!(copy.state(), r.pit.state());
        assert_eq!(copy.next_event(), r.pit.next_event());
    }

    #[test]
    fn hammer_every_port() {
        let mut r = Rig::new();
        let ports = [0x40u16, 0x41, 0x42, 0x43, 0x61, 0x44, 0x60];
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            r.now += (x >> 40) % 5_000;
            let port = ports[(x % 7) as usize];
            let size = [1u8, 2, 4, 0][((x >> 8) & 3) as usize];
            let mut cx = DevCtx {
                now: r.now,
                irq: &mut r.lines,
            };
            match (x >> 12) % 4 {
                0 => {
                    r.pit.read(port, size, &mut cx);
                }
                1 => {
                    r.pit.advance(&mut cx);
                    if let Some(t) = r.pit.next_event() {
                        assert!(t > r.now);
                    }
                }
                _ => r.pit.write(port, size, (x >> 32) as u32, &mut cx),
            }
        }
        r.out(0x43, 0x30);
        r.out(0x40, 0x34);
        r.out(0x40, 0x12);
        r.out(0x43, 0xE2);
        assert_eq!(r.inb(0x40), 0x30);
        assert_eq!(r.latched(0x40), 0x1234);
    }
}
