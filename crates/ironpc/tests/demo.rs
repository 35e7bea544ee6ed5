//! The demo guest that the README's run command boots: the checked-in ROM must be the
//! reproducible build of its source, and it must run to its end on the interpreter.

use std::path::PathBuf;
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
