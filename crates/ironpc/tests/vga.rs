//! The VGA through the whole machine: ROM test programs (`tests/roms/vga/*.asm`, assembled
//! with nasm at test time, run as `-bios`) program the VGA registers themselves, draw known
//! pictures and exit through port 0xF4. Their `--screendump` is compared pixel for pixel with
//! the PNGs of `tests/golden/`, their `--textdump` with the text files there. Run with
//! `IRONPC_BLESS=1` to (re)write the golden files from what the build produces (then look at
//! them before committing).
//!
//! Also: `--keys` (scan codes typed on the PS/2 keyboard as a timed event), dumps written on a
//! timeout and a triple fault, the fallback when no window can be opened, and the window
//! itself under Xvfb (keys typed with xdotool, a screenshot with xwd compared with the
//! `--screendump` of the same frame).
//!
//! nasm, Xvfb, xdotool and xwd are required (scripts/test.sh installs them): without them
//! these tests fail with a message saying so; they never pass silently.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{golden, image_diff, read_png, read_text, repo, Rgb};

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("vga-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("cannot create a scratch directory");
    d
}

/// Assemble `tests/roms/vga/NAME.asm` (with `defines`) into `dir`.
fn rom(name: &str, dir: &Path, defines: &[&str]) -> PathBuf {
    let out = dir.join(format!("{name}.rom"));
    let mut cmd = Command::new("nasm");
    cmd.args(["-f", "bin"])
        .arg("-I")
        .arg(format!("{}/tests/roms/vga/", repo().display()))
        .arg("-I")
        .arg(format!("{}/", repo().display()));
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    cmd.arg("-o")
        .arg(&out)
        .arg(repo().join(format!("tests/roms/vga/{name}.asm")));
    let res = cmd.output().unwrap_or_else(|e| {
        panic!(
            "cannot run nasm ({e}): the VGA ROM tests need it. Install it (`apt-get install \
             nasm`) or run the README's test command, scripts/test.sh, which installs it"
        )
    });
    assert!(
        res.status.success(),
        "nasm failed on {name}.asm:\n{}",
        String::from_utf8_lossy(&res.stderr)
    );
    out
}

/// Run the ironpc binary headless with `args`; the debug console goes to `dir/e9.txt`.
/// Returns the exit status, the debug-console text and stderr.
fn ironpc(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let e9 = dir.join("e9.txt");
    let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .args(args)
        .arg("-debugcon")
        .arg(format!("file:{}", e9.display()))
        .args(if args.contains(&"--timeout") {
            &[][..]
        } else {
            &["--timeout", "60"][..]
        })
        .env_remove("DISPLAY")
        .output()
        .expect("cannot run the ironpc binary");
    (
        out.status.code(),
        read_text(&e9),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Run `tests/roms/vga/NAME.asm` to its exit through port 0xF4 with both dumps.
fn run_dumps(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = scratch(name);
    let r = rom(name, &dir, &[]);
    let (png, txt) = (dir.join("screen.png"), dir.join("screen.txt"));
    let (code, e9, stderr) = ironpc(
        &dir,
        &[
            "-bios",
            r.to_str().unwrap(),
            "-display",
            "none",
            "-no-reboot",
            "--screendump",
            png.to_str().unwrap(),
            "--textdump",
            txt.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{name}: exit status\n{e9}\n{stderr}");
    (dir, png, txt)
}

// Colours of the EGA palette, as the DAC's 6-bit values widen to 8 bits.
const BLACK: u32 = 0x000000;
const BLUE: u32 = 0x0000AA;
const RED: u32 = 0xAA0000;
const GREY: u32 = 0xAAAAAA;
const WHITE: u32 = 0xFFFFFF;
const YELLOW: u32 = 0xFFFF55;

#[test]
fn text_mode_golden() {
    let (_dir, png, txt) = run_dumps("text");
    // Spot checks that do not depend on the golden files.
    let img = read_png(&png);
    assert_eq!((img.width, img.height), (720, 400), "80x25 cells of 9x16");
    assert_eq!(img.pixel(0, 0), BLUE, "title bar background");
    assert_eq!(img.pixel(719, 399), RED, "the last cell's background");
    assert_eq!(
        img.pixel(4 * 9 + 4, 16 * 16 + 4),
        BLUE,
        "box interior: attribute 1Bh"
    );
    // The cursor (scan lines 13-14 of row 24, column 12) in the grey of attribute 07h.
    assert_eq!(img.pixel(12 * 9 + 3, 24 * 16 + 13), GREY);
    assert_eq!(img.pixel(12 * 9 + 3, 24 * 16 + 12), BLACK);
    // A full block (DBh) in yellow, colour 14 of row 13.
    assert_eq!(img.pixel((4 + 14 * 4) * 9 + 4, 13 * 16 + 8), YELLOW);
    let text = read_text(&txt);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 25, "{text}");
    assert_eq!(rows[0], "  IronPC VGA text mode test");
    assert!(rows[3].starts_with("      ☺ ☻ ♥"), "{}", rows[3]);
    assert!(rows[16].contains("╔═══"), "{}", rows[16]);
    assert!(rows[18].contains("Hello, VGA! ☺ ♥ ♫"), "{}", rows[18]);
    assert!(rows[24].starts_with("bottom>") && rows[24].ends_with('X'));
    golden(&png, "text.png");
    golden(&txt, "text.txt");
}

#[test]
fn mode13_golden() {
    let (_dir, png, txt) = run_dumps("mode13");
    let img = read_png(&png);
    assert_eq!(
        (img.width, img.height),
        (320, 200),
        "mode 13h at its logical size"
    );
    assert_eq!(img.pixel(0, 0), WHITE, "border");
    assert_eq!(img.pixel(319, 100), WHITE, "border");
    assert_eq!(img.pixel(160, 199), WHITE, "border");
    assert_eq!(img.pixel(150, 150), WHITE, "diagonal");
    assert_eq!(img.pixel(70, 30), 0xFF0000, "red rectangle (E0h)");
    assert_eq!(img.pixel(130, 50), 0x00FF00, "green rectangle (1Ch)");
    assert_eq!(img.pixel(210, 50), 0x0000FF, "blue rectangle (03h)");
    // Background x XOR y = 3 ^ 5 = 6: red 0, green 1 (24h), blue 2 (2Ah).
    assert_eq!(img.pixel(3, 5), 0x0024AA);
    assert_eq!(
        read_text(&txt),
        "(no text screen: the display is in a 320x200 graphics mode)\n",
        "--textdump in a graphics mode"
    );
    golden(&png, "mode13.png");
}

#[test]
fn mode12_golden() {
    let (_dir, png, _) = run_dumps("mode12");
    let img = read_png(&png);
    assert_eq!((img.width, img.height), (640, 480));
    // Bars: colour n at x = 40n.. (write mode 2).
    assert_eq!(img.pixel(5, 100), BLACK);
    assert_eq!(img.pixel(45, 100), BLUE);
    assert_eq!(
        img.pixel(6 * 40 + 5, 100),
        0xAA5500,
        "brown (attribute 6 -> DAC 14h)"
    );
    assert_eq!(img.pixel(15 * 40 + 5, 100), WHITE);
    // Plane stripes: plane 0 = AAh, plane 2 = CCh -> colours 5, 4, 1, 0 repeating.
    assert_eq!(
        [0, 1, 2, 3].map(|x| img.pixel(x, 220)),
        [0xAA00AA, RED, BLUE, BLACK]
    );
    // Checkerboard: (x/16 + y/16) & 15 at (40, 300) = 2 + 18 = 20 & 15 = 4.
    assert_eq!(img.pixel(40, 300), RED);
    // Diagonal: white at (100 + k, 240 + k), its neighbours untouched.
    assert_eq!(img.pixel(150, 290), WHITE);
    assert_eq!(img.pixel(151, 290), img.pixel(152, 290));
    // Latch copy of rows 0-19 to rows 460-479.
    for x in (0..640).step_by(40) {
        assert_eq!(img.pixel(x, 470), img.pixel(x, 10), "x = {x}");
    }
    golden(&png, "mode12.png");
}

#[test]
fn keys_are_typed_in_virtual_time() {
    let dir = scratch("keys");
    let r = rom("keys", &dir, &[]);
    // The two-character escape \n and a real newline are both Enter.
    for keys in [r"aB1\n", "aB1\n"] {
        let (code, e9, stderr) = ironpc(
            &dir,
            &[
                "-bios",
                r.to_str().unwrap(),
                "-display",
                "none",
                "--keys",
                keys,
            ],
        );
        assert_eq!(code, Some(1), "{e9}\n{stderr}");
        assert_eq!(
            e9, "1E 9E 2A 30 B0 AA 02 82 1C 9C \n",
            "a, B (with Shift), 1, Enter: press and release, set 1"
        );
    }
    let (code, _, stderr) = ironpc(
        &dir,
        &[
            "-bios",
            r.to_str().unwrap(),
            "-display",
            "none",
            "--keys",
            "a€",
        ],
    );
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("--keys") && stderr.contains('€'),
        "{stderr}"
    );
}

#[test]
fn dumps_are_written_on_timeout_and_triple_fault() {
    let dir = scratch("endings");
    let want = read_text(&repo().join("tests/golden/text.txt"));
    for (define, status) in [("LOOP", 124), ("TRIPLE", 2)] {
        let r = rom("text", &dir, &[define]);
        let (png, txt) = (
            dir.join(format!("{define}.png")),
            dir.join(format!("{define}.txt")),
        );
        let (code, e9, stderr) = ironpc(
            &dir,
            &[
                "-bios",
                r.to_str().unwrap(),
                "-display",
                "none",
                "-no-reboot",
                "--timeout",
                "1",
                "--screendump",
                png.to_str().unwrap(),
                "--textdump",
                txt.to_str().unwrap(),
            ],
        );
        assert_eq!(code, Some(status), "{define}: {e9}\n{stderr}");
        assert_eq!(read_text(&txt), want, "{define}: --textdump");
        let img = read_png(&png);
        assert_eq!(
            (img.width, img.height),
            (720, 400),
            "{define}: --screendump"
        );
        assert_eq!(img.pixel(0, 0), BLUE, "{define}");
    }
}

#[test]
fn no_display_falls_back_to_none() {
    let dir = scratch("nodisplay");
    let r = rom("text", &dir, &[]);
    let png = dir.join("s.png");
    // No DISPLAY at all (`ironpc` removes it), and an X display that is not there.
    for display in [None, Some(":12345")] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ironpc"));
        cmd.args([
            "-bios",
            r.to_str().unwrap(),
            "-display",
            "window",
            "--timeout",
            "60",
        ])
        .arg("--screendump")
        .arg(&png)
        .env_remove("DISPLAY");
        if let Some(d) = display {
            cmd.env("DISPLAY", d);
        }
        let out = cmd.output().expect("cannot run ironpc");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{display:?}: {stderr}");
        assert_eq!(
            stderr.lines().filter(|l| l.contains("no window")).count(),
            1,
            "{display:?}: one line saying there is no window:\n{stderr}"
        );
        assert!(!stderr.contains("panick"), "{stderr}");
        assert_eq!(read_png(&png).pixel(0, 0), BLUE);
    }
}

// ---------------------------------------------------------------------------------------
// The window under Xvfb.

/// An Xvfb server on a free display, killed when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1024x768x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start Xvfb ({e}): the window test needs an X server. Install \
                     xvfb, xdotool and x11-apps (`apt-get install xvfb xdotool x11-apps`) or \
                     run scripts/test.sh, which installs them"
                )
            });
        // Xvfb writes its display number on the descriptor once it accepts connections.
        let mut out = child.stdout.take().unwrap();
        let mut num = String::new();
        let mut byte = [0u8; 1];
        while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            num.push(byte[0] as char);
        }
        assert!(
            !num.trim().is_empty(),
            "Xvfb did not report a display number"
        );
        Xvfb {
            child,
            display: format!(":{}", num.trim()),
        }
    }

    /// Run an X client on this display; returns its output.
    fn run(&self, prog: &str, args: &[&str]) -> Output {
        Command::new(prog)
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {prog} ({e}): the window test needs xdotool and xwd. Install \
                     xdotool and x11-apps or run scripts/test.sh"
                )
            })
    }

    fn xdotool(&self, args: &[&str]) -> String {
        let out = self.run("xdotool", args);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Kills the emulator if the test fails half-way.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Wait until `f` gives `Some`, polling every 50 ms, for at most `secs` seconds.
fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Decode an XWD (X Window Dump) image of a 24/32-bit TrueColor visual: the header (25
/// big-endian words), the window name, the colour map entries, then the pixels.
fn parse_xwd(b: &[u8]) -> Rgb {
    let word = |i: usize| u32::from_be_bytes(b[i * 4..i * 4 + 4].try_into().unwrap());
    assert!(b.len() >= 100, "XWD too short");
    let header_size = word(0) as usize;
    assert_eq!(word(1), 7, "XWD version");
    assert_eq!(word(2), 2, "ZPixmap");
    let (width, height) = (word(4) as usize, word(5) as usize);
    let byte_order = word(7);
    let bits_per_pixel = word(11);
    let bytes_per_line = word(12) as usize;
    let masks = [word(14), word(15), word(16)];
    let ncolors = word(19) as usize;
    assert_eq!(bits_per_pixel, 32, "XWD: expected 32 bits per pixel");
    let data = &b[header_size + ncolors * 12..];
    assert!(data.len() >= height * bytes_per_line, "XWD truncated");
    let mut out = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        for x in 0..width {
            let p: [u8; 4] = data[y * bytes_per_line + x * 4..][..4].try_into().unwrap();
            let v = if byte_order == 0 {
                u32::from_le_bytes(p)
            } else {
                u32::from_be_bytes(p)
            };
            for m in masks {
                out.push(((v & m) >> m.trailing_zeros()) as u8);
            }
        }
    }
    Rgb {
        width,
        height,
        data: out,
    }
}

#[test]
fn window_under_xvfb() {
    let x = Xvfb::start();
    let dir = scratch("window");
    let r = rom("window", &dir, &[]);
    let (e9, png) = (dir.join("e9.txt"), dir.join("screen.png"));
    let child = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .args([
            "-bios",
            r.to_str().unwrap(),
            "-display",
            "window",
            "--timeout",
            "60",
        ])
        .arg("-debugcon")
        .arg(format!("file:{}", e9.display()))
        .arg("--screendump")
        .arg(&png)
        .env("DISPLAY", &x.display)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run ironpc");
    let mut emu = Running(child);
    let wid = wait_for(20, "the IronPC window", || {
        let ids = x.xdotool(&["search", "--name", "^IronPC"]);
        ids.lines().next().map(str::to_string)
    });
    wait_for(20, "the guest to be ready", || {
        read_text(&e9).starts_with("R\n").then_some(())
    });
    // The title shows the guest's state about once a second: the guest idles in HLT.
    let title = wait_for(10, "the title to show the guest state", || {
        let t = x.xdotool(&["getwindowname", &wid]);
        t.contains("MIPS").then_some(t)
    });
    assert!(title.starts_with("IronPC - halted - "), "{title}");
    // The picture: the window is 720x400, the text mode's own size, so the frame is shown
    // 1:1. (The frame was sent long before the title changed.)
    let shot = x.run("xwd", &["-silent", "-id", &wid]);
    assert!(shot.status.success(), "xwd failed");
    let shot = parse_xwd(&shot.stdout);
    // Keys: put the pointer on the window (no window manager: focus follows it), then type.
    x.xdotool(&["mousemove", "--window", &wid, "100", "100"]);
    x.xdotool(&["windowfocus", &wid]);
    x.xdotool(&["type", "--delay", "30", "aB1"]);
    x.xdotool(&["key", "--delay", "30", "Up"]);
    let codes = wait_for(10, "the guest to echo the scan codes", || {
        let t = read_text(&e9);
        let t = t.split_whitespace().collect::<Vec<_>>().join(" ") + " ";
        t.contains("E0 C8").then_some(t)
    });
    for want in ["1E 9E", "2A ", "30 ", "B0 ", "AA ", "02 82", "E0 48 E0 C8"] {
        assert!(
            codes.contains(want),
            "{want} missing in the guest's echo: {codes}"
        );
    }
    assert!(
        codes.find("2A ").unwrap() < codes.find("30 ").unwrap(),
        "Shift before B: {codes}"
    );
    // Ctrl+Alt+Q ends the run with status 0 and writes the dump.
    x.xdotool(&["key", "ctrl+alt+q"]);
    let status = wait_for(10, "the run to end after Ctrl+Alt+Q", || {
        emu.0.try_wait().ok().flatten()
    });
    let mut stderr = String::new();
    if let Some(mut s) = emu.0.stderr.take() {
        let _ = s.read_to_string(&mut stderr);
    }
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("no window"), "{stderr}");
    let dump = read_png(&png);
    assert_eq!((dump.width, dump.height), (720, 400));
    if let Some(d) = image_diff(&shot, &dump) {
        panic!("the window shows something else than --screendump: {d}");
    }
    // The same screen as the text test, but without the cursor.
    let golden = read_png(&repo().join("tests/golden/text.png"));
    assert_eq!((golden.width, golden.height), (720, 400));
    let cursor_cell = |x: usize, y: usize| (108..117).contains(&x) && (384..400).contains(&y);
    let mut differing = 0;
    for y in 0..400 {
        for x in 0..720 {
            if dump.pixel(x, y) != golden.pixel(x, y) {
                assert!(cursor_cell(x, y), "({x}, {y}) differs from text.png");
                differing += 1;
            }
        }
    }
    assert!(differing > 0, "the cursor is off in the window test");
}
