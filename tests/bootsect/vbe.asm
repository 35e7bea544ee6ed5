; vbe.asm -- the VESA BIOS Extensions of INT 10h AH=4Fh (roms/bios/vbe.asm), run by
; crates/ironpc/tests/vbe.rs.
;
; Default build: 4F00h controller info (with 'VBE2'), 4F01h for every mode of its list, the
; failures (unknown mode, 4F04h, 4F0Ah), then mode 144h (1024x768x32) with the linear frame
; buffer (bit 14): colour bars and a gradient drawn through the LFB at its PhysBasePtr from
; big real mode, 4F06h/4F07h/4F08h/4F09h, and two bands drawn through the 64 KiB window at
; A000h after 4F05h (bank 40, through INT 10h) and the WinFuncPtr (bank 41, a far call).
; The run stops in that mode for the screendump; with -DBACK_TO_TEXT it goes on with 4F02h
; 0003h (a VGA mode through AH=00h) and writes a line of text there.
;
; With -DBANKED8: mode 101h (640x480x8) without the LFB, an 8-bit DAC (4F08h) with a palette
; loaded through 4F09h (entry i = red i, green 255 - i, blue i / 2), and every pixel written
; through the banked window: row y has colour y & 0FFh.
;
; Output: "name key=value ..." lines on the debug console, hex values.

%include "lib.inc"
        BOOT_END

%define INFO    0x1000                  ; VbeInfoBlock (512 bytes)
%define MINFO   0x1400                  ; ModeInfoBlock (256 bytes)
%define PAL     0x1600                  ; palette entries (1 KiB)

; VBE fn: AX = 4F00h + fn, INT 10h.
%macro VBE 1
        mov     ax, 0x4F00 + %1
        int     0x10
%endmacro

main:
%ifdef BANKED8
        jmp     banked8
%endif
        ; --- 4F00h -------------------------------------------------------------------
        mov     dword [INFO], 'VBE2'
        mov     di, INFO
        VBE     0x00
        PRINT   "info ax="
        HEX16   ax
        PRINT   " sig="
        mov     cx, 4
        mov     si, INFO
.sig:   lodsb
        out     0xE9, al
        loop    .sig
        PRINT   " ver="
        HEX16   [INFO + 4]
        PRINT   " caps="
        HEX32   [INFO + 10]
        PRINT   " mem="
        HEX16   [INFO + 18]
        PRINT   " oemrev="
        HEX16   [INFO + 20]
        call    nl
        PRINT   "oem "
        lfs     si, [INFO + 6]
        call    print_far
        PRINT   "vendor "
        lfs     si, [INFO + 22]
        call    print_far
        PRINT   "product "
        lfs     si, [INFO + 26]
        call    print_far
        PRINT   "revision "
        lfs     si, [INFO + 30]
        call    print_far
        ; The mode list, then 4F01h for each mode in it.
        PRINT   "modes"
        lgs     si, [INFO + 14]
.list:  mov     ax, [gs:si]
        cmp     ax, 0xFFFF
        je      .listed
        PRINT   " "
        HEX16   ax
        add     si, 2
        jmp     .list
.listed:
        call    nl
        lgs     si, [INFO + 14]
.each:  mov     cx, [gs:si]
        cmp     cx, 0xFFFF
        je      .bad
        call    mode_info
        add     si, 2
        jmp     .each
.bad:   mov     cx, 0x1FF               ; not a mode
        mov     di, MINFO
        VBE     0x01
        PRINT   "fail info="
        HEX16   ax
        mov     bx, 0x41FF
        VBE     0x02
        PRINT   " set="
        HEX16   ax
        mov     dl, 0                   ; 4F04h DL=00h: state buffer size
        mov     cx, 0x000F
        VBE     0x04
        PRINT   " state="
        HEX16   ax
        mov     bl, 0
        VBE     0x0A
        PRINT   " pm="
        HEX16   ax
        VBE     0x05                    ; window control before any VBE mode
        PRINT   " window="
        HEX16   ax
        call    nl

        ; --- 4F02h: 1024x768x32 with the LFB ----------------------------------------
        mov     cx, 0x144
        mov     di, MINFO
        VBE     0x01
        mov     bx, 0x4144
        VBE     0x02
        PRINT   "set ax="
        HEX16   ax
        VBE     0x03
        PRINT   " cur="
        HEX16   bx
        mov     ah, 0x0F                ; no VGA mode is current
        int     0x10
        PRINT   " vmode="
        HEX8    al
        call    nl

        ; Big real mode: FS with base 0 and a 4 GiB limit; A20 on for the LFB's addresses.
        mov     ax, 0x2401
        int     0x15
        cli
        lgdt    [gdtr]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     $ + 2
        mov     bx, 8
        mov     fs, bx
        and     al, 0xFE
        mov     cr0, eax
        xor     ax, ax
        mov     fs, ax
        sti

        ; The picture: rows 0-383 eight colour bars 128 pixels wide; rows 384-767 red = x / 4,
        ; green = (y - 384) / 2, blue = 255 - x / 4.
        mov     edi, [MINFO + 40]       ; PhysBasePtr
        xor     dx, dx                  ; DX = y
.row:   xor     cx, cx                  ; CX = x
.px:    cmp     dx, 384
        jae     .grad
        movzx   bx, ch                  ; bar = x / 128 (x < 1024): (x >> 8) * 2 + bit 7
        shl     bx, 1
        test    cl, 0x80
        jz      .b
        inc     bx
.b:     shl     bx, 2
        mov     eax, [bars + bx]
        jmp     .put
.grad:  mov     ax, cx
        shr     ax, 2                   ; x / 4
        movzx   eax, ax
        shl     eax, 16                 ; red
        mov     bx, dx
        sub     bx, 384
        shr     bx, 1
        mov     ah, bl                  ; green
        mov     bx, cx
        shr     bx, 2
        not     bl
        mov     al, bl                  ; blue
.put:   mov     [fs:edi], eax
        add     edi, 4
        inc     cx
        cmp     cx, 1024
        jb      .px
        inc     dx
        cmp     dx, 768
        jb      .row

        ; --- 4F06h, 4F07h ---------------------------------------------------------------
        mov     bl, 1
        VBE     0x06
        PRINT   "scan ax="
        HEX16   ax
        PRINT   " bx="
        HEX16   bx
        PRINT   " cx="
        HEX16   cx
        PRINT   " dx="
        HEX16   dx
        call    nl
        mov     bl, 0                   ; 1100 pixels per line, then the maximum, then back
        mov     cx, 1100
        VBE     0x06
        PRINT   "scanset ax="
        HEX16   ax
        PRINT   " bx="
        HEX16   bx
        PRINT   " cx="
        HEX16   cx
        PRINT   " dx="
        HEX16   dx
        mov     bl, 3
        VBE     0x06
        PRINT   " max="
        HEX16   ax
        PRINT   " maxbx="
        HEX16   bx
        PRINT   " maxcx="
        HEX16   cx
        mov     bl, 2                   ; in bytes
        mov     cx, 4096
        VBE     0x06
        PRINT   " back="
        HEX16   ax
        PRINT   " backcx="
        HEX16   cx
        call    nl
        mov     bl, 0x02                ; (3.0) start at byte 3 * 4096 + 16: pixel 4 of line 3
        mov     ecx, 3 * 4096 + 16
        VBE     0x07
        mov     bl, 1
        VBE     0x07
        PRINT   "start2 ax="
        HEX16   ax
        PRINT   " cx="
        HEX16   cx
        PRINT   " dx="
        HEX16   dx
        call    nl
        mov     bl, 0                   ; start at line 5, then back at 0
        xor     cx, cx
        mov     dx, 5
        VBE     0x07
        mov     bl, 1
        VBE     0x07
        PRINT   "start ax="
        HEX16   ax
        PRINT   " cx="
        HEX16   cx
        PRINT   " dx="
        HEX16   dx
        call    nl
        mov     bl, 0
        xor     cx, cx
        xor     dx, dx
        VBE     0x07

        ; --- 4F08h, 4F09h: an 8-bit DAC entry round trip, then 6 bits again ------------------
        mov     bx, 0x0800
        VBE     0x08
        PRINT   "dac ax="
        HEX16   ax
        PRINT   " bh="
        HEX8    bh
        mov     dword [PAL], 0x00332211 ; blue 11h, green 22h, red 33h
        mov     bl, 0
        mov     cx, 1
        mov     dx, 7
        mov     di, PAL
        VBE     0x09
        PRINT   " palset="
        HEX16   ax
        mov     dword [PAL], 0xFFFFFFFF
        mov     bl, 1
        mov     cx, 1
        mov     dx, 7
        mov     di, PAL
        VBE     0x09
        PRINT   " palget="
        HEX16   ax
        PRINT   " entry="
        HEX32   [PAL]
        mov     bx, 0x0600
        VBE     0x08
        PRINT   " dac6="
        HEX8    bh
        call    nl

        ; --- 4F05h: bank 40 through INT 10h, bank 41 through the WinFuncPtr -------------------
        mov     bx, 0                   ; set window A
        mov     dx, 40
        VBE     0x05
        PRINT   "bank ax="
        HEX16   ax
        mov     eax, 0x00FF8000         ; orange
        call    fill_window
        mov     bx, 0x0100              ; get window A
        VBE     0x05
        PRINT   " dx="
        HEX16   dx
        mov     bx, 0
        mov     dx, 41
        call    far [MINFO + 12]
        mov     eax, 0x0000C0C0         ; teal
        call    fill_window
        mov     bx, 0x0100
        VBE     0x05
        PRINT   " far="
        HEX16   dx
        ; The same memory through the LFB: the first dword of bank 40, the last of 41.
        mov     edi, [MINFO + 40]
        PRINT   " lfb40="
        HEX32   [fs:edi + 40 * 0x10000]
        PRINT   " lfb41="
        HEX32   [fs:edi + 42 * 0x10000 - 4]
        PRINT   " lfb42="
        HEX32   [fs:edi + 42 * 0x10000]
        call    nl
        PRINT   "done"
        call    nl
%ifdef BACK_TO_TEXT
        ; 4F02h with a VGA mode number: mode 03h through AH=00h, DISPI off.
        mov     bx, 0x0003
        VBE     0x02
        PRINT   "text ax="
        HEX16   ax
        VBE     0x03
        PRINT   " cur="
        HEX16   bx
        mov     ah, 0x0F
        int     0x10
        PRINT   " vmode="
        HEX8    al
        call    nl
        mov     si, back_text
.tty:   lodsb
        test    al, al
        jz      .ttyed
        mov     ah, 0x0E
        mov     bx, 0x0007
        int     0x10
        jmp     .tty
.ttyed: call    nl
%endif
        EXIT    0

; fill_window: the 64 KiB window at A000 with the dword EAX.
fill_window:
        push    es
        push    0xA000
        pop     es
        xor     di, di
        mov     cx, 0x4000
        rep     stosd
        pop     es
        ret

; mode_info: 4F01h for mode CX and its fields on one line.
mode_info:
        push    si
        mov     di, MINFO
        VBE     0x01
        PRINT   "mode "
        HEX16   cx
        PRINT   " ax="
        HEX16   ax
        PRINT   " attr="
        HEX16   [MINFO + 0]
        PRINT   " wina="
        HEX8    [MINFO + 2]
        PRINT   " gran="
        HEX16   [MINFO + 4]
        PRINT   " size="
        HEX16   [MINFO + 6]
        PRINT   " seg="
        HEX16   [MINFO + 8]
        PRINT   " x="
        HEX16   [MINFO + 18]
        PRINT   " y="
        HEX16   [MINFO + 20]
        PRINT   " planes="
        HEX8    [MINFO + 24]
        PRINT   " bpp="
        HEX8    [MINFO + 25]
        PRINT   " model="
        HEX8    [MINFO + 27]
        PRINT   " pitch="
        HEX16   [MINFO + 16]
        PRINT   " lpitch="
        HEX16   [MINFO + 50]
        PRINT   " pages="
        HEX8    [MINFO + 29]
        PRINT   " base="
        HEX32   [MINFO + 40]
        PRINT   " masks="
        mov     si, MINFO + 31
        call    hex_bytes8
        PRINT   " lmasks="
        mov     si, MINFO + 54
        call    hex_bytes8
        call    nl
        pop     si
        ret

; hex_bytes8: the 8 bytes at DS:SI in hex.
hex_bytes8:
        mov     cx, 8
.b:     lodsb
        call    hex8
        loop    .b
        ret

; print_far: the ASCIZ string at FS:SI, then a new line.
print_far:
.c:     fs lodsb
        test    al, al
        jz      .e
        out     0xE9, al
        jmp     .c
.e:     call    nl
        ret

%ifdef BANKED8
; --- Mode 101h through the banked window only ----------------------------------------------
banked8:
        mov     bx, 0x0101              ; windowed (no bit 14)
        VBE     0x02
        PRINT   "set ax="
        HEX16   ax
        mov     bx, 0x0800
        VBE     0x08
        PRINT   " dac="
        HEX8    bh
        ; The palette: entry i = blue i / 2, green 255 - i, red i.
        mov     di, PAL
        xor     cx, cx
.pal:   mov     al, cl
        shr     al, 1
        stosb
        mov     al, cl
        not     al
        stosb
        mov     al, cl
        stosb
        xor     al, al
        stosb
        inc     cx
        cmp     cx, 256
        jb      .pal
        mov     bl, 0
        xor     dx, dx
        mov     di, PAL
        VBE     0x09
        PRINT   " pal="
        HEX16   ax
        ; Every pixel through A000: offset EBX = y * 640 + x, bank = EBX >> 16.
        push    0xA000
        pop     es
        xor     ebx, ebx
        mov     bp, 0xFFFF              ; the bank selected (none yet)
        xor     si, si                  ; SI = y
.row:   xor     cx, cx
.px:    mov     edx, ebx
        shr     edx, 16
        cmp     dx, bp
        je      .put
        mov     bp, dx
        push    bx
        xor     bx, bx
        mov     ax, 0x4F05
        int     0x10
        pop     bx
        cmp     ax, 0x004F
        jne     .fail
.put:   mov     ax, si
        mov     [es:bx], al
        inc     ebx
        inc     cx
        cmp     cx, 640
        jb      .px
        inc     si
        cmp     si, 480
        jb      .row
        PRINT   " lastbank="
        HEX16   bp
        ; Read back through the window: pixel (0, 300) is in bank 2 at 300 * 640 - 20000h.
        mov     dx, 2
        xor     bx, bx
        mov     ax, 0x4F05
        int     0x10
        PRINT   " read="
        HEX8    [es:300 * 640 - 0x20000]
        call    nl
        EXIT    0
.fail:  PRINT   " window failed ax="
        HEX16   ax
        call    nl
        EXIT    0x7E
%endif

back_text:
        db      "back in text mode", 0

; The bars: white, yellow, cyan, green, magenta, red, blue, black.
        align   4
bars:   dd      0xFFFFFF, 0xFFFF00, 0x00FFFF, 0x00FF00, 0xFF00FF, 0xFF0000, 0x0000FF, 0x000000

; A flat 4 GiB data segment for big real mode.
        align   8
gdt:    dq      0
        dw      0xFFFF, 0x0000
        db      0x00, 0x92, 0xCF, 0x00
gdtr:   dw      15
        dd      gdt

        PROGRAM_END
