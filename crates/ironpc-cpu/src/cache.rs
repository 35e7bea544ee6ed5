//! The decode-once cache. A block is a run of up to 32 decoded instructions starting at a
//! physical address, for one code bitness, ending at any control transfer or at the end of
//! the page. Blocks live in a bump arena that is flushed whole when full (no per-block frees);
//! a direct-mapped table finds them. Each RAM page remembers its blocks and the bytes they
//! cover, so a store into code (seen by the MMU's code-line marks) drops exactly the blocks
//! that overlap the bytes written; the page's other blocks stay.

use std::collections::HashMap;

use iced_x86::{Decoder, DecoderError, DecoderOptions, FlowControl, Instruction};

use crate::bus::{PageMap, Sys};
use crate::uop::Uop;
use crate::Cpu;

/// Instructions per block at most.
pub const MAX_BLOCK: usize = 32;
const MAP_BITS: u32 = 14;
const MAP_SIZE: usize = 1 << MAP_BITS;
/// Uops in the arena before a flush.
const ARENA: usize = 1 << 17;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Block {
    key: u64,
    pub(crate) first: u32,
    pub(crate) n: u16,
    /// Bytes the block covers (for the CS-limit check).
    pub(crate) bytes: u16,
    valid: bool,
    /// The last two successors: linear EIP, block index, TLB generation when recorded.
    pub(crate) next: [Chain; 2],
}

/// A remembered successor of a block.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Chain {
    pub(crate) lin: u32,
    pub(crate) id: u32,
    pub(crate) gen: u32,
}

const NO_CHAIN: Chain = Chain {
    lin: 0,
    id: NO_BLOCK,
    gen: 0,
};

/// The cache of decoded blocks.
pub struct CodeCache {
    map: Box<[u32]>,
    pub(crate) blocks: Vec<Block>,
    pub(crate) uops: Vec<Uop>,
    /// Per RAM page: its blocks (index, first byte in the page, bytes).
    page_blocks: HashMap<u32, Vec<PageBlock>>,
    fetch: Vec<u8>,
    /// Scratch block for an instruction that straddles a page boundary (decoded every time).
    pub(crate) straddle: Option<Uop>,
}

pub(crate) const NO_BLOCK: u32 = u32::MAX;

/// A block as its RAM page knows it: index and the bytes [`start`, `start + bytes`) it covers.
#[derive(Clone, Copy, Debug)]
struct PageBlock {
    id: u32,
    start: u16,
    bytes: u16,
}

impl PageBlock {
    /// The 64-byte lines of the page the block covers (as the MMU marks them).
    fn lines(&self) -> u64 {
        let first = u32::from(self.start) >> 6;
        let last = (u32::from(self.start) + u32::from(self.bytes).max(1) - 1).min(0xFFF) >> 6;
        let n = last - first + 1;
        let ones = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
        ones << first
    }
}

impl Default for CodeCache {
    fn default() -> Self {
        Self::new()
    }
}

impl CodeCache {
    /// An empty cache with its arena reserved up front (the run loop never allocates).
    pub fn new() -> CodeCache {
        CodeCache {
            map: vec![NO_BLOCK; MAP_SIZE].into_boxed_slice(),
            blocks: Vec::with_capacity(ARENA / 4),
            uops: Vec::with_capacity(ARENA + MAX_BLOCK),
            page_blocks: HashMap::new(),
            fetch: Vec::with_capacity(4096 + 16),
            straddle: None,
        }
    }

    fn slot(key: u64) -> usize {
        let h = (key ^ (key >> 13) ^ (key >> 27)).wrapping_mul(0x9E37_79B9);
        (h as usize) & (MAP_SIZE - 1)
    }

    /// Drop everything (mode changes that blocks baked in, arena full).
    pub fn flush(&mut self, cpu: &mut Cpu) {
        cpu.tlb.gen = cpu.tlb.gen.wrapping_add(1);
        self.map.fill(NO_BLOCK);
        self.blocks.clear();
        self.uops.clear();
        for (page, _) in self.page_blocks.drain() {
            cpu.tlb.clear_code(page);
        }
        cpu.stats.cache_flushes += 1;
    }

    /// Drop the blocks whose bytes were overwritten; the other blocks of their pages stay
    /// (code that patches its own immediates, like GRUB's real-mode call thunk, would
    /// otherwise have every block of the page decoded again on each call).
    pub fn handle_smc(&mut self, cpu: &mut Cpu) {
        cpu.tlb.gen = cpu.tlb.gen.wrapping_add(1);
        while let Some(w) = cpu.tlb.smc.pop() {
            let Some(list) = self.page_blocks.get_mut(&w.page) else {
                cpu.tlb.clear_code(w.page);
                continue;
            };
            let blocks = &mut self.blocks;
            let map = &self.map;
            let mut lines = 0u64;
            list.retain(|pb| {
                let Some(b) = blocks.get_mut(pb.id as usize) else {
                    return false;
                };
                let end = u32::from(pb.start) + u32::from(pb.bytes).max(1);
                let hit = u32::from(pb.start) < u32::from(w.hi) && u32::from(w.lo) < end;
                // Blocks that another block pushed out of their map slot can no longer be
                // found (and chains die with the generation bumped above): forget them too.
                let keep = !hit && b.valid && map[Self::slot(b.key)] == pb.id;
                if keep {
                    lines |= pb.lines();
                } else {
                    b.valid = false;
                }
                keep
            });
            if list.is_empty() {
                self.page_blocks.remove(&w.page);
            }
            cpu.tlb.set_code_lines(w.page, lines);
        }
    }

    /// Follow `prev`'s chain to the block at linear `lin`, if one was recorded in this
    /// generation.
    #[inline(always)]
    pub(crate) fn chained(&self, prev: u32, lin: u32, gen: u32) -> Option<u32> {
        let b = self.blocks.get(prev as usize)?;
        b.next
            .iter()
            .find(|c| c.lin == lin && c.gen == gen)
            .map(|c| c.id)
    }

    /// Remember that block `next` followed block `prev` at linear `lin`.
    #[inline]
    pub(crate) fn link(&mut self, prev: u32, lin: u32, next: u32, gen: u32) {
        if let Some(b) = self.blocks.get_mut(prev as usize) {
            b.next[1] = b.next[0];
            b.next[0] = Chain { lin, id: next, gen };
        }
    }

    /// Find or decode the block at `phys` for `bitness`. Returns the block index, or
    /// `Ok(None)` when the instruction there straddles a page (then `self.straddle` holds
    /// it, decoded for this one execution).
    pub(crate) fn lookup(
        &mut self,
        cpu: &mut Cpu,
        sys: &mut Sys,
        lin: u32,
        phys: u32,
        ram: Option<u32>,
    ) -> Result<Option<u32>, crate::Fault> {
        let bitness = cpu.bitness();
        // RAM code is keyed by its RAM offset, other code by physical address.
        let key =
            (u64::from(phys) << 2) | (u64::from(ram.is_none()) << 1) | u64::from(bitness == 32);
        let slot = Self::slot(key);
        let id = self.map[slot];
        if let Some(b) = self.blocks.get(id as usize) {
            let cs_hi = cpu.segs[crate::state::CS].hi;
            let last = cpu.eip.wrapping_add(u32::from(b.bytes).max(1) - 1);
            if b.key == key && b.valid && last >= cpu.eip && last <= cs_hi {
                return Ok(Some(id));
            }
        }
        self.decode(cpu, sys, lin, phys, ram, bitness, key, slot)
    }

    #[allow(clippy::too_many_arguments)]
    #[cold]
    fn decode(
        &mut self,
        cpu: &mut Cpu,
        sys: &mut Sys,
        lin: u32,
        phys: u32,
        ram: Option<u32>,
        bitness: u32,
        key: u64,
        slot: usize,
    ) -> Result<Option<u32>, crate::Fault> {
        if self.uops.len() + MAX_BLOCK > ARENA {
            self.flush(cpu);
        }
        cpu.stats.blocks_decoded += 1;
        // The bytes from `phys` to the end of its page.
        let page_left = 0x1000 - (phys & 0xFFF) as usize;
        self.fetch.clear();
        match ram {
            Some(off) if sys.ram.len() >= off as usize + page_left => {
                self.fetch
                    .extend_from_slice(&sys.ram[off as usize..off as usize + page_left]);
            }
            _ => {
                for i in 0..page_left as u32 {
                    let b = cpu.phys_rd(sys, phys + i, 1) as u8;
                    self.fetch.push(b);
                }
            }
        }
        let eip = cpu.eip;
        let cs_hi = cpu.segs[crate::state::CS].hi;
        let mut dec = Decoder::with_ip(bitness, &self.fetch, u64::from(eip), DecoderOptions::NONE);
        let first = self.uops.len() as u32;
        let mut ins = Instruction::default();
        let mut bytes = 0u32;
        let mut n = 0usize;
        while n < MAX_BLOCK {
            let pos = dec.position();
            dec.decode_out(&mut ins);
            if ins.is_invalid() && dec.last_error() == DecoderError::NoMoreBytes {
                if n == 0 {
                    // The first instruction runs off the page: decode it alone, every time.
                    self.straddle = Some(self.decode_straddle(cpu, sys, lin, bitness)?);
                    return Ok(None);
                }
                break;
            }
            let end = eip.wrapping_add(pos as u32 + ins.len() as u32 - 1);
            let end = if bitness == 16 { end & 0xFFFF } else { end };
            if end > cs_hi && n > 0 {
                break; // the rest is beyond the CS limit: fault when reached
            }
            let u = Uop::new(&ins, crate::table::handler(&ins));
            self.uops.push(u);
            n += 1;
            bytes = (pos + ins.len()) as u32;
            if ends_block(&ins) {
                break;
            }
            // 16-bit code wraps at 64 KiB: a new block starts at IP 0.
            if bitness == 16 && eip.wrapping_add(bytes) > 0xFFFF {
                break;
            }
        }
        let id = self.blocks.len() as u32;
        self.blocks.push(Block {
            key,
            first,
            n: n as u16,
            bytes: bytes as u16,
            valid: true,
            next: [NO_CHAIN; 2],
        });
        if let Some(off) = ram {
            self.map[slot] = id;
            cpu.tlb.mark_code(off, bytes);
            self.page_blocks
                .entry(off & !0xFFF)
                .or_default()
                .push(PageBlock {
                    id,
                    start: (off & 0xFFF) as u16,
                    bytes: bytes as u16,
                });
        } else {
            // Code outside RAM (MMIO, unmapped) cannot be watched for writes: use the block
            // once and decode it again next time.
            self.map[slot] = NO_BLOCK;
        }
        Ok(Some(id))
    }

    /// Decode one instruction whose bytes cross into the next page.
    fn decode_straddle(
        &mut self,
        cpu: &mut Cpu,
        sys: &mut Sys,
        lin: u32,
        bitness: u32,
    ) -> Result<Uop, crate::Fault> {
        let mut buf = [0u8; 15];
        let first = (0x1000 - (lin & 0xFFF)).min(15) as usize;
        buf[..first].copy_from_slice(&self.fetch[..first]);
        let user = cpu.cpl == 3;
        let p2 = cpu.translate(
            sys,
            lin.wrapping_add(first as u32),
            crate::mmu::Access::Exec,
            user,
        )?;
        for (i, b) in buf.iter_mut().enumerate().skip(first) {
            *b = cpu.phys_rd(sys, p2.addr + (i - first) as u32, 1) as u8;
        }
        let mut dec = Decoder::with_ip(bitness, &buf, u64::from(cpu.eip), DecoderOptions::NONE);
        let ins = dec.decode();
        Ok(Uop::new(&ins, crate::table::handler(&ins)))
    }
}

/// Does this instruction end a block? Control transfers do; so do instructions whose
/// handlers may change what later instructions of the block assume — those handlers set
/// `Cpu::brk` themselves, so the static rule is only about flow control.
fn ends_block(ins: &Instruction) -> bool {
    !matches!(ins.flow_control(), FlowControl::Next) || ins.is_invalid()
}

/// Is the RAM page mapping `phys` the one a block would be registered under?
#[allow(dead_code)]
pub(crate) fn ram_of(sys: &mut Sys, phys: u32) -> Option<u32> {
    match sys.bus.map_page(phys & !0xFFF) {
        PageMap::Ram { offset, .. } => Some(offset + (phys & 0xFFF)),
        PageMap::Io => None,
    }
}
