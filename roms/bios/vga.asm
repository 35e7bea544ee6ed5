; vga.asm -- the VGA hardware layer under INT 10h (int10.asm): register access, loading a
; mode's registers, the DAC palettes and fonts, drawing characters in the graphics modes and
; scrolling windows in every mode. Uses the definitions of int10.asm.

; crtc_write: CRTC register AL = AH.
crtc_write:
        push    dx
        mov     dx, 0x3D4
        out     dx, al
        inc     dx
        xchg    al, ah
        out     dx, al
        xchg    al, ah
        pop     dx
        ret

; gc_write: graphics controller register AL = AH.
gc_write:
        push    dx
        mov     dx, GC_ADDR
        out     dx, al
        inc     dx
        xchg    al, ah
        out     dx, al
        xchg    al, ah
        pop     dx
        ret

; seq_write: sequencer register AL = AH.
seq_write:
        push    dx
        mov     dx, SEQ_ADDR
        out     dx, al
        inc     dx
        xchg    al, ah
        out     dx, al
        xchg    al, ah
        pop     dx
        ret

; attr_write: attribute controller register AL = AH (the display stays enabled).
attr_write:
        push    dx
        push    ax
        mov     dx, STATUS1
        in      al, dx                  ; address/data flip-flop to "address"
        pop     ax
        push    ax
        mov     dx, ATTR_ADDR
        out     dx, al
        mov     al, ah
        out     dx, al
        mov     al, 0x20                ; palette address source: display on
        out     dx, al
        pop     ax
        pop     dx
        ret

; attr_read: AL = attribute controller register AL.
attr_read:
        push    dx
        push    ax
        mov     dx, STATUS1
        in      al, dx
        pop     ax
        mov     dx, ATTR_ADDR
        out     dx, al
        inc     dx
        in      al, dx
        push    ax
        mov     dx, STATUS1
        in      al, dx
        mov     dx, ATTR_ADDR
        mov     al, 0x20
        out     dx, al
        pop     ax
        pop     dx
        ret

; gfx_char: draw character AL in colour BL at row DH, column DL (graphics modes).
; Colour bit 7 in mode 12h: XOR with the screen.
gfx_char:
        pusha
        push    ds
        push    es
        push    0xA000
        pop     es
        mov     cl, al                  ; CL = character
        call    mode_type
        cmp     al, MT_LINEAR
        je      .linear
        ; Planar (12h): DI = row * charh * 80 + col.
        movzx   di, dl
        push    dx
        mov     al, dh
        mul     byte [BDA_VCHARH]
        mov     dx, 80
        mul     dx
        add     di, ax
        pop     dx
        mov     ch, [BDA_VCHARH]        ; CH = lines
        mov     ax, 0x0205              ; write mode 2
        call    gc_write
        xor     ah, ah
        test    bl, 0x80
        jz      .fn
        mov     ah, 0x18                ; function: XOR
.fn:    mov     al, 0x03
        call    gc_write
        mov     al, cl
        call    font_ptr
.pline: mov     ah, [si]                ; glyph bits
        mov     al, 0x08                ; bit mask
        call    gc_write
        mov     al, [es:di]             ; load the latches
        mov     [es:di], bl             ; the colour where the glyph is set
        test    bl, 0x80
        jnz     .pnext
        not     ah
        mov     al, 0x08
        call    gc_write
        mov     al, [es:di]
        mov     byte [es:di], 0         ; background 0 elsewhere
.pnext: inc     si
        add     di, 80
        dec     ch
        jnz     .pline
        mov     ax, 0xFF08
        call    gc_write
        mov     ax, 0x0005
        call    gc_write
        mov     ax, 0x0003
        call    gc_write
        jmp     .done
.linear:
        ; Mode 13h: DI = row * 8 * 320 + col * 8.
        movzx   di, dl
        shl     di, 3
        push    dx
        movzx   ax, dh
        mov     dx, 2560
        mul     dx
        add     di, ax
        pop     dx
        mov     al, cl
        call    font_ptr
        mov     ch, 8
.lline: mov     ah, [si]
        mov     cl, 8
.lpix:  xor     al, al
        shl     ah, 1
        jnc     .lput
        mov     al, bl
.lput:  stosb
        dec     cl
        jnz     .lpix
        inc     si
        add     di, 320 - 8
        dec     ch
        jnz     .lline
.done:  pop     es
        pop     ds
        popa
        ret

; --- Scrolling ---------------------------------------------------------------------------
; do_scroll: the window CH,CL (top row, left column) .. DH,DL (bottom, right) of the active
; page moves AL lines (0: clear it) up (BL = 0) or down (BL = 1); new lines get BH.
%define S_N     byte [bp - 1]
%define S_W     byte [bp - 2]
%define S_TOP   byte [bp - 3]
%define S_BOT   byte [bp - 4]
%define S_LEFT  byte [bp - 5]
%define S_ATTR  byte [bp - 6]
%define S_TYPE  byte [bp - 7]
do_scroll:
        pusha
        push    bp
        mov     bp, sp
        sub     sp, 8
        mov     ah, [BDA_VROWS]
        cmp     dh, ah
        jbe     .rows_ok
        mov     dh, ah
.rows_ok:
        mov     ah, [BDA_VCOLS]
        dec     ah
        cmp     dl, ah
        jbe     .cols_ok
        mov     dl, ah
.cols_ok:
        cmp     ch, dh
        ja      .done
        cmp     cl, dl
        ja      .done
        mov     ah, dh
        sub     ah, ch
        inc     ah                      ; AH = height
        test    al, al
        jz      .all
        cmp     al, ah
        jbe     .n_ok
.all:   mov     al, ah
.n_ok:  mov     S_N, al
        mov     S_TOP, ch
        mov     S_BOT, dh
        mov     S_LEFT, cl
        mov     S_ATTR, bh
        mov     al, dl
        sub     al, cl
        inc     al
        mov     S_W, al
        call    mode_type
        mov     S_TYPE, al
        test    bl, bl
        jnz     .down
        ; Up: row r takes row r + n, the last n rows are filled.
        mov     dl, S_TOP               ; DL = r
.up:    cmp     dl, S_BOT
        ja      .done
        mov     al, dl
        add     al, S_N
        jc      .up_fill
        cmp     al, S_BOT
        ja      .up_fill
        mov     ah, al                  ; source row
        mov     al, dl
        call    row_copy
        jmp     .up_next
.up_fill:
        mov     al, dl
        call    row_fill
.up_next:
        inc     dl
        jmp     .up
.down:  ; Down: row r takes row r - n, the first n rows are filled.
        mov     dl, S_BOT
.dn:    cmp     dl, S_TOP
        jb      .done
        cmp     dl, 0xFF
        je      .done
        mov     al, dl
        sub     al, S_N
        jc      .dn_fill
        cmp     al, S_TOP
        jb      .dn_fill
        mov     ah, al
        mov     al, dl
        call    row_copy
        jmp     .dn_next
.dn_fill:
        mov     al, dl
        call    row_fill
.dn_next:
        test    dl, dl
        jz      .done
        dec     dl
        jmp     .dn
.done:  mov     sp, bp
        pop     bp
        popa
        ret

; row_copy: within do_scroll's frame, copy character row AH to row AL (window columns).
row_copy:
        pusha
        push    ds
        push    es
        cmp     S_TYPE, MT_TEXT
        jne     .gfx
        push    ax
        call    .text_off               ; DI = destination row AL
        mov     bx, di
        pop     ax
        mov     al, ah
        call    .text_off               ; DI = source row AH
        mov     si, di
        mov     di, bx
        movzx   cx, S_W
        push    0xB800
        pop     es
        push    es
        pop     ds
        rep     movsw
        jmp     .done
.text_off:
        ; DI = active page start + (AL * cols + left) * 2
        push    ax
        mul     byte [BDA_VCOLS]
        add     al, S_LEFT
        adc     ah, 0
        shl     ax, 1
        add     ax, [BDA_VPAGESTART]
        mov     di, ax
        pop     ax
        ret
.gfx:   cmp     S_TYPE, MT_LINEAR
        jne     .planar
        ; 13h: 8 lines of width * 8 bytes, 320 apart.
        push    ax
        movzx   ax, ah
        mov     dx, 2560
        mul     dx
        movzx   si, S_LEFT
        shl     si, 3
        add     si, ax
        pop     ax
        movzx   ax, al
        mov     dx, 2560
        mul     dx
        movzx   di, S_LEFT
        shl     di, 3
        add     di, ax
        mov     bx, 8
        movzx   dx, S_W
        shl     dx, 3
        push    0xA000
        pop     es
        push    es
        pop     ds
.lline: mov     cx, dx
        rep     movsb
        sub     si, dx
        sub     di, dx
        add     si, 320
        add     di, 320
        dec     bx
        jnz     .lline
        jmp     .done
.planar:
        ; 12h: charh lines of width bytes, 80 apart, copied through the latches.
        movzx   bx, byte [BDA_VCHARH]
        push    ax
        mov     al, ah
        mul     bl
        mov     dx, 80
        mul     dx
        movzx   si, S_LEFT
        add     si, ax
        pop     ax
        mul     bl
        mov     dx, 80
        mul     dx
        movzx   di, S_LEFT
        add     di, ax
        movzx   dx, S_W
        mov     ax, 0x0105              ; write mode 1: latches
        call    gc_write
        push    0xA000
        pop     es
        push    es
        pop     ds
.pline: mov     cx, dx
        rep     movsb
        sub     si, dx
        sub     di, dx
        add     si, 80
        add     di, 80
        dec     bx
        jnz     .pline
        mov     ax, 0x0005
        call    gc_write
.done:  pop     es
        pop     ds
        popa
        ret

; row_fill: within do_scroll's frame, fill character row AL (window columns) with S_ATTR.
row_fill:
        pusha
        push    es
        cmp     S_TYPE, MT_TEXT
        jne     .gfx
        mul     byte [BDA_VCOLS]
        add     al, S_LEFT
        adc     ah, 0
        shl     ax, 1
        add     ax, [BDA_VPAGESTART]
        mov     di, ax
        mov     ah, S_ATTR
        mov     al, ' '
        movzx   cx, S_W
        push    0xB800
        pop     es
        rep     stosw
        jmp     .done
.gfx:   push    0xA000
        pop     es
        cmp     S_TYPE, MT_LINEAR
        jne     .planar
        movzx   ax, al
        mov     dx, 2560
        mul     dx
        movzx   di, S_LEFT
        shl     di, 3
        add     di, ax
        mov     bx, 8
        movzx   dx, S_W
        shl     dx, 3
        mov     al, S_ATTR
.lline: mov     cx, dx
        rep     stosb
        sub     di, dx
        add     di, 320
        dec     bx
        jnz     .lline
        jmp     .done
.planar:
        movzx   bx, byte [BDA_VCHARH]
        mul     bl
        mov     dx, 80
        mul     dx
        movzx   di, S_LEFT
        add     di, ax
        mov     ah, S_ATTR
        and     ah, 0x0F
        mov     al, 0x00                ; set/reset = the colour
        call    gc_write
        mov     ax, 0x0F01              ; enable set/reset on all planes
        call    gc_write
        movzx   dx, S_W
.pline: mov     cx, dx
        rep     stosb
        sub     di, dx
        add     di, 80
        dec     bx
        jnz     .pline
        mov     ax, 0x0001
        call    gc_write
        mov     ax, 0x0000
        call    gc_write
.done:  pop     es
        popa
        ret

; vga_program: load every register of the mode entry at CS:SI.
vga_program:
        pusha
        mov     dx, STATUS1
        in      al, dx
        mov     dx, ATTR_ADDR
        xor     al, al                  ; blank while reprogramming
        out     dx, al
        mov     ax, 0x0100              ; sequencer synchronous reset
        call    seq_write
        mov     dx, 0x3C2
        mov     al, [cs:si + M_MISC]
        out     dx, al
        mov     bx, 1
.seq:   mov     al, bl
        mov     ah, [cs:si + M_SEQ - 1 + bx]
        call    seq_write
        inc     bx
        cmp     bx, 4
        jbe     .seq
        mov     ax, 0x0300              ; end of reset
        call    seq_write
        mov     al, 0x11                ; unlock CRTC 0-7
        mov     dx, 0x3D4
        out     dx, al
        inc     dx
        in      al, dx
        and     al, 0x7F
        out     dx, al
        xor     bx, bx
.crtc:  mov     al, bl
        mov     ah, [cs:si + M_CRTC + bx]
        call    crtc_write
        inc     bx
        cmp     bx, 0x18
        jbe     .crtc
        xor     bx, bx
        mov     dx, STATUS1
        in      al, dx
        mov     dx, ATTR_ADDR
.attr:  mov     al, bl
        out     dx, al
        mov     al, [cs:si + M_ATTR + bx]
        out     dx, al
        inc     bx
        cmp     bx, 0x13
        jbe     .attr
        mov     al, 0x14                ; colour select
        out     dx, al
        xor     al, al
        out     dx, al
        xor     bx, bx
.gc:    mov     al, bl
        mov     ah, [cs:si + M_GC + bx]
        call    gc_write
        inc     bx
        cmp     bx, 8
        jbe     .gc
        mov     dx, PEL_MASK
        mov     al, 0xFF
        out     dx, al
        mov     dx, STATUS1
        in      al, dx
        mov     dx, ATTR_ADDR
        mov     al, 0x20                ; display on
        out     dx, al
        popa
        ret

; ega_out: the three DAC values of EGA colour BL (bits: 0 b, 1 g, 2 r, 3 B, 4 G, 5 R) to DX.
ega_out:
        push    ax
        mov     ah, 0x04                ; red: 2Ah from bit 2, 15h from bit 5
        call    .comp
        mov     ah, 0x02
        call    .comp
        mov     ah, 0x01
        call    .comp
        pop     ax
        ret
.comp:  xor     al, al
        test    bl, ah
        jz      .lo
        add     al, 0x2A
.lo:    shl     ah, 3
        test    bl, ah
        jz      .out
        add     al, 0x15
.out:   out     dx, al
        ret

; load_dac_ega: DAC 0-63 = the 64 EGA colours, 64-255 black.
load_dac_ega:
        pusha
        mov     dx, DAC_WRITE
        xor     al, al
        out     dx, al
        inc     dx
        xor     bl, bl
.c:     call    ega_out
        inc     bl
        cmp     bl, 64
        jb      .c
        mov     cx, 192 * 3
        xor     al, al
.z:     out     dx, al
        loop    .z
        popa
        ret

; load_dac_256: the default VGA palette of mode 13h: the 16 colours, 16 greys, 216 colours
; (3 intensities x 3 saturations x 24 hues), 8 black.
load_dac_256:
        pusha
        mov     dx, DAC_WRITE
        xor     al, al
        out     dx, al
        inc     dx
        xor     si, si
.c16:   mov     bl, [cs:attr_palette + si]
        call    ega_out
        inc     si
        cmp     si, 16
        jb      .c16
        xor     si, si
.grey:  mov     al, [cs:dac_greys + si]
        out     dx, al
        out     dx, al
        out     dx, al
        inc     si
        cmp     si, 16
        jb      .grey
        xor     bx, bx                  ; BX = level set * 5
.set:   xor     si, si                  ; SI = hue * 3
.hue:   mov     cx, 3
.comp:  push    bx
        movzx   di, byte [cs:dac_hues + si]
        add     bx, di
        mov     al, [cs:dac_levels + bx]
        pop     bx
        out     dx, al
        inc     si
        loop    .comp
        cmp     si, 24 * 3
        jb      .hue
        add     bx, 5
        cmp     bx, 9 * 5
        jb      .set
        mov     cx, 8 * 3
        xor     al, al
.z:     out     dx, al
        loop    .z
        popa
        ret

; load_font: CX characters of BH bytes from DS:SI into font block BL of plane 2, from
; character DX. The caller's text mode registers are restored afterwards.
load_font:
        pusha
        push    es
        mov     ax, 0x0402              ; map mask: plane 2
        call    seq_write
        mov     ax, 0x0704              ; memory mode: extended, sequential
        call    seq_write
        mov     ax, 0x0204              ; read map 2
        call    gc_write
        mov     ax, 0x0005              ; write mode 0
        call    gc_write
        mov     ax, 0x0406              ; A0000, 64 KiB, no odd/even
        call    gc_write
        push    0xA000
        pop     es
        ; DI = block offset + DX * 32; blocks 0-3 at 16 KiB steps, 4-7 8 KiB above them.
        movzx   di, bl
        and     di, 3
        shl     di, 14
        test    bl, 4
        jz      .blk
        add     di, 0x2000
.blk:   shl     dx, 5
        add     di, dx
        movzx   ax, bh
.ch:    push    cx
        mov     cx, ax
        rep     movsb
        mov     cx, 32
        sub     cx, ax
        jbe     .full
        push    ax
        xor     al, al
        rep     stosb
        pop     ax
.full:  pop     cx
        loop    .ch
        mov     ax, 0x0302              ; map mask: planes 0 and 1
        call    seq_write
        mov     ax, 0x0204              ; memory mode: odd/even
        call    seq_write
        mov     ax, 0x0004              ; read map 0
        call    gc_write
        mov     ax, 0x1005              ; odd/even
        call    gc_write
        mov     ax, 0x0E06              ; B8000, 32 KiB, odd/even
        call    gc_write
        pop     es
        popa
        ret

; planar_pixel: CX = column, DX = row -> DI = byte offset, AH = bit mask (mode 12h).
planar_pixel:
        push    cx
        push    dx
        mov     ax, 80
        mul     dx
        mov     di, cx
        shr     di, 3
        add     di, ax
        and     cl, 7
        mov     ah, 0x80
        shr     ah, cl
        pop     dx
        pop     cx
        ret

