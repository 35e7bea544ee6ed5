//! The built-in BIOS (`roms/bios/`), booted from floppy and hard-disk images: the checked-in
//! ROM must be the build of its source, and boot-sector programs of ours
//! (`tests/bootsect/*.asm`, assembled here with nasm) exercise the services and print
//! their results on the debug console, which the tests compare.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::{repo, s, scratch, tool};

use ironpc_machine::bioscall::BUILTIN_BIOS;
use ironpc_machine::{Board, Config, DiskConfig, Output, RunOutcome};

/// Assemble `tests/bootsect/NAME.asm`.
fn program(name: &str, dir: &Path) -> Vec<u8> {
    let out = dir.join(format!("{name}.bin"));
    let st = Command::new("nasm")
        .args(["-f", "bin", "-I"])
        .arg(repo().join("tests/bootsect/"))
        .arg("-o")
        .arg(&out)
        .arg(repo().join(format!("tests/bootsect/{name}.asm")))
        .status()
        .expect("nasm is needed for this test: run scripts/test.sh, which installs it");
    assert!(st.success(), "nasm failed on tests/bootsect/{name}.asm");
    std::fs::read(&out).unwrap()
}

/// Sectors past the program (17 sectors) start with their LBA as a dword.
const PROGRAM_SECTORS: usize = 17;

/// An image of `size` bytes: `prog` at the start, LBA markers after it.
fn image(dir: &Path, name: &str, prog: &[u8], size: usize) -> PathBuf {
    let mut img = vec![0u8; size];
    for (i, s) in img.chunks_exact_mut(512).enumerate().skip(PROGRAM_SECTORS) {
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
}

impl Run {
    /// The line of the debug console that starts with `prefix` + " ".
    fn line(&self, prefix: &str) -> &str {
        let want = format!("{prefix} ");
        self.out
            .lines()
            .find(|l| l.starts_with(&want))
            .unwrap_or_else(|| panic!("no line `{prefix} ...` in:\n{}", self.out))
    }

    /// Assert that the line `prefix ...` is exactly `prefix rest`.
    fn expect(&self, prefix: &str, rest: &str) {
        assert_eq!(
            self.line(prefix),
            format!("{prefix} {rest}"),
            "debug console:\n{}",
            self.out
        );
    }
}

/// Run `ironpc` with the built-in BIOS, the debug console on stdout, a reset ending the run.
fn ironpc(args: &[&str]) -> Run {
    ironpc_with(&[&["-no-reboot"], args].concat())
}

/// Run `ironpc` with the built-in BIOS and the debug console on stdout.
fn ironpc_with(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .args(["-debugcon", "stdio", "-display", "none", "--timeout", "60"])
        .args(args)
        .output()
        .unwrap();
    Run {
        status: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn bios_rom_is_built_from_its_source() {
    let dir = scratch("rom");
    let out = dir.join("bios.bin");
    let st = Command::new("nasm")
        .args(["-f", "bin", "-I"])
        .arg(repo().join("roms/bios/"))
        .arg("-o")
        .arg(&out)
        .arg(repo().join("roms/bios/bios.asm"))
        .status()
        .expect("nasm is needed for this test: run scripts/test.sh, which installs it");
    assert!(st.success(), "nasm failed on roms/bios/bios.asm");
    let built = std::fs::read(&out).unwrap();
    assert_eq!(built.len(), 0x10000);
    assert!(
        built == BUILTIN_BIOS,
        "roms/bios.bin is stale: rebuild it with \
         `nasm -f bin -I roms/bios/ -o roms/bios.bin roms/bios/bios.asm`"
    );
    assert_eq!(
        &built[0xFFF0..0xFFF5],
        &[0xEA, 0x5B, 0xE0, 0x00, 0xF0],
        "reset vector"
    );
}

#[test]
fn floppy_boot_and_int13() {
    let dir = scratch("fd");
    let prog = program("disk", &dir);
    let img = image(&dir, "fd.img", &prog, 1_474_560);
    let r = ironpc(&["-fda", s(&img)]);
    assert_eq!(r.status, Some(1), "{}\n{}", r.out, r.err);
    assert!(r.out.starts_with("IronPC BIOS"), "{}", r.out);
    assert!(
        r.out
            .contains("RAM: 65536 KiB, floppy drives: 1, hard disks: 0"),
        "{}",
        r.out
    );
    assert!(r.out.contains("Booting from floppy A:"), "{}", r.out);
    r.expect("drive", "dl=00");
    r.expect("p08", "cf=0 ax=0000 bl=04 cx=4F12 dx=0101 es:di=F000:EFC7");
    r.expect("p15", "cf=0 ah=01 cx=4F12 dx=0100");
    r.expect("p41", "cf=1 ah=01 bx=55AA cx=4F12");
    r.expect("r02", "cf=0 ax=0001 mark=00000012");
    r.expect("r02s0", "cf=1 ax=0400");
    r.expect("r02end", "cf=1 ax=0400");
    r.expect("r02x", "cf=0 ax=0003 marks=00000034,00000035,00000036");
    r.expect("w03", "cf=0 ax=0001");
    r.expect("s01", "cf=0 ah=00");
    r.expect("rb", "cf=0 mark=57575757");
    // Without -snapshot the write reached the file: C/H/S 0/1/3 is LBA 20.
    let after = std::fs::read(&img).unwrap();
    assert_eq!(&after[20 * 512..20 * 512 + 4], b"WWWW");
}

#[test]
fn floppy_geometries() {
    let dir = scratch("fdgeo");
    let prog = program("disk", &dir);
    for (size, bl, cx) in [
        (368_640, "01", "2709"),
        (737_280, "03", "4F09"),
        (1_228_800, "02", "4F0F"),
        (2_949_120, "05", "4F24"),
    ] {
        let img = image(&dir, "fd.img", &prog, size);
        let r = ironpc(&["-fda", s(&img), "-snapshot"]);
        assert_eq!(r.status, Some(1), "{size}: {}\n{}", r.out, r.err);
        r.expect(
            "p08",
            &format!("cf=0 ax=0000 bl={bl} cx={cx} dx=0101 es:di=F000:EFC7"),
        );
        // C/H/S 1/0/(spt - 1), three sectors, reaches C/H/S 1/1/1.
        let spt = u32::from_str_radix(&cx[2..], 16).unwrap();
        let lba = 2 * spt + spt - 2;
        r.expect(
            "r02x",
            &format!(
                "cf=0 ax=0003 marks={:08X},{:08X},{:08X}",
                lba,
                lba + 1,
                lba + 2
            ),
        );
    }
}

#[test]
fn hard_disk_boot_chs_and_lba() {
    let dir = scratch("hd");
    let prog = program("disk", &dir);
    // 8 MiB: LBA-assist geometry 16 cylinders x 16 heads x 63 sectors.
    let img = image(&dir, "hd.img", &prog, 8 << 20);
    let r = ironpc(&["-hda", s(&img)]);
    assert_eq!(r.status, Some(1), "{}\n{}", r.out, r.err);
    assert!(r.out.contains("Booting from hard disk C:"), "{}", r.out);
    r.expect("drive", "dl=80");
    r.expect("p08", "cf=0 ax=0000 bl=00 cx=0F3F dx=0F01 es:di=0000:0000");
    r.expect("p15", "cf=0 ah=03 cx=0000 dx=4000");
    r.expect("p41", "cf=0 ah=21 bx=AA55 cx=0001");
    r.expect("r02", "cf=0 ax=0001 mark=0000003F");
    r.expect("r02s0", "cf=1 ax=0400");
    r.expect("r02end", "cf=1 ax=0400");
    r.expect("r02x", "cf=0 ax=0003 marks=0000042D,0000042E,0000042F");
    r.expect("r42", "cf=0 ah=00 n=0002 marks=00000028,00000029");
    r.expect(
        "p48",
        "cf=0 ah=00 size=001E flags=0002 chs=00000010/00000010/0000003F total=00004000 bps=0200",
    );
    r.expect("r42end", "cf=1 ah=04 n=0001");
    r.expect("r42huge", "cf=1 ah=04");
    r.expect("w03", "cf=0 ax=0001");
    r.expect("rb", "cf=0 mark=57575757");
    let after = std::fs::read(&img).unwrap();
    assert_eq!(
        &after[65 * 512..65 * 512 + 4],
        b"WWWW",
        "C/H/S 0/1/3 is LBA 65"
    );
}

#[test]
fn read_only_image_refuses_writes() {
    let dir = scratch("ro");
    let prog = program("disk", &dir);
    let img = image(&dir, "hd.img", &prog, 8 << 20);
    let before = std::fs::read(&img).unwrap();
    let mut perm = std::fs::metadata(&img).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(&img, perm).unwrap();
    let r = ironpc(&["-hda", s(&img)]);
    assert_eq!(r.status, Some(1), "{}\n{}", r.out, r.err);
    assert!(r.err.contains("is not writable"), "{}", r.err);
    r.expect("w03", "cf=1 ax=0300");
    r.expect("s01", "cf=1 ah=03");
    r.expect("rb", "cf=0 mark=00000041");
    assert!(std::fs::read(&img).unwrap() == before, "the image changed");
}

#[test]
fn snapshot_keeps_writes_in_memory() {
    let dir = scratch("snap");
    let prog = program("disk", &dir);
    let img = image(&dir, "hd.img", &prog, 8 << 20);
    let before = std::fs::read(&img).unwrap();
    let r = ironpc(&["-hda", s(&img), "-snapshot"]);
    assert_eq!(r.status, Some(1), "{}\n{}", r.out, r.err);
    r.expect("w03", "cf=0 ax=0001");
    r.expect("rb", "cf=0 mark=57575757");
    assert!(std::fs::read(&img).unwrap() == before, "the image changed");
}

#[test]
fn system_services() {
    let dir = scratch("svc");
    let prog = program("services", &dir);
    let img = image(&dir, "fd.img", &prog, 1_474_560);
    let com1 = dir.join("com1.txt");
    let r = ironpc(&[
        "-fda",
        s(&img),
        "-m",
        "48",
        "-serial",
        &format!("file:{}", s(&com1)),
    ]);
    assert_eq!(r.status, Some(1), "{}\n{}", r.out, r.err);
    r.expect("mem", "ax=027F");
    let equip = u16::from_str_radix(&r.line("equip")[9..], 16).unwrap();
    assert_eq!(
        equip & 0x00F1,
        0x0021,
        "one floppy, 80x25 colour: {equip:04X}"
    );
    assert_eq!(equip & 0x0E00, 0x0200, "one serial port: {equip:04X}");
    r.expect("e88", "cf=0 ax=BC00");
    r.expect("e801", "cf=0 ax=3C00 bx=0200 cx=3C00 dx=0200");
    let e820: Vec<&str> = r.out.lines().filter(|l| l.starts_with("e820 ")).collect();
    let entry = |base: u64, len: u64, ty: u32| {
        format!("e820 cf=0 eax=534D4150 ecx=00000014 base={base:016X} len={len:016X} type={ty:08X}")
    };
    assert_eq!(
        e820,
        [
            entry(0, 0x9FC00, 1),
            entry(0x9FC00, 0x400, 2),
            entry(0xF0000, 0x10000, 2),
            entry(0x10_0000, (48 << 20) - 0x10_0000, 1),
            entry(0xFFFF_0000, 0x10000, 2),
        ]
    );
    r.expect("e820bad", "cf=1");
    r.expect("c0", "cf=0 es:bx=F000:E6F5 model=FC");
    r.expect("a20sup", "cf=0 ah=00 bx=0003");
    r.expect("a20off", "cf=0 state=00");
    r.expect("a20on", "cf=0 state=01");
    // Half a second is 9 ticks of 18.2 Hz (give or take the phase).
    let ticks = u32::from_str_radix(&r.line("w86")[15..], 16).unwrap();
    assert!(r.line("w86").starts_with("w86 cf=0"), "{}", r.out);
    assert!((8..=10).contains(&ticks), "{}", r.out);
    let midnight = r.line("midnight");
    assert!(
        midnight.starts_with("midnight al=01 cx=0000 dx=000"),
        "{midnight}"
    );
    assert!(midnight.ends_with(" again al=00"), "{midnight}");
    for (name, l) in [("time", r.line("time")), ("date", r.line("date"))] {
        assert!(l.starts_with(&format!("{name} cf=0 cx=")), "{l}");
        let bcd = l[13..].replace(" dx=", "");
        assert!(
            bcd.chars().all(|c| c.is_ascii_digit()),
            "{name} is BCD: {l}"
        );
    }
    r.expect("com init", "ax=60B0");
    r.expect("com send", "ax=604B");
    r.expect("com2", "ah=80");
    assert_eq!(std::fs::read(&com1).unwrap(), b"OK");
    r.expect("lpt", "ah=01");
    r.expect("vmode", "ax=5003 bh=00");
    r.expect("dcc", "ax=1A1A bx=0008");
    r.expect("ega", "bx=0003 cx=0009");
    let font = r.line("font");
    assert!(font.starts_with("font es:bp=F000:"), "{font}");
    assert!(font.ends_with(" cx=0010 dl=18 glyphA=FEC6C66C"), "{font}");
    r.expect("cursor", "dx=050A cx=0607");
    assert!(
        r.out.contains("\nTT\n"),
        "teletype is copied to port E9h: {}",
        r.out
    );
    r.expect("after tty", "dx=060C");
    // The characters are in the VGA's text memory.
    r.expect("readback", "ax=0754");
}

#[test]
fn boot_failure_is_explained() {
    let dir = scratch("nosig");
    let img = dir.join("blank.img");
    std::fs::write(&img, vec![0u8; 1_474_560]).unwrap();
    let r = ironpc(&["-fda", s(&img)]);
    assert_eq!(r.status, Some(3), "halted: {}\n{}", r.out, r.err);
    let sig = "No bootable device: floppy A: is not bootable (no 55AAh signature)";
    let absent = "No bootable device: hard disk C: is not present";
    for text in [&r.out, &r.err] {
        assert!(text.contains(sig), "{text}");
        assert!(text.contains(absent), "{text}");
        assert!(text.contains("No bootable device left"), "{text}");
    }
    // -boot c: the hard disk is tried first.
    let r = ironpc(&["-fda", s(&img), "-boot", "c"]);
    let (c, a) = (r.out.find(absent).unwrap(), r.out.find(sig).unwrap());
    assert!(c < a, "{}", r.out);
    // Nothing at all.
    let r = ironpc(&[]);
    assert_eq!(r.status, Some(3));
    assert!(
        r.err
            .contains("No bootable device: floppy A: is not present"),
        "{}",
        r.err
    );
}

#[test]
fn int18_goes_on_with_the_next_device() {
    let dir = scratch("int18");
    let giveup = program("int18", &dir);
    let fd = image(&dir, "fd.img", &giveup, 1_474_560);
    let prog = program("disk", &dir);
    let hd = image(&dir, "hd.img", &prog, 8 << 20);
    let r = ironpc(&["-fda", s(&fd), "-hda", s(&hd), "-snapshot"]);
    assert_eq!(r.status, Some(1), "{}\n{}", r.out, r.err);
    let a = r.out.find("floppy gives up").unwrap();
    let f = r
        .out
        .find("Boot failed: the boot sector gave up (INT 18h)")
        .unwrap();
    let c = r.out.find("Booting from hard disk C:").unwrap();
    assert!(a < f && f < c, "{}", r.out);
    r.expect("drive", "dl=80");
}

#[test]
fn option_rom_is_called_by_the_post() {
    let dir = scratch("optrom");
    let prog = program("optrom", &dir);
    let img = image(&dir, "fd.img", &prog, 1_474_560);
    // The program resets the machine once: no -no-reboot here.
    let r = ironpc_with(&["-fda", s(&img)]);
    assert_eq!(r.status, Some(1), "{}\n{}", r.out, r.err);
    let first = r.out.find("first boot").expect(&r.out);
    let init = r.out.find("option ROM init").expect(&r.out);
    let second = r.out.find("second boot").expect(&r.out);
    assert!(first < init && init < second, "{}", r.out);
    assert_eq!(r.out.matches("IronPC BIOS").count(), 2, "{}", r.out);
}

#[test]
fn bad_images_are_refused() {
    let dir = scratch("bad");
    let empty = dir.join("empty.img");
    std::fs::write(&empty, b"").unwrap();
    let odd = dir.join("odd.img");
    std::fs::write(&odd, vec![0u8; 1000]).unwrap();
    let missing = dir.join("missing.img");
    for (args, msg) in [
        (vec!["-hda", s(&missing)], "cannot open disk image"),
        (vec!["-fda", s(&empty)], "is empty"),
        (
            vec!["-hda", s(&odd)],
            "is 1000 bytes: not a multiple of 512",
        ),
        (vec!["-fda", s(&odd)], "floppy image"),
        (vec!["-hda", s(&dir)], "is a directory"),
        (
            vec!["-boot", "d"],
            "-boot d: expected a (floppy) or c (hard disk)",
        ),
    ] {
        let r = ironpc(&args);
        assert_eq!(r.status, Some(1), "{args:?}: {}", r.err);
        assert!(r.err.contains(msg), "{args:?}: {}", r.err);
        assert_eq!(r.err.lines().count(), 1, "one line: {}", r.err);
        assert!(r.out.is_empty(), "no guest ran: {}", r.out);
    }
}

/// INT 09h and INT 16h, with scan codes typed on the board's i8042 (set 1).
#[test]
fn keyboard_int16() {
    let dir = scratch("keys");
    let prog = program("keys", &dir);
    let img = image(&dir, "fd.img", &prog, 1_474_560);
    let con = dir.join("debugcon.txt");
    let cfg = Config {
        bios: BUILTIN_BIOS.to_vec(),
        debugcon: Output::File(con.clone()),
        no_reboot: true,
        pace: false,
        disks: DiskConfig {
            floppy: [Some(img), None],
            ..DiskConfig::default()
        },
        ..Config::default()
    };
    let mut board = Board::new(&cfg).unwrap();
    // Typed before the POST: the BIOS keeps keys that arrive early.
    board.io.kbd.key_scancodes_set1(&[
        0x1E, 0x9E, // a
        0x2A, 0x1E, 0x9E, 0xAA, // A
        0x1C, 0x9C, // Enter
        0x3B, 0xBB, // F1
        0xE0, 0x48, 0xE0, 0xC8, // grey Up
        0x1D, 0x2E, 0xAE, 0x9D, // Ctrl+C
        0xE0, 0x50, 0xE0, 0xD0, // grey Down
        0x3A, 0xBA, // Caps Lock
    ]);
    let outcome = board.run(Some(Instant::now() + Duration::from_secs(60)));
    let text = std::fs::read_to_string(&con).unwrap();
    assert_eq!(outcome, RunOutcome::Exit(1), "{text}");
    let keys: Vec<&str> = text.lines().filter(|l| l.starts_with("key ")).collect();
    assert_eq!(
        keys,
        [
            "key ax=1E61",
            "key ax=1E41",
            "key ax=1C0D",
            "key ax=3B00",
            "key ax=4800",
            "key ax=2E03",
            "key ax=3B00"
        ],
        "{text}"
    );
    for line in [
        "key10 ax=50E0",
        "peek zf=01",
        "store al=00",
        "peek11 zf=00 ax=3B00",
        "shift al=40",
        "shift12 ax=0040",
    ] {
        assert!(text.lines().any(|l| l == line), "{line}: {text}");
    }
}

// --- SYSLINUX (Debian's syslinux, mtools, dosfstools: scripts/test.sh installs them) ------

/// Put `files` (name, contents) into the FAT file system at byte `offset` of `img`.
fn fat_files(dir: &Path, img: &Path, offset: u64, files: &[(&str, &[u8])]) {
    for (name, data) in files {
        let p = dir.join(name);
        std::fs::write(&p, data).unwrap();
        let target = format!("{}@@{offset}", s(img));
        tool("mcopy", &["-o", "-i", &target, s(&p), &format!("::{name}")]);
    }
}

/// A 1.44 MB FAT floppy with SYSLINUX installed, `cfg` as its syslinux.cfg and our
/// chain-load test sector as chain.bin.
fn syslinux_floppy(dir: &Path, cfg: &str) -> PathBuf {
    let img = dir.join("syslinux.img");
    let _ = std::fs::remove_file(&img);
    tool("mkfs.fat", &["-C", s(&img), "1440"]);
    tool("syslinux", &["--install", s(&img)]);
    let chain = program("chain", dir);
    fat_files(
        dir,
        &img,
        0,
        &[("syslinux.cfg", cfg.as_bytes()), ("chain.bin", &chain)],
    );
    img
}

#[test]
fn syslinux_floppy_chain_loads_our_sector() {
    let dir = scratch("syslinux-fd");
    let img = syslinux_floppy(&dir, "SERIAL 0 115200\nDEFAULT chain.bin\nPROMPT 0\n");
    let com1 = dir.join("com1.txt");
    let r = ironpc(&[
        "-fda",
        s(&img),
        "-snapshot",
        "-serial",
        &format!("file:{}", s(&com1)),
    ]);
    let serial = String::from_utf8_lossy(&std::fs::read(&com1).unwrap()).into_owned();
    assert_eq!(r.status, Some(1), "{}\n{}\n{serial}", r.out, r.err);
    // The boot sector and LDLINUX.SYS print through INT 10h (copied to port E9h) and read
    // the floppy with CHS calls; ldlinux.c32 then talks to COM1 itself.
    let banner = r.out.find("SYSLINUX 6.").expect(&r.out);
    assert!(r.out[banner..].contains(" CHS "), "{}", r.out);
    let chained = r.out.find("chained from SYSLINUX").expect(&r.out);
    assert!(banner < chained);
    assert!(serial.contains("SYSLINUX 6."), "{serial}");
}

/// A 32 MiB disk with one active FAT16 partition from LBA 2048: the image and the byte
/// offset of the file system.
fn fat_partitioned_disk(dir: &Path) -> (PathBuf, u64) {
    const START: u32 = 2048;
    const SECTORS: u32 = 32 * 2048 - START;
    let img = dir.join("disk.img");
    let mut disk = vec![0u8; 32 << 20];
    let mut entry = [
        0x80, 0xFE, 0xFF, 0xFF, 0x0E, 0xFE, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    entry[8..12].copy_from_slice(&START.to_le_bytes());
    entry[12..16].copy_from_slice(&SECTORS.to_le_bytes());
    disk[446..462].copy_from_slice(&entry);
    disk[510..512].copy_from_slice(&[0x55, 0xAA]);
    std::fs::write(&img, &disk).unwrap();
    tool(
        "mkfs.fat",
        &[
            "-F",
            "16",
            "--offset",
            &START.to_string(),
            s(&img),
            &(SECTORS / 2).to_string(),
        ],
    );
    (img, u64::from(START) * 512)
}

#[test]
fn syslinux_hard_disk_through_its_mbr() {
    let dir = scratch("syslinux-hd");
    // SYSLINUX's own MBR code boots the active partition.
    let (img, offset) = fat_partitioned_disk(&dir);
    tool(
        "syslinux",
        &["--install", "--offset", &offset.to_string(), s(&img)],
    );
    let mbr = std::fs::read("/usr/lib/syslinux/mbr/mbr.bin")
        .expect("syslinux's mbr.bin: run scripts/test.sh, which installs syslinux");
    let mut disk = std::fs::read(&img).unwrap();
    disk[..440].copy_from_slice(&mbr[..440]);
    std::fs::write(&img, &disk).unwrap();
    let chain = program("chain", &dir);
    let cfg = "SERIAL 0 115200\nDEFAULT chain.bin\nPROMPT 0\n";
    fat_files(
        &dir,
        &img,
        offset,
        &[("syslinux.cfg", cfg.as_bytes()), ("chain.bin", &chain)],
    );
    let r = ironpc(&["-hda", s(&img), "-snapshot", "-serial", "null"]);
    assert_eq!(r.status, Some(1), "{}\n{}", r.out, r.err);
    // From a hard disk SYSLINUX uses the INT 13h extensions.
    let banner = r.out.find("SYSLINUX 6.").expect(&r.out);
    assert!(r.out[banner..].contains(" EDD "), "{}", r.out);
    assert!(r.out.contains("chained from SYSLINUX"), "{}", r.out);
}

/// SYSLINUX's `boot:` prompt reads the keyboard through INT 16h (`--keys` types on the
/// PS/2 keyboard from one second of guest time on).
#[test]
fn syslinux_prompt_reads_the_keyboard() {
    let dir = scratch("syslinux-keys");
    let img = syslinux_floppy(&dir, "SERIAL 0 115200\nPROMPT 1\nTIMEOUT 0\n");
    let com1 = dir.join("com1.txt");
    let dump = dir.join("screen.txt");
    let r = ironpc(&[
        "-fda",
        s(&img),
        "-snapshot",
        "-serial",
        &format!("file:{}", s(&com1)),
        "--keys",
        "chain.bin\\n",
        "--textdump",
        s(&dump),
    ]);
    let serial = String::from_utf8_lossy(&std::fs::read(&com1).unwrap()).into_owned();
    assert_eq!(r.status, Some(1), "{}\n{}\n{serial}", r.out, r.err);
    assert!(
        serial.contains("boot: chain.bin"),
        "the prompt echoed: {serial}"
    );
    assert!(r.out.contains("chained from SYSLINUX"), "{}", r.out);
    let screen = std::fs::read_to_string(&dump).unwrap();
    assert!(screen.contains("boot: chain.bin"), "{screen}");
}

#[test]
fn video_modes() {
    let dir = scratch("video");
    let prog = program("video", &dir);
    let img = image(&dir, "fd.img", &prog, 1_474_560);
    let dump = dir.join("screen.txt");
    let r = ironpc(&["-fda", s(&img), "--textdump", s(&dump)]);
    assert_eq!(r.status, Some(1), "{}\n{}", r.out, r.err);
    r.expect("m13", "ax=2813");
    r.expect("px13", "al=2A");
    r.expect("dac", "dh=3F ch=1F cl=00");
    r.expect("m12", "ax=5012");
    r.expect("px12", "al=0C");
    r.expect("px12n", "al=00");
    r.expect("after 13h", "dx=1403");
    let screen = std::fs::read_to_string(&dump).unwrap();
    let rows: Vec<&str> = screen.lines().collect();
    assert_eq!(rows.len(), 25, "{screen}");
    assert_eq!(rows[0].trim_end(), "Text mode again", "{screen}");
    assert_eq!(rows[20].trim_end(), "RGB", "{screen}");
}

// --- GRUB 2 (Debian's grub-pc-bin) ---------------------------------------------------------

/// GRUB's i386-pc core image with `cfg` built in.
fn grub_core(dir: &Path, cfg: &str, prefix: &str) -> Vec<u8> {
    let cfg_path = dir.join("early.cfg");
    std::fs::write(&cfg_path, cfg).unwrap();
    let core = dir.join("core.img");
    tool(
        "grub-mkimage",
        &[
            "-O",
            "i386-pc",
            "-o",
            s(&core),
            "-c",
            s(&cfg_path),
            "-p",
            prefix,
            "biosdisk",
            "part_msdos",
            "fat",
            "serial",
            "terminal",
            "echo",
            "ls",
            "cat",
            "iorw",
        ],
    );
    std::fs::read(&core).unwrap()
}

fn grub_boot_img() -> Vec<u8> {
    std::fs::read("/usr/lib/grub/i386-pc/boot.img")
        .expect("GRUB's boot.img: run scripts/test.sh, which installs grub-pc-bin")
}

/// GRUB's commands go to COM1; `outb 0xf4 0` ends the run.
const GRUB_SERIAL: &str = "serial --unit=0 --speed=115200\n\
                           terminal_input serial console\n\
                           terminal_output serial console\n";

#[test]
fn grub_floppy() {
    let dir = scratch("grub-fd");
    let cfg = format!("{GRUB_SERIAL}echo Hello from GRUB\nls\noutb 0xf4 0\n");
    let mut img = grub_boot_img();
    img.extend(grub_core(&dir, &cfg, "(fd0)"));
    img.resize(1_474_560, 0);
    let fd = dir.join("grub.img");
    std::fs::write(&fd, img).unwrap();
    let com1 = dir.join("com1.txt");
    let r = ironpc(&["-fda", s(&fd), "-serial", &format!("file:{}", s(&com1))]);
    let serial = String::from_utf8_lossy(&std::fs::read(&com1).unwrap()).into_owned();
    assert_eq!(r.status, Some(1), "{}\n{}\n{serial}", r.out, r.err);
    assert!(r.out.contains("GRUB loading"), "{}", r.out);
    assert!(serial.contains("Hello from GRUB"), "{serial}");
    assert!(serial.contains("(fd0)"), "{serial}");
}

#[test]
fn grub_hard_disk_reads_a_fat_file() {
    let dir = scratch("grub-hd");
    let (img, offset) = fat_partitioned_disk(&dir);
    fat_files(
        &dir,
        &img,
        offset,
        &[("hello.txt", b"Hello from a FAT file\n")],
    );
    let cfg =
        format!("{GRUB_SERIAL}ls\nls (hd0,msdos1)/\ncat (hd0,msdos1)/hello.txt\noutb 0xf4 0\n");
    let core = grub_core(&dir, &cfg, "(hd0,msdos1)");
    // boot.img in the MBR (the partition table kept), the core in the gap from LBA 1.
    let mut disk = std::fs::read(&img).unwrap();
    disk[..440].copy_from_slice(&grub_boot_img()[..440]);
    assert!(core.len() < 2047 * 512);
    disk[512..512 + core.len()].copy_from_slice(&core);
    std::fs::write(&img, &disk).unwrap();
    let com1 = dir.join("com1.txt");
    let r = ironpc(&[
        "-hda",
        s(&img),
        "-snapshot",
        "-serial",
        &format!("file:{}", s(&com1)),
    ]);
    let serial = String::from_utf8_lossy(&std::fs::read(&com1).unwrap()).into_owned();
    assert_eq!(r.status, Some(1), "{}\n{}\n{serial}", r.out, r.err);
    assert!(serial.contains("(hd0) (hd0,msdos1)"), "{serial}");
    assert!(serial.contains("hello.txt"), "{serial}");
    assert!(serial.contains("Hello from a FAT file"), "{serial}");
}
