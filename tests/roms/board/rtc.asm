; rtc.asm -- the MC146818 RTC and the CMOS memory:
;   * status registers A (32.768 kHz, 1024 Hz), B (24-hour BCD), D (valid RAM and time);
;   * the date and time at power-on, in BCD and in binary (register B DM), 24- and 12-hour
;     (register B 24/12), the century byte (32h) and the day of the week;
;   * an update: UIP (register A bit 7) rises and falls, the seconds advance by one and the
;     update-ended flag (register C UF) is set;
;   * with -DLEAP the clock starts at 2024-02-29 23:59:58 and two updates later reads
;     2024-03-01 00:00:00 (leap day and month, day, hour and minute carries);
;   * otherwise: setting the time with register B SET, the alarm flag, the update-ended
;     interrupt on IRQ8 (vector 70h);
;   * CMOS memory sizes (15h-18h, 30h-31h, 34h-35h) for -m MEM_MB, the checksum at 2Eh-2Fh,
;     a byte of general-purpose CMOS RAM.
; The test runs ironpc with -rtc base=2000-01-01T00:00:00 (or 2024-02-29T23:59:58 with
; -DLEAP) and -m MEM_MB.
;   nasm -f bin -I tests/roms/board/ -I tests/roms/ -DMEM_MB=32 -o rtc.rom rtc.asm
%include "board.inc"

%ifndef MEM_MB
%define MEM_MB 64
%endif

%ifdef LEAP
; 2024-02-29 23:59:58, a Thursday (day of week 5, Sunday = 1).
%define E_SEC  0x58
%define E_MIN  0x59
%define E_HOUR 0x23
%define E_DOW  5
%define E_DAY  0x29
%define E_MON  0x02
%define E_YEAR 0x24
%define E_CENT 0x20
%define H12    11                   ; 23 h: 11 PM
%define PM     0x80
%else
; 2000-01-01 00:00:00, a Saturday (day of week 7). Also the board's default start.
%define E_SEC  0x00
%define E_MIN  0x00
%define E_HOUR 0x00
%define E_DOW  7
%define E_DAY  0x01
%define E_MON  0x01
%define E_YEAR 0x00
%define E_CENT 0x20
%define H12    12                   ; 0 h: 12 AM
%define PM     0x00
%endif
%define BIN(x)  (((x) >> 4) * 10 + ((x) & 15))
%define BCD(x)  ((((x) / 10) << 4) | ((x) % 10))

%define V_TICKS   (VARS + 0x00)     ; dword: IRQ0 interrupts (8 kHz)
%define V_RTCI    (VARS + 0x04)     ; dword: IRQ8 interrupts
%define V_RTCC    (VARS + 0x08)     ; byte: register C read by the IRQ8 handler
%define V_SEC     (VARS + 0x09)     ; byte
%define V_SUM     (VARS + 0x0C)     ; word: checksum computed here

; RD reg -> AL (CMOS register, NMI left enabled)
%macro RD 1
        mov     al, %1
        call    cmos_read
%endmacro
; WR reg, value
%macro WR 2
        mov     ah, %2
        mov     al, %1
        call    cmos_write
%endmacro

        ROM_START
        STRAY_IVT
        SET_IVT 0x08, irq0
        SET_IVT 0x70, irq8
        mov     dword [V_TICKS], 0
        mov     dword [V_RTCI], 0
        PIC_INIT
        ; PIT counter 0 at 8 kHz (count 149, 125 us): HLT wakes often enough to see UIP,
        ; which is up for 244 us before each update.
        mov     al, 0x34
        out     0x43, al
        mov     al, 149
        out     0x40, al
        mov     al, 0
        out     0x40, al
        mov     al, 0xFA
        out     0x21, al

        SAY     "status registers"
        RD      0x0D
        CHKB    1, al, 0x80, "register D: valid RAM and time"
        RD      0x0B
        CHKB    2, al, 0x02, "register B: 24-hour, BCD, no interrupts"
        RD      0x0A
        and     al, 0x7F
        CHKB    3, al, 0x26, "register A: 32.768 kHz time base, 1024 Hz rate"

        SAY     "the date and time at power-on (BCD)"
        call    wait_no_uip
        RD      0x00
        CHKB    4, al, E_SEC, "seconds"
        RD      0x02
        CHKB    5, al, E_MIN, "minutes"
        RD      0x04
        CHKB    6, al, E_HOUR, "hours"
        RD      0x06
        CHKB    7, al, E_DOW, "day of the week"
        RD      0x07
        CHKB    8, al, E_DAY, "day of the month"
        RD      0x08
        CHKB    9, al, E_MON, "month"
        RD      0x09
        CHKB    10, al, E_YEAR, "year"
        RD      0x32
        CHKB    11, al, E_CENT, "century (CMOS 32h)"

        SAY     "binary mode (register B DM = 1), 24-hour"
        WR      0x0B, 0x06
        RD      0x04
        CHKB    12, al, BIN(E_HOUR), "hours, binary"
        RD      0x02
        CHKB    13, al, BIN(E_MIN), "minutes, binary"
        RD      0x07
        CHKB    14, al, BIN(E_DAY), "day of the month, binary"
        RD      0x08
        CHKB    15, al, BIN(E_MON), "month, binary"
        RD      0x09
        CHKB    16, al, BIN(E_YEAR), "year, binary"
        RD      0x32
        CHKB    17, al, BIN(E_CENT), "century, binary"
        WR      0x0B, 0x04              ; binary, 12-hour
        RD      0x04
        CHKB    18, al, H12 | PM, "hours, binary 12-hour (bit 7 = PM)"
        WR      0x0B, 0x00              ; BCD, 12-hour
        RD      0x04
        CHKB    19, al, BCD(H12) | PM, "hours, BCD 12-hour"
        WR      0x0B, 0x02              ; back to BCD, 24-hour
        RD      0x04
        CHKB    20, al, E_HOUR, "hours, BCD 24-hour again"

        SAY     "an update: UIP, seconds, UF"
        sti
        call    wait_no_uip
        RD      0x0C                    ; clear the flags
        RD      0x00
        mov     [V_SEC], al
        call    wait_update
        setnc   al
        CHKB    21, al, 1, "UIP rose and fell (register A bit 7)"
        RD      0x0C
        and     al, 0x10
        CHKB    22, al, 0x10, "register C: update-ended flag"
        RD      0x00
        movzx   eax, al
        movzx   edx, byte [V_SEC]
        inc     edx
        cmp     dl, 0x5A                ; BCD 59 + 1
        jne     .s1
        mov     dl, 0
.s1:    CHK     23, eax, edx, "seconds advanced by one"

%ifdef LEAP
        SAY     "leap day: two seconds later it is 2024-03-01 00:00:00"
        call    wait_update
        RD      0x00
        CHKB    24, al, 0x00, "seconds"
        RD      0x02
        CHKB    25, al, 0x00, "minutes"
        RD      0x04
        CHKB    26, al, 0x00, "hours"
        RD      0x07
        CHKB    27, al, 0x01, "day of the month: 1"
        RD      0x08
        CHKB    28, al, 0x03, "month: March"
        RD      0x09
        CHKB    29, al, 0x24, "year: 24"
        RD      0x06
        CHKB    30, al, 6, "day of the week: Friday"
%define NEXT 31
%else
        SAY     "setting the time (register B SET)"
        WR      0x0B, 0x82              ; SET: the clock stops, the registers hold
        WR      0x04, 0x12
        WR      0x02, 0x34
        WR      0x00, 0x56
        WR      0x07, 0x15
        WR      0x08, 0x06
        WR      0x09, 0x99
        WR      0x32, 0x19
        RD      0x00
        CHKB    24, al, 0x56, "with SET: the written seconds read back"
        WR      0x0B, 0x02              ; the clock runs again from 1999-06-15 12:34:56
        RD      0x04
        CHKB    25, al, 0x12, "hours"
        RD      0x02
        CHKB    26, al, 0x34, "minutes"
        RD      0x06
        CHKB    27, al, 3, "day of the week of 1999-06-15: Tuesday"
        call    wait_update
        RD      0x00
        CHKB    28, al, 0x57, "the set clock runs: 12:34:57"

        SAY     "alarm and update-ended interrupt"
        WR      0x01, 0x58              ; alarm at second 58 of any minute and hour
        WR      0x03, 0xC0
        WR      0x05, 0xC0
        RD      0x0C
        call    wait_update
        RD      0x0C
        and     al, 0x30                ; (PF runs at 1024 Hz whether enabled or not)
        CHKB    29, al, 0x30, "register C at 12:34:58: alarm and update-ended flags"
        WR      0x0B, 0x12              ; UIE
        RD      0x0C
        mov     al, 0xFE                ; unmask IRQ8
        out     0xA1, al
.ui:    hlt
        cmp     dword [V_RTCI], 0
        je      .ui
        mov     al, [V_RTCC]
        and     al, 0xB0
        CHKB    30, al, 0x90, "IRQ8 (vector 70h) at 12:34:59: IRQF and UF"
        WR      0x0B, 0x02
        mov     al, 0xFF
        out     0xA1, al
%define NEXT 31
%endif
        cli

        SAY     "CMOS memory"
        RD      0x15
        mov     bl, al
        RD      0x16
        mov     bh, al
        CHKW    NEXT + 0, bx, 640, "base memory (15h-16h): 640 KiB"
        RD      0x17
        mov     bl, al
        RD      0x18
        mov     bh, al
        CHKW    NEXT + 1, bx, (MEM_MB - 1) * 1024, "extended memory (17h-18h): -m minus 1 MiB, in KiB"
        RD      0x30
        mov     bl, al
        RD      0x31
        mov     bh, al
        CHKW    NEXT + 2, bx, (MEM_MB - 1) * 1024, "extended memory (30h-31h): -m minus 1 MiB, in KiB"
        RD      0x34
        mov     bl, al
        RD      0x35
        mov     bh, al
        CHKW    NEXT + 3, bx, (MEM_MB - 16) * 16, "memory above 16 MiB (34h-35h), in 64 KiB"
        ; checksum: the sum of 10h-2Dh, big-endian at 2Eh-2Fh
        xor     bx, bx
        mov     cl, 0x10
.cs:    mov     al, cl
        call    cmos_read
        movzx   ax, al
        add     bx, ax
        inc     cl
        cmp     cl, 0x2E
        jne     .cs
        mov     [V_SUM], bx
        RD      0x2E
        mov     bh, al
        RD      0x2F
        mov     bl, al
        CHKW    NEXT + 4, bx, [V_SUM], "checksum (2Eh-2Fh) of bytes 10h-2Dh"
        WR      0x50, 0xA5
        WR      0x51, 0x5A
        RD      0x50
        CHKB    NEXT + 5, al, 0xA5, "general-purpose CMOS RAM (50h)"
        RD      0x51
        CHKB    NEXT + 6, al, 0x5A, "general-purpose CMOS RAM (51h)"
        CHK     NEXT + 7, dword [V_STRAY], 0, "no interrupt reached an unexpected vector"
        FINISH

; Wait (busy) until register A's UIP bit is clear.
wait_no_uip:
        push    ax
.l:     RD      0x0A
        test    al, 0x80
        jnz     .l
        pop     ax
        ret

; Wait for the next update: UIP rises (checked at every 8 kHz tick, IF = 1), then falls.
; CF = 1 if UIP was not seen within 4 s.
wait_update:
        push    ax
        push    ecx
        mov     ecx, 32000
.up:    hlt
        RD      0x0A
        test    al, 0x80
        jnz     .in
        dec     ecx
        jnz     .up
        pop     ecx
        pop     ax
        stc
        ret
.in:    RD      0x0A
        test    al, 0x80
        jnz     .in
        pop     ecx
        pop     ax
        clc
        ret

irq0:   push    ax
        inc     dword [ss:V_TICKS]
        mov     al, 0x20
        out     0x20, al
        pop     ax
        iret

irq8:   push    ax
        inc     dword [ss:V_RTCI]
        mov     al, 0x0C
        call    cmos_read
        mov     [ss:V_RTCC], al
        mov     al, 0x20
        out     0xA0, al
        out     0x20, al
        pop     ax
        iret

        LIB_CODE
        BOARD_CODE
        ROM_END
