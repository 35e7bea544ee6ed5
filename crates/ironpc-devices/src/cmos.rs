//! Motorola MC146818 real-time clock and its 128 bytes of CMOS RAM (index 0x70, data 0x71).
//!
//! The clock runs on virtual time from a wall-clock start given to [`Cmos::new`] as a unix
//! timestamp: the time registers are computed when read, never stepped, and the host clock
//! is never consulted. Periodic, alarm and update-ended interrupts set register C flags and
//! drive IRQ8 while IRQF is set. Register names follow the MC146818A datasheet.
//!
//! Deliberate deviations:
//! * While the clock runs, changing DM or 24/12 in register B re-encodes the time registers
//!   at once; the chip would keep the old encoding until the next update.
//! * The day of week is derived from the date, not counted from whatever was written.
//! * Any divider setting other than reset (DV = 11x) runs the clock at the 32.768 kHz rates;
//!   leaving reset or SET restarts the second at the write, without the 500 ms delay.
//! * Daylight saving (DSE) and the square-wave output are not modelled.

use crate::bus::{from_bcd, read_bytes, to_bcd, write_bytes, DevCtx, PortDevice, Size};

/// Index register (bit 7: NMI disable).
pub const PORT_INDEX: u16 = 0x70;
/// Data register.
pub const PORT_DATA: u16 = 0x71;
/// Index bit 7: NMI masked.
const INDEX_NMI_DISABLE: u8 = 0x80;

/// Clock registers.
pub const REG_SECONDS: u8 = 0x00;
pub const REG_SECONDS_ALARM: u8 = 0x01;
pub const REG_MINUTES: u8 = 0x02;
pub const REG_MINUTES_ALARM: u8 = 0x03;
pub const REG_HOURS: u8 = 0x04;
pub const REG_HOURS_ALARM: u8 = 0x05;
pub const REG_DAY_OF_WEEK: u8 = 0x06;
pub const REG_DAY_OF_MONTH: u8 = 0x07;
pub const REG_MONTH: u8 = 0x08;
pub const REG_YEAR: u8 = 0x09;
pub const REG_A: u8 = 0x0A;
pub const REG_B: u8 = 0x0B;
pub const REG_C: u8 = 0x0C;
pub const REG_D: u8 = 0x0D;
/// IBM PC/AT century byte (also the usual ACPI FADT century index).
pub const REG_CENTURY: u8 = 0x32;
/// Register A: update in progress, divider select, rate select.
const A_UIP: u8 = 0x80;
const A_DV_RESET: u8 = 0x60;
const A_RS_MASK: u8 = 0x0F;
/// Register B bits.
const B_SET: u8 = 0x80;
const B_PIE: u8 = 0x40;
const B_AIE: u8 = 0x20;
const B_UIE: u8 = 0x10;
const B_DM_BINARY: u8 = 0x04;
const B_24H: u8 = 0x02;
/// Register C flags.
const C_IRQF: u8 = 0x80;
const C_PF: u8 = 0x40;
const C_AF: u8 = 0x20;
const C_UF: u8 = 0x10;
/// Register D: valid RAM and time.
const D_VRT: u8 = 0x80;
/// Alarm "don't care" code: the two high bits set.
const ALARM_DONT_CARE: u8 = 0xC0;
/// Hour register bit 7 in 12-hour mode: PM.
const HOUR_PM: u8 = 0x80;

/// CMOS RAM layout used by PC BIOSes.
pub const CMOS_FLOPPY_TYPES: u8 = 0x10;
pub const CMOS_DISK_TYPES: u8 = 0x12;
pub const CMOS_EQUIPMENT: u8 = 0x14;
pub const CMOS_BASE_MEM_KIB: u8 = 0x15;
pub const CMOS_EXT_MEM_KIB: u8 = 0x17;
pub const CMOS_CHECKSUM_HI: u8 = 0x2E;
pub const CMOS_EXT_MEM2_KIB: u8 = 0x30;
pub const CMOS_MEM_ABOVE_16M_64K: u8 = 0x34;
const CHECKSUM_RANGE: std::ops::RangeInclusive<u8> = 0x10..=0x2D;

/// UIP is set this long before each update.
const UIP_LEAD_NS: u64 = 244_000;
const NS_PER_SEC: u64 = 1_000_000_000;
/// Time base of the divider chain.
const RTC_HZ: u128 = 32_768;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let m = i64::from(m.clamp(1, 12));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number from [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Saved state of the RTC and CMOS RAM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmosState {
    /// The 128 bytes; the time registers hold the time only while the clock is stopped.
    pub ram: [u8; 128],
    /// Last value written to port 0x70.
    pub index: u8,
    /// Unix time at `base_ns`, which is the start of an RTC second.
    pub base_unix: i64,
    /// Virtual time of `base_unix`.
    pub base_ns: u64,
    /// Virtual time up to which the register C flags have been accounted.
    pub last_ns: u64,
}

impl Default for CmosState {
    fn default() -> Self {
        let mut ram = [0u8; 128];
        ram[usize::from(REG_A)] = 0x26; // 32.768 kHz, 1024 Hz periodic rate
        ram[usize::from(REG_B)] = B_24H;
        ram[usize::from(REG_D)] = D_VRT;
        Self {
            ram,
            index: 0,
            base_unix: 0,
            base_ns: 0,
            last_ns: 0,
        }
    }
}

/// The MC146818 RTC with the PC's CMOS RAM.
#[derive(Clone, Debug, Default)]
pub struct Cmos {
    s: CmosState,
}

impl Cmos {
    /// An RTC reading `start_unix` (seconds since 1970, UTC) at virtual time 0.
    pub fn new(start_unix: i64) -> Self {
        Self {
            s: CmosState {
                base_unix: start_unix,
                ..CmosState::default()
            },
        }
    }

    /// Restore from a saved state.
    pub fn from_state(state: &CmosState) -> Self {
        Self { s: state.clone() }
    }

    /// The current state, for saving.
    pub fn state(&self) -> CmosState {
        self.s.clone()
    }

    /// Whether the last index write set bit 7 (NMI disabled).
    pub fn nmi_masked(&self) -> bool {
        self.s.index & INDEX_NMI_DISABLE != 0
    }

    /// A raw CMOS byte (time registers as stored, not computed).
    pub fn byte(&self, index: u8) -> u8 {
        self.s.ram[usize::from(index & 0x7F)]
    }

    /// Set a raw CMOS byte for the BIOS; the checksum follows if it covers the byte.
    pub fn set_byte(&mut self, index: u8, value: u8) {
        self.s.ram[usize::from(index & 0x7F)] = value;
        if CHECKSUM_RANGE.contains(&(index & 0x7F)) {
            self.update_checksum();
        }
    }

    /// Fill the memory size bytes from the RAM size below 4 GiB: base memory (0x15/0x16),
    /// extended KiB above 1 MiB (0x17/0x18 and 0x30/0x31, capped at 0xFFFF) and 64 KiB
    /// blocks above 16 MiB (0x34/0x35).
    pub fn set_memory_sizes(&mut self, ram_bytes: u64) {
        const MIB: u64 = 1 << 20;
        let base = (ram_bytes.min(640 * 1024) / 1024) as u16;
        let ext = (ram_bytes.saturating_sub(MIB) / 1024).min(0xFFFF) as u16;
        let high = (ram_bytes.saturating_sub(16 * MIB) / (64 * 1024)).min(0xFFFF) as u16;
        for (index, value) in [
            (CMOS_BASE_MEM_KIB, base),
            (CMOS_EXT_MEM_KIB, ext),
            (CMOS_EXT_MEM2_KIB, ext),
            (CMOS_MEM_ABOVE_16M_64K, high),
        ] {
            let [lo, hi] = value.to_le_bytes();
            self.s.ram[usize::from(index)] = lo;
            self.s.ram[usize::from(index) + 1] = hi;
        }
        self.update_checksum();
    }

    /// Equipment byte 0x14 (floppy count, display type, FPU present...).
    pub fn set_equipment(&mut self, value: u8) {
        self.set_byte(CMOS_EQUIPMENT, value);
    }

    /// Floppy drive types for A: and B: (0 none, 1 360K, 2 1.2M, 3 720K, 4 1.44M, 5 2.88M).
    pub fn set_floppy_types(&mut self, a: u8, b: u8) {
        self.set_byte(CMOS_FLOPPY_TYPES, (a & 15) << 4 | (b & 15));
    }

    /// Hard disk types for disks 0 and 1 (0 none, 0xF: see bytes 0x19/0x1A).
    pub fn set_disk_types(&mut self, d0: u8, d1: u8) {
        self.set_byte(CMOS_DISK_TYPES, (d0 & 15) << 4 | (d1 & 15));
    }

    /// The standard checksum: sum of 0x10..=0x2D, big-endian at 0x2E/0x2F.
    pub fn update_checksum(&mut self) {
        let sum: u16 = CHECKSUM_RANGE
            .map(|i| u16::from(self.s.ram[usize::from(i)]))
            .sum();
        let [hi, lo] = sum.to_be_bytes();
        self.s.ram[usize::from(CMOS_CHECKSUM_HI)] = hi;
        self.s.ram[usize::from(CMOS_CHECKSUM_HI) + 1] = lo;
    }

    fn reg(&self, r: u8) -> u8 {
        self.s.ram[usize::from(r)]
    }

    fn running(&self) -> bool {
        self.reg(REG_B) & B_SET == 0 && self.reg(REG_A) & A_DV_RESET != A_DV_RESET
    }

    fn binary(&self) -> bool {
        self.reg(REG_B) & B_DM_BINARY != 0
    }

    /// Whole seconds elapsed since `base_ns` at `ns`.
    fn seconds_at(&self, ns: u64) -> i64 {
        i64::try_from(ns.saturating_sub(self.s.base_ns) / NS_PER_SEC).unwrap_or(i64::MAX)
    }

    fn unix_at(&self, ns: u64) -> i64 {
        self.s.base_unix.saturating_add(self.seconds_at(ns))
    }

    fn encode(&self, v: u8) -> u8 {
        if self.binary() {
            v
        } else {
            to_bcd(v)
        }
    }

    fn decode(&self, v: u8) -> u8 {
        if self.binary() {
            v
        } else {
            from_bcd(v)
        }
    }

    fn encode_hour(&self, h: u8) -> u8 {
        if self.reg(REG_B) & B_24H != 0 {
            return self.encode(h);
        }
        let h12 = match h % 12 {
            0 => 12,
            x => x,
        };
        self.encode(h12) | if h >= 12 { HOUR_PM } else { 0 }
    }

    fn decode_hour(&self, v: u8) -> u8 {
        if self.reg(REG_B) & B_24H != 0 {
            return self.decode(v);
        }
        let h = self.decode(v & !HOUR_PM) % 12;
        h + if v & HOUR_PM != 0 { 12 } else { 0 }
    }

    /// The ten clock registers (index 0..=9) and the century for unix time `t`.
    fn clock_registers(&self, t: i64) -> ([u8; 10], u8) {
        let days = t.div_euclid(86_400);
        let tod = t.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let y = y.clamp(0, 9999);
        let mut r = [0u8; 10];
        r[usize::from(REG_SECONDS)] = self.encode((tod % 60) as u8);
        r[usize::from(REG_MINUTES)] = self.encode((tod / 60 % 60) as u8);
        r[usize::from(REG_HOURS)] = self.encode_hour((tod / 3600) as u8);
        r[usize::from(REG_DAY_OF_WEEK)] = self.encode(((days + 4).rem_euclid(7) + 1) as u8);
        r[usize::from(REG_DAY_OF_MONTH)] = self.encode(d as u8);
        r[usize::from(REG_MONTH)] = self.encode(m as u8);
        r[usize::from(REG_YEAR)] = self.encode((y % 100) as u8);
        (r, self.encode((y / 100) as u8))
    }

    /// Stop the clock: store the time into the registers, as the chip holds them.
    fn freeze(&mut self, now: u64) {
        let (r, century) = self.clock_registers(self.unix_at(now));
        for i in [0, 2, 4, 6, 7, 8, 9] {
            self.s.ram[i] = r[i];
        }
        self.s.ram[usize::from(REG_CENTURY)] = century;
    }

    /// Unix time encoded in the stopped registers (tolerant of nonsense, never panics).
    fn registers_unix(&self) -> i64 {
        let year = i64::from(self.decode(self.reg(REG_CENTURY))) * 100
            + i64::from(self.decode(self.reg(REG_YEAR)));
        let days = days_from_civil(
            year,
            u32::from(self.decode(self.reg(REG_MONTH))),
            u32::from(self.decode(self.reg(REG_DAY_OF_MONTH))),
        );
        days * 86_400
            + i64::from(self.decode_hour(self.reg(REG_HOURS))) * 3600
            + i64::from(self.decode(self.reg(REG_MINUTES))) * 60
            + i64::from(self.decode(self.reg(REG_SECONDS)))
    }

    /// Periodic interrupt divider in 32.768 kHz cycles (register A RS3–RS0), if enabled.
    fn periodic_divider(&self) -> Option<u128> {
        if self.reg(REG_A) & A_DV_RESET == A_DV_RESET {
            return None;
        }
        match self.reg(REG_A) & A_RS_MASK {
            0 => None,
            1 => Some(1 << 7),
            2 => Some(1 << 8),
            rs => Some(1 << (rs - 1)),
        }
    }

    fn periods_at(div: u128, ns: u64) -> u128 {
        u128::from(ns) * RTC_HZ / (div * u128::from(NS_PER_SEC))
    }

    fn alarm_matches(&self, t: i64) -> bool {
        let (r, _) = self.clock_registers(t);
        [
            (REG_SECONDS_ALARM, REG_SECONDS),
            (REG_MINUTES_ALARM, REG_MINUTES),
            (REG_HOURS_ALARM, REG_HOURS),
        ]
        .iter()
        .all(|&(alarm, now)| {
            let a = self.reg(alarm);
            a & ALARM_DONT_CARE == ALARM_DONT_CARE || a == r[usize::from(now)]
        })
    }

    /// Account the updates and periodic ticks between the last sync and `now` in register C.
    fn sync(&mut self, now: u64) {
        let now = now.max(self.s.last_ns);
        let last = self.s.last_ns;
        if self.running() {
            let (s0, s1) = (self.unix_at(last), self.unix_at(now));
            if s1 > s0 {
                self.s.ram[usize::from(REG_C)] |= C_UF;
                // The alarm only looks at the time of day: one day covers every case.
                let last_update = s1.min(s0.saturating_add(86_400));
                if (s0 + 1..=last_update).any(|t| self.alarm_matches(t)) {
                    self.s.ram[usize::from(REG_C)] |= C_AF;
                }
            }
        }
        if let Some(div) = self.periodic_divider() {
            if Self::periods_at(div, now) > Self::periods_at(div, last) {
                self.s.ram[usize::from(REG_C)] |= C_PF;
            }
        }
        self.s.last_ns = now;
    }

    /// IRQF: a flag of register C together with its enable in register B.
    fn irqf(&self) -> bool {
        let c = self.reg(REG_C);
        let b = self.reg(REG_B);
        (c & C_PF != 0 && b & B_PIE != 0)
            || (c & C_AF != 0 && b & B_AIE != 0)
            || (c & C_UF != 0 && b & B_UIE != 0)
    }

    fn read_data(&mut self, now: u64) -> u8 {
        let r = self.s.index & 0x7F;
        match r {
            REG_SECONDS | REG_MINUTES | REG_HOURS | REG_DAY_OF_WEEK..=REG_YEAR | REG_CENTURY
                if self.running() =>
            {
                let (regs, century) = self.clock_registers(self.unix_at(now));
                regs.get(usize::from(r)).copied().unwrap_or(century)
            }
            REG_A => {
                let phase = now.saturating_sub(self.s.base_ns) % NS_PER_SEC;
                let uip = self.running() && phase >= NS_PER_SEC - UIP_LEAD_NS;
                self.reg(REG_A) & !A_UIP | if uip { A_UIP } else { 0 }
            }
            REG_C => {
                let v = self.reg(REG_C) | if self.irqf() { C_IRQF } else { 0 };
                self.s.ram[usize::from(REG_C)] = 0;
                v
            }
            REG_D => D_VRT,
            _ => self.reg(r),
        }
    }

    fn write_data(&mut self, v: u8, now: u64) {
        let r = self.s.index & 0x7F;
        let was_running = self.running();
        match r {
            REG_SECONDS | REG_MINUTES | REG_HOURS | REG_DAY_OF_WEEK..=REG_YEAR | REG_CENTURY
                if was_running =>
            {
                // Setting the time without SET: the new value counts from this second.
                let phase = now.saturating_sub(self.s.base_ns) % NS_PER_SEC;
                self.freeze(now);
                self.s.ram[usize::from(r)] = v;
                self.s.base_unix = self.registers_unix();
                self.s.base_ns = now - phase;
                return;
            }
            REG_A => self.s.ram[usize::from(REG_A)] = v & !A_UIP,
            REG_B => {
                // SET going high clears UIE (register B, bit 7 description).
                let uie_clear = if v & B_SET != 0 { B_UIE } else { 0 };
                if was_running && v & B_SET != 0 {
                    self.freeze(now);
                }
                self.s.ram[usize::from(REG_B)] = v & !uie_clear;
            }
            REG_C | REG_D => return,
            _ => self.s.ram[usize::from(r)] = v,
        }
        if was_running && !self.running() && r == REG_A {
            self.freeze(now);
        } else if !was_running && self.running() {
            self.s.base_unix = self.registers_unix();
            self.s.base_ns = now;
        }
    }

    fn update_irq(&mut self, cx: &mut DevCtx) {
        self.sync(cx.now);
        cx.irq.set(8, self.irqf());
    }
}

impl PortDevice for Cmos {
    fn read(&mut self, port: u16, size: Size, cx: &mut DevCtx) -> u32 {
        self.sync(cx.now);
        let now = self.s.last_ns;
        let v = read_bytes(port, size, |p| match p {
            PORT_DATA => self.read_data(now),
            // The index register is write-only.
            _ => 0xFF,
        });
        self.update_irq(cx);
        v
    }

    fn write(&mut self, port: u16, size: Size, value: u32, cx: &mut DevCtx) {
        self.sync(cx.now);
        let now = self.s.last_ns;
        write_bytes(port, size, value, |p, b| match p {
            PORT_INDEX => self.s.index = b,
            PORT_DATA => self.write_data(b, now),
            _ => {}
        });
        self.update_irq(cx);
    }

    fn advance(&mut self, cx: &mut DevCtx) {
        self.update_irq(cx);
    }

    /// The next periodic tick or update that could raise IRQ8; `None` while IRQF is
    /// already set (only a register C read can change the line then).
    fn next_event(&self) -> Option<u64> {
        if self.irqf() {
            return None;
        }
        let b = self.reg(REG_B);
        let last = self.s.last_ns;
        let periodic = self
            .periodic_divider()
            .filter(|_| b & B_PIE != 0)
            .map(|div| {
                let k = Self::periods_at(div, last) + 1;
                let ns = (k * div * u128::from(NS_PER_SEC)).div_ceil(RTC_HZ);
                u64::try_from(ns).unwrap_or(u64::MAX)
            });
        let update = (self.running() && b & (B_UIE | B_AIE) != 0).then(|| {
            let next = last.saturating_sub(self.s.base_ns) / NS_PER_SEC + 1;
            self.s
                .base_ns
                .saturating_add(next.saturating_mul(NS_PER_SEC))
        });
        match (periodic, update) {
            (Some(p), Some(u)) => Some(p.min(u)),
            (p, u) => p.or(u),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::IrqLines;

    /// 2024-02-29 13:45:30 UTC, a Thursday.
    const LEAP_DAY: i64 = 1_709_214_330;

    struct Rig {
        rtc: Cmos,
        lines: IrqLines,
        now: u64,
    }

    impl Rig {
        fn new(start: i64) -> Self {
            Self {
                rtc: Cmos::new(start),
                lines: IrqLines::default(),
                now: 0,
            }
        }
        fn get(&mut self, reg: u8) -> u8 {
            let mut cx = DevCtx {
                now: self.now,
                irq: &mut self.lines,
            };
            self.rtc.write(PORT_INDEX, 1, u32::from(reg), &mut cx);
            self.rtc.read(PORT_DATA, 1, &mut cx) as u8
        }
        fn set(&mut self, reg: u8, v: u8) {
            let mut cx = DevCtx {
                now: self.now,
                irq: &mut self.lines,
            };
            self.rtc.write(PORT_INDEX, 1, u32::from(reg), &mut cx);
            self.rtc.write(PORT_DATA, 1, u32::from(v), &mut cx);
        }
        fn advance(&mut self) {
            let mut cx = DevCtx {
                now: self.now,
                irq: &mut self.lines,
            };
            self.rtc.advance(&mut cx);
        }
        fn time(&mut self) -> [u8; 7] {
            [0, 2, 4, 6, 7, 8, 9].map(|r| self.get(r))
        }
    }

    #[test]
    fn calendar_round_trip() {
        for days in [-719_468i64, -1, 0, 59, 11_016, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn time_in_bcd_24h() {
        let mut r = Rig::new(LEAP_DAY);
        assert_eq!(r.time(), [0x30, 0x45, 0x13, 0x05, 0x29, 0x02, 0x24]);
        assert_eq!(r.get(REG_CENTURY), 0x20);
        r.now = 30 * NS_PER_SEC + 1;
        assert_eq!(r.time(), [0x00, 0x46, 0x13, 0x05, 0x29, 0x02, 0x24]);
        // Midnight into March 1st.
        r.now = (10 * 3600 + 14 * 60 + 30) * NS_PER_SEC;
        assert_eq!(r.time(), [0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x24]);
    }

    #[test]
    fn time_in_binary_12h() {
        let mut r = Rig::new(LEAP_DAY);
        r.set(REG_B, B_DM_BINARY);
        assert_eq!(r.time(), [30, 45, 1 | HOUR_PM, 5, 29, 2, 24]);
        r.set(REG_B, 0);
        assert_eq!(r.get(REG_HOURS), 0x81);
        r.now = (10 * 3600 + 14 * 60 + 30) * NS_PER_SEC;
        assert_eq!(r.get(REG_HOURS), 0x12, "midnight is 12 AM");
    }

    #[test]
    fn uip_window_before_each_update() {
        let mut r = Rig::new(LEAP_DAY);
        r.now = NS_PER_SEC - UIP_LEAD_NS - 1;
        assert_eq!(r.get(REG_A) & A_UIP, 0);
        assert_eq!(r.get(REG_SECONDS), 0x30);
        r.now += 1;
        assert_eq!(r.get(REG_A), A_UIP | 0x26);
        r.now = NS_PER_SEC;
        assert_eq!(r.get(REG_A), 0x26);
        assert_eq!(r.get(REG_SECONDS), 0x31);
    }

    #[test]
    fn set_time_with_set_bit() {
        let mut r = Rig::new(LEAP_DAY);
        r.now = 500_000_000;
        r.set(REG_B, B_SET | B_24H | B_UIE);
        assert_eq!(r.get(REG_B), B_SET | B_24H, "SET clears UIE");
        for (reg, v) in [
            (0, 0x59),
            (2, 0x59),
            (4, 0x23),
            (7, 0x31),
            (8, 0x12),
            (9, 0x99),
        ] {
            r.set(reg, v);
        }
        r.set(REG_CENTURY, 0x19);
        r.now = 3 * NS_PER_SEC;
        assert_eq!(r.get(REG_SECONDS), 0x59, "stopped while SET");
        r.set(REG_B, B_24H);
        r.now += NS_PER_SEC;
        assert_eq!(r.time(), [0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00]);
        assert_eq!(r.get(REG_CENTURY), 0x20);
        assert_eq!(r.rtc.state().base_unix, 946_684_799);
    }

    #[test]
    fn periodic_interrupt_rate() {
        let mut r = Rig::new(0);
        r.set(REG_A, 0x26); // 1024 Hz
                            // SET stops the updates (no UF) but not the divider chain.
        r.set(REG_B, B_SET | B_24H | B_PIE);
        let mut count = 0;
        while let Some(t) = r.rtc.next_event() {
            if t > NS_PER_SEC {
                break;
            }
            r.now = t;
            r.advance();
            assert!(r.lines.level(8));
            assert_eq!(r.get(REG_C), C_IRQF | C_PF);
            assert!(!r.lines.level(8), "reading C drops IRQ8");
            count += 1;
        }
        assert_eq!(count, 1024);
        // 8192 Hz: the period is 122.0703125 µs.
        r.set(REG_A, 0x23);
        r.get(REG_C);
        assert_eq!(r.rtc.next_event(), Some(NS_PER_SEC + 122_071));
    }

    #[test]
    fn reg_c_flags_and_clear_on_read() {
        let mut r = Rig::new(LEAP_DAY);
        r.set(REG_A, 0x20); // no periodic rate
        r.now = 2 * NS_PER_SEC;
        assert_eq!(r.get(REG_C), C_UF, "flag without enable: no IRQF");
        assert_eq!(r.get(REG_C), 0);
        r.set(REG_B, B_24H | B_UIE);
        assert_eq!(r.rtc.next_event(), Some(3 * NS_PER_SEC));
        r.now = 3 * NS_PER_SEC;
        r.advance();
        assert!(r.lines.level(8));
        assert_eq!(r.rtc.next_event(), None);
        assert_eq!(r.get(REG_C), C_IRQF | C_UF);
        assert_eq!(r.get(REG_D), D_VRT);
    }

    #[test]
    fn alarm_interrupt() {
        let mut r = Rig::new(LEAP_DAY);
        r.set(REG_A, 0x20);
        r.set(REG_SECONDS_ALARM, 0x00);
        r.set(REG_MINUTES_ALARM, 0x46);
        r.set(REG_HOURS_ALARM, 0xFF); // any hour
        r.set(REG_B, B_24H | B_AIE);
        r.now = 29 * NS_PER_SEC;
        r.advance();
        assert!(!r.lines.level(8));
        r.now = 31 * NS_PER_SEC;
        r.advance();
        assert!(r.lines.level(8));
        assert_eq!(r.get(REG_C), C_IRQF | C_AF | C_UF);
    }

    #[test]
    fn memory_sizes_and_checksum() {
        let mut rtc = Cmos::new(0);
        rtc.set_memory_sizes(32 << 20);
        assert_eq!([rtc.byte(0x15), rtc.byte(0x16)], [0x80, 0x02]);
        assert_eq!([rtc.byte(0x17), rtc.byte(0x18)], [0x00, 0x7C]);
        assert_eq!([rtc.byte(0x30), rtc.byte(0x31)], [0x00, 0x7C]);
        assert_eq!([rtc.byte(0x34), rtc.byte(0x35)], [0x00, 0x01]);
        rtc.set_memory_sizes(128 << 20);
        assert_eq!([rtc.byte(0x17), rtc.byte(0x18)], [0xFF, 0xFF], "capped");
        assert_eq!([rtc.byte(0x34), rtc.byte(0x35)], [0x00, 0x07]);
        rtc.set_memory_sizes(512 << 10);
        assert_eq!([rtc.byte(0x15), rtc.byte(0x16)], [0x00, 0x02]);
        assert_eq!([rtc.byte(0x17), rtc.byte(0x34)], [0, 0]);
        rtc.set_floppy_types(4, 0);
        rtc.set_equipment(0x41);
        let sum: u16 = (0x10..=0x2D).map(|i| u16::from(rtc.byte(i))).sum();
        assert_eq!(u16::from_be_bytes([rtc.byte(0x2E), rtc.byte(0x2F)]), sum);
        assert_eq!(rtc.byte(0x10), 0x40);
    }

    #[test]
    fn nmi_mask_and_ram() {
        let mut r = Rig::new(0);
        r.set(0x80 | 0x40, 0x77);
        assert!(r.rtc.nmi_masked());
        assert_eq!(r.get(0x40), 0x77);
        assert!(!r.rtc.nmi_masked());
        let mut cx = DevCtx {
            now: 0,
            irq: &mut r.lines,
        };
        assert_eq!(r.rtc.read(PORT_INDEX, 1, &mut cx), 0xFF);
    }

    #[test]
    fn hammer_every_port() {
        let mut r = Rig::new(LEAP_DAY);
        let mut x = 0x0123_4567_89AB_CDEFu64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            r.now += (x >> 36) % 50_000_000;
            let port = [0x70u16, 0x71, 0x72, 0x6F][(x % 4) as usize];
            let size = [1u8, 2, 4, 5][((x >> 8) & 3) as usize];
            let mut cx = DevCtx {
                now: r.now,
                irq: &mut r.lines,
            };
            match (x >> 12) % 3 {
                0 => {
                    r.rtc.read(port, size, &mut cx);
                }
                _ => r.rtc.write(port, size, (x >> 32) as u32, &mut cx),
            }
            if let Some(t) = r.rtc.next_event() {
                assert!(t > r.rtc.state().last_ns);
            }
        }
        assert_eq!(r.get(REG_D), D_VRT);
        r.set(REG_A, 0x26);
        r.set(REG_B, B_24H);
        assert!(r.get(REG_SECONDS) <= 0x59);
        assert!(r.get(REG_HOURS) <= 0x23);
    }
}
