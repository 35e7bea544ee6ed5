//! Helpers shared by the integration tests: the repository root, reading dumps, and golden
//! files compared byte for byte (text) or pixel for pixel (PNG), re-blessed with
//! `IRONPC_BLESS=1`. Each test file uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A text file's contents (lossy UTF-8), or "" if it is missing.
pub fn read_text(p: &Path) -> String {
    std::fs::read(p)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// An RGB image: width, height, 3 bytes per pixel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rgb {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

impl Rgb {
    /// The pixel at (x, y) as 0xRRGGBB.
    pub fn pixel(&self, x: usize, y: usize) -> u32 {
        assert!(x < self.width && y < self.height, "({x}, {y}) is outside");
        let i = (y * self.width + x) * 3;
        u32::from(self.data[i]) << 16
            | u32::from(self.data[i + 1]) << 8
            | u32::from(self.data[i + 2])
    }
}

/// An 8-bit RGB PNG (what `--screendump` writes).
pub fn read_png(p: &Path) -> Rgb {
    let f = std::fs::File::open(p).unwrap_or_else(|e| panic!("cannot open {}: {e}", p.display()));
    let dec = png::Decoder::new(std::io::BufReader::new(f));
    let mut reader = dec.read_info().expect("not a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("PNG too large")];
    let info = reader.next_frame(&mut buf).expect("bad PNG");
    assert_eq!(
        (info.color_type, info.bit_depth),
        (png::ColorType::Rgb, png::BitDepth::Eight),
        "{}: expected 8-bit RGB",
        p.display()
    );
    buf.truncate(info.buffer_size());
    Rgb {
        width: info.width as usize,
        height: info.height as usize,
        data: buf,
    }
}

/// Where two images differ: a description of the first difference and the count, or `None`.
pub fn image_diff(got: &Rgb, want: &Rgb) -> Option<String> {
    if (got.width, got.height) != (want.width, want.height) {
        return Some(format!(
            "size {}x{}, want {}x{}",
            got.width, got.height, want.width, want.height
        ));
    }
    let n = got.width * got.height;
    let diffs: Vec<usize> = (0..n)
        .filter(|&i| got.data[i * 3..i * 3 + 3] != want.data[i * 3..i * 3 + 3])
        .collect();
    let &first = diffs.first()?;
    let (x, y) = (first % got.width, first / got.width);
    Some(format!(
        "{} of {n} pixels differ; the first at ({x}, {y}): {:06x}, want {:06x}",
        diffs.len(),
        got.pixel(x, y),
        want.pixel(x, y)
    ))
}

/// Is this run re-blessing the golden files (`IRONPC_BLESS=1`)?
pub fn blessing() -> bool {
    std::env::var_os("IRONPC_BLESS").is_some_and(|v| v == "1")
}

/// Compare `got` (a file the run wrote) with `tests/golden/NAME` (NAME may contain a
/// folder), or write the golden file under `IRONPC_BLESS=1`. PNGs are compared pixel for
/// pixel, anything else as text.
pub fn golden(got: &Path, name: &str) {
    let want = repo().join("tests/golden").join(name);
    if blessing() {
        std::fs::create_dir_all(want.parent().unwrap()).unwrap();
        std::fs::copy(got, &want).expect("cannot bless the golden file");
        eprintln!("blessed {}", want.display());
        return;
    }
    assert!(
        want.exists(),
        "{} is missing: run with IRONPC_BLESS=1 to create it (then check it)",
        want.display()
    );
    if name.ends_with(".png") {
        if let Some(d) = image_diff(&read_png(got), &read_png(&want)) {
            panic!(
                "{} differs from {}: {d}\n(the run's picture is kept at {}; if the change is \
                 intended, rerun with IRONPC_BLESS=1)",
                name,
                want.display(),
                got.display()
            );
        }
    } else {
        let (g, w) = (read_text(got), read_text(&want));
        assert!(
            g == w,
            "{name} differs from {}:\n--- got\n{g}\n--- want\n{w}",
            want.display()
        );
    }
}

/// A fresh scratch directory for one test (unique per test process and name).
pub fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ironpc-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("cannot create a scratch directory");
    d
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("scratch paths are UTF-8")
}

/// Run a host tool that builds a guest image (grub-mkrescue, syslinux, mtools, mkfs...);
/// it must succeed.
pub fn tool(cmd: &str, args: &[&str]) {
    let out = std::process::Command::new(cmd)
        .args(args)
        .env("MTOOLS_SKIP_CHECK", "1")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{cmd}: {e}: run scripts/test.sh, which installs nasm, grub-pc-bin, \
                 grub-common, xorriso, syslinux, syslinux-common, mtools, dosfstools and \
                 memtest86+"
            )
        });
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A GRUB 2 rescue image (`grub-mkrescue`, i386-pc) of the tree `root` with only `modules`
/// built in and no locales, fonts or themes (small and quick to boot), written to `iso`.
pub fn grub_mkrescue(root: &Path, iso: &Path, modules: &str) {
    tool(
        "grub-mkrescue",
        &[
            "-d",
            "/usr/lib/grub/i386-pc",
            "-o",
            s(iso),
            "--locales=",
            "--fonts=",
            "--themes=",
            &format!("--install-modules={modules}"),
            s(root),
        ],
    );
}
