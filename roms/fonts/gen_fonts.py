#!/usr/bin/env python3
"""Regenerate vga8x16.bin and vga8x8.bin (code page 437 order) from Debian's console-setup-linux.

Usage:  apt-get download console-setup-linux
        dpkg-deb -x console-setup-linux_*.deb csl
        python3 gen_fonts.py csl/usr/share/consolefonts

See README.md for provenance and licence. Python 3 standard library only.
"""
import glob
import gzip
import os
import struct
import sys

# Code page 437 with the IBM glyphs for 0x00-0x1F and 0x7F, as Unicode.
CONTROL = "\u0000☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼"
CP437 = list(CONTROL) + [chr(c) for c in range(0x20, 0x7F)] + ["⌂"] + list(bytes(range(0x80, 0x100)).decode("cp437"))
assert len(CP437) == 256

# Glyphs the console-setup VGA8 fonts lack (or draw as another character), drawn by hand for
# IronPC and placed under the project's licence. Rows top to bottom, bit 7 = leftmost pixel.
HAND_8X8 = {
    0x10: [0x80, 0xE0, 0xF8, 0xFE, 0xF8, 0xE0, 0x80, 0x00],  # ► black right-pointing pointer
    0x11: [0x02, 0x0E, 0x3E, 0xFE, 0x3E, 0x0E, 0x02, 0x00],  # ◄ black left-pointing pointer
    0x9E: [0xFC, 0x66, 0x66, 0x7C, 0x62, 0x6F, 0x66, 0xF3],  # ₧ peseta sign
    0xA9: [0x00, 0x00, 0x00, 0xFE, 0xC0, 0xC0, 0x00, 0x00],  # ⌐ reversed not sign
    0xEC: [0x00, 0x00, 0x76, 0xDB, 0xDB, 0x6E, 0x00, 0x00],  # ∞ infinity
    0xEF: [0x00, 0x7C, 0xC6, 0xC6, 0xC6, 0xC6, 0xC6, 0x00],  # ∩ intersection
    0xF0: [0x00, 0xFE, 0x00, 0xFE, 0x00, 0xFE, 0x00, 0x00],  # ≡ identical to
}


def load_psf(path):
    """Return (glyph bytes list, {codepoint: glyph index}, height) of a PSF1/PSF2 font."""
    d = gzip.open(path).read()
    uni = {}
    if d[:2] == b"\x36\x04":  # PSF1
        mode, h = d[2], d[3]
        n = 512 if mode & 1 else 256
        glyphs = [d[4 + i * h : 4 + (i + 1) * h] for i in range(n)]
        p = 4 + n * h
        if mode & 6:
            for i in range(n):
                seq = False
                while True:
                    (v,) = struct.unpack("<H", d[p : p + 2])
                    p += 2
                    if v == 0xFFFF:
                        break
                    if v == 0xFFFE:
                        seq = True
                    elif not seq:
                        uni.setdefault(v, i)
        return glyphs, uni, h
    _magic, _ver, hs, flags, n, cb, h, w = struct.unpack("<8I", d[:32])
    assert w == 8, path
    glyphs = [d[hs + i * cb : hs + (i + 1) * cb] for i in range(n)]
    p = hs + n * cb
    if flags & 1:
        for i in range(n):
            end = d.index(b"\xff", p)
            for ch in d[p:end].split(b"\xfe")[0].decode("utf-8"):
                uni.setdefault(ord(ch), i)
            p = end + 1
    return glyphs, uni, h


# cp437 0x10/0x11 are pointers; most console-setup fonts map U+25BA/U+25C4 nowhere and draw
# U+25B6/U+25C0 as arrows, but the Full* fonts draw them as the VGA triangles.
ALTERNATES = {"►": "▶", "◄": "◀"}


def build(fontdir, size, height, hand):
    preferred = [os.path.join(fontdir, f"{n}-{size}.psf.gz") for n in ("FullCyrSlav", "Uni2")]
    preferred = [f for f in preferred if os.path.exists(f)]
    rest = sorted(set(glob.glob(os.path.join(fontdir, f"*-{size}.psf.gz"))) - set(preferred))
    fonts = [load_psf(f) for f in preferred + rest]
    out = bytearray()
    for code, ch in enumerate(CP437):
        if code in hand:
            glyph = bytes(hand[code])
        elif code == 0:
            glyph = bytes(height)
        else:
            glyph = None
            for cand in [ch] + ([ALTERNATES[ch]] if ch in ALTERNATES else []):
                glyph = next((g[u[ord(cand)]] for g, u, h in fonts if ord(cand) in u and h == height), None)
                if glyph is not None:
                    break
            if glyph is None:
                sys.exit(f"no {size} glyph for {code:#04x} {ch!r}")
        assert len(glyph) == height
        out += glyph
    return bytes(out)


def main():
    fontdir = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/consolefonts"
    here = os.path.dirname(os.path.abspath(__file__))
    for name, size, height, hand in [("vga8x16.bin", "VGA16", 16, {}), ("vga8x8.bin", "VGA8", 8, HAND_8X8)]:
        data = build(fontdir, size, height, hand)
        with open(os.path.join(here, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
