; irq.asm -- interrupt cost: the PIT's channel 0 at ~10 kHz (divisor 119: 10,027 Hz) raises
; IRQ0 through the 8259A; the CPU waits in a HLT loop and counts IRQ0s until ITERS have
; arrived. Each interrupt costs a delivery, an EOI (port write) and a HLT wake-up.
; chk = interrupts counted (= ITERS exactly: the count is tested with IF=0).
; Default: 32-bit protected mode, IDT with an interrupt gate. -DREALMODE: real mode, IVT.
;   nasm -f bin -DITERS=N [-DREALMODE] -o irq.rom irq.asm   (romlib.inc beside it)
%define IDT     0x1000                  ; IDT in RAM (vectors 0..0x20)
%define COUNT   0x2000                  ; the IRQ0 counter
%define VEC     0x20                    ; IRQ0 -> vector 0x20
%define DIVISOR 119                     ; 1193182 / 119 = 10027 Hz
%include "romlib.inc"
%ifdef REALMODE
main:   mov     word [VEC * 4], irq0    ; IVT entry F000:irq0
        mov     word [VEC * 4 + 2], 0xF000
%else
main:   mov     edi, IDT                ; clear the IDT (unexpected vectors -> shutdown)
        xor     eax, eax
        mov     ecx, (VEC + 1) * 2
        rep     stosd
        mov     eax, irq0 + ROM         ; interrupt gate, CS 0x08, DPL 0, 32-bit
        mov     edi, IDT + VEC * 8
        mov     [edi], ax
        mov     word [edi + 2], 0x08
        mov     word [edi + 4], 0x8E00
        shr     eax, 16
        mov     [edi + 6], ax
        lidt    [idt_desc + ROM]
%endif
        mov     dword [COUNT], 0
        ; 8259A pair: edge triggered, cascade, 8086 mode; master at VEC, slave at VEC+8
        mov     al, 0x11
        out     0x20, al
        out     0xA0, al
        mov     al, VEC
        out     0x21, al
        mov     al, VEC + 8
        out     0xA1, al
        mov     al, 0x04
        out     0x21, al
        mov     al, 0x02
        out     0xA1, al
        mov     al, 0x01
        out     0x21, al
        out     0xA1, al
        mov     al, 0xFE                ; only IRQ0 unmasked
        out     0x21, al
        mov     al, 0xFF
        out     0xA1, al
        ; PIT channel 0: lobyte/hibyte, mode 2 (rate generator)
        mov     al, 0x34
        out     0x43, al
        mov     al, DIVISOR & 0xFF
        out     0x40, al
        mov     al, DIVISOR >> 8
        out     0x40, al
.wait:  sti                             ; STI's shadow makes STI;HLT atomic
        hlt
        cli
        cmp     dword [COUNT], ITERS
        jb      .wait
        mov     eax, [COUNT]
        jmp     bench_end
irq0:   push    eax
        inc     dword [COUNT]
        mov     al, 0x20                ; non-specific EOI
        out     0x20, al
        pop     eax
        iret
idt_desc:
        dw      (VEC + 1) * 8 - 1
        dd      IDT
        ROM_END
