; boot.asm -- the boot sector of the IronPC demo disk, and the disk image around it.
;
; The BIOS loads this sector to 0000:7C00 and jumps here with DL = the boot drive. It asks
; the BIOS for the drive's geometry (INT 13h AH=08h), reads the demo program (demo.asm,
; assembled first into demo.bin) from the sectors that follow, one sector at a time
; through INT 13h AH=02h, to 0000:8000, and jumps to it with DL unchanged.
;
; Assembling this file makes the whole 360 KiB floppy image: this sector, the program,
; zeros. See build.sh.
        org     0x7C00
        bits    16

%define LOAD    0x8000                  ; where the program goes (and runs)
%define IMAGE   368640                  ; 360 KiB: 40 cylinders, 2 heads, 9 sectors

start:  jmp     0:.go                   ; CS = 0, whatever the BIOS jumped with
.go:    xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00              ; the stack grows down from this sector
        sti
        mov     [drive], dl
        mov     si, msg_load
        call    puts

        ; Geometry: CL bits 0-5 = sectors per track, DH = last head.
        mov     ah, 0x08
        xor     di, di
        int     0x13                    ; (for a floppy, ES:DI -> its parameter table)
        jc      fail
        push    ds
        pop     es                      ; ES = 0 again, for the reads
        and     cx, 0x3F
        mov     [spt], cx
        movzx   dx, dh
        inc     dx
        mov     [heads], dx

        ; Read sectors 1..SECTORS (LBA) to LOAD.
        mov     bx, LOAD
        mov     word [lba], 1
.next:  mov     byte [tries], 3
.retry: mov     ax, [lba]               ; LBA -> cylinder, head, sector
        xor     dx, dx
        div     word [spt]
        inc     dx
        mov     cl, dl                  ; sector (1-based)
        xor     dx, dx
        div     word [heads]
        mov     dh, dl                  ; head
        mov     ch, al                  ; cylinder (a floppy has fewer than 256)
        mov     dl, [drive]
        mov     ax, 0x0201              ; read 1 sector to ES:BX
        int     0x13
        jnc     .ok
        xor     ah, ah                  ; reset the drive and try again
        mov     dl, [drive]
        int     0x13
        dec     byte [tries]
        jnz     .retry
        jmp     fail
.ok:    mov     al, '.'
        call    putc
        add     bx, 512
        inc     word [lba]
        cmp     word [lba], SECTORS
        jbe     .next
        mov     si, msg_ok
        call    puts
        mov     dl, [drive]
        jmp     0:LOAD

fail:   mov     si, msg_fail
        call    puts
        int     0x18                    ; "boot failed": the BIOS tries the next device

puts:   lodsb                           ; DS:SI -> zero-terminated string
        test    al, al
        jz      .r
        call    putc
        jmp     puts
.r:     ret

putc:   pusha                           ; teletype (the BIOS copies it to port E9h)
        mov     ah, 0x0E
        mov     bx, 0x0007
        int     0x10
        popa
        ret

msg_load:   db  "IronPC demo disk: loading", 0
msg_ok:     db  " ok", 13, 10, 0
msg_fail:   db  13, 10, "demo disk: read error", 13, 10, 0

drive:  db      0
tries:  db      0
spt:    dw      0
heads:  dw      0
lba:    dw      0

SECTORS equ     (payload_end - payload + 511) / 512
%if SECTORS > 56
%error "the program does not fit between 8000h and F000h"
%endif

        times   510-($-$$) db 0
        dw      0xAA55

payload:
        incbin  "demo.bin"
payload_end:
        times   IMAGE-($-$$) db 0
