//! IronPC's hardware-assisted engine: the guest runs on the host CPU through Linux KVM, and
//! every port and MMIO exit goes to the same devices the interpreter uses (any
//! [`ironpc_cpu::CpuBus`]). The PIC stays ours (userspace irqchip): interrupts are injected
//! when KVM opens an interrupt window.
//!
//! On hosts where `/dev/kvm` is missing or unusable, [`KvmEngine::new`] returns an error
//! that says why; callers report the KVM rows as skipped.

#[cfg(target_os = "linux")]
mod linux;

#[cfg(target_os = "linux")]
pub use linux::KvmEngine;

/// Why a KVM run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvmExit {
    /// The guest executed HLT and no interrupt is waiting (or interrupts are disabled).
    /// KVM has completed the HLT: the caller keeps the vCPU out of the guest until an
    /// interrupt can be injected, or the guest goes on after the HLT without one.
    Halted,
    /// The board asked to stop after port I/O (exit port, reset request, A20 change).
    Stop,
    /// Triple fault (KVM_EXIT_SHUTDOWN).
    Shutdown,
    /// The exit budget of this call was used up.
    Budget,
}

/// Exits by reason: the cost of hardware-assisted virtualization is in these.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExitStats {
    /// Port reads.
    pub io_in: u64,
    /// Port writes.
    pub io_out: u64,
    /// MMIO reads.
    pub mmio_read: u64,
    /// MMIO writes.
    pub mmio_write: u64,
    /// HLT exits.
    pub hlt: u64,
    /// Interrupt-window exits.
    pub irq_window: u64,
    /// Interrupts injected.
    pub injected: u64,
    /// Any other exit.
    pub other: u64,
}

impl ExitStats {
    /// (reason, count) pairs, for reports.
    pub fn by_reason(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("io_in", self.io_in),
            ("io_out", self.io_out),
            ("mmio_read", self.mmio_read),
            ("mmio_write", self.mmio_write),
            ("hlt", self.hlt),
            ("irq_window", self.irq_window),
            ("injected", self.injected),
            ("other", self.other),
        ]
    }

    /// All exits.
    pub fn total(&self) -> u64 {
        self.io_in
            + self.io_out
            + self.mmio_read
            + self.mmio_write
            + self.hlt
            + self.irq_window
            + self.other
    }
}

/// Something KVM could not do.
#[derive(Debug, thiserror::Error)]
pub enum KvmError {
    /// `/dev/kvm` could not be opened or used.
    #[error("KVM is not available: {0}")]
    Unavailable(String),
    /// A KVM ioctl failed.
    #[error("KVM {what} failed: {err}")]
    Ioctl {
        /// Which operation.
        what: &'static str,
        /// The OS error.
        err: String,
    },
    /// Guest memory could not be set up.
    #[error("guest memory: {0}")]
    Memory(String),
    /// KVM could not enter the guest or hit an internal error.
    #[error("KVM could not run the guest: {0}")]
    Internal(String),
}

/// What `/dev/kvm` is on this host: "vmx", "svm", "pvm (software, nested)", or "none".
pub fn hypervisor() -> String {
    let m = |name: &str| std::path::Path::new("/sys/module").join(name).exists();
    if !std::path::Path::new("/dev/kvm").exists() {
        "none".into()
    } else if m("kvm_pvm") {
        "pvm (software, nested)".into()
    } else if m("kvm_intel") {
        "vmx".into()
    } else if m("kvm_amd") {
        "svm".into()
    } else {
        "kvm (unknown backend)".into()
    }
}
