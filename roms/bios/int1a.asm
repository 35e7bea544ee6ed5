; int1a.asm -- time: INT 08h (IRQ 0, the 18.2 Hz tick), INT 1Ah, INT 70h (IRQ 8, the RTC).

; --- INT 08h: count the tick, roll over at midnight, run INT 1Ch, acknowledge -------------
int08:
        push    ax
        push    ds
        push    BDA_SEG
        pop     ds
        inc     dword [BDA_TICKS]
        cmp     dword [BDA_TICKS], TICKS_PER_DAY
        jb      .motor
        mov     dword [BDA_TICKS], 0
        mov     byte [BDA_MIDNIGHT], 1
.motor: cmp     byte [BDA_FD_MOTOR_TO], 0
        je      .user
        dec     byte [BDA_FD_MOTOR_TO]
        jnz     .user
        and     byte [BDA_FD_MOTOR], 0xF0
.user:  int     0x1C
        cli
        mov     al, 0x20
        out     PIC1_CMD, al
        pop     ds
        pop     ax
        iret

; --- INT 1Ah: 00h/01h ticks, 02h-05h RTC time and date (BCD), 06h/07h alarm ---------------
int1a:
        sti
        cmp     ah, 0x00
        je      .get_ticks
        cmp     ah, 0x01
        je      .set_ticks
        cmp     ah, 0x02
        je      .get_time
        cmp     ah, 0x03
        je      .set_time
        cmp     ah, 0x04
        je      .get_date
        cmp     ah, 0x05
        je      .set_date
        cmp     ah, 0x06
        je      .set_alarm
        cmp     ah, 0x07
        je      .reset_alarm
        cmp     ah, 0xB1                ; PCI BIOS: not present
        jne     .bad
        mov     ah, 0x81
.bad:   jmp     iret_cf_set

.get_ticks:
        push    ds
        push    BDA_SEG
        pop     ds
        cli
        mov     dx, [BDA_TICKS]
        mov     cx, [BDA_TICKS + 2]
        mov     al, [BDA_MIDNIGHT]
        mov     byte [BDA_MIDNIGHT], 0
        sti
        pop     ds
        jmp     iret_cf_clear
.set_ticks:
        push    ds
        push    BDA_SEG
        pop     ds
        cli
        mov     [BDA_TICKS], dx
        mov     [BDA_TICKS + 2], cx
        mov     byte [BDA_MIDNIGHT], 0
        sti
        pop     ds
        xor     ah, ah
        jmp     iret_cf_clear
.get_time:
        push    ax
        call    rtc_wait_uip
        mov     al, 0x04
        call    cmos_read
        mov     ch, al
        mov     al, 0x02
        call    cmos_read
        mov     cl, al
        mov     al, 0x00
        call    cmos_read
        mov     dh, al
        mov     al, CMOS_REG_B
        call    cmos_read
        and     al, 0x01                ; daylight saving
        mov     dl, al
        pop     ax
        jmp     iret_cf_clear
.set_time:
        push    ax
        call    rtc_wait_uip
        call    .stop
        mov     al, 0x04
        mov     ah, ch
        call    cmos_write
        mov     al, 0x02
        mov     ah, cl
        call    cmos_write
        mov     al, 0x00
        mov     ah, dh
        call    cmos_write
        mov     al, CMOS_REG_B          ; run again: 24-hour BCD, DST from DL bit 0
        call    cmos_read
        and     al, 0x60
        or      al, 0x02
        mov     ah, dl
        and     ah, 0x01
        or      ah, al
        mov     al, CMOS_REG_B
        call    cmos_write
        pop     ax
        xor     ah, ah
        jmp     iret_cf_clear
.get_date:
        push    ax
        call    rtc_wait_uip
        mov     al, 0x32
        call    cmos_read
        mov     ch, al
        mov     al, 0x09
        call    cmos_read
        mov     cl, al
        mov     al, 0x08
        call    cmos_read
        mov     dh, al
        mov     al, 0x07
        call    cmos_read
        mov     dl, al
        pop     ax
        jmp     iret_cf_clear
.set_date:
        push    ax
        call    rtc_wait_uip
        call    .stop
        mov     al, 0x32
        mov     ah, ch
        call    cmos_write
        mov     al, 0x09
        mov     ah, cl
        call    cmos_write
        mov     al, 0x08
        mov     ah, dh
        call    cmos_write
        mov     al, 0x07
        mov     ah, dl
        call    cmos_write
        mov     al, CMOS_REG_B
        call    cmos_read
        and     al, 0x7F
        mov     ah, al
        mov     al, CMOS_REG_B
        call    cmos_write
        pop     ax
        xor     ah, ah
        jmp     iret_cf_clear
.set_alarm:
        push    ax
        mov     al, CMOS_REG_B
        call    cmos_read
        test    al, 0x20
        pop     ax
        jnz     .bad                    ; an alarm is already set
        push    ax
        mov     al, 0x05
        mov     ah, ch
        call    cmos_write
        mov     al, 0x03
        mov     ah, cl
        call    cmos_write
        mov     al, 0x01
        mov     ah, dh
        call    cmos_write
        mov     al, CMOS_REG_B
        call    cmos_read
        or      al, 0x20
        mov     ah, al
        mov     al, CMOS_REG_B
        call    cmos_write
        in      al, PIC2_DATA
        and     al, 0xFE
        out     PIC2_DATA, al
        pop     ax
        jmp     iret_cf_clear
.reset_alarm:
        push    ax
        mov     al, CMOS_REG_B
        call    cmos_read
        and     al, 0xDF
        mov     ah, al
        mov     al, CMOS_REG_B
        call    cmos_write
        pop     ax
        jmp     iret_cf_clear
; Stop the clock (register B SET) while it is being written.
.stop:  mov     al, CMOS_REG_B
        call    cmos_read
        or      al, 0x80
        mov     ah, al
        mov     al, CMOS_REG_B
        jmp     cmos_write

; --- INT 70h: RTC interrupt: the INT 15h wait count, the alarm (INT 4Ah) --------------------
int70:
        push    ax
        push    ds
        push    BDA_SEG
        pop     ds
        mov     al, CMOS_REG_C          ; reading register C acknowledges the RTC
        call    cmos_read
        test    al, 0x40                ; periodic
        jz      .alarm
        test    byte [BDA_WAIT_ACTIVE], 0x01
        jz      .alarm
        sub     dword [BDA_WAIT_COUNT], 976
        jnc     .alarm
        ; The wait is over: flag it, stop the periodic interrupt.
        and     byte [BDA_WAIT_ACTIVE], 0xFE
        push    es
        push    bx
        les     bx, [BDA_WAIT_PTR]
        or      byte [es:bx], 0x80
        pop     bx
        pop     es
        call    rtc_pie_off
.alarm: test    al, 0x20
        jz      .eoi
        int     0x4A
.eoi:   cli
        mov     al, 0x20
        out     PIC2_CMD, al
        out     PIC1_CMD, al
        pop     ds
        pop     ax
        iret
