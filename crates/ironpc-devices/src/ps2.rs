//! The PS/2 devices behind the 8042: an MF-II keyboard speaking scancode set 2 and a
//! mouse that is present but never moves. Each takes one byte from the controller and
//! answers a few bytes; the controller (`i8042.rs`) queues and translates them.
//!
//! Deliberate deviations: scancode set 3 may be selected but set 2 codes keep coming; the
//! mouse reports ID 0 whatever sample-rate knock it gets, and wrap mode does not echo.

/// Keyboard commands.
pub const KBD_SET_LEDS: u8 = 0xED;
pub const KBD_ECHO: u8 = 0xEE;
pub const KBD_SCANCODE_SET: u8 = 0xF0;
pub const KBD_IDENTIFY: u8 = 0xF2;
pub const KBD_TYPEMATIC: u8 = 0xF3;
pub const KBD_ENABLE: u8 = 0xF4;
pub const KBD_DISABLE: u8 = 0xF5;
pub const KBD_DEFAULTS: u8 = 0xF6;
pub const KBD_RESEND: u8 = 0xFE;
pub const KBD_RESET: u8 = 0xFF;
/// Mouse commands.
pub const AUX_SCALING_1_1: u8 = 0xE6;
pub const AUX_SCALING_2_1: u8 = 0xE7;
pub const AUX_SET_RESOLUTION: u8 = 0xE8;
pub const AUX_STATUS: u8 = 0xE9;
pub const AUX_STREAM: u8 = 0xEA;
pub const AUX_READ_DATA: u8 = 0xEB;
pub const AUX_RESET_WRAP: u8 = 0xEC;
pub const AUX_WRAP: u8 = 0xEE;
pub const AUX_REMOTE: u8 = 0xF0;
pub const AUX_GET_ID: u8 = 0xF2;
pub const AUX_SAMPLE_RATE: u8 = 0xF3;
pub const AUX_ENABLE: u8 = 0xF4;
pub const AUX_DISABLE: u8 = 0xF5;
pub const AUX_DEFAULTS: u8 = 0xF6;
pub const AUX_RESEND: u8 = 0xFE;
pub const AUX_RESET: u8 = 0xFF;
/// Device answers.
pub const ACK: u8 = 0xFA;
pub const BAT_OK: u8 = 0xAA;
pub const RESEND: u8 = 0xFE;
/// Set-2 break prefix.
pub const BREAK_PREFIX: u8 = 0xF0;
/// MF-II keyboard ID bytes.
const KBD_ID: [u8; 2] = [0xAB, 0x83];
/// Mouse status byte (0xE9): remote mode, data reporting, 2:1 scaling.
const AUX_ST_REMOTE: u8 = 0x40;
const AUX_ST_ENABLED: u8 = 0x20;
const AUX_ST_SCALING: u8 = 0x10;

/// The 8042's set-2 to set-1 translation table for codes below 0x80 (IBM PS/2 technical
/// reference; the same table is in every PC emulator).
const SET2_TO_SET1: [u8; 128] = [
    0xFF, 0x43, 0x41, 0x3F, 0x3D, 0x3B, 0x3C, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3E, 0x0F, 0x29, 0x59,
    0x65, 0x38, 0x2A, 0x70, 0x1D, 0x10, 0x02, 0x5A, 0x66, 0x71, 0x2C, 0x1F, 0x1E, 0x11, 0x03, 0x5B,
    0x67, 0x2E, 0x2D, 0x20, 0x12, 0x05, 0x04, 0x5C, 0x68, 0x39, 0x2F, 0x21, 0x14, 0x13, 0x06, 0x5D,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5E, 0x6A, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5F,
    0x6B, 0x33, 0x25, 0x17, 0x18, 0x0B, 0x0A, 0x60, 0x6C, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0C, 0x61,
    0x6D, 0x73, 0x28, 0x74, 0x1A, 0x0D, 0x62, 0x6E, 0x3A, 0x36, 0x1C, 0x1B, 0x75, 0x2B, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7A, 0x0E, 0x7B, 0x7C, 0x4F, 0x7D, 0x4B, 0x47, 0x7E, 0x7F, 0x6F,
    0x52, 0x53, 0x50, 0x4C, 0x4D, 0x48, 0x01, 0x45, 0x57, 0x4E, 0x51, 0x4A, 0x37, 0x49, 0x46, 0x54,
];

/// Translate one set-2 byte to set 1 (without the break prefix handling). Codes from 0x80
/// pass unchanged except 0x83 (F7) and 0x84 (SysRq).
pub fn translate(code: u8) -> u8 {
    match code {
        0x83 => 0x41,
        0x84 => 0x54,
        c if c < 0x80 => SET2_TO_SET1[usize::from(c)],
        c => c,
    }
}

/// The inverse of the translation for make codes, preferring the standard set-2 codes of
/// F7 (0x83) and SysRq (0x84) over their duplicates below 0x80.
const SET1_TO_SET2: [u8; 128] = {
    let mut inv = [0u8; 128];
    let mut s2 = 1;
    while s2 < 128 {
        inv[SET2_TO_SET1[s2] as usize & 0x7F] = s2 as u8;
        s2 += 1;
    }
    inv[0x41] = 0x83;
    inv[0x54] = 0x84;
    inv
};

/// Set-1 scancodes (make, make|0x80 break, 0xE0/0xE1 prefixes) as the set-2 bytes a
/// keyboard sends for the same keys.
pub fn set1_to_set2(codes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(codes.len() * 2);
    for &c in codes {
        match c {
            0xE0 | 0xE1 => out.push(c),
            c if c & 0x80 != 0 => out.extend([BREAK_PREFIX, SET1_TO_SET2[usize::from(c & 0x7F)]]),
            c => out.push(SET1_TO_SET2[usize::from(c)]),
        }
    }
    out
}

/// What a device answers to one byte: up to four bytes, and whether it flushed its buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    bytes: [u8; 4],
    len: usize,
    /// The device reset: bytes it had not yet sent are gone.
    pub flush: bool,
}

impl Reply {
    fn of(bytes: &[u8]) -> Self {
        let mut r = Self::default();
        let len = bytes.len().min(4);
        r.bytes[..len].copy_from_slice(&bytes[..len]);
        r.len = len;
        r
    }
    /// The answer bytes, in order.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The keyboard's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyboardState {
    /// Scanning enabled (0xF4/0xF5).
    pub scanning: bool,
    /// Selected scancode set, 1–3.
    pub set: u8,
    /// LED bits (0xED).
    pub leds: u8,
    /// Typematic rate/delay byte (0xF3).
    pub typematic: u8,
    /// Command waiting for its parameter byte.
    pub expect: Option<u8>,
    /// Last byte sent, for 0xFE resend.
    pub last_sent: u8,
}

impl Default for KeyboardState {
    fn default() -> Self {
        Self {
            scanning: true,
            set: 2,
            leds: 0,
            typematic: 0x2B,
            expect: None,
            last_sent: ACK,
        }
    }
}

impl KeyboardState {
    /// A byte from the controller.
    pub fn command(&mut self, v: u8) -> Reply {
        let reply = self.answer(v);
        if let Some(&last) = reply.bytes().last() {
            self.last_sent = last;
        }
        reply
    }

    fn answer(&mut self, v: u8) -> Reply {
        // A command aborts a pending parameter; parameters are all below 0xED.
        if let Some(cmd) = self.expect.take().filter(|_| v < KBD_SET_LEDS) {
            match (cmd, v) {
                (KBD_SET_LEDS, _) => self.leds = v & 7,
                (KBD_TYPEMATIC, _) => self.typematic = v & 0x7F,
                (_, 0) => return Reply::of(&[ACK, self.set]),
                (_, 1..=3) => self.set = v,
                _ => return Reply::of(&[RESEND]),
            }
            return Reply::of(&[ACK]);
        }
        match v {
            KBD_SET_LEDS | KBD_TYPEMATIC | KBD_SCANCODE_SET => self.expect = Some(v),
            KBD_ECHO => return Reply::of(&[KBD_ECHO]),
            KBD_IDENTIFY => return Reply::of(&[ACK, KBD_ID[0], KBD_ID[1]]),
            KBD_ENABLE => self.scanning = true,
            // Both restore the defaults (set 2 included); 0xF5 also stops scanning.
            KBD_DISABLE | KBD_DEFAULTS => {
                *self = Self {
                    scanning: v == KBD_DEFAULTS,
                    ..Self::default()
                }
            }
            KBD_RESEND => return Reply::of(&[self.last_sent]),
            KBD_RESET => {
                *self = Self::default();
                return Reply {
                    flush: true,
                    ..Reply::of(&[ACK, BAT_OK])
                };
            }
            // Set-3 key type commands: acknowledged, no effect.
            0xF7..=0xFD => {}
            _ => return Reply::of(&[RESEND]),
        }
        Reply::of(&[ACK])
    }
}

/// The mouse's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MouseState {
    /// Data reporting enabled (0xF4/0xF5).
    pub reporting: bool,
    /// Samples per second (0xF3).
    pub sample_rate: u8,
    /// Resolution code 0–3 (0xE8).
    pub resolution: u8,
    /// 2:1 scaling (0xE7).
    pub scaling_2_1: bool,
    /// Remote mode (0xF0) rather than stream mode.
    pub remote: bool,
    /// Wrap mode (0xEE).
    pub wrap: bool,
    /// Command waiting for its parameter byte.
    pub expect: Option<u8>,
    /// Last byte sent, for 0xFE resend.
    pub last_sent: u8,
}

impl Default for MouseState {
    fn default() -> Self {
        Self {
            reporting: false,
            sample_rate: 100,
            resolution: 2,
            scaling_2_1: false,
            remote: false,
            wrap: false,
            expect: None,
            last_sent: ACK,
        }
    }
}

impl MouseState {
    /// A byte from the controller (0xD4).
    pub fn command(&mut self, v: u8) -> Reply {
        let reply = self.answer(v);
        if let Some(&last) = reply.bytes().last() {
            self.last_sent = last;
        }
        reply
    }

    fn answer(&mut self, v: u8) -> Reply {
        if let Some(cmd) = self.expect.take().filter(|_| v < AUX_SCALING_1_1) {
            if cmd == AUX_SAMPLE_RATE {
                self.sample_rate = v;
            } else {
                self.resolution = v & 3;
            }
            return Reply::of(&[ACK]);
        }
        match v {
            AUX_SCALING_1_1 | AUX_SCALING_2_1 => self.scaling_2_1 = v == AUX_SCALING_2_1,
            AUX_SET_RESOLUTION | AUX_SAMPLE_RATE => self.expect = Some(v),
            AUX_STATUS => {
                let mut status = 0;
                for (on, bit) in [
                    (self.remote, AUX_ST_REMOTE),
                    (self.reporting, AUX_ST_ENABLED),
                    (self.scaling_2_1, AUX_ST_SCALING),
                ] {
                    if on {
                        status |= bit;
                    }
                }
                return Reply::of(&[ACK, status, self.resolution, self.sample_rate]);
            }
            AUX_STREAM | AUX_REMOTE => self.remote = v == AUX_REMOTE,
            // One packet: no buttons, no movement (bit 3 is always 1).
            AUX_READ_DATA => return Reply::of(&[ACK, 0x08, 0, 0]),
            AUX_RESET_WRAP | AUX_WRAP => self.wrap = v == AUX_WRAP,
            AUX_GET_ID => return Reply::of(&[ACK, 0x00]),
            AUX_ENABLE | AUX_DISABLE => self.reporting = v == AUX_ENABLE,
            AUX_DEFAULTS => *self = Self::default(),
            AUX_RESEND => return Reply::of(&[self.last_sent]),
            AUX_RESET => {
                *self = Self::default();
                return Reply {
                    flush: true,
                    ..Reply::of(&[ACK, BAT_OK, 0x00])
                };
            }
            _ => return Reply::of(&[RESEND]),
        }
        Reply::of(&[ACK])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_table_is_a_permutation() {
        let mut seen = [false; 128];
        for &c in &SET2_TO_SET1[1..] {
            assert!(c < 0x80 && !seen[usize::from(c)]);
            seen[usize::from(c)] = true;
        }
        for c in 1..0x80u8 {
            assert_eq!(translate(SET1_TO_SET2[usize::from(c)]), c);
        }
    }

    #[test]
    fn well_known_keys() {
        // Esc, A, Enter, F1, F7, keypad *.
        for (s2, s1) in [
            (0x76, 0x01),
            (0x1C, 0x1E),
            (0x5A, 0x1C),
            (0x05, 0x3B),
            (0x83, 0x41),
            (0x7C, 0x37),
        ] {
            assert_eq!(translate(s2), s1);
        }
        assert_eq!(translate(0xFA), 0xFA);
        assert_eq!(
            set1_to_set2(&[0xE0, 0x1D, 0xE0, 0x9D]),
            [0xE0, 0x14, 0xE0, 0xF0, 0x14]
        );
        // Pause: E1 1D 45 E1 9D C5.
        assert_eq!(
            set1_to_set2(&[0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5]),
            [0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77]
        );
    }

    #[test]
    fn keyboard_commands() {
        let mut k = KeyboardState::default();
        assert_eq!(k.command(KBD_IDENTIFY).bytes(), [ACK, 0xAB, 0x83]);
        assert_eq!(k.command(KBD_SCANCODE_SET).bytes(), [ACK]);
        assert_eq!(k.command(3).bytes(), [ACK]);
        assert_eq!(k.set, 3);
        assert_eq!(k.command(KBD_SCANCODE_SET).bytes(), [ACK]);
        assert_eq!(k.command(7).bytes(), [RESEND]);
        assert_eq!(k.command(KBD_RESEND).bytes(), [RESEND]);
        let r = k.command(KBD_RESET);
        assert!(r.flush);
        assert_eq!(r.bytes(), [ACK, BAT_OK]);
        assert_eq!(
            k,
            KeyboardState {
                last_sent: BAT_OK,
                ..Default::default()
            }
        );
        assert_eq!(k.command(KBD_DISABLE).bytes(), [ACK]);
        assert!(!k.scanning);
    }

    #[test]
    fn mouse_commands() {
        let mut m = MouseState::default();
        assert_eq!(m.command(AUX_RESET).bytes(), [ACK, BAT_OK, 0]);
        assert_eq!(m.command(AUX_REMOTE).bytes(), [ACK]);
        assert_eq!(m.command(AUX_READ_DATA).bytes(), [ACK, 0x08, 0, 0]);
        assert_eq!(m.command(AUX_STATUS).bytes(), [ACK, AUX_ST_REMOTE, 2, 100]);
        assert_eq!(m.command(AUX_SET_RESOLUTION).bytes(), [ACK]);
        assert_eq!(
            m.command(AUX_ENABLE).bytes(),
            [ACK],
            "a command aborts the parameter"
        );
        assert!(m.reporting);
        assert_eq!(m.command(AUX_RESEND).bytes(), [ACK]);
    }
}
