//! Third-party boot loaders booting a Multiboot kernel of ours on the built-in BIOS.
//!
//! * `tests/guests/mbkernel.asm` (assembled here with nasm) is a Multiboot 1 kernel, a flat
//!   binary loaded at 1 MiB through the header's address fields. It prints what its loader
//!   handed over (magic, CPU mode, CS descriptor, the multiboot information: memory sizes,
//!   memory map, command line, boot device, loader name) as `key=value` lines on the debug
//!   console and COM1, then ends the run through port F4h (status 1 when its own checks pass).
//! * GRUB 2 from an image made by `grub-mkrescue` (grub-pc-bin, grub-common, xorriso), booted
//!   as a hard disk through the hybrid ISO's MBR: its menu, its command line reached with
//!   `--keys`, and its `multiboot` command loading our kernel.
//! * SYSLINUX's `mboot.c32` (syslinux, syslinux-common) loading the same kernel from a FAT
//!   floppy.
//!
//! Nothing third-party is stored in the repository: the images are built here from the
//! Debian packages that `scripts/test.sh` installs.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use support::{grub_mkrescue, repo, s, scratch, tool};

/// Assemble `tests/guests/mbkernel.asm` into `dir`.
fn mbkernel(dir: &Path) -> PathBuf {
    let out = dir.join("mbkernel.bin");
    tool(
        "nasm",
        &[
            "-f",
            "bin",
            "-o",
            s(&out),
            s(&repo().join("tests/guests/mbkernel.asm")),
        ],
    );
    out
}

struct Run {
    status: Option<i32>,
    /// The debug console (port E9h).
    out: String,
    err: String,
    /// COM1.
    serial: String,
    /// `--textdump`.
    screen: String,
    secs: f64,
}

/// Run `ironpc` headless on `args`, the debug console on stdout, COM1 and the text screen
/// into files of `dir`.
fn ironpc(dir: &Path, args: &[&str]) -> Run {
    let com1 = dir.join("com1.txt");
    let dump = dir.join("screen.txt");
    let _ = std::fs::remove_file(&com1);
    let _ = std::fs::remove_file(&dump);
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .args(["-debugcon", "stdio", "-display", "none", "-no-reboot"])
        .args(["-serial", &format!("file:{}", s(&com1))])
        .args(["--textdump", s(&dump)])
        .args(args)
        .output()
        .unwrap();
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    let r = Run {
        status: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
        serial: read(&com1),
        screen: read(&dump),
        secs: t.elapsed().as_secs_f64(),
    };
    eprintln!("ironpc {args:?}: {:.2} s, status {:?}", r.secs, r.status);
    r
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "status {:?} after {:.1} s\n--- debug console:\n{}\n--- stderr:\n{}\n--- COM1:\n{}\n--- screen:\n{}",
            self.status, self.secs, self.out, self.err, self.serial, self.screen
        )
    }
}

/// What the kernel reported: its `key=value` fields and the memory-map entries.
#[derive(Debug)]
struct Report {
    fields: HashMap<String, String>,
    /// base, length, type
    mmap: Vec<(u64, u64, u32)>,
}

impl Report {
    /// Parse the kernel's lines from `text` (from its `magic=` line on; what a loader printed
    /// before is ignored). `cmdline=` and `loader=` take the rest of their line; other lines
    /// hold `key=value` pairs separated by spaces.
    fn parse(text: &str) -> Report {
        let start = text
            .find("magic=")
            .unwrap_or_else(|| panic!("the kernel did not report:\n{text}"));
        let mut fields = HashMap::new();
        let mut mmap = Vec::new();
        for line in text[start..].lines() {
            if let Some(v) = line.strip_prefix("mmap=") {
                let p: Vec<&str> = v.split(',').collect();
                assert_eq!(p.len(), 3, "{line}");
                mmap.push((hex(p[0]), hex(p[1]), p[2].parse().unwrap()));
                continue;
            }
            if let Some((k @ ("cmdline" | "loader"), v)) = line.split_once('=') {
                fields.insert(k.to_string(), v.to_string());
                continue;
            }
            for pair in line.split_whitespace() {
                if let Some((k, v)) = pair.split_once('=') {
                    fields.insert(k.to_string(), v.to_string());
                }
            }
        }
        Report { fields, mmap }
    }

    fn get(&self, key: &str) -> &str {
        self.fields
            .get(key)
            .unwrap_or_else(|| panic!("no {key}= in the report: {self:?}"))
    }

    fn num(&self, key: &str) -> u64 {
        let v = self.get(key);
        match v.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).unwrap(),
            None => v.parse().unwrap(),
        }
    }
}

fn hex(v: &str) -> u64 {
    u64::from_str_radix(v.trim_start_matches("0x"), 16).unwrap()
}

/// The checks every loader must pass (Multiboot 1, sections 3.2 and 3.3), for a machine
/// with `mib` MiB of RAM.
fn check_kernel_report(r: &Run, mib: u64) -> Report {
    let rep = Report::parse(&r.out);
    // The machine state: EAX, protected mode without paging, interrupts off, a flat 4 GiB
    // 32-bit code segment, flat data and stack segments.
    assert_eq!(rep.get("magic"), "0x2BADB002", "{r}");
    assert_eq!(
        (rep.get("pe"), rep.get("pg"), rep.get("if"), rep.get("vm")),
        ("1", "0", "0", "0"),
        "{r}"
    );
    assert_eq!(rep.get("cs_base"), "0x00000000", "{r}");
    assert_eq!(rep.get("cs_limit"), "0xFFFFFFFF", "{r}");
    assert_eq!(rep.get("cs_d"), "1", "{r}");
    assert_eq!(rep.get("ds_limit"), "0xFFFFFFFF", "{r}");
    assert_eq!(rep.get("ss_limit"), "0xFFFFFFFF", "{r}");
    assert_eq!(rep.get("checks"), "ok", "{r}");
    assert_eq!(r.status, Some(1), "the kernel's exit through port F4h: {r}");

    // The memory sizes (flag 0): conventional memory below the 1 KiB EBDA, and everything
    // from 1 MiB up to the end of RAM (there is no hole below -m).
    let flags = rep.num("flags");
    assert_ne!(flags & 1, 0, "mem_* present: {r}");
    assert_eq!(rep.num("mem_lower"), 639, "{r}");
    assert_eq!(rep.num("mem_upper"), mib * 1024 - 1024, "-m {mib}: {r}");

    // The memory map (flag 6) is what INT 15h E820h says: usable RAM below the EBDA and
    // from 1 MiB to the end of RAM, the rest reserved; it agrees with mem_lower/mem_upper.
    assert_ne!(flags & (1 << 6), 0, "mmap present: {r}");
    assert_eq!(rep.num("mmap_entries") as usize, rep.mmap.len(), "{r}");
    let usable: Vec<(u64, u64)> = rep
        .mmap
        .iter()
        .filter(|e| e.2 == 1)
        .map(|e| (e.0, e.1))
        .collect();
    assert_eq!(
        usable,
        [
            (0, rep.num("mem_lower") * 1024),
            (0x10_0000, rep.num("mem_upper") * 1024)
        ],
        "usable RAM in the map: {r}"
    );
    assert_eq!(
        usable.iter().map(|e| e.1).sum::<u64>(),
        (mib << 20) - 0x400 - 0x6_0000,
        "all of -m {mib} but the EBDA and the 384 KiB of adapter space: {r}"
    );
    for e in &rep.mmap {
        assert!(e.1 > 0 && e.2 != 0, "entry {e:x?}: {r}");
        if e.2 != 1 {
            // Reserved entries (EBDA, BIOS) overlap no usable RAM.
            for u in &usable {
                assert!(
                    e.0 + e.1 <= u.0 || u.0 + u.1 <= e.0,
                    "{e:x?} overlaps {u:x?}: {r}"
                );
            }
        }
    }
    // The command line (flag 2).
    assert_ne!(flags & (1 << 2), 0, "cmdline present: {r}");
    // The same report went to COM1, through the polled UART.
    for key in [
        "magic=0x2BADB002",
        "checks=ok",
        &format!("mem_upper={}", mib * 1024 - 1024),
    ] {
        assert!(r.serial.contains(key), "COM1 has {key}: {r}");
    }
    rep
}

/// The Multiboot header of the assembled kernel (spec section 3.1): in the first 8 KiB,
/// 4-byte aligned, its checksum, and the a.out-kludge address fields describing the file.
#[test]
fn mbkernel_header() {
    let dir = scratch("header");
    let bin = std::fs::read(mbkernel(&dir)).unwrap();
    let dword = |o: usize| u32::from_le_bytes(bin[o..o + 4].try_into().unwrap());
    let at = (0..bin.len().min(8192) - 32)
        .step_by(4)
        .find(|&o| dword(o) == 0x1BAD_B002)
        .expect("multiboot magic in the first 8 KiB");
    let (flags, sum) = (dword(at + 4), dword(at + 8));
    assert_eq!(0x1BAD_B002u32.wrapping_add(flags).wrapping_add(sum), 0);
    assert_ne!(flags & (1 << 16), 0, "address fields valid");
    assert_ne!(flags & (1 << 1), 0, "memory information requested");
    assert_eq!(flags & (1 << 2), 0, "no video mode requested");
    let [header, load, load_end, bss_end, entry] = [12, 16, 20, 24, 28].map(|o| dword(at + o));
    assert_eq!(load, 0x10_0000, "loaded at 1 MiB");
    assert_eq!(header - load, at as u32, "header_addr matches its offset");
    assert_eq!(
        load_end - load,
        bin.len() as u32,
        "the whole file is loaded"
    );
    assert!(bss_end >= load_end);
    assert!((load..load_end).contains(&entry));
}

// --- GRUB 2 from grub-mkrescue ------------------------------------------------------------

const GRUB_ENTRY: &str = "IronPC multiboot test kernel";
const GRUB_ENTRY2: &str = "Power off through port F4h";

/// A hybrid GRUB rescue image (BIOS only, no locales/fonts/themes) holding our kernel and a
/// menu that waits 30 s: first entry the kernel with a command line, second `outb 0xf4 0`.
fn grub_rescue_iso(dir: &Path) -> PathBuf {
    let root = dir.join("iso");
    std::fs::create_dir_all(root.join("boot/grub")).unwrap();
    std::fs::copy(mbkernel(dir), root.join("boot/mbkernel.bin")).unwrap();
    let cfg = format!(
        "set timeout=30\n\
         set default=0\n\
         menuentry \"{GRUB_ENTRY}\" {{\n\
         \x20   multiboot /boot/mbkernel.bin some args\n\
         \x20   boot\n\
         }}\n\
         menuentry \"{GRUB_ENTRY2}\" {{\n\
         \x20   outb 0xf4 0\n\
         }}\n"
    );
    std::fs::write(root.join("boot/grub/grub.cfg"), cfg).unwrap();
    let iso = dir.join("grub.iso");
    grub_mkrescue(&root, &iso, "multiboot normal echo iorw");
    iso
}

/// (a) The menu is drawn on the VGA text screen and waits (the run ends by --timeout; the
/// menu is up within about a second of host time).
#[test]
fn grub_rescue_menu() {
    let dir = scratch("grub-menu");
    let iso = grub_rescue_iso(&dir);
    let r = ironpc(&dir, &["-hda", s(&iso), "-snapshot", "--timeout", "10"]);
    assert_eq!(r.status, Some(124), "ended by --timeout: {r}");
    assert!(r.out.contains("Booting from hard disk C:"), "{r}");
    let screen: Vec<&str> = r.screen.lines().collect();
    assert_eq!(screen.len(), 25, "80x25 text: {r}");
    assert!(screen[1].contains("GNU GRUB  version 2."), "{r}");
    // The entries, inside the menu box, the first one highlighted (the `*` marker GRUB
    // draws on text terminals).
    let row = |t: &str| screen.iter().position(|l| l.contains(t));
    let (e1, e2) = (row(GRUB_ENTRY), row(GRUB_ENTRY2));
    assert!(e1.is_some() && e2 == e1.map(|i| i + 1), "{r}");
    assert!(
        screen[e1.unwrap()].contains(&format!("*{GRUB_ENTRY}")),
        "{r}"
    );
    assert!(
        r.screen
            .contains("The highlighted entry will be executed automatically in"),
        "the 30 s countdown runs: {r}"
    );
}

/// (b) `c` opens GRUB's command line; the command typed there runs and its output is on
/// the screen. The command ends the run itself (`outb 0xf4 0`, exit status 1), so the
/// dump is taken right after the echo, however fast the host.
#[test]
fn grub_rescue_command_line() {
    let dir = scratch("grub-prompt");
    let iso = grub_rescue_iso(&dir);
    let r = ironpc(
        &dir,
        &[
            "-hda",
            s(&iso),
            "-snapshot",
            "--timeout",
            "120",
            "--keys",
            "cecho hello from the grub prompt; outb 0xf4 0\n",
        ],
    );
    assert_eq!(r.status, Some(1), "ended by outb 0xf4 0: {r}");
    let screen: Vec<&str> = r.screen.lines().map(str::trim_end).collect();
    let cmd = screen
        .iter()
        .position(|l| *l == "grub> echo hello from the grub prompt; outb 0xf4 0")
        .unwrap_or_else(|| panic!("the typed command at the prompt: {r}"));
    assert_eq!(
        screen[cmd + 1],
        "hello from the grub prompt",
        "echo's output: {r}"
    );
    assert!(!r.screen.contains(GRUB_ENTRY), "the menu is gone: {r}");
}

/// (c) Enter on the menu boots the first entry: `multiboot` loads our kernel at 1 MiB with
/// its command line, and the kernel reports what GRUB handed over.
#[test]
fn grub_rescue_boots_multiboot_kernel() {
    let dir = scratch("grub-mb");
    let iso = grub_rescue_iso(&dir);
    let mib = 40;
    let r = ironpc(
        &dir,
        &[
            "-hda",
            s(&iso),
            "-snapshot",
            "-m",
            &mib.to_string(),
            "--timeout",
            "60",
            "--keys",
            "\n",
        ],
    );
    let rep = check_kernel_report(&r, mib);
    let words: Vec<&str> = rep.get("cmdline").split_whitespace().collect();
    assert!(words.ends_with(&["some", "args"]), "{r}");
    // Boot device (flag 1): BIOS drive 80h, the hybrid image's whole disk.
    assert_ne!(rep.num("flags") & (1 << 1), 0, "{r}");
    assert_eq!(rep.num("boot_device") >> 24, 0x80, "{r}");
    assert!(rep.get("loader").starts_with("GRUB 2."), "{r}");
}

// --- SYSLINUX mboot.c32 -------------------------------------------------------------------

#[test]
fn syslinux_mboot_boots_multiboot_kernel() {
    let dir = scratch("syslinux-mboot");
    let img = dir.join("syslinux.img");
    tool("mkfs.fat", &["-C", s(&img), "1440"]);
    tool("syslinux", &["--install", s(&img)]);
    let cfg = dir.join("syslinux.cfg");
    std::fs::write(
        &cfg,
        "SERIAL 0 115200\nDEFAULT mb\nPROMPT 0\nLABEL mb\n  KERNEL mboot.c32\n  \
         APPEND mbkernel.bin some args\n",
    )
    .unwrap();
    let kernel = mbkernel(&dir);
    let modules = Path::new("/usr/lib/syslinux/modules/bios");
    for f in [
        cfg,
        kernel,
        modules.join("mboot.c32"),
        modules.join("libcom32.c32"),
    ] {
        let target = format!("{}@@0", s(&img));
        tool("mcopy", &["-o", "-i", &target, s(&f), "::"]);
    }
    let mib = 24;
    let r = ironpc(
        &dir,
        &[
            "-fda",
            s(&img),
            "-snapshot",
            "-m",
            &mib.to_string(),
            "--timeout",
            "60",
        ],
    );
    let banner = r.out.find("SYSLINUX 6.").unwrap_or_else(|| panic!("{r}"));
    let magic = r.out.find("magic=").unwrap_or_else(|| panic!("{r}"));
    assert!(banner < magic, "{r}");
    let rep = check_kernel_report(&r, mib);
    // mboot.c32 passes the kernel's file name and its arguments.
    assert_eq!(rep.get("cmdline"), "mbkernel.bin some args", "{r}");
    assert!(rep.get("loader").starts_with("SYSLINUX 6."), "{r}");
}

/// memtest86+ (Debian's `memtest86+` package, its 32-bit build) loaded by GRUB with
/// `linux16` (the Linux real-mode boot protocol): it sizes memory from our E820 map,
/// calibrates the TSC, and runs its tests over all RAM with no errors. It never ends by
/// itself, so the run ends by `--timeout`; its initialisation takes ~12 s of guest time.
#[test]
fn memtest86plus_tests_memory() {
    let bin = Path::new("/boot/memtest86+ia32.bin");
    assert!(
        bin.exists(),
        "{} is missing: run scripts/test.sh, which installs the memtest86+ package",
        bin.display()
    );
    let dir = scratch("memtest");
    let root = dir.join("iso");
    std::fs::create_dir_all(root.join("boot/grub")).unwrap();
    std::fs::copy(bin, root.join("boot/mt.bin")).unwrap();
    std::fs::write(
        root.join("boot/grub/grub.cfg"),
        "set timeout=0\nmenuentry memtest {\n    linux16 /boot/mt.bin\n}\n",
    )
    .unwrap();
    let iso = dir.join("memtest.iso");
    grub_mkrescue(&root, &iso, "linux16 normal");
    let r = ironpc(
        &dir,
        &["-hda", s(&iso), "-snapshot", "-m", "16", "--timeout", "45"],
    );
    assert_eq!(r.status, Some(124), "memtest runs until --timeout: {r}");
    let screen = &r.screen;
    assert!(screen.contains("Memtest86+ v6."), "{r}");
    assert!(screen.contains("Memory  :   16MB"), "sized from E820: {r}");
    assert!(screen.contains("CLK/Temp: 999MHz"), "TSC calibrated: {r}");
    assert!(screen.contains("Errors: 0"), "{r}");
    // A test is under way: "Test #N  [name]" with a number.
    let running = screen.lines().any(|l| {
        l.split("Test #")
            .nth(1)
            .is_some_and(|t| t.starts_with(|c: char| c.is_ascii_digit()) && t.contains('['))
    });
    assert!(running, "a memory test is running: {r}");
}
