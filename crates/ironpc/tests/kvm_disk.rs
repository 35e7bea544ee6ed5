//! `-accel kvm` boots disks through the built-in BIOS: the same floppy or hard-disk image
//! is booted on both engines (`-accel interp` and `-accel kvm`) and the debug console, the
//! exit status, the image written back and (for screen programs) the `--textdump` must
//! agree. The BIOS's INT 13h traps to the host (port 5A0h), which under KVM serves the call
//! in the KVM engine's RAM.
//!
//! Where `/dev/kvm` cannot be opened every case prints `SKIPPED: <reason>` and returns.
//! When `/dev/kvm` is PVM (a nested software hypervisor), real-mode guests run and are
//! compared like everywhere else; a guest that needs 32-bit protected-mode interrupts
//! (SYSLINUX) is run too, and only its known PVM failure is reported as SKIPPED.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("kvm-disk-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// What `/dev/kvm` is here, or why the KVM half cannot run.
struct Kvm {
    /// A software hypervisor (PVM): no interrupts or paging in 32-bit protected mode.
    pvm: bool,
}

/// The KVM of this host, or `SKIPPED: <reason>` printed for `case` and None.
fn kvm(case: &str) -> Option<Kvm> {
    if let Err(e) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
    {
        println!("SKIPPED: {case}: /dev/kvm cannot be opened ({e})");
        return None;
    }
    Some(Kvm {
        pvm: Path::new("/sys/module/kvm_pvm").exists(),
    })
}

/// Assemble `path` (relative to the repository) with `tests/bootsect/` on the include path.
fn assemble(path: &str, dir: &Path) -> Vec<u8> {
    let name = Path::new(path).file_stem().unwrap().to_str().unwrap();
    let out = dir.join(format!("{name}.bin"));
    let st = Command::new("nasm")
        .args(["-f", "bin", "-I"])
        .arg(repo().join("tests/bootsect/"))
        .arg("-o")
        .arg(&out)
        .arg(repo().join(path))
        .status()
        .expect("nasm is needed for this test: run scripts/test.sh, which installs it");
    assert!(st.success(), "nasm failed on {path}");
    std::fs::read(&out).unwrap()
}

/// Sectors past the program start with their LBA as a dword (as in tests/bios.rs).
fn image(dir: &Path, name: &str, prog: &[u8], size: usize) -> PathBuf {
    let mut img = vec![0u8; size];
    for (i, s) in img.chunks_exact_mut(512).enumerate().skip(17) {
        s[..4].copy_from_slice(&(i as u32).to_le_bytes());
    }
    img[..prog.len()].copy_from_slice(prog);
    let p = dir.join(name);
    std::fs::write(&p, img).unwrap();
    p
}

struct Run {
    status: Option<i32>,
    out: String,
    err: String,
    /// The `--textdump` screen.
    screen: String,
    /// The disk image after the run (each engine writes its own copy).
    disk: Vec<u8>,
}

impl std::fmt::Debug for Run {
    /// Everything but the disk image.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("status", &self.status)
            .field("out", &self.out)
            .field("err", &self.err)
            .field("screen", &self.screen)
            .finish()
    }
}

/// Boot `img` (`-fda` or `-hda`, per `drive`) on `accel`, on a copy of the image, with the
/// debug console on stdout and a text dump of the screen.
fn boot(accel: &str, drive: &str, img: &Path, extra: &[&str]) -> Run {
    let dir = img.parent().unwrap();
    let copy = dir.join(format!(
        "{accel}-{}",
        img.file_name().unwrap().to_str().unwrap()
    ));
    std::fs::copy(img, &copy).unwrap();
    let dump = dir.join(format!("{accel}-screen.txt"));
    let _ = std::fs::remove_file(&dump);
    let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .args(["-accel", accel, "-no-reboot", "-display", "none"])
        .args(["-debugcon", "stdio", "--timeout", "60", drive])
        .arg(&copy)
        .arg("--textdump")
        .arg(&dump)
        .args(extra)
        .output()
        .unwrap();
    Run {
        status: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
        screen: std::fs::read_to_string(&dump).unwrap_or_default(),
        disk: std::fs::read(&copy).unwrap(),
    }
}

/// Boot `img` on both engines; the KVM run must have used the KVM engine.
fn both(drive: &str, img: &Path, extra: &[&str]) -> (Run, Run) {
    let interp = boot("interp", drive, img, extra);
    let kvm = boot("kvm", drive, img, extra);
    assert!(
        kvm.err.contains("ironpc: KVM engine on"),
        "the KVM run did not start KVM: {kvm:?}"
    );
    (interp, kvm)
}

/// Everything the two runs show must be the same.
fn assert_same(what: &str, a: &Run, b: &Run) {
    assert_eq!(a.out, b.out, "{what}: debug console (interp / kvm)\n{b:?}");
    assert_eq!(a.status, b.status, "{what}: exit status\n{a:?}\n{b:?}");
    assert_eq!(a.screen, b.screen, "{what}: --textdump screen");
    assert!(a.disk == b.disk, "{what}: the image written back differs");
}

/// tests/bootsect/disk.asm: INT 13h reads (CHS, across tracks, past the end), a write and
/// its read-back, on a 1.44 MB floppy.
#[test]
fn floppy_int13_same_on_both_engines() {
    let Some(_) = kvm("floppy INT 13h") else {
        return;
    };
    let dir = scratch("fd");
    let prog = assemble("tests/bootsect/disk.asm", &dir);
    let img = image(&dir, "fd.img", &prog, 1_474_560);
    let (a, b) = both("-fda", &img, &[]);
    assert_eq!(a.status, Some(1), "{a:?}");
    assert!(a.out.contains("rb cf=0 mark=57575757"), "{}", a.out);
    assert_same("floppy", &a, &b);
    // The guest's write reached the file on both engines: C/H/S 0/1/3 is LBA 20.
    assert_eq!(&b.disk[20 * 512..20 * 512 + 4], b"WWWW");
    let calls = b.err.lines().find(|l| l.contains("BIOS host calls"));
    assert!(
        calls.is_some_and(|l| !l.ends_with("BIOS host calls 0)")),
        "the KVM run served no host call: {}",
        b.err
    );
}

/// The same program from an 8 MiB hard disk: LBA-assist CHS and the EDD extensions
/// (AH=42h/48h), buffers written by the host in KVM's RAM.
#[test]
fn hard_disk_edd_same_on_both_engines() {
    let Some(_) = kvm("hard disk EDD") else {
        return;
    };
    let dir = scratch("hd");
    let prog = assemble("tests/bootsect/disk.asm", &dir);
    let img = image(&dir, "hd.img", &prog, 8 << 20);
    let (a, b) = both("-hda", &img, &[]);
    assert_eq!(a.status, Some(1), "{a:?}");
    assert!(
        a.out
            .contains("r42 cf=0 ah=00 n=0002 marks=00000028,00000029"),
        "{}",
        a.out
    );
    assert_same("hard disk", &a, &b);
    assert_eq!(&b.disk[65 * 512..65 * 512 + 4], b"WWWW");
}

/// tests/bootsect/video.asm: mode 13h and 12h pixels and the DAC through the VGA window
/// (MMIO exits under KVM), text mode again, the screen dumped at the end.
#[test]
fn video_modes_same_on_both_engines() {
    let Some(_) = kvm("video modes") else {
        return;
    };
    let dir = scratch("video");
    let prog = assemble("tests/bootsect/video.asm", &dir);
    let img = image(&dir, "fd.img", &prog, 1_474_560);
    let (a, b) = both("-fda", &img, &["-snapshot"]);
    assert_eq!(a.status, Some(1), "{a:?}");
    assert!(a.screen.starts_with("Text mode again"), "{}", a.screen);
    assert_same("video", &a, &b);
}

/// No bootable floppy, then INT 18h from a boot sector that gives up: the BIOS's messages
/// and its final halt with interrupts off (exit status 3) on both engines.
#[test]
fn boot_failure_and_int18_same_on_both_engines() {
    let Some(_) = kvm("boot failure") else {
        return;
    };
    let dir = scratch("int18");
    let blank = dir.join("blank.img");
    std::fs::write(&blank, vec![0u8; 1_474_560]).unwrap();
    let (a, b) = both("-fda", &blank, &[]);
    assert_eq!(a.status, Some(3), "{a:?}");
    assert!(
        b.err.contains("CPU halted with interrupts disabled"),
        "{b:?}"
    );
    assert_same("blank floppy", &a, &b);
    let giveup = assemble("tests/bootsect/int18.asm", &dir);
    let img = image(&dir, "fd.img", &giveup, 1_474_560);
    let (a, b) = both("-fda", &img, &[]);
    assert!(a.out.contains("floppy gives up"), "{}", a.out);
    assert_same("INT 18h", &a, &b);
}

/// tests/bootsect/services.asm: INT 11h/12h/15h/1Ah/14h/10h. Lines that depend on host
/// time or on what KVM is are compared for their form only; the rest must be identical.
#[test]
fn system_services_on_both_engines() {
    let Some(_) = kvm("system services") else {
        return;
    };
    let dir = scratch("svc");
    let prog = assemble("tests/bootsect/services.asm", &dir);
    let img = image(&dir, "fd.img", &prog, 1_474_560);
    let (a, b) = both("-fda", &img, &["-snapshot", "-serial", "null"]);
    assert_eq!(a.status, Some(1), "{a:?}");
    assert_eq!(a.status, b.status, "{b:?}");
    assert_eq!(a.screen, b.screen);
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.out.lines().collect(), b.out.lines().collect());
    assert_eq!(la.len(), lb.len(), "{}\n---\n{}", a.out, b.out);
    for (x, y) in la.iter().zip(&lb) {
        let key = x.split(' ').next().unwrap();
        match key {
            // The equipment word's bit 1 is the x87: the interpreter has none, KVM has the
            // host's.
            "equip" => {
                let v = |l: &str| u16::from_str_radix(&l[9..], 16).unwrap();
                assert_eq!(v(x) & !0x0002, v(y) & !0x0002, "{x} / {y}");
            }
            // INT 15h AH=2402h tests whether FFFF:0500 wraps to 0000:04F0. KVM has no A20
            // masking (nor has QEMU under KVM), so the gate never turns memory off there.
            "a20off" => assert_eq!(*y, "a20off cf=0 state=01", "{x} / {y}"),
            // Host time: the wait ends (CF clear); how many ticks it took depends on how
            // fast the RTC's 1024 Hz interrupts get through KVM here.
            "w86" => assert!(y.starts_with("w86 cf=0 ticks="), "{y}"),
            "midnight" => assert!(
                y.starts_with("midnight al=01 cx=0000 dx=") && y.ends_with(" again al=00"),
                "{y}"
            ),
            "time" | "date" => assert_eq!(x.len(), y.len(), "{x} / {y}"),
            _ => assert_eq!(x, y),
        }
    }
}

/// examples/bootsectors/calc.asm driven by `--keys` (typed on the board's time, which under
/// KVM is host time): INT 16h, INT 10h teletype, the divide error through the IVT.
#[test]
fn calculator_keys_same_on_both_engines() {
    let Some(_) = kvm("calculator") else {
        return;
    };
    let dir = scratch("calc");
    let prog = assemble("examples/bootsectors/calc.asm", &dir);
    let img = image(&dir, "calc.img", &prog, 1_474_560);
    let keys = "12*(3+4)\\n7/0\\n-2147483648/-1\\n(1+\\n\\e";
    let (a, b) = both("-fda", &img, &["-snapshot", "--keys", keys]);
    // Escape writes 1Bh to the exit port: status (1Bh << 1) | 1.
    assert_eq!(a.status, Some(55), "{a:?}");
    for want in [
        "> 12*(3+4)\n84\n",
        "division by zero",
        "overflow",
        "^ syntax error",
    ] {
        assert!(a.screen.contains(want), "{want:?}: {}", a.screen);
    }
    assert_same("calculator", &a, &b);
}

/// SYSLINUX from a floppy: its boot sector and LDLINUX.SYS read the floppy through INT 13h
/// in real mode, then it runs in 32-bit protected mode with interrupts on. Under PVM that
/// second part fails (KVM internal error): SKIPPED there with the reason, after checking
/// that the real-mode part (the banner, printed after LDLINUX.SYS was loaded) was reached.
#[test]
fn syslinux_floppy_on_both_engines() {
    let Some(k) = kvm("SYSLINUX") else {
        return;
    };
    let dir = scratch("syslinux");
    let img = dir.join("syslinux.img");
    let tool = |cmd: &str, args: &[&str]| {
        let out = Command::new(cmd)
            .args(args)
            .env("MTOOLS_SKIP_CHECK", "1")
            .output()
            .unwrap_or_else(|e| panic!("{cmd}: {e}: run scripts/test.sh, which installs it"));
        assert!(out.status.success(), "{cmd} {args:?}: {out:?}");
    };
    let img_s = img.to_str().unwrap();
    tool("mkfs.fat", &["-C", img_s, "1440"]);
    tool("syslinux", &["--install", img_s]);
    let chain = assemble("tests/bootsect/chain.asm", &dir);
    let (cfg, bin) = (dir.join("syslinux.cfg"), dir.join("chain.bin"));
    std::fs::write(&cfg, "SERIAL 0 115200\nDEFAULT chain.bin\nPROMPT 0\n").unwrap();
    std::fs::write(&bin, chain).unwrap();
    for f in [&cfg, &bin] {
        let name = format!("::{}", f.file_name().unwrap().to_str().unwrap());
        tool("mcopy", &["-o", "-i", img_s, f.to_str().unwrap(), &name]);
    }
    let (a, b) = both("-fda", &img, &["-snapshot", "-serial", "null"]);
    assert_eq!(a.status, Some(1), "{a:?}");
    assert!(a.out.contains("chained from SYSLINUX"), "{}", a.out);
    // (A KVM error also ends the run with status 1: compare what the guest printed.)
    if k.pvm && (b.out != a.out || b.status != a.status) {
        assert!(
            b.out.contains("SYSLINUX 6."),
            "the real-mode part must work under PVM: {b:?}"
        );
        assert!(
            b.err.contains("KVM internal error") || b.err.contains("KVM_EXIT_SHUTDOWN"),
            "an unexpected failure under PVM: {b:?}"
        );
        println!(
            "SKIPPED: SYSLINUX under -accel kvm: /dev/kvm is PVM, which fails in SYSLINUX's \
             32-bit protected-mode code (LDLINUX.SYS was loaded through INT 13h and printed \
             its banner in real mode; then: {})",
            b.err.lines().last().unwrap_or("")
        );
        return;
    }
    assert_same("SYSLINUX", &a, &b);
}
