; uart.asm -- the 16550A at COM1 (3F8h, IRQ4):
;   * scratch register, divisor latch (DLAB) and LCR 8N1;
;   * FIFO enable (IIR bits 7-6), receiver trigger levels and the character timeout;
;   * loopback (MCR bit 4): bytes written to THR come back in RBR, LSR DR/THRE/TEMT/OE,
;     MSR reflecting the MCR outputs with their delta bits;
;   * IIR identification: received data, timeout, THR empty, line status, none;
;   * THRE interrupt through the 8259A on IRQ4 (vector 0Ch), gated by OUT2 and absent in
;     loopback;
;   * finally "hello serial\n" transmitted normally: the test checks it arrives on -serial.
;   nasm -f bin -I tests/roms/board/ -I tests/roms/ -o uart.rom uart.asm
%include "board.inc"

%define COM1      0x3F8
%define RBR       (COM1 + 0)
%define THR       (COM1 + 0)
%define DLL       (COM1 + 0)
%define IER       (COM1 + 1)
%define DLM       (COM1 + 1)
%define IIR       (COM1 + 2)
%define FCR       (COM1 + 2)
%define LCR       (COM1 + 3)
%define MCR       (COM1 + 4)
%define LSR       (COM1 + 5)
%define MSR       (COM1 + 6)
%define SCR       (COM1 + 7)

%define V_IRQ4    (VARS + 0x00)     ; dword: IRQ4 interrupts
%define V_IIR4    (VARS + 0x04)     ; byte: IIR read by the IRQ4 handler
%define V_BUF     (VARS + 0x10)     ; received bytes

; UOUT port, value  /  UIN port (-> AL). Clobber DX (and AL).
%macro UOUT 2
        mov     dx, %1
        mov     al, %2
        out     dx, al
%endmacro
%macro UIN 1
        mov     dx, %1
        in      al, dx
%endmacro

        ROM_START
        STRAY_IVT
        SET_IVT 0x0C, irq4
        mov     dword [V_IRQ4], 0
        PIC_INIT

        SAY     "registers: scratch, divisor latch, LCR"
        UIN     MSR
        CHKB    1, al, 0xB0, "MSR at power-on: DCD, DSR, CTS from the host side"
        UOUT    SCR, 0x5A
        UIN     SCR
        CHKB    2, al, 0x5A, "scratch register"
        UOUT    LCR, 0x83               ; DLAB, 8N1
        UOUT    DLL, 0x01               ; 115200 baud
        UOUT    DLM, 0x00
        UIN     DLL
        CHKB    3, al, 0x01, "DLL reads back with DLAB = 1"
        UIN     DLM
        CHKB    4, al, 0x00, "DLM reads back with DLAB = 1"
        UOUT    LCR, 0x03               ; 8N1, DLAB off
        UIN     LCR
        CHKB    5, al, 0x03, "LCR 8N1"
        UIN     IER
        CHKB    6, al, 0x00, "DLAB = 0: port 3F9h is IER again"
        UIN     IIR
        CHKB    7, al, 0x01, "IIR: no interrupt, FIFOs off"
        UOUT    FCR, 0x07               ; FIFO on, clear both, trigger level 1
        UIN     IIR
        CHKB    8, al, 0xC1, "FCR 07h: IIR bits 7-6 say FIFOs enabled"

        SAY     "loopback: MSR follows MCR"
        UOUT    MCR, 0x10               ; loopback, every output off
        UIN     MSR
        CHKB    9, al, 0x0B, "MSR: inputs dropped, delta CTS/DSR/DCD set"
        UIN     MSR
        CHKB    10, al, 0x00, "MSR deltas cleared by the read"
        UOUT    MCR, 0x1F               ; loopback, DTR RTS OUT1 OUT2
        UIN     MSR
        CHKB    11, al, 0xFB, "MCR 1Fh: CTS DSR RI DCD on, deltas (no TERI on RI rising)"
        UOUT    MCR, 0x1B               ; OUT1 off: RI falls
        UIN     MSR
        CHKB    12, al, 0xB4, "OUT1 off: RI falls, trailing edge RI (TERI)"

        SAY     "loopback: THR to RBR, LSR"
        UIN     LSR
        CHKB    13, al, 0x60, "LSR empty: THRE and TEMT"
        UOUT    THR, 'A'
        UOUT    THR, 'B'
        UOUT    THR, 'C'
        UIN     LSR
        CHKB    14, al, 0x61, "LSR: data ready"
        mov     dx, RBR
        in      al, dx
        mov     [V_BUF], al
        in      al, dx
        mov     [V_BUF + 1], al
        in      al, dx
        mov     [V_BUF + 2], al
        mov     byte [V_BUF + 3], 0
        CHK     15, dword [V_BUF], 0x00434241, "RBR gives back A, B, C in order"
        UIN     LSR
        CHKB    16, al, 0x60, "LSR: FIFO drained"

        SAY     "IIR identification"
        UOUT    IER, 0x01               ; received data available
        UOUT    THR, 'X'
        UIN     IIR
        CHKB    17, al, 0xC4, "IIR: received data available (trigger level 1)"
        UIN     RBR
        CHKB    18, al, 'X', "RBR"
        UIN     IIR
        CHKB    19, al, 0xC1, "IIR: none after the read"
        UOUT    FCR, 0x47               ; trigger level 4, clear the receiver
        UOUT    THR, '1'
        UOUT    THR, '2'
        UIN     IIR
        CHKB    20, al, 0xCC, "IIR: character timeout below the trigger level"
        UOUT    THR, '3'
        UOUT    THR, '4'
        UIN     IIR
        CHKB    21, al, 0xC4, "IIR: received data available at the trigger level (4)"
        mov     dx, RBR
        in      al, dx
        in      al, dx
        in      al, dx
        in      al, dx
        CHKB    22, al, '4', "the fourth byte"
        UOUT    IER, 0x03               ; + THR empty: raised at once, THR is empty
        UIN     IIR
        CHKB    23, al, 0xC2, "IIR: THR empty after ETBEI is set"
        UIN     IIR
        CHKB    24, al, 0xC1, "IIR: THR empty cleared by reading IIR"

        SAY     "overrun and the line status interrupt"
        UOUT    IER, 0x04               ; receiver line status only
        mov     cx, 17
        mov     bl, 'a'
.ov:    mov     dx, THR
        mov     al, bl
        out     dx, al
        inc     bl
        dec     cx
        jnz     .ov
        UIN     IIR
        CHKB    25, al, 0xC6, "IIR: receiver line status (overrun)"
        UIN     LSR
        CHKB    26, al, 0x63, "LSR: overrun error, data ready"
        UIN     LSR
        CHKB    27, al, 0x61, "LSR: OE cleared by the read"
        UIN     IIR
        CHKB    28, al, 0xC1, "IIR: none after LSR was read"
        mov     cx, 16
        mov     dx, RBR
.dr:    in      al, dx
        dec     cx
        jnz     .dr
        CHKB    29, al, 'p', "16th byte kept, the 17th (q) lost"
        UIN     LSR
        CHKB    30, al, 0x60, "LSR: drained"

        SAY     "THR empty interrupt on IRQ4"
        mov     al, 0xEB                ; unmask IRQ4 (and the cascade)
        out     0x21, al
        UOUT    IER, 0x02               ; THR empty; loopback still on, OUT2 set
        sti
        call    spin
        cli
        CHK     31, dword [V_IRQ4], 0, "loopback: no interrupt on the IRQ line"
        UOUT    IER, 0x00
        UOUT    MCR, 0x03               ; normal operation, DTR RTS, OUT2 off
        UOUT    IER, 0x02
        sti
        call    spin
        cli
        CHK     32, dword [V_IRQ4], 0, "OUT2 off: no interrupt on the IRQ line"
        UOUT    IER, 0x00
        UOUT    MCR, 0x0B               ; DTR RTS OUT2
        UOUT    IER, 0x02
        sti
        call    spin
        cli
        CHK     33, dword [V_IRQ4], 1, "OUT2 on: THR empty raises IRQ4 (vector 0Ch) once"
        CHKB    34, byte [V_IIR4], 0xC2, "the handler's IIR read: THR empty"
        UOUT    IER, 0x00
        UIN     MSR
        and     al, 0xF0
        CHKB    35, al, 0xB0, "out of loopback: MSR shows the host side again"

        SAY     "transmit: hello serial"
        mov     si, hello
.tx:    mov     bl, [cs:si]
        test    bl, bl
        jz      .txd
        inc     si
        mov     dx, LSR
.wt:    in      al, dx
        test    al, 0x20
        jz      .wt
        mov     dx, THR
        mov     al, bl
        out     dx, al
        jmp     .tx
.txd:   UIN     LSR
        CHKB    36, al, 0x60, "LSR after transmitting: THRE and TEMT, no data received"
        CHK     37, dword [V_STRAY], 0, "no interrupt reached an unexpected vector"
        FINISH

hello:  db      "hello serial", 10, 0

; Give a pending interrupt its chance (IF = 1 is up to the caller).
spin:   push    ecx
        mov     ecx, 1000
.l:     dec     ecx
        jnz     .l
        pop     ecx
        ret

irq4:   push    ax
        push    dx
        inc     dword [ss:V_IRQ4]
        mov     dx, IIR
        in      al, dx                  ; THR empty: reading IIR clears it
        mov     [ss:V_IIR4], al
        mov     al, 0x20
        out     0x20, al
        pop     dx
        pop     ax
        iret

        LIB_CODE
        BOARD_CODE
        ROM_END
