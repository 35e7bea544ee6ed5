//! `ironpc bench`: its built-in ROMs must be the reproducible build of their sources, and a
//! quick run must measure every engine it can, check every guest's answer, and write JSON of
//! the documented shape (plus CSV and an SVG chart). Where KVM cannot run, its rows must be
//! "skipped" or "failed" with a reason. The quick run takes tens of seconds on a PVM host
//! (KVM under PVM most of it: the demo disk's real-mode sieve runs in its emulator).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("cannot create a scratch directory");
    d
}

#[test]
fn bench_roms_are_built_from_their_sources() {
    let dir = scratch("roms");
    let out = Command::new("bash")
        .arg(repo().join("benches/rom/build.sh"))
        .arg(&dir)
        .output()
        .expect("cannot run bash");
    assert!(
        out.status.success(),
        "benches/rom/build.sh failed (it needs nasm: run the README's test command, which \
         installs it):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = |d: &PathBuf| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".rom"))
            .collect();
        v.sort();
        v
    };
    let built = names(&dir);
    let shipped = names(&repo().join("benches/rom"));
    assert!(!built.is_empty());
    assert_eq!(
        built, shipped,
        "the .rom files in benches/rom must be exactly what build.sh makes"
    );
    for n in &built {
        let a = std::fs::read(dir.join(n)).unwrap();
        let b = std::fs::read(repo().join("benches/rom").join(n)).unwrap();
        assert!(
            a == b,
            "benches/rom/{n} is stale: rebuild with `bash benches/rom/build.sh`"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Can this process open /dev/kvm (the condition for KVM rows to run)?
fn kvm_opens() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok()
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} must be a number: {v}"))
}

#[test]
fn quick_bench_checks_and_reports_every_engine() {
    let dir = scratch("quick");
    let (json, csv, svg) = (dir.join("b.json"), dir.join("b.csv"), dir.join("b.svg"));
    let t = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .args(["bench", "--quick", "--engines", "interp,kvm,native"])
        .arg("--json")
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .arg("--plot")
        .arg(&svg)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!(
        "{stdout}\n{stderr}\n(took {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "ironpc bench failed:\n{stdout}\n{stderr}"
    );

    // The JSON document: exactly the documented shape.
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap())
        .expect("--json must write valid JSON");
    let host = &doc["host"];
    assert_eq!(doc.as_object().unwrap().len(), 2, "{doc}");
    assert_eq!(host.as_object().unwrap().len(), 4, "{host}");
    for k in ["cpu", "kernel", "hypervisor"] {
        assert!(host[k].is_string(), "host.{k}: {host}");
    }
    assert!(host["cores"].as_u64().is_some_and(|n| n >= 1), "{host}");
    let hv = host["hypervisor"].as_str().unwrap();
    assert!(
        ["vmx", "svm", "pvm (software, nested)", "none"].contains(&hv) || hv.starts_with("kvm"),
        "hypervisor {hv:?}"
    );
    let results = doc["results"].as_array().expect("results must be an array");
    let keys = [
        "engine",
        "workload",
        "status",
        "reason",
        "median_s",
        "min_s",
        "max_s",
        "mips",
        "slowdown_vs_native",
        "exits",
    ];
    for r in results {
        let o = r.as_object().unwrap();
        let mut got: Vec<&str> = o.keys().map(String::as_str).collect();
        got.sort_unstable();
        let mut want = keys.to_vec();
        want.sort_unstable();
        assert_eq!(got, want, "{r}");
        assert!(["interp", "kvm", "native"].contains(&r["engine"].as_str().unwrap()));
        let status = r["status"].as_str().unwrap();
        assert!(["ok", "skipped", "failed"].contains(&status), "{r}");
        assert!(r["reason"].is_null() || r["reason"].is_string(), "{r}");
        if status != "ok" {
            assert!(
                r["reason"].as_str().is_some_and(|s| !s.is_empty()),
                "a {status} row needs a reason: {r}"
            );
        }
        for k in ["median_s", "min_s", "max_s"] {
            assert!(r[k].is_f64(), "{k} must be a float: {r}");
        }
        if status == "ok" {
            assert!(
                num(r, "min_s") > 0.0 && num(r, "min_s") <= num(r, "median_s"),
                "{r}"
            );
            assert!(num(r, "median_s") <= num(r, "max_s"), "{r}");
        }
        for k in ["mips", "slowdown_vs_native"] {
            assert!(r[k].is_null() || r[k].is_f64(), "{k}: {r}");
        }
        for (_, v) in r["exits"].as_object().expect("exits must be an object") {
            assert!(v.is_u64(), "{r}");
        }
    }
    let row = |engine: &str, workload: &str| -> &Value {
        results
            .iter()
            .find(|r| r["engine"] == engine && r["workload"] == workload)
            .unwrap_or_else(|| panic!("no {engine} {workload} row"))
    };
    let workloads = [
        "integer-flat",
        "integer-paging",
        "portio",
        "mmio",
        "irq-pm32",
        "irq-real",
        "demo",
        "demo-disk",
    ];
    for w in workloads {
        // Every guest runs correctly on the interpreter ("ok" = its answer was checked).
        let r = row("interp", w);
        assert_eq!(r["status"], "ok", "{r}");
        assert!(num(r, "mips") > 0.0, "{r}");
        row("native", w);
        row("kvm", w);
    }
    assert_eq!(row("interp", "portio")["exits"]["io_out"], 100_051);
    assert_eq!(row("interp", "irq-real")["exits"]["interrupts"], 1000);

    assert!(
        row("interp", "demo-disk")["exits"]["io_out"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "the demo disk prints through ports"
    );

    // The integer workload: native ran, and each engine's checksum equals the native one.
    let native = row("native", "integer-flat");
    assert_eq!(native["status"], "ok", "nasm and ld are needed: {native}");
    let reference = stderr
        .lines()
        .find_map(|l| l.split("native reference checksums").nth(1))
        .and_then(|l| l.split("4: ").nth(1))
        .map(|s| s[..8].to_string())
        .expect("the native reference checksum for 4 iterations");
    let want = format!("chk={reference} as expected");
    for w in ["integer-flat", "integer-paging"] {
        let interp_line = stderr
            .lines()
            .find(|l| l.contains(&format!("interp {w} (4 iterations)")))
            .unwrap();
        assert!(interp_line.contains(&want), "{interp_line} / {want}");
        let r = row("interp", w);
        let slow = num(r, "slowdown_vs_native");
        assert!(slow > 1.0, "{r}");
    }

    // KVM: measured where /dev/kvm opens, otherwise skipped with the reason.
    if kvm_opens() {
        let r = row("kvm", "integer-flat");
        assert_eq!(
            r["status"], "ok",
            "KVM opens here, so it must run this guest: {r}"
        );
        let line = stderr
            .lines()
            .find(|l| l.contains("kvm integer-flat (4 iterations)"))
            .unwrap();
        assert!(line.contains(&want), "{line} / {want}");
        assert!(r["exits"]["io_out"].as_u64().unwrap() > 0, "{r}");
        let r = row("kvm", "portio");
        if r["status"] == "ok" {
            assert!(r["exits"]["io_out"].as_u64().unwrap() >= 100_000, "{r}");
        }
        // The demo disk boots through the built-in BIOS, whose INT 13h the KVM loop serves
        // in KVM's RAM. Under PVM the demo stops when it takes IRQ0 in protected mode (it
        // says so, and the row says why); on VT-x/AMD-V it runs to its end.
        let r = row("kvm", "demo-disk");
        if hv.starts_with("pvm") {
            // (Skipped: the time limit, on a busy host.)
            assert!(
                ["ok", "failed", "skipped"].contains(&r["status"].as_str().unwrap()),
                "{r}"
            );
            if r["status"] == "failed" {
                let why = r["reason"].as_str().unwrap();
                assert!(
                    why.contains("PVM") && why.contains("the guest's last output"),
                    "{r}"
                );
                // It got past the BIOS's disk loading: the demo itself printed that.
                assert!(!why.contains("No bootable device"), "{r}");
            }
        } else {
            assert_eq!(r["status"], "ok", "{r}");
            assert!(r["exits"]["io_out"].as_u64().unwrap() > 0, "{r}");
        }
    } else {
        for w in workloads {
            let r = row("kvm", w);
            assert_eq!(r["status"], "skipped", "no usable /dev/kvm: {r}");
        }
    }

    // CSV and chart.
    let csv = std::fs::read_to_string(&csv).unwrap();
    assert!(
        csv.starts_with("engine,workload,status,reason,median_s"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + results.len(), "{csv}");
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(
        svg.contains("<svg") && svg.contains("integer-flat"),
        "{svg}"
    );
    // The terminal table.
    assert!(
        stdout.contains("x native") && stdout.contains("integer-paging"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
