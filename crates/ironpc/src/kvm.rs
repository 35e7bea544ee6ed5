//! `-accel kvm`: the same board, its devices driven by KVM exits instead of the
//! interpreter. Virtual time is host time here (so `--keys`, which types on the board's
//! time, types on host time). The guest's RAM is the KVM engine's own mapping: the built-in
//! BIOS's host calls (INT 13h disk I/O, the INT 15h AH=87h block move, messages) are served
//! against it ([`Board::serve_bioscall_in`]), so disk guests boot as on the interpreter.
//!
//! Deviations from the interpreter:
//! * no A20 masking: KVM has none (QEMU's KVM mode has none either), so the address space
//!   never wraps at 1 MiB. The gate's state is still kept by the board's port 92h and 8042
//!   (what the BIOS's INT 15h AH=24h reports), it just does not change memory;
//! * a reset ends the run with `-no-reboot` and is an error otherwise (no reboot yet);
//! * no window, no serial console input.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ironpc_cpu::CpuBus;
use ironpc_kvm::{KvmEngine, KvmError, KvmExit};
use ironpc_machine::{Board, RunOutcome};

/// The IF bit of EFLAGS.
const EFLAGS_IF: u32 = 1 << 9;

/// After [`KvmExit::Stop`]: serve a pending host call of the built-in BIOS against the
/// engine's RAM, and acknowledge the stop reasons the interpreter alone acts on (a timer
/// access: device time is host time and is brought forward before the next slice anyway; an
/// A20 change: KVM has no A20 masking). The exit status and a reset request are left to the
/// caller.
///
/// The guest resumes correctly after the call: KVM has completed the `OUT` before it
/// exits to user space (RIP is past it), and the next `KVM_RUN` sees the frame written
/// here, which the BIOS then pops.
pub fn serve_stop(board: &mut Board, kvm: &mut KvmEngine) {
    board.serve_bioscall_in(kvm.ram());
    let _a20 = board.io.acknowledge_stop();
}

/// After [`KvmExit::Halted`] (HLT with no interrupt waiting): why the CPU can never wake
/// again, if it cannot (interrupts disabled, or no device that could raise one), as the
/// interpreter's run loop says it.
pub fn halted_for_good(board: &Board, kvm: &KvmEngine) -> Result<Option<String>, KvmError> {
    let eflags = kvm.regs()?[9];
    Ok(if eflags & EFLAGS_IF == 0 {
        Some("CPU halted with interrupts disabled".into())
    } else if board.io.next_event().is_none() {
        Some("CPU halted waiting for an interrupt, and no device can raise one".into())
    } else {
        None
    })
}

/// After [`KvmExit::Halted`]: keep the vCPU out of the guest, bringing device time (host
/// time since `start`) forward, until the PIC has an interrupt for it. KVM has already
/// completed the HLT when it exits (with a user-space irqchip the halted state is ours to
/// keep), so entering the guest earlier would end the HLT without an interrupt, and a
/// guest waiting in HLT for its timer tick would go on early. Returns false if `deadline`
/// passed first.
pub fn wait_for_interrupt(board: &mut Board, start: Instant, deadline: Option<Instant>) -> bool {
    loop {
        let now = start.elapsed().as_nanos() as u64;
        board.io.advance(now);
        if board.io.intr_pending() {
            return true;
        }
        let mut nap = board
            .io
            .next_event()
            .map_or(Duration::from_millis(10), |t| {
                Duration::from_nanos(t.saturating_sub(now))
            })
            .min(Duration::from_millis(10));
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            nap = nap.min(left);
        }
        std::thread::sleep(nap);
    }
}

/// How long to stay in the guest: until the next device event, 0.1 ms to 10 ms.
pub fn slice(board: &Board, now: u64) -> Duration {
    board
        .io
        .next_event()
        .map(|t| Duration::from_nanos(t.saturating_sub(now)))
        .unwrap_or(Duration::from_millis(10))
        .clamp(Duration::from_micros(100), Duration::from_millis(10))
}

/// Run `board`'s devices with the guest on KVM until the guest exits, resets, shuts down,
/// halts for good, or `deadline` passes.
pub fn run(
    board: &mut Board,
    ram_bytes: usize,
    bios: &[u8],
    no_reboot: bool,
    deadline: Option<Instant>,
) -> Result<RunOutcome> {
    let mut kvm = KvmEngine::new(ram_bytes, bios).context("-accel kvm")?;
    eprintln!("ironpc: KVM engine on {}", ironpc_kvm::hypervisor());
    let start = Instant::now();
    let outcome = loop {
        let now = start.elapsed().as_nanos() as u64;
        board.io.advance(now);
        // Leave the guest at the next device event, or after 10 ms at most.
        let slice = slice(board, now);
        let exit = kvm.run_sliced(&mut board.io, u64::MAX, deadline, Some(slice));
        let exit = match exit {
            Ok(e) => e,
            Err(e) => {
                board.flush();
                return Err(e).context("-accel kvm");
            }
        };
        match exit {
            KvmExit::Stop => {
                serve_stop(board, &mut kvm);
                if let Some(code) = board.io.exit_code() {
                    break RunOutcome::Exit(code);
                }
                if board.io.reset_requested() {
                    if no_reboot {
                        break RunOutcome::Reset;
                    }
                    board.flush();
                    anyhow::bail!("the guest reset the machine; rebooting is not supported under -accel kvm yet (use -no-reboot)");
                }
            }
            KvmExit::Halted => {
                if let Some(why) = halted_for_good(board, &kvm)? {
                    break RunOutcome::Halted(why);
                }
                if !wait_for_interrupt(board, start, deadline) {
                    break RunOutcome::Timeout;
                }
            }
            KvmExit::Shutdown => {
                break RunOutcome::TripleFault("triple fault (KVM_EXIT_SHUTDOWN)".into());
            }
            KvmExit::Budget => {}
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break RunOutcome::Timeout;
        }
    };
    board.flush();
    eprintln!(
        "ironpc: KVM exits by reason: {:?} (kicks {}, BIOS host calls {})",
        kvm.stats.by_reason(),
        kvm.kicks,
        board.io.bioscall.calls
    );
    Ok(outcome)
}
