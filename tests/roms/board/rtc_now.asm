; rtc_now.asm -- without -rtc the RTC starts at the host's current time (UTC): the year
; and century registers (BCD) must show YEAR, passed by the test as -DYEAR=yyyy.
;   nasm -f bin -I tests/roms/board/ -I tests/roms/ -DYEAR=2025 -o rtc_now.rom rtc_now.asm
%include "board.inc"

%define BCD(x)  ((((x) / 10) << 4) | ((x) % 10))

        ROM_START
        mov     al, 0x09
        call    cmos_read
        CHKB    1, al, BCD(YEAR % 100), "RTC year = the host's year"
        mov     al, 0x32
        call    cmos_read
        CHKB    2, al, BCD(YEAR / 100), "RTC century = the host's century"
        FINISH

        LIB_CODE
        BOARD_CODE
        ROM_END
