; idle.asm -- an idle guest: the PIT at 100 Hz and a `sti; hlt; jmp` loop counting ticks.
; After 200 ticks (2 s of virtual time) it prints "idle: 200 ticks" and exits with 0. The
; test checks that this took about 2 s of host time (virtual time is paced to host time
; while the guest idles) and almost no host CPU (idle time is skipped, not spun).
;   nasm -f bin -I tests/roms/board/ -I tests/roms/ -o idle.rom idle.asm
%include "board.inc"

%define V_TICKS   (VARS + 0x00)
%define TICKS     200
%define COUNT     11932             ; 1193182 Hz / 100

        ROM_START
        STRAY_IVT
        SET_IVT 0x08, irq0
        mov     dword [V_TICKS], 0
        PIC_INIT
        mov     al, 0x34                ; counter 0, mode 2
        out     0x43, al
        mov     al, COUNT & 0xFF
        out     0x40, al
        mov     al, COUNT >> 8
        out     0x40, al
        mov     al, 0xFA                ; IRQ0 (and the cascade) unmasked
        out     0x21, al
idle:   sti
        hlt
        cmp     dword [V_TICKS], TICKS
        jb      idle
        cli
        mov     si, s_done
        call    h16_puts
        mov     al, 0
        out     0xF4, al
        hlt

s_done: db      "idle: 200 ticks", 10, 0

irq0:   push    ax
        inc     dword [ss:V_TICKS]
        mov     al, 0x20
        out     0x20, al
        pop     ax
        iret

        LIB_CODE
        BOARD_CODE
        ROM_END
