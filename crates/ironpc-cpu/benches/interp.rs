//! Criterion benchmarks of the interpreter's hot paths, measured in guest instructions per
//! second ("Melem/s" = guest MIPS). Each case builds its machine outside the timer and
//! checks the guest's result, so a broken interpreter cannot report a fast number.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ironpc_cpu::testkit::TestMachine;
use ironpc_cpu::Exit;

const CODE: u32 = 0x1000;

/// Run `code` (flat 32-bit, ends with `out 0xF4, al`) `n` times; return elapsed time and the
/// instructions retired per run.
fn time_runs(code: &[u8], setup: impl Fn(&mut TestMachine), n: u64) -> (Duration, u64) {
    let mut m = TestMachine::new(4 << 20);
    m.load(CODE, code);
    let mut total = Duration::ZERO;
    let mut per_run = 0;
    for _ in 0..n {
        m.bus.exit = None;
        m.flat32(CODE, 0x8_0000);
        setup(&mut m);
        let start_count = m.interp.cpu.icount;
        let t = Instant::now();
        let e = m.run_to_end(u64::MAX / 2);
        total += t.elapsed();
        assert_eq!(e, Exit::Stop, "guest did not finish");
        per_run = m.interp.cpu.icount - start_count;
    }
    (total, per_run)
}

/// The reference toy loop: add, xor, store, inc, dec, jnz — 6 instructions × 1,000,000.
fn alu_loop() -> Vec<u8> {
    let mut c = vec![
        0xB9, 0x40, 0x42, 0x0F, 0x00, // mov ecx, 1000000
        0xBB, 0x00, 0x00, 0x10, 0x00, // mov ebx, 0x100000
    ];
    c.extend_from_slice(&[
        0x01, 0xC8, // add eax, ecx
        0x31, 0xC2, // xor edx, eax
        0x89, 0x53, 0x04, // mov [ebx+4], edx
        0x46, // inc esi
        0x49, // dec ecx
        0x75, 0xF5, // jnz -11
        0xE6, 0xF4, // out 0xF4, al
    ]);
    c
}

/// A memory-heavy loop: load, add, store through a 4 KiB window, 1,000,000 iterations.
fn mem_loop() -> Vec<u8> {
    vec![
        0xB9, 0x40, 0x42, 0x0F, 0x00, // mov ecx, 1000000
        0xBE, 0x00, 0x00, 0x20, 0x00, // mov esi, 0x200000
        // loop:
        0x89, 0xC8, // mov eax, ecx
        0x25, 0xFC, 0x0F, 0x00, 0x00, // and eax, 0xFFC
        0x8B, 0x14, 0x06, // mov edx, [esi+eax]
        0x01, 0xCA, // add edx, ecx
        0x89, 0x14, 0x06, // mov [esi+eax], edx
        0x49, // dec ecx
        0x75, 0xEE, // jnz loop (-18)
        0xE6, 0xF4, // out 0xF4, al
    ]
}

/// Distinct basic blocks: `BLOCKS` × (`add eax, imm32`; `inc ebx`; `jmp $+2`), each block
/// ended by its jump, run once each. With the decode cache invalidated before every run, the
/// time is dominated by decoding (the cost of a cache miss); warm, by dispatch.
const BLOCKS: u32 = 2048;

fn many_blocks() -> Vec<u8> {
    let mut c = Vec::new();
    for i in 0..BLOCKS {
        c.push(0x05); // add eax, imm32
        c.extend_from_slice(&i.to_le_bytes());
        c.push(0x43); // inc ebx
        c.extend_from_slice(&[0xEB, 0x00]); // jmp to the next instruction: ends the block
    }
    c.extend_from_slice(&[0xE6, 0xF4]); // out 0xF4, al
    c
}

/// Port I/O dispatch: `out 0x80, al` through the bus (TestBus records the first 4096),
/// 1,000,000 iterations of out, dec, jnz.
fn out_loop() -> Vec<u8> {
    vec![
        0xB9, 0x40, 0x42, 0x0F, 0x00, // mov ecx, 1000000
        // loop:
        0xE6, 0x80, // out 0x80, al
        0x49, // dec ecx
        0x75, 0xFB, // jnz loop (-5)
        0xE6, 0xF4, // out 0xF4, al
    ]
}

/// Linear address of the paged window and the physical memory behind it.
const PAGED_LIN: u32 = 0x0080_0000;
const PAGED_PHYS: u32 = 0x0020_0000;
const PD: u32 = 0x1_0000;

/// The mem_loop through paging: load, add, store over a 64 KiB window (16 pages, TLB hits
/// after the first touch) at linear 0x800000, mapped to physical 0x200000.
fn paged_loop() -> Vec<u8> {
    vec![
        0xB9, 0x40, 0x42, 0x0F, 0x00, // mov ecx, 1000000
        0xBE, 0x00, 0x00, 0x80, 0x00, // mov esi, 0x800000
        // loop:
        0x89, 0xC8, // mov eax, ecx
        0x25, 0xFC, 0xFF, 0x00, 0x00, // and eax, 0xFFFC
        0x8B, 0x14, 0x06, // mov edx, [esi+eax]
        0x01, 0xCA, // add edx, ecx
        0x89, 0x14, 0x06, // mov [esi+eax], edx
        0x49, // dec ecx
        0x75, 0xEE, // jnz loop (-18)
        0xE6, 0xF4, // out 0xF4, al
    ]
}

/// Page tables for [`paged_loop`]: the first 4 MiB identity-mapped (code, stack, tables),
/// and 16 pages at `PAGED_LIN` mapped to `PAGED_PHYS`. Then paging on, TLB empty.
fn enable_paging(m: &mut TestMachine) {
    let put = |m: &mut TestMachine, addr: u32, v: u32| {
        m.ram[addr as usize..addr as usize + 4].copy_from_slice(&v.to_le_bytes());
    };
    let (pt0, pt2) = (PD + 0x1000, PD + 0x2000);
    for i in 0..1024 {
        put(m, PD + 4 * i, 0);
        put(m, pt0 + 4 * i, (i << 12) | 3);
        put(m, pt2 + 4 * i, 0);
    }
    put(m, PD, pt0 | 3);
    put(m, PD + 4 * (PAGED_LIN >> 22), pt2 | 3);
    for i in 0..16 {
        put(m, pt2 + 4 * i, (PAGED_PHYS + (i << 12)) | 3);
    }
    let cpu = &mut m.interp.cpu;
    cpu.cr3 = PD;
    cpu.cr0 |= ironpc_cpu::state::cr0::PG;
    cpu.flush_tlb();
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("interp");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    for (name, code) in [("alu_loop", alu_loop()), ("mem_loop", mem_loop())] {
        let (_, per_run) = time_runs(&code, |_| {}, 1);
        g.throughput(Throughput::Elements(per_run));
        g.bench_function(name, |b| b.iter_custom(|n| time_runs(&code, |_| {}, n).0));
    }

    // Decode-cache misses: the same code, invalidated before each run (outside the timer).
    let blocks = many_blocks();
    let (_, per_run) = time_runs(&blocks, |_| {}, 1);
    assert_eq!(
        per_run,
        u64::from(BLOCKS) * 3 + 1,
        "every block must run once"
    );
    g.throughput(Throughput::Elements(per_run));
    g.bench_function("blocks_cold", |b| {
        b.iter_custom(|n| time_runs(&blocks, |m| m.load(CODE, &blocks), n).0)
    });
    g.bench_function("blocks_warm", |b| {
        b.iter_custom(|n| time_runs(&blocks, |_| {}, n).0)
    });

    // Port I/O dispatch through the bus.
    let outs = out_loop();
    let (_, per_run) = time_runs(&outs, |m| m.bus.outs.clear(), 1);
    assert_eq!(per_run, 1 + 3 * 1_000_000 + 1);
    g.throughput(Throughput::Elements(per_run));
    g.bench_function("out_loop", |b| {
        b.iter_custom(|n| time_runs(&outs, |m| m.bus.outs.clear(), n).0)
    });

    // Paged loads and stores through the TLB.
    let paged = paged_loop();
    let mut probe = TestMachine::new(4 << 20);
    probe.load(CODE, &paged);
    probe.flat32(CODE, 0x8_0000);
    enable_paging(&mut probe);
    assert_eq!(probe.run_to_end(u64::MAX / 2), Exit::Stop);
    let phys = PAGED_PHYS as usize;
    assert!(
        probe.ram[phys..phys + 0x1_0000].iter().any(|&b| b != 0),
        "the stores must land in the mapped physical pages"
    );
    let (_, per_run) = time_runs(&paged, enable_paging, 1);
    g.throughput(Throughput::Elements(per_run));
    g.bench_function("paged_mem_loop", |b| {
        b.iter_custom(|n| time_runs(&paged, enable_paging, n).0)
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
