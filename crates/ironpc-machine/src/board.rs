//! The board: RAM, the port bus and its devices, virtual time, and the run loop that lets
//! the engine execute until the next device event.
//!
//! Virtual time is derived from retired instructions (`Config::ips` per second) plus the time
//! skipped while the CPU is halted, so a run is deterministic and an idle guest costs no host
//! CPU.

use std::fs::File;
use std::io::{self, Write};
use std::time::Instant;

use ironpc_cpu::{CpuBus, Exit, Interp, PageMap, Sys};

use crate::config::{Config, ConfigError, Output};
use crate::memory::MemMap;

/// Port of the debug console (Bochs/QEMU convention).
pub const PORT_DEBUGCON: u16 = 0xE9;
/// Port of the isa-debug-exit device.
pub const PORT_EXIT: u16 = 0xF4;
/// System control port A (fast A20, reset).
pub const PORT_SYSCTL_A: u16 = 0x92;

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// The guest wrote `v` to port 0xF4: exit status `(v << 1) | 1`.
    Exit(i32),
    /// The guest reset the machine and `no_reboot` was set.
    Reset,
    /// Triple fault with `no_reboot`.
    TripleFault(String),
    /// The host-time limit was reached.
    Timeout,
    /// The CPU halted with nothing that could ever wake it.
    Halted(String),
}

/// Everything that is not the CPU and not RAM: what the CPU reaches through [`CpuBus`].
pub struct Io {
    map: MemMap,
    debugcon: Option<Box<dyn Write + Send>>,
    /// Exit status requested through port 0xF4.
    exit: Option<i32>,
    /// A reset was requested (port 0x92 bit 0, keyboard controller pulse).
    reset_request: bool,
    a20: bool,
    a20_changed: bool,
    port92: u8,
    now_ns: u64,
    /// Ports already reported as unknown (one bit per port).
    unknown_seen: Box<[u64; 1024]>,
    /// Count of accesses to unknown ports.
    pub unknown_accesses: u64,
}

impl Io {
    fn log_unknown(&mut self, port: u16, write: bool) {
        self.unknown_accesses += 1;
        let (w, b) = (usize::from(port) / 64, port % 64);
        if self.unknown_seen[w] & (1 << b) == 0 {
            self.unknown_seen[w] |= 1 << b;
            if std::env::var_os("IRONPC_LOG_PORTS").is_some() {
                eprintln!(
                    "ironpc: unknown port {port:#06x} ({})",
                    if write { "write" } else { "read" }
                );
            }
        }
    }
}

impl CpuBus for Io {
    fn map_page(&mut self, paddr: u32) -> PageMap {
        self.map.map(paddr)
    }

    fn mem_read(&mut self, _paddr: u32, size: u8) -> u32 {
        // VGA window and unmapped space: all ones until a device claims them.
        if size >= 4 {
            u32::MAX
        } else {
            (1u32 << (8 * u32::from(size))) - 1
        }
    }

    fn mem_write(&mut self, _paddr: u32, _size: u8, _value: u32) {}

    fn io_in(&mut self, port: u16, size: u8) -> u32 {
        let ones = if size >= 4 {
            u32::MAX
        } else {
            (1u32 << (8 * u32::from(size))) - 1
        };
        match port {
            PORT_DEBUGCON => 0xE9,
            PORT_SYSCTL_A => u32::from(self.port92 & !1) | if self.a20 { 2 } else { 0 },
            _ => {
                self.log_unknown(port, false);
                ones
            }
        }
    }

    fn io_out(&mut self, port: u16, _size: u8, value: u32) {
        match port {
            PORT_DEBUGCON => {
                if let Some(w) = self.debugcon.as_mut() {
                    let _ = w.write_all(&[value as u8]);
                    if value as u8 == b'\n' {
                        let _ = w.flush();
                    }
                }
            }
            PORT_EXIT => self.exit = Some((((value & 0xFF) as i32) << 1) | 1),
            PORT_SYSCTL_A => {
                let v = value as u8;
                let a20 = v & 2 != 0;
                if a20 != self.a20 {
                    self.a20 = a20;
                    self.a20_changed = true;
                }
                if v & 1 != 0 && self.port92 & 1 == 0 {
                    self.reset_request = true;
                }
                self.port92 = v;
            }
            _ => self.log_unknown(port, true),
        }
    }

    fn intr_pending(&mut self) -> bool {
        false
    }

    fn intr_ack(&mut self) -> u8 {
        // No interrupt controller yet: a spurious vector, as an 8259A gives IRQ 7.
        0x0F
    }

    fn now_ns(&self) -> u64 {
        self.now_ns
    }

    fn wants_stop(&mut self) -> bool {
        self.exit.is_some() || self.reset_request || self.a20_changed
    }
}

/// The whole machine, driven by the interpreter.
pub struct Board {
    /// Guest RAM.
    pub ram: Vec<u8>,
    /// The port bus and devices.
    pub io: Io,
    /// The engine.
    pub cpu: Interp,
    bios: Vec<u8>,
    ips: u64,
    no_reboot: bool,
    /// Virtual nanoseconds skipped while halted.
    skipped_ns: u64,
}

fn open_output(o: &Output) -> Result<Option<Box<dyn Write + Send>>, ConfigError> {
    Ok(match o {
        Output::Stdio => Some(Box::new(io::stdout())),
        Output::File(p) => {
            let f = File::create(p).map_err(|err| ConfigError::Open {
                path: p.clone(),
                err,
            })?;
            Some(Box::new(io::BufWriter::new(f)))
        }
        Output::Null | Output::None => None,
    })
}

impl Board {
    /// Build a machine and put it in its power-on state.
    pub fn new(cfg: &Config) -> Result<Board, ConfigError> {
        if !(2..=3072).contains(&cfg.ram_mib) {
            return Err(ConfigError::Ram(cfg.ram_mib));
        }
        let rom = cfg.bios.len();
        if rom == 0 || !rom.is_multiple_of(4096) || rom > 0x2_0000 {
            return Err(ConfigError::BiosSize(rom));
        }
        let ram_bytes = cfg.ram_mib as usize * 1024 * 1024;
        let io = Io {
            map: MemMap {
                ram: ram_bytes as u32,
                rom: rom as u32,
            },
            debugcon: open_output(&cfg.debugcon)?,
            exit: None,
            reset_request: false,
            a20: false,
            a20_changed: false,
            port92: 0,
            now_ns: 0,
            unknown_seen: Box::new([0; 1024]),
            unknown_accesses: 0,
        };
        let mut b = Board {
            ram: vec![0; ram_bytes],
            io,
            cpu: Interp::new(ram_bytes),
            bios: cfg.bios.clone(),
            ips: cfg.ips.max(1),
            no_reboot: cfg.no_reboot,
            skipped_ns: 0,
        };
        b.power_on();
        Ok(b)
    }

    /// Load the ROM, reset the CPU and the A20 gate.
    fn power_on(&mut self) {
        let low = self.io.map.rom_low() as usize;
        self.ram[low..low + self.bios.len()].copy_from_slice(&self.bios);
        self.cpu.reset();
        // A20 is enabled at power-on, as on QEMU's PC and most chipsets: the reset vector
        // fetch at FFFFFFF0 must reach the ROM.
        self.io.a20 = true;
        self.io.port92 = 2;
        self.io.reset_request = false;
        self.io.a20_changed = false;
        self.cpu.cpu.set_a20(true);
    }

    /// Virtual time now, in nanoseconds.
    pub fn now_ns(&self) -> u64 {
        let run = (u128::from(self.cpu.cpu.icount) * 1_000_000_000 / u128::from(self.ips)) as u64;
        run + self.skipped_ns
    }

    /// Run until the guest exits, resets (with `no_reboot`), triple-faults (with
    /// `no_reboot`), halts for good, or `deadline` (host time) passes.
    pub fn run(&mut self, deadline: Option<Instant>) -> RunOutcome {
        const SLICE: u64 = 2_000_000;
        loop {
            self.io.now_ns = self.now_ns();
            let exit = {
                let mut sys = Sys {
                    ram: &mut self.ram,
                    bus: &mut self.io,
                };
                self.cpu.run(&mut sys, SLICE)
            };
            self.io.now_ns = self.now_ns();
            match exit {
                Exit::Budget => {}
                Exit::Halted => {
                    let why = if self.cpu.cpu.flags.sys(ironpc_cpu::flags::IF) {
                        "CPU halted waiting for an interrupt, and no device can raise one"
                    } else {
                        "CPU halted with interrupts disabled"
                    };
                    return RunOutcome::Halted(why.to_string());
                }
                Exit::Stop => {
                    if let Some(code) = self.io.exit {
                        self.flush();
                        return RunOutcome::Exit(code);
                    }
                    if self.io.a20_changed {
                        self.io.a20_changed = false;
                        self.cpu.cpu.set_a20(self.io.a20);
                    }
                    if self.io.reset_request {
                        if self.no_reboot {
                            self.flush();
                            return RunOutcome::Reset;
                        }
                        self.power_on();
                    }
                }
                Exit::Shutdown(why) => {
                    if self.no_reboot {
                        self.flush();
                        return RunOutcome::TripleFault(why.to_string());
                    }
                    self.power_on();
                }
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                self.flush();
                return RunOutcome::Timeout;
            }
        }
    }

    /// A one-screen summary of the CPU state and event counters, for debugging.
    pub fn debug_summary(&self) -> String {
        let c = &self.cpu.cpu;
        let r = &c.regs;
        let exc: Vec<String> = c
            .stats
            .exceptions
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(v, n)| format!("#{v}x{n}"))
            .collect();
        format!(
            "EAX={:08x} EBX={:08x} ECX={:08x} EDX={:08x} ESI={:08x} EDI={:08x} EBP={:08x} ESP={:08x}\n\
             CS={:04x}(base {:08x}) EIP={:08x} EFLAGS={:08x} CR0={:08x} CPL={} SS={:04x} DS={:04x}\n\
             instructions={} blocks_decoded={} exceptions=[{}] first={:x?} io_in={} io_out={} smc={}",
            r[0], r[3], r[1], r[2], r[6], r[7], r[5], r[4],
            c.segs[1].selector, c.segs[1].base, c.eip, c.eflags(), c.cr0, c.cpl, c.segs[2].selector, c.segs[3].selector,
            c.icount, c.stats.blocks_decoded, exc.join(" "), c.stats.first_exception, c.stats.io_in, c.stats.io_out, c.stats.smc_writes
        )
    }

    /// Flush buffered guest output.
    pub fn flush(&mut self) {
        if let Some(w) = self.io.debugcon.as_mut() {
            let _ = w.flush();
        }
    }
}
