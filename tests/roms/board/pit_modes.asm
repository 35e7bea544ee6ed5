; pit_modes.asm -- the 8254 beyond the system tick:
;   * counter 2 gated by port 61h in mode 0, as Linux calibrates the TSC (pit_calibrate_tsc:
;     gate on, speaker off, count 11931 = 10 ms, poll port 61h bit 5 until OUT2 goes high):
;     OUT2 low at first, high after 10 ms of virtual time, measured with RDTSC (1 GHz) and
;     with the IRQ0 ticks of counter 0 (1000 Hz);
;   * GATE low holds a mode 0 count, GATE high lets it count;
;   * the read-back command: status bytes (OUTPUT, NULL COUNT, RW, mode) and count latched
;     together, several counters at once;
;   * the counter latch command freezes the count until it is read;
;   * mode 3 square wave on counter 2 (the speaker tone) seen through port 61h bit 5;
;   * BCD counting; port 61h writable bits and the refresh toggle (bit 4).
;   nasm -f bin -I tests/roms/board/ -I tests/roms/ -o pit_modes.rom pit_modes.asm
%include "board.inc"

%define V_TICKS   (VARS + 0x00)     ; dword: IRQ0 interrupts
%define V_T0      (VARS + 0x04)     ; dword: TSC low half
%define V_POLLS   (VARS + 0x08)     ; dword: port 61h polls
%define V_TK0     (VARS + 0x0C)     ; dword: ticks at the start of a measurement
%define V_CNT     (VARS + 0x10)     ; word: a count
%define V_EDGES   (VARS + 0x14)     ; dword: OUT2 rising edges

%define CAL_LATCH 11931             ; 10 ms of 1.193182 MHz clocks (Linux: CAL_LATCH)

        ROM_START
        STRAY_IVT
        SET_IVT 0x08, irq0
        mov     dword [V_TICKS], 0
        PIC_INIT
        ; Counter 0: 1000 Hz ticks on IRQ0, the reference clock of this test.
        mov     al, 0x34
        out     0x43, al
        mov     al, 1193 & 0xFF
        out     0x40, al
        mov     al, 1193 >> 8
        out     0x40, al
        mov     al, 0xFA
        out     0x21, al
        sti

        SAY     "Linux TSC calibration: counter 2, mode 0, gated by port 61h"
        ; Start at a tick, so that the tick count over 10 ms is 10 or 11.
        mov     ebx, [V_TICKS]
.t0:    hlt
        cmp     [V_TICKS], ebx
        je      .t0
        mov     ebx, [V_TICKS]
        mov     [V_TK0], ebx
        in      al, 0x61
        and     al, 0xFD                ; speaker data off
        or      al, 0x01                ; gate 2 on
        out     0x61, al
        mov     al, 0xB0                ; counter 2, LSB then MSB, mode 0, binary
        out     0x43, al
        mov     al, CAL_LATCH & 0xFF
        out     0x42, al
        mov     al, CAL_LATCH >> 8
        out     0x42, al
        rdtsc
        mov     [V_T0], eax
        in      al, 0x61
        and     al, 0x20
        CHKB    1, al, 0, "mode 0: OUT2 (port 61h bit 5) low after the count is written"
        xor     ecx, ecx
.poll:  inc     ecx
        in      al, 0x61
        test    al, 0x20
        jz      .poll
        rdtsc
        sub     eax, [V_T0]
        mov     [V_POLLS], ecx
        mov     edx, [V_TICKS]
        sub     edx, [V_TK0]
        CHKR    2, eax, 9950000, 10050000, "OUT2 high after 10 ms of TSC time (1 GHz)"
        CHKR    3, edx, 9, 11, "OUT2 high after 10 IRQ0 ticks of counter 0"
        CHKR    4, dword [V_POLLS], 100, 0xFFFFFFFF, "port 61h polled many times on the way"
        in      al, 0x61
        and     al, 0x20
        CHKB    5, al, 0x20, "mode 0: OUT2 stays high after the terminal count"

        SAY     "GATE: low holds the count, high lets it run"
        in      al, 0x61
        and     al, 0xFC                ; gate 2 off, speaker off
        out     0x61, al
        mov     al, 0xB0
        out     0x43, al
        mov     al, 0x34
        out     0x42, al
        mov     al, 0x12
        out     0x42, al
        call    spin200us
        call    pit2_latch
        CHKW    6, ax, 0x1234, "gate low: counter 2 holds the count 1234h"
        in      al, 0x61
        and     al, 0x20
        CHKB    7, al, 0, "gate low: OUT2 stays low"
        in      al, 0x61
        or      al, 0x01
        out     0x61, al
        call    spin200us
        call    pit2_latch
        movzx   eax, ax
        CHKR    8, eax, 0x1234 - 260, 0x1234 - 220, "gate high: 200 us later the count is 239 lower"

        SAY     "read-back command"
        ; Counter 2 in mode 0 with a short count; wait for the terminal count.
        mov     al, 0xB0
        out     0x43, al
        mov     al, 100
        out     0x42, al
        mov     al, 0
        out     0x42, al
.tc:    in      al, 0x61
        test    al, 0x20
        jz      .tc
        mov     al, 0xC8                ; read-back: latch count and status of counter 2
        out     0x43, al
        in      al, 0x42
        CHKB    9, al, 0xB0, "counter 2 status: OUTPUT, RW = LSB/MSB, mode 0, binary"
        in      al, 0x42
        mov     ah, al
        in      al, 0x42
        xchg    al, ah
        add     ax, 0x100               ; 0 at the terminal count, then FFFFh, FFFEh...
        movzx   eax, ax
        CHKR    10, eax, 0, 0x100, "then its count: at zero or just wrapped past it"
        mov     al, 0xE2                ; read-back: status only, counter 0
        out     0x43, al
        in      al, 0x40
        and     al, 0x7F                ; OUT0 is high almost always; not the point here
        CHKB    11, al, 0x34, "counter 0 status: RW = LSB/MSB, mode 2, count loaded"
        mov     al, 0x74                ; counter 1: control word only
        out     0x43, al
        mov     al, 0xE4                ; read-back: status of counter 1
        out     0x43, al
        in      al, 0x41
        CHKB    12, al, 0xF4, "counter 1 after a control word: OUTPUT, NULL COUNT, mode 2"
        mov     al, 0x00
        out     0x41, al
        mov     al, 0x10
        out     0x41, al
        mov     al, 0xE4
        out     0x43, al
        in      al, 0x41
        CHKB    13, al, 0xB4, "after the count is written: NULL COUNT clear"
        mov     al, 0xC6                ; count and status of counters 0 and 1 at once
        out     0x43, al
        in      al, 0x41
        CHKB    14, al, 0xB4, "read-back of two counters: counter 1 status first"
        in      al, 0x41
        mov     ah, al
        in      al, 0x41
        xchg    al, ah
        movzx   eax, ax
        CHKR    15, eax, 1, 0x1000, "then counter 1's count"
        in      al, 0x40
        and     al, 0x7F
        CHKB    16, al, 0x34, "counter 0's status latched by the same command"
        in      al, 0x40
        mov     ah, al
        in      al, 0x40
        xchg    al, ah
        movzx   eax, ax
        CHKR    17, eax, 1, 1193, "then counter 0's count"
        mov     al, 0xE2                ; a second status read-back still works
        out     0x43, al
        in      al, 0x40
        and     al, 0x7F
        CHKB    18, al, 0x34, "status latched again afterwards"

        SAY     "counter latch command freezes the count until read"
        mov     al, 0xB0
        out     0x43, al
        mov     al, 0xFF
        out     0x42, al
        out     0x42, al                ; FFFFh, gate still high
        mov     al, 0x80                ; latch counter 2
        out     0x43, al
        call    spin200us
        in      al, 0x42                ; the latched value
        mov     ah, al
        in      al, 0x42
        xchg    al, ah
        mov     [V_CNT], ax
        in      al, 0x42                ; the live value (LSB, MSB flip-flop)
        mov     ah, al
        in      al, 0x42
        xchg    al, ah
        movzx   eax, ax
        movzx   edx, word [V_CNT]
        sub     edx, eax
        CHKR    19, edx, 220, 260, "latched 200 us before the live count: 239 clocks more"
        mov     al, 0x80                ; latching twice keeps the first value
        out     0x43, al
        in      al, 0x42
        mov     [V_CNT], al
        call    spin200us
        mov     al, 0x80                ; ignored: the MSB has not been read yet
        out     0x43, al
        in      al, 0x42
        mov     [V_CNT + 1], al
        mov     al, 0x80                ; now a fresh latch
        out     0x43, al
        in      al, 0x42
        mov     ah, al
        in      al, 0x42
        xchg    al, ah
        movzx   eax, ax
        movzx   edx, word [V_CNT]
        sub     edx, eax
        CHKR    20, edx, 220, 260, "a latch command before the MSB is read is ignored"

        SAY     "mode 3 square wave on counter 2 (1 kHz tone)"
        mov     al, 0xB6                ; counter 2, LSB then MSB, mode 3
        out     0x43, al
        mov     al, 1193 & 0xFF
        out     0x42, al
        mov     al, 1193 >> 8
        out     0x42, al
        mov     dword [V_EDGES], 0
        mov     ebx, [V_TICKS]
        add     ebx, 20
        in      al, 0x61
        and     al, 0x20
        mov     dl, al                  ; previous OUT2
.sq:    in      al, 0x61
        and     al, 0x20
        cmp     al, dl
        je      .sq1
        mov     dl, al
        test    al, al
        jz      .sq1
        inc     dword [V_EDGES]
.sq1:   cmp     [V_TICKS], ebx
        jb      .sq
        CHKR    21, dword [V_EDGES], 19, 21, "20 ms of 1 kHz square wave: 20 rising edges of OUT2"

        SAY     "BCD counting"
        in      al, 0x61
        and     al, 0xFC                ; gate off
        out     0x61, al
        mov     al, 0xB1                ; counter 2, LSB/MSB, mode 0, BCD
        out     0x43, al
        mov     al, 0x00
        out     0x42, al
        mov     al, 0x10
        out     0x42, al                ; 1000 (BCD 1000h)
        call    pit2_latch
        CHKW    22, ax, 0x1000, "BCD count 1000 reads back as 1000h"
        in      al, 0x61
        or      al, 0x01
        out     0x61, al
        call    spin200us
        call    pit2_latch
        ; 1000 - 239 = 761: BCD 0761h (a binary counter would read 1000h - EFh = 0F11h)
        movzx   eax, ax
        CHKR    23, eax, 0x0740, 0x0780, "BCD count after 200 us: about 0761h"
        mov     cx, ax                  ; every digit 0-9
        mov     dl, 1
        mov     bl, 4
.dg:    mov     al, cl
        and     al, 0x0F
        cmp     al, 9
        jbe     .dg1
        mov     dl, 0
.dg1:   shr     cx, 4
        dec     bl
        jnz     .dg
        CHKB    24, dl, 1, "every nibble a decimal digit"

        SAY     "port 61h"
        in      al, 0x61
        and     al, 0xF0
        or      al, 0x0C                ; parity / channel check enables (bits 2-3), gate off
        out     0x61, al
        in      al, 0x61
        and     al, 0x0F
        CHKB    25, al, 0x0C, "bits 0-3 read back as written"
        in      al, 0x61
        and     al, 0x10
        mov     dl, al
        mov     ecx, 1000000
.rf:    in      al, 0x61
        and     al, 0x10
        cmp     al, dl
        jne     .rfok
        dec     ecx
        jnz     .rf
.rfok:  cmp     ecx, 0
        setne   al
        CHKB    26, al, 1, "bit 4 (refresh request) toggles"
        cli
        CHK     27, dword [V_STRAY], 0, "no interrupt reached an unexpected vector"
        FINISH

; 10000 iterations of DEC/JNZ: 20000 instructions, 200 us at 100 MIPS (238.6 PIT clocks).
spin200us:
        push    ecx
        mov     ecx, 10000
.l:     dec     ecx
        jnz     .l
        pop     ecx
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
