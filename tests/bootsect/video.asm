; video.asm -- INT 10h graphics: mode 13h and 12h set, pixels written and read back (0Ch,
; 0Dh), teletype text in colour, scrolling, a DAC register read (1015h), then text mode 03h
; again with a window scrolled (06h) and a string written (13h).
; Built with -DFINAL_MODE_12 or -DFINAL_MODE_13 it stops in that mode after scrolling
; text through it, for a look at the screen.

%include "lib.inc"
        BOOT_END

main:
        mov     ax, 0x0013
        int     0x10
        mov     ah, 0x0F
        int     0x10
        PRINT   "m13 ax="
        HEX16   ax
        call    nl
        mov     ax, 0x0C2A              ; pixel (100, 50) = 2Ah
        xor     bh, bh
        mov     cx, 100
        mov     dx, 50
        int     0x10
        mov     ah, 0x0D
        int     0x10
        PRINT   "px13 al="
        HEX8    al
        call    nl
        mov     ax, 0x1015              ; DAC register 2Ah of the default palette
        mov     bx, 0x002A
        int     0x10
        PRINT   "dac dh="
        HEX8    dh
        PRINT   " ch="
        HEX8    ch
        PRINT   " cl="
        HEX8    cl
        call    nl
        mov     ax, 0x0E41
        mov     bl, 0x0E
        int     0x10
        call    nl                      ; the "A" was copied to port E9h too
%ifdef FINAL_MODE_13
        mov     cx, 30
.l13:   mov     si, gfx_text
        call    tty_str
        loop    .l13
        EXIT    0
%endif

        mov     ax, 0x0012
        int     0x10
        mov     ah, 0x0F
        int     0x10
        PRINT   "m12 ax="
        HEX16   ax
        call    nl
        mov     ax, 0x0C0C              ; pixel (321, 200) = colour 12
        xor     bh, bh
        mov     cx, 321
        mov     dx, 200
        int     0x10
        mov     ah, 0x0D
        int     0x10
        PRINT   "px12 al="
        HEX8    al
        call    nl
        mov     ah, 0x0D                ; its neighbour is still 0
        mov     cx, 322
        int     0x10
        PRINT   "px12n al="
        HEX8    al
        call    nl
%ifdef FINAL_MODE_12
        mov     cx, 40
.lines: mov     si, gfx_text
        call    tty_str
        loop    .lines
        EXIT    0
%endif
        mov     ax, 0x0003
        int     0x10
        mov     si, text
        call    tty_str
        ; A window scrolled up one line, filled with attribute 1Fh.
        mov     ax, 0x0601
        mov     bh, 0x1F
        mov     cx, 0x0A0A
        mov     dx, 0x0C20
        int     0x10
        ; A string with attributes at row 20.
        mov     ax, 0x1303
        xor     bh, bh
        mov     cx, 3
        mov     dx, 0x1400
        push    cs
        pop     es
        mov     bp, attr_str
        int     0x10
        call    nl
        mov     ah, 0x03
        xor     bh, bh
        int     0x10
        PRINT   "after 13h dx="
        HEX16   dx
        call    nl
        EXIT    0

tty_str:
        push    ax
        push    bx
.l:     lodsb
        test    al, al
        jz      .e
        mov     ah, 0x0E
        mov     bl, 0x0A
        int     0x10
        jmp     .l
.e:     pop     bx
        pop     ax
        ret

text:   db      "Text mode again", 13, 10, 0
gfx_text:
        db      "Graphics teletype, scrolling", 13, 10, 0
attr_str:
        db      'R', 0x4F, 'G', 0x2F, 'B', 0x1F
        PROGRAM_END
