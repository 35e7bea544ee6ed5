//! `-accel kvm`: the same board, its devices driven by KVM exits instead of the
//! interpreter. Virtual time is host time here. The guest's RAM is the KVM engine's own
//! mapping, so this path runs firmware (`-bios`) guests; board services that write guest RAM
//! from the host (the BIOS disk path) are not wired to it yet.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ironpc_kvm::{KvmEngine, KvmExit};
use ironpc_machine::{Board, RunOutcome};

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
        let slice = board
            .io
            .next_event()
            .map(|t| Duration::from_nanos(t.saturating_sub(now)))
            .unwrap_or(Duration::from_millis(10))
            .clamp(Duration::from_micros(100), Duration::from_millis(10));
        match kvm.run_sliced(&mut board.io, u64::MAX, deadline, Some(slice))? {
            KvmExit::Stop => {
                if let Some(code) = board.io.exit_code() {
                    break RunOutcome::Exit(code);
                }
                if board.io.reset_requested() {
                    if no_reboot {
                        break RunOutcome::Reset;
                    }
                    anyhow::bail!("the guest reset the machine; rebooting is not supported under -accel kvm yet (use -no-reboot)");
                }
            }
            KvmExit::Halted => {
                if board.io.next_event().is_none() {
                    break RunOutcome::Halted(
                        "CPU halted and no device can raise an interrupt".into(),
                    );
                }
                std::thread::sleep(slice);
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
        "ironpc: KVM exits by reason: {:?} (kicks {})",
        kvm.stats.by_reason(),
        kvm.kicks
    );
    Ok(outcome)
}
