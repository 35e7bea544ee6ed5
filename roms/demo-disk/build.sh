#!/bin/bash
# Build the IronPC demo disk (a 360 KiB floppy image) from demo.asm and boot.asm:
#   bash roms/demo-disk/build.sh [OUTPUT.img]      (default: roms/demo.img)
# The build is reproducible (nasm output depends only on the sources), and
# crates/ironpc/tests/demo.rs checks that the checked-in roms/demo.img is this build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../demo.img}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nasm -f bin -o "$tmp/demo.bin" "$here/demo.asm"
nasm -f bin -I "$tmp/" -o "$tmp/demo.img" "$here/boot.asm"
mv "$tmp/demo.img" "$out"
