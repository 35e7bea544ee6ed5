#!/usr/bin/env bash
# Time the integer workload (benches/rom/workload.inc) natively and as a -bios ROM on IronPC,
# flat and with paging, and print guest MIPS and the slowdown against native.
# Usage: bash benches/rom-vs-native.sh [ITERS] [RUNS]     (needs nasm, binutils, a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
ITERS=${1:-1000}
RUNS=${2:-3}
NATIVE_ITERS=$((ITERS * 20))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp benches/rom/*.asm benches/rom/workload.inc "$work/"
(cd "$work" && nasm -f bin -DITERS="$ITERS" -o flat.rom benchrom.asm \
    && nasm -f bin -DITERS="$ITERS" -DPAGING -o paged.rom benchrom.asm \
    && nasm -f elf32 -DITERS="$NATIVE_ITERS" -o native.o native.asm && ld -m elf_i386 -o native native.o)
cargo build --release -q -p ironpc
bin=target/release/ironpc
best() { # best wall time of RUNS runs of "$@"
    local b=999999
    for _ in $(seq "$RUNS"); do
        local s e t
        s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l)
        b=$(echo "if ($t < $b) $t else $b" | bc -l)
    done
    echo "$b"
}
set +e
native=$(best "$work/native")
flat=$(best "$bin" -bios "$work/flat.rom" -debugcon none -no-reboot)
paged=$(best "$bin" -bios "$work/paged.rom" -debugcon none -no-reboot)
set -e
instr=$(echo "156861 + $ITERS * 512369" | bc)
per_native=$(echo "$native / $NATIVE_ITERS" | bc -l)
printf 'host: %s, %s cores, kernel %s\n' "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(nproc)" "$(uname -r)"
printf 'native      %8.3f s for %d iterations (%.1f µs/iteration, %.0f MIPS)\n' "$native" "$NATIVE_ITERS" "$(echo "$per_native * 1000000" | bc -l)" "$(echo "(156861 + $NATIVE_ITERS * 512369) / $native / 1000000" | bc -l)"
for row in "flat:$flat" "paging:$paged"; do
    name=${row%%:*}; t=${row#*:}
    printf 'ironpc %-6s %7.3f s for %d iterations: %.0f guest MIPS, %.1fx slower than native\n' \
        "$name" "$t" "$ITERS" "$(echo "$instr / $t / 1000000" | bc -l)" "$(echo "($t / $ITERS) / $per_native" | bc -l)"
done
