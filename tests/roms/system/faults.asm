; faults.asm -- exception delivery rules and error codes (SDM vol. 3 6.13-6.15, table 6-5;
; vol. 2 MOV/POP Sreg, JMP/CALL, RET, IRET, INT n):
;   #DF from #GP + #NP (IDT gate not present) handled by a #DF task (task gate: fresh
;   stack, error code 0); #DF through an interrupt gate from #DE + #NP; a benign exception
;   followed by #NP is handled serially; #PF + #GP is a #DF, #GP + #PF (gate on a not-present
;   page) is handled serially, #PF + #PF is a #DF; the error codes of segment loads (#GP, #NP,
;   #SS, null, LDT, beyond the limit, type before presence), of stack limits (expand-up and
;   expand-down), far JMP/CALL to bad or not-present segments, call gates, IDT gates
;   (not present, beyond the IDT limit, bad type, bad target), RETF/IRET to bad outer
;   stacks, and #TS for a bad ring-0 stack in the TSS (handled by a #TS task).
%include "sys.inc"

%define TS_EIP   0x20
%define TS_EFL   0x24
%define TS_ESP   0x38
%define TS_ES    0x48
%define TS_CS    0x4C
%define TS_SS    0x50
%define TS_DS    0x54
%define TS_LINK  0x00
%define FA       0x200000
%define NPPG     0x4A0000               ; not present
%define IDTPG    0x4A1000               ; -> FA, holds a partial IDT
%define NPPG2    0x4A2000               ; not present

        SYS_START

        bits    32
main32:
        SAY     "double fault: #GP + #NP (gate 13 not present) -> #DF task"
        mov     edi, TSSD
        mov     ebx, df_task + ROMBASE
        mov     ecx, 0x82000
        call    mk_tss32
        mov     eax, 8
        xor     ebx, ebx
        mov     cx, SEL_TSSD
        mov     dl, 0x85
        call    set_gate                ; #DF -> task gate
        and     byte [IDT + 13 * 8 + 5], 0x7F   ; #GP gate not present
        mov     esp, 0x8F000            ; the faulting task's stack
        mov     ax, SEL_XO
df_mov: mov     ds, ax
df_ret: mov     esp, R0_STACK
        or      byte [IDT + 13 * 8 + 5], 0x80
        C32     [ss:V1], 0, "#DF task: error code 0"
        C32     [ss:V2], 0x82000 - 4, "#DF task: its own fresh stack (error code pushed there)"
        C32     [ss:V3], 0x4002, "#DF task: NT set"
        C32     [ss:V4], SEL_TSS0, "#DF task: back link = TSS0"
        C32     [ss:V5], df_mov + ROMBASE, "#DF task: TSS0 saved EIP = the MOV DS"
        C32     [ss:V6], 0x8F000, "#DF task: TSS0 saved ESP = the faulting task's (nothing pushed)"
        CB      byte [GDT + SEL_TSSD + 5], 0x89, "the #DF task's TSS is free after its IRETD"

        SAY     "double fault through an interrupt gate, and serial handling"
        mov     eax, 8
        call    stub_of
        mov     cx, SEL_C0
        mov     dl, 0x8E
        call    set_gate                ; #DF -> the logger
        mov     word [IDT + 0 * 8 + 2], SEL_CNP ; #DE gate -> a not-present code segment
        TRY     de_ret
        xor     ecx, ecx
        div     ecx
de_ret: mov     word [IDT + 0 * 8 + 2], SEL_C0
        C32     [ss:X_VEC], 8, "#DE + #NP (gate code segment not present): #DF"
        C32     [ss:X_ERR], 0, "#DF error code 0"
        mov     word [IDT + 6 * 8 + 2], SEL_CNP
        TRY     ud_ret
ud_at:  ud2
ud_ret: mov     word [IDT + 6 * 8 + 2], SEL_C0
        C32     [ss:X_VEC], 11, "#UD + #NP: benign then contributory, handled serially (#NP)"
        C32     [ss:X_ERR], SEL_CNP + 1, "#NP error code = code selector + EXT"
        C32     [ss:X_EIP], ud_at + ROMBASE, "saved EIP = the UD2"
        and     byte [IDT + 6 * 8 + 5], 0x7F
        PROBE   ud2
        or      byte [IDT + 6 * 8 + 5], 0x80
        C32     [ss:X_VEC], 11, "#UD with its gate not present: #NP"
        C32     [ss:X_ERR], 6 * 8 + 2 + 1, "error code = IDT index of 6, IDT bit, EXT"

        SAY     "double faults with page faults"
        call    paging_on
        mov     dword [PT1 + ((IDTPG - 0x400000) >> 12) * 4], FA + 3
        mov     eax, cr3
        mov     cr3, eax
        ; A partial IDT at IDTPG - 70h: gates 0..13 on a not-present page, 14.. present.
        mov     esi, IDT + 14 * 8
        mov     edi, IDTPG
        mov     ecx, 50 * 2
        rep     movsd
        lidt    [cs:idtr_a + ROMBASE]
        TRY     gp_pf
        mov     ax, SEL_XO
        mov     ds, ax
gp_pf:  lidt    [cs:idtr_main + ROMBASE]
        C32     [ss:X_VEC], 14, "#GP with its gate on a not-present page: #PF, handled serially"
        C32     [ss:X_ERR], 0, "#PF error code 0 (supervisor read, not present)"
        C32     [ss:X_CR2], IDTPG - 0x70 + 13 * 8, "CR2 = the gate's address"
        ; Gate 14 with a selector beyond the GDT limit: #PF + #GP = #DF.
        mov     word [IDT + 14 * 8 + 2], 0x1008
        PROBE   mov eax, [NPPG + 0x10]
        mov     word [IDT + 14 * 8 + 2], SEL_C0
        C32     [ss:X_VEC], 8, "#PF + #GP (gate selector beyond the GDT): #DF"
        C32     [ss:X_ERR], 0, "#DF error code 0"
        C32     [ss:X_CR2], NPPG + 0x10, "CR2 from the #PF"
        ; A partial IDT at IDTPG + FFFh - 6Fh: gate 8 present, gate 14 on a not-present page.
        mov     esi, IDT + 8 * 8
        mov     edi, IDTPG + 0x1000 - 0x70 + 8 * 8
        mov     ecx, 6 * 2
        rep     movsd
        lidt    [cs:idtr_b + ROMBASE]
        PROBE   mov eax, [NPPG + 0x20]
        lidt    [cs:idtr_main + ROMBASE]
        C32     [ss:X_VEC], 8, "#PF + #PF (gate 14 on a not-present page): #DF"
        C32     [ss:X_ERR], 0, "#DF error code 0"
        C32     [ss:X_CR2], NPPG2, "CR2 = the address of the second #PF"
        call    paging_off

        SAY     "segment loads"
%macro SEGPROBE 5                       ; register, selector, vector, error code, text
        mov     ax, %2
        PROBE   mov %1, ax
        C32     [ss:X_VEC], %3, %5
%if %3 != 0xEE
        C32     [ss:X_ERR], %4, "error code"
%endif
%endmacro
        SEGPROBE ss, SEL_DNP, 12, SEL_DNP, "MOV SS, not-present data: #SS"
        SEGPROBE ss, SEL_DRO, 13, SEL_DRO, "MOV SS, read-only data: #GP"
        SEGPROBE ss, 0, 13, 0, "MOV SS, null at CPL 0: #GP(0)"
        SEGPROBE ss, SEL_D3, 13, SEL_D3 & ~3, "MOV SS, RPL 3 / DPL 3 at CPL 0: #GP"
        SEGPROBE ss, SEL_C0, 13, SEL_C0, "MOV SS, code: #GP"
        SEGPROBE ss, SEL_D0 | 4, 13, SEL_D0 | 4, "MOV SS, LDT selector with a null LDTR: #GP"
        SEGPROBE ds, SEL_DNP, 11, SEL_DNP, "MOV DS, not-present data: #NP"
        SEGPROBE ds, SEL_XO, 13, SEL_XO, "MOV DS, execute-only code: #GP"
        SEGPROBE ds, SEL_TSS0, 13, SEL_TSS0, "MOV DS, TSS: #GP"
        SEGPROBE ds, 0xFFFB, 13, 0xFFF8, "MOV DS, beyond the GDT limit: #GP (RPL dropped)"
        SEGPROBE fs, SEL_CNP, 11, SEL_CNP, "MOV FS, not-present readable code: #NP"
        mov     dword [GDT + SEL_S1], 0x0000FFFF
        mov     dword [GDT + SEL_S1 + 4], 0x00CF1800    ; execute-only code, not present
        SEGPROBE gs, SEL_S1, 13, SEL_S1, "MOV GS, not-present execute-only code: #GP (type first)"
        SEGPROBE es, SEL_CCONF, 0xEE, 0, "MOV ES, readable conforming code: no fault"
        SEGPROBE es, 0, 0xEE, 0, "MOV ES, null: no fault"
        PROBE   mov eax, [es:0]
        C32     [ss:X_VEC], 13, "access through a null ES: #GP"
        C32     [ss:X_ERR], 0, "error code 0"
        mov     ax, SEL_D0
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ax, SEL_SMALL
        mov     ds, ax
        PROBE   mov eax, [0xFFD]
        mov     ax, SEL_D0
        mov     ds, ax
        C32     [ss:X_VEC], 13, "dword read at FFDh of a segment with limit FFFh: #GP"
        C32     [ss:X_ERR], 0, "error code 0"

        SAY     "stack faults (in ring 3, so that #SS switches to the ring-0 stack)"
        mov     dword [GDT + SEL_S3], 0x00000FFF
        mov     dword [GDT + SEL_S3 + 4], 0x0000F203    ; DPL 3, 16-bit, base 30000h
        mov     ebx, r3_ss_small + ROMBASE
        call    r3run
        C32     [ss:X_EBX], 0x7FC, "push inside the small stack segment"
        C32     [ss:X_VEC], 12, "push beyond the stack limit: #SS"
        C32     [ss:X_ERR], 0, "#SS error code 0"
        C32     [ss:X_SS], SEL_S3 | 3, "pushed SS = the small stack"
        C32     [ss:X_ESP], 0x1002, "pushed ESP = before the push"
        mov     dword [GDT + SEL_S3 + 4], 0x0040F600    ; DPL 3, expand-down, B, limit FFFh
        mov     ebx, r3_ss_down + ROMBASE
        call    r3run
        C32     [ss:X_EBX], 0x1FFC, "push inside an expand-down stack"
        C32     [ss:X_VEC], 12, "push below an expand-down stack's limit + 1: #SS"
        C32     [ss:X_ERR], 0, "#SS error code 0"

        SAY     "far JMP / CALL"
%macro FARPROBE 4                       ; instruction, vector, error code, text
        PROBE   %1
        C32     [ss:X_VEC], %2, %4
        C32     [ss:X_ERR], %3, "error code"
%endmacro
        FARPROBE {jmp SEL_CNP:0}, 11, SEL_CNP, "JMP to a not-present code segment: #NP"
        FARPROBE {call SEL_CNP:0}, 11, SEL_CNP, "CALL to a not-present code segment: #NP"
        FARPROBE {jmp SEL_D0:0}, 13, SEL_D0, "JMP to a data segment: #GP"
        FARPROBE {jmp 0:0}, 13, 0, "JMP to a null selector: #GP(0)"
        FARPROBE {jmp SEL_C3:0}, 13, SEL_C3 & ~3, "JMP to DPL-3 non-conforming code at CPL 0: #GP"
        FARPROBE {jmp SEL_C16:0x12345}, 13, 0, "JMP beyond the target's limit: #GP(0)"
        FARPROBE {call SEL_LDT:0}, 13, SEL_LDT, "CALL to an LDT descriptor: #GP"
        mov     eax, SEL_G1
        xor     ebx, ebx
        mov     cx, SEL_CNP
        mov     dx, 0x008C                      ; 32-bit call gate DPL 0
        call    mk_gate
        FARPROBE {call SEL_G1:0}, 11, SEL_CNP, "call gate to a not-present code segment: #NP"
        mov     eax, SEL_G1
        xor     ebx, ebx
        mov     cx, SEL_C0
        mov     dx, 0x008C
        call    mk_gate
        mov     ebx, r3_callgate + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "CALL through a DPL-0 call gate from ring 3: #GP"
        C32     [ss:X_ERR], SEL_G1, "error code = the gate selector"
        and     byte [GDT + SEL_G1 + 5], 0x7F
        FARPROBE {call SEL_G1:0}, 11, SEL_G1, "not-present call gate: #NP"

        SAY     "IDT gates"
        and     byte [IDT + 0x3F * 8 + 5], 0x7F
        FARPROBE {int 0x3F}, 11, 0x3F * 8 + 2, "INT 3Fh, gate not present: #NP, IDT bit, no EXT"
        or      byte [IDT + 0x3F * 8 + 5], 0x80
        FARPROBE {int 0x50}, 13, 0x50 * 8 + 2, "INT 50h, empty descriptor (type 0): #GP"
        lidt    [cs:idtr_short + ROMBASE]
        FARPROBE {int 0x41}, 13, 0x41 * 8 + 2, "INT 41h beyond the IDT limit: #GP"
        lidt    [cs:idtr_main + ROMBASE]
        mov     word [IDT + 0x3E * 8 + 2], SEL_D0
        FARPROBE {int 0x3E}, 13, SEL_D0, "INT 3Eh, gate selector = data segment: #GP"
        mov     word [IDT + 0x3E * 8 + 2], SEL_C0

        SAY     "returns to an outer level"
        TRY     retf_bad
        push    dword SEL_DRO | 3
        push    dword R3_STACK
        push    dword SEL_C3
        push    dword retf_bad + ROMBASE
        retf
retf_bad:
        C32     [ss:X_VEC], 13, "RETF to ring 3 with a read-only SS: #GP"
        C32     [ss:X_ERR], SEL_DRO, "error code = the SS selector"
        TRY     iret_bad
        push    dword SEL_D3 & ~3
        push    dword R3_STACK
        push    dword 2
        push    dword SEL_C3
        push    dword iret_bad + ROMBASE
        iretd
iret_bad:
        C32     [ss:X_VEC], 13, "IRETD to ring 3 with SS RPL 0: #GP"
        C32     [ss:X_ERR], SEL_D3 & ~3, "error code = the SS selector"
        TRY     iret_np
        push    dword 2
        push    dword SEL_CNP
        push    dword iret_np + ROMBASE
        iretd
iret_np:
        C32     [ss:X_VEC], 11, "IRETD to a not-present code segment: #NP"
        C32     [ss:X_ERR], SEL_CNP, "error code = the CS selector"

        SAY     "#TS: a bad ring-0 stack in the TSS, handled by a #TS task"
        mov     edi, TSSD
        mov     ebx, ts_task + ROMBASE
        mov     ecx, 0x82000
        call    mk_tss32
        mov     eax, 10
        xor     ebx, ebx
        mov     cx, SEL_TSSD
        mov     dl, 0x85
        call    set_gate                ; #TS -> task gate
        mov     dword [TSS0 + 8], SEL_DRO       ; SS0: read-only data
        mov     ebx, r3_int30 + ROMBASE
        mov     dword [ss:V1], 0xEEEE
        mov     dword [ss:V14], ts_back + ROMBASE
        call    r3run
ts_back:
        C32     [ss:V1], SEL_DRO, "INT 30h from ring 3 with SS0 read-only: #TS(SS0), no EXT"
        C32     [ss:V2], r3_int30 + ROMBASE, "#TS task: TSS0 saved EIP = the INT"
        C32     [ss:V3], SEL_C3, "#TS task: TSS0 saved CS = ring 3"
        C32     [ss:V4], R3_STACK, "#TS task: TSS0 saved ESP = ring 3's"
        C32     [TSS0 + 8], SEL_D0, "the #TS task repaired SS0"
        xor     eax, eax
        mov     ax, cs
        C32     eax, SEL_C0, "back in ring 0 through the task's IRETD"

        SAY     "#SS(new SS) when the frame does not fit on the inner stack (#SS task)"
        mov     edi, TSSD
        mov     ebx, ts_task + ROMBASE
        mov     ecx, 0x82000
        call    mk_tss32
        mov     eax, 12
        xor     ebx, ebx
        mov     cx, SEL_TSSD
        mov     dl, 0x85
        call    set_gate                ; #SS -> task gate
        mov     dword [TSS0 + 8], SEL_SMALL     ; SS0: 16-bit, limit FFFh
        mov     dword [TSS0 + 4], 0x10          ; ESP0: room for 4 dwords only
        mov     ebx, r3_int30 + ROMBASE
        mov     dword [ss:V1], 0xEEEE
        mov     dword [ss:V14], ss_back1 + ROMBASE
        call    r3run
ss_back1:
        C32     [ss:V1], SEL_SMALL, "INT 30h from ring 3: #SS(SS0), no EXT"
        C32     [ss:V2], r3_int30 + ROMBASE, "#SS task: TSS0 saved EIP = the INT"
        C32     [TSS0 + 4], TSS_ESP0, "the #SS task repaired ESP0"
        mov     edi, TSSD
        mov     ebx, ts_task + ROMBASE
        mov     ecx, 0x82000
        call    mk_tss32
        mov     dword [TSS0 + 8], SEL_SMALL
        mov     dword [TSS0 + 4], 0x10          ; room for 4 dwords, the CALL needs 5
        mov     eax, SEL_G1
        mov     ebx, cg_ret + ROMBASE
        mov     cx, SEL_C0
        mov     dx, 0x01EC                      ; 32-bit call gate DPL 3, 1 parameter
        call    mk_gate
        mov     ebx, r3_callgate + ROMBASE
        mov     dword [ss:V1], 0xEEEE
        mov     dword [ss:V14], ss_back2 + ROMBASE
        call    r3run
ss_back2:
        C32     [ss:V1], SEL_SMALL, "CALL through a gate to ring 0: #SS(new SS)"
        C32     [ss:V2], r3_callgate + ROMBASE, "#SS task: TSS0 saved EIP = the CALL"
        mov     eax, 12
        call    stub_of
        mov     cx, SEL_C0
        mov     dl, 0x8E
        call    set_gate
        mov     eax, 10
        call    stub_of
        call    set_gate

        SAY     "RF in the EFLAGS image of a fault"
        PROBE   ud2
        mov     eax, [ss:X_EFL]
        and     eax, 0x10000
        C32     eax, 0x10000, "#UD pushes EFLAGS with RF set"
        pushfd
        pop     eax
        and     eax, 0x10000
        C32     eax, 0, "RF clear in the handler's EFLAGS (resumed)"
        mov     eax, 0x30
        call    stub_of
        mov     cx, SEL_C0
        mov     dl, 0x8E
        call    set_gate
        PROBE   int 0x30
        mov     eax, [ss:X_EFL]
        and     eax, 0x10000
        C32     eax, 0, "INT n pushes EFLAGS with RF clear"
        mov     eax, [ss:X_HFL]
        and     eax, 0x10000
        C32     eax, 0, "RF clear inside the handler"
        FINISH

cg_ret: retf    4

; ---- tasks ------------------------------------------------------------------------------
df_task:
        mov     [ss:V2], esp
        pop     dword [ss:V1]
        pushfd
        pop     dword [ss:V3]
        movzx   eax, word [TSSD + TS_LINK]
        mov     [ss:V4], eax
        mov     eax, [TSS0 + TS_EIP]
        mov     [ss:V5], eax
        mov     eax, [TSS0 + TS_ESP]
        mov     [ss:V6], eax
        mov     dword [TSS0 + TS_EIP], df_ret + ROMBASE
        mov     word [TSS0 + TS_DS], SEL_D0
        iretd
        jmp     df_task

; Repair TSS0.SS0, and make the interrupted task resume in ring 0 at ts_back.
ts_task:
        pop     dword [ss:V1]
        mov     eax, [TSS0 + TS_EIP]
        mov     [ss:V2], eax
        movzx   eax, word [TSS0 + TS_CS]
        mov     [ss:V3], eax
        mov     eax, [TSS0 + TS_ESP]
        mov     [ss:V4], eax
        mov     dword [TSS0 + 8], SEL_D0
        mov     dword [TSS0 + 4], TSS_ESP0
        mov     eax, [ss:V14]
        mov     [TSS0 + TS_EIP], eax
        mov     word [TSS0 + TS_CS], SEL_C0
        mov     word [TSS0 + TS_SS], SEL_D0
        mov     word [TSS0 + TS_DS], SEL_D0
        mov     word [TSS0 + TS_ES], SEL_D0
        mov     dword [TSS0 + TS_EFL], 2
        mov     eax, [ss:SV_ESP]
        mov     [TSS0 + TS_ESP], eax
        iretd
        jmp     ts_task

r3_ss_small:
        mov     ax, SEL_S3 | 3
        mov     ss, ax
        mov     esp, 0x800
        push    eax
        mov     ebx, esp
        mov     esp, 0x1002
        push    eax
        int     0x30
r3_ss_down:
        mov     ax, SEL_S3 | 3
        mov     ss, ax
        mov     esp, 0x2000
        push    eax
        mov     ebx, esp
        mov     esp, 0x1002
        push    eax
        int     0x30
r3_callgate:
        call    SEL_G1 | 3:0
        int     0x30
r3_int30:
        int     0x30

idtr_main:  dw 0x7FF
            dd IDT
idtr_a:     dw 0x1FF
            dd IDTPG - 14 * 8
idtr_b:     dw 0x1FF
            dd IDTPG + 0x1000 - 14 * 8
idtr_short: dw 0x40 * 8 - 1
            dd IDT

        SYS_CODE
        LIB_CODE
        ROM_END
