//! Memory access: segmentation checks, the software TLB with its RAM fast path, the 2-level
//! page walker (4 KiB and 4 MiB pages, A/D bits, U/S, R/W with CR0.WP, global pages), and
//! self-modifying-code tracking.
//!
//! A TLB hit on RAM is one compare and one slice access. A TLB entry grants write permission
//! only when the page is writable RAM, its D bit is already set, and no decoded code lives in
//! it; every other store takes the slow path, which sets D bits and notices code being
//! overwritten (SDM vol. 3, 4.8 and 11.6).

use crate::bus::{PageMap, Sys};
use crate::fault::Fault;
use crate::state::{cr0, cr4, Cpu, SS};
use crate::width::Width;

const TLB_BITS: u32 = 10;
const TLB_SIZE: usize = 1 << TLB_BITS;
const NOT_RAM: u32 = u32::MAX;

/// Supervisor read permission in a TLB entry.
const R_SUP: u8 = 1;
/// Supervisor write permission.
const W_SUP: u8 = 2;
/// User read permission.
const R_USR: u8 = 4;
/// User write permission.
const W_USR: u8 = 8;

/// Page-fault error code bits.
pub mod pf {
    /// The fault was a protection violation (page present).
    pub const P: u32 = 1;
    /// The access was a write.
    pub const W: u32 = 2;
    /// The access was made at CPL 3.
    pub const U: u32 = 4;
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct TlbEntry {
    /// Linear page address | 1 when valid, 0 when empty.
    tag: u32,
    /// R_SUP | W_SUP | R_USR | W_USR: what may use the fast path.
    perm: u8,
    /// The translation came from a global PTE (survives CR3 writes).
    global: bool,
    /// Offset of the page in the RAM slice, or NOT_RAM.
    ram: u32,
}

const EMPTY: TlbEntry = TlbEntry {
    tag: 0,
    perm: 0,
    global: false,
    ram: NOT_RAM,
};

/// Bytes [`lo`, `hi`) of RAM page `page` (a RAM offset) were written while they held code.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SmcWrite {
    pub(crate) page: u32,
    pub(crate) lo: u16,
    pub(crate) hi: u16,
}

/// The software TLB plus the code-page map used for self-modifying-code detection.
pub(crate) struct Tlb {
    e: Box<[TlbEntry; TLB_SIZE]>,
    /// One 64-bit mask per RAM page: bit n = 64-byte line n holds decoded code.
    code: Vec<u64>,
    /// Code overwritten since the cache last looked: per RAM page, the hull of the bytes
    /// written (one entry per page).
    pub(crate) smc: Vec<SmcWrite>,
    /// Bumped whenever a cached fetch decision may have become stale (any TLB flush, a CS
    /// load, dropped blocks): block chains recorded under an older generation are ignored.
    pub(crate) gen: u32,
}

impl Tlb {
    pub(crate) fn new(ram_bytes: usize) -> Tlb {
        Tlb {
            e: Box::new([EMPTY; TLB_SIZE]),
            code: vec![0; ram_bytes.div_ceil(4096)],
            smc: Vec::with_capacity(16),
            gen: 0,
        }
    }

    pub(crate) fn flush_all(&mut self) {
        self.gen = self.gen.wrapping_add(1);
        self.e.fill(EMPTY);
    }

    fn flush_non_global(&mut self) {
        self.gen = self.gen.wrapping_add(1);
        for e in self.e.iter_mut() {
            if !e.global {
                *e = EMPTY;
            }
        }
    }

    fn flush_page(&mut self, lin: u32) {
        self.gen = self.gen.wrapping_add(1);
        let e = &mut self.e[(lin >> 12) as usize & (TLB_SIZE - 1)];
        if e.tag & !0xFFF == lin & !0xFFF {
            *e = EMPTY;
        }
    }

    /// Mark bytes [`ram_off`, `ram_off + len`) as holding decoded code.
    pub(crate) fn mark_code(&mut self, ram_off: u32, len: u32) {
        let mut a = ram_off;
        let end = ram_off.saturating_add(len.max(1));
        while a < end {
            let page = (a >> 12) as usize;
            let Some(mask) = self.code.get_mut(page) else {
                return;
            };
            let was_clean = *mask == 0;
            let page_end = ((a & !0xFFF) + 0x1000).min(end);
            let first = (a & 0xFFF) >> 6;
            let last = ((page_end - 1) & 0xFFF) >> 6;
            for line in first..=last {
                *mask |= 1 << line;
            }
            if was_clean {
                // Existing translations must stop writing this page directly.
                let base = a & !0xFFF;
                for e in self.e.iter_mut() {
                    if e.ram == base {
                        e.perm &= !(W_SUP | W_USR);
                    }
                }
            }
            a = page_end;
        }
    }

    /// Forget the code marks of a RAM page (its blocks were invalidated).
    pub(crate) fn clear_code(&mut self, ram_page: u32) {
        self.set_code_lines(ram_page, 0);
    }

    /// Set the code marks of a RAM page to `mask` (after some of its blocks were dropped).
    /// The lines in `mask` must have been marked before: no translation can have gained
    /// direct writes to them meanwhile, so the TLB needs no change.
    pub(crate) fn set_code_lines(&mut self, ram_page: u32, mask: u64) {
        if let Some(m) = self.code.get_mut((ram_page >> 12) as usize) {
            debug_assert_eq!(mask & !*m, 0);
            *m = mask;
        }
    }

    /// Does a store to [`ram_off`, `ram_off + len`) hit decoded code?
    #[inline]
    fn hits_code(&self, ram_off: u32, len: u32) -> bool {
        let page = (ram_off >> 12) as usize;
        let Some(&mask) = self.code.get(page) else {
            return false;
        };
        if mask == 0 {
            return false;
        }
        let first = (ram_off & 0xFFF) >> 6;
        let last = ((ram_off + len - 1) & 0xFFF) >> 6;
        (first..=last).any(|l| mask & (1 << l) != 0)
    }
}

/// What kind of access a translation is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Data read.
    Read,
    /// Data write.
    Write,
    /// Instruction fetch.
    Exec,
}

/// A completed translation.
#[derive(Clone, Copy, Debug)]
pub struct Phys {
    /// Physical address (A20 applied).
    pub addr: u32,
    /// RAM slice offset of the byte, if the page is RAM.
    pub ram: Option<u32>,
    /// The RAM page may be written directly.
    pub ram_writable: bool,
}

impl Cpu {
    /// The segment-limit/type fault for segment register `seg`.
    #[cold]
    fn seg_fault(&self, seg: usize) -> Fault {
        if seg == SS {
            Fault::SS(0)
        } else {
            Fault::GP(0)
        }
    }

    /// Check an access of `W` at `off` in segment `seg` and return the linear address.
    #[inline(always)]
    pub fn seg_lin<W: Width>(&self, seg: usize, off: u32, write: bool) -> Result<u32, Fault> {
        let s = &self.segs[seg];
        let need = if write { 2 } else { 1 };
        let end = off.wrapping_add(W::BYTES - 1);
        if s.rw & need == 0 || off < s.lo || end > s.hi || end < off {
            return Err(self.seg_fault(seg));
        }
        Ok(s.base.wrapping_add(off))
    }

    /// Check an access of `len` bytes (any length) at `off` in segment `seg`.
    pub fn seg_lin_len(&self, seg: usize, off: u32, len: u32, write: bool) -> Result<u32, Fault> {
        let s = &self.segs[seg];
        let need = if write { 2 } else { 1 };
        let end = off.wrapping_add(len.max(1) - 1);
        if s.rw & need == 0 || off < s.lo || end > s.hi || end < off {
            return Err(self.seg_fault(seg));
        }
        Ok(s.base.wrapping_add(off))
    }

    /// Instruction-fetch fast path: the RAM offset of linear address `lin` if the TLB has a
    /// readable RAM translation for it at the current privilege.
    #[inline(always)]
    pub(crate) fn fetch_fast(&self, lin: u32) -> Option<u32> {
        let e = &self.tlb.e[(lin >> 12) as usize & (TLB_SIZE - 1)];
        let need = if self.cpl == 3 { R_USR } else { R_SUP };
        if e.tag == (lin & !0xFFF) | 1 && e.perm & need != 0 {
            Some(e.ram + (lin & 0xFFF))
        } else {
            None
        }
    }

    /// Read `W` at offset `off` of segment `seg`.
    #[inline(always)]
    pub fn rd<W: Width>(&mut self, sys: &mut Sys, seg: usize, off: u32) -> Result<u32, Fault> {
        let lin = self.seg_lin::<W>(seg, off, false)?;
        self.lin_rd::<W>(sys, lin, self.cpl == 3)
    }

    /// Write `W` at offset `off` of segment `seg`.
    #[inline(always)]
    pub fn wr<W: Width>(
        &mut self,
        sys: &mut Sys,
        seg: usize,
        off: u32,
        v: u32,
    ) -> Result<(), Fault> {
        let lin = self.seg_lin::<W>(seg, off, true)?;
        self.lin_wr::<W>(sys, lin, v, self.cpl == 3)
    }

    /// Read `W` at a linear address, as a user (`user`) or supervisor access.
    #[inline(always)]
    pub fn lin_rd<W: Width>(&mut self, sys: &mut Sys, lin: u32, user: bool) -> Result<u32, Fault> {
        let e = &self.tlb.e[(lin >> 12) as usize & (TLB_SIZE - 1)];
        let need = if user { R_USR } else { R_SUP };
        let off = lin & 0xFFF;
        if e.tag == (lin & !0xFFF) | 1 && e.perm & need != 0 && off <= 0x1000 - W::BYTES {
            let i = (e.ram + off) as usize;
            if let Some(b) = sys.ram.get(i..i + W::BYTES as usize) {
                return Ok(match W::BYTES {
                    1 => u32::from(b[0]),
                    2 => u32::from(u16::from_le_bytes([b[0], b[1]])),
                    _ => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                });
            }
        }
        self.lin_rd_slow(sys, lin, W::BYTES, user)
    }

    /// Write `W` at a linear address.
    #[inline(always)]
    pub fn lin_wr<W: Width>(
        &mut self,
        sys: &mut Sys,
        lin: u32,
        v: u32,
        user: bool,
    ) -> Result<(), Fault> {
        let e = &self.tlb.e[(lin >> 12) as usize & (TLB_SIZE - 1)];
        let need = if user { W_USR } else { W_SUP };
        let off = lin & 0xFFF;
        if e.tag == (lin & !0xFFF) | 1 && e.perm & need != 0 && off <= 0x1000 - W::BYTES {
            let i = (e.ram + off) as usize;
            if let Some(b) = sys.ram.get_mut(i..i + W::BYTES as usize) {
                b.copy_from_slice(&v.to_le_bytes()[..W::BYTES as usize]);
                return Ok(());
            }
        }
        self.lin_wr_slow(sys, lin, W::BYTES, v, user)
    }

    #[cold]
    #[inline(never)]
    fn lin_rd_slow(&mut self, sys: &mut Sys, lin: u32, len: u32, user: bool) -> Result<u32, Fault> {
        if (lin & 0xFFF) + len > 0x1000 {
            // Split across pages: translate both before touching anything.
            let first = 0x1000 - (lin & 0xFFF);
            let p1 = self.translate(sys, lin, Access::Read, user)?;
            let p2 = self.translate(sys, lin.wrapping_add(first), Access::Read, user)?;
            let mut v = 0u32;
            for i in 0..len {
                let p = if i < first {
                    p1.addr + i
                } else {
                    p2.addr + (i - first)
                };
                v |= self.phys_rd(sys, p, 1) << (8 * i);
            }
            return Ok(v);
        }
        let p = self.translate(sys, lin, Access::Read, user)?;
        Ok(self.phys_rd(sys, p.addr, len as u8))
    }

    #[cold]
    #[inline(never)]
    fn lin_wr_slow(
        &mut self,
        sys: &mut Sys,
        lin: u32,
        len: u32,
        v: u32,
        user: bool,
    ) -> Result<(), Fault> {
        if (lin & 0xFFF) + len > 0x1000 {
            let first = 0x1000 - (lin & 0xFFF);
            let p1 = self.translate(sys, lin, Access::Write, user)?;
            let p2 = self.translate(sys, lin.wrapping_add(first), Access::Write, user)?;
            for i in 0..len {
                let p = if i < first {
                    p1.addr + i
                } else {
                    p2.addr + (i - first)
                };
                self.phys_wr(sys, p, 1, (v >> (8 * i)) & 0xFF);
            }
            return Ok(());
        }
        let p = self.translate(sys, lin, Access::Write, user)?;
        self.phys_wr(sys, p.addr, len as u8, v);
        Ok(())
    }

    /// Read physical memory (`size` 1, 2 or 4, not crossing a page).
    pub fn phys_rd(&mut self, sys: &mut Sys, paddr: u32, size: u8) -> u32 {
        let paddr = paddr & self.a20_mask;
        match sys.bus.map_page(paddr & !0xFFF) {
            PageMap::Ram { offset, .. } => {
                let i = (offset + (paddr & 0xFFF)) as usize;
                let mut v = 0u32;
                for k in 0..size as usize {
                    v |= u32::from(sys.ram.get(i + k).copied().unwrap_or(0xFF)) << (8 * k);
                }
                v
            }
            PageMap::Io => sys.bus.mem_read(paddr, size),
        }
    }

    /// Write physical memory (`size` 1, 2 or 4, not crossing a page), noticing code.
    pub fn phys_wr(&mut self, sys: &mut Sys, paddr: u32, size: u8, v: u32) {
        let paddr = paddr & self.a20_mask;
        match sys.bus.map_page(paddr & !0xFFF) {
            PageMap::Ram {
                offset,
                writable: true,
            } => {
                let o = offset + (paddr & 0xFFF);
                let i = o as usize;
                if let Some(b) = sys.ram.get_mut(i..i + size as usize) {
                    b.copy_from_slice(&v.to_le_bytes()[..size as usize]);
                }
                if self.tlb.hits_code(o, u32::from(size)) {
                    self.code_written(o, u32::from(size));
                }
            }
            _ => sys.bus.mem_write(paddr, size, v),
        }
    }

    /// RAM [`ram_off`, `ram_off + len`) (within one page) was written while it held decoded
    /// code: the cache must drop the blocks that overlap it.
    fn code_written(&mut self, ram_off: u32, len: u32) {
        let page = ram_off & !0xFFF;
        let lo = (ram_off & 0xFFF) as u16;
        let hi = ((ram_off & 0xFFF) + len).min(0x1000) as u16;
        match self.tlb.smc.iter_mut().find(|w| w.page == page) {
            Some(w) => {
                w.lo = w.lo.min(lo);
                w.hi = w.hi.max(hi);
            }
            None => self.tlb.smc.push(crate::mmu::SmcWrite { page, lo, hi }),
        }
        self.stats.smc_writes += 1;
        self.brk = true;
    }

    /// Something outside the CPU (DMA, a loader, the other engine) wrote RAM
    /// [`start`, `start + len`): drop decoded code there.
    pub fn invalidate_ram(&mut self, start: u32, len: u32) {
        let mut p = start & !0xFFF;
        let end = start.saturating_add(len);
        while p < end {
            if self
                .tlb
                .code
                .get((p >> 12) as usize)
                .is_some_and(|m| *m != 0)
            {
                let lo = start.max(p);
                let hi = end.min(p.saturating_add(0x1000));
                self.code_written(lo, hi - lo);
            }
            p = match p.checked_add(0x1000) {
                Some(n) => n,
                None => break,
            };
        }
    }

    /// Translate a linear address, filling the TLB. Checks page permissions for `acc` at
    /// user (`user`) or supervisor level; sets accessed/dirty bits.
    pub fn translate(
        &mut self,
        sys: &mut Sys,
        lin: u32,
        acc: Access,
        user: bool,
    ) -> Result<Phys, Fault> {
        let write = acc == Access::Write;
        let (paddr, perm, global) = if self.cr0 & cr0::PG == 0 {
            (lin & self.a20_mask, R_SUP | W_SUP | R_USR | W_USR, false)
        } else {
            self.walk(sys, lin, write, user)?
        };
        let page = paddr & !0xFFF;
        let (ram, mut perm, ram_writable) = match sys.bus.map_page(page) {
            PageMap::Ram { offset, writable } => {
                let mut p = perm;
                if !writable
                    || self
                        .tlb
                        .code
                        .get((offset >> 12) as usize)
                        .is_some_and(|m| *m != 0)
                {
                    p &= !(W_SUP | W_USR);
                }
                (offset, p, writable)
            }
            PageMap::Io => (NOT_RAM, 0, false),
        };
        if ram as usize >= sys.ram.len() {
            perm = 0;
        }
        if perm != 0 {
            self.tlb.e[(lin >> 12) as usize & (TLB_SIZE - 1)] = TlbEntry {
                tag: (lin & !0xFFF) | 1,
                perm,
                global,
                ram,
            };
        }
        Ok(Phys {
            addr: paddr,
            ram: (ram != NOT_RAM).then(|| ram + (lin & 0xFFF)),
            ram_writable,
        })
    }

    /// The 2-level page walk (SDM vol. 3, 4.3). Returns the physical address, the TLB
    /// permissions it allows, and whether the mapping is global.
    fn walk(
        &mut self,
        sys: &mut Sys,
        lin: u32,
        write: bool,
        user: bool,
    ) -> Result<(u32, u8, bool), Fault> {
        self.stats.page_walks += 1;
        let err_base = if write { pf::W } else { 0 } | if user { pf::U } else { 0 };
        let pde_addr = (self.cr3 & !0xFFF) | ((lin >> 22) << 2);
        let pde = self.phys_rd(sys, pde_addr, 4);
        if pde & 1 == 0 {
            return Err(self.page_fault(lin, err_base));
        }
        let wp = self.cr0 & cr0::WP != 0;
        let pse = self.cr4 & cr4::PSE != 0 && pde & 0x80 != 0;
        let (entry_addr, entry, rw, us) = if pse {
            (pde_addr, pde, pde & 2 != 0, pde & 4 != 0)
        } else {
            let pte_addr = (pde & !0xFFF) | (((lin >> 12) & 0x3FF) << 2);
            let pte = self.phys_rd(sys, pte_addr, 4);
            if pte & 1 == 0 {
                return Err(self.page_fault(lin, err_base));
            }
            (pte_addr, pte, pde & pte & 2 != 0, pde & pte & 4 != 0)
        };
        // Permission check (SDM vol. 3, 4.6).
        let allowed = if user {
            us && (!write || rw)
        } else {
            !write || rw || !wp
        };
        if !allowed {
            return Err(self.page_fault(lin, err_base | pf::P));
        }
        // Accessed bits, and the dirty bit on a write.
        if !pse && pde & 0x20 == 0 {
            self.phys_wr(sys, pde_addr, 4, pde | 0x20);
        }
        let want = entry | 0x20 | if write { 0x40 } else { 0 };
        if want != entry {
            self.phys_wr(sys, entry_addr, 4, want);
        }
        let dirty = want & 0x40 != 0;
        let mut perm = R_SUP;
        if dirty && (rw || !wp) {
            perm |= W_SUP;
        }
        if us {
            perm |= R_USR;
            if dirty && rw {
                perm |= W_USR;
            }
        }
        let global = self.cr4 & cr4::PGE != 0 && entry & 0x100 != 0;
        let paddr = if pse {
            (entry & 0xFFC0_0000) | (lin & 0x003F_FFFF)
        } else {
            (entry & !0xFFF) | (lin & 0xFFF)
        };
        Ok((paddr & self.a20_mask, perm, global))
    }

    #[cold]
    fn page_fault(&mut self, lin: u32, err: u32) -> Fault {
        self.stats.page_faults += 1;
        Fault::PF { addr: lin, err }
    }

    /// Flush the whole TLB (CR0.PG/WP changes, CR4 paging bits, A20 toggles, task switches).
    pub fn flush_tlb(&mut self) {
        self.tlb.flush_all();
    }

    /// CR3 was written: flush all non-global translations.
    pub fn flush_tlb_non_global(&mut self) {
        self.tlb.flush_non_global();
    }

    /// INVLPG.
    pub fn flush_tlb_page(&mut self, lin: u32) {
        self.tlb.flush_page(lin);
    }

    /// Change the A20 gate; physical aliasing changes, so translations are flushed.
    pub fn set_a20(&mut self, enabled: bool) {
        let m = if enabled { 0xFFFF_FFFF } else { 0xFFEF_FFFF };
        if m != self.a20_mask {
            self.a20_mask = m;
            self.tlb.flush_all();
            self.brk = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::CpuBus;
    use crate::width::D32;

    struct FlatBus;
    impl CpuBus for FlatBus {
        fn map_page(&mut self, paddr: u32) -> PageMap {
            if paddr < 0x40_0000 {
                PageMap::Ram {
                    offset: paddr,
                    writable: true,
                }
            } else {
                PageMap::Io
            }
        }
        fn mem_read(&mut self, _: u32, _: u8) -> u32 {
            0xFFFF_FFFF
        }
        fn mem_write(&mut self, _: u32, _: u8, _: u32) {}
        fn io_in(&mut self, _: u16, _: u8) -> u32 {
            0xFFFF_FFFF
        }
        fn io_out(&mut self, _: u16, _: u8, _: u32) {}
        fn intr_pending(&mut self) -> bool {
            false
        }
        fn intr_ack(&mut self) -> u8 {
            0
        }
        fn now_ns(&self) -> u64 {
            0
        }
        fn wants_stop(&mut self) -> bool {
            false
        }
    }

    fn put(ram: &mut [u8], a: u32, v: u32) {
        ram[a as usize..a as usize + 4].copy_from_slice(&v.to_le_bytes());
    }
    fn get(ram: &[u8], a: u32) -> u32 {
        u32::from_le_bytes(ram[a as usize..a as usize + 4].try_into().unwrap())
    }

    /// Page directory at 0x1000, one page table at 0x2000 mapping linear 0x400000+.
    fn paged() -> (Cpu, Vec<u8>) {
        let mut cpu = Cpu::new(0x40_0000);
        let mut ram = vec![0u8; 0x40_0000];
        put(&mut ram, 0x1000 + 4, 0x2000 | 7); // PDE 1: present, writable, user
        put(&mut ram, 0x2000, 0x5000 | 1); // supervisor read-only page
        put(&mut ram, 0x2004, 0x6000 | 7); // user writable page
        put(&mut ram, 0x1000 + 8, 0x0080_0000 | 0x83); // 4 MiB page, supervisor, writable
        cpu.cr3 = 0x1000;
        cpu.cr0 |= cr0::PG | cr0::PE;
        (cpu, ram)
    }

    #[test]
    fn page_fault_error_codes() {
        let (mut cpu, mut ram) = paged();
        let mut bus = FlatBus;
        let mut sys = Sys {
            ram: &mut ram,
            bus: &mut bus,
        };
        // Not present: P=0.
        assert_eq!(
            cpu.lin_rd::<D32>(&mut sys, 0x0000_0000, false),
            Err(Fault::PF { addr: 0, err: 0 })
        );
        assert_eq!(
            cpu.lin_wr::<D32>(&mut sys, 0x0040_3000, 1, true),
            Err(Fault::PF {
                addr: 0x40_3000,
                err: pf::W | pf::U
            })
        );
        // User read of a supervisor page: P=1, U=1.
        assert_eq!(
            cpu.lin_rd::<D32>(&mut sys, 0x0040_0000, true),
            Err(Fault::PF {
                addr: 0x40_0000,
                err: pf::P | pf::U
            })
        );
        // Supervisor write to a read-only page: allowed without WP, a fault with WP.
        assert!(cpu.lin_wr::<D32>(&mut sys, 0x0040_0000, 5, false).is_ok());
        cpu.cr0 |= cr0::WP;
        cpu.flush_tlb();
        assert_eq!(
            cpu.lin_wr::<D32>(&mut sys, 0x0040_0000, 5, false),
            Err(Fault::PF {
                addr: 0x40_0000,
                err: pf::P | pf::W
            })
        );
        // User write to a user writable page works and sets A and D.
        assert!(cpu
            .lin_wr::<D32>(&mut sys, 0x0040_1004, 0xAABB, true)
            .is_ok());
        assert_eq!(get(sys.ram, 0x6004), 0xAABB);
        assert_eq!(get(sys.ram, 0x2004) & 0x60, 0x60);
        assert_eq!(get(sys.ram, 0x1004) & 0x20, 0x20);
    }

    #[test]
    fn large_pages_need_pse() {
        let (mut cpu, mut ram) = paged();
        let mut bus = FlatBus;
        let mut sys = Sys {
            ram: &mut ram,
            bus: &mut bus,
        };
        put(sys.ram, 0x30_1234, 0x1122_3344);
        cpu.cr4 |= cr4::PSE;
        // Linear 0x800000 + 0x301234 maps to physical 0x800000 + ... out of RAM: use offset
        // inside RAM by mapping the 4 MiB page at physical 0.
        put(sys.ram, 0x1000 + 8, 0x83);
        assert_eq!(
            cpu.lin_rd::<D32>(&mut sys, 0x0080_0000 + 0x30_1234, false),
            Ok(0x1122_3344)
        );
        // The same PDE without PSE points at a page table at physical 0.
        cpu.cr4 &= !cr4::PSE;
        cpu.flush_tlb();
        assert!(cpu
            .lin_rd::<D32>(&mut sys, 0x0080_0000 + 0x30_1234, false)
            .is_err());
    }

    #[test]
    fn invlpg_and_cr3_reload_are_observable() {
        let (mut cpu, mut ram) = paged();
        let mut bus = FlatBus;
        let mut sys = Sys {
            ram: &mut ram,
            bus: &mut bus,
        };
        put(sys.ram, 0x6000, 111);
        put(sys.ram, 0x7000, 222);
        assert_eq!(cpu.lin_rd::<D32>(&mut sys, 0x40_1000, false), Ok(111));
        put(sys.ram, 0x2004, 0x7000 | 7);
        assert_eq!(
            cpu.lin_rd::<D32>(&mut sys, 0x40_1000, false),
            Ok(111),
            "stale TLB entry"
        );
        cpu.flush_tlb_page(0x40_1000);
        assert_eq!(cpu.lin_rd::<D32>(&mut sys, 0x40_1000, false), Ok(222));
        put(sys.ram, 0x2004, 0x6000 | 7 | 0x100);
        cpu.flush_tlb_non_global();
        cpu.cr4 |= cr4::PGE;
        assert_eq!(cpu.lin_rd::<D32>(&mut sys, 0x40_1000, false), Ok(111));
        put(sys.ram, 0x2004, 0x7000 | 7);
        cpu.flush_tlb_non_global();
        assert_eq!(
            cpu.lin_rd::<D32>(&mut sys, 0x40_1000, false),
            Ok(111),
            "global entry survives CR3 reload"
        );
        cpu.flush_tlb();
        assert_eq!(cpu.lin_rd::<D32>(&mut sys, 0x40_1000, false), Ok(222));
    }
}
