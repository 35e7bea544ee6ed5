//! Segment-register loads and descriptor-table access (SDM vol. 3, chapter 3 and 5.5–5.8):
//! descriptor fetch from the GDT/LDT, the checks of MOV/POP to a segment register, and
//! the hidden descriptor cache.

use crate::bus::Sys;
use crate::fault::Fault;
use crate::state::{attr, Cpu, Segment, CS, SS};

/// A raw 8-byte descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Desc(pub u64);

impl Desc {
    /// Base address.
    pub fn base(self) -> u32 {
        (((self.0 >> 16) & 0xFF_FFFF) | (((self.0 >> 56) & 0xFF) << 24)) as u32
    }
    /// Limit in bytes, granularity applied.
    pub fn limit(self) -> u32 {
        let l = ((self.0 & 0xFFFF) | (((self.0 >> 48) & 0xF) << 16)) as u32;
        if self.0 & (1 << 55) != 0 {
            (l << 12) | 0xFFF
        } else {
            l
        }
    }
    /// Access byte and flags nibble, as in [`Segment::attr`].
    pub fn attr(self) -> u16 {
        (((self.0 >> 40) & 0xFF) | (((self.0 >> 52) & 0xF) << 12)) as u16
    }
    /// Present bit.
    pub fn present(self) -> bool {
        self.attr() & attr::P != 0
    }
    /// Descriptor privilege level.
    pub fn dpl(self) -> u8 {
        ((self.attr() >> 5) & 3) as u8
    }
    /// Code or data (S = 1) rather than a system descriptor.
    pub fn is_seg(self) -> bool {
        self.attr() & attr::S != 0
    }
    /// A code segment.
    pub fn is_code(self) -> bool {
        self.is_seg() && self.attr() & attr::CODE != 0
    }
    /// A conforming code segment.
    pub fn conforming(self) -> bool {
        self.is_code() && self.attr() & attr::DC != 0
    }
    /// Readable code or any data segment.
    pub fn readable(self) -> bool {
        self.is_seg() && (self.attr() & attr::CODE == 0 || self.attr() & attr::RW != 0)
    }
    /// Writable data segment.
    pub fn writable_data(self) -> bool {
        self.is_seg() && self.attr() & attr::CODE == 0 && self.attr() & attr::RW != 0
    }
    /// System descriptor type (low 4 bits of the access byte).
    pub fn sys_type(self) -> u8 {
        (self.attr() & 0xF) as u8
    }
    /// Gate fields: target selector.
    pub fn gate_selector(self) -> u16 {
        (self.0 >> 16) as u16
    }
    /// Gate fields: target offset (high half used by 32-bit gates only).
    pub fn gate_offset(self) -> u32 {
        ((self.0 & 0xFFFF) | ((self.0 >> 32) & 0xFFFF_0000)) as u32
    }
    /// Call gate parameter count.
    pub fn gate_params(self) -> u32 {
        ((self.0 >> 32) & 0x1F) as u32
    }
    /// The hidden-cache image of this descriptor for selector `sel`.
    pub fn to_segment(self, sel: u16) -> Segment {
        let mut s = Segment {
            selector: sel,
            base: self.base(),
            limit: self.limit(),
            attr: self.attr(),
            ..Segment::default()
        };
        s.refresh();
        s
    }
}

impl Cpu {
    /// Fetch the descriptor for `sel` from the GDT or LDT; #GP(sel) beyond the table limit.
    pub fn read_desc(&mut self, sys: &mut Sys, sel: u16) -> Result<Desc, Fault> {
        let (base, limit) = if sel & 4 != 0 {
            if self.ldtr.selector & !3 == 0 || self.ldtr.attr & attr::P == 0 {
                return Err(Fault::GP(sel & !3));
            }
            (self.ldtr.base, self.ldtr.limit)
        } else {
            (self.gdtr.base, u32::from(self.gdtr.limit))
        };
        let off = u32::from(sel & !7);
        if off + 7 > limit {
            return Err(Fault::GP(sel & !3));
        }
        let lo = self.lin_rd::<crate::width::D32>(sys, base.wrapping_add(off), false)?;
        let hi = self.lin_rd::<crate::width::D32>(sys, base.wrapping_add(off + 4), false)?;
        Ok(Desc(u64::from(lo) | (u64::from(hi) << 32)))
    }

    /// Set the accessed bit of a code/data descriptor in memory, if clear.
    pub fn set_desc_accessed(&mut self, sys: &mut Sys, sel: u16, d: Desc) -> Result<(), Fault> {
        if d.attr() & attr::ACCESSED != 0 {
            return Ok(());
        }
        let base = if sel & 4 != 0 {
            self.ldtr.base
        } else {
            self.gdtr.base
        };
        let addr = base.wrapping_add(u32::from(sel & !7) + 5);
        let b = self.lin_rd::<crate::width::B8>(sys, addr, false)?;
        self.lin_wr::<crate::width::B8>(sys, addr, b | 1, false)
    }

    /// MOV/POP to a data segment register or SS, with every protected-mode check
    /// (SDM vol. 2, MOV: "Loading a segment register while in protected mode").
    pub fn load_seg(&mut self, sys: &mut Sys, seg: usize, sel: u16) -> Result<(), Fault> {
        if !self.prot() {
            let v86 = self.v86();
            let s = &mut self.segs[seg];
            s.selector = sel;
            s.base = u32::from(sel) << 4;
            if v86 {
                s.limit = 0xFFFF;
                s.attr = attr::P | attr::S | attr::RW | attr::ACCESSED | (3 << 5);
            }
            s.refresh_real();
            if seg == SS {
                self.inhibit = true;
                self.brk = true;
            }
            return Ok(());
        }
        if sel & !3 == 0 {
            if seg == SS {
                return Err(Fault::GP(0));
            }
            self.segs[seg] = Segment {
                selector: sel,
                ..Segment::default()
            };
            self.segs[seg].refresh();
            return Ok(());
        }
        let d = self.read_desc(sys, sel)?;
        let rpl = (sel & 3) as u8;
        let err = sel & !3;
        if seg == SS {
            if rpl != self.cpl || d.dpl() != self.cpl || !d.writable_data() {
                return Err(Fault::GP(err));
            }
            if !d.present() {
                return Err(Fault::SS(err));
            }
        } else {
            if !d.readable() {
                return Err(Fault::GP(err));
            }
            if !d.conforming() && (rpl > d.dpl() || self.cpl > d.dpl()) {
                return Err(Fault::GP(err));
            }
            if !d.present() {
                return Err(Fault::NP(err));
            }
        }
        self.set_desc_accessed(sys, sel, d)?;
        self.segs[seg] = Desc(d.0 | (1 << 40)).to_segment(sel);
        if seg == SS {
            self.inhibit = true;
            self.brk = true;
        }
        Ok(())
    }

    /// Load CS for a control transfer to `sel` whose descriptor `d` passed the caller's
    /// checks, at privilege `cpl`. Changing CS.D or CPL ends the current block.
    pub fn set_cs(&mut self, sys: &mut Sys, sel: u16, d: Desc, cpl: u8) -> Result<(), Fault> {
        self.set_desc_accessed(sys, sel, d)?;
        self.segs[CS] = Desc(d.0 | (1 << 40)).to_segment((sel & !3) | u16::from(cpl));
        self.set_cpl(cpl);
        self.tlb.gen = self.tlb.gen.wrapping_add(1);
        self.brk = true;
        Ok(())
    }

    /// Load CS in real or V86 mode.
    pub fn set_cs_real(&mut self, sel: u16) {
        let s = &mut self.segs[CS];
        s.selector = sel;
        s.base = u32::from(sel) << 4;
        if self.flags.sys(crate::flags::VM) {
            s.limit = 0xFFFF;
            s.attr = attr::P | attr::S | attr::CODE | attr::RW | attr::ACCESSED | (3 << 5);
        }
        s.refresh_real();
        self.tlb.gen = self.tlb.gen.wrapping_add(1);
        self.brk = true;
    }

    /// Change CPL.
    pub fn set_cpl(&mut self, cpl: u8) {
        self.cpl = cpl;
    }

    /// Validate the code segment of a far JMP/CALL/RET/IRET target for a same-privilege or
    /// outward transfer: returns the descriptor. Gates and TSSs are handled by the caller.
    pub fn check_code_desc(&mut self, sys: &mut Sys, sel: u16) -> Result<Desc, Fault> {
        if sel & !3 == 0 {
            return Err(Fault::GP(0));
        }
        let d = self.read_desc(sys, sel)?;
        if !d.is_code() {
            return Err(Fault::GP(sel & !3));
        }
        Ok(d)
    }

    /// After a privilege change to an outer level (RET/IRET): data segment registers that the
    /// new CPL may not use become null (SDM vol. 3, 5.8.6).
    pub fn null_invalid_segs(&mut self) {
        for seg in [
            crate::state::ES,
            crate::state::DS,
            crate::state::FS,
            crate::state::GS,
        ] {
            let s = self.segs[seg];
            let data_or_nc = s.attr & attr::CODE == 0 || s.attr & attr::DC == 0;
            if s.selector & !3 != 0 && data_or_nc && s.dpl() < self.cpl {
                self.segs[seg] = Segment::default();
                self.segs[seg].refresh();
            } else if s.selector & !3 == 0 {
                self.segs[seg].rw = 0;
            }
        }
    }

    /// Reload every segment's access fields for the current mode (after CR0.PE changes).
    pub(crate) fn refresh_segs_for_mode(&mut self) {
        let real = !self.pe();
        for s in self.segs.iter_mut() {
            if real {
                s.refresh_real();
            } else {
                s.refresh();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_fields() {
        // Flat 4 GiB code, DPL 0, 32-bit: 0x00CF9A000000FFFF.
        let d = Desc(0x00CF_9A00_0000_FFFF);
        assert_eq!(d.base(), 0);
        assert_eq!(d.limit(), 0xFFFF_FFFF);
        assert!(d.is_code() && d.readable() && !d.conforming() && d.present());
        assert_eq!(d.dpl(), 0);
        let s = d.to_segment(8);
        assert!(s.big());
        // Byte-granular data at 0x12345678, limit 0xFFF, DPL 3.
        let d = Desc(0x1240_F234_5678_0FFF);
        assert_eq!(d.base(), 0x1234_5678);
        assert_eq!(d.limit(), 0xFFF);
        assert_eq!(d.dpl(), 3);
        assert!(d.writable_data());
    }

    #[test]
    fn expand_down_limits() {
        // Expand-down, writable, 16-bit, limit 0x0FFF: valid offsets 0x1000..=0xFFFF.
        let d = Desc(0x0000_9600_0000_0FFF);
        let s = d.to_segment(0x10);
        assert_eq!((s.lo, s.hi), (0x1000, 0xFFFF));
    }
}
