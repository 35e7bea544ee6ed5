//! The demo guests. The README's run command boots the demo disk (`roms/demo.img`, built
//! from `roms/demo-disk/` by its `build.sh`) through the built-in BIOS: the checked-in image
//! must be the reproducible build of its sources, and the README's exact command must run it
//! to its end, printing what it measured in the documented format, with the Mandelbrot
//! picture left on the screen. The older ROM demo (`roms/demo.rom`, run with `-bios`) must
//! also be the build of its source and run to its end.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn demo_rom_is_built_from_its_source() {
    let out = std::env::temp_dir().join(format!("ironpc-demo-{}.rom", std::process::id()));
    let st = Command::new("nasm")
        .arg("-f")
        .arg("bin")
        .arg("-o")
        .arg(&out)
        .arg(repo().join("roms/demo.asm"))
        .status()
        .expect("nasm is needed for this test: run the README's test command, which installs it");
    assert!(st.success(), "nasm failed on roms/demo.asm");
    let built = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    let shipped = std::fs::read(repo().join("roms/demo.rom")).unwrap();
    assert!(
        built == shipped,
        "roms/demo.rom is stale: rebuild it with `nasm -f bin -o roms/demo.rom roms/demo.asm`"
    );
}

#[test]
fn demo_rom_runs_to_the_end() {
    let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .args(["-bios", repo().join("roms/demo.rom").to_str().unwrap()])
        .args([
            "-debugcon",
            "stdio",
            "-display",
            "none",
            "-no-reboot",
            "--timeout",
            "60",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit through port 0xF4 with 0 gives status 1; output:\n{text}"
    );
    assert!(text.contains("hello from real mode"), "{text}");
    assert!(text.contains("paging (4 MiB page): on"), "{text}");
    assert!(text.contains("primes below 100000: 9592"), "{text}");
    assert!(text.contains("TSC cycles for the sieve: "), "{text}");
    assert!(text.ends_with("demo done\n"), "{text}");
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("demo-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("cannot create a scratch directory");
    d
}

#[test]
fn demo_disk_is_built_from_its_source() {
    let dir = scratch("build");
    let out = dir.join("demo.img");
    let res = Command::new("bash")
        .arg(repo().join("roms/demo-disk/build.sh"))
        .arg(&out)
        .output()
        .expect("cannot run bash");
    assert!(
        res.status.success(),
        "roms/demo-disk/build.sh failed (it needs nasm: run scripts/test.sh, which installs \
         it):\n{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let built = std::fs::read(&out).unwrap();
    let shipped = std::fs::read(repo().join("roms/demo.img")).unwrap();
    assert_eq!(built.len(), 368_640, "a 360 KiB floppy image");
    assert_eq!(&built[510..512], &[0x55, 0xAA], "boot signature");
    assert!(
        built == shipped,
        "roms/demo.img is stale: rebuild it with `bash roms/demo-disk/build.sh`"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The arguments of the README's run command (`cargo run --release -p ironpc -- ARGS`).
fn readme_run_args() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let run = &readme[readme
        .find("## Run it")
        .expect("README: no \"## Run it\" section")..];
    let line = run
        .lines()
        .find_map(|l| l.trim().strip_prefix("cargo run --release -p ironpc -- "))
        .expect("README: no run command in \"## Run it\"");
    line.split_whitespace().map(str::to_string).collect()
}

/// The line of `text` starting with `prefix`, and `prefix`'s remainder.
fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{text}"))
}

/// `rest` is `template` with each `#` standing for a decimal number; returns the numbers.
fn parse(rest: &str, template: &str) -> Vec<u64> {
    let mut got = Vec::new();
    let mut r = rest;
    for (i, part) in template.split('#').enumerate() {
        if i > 0 {
            let n = r.len() - r.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            assert!(
                n > 0,
                "expected a number at {r:?} (line {rest:?}, format {template:?})"
            );
            got.push(r[..n].parse().unwrap());
            r = &r[n..];
        }
        r = r.strip_prefix(part).unwrap_or_else(|| {
            panic!("expected {part:?} at {r:?} (line {rest:?}, format {template:?})")
        });
    }
    assert!(r.is_empty(), "trailing {r:?} (line {rest:?})");
    got
}

struct Png {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Png {
    fn read(p: &Path) -> Png {
        let f = std::fs::File::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let mut reader = png::Decoder::new(std::io::BufReader::new(f))
            .read_info()
            .expect("not a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("PNG too large")];
        let info = reader.next_frame(&mut buf).expect("bad PNG");
        assert_eq!(
            (info.color_type, info.bit_depth),
            (png::ColorType::Rgb, png::BitDepth::Eight)
        );
        buf.truncate(info.buffer_size());
        Png {
            width: info.width as usize,
            height: info.height as usize,
            rgb: buf,
        }
    }

    fn pixel(&self, x: usize, y: usize) -> u32 {
        let i = (y * self.width + x) * 3;
        u32::from_be_bytes([0, self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]])
    }
}

/// The README's run command, headless, with the screen kept as text and as a PNG (and COM1
/// in a file): the demo boots, reports, measures, draws and ends as documented.
#[test]
fn readme_run_command_boots_the_demo_disk() {
    let args = readme_run_args();
    assert!(
        args.windows(2).any(|w| w == ["-fda", "roms/demo.img"]),
        "the README's run command boots the demo disk: {args:?}"
    );
    assert!(
        args.windows(2).any(|w| w == ["-debugcon", "stdio"]),
        "{args:?}"
    );
    let dir = scratch("run");
    let (txt, png, com1) = (dir.join("s.txt"), dir.join("s.png"), dir.join("com1.txt"));
    let t = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .current_dir(repo())
        .env_remove("DISPLAY")
        .args(&args)
        .arg("--textdump")
        .arg(&txt)
        .arg("--screendump")
        .arg(&png)
        .arg("-serial")
        .arg(format!("file:{}", com1.display()))
        .args(["--timeout", "120"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the demo ends by writing 0 to port 0xF4 (exit status 1); debug console:\n{text}\n\
         stderr:\n{err}"
    );
    // The two 2-second pauses ran on (paced) BIOS timer ticks.
    assert!(t.elapsed().as_secs_f64() > 3.5, "{:?}", t.elapsed());

    // Booted through our BIOS from the floppy, the program loaded through INT 13h.
    assert!(text.starts_with("IronPC BIOS"), "{text}");
    assert!(text.contains("Booting from floppy A:"), "{text}");
    assert!(text.contains("IronPC demo disk: loading"), "{text}");
    assert!(
        text.contains(" IronPC demo disk: our BIOS, real mode, 32-bit protected mode, VGA\n"),
        "{text}"
    );
    let sectors = parse(
        line(&text, "booted from drive "),
        "00h: the boot sector loaded # sectors through INT 13h",
    );
    assert!((1..=56).contains(&sectors[0]), "{sectors:?}");
    // The boot sector printed a dot per sector it read.
    let dots = line(&text, "IronPC demo disk: loading");
    assert_eq!(
        dots.trim_end(),
        format!("{} ok", ".".repeat(sectors[0] as usize)),
        "{text}"
    );

    // CPU and memory.
    let cpu = line(&text, "CPU: ");
    let (vendor, rest) = cpu.split_at(12.min(cpu.len()));
    assert!(vendor.chars().all(|c| c.is_ascii_graphic()), "{cpu:?}");
    let fms = parse(rest, ", family #, model #, stepping #");
    assert!(fms[0] >= 5, "a CPU with CPUID and a TSC: {cpu:?}");
    let mem = parse(
        line(&text, "memory: "),
        "# KiB below 640K (INT 12h); E820h: # KiB usable in # ranges",
    );
    assert!((512..=640).contains(&mem[0]), "{mem:?}");
    // The default 64 MiB, less the EBDA and the holes below 1 MiB.
    assert!((64 * 1024 - 1024..=64 * 1024).contains(&mem[1]), "{mem:?}");
    assert!(mem[2] >= 2, "{mem:?}");

    // Measurements: consistent with each other, not particular values.
    let mhz = parse(
        line(&text, "TSC: "),
        "# MHz, timed against 5 BIOS timer ticks",
    )[0];
    assert!(mhz > 0, "{text}");
    // Each sieve line: 6542 primes below 65536; microseconds = cycles / MHz (the kHz rate,
    // rounded); timer ticks of 54.9 ms (IRQ0, counted by the BIOS in real mode and by the
    // demo's own IDT in protected mode) over that time, give or take the edges.
    let sieve = |prefix: &str| {
        let v = parse(
            line(&text, prefix),
            "# primes, # TSC cycles, # us, # timer ticks",
        );
        let [primes, cycles, us, ticks] = v[..] else {
            unreachable!()
        };
        assert_eq!(primes, 6542, "{prefix}{v:?}");
        assert!(cycles > 0 && us > 0, "{prefix}{v:?}");
        let want_us = cycles as f64 / mhz as f64;
        assert!(
            (us as f64 - want_us).abs() <= want_us * 0.01 + 1.0,
            "{prefix}{v:?} at {mhz} MHz"
        );
        let want_ticks = us / 54_925;
        assert!(
            ticks + 2 >= want_ticks && ticks <= want_ticks + 2,
            "{prefix}{v:?}: ticks of 54.9 ms"
        );
        us
    };
    assert!(
        text.contains(
            "\nsieve: the primes below 65536, 25 times; in real mode, then in protected mode\n"
        ),
        "{text}"
    );
    let rm = sieve("real mode: ");
    assert!(
        text.contains("\n32-bit protected mode: on, IRQ0 through our IDT\n"),
        "{text}"
    );
    assert!(text.contains("\npaging (4 KiB pages): on\n"), "{text}");
    assert!(text.contains("\nback in real mode\n"), "{text}");
    let pm = sieve("protected mode: ");
    assert!(
        text.contains("\nmode 13h: the Mandelbrot set, 320x160, 64 iterations\n"),
        "{text}"
    );
    let mb = parse(line(&text, "Mandelbrot: "), "# TSC cycles, # us");
    assert!(mb[0] > 0 && mb[1] > 0, "{mb:?}");
    let sum = parse(
        line(&text, "summary: "),
        "sieves # us in real mode, # us in protected mode with paging; Mandelbrot # us; TSC # MHz",
    );
    assert_eq!(
        sum,
        [rm, pm, mb[1], mhz],
        "the summary repeats the measurements"
    );
    assert!(text.ends_with("\ndemo done\n"), "{text}");

    // COM1 got the same lines, with CR LF.
    let serial = std::fs::read_to_string(&com1).unwrap();
    assert!(
        serial.starts_with(" IronPC demo disk: our BIOS"),
        "COM1:\n{serial}"
    );
    assert!(serial.contains("\r\nsummary: sieves "), "COM1:\n{serial}");
    assert!(serial.ends_with("\r\ndemo done\r\n"), "COM1:\n{serial}");

    // The screen: the picture in mode 13h, the summary under it.
    assert_eq!(
        std::fs::read_to_string(&txt).unwrap(),
        "(no text screen: the display is in a 320x200 graphics mode)\n"
    );
    let img = Png::read(&png);
    assert_eq!((img.width, img.height), (320, 200), "mode 13h");
    // The picture (rows 0-159): inside the set (the main cardioid around c = -0.2, at
    // x = (-0.2 + 0.75) * 4096 / 62 + 160, y = 80) black, the corners outside it not, and
    // the escape-time bands in 16 colours (every fourth of the 64-entry gradient) and black.
    assert_eq!(img.pixel(196, 80), 0, "inside the Mandelbrot set");
    for (x, y) in [(0, 0), (319, 0), (0, 159), (319, 159)] {
        assert_ne!(img.pixel(x, y), 0, "({x}, {y}) is outside the set");
    }
    let mut colours: Vec<u32> = (0..160)
        .flat_map(|y| (0..320).map(move |x| (x, y)))
        .map(|(x, y)| img.pixel(x, y))
        .collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        colours.len() >= 17,
        "{} colours in the picture",
        colours.len()
    );
    // The text rows under it (160-199): white text on black.
    let white = (160..200)
        .flat_map(|y| (0..320).map(move |x| (x, y)))
        .filter(|&(x, y)| img.pixel(x, y) == 0xFFFFFF)
        .count();
    assert!(
        white > 500,
        "{white} white pixels of text under the picture"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
