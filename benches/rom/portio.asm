; portio.asm -- port-I/O exit cost: ITERS x `out 0x80, al` (the POST/DMA page register, a
; real device on the board) in a 4-instruction loop. chk = iterations counted (= ITERS).
; Under KVM every OUT is a VM exit to the device model; in the interpreter it is a call.
;   nasm -f bin -DITERS=N -o portio.rom portio.asm   (romlib.inc beside it)
%include "romlib.inc"
main:   mov     ecx, ITERS
        xor     ebx, ebx
.loop:  out     0x80, al
        inc     ebx
        dec     ecx
        jnz     .loop
        mov     eax, ebx
        jmp     bench_end
        ROM_END
