//! A bare machine for tests, fuzzing and benchmarks: RAM from address 0, a bus that records
//! port output, the debug console on port 0xE9 and an exit port on 0xF4 — and helpers to put
//! the CPU straight into flat 32-bit protected mode or real mode without firmware.

use crate::bus::{CpuBus, PageMap, Sys};
use crate::interp::{Exit, Interp};
use crate::seg::Desc;
use crate::state::{Segment, CS, DS, ES, FS, GS, SS};

/// The bus of a [`TestMachine`].
#[derive(Default, Debug)]
pub struct TestBus {
    /// RAM size in bytes (pages above read as all ones).
    pub ram_len: u32,
    /// Bytes written to port 0xE9.
    pub e9: Vec<u8>,
    /// Other port writes: (port, size, value), up to 4096 of them.
    pub outs: Vec<(u16, u8, u32)>,
    /// Value written to port 0xF4, if any.
    pub exit: Option<u8>,
    /// Value returned by port reads.
    pub in_value: u32,
    /// A pending interrupt vector, delivered when the CPU acknowledges.
    pub irq: Option<u8>,
    /// Virtual time returned by `now_ns`.
    pub now: u64,
}

impl CpuBus for TestBus {
    fn map_page(&mut self, paddr: u32) -> PageMap {
        if paddr < self.ram_len {
            PageMap::Ram {
                offset: paddr,
                writable: true,
            }
        } else {
            PageMap::Io
        }
    }
    fn mem_read(&mut self, _: u32, size: u8) -> u32 {
        if size >= 4 {
            u32::MAX
        } else {
            (1 << (8 * u32::from(size))) - 1
        }
    }
    fn mem_write(&mut self, _: u32, _: u8, _: u32) {}
    fn io_in(&mut self, _: u16, _: u8) -> u32 {
        self.in_value
    }
    fn io_out(&mut self, port: u16, size: u8, value: u32) {
        match port {
            0xE9 => {
                if self.e9.len() < 1 << 20 {
                    self.e9.push(value as u8);
                }
            }
            0xF4 => self.exit = Some(value as u8),
            _ => {
                if self.outs.len() < 4096 {
                    self.outs.push((port, size, value));
                }
            }
        }
    }
    fn intr_pending(&mut self) -> bool {
        self.irq.is_some()
    }
    fn intr_ack(&mut self) -> u8 {
        self.irq.take().unwrap_or(0xFF)
    }
    fn now_ns(&self) -> u64 {
        self.now
    }
    fn wants_stop(&mut self) -> bool {
        self.exit.is_some()
    }
}

/// A CPU, RAM and a [`TestBus`].
pub struct TestMachine {
    /// Guest RAM.
    pub ram: Vec<u8>,
    /// The bus.
    pub bus: TestBus,
    /// The interpreter.
    pub interp: Interp,
}

impl TestMachine {
    /// A machine with `ram_bytes` of RAM, CPU in its reset state.
    pub fn new(ram_bytes: usize) -> TestMachine {
        TestMachine {
            ram: vec![0; ram_bytes],
            bus: TestBus {
                ram_len: ram_bytes as u32,
                ..TestBus::default()
            },
            interp: Interp::new(ram_bytes),
        }
    }

    /// Flat 32-bit protected mode at CPL 0: every segment base 0, limit 4 GiB (hidden caches
    /// loaded directly; selectors 0x08 code, 0x10 data as a typical GDT would have). EIP and
    /// ESP are set to `eip` and `esp`.
    pub fn flat32(&mut self, eip: u32, esp: u32) {
        let cpu = &mut self.interp.cpu;
        cpu.cr0 |= crate::state::cr0::PE;
        let code = Desc(0x00CF_9B00_0000_FFFF).to_segment(0x08);
        let data = Desc(0x00CF_9300_0000_FFFF).to_segment(0x10);
        cpu.segs[CS] = code;
        for s in [DS, ES, SS, FS, GS] {
            cpu.segs[s] = data;
        }
        cpu.cpl = 0;
        cpu.flush_tlb();
        cpu.eip = eip;
        cpu.regs[crate::state::ESP] = esp;
    }

    /// Real mode with CS:IP = `cs:ip` and all data segments = 0.
    pub fn real(&mut self, cs: u16, ip: u16) {
        let cpu = &mut self.interp.cpu;
        cpu.cr0 &= !crate::state::cr0::PE;
        let data = crate::state::attr::P | crate::state::attr::S | crate::state::attr::RW | 1;
        for s in [DS, ES, SS, FS, GS] {
            cpu.segs[s] = Segment::real(0, 0xFFFF, data);
        }
        cpu.segs[CS] = Segment::real(cs, 0xFFFF, data | crate::state::attr::CODE);
        cpu.flush_tlb();
        cpu.eip = u32::from(ip);
    }

    /// Copy `bytes` into RAM at `addr` (invalidating decoded code there).
    pub fn load(&mut self, addr: u32, bytes: &[u8]) {
        let a = addr as usize;
        self.ram[a..a + bytes.len()].copy_from_slice(bytes);
        self.interp.cpu.invalidate_ram(addr, bytes.len() as u32);
    }

    /// Run at most `budget` instructions.
    pub fn run(&mut self, budget: u64) -> Exit {
        let mut sys = Sys {
            ram: &mut self.ram,
            bus: &mut self.bus,
        };
        self.interp.run(&mut sys, budget)
    }

    /// Run until the exit port is written, the CPU halts or shuts down, or `budget`
    /// instructions have run.
    pub fn run_to_end(&mut self, budget: u64) -> Exit {
        let start = self.interp.cpu.icount;
        loop {
            let used = self.interp.cpu.icount - start;
            if used >= budget {
                return Exit::Budget;
            }
            match self.run(budget - used) {
                Exit::Budget => {}
                e => {
                    if e == Exit::Stop && self.bus.exit.is_none() {
                        continue;
                    }
                    return e;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_program_runs_and_reports() {
        let mut m = TestMachine::new(1 << 20);
        // mov al,'A'; out 0xE9,al; mov eax,7; add eax,5; out 0xF4,al
        m.load(
            0x1000,
            &[
                0xB0, b'A', 0xE6, 0xE9, 0xB8, 7, 0, 0, 0, 0x83, 0xC0, 5, 0xE6, 0xF4,
            ],
        );
        m.flat32(0x1000, 0x8000);
        assert_eq!(m.run_to_end(100), Exit::Stop);
        assert_eq!(m.bus.e9, b"A");
        assert_eq!(m.bus.exit, Some(12));
    }

    #[test]
    fn self_modifying_code_is_seen() {
        let mut m = TestMachine::new(1 << 20);
        // 0x1000: mov byte [0x1010], 0x42 ; jmp 0x1010 (via nop sled) ...
        // At 0x1010: mov al, 0x00 (patched to mov al, 0x42); out 0xF4, al
        let mut code = vec![0x90u8; 0x20];
        code[..7].copy_from_slice(&[0xC6, 0x05, 0x11, 0x10, 0, 0, 0x42]);
        code[7..9].copy_from_slice(&[0xEB, 0x07]); // jmp +7 -> 0x1010
        code[0x10..0x14].copy_from_slice(&[0xB0, 0x00, 0xE6, 0xF4]);
        m.load(0x1000, &code);
        m.flat32(0x1010, 0x8000);
        // First run the unpatched code once so it is decoded and cached.
        assert_eq!(m.run_to_end(100), Exit::Stop);
        assert_eq!(m.bus.exit, Some(0));
        m.bus.exit = None;
        m.interp.cpu.eip = 0x1000;
        assert_eq!(m.run_to_end(100), Exit::Stop);
        assert_eq!(
            m.bus.exit,
            Some(0x42),
            "the store into cached code must be seen"
        );
    }
}
