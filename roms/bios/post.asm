; post.asm -- the power-on self test: from the reset vector to INT 19h.
;
; Order: A20 on, stack, interrupt vectors, EBDA and BIOS data area (from the CMOS bytes the
; board filled: drives, memory, boot order), interrupt controllers (vectors 08h and 70h),
; timer (18.2 Hz), RTC, keyboard controller, video mode 03h, banner, option ROMs at
; C0000-EFFFF, then the bootstrap loader.

post:
        cli
        cld
        in      al, PORT_A20            ; fast A20 on, never the reset bit
        or      al, 0x02
        and     al, 0xFE
        out     PORT_A20, al
        xor     ax, ax
        mov     ss, ax
        mov     sp, POST_STACK
        mov     ds, ax
        mov     es, ax

; --- Interrupt vector table ---------------------------------------------------------------
        xor     di, di                  ; IVT and BDA: 0000-04FF
        mov     cx, 0x500 / 2
        rep     stosw
        xor     di, di
        mov     ax, dummy_iret
        mov     cx, 256
        call    .fill
        mov     di, 0x08 * 4
        mov     ax, irq_master_default
        mov     cx, 8
        call    .fill
        mov     di, 0x70 * 4
        mov     ax, irq_slave_default
        mov     cx, 8
        call    .fill
        mov     si, vectors
.vec:   cs lodsb
        cmp     al, 0xFF
        je      .ebda
        movzx   di, al
        shl     di, 2
        cs lodsw
        mov     [di], ax
        mov     [di + 2], cs
        jmp     .vec

; --- Extended BIOS data area: 1 KiB at 9FC00 ---------------------------------------------
.ebda:
        push    EBDA_SEG
        pop     es
        xor     di, di
        xor     ax, ax
        mov     cx, EBDA_KIB * 512
        rep     stosw
        mov     byte [es:EBDA_SIZE_KIB], EBDA_KIB

; --- BIOS data area ----------------------------------------------------------------------
        push    BDA_SEG
        pop     ds
        mov     word [BDA_EBDA], EBDA_SEG
        mov     word [BDA_MEMSIZE], BASE_MEM_KIB
        mov     word [BDA_KBHEAD], BDA_KBBUF
        mov     word [BDA_KBTAIL], BDA_KBBUF
        mov     word [BDA_KBSTART], BDA_KBBUF
        mov     word [BDA_KBEND], BDA_KBBUF + 32
        mov     byte [BDA_KBMODE], 0x10 ; 101/102-key keyboard
        mov     dword [BDA_LPT_TO], 0x14141414
        mov     dword [BDA_COM_TO], 0x12121212  ; about one second each
        ; Equipment word, built in SI.
        mov     eax, 1
        cpuid
        xor     si, si
        test    dl, 1                   ; x87 FPU
        jz      .nofpu
        or      si, 0x0002
.nofpu: or      si, 0x0024              ; initial video 80x25 colour; PS/2 mouse port
        mov     al, CMOS_EQUIP
        call    cmos_read
        test    al, 0x01                ; diskette drives (count - 1 in bits 7-6)
        jz      .nofd
        and     ax, 0x00C1
        or      si, ax
.nofd:  mov     dx, 0x3FF               ; COM1: is there a UART (scratch register)?
        mov     al, 0x5A
        out     dx, al
        in      al, dx
        cmp     al, 0x5A
        jne     .nocom
        mov     al, 0xA5
        out     dx, al
        in      al, dx
        cmp     al, 0xA5
        jne     .nocom
        mov     word [BDA_COM1], 0x3F8
        or      si, 0x0200              ; one serial port
.nocom: mov     [BDA_EQUIP], si
        ; Fixed disks: CMOS 12h, a nibble per disk.
        mov     al, CMOS_DISKS
        call    cmos_read
        xor     cl, cl
        test    al, 0xF0
        jz      .d1
        inc     cl
.d1:    test    al, 0x0F
        jz      .d2
        inc     cl
.d2:    mov     [BDA_HD_COUNT], cl

; --- Interrupt controllers: master at 08h, slave at 70h (the PC/AT vectors) ---------------
        mov     al, 0x11                ; ICW1: edge, cascade, ICW4
        out     PIC1_CMD, al
        out     PIC2_CMD, al
        mov     al, 0x08                ; ICW2: vector bases
        out     PIC1_DATA, al
        mov     al, 0x70
        out     PIC2_DATA, al
        mov     al, 0x04                ; ICW3: slave on IRQ 2
        out     PIC1_DATA, al
        mov     al, 0x02
        out     PIC2_DATA, al
        mov     al, 0x01                ; ICW4: 8086 mode
        out     PIC1_DATA, al
        out     PIC2_DATA, al
        mov     al, 0xF8                ; unmask IRQ 0 (timer), 1 (keyboard), 2 (cascade)
        out     PIC1_DATA, al
        mov     al, 0xFE                ; unmask IRQ 8 (RTC: INT 15h waits, INT 1Ah alarm)
        out     PIC2_DATA, al

; --- Timer: channel 0, mode 3, count 0 (65536): 18.2 Hz ------------------------------------
        mov     al, 0x36
        out     PIT_CTRL, al
        xor     al, al
        out     PIT_CH0, al
        out     PIT_CH0, al

; --- RTC: 32.768 kHz, 1024 Hz periodic rate, 24-hour BCD, no interrupts yet ----------------
        mov     al, CMOS_REG_A
        out     CMOS_INDEX, al
        mov     al, 0x26
        out     CMOS_DATA, al
        mov     al, CMOS_REG_B
        out     CMOS_INDEX, al
        mov     al, 0x02
        out     CMOS_DATA, al
        mov     al, CMOS_REG_C
        call    cmos_read
        call    rtc_to_ticks            ; timer ticks since midnight from the clock
        mov     [BDA_TICKS], eax

; --- Keyboard controller: keyboard interrupt, translation to set 1, keyboard enabled -------
        call    kbc_wait
        mov     al, 0x60                ; write command byte
        out     KBD_STATUS, al
        call    kbc_wait
        mov     al, 0x65                ; IRQ 1, system flag, mouse off, translate
        out     KBD_DATA, al
        call    kbc_wait
        mov     al, 0xAE                ; enable the keyboard interface
        out     KBD_STATUS, al
        ; A key already waiting raised IRQ 1 before the interrupt controller was set up,
        ; and that edge is gone: take the byte now, the next ones interrupt as usual.
        in      al, KBD_STATUS
        test    al, 0x01
        jz      .video
        int     0x09
.video:

; --- Video: mode 03h (registers, palette, 8x16 font, clear) ---------------------------------
        mov     ax, 0x0003
        int     0x10

; --- Banner ------------------------------------------------------------------------------
        mov     si, msg_banner
        call    print
        mov     si, msg_ram
        call    print
        call    ram_bytes
        shr     eax, 10
        call    print_dec
        mov     si, msg_kib
        call    print
        mov     ax, [BDA_EQUIP]
        xor     ah, ah
        test    al, 1
        jz      .nfd
        shr     al, 6
        inc     al
        jmp     .pfd
.nfd:   xor     al, al
.pfd:   movzx   eax, al
        call    print_dec
        mov     si, msg_disks
        call    print
        movzx   eax, byte [BDA_HD_COUNT]
        call    print_dec
        mov     si, msg_crlf
        call    print

; --- Option ROMs: 55AAh, size in 512-byte blocks, checksum 0, far call to offset 3 ---------
        mov     bx, 0xC000
.rom:   mov     es, bx
        cmp     word [es:0], 0xAA55
        jne     .rom_next
        movzx   cx, byte [es:2]
        jcxz    .rom_next
        push    cx
        xor     al, al                  ; checksum, 512 bytes per block
.sum_block:
        xor     si, si
.sum:   add     al, [es:si]
        inc     si
        cmp     si, 512
        jb      .sum
        mov     dx, es
        add     dx, 0x20
        mov     es, dx
        loop    .sum_block
        pop     cx
        test    al, al
        jnz     .rom_next
        pushad
        push    ds
        push    cs                      ; far call BX:0003
        push    word .rom_back
        push    bx
        push    word 3
        retf
.rom_back:
        cli
        cld
        pop     ds
        popad
        shl     cx, 5                   ; paragraphs, rounded up to 2 KiB
        add     cx, 0x7F
        and     cx, 0xFF80
        add     bx, cx
        jmp     .rom_end
.rom_next:
        add     bx, 0x80
.rom_end:
        cmp     bx, 0xF000
        jb      .rom

; --- Boot -----------------------------------------------------------------------------
        sti
        int     0x19
        jmp     int19

; Store the far pointer CS:AX at ES:DI, CX times.
.fill:  stosw
        mov     [es:di], cs
        add     di, 2
        loop    .fill
        ret

; Wait (bounded) until the 8042 can take a byte.
kbc_wait:
        push    cx
        mov     cx, 0xFFFF
.w:     in      al, KBD_STATUS
        test    al, 0x02
        loopnz  .w
        pop     cx
        ret

; cmos_read_word: AL = first of two CMOS bytes (low, high) -> AX.
cmos_read_word:
        push    bx
        mov     bl, al
        inc     al
        call    cmos_read
        mov     ah, al
        mov     al, bl
        call    cmos_read
        pop     bx
        ret

; ram_bytes: EAX = bytes of RAM from 0 (CMOS 34h/35h if set, else 30h/31h).
ram_bytes:
        mov     al, CMOS_HIGH_64K
        call    cmos_read_word
        movzx   eax, ax
        test    eax, eax
        jz      .low
        shl     eax, 16
        add     eax, 16 << 20
        ret
.low:   mov     al, CMOS_EXT_KIB
        call    cmos_read_word
        movzx   eax, ax
        shl     eax, 10
        add     eax, 1 << 20
        ret

; bcd_read: AL = RTC register -> AL = its BCD value as binary.
bcd_read:
        call    cmos_read
        push    cx
        mov     cl, al
        shr     al, 4
        mov     ch, 10
        mul     ch
        and     cl, 0x0F
        add     al, cl
        pop     cx
        ret

; rtc_to_ticks: EAX = ticks since midnight for the RTC time (seconds x 1573040 / 86400).
rtc_to_ticks:
        push    ebx
        push    edx
        call    rtc_wait_uip
        mov     al, 0x04                ; hours
        call    bcd_read
        movzx   ebx, al
        imul    ebx, ebx, 60
        mov     al, 0x02                ; minutes
        call    bcd_read
        movzx   eax, al
        add     ebx, eax
        imul    ebx, ebx, 60
        mov     al, 0x00                ; seconds
        call    bcd_read
        movzx   eax, al
        add     eax, ebx
        mov     ebx, TICKS_PER_DAY
        mul     ebx
        mov     ebx, 86400
        div     ebx
        pop     edx
        pop     ebx
        ret

; Wait (bounded) while the RTC update is in progress.
rtc_wait_uip:
        push    cx
        mov     cx, 0xFFFF
.u:     mov     al, CMOS_REG_A
        call    cmos_read
        test    al, 0x80
        loopnz  .u
        pop     cx
        ret

vectors:
        db      0x08
        dw      int08
        db      0x09
        dw      int09
        db      0x10
        dw      int10
        db      0x11
        dw      int11
        db      0x12
        dw      int12
        db      0x13
        dw      int13
        db      0x14
        dw      int14
        db      0x15
        dw      int15
        db      0x16
        dw      int16
        db      0x17
        dw      int17
        db      0x18
        dw      int18
        db      0x19
        dw      int19
        db      0x1A
        dw      int1a
        db      0x1D
        dw      video_params_cga
        db      0x1E
        dw      diskette_params
        db      0x1F
        dw      font8x8 + 1024
        db      0x40
        dw      int13
        db      0x43
        dw      font8x8
        db      0x70
        dw      int70
        db      0xFF

msg_banner:     db      "IronPC BIOS 0.1", 13, 10, 0
msg_ram:        db      "RAM: ", 0
msg_kib:        db      " KiB, floppy drives: ", 0
msg_disks:      db      ", hard disks: ", 0
