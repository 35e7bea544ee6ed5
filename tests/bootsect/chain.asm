; chain.asm -- a boot sector for SYSLINUX to chain-load ("DEFAULT chain.bin"): proves that
; SYSLINUX read its configuration and a file from the FAT file system through INT 13h,
; then ends the run (exit status 1).

        org     0x7C00
        bits    16
start:  cli
        xor     ax, ax
        mov     ds, ax
        mov     ss, ax
        mov     sp, 0x7C00
        cld
        mov     si, msg
.l:     lodsb
        test    al, al
        jz      .e
        out     0xE9, al
        jmp     .l
.e:     xor     al, al
        out     0xF4, al
        hlt
msg:    db      "chained from SYSLINUX", 10, 0
        times   510 - ($ - $$) db 0
        dw      0xAA55
