; keys.asm -- INT 16h: reads the keys the test types (AH=00h and 10h), peeks (01h, 11h),
; stores a key (05h), reads the shift flags (02h, 12h).

%include "lib.inc"
        BOOT_END

main:
        PRINT   "ready"
        call    nl
        mov     cx, 6                   ; six keys with AH=00h
.std:   xor     ah, ah
        int     0x16
        PRINT   "key ax="
        HEX16   ax
        call    nl
        loop    .std
        mov     ah, 0x10                ; one with AH=10h: the grey key keeps its E0h
        int     0x16
        PRINT   "key10 ax="
        HEX16   ax
        call    nl

        mov     ah, 0x01                ; nothing left
        int     0x16
        setz    al
        PRINT   "peek zf="
        HEX8    al
        call    nl
        mov     ah, 0x05
        mov     cx, 0x3B00              ; F1
        int     0x16
        PRINT   "store al="
        HEX8    al
        call    nl
        mov     ah, 0x11
        int     0x16
        setz    bl
        PRINT   "peek11 zf="
        HEX8    bl
        PRINT   " ax="
        HEX16   ax
        call    nl
        xor     ah, ah
        int     0x16
        PRINT   "key ax="
        HEX16   ax
        call    nl
        mov     ah, 0x02
        int     0x16
        PRINT   "shift al="
        HEX8    al
        call    nl
        mov     ah, 0x12
        int     0x16
        PRINT   "shift12 ax="
        HEX16   ax
        call    nl
        EXIT    0
        PROGRAM_END
