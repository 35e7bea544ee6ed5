; mmio.asm -- MMIO exit cost: ITERS x a 32-bit store to unmapped physical memory above RAM
; (0xE0000000, where a PCI device's BAR would be), in a 4-instruction loop. chk = iterations
; counted (= ITERS). Under KVM every store is an MMIO exit (no memory slot there); in the
; interpreter it takes the bus slow path.
;   nasm -f bin -DITERS=N -o mmio.rom mmio.asm   (romlib.inc beside it)
%define MMIO_ADDR 0xE0000000
%include "romlib.inc"
main:   mov     ecx, ITERS
        xor     ebx, ebx
.loop:  mov     [MMIO_ADDR], ebx
        inc     ebx
        dec     ecx
        jnz     .loop
        mov     eax, ebx
        jmp     bench_end
        ROM_END
