#!/usr/bin/env bash
# Assemble the benchmark ROMs that `ironpc bench` carries inside the binary (include_bytes!),
# so the bench needs no nasm at run time. The checked-in .rom files beside this script are
# its output; crates/ironpc/tests/bench.rs re-runs it and compares byte for byte.
# Usage: bash benches/rom/build.sh [OUTDIR]      (default: this directory; needs nasm)
# Sizes: "quick" and "full" per workload, as in the table of crates/ironpc/src/bench.rs.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-$src}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$src"
rom() { # rom OUTNAME SOURCE DEFINES...
    local name=$1 file=$2
    shift 2
    nasm -f bin "$@" -o "$out/$name" "$file"
}
for n in 4 1000; do
    rom "benchrom-flat-$n.rom" benchrom.asm -DITERS=$n
    rom "benchrom-paging-$n.rom" benchrom.asm -DITERS=$n -DPAGING
done
for n in 100000 10000000; do
    rom "portio-$n.rom" portio.asm -DITERS=$n
    rom "mmio-$n.rom" mmio.asm -DITERS=$n
done
for n in 1000 20000; do
    rom "irq-pm32-$n.rom" irq.asm -DITERS=$n
    rom "irq-real-$n.rom" irq.asm -DITERS=$n -DREALMODE
done
