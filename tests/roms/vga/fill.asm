; fill.asm -- render-cost benchmark (not a test): ITERS full-screen fills through the VGA.
;   default   mode 13h, `rep stosd` of 16,000 dwords into A0000 (the legacy window)
;   -DLFB     VBE 1024x768x32 through the linear frame buffer at E0000000 (big real mode,
;             `a32 rep stosd` of 786,432 dwords)
; Every dword store takes the MMIO slow path to the VGA. See BENCHMARKS.md.
;   nasm -f bin -DITERS=N [-DLFB] -I tests/roms/vga/ -I ./ -o fill.rom tests/roms/vga/fill.asm
%include "vga.inc"
%ifndef ITERS
%define ITERS 100
%endif

        ROM_START
%ifdef LFB
        lgdt    [cs:gdtr]               ; big real mode: ES with base 0, limit 4 GiB
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     $ + 2
        mov     bx, 8
        mov     es, bx
        and     al, 0xFE
        mov     cr0, eax
        jmp     $ + 2
        mov     dx, 0x1CE
%macro DISPI 2
        mov     ax, %1
        out     dx, ax
        inc     dx
        mov     ax, %2
        out     dx, ax
        dec     dx
%endmacro
        DISPI   4, 0                    ; disable, then set 1024x768x32, enable with LFB
        DISPI   1, 1024
        DISPI   2, 768
        DISPI   3, 32
        DISPI   4, 0x41
        mov     ebp, ITERS
.l:     mov     edi, 0xE0000000
        mov     ecx, 1024 * 768
        mov     eax, ebp
        imul    eax, eax, 0x010305
        a32 rep stosd
        dec     ebp
        jnz     .l
%else
        mov     si, mode13
        call    set_regs
        mov     ax, 0xA000
        mov     es, ax
        mov     ebp, ITERS
.l:     xor     di, di
        mov     cx, 16000
        mov     eax, ebp
        imul    eax, eax, 0x01010101
        rep     stosd
        dec     ebp
        jnz     .l
%endif
        EXIT    0

        align   8
gdt:    dq      0
        dq      0x00CF92000000FFFF      ; data, base 0, limit 4 GiB
gdtr:   dw      15
        dd      0xF0000 + gdt

mode13: MODE_TABLE 0x63, {0x01, 0x0F, 0x00, 0x0E}, \
        {0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, \
         0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF}, \
        {0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF}, \
        {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, \
         0x41, 0x00, 0x0F, 0x00, 0x00}

        VGA_CODE
        ROM_END
