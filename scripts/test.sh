#!/usr/bin/env bash
# IronPC's one test command: installs what the tests need, then runs every test.
# Usage: bash scripts/test.sh        (as root, or with sudo available, on Debian)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

# --- 1. Packages the tests need ------------------------------------------------------
need_pkgs=(nasm syslinux syslinux-common mtools dosfstools grub-pc-bin grub-common xorriso memtest86+)  # nasm: test ROMs and boot sectors; the rest: SYSLINUX and GRUB boots (tests/bios.rs, tests/guests.rs)
# The window test (crates/ironpc/tests/vga.rs): an X server, a key typist and a screenshot
# tool; minifb loads libX11/libXcursor at run time.
need_pkgs+=(xvfb xdotool x11-apps libx11-6 libxcursor1)
missing=()
for p in "${need_pkgs[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    say "installing Debian packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- 2. Style gates ---------------------------------------------------------------------
say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --release -- -D warnings

# --- 3. Every test, in release mode (guest boots need the speed; one build serves all) ---
say "cargo test --release --workspace"
cargo test --release --workspace
