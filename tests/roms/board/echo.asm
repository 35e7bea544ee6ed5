; echo.asm -- the serial console's guest side: COM1 at 115200 8N1 in 16450 mode (no FIFO,
; so bytes that arrived before this initialisation are not flushed), the received data
; interrupt on IRQ4, and a `sti; hlt` loop. Every byte received is echoed to the debug
; console and back to COM1; after a newline the ROM exits with 0.
;   nasm -f bin -I tests/roms/board/ -I tests/roms/ -o echo.rom echo.asm
%include "board.inc"

%define COM1      0x3F8
%define V_DONE    (VARS + 0x00)     ; byte: a newline was received
%define V_COUNT   (VARS + 0x04)     ; dword: bytes received

        ROM_START
        STRAY_IVT
        SET_IVT 0x0C, irq4
        mov     byte [V_DONE], 0
        mov     dword [V_COUNT], 0
        PIC_INIT
        mov     dx, COM1 + 3
        mov     al, 0x83                ; DLAB, 8N1
        out     dx, al
        mov     dx, COM1
        mov     al, 1                   ; 115200 baud
        out     dx, al
        inc     dx
        mov     al, 0
        out     dx, al
        mov     dx, COM1 + 3
        mov     al, 0x03
        out     dx, al
        mov     dx, COM1 + 4
        mov     al, 0x0B                ; DTR RTS OUT2
        out     dx, al
        mov     dx, COM1 + 1
        mov     al, 0x01                ; received data interrupt
        out     dx, al
        mov     al, 0xEB                ; IRQ4 (and the cascade) unmasked
        out     0x21, al
.wait:  sti
        hlt
        cmp     byte [V_DONE], 0
        je      .wait
        cli
        mov     al, 0
        out     0xF4, al
        hlt

irq4:   push    ax
        push    dx
.next:  mov     dx, COM1 + 5
        in      al, dx
        test    al, 0x01                ; data ready
        jz      .done
        mov     dx, COM1
        in      al, dx
        inc     dword [ss:V_COUNT]
        out     0xE9, al
        push    ax
        mov     dx, COM1 + 5
.thre:  in      al, dx
        test    al, 0x20
        jz      .thre
        pop     ax
        mov     dx, COM1
        out     dx, al
        cmp     al, 10
        jne     .next
        mov     byte [ss:V_DONE], 1
.done:  mov     al, 0x20
        out     0x20, al
        pop     dx
        pop     ax
        iret

        LIB_CODE
        BOARD_CODE
        ROM_END
