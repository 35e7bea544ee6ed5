//! Full emulation and hardware-assisted execution must give the same guest-visible results.
//! ROM guests (the shared integer workload, flat and with paging, and the CPU test programs
//! of `tests/roms/`) run on the interpreter and on KVM; the debug-console output, the exit
//! status, the final general registers and the whole of guest RAM are compared.
//!
//! Where KVM cannot run a case, the test prints `SKIPPED <case>: <reason>` and does not count
//! it as agreement: with no usable /dev/kvm every KVM half is skipped; under PVM (a nested
//! software hypervisor, see BENCHMARKS.md) 32-bit guests that turn paging on fault, so the
//! paging case is skipped there with that reason. Every case that KVM can run must agree.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::Command;

use ironpc_cpu::testkit::{TestBus, TestMachine};
use ironpc_cpu::Exit;
use ironpc_kvm::{KvmEngine, KvmExit};

const RAM: usize = 16 << 20;

/// What port reads return on both engines' test bus: the debug console's readback value
/// (Bochs and QEMU answer 0xE9 on port 0xE9; the string tests read it back with INS).
const PORT_READ: u32 = 0xE9;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Assemble `src` (its directory on the include path) with `defines`.
fn assemble(src: &Path, defines: &[&str]) -> Vec<u8> {
    let name = src.file_stem().unwrap().to_string_lossy();
    let out = std::env::temp_dir().join(format!(
        "ironpc-kvm-same-{}-{name}-{}.rom",
        std::process::id(),
        defines.join("-")
    ));
    let mut inc = src.parent().unwrap().as_os_str().to_owned();
    inc.push("/");
    let mut cmd = Command::new("nasm");
    cmd.args(["-f", "bin", "-I"]).arg(&inc);
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    let st = cmd
        .arg("-o")
        .arg(&out)
        .arg(src)
        .status()
        .expect("nasm is needed: run the README's test command, which installs it");
    assert!(st.success(), "nasm failed on {}", src.display());
    let rom = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    rom
}

/// What one engine left behind.
struct Outcome {
    e9: String,
    exit: Option<u8>,
    regs: [u32; 8],
    ram: Vec<u8>,
}

fn on_interpreter(rom: &[u8]) -> Outcome {
    let mut m = TestMachine::new(RAM);
    m.bus.in_value = PORT_READ;
    m.load(0x10_0000 - rom.len() as u32, rom);
    m.real(0xF000, 0xFFF0);
    // After reset EDX holds a processor signature (SDM vol. 3, 9.1.1): ours is our CPUID's
    // 0x633, KVM's vCPU reset state has 0x600. Start from KVM's so that ROMs which never
    // write EDX end with the same value.
    m.interp.cpu.regs[2] = 0x600;
    let exit = m.run_to_end(500_000_000);
    assert_eq!(
        exit,
        Exit::Stop,
        "the interpreter did not reach the exit port"
    );
    let mut regs = [0; 8];
    regs.copy_from_slice(&m.interp.cpu.regs[..8]);
    Outcome {
        e9: String::from_utf8_lossy(&m.bus.e9).into_owned(),
        exit: m.bus.exit,
        regs,
        ram: m.ram.clone(),
    }
}

fn on_kvm(rom: &[u8]) -> Result<Outcome, String> {
    let mut kvm = KvmEngine::new(RAM, rom).map_err(|e| e.to_string())?;
    let mut bus = TestBus {
        ram_len: RAM as u32,
        in_value: PORT_READ,
        ..TestBus::default()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let exit = kvm
        .run(&mut bus, 10_000_000, Some(deadline))
        .map_err(|e| e.to_string())?;
    if exit != KvmExit::Stop {
        return Err(format!(
            "KVM ended with {exit:?} before the exit port; output so far: {:?}",
            String::from_utf8_lossy(&bus.e9)
        ));
    }
    let r = kvm.regs().map_err(|e| e.to_string())?;
    let mut regs = [0; 8];
    regs.copy_from_slice(&r[..8]);
    Ok(Outcome {
        e9: String::from_utf8_lossy(&bus.e9).into_owned(),
        exit: bus.exit,
        regs,
        ram: kvm.ram().to_vec(),
    })
}

/// The first differing byte of RAM outside the ROM's copy below 1 MiB (the interpreter's
/// test machine keeps the ROM in ordinary RAM; KVM maps it separately) and the VGA hole.
fn ram_difference(a: &[u8], b: &[u8], rom_len: usize) -> Option<usize> {
    let skip = |i: usize| {
        (0xA_0000..0xC_0000).contains(&i) || (0x10_0000 - rom_len..0x10_0000).contains(&i)
    };
    (0..a.len().min(b.len())).find(|&i| !skip(i) && a[i] != b[i])
}

/// Run `rom` on both engines and compare; `kvm_limit` is a reason to skip the KVM half on
/// this host, if it has one.
fn compare(case: &str, rom: &[u8], expect_e9: &str, kvm_limit: Option<&str>) -> bool {
    let t = std::time::Instant::now();
    let i = on_interpreter(rom);
    let i_time = t.elapsed();
    assert!(
        i.e9.contains(expect_e9),
        "{case}: interpreter output {:?}",
        i.e9
    );
    if let Some(why) = kvm_limit {
        eprintln!("SKIPPED {case}: {why}");
        return false;
    }
    let t = std::time::Instant::now();
    let k = match on_kvm(rom) {
        Ok(k) => k,
        Err(e) if !kvm_usable() => {
            eprintln!("SKIPPED {case}: KVM is not usable here: {e}");
            return false;
        }
        Err(e) if ironpc_kvm::hypervisor().starts_with("pvm") => {
            eprintln!(
                "SKIPPED {case}: /dev/kvm is {} and could not run this guest ({e}); \
                 on VT-x/AMD-V this case must agree",
                ironpc_kvm::hypervisor()
            );
            return false;
        }
        Err(e) => panic!("{case}: {e}"),
    };
    let k_time = t.elapsed();
    eprintln!(
        "{case}: KVM {:.2} s, interpreter {:.3} s",
        k_time.as_secs_f64(),
        i_time.as_secs_f64()
    );
    assert_eq!(
        k.e9, i.e9,
        "{case}: debug-console output differs (KVM vs interpreter)"
    );
    assert_eq!(k.exit, i.exit, "{case}: exit status differs");
    assert_eq!(
        k.regs, i.regs,
        "{case}: EAX..EDI differ (KVM vs interpreter)"
    );
    if let Some(at) = ram_difference(&k.ram, &i.ram, rom.len()) {
        panic!(
            "{case}: guest RAM differs first at {at:#x}: KVM {:#04x}, interpreter {:#04x}",
            k.ram[at], i.ram[at]
        );
    }
    eprintln!(
        "{case}: same output, exit status, registers and {} MiB of RAM",
        RAM >> 20
    );
    true
}

fn kvm_usable() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok()
}

/// Why paging guests cannot be compared on this host, if they cannot.
fn paging_limit() -> Option<String> {
    let h = ironpc_kvm::hypervisor();
    h.starts_with("pvm").then(|| {
        format!("/dev/kvm is {h}: 32-bit guests that enable paging fault under it (BENCHMARKS.md)")
    })
}

#[test]
fn integer_workload_flat() {
    let rom = assemble(&repo().join("benches/rom/benchrom.asm"), &["ITERS=2"]);
    compare("integer-flat", &rom, "BENCH-END iters=00000002", None);
}

#[test]
fn integer_workload_with_paging() {
    let rom = assemble(
        &repo().join("benches/rom/benchrom.asm"),
        &["ITERS=2", "PAGING"],
    );
    compare(
        "integer-paging",
        &rom,
        "BENCH-END iters=00000002",
        paging_limit().as_deref(),
    );
}

/// The CPU test programs: real mode, protected mode and back; far transfers; strings;
/// self-modifying code; interrupts and exceptions.
#[test]
fn cpu_test_programs() {
    for name in ["realmode_pm", "farcalls", "strings", "smc", "interrupts"] {
        let rom = assemble(&repo().join(format!("tests/roms/{name}.asm")), &[]);
        compare(name, &rom, "ALL PASSED", None);
    }
}
