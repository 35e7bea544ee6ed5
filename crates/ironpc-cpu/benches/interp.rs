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

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("interp");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    for (name, code) in [("alu_loop", alu_loop()), ("mem_loop", mem_loop())] {
        let (_, per_run) = time_runs(&code, |_| {}, 1);
        g.throughput(Throughput::Elements(per_run));
        g.bench_function(name, |b| b.iter_custom(|n| time_runs(&code, |_| {}, n).0));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
