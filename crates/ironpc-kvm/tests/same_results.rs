//! Full emulation and hardware-assisted execution must give the same guest-visible results:
//! the shared integer workload ROM runs on the interpreter and on KVM, and the debug-console
//! output, exit status and final registers are compared. Where KVM cannot run (no
//! /dev/kvm), the test says SKIPPED and why.
#![cfg(target_os = "linux")]

use std::path::PathBuf;
use std::process::Command;

use ironpc_cpu::testkit::{TestBus, TestMachine};
use ironpc_cpu::Exit;
use ironpc_kvm::{KvmEngine, KvmExit};

/// Assemble the benchmark ROM (flat 32-bit, no paging) with `iters` iterations.
fn bench_rom(iters: u32) -> Vec<u8> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../benches/rom");
    let out = std::env::temp_dir().join(format!(
        "ironpc-kvm-bench-{}-{iters}.rom",
        std::process::id()
    ));
    let st = Command::new("nasm")
        .current_dir(&src)
        .args(["-f", "bin", &format!("-DITERS={iters}"), "-o"])
        .arg(&out)
        .arg("benchrom.asm")
        .status()
        .expect("nasm is needed: run the README's test command, which installs it");
    assert!(st.success());
    let rom = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    rom
}

#[test]
fn interpreter_and_kvm_agree_on_the_integer_workload() {
    let rom = bench_rom(2);
    // Interpreter: RAM with the ROM at F0000, started at the reset vector's F000:FFF0.
    let mut m = TestMachine::new(4 << 20);
    m.load(0xF_0000, &rom);
    m.real(0xF000, 0xFFF0);
    assert_eq!(m.run_to_end(50_000_000), Exit::Stop);
    let interp_out = String::from_utf8_lossy(&m.bus.e9).to_string();
    assert!(
        interp_out.contains("BENCH-END iters=00000002"),
        "{interp_out}"
    );

    let mut kvm = match KvmEngine::new(4 << 20, &rom) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("SKIPPED: the KVM half of this comparison cannot run here: {e}");
            return;
        }
    };
    eprintln!("KVM backend: {}", ironpc_kvm::hypervisor());
    let mut bus = TestBus {
        ram_len: 4 << 20,
        ..TestBus::default()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let exit = kvm
        .run(&mut bus, 1_000_000, Some(deadline))
        .expect("KVM run");
    eprintln!(
        "KVM exit {exit:?}, exits {:?}, regs {:x?}",
        kvm.stats.by_reason(),
        kvm.regs()
    );
    assert_eq!(
        exit,
        KvmExit::Stop,
        "KVM run ended with {exit:?}; output so far: {}",
        String::from_utf8_lossy(&bus.e9)
    );
    let kvm_out = String::from_utf8_lossy(&bus.e9).to_string();
    assert_eq!(
        kvm_out, interp_out,
        "debug-console output differs between engines"
    );
    assert_eq!(bus.exit, m.bus.exit, "exit status differs");
    let r = kvm.regs().unwrap();
    let c = &m.interp.cpu;
    assert_eq!(
        &r[..8],
        &c.regs[..8],
        "EAX..EDI differ (KVM vs interpreter)"
    );
    eprintln!("exits by reason on KVM: {:?}", kvm.stats.by_reason());
}
