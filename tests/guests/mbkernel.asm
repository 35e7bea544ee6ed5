; mbkernel.asm -- a Multiboot (version 1) test kernel: a flat binary loaded at 1 MiB through
; the a.out kludge (the address fields of the multiboot header, flag bit 16).
;
; It reports, as "key=value" lines on the debug console (port E9h) and on COM1 (3F8h,
; polled), what the boot loader handed over:
;
;   magic=0x2BADB002            EAX on entry
;   pe=1 pg=0 if=0 vm=0         CR0.PE, CR0.PG, EFLAGS.IF, EFLAGS.VM on entry
;   cs=0x.. cs_base=0x.. cs_limit=0x.. cs_d=1   the code segment (its GDT descriptor)
;   ds_limit=.. ss_limit=..     the data segments' limits (LSL)
;   flags=0x..                  the multiboot information's flags
;   mem_lower=N mem_upper=N     (flag 0) in KiB, decimal
;   boot_device=0x..            (flag 1)
;   cmdline=...                 (flag 2)
;   mmap=BASE,LENGTH,TYPE       (flag 6) one line per entry, 64-bit hex base and length
;   mmap_entries=N
;   loader=...                  (flag 9) the boot loader's name
;   checks=ok | checks=FAILED   magic, protected mode and a flat 32-bit CS
;
; then ends the run through port F4h: byte 0 (exit status 1) when the checks passed,
; byte 2 (exit status 5) when one failed.

MB_MAGIC        equ     0x1BADB002
MB_FLAGS        equ     (1 << 0) | (1 << 1) | (1 << 16)  ; page-align, memory info, addresses
MB_BOOT_MAGIC   equ     0x2BADB002
COM1            equ     0x3F8

        bits    32
        org     0x100000

mb_header:
        dd      MB_MAGIC
        dd      MB_FLAGS
        dd      -(MB_MAGIC + MB_FLAGS)
        dd      mb_header               ; header_addr
        dd      mb_header               ; load_addr: the file's first byte
        dd      load_end                ; load_end_addr
        dd      bss_end                 ; bss_end_addr
        dd      start                   ; entry_addr

start:
        ; Keep what the loader handed over before touching anything.
        mov     [boot_eax], eax
        mov     [boot_ebx], ebx
        mov     esp, stack_top          ; ESP is undefined on entry
        pushfd
        pop     dword [boot_eflags]
        cld

        call    com_init

        ; --- what the CPU looks like --------------------------------------------
        mov     esi, s_magic
        call    puts
        mov     eax, [boot_eax]
        call    puthex32
        call    newline
        cmp     dword [boot_eax], MB_BOOT_MAGIC
        je      .magic_ok
        mov     byte [failed], 1
.magic_ok:
        mov     eax, cr0
        mov     ebx, eax
        and     eax, 1
        jnz     .pe_ok
        mov     byte [failed], 1
.pe_ok: mov     esi, s_pe
        call    puts
        call    putdec
        mov     esi, s_pg
        call    puts
        mov     eax, ebx
        shr     eax, 31
        call    putdec
        mov     esi, s_if
        call    puts
        mov     eax, [boot_eflags]
        shr     eax, 9
        and     eax, 1
        call    putdec
        mov     esi, s_vm
        call    puts
        mov     eax, [boot_eflags]
        shr     eax, 17
        and     eax, 1
        call    putdec
        call    newline

        ; CS: its selector, and base/limit/D from its descriptor in the GDT.
        mov     esi, s_cs
        call    puts
        xor     eax, eax
        mov     ax, cs
        mov     [boot_cs], ax
        call    puthex16
        sgdt    [gdtr]
        xor     eax, eax
        mov     ax, cs
        and     eax, 0xFFF8
        test    word [boot_cs], 4       ; a CS in the LDT is not what Multiboot promises
        jnz     .cs_unreadable
        lea     edx, [eax + 7]
        cmp     dx, [gdtr]              ; the descriptor must lie inside the GDT
        ja      .cs_unreadable
        add     eax, [gdtr + 2]         ; its linear address (paging is off)
        mov     edx, [eax + 4]
        mov     ecx, [eax]
        ; base = low[31:16] | high[7:0] << 16 | high[31:24] << 24
        mov     eax, ecx
        shr     eax, 16
        mov     edi, edx
        and     edi, 0xFF
        shl     edi, 16
        or      eax, edi
        mov     edi, edx
        and     edi, 0xFF000000
        or      eax, edi
        mov     [cs_base], eax
        shr     edx, 22                 ; D: a 32-bit code segment
        and     edx, 1
        mov     [cs_d], edx
        xor     ecx, ecx
        mov     cx, cs
        lsl     eax, ecx                ; the limit in bytes, G applied
        jz      .lsl_ok
        mov     eax, 0
        mov     byte [failed], 1
.lsl_ok:
        mov     [cs_limit], eax
        mov     esi, s_cs_base
        call    puts
        mov     eax, [cs_base]
        call    puthex32
        mov     esi, s_cs_limit
        call    puts
        mov     eax, [cs_limit]
        call    puthex32
        mov     esi, s_cs_d
        call    puts
        mov     eax, [cs_d]
        call    putdec
        call    newline
        cmp     dword [cs_base], 0
        jne     .cs_bad
        cmp     dword [cs_limit], 0xFFFFFFFF
        jne     .cs_bad
        cmp     dword [cs_d], 1
        je      .data_segs
.cs_bad:
        mov     byte [failed], 1
        jmp     .data_segs
.cs_unreadable:
        mov     byte [failed], 1
        call    newline

.data_segs:
        mov     esi, s_ds_limit
        call    puts
        xor     ecx, ecx
        mov     cx, ds
        call    seg_limit
        mov     esi, s_ss_limit
        call    puts
        xor     ecx, ecx
        mov     cx, ss
        call    seg_limit
        call    newline

        ; --- the multiboot information ----------------------------------------------
        cmp     dword [boot_eax], MB_BOOT_MAGIC
        jne     .done
        mov     ebp, [boot_ebx]
        mov     esi, s_flags
        call    puts
        mov     eax, [ebp]
        call    puthex32
        call    newline

        test    dword [ebp], 1 << 0
        jz      .no_mem
        mov     esi, s_mem_lower
        call    puts
        mov     eax, [ebp + 4]
        call    putdec
        call    newline
        mov     esi, s_mem_upper
        call    puts
        mov     eax, [ebp + 8]
        call    putdec
        call    newline
.no_mem:
        test    dword [ebp], 1 << 1
        jz      .no_dev
        mov     esi, s_boot_device
        call    puts
        mov     eax, [ebp + 12]
        call    puthex32
        call    newline
.no_dev:
        test    dword [ebp], 1 << 2
        jz      .no_cmdline
        mov     esi, s_cmdline
        call    puts
        mov     esi, [ebp + 16]
        call    puts
        call    newline
.no_cmdline:
        test    dword [ebp], 1 << 6
        jz      .no_mmap
        ; entries: size (not counting itself), base_addr (64), length (64), type (32)
        mov     ebx, [ebp + 48]         ; mmap_addr
        mov     edi, ebx
        add     edi, [ebp + 44]         ; + mmap_length
        xor     ecx, ecx                ; entry count
.mmap_next:
        cmp     ebx, edi
        jae     .mmap_end
        cmp     ecx, 64                 ; a broken map must not loop for ever
        jae     .mmap_end
        mov     esi, s_mmap
        call    puts
        mov     eax, [ebx + 8]
        call    puthex32_bare
        mov     eax, [ebx + 4]
        call    puthex32_bare
        mov     al, ','
        call    putc
        mov     esi, s_0x
        call    puts
        mov     eax, [ebx + 16]
        call    puthex32_bare
        mov     eax, [ebx + 12]
        call    puthex32_bare
        mov     al, ','
        call    putc
        mov     eax, [ebx + 20]
        call    putdec
        call    newline
        inc     ecx
        mov     eax, [ebx]
        lea     ebx, [ebx + eax + 4]
        jmp     .mmap_next
.mmap_end:
        mov     esi, s_mmap_entries
        call    puts
        mov     eax, ecx
        call    putdec
        call    newline
.no_mmap:
        test    dword [ebp], 1 << 9
        jz      .done
        mov     esi, s_loader
        call    puts
        mov     esi, [ebp + 64]
        call    puts
        call    newline

.done:
        cmp     byte [failed], 0
        jne     .fail
        mov     esi, s_ok
        call    puts
        xor     eax, eax
        jmp     .exit
.fail:  mov     esi, s_failed
        call    puts
        mov     eax, 2
.exit:  out     0xF4, al
.halt:  cli
        hlt
        jmp     .halt

; The limit of the selector in CX (LSL), printed in hex; a failed LSL fails the checks.
seg_limit:
        lsl     eax, ecx
        jz      .ok
        mov     byte [failed], 1
        mov     esi, s_invalid
        jmp     puts
.ok:    jmp     puthex32

; --- output ------------------------------------------------------------------------

; COM1: 115200 baud, 8N1, FIFOs on, no interrupts.
com_init:
        mov     dx, COM1 + 1
        xor     al, al
        out     dx, al                  ; IER = 0
        mov     dx, COM1 + 3
        mov     al, 0x80
        out     dx, al                  ; DLAB
        mov     dx, COM1
        mov     al, 1
        out     dx, al                  ; divisor 1 = 115200
        inc     dx
        xor     al, al
        out     dx, al
        mov     dx, COM1 + 3
        mov     al, 0x03
        out     dx, al                  ; 8N1
        mov     dx, COM1 + 2
        mov     al, 0x07
        out     dx, al                  ; FIFO on, cleared
        mov     dx, COM1 + 4
        mov     al, 0x03
        out     dx, al                  ; DTR, RTS
        ret

; Character AL to port E9h and to COM1 (waiting for THRE, but not for ever).
putc:
        push    ecx
        push    edx
        push    eax
        out     0xE9, al
        mov     dx, COM1 + 5
        mov     ecx, 100000
.wait:  in      al, dx
        test    al, 0x20
        jnz     .send
        dec     ecx
        jnz     .wait
.send:  pop     eax
        mov     dx, COM1
        out     dx, al
        pop     edx
        pop     ecx
        ret

newline:
        push    eax
        mov     al, 10
        call    putc
        pop     eax
        ret

; The zero-terminated string at ESI.
puts:
        push    eax
        push    esi
.l:     lodsb
        test    al, al
        jz      .e
        call    putc
        jmp     .l
.e:     pop     esi
        pop     eax
        ret

; EAX as "0x" and 8 hex digits / as 8 hex digits / AX as "0x" and 4 digits.
puthex32:
        push    esi
        mov     esi, s_0x
        call    puts
        pop     esi
puthex32_bare:
        push    ecx
        mov     ecx, 8
        jmp     puthex
puthex16:
        push    esi
        mov     esi, s_0x
        call    puts
        pop     esi
        push    ecx
        mov     ecx, 4
        rol     eax, 16
puthex:
        push    eax
.d:     rol     eax, 4
        push    eax
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .p
        add     al, 'A' - '0' - 10
.p:     call    putc
        pop     eax
        dec     ecx
        jnz     .d
        pop     eax
        pop     ecx
        ret

; EAX in decimal.
putdec:
        push    eax
        push    ecx
        push    edx
        push    ebx
        mov     ebx, 10
        xor     ecx, ecx
.div:   xor     edx, edx
        div     ebx
        push    edx
        inc     ecx
        test    eax, eax
        jnz     .div
.out:   pop     eax
        add     al, '0'
        call    putc
        dec     ecx
        jnz     .out
        pop     ebx
        pop     edx
        pop     ecx
        pop     eax
        ret

s_magic:        db      "magic=", 0
s_pe:           db      "pe=", 0
s_pg:           db      " pg=", 0
s_if:           db      " if=", 0
s_vm:           db      " vm=", 0
s_cs:           db      "cs=", 0
s_cs_base:      db      " cs_base=", 0
s_cs_limit:     db      " cs_limit=", 0
s_cs_d:         db      " cs_d=", 0
s_ds_limit:     db      "ds_limit=", 0
s_ss_limit:     db      " ss_limit=", 0
s_flags:        db      "flags=", 0
s_mem_lower:    db      "mem_lower=", 0
s_mem_upper:    db      "mem_upper=", 0
s_boot_device:  db      "boot_device=", 0
s_cmdline:      db      "cmdline=", 0
s_mmap:         db      "mmap=0x", 0
s_mmap_entries: db      "mmap_entries=", 0
s_loader:       db      "loader=", 0
s_ok:           db      "checks=ok", 10, 0
s_failed:       db      "checks=FAILED", 10, 0
s_invalid:      db      "invalid", 0
s_0x:           db      "0x", 0

        align   4
load_end:

section .bss
        alignb  4
boot_eax:       resd    1
boot_ebx:       resd    1
boot_eflags:    resd    1
cs_base:        resd    1
cs_limit:       resd    1
cs_d:           resd    1
gdtr:           resb    6
boot_cs:        resw    1
failed:         resb    1
        alignb  16
                resb    4096
stack_top:
bss_end:
