; misc.asm -- small services, default handlers, the boot loader (INT 18h/19h) and the
; console helpers used by the POST.

; --- Returning CF to an INT caller ----------------------------------------------------------
; Jump here with only the caller's IRET frame on the stack: set or clear CF in the saved
; FLAGS and return. Everything else (registers, IF) is as the handler left it / as saved.
iret_cf_clear:
        push    bp
        mov     bp, sp
        and     byte [bp + 6], 0xFE
        pop     bp
        iret
iret_cf_set:
        push    bp
        mov     bp, sp
        or      byte [bp + 6], 0x01
        pop     bp
        iret

; --- Default hardware interrupt handlers: acknowledge and return -----------------------------
irq_master_default:
        push    ax
        mov     al, 0x20
        out     PIC1_CMD, al
        pop     ax
        iret
irq_slave_default:
        push    ax
        mov     al, 0x20
        out     PIC2_CMD, al
        out     PIC1_CMD, al
        pop     ax
        iret

; --- INT 11h: equipment list; INT 12h: base memory size -------------------------------------
int11:
        push    ds
        push    BDA_SEG
        pop     ds
        mov     ax, [BDA_EQUIP]
        pop     ds
        iret
int12:
        push    ds
        push    BDA_SEG
        pop     ds
        mov     ax, [BDA_MEMSIZE]
        pop     ds
        iret

; --- INT 17h: printer. There is none: every call reports a time-out. ----------------------
int17:
        mov     ah, 0x01                ; status: time-out
        iret

; --- INT 14h: serial ports through the 16550 UARTs listed in the BDA ------------------------
; AH=00h init (AL = parameters), 01h send AL, 02h receive into AL, 03h status.
; Returns AH = line status (bit 7: time-out), AL = modem status (00h, 03h).
int14:
        sti
        push    bx
        push    cx
        push    dx
        push    si
        push    ds
        push    BDA_SEG
        pop     ds
        cmp     dx, 3
        ja      .absent
        mov     si, dx
        shl     si, 1
        mov     bx, [BDA_COM1 + si]     ; BX = port base
        test    bx, bx
        jz      .absent
        cmp     ah, 0
        je      .init
        cmp     ah, 1
        je      .send
        cmp     ah, 2
        je      .recv
        cmp     ah, 3
        je      .status
.absent:
        mov     ah, 0x80
        jmp     .out
.init:
        push    ax
        mov     si, ax
        and     si, 0xE0
        shr     si, 4                   ; baud index x 2
        lea     dx, [bx + 3]
        mov     al, 0x80                ; DLAB
        out     dx, al
        mov     ax, [cs:baud_table + si]
        mov     dx, bx
        out     dx, al                  ; divisor low
        inc     dx
        mov     al, ah
        out     dx, al                  ; divisor high
        pop     ax
        and     al, 0x1F                ; parity, stop bits, word length
        lea     dx, [bx + 3]
        out     dx, al
        lea     dx, [bx + 1]
        xor     al, al
        out     dx, al                  ; no UART interrupts
        jmp     .status
.send:
        push    ax                      ; AL = the character
        call    .timeout_ticks
        lea     dx, [bx + 5]
.send_wait:
        in      al, dx
        test    al, 0x20                ; THR empty
        jnz     .send_now
        call    .tick_passed
        jnz     .send_wait
        or      al, 0x80                ; time-out
        mov     ah, al
        pop     dx
        mov     al, dl
        jmp     .out
.send_now:
        pop     ax
        mov     dx, bx
        out     dx, al
        push    ax
        lea     dx, [bx + 5]
        in      al, dx
        mov     ah, al
        pop     dx
        mov     al, dl                  ; AL as the caller gave it
        jmp     .out
.recv:
        call    .timeout_ticks
        lea     dx, [bx + 5]
.recv_wait:
        in      al, dx
        test    al, 0x01                ; data ready
        jnz     .recv_now
        call    .tick_passed
        jnz     .recv_wait
        mov     ah, al
        or      ah, 0x80
        jmp     .out
.recv_now:
        and     al, 0x1E                ; error bits
        mov     ah, al
        mov     dx, bx
        in      al, dx
        jmp     .out
.status:
        lea     dx, [bx + 5]
        in      al, dx
        mov     ah, al
        lea     dx, [bx + 6]
        in      al, dx
.out:
        pop     ds
        pop     si
        pop     dx
        pop     cx
        pop     bx
        iret
; CX = the port's time-out in timer ticks (BDA 7Ch + port, at least 1); SI = start tick.
.timeout_ticks:
        push    si
        shr     si, 1
        movzx   cx, byte [BDA_COM_TO + si]
        pop     si
        test    cx, cx
        jnz     .tt
        inc     cx
.tt:    mov     si, [BDA_TICKS]
        ret
; ZF = 1 once CX ticks have passed since SI (keeps AL).
.tick_passed:
        push    ax
        mov     ax, [BDA_TICKS]
        sub     ax, si
        cmp     ax, cx
        pop     ax
        jb      .tp_no
        cmp     ax, ax                  ; ZF = 1: timed out
        ret
.tp_no: or      sp, sp                  ; ZF = 0 (SP is never 0 here)
        ret

; --- Console output for the POST and the boot loader -----------------------------------------
; print: the ASCIZ string at CS:SI through INT 10h teletype (which also copies every
; character to the debug console, port E9h).
print:
        push    ax
        push    bx
        push    si
.next:  cs lodsb
        test    al, al
        jz      .done
        mov     ah, 0x0E
        mov     bx, 0x0007
        int     0x10
        jmp     .next
.done:  pop     si
        pop     bx
        pop     ax
        ret

; print_dec: EAX as an unsigned decimal number.
print_dec:
        pushad
        mov     ebx, 10
        xor     cx, cx
.div:   xor     edx, edx
        div     ebx
        push    dx
        inc     cx
        test    eax, eax
        jnz     .div
.out:   pop     ax
        add     al, '0'
        mov     ah, 0x0E
        mov     bx, 0x0007
        int     0x10
        loop    .out
        popad
        ret

; print_hex8: AL as two hex digits.
print_hex8:
        push    ax
        push    bx
        push    cx
        mov     cx, 2
        mov     bl, al
.h:     rol     bl, 4
        mov     al, bl
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .d
        add     al, 'A' - '9' - 1
.d:     push    bx
        mov     ah, 0x0E
        mov     bx, 0x0007
        int     0x10
        pop     bx
        loop    .h
        pop     cx
        pop     bx
        pop     ax
        ret

; cmos_read: AL = CMOS register -> AL = value.
cmos_read:
        out     CMOS_INDEX, al
        in      al, CMOS_DATA
        ret

; --- INT 19h: bootstrap loader -----------------------------------------------------------
; Tries the devices of the boot order (CMOS 3Dh: low nibble first, high nibble second;
; 1 = floppy A:, 2 = hard disk C:). For each: present? read the first sector to 0000:7C00
; (three tries), 55AAh signature? then jump there with DL = drive. Each failure is said on
; the screen, the debug console and the host's standard error. INT 18h (a boot sector
; giving up) goes on with the next device.
int19:
        cli
        xor     ax, ax
        mov     ss, ax
        mov     sp, POST_STACK
        mov     ds, ax
        mov     es, ax
        cld
        sti
        xor     cx, cx                  ; CL = index in the boot order
        jmp     boot_from

int18:
        cli
        xor     ax, ax
        mov     ss, ax
        mov     sp, POST_STACK
        cld
        sti
        mov     si, msg_int18
        call    print
        call    host_log
        push    EBDA_SEG
        pop     ds
        mov     cl, [EBDA_BOOTDEV]
        inc     cl

; CL = index of the device to try first (0 or 1).
boot_from:
        cmp     cl, 2
        jae     .none
        push    EBDA_SEG
        pop     ds
        mov     [EBDA_BOOTDEV], cl
        mov     al, CMOS_BOOT
        call    cmos_read
        test    cl, cl
        jz      .first
        shr     al, 4
.first: and     al, 0x0F
        cmp     al, 1
        je      .floppy
        cmp     al, 2
        je      .disk
        inc     cl                      ; nothing in this slot
        jmp     boot_from
.floppy:
        mov     dl, 0x00
        mov     si, msg_boot_a
        mov     di, names_a
        push    BDA_SEG
        pop     ds
        test    byte [BDA_EQUIP], 1
        jnz     try_boot
        jmp     .absent
.disk:
        mov     dl, 0x80
        mov     si, msg_boot_c
        mov     di, names_c
        push    BDA_SEG
        pop     ds
        cmp     byte [BDA_HD_COUNT], 0
        jne     try_boot
.absent:
        mov     si, [cs:di]             ; "... not present"
        jmp     boot_fail
.none:
        mov     si, msg_no_boot
        call    print
        call    host_log
        cli
.halt:  hlt
        jmp     .halt

; DL = drive, SI = "Booting from ..." message, DI = the device's message table.
try_boot:
        call    print
        mov     bp, 3                   ; tries
.retry: xor     ax, ax
        int     0x13                    ; reset
        xor     ax, ax
        mov     es, ax
        mov     bx, BOOT_ADDR
        mov     ax, 0x0201
        mov     cx, 0x0001
        mov     dh, 0
        int     0x13
        jnc     .read
        dec     bp
        jnz     .retry
        mov     si, [cs:di + 2]         ; "... cannot read the boot sector"
        jmp     boot_fail
.read:  cmp     word [es:BOOT_ADDR + 510], 0xAA55
        je      .go
        mov     si, [cs:di + 4]         ; "... not bootable (no 55AAh signature)"
        jmp     boot_fail
.go:    cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, BOOT_ADDR
        xor     bx, bx
        xor     cx, cx
        xor     si, si
        xor     di, di
        xor     bp, bp
        mov     dh, 0
        sti
        jmp     0x0000:BOOT_ADDR

; SI = the failure message: say it, then try the next device.
boot_fail:
        call    print
        call    host_log
        mov     si, msg_crlf
        call    print
        push    EBDA_SEG
        pop     ds
        mov     cl, [EBDA_BOOTDEV]
        inc     cl
        jmp     boot_from

names_a:        dw      msg_a_absent, msg_a_read, msg_a_sig
names_c:        dw      msg_c_absent, msg_c_read, msg_c_sig
msg_boot_a:     db      "Booting from floppy A:...", 13, 10, 0
msg_boot_c:     db      "Booting from hard disk C:...", 13, 10, 0
msg_a_absent:   db      "No bootable device: floppy A: is not present", 0
msg_a_read:     db      "No bootable device: floppy A: cannot read the boot sector", 0
msg_a_sig:      db      "No bootable device: floppy A: is not bootable (no 55AAh signature)", 0
msg_c_absent:   db      "No bootable device: hard disk C: is not present", 0
msg_c_read:     db      "No bootable device: hard disk C: cannot read the boot sector", 0
msg_c_sig:      db      "No bootable device: hard disk C: is not bootable (no 55AAh signature)", 0
msg_int18:      db      "Boot failed: the boot sector gave up (INT 18h)", 13, 10, 0
msg_no_boot:    db      "No bootable device left: system halted", 13, 10, 0
msg_crlf:       db      13, 10, 0
