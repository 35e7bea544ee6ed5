; smc.asm -- self-modifying code. The ROM copies itself to RAM at linear 80000 and runs
; there (real mode CS = 8000, so every label is also its offset in the copy; 32-bit code
; at SEL_CODE32:80000+label), then patches its own instructions:
;   * the immediate of an instruction that already ran, executed again after a CALL/JMP;
;   * the very next instruction, with no jump in between (P6-family processors detect a
;     store into the prefetched instruction stream: SDM vol. 3, 11.6 "Self-modifying
;     code"), including a store that changes the opcode, and one two instructions ahead;
;   * a loop that increments its own ADD immediate on every iteration;
;   * REP MOVSB copying new code over a routine that has run (and is decoded), and over
;     the instructions right after the REP MOVSB itself;
;   * stores through another segment (real mode) / another linear page (paging) that map
;     the same physical bytes.
;   nasm -f bin -o smc.rom smc.asm
%include "lib.inc"

%define RAMSEG    0x8000        ; the RAM copy: segment 8000 = linear 80000
%define RAMBASE   0x80000
%define V1        0x600
%define V2        0x604
%define PD        0x70000
%define PT        0x71000

        ROM_START
        ; Copy the whole 64 KiB image to 8000:0000 and continue there.
        mov     ax, 0xF000
        mov     ds, ax
        mov     ax, RAMSEG
        mov     es, ax
        xor     si, si
.c:     mov     eax, [si]
        mov     [es:si], eax
        add     si, 4
        jnz     .c
        jmp     RAMSEG:ram_main

ram_main:
        mov     ax, RAMSEG
        mov     ds, ax                          ; DS = the code copy: stores patch code
        xor     ax, ax
        mov     es, ax
        mov     ax, cs
        CHKW    1, ax, RAMSEG, "running from the RAM copy (CS = 8000)"

        SAY     "real mode: patch an instruction that already ran"
        call    f_imm
        CHKW    2, ax, 0x1111, "first call: MOV AX, 1111"
        mov     word [f_imm + 1], 0x2222        ; B8 iw: the immediate is at +1
        call    f_imm
        CHKW    3, ax, 0x2222, "after patching the immediate: MOV AX, 2222"
        mov     byte [f_imm], 0xBB              ; B8 -> BB: MOV BX, imm16
        mov     ax, 0
        mov     bx, 0
        call    f_imm
        CHKW    4, bx, 0x2222, "after patching the opcode: MOV BX, 2222"
        CHKW    5, ax, 0, "after patching the opcode: AX untouched"
        mov     byte [f_imm], 0xB8

        SAY     "real mode: patch the next instruction"
        mov     byte [n1 + 1], 0x42
n1:     mov     al, 0x00                        ; B0 ib
        CHKB    6, al, 0x42, "store into the immediately following MOV AL, imm8"
        mov     ax, 5
        mov     byte [n2], 0x48                 ; INC AX (40) -> DEC AX (48)
n2:     inc     ax
        CHKW    7, ax, 4, "store turning the next INC AX into DEC AX"
        mov     word [n3 + 1], 0x7777
        nop
n3:     mov     cx, 0x0000
        CHKW    8, cx, 0x7777, "store into the instruction after next"
        mov     word [n4 + 1], 0x1357
        jmp     short n4                        ; the SDM's recommended serialising jump
n4:     mov     dx, 0x0000
        CHKW    9, dx, 0x1357, "store, JMP, patched instruction"
        ; The same code runs unpatched, patched, then restored, each time fresh.
        mov     si, 0
n5_rep: mov     byte [n5 + 1], 0x10
        cmp     si, 1
        jne     n5_np
        mov     byte [n5 + 1], 0x20
n5_np:
n5:     mov     bl, 0x00
        mov     [es:V1 + si], bl
        inc     si
        cmp     si, 3
        jne     n5_rep
        CHKB    10, byte [es:V1], 0x10, "loop pass 1: immediate 10"
        CHKB    11, byte [es:V1 + 1], 0x20, "loop pass 2: immediate re-patched to 20"
        CHKB    12, byte [es:V1 + 2], 0x10, "loop pass 3: back to 10"

        SAY     "real mode: a loop that rewrites its own ADD immediate"
        xor     ax, ax
        mov     cx, 10
        mov     word [l_add + 1], 1
l_add:  add     ax, 0x1234                      ; 05 iw
        inc     word [l_add + 1]
        loop    l_add
        CHKW    13, ax, 55, "1 + 2 + ... + 10 through a self-incrementing immediate"

        SAY     "real mode: REP MOVSB over code"
        xor     bx, bx
        mov     cx, 5
.b1:    call    body
        loop    .b1
        CHKW    14, bx, 5, "body ran 5 times: BX + 1 each"
        push    es
        push    ds
        pop     es
        mov     si, body_new
        mov     di, body
        mov     cx, body_new_end - body_new
        cld
        rep     movsb
        pop     es
        mov     cx, 5
.b2:    call    body
        loop    .b2
        CHKW    15, bx, 5 + 5 * 0x100, "after REP MOVSB of new code: BX + 100 each"
        ; Copy over the instructions that follow the REP MOVSB itself.
        push    es
        push    ds
        pop     es
        mov     si, after_new
        mov     di, after
        mov     cx, after_new_end - after_new
        rep     movsb
after:  mov     ax, 1
        mov     dx, 1
        pop     es
        CHKW    16, ax, 2, "REP MOVSB overwrote the next instruction (AX = 2)"
        CHKW    17, dx, 3, "... and the one after it (DX = 3)"

        SAY     "real mode: store through an aliasing segment"
        call    f_alias
        CHKW    18, ax, 0xAAAA, "alias routine first run"
        push    ds
        mov     ax, RAMSEG - 1                  ; 7FFF:x+10 is 8000:x
        mov     ds, ax
        mov     word [f_alias + 1 + 0x10], 0xBBBB
        pop     ds
        call    f_alias
        CHKW    19, ax, 0xBBBB, "store via 7FFF:x+10 changed the code at 8000:x"

        ; ---------------- 32-bit protected mode, paging on ----------------
        SAY     "32-bit PM with paging"
        call    gdt_install
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     dword SEL_CODE32:(pm32 + RAMBASE)
        bits    32
pm32:   mov     ax, SEL_DATA32
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, 0x90000
        ; Identity-map the first 4 MiB, and map linear 400000-7FFFFF to the same frames.
        mov     edi, PT
        mov     eax, 0x003
        mov     ecx, 1024
.pte:   stosd
        add     eax, 0x1000
        loop    .pte
        mov     dword [PD], PT + 3
        mov     dword [PD + 4], PT + 3
        mov     eax, PD
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
        jmp     .pg
.pg:    mov     eax, cr0
        and     eax, 0x80000001
        CHK     20, eax, 0x80000001, "paging on, running at 80000+"
        call    p_imm
        CHK     21, eax, 0x11111111, "PM routine first run"
        mov     dword [p_imm + RAMBASE + 1], 0x22222222
        call    p_imm
        CHK     22, eax, 0x22222222, "PM: patched immediate after a CALL"
        mov     byte [p_n1 + RAMBASE + 1], 0x5A
p_n1:   mov     bl, 0x00
        CHKB    23, bl, 0x5A, "PM: store into the next instruction"
        ; Through the second linear mapping of the same frames: the write must still be
        ; seen, because decoded code is tracked by physical address.
        mov     dword [p_imm + RAMBASE + 0x400000 + 1], 0x33333333
        call    p_imm
        CHK     24, eax, 0x33333333, "PM: store via linear alias 400000+x changed the code at x"
        mov     byte [p_n2 + RAMBASE + 0x400000 + 1], 0x66
p_n2:   mov     cl, 0x00
        CHKB    25, cl, 0x66, "PM: alias store into the next instruction"
        ; Execute through the alias too, then patch through the original mapping.
        call    p_alias_run
        CHK     26, eax, 0x33333333, "PM: the routine runs at its alias address"
        mov     dword [p_imm + RAMBASE + 1], 0x44444444
        call    p_alias_run
        CHK     27, eax, 0x44444444, "PM: patched at x, executed at alias 400000+x"
        ; REP MOVSD over a routine.
        mov     esi, p_new + RAMBASE
        mov     edi, p_imm + RAMBASE
        mov     ecx, (p_new_end - p_new + 3) / 4
        rep     movsd
        call    p_imm
        CHK     28, eax, 0x55555555, "PM: REP MOVSD copied a new routine over the old"
        FINISH

p_alias_run:
        mov     eax, p_imm + RAMBASE + 0x400000
        call    eax
        ret
        align   4
p_imm:  mov     eax, 0x11111111
        ret
        nop
        nop
        nop
        align   4
p_new:  mov     eax, 0x55555555
        ret
p_new_end:

        bits    16
f_imm:  mov     ax, 0x1111
        ret
f_alias:
        mov     ax, 0xAAAA
        ret
body:   add     bx, 1
        ret
        nop
        nop
body_new:
        add     bx, 0x100
        ret
body_new_end:
after_new:
        mov     ax, 2
        mov     dx, 3
after_new_end:

        LIB_CODE
        ROM_END
