//! The KVM engine on Linux (kvm-ioctls). The only `unsafe` in IronPC outside dependencies is
//! here: registering guest memory with KVM.

use std::sync::Once;
use std::time::{Duration, Instant};

use ironpc_cpu::CpuBus;
use kvm_bindings::{kvm_userspace_memory_region, KVM_MEM_READONLY};
use kvm_ioctls::{Cap, Kvm, VcpuExit, VcpuFd, VmFd};
use memmap2::MmapMut;

use crate::{ExitStats, KvmError, KvmExit};

fn ioctl(what: &'static str) -> impl Fn(kvm_ioctls::Error) -> KvmError {
    move |e| KvmError::Ioctl {
        what,
        err: e.to_string(),
    }
}

/// A one-vCPU KVM virtual machine with its own page-aligned guest RAM.
pub struct KvmEngine {
    _kvm: Kvm,
    vm: VmFd,
    vcpu: VcpuFd,
    /// Declared last: dropped after the VM that maps it.
    mem: MmapMut,
    /// Exits by reason.
    pub stats: ExitStats,
    /// Times KVM_RUN was interrupted by the kick timer (so devices could catch up).
    pub kicks: u64,
}

/// The signal that kicks a vCPU thread out of KVM_RUN.
fn kick_signal() -> libc::c_int {
    libc::SIGRTMIN() + 1
}

extern "C" fn on_kick(_: libc::c_int) {}

/// Install a do-nothing handler for the kick signal (once per process): its only effect is
/// that a blocked KVM_RUN returns EINTR.
fn install_kick_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: `sa` is zero-initialised and then fully set up for a plain handler that
        // does nothing (async-signal-safe); no SA_RESTART, so KVM_RUN returns EINTR.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_kick as *const () as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(kick_signal(), &sa, std::ptr::null_mut());
        }
    });
}

/// A timer thread that interrupts the vCPU thread every `period` while `run` is active.
struct Kicker {
    /// Dropping it wakes the timer thread at once (a disconnected channel), so ending a
    /// run never waits for the rest of a period.
    stop: Option<std::sync::mpsc::Sender<()>>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Kicker {
    fn start(period: Duration) -> Kicker {
        install_kick_handler();
        // SAFETY: pthread_self has no preconditions.
        let target = unsafe { libc::pthread_self() };
        let (stop, wake) = std::sync::mpsc::channel::<()>();
        let handle = std::thread::spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = wake.recv_timeout(period) {
                // SAFETY: `target` is the thread that owns this Kicker and joins this thread
                // before it can exit (Drop), so the pthread_t stays valid.
                unsafe { libc::pthread_kill(target, kick_signal()) };
            }
        });
        Kicker {
            stop: Some(stop),
            handle: Some(handle),
        }
    }
}

impl Drop for Kicker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl KvmEngine {
    /// A VM with `ram_bytes` of RAM (≥ 1 MiB) and `rom` (≤ 128 KiB, 4 KiB multiple) mapped
    /// read-only at the top of the first MiB and of the 4 GiB space, with the VGA window
    /// A0000–BFFFF left to MMIO exits. The vCPU is in its reset state (F000:FFF0).
    pub fn new(ram_bytes: usize, rom: &[u8]) -> Result<KvmEngine, KvmError> {
        if ram_bytes < 0x10_0000
            || rom.is_empty()
            || rom.len() > 0x2_0000
            || !rom.len().is_multiple_of(4096)
        {
            return Err(KvmError::Memory(format!(
                "unsupported layout: {ram_bytes} bytes of RAM, {}-byte ROM",
                rom.len()
            )));
        }
        let kvm = Kvm::new().map_err(|e| KvmError::Unavailable(format!("/dev/kvm: {e}")))?;
        let vm = kvm.create_vm().map_err(ioctl("CREATE_VM"))?;
        let mut mem = MmapMut::map_anon(ram_bytes).map_err(|e| KvmError::Memory(e.to_string()))?;
        let rom_low = 0x10_0000 - rom.len();
        mem[rom_low..0x10_0000].copy_from_slice(rom);
        // ROM slots are read-only (guest writes become MMIO exits the bus ignores) — except
        // under PVM, whose instruction emulator hangs when the guest writes a read-only slot
        // (seen when the CPU sets the accessed bit of a GDT that lives in ROM). There the ROM
        // is writable: a deviation, documented in BENCHMARKS.md.
        let pvm = crate::hypervisor().starts_with("pvm");
        let ro = if !pvm && kvm.check_extension(Cap::ReadonlyMem) {
            KVM_MEM_READONLY
        } else {
            0
        };
        let base = mem.as_mut_ptr() as u64;
        let regions: [(u64, u64, u64, u32); 5] = [
            (0, 0xA_0000, 0, 0),
            (0xC_0000, rom_low as u64 - 0xC_0000, 0xC_0000, 0),
            (rom_low as u64, rom.len() as u64, rom_low as u64, ro),
            (0x10_0000, ram_bytes as u64 - 0x10_0000, 0x10_0000, 0),
            (
                0x1_0000_0000 - rom.len() as u64,
                rom.len() as u64,
                rom_low as u64,
                ro,
            ),
        ];
        for (slot, &(gpa, size, off, flags)) in regions.iter().enumerate() {
            if size == 0 {
                continue;
            }
            let region = kvm_userspace_memory_region {
                slot: slot as u32,
                flags,
                guest_phys_addr: gpa,
                memory_size: size,
                userspace_addr: base + off,
            };
            // SAFETY: `userspace_addr..+memory_size` lies inside `mem` (offsets checked above
            // against `ram_bytes`), a page-aligned anonymous mapping that this struct owns and
            // that outlives the VM (`mem` is dropped after `vm`). Slots do not overlap.
            unsafe { vm.set_user_memory_region(region) }
                .map_err(ioctl("SET_USER_MEMORY_REGION"))?;
        }
        // Needed by Intel VMX for real mode; harmless elsewhere.
        let _ = vm.set_tss_address(0xFFFB_D000);
        let _ = vm.set_identity_map_address(0xFFFB_C000);
        let vcpu = vm.create_vcpu(0).map_err(ioctl("CREATE_VCPU"))?;
        if let Ok(cpuid) = kvm.get_supported_cpuid(kvm_bindings::KVM_MAX_CPUID_ENTRIES) {
            let _ = vcpu.set_cpuid2(&cpuid);
        }
        Ok(KvmEngine {
            _kvm: kvm,
            vm,
            vcpu,
            mem,
            stats: ExitStats::default(),
            kicks: 0,
        })
    }

    /// Guest RAM.
    pub fn ram(&mut self) -> &mut [u8] {
        &mut self.mem
    }

    /// The vCPU's general registers (EAX..EDI, EIP, EFLAGS), for comparisons with the
    /// interpreter.
    pub fn regs(&self) -> Result<[u32; 10], KvmError> {
        let r = self.vcpu.get_regs().map_err(ioctl("GET_REGS"))?;
        Ok([
            r.rax, r.rcx, r.rdx, r.rbx, r.rsp, r.rbp, r.rsi, r.rdi, r.rip, r.rflags,
        ]
        .map(|v| v as u32))
    }

    /// Run the guest until it halts with nothing to inject, the bus wants to stop, the
    /// guest shuts down, `max_exits` exits have happened, or `deadline` passed.
    pub fn run(
        &mut self,
        bus: &mut dyn CpuBus,
        max_exits: u64,
        deadline: Option<Instant>,
    ) -> Result<KvmExit, KvmError> {
        self.run_sliced(bus, max_exits, deadline, None)
    }

    /// [`KvmEngine::run`], but a timer thread also kicks the vCPU out of the guest after
    /// `slice` of host time (returning [`KvmExit::Budget`]), so the caller can bring device
    /// time forward even when the guest makes no exits.
    pub fn run_sliced(
        &mut self,
        bus: &mut dyn CpuBus,
        max_exits: u64,
        deadline: Option<Instant>,
        slice: Option<Duration>,
    ) -> Result<KvmExit, KvmError> {
        let period = match (slice, deadline) {
            (Some(s), _) => Some(s),
            (None, Some(d)) => Some(
                d.saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1)),
            ),
            (None, None) => None,
        };
        let _kicker = period.map(Kicker::start);
        for _ in 0..max_exits {
            self.inject(bus)?;
            let exit = match self.vcpu.run() {
                Ok(e) => e,
                Err(e) if e.errno() == libc::EINTR => {
                    self.kicks += 1;
                    self.vcpu.set_kvm_immediate_exit(0);
                    return Ok(KvmExit::Budget);
                }
                Err(e) => return Err(KvmError::Internal(e.to_string())),
            };
            let mut stop = false;
            match exit {
                VcpuExit::IoOut(port, data) => {
                    self.stats.io_out += 1;
                    let (v, size) = pack(data);
                    bus.io_out(port, size, v);
                    stop = bus.wants_stop();
                }
                VcpuExit::IoIn(port, data) => {
                    self.stats.io_in += 1;
                    let v = bus.io_in(port, data.len().min(4) as u8);
                    for (i, b) in data.iter_mut().enumerate().take(4) {
                        *b = (v >> (8 * i)) as u8;
                    }
                }
                VcpuExit::MmioRead(addr, data) => {
                    self.stats.mmio_read += 1;
                    let v = bus.mem_read(addr as u32, data.len().min(4) as u8);
                    for (i, b) in data.iter_mut().enumerate().take(4) {
                        *b = (v >> (8 * i)) as u8;
                    }
                }
                VcpuExit::MmioWrite(addr, data) => {
                    self.stats.mmio_write += 1;
                    let (v, size) = pack(data);
                    bus.mem_write(addr as u32, size, v);
                }
                VcpuExit::Hlt => {
                    self.stats.hlt += 1;
                    // KVM has completed the HLT: entering the guest again resumes after it,
                    // so go on only if an interrupt can be injected right away.
                    if !bus.intr_pending() || self.vcpu.get_kvm_run().if_flag == 0 {
                        return Ok(KvmExit::Halted);
                    }
                }
                VcpuExit::IrqWindowOpen => self.stats.irq_window += 1,
                VcpuExit::Shutdown => return Ok(KvmExit::Shutdown),
                VcpuExit::FailEntry(reason, _) => {
                    return Err(KvmError::Internal(format!(
                        "entry failed, hardware reason {reason:#x}"
                    )))
                }
                VcpuExit::InternalError => {
                    return Err(KvmError::Internal("KVM internal error".into()))
                }
                _ => self.stats.other += 1,
            }
            if stop {
                return Ok(KvmExit::Stop);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(KvmExit::Budget);
            }
        }
        Ok(KvmExit::Budget)
    }

    /// Inject a waiting PIC interrupt when the guest can take it; otherwise ask KVM for an
    /// interrupt-window exit.
    fn inject(&mut self, bus: &mut dyn CpuBus) -> Result<(), KvmError> {
        let pending = bus.intr_pending();
        let run = self.vcpu.get_kvm_run();
        if pending && run.ready_for_interrupt_injection != 0 && run.if_flag != 0 {
            run.request_interrupt_window = 0;
            let v = bus.intr_ack();
            let mut ev = self
                .vcpu
                .get_vcpu_events()
                .map_err(ioctl("GET_VCPU_EVENTS"))?;
            ev.interrupt.injected = 1;
            ev.interrupt.nr = v;
            ev.interrupt.soft = 0;
            self.vcpu
                .set_vcpu_events(&ev)
                .map_err(ioctl("SET_VCPU_EVENTS"))?;
            self.stats.injected += 1;
        } else {
            run.request_interrupt_window = u8::from(pending);
        }
        Ok(())
    }

    /// The VM (for callers that need more ioctls).
    pub fn vm(&self) -> &VmFd {
        &self.vm
    }
}

/// Little-endian bytes of an exit's data as a value and a size (1, 2 or 4).
fn pack(data: &[u8]) -> (u32, u8) {
    let mut v = 0u32;
    for (i, b) in data.iter().enumerate().take(4) {
        v |= u32::from(*b) << (8 * i);
    }
    (v, data.len().min(4) as u8)
}
