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
    "rtc",
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
    /// Display: window (the default when DISPLAY is set) or none.
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
    /// RTC start: base=utc (host time, the default), base=localtime, or
    /// base=YYYY-MM-DDTHH:MM:SS (also YYYY-MM-DD) for a fixed date.
    #[arg(long, value_name = "base=utc|localtime|DATETIME")]
    pub rtc: Option<String>,
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

/// Where the RTC starts (QEMU's `-rtc base=...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RtcBase {
    /// The host's current time, UTC.
    Utc,
    /// The host's current time in its local time zone.
    LocalTime,
    /// A fixed date and time, as the RTC registers show it (a Unix timestamp).
    At(i64),
}

impl RtcBase {
    /// Parse the `-rtc` option list: `base=utc|localtime|YYYY-MM-DD[THH:MM:SS]`, and
    /// `clock=host|vm` (see [`rtc_clock_paced`]).
    pub fn parse(s: &str) -> Result<RtcBase, String> {
        let mut base = RtcBase::Utc;
        for opt in s.split(',').filter(|o| !o.is_empty()) {
            match opt.split_once('=') {
                Some(("base", "utc")) => base = RtcBase::Utc,
                Some(("base", "localtime")) => base = RtcBase::LocalTime,
                Some(("base", dt)) => base = RtcBase::At(parse_datetime(dt)?),
                Some(("clock", "vm" | "host")) => {}
                Some(("clock", c)) => return Err(format!("-rtc clock={c}: expected host or vm")),
                _ => {
                    return Err(format!(
                        "-rtc {opt}: expected base=utc, base=localtime or \
                         base=YYYY-MM-DDTHH:MM:SS"
                    ))
                }
            }
        }
        Ok(base)
    }

    /// The RTC's start as a Unix timestamp of what its registers show, given the host's
    /// time now (Unix seconds) and its offset from UTC (seconds east).
    pub fn start(self, host_now: i64, utc_offset: i64) -> i64 {
        match self {
            RtcBase::Utc => host_now,
            RtcBase::LocalTime => host_now.saturating_add(utc_offset),
            RtcBase::At(t) => t,
        }
    }
}

/// The `clock=` part of `-rtc`: whether virtual time is tied to host time. The machine's
/// clock (RTC, PIT, TSC) always runs on virtual time, which advances with the instructions
/// executed. `clock=host` (the default) keeps it from running ahead of host time while the
/// guest idles, for interactive use; `clock=vm` skips idle time at once, so a guest's
/// timers run as fast as the host can execute it (repeatable and fastest, for tests).
pub fn rtc_clock_paced(opt: Option<&str>) -> bool {
    !opt.is_some_and(|s| s.split(',').any(|o| o == "clock=vm"))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let m = i64::from(m);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS` (QEMU's formats) as a Unix timestamp.
fn parse_datetime(s: &str) -> Result<i64, String> {
    let bad = || format!("-rtc base={s}: expected YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD");
    let (date, time) = s.split_once('T').unwrap_or((s, "00:00:00"));
    let num = |f: &str, max_len: usize| -> Result<u32, String> {
        if f.is_empty() || f.len() > max_len || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        f.parse().map_err(|_| bad())
    };
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = time.split(':').collect();
    let ([y, mo, da], [h, mi, se]) = (d.as_slice(), t.as_slice()) else {
        return Err(bad());
    };
    let (y, mo, da) = (i64::from(num(y, 4)?), num(mo, 2)?, num(da, 2)?);
    let (h, mi, se) = (num(h, 2)?, num(mi, 2)?, num(se, 2)?);
    if !(1..=12).contains(&mo) || da == 0 || da > days_in_month(y, mo) {
        return Err(format!("-rtc base={s}: no such date"));
    }
    if h > 23 || mi > 59 || se > 59 {
        return Err(format!("-rtc base={s}: no such time of day"));
    }
    Ok(days_from_civil(y, mo, da) * 86_400 + i64::from(h * 3600 + mi * 60 + se))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtc_base() {
        assert_eq!(RtcBase::parse("base=utc"), Ok(RtcBase::Utc));
        assert_eq!(RtcBase::parse("base=localtime"), Ok(RtcBase::LocalTime));
        assert_eq!(
            RtcBase::parse("base=2000-01-01T00:00:00"),
            Ok(RtcBase::At(946_684_800))
        );
        assert_eq!(
            RtcBase::parse("base=2000-01-01"),
            Ok(RtcBase::At(946_684_800))
        );
        assert_eq!(
            RtcBase::parse("base=2024-02-29T23:59:58,clock=vm"),
            Ok(RtcBase::At(1_709_251_198))
        );
        assert_eq!(
            RtcBase::parse("base=1969-12-31T23:59:59"),
            Ok(RtcBase::At(-1))
        );
        assert_eq!(
            RtcBase::parse("base=2038-01-19T03:14:08"),
            Ok(RtcBase::At(1 << 31))
        );
        assert_eq!(
            RtcBase::parse("base=9999-12-31T23:59:59").map(|b| b.start(0, 0)),
            Ok(253_402_300_799)
        );
        for bad in [
            "base=2023-02-29",
            "base=2024-13-01",
            "base=2024-04-31",
            "base=2024-01-01T24:00:00",
            "base=2024-01-01T12:60:00",
            "base=2024-01-01T12:00",
            "base=2024-1-1x",
            "base=+024-01-01",
            "base=tomorrow",
            "clock=rt",
            "driftfix=slew",
            "utc",
        ] {
            assert!(RtcBase::parse(bad).is_err(), "{bad} should be rejected");
        }
        assert_eq!(RtcBase::parse("clock=host"), Ok(RtcBase::Utc));
        assert!(rtc_clock_paced(None));
        assert!(rtc_clock_paced(Some("base=utc,clock=host")));
        assert!(!rtc_clock_paced(Some("base=utc,clock=vm")));
        assert_eq!(RtcBase::Utc.start(1000, 3600), 1000);
        assert_eq!(RtcBase::LocalTime.start(1000, 3600), 4600);
        assert_eq!(RtcBase::At(5).start(1000, 3600), 5);
    }

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
