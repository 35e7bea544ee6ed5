; disk.asm -- INT 13h on the boot drive: parameters (08h, 15h, 41h, 48h), CHS reads (02h,
; sector 0, past the last cylinder, across a track), LBA reads (42h, past the end, a huge
; LBA), a write (03h) read back, and the status (01h).
;
; Sector i of the image (from i = 17, after the program) starts with the dword i; the
; write test writes 57h bytes to C/H/S 0/1/3.

%include "lib.inc"
        BOOT_END

%define BUF     0x2000
%define DAP     0x0600
%define PARAMS  0x0700

main:
        PRINT   "drive dl="
        HEX8    [boot_drive]
        call    nl

        mov     ah, 0x08
        mov     dl, [boot_drive]
        xor     di, di
        mov     es, di
        int     0x13
        RESULT  "p08"
        PRINT   " ax="
        HEX16   ax
        PRINT   " bl="
        HEX8    bl
        PRINT   " cx="
        HEX16   cx
        PRINT   " dx="
        HEX16   dx
        PRINT   " es:di="
        HEX16   es
        PRINT   ":"
        HEX16   di
        call    nl
        xor     ax, ax
        mov     es, ax

        mov     ah, 0x15
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "p15"
        PRINT   " ah="
        HEX8    ah
        PRINT   " cx="
        HEX16   cx
        PRINT   " dx="
        HEX16   dx
        call    nl

        mov     ah, 0x41
        mov     bx, 0x55AA
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "p41"
        setc    [no_ext]
        PRINT   " ah="
        HEX8    ah
        PRINT   " bx="
        HEX16   bx
        PRINT   " cx="
        HEX16   cx
        call    nl

        ; C/H/S 0/1/1: LBA = sectors per track.
        mov     ax, 0x0201
        mov     bx, BUF
        mov     cx, 0x0001
        mov     dh, 1
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "r02"
        PRINT   " ax="
        HEX16   ax
        PRINT   " mark="
        HEX32   [BUF]
        call    nl

        ; Sector 0 does not exist.
        mov     ax, 0x0201
        mov     bx, BUF
        mov     cx, 0x0000
        mov     dh, 0
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "r02s0"
        PRINT   " ax="
        HEX16   ax
        call    nl

        ; Cylinder 1023 is past the end of both disks.
        mov     ax, 0x0201
        mov     bx, BUF
        mov     cx, 0xFFC1
        mov     dh, 0
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "r02end"
        PRINT   " ax="
        HEX16   ax
        call    nl

        ; Three sectors from C/H/S 1/0/(spt - 1): across the end of the track.
        mov     ah, 0x08
        mov     dl, [boot_drive]
        int     0x13
        xor     ax, ax
        mov     es, ax
        and     cl, 0x3F
        dec     cl
        mov     ch, 1
        mov     ax, 0x0203
        mov     bx, BUF
        mov     dh, 0
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "r02x"
        PRINT   " ax="
        HEX16   ax
        PRINT   " marks="
        HEX32   [BUF]
        PRINT   ","
        HEX32   [BUF + 0x200]
        PRINT   ","
        HEX32   [BUF + 0x400]
        call    nl

        cmp     byte [no_ext], 0
        jne     .write

        ; Extended read of LBAs 40 and 41.
        mov     si, DAP
        mov     dword [si], 0x00020010
        mov     dword [si + 4], BUF
        mov     dword [si + 8], 40
        mov     dword [si + 12], 0
        mov     ah, 0x42
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "r42"
        PRINT   " ah="
        HEX8    ah
        PRINT   " n="
        HEX16   [DAP + 2]
        PRINT   " marks="
        HEX32   [BUF]
        PRINT   ","
        HEX32   [BUF + 0x200]
        call    nl

        ; Drive parameters.
        mov     si, PARAMS
        mov     word [si], 0x1E
        mov     ah, 0x48
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "p48"
        PRINT   " ah="
        HEX8    ah
        PRINT   " size="
        HEX16   [PARAMS]
        PRINT   " flags="
        HEX16   [PARAMS + 2]
        PRINT   " chs="
        HEX32   [PARAMS + 4]
        PRINT   "/"
        HEX32   [PARAMS + 8]
        PRINT   "/"
        HEX32   [PARAMS + 12]
        PRINT   " total="
        HEX32   [PARAMS + 16]
        PRINT   " bps="
        HEX16   [PARAMS + 24]
        call    nl

        ; Two sectors from the last one: one is moved, then "not found".
        mov     si, DAP
        mov     word [si + 2], 2
        mov     eax, [PARAMS + 16]
        dec     eax
        mov     [si + 8], eax
        mov     ah, 0x42
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "r42end"
        PRINT   " ah="
        HEX8    ah
        PRINT   " n="
        HEX16   [DAP + 2]
        call    nl

        ; An absurd LBA.
        mov     si, DAP
        mov     word [si + 2], 1
        mov     dword [si + 8], 0xFFFFFFFF
        mov     dword [si + 12], 0xFFFFFFFF
        mov     ah, 0x42
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "r42huge"
        PRINT   " ah="
        HEX8    ah
        call    nl

.write: ; Write 57h bytes to C/H/S 0/1/3, then read the sector back.
        mov     di, BUF
        mov     al, 0x57
        mov     cx, 512
        rep     stosb
        mov     ax, 0x0301
        mov     bx, BUF
        mov     cx, 0x0003
        mov     dh, 1
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "w03"
        PRINT   " ax="
        HEX16   ax
        call    nl

        mov     ah, 0x01
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "s01"
        PRINT   " ah="
        HEX8    ah
        call    nl

        mov     ax, 0x0201
        mov     bx, BUF + 0x200
        mov     cx, 0x0003
        mov     dh, 1
        mov     dl, [boot_drive]
        int     0x13
        RESULT  "rb"
        PRINT   " mark="
        HEX32   [BUF + 0x200]
        call    nl
        EXIT    0

no_ext: db      0
        PROGRAM_END
