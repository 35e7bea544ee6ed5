//! Operand widths as zero-sized types, so one generic handler serves the 8-, 16- and 32-bit
//! forms of an instruction and every width test folds away at monomorphisation.

/// An operand width. Values travel as `u32` masked to the width.
pub trait Width: 'static {
    /// Bits in the operand.
    const BITS: u32;
    /// Bytes in the operand.
    const BYTES: u32 = Self::BITS / 8;
    /// All bits of the operand.
    const MASK: u32;
    /// The sign bit.
    const SIGN: u32 = 1 << (Self::BITS - 1);
    /// Size class used by the lazy-flags engine: 0 = 8, 1 = 16, 2 = 32 bits.
    const CLASS: u8;
    /// Sign-extend a masked value to 32 bits.
    #[inline(always)]
    fn sext(v: u32) -> u32 {
        let s = 32 - Self::BITS;
        (((v << s) as i32) >> s) as u32
    }
}

/// 8-bit operand.
pub struct B8;
/// 16-bit operand.
pub struct W16;
/// 32-bit operand.
pub struct D32;

impl Width for B8 {
    const BITS: u32 = 8;
    const MASK: u32 = 0xFF;
    const CLASS: u8 = 0;
}
impl Width for W16 {
    const BITS: u32 = 16;
    const MASK: u32 = 0xFFFF;
    const CLASS: u8 = 1;
}
impl Width for D32 {
    const BITS: u32 = 32;
    const MASK: u32 = 0xFFFF_FFFF;
    const CLASS: u8 = 2;
}
