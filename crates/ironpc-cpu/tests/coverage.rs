//! Instruction coverage report: decode every one-, two- and three-byte opcode with every
//! ModRM byte, under the usual prefixes, in 16- and 32-bit mode, and list each iced `Code`
//! that decodes validly but that the interpreter does not implement (it would be #UD).
//! The test fails if one of them is an integer instruction of the 8086 ... Pentium Pro set
//! that is not on the allow-list of instructions other parts of the project own.
//!
//! Run with `--nocapture` to see the report.

use std::collections::BTreeMap;

use iced_x86::{Code, CpuidFeature, Decoder, DecoderOptions, Mnemonic};
use ironpc_cpu::table::implemented;

/// CPUID feature classes that make up the integer instruction set of the 8086 through the
/// Pentium Pro (iced's classification). x87 (FPU*), MMX, SSE* and later extensions are
/// not in it.
const P6_INTEGER: &[CpuidFeature] = &[
    CpuidFeature::INTEL8086,
    CpuidFeature::INTEL8086_ONLY,
    CpuidFeature::INTEL186,
    CpuidFeature::INTEL286,
    CpuidFeature::INTEL286_ONLY,
    CpuidFeature::INTEL386,
    CpuidFeature::INTEL386_ONLY,
    CpuidFeature::INTEL386_A0_ONLY,
    CpuidFeature::INTEL486,
    CpuidFeature::INTEL486_A_ONLY,
    CpuidFeature::CPUID,
    CpuidFeature::TSC,
    CpuidFeature::MSR,
    CpuidFeature::CX8,
    CpuidFeature::CMOV,
    CpuidFeature::RDPMC,
    CpuidFeature::SEP,
    CpuidFeature::MULTIBYTENOP,
];

/// Integer instructions of that set that other parts of the project implement (or that
/// are deliberately #UD), so their absence here is not this report's concern.
const OWNED_ELSEWHERE: &[(Mnemonic, &str)] = &[
    (
        Mnemonic::Bound,
        "BOUND: another family (bounds/segment work)",
    ),
    (Mnemonic::Lar, "LAR: task/segment instructions"),
    (Mnemonic::Lsl, "LSL: task/segment instructions"),
    (Mnemonic::Verr, "VERR: task/segment instructions"),
    (Mnemonic::Verw, "VERW: task/segment instructions"),
    (Mnemonic::Arpl, "ARPL: task/segment instructions"),
    (
        Mnemonic::Sysenter,
        "SYSENTER: fast system call (another family)",
    ),
    (
        Mnemonic::Sysexit,
        "SYSEXIT: fast system call (another family)",
    ),
    (Mnemonic::Rdpmc, "RDPMC: system instructions (sys family)"),
    (
        Mnemonic::Int1,
        "INT1/ICEBP: interrupt delivery (far/interrupt family)",
    ),
    (
        Mnemonic::Wait,
        "WAIT/FWAIT: x87 (checks pending x87 exceptions)",
    ),
    (
        Mnemonic::Rsm,
        "RSM: no SMM in IronPC; #UD outside SMM is correct",
    ),
    (
        Mnemonic::Loadall,
        "LOADALL: 286/386-only, not on a P6 (#UD there)",
    ),
];

/// Is this the integer instruction set of the 8086 ... Pentium Pro?
fn p6_integer(features: &[CpuidFeature]) -> bool {
    features.iter().all(|f| P6_INTEGER.contains(f))
}

#[test]
fn integer_instruction_coverage() {
    let prefixes: &[&[u8]] = &[
        &[],
        &[0x66],
        &[0x67],
        &[0xF3],
        &[0xF2],
        &[0xF0],
        &[0x26],
        &[0x66, 0xF3],
        &[0x66, 0x67],
        &[0xF0, 0x66],
    ];
    let mut maps: Vec<Vec<u8>> = (0..=0xFFu8).map(|b| vec![b]).collect();
    maps.extend((0..=0xFFu8).map(|b| vec![0x0F, b]));
    maps.extend((0..=0xFFu8).map(|b| vec![0x0F, 0x38, b]));
    maps.extend((0..=0xFFu8).map(|b| vec![0x0F, 0x3A, b]));
    // Code -> (example bytes, bitness, implemented somewhere, unimplemented somewhere)
    let mut seen: BTreeMap<Code, (Vec<u8>, u32, bool, bool)> = BTreeMap::new();
    let mut decoded = 0usize;
    for bitness in [16u32, 32] {
        for p in prefixes {
            for op in &maps {
                for modrm in 0..=0xFFu8 {
                    let mut bytes = p.to_vec();
                    bytes.extend_from_slice(op);
                    bytes.push(modrm);
                    bytes.extend_from_slice(&[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
                    let mut d = Decoder::new(bitness, &bytes, DecoderOptions::NONE);
                    let ins = d.decode();
                    decoded += 1;
                    if ins.is_invalid() {
                        continue;
                    }
                    let ok = implemented(&ins);
                    if !ok && ins.has_lock_prefix() {
                        continue; // LOCK on a non-RMW form: #UD by design
                    }
                    let len = ins.len();
                    let e = seen
                        .entry(ins.code())
                        .or_insert_with(|| (bytes[..len].to_vec(), bitness, false, false));
                    if ok {
                        e.2 = true;
                    } else if !e.3 {
                        e.3 = true;
                        e.0 = bytes[..len].to_vec();
                        e.1 = bitness;
                    }
                    // Only the first form matters when the opcode ignores ModRM.
                    if !op_uses_modrm(&ins, p.len() + op.len()) {
                        break;
                    }
                }
            }
        }
    }

    let mut bad = Vec::new();
    let mut owned = Vec::new();
    let mut partial = Vec::new();
    let mut other: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (code, (bytes, bitness, some, missing)) in &seen {
        if !missing {
            continue;
        }
        let mut d = Decoder::new(*bitness, bytes, DecoderOptions::NONE);
        let ins = d.decode();
        let line = format!("{code:?} ({bitness}-bit: {bytes:02X?})");
        let m = ins.mnemonic();
        if *some {
            partial.push(line.clone());
        }
        if let Some((_, why)) = OWNED_ELSEWHERE.iter().find(|(x, _)| *x == m) {
            owned.push(format!("{line}: {why}"));
        } else if p6_integer(ins.cpuid_features()) {
            bad.push(line);
        } else {
            let class = format!("{:?}", ins.cpuid_features());
            other.entry(class).or_default().push(format!("{code:?}"));
        }
    }

    let implemented_codes = seen.values().filter(|e| e.2).count();
    println!("coverage: {decoded} encodings decoded, {} distinct valid codes, {implemented_codes} implemented", seen.len());
    println!(
        "\nP6 integer instructions owned elsewhere ({}):",
        owned.len()
    );
    for l in &owned {
        println!("  {l}");
    }
    println!("\nimplemented for some operands only ({}):", partial.len());
    for l in &partial {
        println!("  {l}");
    }
    println!("\nunimplemented, outside the P6 integer set, by CPUID class:");
    for (class, codes) in &other {
        println!("  {class}: {} codes", codes.len());
        for chunk in codes.chunks(6) {
            println!("      {}", chunk.join(" "));
        }
    }
    println!("\nunimplemented P6 integer instructions ({}):", bad.len());
    for l in &bad {
        println!("  {l}");
    }
    assert!(
        bad.is_empty(),
        "integer instructions of the 8086..Pentium Pro set are unimplemented:\n{}",
        bad.join("\n")
    );
}

/// Does the instruction's encoding include a ModRM byte (so other ModRM values may decode
/// to other instructions)? Opcodes without one decode identically for every next byte.
fn op_uses_modrm(ins: &iced_x86::Instruction, opcode_end: usize) -> bool {
    // An instruction longer than prefixes+opcode has a ModRM, an immediate or a
    // displacement; in doubt, keep going.
    ins.len() > opcode_end
}
