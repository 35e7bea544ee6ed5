//! The board: RAM, the port bus and its devices, virtual time, and the run loop that lets
//! the engine execute until the next device event.
//!
//! Virtual time is derived from retired instructions (`Config::ips` per second) plus the time
//! skipped while the CPU is halted, so a run is deterministic and an idle guest costs no host
//! CPU.

use std::fs::File;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use ironpc_cpu::{CpuBus, Exit, Interp, PageMap, Sys};
use ironpc_devices::uart::{COM1_BASE, COM1_IRQ};
use ironpc_devices::{
    Cmos, DevCtx, Dma, DualPic, IrqLines, Pci, Pit, Port92, PortDevice, Uart, I8042,
};

use crate::bioscall::{self, BiosCall, BoardMem, Served, PORT_BIOSCALL};
use crate::config::{Config, ConfigError, Output};
use crate::disk::Disks;
use crate::frontend::{Frontend, GuestView, Polled};
use crate::keys::Typist;
use crate::memory::MemMap;
use crate::memory::{LFB_BASE, LFB_SIZE, VGA_END, VGA_START};
use ironpc_devices::Vga;

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

/// The outcome of a run the user ended from a front end (window closed, quit chord): exit
/// status 0, which a guest's port 0xF4 write (always odd) cannot give.
pub const RUN_QUIT: RunOutcome = RunOutcome::Exit(0);

/// Everything that is not the CPU and not RAM: what the CPU reaches through [`CpuBus`].
pub struct Io {
    map: MemMap,
    debugcon: Option<Box<dyn Write + Send>>,
    /// Exit status requested through port 0xF4.
    exit: Option<i32>,
    /// A reset was requested (port 0x92, the 8042's pulse, PCI 0xCF9).
    reset_request: bool,
    /// The A20 gate: on when either the 8042 output port or port 0x92 enables it.
    a20: bool,
    a20_changed: bool,
    now_ns: u64,
    /// The ISA interrupt lines.
    pub irq: IrqLines,
    /// The 8259A pair.
    pub pic: DualPic,
    /// The 8254 timer (and port 0x61).
    pub pit: Pit,
    /// COM1, unless `-serial none`.
    pub com1: Option<Uart>,
    /// RTC and CMOS memory.
    pub cmos: Cmos,
    /// The keyboard controller.
    pub kbd: I8042,
    /// PCI configuration space.
    pub pci: Pci,
    /// DMA controllers, page registers, POST port.
    pub dma: Dma,
    /// System control port A.
    pub port92: Port92,
    /// The built-in BIOS's trap to the host (`bioscall.rs`).
    pub bioscall: BiosCall,
    /// Ports already reported as unknown (one bit per port).
    unknown_seen: Box<[u64; 1024]>,
    /// Count of accesses to unknown ports.
    pub unknown_accesses: u64,
    /// The guest just accessed a timer (PIT, port 0x61, RTC): end the slice so that virtual
    /// time is brought up to date before its next access.
    timer_access: bool,
    /// The VGA/VBE adapter: ports 0x3B0–0x3DF and 0x1CE/0x1CF, the A0000–BFFFF window, the
    /// linear frame buffer at [`LFB_BASE`].
    pub vga: Vga,
    /// `--keys`: text typed on the keyboard on a schedule of virtual time.
    pub typist: Typist,
}

/// Which device answers a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dev {
    Dma,
    Pic,
    Pit,
    Kbd,
    Cmos,
    Port92,
    Com1,
    Pci,
    BiosCall,
    DebugCon,
    Exit,
    Vga,
    None,
}

fn route(port: u16) -> Dev {
    match port {
        0x00..=0x0F | 0x80..=0x8F | 0xC0..=0xDF => Dev::Dma,
        0x20 | 0x21 | 0xA0 | 0xA1 | 0x4D0 | 0x4D1 => Dev::Pic,
        0x40..=0x43 | 0x61 => Dev::Pit,
        0x60 | 0x64 => Dev::Kbd,
        0x70 | 0x71 => Dev::Cmos,
        PORT_SYSCTL_A => Dev::Port92,
        0x3F8..=0x3FF => Dev::Com1,
        0xCF8..=0xCFF => Dev::Pci,
        PORT_BIOSCALL..=0x5A3 => Dev::BiosCall,
        PORT_DEBUGCON => Dev::DebugCon,
        PORT_EXIT => Dev::Exit,
        0x3B0..=0x3DF | 0x1CE | 0x1CF => Dev::Vga,
        _ => Dev::None,
    }
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

    /// The device behind `dev`, as a port device.
    fn device(&mut self, dev: Dev) -> Option<&mut dyn PortDevice> {
        Some(match dev {
            Dev::Dma => &mut self.dma,
            Dev::Pic => &mut self.pic,
            Dev::Pit => &mut self.pit,
            Dev::Kbd => &mut self.kbd,
            Dev::Cmos => &mut self.cmos,
            Dev::Port92 => &mut self.port92,
            Dev::Com1 => self.com1.as_mut()?,
            Dev::Pci => &mut self.pci,
            Dev::Vga => &mut self.vga,
            Dev::BiosCall => &mut self.bioscall,
            Dev::DebugCon | Dev::Exit | Dev::None => return None,
        })
    }

    /// After any device activity: sample IRQ lines into the PIC, collect reset requests and
    /// the A20 gate.
    fn settle(&mut self) {
        self.pic.update(&self.irq);
        if self.kbd.take_reset_request()
            | self.port92.take_reset_request()
            | self.pci.take_reset_request()
        {
            self.reset_request = true;
        }
        let a20 = self.kbd.a20() || self.port92.a20();
        if a20 != self.a20 {
            self.a20 = a20;
            self.a20_changed = true;
        }
    }

    /// The earliest virtual time at which a device needs `advance`.
    pub fn next_event(&self) -> Option<u64> {
        [
            self.pit.next_event(),
            self.cmos.next_event(),
            self.kbd.next_event(),
            self.com1.as_ref().and_then(|u| u.next_event()),
            self.typist.next_event(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Bring every device's time forward to `now`.
    pub fn advance(&mut self, now: u64) {
        self.now_ns = now;
        // Time is up to date again (engines that do not look at the flag clear it here).
        self.timer_access = false;
        let mut cx = DevCtx {
            now,
            irq: &mut self.irq,
        };
        self.pit.advance(&mut cx);
        self.cmos.advance(&mut cx);
        while let Some(codes) = self.typist.take_due(now) {
            self.kbd.key_scancodes_set1(codes);
        }
        self.kbd.advance(&mut cx);
        if let Some(u) = self.com1.as_mut() {
            u.advance(&mut cx);
        }
        // Blinking (cursor, attribute) follows virtual time; the VGA has no timer events.
        self.vga.set_time(now);
        self.settle();
    }
}

impl Io {
    /// The exit status the guest asked for through port 0xF4, if it did.
    pub fn exit_code(&self) -> Option<i32> {
        self.exit
    }

    /// Has the guest asked for a machine reset?
    pub fn reset_requested(&self) -> bool {
        self.reset_request
    }

    /// For engines that do not run on the board's time or memory (KVM): acknowledge the
    /// stop reasons that only the interpreter acts on, so that [`CpuBus::wants_stop`] no
    /// longer reports them. Returns the A20 gate if the guest changed it since the last
    /// call (the caller decides what that means for its memory; the board's state keeps
    /// it) and forgets a timer access (the caller brings time up to date with
    /// [`Io::advance`]).
    pub fn acknowledge_stop(&mut self) -> Option<bool> {
        self.timer_access = false;
        std::mem::take(&mut self.a20_changed).then_some(self.a20)
    }
}

impl CpuBus for Io {
    fn map_page(&mut self, paddr: u32) -> PageMap {
        self.map.map(paddr)
    }

    fn mem_read(&mut self, paddr: u32, size: u8) -> u32 {
        // Accesses never cross a page, so never leave the window they start in.
        if (VGA_START..VGA_END).contains(&paddr) {
            self.vga.mem_read(paddr - VGA_START, size)
        } else if paddr.wrapping_sub(LFB_BASE) < LFB_SIZE {
            self.vga.lfb_read(paddr - LFB_BASE, size)
        } else {
            // Unmapped space (and ROM, which is read as RAM): all ones.
            ones(size)
        }
    }

    fn mem_write(&mut self, paddr: u32, size: u8, value: u32) {
        if (VGA_START..VGA_END).contains(&paddr) {
            self.vga.mem_write(paddr - VGA_START, size, value);
        } else if paddr.wrapping_sub(LFB_BASE) < LFB_SIZE {
            self.vga.lfb_write(paddr - LFB_BASE, size, value);
        }
    }

    fn io_in(&mut self, port: u16, size: u8) -> u32 {
        let dev = route(port);
        let now = self.now_ns;
        let v = match dev {
            Dev::DebugCon => 0xE9,
            Dev::None | Dev::Exit => {
                self.log_unknown(port, false);
                ones(size)
            }
            _ => {
                self.timer_access |= matches!(dev, Dev::Pit | Dev::Cmos);
                let mut irq = self.irq;
                let v = match self.device(dev) {
                    Some(d) => d.read(port, size, &mut DevCtx { now, irq: &mut irq }),
                    None => ones(size),
                };
                self.irq = irq;
                self.settle();
                v
            }
        };
        v & ones(size)
    }

    fn io_out(&mut self, port: u16, size: u8, value: u32) {
        let dev = route(port);
        let now = self.now_ns;
        match dev {
            Dev::DebugCon => {
                if let Some(w) = self.debugcon.as_mut() {
                    let _ = w.write_all(&[value as u8]);
                    if value as u8 == b'\n' {
                        let _ = w.flush();
                    }
                }
            }
            Dev::Exit => self.exit = Some((((value & 0xFF) as i32) << 1) | 1),
            Dev::None => self.log_unknown(port, true),
            _ => {
                self.timer_access |= matches!(dev, Dev::Pit | Dev::Cmos);
                let mut irq = self.irq;
                if let Some(d) = self.device(dev) {
                    d.write(port, size, value, &mut DevCtx { now, irq: &mut irq });
                }
                self.irq = irq;
                self.settle();
            }
        }
    }

    fn intr_pending(&mut self) -> bool {
        self.pic.intr()
    }

    fn intr_ack(&mut self) -> u8 {
        let v = self.pic.ack();
        self.pic.update(&self.irq);
        v
    }

    fn now_ns(&self) -> u64 {
        self.now_ns
    }

    fn wants_stop(&mut self) -> bool {
        self.exit.is_some()
            || self.reset_request
            || self.a20_changed
            || self.timer_access
            || self.bioscall.pending()
    }
}

/// Serve the host call whose frame is at `addr` against `ram` (laid out by the board's memory
/// map, `io` for what is not RAM), report its message, and return the RAM ranges written.
fn serve_call(addr: u32, ram: &mut [u8], io: &mut Io, disks: &mut Disks) -> Vec<(u32, u32)> {
    let map = io.map;
    let mut mem = BoardMem::new(ram, map, io);
    let served = bioscall::service(addr, &mut mem, disks);
    if let Served::Log(msg) = served {
        eprintln!("ironpc: {msg}");
    }
    mem.into_written()
}

/// All ones in `size` bytes.
fn ones(size: u8) -> u32 {
    if size >= 4 {
        u32::MAX
    } else {
        (1u32 << (8 * u32::from(size))) - 1
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
    /// Floppy and hard-disk images, served to the guest by the BIOS's INT 13h.
    pub disks: Disks,
    bios: Vec<u8>,
    ips: u64,
    no_reboot: bool,
    pace: bool,
    /// Virtual nanoseconds skipped while halted.
    skipped_ns: u64,
    /// Host bytes for COM1.
    serial_in: Option<Receiver<Vec<u8>>>,
    /// Until this instruction count, run short slices: the guest is reading timers.
    fine_until: u64,
    /// A window or other host front end, polled between slices.
    frontend: Option<Box<dyn Frontend + Send>>,
    /// The front end asked for the run to end.
    quit: bool,
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
        let com1 = match cfg.serial {
            Output::None => None,
            ref o => {
                let sink: Box<dyn Write + Send> =
                    open_output(o)?.unwrap_or_else(|| Box::new(io::sink()));
                Some(Uart::new(COM1_BASE, COM1_IRQ, sink))
            }
        };
        let disks = Disks::open(&cfg.disks)?;
        let mut cmos = Cmos::new(cfg.rtc_start);
        cmos.set_memory_sizes(ram_bytes as u64);
        bioscall::describe_disks(&mut cmos, &disks);
        cmos.update_checksum();
        let io = Io {
            map: MemMap {
                ram: ram_bytes as u32,
                rom: rom as u32,
            },
            debugcon: open_output(&cfg.debugcon)?,
            exit: None,
            reset_request: false,
            a20: true,
            a20_changed: false,
            now_ns: 0,
            irq: IrqLines::default(),
            pic: DualPic::new(),
            pit: Pit::new(),
            com1,
            cmos,
            kbd: I8042::new(),
            pci: Pci::new(),
            dma: Dma::new(),
            port92: Port92::new(),
            bioscall: BiosCall::new(),
            unknown_seen: Box::new([0; 1024]),
            unknown_accesses: 0,
            timer_access: false,
            vga: Vga::new(),
            typist: Typist::default(),
        };
        let mut b = Board {
            ram: vec![0; ram_bytes],
            io,
            cpu: Interp::new(ram_bytes),
            disks,
            bios: cfg.bios.clone(),
            ips: cfg.ips.max(1),
            no_reboot: cfg.no_reboot,
            pace: cfg.pace,
            skipped_ns: 0,
            serial_in: None,
            fine_until: 0,
            frontend: None,
            quit: false,
        };
        b.power_on();
        Ok(b)
    }

    /// Attach a host front end (a window), polled by [`Board::run`] between slices.
    pub fn set_frontend(&mut self, frontend: Box<dyn Frontend + Send>) {
        self.frontend = Some(frontend);
    }

    /// Detach the front end (e.g. to close its window before the run's dumps are written).
    pub fn take_frontend(&mut self) -> Option<Box<dyn Frontend + Send>> {
        self.frontend.take()
    }

    /// `--keys`: type `text` on the PS/2 keyboard, one key every 50 ms of virtual time from
    /// 1 s after power-on (or from now, if that is later). Fails, naming it, on a character
    /// a US keyboard cannot type.
    pub fn type_keys(&mut self, text: &str) -> Result<(), char> {
        let start = crate::keys::KEYS_START_NS.max(self.now_ns());
        self.io.typist = Typist::new(text, start)?;
        Ok(())
    }

    /// Let the front end look at the devices; remembers a request to quit.
    fn poll_frontend(&mut self) -> Polled {
        if self.frontend.is_none() {
            return Polled::default();
        }
        let guest = GuestView {
            icount: self.cpu.cpu.icount,
            now_ns: self.now_ns(),
            halted: self.cpu.cpu.halted,
        };
        let Some(f) = self.frontend.as_mut() else {
            return Polled::default();
        };
        let p = f.poll(&mut self.io, guest);
        self.quit |= p.quit;
        p
    }

    /// Sleep while the guest idles, polling the front end every 10 ms at most, and waking
    /// early when it brings input (or a request to quit).
    fn idle_sleep(&mut self, nap: Duration) {
        if self.frontend.is_none() {
            std::thread::sleep(nap);
            return;
        }
        let end = Instant::now() + nap;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            std::thread::sleep(left.min(Duration::from_millis(10)));
            let p = self.poll_frontend();
            if p.quit || p.input {
                return;
            }
        }
    }

    /// Feed COM1 from a channel of host bytes (a stdin reader thread, a test).
    pub fn set_serial_input(&mut self, rx: Receiver<Vec<u8>>) {
        self.serial_in = Some(rx);
    }

    /// Load the ROM and reset the CPU and the board's reset-line devices. The RTC/CMOS
    /// keeps its time and memory and COM1 keeps its output, as on a real board.
    fn power_on(&mut self) {
        let low = self.io.map.rom_low() as usize;
        self.ram[low..low + self.bios.len()].copy_from_slice(&self.bios);
        self.cpu.reset();
        let io = &mut self.io;
        io.irq = IrqLines::default();
        io.pic = DualPic::new();
        io.pit = Pit::new();
        io.kbd = I8042::new();
        io.pci = Pci::new();
        io.dma = Dma::new();
        io.port92 = Port92::new();
        io.reset_request = false;
        io.a20_changed = false;
        io.a20 = io.kbd.a20() || io.port92.a20();
        // The reset-vector fetch at FFFFFFF0 needs A20 on; both QEMU's PC and the 8042's
        // power-on output port have it on.
        self.cpu.cpu.set_a20(io.a20);
    }

    /// Virtual time now, in nanoseconds.
    pub fn now_ns(&self) -> u64 {
        let run = (u128::from(self.cpu.cpu.icount) * 1_000_000_000 / u128::from(self.ips)) as u64;
        run + self.skipped_ns
    }

    /// Instructions that take `ns` of virtual time (at least 1).
    fn instrs_for(&self, ns: u64) -> u64 {
        ((u128::from(ns) * u128::from(self.ips)).div_ceil(1_000_000_000) as u64).max(1)
    }

    /// Run until the guest exits, resets (with `no_reboot`), triple-faults (with
    /// `no_reboot`), halts for good, or `deadline` (host time) passes.
    pub fn run(&mut self, deadline: Option<Instant>) -> RunOutcome {
        /// Instructions between looks at the host (deadline, serial input).
        const SLICE: u64 = 1_000_000;
        /// Slice length for a while after a timer access. Device time only moves between
        /// slices, so this bounds how stale the time seen by the guest's next timer access
        /// is (10 µs at 100 MIPS) when it computes between two reads.
        const FINE_SLICE: u64 = 1_000;
        /// How long (in instructions) fine slices go on after the last timer access.
        const FINE_WINDOW: u64 = 100_000;
        /// Slice length while the guest runs slowly (pathological self-modifying code can
        /// drop below 1 MIPS) and a deadline is set, so that `--timeout` is kept to within
        /// a few milliseconds. Only then: slice ends are where devices see the time move.
        const SLOW_SLICE: u64 = 20_000;
        /// A full slice that takes longer than this in host time counts as slow.
        const SLOW_HOST: Duration = Duration::from_millis(50);
        let host_start = Instant::now();
        let vt_start = self.now_ns();
        // With a deadline, start small until the guest shows its speed.
        let mut slow = deadline.is_some();
        loop {
            self.poll_host_input();
            if self.poll_frontend().quit || self.quit {
                self.flush();
                return RUN_QUIT;
            }
            let now = self.now_ns();
            self.io.advance(now);
            let slice = if self.cpu.cpu.icount < self.fine_until {
                FINE_SLICE
            } else if slow {
                SLOW_SLICE
            } else {
                SLICE
            };
            let budget = match self.io.next_event() {
                Some(t) if t > now => self.instrs_for(t - now).min(slice),
                Some(_) => 1,
                None => slice,
            };
            let exit = {
                let mut sys = Sys {
                    ram: &mut self.ram,
                    bus: &mut self.io,
                };
                let t0 = deadline.map(|_| Instant::now());
                let exit = self.cpu.run(&mut sys, budget);
                if let Some(t0) = t0 {
                    // Judge speed by what a full slice would have cost.
                    let per_instr = t0.elapsed() / u32::try_from(budget.max(1)).unwrap_or(u32::MAX);
                    slow = per_instr * u32::try_from(SLICE).unwrap_or(u32::MAX) > SLOW_HOST;
                }
                exit
            };
            self.io.now_ns = self.now_ns();
            match exit {
                Exit::Budget => {}
                Exit::Halted => {
                    let now = self.now_ns();
                    let next = self.io.next_event();
                    let waiting =
                        self.cpu.cpu.flags.sys(ironpc_cpu::flags::IF) || self.cpu.cpu.nmi_pending;
                    match next {
                        _ if !waiting => {
                            self.flush();
                            return RunOutcome::Halted(
                                "CPU halted with interrupts disabled".into(),
                            );
                        }
                        None if self.serial_in.is_none() && self.frontend.is_none() => {
                            self.flush();
                            return RunOutcome::Halted(
                                "CPU halted waiting for an interrupt, and no device can raise one"
                                    .into(),
                            );
                        }
                        None => self.idle_sleep(Duration::from_millis(10)),
                        Some(t) => {
                            // Idle: skip virtual time to the next event instead of spinning,
                            // and keep virtual time from running ahead of host time.
                            self.skipped_ns += t.saturating_sub(now);
                            if self.pace {
                                let vt = Duration::from_nanos(self.now_ns() - vt_start);
                                let host = host_start.elapsed();
                                if vt > host {
                                    let mut nap = vt - host;
                                    if let Some(d) = deadline {
                                        nap = nap.min(d.saturating_duration_since(Instant::now()));
                                    }
                                    self.idle_sleep(nap);
                                }
                            }
                        }
                    }
                }
                Exit::Stop => {
                    if let Some(addr) = self.io.bioscall.take() {
                        self.serve_bioscall(addr);
                    }
                    if std::mem::take(&mut self.io.timer_access) {
                        self.fine_until = self.cpu.cpu.icount.saturating_add(FINE_WINDOW);
                    }
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

    /// Serve a call of the built-in BIOS to the host (`bioscall.rs`): disk sectors and
    /// other results go straight into guest RAM, whose decoded code is then dropped.
    fn serve_bioscall(&mut self, addr: u32) {
        let written = serve_call(addr, &mut self.ram, &mut self.io, &mut self.disks);
        for (start, len) in written {
            self.cpu.cpu.invalidate_ram(start, len);
        }
    }

    /// Serve the pending call of the built-in BIOS to the host, if any, against `ram`: the
    /// guest RAM of another engine (KVM's mapping), laid out like [`Board::ram`] (the same
    /// size, the ROM copied below 1 MiB). The memory map is the board's: ROM pages are not
    /// written, the VGA window goes to the VGA, nothing else is reached. Returns whether a
    /// call was served. The interpreter's decoded code is not touched: its RAM is not
    /// `ram`.
    pub fn serve_bioscall_in(&mut self, ram: &mut [u8]) -> bool {
        let Some(addr) = self.io.bioscall.take() else {
            return false;
        };
        serve_call(addr, ram, &mut self.io, &mut self.disks);
        true
    }

    fn poll_host_input(&mut self) {
        let (Some(rx), Some(u)) = (self.serial_in.as_ref(), self.io.com1.as_mut()) else {
            return;
        };
        while let Ok(bytes) = rx.try_recv() {
            u.receive(&bytes);
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
        if let Some(u) = self.io.com1.as_mut() {
            u.flush_output();
        }
    }
}
