//! What a machine is built from: RAM size, firmware, output backends, run limits.

use std::path::PathBuf;

/// Where a byte stream from the guest (debug console, COM1) goes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Output {
    /// The host's standard output.
    Stdio,
    /// A file, created or truncated.
    File(PathBuf),
    /// Discarded.
    #[default]
    Null,
    /// The device is absent.
    None,
}

impl Output {
    /// Parse a QEMU-style backend: `stdio`, `file:PATH`, `null`, `none`.
    pub fn parse(s: &str) -> Result<Output, ConfigError> {
        match s {
            "stdio" => Ok(Output::Stdio),
            "null" => Ok(Output::Null),
            "none" => Ok(Output::None),
            _ => match s.strip_prefix("file:") {
                Some(p) if !p.is_empty() => Ok(Output::File(PathBuf::from(p))),
                _ => Err(ConfigError::Backend(s.to_string())),
            },
        }
    }
}

/// Everything needed to build a [`crate::Board`].
#[derive(Clone, Debug)]
pub struct Config {
    /// Guest RAM in MiB.
    pub ram_mib: u32,
    /// Firmware image (a BIOS ROM), mapped below 1 MiB and below 4 GiB.
    pub bios: Vec<u8>,
    /// Port 0xE9 output.
    pub debugcon: Output,
    /// COM1 output.
    pub serial: Output,
    /// Stop on reset / triple fault instead of rebooting.
    pub no_reboot: bool,
    /// Guest instructions per virtual second (sets the speed of virtual time).
    pub ips: u64,
    /// RTC time at power-on, as a Unix timestamp.
    pub rtc_start: i64,
    /// While the guest idles, keep virtual time from running ahead of host time (sleep
    /// instead). Off: idle time is skipped at once (fastest, for tests of timed guests).
    pub pace: bool,
    /// Floppy and hard-disk images, boot device, `-snapshot`.
    pub disks: crate::disk::DiskConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ram_mib: 64,
            bios: Vec::new(),
            debugcon: Output::Null,
            serial: Output::Null,
            no_reboot: false,
            ips: 100_000_000,
            rtc_start: 946_684_800, // 2000-01-01 00:00:00 UTC
            pace: true,
            disks: crate::disk::DiskConfig::default(),
        }
    }
}

/// A configuration the board cannot be built from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Unknown output backend.
    #[error("unknown backend '{0}' (expected stdio, file:PATH, null or none)")]
    Backend(String),
    /// RAM size out of range.
    #[error("RAM size {0} MiB is out of range (2 to 3072 MiB)")]
    Ram(u32),
    /// Bad firmware image.
    #[error("BIOS image is {0} bytes: it must be a multiple of 4 KiB between 4 KiB and 128 KiB")]
    BiosSize(usize),
    /// A disk image cannot be used.
    #[error(transparent)]
    Disk(#[from] crate::disk::DiskError),
    /// An output file could not be created.
    #[error("cannot open {path}: {err}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        err: std::io::Error,
    },
}
