; int15.asm -- INT 15h system services.
;
; Implemented: 24h A20 gate (00h off, 01h on, 02h status, 03h support), 4Fh keyboard
; intercept (default: process the key), 83h event wait, 85h SysReq, 86h wait CX:DX
; microseconds, 87h block move (served by the host), 88h extended memory size, 90h/91h
; device busy/post, C0h configuration table, C1h EBDA segment, E801h and E820h memory map.
; Everything else returns CF = 1, AH = 86h (function not supported): APM (53h), the PS/2
; mouse (C2h), 89h protected mode switch...
;
; The memory map comes from the CMOS bytes the board fills (30h/31h: KiB above 1 MiB,
; 34h/35h: 64 KiB blocks above 16 MiB); the holes are the EBDA (9FC00-9FFFF), the VGA
; window and option-ROM area (A0000-EFFFF, not listed) and the BIOS ROM (F0000-FFFFF and
; its alias below 4 GiB).

%define SMAP    0x534D4150              ; "SMAP"
%define E820_COUNT      5
%define E820_RAM_INDEX  3

int15:
        cmp     ah, 0x4F
        je      .ok_cf_set
        cmp     ax, 0xE820
        je      e820
        cmp     ax, 0xE801
        je      e801
        cmp     ah, 0x87
        je      .move_block
        cmp     ah, 0x88
        je      .ext_mem
        cmp     ah, 0x86
        je      wait_us
        cmp     ah, 0x83
        je      event_wait
        cmp     ah, 0x24
        je      a20_gate
        cmp     ah, 0xC0
        je      .config
        cmp     ah, 0xC1
        je      .ebda
        cmp     ah, 0x85
        je      .ok_ah0
        cmp     ah, 0x90
        je      .ok_ah0
        cmp     ah, 0x91
        je      .ok_ah0
.unsupported:
        mov     ah, 0x86
        jmp     iret_cf_set
.ok_cf_set:                             ; AH=4Fh: CF = 1, "process this scan code"
        jmp     iret_cf_set
.ok_ah0:
        xor     ah, ah
        jmp     iret_cf_clear
.move_block:
        HOSTCALL HC_MOVE_BLOCK
.ext_mem:
        mov     al, CMOS_EXT_KIB
        call    cmos_read_word
        jmp     iret_cf_clear
.config:
        push    cs
        pop     es
        mov     bx, config_table
        xor     ah, ah
        jmp     iret_cf_clear
.ebda:
        push    BDA_SEG
        pop     es
        mov     es, [es:BDA_EBDA]
        jmp     iret_cf_clear

; --- E820h: the memory map, one entry per call (EBX = continuation) ------------------------
e820:
        cmp     edx, SMAP
        jne     .fail
        cmp     ecx, 20
        jb      .fail
        cmp     ebx, E820_COUNT
        jae     .fail
        push    si
        mov     si, bx
        imul    si, si, 12
        add     si, e820_table
        mov     eax, [cs:si]            ; base
        mov     [es:di], eax
        mov     dword [es:di + 4], 0
        mov     eax, [cs:si + 4]        ; length
        cmp     bx, E820_RAM_INDEX
        jne     .len
        call    ram_bytes
        sub     eax, 0x100000
.len:   mov     [es:di + 8], eax
        mov     dword [es:di + 12], 0
        mov     eax, [cs:si + 8]        ; type
        mov     [es:di + 16], eax
        pop     si
        inc     ebx
        cmp     ebx, E820_COUNT
        jb      .more
        xor     ebx, ebx                ; that was the last one
.more:  mov     eax, SMAP
        mov     ecx, 20
        jmp     iret_cf_clear
.fail:  mov     ah, 0x86
        jmp     iret_cf_set

e820_table:                             ; base, length, type (1 RAM, 2 reserved)
        dd      0x00000000, BASE_MEM_KIB * 1024, 1
        dd      EBDA_SEG * 16, EBDA_KIB * 1024, 2
        dd      0x000F0000, 0x00010000, 2
        dd      0x00100000, 0, 1        ; length from the CMOS
        dd      0xFFFF0000, 0x00010000, 2

; --- E801h: AX = CX = KiB between 1 and 16 MiB, BX = DX = 64 KiB blocks above 16 MiB -------
e801:
        mov     al, CMOS_EXT_KIB
        call    cmos_read_word
        cmp     ax, 0x3C00
        jbe     .low
        mov     ax, 0x3C00
.low:   mov     cx, ax
        push    ax
        mov     al, CMOS_HIGH_64K
        call    cmos_read_word
        mov     bx, ax
        mov     dx, ax
        pop     ax
        jmp     iret_cf_clear

; --- AH=24h: the A20 gate, through both port 92h and the 8042 -----------------------------
a20_gate:
        cmp     al, 0x00
        je      .off
        cmp     al, 0x01
        je      .on
        cmp     al, 0x02
        je      .status
        cmp     al, 0x03
        je      .support
        jmp     int15.unsupported
.off:   push    ax
        in      al, PORT_A20
        and     al, 0xFC
        out     PORT_A20, al
        call    kbc_wait
        mov     al, 0xDD                ; 8042: A20 off
        out     KBD_STATUS, al
        pop     ax
        jmp     .ok
.on:    push    ax
        in      al, PORT_A20
        or      al, 0x02
        and     al, 0xFE
        out     PORT_A20, al
        call    kbc_wait
        mov     al, 0xDF                ; 8042: A20 on
        out     KBD_STATUS, al
        pop     ax
        jmp     .ok
.status:
        ; Does FFFF:0500 (1 MiB + 04F0h) alias 0000:04F0?
        push    ds
        push    es
        push    bx
        push    cx
        xor     ax, ax
        mov     ds, ax
        dec     ax
        mov     es, ax
        mov     bl, [0x4F0]
        mov     bh, [es:0x500]
        mov     byte [0x4F0], 0x00
        mov     byte [es:0x500], 0xFF
        mov     cl, [0x4F0]             ; FFh if the write wrapped
        mov     [es:0x500], bh
        mov     [0x4F0], bl
        xor     al, al
        cmp     cl, 0xFF
        je      .st
        inc     al                      ; enabled
.st:    pop     cx
        pop     bx
        pop     es
        pop     ds
        jmp     .ok
.support:
        mov     bx, 0x0003              ; 8042 and port 92h
.ok:    xor     ah, ah
        jmp     iret_cf_clear

; --- AH=86h: wait CX:DX microseconds (RTC periodic interrupt, 976 us steps) ---------------
wait_us:
        push    ds
        push    BDA_SEG
        pop     ds
        test    byte [BDA_WAIT_ACTIVE], 0x01
        jnz     .busy
        mov     byte [BDA_WAIT_ACTIVE], 0x01
        mov     word [BDA_WAIT_PTR], BDA_WAIT_ACTIVE    ; the flag INT 70h sets: our own
        mov     word [BDA_WAIT_PTR + 2], BDA_SEG
        mov     [BDA_WAIT_COUNT], dx
        mov     [BDA_WAIT_COUNT + 2], cx
        call    rtc_pie_on
.w:     cli
        test    byte [BDA_WAIT_ACTIVE], 0x80
        jnz     .done
        sti
        hlt                             ; STI's shadow: no interrupt is missed before HLT
        jmp     .w
.done:  mov     byte [BDA_WAIT_ACTIVE], 0
        pop     ds
        xor     ah, ah
        jmp     iret_cf_clear
.busy:  pop     ds
        mov     ah, 0x83
        jmp     iret_cf_set

; --- AH=83h: AL=00h: set bit 7 of ES:BX after CX:DX microseconds; AL=01h: cancel -----------
event_wait:
        push    ds
        push    BDA_SEG
        pop     ds
        cmp     al, 0x01
        je      .cancel
        test    byte [BDA_WAIT_ACTIVE], 0x01
        jnz     .busy
        mov     byte [BDA_WAIT_ACTIVE], 0x01
        mov     [BDA_WAIT_PTR], bx
        mov     [BDA_WAIT_PTR + 2], es
        mov     [BDA_WAIT_COUNT], dx
        mov     [BDA_WAIT_COUNT + 2], cx
        call    rtc_pie_on
        pop     ds
        jmp     iret_cf_clear
.cancel:
        mov     byte [BDA_WAIT_ACTIVE], 0
        call    rtc_pie_off
        pop     ds
        jmp     iret_cf_clear
.busy:  pop     ds
        mov     ah, 0x80
        jmp     iret_cf_set

; rtc_pie_on / rtc_pie_off: the RTC periodic interrupt (1024 Hz), IRQ 8 unmasked.
rtc_pie_on:
        push    ax
        mov     al, CMOS_REG_B
        call    cmos_read
        or      al, 0x40
        mov     ah, al
        mov     al, CMOS_REG_B
        call    cmos_write
        mov     al, CMOS_REG_C
        call    cmos_read
        in      al, PIC2_DATA
        and     al, 0xFE
        out     PIC2_DATA, al
        in      al, PIC1_DATA
        and     al, 0xFB
        out     PIC1_DATA, al
        pop     ax
        ret
rtc_pie_off:
        push    ax
        mov     al, CMOS_REG_B
        call    cmos_read
        and     al, 0xBF
        mov     ah, al
        mov     al, CMOS_REG_B
        call    cmos_write
        pop     ax
        ret

; cmos_write: CMOS register AL = AH.
cmos_write:
        out     CMOS_INDEX, al
        xchg    al, ah
        out     CMOS_DATA, al
        xchg    al, ah
        ret
