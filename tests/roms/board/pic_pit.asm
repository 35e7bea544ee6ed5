; pic_pit.asm -- the 8259A pair and the 8254 timer as a PC BIOS and an OS use them:
;   * ICW1-ICW4 initialisation (vectors 08h/70h, cascade on IRQ2), OCW1 masks read back;
;   * PIT counter 0 in mode 2 at 1000 Hz (count 1193) driving IRQ0 into an IVT handler;
;   * OCW3 reads of IRR and ISR: the request latched while IF = 0, ISR set inside the
;     handler and clear after the EOI;
;   * counter 0 read with the counter latch command between two interrupts counts down;
;   * OCW1 mask: the request waits in IRR and is delivered as soon as it is unmasked;
;   * no EOI: the IRQ0 in service blocks the next one; a specific EOI (OCW2 60h) ends it;
;   * a slave interrupt: the RTC periodic interrupt (1024 Hz) on IRQ8 -> vector 70h, with the
;     cascade bit in service on the master, EOIs to both 8259As;
;   * virtual time: 512 RTC periodic interrupts (500 ms) take 500 PIT interrupts, and 1500
;     PIT interrupts after an RTC update the clock shows exactly one more second.
; Needs pacing-independent virtual time only (the PIT and the RTC run on the same clock).
;   nasm -f bin -I tests/roms/board/ -I tests/roms/ -o pic_pit.rom pic_pit.asm
%include "board.inc"

%define V_TICKS   (VARS + 0x00)     ; dword: IRQ0 interrupts
%define V_RTCT    (VARS + 0x04)     ; dword: IRQ8 interrupts
%define V_EOIMODE (VARS + 0x08)     ; byte: IRQ0 handler ends with 0 non-specific EOI,
                                    ;       1 specific EOI (OCW2 60h), 2 no EOI at all
%define V_ISR0    (VARS + 0x09)     ; byte: master ISR as seen inside the IRQ0 handler
%define V_SISR    (VARS + 0x0A)     ; byte: slave ISR inside the IRQ8 handler
%define V_MISR8   (VARS + 0x0B)     ; byte: master ISR inside the IRQ8 handler
%define V_RTCC    (VARS + 0x0C)     ; byte: RTC register C read by the IRQ8 handler
%define V_C1      (VARS + 0x10)     ; word: first latched count
%define V_C2      (VARS + 0x12)     ; word: second latched count
%define V_SEC     (VARS + 0x14)     ; byte: RTC seconds

        ROM_START
        STRAY_IVT
        SET_IVT 0x08, irq0
        SET_IVT 0x70, irq8
        mov     dword [V_TICKS], 0
        mov     dword [V_RTCT], 0
        mov     byte [V_EOIMODE], 0

        SAY     "8259A pair: ICW1-4 as a PC BIOS, OCW1 masks"
        PIC_INIT
        in      al, 0x21
        CHKB    1, al, 0xFB, "OCW1: master IMR reads back FB"
        mov     al, 0xA5
        out     0xA1, al
        in      al, 0xA1
        CHKB    2, al, 0xA5, "OCW1: slave IMR reads back A5"
        mov     al, 0xFF
        out     0xA1, al
        mov     al, 0x0A                ; OCW3: read IRR
        out     0x20, al
        in      al, 0x20
        and     al, 0x01
        CHKB    3, al, 0, "OCW3 IRR: initialisation reset the IR0 edge detector"

        SAY     "8254 counter 0, mode 2, count 1193 (1000 Hz) -> IRQ0"
        mov     al, 0x34                ; counter 0, LSB then MSB, mode 2, binary
        out     0x43, al
        mov     al, 1193 & 0xFF
        out     0x40, al
        mov     al, 1193 >> 8
        out     0x40, al
        mov     al, 0xFA                ; unmask IRQ0 (and the cascade)
        out     0x21, al
        ; IF = 0: the request must show up in IRR and stay there.
        mov     ecx, 10000000
.irr1:  in      al, 0x20
        test    al, 0x01
        jnz     .irr1ok
        dec     ecx
        jnz     .irr1
.irr1ok:
        in      al, 0x20
        and     al, 0x01
        CHKB    4, al, 1, "OCW3 IRR: IRQ0 request latched while IF = 0"
        call    read_master_isr
        CHKB    5, al, 0, "OCW3 ISR: nothing in service before the acknowledge"
        sti
.h1:    hlt
        cmp     dword [V_TICKS], 1
        jb      .h1
        cli
        CHKB    6, byte [V_ISR0], 0x01, "ISR bit 0 set inside the IRQ0 handler (vector 08h)"
        call    read_master_isr
        CHKB    7, al, 0, "ISR clear after the non-specific EOI"

        SAY     "counter latch command between two interrupts"
        sti
        mov     ebx, [V_TICKS]
.h2:    hlt
        cmp     [V_TICKS], ebx
        je      .h2
        mov     ebx, [V_TICKS]
        call    pit0_latch
        mov     [V_C1], ax
        mov     ecx, 10000              ; 20000 instructions: 200 us at 100 MIPS
.spin:  dec     ecx
        jnz     .spin
        call    pit0_latch
        mov     [V_C2], ax
        mov     edx, [V_TICKS]
        cli
        CHK     8, edx, ebx, "no IRQ0 between the two latches"
        movzx   eax, word [V_C1]
        CHKR    9, eax, 1000, 1193, "count latched just after IRQ0 is near the top (1193)"
        movzx   edx, word [V_C2]
        sub     eax, edx
        ; 20000 instructions are 200 us of virtual time at the board's 100 MIPS: 238.6
        ; clocks of 1.193182 MHz.
        CHKR    10, eax, 220, 260, "the second latch reads 239 lower: counter 0 counts down"

        SAY     "OCW1 mask: the request waits in IRR"
        mov     al, 0xFB                ; mask IRQ0
        out     0x21, al
        mov     ebx, [V_TICKS]
        sti
        mov     ecx, 10000000
.irr2:  in      al, 0x20
        test    al, 0x01
        jnz     .irr2ok
        dec     ecx
        jnz     .irr2
.irr2ok:
        mov     edx, [V_TICKS]
        CHK     11, edx, ebx, "masked IRQ0 not delivered with IF = 1"
        in      al, 0x20
        and     al, 0x01
        CHKB    12, al, 1, "masked IRQ0 latched in IRR"
        mov     al, 0xFA                ; unmask: delivered before the next instruction
        out     0x21, al
        mov     edx, [V_TICKS]
        cli
        inc     ebx
        CHK     13, edx, ebx, "unmasking delivers the waiting IRQ0 at once"

        SAY     "no EOI: IRQ0 in service blocks IRQ0; specific EOI (OCW2 60h)"
        mov     byte [V_EOIMODE], 2
        mov     ebx, [V_TICKS]
        sti
.h3:    hlt
        cmp     [V_TICKS], ebx
        je      .h3
        cli
        call    read_master_isr
        CHKB    14, al, 0x01, "handler returned without EOI: ISR bit 0 still set"
        mov     ebx, [V_TICKS]
        sti
        mov     ecx, 10000000
.irr3:  in      al, 0x20
        test    al, 0x01
        jnz     .irr3ok
        dec     ecx
        jnz     .irr3
.irr3ok:
        mov     edx, [V_TICKS]
        CHK     15, edx, ebx, "the next IRQ0 is latched but not delivered"
        mov     byte [V_EOIMODE], 1
        mov     al, 0x60                ; OCW2: specific EOI, level 0
        out     0x20, al
        mov     edx, [V_TICKS]
        cli
        inc     ebx
        CHK     16, edx, ebx, "specific EOI ends the service: the waiting IRQ0 comes in"
        call    read_master_isr
        CHKB    17, al, 0, "ISR clear after the handler's specific EOI"

        SAY     "slave 8259A: RTC periodic interrupt, IRQ8 -> vector 70h"
        mov     ax, 0x260A              ; register A: 32.768 kHz base, rate 6 (1024 Hz)
        call    cmos_write
        mov     al, 0x0B
        call    cmos_read
        or      al, 0x40                ; PIE
        mov     ah, al
        mov     al, 0x0B
        call    cmos_write
        mov     al, 0x0C                ; clear pending flags
        call    cmos_read
        mov     al, 0xFE                ; unmask IRQ8 on the slave
        out     0xA1, al
        mov     dword [V_RTCT], 0
        sti
.h4:    hlt
        cmp     dword [V_RTCT], 0
        je      .h4
        mov     ebx, [V_TICKS]
.h5:    hlt
        cmp     dword [V_RTCT], 513
        jb      .h5
        mov     edx, [V_TICKS]
        cli
        sub     edx, ebx
        CHKR    18, edx, 499, 501, "512 RTC interrupts at 1024 Hz take 500 PIT interrupts"
        CHKB    19, byte [V_SISR], 0x01, "slave ISR bit 0 (IRQ8) set inside the handler"
        CHKB    20, byte [V_MISR8], 0x04, "master ISR bit 2 (cascade) set inside the handler"
        mov     al, [V_RTCC]
        and     al, 0xC0
        CHKB    21, al, 0xC0, "RTC register C in the handler: IRQF and PF"
        mov     al, 0x0B                ; PIE off, IRQ8 masked again
        call    cmos_read
        and     al, 0xBF
        mov     ah, al
        mov     al, 0x0B
        call    cmos_write
        mov     al, 0xFF
        out     0xA1, al
        call    read_slave_isr
        CHKB    22, al, 0, "slave ISR clear after the handlers' EOIs"

        SAY     "1500 PIT interrupts after an RTC update: one second later"
        mov     al, 0x00
        call    cmos_read
        mov     [V_SEC], al
        sti
.h6:    hlt
        mov     al, 0x00
        call    cmos_read
        cmp     al, [V_SEC]
        je      .h6
        mov     [V_SEC], al             ; the update happened within the last millisecond
        mov     ebx, [V_TICKS]
        add     ebx, 500
.h7:    hlt
        cmp     [V_TICKS], ebx
        jb      .h7
        mov     al, 0x00
        call    cmos_read
        movzx   eax, al
        movzx   edx, byte [V_SEC]
        CHK     23, eax, edx, "500 ms after the update: same second"
        add     ebx, 1000
.h8:    hlt
        cmp     [V_TICKS], ebx
        jb      .h8
        cli
        mov     al, 0x00
        call    cmos_read
        movzx   eax, al
        movzx   edx, byte [V_SEC]
        inc     edx                     ; BCD seconds, far from a carry this early
        CHK     24, eax, edx, "1500 ms after the update: the next second"

        CHK     25, dword [V_STRAY], 0, "no interrupt reached an unexpected vector"
        FINISH

; AL = master ISR (OCW3 0Bh), then back to IRR reads (OCW3 0Ah).
read_master_isr:
        mov     al, 0x0B
        out     0x20, al
        in      al, 0x20
        push    ax
        mov     al, 0x0A
        out     0x20, al
        pop     ax
        ret

read_slave_isr:
        mov     al, 0x0B
        out     0xA0, al
        in      al, 0xA0
        push    ax
        mov     al, 0x0A
        out     0xA0, al
        pop     ax
        ret

irq0:   push    ax
        inc     dword [ss:V_TICKS]
        call    read_master_isr
        mov     [ss:V_ISR0], al
        cmp     byte [ss:V_EOIMODE], 1
        je      .specific
        ja      .done
        mov     al, 0x20                ; OCW2: non-specific EOI
        out     0x20, al
        jmp     .done
.specific:
        mov     al, 0x60                ; OCW2: specific EOI, level 0
        out     0x20, al
.done:  pop     ax
        iret

irq8:   push    ax
        inc     dword [ss:V_RTCT]
        call    read_slave_isr
        mov     [ss:V_SISR], al
        call    read_master_isr
        mov     [ss:V_MISR8], al
        mov     al, 0x0C                ; acknowledge the RTC: read register C
        call    cmos_read
        mov     [ss:V_RTCC], al
        mov     al, 0x20                ; EOI to the slave, then to the master
        out     0xA0, al
        out     0x20, al
        pop     ax
        iret

        LIB_CODE
        BOARD_CODE
        ROM_END
