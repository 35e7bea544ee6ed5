//! Intel 8042 PS/2 keyboard controller (data 0x60, status/command 0x64) with an MF-II
//! keyboard and an idle PS/2 mouse behind it.
//!
//! The keyboard speaks scancode set 2, as real ones do; the controller translates to set 1
//! when command byte bit 6 (XLAT) is set. Host keys arrive with
//! [`I8042::key_scancodes_set1`] (or raw set 2 with [`I8042::key_scancodes_set2`]). The board
//! polls [`I8042::a20`] and [`I8042::take_reset_request`]. Command names follow the IBM PS/2
//! Hardware Interface Technical Reference ("Keyboard/Auxiliary Device Controller").
//!
//! Deliberate deviations:
//! * Commands and data are taken at once, so IBF never reads 1 and no timeouts occur.
//! * A20 is enabled at power-on (output port 0xCF) so that BIOS-less boots work; real
//!   boards start with A20 masked and the BIOS enables it.
//! * The devices' own deviations are listed in `ps2.rs`.

use std::collections::VecDeque;

use crate::bus::{read_bytes, write_bytes, DevCtx, PortDevice, Size};
use crate::ps2::{self, KeyboardState, MouseState, BREAK_PREFIX};

/// Data port (output buffer / input buffer as data).
pub const PORT_DATA: u16 = 0x60;
/// Status register (read) / command (write).
pub const PORT_COMMAND: u16 = 0x64;
/// IRQ lines of the keyboard and the mouse.
pub const KBD_IRQ: u8 = 1;
pub const AUX_IRQ: u8 = 12;

/// Status register bits.
const ST_OBF: u8 = 0x01;
const ST_SYS: u8 = 0x04;
const ST_A2: u8 = 0x08;
const ST_NOT_INHIBITED: u8 = 0x10;
const ST_AUX_OBF: u8 = 0x20;
/// Command byte bits.
const CCB_KBD_INT: u8 = 0x01;
const CCB_AUX_INT: u8 = 0x02;
const CCB_SYS: u8 = 0x04;
const CCB_KBD_DISABLE: u8 = 0x10;
const CCB_AUX_DISABLE: u8 = 0x20;
const CCB_XLAT: u8 = 0x40;
/// Output port bits.
const OUT_RESET_N: u8 = 0x01;
const OUT_A20: u8 = 0x02;
const OUT_KBD_OBF: u8 = 0x10;
const OUT_AUX_OBF: u8 = 0x20;
/// Input port: keyboard not inhibited, no manufacturing jumper.
const INPUT_PORT: u8 = 0xA0;
/// Answer to the controller self-test.
const SELF_TEST_OK: u8 = 0x55;

/// Controller commands (written to 0x64).
const CMD_READ_RAM: u8 = 0x20;
const CMD_WRITE_RAM: u8 = 0x60;
const CMD_PASSWORD_INSTALLED: u8 = 0xA4;
const CMD_AUX_DISABLE: u8 = 0xA7;
const CMD_AUX_ENABLE: u8 = 0xA8;
const CMD_AUX_TEST: u8 = 0xA9;
const CMD_SELF_TEST: u8 = 0xAA;
const CMD_KBD_TEST: u8 = 0xAB;
const CMD_KBD_DISABLE: u8 = 0xAD;
const CMD_KBD_ENABLE: u8 = 0xAE;
const CMD_READ_INPUT: u8 = 0xC0;
const CMD_READ_OUTPUT: u8 = 0xD0;
const CMD_WRITE_OUTPUT: u8 = 0xD1;
const CMD_WRITE_KBD_OB: u8 = 0xD2;
const CMD_WRITE_AUX_OB: u8 = 0xD3;
const CMD_WRITE_AUX: u8 = 0xD4;
const CMD_A20_OFF: u8 = 0xDD;
const CMD_A20_ON: u8 = 0xDF;
const CMD_READ_TEST_INPUTS: u8 = 0xE0;
const CMD_PULSE: u8 = 0xF0;

/// Bytes the keyboard buffers ahead of the controller; more are dropped and counted.
pub const KBD_QUEUE_CAP: usize = 1024;
/// Bytes the mouse or the controller itself may have waiting.
const SMALL_QUEUE_CAP: usize = 64;

/// Saved state of the controller and its two devices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct I8042State {
    /// Controller RAM; byte 0 is the command byte.
    pub ram: [u8; 32],
    /// Output port (P2); the OBF bits are derived when read.
    pub output_port: u8,
    /// Status A2: the last write went to 0x64.
    pub last_was_command: bool,
    /// Output buffer: byte and whether it came from the mouse.
    pub ob: Option<(u8, bool)>,
    /// What a read of 0x60 returns with the buffer empty.
    pub last_ob: u8,
    /// Controller command waiting for a data byte on 0x60.
    pub pending: Option<u8>,
    /// Controller answers waiting for the output buffer (byte, from mouse).
    pub ctrl_queue: Vec<(u8, bool)>,
    /// Bytes the keyboard has sent (in its own set), not yet in the buffer.
    pub kbd_queue: Vec<u8>,
    /// Bytes the mouse has sent, not yet in the buffer.
    pub aux_queue: Vec<u8>,
    /// Translation saw a set-2 break prefix.
    pub xlat_break: bool,
    pub keyboard: KeyboardState,
    pub mouse: MouseState,
    /// A reset pulse was requested and not yet taken by the board.
    pub reset_request: bool,
    /// Bytes dropped because a queue was full or scanning was off.
    pub dropped: u64,
}

impl Default for I8042State {
    fn default() -> Self {
        let mut ram = [0u8; 32];
        ram[0] = CCB_KBD_INT | CCB_XLAT;
        Self {
            ram,
            output_port: 0xCF,
            last_was_command: true,
            ob: None,
            last_ob: 0,
            pending: None,
            ctrl_queue: Vec::new(),
            kbd_queue: Vec::new(),
            aux_queue: Vec::new(),
            xlat_break: false,
            keyboard: KeyboardState::default(),
            mouse: MouseState::default(),
            reset_request: false,
            dropped: 0,
        }
    }
}

/// The PS/2 controller with keyboard (IRQ1) and mouse (IRQ12).
#[derive(Clone, Debug, Default)]
pub struct I8042 {
    s: I8042State,
    ctrl: VecDeque<(u8, bool)>,
    kbd: VecDeque<u8>,
    aux: VecDeque<u8>,
    irq_stale: bool,
}

fn push_capped<T>(q: &mut VecDeque<T>, v: T, cap: usize, dropped: &mut u64) {
    if q.len() < cap {
        q.push_back(v);
    } else {
        *dropped += 1;
    }
}

impl I8042 {
    /// The controller at power-on: command byte 0x41, A20 enabled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Restore from a saved state (queues truncated to their capacities).
    pub fn from_state(state: &I8042State) -> Self {
        let mut s = state.clone();
        let ctrl = std::mem::take(&mut s.ctrl_queue)
            .into_iter()
            .take(SMALL_QUEUE_CAP)
            .collect();
        let kbd = std::mem::take(&mut s.kbd_queue)
            .into_iter()
            .take(KBD_QUEUE_CAP)
            .collect();
        let aux = std::mem::take(&mut s.aux_queue)
            .into_iter()
            .take(SMALL_QUEUE_CAP)
            .collect();
        Self {
            s,
            ctrl,
            kbd,
            aux,
            irq_stale: true,
        }
    }

    /// The current state, for saving.
    pub fn state(&self) -> I8042State {
        I8042State {
            ctrl_queue: self.ctrl.iter().copied().collect(),
            kbd_queue: self.kbd.iter().copied().collect(),
            aux_queue: self.aux.iter().copied().collect(),
            ..self.s.clone()
        }
    }

    /// The A20 gate as driven by output port bit 1.
    pub fn a20(&self) -> bool {
        self.s.output_port & OUT_A20 != 0
    }

    /// Whether the guest pulsed the reset line since the last call.
    pub fn take_reset_request(&mut self) -> bool {
        std::mem::take(&mut self.s.reset_request)
    }

    /// Bytes dropped because a queue was full or the keyboard was not scanning.
    pub fn dropped_input(&self) -> u64 {
        self.s.dropped
    }

    /// Host keys as set-1 scancodes (make, make|0x80 break, 0xE0/0xE1 prefixes). The
    /// keyboard sends them in its current set: set 2 unless the guest selected set 1.
    pub fn key_scancodes_set1(&mut self, codes: &[u8]) {
        if self.s.keyboard.set == 1 {
            self.key_input(codes);
        } else {
            self.key_input(&ps2::set1_to_set2(codes));
        }
    }

    /// Host keys as raw set-2 bytes, sent by the keyboard as they are.
    pub fn key_scancodes_set2(&mut self, codes: &[u8]) {
        self.key_input(codes);
    }

    fn key_input(&mut self, codes: &[u8]) {
        if !self.s.keyboard.scanning {
            self.s.dropped += codes.len() as u64;
            return;
        }
        for &c in codes {
            push_capped(&mut self.kbd, c, KBD_QUEUE_CAP, &mut self.s.dropped);
        }
        self.fill_ob();
        self.irq_stale = true;
    }

    fn ccb(&self) -> u8 {
        self.s.ram[0]
    }

    fn ctrl_reply(&mut self, b: u8, aux: bool) {
        push_capped(
            &mut self.ctrl,
            (b, aux),
            SMALL_QUEUE_CAP,
            &mut self.s.dropped,
        );
    }

    /// Move the next byte into the empty output buffer: controller answers first, then the
    /// keyboard (translated when XLAT is set), then the mouse, each if its clock is enabled.
    fn fill_ob(&mut self) {
        if self.s.ob.is_some() {
            return;
        }
        if let Some(entry) = self.ctrl.pop_front() {
            self.s.ob = Some(entry);
            return;
        }
        if self.ccb() & CCB_KBD_DISABLE == 0 {
            while let Some(b) = self.kbd.pop_front() {
                if self.ccb() & CCB_XLAT == 0 {
                    self.s.ob = Some((b, false));
                    return;
                }
                if b == BREAK_PREFIX {
                    self.s.xlat_break = true;
                    continue;
                }
                let brk = if std::mem::take(&mut self.s.xlat_break) {
                    0x80
                } else {
                    0
                };
                self.s.ob = Some((ps2::translate(b) | brk, false));
                return;
            }
        }
        if self.ccb() & CCB_AUX_DISABLE == 0 {
            if let Some(b) = self.aux.pop_front() {
                self.s.ob = Some((b, true));
            }
        }
    }

    fn write_output_port(&mut self, v: u8) {
        self.s.output_port = v & !(OUT_KBD_OBF | OUT_AUX_OBF);
        if v & OUT_RESET_N == 0 {
            self.s.reset_request = true;
        }
    }

    fn controller_command(&mut self, cmd: u8) {
        self.s.pending = None;
        match cmd {
            0x20..=0x3F => self.ctrl_reply(self.s.ram[usize::from(cmd - CMD_READ_RAM)], false),
            0x60..=0x7F | CMD_WRITE_OUTPUT..=CMD_WRITE_AUX => self.s.pending = Some(cmd),
            CMD_PASSWORD_INSTALLED => self.ctrl_reply(0xF1, false),
            CMD_AUX_DISABLE => self.s.ram[0] |= CCB_AUX_DISABLE,
            CMD_AUX_ENABLE => self.s.ram[0] &= !CCB_AUX_DISABLE,
            CMD_AUX_TEST | CMD_KBD_TEST => self.ctrl_reply(0x00, false),
            CMD_SELF_TEST => {
                self.s.ram[0] |= CCB_SYS;
                self.ctrl_reply(SELF_TEST_OK, false);
            }
            CMD_KBD_DISABLE => self.s.ram[0] |= CCB_KBD_DISABLE,
            CMD_KBD_ENABLE => self.s.ram[0] &= !CCB_KBD_DISABLE,
            CMD_READ_INPUT => self.ctrl_reply(INPUT_PORT, false),
            CMD_READ_OUTPUT => {
                let mut v = self.s.output_port;
                match self.s.ob {
                    Some((_, false)) => v |= OUT_KBD_OBF,
                    Some((_, true)) => v |= OUT_AUX_OBF,
                    None => {}
                }
                self.ctrl_reply(v, false);
            }
            CMD_A20_OFF => self.s.output_port &= !OUT_A20,
            CMD_A20_ON => self.s.output_port |= OUT_A20,
            CMD_READ_TEST_INPUTS => self.ctrl_reply(0x00, false),
            // Pulse output port bits 0–3 low where the command has a 0; bit 0 is reset.
            CMD_PULSE..=0xFF if cmd & OUT_RESET_N == 0 => self.s.reset_request = true,
            _ => {}
        }
    }

    fn controller_data(&mut self, v: u8) {
        match self.s.pending.take() {
            Some(cmd @ 0x60..=0x7F) => self.s.ram[usize::from(cmd - CMD_WRITE_RAM)] = v,
            Some(CMD_WRITE_OUTPUT) => self.write_output_port(v),
            Some(CMD_WRITE_KBD_OB) => self.ctrl_reply(v, false),
            Some(CMD_WRITE_AUX_OB) => self.ctrl_reply(v, true),
            Some(CMD_WRITE_AUX) => self.mouse_command(v),
            _ => {
                // Sending to the keyboard re-enables its interface (as QEMU does).
                self.s.ram[0] &= !CCB_KBD_DISABLE;
                self.keyboard_command(v);
            }
        }
    }

    fn keyboard_command(&mut self, v: u8) {
        let reply = self.s.keyboard.command(v);
        if reply.flush {
            self.kbd.clear();
            self.s.xlat_break = false;
        }
        for &b in reply.bytes() {
            push_capped(&mut self.kbd, b, KBD_QUEUE_CAP, &mut self.s.dropped);
        }
    }

    fn mouse_command(&mut self, v: u8) {
        let reply = self.s.mouse.command(v);
        if reply.flush {
            self.aux.clear();
        }
        for &b in reply.bytes() {
            push_capped(&mut self.aux, b, SMALL_QUEUE_CAP, &mut self.s.dropped);
        }
    }

    fn read_byte(&mut self, port: u16, cx: &mut DevCtx) -> u8 {
        match port {
            PORT_DATA => {
                let v = self.s.ob.take().map_or(self.s.last_ob, |(b, _)| b);
                self.s.last_ob = v;
                // The line drops while the 8042 fetches the next byte: a new edge.
                self.update_irq(cx);
                self.fill_ob();
                v
            }
            PORT_COMMAND => {
                let mut st = ST_NOT_INHIBITED;
                if self.ccb() & CCB_SYS != 0 {
                    st |= ST_SYS;
                }
                match self.s.ob {
                    Some((_, false)) => st |= ST_OBF,
                    Some((_, true)) => st |= ST_OBF | ST_AUX_OBF,
                    None => {}
                }
                if self.s.last_was_command {
                    st |= ST_A2;
                }
                st
            }
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, port: u16, v: u8) {
        match port {
            PORT_DATA => {
                self.s.last_was_command = false;
                self.controller_data(v);
            }
            PORT_COMMAND => {
                self.s.last_was_command = true;
                self.controller_command(v);
            }
            _ => return,
        }
        self.fill_ob();
    }

    /// IRQ1 while the buffer holds keyboard data, IRQ12 for mouse data, if enabled.
    fn update_irq(&mut self, cx: &mut DevCtx) {
        let (kbd, aux) = match self.s.ob {
            Some((_, aux)) => (!aux, aux),
            None => (false, false),
        };
        cx.irq.set(KBD_IRQ, kbd && self.ccb() & CCB_KBD_INT != 0);
        cx.irq.set(AUX_IRQ, aux && self.ccb() & CCB_AUX_INT != 0);
        self.irq_stale = false;
    }
}

impl PortDevice for I8042 {
    fn read(&mut self, port: u16, size: Size, cx: &mut DevCtx) -> u32 {
        let v = read_bytes(port, size, |p| self.read_byte(p, cx));
        self.update_irq(cx);
        v
    }

    fn write(&mut self, port: u16, size: Size, value: u32, cx: &mut DevCtx) {
        write_bytes(port, size, value, |p, b| self.write_byte(p, b));
        self.update_irq(cx);
    }

    fn advance(&mut self, cx: &mut DevCtx) {
        self.update_irq(cx);
    }

    /// `Some(0)` ("now") after host key input, until the board calls `advance`.
    fn next_event(&self) -> Option<u64> {
        self.irq_stale.then_some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::IrqLines;
    use crate::ps2::*;

    struct Rig {
        kbc: I8042,
        lines: IrqLines,
    }

    impl Rig {
        fn new() -> Self {
            Self {
                kbc: I8042::new(),
                lines: IrqLines::default(),
            }
        }
        fn write(&mut self, port: u16, v: u8) {
            let mut cx = DevCtx {
                now: 0,
                irq: &mut self.lines,
            };
            self.kbc.write(port, 1, u32::from(v), &mut cx);
        }
        fn inb(&mut self, port: u16) -> u8 {
            let mut cx = DevCtx {
                now: 0,
                irq: &mut self.lines,
            };
            self.kbc.read(port, 1, &mut cx) as u8
        }
        fn cmd(&mut self, v: u8) {
            self.write(PORT_COMMAND, v);
        }
        fn data(&mut self, v: u8) {
            self.write(PORT_DATA, v);
        }
        fn status(&mut self) -> u8 {
            self.inb(PORT_COMMAND)
        }
        fn drain(&mut self) -> Vec<u8> {
            let mut out = Vec::new();
            while self.status() & ST_OBF != 0 && out.len() < 64 {
                out.push(self.inb(PORT_DATA));
            }
            out
        }
        fn advance(&mut self) {
            let mut cx = DevCtx {
                now: 0,
                irq: &mut self.lines,
            };
            self.kbc.advance(&mut cx);
        }
    }

    #[test]
    fn self_test_and_interface_tests() {
        let mut r = Rig::new();
        assert_eq!(r.status() & ST_SYS, 0);
        r.cmd(CMD_SELF_TEST);
        assert_eq!(
            r.status() & (ST_OBF | ST_SYS | ST_A2),
            ST_OBF | ST_SYS | ST_A2
        );
        assert_eq!(r.drain(), [SELF_TEST_OK]);
        r.cmd(CMD_KBD_TEST);
        r.cmd(CMD_AUX_TEST);
        r.cmd(CMD_PASSWORD_INSTALLED);
        r.cmd(CMD_READ_INPUT);
        assert_eq!(r.drain(), [0x00, 0x00, 0xF1, INPUT_PORT]);
        assert_eq!(
            r.inb(PORT_DATA),
            INPUT_PORT,
            "empty buffer repeats the last byte"
        );
    }

    #[test]
    fn command_byte_round_trip() {
        let mut r = Rig::new();
        r.cmd(CMD_READ_RAM);
        assert_eq!(r.drain(), [0x41]);
        r.cmd(CMD_WRITE_RAM);
        r.data(0x47);
        assert_eq!(r.status() & ST_A2, 0, "A2 clear after a data write");
        r.cmd(CMD_READ_RAM);
        assert_eq!(r.drain(), [0x47]);
        r.cmd(0x65);
        r.data(0x12);
        r.cmd(0x25);
        assert_eq!(r.drain(), [0x12]);
        r.cmd(CMD_KBD_DISABLE);
        r.cmd(CMD_AUX_ENABLE);
        r.cmd(CMD_READ_RAM);
        assert_eq!(r.drain(), [0x47 | CCB_KBD_DISABLE]);
    }

    #[test]
    fn a20_via_output_port() {
        let mut r = Rig::new();
        assert!(r.kbc.a20());
        r.cmd(CMD_WRITE_OUTPUT);
        r.data(0xDD);
        assert!(!r.kbc.a20());
        r.cmd(CMD_READ_OUTPUT);
        assert_eq!(r.drain(), [0xCD], "OBF bits reflect the empty buffer");
        r.cmd(CMD_A20_ON);
        assert!(r.kbc.a20());
        r.cmd(CMD_A20_OFF);
        assert!(!r.kbc.a20());
        assert!(!r.kbc.take_reset_request());
    }

    #[test]
    fn reset_via_pulse_and_output_port() {
        let mut r = Rig::new();
        r.cmd(0xFF);
        assert!(!r.kbc.take_reset_request(), "0xFF pulses nothing");
        r.cmd(0xFE);
        assert!(r.kbc.take_reset_request());
        assert!(!r.kbc.take_reset_request());
        r.cmd(CMD_WRITE_OUTPUT);
        r.data(0xCE);
        assert!(r.kbc.take_reset_request());
    }

    #[test]
    fn keyboard_reset_and_commands() {
        let mut r = Rig::new();
        r.data(KBD_RESET);
        assert!(r.lines.level(KBD_IRQ));
        assert_eq!(r.drain(), [ACK, BAT_OK]);
        assert!(!r.lines.level(KBD_IRQ));
        // With translation the identify answer reads AB 41, as Linux' atkbd expects.
        r.data(KBD_IDENTIFY);
        assert_eq!(r.drain(), [ACK, 0xAB, 0x41]);
        r.cmd(CMD_WRITE_RAM);
        r.data(CCB_KBD_INT);
        r.data(KBD_IDENTIFY);
        assert_eq!(r.drain(), [ACK, 0xAB, 0x83]);
        r.data(KBD_ECHO);
        r.data(KBD_SCANCODE_SET);
        r.data(0);
        assert_eq!(r.drain(), [KBD_ECHO, ACK, ACK, 2]);
        r.data(KBD_SET_LEDS);
        r.data(0x07);
        r.data(KBD_TYPEMATIC);
        r.data(KBD_ENABLE); // a command aborts the parameter wait
        assert_eq!(r.drain(), [ACK, ACK, ACK, ACK]);
        assert_eq!(r.kbc.state().keyboard.leds, 7);
        r.data(0x01);
        r.data(KBD_RESEND);
        assert_eq!(r.drain(), [RESEND, RESEND]);
        r.data(KBD_DISABLE);
        r.kbc.key_scancodes_set1(&[0x1E]);
        assert_eq!(r.drain(), [ACK]);
        assert_eq!(r.kbc.dropped_input(), 1);
    }

    #[test]
    fn translation_on_and_off() {
        let mut r = Rig::new();
        r.kbc
            .key_scancodes_set1(&[0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8]);
        assert_eq!(r.drain(), [0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8]);
        r.kbc.key_scancodes_set2(&[0x76, 0xF0, 0x76]);
        assert_eq!(r.drain(), [0x01, 0x81]);
        for c in 1..0x80u8 {
            r.kbc.key_scancodes_set1(&[c, c | 0x80]);
            assert_eq!(r.drain(), [c, c | 0x80], "set-1 code {c:#x}");
        }
        r.cmd(CMD_WRITE_RAM);
        r.data(CCB_KBD_INT);
        r.kbc
            .key_scancodes_set1(&[0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8, 0x41]);
        assert_eq!(
            r.drain(),
            [0x1C, 0xF0, 0x1C, 0xE0, 0x75, 0xE0, 0xF0, 0x75, 0x83]
        );
        // A guest that selects set 1 gets set 1 without translation.
        r.data(KBD_SCANCODE_SET);
        r.data(1);
        r.drain();
        r.kbc.key_scancodes_set1(&[0x1E, 0x9E]);
        assert_eq!(r.drain(), [0x1E, 0x9E]);
    }

    #[test]
    fn irq1_follows_output_buffer() {
        let mut r = Rig::new();
        r.kbc.key_scancodes_set1(&[0x10, 0x90]);
        assert_eq!(r.kbc.next_event(), Some(0));
        r.advance();
        assert_eq!(r.kbc.next_event(), None);
        assert!(r.lines.level(KBD_IRQ));
        let rises = r.lines.rises(KBD_IRQ);
        assert_eq!(r.inb(PORT_DATA), 0x10);
        assert!(r.lines.level(KBD_IRQ));
        assert_eq!(r.lines.rises(KBD_IRQ), rises + 1, "next byte is a new edge");
        assert_eq!(r.inb(PORT_DATA), 0x90);
        assert!(!r.lines.level(KBD_IRQ));
        // A disabled interface holds the keys back.
        r.cmd(CMD_KBD_DISABLE);
        r.kbc.key_scancodes_set1(&[0x11]);
        assert_eq!(r.status() & ST_OBF, 0);
        r.cmd(CMD_KBD_ENABLE);
        assert_eq!(r.drain(), [0x11]);
        // Without CCB bit 0 there is no IRQ1.
        r.cmd(CMD_WRITE_RAM);
        r.data(CCB_XLAT);
        r.kbc.key_scancodes_set1(&[0x12]);
        r.advance();
        assert!(!r.lines.level(KBD_IRQ));
        assert_eq!(r.drain(), [0x12]);
    }

    #[test]
    fn mouse_answers_basic_commands() {
        let mut r = Rig::new();
        r.cmd(CMD_WRITE_RAM);
        r.data(CCB_KBD_INT | CCB_AUX_INT | CCB_XLAT);
        let aux = |r: &mut Rig, v: u8| {
            r.cmd(CMD_WRITE_AUX);
            r.data(v);
        };
        aux(&mut r, AUX_RESET);
        assert_eq!(r.status() & ST_AUX_OBF, ST_AUX_OBF);
        assert!(r.lines.level(AUX_IRQ));
        assert!(!r.lines.level(KBD_IRQ));
        assert_eq!(r.drain(), [ACK, BAT_OK, 0x00]);
        assert!(!r.lines.level(AUX_IRQ));
        aux(&mut r, AUX_GET_ID);
        aux(&mut r, AUX_SAMPLE_RATE);
        aux(&mut r, 200);
        aux(&mut r, AUX_SET_RESOLUTION);
        aux(&mut r, 3);
        aux(&mut r, AUX_SCALING_2_1);
        aux(&mut r, AUX_ENABLE);
        assert_eq!(r.drain(), [ACK, 0x00, ACK, ACK, ACK, ACK, ACK, ACK]);
        aux(&mut r, AUX_STATUS);
        assert_eq!(r.drain(), [ACK, 0x30, 3, 200]);
        aux(&mut r, AUX_DISABLE);
        aux(&mut r, 0x42);
        assert_eq!(r.drain(), [ACK, RESEND]);
        // With the aux clock disabled, mouse bytes wait.
        r.cmd(CMD_AUX_DISABLE);
        aux(&mut r, AUX_GET_ID);
        assert_eq!(r.status() & ST_OBF, 0);
        r.cmd(CMD_AUX_ENABLE);
        assert_eq!(r.drain(), [ACK, 0x00]);
    }

    #[test]
    fn write_output_buffers() {
        let mut r = Rig::new();
        r.cmd(CMD_WRITE_KBD_OB);
        r.data(0x5A);
        assert_eq!(r.status() & (ST_OBF | ST_AUX_OBF), ST_OBF);
        assert_eq!(r.inb(PORT_DATA), 0x5A);
        r.cmd(CMD_WRITE_AUX_OB);
        r.data(0xA5);
        assert_eq!(r.status() & (ST_OBF | ST_AUX_OBF), ST_OBF | ST_AUX_OBF);
        assert_eq!(r.inb(PORT_DATA), 0xA5);
    }

    #[test]
    fn state_round_trip() {
        let mut r = Rig::new();
        r.kbc.key_scancodes_set1(&[1, 2, 3, 4]);
        r.cmd(CMD_WRITE_RAM);
        let s = r.kbc.state();
        let k = I8042::from_state(&s);
        assert_eq!(k.state(), s);
        assert_eq!(s.kbd_queue.len(), 3);
        assert_eq!(s.pending, Some(CMD_WRITE_RAM));
    }

    #[test]
    fn hammer_every_port() {
        let mut r = Rig::new();
        let mut x = 0xA076_1D64_78BD_642Fu64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let port = [0x60u16, 0x64, 0x61, 0x63, 0x65][(x % 5) as usize];
            let size = [1u8, 2, 4, 6][((x >> 8) & 3) as usize];
            let mut cx = DevCtx {
                now: 0,
                irq: &mut r.lines,
            };
            match (x >> 12) % 6 {
                0 | 1 => {
                    r.kbc.read(port, size, &mut cx);
                }
                2 => r
                    .kbc
                    .key_scancodes_set1(&x.to_le_bytes()[..(x >> 61) as usize]),
                _ => r.kbc.write(port, size, (x >> 32) as u32, &mut cx),
            }
            let s = r.kbc.state();
            assert!(s.kbd_queue.len() <= KBD_QUEUE_CAP && s.ctrl_queue.len() <= SMALL_QUEUE_CAP);
        }
        r.kbc.take_reset_request();
        while !r.drain().is_empty() {}
        r.cmd(CMD_SELF_TEST);
        assert_eq!(r.drain().first(), Some(&SELF_TEST_OK));
    }
}
