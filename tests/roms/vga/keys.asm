; keys.asm -- echo keyboard scan codes: IRQ1 reads port 0x60 and prints each code in hex on
; port 0xE9; the run ends (port 0xF4, status 1) after the release of Enter (9Ch).
; Used with --keys "aB1\n": the typing is a timed event of the board.
%include "vga.inc"

        ROM_START
        call    kbd_init
.wait:  sti
        hlt                             ; the CPU idles until the next key
        cli
        cmp     byte [V_LAST], 0x9C
        jne     .wait
        mov     al, 10
        out     0xE9, al
        EXIT    0

        VGA_CODE
        ROM_END
