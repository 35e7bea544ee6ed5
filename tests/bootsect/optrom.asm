; optrom.asm -- the POST's option-ROM scan. First boot: copy a 512-byte option ROM (55AAh,
; size 1, checksum 0, init at offset 3) into the RAM at C0000 and reset the machine through
; port 92h; RAM survives the reset, so the next POST finds the ROM and far-calls its init,
; which prints a line. Second boot: the ROM is there, say so and end the run.

%include "lib.inc"
        BOOT_END

main:
        push    ds
        push    0xC000
        pop     ds
        cmp     word [0], 0xAA55
        pop     ds
        je      .second
        PRINT   "first boot: installing the option ROM"
        call    nl
        push    0xC000
        pop     es
        xor     di, di
        mov     si, rom
        mov     cx, 512
        rep     movsb
        xor     si, si                  ; checksum: the last byte makes the sum 0
        xor     al, al
        mov     cx, 511
.sum:   add     al, [es:si]
        inc     si
        loop    .sum
        neg     al
        mov     [es:511], al
        in      al, 0x92                ; fast reset
        or      al, 1
        out     0x92, al
        cli
        hlt
.second:
        PRINT   "second boot: the ROM was called before this"
        call    nl
        EXIT    0

; Print a string from immediates (the ROM code runs at C000:0003, not where it was built).
%macro ROM_OUT 1
%strlen n %1
%assign i 1
%rep n
%substr c %1 i
        mov     al, c
        out     0xE9, al
%assign i i + 1
%endrep
%endmacro

rom:    db      0x55, 0xAA, 1
        push    ax
        ROM_OUT "option ROM init"
        mov     al, 10
        out     0xE9, al
        pop     ax
        retf
        times   512 - ($ - rom) db 0
        PROGRAM_END
