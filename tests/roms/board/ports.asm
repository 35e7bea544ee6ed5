; ports.asm -- bad input on the port bus: every port 0000h-FFFFh is written with a
; pseudo-random byte, word and dword and read back with all three sizes (interrupts off).
; Skipped writes: F4h (exit), E9h (this log), 92h, 64h, CF9h, a word at CF8h (reaches CF9h)
; and a dword at 5A0h (the built-in BIOS's host trap). They would reset the machine, end
; the run or start a host service on a random frame: legitimate effects, not bad input.
; The emulator must keep running; afterwards
;   * the ROM is still running (it counts its writes and reads),
;   * unused ports read all ones (byte, word, dword),
;   * a PIC and PIT initialised again deliver timer interrupts, and A20 is still on.
;   nasm -f bin -I tests/roms/board/ -I tests/roms/ -o ports.rom ports.asm
%include "board.inc"

%define V_SEED    (VARS + 0x00)     ; dword: xorshift32 state
%define V_WRITES  (VARS + 0x04)     ; dword
%define V_READS   (VARS + 0x08)     ; dword
%define V_TICKS   (VARS + 0x0C)     ; dword
%define V_PORT    (VARS + 0x10)     ; dword: the port being hammered
%define SKIPPED   17                ; writes skipped (see above)
%ifndef SEED
%define SEED      0x2545F491        ; -DSEED=n for another sequence
%endif

        ROM_START
        mov     dword [V_SEED], SEED
        mov     dword [V_WRITES], 0
        mov     dword [V_READS], 0
        mov     dword [V_PORT], 0
        SAY     "writing and reading every port"
.port:  mov     dx, [V_PORT]
        mov     cl, 1
        call    skip
        jc      .r1
        call    rand
        out     dx, al
        inc     dword [V_WRITES]
.r1:    in      al, dx
        inc     dword [V_READS]
        mov     cl, 2
        call    skip
        jc      .r2
        call    rand
        out     dx, ax
        inc     dword [V_WRITES]
.r2:    in      ax, dx
        inc     dword [V_READS]
        mov     cl, 4
        call    skip
        jc      .r4
        call    rand
        out     dx, eax
        inc     dword [V_WRITES]
.r4:    in      eax, dx
        inc     dword [V_READS]
        mov     ax, dx
        and     ax, 0x0FFF
        cmp     ax, 0x0FFF
        jne     .next
        mov     ax, dx                  ; progress: "# ports up to XFFF"
        mov     si, s_upto
        call    h16_puts
        mov     al, ah
        call    h16_hex8
        mov     al, 0xFF
        call    h16_hex8
        mov     al, 10
        out     0xE9, al
.next:  inc     dword [V_PORT]
        cmp     dword [V_PORT], 0x10000
        jb      .port

        SAY     "still running"
        CHK     1, dword [V_WRITES], 3 * 65536 - SKIPPED, "writes done"
        CHK     2, dword [V_READS], 3 * 65536, "reads done"

        SAY     "unused ports read all ones"
        mov     dx, 0x0210
        in      al, dx
        CHKB    3, al, 0xFF, "byte at 0210h"
        mov     dx, 0x1234
        in      ax, dx
        CHKW    4, ax, 0xFFFF, "word at 1234h"
        mov     dx, 0x5000
        in      eax, dx
        CHK     5, eax, 0xFFFFFFFF, "dword at 5000h"
        mov     dx, 0xFFFC
        in      eax, dx
        CHK     6, eax, 0xFFFFFFFF, "dword at FFFCh"
        mov     dx, 0xFFFF
        in      ax, dx
        CHKW    7, ax, 0xFFFF, "word at FFFFh, the top of the port space"

        SAY     "the board still works"
        mov     ax, 0x020B              ; RTC interrupts off (register B = 02h)
        call    cmos_write
        mov     al, 0x0C
        call    cmos_read
        STRAY_IVT
        SET_IVT 0x08, irq0
        mov     dword [V_TICKS], 0
        PIC_INIT
        mov     al, 0x34
        out     0x43, al
        mov     al, 1193 & 0xFF
        out     0x40, al
        mov     al, 1193 >> 8
        out     0x40, al
        mov     al, 0xFA
        out     0x21, al
        sti
.h:     hlt
        cmp     dword [V_TICKS], 3
        jb      .h
        cli
        CHK     8, dword [V_TICKS], 3, "PIC and PIT initialised again: timer interrupts"
        push    es
        mov     ax, 0xFFFF
        mov     es, ax
        mov     byte [0x0700], 0x11
        mov     byte [es:0x0710], 0x22
        pop     es
        CHKB    9, byte [0x0700], 0x11, "A20 still on"
        FINISH

s_upto: db      "# ports up to ", 0

; EAX = the next xorshift32 number.
rand:   mov     eax, [V_SEED]
        push    ebx
        mov     ebx, eax
        shl     ebx, 13
        xor     eax, ebx
        mov     ebx, eax
        shr     ebx, 17
        xor     eax, ebx
        mov     ebx, eax
        shl     ebx, 5
        xor     eax, ebx
        pop     ebx
        mov     [V_SEED], eax
        ret

; CF = 1 if a write of CL bytes at port DX is to be skipped.
skip:   cmp     dx, 0xF4
        je      .yes
        cmp     dx, 0xE9
        je      .yes
        cmp     dx, 0x92
        je      .yes
        cmp     dx, 0x64
        je      .yes
        cmp     dx, 0xCF9
        je      .yes
        cmp     dx, 0xCF8
        jne     .n1
        cmp     cl, 2
        je      .yes
.n1:    cmp     dx, 0x5A0
        jne     .no
        cmp     cl, 4
        je      .yes
.no:    clc
        ret
.yes:   stc
        ret

irq0:   push    ax
        inc     dword [ss:V_TICKS]
        mov     al, 0x20
        out     0x20, al
        pop     ax
        iret

        LIB_CODE
        BOARD_CODE
        ROM_END
