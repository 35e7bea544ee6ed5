; demo.asm -- the IronPC demo program, loaded from the demo disk by boot.asm to 0000:8000.
;
; What it does, in order:
;   1. prints the banner on the screen (INT 10h; the BIOS copies teletype output to the
;      debug console, port E9h) and on COM1 (INT 14h);
;   2. reports the CPU (CPUID vendor, family, model, stepping) and the memory (INT 12h,
;      INT 15h E820h);
;   3. times the time-stamp counter against the BIOS timer (IRQ0, 18.2 Hz) to learn its rate;
;   4. runs a sieve of Eratosthenes (primes below 65536) REPEAT times in real mode and
;      measures it in TSC cycles and BIOS timer ticks;
;   5. switches to 32-bit protected mode, turns on paging (4 KiB pages), takes IRQ0 through
;      its own IDT, runs the same sieve above 1 MiB, and comes back to real mode;
;   6. switches to VGA mode 13h (INT 10h AX=0013h), loads a palette of colour gradients
;      (AX=1012h) and draws the Mandelbrot set, timed, in fixed-point integer arithmetic
;      (the CPU has no FPU);
;   7. prints a summary under the picture, then "demo done", waits 2 s (BIOS timer ticks)
;      so that a viewer can see it, and ends the run through port F4h (exit status 1).
; If something goes wrong it says so and exits with status 3 (port F4h, value 1).
; Under IronPC's interpreter the TSC and the timer run on virtual time, which advances with
; the instructions executed: there the cycles measure guest work, not host speed.
;
; Memory: 0000:7C00 boot sector and the real-mode stack below it, 0000:8000 this program,
; 1000h scratch (E820h buffer, palette), 10000h page directory, 11000h page table,
; 12000h IDT, 20000h the real-mode sieve (64 KiB), 100000h the protected-mode sieve.
        org     0x8000
        bits    16

%define REPEAT          25              ; sieves per measurement
%define N               65536           ; sieve size (one real-mode segment)
%define CAL_TICKS       5               ; timer ticks the TSC is timed over
%define PAUSE_TICKS     36              ; ~2 s: 18.2 ticks per second
%define BDA_TICKS       0x46C           ; BIOS timer tick count (dword)
%define BDA_CURSOR      0x450           ; page 0 cursor: column, row
%define BDA_COM1        0x400           ; COM1 base port (0: none)
%define SCRATCH         0x1000
%define E820_BUF        SCRATCH         ; 20 bytes
%define PALETTE         SCRATCH + 0x100 ; 64 x 3 bytes
%define PAGE_DIR        0x10000
%define PAGE_TABLE      0x11000
%define IDT             0x12000
%define SIEVE16_SEG     0x2000
%define SIEVE32         0x100000
; Mandelbrot: 320x160 pixels, 4.12 fixed point, square pixels of STEP/4096.
%define FRAC            12
%define ITER            64
%define MB_W            320
%define MB_H            160
%define STEP            62
%define MB_X0           (-(3 << FRAC) // 4 - MB_W / 2 * STEP)  ; centred on -0.75
%define MB_Y0           (-(MB_H / 2 * STEP))

start:  xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        cld
        sti
        mov     [drive], dl
        mov     ax, 0x00E3                      ; COM1: 9600 baud, 8 data bits, no parity, 1 stop
        xor     dx, dx
        int     0x14

        ; 1. Banner: clear the screen, a title bar in white on blue.
        mov     ax, 0x0600
        mov     bh, 0x07
        xor     cx, cx
        mov     dx, 0x184F
        int     0x10
        mov     ax, 0x0600
        mov     bh, 0x1F
        mov     dx, 0x004F
        int     0x10
        mov     ah, 0x02
        xor     bh, bh
        xor     dx, dx
        int     0x10
        mov     si, msg_banner
        call    puts
        mov     si, msg_booted
        call    puts
        movzx   eax, byte [drive]
        call    puthex2
        mov     si, msg_booted2
        call    puts
        mov     eax, (end - start + 511) / 512
        call    putdec
        mov     si, msg_booted3
        call    puts

        ; 2. The CPU: CPUID exists if EFLAGS.ID (bit 21) can be toggled.
        pushfd
        pop     eax
        mov     ecx, eax
        xor     eax, 1 << 21
        push    eax
        popfd
        pushfd
        pop     eax
        push    ecx
        popfd
        xor     eax, ecx
        test    eax, 1 << 21
        jz      no_cpuid
        xor     eax, eax
        cpuid
        mov     [vendor], ebx
        mov     [vendor + 4], edx
        mov     [vendor + 8], ecx
        mov     si, msg_cpu
        call    puts
        mov     si, vendor
        call    puts
        mov     eax, 1
        cpuid
        mov     [features], edx
        mov     ebx, eax
        mov     si, msg_family
        call    puts
        mov     eax, ebx
        shr     eax, 8
        and     eax, 15
        call    putdec
        mov     si, msg_model
        call    puts
        mov     eax, ebx
        shr     eax, 4
        and     eax, 15
        call    putdec
        mov     si, msg_stepping
        call    puts
        mov     eax, ebx
        and     eax, 15
        call    putdec
        mov     al, 10
        call    putc
        test    dword [features], 1 << 4        ; TSC
        jz      no_tsc

        ; The memory: INT 12h (KiB below 640K), INT 15h E820h (the whole map).
        mov     si, msg_mem
        call    puts
        int     0x12
        movzx   eax, ax
        call    putdec
        mov     si, msg_mem2
        call    puts
        xor     ebx, ebx                        ; continuation: 0 = first range
.e820:  mov     eax, 0xE820
        mov     edx, 0x534D4150                 ; "SMAP"
        mov     ecx, 20
        mov     di, E820_BUF
        int     0x15
        jc      .e820_end
        cmp     eax, 0x534D4150
        jne     .e820_end
        inc     dword [ranges]
        cmp     dword [E820_BUF + 16], 1        ; type 1: usable RAM
        jne     .e820_next
        mov     eax, [E820_BUF + 8]             ; length in KiB
        mov     edx, [E820_BUF + 12]
        shrd    eax, edx, 10
        add     [usable_kib], eax
.e820_next:
        test    ebx, ebx
        jnz     .e820
.e820_end:
        mov     eax, [usable_kib]
        call    putdec
        mov     si, msg_mem3
        call    puts
        mov     eax, [ranges]
        call    putdec
        mov     si, msg_mem4
        call    puts

        ; A20 on (INT 15h AX=2401h), for the protected-mode sieve above 1 MiB.
        mov     ax, 0x2401
        int     0x15

        ; 3. The TSC rate: cycles over CAL_TICKS timer ticks, from one tick's edge.
        mov     eax, [BDA_TICKS]
.edge:  hlt
        cmp     eax, [BDA_TICKS]
        je      .edge
        mov     ebx, [BDA_TICKS]
        rdtsc
        mov     [tsc0], eax
        mov     [tsc0 + 4], edx
.cal:   hlt
        mov     eax, [BDA_TICKS]
        sub     eax, ebx
        cmp     eax, CAL_TICKS
        jb      .cal
        rdtsc
        sub     eax, [tsc0]
        sbb     edx, [tsc0 + 4]
        mov     ecx, CAL_TICKS
        div     ecx                             ; cycles per tick
        mov     ecx, 1193182                    ; PIT Hz; a tick is 65536 PIT periods
        mul     ecx
        mov     ecx, 65536000
        div     ecx
        mov     [tsc_khz], eax
        mov     si, msg_tsc
        call    puts
        call    tsc_mhz
        call    putdec
        mov     si, msg_tsc2
        call    puts

        ; 4. The sieve in real mode.
        mov     si, msg_sieve
        call    puts
        mov     eax, REPEAT
        call    putdec
        mov     si, msg_sieve2
        call    puts
        mov     eax, [BDA_TICKS]
        mov     [rm_ticks], eax
        rdtsc
        mov     [tsc0], eax
        mov     [tsc0 + 4], edx
        mov     cx, REPEAT
.rm:    push    cx
        call    sieve16
        pop     cx
        loop    .rm
        mov     [rm_primes], eax
        rdtsc
        sub     eax, [tsc0]
        sbb     edx, [tsc0 + 4]
        mov     [rm_cycles], eax
        mov     [rm_cycles + 4], edx
        mov     eax, [BDA_TICKS]
        sub     [rm_ticks], eax
        neg     dword [rm_ticks]
        mov     si, msg_rm
        mov     bx, rm_cycles
        call    report

        ; 5. Protected mode and back (pm_run), then its numbers.
        call    pm_run
        mov     si, msg_back
        call    puts
        mov     si, msg_pm
        mov     bx, pm_cycles
        call    report

        mov     cx, PAUSE_TICKS                 ; time to read the text screen
        call    wait_ticks

        ; 6. Mode 13h, a palette of gradients in DAC entries 64-127, the Mandelbrot set.
        mov     ax, 0x0013
        int     0x10
        mov     byte [screen], 0                ; from here, text goes to the console only
        mov     di, PALETTE                     ; entry 64 + i, i = 0..63: t = 0..62..0
        xor     cx, cx                          ; (a triangle, so the colours cycle smoothly)
.pal:   mov     al, cl
        cmp     al, 32
        jb      .up
        not     al
        and     al, 63                          ; 63 - i
.up:    shl     al, 1                           ; t
        stosb                                   ; red = t
        mov     ah, al
        mul     ah
        shr     ax, 6
        stosb                                   ; green = t*t/64
        mov     al, 63
        sub     al, [di - 2]
        stosb                                   ; blue = 63 - t
        inc     cl
        cmp     cl, 64
        jb      .pal
        mov     ax, 0x1012
        mov     bx, 64
        mov     cx, 64
        mov     dx, PALETTE
        int     0x10
        mov     si, msg_mb
        call    puts
        rdtsc
        mov     [tsc0], eax
        mov     [tsc0 + 4], edx
        call    mandelbrot
        rdtsc
        sub     eax, [tsc0]
        sbb     edx, [tsc0 + 4]
        mov     [mb_cycles], eax
        mov     [mb_cycles + 4], edx
        mov     si, msg_mb2
        call    puts
        mov     eax, [mb_cycles]
        mov     edx, [mb_cycles + 4]
        call    putdec64
        mov     si, msg_cycles
        call    puts
        mov     eax, [mb_cycles]
        mov     edx, [mb_cycles + 4]
        call    cycles_us
        call    putdec
        mov     si, msg_us
        call    puts

        ; 7. The summary under the picture (text rows 20-24 of 40x25), and the end.
        mov     byte [screen], 1
        mov     ah, 0x02
        xor     bh, bh
        mov     dx, 0x1400
        int     0x10
        mov     si, msg_sum
        call    puts
        mov     eax, [rm_cycles]
        mov     edx, [rm_cycles + 4]
        call    cycles_us
        call    putdec
        mov     si, msg_sum2
        call    puts
        mov     eax, [pm_cycles]
        mov     edx, [pm_cycles + 4]
        call    cycles_us
        call    putdec
        mov     si, msg_sum3
        call    puts
        mov     eax, [mb_cycles]
        mov     edx, [mb_cycles + 4]
        call    cycles_us
        call    putdec
        mov     si, msg_sum4
        call    puts
        call    tsc_mhz
        call    putdec
        mov     si, msg_sum5
        call    puts
        mov     si, msg_done
        call    puts
        mov     cx, PAUSE_TICKS
        call    wait_ticks
        mov     al, 0
        out     0xF4, al                        ; exit status (0 << 1) | 1 = 1
        jmp     halt

no_cpuid:
        mov     si, msg_no_cpuid
        jmp     fail
no_tsc: mov     si, msg_no_tsc
fail:   call    puts
        mov     al, 1
        out     0xF4, al                        ; exit status 3
halt:   cli
        hlt
        jmp     halt

; --- real-mode helpers ----------------------------------------------------------------------

; Sieve of Eratosthenes on the 64 KiB segment SIEVE16_SEG: EAX = primes below 65536.
sieve16:
        push    es
        push    SIEVE16_SEG
        pop     es
        xor     di, di
        mov     cx, N / 2
        mov     ax, 0x0101
        rep     stosw                           ; every number a candidate...
        mov     word [es:0], 0                  ; ...but 0 and 1
        mov     bx, 2
.outer: mov     ax, bx
        mul     bx
        test    dx, dx                          ; BX*BX >= 65536: done
        jnz     .count
        cmp     byte [es:bx], 0
        je      .next
        mov     di, ax
.inner: mov     byte [es:di], 0                 ; strike BX*BX, BX*BX + BX, ...
        add     di, bx
        jnc     .inner                          ; until past 65535
.next:  inc     bx
        jmp     .outer
.count: xor     eax, eax
        xor     edx, edx
        xor     di, di
.c:     mov     al, [es:di]
        add     edx, eax
        inc     di
        jnz     .c
        mov     eax, edx
        pop     es
        ret

; The Mandelbrot set on the mode-13h screen, rows 0 to MB_H-1: colour 0 inside, else
; 64 + (4 x the iterations it took to escape |z| > 2) mod 64.
mandelbrot:
        push    es
        push    0xA000
        pop     es
        xor     di, di
        mov     dword [mb_y], MB_Y0
        mov     word [mb_row], MB_H
.row:   mov     dword [mb_x], MB_X0
        mov     word [mb_col], MB_W
.col:   push    di
        mov     esi, [mb_x]                     ; c = ESI + i EDI
        mov     edi, [mb_y]
        xor     ebx, ebx                        ; z = EBX + i EBP = 0
        xor     ebp, ebp
        mov     cx, ITER
.it:    mov     eax, ebx
        imul    eax, eax
        sar     eax, FRAC                       ; x^2
        mov     edx, ebp
        imul    edx, edx
        sar     edx, FRAC                       ; y^2
        add     eax, edx
        cmp     eax, 4 << FRAC                  ; |z|^2 > 4: escaped
        jg      .out
        sub     eax, edx
        sub     eax, edx
        add     eax, esi                        ; x' = x^2 - y^2 + cx
        imul    ebp, ebx
        sar     ebp, FRAC - 1
        add     ebp, edi                        ; y' = 2xy + cy
        mov     ebx, eax
        loop    .it
        xor     al, al                          ; inside
        jmp     .put
.out:   mov     al, ITER
        sub     al, cl                          ; the iterations it took
        shl     al, 2
        and     al, 63                          ; four times round the palette
        add     al, 64
.put:   pop     di
        stosb
        add     dword [mb_x], STEP
        dec     word [mb_col]
        jnz     .col
        add     dword [mb_y], STEP
        dec     word [mb_row]
        jnz     .row
        pop     es
        ret

; Wait CX timer ticks (HLT between interrupts).
wait_ticks:
        movzx   ecx, cx
        mov     ebx, [BDA_TICKS]
.w:     hlt
        mov     eax, [BDA_TICKS]
        sub     eax, ebx
        cmp     eax, ecx
        jb      .w
        ret

; EAX = the TSC rate in MHz, rounded.
tsc_mhz:
        mov     eax, [tsc_khz]
        add     eax, 500
        xor     edx, edx
        mov     ecx, 1000
        div     ecx
        ret

; EDX:EAX TSC cycles -> EAX microseconds (cycles * 1000 / kHz).
cycles_us:
        push    ebx
        push    ecx
        push    esi
        mov     ecx, 1000
        mov     ebx, edx
        mul     ecx
        mov     esi, eax
        mov     eax, ebx
        mov     ebx, edx
        mul     ecx
        lea     edx, [eax + ebx]
        mov     eax, esi
        div     dword [tsc_khz]
        pop     esi
        pop     ecx
        pop     ebx
        ret

; One line of sieve results: SI = the mode's name, BX -> cycles (qword), ticks, primes.
report:
        call    puts
        mov     eax, [bx + 12]
        call    putdec
        mov     si, msg_primes
        call    puts
        mov     eax, [bx]
        mov     edx, [bx + 4]
        call    putdec64
        mov     si, msg_cycles
        call    puts
        mov     eax, [bx]
        mov     edx, [bx + 4]
        call    cycles_us
        call    putdec
        mov     si, msg_us_ticks
        call    puts
        mov     eax, [bx + 8]
        call    putdec
        mov     si, msg_ticks
        jmp     puts

; Print the zero-terminated string at DS:SI.
puts:   push    ax
.l:     lodsb
        test    al, al
        jz      .r
        call    putc
        jmp     .l
.r:     pop     ax
        ret

; Print AL: on the screen through INT 10h teletype (which the BIOS copies to the debug
; console), or only on the debug console while [screen] is 0; and on COM1 through INT 14h.
; A newline (10) is a line feed plus a return to column 0 (CR LF on COM1).
putc:   pusha
        mov     bp, ax
        cmp     byte [screen], 0
        je      .dbg
        mov     ah, 0x0E
        mov     bx, 0x000F                      ; page 0, colour 15 in graphics modes
        int     0x10
        jmp     .ser
.dbg:   out     0xE9, al
.ser:   mov     ax, bp
        cmp     al, 10
        jne     .char
        cmp     byte [screen], 0
        je      .crlf
        mov     ah, 0x03                        ; column 0 (the LF left the column as is)
        xor     bh, bh
        int     0x10
        mov     ah, 0x02
        xor     dl, dl
        int     0x10
.crlf:  mov     ax, 0x010D
        xor     dx, dx
        int     0x14
        mov     ax, bp
.char:  mov     ah, 0x01
        xor     dx, dx
        int     0x14
        popa
        ret

; EAX in decimal.
putdec: pushad
        mov     ecx, 10
        xor     bx, bx
.d:     xor     edx, edx
        div     ecx
        push    dx
        inc     bx
        test    eax, eax
        jnz     .d
.p:     pop     ax
        add     al, '0'
        call    putc
        dec     bx
        jnz     .p
        popad
        ret

; EDX:EAX in decimal.
putdec64:
        pushad
        mov     ecx, 10
        xor     bx, bx
.d:     mov     esi, eax
        mov     eax, edx
        xor     edx, edx
        div     ecx                             ; high half / 10
        mov     edi, eax
        mov     eax, esi
        div     ecx                             ; (remainder : low half) / 10
        push    dx
        inc     bx
        mov     edx, edi
        mov     esi, eax
        or      esi, edx
        jnz     .d
.p:     pop     ax
        add     al, '0'
        call    putc
        dec     bx
        jnz     .p
        popad
        ret

; AL in two hex digits.
puthex2:
        push    ax
        shr     al, 4
        call    .digit
        pop     ax
        and     al, 15
.digit: add     al, '0'
        cmp     al, '9'
        jbe     .out
        add     al, 'A' - '0' - 10
.out:   jmp     putc

; --- protected mode -------------------------------------------------------------------------

; Enter 32-bit protected mode, run pm_main there, come back. The master 8259 is moved from
; the BIOS's vectors 08h-0Fh (which are CPU exceptions in protected mode) to 20h-27h with
; only IRQ0 unmasked, and put back afterwards.
pm_run:
        cli
        in      al, 0x21
        mov     [saved_imr], al
        mov     bl, 0x20
        call    pic_base
        mov     al, 0xFE
        out     0x21, al
        movzx   esp, sp                         ; the same stack, as a 32-bit one
        o32 lgdt [gdt_desc]
        mov     eax, cr0
        or      al, 1                           ; PE
        mov     cr0, eax
        jmp     dword 0x08:pm32

        bits    32
pm32:   mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        call    pm_main
        cli
        mov     eax, cr0                        ; paging off
        and     eax, 0x7FFFFFFF
        mov     cr0, eax
        xor     eax, eax
        mov     cr3, eax
        jmp     0x18:.pm16                      ; 16-bit code segment, then real mode
        bits    16
.pm16:  mov     ax, 0x20
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     eax, cr0
        and     al, 0xFE
        mov     cr0, eax
        jmp     0:.real
.real:  xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        o32 lidt [rm_idt]
        mov     bl, 0x08
        call    pic_base
        mov     al, [saved_imr]
        out     0x21, al
        sti
        ret

; Initialise the master 8259 with its vectors at BL.
pic_base:
        mov     al, 0x11                        ; ICW1: edge, cascade, ICW4 follows
        out     0x20, al
        mov     al, bl                          ; ICW2: vector base
        out     0x21, al
        mov     al, 0x04                        ; ICW3: the slave on IRQ2
        out     0x21, al
        mov     al, 0x01                        ; ICW4: 8086 mode
        out     0x21, al
        ret

        bits    32
pm_main:
        ; IDT: exceptions 0-31 stop the demo, vector 20h is IRQ0.
        mov     edi, IDT
        mov     ecx, 32
.exc:   mov     eax, pm_exception
        call    set_gate
        loop    .exc
        mov     eax, pm_irq0
        call    set_gate
        lidt    [idt_desc]
        mov     esi, msg_pm_on
        call    pputs
        ; Paging: an identity map of the first 4 MiB in 4 KiB pages.
        mov     edi, PAGE_DIR
        xor     eax, eax
        mov     ecx, 1024
        rep     stosd
        mov     dword [PAGE_DIR], PAGE_TABLE | 3        ; present, writable
        mov     edi, PAGE_TABLE
        mov     eax, 3
        mov     ecx, 1024
.pte:   stosd
        add     eax, 4096
        loop    .pte
        mov     eax, PAGE_DIR
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000                 ; PG
        mov     cr0, eax
        jmp     .paged
.paged: mov     esi, msg_paging_on
        call    pputs
        sti
        mov     eax, [BDA_TICKS]
        mov     [pm_ticks], eax
        rdtsc
        mov     [tsc0], eax
        mov     [tsc0 + 4], edx
        mov     ecx, REPEAT
.pm:    push    ecx
        call    sieve32
        pop     ecx
        loop    .pm
        mov     [pm_primes], eax
        rdtsc
        sub     eax, [tsc0]
        sbb     edx, [tsc0 + 4]
        mov     [pm_cycles], eax
        mov     [pm_cycles + 4], edx
        mov     eax, [BDA_TICKS]
        sub     eax, [pm_ticks]
        mov     [pm_ticks], eax
        cli
        mov     esi, msg_pm_off
        jmp     pputs

; The IDT entry at EDI: a 32-bit interrupt gate to EAX; EDI moves to the next one.
set_gate:
        mov     [edi], ax
        mov     word [edi + 2], 0x08
        mov     word [edi + 4], 0x8E00
        shr     eax, 16
        mov     [edi + 6], ax
        add     edi, 8
        ret

; IRQ0 in protected mode: count the tick where the BIOS does, end the interrupt.
pm_irq0:
        inc     dword [BDA_TICKS]
        push    eax
        mov     al, 0x20
        out     0x20, al
        pop     eax
        iretd

pm_exception:
        mov     esi, msg_pm_exc
        call    pputs
        mov     al, 1
        out     0xF4, al                        ; exit status 3
.h:     hlt
        jmp     .h

; The same sieve in flat 32-bit memory at SIEVE32: EAX = primes below N.
sieve32:
        mov     edi, SIEVE32
        mov     ecx, N / 4
        mov     eax, 0x01010101
        rep     stosd
        mov     word [SIEVE32], 0
        mov     ebx, 2
.outer: mov     eax, ebx
        imul    eax, ebx
        cmp     eax, N
        jae     .count
        cmp     byte [SIEVE32 + ebx], 0
        je      .next
.inner: mov     byte [SIEVE32 + eax], 0
        add     eax, ebx
        cmp     eax, N
        jb      .inner
.next:  inc     ebx
        jmp     .outer
.count: xor     edx, edx
        xor     ecx, ecx
.c:     movzx   eax, byte [SIEVE32 + ecx]
        add     edx, eax
        inc     ecx
        cmp     ecx, N
        jb      .c
        mov     eax, edx
        ret

; Print the string at ESI from protected mode: debug console, COM1 and the text screen.
pputs:  lodsb
        test    al, al
        jz      .r
        call    pputc
        jmp     pputs
.r:     ret

; Print AL from protected mode. No BIOS here: port E9h, the UART, and video memory at
; B8000h at the BIOS's cursor (BDA 450h), scrolling at the bottom.
pputc:  pushad
        out     0xE9, al
        mov     bl, al
        movzx   edx, word [BDA_COM1]
        test    edx, edx
        jz      .screen
        cmp     bl, 10
        jne     .ser
        mov     al, 13
        call    uart_out
.ser:   mov     al, bl
        call    uart_out
.screen:
        movzx   ecx, byte [BDA_CURSOR]          ; column
        movzx   edx, byte [BDA_CURSOR + 1]      ; row
        cmp     bl, 10
        je      .nl
        imul    edi, edx, 160
        mov     byte [0xB8000 + edi + ecx * 2], bl
        mov     byte [0xB8000 + edi + ecx * 2 + 1], 0x07
        inc     ecx
        cmp     ecx, 80
        jb      .store
.nl:    xor     ecx, ecx
        inc     edx
        cmp     edx, 25
        jb      .store
        mov     esi, 0xB8000 + 160              ; scroll up one row
        mov     edi, 0xB8000
        push    ecx
        mov     ecx, 24 * 160 / 4
        rep     movsd
        mov     eax, 0x07200720
        mov     ecx, 160 / 4
        rep     stosd
        pop     ecx
        mov     edx, 24
.store: mov     [BDA_CURSOR], cl
        mov     [BDA_CURSOR + 1], dl
        popad
        ret

; AL to the UART at port DX (its base), waiting (a bounded time) for room.
uart_out:
        push    ecx
        push    edx
        mov     ah, al
        add     edx, 5                          ; line status
        mov     ecx, 100000
.w:     in      al, dx
        test    al, 0x20                        ; transmitter holding register empty
        loopz   .w
        sub     edx, 5
        mov     al, ah
        out     dx, al
        pop     edx
        pop     ecx
        ret

; --- data -----------------------------------------------------------------------------------

        align   8
gdt:    dq      0
        dq      0x00CF9A000000FFFF              ; 08h: 32-bit code, base 0, 4 GiB
        dq      0x00CF92000000FFFF              ; 10h: 32-bit data, base 0, 4 GiB
        dq      0x00009A000000FFFF              ; 18h: 16-bit code, base 0, 64 KiB
        dq      0x000092000000FFFF              ; 20h: 16-bit data, base 0, 64 KiB
gdt_desc:
        dw      $ - gdt - 1
        dd      gdt
idt_desc:
        dw      33 * 8 - 1
        dd      IDT
rm_idt: dw      0x3FF                           ; the real-mode IVT
        dd      0

msg_banner:     db  " IronPC demo disk: our BIOS, real mode, 32-bit protected mode, VGA", 10, 0
msg_booted:     db  "booted from drive ", 0
msg_booted2:    db  "h: the boot sector loaded ", 0
msg_booted3:    db  " sectors through INT 13h", 10, 0
msg_cpu:        db  "CPU: ", 0
msg_family:     db  ", family ", 0
msg_model:      db  ", model ", 0
msg_stepping:   db  ", stepping ", 0
msg_mem:        db  "memory: ", 0
msg_mem2:       db  " KiB below 640K (INT 12h); E820h: ", 0
msg_mem3:       db  " KiB usable in ", 0
msg_mem4:       db  " ranges", 10, 0
msg_tsc:        db  "TSC: ", 0
msg_tsc2:       db  " MHz, timed against 5 BIOS timer ticks", 10, 0
msg_sieve:      db  "sieve: the primes below 65536, ", 0
msg_sieve2:     db  " times; in real mode, then in protected mode", 10, 0
msg_rm:         db  "real mode: ", 0
msg_pm:         db  "protected mode: ", 0
msg_primes:     db  " primes, ", 0
msg_cycles:     db  " TSC cycles, ", 0
msg_us_ticks:   db  " us, ", 0
msg_ticks:      db  " timer ticks", 10, 0
msg_us:         db  " us", 10, 0
msg_back:       db  "back in real mode", 10, 0
msg_pm_on:      db  "32-bit protected mode: on, IRQ0 through our IDT", 10, 0
msg_paging_on:  db  "paging (4 KiB pages): on", 10, 0
msg_pm_off:     db  "leaving protected mode", 10, 0
msg_pm_exc:     db  "demo: CPU exception in protected mode", 10, 0
msg_mb:         db  "mode 13h: the Mandelbrot set, 320x160, 64 iterations", 10, 0
msg_mb2:        db  "Mandelbrot: ", 0
msg_sum:        db  "summary: sieves ", 0
msg_sum2:       db  " us in real mode, ", 0
msg_sum3:       db  " us in protected mode with paging; Mandelbrot ", 0
msg_sum4:       db  " us; TSC ", 0
msg_sum5:       db  " MHz", 10, 0
msg_done:       db  "demo done", 10, 0
msg_no_cpuid:   db  "demo: no CPUID: a Pentium-class CPU is needed", 10, 0
msg_no_tsc:     db  "demo: no time-stamp counter: a Pentium-class CPU is needed", 10, 0

screen:         db  1                           ; 0: text to the debug console only
drive:          db  0
saved_imr:      db  0
vendor:         times 13 db 0                   ; CPUID vendor string
        align   4
features:       dd  0
ranges:         dd  0
usable_kib:     dd  0
tsc_khz:        dd  0
tsc0:           dq  0
rm_cycles:      dq  0                           ; report's layout: cycles, ticks, primes
rm_ticks:       dd  0
rm_primes:      dd  0
pm_cycles:      dq  0
pm_ticks:       dd  0
pm_primes:      dd  0
mb_cycles:      dq  0
mb_x:           dd  0
mb_y:           dd  0
mb_row:         dw  0
mb_col:         dw  0
end:
