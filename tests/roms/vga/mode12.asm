; mode12.asm -- mode 12h (640x480, 16 colours, planar) set up from scratch with the EGA
; palette, drawn with the graphics controller's write modes:
;   rows   0-199  16 vertical bars, 40 pixels each, colour = bar number (write mode 2);
;   rows 200-239  plane stripes: map mask 1 gets AAh, map mask 4 gets CCh (write mode 0);
;   rows 240-479  a checkerboard of 16x16 squares, colour (x/16 + y/16) & 15 (set/reset);
;                 a white diagonal drawn pixel by pixel with the bit mask over the latches;
;   rows 460-479  then overwritten by a copy of rows 0-19 through the latches (write mode 1).
; Compared with tests/golden/mode12.png.
%include "vga.inc"

        ROM_START
        mov     si, mode12
        call    set_regs
        call    ega_palette
        mov     ax, 0xA000
        mov     es, ax
        ; Bars: write mode 2, every bit of the byte drawn.
        OUTW    0x3CE, 0x05, 0x02
        OUTW    0x3CE, 0x08, 0xFF
        xor     di, di
        mov     bp, 200
.brow:  xor     bl, bl                  ; colour
.bar:   mov     al, bl
        mov     cx, 5
        rep     stosb
        inc     bl
        cmp     bl, 16
        jb      .bar
        dec     bp
        jnz     .brow
        ; Plane stripes: write mode 0, no set/reset, one plane at a time.
        OUTW    0x3CE, 0x05, 0x00
        OUTW    0x3C4, 0x02, 0x01
        mov     di, 200 * 80
        mov     al, 0xAA
        mov     cx, 40 * 80
        rep     stosb
        OUTW    0x3C4, 0x02, 0x04
        mov     di, 200 * 80
        mov     al, 0xCC
        mov     cx, 40 * 80
        rep     stosb
        OUTW    0x3C4, 0x02, 0x0F
        ; Checkerboard: set/reset on all planes, colour changes every 2 bytes.
        OUTW    0x3CE, 0x01, 0x0F
        mov     di, 240 * 80
        mov     dx, 240                 ; y
.crow:  xor     cx, cx                  ; byte column 0..79
.cb:    mov     ax, cx                  ; colour = (x/16 + y/16) & 15 = (col/2 + y/16) & 15
        shr     ax, 1
        mov     bx, dx
        shr     bx, 4
        add     ax, bx
        and     al, 15
        mov     ah, al
        push    dx
        mov     dx, 0x3CE
        xor     al, al                  ; set/reset register
        out     dx, ax
        pop     dx
        mov     byte [es:di], 0         ; the value is ignored: set/reset drives all planes
        inc     di
        inc     cx
        cmp     cx, 80
        jb      .cb
        inc     dx
        cmp     dx, 480
        jb      .crow
        ; Diagonal: white, pixel by pixel, from (100, 240) to (339, 479): bit mask selects
        ; the pixel, a read first loads the latches so the other 7 pixels are kept.
        OUTW    0x3CE, 0x00, 0x0F
        mov     dx, 240                 ; y
        mov     bx, 100                 ; x
.diag:  mov     ax, dx
        mov     cx, 80
        push    dx
        mul     cx
        pop     dx
        mov     di, bx
        shr     di, 3
        add     di, ax
        mov     cl, bl
        and     cl, 7
        mov     ah, 0x80
        shr     ah, cl
        push    dx
        mov     dx, 0x3CE
        mov     al, 0x08
        out     dx, ax
        pop     dx
        mov     al, [es:di]             ; load the latches
        mov     [es:di], al             ; write: set/reset where the mask allows
        inc     bx
        inc     dx
        cmp     dx, 480
        jb      .diag
        OUTW    0x3CE, 0x08, 0xFF
        OUTW    0x3CE, 0x01, 0x00
        ; Latch copy: rows 0-19 to rows 460-479 with write mode 1.
        OUTW    0x3CE, 0x05, 0x01
        push    ds
        mov     ax, 0xA000
        mov     ds, ax
        xor     si, si
        mov     di, 460 * 80
        mov     cx, 20 * 80
        rep     movsb
        pop     ds
        OUTW    0x3CE, 0x05, 0x00
        EXIT    0

mode12: MODE_TABLE 0xE3, {0x01, 0x0F, 0x00, 0x06}, \
        {0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, \
         0x00, 0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF}, \
        {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF}, \
        {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, \
         0x01, 0x00, 0x0F, 0x00, 0x00}

        VGA_CODE
        ROM_END
