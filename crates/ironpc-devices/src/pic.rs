//! Intel 8259A programmable interrupt controller pair (master 0x20/0x21, slave 0xA0/0xA1,
//! cascaded on IR2) with the PIIX edge/level control registers ELCR1/ELCR2 (0x4D0/0x4D1).
//!
//! The board samples its [`IrqLines`] into the pair with [`DualPic::update`], asks
//! [`DualPic::intr`] whether the INTR pin is asserted and runs the INTA cycle with
//! [`DualPic::ack`], which returns the vector. Section numbers refer to the Intel 8259A
//! datasheet (order no. 231468).
//!
//! Deliberate deviations, all commented where they happen:
//! * ICW4 µPM=0 (8080 mode) and the buffered-mode bits are accepted but ignored: vectors are
//!   always delivered the 8086 way.
//! * INTA is atomic. On the chip the slave answers only at the second INTA pulse, so a slave
//!   request that disappears in between gives IRQ 15; here the master's IR2 latches the
//!   slave's INT rising edge until INTA, which yields the same spurious IRQ 15 when a slave
//!   line drops after having been seen (the QEMU behaviour).
//! * Board line 2 is ignored: on a PC it is the cascade, ISA IRQ2 is wired to IRQ9.

use crate::bus::{read_bytes, write_bytes, DevCtx, IrqLines, PortDevice, Size};

/// Master command/status port (ICW1, OCW2, OCW3; IRR/ISR/poll reads).
pub const MASTER_CMD: u16 = 0x20;
/// Master data port (ICW2–ICW4, OCW1 = IMR).
pub const MASTER_DATA: u16 = 0x21;
/// Slave command/status port.
pub const SLAVE_CMD: u16 = 0xA0;
/// Slave data port.
pub const SLAVE_DATA: u16 = 0xA1;
/// PIIX edge/level control register for IRQ 0–7.
pub const ELCR1: u16 = 0x4D0;
/// PIIX edge/level control register for IRQ 8–15.
pub const ELCR2: u16 = 0x4D1;

/// ICW1: written to the command port with bit 4 set.
const ICW1_INIT: u8 = 0x10;
/// ICW1: ICW4 will follow.
const ICW1_IC4: u8 = 0x01;
/// ICW1: single controller, no ICW3.
const ICW1_SNGL: u8 = 0x02;
/// ICW1: level-triggered mode for the whole chip.
const ICW1_LTIM: u8 = 0x08;
/// ICW4: automatic end of interrupt.
const ICW4_AEOI: u8 = 0x02;
/// ICW4: special fully nested mode.
const ICW4_SFNM: u8 = 0x10;
/// OCW3 (bit 3 set, bit 4 clear): distinguishes OCW3 from OCW2.
const OCW3_SELECT: u8 = 0x08;
/// OCW3: read register command: RR enables, RIS selects ISR over IRR.
const OCW3_RR: u8 = 0x02;
const OCW3_RIS: u8 = 0x01;
/// OCW3: poll command.
const OCW3_P: u8 = 0x04;
/// OCW3: special mask mode: ESMM enables the change, SMM is the new value.
const OCW3_ESMM: u8 = 0x40;
const OCW3_SMM: u8 = 0x20;
/// OCW2 command field (bits 7–5: R, SL, EOI).
const OCW2_ROTATE_AEOI_CLEAR: u8 = 0;
const OCW2_NONSPECIFIC_EOI: u8 = 1;
const OCW2_NOP: u8 = 2;
const OCW2_SPECIFIC_EOI: u8 = 3;
const OCW2_ROTATE_AEOI_SET: u8 = 4;
const OCW2_ROTATE_NONSPECIFIC_EOI: u8 = 5;
const OCW2_SET_PRIORITY: u8 = 6;
const OCW2_ROTATE_SPECIFIC_EOI: u8 = 7;
/// IR input of the master that the slave's INT output drives.
const CASCADE_IR: u8 = 2;
/// Lines that PIIX wires edge-only: IRQ 0, 1, 2 on the master, 8 and 13 on the slave.
const ELCR1_MASK: u8 = 0xF8;
const ELCR2_MASK: u8 = 0xDE;

/// One 8259A's registers (field names as in the datasheet).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PicChipState {
    /// Interrupt request register.
    pub irr: u8,
    /// Interrupt mask register (OCW1).
    pub imr: u8,
    /// In-service register.
    pub isr: u8,
    /// Input levels as last sampled (for edge detection).
    pub last_level: u8,
    /// Edge/level control register (PIIX ELCR), 1 = level.
    pub elcr: u8,
    /// ICW1 LTIM: the whole chip level-triggered.
    pub ltim: bool,
    /// Rotation: the IR with the highest priority is `priority_add` (0 = IR0 highest).
    pub priority_add: u8,
    /// ICW2: vector base (T7–T3).
    pub vector_base: u8,
    /// OCW3 RIS: command-port reads return the ISR instead of the IRR.
    pub read_isr: bool,
    /// OCW3 P: the next read is a poll.
    pub poll: bool,
    /// OCW3 SMM: special mask mode.
    pub special_mask: bool,
    /// Initialization sequence: 0 ready, 1 expect ICW2, 2 expect ICW3, 3 expect ICW4.
    pub init_state: u8,
    /// ICW1 IC4.
    pub icw4_needed: bool,
    /// ICW1 SNGL.
    pub single: bool,
    /// ICW4 AEOI.
    pub auto_eoi: bool,
    /// OCW2 rotate in automatic EOI mode.
    pub rotate_on_aeoi: bool,
    /// ICW4 SFNM.
    pub special_fully_nested: bool,
}

/// Saved state of the master/slave pair.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PicState {
    /// The master 8259A (IRQ 0–7).
    pub master: PicChipState,
    /// The slave 8259A (IRQ 8–15), cascaded on master IR2.
    pub slave: PicChipState,
    /// [`IrqLines::rises`] of each board line at the last [`DualPic::update`].
    pub seen_rises: [u32; 16],
    /// Level of the slave's INT output as last seen by the master's IR2.
    pub cascade_level: bool,
}

/// Priority of the highest set bit of `mask` under the chip's rotation: 0 highest, 8 none.
fn priority(chip: &PicChipState, mask: u8) -> u8 {
    (0..8)
        .find(|p| mask & (1 << ((p + chip.priority_add) & 7)) != 0)
        .unwrap_or(8)
}

/// The IR the chip would present now, if any (section "Priority resolver").
fn pending(chip: &PicChipState, is_master: bool) -> Option<u8> {
    let p = priority(chip, chip.irr & !chip.imr);
    if p == 8 {
        return None;
    }
    let mut in_service = chip.isr;
    if chip.special_mask {
        // Special mask mode: a masked in-service level no longer inhibits lower ones.
        in_service &= !chip.imr;
    }
    if chip.special_fully_nested && is_master {
        // SFNM: the slave may interrupt again while its cascade IR is in service.
        in_service &= !(1 << CASCADE_IR);
    }
    (p < priority(chip, in_service)).then_some((p + chip.priority_add) & 7)
}

/// The INTA bookkeeping for IR `ir`: set ISR (or auto-EOI), drop an edge request.
fn intack(chip: &mut PicChipState, ir: u8) {
    if chip.auto_eoi {
        if chip.rotate_on_aeoi {
            chip.priority_add = (ir + 1) & 7;
        }
    } else {
        chip.isr |= 1 << ir;
    }
    if !is_level(chip, ir) {
        chip.irr &= !(1 << ir);
    }
}

fn is_level(chip: &PicChipState, ir: u8) -> bool {
    chip.ltim || chip.elcr & (1 << ir) != 0
}

fn write_command(chip: &mut PicChipState, v: u8) {
    if v & ICW1_INIT != 0 {
        // ICW1 (section "Initialization command words"): IMR cleared, IR7 lowest priority,
        // special mask mode cleared, status read set to IRR, edge sense reset; without IC4
        // all ICW4 functions are zero.
        let level_lines = if v & ICW1_LTIM != 0 { 0xFF } else { chip.elcr };
        *chip = PicChipState {
            irr: chip.irr & level_lines,
            last_level: chip.last_level,
            elcr: chip.elcr,
            ltim: v & ICW1_LTIM != 0,
            init_state: 1,
            icw4_needed: v & ICW1_IC4 != 0,
            single: v & ICW1_SNGL != 0,
            ..PicChipState::default()
        };
    } else if v & OCW3_SELECT != 0 {
        if v & OCW3_P != 0 {
            chip.poll = true;
        }
        if v & OCW3_RR != 0 {
            chip.read_isr = v & OCW3_RIS != 0;
        }
        if v & OCW3_ESMM != 0 {
            chip.special_mask = v & OCW3_SMM != 0;
        }
    } else {
        let level = v & 7;
        match v >> 5 {
            OCW2_ROTATE_AEOI_CLEAR => chip.rotate_on_aeoi = false,
            OCW2_ROTATE_AEOI_SET => chip.rotate_on_aeoi = true,
            cmd @ (OCW2_NONSPECIFIC_EOI | OCW2_ROTATE_NONSPECIFIC_EOI) => {
                // Non-specific EOI clears the highest-priority ISR bit.
                let p = priority(chip, chip.isr);
                if p != 8 {
                    let ir = (p + chip.priority_add) & 7;
                    chip.isr &= !(1 << ir);
                    if cmd == OCW2_ROTATE_NONSPECIFIC_EOI {
                        chip.priority_add = (ir + 1) & 7;
                    }
                }
            }
            OCW2_SPECIFIC_EOI => chip.isr &= !(1 << level),
            OCW2_SET_PRIORITY => chip.priority_add = (level + 1) & 7,
            OCW2_ROTATE_SPECIFIC_EOI => {
                chip.isr &= !(1 << level);
                chip.priority_add = (level + 1) & 7;
            }
            OCW2_NOP => {}
            _ => {}
        }
    }
}

fn write_data(chip: &mut PicChipState, v: u8) {
    match chip.init_state {
        1 => {
            // ICW2: T7–T3; the low three bits come from the IR number.
            chip.vector_base = v & 0xF8;
            chip.init_state = match (chip.single, chip.icw4_needed) {
                (false, _) => 2,
                (true, true) => 3,
                (true, false) => 0,
            };
        }
        // ICW3: the cascade wiring is fixed on a PC; the value is not needed.
        2 => chip.init_state = if chip.icw4_needed { 3 } else { 0 },
        3 => {
            // ICW4. µPM, BUF and M/S are ignored (see the module documentation).
            chip.auto_eoi = v & ICW4_AEOI != 0;
            chip.special_fully_nested = v & ICW4_SFNM != 0;
            chip.init_state = 0;
        }
        _ => chip.imr = v,
    }
}

/// The two cascaded 8259As of a PC/AT.
#[derive(Clone, Debug, Default)]
pub struct DualPic {
    s: PicState,
}

impl DualPic {
    /// A pair in its power-on state: uninitialised, every IR masked. The datasheet leaves
    /// the registers undefined until ICW1 (which clears the IMR); masking them, as Bochs
    /// does, keeps a timer edge from reaching a CPU whose firmware has not set up the PIC
    /// (it would arrive as vector 0-7, i.e. as a CPU exception).
    pub fn new() -> Self {
        let mut s = PicState::default();
        s.master.imr = 0xFF;
        s.slave.imr = 0xFF;
        Self { s }
    }

    /// Restore from a saved state.
    pub fn from_state(state: &PicState) -> Self {
        let mut pic = Self { s: state.clone() };
        for chip in [&mut pic.s.master, &mut pic.s.slave] {
            chip.init_state = chip.init_state.min(3);
            chip.priority_add &= 7;
        }
        pic.s.master.elcr &= ELCR1_MASK;
        pic.s.slave.elcr &= ELCR2_MASK;
        pic
    }

    /// The current state, for saving.
    pub fn state(&self) -> PicState {
        self.s.clone()
    }

    /// Sample the board's interrupt lines into the IRRs. Edge-triggered inputs latch a
    /// request on a rising edge (including edges made and undone since the last sample, see
    /// [`IrqLines::rises`]) and withdraw it when the line is seen to fall before INTA;
    /// level-triggered inputs (ELCR or LTIM) follow the line.
    pub fn update(&mut self, lines: &IrqLines) {
        for irq in 0..16u8 {
            if irq == CASCADE_IR {
                continue;
            }
            let level = lines.level(irq);
            let rises = lines.rises(irq);
            let rose = rises != self.s.seen_rises[usize::from(irq)];
            self.s.seen_rises[usize::from(irq)] = rises;
            let chip = if irq < 8 {
                &mut self.s.master
            } else {
                &mut self.s.slave
            };
            let ir = irq & 7;
            let bit = 1u8 << ir;
            if is_level(chip, ir) {
                if level {
                    chip.irr |= bit;
                } else {
                    chip.irr &= !bit;
                }
            } else if rose {
                chip.irr |= bit;
            } else if !level && chip.last_level & bit != 0 {
                // The request went away before INTA: on the chip this is what makes the
                // default IR7 (spurious) vector appear.
                chip.irr &= !bit;
            }
            if level {
                chip.last_level |= bit;
            } else {
                chip.last_level &= !bit;
            }
        }
        self.cascade();
    }

    /// Propagate the slave's INT output to the master's IR2 (edge latched until INTA).
    fn cascade(&mut self) {
        let int = pending(&self.s.slave, false).is_some();
        if int && !self.s.cascade_level {
            self.s.master.irr |= 1 << CASCADE_IR;
        }
        self.s.cascade_level = int;
    }

    /// Whether the master asserts INTR.
    pub fn intr(&self) -> bool {
        pending(&self.s.master, true).is_some()
    }

    /// The INTA cycle: returns the vector and updates ISR/IRR. Without a request (it went
    /// away after [`DualPic::intr`]) the master answers its IR7 vector without setting ISR;
    /// a slave with nothing to say after the master chose IR2 answers its IR7 (IRQ 15).
    pub fn ack(&mut self) -> u8 {
        let vector = match pending(&self.s.master, true) {
            Some(CASCADE_IR) => {
                let v = match pending(&self.s.slave, false) {
                    Some(ir) => {
                        intack(&mut self.s.slave, ir);
                        self.s.slave.vector_base | ir
                    }
                    None => self.s.slave.vector_base | 7,
                };
                intack(&mut self.s.master, CASCADE_IR);
                // A slave still asserting INT (auto-EOI) must re-request through IR2.
                self.s.cascade_level = false;
                v
            }
            Some(ir) => {
                intack(&mut self.s.master, ir);
                self.s.master.vector_base | ir
            }
            None => self.s.master.vector_base | 7,
        };
        self.cascade();
        vector
    }

    /// The 8259A's answer to a poll read (section "The poll command"): acknowledges like INTA.
    fn poll_read(&mut self, slave: bool) -> u8 {
        let chip = if slave {
            &mut self.s.slave
        } else {
            &mut self.s.master
        };
        chip.poll = false;
        let value = match pending(chip, !slave) {
            Some(ir) => {
                intack(chip, ir);
                if !slave && ir == CASCADE_IR {
                    self.s.cascade_level = false;
                }
                0x80 | ir
            }
            None => 0,
        };
        self.cascade();
        value
    }

    fn read_byte(&mut self, port: u16) -> u8 {
        match port {
            MASTER_CMD | MASTER_DATA | SLAVE_CMD | SLAVE_DATA => {
                let slave = port & 0x80 != 0;
                let chip = if slave { &self.s.slave } else { &self.s.master };
                if chip.poll {
                    self.poll_read(slave)
                } else if port & 1 != 0 {
                    chip.imr
                } else if chip.read_isr {
                    chip.isr
                } else {
                    chip.irr
                }
            }
            ELCR1 => self.s.master.elcr,
            ELCR2 => self.s.slave.elcr,
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, port: u16, v: u8) {
        match port {
            MASTER_CMD => write_command(&mut self.s.master, v),
            MASTER_DATA => write_data(&mut self.s.master, v),
            SLAVE_CMD => write_command(&mut self.s.slave, v),
            SLAVE_DATA => write_data(&mut self.s.slave, v),
            ELCR1 => self.s.master.elcr = v & ELCR1_MASK,
            ELCR2 => self.s.slave.elcr = v & ELCR2_MASK,
            _ => return,
        }
        if port == MASTER_CMD && v & ICW1_INIT != 0 {
            // The master's edge sense was reset: a slave already asserting INT must
            // make a new edge before IR2 requests again.
            self.s.master.irr &= !(1 << CASCADE_IR);
        }
        self.cascade();
    }
}

impl PortDevice for DualPic {
    fn read(&mut self, port: u16, size: Size, _cx: &mut DevCtx) -> u32 {
        read_bytes(port, size, |p| self.read_byte(p))
    }

    fn write(&mut self, port: u16, size: Size, value: u32, _cx: &mut DevCtx) {
        write_bytes(port, size, value, |p, b| self.write_byte(p, b));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rig {
        pic: DualPic,
        lines: IrqLines,
    }

    impl Rig {
        fn new() -> Self {
            Self {
                pic: DualPic::new(),
                lines: IrqLines::default(),
            }
        }
        fn out(&mut self, port: u16, v: u8) {
            let mut cx = DevCtx {
                now: 0,
                irq: &mut self.lines,
            };
            self.pic.write(port, 1, u32::from(v), &mut cx);
        }
        fn inb(&mut self, port: u16) -> u8 {
            let mut cx = DevCtx {
                now: 0,
                irq: &mut self.lines,
            };
            self.pic.read(port, 1, &mut cx) as u8
        }
        fn line(&mut self, irq: u8, level: bool) {
            self.lines.set(irq, level);
            self.pic.update(&self.lines);
        }
        /// An edge the PIC never samples high (see `IrqLines::rises`).
        fn pulse(&mut self, irq: u8) {
            self.lines.pulse(irq);
            self.pic.update(&self.lines);
        }
        /// SeaBIOS pic_setup: interleaved master/slave init, vectors 0x08 / 0x70.
        fn bios_init(&mut self) {
            self.out(0x20, 0x11);
            self.out(0xA0, 0x11);
            self.out(0x21, 0x08);
            self.out(0xA1, 0x70);
            self.out(0x21, 0x04);
            self.out(0xA1, 0x02);
            self.out(0x21, 0x01);
            self.out(0xA1, 0x01);
            self.out(0x21, !(1 << 2));
            self.out(0xA1, 0xFF);
        }
        /// Linux init_8259A(auto_eoi = 0): vectors 0x30 / 0x38, then unmask.
        fn linux_init(&mut self) {
            self.out(0x21, 0xFF);
            self.out(0x20, 0x11);
            self.out(0x21, 0x30);
            self.out(0x21, 1 << 2);
            self.out(0x21, 0x01);
            self.out(0xA0, 0x11);
            self.out(0xA1, 0x38);
            self.out(0xA1, 2);
            self.out(0xA1, 0x01);
            self.out(0x21, 0x00);
            self.out(0xA1, 0x00);
        }
    }

    #[test]
    fn power_on_pair_is_masked_until_initialised() {
        let mut r = Rig::new();
        // Firmware that never programs the PIC (a conformance ROM, for example) must not see
        // the timer's first edge as an interrupt on vector 0.
        assert_eq!(r.inb(0x21), 0xFF);
        assert_eq!(r.inb(0xA1), 0xFF);
        r.pulse(0);
        r.pulse(8);
        assert!(!r.pic.intr());
        // ICW1 clears the IMR (datasheet); the edge latched in IRR is then presented.
        r.out(0x20, 0x11);
        r.out(0x21, 0x08);
        r.out(0x21, 0x04);
        r.out(0x21, 0x01);
        assert_eq!(r.inb(0x21), 0x00);
        r.pulse(0);
        assert!(r.pic.intr());
        assert_eq!(r.pic.ack(), 0x08);
    }

    #[test]
    fn linux_probe_and_init() {
        let mut r = Rig::new();
        // probe_8259A: mask the slave, write a pattern to the master IMR, read it back.
        r.out(0xA1, 0xFF);
        r.out(0x21, 0xA5);
        assert_eq!(r.inb(0x21), 0xA5);
        r.linux_init();
        assert_eq!(r.pic.state().master.vector_base, 0x30);
        assert_eq!(r.pic.state().slave.vector_base, 0x38);
        assert!(!r.pic.intr());
        r.pulse(0);
        assert!(r.pic.intr());
        assert_eq!(r.pic.ack(), 0x30);
        assert!(!r.pic.intr());
        // i8259A_irq_real(): OCW3 read ISR, then back to IRR.
        r.out(0x20, 0x0B);
        assert_eq!(r.inb(0x20), 0x01);
        r.out(0x20, 0x0A);
        assert_eq!(r.inb(0x20), 0x00);
        // mask_and_ack_8259A: dummy IMR read, mask, specific EOI.
        r.inb(0x21);
        r.out(0x21, 0x01);
        r.out(0x20, 0x60);
        r.out(0x20, 0x0B);
        assert_eq!(r.inb(0x20), 0);
    }

    #[test]
    fn bios_init_and_nonspecific_eoi() {
        let mut r = Rig::new();
        r.bios_init();
        assert_eq!(r.inb(0x21), 0xFB);
        r.pulse(1);
        assert!(!r.pic.intr(), "masked");
        r.out(0x21, 0xF8); // BIOS enables timer and keyboard
        assert!(r.pic.intr());
        assert_eq!(r.pic.ack(), 0x09);
        r.out(0x20, 0x20);
        r.out(0x20, 0x0B);
        assert_eq!(r.inb(0x20), 0);
        // Masked slave line: nothing.
        r.pulse(14);
        assert!(!r.pic.intr());
    }

    #[test]
    fn nested_interrupts_and_eoi_order() {
        let mut r = Rig::new();
        r.linux_init();
        r.pulse(3);
        assert_eq!(r.pic.ack(), 0x33);
        // Lower priority IRQ 5 must wait, higher priority IRQ 1 nests.
        r.pulse(5);
        assert!(!r.pic.intr());
        r.pulse(1);
        assert!(r.pic.intr());
        assert_eq!(r.pic.ack(), 0x31);
        r.out(0x20, 0x0B);
        assert_eq!(r.inb(0x20), 0b0000_1010);
        // Non-specific EOI ends the highest priority in service (IRQ 1).
        r.out(0x20, 0x20);
        assert_eq!(r.inb(0x20), 0b0000_1000);
        assert!(!r.pic.intr());
        r.out(0x20, 0x20);
        assert!(r.pic.intr());
        assert_eq!(r.pic.ack(), 0x35);
        r.out(0x20, 0x65);
        assert_eq!(r.inb(0x20), 0);
    }

    #[test]
    fn slave_cascade() {
        let mut r = Rig::new();
        r.linux_init();
        r.pulse(14);
        assert!(r.pic.intr());
        assert_eq!(r.pic.ack(), 0x3E);
        r.out(0x20, 0x0B);
        r.out(0xA0, 0x0B);
        assert_eq!(r.inb(0x20), 1 << 2);
        assert_eq!(r.inb(0xA0), 1 << 6);
        // A second slave request of lower priority waits for both EOIs.
        r.pulse(15);
        assert!(!r.pic.intr());
        r.out(0xA0, 0x66);
        assert!(!r.pic.intr(), "master IR2 still in service");
        r.out(0x20, 0x62);
        assert!(r.pic.intr());
        assert_eq!(r.pic.ack(), 0x3F);
        // A higher priority master line beats the cascade while IR2 is in service.
        r.pulse(0);
        assert_eq!(r.pic.ack(), 0x30);
    }

    #[test]
    fn edge_versus_level() {
        let mut r = Rig::new();
        r.linux_init();
        // Edge: a line held high interrupts once.
        r.line(10, true);
        assert_eq!(r.pic.ack(), 0x3A);
        r.out(0xA0, 0x20);
        r.out(0x20, 0x20);
        r.pic.update(&r.lines);
        assert!(!r.pic.intr());
        r.line(10, false);
        // Level (ELCR bit 10): still high after EOI means another interrupt.
        r.out(0x4D1, 1 << 2);
        assert_eq!(r.inb(0x4D1), 1 << 2);
        r.line(10, true);
        assert_eq!(r.pic.ack(), 0x3A);
        r.out(0xA0, 0x20);
        r.out(0x20, 0x20);
        assert!(r.pic.intr());
        assert_eq!(r.pic.ack(), 0x3A);
        // The handler quiets the device before the EOIs.
        r.line(10, false);
        r.out(0xA0, 0x20);
        r.out(0x20, 0x20);
        assert!(!r.pic.intr());
        // ELCR cannot make IRQ 0/1/2/8/13 level-triggered.
        r.out(0x4D0, 0xFF);
        r.out(0x4D1, 0xFF);
        assert_eq!(r.inb(0x4D0), 0xF8);
        assert_eq!(r.inb(0x4D1), 0xDE);
    }

    #[test]
    fn edges_between_samples_are_not_lost() {
        let mut r = Rig::new();
        r.linux_init();
        r.lines.set(4, true);
        r.pic.update(&r.lines);
        assert_eq!(r.pic.ack(), 0x34);
        r.out(0x20, 0x20);
        // The UART drops and re-raises INTR without the PIC sampling in between.
        r.lines.set(4, false);
        r.lines.set(4, true);
        r.pic.update(&r.lines);
        assert_eq!(r.pic.ack(), 0x34);
    }

    #[test]
    fn spurious_master_and_slave() {
        let mut r = Rig::new();
        r.linux_init();
        r.line(5, true);
        assert!(r.pic.intr());
        r.line(5, false);
        assert_eq!(r.pic.ack(), 0x37);
        r.out(0x20, 0x0B);
        assert_eq!(r.inb(0x20), 0, "spurious IRQ 7 sets no ISR bit");
        // Slave line withdrawn after the master latched IR2: IRQ 15, master ISR2 set.
        r.line(11, true);
        assert!(r.pic.intr());
        r.line(11, false);
        assert_eq!(r.pic.ack(), 0x3F);
        r.out(0xA0, 0x0B);
        assert_eq!(r.inb(0xA0), 0);
        assert_eq!(r.inb(0x20), 1 << 2);
    }

    #[test]
    fn auto_eoi_and_rotation() {
        let mut r = Rig::new();
        r.out(0x20, 0x11);
        r.out(0x21, 0x08);
        r.out(0x21, 0x04);
        r.out(0x21, 0x03); // 8086 mode, AEOI
        r.out(0x20, 0x80); // rotate in AEOI mode
        r.pulse(0);
        r.pulse(4);
        assert_eq!(r.pic.ack(), 0x08);
        assert_eq!(r.pic.state().master.isr, 0);
        assert_eq!(r.pic.state().master.priority_add, 1);
        assert_eq!(r.pic.ack(), 0x0C);
        // After rotation IRQ 5 has the highest priority: it beats IRQ 0.
        r.pulse(0);
        r.pulse(6);
        assert_eq!(r.pic.ack(), 0x0E);
    }

    #[test]
    fn set_priority_and_rotating_eoi() {
        let mut r = Rig::new();
        r.linux_init();
        r.out(0x20, 0xC0 | 3); // IR3 lowest, IR4 highest
        r.pulse(2 + 1);
        r.pulse(4);
        assert_eq!(r.pic.ack(), 0x34);
        r.out(0x20, 0xA0); // rotate on non-specific EOI: IR4 becomes lowest
        assert_eq!(r.pic.state().master.priority_add, 5);
        assert_eq!(r.pic.ack(), 0x33);
        r.out(0x20, 0xE0 | 3); // rotate on specific EOI 3
        assert_eq!(r.pic.state().master.priority_add, 4);
    }

    #[test]
    fn special_mask_mode() {
        let mut r = Rig::new();
        r.linux_init();
        r.pulse(1);
        assert_eq!(r.pic.ack(), 0x31);
        r.pulse(6);
        assert!(!r.pic.intr());
        // The handler masks its own line and enters special mask mode.
        r.out(0x21, 0x02);
        r.out(0x20, 0x68);
        assert!(r.pic.intr());
        assert_eq!(r.pic.ack(), 0x36);
        r.out(0x20, 0x48);
        assert!(!r.pic.state().master.special_mask);
    }

    #[test]
    fn poll_mode() {
        let mut r = Rig::new();
        r.linux_init();
        r.pulse(6);
        r.out(0x20, 0x0C);
        assert_eq!(r.inb(0x20), 0x86);
        r.out(0x20, 0x0B);
        assert_eq!(r.inb(0x20), 1 << 6);
        r.out(0x20, 0x0C);
        assert_eq!(r.inb(0x21), 0, "poll with nothing pending");
        assert_eq!(r.inb(0x21), 0x00, "poll is one-shot: IMR again");
    }

    #[test]
    fn reinit_resets_edge_sense() {
        let mut r = Rig::new();
        r.linux_init();
        r.out(0x21, 0xFF);
        r.line(3, true);
        r.linux_init();
        r.pic.update(&r.lines);
        assert!(!r.pic.intr(), "a line already high needs a new edge");
        r.line(3, false);
        r.line(3, true);
        assert_eq!(r.pic.ack(), 0x33);
    }

    #[test]
    fn state_round_trip_and_unknown_ports() {
        let mut r = Rig::new();
        r.linux_init();
        r.pulse(7);
        let s = r.pic.state();
        let mut p = DualPic::from_state(&s);
        assert_eq!(p.ack(), 0x37);
        assert_eq!(r.inb(0x22), 0xFF);
        let mut cx = DevCtx {
            now: 0,
            irq: &mut r.lines,
        };
        assert_eq!(r.pic.read(0x20, 2, &mut cx), 0x0080);
    }

    #[test]
    fn hammer_every_port() {
        let mut r = Rig::new();
        let ports = [0x20u16, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1, 0x22, 0x4CF];
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let port = ports[(x % 8) as usize];
            let size = [1u8, 2, 4, 3][((x >> 8) & 3) as usize];
            let mut cx = DevCtx {
                now: 0,
                irq: &mut r.lines,
            };
            match (x >> 12) % 5 {
                0 => {
                    r.pic.read(port, size, &mut cx);
                }
                1 => {
                    r.lines.set((x >> 20) as u8 & 15, x & (1 << 30) != 0);
                    r.pic.update(&r.lines);
                }
                2 => {
                    if r.pic.intr() {
                        r.pic.ack();
                    }
                }
                _ => r.pic.write(port, size, (x >> 32) as u32, &mut cx),
            }
        }
        r.linux_init();
        r.out(0x21, 0x5A);
        assert_eq!(r.inb(0x21), 0x5A);
    }
}
