; mode13.asm -- mode 13h (320x200, 256 colours, chain 4) set up from scratch, with an RGB332
; palette (bits 7-5 red, 4-2 green, 1-0 blue) and a known picture: an x XOR y texture,
; red, green, blue and grey rectangles, a white border and a white diagonal.
; Compared with tests/golden/mode13.png.
%include "vga.inc"

        ROM_START
        mov     si, mode13
        call    set_regs
        ; DAC: RGB332, each field widened to 6 bits.
        mov     dx, 0x3C8
        xor     al, al
        out     dx, al
        inc     dx
        xor     bx, bx
.pal:   mov     al, bl                  ; red: bits 7-5
        and     al, 0xE0
        shr     al, 2
        mov     ah, al
        shr     ah, 3
        or      al, ah
        out     dx, al
        mov     al, bl                  ; green: bits 4-2
        and     al, 0x1C
        shl     al, 1
        mov     ah, al
        shr     ah, 3
        or      al, ah
        out     dx, al
        mov     al, bl                  ; blue: bits 1-0, times 21
        and     al, 3
        mov     ah, 21
        mul     ah
        out     dx, al
        inc     bx
        cmp     bx, 256
        jb      .pal
        mov     ax, 0xA000
        mov     es, ax
        ; Background: pixel (x, y) = x XOR y.
        xor     di, di
        xor     dx, dx                  ; y
.row:   xor     cx, cx                  ; x
.px:    mov     al, cl
        xor     al, dl
        stosb
        inc     cx
        cmp     cx, 320
        jb      .px
        inc     dx
        cmp     dx, 200
        jb      .row
        ; Rectangles: BX = x, DX = y, SI = width, BP = height, AL = colour.
        mov     al, 0xE0
        mov     bx, 20
        mov     dx, 20
        mov     si, 60
        mov     bp, 40
        call    rect
        mov     al, 0x1C
        mov     bx, 100
        call    rect
        mov     al, 0x03
        mov     bx, 180
        call    rect
        mov     al, 0x92                ; grey-ish (4, 4, 2)
        mov     bx, 250
        mov     si, 50
        mov     dx, 120
        mov     bp, 60
        call    rect
        ; Border: rows 0 and 199, columns 0 and 319, colour FFh.
        mov     al, 0xFF
        xor     di, di
        mov     cx, 320
        rep     stosb
        mov     di, 199 * 320
        mov     cx, 320
        rep     stosb
        xor     di, di
        mov     cx, 200
.side:  mov     [es:di], al
        mov     [es:di + 319], al
        add     di, 320
        loop    .side
        ; Diagonal from (0, 0) to (199, 199).
        xor     di, di
        mov     cx, 200
.diag:  mov     [es:di], al
        add     di, 321
        loop    .diag
        EXIT    0

rect:   push    dx
        push    bp
.r:     push    ax
        mov     ax, 320
        push    dx
        mul     dx
        pop     dx
        add     ax, bx
        mov     di, ax
        pop     ax
        mov     cx, si
        rep     stosb
        inc     dx
        dec     bp
        jnz     .r
        pop     bp
        pop     dx
        ret

mode13: MODE_TABLE 0x63, {0x01, 0x0F, 0x00, 0x0E}, \
        {0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, \
         0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF}, \
        {0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF}, \
        {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, \
         0x41, 0x00, 0x0F, 0x00, 0x00}

        VGA_CODE
        ROM_END
