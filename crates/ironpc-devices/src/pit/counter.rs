//! One 8254 counter: the count register, counting element, output latch and OUT, computed
//! from the input clock count rather than stepped (82C54 datasheet, "Modes of operation").

/// Input clock of the three counters, in Hz.
pub const PIT_HZ: u64 = 1_193_182;
/// Control word: RW1–RW0, 0 is the counter latch command.
pub(super) const CW_RW_SHIFT: u8 = 4;
pub(super) const RW_LATCH: u8 = 0;
const RW_LSB: u8 = 1;
const RW_MSB: u8 = 2;
/// Control word: BCD counting.
const CW_BCD: u8 = 0x01;
/// Status byte: OUTPUT and NULL COUNT.
pub(super) const ST_OUTPUT: u8 = 0x80;
pub(super) const ST_NULL_COUNT: u8 = 0x40;
const NS_PER_SEC: u128 = 1_000_000_000;

/// Input clocks elapsed at virtual time `ns`.
pub fn tick_at(ns: u64) -> u64 {
    (u128::from(ns) * u128::from(PIT_HZ) / NS_PER_SEC) as u64
}

/// The first virtual time (ns) at which [`tick_at`] reaches `tick`.
pub fn ns_at(tick: u64) -> u64 {
    let ns = (u128::from(tick) * NS_PER_SEC).div_ceil(u128::from(PIT_HZ));
    u64::try_from(ns).unwrap_or(u64::MAX)
}

/// Toggle a read flip-flop, returning its old value (true = MSB this time).
fn flip(ff: &mut bool) -> bool {
    *ff = !*ff;
    !*ff
}

fn to_bcd16(v: u32) -> u16 {
    let v = v % 10_000;
    (((v / 1000) << 12) | ((v / 100 % 10) << 8) | ((v / 10 % 10) << 4) | (v % 10)) as u16
}

/// One counter (field names after the datasheet's CR, CE, OL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PitChannelState {
    /// Mode 0–5 (6 and 7 are stored as 2 and 3).
    pub mode: u8,
    /// RW field: 1 LSB only, 2 MSB only, 3 LSB then MSB.
    pub access: u8,
    /// BCD counting.
    pub bcd: bool,
    /// GATE input level.
    pub gate: bool,
    /// Count register (CR) as last completely written; 0 means the maximum.
    pub count: u16,
    /// Write flip-flop: the LSB has been written, the MSB is next.
    pub write_msb_next: bool,
    /// The LSB waiting for its MSB.
    pub write_lsb: u8,
    /// Read flip-flop for unlatched LSB-then-MSB reads.
    pub read_msb_next: bool,
    /// Output latch (OL) after a latch command, until read.
    pub latch: Option<u16>,
    /// Read flip-flop for the output latch.
    pub latch_msb_next: bool,
    /// Status latched by a read-back command, until read.
    pub status_latch: Option<u8>,
    /// NULL COUNT: CR written but not yet loaded into CE.
    pub null_count: bool,
    /// A count is present (modes 1/5: and may be triggered).
    pub loaded: bool,
    /// CE is counting.
    pub running: bool,
    /// Input clock at which the current run started.
    pub start_tick: u64,
    /// One-shot modes 0/1/4/5: CE value at `start_tick` (it goes on below zero).
    pub start_value: i64,
    /// Periodic modes 2/3: the N of the current cycle.
    pub period: u32,
    /// Periodic modes 2/3: a new N and the clock at which it takes over.
    pub pending: Option<(u32, u64)>,
    /// CE while not counting.
    pub held: i64,
}

impl Default for PitChannelState {
    fn default() -> Self {
        Self {
            mode: 3,
            access: 3,
            bcd: false,
            gate: true,
            count: 0,
            write_msb_next: false,
            write_lsb: 0,
            read_msb_next: false,
            latch: None,
            latch_msb_next: false,
            status_latch: None,
            null_count: true,
            loaded: false,
            running: false,
            start_tick: 0,
            start_value: 0,
            period: 1,
            pending: None,
            held: 0,
        }
    }
}

impl PitChannelState {
    fn modulus(&self) -> i64 {
        if self.bcd {
            10_000
        } else {
            65_536
        }
    }

    /// N from the count register: 0 is 2^16 (binary) or 10^4 (BCD).
    fn n(&self) -> u32 {
        match (self.count, self.bcd) {
            (0, true) => 10_000,
            (0, false) => 65_536,
            (c, true) => {
                let d = |s: u16| u32::from((c >> s) & 0xF);
                d(12) * 1000 + d(8) * 100 + d(4) * 10 + d(0)
            }
            (c, false) => u32::from(c),
        }
    }

    /// Start and N of the periodic cycle in force at clock `t`.
    fn cycle(&self, t: u64) -> (u64, u64) {
        match self.pending {
            Some((n, at)) if t >= at => (at, u64::from(n.max(1))),
            _ => (self.start_tick, u64::from(self.period.max(1))),
        }
    }

    /// Make a pending periodic count current once its time has come.
    fn settle(&mut self, t: u64) {
        if let Some((n, at)) = self.pending {
            if t >= at {
                self.start_tick = at;
                self.period = n.max(1);
                self.pending = None;
                self.null_count = false;
            }
        }
    }

    /// One-shot modes: CE at clock `t` (negative once it wrapped past zero).
    fn remaining(&self, t: u64) -> i64 {
        let d = i64::try_from(t.saturating_sub(self.start_tick)).unwrap_or(i64::MAX);
        self.start_value.saturating_sub(d)
    }

    /// CE as a number.
    fn ce_value(&self, t: u64) -> i64 {
        if !self.running {
            return self.held;
        }
        match self.mode {
            2 => {
                let (s, n) = self.cycle(t);
                (n - t.saturating_sub(s) % n) as i64
            }
            3 => {
                let (s, n) = self.cycle(t);
                let phase = t.saturating_sub(s) % n;
                let high = n.div_ceil(2);
                let p = if phase < high { phase } else { phase - high };
                ((n & !1).saturating_sub(2 * p)) as i64
            }
            _ => self.remaining(t),
        }
    }

    /// CE as the guest reads it (BCD-encoded in BCD mode).
    fn ce(&self, t: u64) -> u16 {
        let v = self.ce_value(t).rem_euclid(self.modulus()) as u32;
        if self.bcd {
            to_bcd16(v)
        } else {
            v as u16
        }
    }

    /// Level of OUT at clock `t`.
    pub(super) fn out(&self, t: u64) -> bool {
        match (self.mode, self.running) {
            (0, false) => self.loaded && self.held <= 0,
            (0 | 1, true) => self.remaining(t) <= 0,
            (2, true) => {
                let (s, n) = self.cycle(t);
                t.saturating_sub(s) % n != n - 1
            }
            (3, true) => {
                let (s, n) = self.cycle(t);
                t.saturating_sub(s) % n < n.div_ceil(2)
            }
            (_, true) => self.remaining(t) != 0,
            (_, false) => true,
        }
    }

    /// The first clock after `t` at which OUT changes level, if it ever does by itself.
    pub(super) fn next_change(&self, t: u64) -> Option<u64> {
        if !self.running {
            return None;
        }
        let at_zero = || {
            let r = self.remaining(t);
            (r > 0).then(|| t.saturating_add(r as u64))
        };
        match self.mode {
            0 | 1 => at_zero(),
            2 | 3 => {
                let (s, n) = self.cycle(t);
                let d = t.saturating_sub(s);
                let cycle_start = s.saturating_add(d - d % n);
                let fall = if self.mode == 2 { n - 1 } else { n.div_ceil(2) };
                if fall == 0 || fall >= n {
                    None
                } else if d % n < fall {
                    Some(cycle_start.saturating_add(fall))
                } else {
                    Some(cycle_start.saturating_add(n))
                }
            }
            _ => match self.remaining(t) {
                0 => Some(t.saturating_add(1)),
                _ => at_zero(),
            },
        }
    }

    /// Whether OUT rose at some clock in `(from, to]`.
    pub(super) fn rose_between(&self, from: u64, to: u64) -> bool {
        let mut x = from;
        for _ in 0..3 {
            match self.next_change(x) {
                Some(c) if c <= to => {
                    if self.out(c) {
                        return true;
                    }
                    x = c;
                }
                _ => return false,
            }
        }
        false
    }

    fn status(&self, t: u64) -> u8 {
        let mut st = self.access << CW_RW_SHIFT | self.mode << 1 | u8::from(self.bcd);
        if self.out(t) {
            st |= ST_OUTPUT;
        }
        if self.null_count {
            st |= ST_NULL_COUNT;
        }
        st
    }

    /// A control word for this counter (not a latch command).
    pub(super) fn control(&mut self, cw: u8) {
        let mode = (cw >> 1) & 7;
        *self = Self {
            mode: if mode > 5 { mode - 4 } else { mode },
            access: (cw >> CW_RW_SHIFT) & 3,
            bcd: cw & CW_BCD != 0,
            gate: self.gate,
            count: self.count,
            ..Self::default()
        };
    }

    /// Start counting from a fresh count N in `start_value`/`period`.
    fn start(&mut self, t: u64) {
        let n = self.n();
        self.running = true;
        self.start_tick = t;
        self.start_value = i64::from(n);
        self.period = n;
        self.pending = None;
        self.null_count = false;
    }

    /// The count register was completely written (section "Programming the 82C54").
    fn load(&mut self, t: u64) {
        self.null_count = true;
        match self.mode {
            0 | 4 => {
                self.loaded = true;
                self.held = i64::from(self.n());
                if self.gate {
                    self.start(t);
                } else {
                    self.running = false;
                }
            }
            2 | 3 if self.running => {
                // The new count takes over at the end of the current cycle.
                let (s, n) = self.cycle(t);
                let d = t.saturating_sub(s);
                let at = s.saturating_add((d / n).saturating_add(1).saturating_mul(n));
                self.pending = Some((self.n(), at));
            }
            2 | 3 => {
                self.loaded = true;
                self.held = i64::from(self.n());
                if self.gate {
                    self.start(t);
                }
            }
            // Modes 1 and 5 wait for a GATE trigger.
            _ => self.loaded = true,
        }
    }

    pub(super) fn write_count(&mut self, b: u8, t: u64) {
        self.settle(t);
        match self.access {
            RW_LSB => {
                self.count = u16::from(b);
                self.load(t);
            }
            RW_MSB => {
                self.count = u16::from(b) << 8;
                self.load(t);
            }
            _ if !self.write_msb_next => {
                self.write_lsb = b;
                self.write_msb_next = true;
                if self.mode == 0 {
                    // Mode 0: the first byte stops counting and sets OUT low at once.
                    self.held = self.ce_value(t);
                    self.running = false;
                    self.loaded = false;
                }
            }
            _ => {
                self.write_msb_next = false;
                self.count = u16::from(self.write_lsb) | u16::from(b) << 8;
                self.load(t);
            }
        }
    }

    pub(super) fn set_gate(&mut self, gate: bool, t: u64) {
        self.settle(t);
        if gate == self.gate {
            return;
        }
        self.gate = gate;
        match (self.mode, gate) {
            // Rising edge: modes 1/5 trigger, modes 2/3 restart with the current count.
            (1 | 2 | 3 | 5, true) if self.loaded => self.start(t),
            // Modes 0/4: GATE enables counting.
            (0 | 4, true) if self.loaded && !self.running => {
                self.running = true;
                self.start_tick = t;
                self.start_value = self.held;
            }
            (0 | 2 | 3 | 4, false) if self.running => {
                self.held = self.ce_value(t);
                self.running = false;
            }
            _ => {}
        }
    }

    pub(super) fn read(&mut self, t: u64) -> u8 {
        if let Some(st) = self.status_latch.take() {
            return st;
        }
        let (value, msb) = match self.latch {
            Some(v) => {
                let msb = match self.access {
                    RW_LSB => false,
                    RW_MSB => true,
                    _ => flip(&mut self.latch_msb_next),
                };
                if self.access != 3 || msb {
                    self.latch = None;
                }
                (v, msb)
            }
            None => {
                let msb = match self.access {
                    RW_LSB => false,
                    RW_MSB => true,
                    _ => flip(&mut self.read_msb_next),
                };
                (self.ce(t), msb)
            }
        };
        if msb {
            (value >> 8) as u8
        } else {
            value as u8
        }
    }

    pub(super) fn latch_count(&mut self, t: u64) {
        if self.latch.is_none() {
            self.latch = Some(self.ce(t));
            self.latch_msb_next = false;
        }
    }

    pub(super) fn latch_status(&mut self, t: u64) {
        self.settle(t);
        if self.status_latch.is_none() {
            self.status_latch = Some(self.status(t));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A counter after a control word and a two-byte count written at clock 0.
    fn programmed(cw: u8, count: u16, gate: bool) -> PitChannelState {
        let mut c = PitChannelState {
            gate,
            ..Default::default()
        };
        c.control(cw);
        c.write_count(count as u8, 0);
        c.write_count((count >> 8) as u8, 0);
        c
    }

    #[test]
    fn time_conversion_round_trips() {
        for t in [0u64, 1, 2, 1193, 1_193_182, 123_456_789] {
            assert_eq!(tick_at(ns_at(t)), t);
            assert_eq!(tick_at(ns_at(t).saturating_sub(1)), t.saturating_sub(1));
        }
        assert_eq!(tick_at(1_000_000_000), PIT_HZ);
    }

    #[test]
    fn mode3_odd_count_duty_cycle() {
        let c = programmed(0x36, 5, true);
        let outs: Vec<bool> = (0..10).map(|t| c.out(t)).collect();
        let one = [true, true, true, false, false];
        assert_eq!(outs, [one, one].concat());
        assert_eq!(c.next_change(0), Some(3));
        assert_eq!(c.next_change(3), Some(5));
    }

    #[test]
    fn mode5_hardware_triggered_strobe() {
        let mut c = programmed(0x3A, 10, false);
        assert!(c.out(100));
        assert_eq!(c.next_change(0), None, "waits for a trigger");
        c.set_gate(true, 20);
        assert!(c.out(29));
        assert!(!c.out(30));
        assert!(c.out(31));
        assert!(c.rose_between(25, 31));
        assert!(!c.rose_between(31, 1000));
    }

    #[test]
    fn mode0_gate_pauses_counting() {
        let mut c = programmed(0x30, 100, true);
        c.set_gate(false, 40);
        c.latch_count(500);
        assert_eq!(c.read(500), 60);
        assert_eq!(c.read(500), 0);
        c.set_gate(true, 1000);
        assert!(!c.out(1059));
        assert!(c.out(1060));
    }

    #[test]
    fn mode0_first_byte_stops_counting() {
        let mut c = programmed(0x30, 100, true);
        assert!(c.out(100));
        c.write_count(50, 150);
        assert!(!c.out(150), "OUT goes low at once");
        assert!(!c.out(10_000), "and counting stopped");
        c.write_count(0, 200);
        assert!(!c.out(249));
        assert!(c.out(250));
    }

    #[test]
    fn bcd_reads_and_invalid_digits() {
        let c = programmed(0x31, 0x0000, true);
        assert_eq!(c.ce(1), 0x9999);
        // 0xFFFF is no BCD number: taken as 15·1000 + 15·100 + 15·10 + 15.
        let c = programmed(0x31, 0xFFFF, true);
        assert_eq!(c.ce(0), 0x6665);
    }

    #[test]
    fn lsb_only_and_msb_only_access() {
        let mut c = PitChannelState::default();
        c.control(0x14); // LSB only, mode 2
        c.write_count(100, 0);
        assert_eq!(c.read(10), 90);
        assert_eq!(c.read(10), 90, "no flip-flop in LSB-only mode");
        c.control(0x24); // MSB only, mode 2
        c.write_count(2, 0);
        assert_eq!(c.read(0), 2);
        assert_eq!(c.status(0) & 0x3F, 0x24);
    }
}
