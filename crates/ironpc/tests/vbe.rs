//! The VESA BIOS Extensions of the built-in BIOS (`roms/bios/vbe.asm`, INT 10h AH=4Fh) on the
//! Bochs DISPI adapter.
//!
//! * `tests/bootsect/vbe.asm` (assembled here with nasm, booted from a floppy) prints the
//!   controller information and the information of every mode of its list, sets 1024x768x32
//!   with the linear frame buffer and draws colour bars and a gradient through it, then two
//!   bands through the banked window (4F05h and the WinFuncPtr). Built with `-DBANKED8` it
//!   draws a 640x480x8 picture through the banked window only, with a palette loaded through
//!   4F09h on an 8-bit DAC; with `-DBACK_TO_TEXT` it returns to text mode 03h through 4F02h.
//!   The debug console is checked field by field, the `--screendump`
//!   pixel by pixel against what the program drew and against the PNGs of
//!   `tests/golden/vbe/` (`IRONPC_BLESS=1` rewrites them).
//! * GRUB 2 (`grub-pc-bin`, `grub-mkrescue`): `videoinfo` at its command line lists our
//!   modes, and `gfxterm` runs in 800x600x32.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use ironpc_devices::vga::{VBE_MAX_BPP, VBE_MAX_XRES, VBE_MAX_YRES, VRAM_SIZE};
use ironpc_machine::memory::LFB_BASE;
use support::{golden, grub_mkrescue, read_png, repo, s, scratch, tool};

/// `tests/bootsect/vbe.asm` (with `defines`) assembled onto a 1.44 MB floppy image.
fn floppy(dir: &Path, defines: &[&str]) -> PathBuf {
    let bin = dir.join("vbe.bin");
    let mut args = vec!["-f".to_string(), "bin".into(), "-I".into()];
    args.push(format!("{}/tests/bootsect/", repo().display()));
    args.extend(defines.iter().map(|d| format!("-D{d}")));
    args.extend(["-o".into(), s(&bin).into()]);
    args.push(s(&repo().join("tests/bootsect/vbe.asm")).into());
    tool("nasm", &args.iter().map(String::as_str).collect::<Vec<_>>());
    let prog = std::fs::read(&bin).unwrap();
    let mut img = vec![0u8; 1_474_560];
    img[..prog.len()].copy_from_slice(&prog);
    let p = dir.join("vbe.img");
    std::fs::write(&p, img).unwrap();
    p
}

struct Run {
    status: Option<i32>,
    out: String,
    err: String,
    screen: String,
    secs: f64,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "status {:?} after {:.1} s\n--- debug console:\n{}\n--- stderr:\n{}\n--- screen:\n{}",
            self.status, self.secs, self.out, self.err, self.screen
        )
    }
}

/// Run `ironpc` headless with the built-in BIOS on `args`: the debug console on stdout, a
/// text dump in `dir/screen.txt` and a screen dump in `dir/screen.png`.
fn ironpc(dir: &Path, args: &[&str]) -> Run {
    let (png, txt) = (dir.join("screen.png"), dir.join("screen.txt"));
    let _ = std::fs::remove_file(&png);
    let _ = std::fs::remove_file(&txt);
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .args(["-debugcon", "stdio", "-display", "none", "-no-reboot"])
        .args(["--screendump", s(&png), "--textdump", s(&txt)])
        .args(args)
        .output()
        .expect("cannot run the ironpc binary");
    let r = Run {
        status: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
        screen: String::from_utf8_lossy(&std::fs::read(&txt).unwrap_or_default()).into_owned(),
        secs: t.elapsed().as_secs_f64(),
    };
    eprintln!("ironpc {args:?}: {:.2} s, status {:?}", r.secs, r.status);
    r
}

/// The `key=value` fields of the debug-console line that starts with `name` + " ".
fn fields(r: &Run, name: &str) -> HashMap<String, String> {
    let want = format!("{name} ");
    let line = r
        .out
        .lines()
        .find(|l| l.starts_with(&want))
        .unwrap_or_else(|| panic!("no line `{name} ...`: {r}"));
    parse_fields(line)
}

fn parse_fields(line: &str) -> HashMap<String, String> {
    line.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A hex field.
fn hex(f: &HashMap<String, String>, key: &str) -> u64 {
    let v = f
        .get(key)
        .unwrap_or_else(|| panic!("no field {key} in {f:?}"));
    u64::from_str_radix(v, 16).unwrap_or_else(|_| panic!("{key}={v} is not hex"))
}

// --- Modes ----------------------------------------------------------------------------------

/// The VESA-defined mode numbers (VBE 1.2 table) and their shapes.
const VESA_MODES: &[(u64, u64, u64, u64)] = &[
    (0x100, 640, 400, 8),
    (0x101, 640, 480, 8),
    (0x103, 800, 600, 8),
    (0x105, 1024, 768, 8),
    (0x107, 1280, 1024, 8),
    (0x10D, 320, 200, 15),
    (0x10E, 320, 200, 16),
    (0x10F, 320, 200, 24),
    (0x110, 640, 480, 15),
    (0x111, 640, 480, 16),
    (0x112, 640, 480, 24),
    (0x113, 800, 600, 15),
    (0x114, 800, 600, 16),
    (0x115, 800, 600, 24),
    (0x116, 1024, 768, 15),
    (0x117, 1024, 768, 16),
    (0x118, 1024, 768, 24),
    (0x119, 1280, 1024, 15),
    (0x11A, 1280, 1024, 16),
    (0x11B, 1280, 1024, 24),
];

/// Modes the BIOS must offer: the standard 8/15/16/24-bit ones up to 1024x768.
const REQUIRED: &[u64] = &[
    0x100, 0x101, 0x103, 0x105, 0x110, 0x111, 0x112, 0x113, 0x114, 0x115, 0x116, 0x117, 0x118,
];

/// The colour fields (red, green, blue, reserved: size, position) of a direct-colour depth.
fn colour_fields(bpp: u64) -> [u8; 8] {
    match bpp {
        15 => [5, 10, 5, 5, 5, 0, 1, 15],
        16 => [5, 11, 6, 5, 5, 0, 0, 0],
        24 => [8, 16, 8, 8, 8, 0, 0, 0],
        32 => [8, 16, 8, 8, 8, 0, 8, 24],
        _ => [0; 8],
    }
}

fn bytes_of(bpp: u64) -> u64 {
    bpp.div_ceil(8)
}

/// The picture `tests/bootsect/vbe.asm` draws in 1024x768x32: bars, a gradient, and the
/// two bands written through the banked window (banks 40 and 41: rows 640-671).
fn lfb_picture(x: usize, y: usize) -> u32 {
    const BARS: [u32; 8] = [
        0xFFFFFF, 0xFFFF00, 0x00FFFF, 0x00FF00, 0xFF00FF, 0xFF0000, 0x0000FF, 0x000000,
    ];
    let bank = y * 1024 * 4 / 0x10000;
    match (y, bank) {
        (_, 40) => 0xFF8000,
        (_, 41) => 0x00C0C0,
        (0..=383, _) => BARS[x / 128],
        _ => {
            let (r, g, b) = (x / 4, (y - 384) / 2, 255 - x / 4);
            (r << 16 | g << 8 | b) as u32
        }
    }
}

#[test]
fn controller_and_mode_information_and_lfb_picture() {
    let dir = scratch("lfb");
    let img = floppy(&dir, &[]);
    let r = ironpc(&dir, &["-fda", s(&img), "--timeout", "60"]);
    assert_eq!(r.status, Some(1), "ended through port F4h: {r}");

    // 4F00h with 'VBE2'.
    let info = fields(&r, "info");
    assert_eq!(hex(&info, "ax"), 0x4F, "{r}");
    assert_eq!(info["sig"], "VESA", "{r}");
    assert_eq!(hex(&info, "ver"), 0x0300, "VBE 3.0: {r}");
    assert_eq!(hex(&info, "caps") & 1, 1, "the DAC is switchable: {r}");
    assert_eq!(
        hex(&info, "mem"),
        (VRAM_SIZE / 0x10000) as u64,
        "video memory in 64 KiB units: {r}"
    );
    assert_ne!(hex(&info, "oemrev"), 0, "VBE 2.0 field filled: {r}");
    for name in ["oem", "vendor", "product", "revision"] {
        let line = r.out.lines().find(|l| l.starts_with(&format!("{name} ")));
        assert!(
            line.is_some_and(|l| l.len() > name.len() + 1 && l.is_ascii()),
            "{name} string through its far pointer: {r}"
        );
    }

    // The mode list, and 4F01h for each mode of it.
    let list: Vec<u64> = r
        .out
        .lines()
        .find(|l| l.starts_with("modes "))
        .unwrap_or_else(|| panic!("no mode list: {r}"))
        .split_whitespace()
        .skip(1)
        .map(|m| u64::from_str_radix(m, 16).unwrap())
        .collect();
    let infos: Vec<HashMap<String, String>> = r
        .out
        .lines()
        .filter(|l| l.starts_with("mode "))
        .map(parse_fields)
        .collect();
    assert_eq!(infos.len(), list.len(), "one 4F01h per listed mode: {r}");
    for m in REQUIRED {
        assert!(list.contains(m), "mode {m:#x} listed: {list:x?}");
    }
    let mut shapes = Vec::new();
    for (&mode, line) in list
        .iter()
        .zip(r.out.lines().filter(|l| l.starts_with("mode ")))
    {
        let f = parse_fields(line);
        let ctx = format!("mode {mode:#x}: {line}");
        assert!(line.starts_with(&format!("mode {mode:04X} ")), "{ctx}");
        assert_eq!(hex(&f, "ax"), 0x4F, "{ctx}");
        let (x, y, bpp) = (hex(&f, "x"), hex(&f, "y"), hex(&f, "bpp"));
        assert!(
            (1..=u64::from(VBE_MAX_XRES)).contains(&x)
                && (1..=u64::from(VBE_MAX_YRES)).contains(&y)
                && [8, 15, 16, 24, 32].contains(&bpp)
                && bpp <= u64::from(VBE_MAX_BPP),
            "a mode the adapter can show: {ctx}"
        );
        if let Some(&(_, vx, vy, vbpp)) = VESA_MODES.iter().find(|v| v.0 == mode) {
            assert_eq!((x, y, bpp), (vx, vy, vbpp), "the VESA-defined shape: {ctx}");
        } else {
            assert!(mode >= 0x140, "extended modes from 140h up: {ctx}");
        }
        let attr = hex(&f, "attr");
        assert_eq!(
            attr & 0x9B,
            0x9B,
            "supported, extended info, colour, graphics, LFB: {ctx}"
        );
        assert_eq!(hex(&f, "wina") & 7, 7, "window A relocatable, r/w: {ctx}");
        assert_eq!(
            (hex(&f, "gran"), hex(&f, "size"), hex(&f, "seg")),
            (64, 64, 0xA000),
            "{ctx}"
        );
        assert_eq!(hex(&f, "planes"), 1, "{ctx}");
        assert_eq!(
            hex(&f, "model"),
            if bpp == 8 { 4 } else { 6 },
            "packed pixel / direct colour: {ctx}"
        );
        let pitch = x * bytes_of(bpp);
        assert_eq!(hex(&f, "pitch"), pitch, "BytesPerScanLine: {ctx}");
        assert_eq!(hex(&f, "lpitch"), pitch, "LinBytesPerScanLine: {ctx}");
        assert!(pitch * y <= VRAM_SIZE as u64, "fits video memory: {ctx}");
        assert_eq!(
            hex(&f, "pages"),
            (VRAM_SIZE as u64 / (pitch * y) - 1).min(255),
            "NumberOfImagePages: {ctx}"
        );
        assert_eq!(hex(&f, "base"), u64::from(LFB_BASE), "PhysBasePtr: {ctx}");
        let masks: String = colour_fields(bpp)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(f["masks"], masks, "colour fields: {ctx}");
        assert_eq!(f["lmasks"], masks, "linear colour fields: {ctx}");
        assert!(!shapes.contains(&(x, y, bpp)), "listed twice: {ctx}");
        shapes.push((x, y, bpp));
    }
    for want in [(1024, 768, 32), (1280, 1024, 32), (1920, 1080, 32)] {
        assert!(shapes.contains(&want), "{want:?} offered: {shapes:?}");
    }

    // Failures.
    let bad = fields(&r, "fail");
    assert_eq!(hex(&bad, "info"), 0x14F, "4F01h on an unknown mode: {r}");
    assert_eq!(hex(&bad, "set"), 0x14F, "4F02h of an unknown mode: {r}");
    assert_eq!(hex(&bad, "state"), 0x14F, "4F04h is not supported: {r}");
    assert_eq!(hex(&bad, "pm"), 0x14F, "4F0Ah is not supported: {r}");
    assert_eq!(hex(&bad, "window"), 0x34F, "4F05h in a VGA mode: {r}");

    // 4F02h 4144h, 4F03h, 4F06h, 4F07h, 4F08h, 4F09h, 4F05h.
    let set = fields(&r, "set");
    assert_eq!(hex(&set, "ax"), 0x4F, "{r}");
    assert_eq!(
        hex(&set, "cur"),
        0x4144,
        "4F03h: mode 144h with the LFB bit: {r}"
    );
    let scan = fields(&r, "scan");
    assert_eq!(
        (hex(&scan, "ax"), hex(&scan, "bx"), hex(&scan, "cx")),
        (0x4F, 1024 * 4, 1024),
        "4F06h: {r}"
    );
    assert_eq!(
        hex(&scan, "dx"),
        VRAM_SIZE as u64 / 4096,
        "scan lines in memory: {r}"
    );
    let scan = fields(&r, "scanset");
    let lines = |pitch: u64| VRAM_SIZE as u64 / pitch;
    assert_eq!(
        [
            hex(&scan, "ax"),
            hex(&scan, "bx"),
            hex(&scan, "cx"),
            hex(&scan, "dx")
        ],
        [0x4F, 1100 * 4, 1100, lines(1100 * 4)],
        "4F06h set 1100 pixels: {r}"
    );
    // The widest line that leaves 768 lines (in whole pixels), and back to 4096 bytes.
    let max_px = (VRAM_SIZE as u64 / 768).min(0xFFFF) / 4;
    assert_eq!(
        [hex(&scan, "max"), hex(&scan, "maxbx"), hex(&scan, "maxcx")],
        [0x4F, max_px * 4, max_px],
        "4F06h maximum: {r}"
    );
    assert_eq!(
        [hex(&scan, "back"), hex(&scan, "backcx")],
        [0x4F, 1024],
        "4F06h set in bytes: {r}"
    );
    let start = fields(&r, "start2");
    assert_eq!(
        (hex(&start, "ax"), hex(&start, "cx"), hex(&start, "dx")),
        (0x4F, 4, 3),
        "4F07h (3.0) set by byte address, then get: {r}"
    );
    let start = fields(&r, "start");
    assert_eq!(
        (hex(&start, "ax"), hex(&start, "cx"), hex(&start, "dx")),
        (0x4F, 0, 5),
        "4F07h set, then get: {r}"
    );
    let dac = fields(&r, "dac");
    assert_eq!((hex(&dac, "ax"), hex(&dac, "bh")), (0x4F, 8), "{r}");
    assert_eq!(
        (hex(&dac, "palset"), hex(&dac, "palget")),
        (0x4F, 0x4F),
        "{r}"
    );
    assert_eq!(
        hex(&dac, "entry"),
        0x0033_2211,
        "an 8-bit palette entry read back as written: {r}"
    );
    assert_eq!(hex(&dac, "dac6"), 6, "{r}");
    let bank = fields(&r, "bank");
    assert_eq!(hex(&bank, "ax"), 0x4F, "{r}");
    assert_eq!(hex(&bank, "dx"), 40, "4F05h get after set: {r}");
    assert_eq!(hex(&bank, "far"), 41, "set through the WinFuncPtr: {r}");
    // Memory written through the window is the LFB's at bank * 64 KiB.
    let lfb_at = |off: usize| u64::from(lfb_picture(off / 4 % 1024, off / 4096));
    assert_eq!(hex(&bank, "lfb40"), lfb_at(40 << 16), "{r}");
    assert_eq!(hex(&bank, "lfb41"), lfb_at((42 << 16) - 4), "{r}");
    assert_eq!(hex(&bank, "lfb42"), lfb_at(42 << 16), "{r}");
    assert!(r.out.contains("\ndone\n"), "{r}");

    // The screen: 1024x768 showing what was drawn, pixel for pixel.
    let png = dir.join("screen.png");
    let pic = read_png(&png);
    assert_eq!((pic.width, pic.height), (1024, 768), "{r}");
    for y in 0..768 {
        for x in 0..1024 {
            assert_eq!(pic.pixel(x, y), lfb_picture(x, y), "pixel ({x}, {y})");
        }
    }
    golden(&png, "vbe/lfb1024x768x32.png");
}

/// 4F02h with a VGA mode number goes through the AH=00h mode set, which turns DISPI off:
/// the text screen is back and shows what is written to it.
#[test]
fn vga_mode_number_returns_to_text() {
    let dir = scratch("text");
    let img = floppy(&dir, &["BACK_TO_TEXT"]);
    let r = ironpc(&dir, &["-fda", s(&img), "--timeout", "60"]);
    assert_eq!(r.status, Some(1), "ended through port F4h: {r}");
    let f = fields(&r, "text");
    assert_eq!(hex(&f, "ax"), 0x4F, "{r}");
    assert_eq!(hex(&f, "cur"), 3, "4F03h reports the VGA mode: {r}");
    assert_eq!(hex(&f, "vmode"), 3, "AH=0Fh: {r}");
    let rows: Vec<&str> = r.screen.lines().collect();
    assert_eq!(rows.len(), 25, "an 80x25 text screen again: {r}");
    assert_eq!(rows[0].trim_end(), "back in text mode", "{r}");
    let pic = read_png(&dir.join("screen.png"));
    assert_eq!((pic.width, pic.height), (720, 400), "{r}");
}

#[test]
fn banked_window_8bpp_with_8bit_palette() {
    let dir = scratch("banked8");
    let img = floppy(&dir, &["BANKED8"]);
    let r = ironpc(&dir, &["-fda", s(&img), "--timeout", "60"]);
    assert_eq!(r.status, Some(1), "ended through port F4h: {r}");
    let f = fields(&r, "set");
    assert_eq!(hex(&f, "ax"), 0x4F, "4F02h 101h: {r}");
    assert_eq!(hex(&f, "dac"), 8, "4F08h: {r}");
    assert_eq!(hex(&f, "pal"), 0x4F, "4F09h: {r}");
    assert_eq!(
        hex(&f, "lastbank"),
        (640 * 480 - 1) >> 16,
        "the last bank the picture needs: {r}"
    );
    assert_eq!(hex(&f, "read"), 300 & 0xFF, "read back through bank 2: {r}");
    // Row y has colour y & 0FFh; palette entry i is red i, green 255 - i, blue i / 2 in 8 bits.
    let png = dir.join("screen.png");
    let pic = read_png(&png);
    assert_eq!((pic.width, pic.height), (640, 480), "{r}");
    for y in 0..480 {
        let i = (y & 0xFF) as u32;
        let want = (i << 16) | ((255 - i) << 8) | (i / 2);
        for x in 0..640 {
            assert_eq!(pic.pixel(x, y), want, "pixel ({x}, {y})");
        }
    }
    golden(&png, "vbe/banked640x480x8.png");
}

// --- GRUB 2 ---------------------------------------------------------------------------------

/// A GRUB rescue image (BIOS only) with the video modules and an ASCII font; its menu waits
/// 30 s with one entry that ends the run.
fn grub_iso(dir: &Path) -> PathBuf {
    let root = dir.join("iso");
    std::fs::create_dir_all(root.join("boot/grub/fonts")).unwrap();
    std::fs::write(
        root.join("boot/grub/grub.cfg"),
        "set timeout=30\nmenuentry \"Power off through port F4h\" {\n    outb 0xf4 0\n}\n",
    )
    .unwrap();
    std::fs::copy(
        "/usr/share/grub/ascii.pf2",
        root.join("boot/grub/fonts/ascii.pf2"),
    )
    .expect("/usr/share/grub/ascii.pf2 (grub-common): run scripts/test.sh, which installs it");
    let iso = dir.join("grub.iso");
    grub_mkrescue(&root, &iso, "normal echo iorw vbe videoinfo gfxterm font");
    iso
}

/// `c` opens GRUB's command line; `videoinfo 1024x768` lists the modes of that size (the
/// whole list does not fit the 25-line screen).
#[test]
fn grub_videoinfo_lists_our_modes() {
    let dir = scratch("grub-videoinfo");
    let iso = grub_iso(&dir);
    let r = ironpc(
        &dir,
        &[
            "-hda",
            s(&iso),
            "-snapshot",
            "--timeout",
            "120",
            "--keys",
            "cinsmod vbe; videoinfo 1024x768; outb 0xf4 0\n",
        ],
    );
    assert_eq!(r.status, Some(1), "ended by outb 0xf4 0: {r}");
    assert!(
        !r.screen.contains("Can't get controller info"),
        "GRUB found VBE: {r}"
    );
    assert!(r.screen.contains("VESA BIOS Extension Video Driver"), "{r}");
    assert!(r.screen.contains("version: 3.0"), "{r}");
    assert!(
        r.screen
            .contains(&format!("total memory: {} KiB", VRAM_SIZE / 1024)),
        "{r}"
    );
    // "  0x144 1024 x  768 x 32 (4096)  Direct color, mask: 8/8/8/8  pos: 16/8/0/24"
    let modes: Vec<(u64, u64)> = r
        .screen
        .lines()
        .filter_map(|l| {
            let l = l.trim_start().strip_prefix("0x")?;
            let (num, rest) = l.split_once(' ')?;
            let words: Vec<&str> = rest.split_whitespace().collect();
            if words.get(..4)? != ["1024", "x", "768", "x"] {
                return None;
            }
            Some((u64::from_str_radix(num, 16).ok()?, words[4].parse().ok()?))
        })
        .collect();
    for want in [
        (0x105, 8),
        (0x116, 15),
        (0x117, 16),
        (0x118, 24),
        (0x144, 32),
    ] {
        assert!(modes.contains(&want), "{want:x?} in {modes:x?}: {r}");
    }
    assert!(
        r.screen
            .contains("1024 x  768 x 32 (4096)  Direct color, mask: 8/8/8/8"),
        "{r}"
    );
}

/// `gfxterm` in 800x600x32: GRUB sets the mode through 4F02h and draws its text through the
/// linear frame buffer.
#[test]
fn grub_gfxterm_800x600() {
    let dir = scratch("grub-gfxterm");
    let iso = grub_iso(&dir);
    let r = ironpc(
        &dir,
        &[
            "-hda",
            s(&iso),
            "-snapshot",
            "--timeout",
            "120",
            "--keys",
            "cinsmod vbe; insmod gfxterm; loadfont /boot/grub/fonts/ascii.pf2; \
             set gfxmode=800x600x32; terminal_output gfxterm; echo hello from gfxterm; \
             outb 0xf4 0\n",
        ],
    );
    assert_eq!(r.status, Some(1), "ended by outb 0xf4 0: {r}");
    let pic = read_png(&dir.join("screen.png"));
    assert_eq!((pic.width, pic.height), (800, 600), "the VBE mode: {r}");
    // The echoed text is in the first two text rows (16-pixel cells), the rest is black.
    let lit = |y0: usize, y1: usize| {
        (y0..y1)
            .flat_map(|y| (0..800).map(move |x| (x, y)))
            .filter(|&(x, y)| pic.pixel(x, y) != 0)
            .count()
    };
    assert!(lit(0, 32) > 100, "text drawn at the top: {r}");
    assert_eq!(lit(64, 600), 0, "nothing below: {r}");
}
