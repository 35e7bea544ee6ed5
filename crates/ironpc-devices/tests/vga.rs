//! VGA driven as a guest drives it: modes programmed purely through the ports from the
//! standard register tables (in a BIOS's order), pictures drawn through the A0000 window,
//! frames compared pixel for pixel with PNGs under `tests/golden/`.
//!
//! To regenerate the golden images after a deliberate change, run
//! `IRONPC_BLESS=1 cargo test -p ironpc-devices --test vga` and look at them before
//! committing. Mismatching frames are written to `target/vga-golden-actual/`.
//!
//! The render benchmark is ignored by default:
//! `cargo test --release -p ironpc-devices --test vga -- --ignored --nocapture`.

use std::path::PathBuf;
use std::time::Instant;

use ironpc_devices::vga::modes::{self, ModeTable};
use ironpc_devices::vga::vbe::*;
use ironpc_devices::vga::{
    write_png, Frame, StandardMode, Vga, FRAME_NS, VBE_PORT_DATA, VBE_PORT_INDEX, VGA_FONT_8X16,
};
use ironpc_devices::{DevCtx, IrqLines, PortDevice};

/// A VGA and the bits of a board a guest's port accesses need.
struct Rig {
    vga: Vga,
    irq: IrqLines,
    now: u64,
}

impl Rig {
    fn new() -> Self {
        Self {
            vga: Vga::new(),
            irq: IrqLines::default(),
            now: 0,
        }
    }
    fn out(&mut self, port: u16, v: u8) {
        let mut cx = DevCtx {
            now: self.now,
            irq: &mut self.irq,
        };
        self.vga.write(port, 1, u32::from(v), &mut cx);
    }
    fn outw(&mut self, port: u16, v: u16) {
        let mut cx = DevCtx {
            now: self.now,
            irq: &mut self.irq,
        };
        self.vga.write(port, 2, u32::from(v), &mut cx);
    }
    fn inp(&mut self, port: u16) -> u8 {
        let mut cx = DevCtx {
            now: self.now,
            irq: &mut self.irq,
        };
        self.vga.read(port, 1, &mut cx) as u8
    }
    fn inw(&mut self, port: u16) -> u16 {
        let mut cx = DevCtx {
            now: self.now,
            irq: &mut self.irq,
        };
        self.vga.read(port, 2, &mut cx) as u16
    }
    fn dispi(&mut self, index: u16, v: u16) {
        self.outw(VBE_PORT_INDEX, index);
        self.outw(VBE_PORT_DATA, v);
    }

    /// Program a mode the way a VGA BIOS's INT 10h AH=00h does, using only ports and the
    /// memory window.
    fn bios_set_mode(&mut self, t: &ModeTable, palette: &[[u8; 3]], text: bool) {
        self.out(0x3C2, t.misc);
        self.outw(0x3C4, 0x0100); // synchronous reset
        for (i, &v) in t.seq.iter().enumerate() {
            self.outw(0x3C4, u16::from(v) << 8 | (i as u16 + 1));
        }
        self.outw(0x3C4, 0x0300);
        let crtc = if t.misc & 1 != 0 { 0x3D4 } else { 0x3B4 };
        self.outw(crtc, u16::from(t.crtc[0x11] & 0x7F) << 8 | 0x11); // unprotect
        for (i, &v) in t.crtc.iter().enumerate() {
            self.outw(crtc, u16::from(v) << 8 | i as u16);
        }
        for (i, &v) in t.gc.iter().enumerate() {
            self.outw(0x3CE, u16::from(v) << 8 | i as u16);
        }
        self.inp(crtc + 6); // reset the attribute flip-flop
        for (i, &v) in t.ac.iter().enumerate() {
            self.out(0x3C0, i as u8);
            self.out(0x3C0, v);
        }
        self.out(0x3C6, 0xFF);
        self.out(0x3C8, 0);
        for rgb in palette {
            for &c in rgb {
                self.out(0x3C9, c);
            }
        }
        if text {
            self.load_font_through_plane_2(&VGA_FONT_8X16[..]);
            for cell in 0..0x4000u32 {
                self.vga.mem_write(0x18000 + cell * 2, 2, 0x0720);
            }
        } else {
            // Clear all four planes: map mask 0x0F, write mode 0 in whatever addressing.
            let (seq4, gc5, gc6) = (t.seq[3], t.gc[5], t.gc[6]);
            self.outw(0x3C4, 0x0F02);
            self.outw(0x3C4, 0x0604);
            self.outw(0x3CE, 0x0005);
            self.outw(0x3CE, 0x0506);
            for off in (0..0x10000u32).step_by(4) {
                self.vga.mem_write(off, 4, 0);
            }
            self.outw(0x3C4, u16::from(t.seq[1]) << 8 | 2);
            self.outw(0x3C4, u16::from(seq4) << 8 | 4);
            self.outw(0x3CE, u16::from(gc5) << 8 | 5);
            self.outw(0x3CE, u16::from(gc6) << 8 | 6);
        }
        self.out(0x3C0, 0x20); // palette to the display
    }

    /// The classic font load: plane 2 alone, sequential addressing at A0000, then back to
    /// the odd/even text setup.
    fn load_font_through_plane_2(&mut self, glyphs: &[u8]) {
        self.outw(0x3C4, 0x0402);
        self.outw(0x3C4, 0x0704);
        self.outw(0x3CE, 0x0204);
        self.outw(0x3CE, 0x0005);
        self.outw(0x3CE, 0x0406);
        for (ch, glyph) in glyphs.chunks_exact(16).enumerate() {
            for (row, &b) in glyph.iter().enumerate() {
                self.vga
                    .mem_write(ch as u32 * 32 + row as u32, 1, u32::from(b));
            }
        }
        self.outw(0x3C4, 0x0302);
        self.outw(0x3C4, 0x0204);
        self.outw(0x3CE, 0x0004);
        self.outw(0x3CE, 0x1005);
        self.outw(0x3CE, 0x0E06);
    }

    fn render(&mut self) -> Frame {
        self.vga.set_time(self.now);
        self.vga.render().expect("something to draw").clone()
    }
}

fn ega_palette() -> Vec<[u8; 3]> {
    (0..64u8)
        .map(|i| {
            let c = |two: u8, one: u8| {
                (if i & two != 0 { 0x2A } else { 0 }) + if i & one != 0 { 0x15 } else { 0 }
            };
            [c(4, 32), c(2, 16), c(1, 8)]
        })
        .collect()
}

fn cga_palette() -> Vec<[u8; 3]> {
    (0..64u8)
        .map(|i| {
            let c = (i & 7) | ((i >> 1) & 8);
            let hi = if c & 8 != 0 { 0x15 } else { 0 };
            let on = |b: u8| if c & b != 0 { 0x2A } else { 0 };
            let g = if c == 6 { 0x15 } else { on(2) + hi };
            [on(4) + hi, g, on(1) + hi]
        })
        .collect()
}

/// A test palette for 256 colours: a 16×16 grid of hue (columns) and brightness (rows).
fn rainbow_palette() -> Vec<[u8; 3]> {
    (0..256u32)
        .map(|i| {
            let (hue, level) = (i % 16, i / 16);
            let ramp = |phase: u32| -> u8 {
                let d = (hue * 6 + phase * 32) % 96; // 0..96 around the wheel
                let v = if d < 32 {
                    63
                } else if d < 48 {
                    63 - (d - 32) * 4
                } else if d < 80 {
                    0
                } else {
                    (d - 80) * 4
                };
                (v * (level + 1) / 16) as u8
            };
            [ramp(0), ramp(1), ramp(2)]
        })
        .collect()
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn read_png(path: &std::path::Path) -> Option<Frame> {
    let file = std::fs::File::open(path).ok()?;
    let dec = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = dec.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    assert_eq!(
        info.color_type,
        png::ColorType::Rgb,
        "golden images are RGB8"
    );
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(3)
        .map(|p| u32::from(p[0]) << 16 | u32::from(p[1]) << 8 | u32::from(p[2]))
        .collect();
    Some(Frame {
        width: info.width as usize,
        height: info.height as usize,
        pixels,
    })
}

/// Compare with `tests/golden/{name}.png`, or write it when `IRONPC_BLESS=1`.
fn check_golden(name: &str, frame: &Frame) {
    let path = golden_dir().join(format!("{name}.png"));
    if std::env::var_os("IRONPC_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(golden_dir()).unwrap();
        write_png(frame, std::fs::File::create(&path).unwrap()).unwrap();
        eprintln!("blessed {}", path.display());
        return;
    }
    let want = read_png(&path).unwrap_or_else(|| {
        panic!(
            "{} missing: run with IRONPC_BLESS=1 and inspect it",
            path.display()
        )
    });
    if want == *frame {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/vga-golden-actual");
    std::fs::create_dir_all(&dir).unwrap();
    let actual = dir.join(format!("{name}.png"));
    write_png(frame, std::fs::File::create(&actual).unwrap()).unwrap();
    let differ = want
        .pixels
        .iter()
        .zip(&frame.pixels)
        .filter(|(a, b)| a != b)
        .count();
    panic!(
        "{name}: {}×{} vs golden {}×{}, {differ} pixels differ; actual frame in {}",
        frame.width,
        frame.height,
        want.width,
        want.height,
        actual.display()
    );
}

/// Text through the B8000 window: character then attribute.
fn text_at(r: &mut Rig, cols: u32, col: u32, row: u32, s: &str, attr: u8) {
    for (i, ch) in s.chars().enumerate() {
        let code = if (' '..='~').contains(&ch) {
            ch as u32
        } else {
            ironpc_devices::vga::CP437
                .iter()
                .position(|&c| c == ch)
                .unwrap_or(usize::from(b'?')) as u32
        };
        r.vga.mem_write(
            0x18000 + 2 * (row * cols + col + i as u32),
            2,
            u32::from(attr) << 8 | code,
        );
    }
}

fn draw_text_screen(r: &mut Rig) {
    let title = format!(
        "{:<80}",
        " IronPC VGA text mode 03h, programmed through the ports"
    );
    text_at(r, 80, 0, 0, &title, 0x1F);
    text_at(r, 80, 2, 2, "╔══════════════════╗", 0x0E);
    text_at(r, 80, 2, 3, "║ Hello, world! ☺♥ ║", 0x0E);
    text_at(r, 80, 2, 4, "╚══════════════════╝", 0x0E);
    text_at(r, 80, 26, 3, "blinking", 0x8C);
    text_at(r, 80, 36, 3, "blink on grey", 0xF0);
    // All 256 characters in a 32×8 block, light grey on blue.
    for code in 0..256u32 {
        let (row, col) = (6 + code / 32, 2 + code % 32);
        r.vga
            .mem_write(0x18000 + 2 * (row * 80 + col), 2, 0x1700 | code);
    }
    // The 256 attributes on a letter, 16 per row.
    for attr in 0..256u32 {
        let (row, col) = (6 + attr / 16, 40 + (attr % 16) * 2);
        r.vga.mem_write(
            0x18000 + 2 * (row * 80 + col),
            2,
            attr << 8 | u32::from(b'A'),
        );
    }
    text_at(r, 80, 2, 23, "C:\\>dir /w", 0x07);
    // Cursor after the prompt, rows 14-15 (CRTC 0A/0B), location 23*80+12.
    let pos = 23 * 80 + 12u16;
    r.outw(0x3D4, (pos & 0xFF00) | 0x0E);
    r.outw(0x3D4, (pos << 8) | 0x0F);
}

#[test]
fn text_80x25_golden() {
    let mut r = Rig::new();
    r.bios_set_mode(&modes::MODE_03, &ega_palette(), true);
    draw_text_screen(&mut r);
    let f = r.render();
    assert_eq!((f.width, f.height), (720, 400));
    check_golden("text80x25", &f);

    let rows = r.vga.text_screen().unwrap();
    assert_eq!(rows.len(), 25);
    assert_eq!(rows[3], "  ║ Hello, world! ☺♥ ║    blinking  blink on grey");
    assert_eq!(rows[23], "  C:\\>dir /w");
    assert!(rows[6].starts_with("   ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼"));
    assert!(rows[13].contains("αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■"));

    // 24 frames later both the cursor (8 frames on, 8 off) and the blinking word (16 on,
    // 16 off) are off.
    r.now = 24 * FRAME_NS;
    let off = r.render();
    let cursor_px = off.pixel(12 * 9 + 3, 23 * 16 + 14).unwrap();
    assert_eq!(cursor_px, 0);
    assert_eq!(f.pixel(12 * 9 + 3, 23 * 16 + 14), Some(0xAAAAAA));
    let blink_cell = |fr: &Frame| {
        (0..16)
            .flat_map(|y| (0..9).map(move |x| (x, y)))
            .filter(|&(x, y)| fr.pixel(26 * 9 + x, 3 * 16 + y) != Some(0))
            .count()
    };
    assert!(blink_cell(&f) > 10);
    assert_eq!(blink_cell(&off), 0);
}

#[test]
fn bios_sequence_matches_set_mode() {
    for (mode, palette) in [
        (StandardMode::Text80x25, ega_palette()),
        (StandardMode::Vga640x480x16, ega_palette()),
        (StandardMode::Cga320x200x4, cga_palette()),
    ] {
        let mut r = Rig::new();
        r.bios_set_mode(mode.table(), &palette, mode.is_text());
        let mut v = Vga::new();
        v.set_mode(mode);
        let (a, b) = (r.vga.state(), v.state());
        assert_eq!(a.seq, b.seq, "{mode:?}");
        assert_eq!(a.crtc, b.crtc, "{mode:?}");
        assert_eq!(a.gc, b.gc, "{mode:?}");
        assert_eq!(a.ac, b.ac, "{mode:?}");
        assert_eq!(&a.dac[..192], &b.dac[..192], "{mode:?}");
        assert!(
            a.vram[..0x40000] == b.vram[..0x40000],
            "{mode:?}: memory differs"
        );
        assert_eq!(r.render(), *v.render().unwrap(), "{mode:?}");
    }
}

#[test]
fn text_40x25_golden() {
    let mut r = Rig::new();
    r.bios_set_mode(&modes::MODE_01, &ega_palette(), true);
    text_at(&mut r, 40, 0, 0, "Mode 01h: 40 columns", 0x4E);
    for c in 0..16u32 {
        text_at(&mut r, 40, c * 2, 2, "\u{2588}\u{2588}", c as u8);
        text_at(&mut r, 40, c * 2, 3, "▒▒", (c << 4) as u8 | 0x0F);
    }
    text_at(&mut r, 40, 1, 5, "The quick brown fox jumps", 0x0A);
    let f = r.render();
    assert_eq!((f.width, f.height), (720, 400));
    check_golden("text40x25", &f);
    assert_eq!(
        r.vga.text_screen().unwrap()[5],
        " The quick brown fox jumps"
    );
}

#[test]
fn mode_13h_golden() {
    let mut r = Rig::new();
    r.bios_set_mode(&modes::MODE_13, &rainbow_palette(), false);
    // 256 colour squares of 20×12 over a strip of all colours, byte by byte, then a
    // diagonal in colour 255.
    for y in 0..200u32 {
        for x in 0..320u32 {
            let c = if y < 192 {
                (y / 12) * 16 + x / 20
            } else {
                x & 0xFF
            };
            r.vga.mem_write(y * 320 + x, 1, c);
        }
    }
    for i in 0..200u32 {
        r.vga.mem_write(i * 320 + i + 60, 1, 0xFF);
    }
    // Dword writes spread over the four planes too.
    for x in (0..320u32).step_by(4) {
        r.vga.mem_write(x, 4, 0xF0F0_F0F0);
    }
    let f = r.render();
    assert_eq!((f.width, f.height), (320, 200));
    check_golden("mode13h", &f);
    // Reading back through chain 4.
    assert_eq!(r.vga.mem_read(12 * 320 + 20, 1), 17);
}

/// A pixel the way INT 10h AH=0Ch does in planar modes: bit mask, latch read, write mode 2.
fn planar_pixel(r: &mut Rig, pitch: u32, x: u32, y: u32, colour: u8) {
    let off = y * pitch + x / 8;
    r.outw(0x3CE, 0x0205);
    r.outw(0x3CE, (0x80u16 >> (x % 8)) << 8 | 0x08);
    let _ = r.vga.mem_read(off, 1);
    r.vga.mem_write(off, 1, u32::from(colour));
}

fn draw_planar_picture(r: &mut Rig, width: u32, height: u32) {
    let pitch = width / 8;
    // 16 vertical bars: write mode 2 with the full bit mask, a byte (8 pixels) at a time.
    r.outw(0x3CE, 0x0205);
    r.outw(0x3CE, 0xFF08);
    for y in 0..height / 2 {
        for xb in 0..pitch {
            let colour = (xb * 8 * 16 / width) as u8;
            let _ = r.vga.mem_read(y * pitch + xb, 1);
            r.vga.mem_write(y * pitch + xb, 1, u32::from(colour));
        }
    }
    // A filled rectangle with set/reset (write mode 0, enable set/reset 0x0F, colour 14).
    r.outw(0x3CE, 0x0005);
    r.outw(0x3CE, 0x0F01);
    r.outw(0x3CE, 0x0E00);
    for y in height * 5 / 8..height * 7 / 8 {
        for xb in pitch / 8..pitch / 2 {
            r.vga.mem_write(y * pitch + xb, 1, 0);
        }
    }
    r.outw(0x3CE, 0x0001);
    // XOR a band over the rectangle (function 3 = XOR, data 0xFF with bit mask 0xFF).
    r.outw(0x3CE, 0x1803);
    for y in height * 11 / 16..height * 12 / 16 {
        for xb in 0..pitch {
            let _ = r.vga.mem_read(y * pitch + xb, 1);
            r.vga.mem_write(y * pitch + xb, 1, 0xFF);
        }
    }
    r.outw(0x3CE, 0x0003);
    // A circle, pixel by pixel, cycling through the colours.
    let (cx, cy, rad) = (
        width as f64 * 0.75,
        height as f64 * 0.75,
        height as f64 / 6.0,
    );
    for step in 0..720 {
        let a = step as f64 * std::f64::consts::PI / 360.0;
        let (x, y) = (cx + rad * a.cos(), cy + rad * a.sin());
        planar_pixel(r, pitch, x as u32, y as u32, (1 + step / 45) as u8);
    }
    r.outw(0x3CE, 0xFF08);
    r.outw(0x3CE, 0x0005);
}

#[test]
fn mode_12h_golden() {
    let mut r = Rig::new();
    r.bios_set_mode(&modes::MODE_12, &ega_palette(), false);
    draw_planar_picture(&mut r, 640, 480);
    let f = r.render();
    assert_eq!((f.width, f.height), (640, 480));
    check_golden("mode12h", &f);
    // Read mode 1: which of the first 8 pixels of the top row have colour 0 (all: bar 0).
    r.outw(0x3CE, 0x0805);
    r.outw(0x3CE, 0x0002);
    r.outw(0x3CE, 0x0F07);
    assert_eq!(r.vga.mem_read(0, 1), 0xFF);
    r.outw(0x3CE, 0x0102);
    assert_eq!(r.vga.mem_read(0, 1), 0x00);
}

#[test]
fn mode_10h_and_0dh_golden() {
    let mut r = Rig::new();
    r.bios_set_mode(&modes::MODE_10, &ega_palette(), false);
    draw_planar_picture(&mut r, 640, 350);
    let f = r.render();
    assert_eq!((f.width, f.height), (640, 350));
    check_golden("mode10h", &f);

    let mut r = Rig::new();
    r.bios_set_mode(&modes::MODE_0D, &cga_palette(), false);
    draw_planar_picture(&mut r, 320, 200);
    let f = r.render();
    assert_eq!((f.width, f.height), (320, 200));
    check_golden("mode0dh", &f);
}

#[test]
fn mode_04h_golden() {
    let mut r = Rig::new();
    r.bios_set_mode(&modes::MODE_04, &cga_palette(), false);
    // CGA layout: even rows at B8000, odd rows at BA000, 80 bytes a row, 2 bits a pixel.
    for y in 0..200u32 {
        let row = 0x18000 + (y & 1) * 0x2000 + (y / 2) * 80;
        for xb in 0..80u32 {
            let band = (xb / 20 + y / 50) & 3;
            let byte = band * 0x55;
            let byte = if (y / 10 + xb / 5) % 7 == 0 {
                0xE4
            } else {
                byte
            }; // 3,2,1,0
            r.vga.mem_write(row + xb, 1, byte);
        }
    }
    let f = r.render();
    assert_eq!((f.width, f.height), (320, 200));
    check_golden("mode04h", &f);
}

#[test]
fn vbe_32bpp_golden() {
    let mut r = Rig::new();
    r.dispi(VBE_INDEX_XRES, 256);
    r.dispi(VBE_INDEX_YRES, 192);
    r.dispi(VBE_INDEX_BPP, 32);
    r.dispi(VBE_INDEX_ENABLE, VBE_ENABLED | VBE_LFB_ENABLED);
    r.outw(VBE_PORT_INDEX, VBE_INDEX_VIRT_HEIGHT);
    assert_eq!(r.inw(VBE_PORT_DATA), 16384);
    for y in 0..192u32 {
        for x in 0..256u32 {
            let rgb = x << 16 | (y * 4 / 3) << 8 | ((x ^ y) & 0xFF);
            r.vga.lfb_write((y * 256 + x) * 4, 4, rgb);
        }
    }
    let f = r.render();
    assert_eq!((f.width, f.height), (256, 192));
    check_golden("vbe256x192x32", &f);
    // The same picture through the banked window, at 16 bpp 5:6:5.
    r.dispi(VBE_INDEX_ENABLE, 0);
    r.dispi(VBE_INDEX_BPP, 16);
    r.dispi(VBE_INDEX_ENABLE, VBE_ENABLED);
    for i in 0..256 * 192u32 {
        let (x, y) = (i % 256, i / 256);
        let px = (x >> 3) << 11 | ((y * 4 / 3) >> 2) << 5 | (((x ^ y) & 0xFF) >> 3);
        let addr = i * 2;
        r.dispi(VBE_INDEX_BANK, (addr >> 16) as u16);
        r.vga.mem_write(addr & 0xFFFF, 2, px);
    }
    let g = r.render();
    let close =
        f.pixels.iter().zip(&g.pixels).all(|(a, b)| {
            (0..3).all(|k| ((a >> (8 * k)) & 0xFF).abs_diff((b >> (8 * k)) & 0xFF) <= 8)
        });
    assert!(
        close,
        "16-bpp picture matches the 32-bpp one within 5/6-bit precision"
    );
}

#[test]
fn hostile_guest_cannot_panic_or_blow_up_the_frame() {
    let mut r = Rig::new();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..200_000u32 {
        let n = next();
        let port = match n % 4 {
            0 => 0x1CE + (n >> 8) as u16 % 2,
            _ => 0x3B0 + (n >> 8) as u16 % 0x30,
        };
        let size = [1u8, 2, 4, 3][(n >> 20) as usize % 4];
        let value = (n >> 32) as u32;
        r.now = n >> 24;
        if n & (1 << 40) != 0 {
            let mut cx = DevCtx {
                now: r.now,
                irq: &mut r.irq,
            };
            r.vga.write(port, size, value, &mut cx);
        } else {
            let mut cx = DevCtx {
                now: r.now,
                irq: &mut r.irq,
            };
            let _ = r.vga.read(port, size, &mut cx);
        }
        let off = (n >> 12) as u32;
        r.vga.mem_write(off % 0x2_0400, size, value);
        let _ = r.vga.mem_read(off % 0x2_0400, size);
        r.vga.lfb_write(off, size, value);
        if i % 2000 == 0 {
            r.vga.set_time(r.now);
            if let Some(f) = r.vga.render() {
                assert!(f.width * f.height <= 4608 * 1024);
                assert_eq!(f.pixels.len(), f.width * f.height);
            }
            let _ = r.vga.text_screen();
        }
    }
    assert_eq!(r.irq.bits(), 0, "the VGA raises no interrupt");
}

#[test]
fn retrace_wait_loop_terminates_on_virtual_time() {
    // The classic "wait for the end of retrace, then its start" loop, 1 µs per iteration.
    let mut r = Rig::new();
    r.out(0x3C2, 0x67);
    let mut iterations = 0;
    while r.inp(0x3DA) & 8 != 0 {
        r.now += 1000;
        iterations += 1;
    }
    while r.inp(0x3DA) & 8 == 0 {
        r.now += 1000;
        iterations += 1;
        assert!(iterations < 20_000, "no retrace within a frame");
    }
    // Lines 490-491 of 525: 15.56 ms into the frame.
    assert!(
        (15_500_000..15_600_000).contains(&r.now),
        "retrace at {} ns",
        r.now
    );
}

#[test]
fn state_round_trip() {
    let mut r = Rig::new();
    r.bios_set_mode(&modes::MODE_03, &ega_palette(), true);
    draw_text_screen(&mut r);
    let before = r.render();
    let mut v = Vga::from_state(&r.vga.state());
    assert_eq!(v.state(), r.vga.state());
    assert_eq!(*v.render().unwrap(), before);
}

#[test]
fn hostile_saved_state_is_brought_into_range() {
    let mut s = Vga::new().state();
    s.vram.truncate(10);
    s.seq_index = 0xFF;
    s.crtc_index = 0xFF;
    s.gc_index = 0xFF;
    s.ac_index = 0xFF;
    s.dac_component = 200;
    s.vbe = [0xFFFF; 16];
    let mut v = Vga::from_state(&s);
    let f = v.render().unwrap();
    assert_eq!((f.width, f.height), (1920, 1080));
    let mut irq = IrqLines::default();
    let mut cx = DevCtx {
        now: 0,
        irq: &mut irq,
    };
    for port in 0x3B0..=0x3DF {
        let _ = v.read(port, 1, &mut cx);
        v.write(port, 1, 0xFF, &mut cx);
    }
    assert_eq!(v.state().vram.len(), 16 << 20);
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn bench_render_vbe_1024x768x32() {
    let mut r = Rig::new();
    r.dispi(VBE_INDEX_XRES, 1024);
    r.dispi(VBE_INDEX_YRES, 768);
    r.dispi(VBE_INDEX_BPP, 32);
    r.dispi(VBE_INDEX_ENABLE, VBE_ENABLED | VBE_LFB_ENABLED);
    for i in 0..1024 * 768u32 {
        r.vga.lfb_write(i * 4, 4, i.wrapping_mul(2_654_435_761));
    }
    let _ = r.vga.render();
    let frames = 500;
    let t = Instant::now();
    for i in 0..frames {
        // One changed pixel forces a full redraw.
        r.vga.lfb_write(i * 4, 4, !i.wrapping_mul(2_654_435_761));
        let f = r.vga.render().expect("dirty");
        assert_eq!(f.width, 1024);
    }
    let per = t.elapsed().as_secs_f64() * 1000.0 / f64::from(frames);
    println!("VBE 1024x768x32 render: {per:.3} ms/frame over {frames} frames");

    let mut r = Rig::new();
    r.bios_set_mode(&modes::MODE_03, &ega_palette(), true);
    draw_text_screen(&mut r);
    let t = Instant::now();
    for _ in 0..frames {
        r.vga.invalidate();
        r.vga.render().expect("dirty");
    }
    let per_text = t.elapsed().as_secs_f64() * 1000.0 / f64::from(frames);
    println!("text 80x25 (720x400) render: {per_text:.3} ms/frame");

    let mut r = Rig::new();
    r.bios_set_mode(&modes::MODE_12, &ega_palette(), false);
    let t = Instant::now();
    for _ in 0..frames {
        r.vga.invalidate();
        r.vga.render().expect("dirty");
    }
    let per_planar = t.elapsed().as_secs_f64() * 1000.0 / f64::from(frames);
    println!("mode 12h (640x480x16) render: {per_planar:.3} ms/frame");
    assert!(
        per < 16.7,
        "a 1024x768x32 frame must render well within a 60 Hz frame"
    );
}
