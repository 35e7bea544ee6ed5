; services.asm -- the BIOS services a boot loader uses besides the disk: INT 11h, 12h,
; INT 15h (88h, E801h, E820h, C0h, A20, 86h wait), INT 1Ah (ticks, RTC time and date),
; INT 14h (COM1), INT 17h, INT 10h (mode, cursor, teletype, font and adapter queries).

%include "lib.inc"
        BOOT_END

%define BUF     0x2000

main:
        int     0x11
        PRINT   "equip ax="
        HEX16   ax
        call    nl
        int     0x12
        PRINT   "mem ax="
        HEX16   ax
        call    nl

        mov     ah, 0x88
        int     0x15
        RESULT  "e88"
        PRINT   " ax="
        HEX16   ax
        call    nl

        mov     ax, 0xE801
        int     0x15
        RESULT  "e801"
        PRINT   " ax="
        HEX16   ax
        PRINT   " bx="
        HEX16   bx
        PRINT   " cx="
        HEX16   cx
        PRINT   " dx="
        HEX16   dx
        call    nl

        ; E820h: every entry, until EBX = 0.
        xor     ebx, ebx
.e820:  mov     eax, 0xE820
        mov     edx, 0x534D4150
        mov     ecx, 24
        mov     di, BUF
        int     0x15
        setc    [e820_cf]
        RESULT  "e820"
        PRINT   " eax="
        HEX32   eax
        PRINT   " ecx="
        HEX32   ecx
        PRINT   " base="
        HEX32   [BUF + 4]
        HEX32   [BUF]
        PRINT   " len="
        HEX32   [BUF + 12]
        HEX32   [BUF + 8]
        PRINT   " type="
        HEX32   [BUF + 16]
        call    nl
        cmp     byte [e820_cf], 0
        jne     .e820_done
        test    ebx, ebx
        jnz     .e820
.e820_done:
        ; A wrong signature is refused.
        mov     eax, 0xE820
        xor     ebx, ebx
        mov     edx, 0x12345678
        mov     ecx, 20
        mov     di, BUF
        int     0x15
        RESULT  "e820bad"
        call    nl

        mov     ah, 0xC0
        int     0x15
        RESULT  "c0"
        PRINT   " es:bx="
        HEX16   es
        PRINT   ":"
        HEX16   bx
        PRINT   " model="
        HEX8    [es:bx + 2]
        call    nl
        xor     ax, ax
        mov     es, ax

        mov     ax, 0x2403
        int     0x15
        RESULT  "a20sup"
        PRINT   " ah="
        HEX8    ah
        PRINT   " bx="
        HEX16   bx
        call    nl
        mov     ax, 0x2400
        int     0x15
        RESULT  "a20off"
        mov     ax, 0x2402
        int     0x15
        PRINT   " state="
        HEX8    al
        call    nl
        mov     ax, 0x2401
        int     0x15
        RESULT  "a20on"
        mov     ax, 0x2402
        int     0x15
        PRINT   " state="
        HEX8    al
        call    nl

        ; INT 15h AH=86h: half a second, measured with the timer ticks of INT 1Ah.
        xor     ah, ah
        int     0x1A
        mov     [t0], dx
        mov     [t0 + 2], cx
        mov     ah, 0x86
        mov     cx, 0x0007
        mov     dx, 0xA120              ; 500000 us
        int     0x15
        RESULT  "w86"
        xor     ah, ah
        int     0x1A
        shl     ecx, 16
        mov     cx, dx
        sub     ecx, [t0]
        PRINT   " ticks="
        HEX32   ecx
        call    nl

        ; Two ticks before midnight, then wait past it: INT 08h wraps the count and sets
        ; the flag, which INT 1Ah AH=00h returns once.
        mov     ah, 0x01
        mov     cx, 0x0018
        mov     dx, 0x00AE
        int     0x1A
        mov     ah, 0x86
        mov     cx, 0x0003
        mov     dx, 0x0D40              ; 200000 us
        int     0x15
        xor     ah, ah
        int     0x1A
        PRINT   "midnight al="
        HEX8    al
        PRINT   " cx="
        HEX16   cx
        PRINT   " dx="
        HEX16   dx
        xor     ah, ah
        int     0x1A
        PRINT   " again al="
        HEX8    al
        call    nl

        mov     ah, 0x02
        int     0x1A
        RESULT  "time"
        PRINT   " cx="
        HEX16   cx
        PRINT   " dx="
        HEX16   dx
        call    nl
        mov     ah, 0x04
        int     0x1A
        RESULT  "date"
        PRINT   " cx="
        HEX16   cx
        PRINT   " dx="
        HEX16   dx
        call    nl

        ; COM1: 9600 8N1, then two characters.
        mov     ax, 0x00E3
        xor     dx, dx
        int     0x14
        PRINT   "com init ax="
        HEX16   ax
        call    nl
        mov     ax, 0x014F
        xor     dx, dx
        int     0x14
        mov     ax, 0x014B
        xor     dx, dx
        int     0x14
        PRINT   "com send ax="
        HEX16   ax
        call    nl
        mov     ah, 0x01
        mov     dx, 1                   ; COM2 does not exist
        int     0x14
        PRINT   "com2 ah="
        HEX8    ah
        call    nl

        mov     ah, 0x02
        xor     dx, dx
        int     0x17
        PRINT   "lpt ah="
        HEX8    ah
        call    nl

        mov     ah, 0x0F
        int     0x10
        PRINT   "vmode ax="
        HEX16   ax
        PRINT   " bh="
        HEX8    bh
        call    nl
        mov     ax, 0x1A00
        int     0x10
        PRINT   "dcc ax="
        HEX16   ax
        PRINT   " bx="
        HEX16   bx
        call    nl
        mov     ah, 0x12
        mov     bl, 0x10
        int     0x10
        PRINT   "ega bx="
        HEX16   bx
        PRINT   " cx="
        HEX16   cx
        call    nl
        push    es
        push    bp
        mov     ax, 0x1130
        mov     bh, 0x06
        int     0x10
        PRINT   "font es:bp="
        HEX16   es
        PRINT   ":"
        HEX16   bp
        PRINT   " cx="
        HEX16   cx
        PRINT   " dl="
        HEX8    dl
        PRINT   " glyphA="
        HEX32   [es:bp + 0x41 * 16 + 4]
        call    nl
        pop     bp
        pop     es

        ; Cursor, teletype (also copied to port E9h), character read-back.
        mov     ah, 0x02
        xor     bh, bh
        mov     dx, 0x050A
        int     0x10
        mov     ah, 0x03
        xor     bh, bh
        int     0x10
        PRINT   "cursor dx="
        HEX16   dx
        PRINT   " cx="
        HEX16   cx
        call    nl
        mov     ax, 0x0E54              ; "T" by teletype
        int     0x10
        mov     al, 'T'
        int     0x10
        mov     al, 10
        int     0x10
        mov     ah, 0x03
        xor     bh, bh
        int     0x10
        PRINT   "after tty dx="
        HEX16   dx
        call    nl
        mov     ah, 0x02
        xor     bh, bh
        mov     dx, 0x050A
        int     0x10
        mov     ah, 0x08
        xor     bh, bh
        int     0x10
        PRINT   "readback ax="
        HEX16   ax
        call    nl
        EXIT    0

t0:     dd      0
e820_cf:
        db      0
        PROGRAM_END
