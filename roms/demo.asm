; demo.asm -- IronPC's shipped demo guest, run as a -bios ROM (no BIOS services needed).
; Prints a banner on the debug console (port 0xE9), enters 32-bit protected mode, turns on
; paging (identity map of the first 4 MiB with one 4 MiB PSE page), counts the primes below
; 100000 with a sieve, reports the count and the time-stamp-counter cycles it took, and ends
; the run through the exit port 0xF4 (exit status 1 = success).
;   nasm -f bin -o demo.rom demo.asm
        org     0
        bits    16
%define ROM      0xF0000
%define SIEVE    0x100000               ; 100000 flag bytes at 1 MiB
%define N        100000
start:  cli
        in      al, 0x92                ; fast A20 on
        or      al, 2
        out     0x92, al
        mov     si, banner
.p16:   cs lodsb                        ; banner from real mode, through CS
        test    al, al
        jz      .pm
        out     0xE9, al
        jmp     .p16
.pm:    o32 lgdt [cs:gdt_desc]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     dword 0x08:(pm32 + ROM)

        align   8
gdt:    dq      0
        dq      0x00CF9A000000FFFF      ; 0x08: flat code
        dq      0x00CF92000000FFFF      ; 0x10: flat data
gdt_desc:
        dw      23
        dd      gdt + ROM

        bits    32
pm32:   mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, 0x90000
        mov     esi, msg_pm + ROM
        call    puts
        ; Paging: one 4 MiB page (PSE) mapping 0-4 MiB, the ROM's top alias left unmapped
        ; is fine since EIP runs in the low copy at F0000.
        mov     edi, 0x80000            ; page directory
        xor     eax, eax
        mov     ecx, 1024
        rep     stosd
        mov     dword [0x80000], 0x00000083   ; PDE 0: present, writable, 4 MiB
        mov     eax, cr4
        or      eax, 0x10               ; CR4.PSE
        mov     cr4, eax
        mov     eax, 0x80000
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
        jmp     .paged
.paged: mov     esi, msg_pg + ROM
        call    puts
        rdtsc
        mov     [t0 + 0], eax
        mov     [t0 + 4], edx
        ; Sieve of Eratosthenes below N.
        mov     edi, SIEVE
        mov     ecx, N
        mov     al, 1
        rep     stosb
        mov     ebx, 2
.outer: mov     eax, ebx
        mul     ebx
        cmp     eax, N
        jae     .count
        cmp     byte [SIEVE + ebx], 0
        je      .next
.inner: mov     byte [SIEVE + eax], 0
        add     eax, ebx
        cmp     eax, N
        jb      .inner
.next:  inc     ebx
        jmp     .outer
.count: xor     edx, edx
        mov     ecx, 2
.c:     movzx   eax, byte [SIEVE + ecx]
        add     edx, eax
        inc     ecx
        cmp     ecx, N
        jb      .c
        push    edx
        rdtsc
        sub     eax, [t0 + 0]
        sbb     edx, [t0 + 4]
        mov     ebx, eax                ; low 32 bits of the cycle count
        mov     esi, msg_primes + ROM
        call    puts
        pop     eax
        call    putdec                  ; expect 9592
        mov     esi, msg_cycles + ROM
        call    puts
        mov     eax, ebx
        call    putdec
        mov     esi, msg_bye + ROM
        call    puts
        mov     al, 0
        out     0xF4, al                ; exit status (0 << 1) | 1 = 1
.dead:  hlt
        jmp     .dead

puts:   lodsb                           ; ESI -> zero-terminated string
        test    al, al
        jz      .r
        out     0xE9, al
        jmp     puts
.r:     ret

putdec: mov     ecx, 10                 ; EAX in decimal
        xor     edi, edi
.d1:    xor     edx, edx
        div     ecx
        push    edx
        inc     edi
        test    eax, eax
        jnz     .d1
.d2:    pop     eax
        add     al, '0'
        out     0xE9, al
        dec     edi
        jnz     .d2
        ret

t0      equ     0x7F000
banner:     db  "IronPC demo ROM: hello from real mode", 10, 0
msg_pm:     db  "32-bit protected mode: on", 10, 0
msg_pg:     db  "paging (4 MiB page): on", 10, 0
msg_primes: db  "primes below 100000: ", 0
msg_cycles: db  10, "TSC cycles for the sieve: ", 0
msg_bye:    db  10, "demo done", 10, 0

        times   0xFFF0-($-$$) db 0xF4
        bits    16
reset:  jmp     0xF000:start
        times   0x10000-($-$$) db 0xF4
