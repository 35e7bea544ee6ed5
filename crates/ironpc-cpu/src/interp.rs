//! The interpreter's run loop: find the decoded block at CS:EIP, run its uops, deliver
//! faults and interrupts at instruction boundaries. Nothing here allocates.

use crate::bus::Sys;
use crate::cache::{CodeCache, NO_BLOCK};
use crate::fault::Fault;
use crate::flags::{IF, TF};
use crate::interrupt::{Event, IntKind};
use crate::mmu::Access;
use crate::state::{Cpu, CS};

/// Why [`Interp::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The instruction budget was used up.
    Budget,
    /// The CPU is halted with no interrupt to take: skip time to the next event.
    Halted,
    /// The board asked to stop (exit port, reset request, A20 change) after port I/O.
    Stop,
    /// Triple fault: the processor shut down.
    Shutdown(&'static str),
}

/// The interpreter engine: processor state plus its decode cache.
pub struct Interp {
    /// Architectural state.
    pub cpu: Cpu,
    /// Decoded blocks.
    pub cache: CodeCache,
}

impl Interp {
    /// A processor at power-on for `ram_bytes` of RAM.
    pub fn new(ram_bytes: usize) -> Interp {
        Interp {
            cpu: Cpu::new(ram_bytes),
            cache: CodeCache::new(),
        }
    }

    /// Reset the processor (INIT/RESET) and drop decoded code.
    pub fn reset(&mut self) {
        self.cpu.reset();
        self.cache.flush(&mut self.cpu);
    }

    /// Run at most `budget` instructions.
    pub fn run(&mut self, sys: &mut Sys, budget: u64) -> Exit {
        let cpu = &mut self.cpu;
        let cache = &mut self.cache;
        let end = cpu.icount.saturating_add(budget);
        cpu.check_irq = true;
        // The block that ran last, for chaining (NO_BLOCK after anything irregular).
        let mut prev = NO_BLOCK;
        loop {
            if let Some(why) = cpu.shutdown {
                return Exit::Shutdown(why);
            }
            if !cpu.tlb.smc.is_empty() {
                cache.handle_smc(cpu);
            }
            let shadow = cpu.inhibit;
            cpu.inhibit = false;
            if !shadow && (cpu.check_irq || cpu.halted) {
                cpu.check_irq = false;
                if cpu.nmi_pending && !cpu.nmi_blocked {
                    cpu.nmi_pending = false;
                    cpu.nmi_blocked = true;
                    cpu.halted = false;
                    prev = NO_BLOCK;
                    if let Err(f) = cpu.interrupt(sys, 2, IntKind::Nmi, None) {
                        cpu.raise(sys, f);
                    }
                    continue;
                }
                if cpu.flags.sys(IF) && sys.bus.intr_pending() {
                    let v = sys.bus.intr_ack();
                    cpu.halted = false;
                    cpu.stats.interrupts += 1;
                    cpu.event(Event::Interrupt(v));
                    prev = NO_BLOCK;
                    if let Err(f) = cpu.interrupt(sys, v, IntKind::External, None) {
                        cpu.raise(sys, f);
                    }
                    cpu.check_irq = true;
                    continue;
                }
            }
            if cpu.halted {
                return Exit::Halted;
            }
            if cpu.icount >= end {
                return Exit::Budget;
            }
            // Fetch: CS limit, then the linear-to-physical translation of EIP.
            let eip = cpu.eip;
            if eip > cpu.segs[CS].hi {
                cpu.raise(sys, Fault::GP(0));
                continue;
            }
            let lin = cpu.segs[CS].base.wrapping_add(eip);
            let gen = cpu.tlb.gen;
            let block = match cache.chained(prev, lin, gen) {
                Some(id) => Some(id),
                None => {
                    let (key_addr, ram) = match cpu.fetch_fast(lin) {
                        Some(off) => (off, Some(off)),
                        None => match cpu.translate(sys, lin, Access::Exec, cpu.cpl == 3) {
                            Ok(p) => (p.ram.unwrap_or(p.addr), p.ram),
                            Err(f) => {
                                prev = NO_BLOCK;
                                cpu.raise(sys, f);
                                continue;
                            }
                        },
                    };
                    match cache.lookup(cpu, sys, lin, key_addr, ram) {
                        Ok(Some(id)) => {
                            if cpu.tlb.gen == gen && ram.is_some() {
                                cache.link(prev, lin, id, gen);
                            }
                            Some(id)
                        }
                        Ok(None) => None,
                        Err(f) => {
                            prev = NO_BLOCK;
                            cpu.raise(sys, f);
                            continue;
                        }
                    }
                }
            };
            let single = shadow || cpu.flags.sys(TF);
            let ip_mask = if cpu.bitness() == 32 {
                0xFFFF_FFFF
            } else {
                0xFFFF
            };
            let uops: &[crate::uop::Uop] = match block {
                Some(id) => {
                    let b = cache.blocks[id as usize];
                    let mut n = usize::from(b.n);
                    if single {
                        n = 1;
                    }
                    n = n.min((end - cpu.icount) as usize).max(1);
                    &cache.uops[b.first as usize..b.first as usize + n]
                }
                None => match cache.straddle.as_ref() {
                    Some(u) => std::slice::from_ref(u),
                    None => continue,
                },
            };
            // TF as it was before the block: a POPF/IRET that sets TF traps only after the
            // instruction that follows it (SDM vol. 3, 17.3.1.4).
            let tf = cpu.flags.sys(TF);
            prev = block.unwrap_or(NO_BLOCK);
            for u in uops {
                let start = cpu.eip;
                cpu.eip = start.wrapping_add(u32::from(u.len)) & ip_mask;
                if let Err(f) = (u.exec)(cpu, sys, u) {
                    cpu.eip = start;
                    prev = NO_BLOCK;
                    cpu.raise(sys, f);
                    break;
                }
                cpu.icount += 1;
                // A MOV SS / POP SS holds the trap off until after the next instruction
                // (SDM vol. 3, 6.8.3): that one runs alone, in the shadow, then traps.
                if tf && !(cpu.inhibit && loads_ss(u)) {
                    // Single-step trap after the instruction.
                    cpu.dr[6] |= 1 << 14;
                    prev = NO_BLOCK;
                    if let Err(f) = cpu.interrupt(sys, 1, IntKind::Exception, None) {
                        cpu.raise(sys, f);
                    }
                    break;
                }
                if cpu.brk {
                    break;
                }
            }
            cpu.brk = false;
            if cpu.io_done {
                cpu.io_done = false;
                cpu.check_irq = true;
                if sys.bus.wants_stop() {
                    return Exit::Stop;
                }
            }
        }
    }
}

/// MOV SS or POP SS (their interrupt shadow also delays a single-step trap; STI's does not).
fn loads_ss(u: &crate::uop::Uop) -> bool {
    use iced_x86::Code;
    match u.code() {
        Code::Popw_SS | Code::Popd_SS => true,
        Code::Mov_Sreg_rm16 | Code::Mov_Sreg_r32m16 => usize::from(u.r[0]) == crate::state::SS,
        _ => false,
    }
}
