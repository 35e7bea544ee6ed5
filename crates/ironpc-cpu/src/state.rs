//! Architectural state of the processor: general registers, EIP, EFLAGS, segment registers
//! with their hidden descriptor caches, descriptor-table registers and control registers.

use crate::flags::Flags;
use crate::mmu::Tlb;
use crate::width::Width;

/// Register indexes in hardware encoding order.
pub const EAX: usize = 0;
/// ECX.
pub const ECX: usize = 1;
/// EDX.
pub const EDX: usize = 2;
/// EBX.
pub const EBX: usize = 3;
/// ESP.
pub const ESP: usize = 4;
/// EBP.
pub const EBP: usize = 5;
/// ESI.
pub const ESI: usize = 6;
/// EDI.
pub const EDI: usize = 7;
/// A register slot that always reads 0: effective-address recipes use it for "no base/index".
pub const ZERO_REG: usize = 8;

/// Segment register indexes in hardware encoding order.
pub const ES: usize = 0;
/// CS.
pub const CS: usize = 1;
/// SS.
pub const SS: usize = 2;
/// DS.
pub const DS: usize = 3;
/// FS.
pub const FS: usize = 4;
/// GS.
pub const GS: usize = 5;

/// CR0 bits.
pub mod cr0 {
    /// Protection enable.
    pub const PE: u32 = 1 << 0;
    /// Monitor coprocessor.
    pub const MP: u32 = 1 << 1;
    /// x87 emulation.
    pub const EM: u32 = 1 << 2;
    /// Task switched.
    pub const TS: u32 = 1 << 3;
    /// Extension type (always 1 on a 486+).
    pub const ET: u32 = 1 << 4;
    /// Numeric error reporting.
    pub const NE: u32 = 1 << 5;
    /// Write protect.
    pub const WP: u32 = 1 << 16;
    /// Alignment mask.
    pub const AM: u32 = 1 << 18;
    /// Not write-through.
    pub const NW: u32 = 1 << 29;
    /// Cache disable.
    pub const CD: u32 = 1 << 30;
    /// Paging.
    pub const PG: u32 = 1 << 31;
}

/// CR4 bits.
pub mod cr4 {
    /// Virtual-8086 mode extensions.
    pub const VME: u32 = 1 << 0;
    /// Protected-mode virtual interrupts.
    pub const PVI: u32 = 1 << 1;
    /// RDTSC only at CPL 0.
    pub const TSD: u32 = 1 << 2;
    /// Debugging extensions.
    pub const DE: u32 = 1 << 3;
    /// 4 MiB pages.
    pub const PSE: u32 = 1 << 4;
    /// Global pages.
    pub const PGE: u32 = 1 << 7;
}

/// Descriptor attribute bits as kept in [`Segment::attr`]: the access byte in bits 0..=7 and
/// the flags nibble (AVL, L, D/B, G) in bits 12..=15, as in a descriptor's high dword >> 8.
pub mod attr {
    /// Accessed (or, for system descriptors, part of the type).
    pub const ACCESSED: u16 = 1 << 0;
    /// Readable (code) / writable (data).
    pub const RW: u16 = 1 << 1;
    /// Conforming (code) / expand-down (data).
    pub const DC: u16 = 1 << 2;
    /// Code segment.
    pub const CODE: u16 = 1 << 3;
    /// Code/data (1) or system (0) descriptor.
    pub const S: u16 = 1 << 4;
    /// Present.
    pub const P: u16 = 1 << 7;
    /// Default operand size / big.
    pub const DB: u16 = 1 << 14;
    /// Granularity.
    pub const G: u16 = 1 << 15;
}

/// A segment register: the visible selector and the hidden descriptor cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    /// Visible selector.
    pub selector: u16,
    /// Base address.
    pub base: u32,
    /// Limit in bytes (granularity already applied).
    pub limit: u32,
    /// Access byte (bits 0..=7) and flags (bits 12..=15).
    pub attr: u16,
    /// Lowest valid offset (limit checks, precomputed).
    pub(crate) lo: u32,
    /// Highest valid offset.
    pub(crate) hi: u32,
    /// Bit 0: readable, bit 1: writable (precomputed from type; 0 for a null selector).
    pub(crate) rw: u8,
}

impl Segment {
    /// A segment as loaded in real or V86 mode: base = selector * 16; limit and attributes
    /// keep their cached values in real mode (that is what makes "unreal mode" work).
    pub fn real(selector: u16, limit: u32, attr: u16) -> Segment {
        let mut s = Segment {
            selector,
            base: u32::from(selector) << 4,
            limit,
            attr,
            lo: 0,
            hi: 0,
            rw: 0,
        };
        s.refresh_real();
        s
    }

    /// Real-mode access rules: no type checks, expand-up within the cached limit.
    pub(crate) fn refresh_real(&mut self) {
        self.rw = 3;
        self.lo = 0;
        self.hi = self.limit;
    }

    /// Recompute the precomputed access-check fields after base/limit/attr changed.
    pub fn refresh(&mut self) {
        let a = self.attr;
        if a & attr::P == 0 || a & attr::S == 0 {
            self.rw = 0;
            self.lo = 1;
            self.hi = 0;
            return;
        }
        if a & attr::CODE != 0 {
            self.rw = if a & attr::RW != 0 { 1 } else { 0 };
            self.lo = 0;
            self.hi = self.limit;
        } else {
            self.rw = if a & attr::RW != 0 { 3 } else { 1 };
            if a & attr::DC != 0 {
                // Expand-down: valid offsets are limit+1 ..= 0xFFFF or 0xFFFFFFFF.
                self.lo = self.limit.wrapping_add(1);
                self.hi = if a & attr::DB != 0 {
                    0xFFFF_FFFF
                } else {
                    0xFFFF
                };
                if self.lo == 0 && self.limit != 0 {
                    self.lo = 1;
                    self.hi = 0;
                }
            } else {
                self.lo = 0;
                self.hi = self.limit;
            }
        }
    }

    /// The default operand/address size bit (CS.D, SS.B).
    #[inline]
    pub fn big(&self) -> bool {
        self.attr & attr::DB != 0
    }

    /// The descriptor privilege level.
    #[inline]
    pub fn dpl(&self) -> u8 {
        ((self.attr >> 5) & 3) as u8
    }
}

/// GDTR / IDTR.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableReg {
    /// Linear base address.
    pub base: u32,
    /// Limit in bytes.
    pub limit: u16,
}

/// The processor's architectural state plus the TLB (which caches translations of it).
pub struct Cpu {
    /// EAX..EDI, then a slot that is always zero (see [`ZERO_REG`]).
    pub regs: [u32; 9],
    /// Instruction pointer (offset in CS). While an instruction runs it already points to
    /// the next instruction; on a fault it is put back.
    pub eip: u32,
    /// EFLAGS.
    pub flags: Flags,
    /// ES, CS, SS, DS, FS, GS.
    pub segs: [Segment; 6],
    /// Global descriptor table register.
    pub gdtr: TableReg,
    /// Interrupt descriptor table register.
    pub idtr: TableReg,
    /// Local descriptor table register (selector + cache).
    pub ldtr: Segment,
    /// Task register (selector + cache).
    pub tr: Segment,
    /// CR0.
    pub cr0: u32,
    /// CR2 (page-fault linear address).
    pub cr2: u32,
    /// CR3 (page directory base).
    pub cr3: u32,
    /// CR4.
    pub cr4: u32,
    /// DR0..DR7 (stored; hardware breakpoints are not implemented).
    pub dr: [u32; 8],
    /// Current privilege level.
    pub cpl: u8,
    /// HLT executed, waiting for an interrupt.
    pub halted: bool,
    /// Physical address mask: 0xFFEF_FFFF while the A20 gate is closed.
    pub a20_mask: u32,
    /// Instructions retired since power-on.
    pub icount: u64,
    /// SYSENTER_CS/ESP/EIP MSRs.
    pub sysenter: [u32; 3],
    /// TSC offset: RDTSC = virtual-time cycles + this (written by WRMSR 0x10).
    pub tsc_offset: u64,
    /// Cycles of the virtual TSC per virtual nanosecond, as a 32.32 fixed-point factor.
    pub tsc_per_ns: u64,
    /// Interrupts are inhibited for one instruction (after STI, MOV SS, POP SS).
    pub(crate) inhibit: bool,
    /// The current block must end after this instruction (state a block baked in changed).
    pub(crate) brk: bool,
    /// Check the INTR pin before the next block.
    pub(crate) check_irq: bool,
    /// Set by port I/O: ask the bus whether it wants to stop.
    pub(crate) io_done: bool,
    /// A triple fault happened: the machine must reset or stop.
    pub(crate) shutdown: Option<&'static str>,
    /// An NMI is waiting.
    pub nmi_pending: bool,
    /// Blocked NMIs until the next IRET.
    pub(crate) nmi_blocked: bool,
    /// Software TLB.
    pub(crate) tlb: Tlb,
    /// Event counters for the trap-and-emulate view.
    pub stats: crate::Stats,
    /// When `Some`, events are recorded here (up to the vector's capacity) for tracing.
    pub trace: Option<Vec<crate::Event>>,
}

impl Cpu {
    /// A processor in its power-on state, for a machine with `ram_bytes` of RAM.
    pub fn new(ram_bytes: usize) -> Cpu {
        let mut cpu = Cpu {
            regs: [0; 9],
            eip: 0,
            flags: Flags::default(),
            segs: [Segment::default(); 6],
            gdtr: TableReg::default(),
            idtr: TableReg::default(),
            ldtr: Segment::default(),
            tr: Segment::default(),
            cr0: 0,
            cr2: 0,
            cr3: 0,
            cr4: 0,
            dr: [0; 8],
            cpl: 0,
            halted: false,
            a20_mask: 0xFFFF_FFFF,
            icount: 0,
            sysenter: [0; 3],
            tsc_offset: 0,
            tsc_per_ns: 1 << 32,
            inhibit: false,
            brk: false,
            check_irq: true,
            io_done: false,
            shutdown: None,
            nmi_pending: false,
            nmi_blocked: false,
            tlb: Tlb::new(ram_bytes),
            stats: crate::Stats::default(),
            trace: None,
        };
        cpu.reset();
        cpu
    }

    /// The RESET state (SDM vol. 3, 10.1.1, table 10-1): CS = F000 with base FFFF0000,
    /// EIP = FFF0, real mode, EDX = processor signature.
    pub fn reset(&mut self) {
        self.regs = [0; 9];
        self.regs[EDX] = crate::CPUID_SIGNATURE;
        self.eip = 0xFFF0;
        self.flags = Flags::default();
        let data = attr::P | attr::S | attr::RW | attr::ACCESSED;
        for s in &mut self.segs {
            *s = Segment::real(0, 0xFFFF, data);
        }
        let mut cs = Segment::real(0xF000, 0xFFFF, data | attr::CODE);
        cs.base = 0xFFFF_0000;
        self.segs[CS] = cs;
        self.gdtr = TableReg {
            base: 0,
            limit: 0xFFFF,
        };
        self.idtr = TableReg {
            base: 0,
            limit: 0x3FF,
        };
        self.ldtr = Segment {
            attr: attr::P | 2,
            limit: 0xFFFF,
            ..Segment::default()
        };
        self.tr = Segment {
            attr: attr::P | 11,
            limit: 0xFFFF,
            ..Segment::default()
        };
        self.cr0 = cr0::ET | cr0::CD | cr0::NW;
        self.cr2 = 0;
        self.cr3 = 0;
        self.cr4 = 0;
        self.dr = [0, 0, 0, 0, 0, 0, 0xFFFF_0FF0, 0x400];
        self.cpl = 0;
        self.halted = false;
        self.inhibit = false;
        self.brk = true;
        self.check_irq = true;
        self.shutdown = None;
        self.nmi_pending = false;
        self.nmi_blocked = false;
        self.sysenter = [0; 3];
        self.tlb.flush_all();
    }

    /// Protected mode (CR0.PE)?
    #[inline(always)]
    pub fn pe(&self) -> bool {
        self.cr0 & cr0::PE != 0
    }

    /// Virtual-8086 mode?
    #[inline(always)]
    pub fn v86(&self) -> bool {
        self.flags.sys(crate::flags::VM)
    }

    /// Protected mode and not V86 (descriptor semantics apply to segment loads).
    #[inline(always)]
    pub fn prot(&self) -> bool {
        self.pe() && !self.v86()
    }

    /// The code bitness: 16 or 32 (CS.D; always 16 in real and V86 mode).
    #[inline(always)]
    pub fn bitness(&self) -> u32 {
        if self.segs[CS].big() && self.prot() {
            32
        } else {
            16
        }
    }

    /// Stack address size is 32 bits (SS.B)?
    #[inline(always)]
    pub fn stack32(&self) -> bool {
        self.segs[SS].big() && self.prot()
    }

    /// Read a register of width `W` by encoding index (8-bit: AL CL DL BL AH CH DH BH).
    #[inline(always)]
    pub fn reg<W: Width>(&self, r: u8) -> u32 {
        let r = r as usize & 7;
        if W::BITS == 8 {
            if r < 4 {
                self.regs[r] & 0xFF
            } else {
                (self.regs[r - 4] >> 8) & 0xFF
            }
        } else {
            self.regs[r] & W::MASK
        }
    }

    /// Write a register of width `W` (upper bits of wider registers are kept).
    #[inline(always)]
    pub fn set_reg<W: Width>(&mut self, r: u8, v: u32) {
        let r = r as usize & 7;
        match W::BITS {
            8 => {
                if r < 4 {
                    self.regs[r] = (self.regs[r] & !0xFF) | (v & 0xFF);
                } else {
                    self.regs[r - 4] = (self.regs[r - 4] & !0xFF00) | ((v & 0xFF) << 8);
                }
            }
            16 => self.regs[r] = (self.regs[r] & 0xFFFF_0000) | (v & 0xFFFF),
            _ => self.regs[r] = v,
        }
    }

    /// Whole EFLAGS value.
    pub fn eflags(&self) -> u32 {
        self.flags.get()
    }

    /// Load EFLAGS wholesale (no privilege checks: for loaders and tests).
    pub fn set_eflags(&mut self, v: u32) {
        self.flags.set(v);
        self.brk = true;
        self.check_irq = true;
    }

    /// Why the processor shut down (triple fault), if it did.
    pub fn shutdown_reason(&self) -> Option<&'static str> {
        self.shutdown
    }
}
