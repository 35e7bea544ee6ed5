//! The command line of `cli-contract.md`: QEMU-style single-dash long flags. clap has no
//! single-dash long options, so known QEMU spellings are rewritten to `--flag` first.

use std::path::PathBuf;

use clap::Parser;

/// Flags that QEMU spells with one dash.
const QEMU_FLAGS: &[&str] = &[
    "accel",
    "bios",
    "fda",
    "fdb",
    "hda",
    "hdb",
    "boot",
    "kernel",
    "initrd",
    "append",
    "nographic",
    "display",
    "serial",
    "debugcon",
    "no-reboot",
    "snapshot",
];

/// Rewrite `-kernel` to `--kernel` (and `-kernel=x` to `--kernel=x`) for the known flags.
pub fn qemu_to_clap(args: impl IntoIterator<Item = String>) -> Vec<String> {
    args.into_iter()
        .map(|a| {
            if let Some(rest) = a.strip_prefix('-').filter(|r| !r.starts_with('-')) {
                let name = rest.split('=').next().unwrap_or(rest);
                if QEMU_FLAGS.contains(&name) {
                    return format!("-{a}");
                }
            }
            a
        })
        .collect()
}

/// IronPC: a full-system x86 PC emulator.
#[derive(Parser, Debug)]
#[command(name = "ironpc", version, about, long_about = None)]
pub struct Args {
    /// Guest RAM in MiB.
    #[arg(short = 'm', value_name = "MIB", default_value_t = 64)]
    pub mem: u32,
    /// Engine: interp (pure software) or kvm.
    #[arg(long, value_name = "interp|kvm", default_value = "interp")]
    pub accel: String,
    /// Firmware ROM image instead of the built-in BIOS.
    #[arg(long, value_name = "FILE")]
    pub bios: Option<PathBuf>,
    /// Raw floppy image for drive A.
    #[arg(long, value_name = "FILE")]
    pub fda: Option<PathBuf>,
    /// Raw floppy image for drive B.
    #[arg(long, value_name = "FILE")]
    pub fdb: Option<PathBuf>,
    /// Raw hard-disk image (first disk).
    #[arg(long, value_name = "FILE")]
    pub hda: Option<PathBuf>,
    /// Raw hard-disk image (second disk).
    #[arg(long, value_name = "FILE")]
    pub hdb: Option<PathBuf>,
    /// Boot device: a (floppy) or c (hard disk).
    #[arg(long, value_name = "a|c")]
    pub boot: Option<String>,
    /// Linux bzImage to boot directly.
    #[arg(long, value_name = "FILE")]
    pub kernel: Option<PathBuf>,
    /// Initial ramdisk for -kernel.
    #[arg(long, value_name = "FILE")]
    pub initrd: Option<PathBuf>,
    /// Kernel command line for -kernel.
    #[arg(long, value_name = "STR")]
    pub append: Option<String>,
    /// No window; COM1 on stdin/stdout.
    #[arg(long)]
    pub nographic: bool,
    /// Display: window or none.
    #[arg(long, value_name = "window|none")]
    pub display: Option<String>,
    /// COM1 backend: stdio, file:PATH, null or none.
    #[arg(long, value_name = "BACKEND")]
    pub serial: Option<String>,
    /// Port 0xE9 output: stdio, file:PATH or none.
    #[arg(long, value_name = "BACKEND")]
    pub debugcon: Option<String>,
    /// A guest reset or triple fault ends the run.
    #[arg(long = "no-reboot")]
    pub no_reboot: bool,
    /// Disk writes stay in memory.
    #[arg(long)]
    pub snapshot: bool,
    /// Type STRING on the PS/2 keyboard (\n = Enter).
    #[arg(long, value_name = "STRING")]
    pub keys: Option<String>,
    /// Write the text-mode screen to FILE when the run ends.
    #[arg(long, value_name = "FILE")]
    pub textdump: Option<PathBuf>,
    /// Write the screen as PNG to FILE when the run ends.
    #[arg(long, value_name = "FILE.png")]
    pub screendump: Option<PathBuf>,
    /// End the run after SECONDS of host time (exit status 124).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_flags_are_rewritten() {
        let v = qemu_to_clap(
            [
                "ironpc",
                "-m",
                "32",
                "-bios",
                "x.rom",
                "-no-reboot",
                "--timeout",
                "5",
                "-debugcon",
                "stdio",
            ]
            .map(String::from),
        );
        let a = Args::try_parse_from(v).unwrap();
        assert_eq!(a.mem, 32);
        assert_eq!(a.bios.as_deref(), Some(std::path::Path::new("x.rom")));
        assert!(a.no_reboot);
        assert_eq!(a.timeout, Some(5.0));
        assert_eq!(a.debugcon.as_deref(), Some("stdio"));
    }

    #[test]
    fn values_that_look_like_flags_are_kept() {
        let v = qemu_to_clap(["ironpc", "-append", "-kernel"].map(String::from));
        assert_eq!(
            v[2], "--kernel",
            "a value is rewritten only if it is a known flag name"
        );
    }
}
