; i8042.asm -- the keyboard controller (60h/64h):
;   * status register at power-on, controller self-test (AAh -> 55h, sets SYS), interface
;     test (ABh -> 00h), command byte read (20h) and write (60h);
;   * the keyboard: reset (FFh -> FAh AAh), identify (F2h -> FAh ABh 83h, 83h translated
;     to 41h by the controller);
;   * A20 through the output port (D1h, read back with D0h), the DDh/DFh commands and port
;     92h: with A20 off a write to FFFF:0610 (100600h) shows at 0000:0600, with it on not;
;   * a system reset through command FEh (pulse output port bit 0). A boot counter in CMOS
;     byte 40h, which survives the reset, tells the boots apart: with -no-reboot the run ends
;     at the reset (status 0, the test checks it); without, the ROM sees itself start again
;     with the counter at 1 and RAM kept, runs the second-boot checks and exits.
;   nasm -f bin -I tests/roms/board/ -I tests/roms/ -o i8042.rom i8042.asm
%include "board.inc"

%define CMOS_BOOTS 0x40             ; CMOS byte: boots seen so far
%define V_MARK     (VARS + 0x20)    ; dword in RAM, written before the reset
%define MARK       0x1BADB002
%define LOW        0x0600           ; 0000:0600 (linear 600h, = VARS) ...
%define HIGH_OFF   0x0610           ; ... and FFFF:0610 (linear 100600h)
%define FIRST_BOOT_CHECKS 22

        ROM_START
        mov     al, CMOS_BOOTS
        call    cmos_read
        cmp     al, 0
        jne     second_boot

        SAY     "first boot"
        CHKB    1, al, 0, "CMOS byte 40h is 0 at power-on"
        mov     ax, (1 << 8) | CMOS_BOOTS
        call    cmos_write
        mov     dword [V_MARK], MARK

        SAY     "controller commands"
        in      al, 0x64
        and     al, 0x05
        CHKB    2, al, 0x00, "status at power-on: output buffer empty, SYS clear"
        mov     al, 0xAA                ; self-test
        out     0x64, al
        call    kbc_read
        CHKB    3, al, 0x55, "self-test (AAh) answers 55h"
        in      al, 0x64
        and     al, 0x05
        CHKB    4, al, 0x04, "status: SYS flag set by the self-test, buffer read"
        mov     al, 0xAB                ; keyboard interface test
        out     0x64, al
        call    kbc_read
        CHKB    5, al, 0x00, "interface test (ABh) answers 00h"
        mov     al, 0x20                ; read the command byte
        out     0x64, al
        call    kbc_read
        CHKB    6, al, 0x45, "command byte: translate, SYS, keyboard interrupt"
        mov     al, 0x60                ; write the command byte
        out     0x64, al
        mov     al, 0x65                ; + mouse clock off
        out     0x60, al
        mov     al, 0x20
        out     0x64, al
        call    kbc_read
        CHKB    7, al, 0x65, "command byte written with 60h reads back"

        SAY     "keyboard: reset and identify"
        mov     al, 0xFF
        out     0x60, al
        call    kbc_read
        CHKB    8, al, 0xFA, "keyboard reset: acknowledge FAh"
        call    kbc_read
        CHKB    9, al, 0xAA, "then self-test passed AAh"
        mov     al, 0xF2
        out     0x60, al
        call    kbc_read
        CHKB    10, al, 0xFA, "identify: FAh"
        call    kbc_read
        CHKB    11, al, 0xAB, "identify: ABh"
        call    kbc_read
        CHKB    12, al, 0x41, "identify: 83h, translated to 41h"
        in      al, 0x64
        and     al, 0x01
        CHKB    13, al, 0, "nothing more in the output buffer"

        SAY     "A20"
        in      al, 0x92                ; fast A20 (port 92h) off: the 8042 alone decides
        and     al, 0xFC
        out     0x92, al
        in      al, 0x92
        and     al, 0x03
        CHKB    14, al, 0, "port 92h: A20 gate bit off"
        mov     al, 0xD1                ; write the output port: A20 off, reset high
        out     0x64, al
        mov     al, 0xDD
        out     0x60, al
        mov     al, 0xD0
        out     0x64, al
        call    kbc_read
        and     al, 0x03
        CHKB    15, al, 0x01, "output port (D0h): A20 off, reset line high"
        call    a20_wraps
        CHKB    16, al, 1, "A20 off: FFFF:0610 (100600h) is 0000:0600"
        mov     al, 0xD1                ; A20 on
        out     0x64, al
        mov     al, 0xDF
        out     0x60, al
        call    a20_wraps
        CHKB    17, al, 0, "output port A20 on: 100600h is its own byte"
        mov     al, 0xDD                ; command DDh: A20 off
        out     0x64, al
        call    a20_wraps
        CHKB    18, al, 1, "command DDh: A20 off"
        in      al, 0x92                ; fast A20 on
        or      al, 0x02
        out     0x92, al
        call    a20_wraps
        CHKB    19, al, 0, "port 92h bit 1 enables A20 while the 8042 disables it"
        in      al, 0x92
        and     al, 0xFD
        out     0x92, al
        call    a20_wraps
        CHKB    20, al, 1, "port 92h bit 1 off: wraps again"
        mov     al, 0xDF                ; command DFh: A20 on
        out     0x64, al
        call    a20_wraps
        CHKB    21, al, 0, "command DFh: A20 on"
        mov     al, 0xD0
        out     0x64, al
        call    kbc_read
        CHKB    22, al, 0xCF, "output port: CFh again"

        ; FIRST_BOOT_CHECKS checks above; the test expects that many.
        cmp     word [ss:ST_FAILS], 0
        je      .reset
        FINISH                          ; report the failures instead of resetting
.reset: SAY     "resetting through the 8042 (command FEh)"
        mov     al, 0xFE
        out     0x64, al
        ; Not reached: the machine resets (or, with -no-reboot, the run ends).
        CHK     99, 0, 1, "the reset command was ignored"
        FINISH

second_boot:
        SAY     "second boot"
        CHKB    FIRST_BOOT_CHECKS + 1, al, 1, "CMOS byte 40h kept its value through the reset"
        CHK     FIRST_BOOT_CHECKS + 2, dword [V_MARK], MARK, "RAM kept its contents"
        mov     al, 0x20
        out     0x64, al
        call    kbc_read
        CHKB    FIRST_BOOT_CHECKS + 3, al, 0x41, "the 8042 restarted: command byte 41h"
        mov     al, 0xD0
        out     0x64, al
        call    kbc_read
        CHKB    FIRST_BOOT_CHECKS + 4, al, 0xCF, "output port CFh (A20 on) after the reset"
        mov     ax, (2 << 8) | CMOS_BOOTS
        call    cmos_write
        FINISH

; AL = the next byte from the controller's output buffer (AL = EEh if none comes).
kbc_read:
        push    ecx
        mov     ecx, 100000
.w:     in      al, 0x64
        test    al, 0x01
        jnz     .r
        dec     ecx
        jnz     .w
        mov     al, 0xEE
        pop     ecx
        ret
.r:     in      al, 0x60
        pop     ecx
        ret

; AL = 1 if a write to FFFF:0610 (linear 100600h) lands at 0000:0600, else 0.
a20_wraps:
        push    es
        push    bx
        mov     bx, 0xFFFF
        mov     es, bx
        mov     byte [LOW], 0x11
        mov     byte [es:HIGH_OFF], 0x22
        cmp     byte [LOW], 0x22
        sete    al
        pop     bx
        pop     es
        ret

        LIB_CODE
        BOARD_CODE
        ROM_END
