; int10.asm -- INT 10h video services for the VGA.
;
; Modes: 00h/01h (40x25 text), 02h/03h (80x25 text, 16 colours, 8 pages), 12h (640x480,
; 16 colours, planar) and 13h (320x200, 256 colours). A mode set programs every register
; from vgatables.inc, loads the DAC, clears the memory (unless AL bit 7), loads the 8x16 font
; into plane 2 (text modes) and fills the video fields of the BIOS data area.
;
; Teletype output (AH=0Eh) and write string (AH=13h) also copy each character to the debug
; console, port E9h, so that a run without a screen still shows what the guest prints.
;
; Not implemented (the call returns with nothing changed): CGA modes 04h-06h, EGA modes
; 0Dh-10h, mode 11h, the monochrome mode 07h, AH=1Bh/1Ch state functions. There is no
; 8x14 font: requests for it get the 8x16 font.
;
; AH=4Fh, the VESA BIOS Extensions, is vbe.asm.

; The caller's registers, saved by the entry (BP points at them).
%define V_DI    0
%define V_SI    2
%define V_BP    4
%define V_BX    8
%define V_DX    10
%define V_CX    12
%define V_AX    14
%define V_ES    16
%define V_DS    18

; Fields of a mode entry (vgatables.inc).
%define M_MODE  0
%define M_TYPE  1               ; MT_TEXT, MT_PLANAR, MT_LINEAR
%define M_COLS  2
%define M_ROWS  3
%define M_CHARH 4
%define M_PAGESZ 5
%define M_SEG   7
%define M_MISC  9
%define M_SEQ   10              ; sequencer 1-4
%define M_CRTC  14              ; CRTC 00-18h
%define M_ATTR  39              ; attribute 00-13h
%define M_GC    59              ; graphics controller 0-8
%define M_SIZE  68

%define MT_TEXT   0
%define MT_PLANAR 1
%define MT_LINEAR 2

%define SEQ_ADDR  0x3C4
%define GC_ADDR   0x3CE
%define ATTR_ADDR 0x3C0
%define STATUS1   0x3DA
%define DAC_WRITE 0x3C8
%define DAC_READ  0x3C7
%define DAC_DATA  0x3C9
%define PEL_MASK  0x3C6

int10:
        sti
        cld
        push    ds
        push    es
        pusha
        mov     bp, sp
        push    BDA_SEG
        pop     ds
        cmp     ah, 0x4F                ; VESA BIOS Extensions (vbe.asm)
        jne     .vga
        call    vbe_dispatch
        jmp     v_return
.vga:   cmp     ah, 0x1A
        ja      v_return
        movzx   si, ah
        shl     si, 1
        call    [cs:v_funcs + si]
v_return:
        popa
        pop     es
        pop     ds
        iret

v_funcs:
        dw      v_set_mode, v_cursor_shape, v_set_cursor, v_get_cursor     ; 00-03
        dw      v_nop, v_set_page, v_scroll_up, v_scroll_down              ; 04-07
        dw      v_read_char, v_write_char_attr, v_write_char, v_nop        ; 08-0B
        dw      v_write_pixel, v_read_pixel, v_teletype, v_get_mode        ; 0C-0F
        dw      v_palette, v_font, v_alt_select, v_write_string            ; 10-13
        dw      v_nop, v_nop, v_nop, v_nop, v_nop, v_nop                   ; 14-19
        dw      v_dcc                                                      ; 1A

v_nop:  ret

; --- Helpers -----------------------------------------------------------------------------

; cur_mode: SI = the entry of the current mode (CF = 1 if the mode is not in the table).
cur_mode:
        push    ax
        mov     al, [BDA_VMODE]
        call    find_mode
        pop     ax
        ret

; find_mode: AL = mode -> SI = its entry, CF = 1 if there is none.
find_mode:
        mov     si, vga_modes
.next:  cmp     byte [cs:si], 0xFF
        je      .none
        cmp     [cs:si + M_MODE], al
        je      .found
        add     si, M_SIZE
        jmp     .next
.none:  stc
        ret
.found: clc
        ret

; mode_type: AL = type of the current mode (MT_TEXT if unknown).
mode_type:
        push    si
        call    cur_mode
        mov     al, MT_TEXT
        jc      .t
        mov     al, [cs:si + M_TYPE]
.t:     pop     si
        ret

; update_cursor: the CRTC cursor location from the active page's BDA cursor position.
update_cursor:
        push    ax
        push    bx
        push    dx
        movzx   bx, byte [BDA_VPAGE]
        shl     bx, 1
        mov     dx, [BDA_CURPOS + bx]
        mov     al, dh
        mul     byte [BDA_VCOLS]
        add     al, dl
        adc     ah, 0
        mov     bx, [BDA_VPAGESTART]
        shr     bx, 1
        add     bx, ax
        mov     al, 0x0E
        mov     ah, bh
        call    crtc_write
        mov     al, 0x0F
        mov     ah, bl
        call    crtc_write
        pop     dx
        pop     bx
        pop     ax
        ret

; text_addr: DI = offset in B800 of page BH, row DH, column DL.
text_addr:
        push    ax
        push    dx
        movzx   ax, bh
        mul     word [BDA_VPAGESIZE]
        mov     di, ax
        pop     dx
        push    dx
        mov     al, dh
        mul     byte [BDA_VCOLS]
        add     al, dl
        adc     ah, 0
        shl     ax, 1
        add     di, ax
        pop     dx
        pop     ax
        ret

; font_ptr: DS:SI = the glyph of character AL in the INT 43h font (BDA character height).
; Expects DS = BDA; changes DS.
font_ptr:
        push    ax
        push    dx
        push    es
        xor     si, si
        mov     es, si
        mov     dx, [BDA_VCHARH]
        xor     ah, ah
        mul     dx
        mov     si, [es:0x43 * 4]
        add     si, ax
        mov     ds, [es:0x43 * 4 + 2]
        pop     es
        pop     dx
        pop     ax
        ret

; put_chars: character AL, CX times, from row DH column DL of page BH; AH = 1: with
; attribute BL, 0: keep the attribute (text modes). Graphics modes draw with colour BL.
put_chars:
        pusha
        push    es
        jcxz    .done
        push    ax
        call    mode_type
        cmp     al, MT_TEXT
        pop     ax
        jne     .gfx
        push    0xB800
        pop     es
        call    text_addr
.t:     stosb
        test    ah, ah
        jz      .keep
        mov     [es:di], bl
.keep:  inc     di
        loop    .t
        jmp     .done
.gfx:   call    gfx_char
        inc     dl
        cmp     dl, [BDA_VCOLS]
        jb      .gnext
        xor     dl, dl
        inc     dh
        cmp     dh, [BDA_VROWS]
        ja      .done
.gnext: loop    .gfx
.done:  pop     es
        popa
        ret

; tty: teletype character AL on page BH: BEL, BS, LF, CR act; other characters are
; written (attribute BL if AH = 1, else kept; colour BL in graphics modes), the cursor
; advances, wraps and the page scrolls up at the bottom.
tty:
        pusha
        movzx   si, bh
        shl     si, 1
        mov     dx, [BDA_CURPOS + si]
        cmp     al, 7
        je      .done
        cmp     al, 8
        je      .bs
        cmp     al, 10
        je      .lf
        cmp     al, 13
        je      .cr
        mov     cx, 1
        call    put_chars
        inc     dl
        cmp     dl, [BDA_VCOLS]
        jb      .set
        xor     dl, dl
.lf:    inc     dh
        cmp     dh, [BDA_VROWS]
        jbe     .set
        mov     dh, [BDA_VROWS]
        ; Scroll the page up one line; a text page's new line takes the attribute under
        ; the cursor, a graphics screen's is colour 0.
        push    dx
        xor     cx, cx                  ; attribute 0 unless text
        push    ax
        call    mode_type
        cmp     al, MT_TEXT
        pop     ax
        jne     .scroll
        push    es
        push    0xB800
        pop     es
        call    text_addr
        mov     ch, [es:di + 1]
        pop     es
.scroll:
        mov     bh, ch                  ; BH = fill attribute
        mov     al, 1
        xor     cx, cx
        mov     dh, [BDA_VROWS]
        mov     dl, [BDA_VCOLS]
        dec     dl
        xor     bl, bl                  ; up
        call    do_scroll
        pop     dx
        jmp     .set
.bs:    test    dl, dl
        jz      .set
        dec     dl
        jmp     .set
.cr:    xor     dl, dl
.set:   mov     [BDA_CURPOS + si], dx
        shr     si, 1
        mov     ax, si
        cmp     al, [BDA_VPAGE]
        jne     .done
        call    update_cursor
.done:  popa
        ret

; --- AH=00h: set video mode AL (bit 7: keep the memory) ------------------------------------
v_set_mode:
        mov     ah, al
        and     al, 0x7F
        call    find_mode
        jc      .ret
        call    vbe_off                 ; leave any VBE mode (vbe.asm)
        mov     [BDA_VMODE], al
        and     ah, 0x80
        or      ah, 0x60                ; 256 KiB of video memory; cursor emulation on
        mov     [BDA_VEGAINFO], ah
        and     byte [BDA_EQUIP], 0xCF
        or      byte [BDA_EQUIP], 0x20  ; 80x25 colour
        call    vga_program
        cmp     byte [cs:si + M_TYPE], MT_LINEAR
        jne     .ega
        call    load_dac_256
        jmp     .clear
.ega:   call    load_dac_ega
.clear: test    byte [BDA_VEGAINFO], 0x80
        jnz     .bda
        push    es
        mov     es, [cs:si + M_SEG]
        xor     di, di
        mov     cx, 0x8000
        xor     ax, ax
        cmp     byte [cs:si + M_TYPE], MT_TEXT
        jne     .fill
        mov     cx, 0x4000
        mov     ax, 0x0720
.fill:  rep     stosw
        pop     es
.bda:   movzx   ax, byte [cs:si + M_COLS]
        mov     [BDA_VCOLS], ax
        mov     al, [cs:si + M_ROWS]
        dec     al
        mov     [BDA_VROWS], al
        movzx   ax, byte [cs:si + M_CHARH]
        mov     [BDA_VCHARH], ax
        mov     ax, [cs:si + M_PAGESZ]
        mov     [BDA_VPAGESIZE], ax
        xor     ax, ax
        mov     [BDA_VPAGESTART], ax
        mov     [BDA_VPAGE], al
        mov     di, BDA_CURPOS
        mov     cx, 8
.cur:   mov     [di], ax
        add     di, 2
        loop    .cur
        mov     word [BDA_CRTC], 0x3D4
        mov     byte [BDA_VSWITCHES], 0xF9
        mov     byte [BDA_VGAFLAGS], 0x51
        mov     byte [BDA_VDCC], 0x0B
        mov     ax, 0x3029              ; CGA mode control / palette values, text
        cmp     byte [cs:si + M_TYPE], MT_TEXT
        je      .cga
        mov     ax, 0x3F0A
.cga:   mov     [BDA_VMODECTL], al
        mov     [BDA_VPALETTE], ah
        ; The font: INT 43h for graphics text, plane 2 for text modes.
        push    es
        xor     ax, ax
        mov     es, ax
        mov     word [es:0x43 * 4], font8x8
        mov     [es:0x43 * 4 + 2], cs
        cmp     byte [cs:si + M_CHARH], 16
        jne     .f8
        mov     word [es:0x43 * 4], font8x16
.f8:    pop     es
        cmp     byte [cs:si + M_TYPE], MT_TEXT
        jne     .ret
        push    ds
        push    cs
        pop     ds
        push    si
        mov     si, font8x16
        mov     cx, 256
        xor     dx, dx
        mov     bx, 0x1000              ; 16 bytes per character, block 0
        call    load_font
        pop     si
        pop     ds
        mov     cx, 0x0607
        call    v_cursor_shape
.ret:   ret

; --- AH=01h: cursor shape CH (start, bit 5: hidden) / CL (end) -----------------------------
; With the cursor emulation of the BDA (40:87 bit 0 clear), CGA-style values for 8-line
; cells are scaled to the character height, as IBM's VGA BIOS does.
v_cursor_shape:
        pusha
        mov     [BDA_CURSHAPE], cx
        mov     ah, ch
        and     ah, 0x3F
        mov     al, cl
        and     al, 0x1F
        test    byte [BDA_VEGAINFO], 0x01
        jnz     .set
        mov     bl, [BDA_VCHARH]
        cmp     bl, 8
        jbe     .set
        cmp     al, 8
        jae     .set
        cmp     ah, 0x20
        jae     .set
        ; start = (end == start + 1) ? (end + 1) * h / 8 - 2 : (start + 1) * h / 8 - 1
        mov     dl, ah
        inc     dl
        cmp     al, dl
        jne     .s2
        mov     dl, al
        inc     dl
        call    .scale
        sub     dl, 2
        jmp     .s3
.s2:    call    .scale
        dec     dl
.s3:    mov     dh, dl                  ; new start
        mov     dl, al
        inc     dl
        call    .scale
        dec     dl                      ; new end
        mov     ah, dh
        mov     al, dl
.set:   mov     bx, ax
        mov     al, 0x0A
        mov     ah, bh
        call    crtc_write
        mov     al, 0x0B
        mov     ah, bl
        call    crtc_write
        popa
        ret
; DL = DL * charh / 8
.scale: push    ax
        mov     al, dl
        mul     byte [BDA_VCHARH]
        shr     ax, 3
        mov     dl, al
        pop     ax
        ret

; --- AH=02h: set cursor position of page BH to DH, DL; AH=03h: get it ----------------------
v_set_cursor:
        and     bh, 7
        movzx   si, bh
        shl     si, 1
        mov     [BDA_CURPOS + si], dx
        cmp     bh, [BDA_VPAGE]
        jne     .r
        call    update_cursor
.r:     ret

v_get_cursor:
        and     bh, 7
        movzx   si, bh
        shl     si, 1
        mov     ax, [BDA_CURPOS + si]
        mov     [bp + V_DX], ax
        mov     ax, [BDA_CURSHAPE]
        mov     [bp + V_CX], ax
        ret

; --- AH=05h: active page AL (text modes) --------------------------------------------------
v_set_page:
        call    mode_type
        cmp     al, MT_TEXT
        jne     .r
        mov     al, [bp + V_AX]
        and     al, 7
        mov     [BDA_VPAGE], al
        xor     ah, ah
        mul     word [BDA_VPAGESIZE]
        mov     [BDA_VPAGESTART], ax
        shr     ax, 1
        mov     bx, ax
        mov     al, 0x0C
        mov     ah, bh
        call    crtc_write
        mov     al, 0x0D
        mov     ah, bl
        call    crtc_write
        call    update_cursor
.r:     ret

; --- AH=06h/07h: scroll the window CX..DX up/down AL lines, fill with BH -------------------
v_scroll_up:
        xor     bl, bl
        call    do_scroll
        ret
v_scroll_down:
        mov     bl, 1
        call    do_scroll
        ret

; --- AH=08h: character and attribute at the cursor of page BH -----------------------------
v_read_char:
        call    mode_type
        cmp     al, MT_TEXT
        jne     .none
        and     bh, 7
        movzx   si, bh
        shl     si, 1
        mov     dx, [BDA_CURPOS + si]
        call    text_addr
        push    0xB800
        pop     es
        mov     ax, [es:di]
        mov     [bp + V_AX], ax
        ret
.none:  mov     word [bp + V_AX], 0
        ret

; --- AH=09h/0Ah: character AL (with attribute BL for 09h) CX times at the cursor ------------
v_write_char_attr:
        mov     ah, 1
        jmp     v_write_common
v_write_char:
        xor     ah, ah
v_write_common:
        and     bh, 7
        movzx   si, bh
        shl     si, 1
        mov     dx, [BDA_CURPOS + si]
        call    put_chars
        ret

; --- AH=0Ch/0Dh: write/read pixel AL at column CX, row DX ----------------------------------
v_write_pixel:
        push    0xA000
        pop     es
        mov     bl, al                  ; colour
        call    mode_type
        cmp     al, MT_LINEAR
        je      .lin
        cmp     al, MT_PLANAR
        jne     .r
        call    planar_pixel            ; DI = offset, AH = bit mask
        mov     al, 0x08
        call    gc_write
        mov     ah, bl
        and     ah, 0x0F
        mov     al, 0x00
        call    gc_write
        mov     ax, 0x0F01
        call    gc_write
        xor     ah, ah
        test    bl, 0x80
        jz      .fn
        mov     ah, 0x18
.fn:    mov     al, 0x03
        call    gc_write
        mov     al, [es:di]
        mov     byte [es:di], 0xFF
        mov     ax, 0xFF08
        call    gc_write
        mov     ax, 0x0001
        call    gc_write
        mov     ax, 0x0003
        call    gc_write
.r:     ret
.lin:   mov     ax, 320
        mul     dx
        add     ax, cx
        mov     di, ax
        mov     [es:di], bl
        ret

v_read_pixel:
        push    0xA000
        pop     es
        call    mode_type
        cmp     al, MT_LINEAR
        je      .lin
        xor     bl, bl
        cmp     al, MT_PLANAR
        jne     .out
        call    planar_pixel
        mov     bh, ah                  ; bit mask
        mov     cx, 4
.plane: dec     cx
        mov     ah, cl
        mov     al, 0x04                ; read map
        call    gc_write
        shl     bl, 1
        test    [es:di], bh
        jz      .z
        or      bl, 1
.z:     test    cx, cx
        jnz     .plane
        mov     ax, 0x0004
        call    gc_write
        jmp     .out
.lin:   mov     ax, 320
        mul     dx
        add     ax, cx
        mov     di, ax
        mov     bl, [es:di]
.out:   mov     [bp + V_AX], bl
        ret

; --- AH=0Eh: teletype output of AL (colour BL in graphics modes) ---------------------------
v_teletype:
        out     PORT_DEBUGCON, al
        mov     bh, [BDA_VPAGE]
        xor     ah, ah
        call    mode_type_keep_al
        call    tty
        ret
; AH = 1 in graphics modes (the colour is given), keeps AL.
mode_type_keep_al:
        push    ax
        call    mode_type
        cmp     al, MT_TEXT
        pop     ax
        je      .t
        mov     ah, 1
.t:     ret

; --- AH=0Fh: current mode ------------------------------------------------------------------
v_get_mode:
        mov     al, [BDA_VEGAINFO]
        and     al, 0x80
        or      al, [BDA_VMODE]
        mov     ah, [BDA_VCOLS]
        mov     [bp + V_AX], ax
        mov     al, [BDA_VPAGE]
        mov     [bp + V_BX + 1], al
        ret

; --- AH=10h: palette registers and DAC ----------------------------------------------------
v_palette:
        cmp     al, 0x00
        je      .set_reg
        cmp     al, 0x01
        je      .set_border
        cmp     al, 0x02
        je      .set_all
        cmp     al, 0x03
        je      .blink
        cmp     al, 0x07
        je      .get_reg
        cmp     al, 0x08
        je      .get_border
        cmp     al, 0x09
        je      .get_all
        cmp     al, 0x10
        je      .set_dac
        cmp     al, 0x12
        je      .set_dacs
        cmp     al, 0x15
        je      .get_dac
        cmp     al, 0x17
        je      .get_dacs
        cmp     al, 0x18
        je      .set_mask
        cmp     al, 0x19
        je      .get_mask
        cmp     al, 0x1A
        je      .page_state
        ret
.set_reg:
        cmp     bl, 0x14
        ja      .r
        mov     al, bl
        mov     ah, bh
        call    attr_write
.r:     ret
.set_border:
        mov     al, 0x11
        mov     ah, bh
        call    attr_write
        ret
.set_all:
        mov     si, dx
        xor     bl, bl
.sa:    mov     ah, [es:si]
        mov     al, bl
        call    attr_write
        inc     si
        inc     bl
        cmp     bl, 16
        jb      .sa
        mov     ah, [es:si]
        mov     al, 0x11
        call    attr_write
        ret
.blink:
        mov     al, 0x10
        call    attr_read
        and     al, 0xF7
        test    bl, 1
        jz      .bl
        or      al, 0x08
.bl:    mov     ah, al
        mov     al, 0x10
        call    attr_write
        ret
.get_reg:
        mov     al, bl
        call    attr_read
        mov     [bp + V_BX + 1], al
        ret
.get_border:
        mov     al, 0x11
        call    attr_read
        mov     [bp + V_BX + 1], al
        ret
.get_all:
        mov     di, dx
        xor     bl, bl
.ga:    mov     al, bl
        call    attr_read
        stosb
        inc     bl
        cmp     bl, 16
        jb      .ga
        mov     al, 0x11
        call    attr_read
        stosb
        ret
.set_dac:
        mov     al, bl
        mov     dx, DAC_WRITE
        out     dx, al
        inc     dx
        mov     al, [bp + V_DX + 1]
        out     dx, al
        mov     al, ch
        out     dx, al
        mov     al, cl
        out     dx, al
        ret
.set_dacs:
        mov     al, bl
        mov     si, dx
        mov     dx, DAC_WRITE
        out     dx, al
        inc     dx
        mov     ax, cx
        add     cx, cx
        add     cx, ax                  ; 3 bytes per register
        test    cx, cx
        jz      .r
.sd:    mov     al, [es:si]
        out     dx, al
        inc     si
        loop    .sd
        ret
.get_dac:
        mov     al, bl
        mov     dx, DAC_READ
        out     dx, al
        mov     dx, DAC_DATA
        in      al, dx
        mov     [bp + V_DX + 1], al
        in      al, dx
        mov     [bp + V_CX + 1], al
        in      al, dx
        mov     [bp + V_CX], al
        ret
.get_dacs:
        mov     al, bl
        mov     di, dx
        mov     dx, DAC_READ
        out     dx, al
        mov     dx, DAC_DATA
        mov     ax, cx
        add     cx, cx
        add     cx, ax
        test    cx, cx
        jz      .r
.gd:    in      al, dx
        stosb
        loop    .gd
        ret
.set_mask:
        mov     dx, PEL_MASK
        mov     al, bl
        out     dx, al
        ret
.get_mask:
        mov     dx, PEL_MASK
        in      al, dx
        mov     [bp + V_BX], al
        ret
.page_state:
        mov     word [bp + V_BX], 0
        ret

; --- AH=11h: character generator ---------------------------------------------------------
v_font:
        cmp     al, 0x30
        je      .info
        cmp     al, 0x03
        je      .block
        cmp     al, 0x20
        je      .set_1f
        cmp     al, 0x21
        je      .set_43
        cmp     al, 0x22
        je      .rom16
        cmp     al, 0x23
        je      .rom8
        cmp     al, 0x24
        je      .rom16
        ; Text-mode font loads: 00h/10h user, 01h/11h 8x14 (the 8x16 here), 02h/12h 8x8,
        ; 04h/14h 8x16. 1xh also sets the character height and the rows.
        push    ax
        call    mode_type
        cmp     al, MT_TEXT
        pop     ax
        jne     .r
        mov     ah, al
        and     ah, 0x0F
        cmp     ah, 4
        ja      .r
        cmp     ah, 3
        je      .r
        test    ah, ah
        jnz     .rom
        ; User font: ES:BP, CX characters, DX first, BL block, BH height.
        push    ds
        push    es
        pop     ds
        mov     si, [bp + V_BP]
        call    load_font
        pop     ds
        mov     cl, bh
        jmp     .recalc
.rom:   mov     si, font8x16
        mov     bh, 16
        cmp     ah, 2
        jne     .romload
        mov     si, font8x8
        mov     bh, 8
.romload:
        push    ds
        push    cs
        pop     ds
        mov     cx, 256
        xor     dx, dx
        call    load_font
        pop     ds
        mov     cl, bh
.recalc:
        test    al, 0x10
        jz      .r
        ; CL = character height: rows = 400 / height, CRTC max scan line, page size, cursor.
        test    cl, cl
        jz      .r
        movzx   cx, cl
        mov     [BDA_VCHARH], cx
        mov     ax, 400
        div     cl                      ; AL = rows
        dec     al
        mov     [BDA_VROWS], al
        inc     al
        mul     byte [BDA_VCOLS]
        shl     ax, 1
        add     ax, 0xFF
        xor     al, al
        mov     [BDA_VPAGESIZE], ax
        mov     al, 0x09
        mov     dx, 0x3D4
        out     dx, al
        inc     dx
        in      al, dx
        and     al, 0xE0
        dec     cl
        or      al, cl
        mov     ah, al
        mov     al, 0x09
        call    crtc_write
        mov     cx, 0x0607
        call    v_cursor_shape
.r:     ret
.block:
        mov     ah, bl
        mov     al, 0x03
        call    seq_write
        ret
.set_1f:
        xor     ax, ax
        mov     es, ax
        mov     ax, [bp + V_BP]
        mov     [es:0x1F * 4], ax
        mov     ax, [bp + V_ES]
        mov     [es:0x1F * 4 + 2], ax
        ret
.set_43:
        mov     di, [bp + V_BP]
        mov     si, [bp + V_ES]
        jmp     .set43_common
.rom16: mov     di, font8x16
        mov     cx, 16
        mov     si, cs
        jmp     .set43_common
.rom8:  mov     di, font8x8
        mov     cx, 8
        mov     si, cs
.set43_common:
        ; INT 43h = SI:DI, character height CX, rows from BL (0: DL + 1, 1: 14, 2: 25, 3: 43).
        xor     ax, ax
        mov     es, ax
        mov     [es:0x43 * 4], di
        mov     [es:0x43 * 4 + 2], si
        mov     [BDA_VCHARH], cx
        mov     al, dl
        cmp     bl, 0
        je      .rows
        mov     al, 13
        cmp     bl, 1
        je      .rows
        mov     al, 24
        cmp     bl, 2
        je      .rows
        mov     al, 42
        jmp     .rows2
.rows:  cmp     bl, 0
        jne     .rows2
        dec     al
.rows2: mov     [BDA_VROWS], al
        ret
.info:
        ; ES:BP = the font BH selects, CX = character height, DL = rows - 1.
        mov     ax, cs
        mov     si, font8x16
        cmp     bh, 0
        je      .i1f
        cmp     bh, 1
        je      .i43
        cmp     bh, 3
        je      .i8
        cmp     bh, 4
        je      .i8hi
        cmp     bh, 5
        je      .ialt
        cmp     bh, 7
        je      .ialt
        jmp     .iout                   ; 2 (8x14) and 6 (8x16): the 8x16 font
.i8:    mov     si, font8x8
        jmp     .iout
.i8hi:  mov     si, font8x8 + 1024
        jmp     .iout
.ialt:  mov     si, no_alt_font
        jmp     .iout
.i1f:   xor     si, si
        mov     es, si
        mov     ax, [es:0x1F * 4 + 2]
        mov     si, [es:0x1F * 4]
        jmp     .iout
.i43:   xor     si, si
        mov     es, si
        mov     ax, [es:0x43 * 4 + 2]
        mov     si, [es:0x43 * 4]
.iout:  mov     [bp + V_ES], ax
        mov     [bp + V_BP], si
        mov     ax, [BDA_VCHARH]
        mov     [bp + V_CX], ax
        mov     al, [BDA_VROWS]
        mov     [bp + V_DX], al
        ret

; --- AH=12h: alternate select (BL=10h: EGA/VGA information) --------------------------------
v_alt_select:
        cmp     bl, 0x10
        jne     .other
        mov     byte [bp + V_BX + 1], 0x00      ; colour
        mov     byte [bp + V_BX], 0x03          ; 256 KiB
        mov     al, [BDA_VSWITCHES]
        and     al, 0x0F
        mov     ah, 0x00                        ; feature bits
        mov     [bp + V_CX], ax
        ret
.other: cmp     bl, 0x30
        jb      .r
        cmp     bl, 0x36
        ja      .r
        mov     byte [bp + V_AX], 0x12          ; "supported"
.r:     ret

; --- AH=13h: write string ES:BP, CX characters, at DH, DL of page BH -----------------------
; AL bit 0: move the cursor; bit 1: the string alternates characters and attributes.
v_write_string:
        and     bh, 7
        movzx   si, bh
        shl     si, 1
        push    word [BDA_CURPOS + si]  ; the cursor, restored unless AL bit 0
        mov     [BDA_CURPOS + si], dx
        mov     di, [bp + V_BP]
        mov     ah, [bp + V_AX]         ; AH = mode
        jcxz    .end
.ch:    mov     al, [es:di]
        inc     di
        test    ah, 2
        jz      .attr_ok
        mov     bl, [es:di]
        inc     di
.attr_ok:
        out     PORT_DEBUGCON, al
        push    ax
        mov     ah, 1
        call    tty
        pop     ax
        loop    .ch
.end:   pop     dx
        test    byte [bp + V_AX], 1
        jnz     .keep
        mov     [BDA_CURPOS + si], dx
.keep:  cmp     bh, [BDA_VPAGE]
        jne     .r
        call    update_cursor
.r:     ret

; --- AH=1Ah: display combination code ----------------------------------------------------
v_dcc:
        cmp     al, 1
        ja      .r
        je      .set
        mov     word [bp + V_BX], 0x0008        ; VGA with analog colour display, no second
.set:   mov     byte [bp + V_AX], 0x1A
.r:     ret

no_alt_font:
        db      0
