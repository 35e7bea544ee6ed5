//! EFLAGS with lazy arithmetic flags. An ALU instruction records its operands, result and
//! kind; CF/PF/AF/ZF/SF/OF are computed only when something reads them (a Jcc, PUSHF, an
//! ADC...). The non-arithmetic bits (IF, DF, TF, IOPL, NT, VM, ...) live in `bits` always.

/// Carry flag.
pub const CF: u32 = 1 << 0;
/// Bit 1, always set.
pub const F_RESERVED1: u32 = 1 << 1;
/// Parity flag.
pub const PF: u32 = 1 << 2;
/// Auxiliary carry flag.
pub const AF: u32 = 1 << 4;
/// Zero flag.
pub const ZF: u32 = 1 << 6;
/// Sign flag.
pub const SF: u32 = 1 << 7;
/// Trap flag.
pub const TF: u32 = 1 << 8;
/// Interrupt enable flag.
pub const IF: u32 = 1 << 9;
/// Direction flag.
pub const DF: u32 = 1 << 10;
/// Overflow flag.
pub const OF: u32 = 1 << 11;
/// I/O privilege level (2 bits).
pub const IOPL: u32 = 3 << 12;
/// Nested task.
pub const NT: u32 = 1 << 14;
/// Resume flag.
pub const RF: u32 = 1 << 16;
/// Virtual-8086 mode.
pub const VM: u32 = 1 << 17;
/// Alignment check.
pub const AC: u32 = 1 << 18;
/// Virtual interrupt flag.
pub const VIF: u32 = 1 << 19;
/// Virtual interrupt pending.
pub const VIP: u32 = 1 << 20;
/// CPUID available (toggleable).
pub const ID: u32 = 1 << 21;
/// The six arithmetic status flags.
pub const ARITH: u32 = CF | PF | AF | ZF | SF | OF;

/// Which operation produced the pending lazy flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum LazyOp {
    /// Flags are all materialised in `bits`.
    None,
    /// `res = a + b (+ carry)`; for ADD the carry-in is 0, for ADC it is recovered from
    /// `res - a - b`.
    Add,
    /// `res = a - b (- borrow)`; CMP, SUB, SBB, NEG (with a = 0).
    Sub,
    /// AND/OR/XOR/TEST: CF = OF = 0, AF cleared (undefined in the SDM).
    Logic,
    /// INC: like ADD 1 but CF is kept from `bits`.
    Inc,
    /// DEC: like SUB 1 but CF is kept from `bits`.
    Dec,
    /// SHL/SAL by `b` (1..=31): CF = last bit out, OF = MSB(res) xor CF.
    Shl,
    /// SHR by `b`: OF = MSB of the original operand for `b == 1`, else 0.
    Shr,
    /// SAR by `b`: OF = 0.
    Sar,
}

/// The flags register, lazily evaluated.
#[derive(Clone, Copy, Debug)]
pub struct Flags {
    /// Materialised bits. The arithmetic bits are valid only when `op == LazyOp::None`, except
    /// CF for INC/DEC.
    pub(crate) bits: u32,
    pub(crate) op: LazyOp,
    /// Size class: 0 = 8, 1 = 16, 2 = 32 bits.
    pub(crate) size: u8,
    pub(crate) a: u32,
    pub(crate) b: u32,
    pub(crate) res: u32,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            bits: F_RESERVED1,
            op: LazyOp::None,
            size: 2,
            a: 0,
            b: 0,
            res: 0,
        }
    }
}

const MASKS: [u32; 3] = [0xFF, 0xFFFF, 0xFFFF_FFFF];
const SIGNS: [u32; 3] = [0x80, 0x8000, 0x8000_0000];

#[inline(always)]
fn parity(v: u32) -> bool {
    (v as u8).count_ones() & 1 == 0
}

impl Flags {
    /// Record an operation whose flags will be computed on demand. Values are masked to the
    /// size class by the caller.
    #[inline(always)]
    pub(crate) fn set_lazy(&mut self, op: LazyOp, size: u8, a: u32, b: u32, res: u32) {
        self.op = op;
        self.size = size;
        self.a = a;
        self.b = b;
        self.res = res;
    }

    /// Record INC or DEC: CF must survive, so it is materialised first.
    #[inline(always)]
    pub(crate) fn set_incdec(&mut self, op: LazyOp, size: u8, a: u32, res: u32) {
        let cf = self.cf();
        self.bits = (self.bits & !CF) | u32::from(cf);
        self.set_lazy(op, size, a, 1, res);
    }

    #[inline(always)]
    fn mask(&self) -> u32 {
        MASKS[self.size as usize]
    }
    #[inline(always)]
    fn sign(&self) -> u32 {
        SIGNS[self.size as usize]
    }

    /// Carry flag.
    #[inline]
    pub fn cf(&self) -> bool {
        let m = self.mask();
        match self.op {
            LazyOp::None | LazyOp::Inc | LazyOp::Dec => self.bits & CF != 0,
            LazyOp::Add => {
                let cin = self.res.wrapping_sub(self.a).wrapping_sub(self.b) & m;
                self.res < self.a || (cin != 0 && self.res == self.a)
            }
            LazyOp::Sub => {
                let bin = self.a.wrapping_sub(self.b).wrapping_sub(self.res) & m;
                u64::from(self.a) < u64::from(self.b) + u64::from(bin)
            }
            LazyOp::Logic => false,
            LazyOp::Shl => {
                let bits = 8u32 << self.size;
                (u64::from(self.a) << self.b) >> bits & 1 != 0
            }
            LazyOp::Shr => (u64::from(self.a) >> (self.b - 1)) & 1 != 0,
            LazyOp::Sar => {
                let s = 32 - (8u32 << self.size);
                let v = ((self.a << s) as i32 >> s) as i64;
                (v >> (self.b - 1).min(63)) & 1 != 0
            }
        }
    }

    /// Zero flag.
    #[inline]
    pub fn zf(&self) -> bool {
        match self.op {
            LazyOp::None => self.bits & ZF != 0,
            _ => self.res == 0,
        }
    }

    /// Sign flag.
    #[inline]
    pub fn sf(&self) -> bool {
        match self.op {
            LazyOp::None => self.bits & SF != 0,
            _ => self.res & self.sign() != 0,
        }
    }

    /// Parity flag (even parity of the low byte of the result).
    #[inline]
    pub fn pf(&self) -> bool {
        match self.op {
            LazyOp::None => self.bits & PF != 0,
            _ => parity(self.res),
        }
    }

    /// Auxiliary carry flag.
    #[inline]
    pub fn af(&self) -> bool {
        match self.op {
            LazyOp::None => self.bits & AF != 0,
            LazyOp::Add | LazyOp::Sub | LazyOp::Inc | LazyOp::Dec => {
                (self.a ^ self.b ^ self.res) & 0x10 != 0
            }
            LazyOp::Logic | LazyOp::Shl | LazyOp::Shr | LazyOp::Sar => false,
        }
    }

    /// Overflow flag.
    #[inline]
    pub fn of(&self) -> bool {
        let s = self.sign();
        match self.op {
            LazyOp::None => self.bits & OF != 0,
            LazyOp::Add => (self.a ^ self.res) & (self.b ^ self.res) & s != 0,
            LazyOp::Sub => (self.a ^ self.b) & (self.a ^ self.res) & s != 0,
            LazyOp::Inc => self.res == s,
            LazyOp::Dec => self.a == s,
            LazyOp::Logic | LazyOp::Sar => false,
            LazyOp::Shl => ((self.res & s != 0) as u8 ^ self.cf() as u8) != 0,
            // SHR: the original MSB for a 1-bit shift; 0 for longer ones (undefined in the SDM;
            // what Intel (per Bochs) and AMD processors produce).
            LazyOp::Shr => self.b == 1 && self.a & s != 0,
        }
    }

    /// The whole EFLAGS value.
    pub fn get(&self) -> u32 {
        if self.op == LazyOp::None {
            return self.bits;
        }
        let mut v = self.bits & !ARITH;
        v |= u32::from(self.cf());
        v |= u32::from(self.pf()) << 2;
        v |= u32::from(self.af()) << 4;
        v |= u32::from(self.zf()) << 6;
        v |= u32::from(self.sf()) << 7;
        v |= u32::from(self.of()) << 11;
        v
    }

    /// Replace the whole EFLAGS value (bit 1 forced on, bits 3, 5, 15 forced off).
    pub fn set(&mut self, v: u32) {
        self.bits = (v | F_RESERVED1) & !((1 << 3) | (1 << 5) | (1 << 15)) & 0x003F_7FD7;
        self.op = LazyOp::None;
    }

    /// Materialise the arithmetic flags into `bits`, so individual bits can be edited.
    #[inline]
    pub(crate) fn materialise(&mut self) {
        if self.op != LazyOp::None {
            self.bits = self.get();
            self.op = LazyOp::None;
        }
    }

    /// Replace the bits in `mask` with those of `val`, for instructions whose flags do not fit
    /// a lazy kind (MUL, BT, rotates, BCD...). Materialises first unless all six arithmetic
    /// flags are being replaced.
    #[inline]
    pub(crate) fn put(&mut self, mask: u32, val: u32) {
        if mask & ARITH == ARITH {
            self.op = LazyOp::None;
        } else {
            self.materialise();
        }
        self.bits = (self.bits & !mask) | (val & mask);
    }

    /// SF, ZF and PF of a result of size class `size` (0 = 8, 1 = 16, 2 = 32 bits).
    #[inline]
    pub(crate) fn szp(size: u8, res: u32) -> u32 {
        let res = res & MASKS[size as usize % 3];
        let mut f = 0;
        if res == 0 {
            f |= ZF;
        }
        if res & SIGNS[size as usize % 3] != 0 {
            f |= SF;
        }
        if parity(res) {
            f |= PF;
        }
        f
    }

    /// Set or clear the given bits (materialises first).
    #[inline]
    pub(crate) fn assign(&mut self, mask: u32, on: bool) {
        self.materialise();
        if on {
            self.bits |= mask;
        } else {
            self.bits &= !mask;
        }
    }

    /// Test a non-arithmetic bit (IF, DF, TF, VM, NT...). Never use for arithmetic flags.
    #[inline(always)]
    pub fn sys(&self, mask: u32) -> bool {
        self.bits & mask != 0
    }

    /// Current I/O privilege level.
    #[inline]
    pub fn iopl(&self) -> u8 {
        ((self.bits >> 12) & 3) as u8
    }

    /// Evaluate condition code `cc` (0..=15, the low nibble of Jcc/SETcc/CMOVcc opcodes).
    #[inline]
    pub fn cond(&self, cc: u8) -> bool {
        let r = match cc >> 1 {
            0 => self.of(),
            1 => self.cf(),
            2 => self.zf(),
            3 => self.cf() || self.zf(),
            4 => self.sf(),
            5 => self.pf(),
            6 => self.sf() != self.of(),
            _ => self.zf() || (self.sf() != self.of()),
        };
        r ^ (cc & 1 != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_carry_and_overflow() {
        let mut f = Flags::default();
        f.set_lazy(LazyOp::Add, 0, 0x7F, 0x01, 0x80);
        assert!(!f.cf() && f.of() && f.sf() && !f.zf() && f.af());
        f.set_lazy(LazyOp::Add, 0, 0xFF, 0x01, 0x00);
        assert!(f.cf() && !f.of() && f.zf() && f.pf());
        // ADC with carry-in: 0xFF + 0x00 + 1 = 0x00, carry out.
        f.set_lazy(LazyOp::Add, 0, 0xFF, 0x00, 0x00);
        assert!(f.cf());
    }

    #[test]
    fn sub_borrow() {
        let mut f = Flags::default();
        f.set_lazy(LazyOp::Sub, 2, 1, 2, 0xFFFF_FFFF);
        assert!(f.cf() && f.sf() && !f.of());
        // SBB 5 - 5 - 1 = -1: borrow out.
        f.set_lazy(LazyOp::Sub, 2, 5, 5, 0xFFFF_FFFF);
        assert!(f.cf());
        f.set_lazy(LazyOp::Sub, 1, 0x8000, 1, 0x7FFF);
        assert!(f.of() && !f.cf());
    }

    #[test]
    fn inc_keeps_carry() {
        let mut f = Flags::default();
        f.set(CF);
        f.set_incdec(LazyOp::Inc, 2, 0x7FFF_FFFF, 0x8000_0000);
        assert!(f.cf() && f.of());
        assert_eq!(f.get() & (CF | OF | SF), CF | OF | SF);
    }

    #[test]
    fn conditions() {
        let mut f = Flags::default();
        f.set_lazy(LazyOp::Sub, 2, 3, 5, 3u32.wrapping_sub(5));
        assert!(f.cond(0x2)); // B
        assert!(f.cond(0xC)); // L
        assert!(!f.cond(0xF)); // G
        assert!(f.cond(0x5)); // NE
    }
}
