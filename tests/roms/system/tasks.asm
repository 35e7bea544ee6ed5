; tasks.asm -- hardware task switching (SDM vol. 3 chapter 7, vol. 2 CALL/JMP/IRET/INT n):
;   CALL to a 32-bit TSS (NT, back link, busy bits read from the GDT, CR0.TS, LDT and CR3
;   of the new task, registers and selectors saved in the old TSS) and IRETD back; a second
;   CALL resumes the task after its IRETD; JMP through a task gate (busy bits, no back link)
;   and JMP back; #DE, #GP (error code pushed on the new task's stack) and INT n through
;   task gates in the IDT; a 16-bit TSS; the faults of invalid switches (#GP busy / not a
;   TSS / DPL, #TS limit and IRET to a free task, #NP) and a #TS raised after the switch,
;   in the context of the new task.
%include "sys.inc"

%define TS_LINK  0x00
%define TS_CR3   0x1C
%define TS_EIP   0x20
%define TS_EFL   0x24
%define TS_EAX   0x28
%define TS_ECX   0x2C
%define TS_EDX   0x30
%define TS_EBX   0x34
%define TS_ESP   0x38
%define TS_EBP   0x3C
%define TS_ESI   0x40
%define TS_EDI   0x44
%define TS_ES    0x48
%define TS_CS    0x4C
%define TS_SS    0x50
%define TS_DS    0x54
%define TS_FS    0x58
%define TS_GS    0x5C
%define TS_LDT   0x60

%define PD2      0x103000               ; task A's page directory
%define PT2      0x104000
%define FRAME1   0x210000               ; linear 400000h: main task
%define FRAME2   0x220000               ; linear 400000h: task A
%define LDTDATA  0x12000

        SYS_START

        bits    32
main32:
        SAY     "CALL to a 32-bit TSS"
        ; Paging with two address spaces: linear 400000h is FRAME1 for the main task and
        ; FRAME2 for task A (its TSS has another CR3).
        call    paging_on
        mov     dword [PT1], FRAME1 + 7
        mov     edi, PD2
        mov     esi, PD
        mov     ecx, 1024
        rep     movsd
        mov     dword [PD2 + 4], PT2 + 7
        mov     dword [PT2], FRAME2 + 7
        mov     dword [FRAME1], 0x11111111
        mov     dword [FRAME2], 0x22222222
        mov     eax, cr3
        mov     cr3, eax
        ; Task A: LDT with one data segment (base LDTDATA), FS = 4 (LDT entry 0).
        mov     edi, TSSA
        mov     ebx, task_a + ROMBASE
        mov     ecx, 0x84000
        call    mk_tss32
        mov     dword [TSSA + TS_CR3], PD2
        mov     dword [TSSA + TS_EAX], 0xA0A0A0A0
        mov     dword [TSSA + TS_EBX], 0xB0B0B0B0
        mov     dword [TSSA + TS_EDI], 0xD0D0D0D0
        mov     dword [TSSA + TS_EFL], 0x0002 | 0x80 | 0x1  ; SF, CF
        mov     word [TSSA + TS_LDT], SEL_LDT
        mov     word [TSSA + TS_FS], 0x0004
        mov     word [TSSA + TS_LINK], 0xFFFF
        mov     dword [LDT], ((LDTDATA & 0xFFFF) << 16) | 0x0FFF
        mov     dword [LDT + 4], 0x00009200 | (LDTDATA >> 16)
        mov     dword [LDTDATA], 0xFEEDFACE
        mov     dword [ss:V15], 0
        ; The main task's registers, to be saved in TSS0 and restored.
        mov     ax, SEL_D3
        mov     gs, ax
        mov     eax, 0x01010101
        mov     ebx, 0x02020202
        mov     ecx, 0x03030303
        mov     edx, 0x04040404
        mov     esi, 0x05050505
        mov     edi, 0x06060606
        mov     ebp, 0x07070707
        push    dword 0x0A97            ; OF SF AF PF CF, IOPL 0
        popfd
        mov     [ss:V14], esp
        call    SEL_TSSA:0
ret_a:  mov     [ss:V0], esp
        pushfd
        mov     [ss:V13], eax
        pop     eax
        C32     eax, 0x0A97, "back in the main task: EFLAGS restored, NT = 0"
        C32     [ss:V13], 0x01010101, "EAX restored"
        C32     ebx, 0x02020202, "EBX restored"
        C32     ecx, 0x03030303, "ECX restored"
        C32     edx, 0x04040404, "EDX restored"
        C32     esi, 0x05050505, "ESI restored"
        C32     edi, 0x06060606, "EDI restored"
        C32     ebp, 0x07070707, "EBP restored"
        C32     [ss:V0], [ss:V14], "ESP restored"
        xor     eax, eax
        mov     ax, gs
        C32     eax, SEL_D3, "GS restored"
        str     ax
        C32     eax, SEL_TSS0, "TR = TSS0 again"
        C32     [ss:V1], 0xA0A0A0A0, "task A: EAX from its TSS"
        C32     [ss:V2], 0xB0B0B0B0, "task A: EBX from its TSS"
        C32     [ss:V3], 0x4000 | 0x0002 | 0x80 | 0x1, "task A: EFLAGS from its TSS, with NT set"
        C32     [ss:V4], SEL_TSSA, "task A: TR = its TSS"
        C32     [ss:V5], SEL_LDT, "task A: LDTR from its TSS"
        C32     [ss:V6], 0xFEEDFACE, "task A: FS through its LDT"
        C32     [ss:V7], SEL_TSS0, "task A: back link = TSS0"
        C32     [ss:V8], 0x8B, "task A: TSS0 still busy (CALL)"
        C32     [ss:V9], 0x8B, "task A: its own TSS busy"
        C32     [ss:V10], 8, "task A: CR0.TS set by the switch"
        C32     [ss:V11], 0x22222222, "task A: CR3 from its TSS (another page directory)"
        C32     [ss:V12], 0x84000, "task A: ESP from its TSS"
        mov     eax, [0x400000]
        C32     eax, 0x11111111, "main task: CR3 from TSS0 again"
        CB      byte [GDT + SEL_TSSA + 5], 0x89, "IRET freed task A's TSS"
        CB      byte [GDT + SEL_TSS0 + 5], 0x8B, "TSS0 busy"
        C32     [TSS0 + TS_EIP], ret_a + ROMBASE, "TSS0: saved EIP = after the CALL"
        C32     [TSS0 + TS_EAX], 0x01010101, "TSS0: saved EAX"
        C32     [TSS0 + TS_EBP], 0x07070707, "TSS0: saved EBP"
        C32     [TSS0 + TS_ESP], [ss:V14], "TSS0: saved ESP"
        C32     [TSS0 + TS_EFL], 0x0A97, "TSS0: saved EFLAGS"
        CW      [TSS0 + TS_CS], SEL_C0, "TSS0: saved CS"
        CW      [TSS0 + TS_GS], SEL_D3, "TSS0: saved GS"
        C32     [TSSA + TS_EAX], 0x5555AAAA, "TSSA: EAX saved by the IRET"
        C32     [TSSA + TS_EIP], task_a.again + ROMBASE, "TSSA: saved EIP = after the IRETD"
        C32     [TSSA + TS_EFL], 0x0002 | 0x80 | 0x1, "TSSA: saved EFLAGS has NT clear"
        mov     eax, cr0
        and     eax, 8
        C32     eax, 8, "CR0.TS set"
        clts
        call    SEL_TSSA:0
        C32     [ss:V15], 0x5555AAAA, "a second CALL resumes task A after its IRETD"
        mov     eax, cr3
        C32     eax, PD, "CR3 = TSS0's again"

        SAY     "JMP through a task gate, JMP back to the TSS"
        mov     edi, TSSB
        mov     ebx, task_b + ROMBASE
        mov     ecx, 0x83000
        call    mk_tss32
        mov     word [TSSB + TS_LINK], 0xDEAD
        mov     eax, SEL_G1
        xor     ebx, ebx
        mov     cx, SEL_TSSB
        mov     dx, 0x0085              ; task gate, DPL 0
        call    mk_gate
        mov     ebx, 0x12345678
        jmp     SEL_G1:0
ret_b:  C32     ebx, 0x12345678, "back in the main task after JMP, EBX restored"
        C32     [ss:V1], 0x0002, "task B: NT = 0 after a JMP"
        C32     [ss:V2], 0xDEAD, "task B: no back link written"
        C32     [ss:V3], 0x89, "task B: TSS0 freed by the JMP"
        C32     [ss:V4], 0x8B, "task B: TSSB busy"
        C32     [ss:V5], SEL_TSSB, "task B: TR = TSSB"
        CB      byte [GDT + SEL_TSSB + 5], 0x89, "JMP back freed TSSB"
        CB      byte [GDT + SEL_TSS0 + 5], 0x8B, "JMP back made TSS0 busy"
        C32     [TSSB + TS_EIP], task_b.after + ROMBASE, "TSSB: saved EIP = after its JMP"

        SAY     "exceptions and INT n through task gates in the IDT"
        mov     edi, TSSD
        mov     ebx, task_de + ROMBASE
        mov     ecx, 0x82000
        call    mk_tss32
        xor     eax, eax
        xor     ebx, ebx
        mov     cx, SEL_TSSD
        mov     dl, 0x85
        call    set_gate                ; vector 0 -> task gate -> TSSD
        mov     eax, 100
        xor     edx, edx
        xor     ecx, ecx
de_div: div     ecx
        C32     eax, 20, "#DE task fixed the divisor in TSS0, the DIV ran again: 100 / 5"
        C32     [ss:V1], 0x4002, "#DE task: NT set"
        C32     [ss:V2], SEL_TSS0, "#DE task: back link = TSS0"
        C32     [ss:V3], de_div + ROMBASE, "#DE task: TSS0 saved EIP = the DIV"
        C32     [ss:V4], 0x82000, "#DE task: no error code on its stack"
        mov     edi, TSSE
        mov     ebx, task_gp + ROMBASE
        mov     ecx, 0x81000
        call    mk_tss32
        mov     eax, 13
        xor     ebx, ebx
        mov     cx, SEL_TSSE
        mov     dl, 0x85
        call    set_gate                ; #GP -> task gate -> TSSE
        mov     ax, SEL_XO
gp_mov: mov     ds, ax
        mov     ax, ds
        C32     eax, SEL_D0, "#GP task skipped the MOV DS"
        C32     [ss:V1], SEL_XO, "#GP task: error code on the new task's stack"
        C32     [ss:V2], 0x81000 - 4, "#GP task: ESP = its TSS ESP - 4"
        C32     [ss:V3], gp_mov + ROMBASE, "#GP task: TSS0 saved EIP = the MOV"
        mov     eax, 13
        call    stub_of
        mov     cx, SEL_C0
        mov     dl, 0x8E
        call    set_gate                ; #GP back to the logger
        mov     edi, TSSD
        mov     ebx, task_int + ROMBASE
        mov     ecx, 0x82000
        call    mk_tss32
        mov     eax, 0x40
        xor     ebx, ebx
        mov     cx, SEL_TSSD
        mov     dl, 0x85
        call    set_gate                ; INT 40h -> task gate (DPL 0)
        mov     dword [ss:V1], 0
        int     0x40
int_ret:
        C32     [ss:V1], 0x4002, "INT 40h task: NT set"
        C32     [TSS0 + TS_EIP], int_ret + ROMBASE, "INT 40h: TSS0 saved EIP = after the INT"
        CB      byte [GDT + SEL_TSSD + 5], 0x89, "INT 40h task freed by its IRETD"
        mov     ebx, r3_int40 + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "INT 40h from ring 3 through a DPL-0 task gate: #GP"
        C32     [ss:X_ERR], 0x40 * 8 + 2, "error code = IDT index"
        CB      byte [GDT + SEL_TSSD + 5], 0x89, "no switch happened"

        SAY     "16-bit TSS"
        mov     edi, TSSC
        xor     eax, eax
        mov     ecx, 0x2C / 4
        rep     stosd
        mov     word [TSSC + 0x0E], task16          ; IP (CS base F0000)
        mov     word [TSSC + 0x10], 0x0002          ; FLAGS
        mov     word [TSSC + 0x12], 0x1616          ; AX
        mov     word [TSSC + 0x1A], 0x7000          ; SP
        mov     word [TSSC + 0x22], SEL_D16         ; ES
        mov     word [TSSC + 0x24], SEL_C16         ; CS
        mov     word [TSSC + 0x26], SEL_D16         ; SS
        mov     word [TSSC + 0x28], SEL_D16         ; DS
        mov     eax, 0xCAFEBABE
        mov     ebx, 0x8765ABCD
        call    SEL_TSSC:0
        C32     eax, 0xCAFEBABE, "back from the 16-bit task: EAX restored (32-bit TSS0)"
        C32     ebx, 0x8765ABCD, "EBX restored"
        CW      [ss:V1], 0x1616, "16-bit task: AX from its TSS"
        CW      [ss:V2], 0x4002, "16-bit task: FLAGS with NT"
        CW      [ss:V3], SEL_TSS0, "16-bit task: back link"
        CW      [ss:V4], SEL_TSSC, "16-bit task: TR"
        CW      [ss:V5], 0x83, "16-bit task: its TSS is busy (type 3)"
        CW      [ss:V6], 0x7000, "16-bit task: SP from its TSS"
        CW      [TSSC + 0x12], 0x7777, "TSSC: AX saved by the 16-bit IRET"
        CW      [TSSC + 0x0E], task16.again, "TSSC: IP saved"
        CB      byte [GDT + SEL_TSSC + 5], 0x81, "the 16-bit TSS is free again"

        SAY     "invalid task switches"
        PROBE   call SEL_TSS0:0
        C32     [ss:X_VEC], 13, "CALL to the busy current TSS: #GP"
        C32     [ss:X_ERR], SEL_TSS0, "error code = the TSS selector"
        or      byte [GDT + SEL_TSSA + 5], 2
        PROBE   jmp SEL_TSSA:0
        and     byte [GDT + SEL_TSSA + 5], 0xFD
        C32     [ss:X_VEC], 13, "JMP to a busy TSS: #GP"
        C32     [ss:X_ERR], SEL_TSSA, "error code = the TSS selector"
        mov     dword [GDT + SEL_S1], (TSSB << 16) | 0x50
        mov     dword [GDT + SEL_S1 + 4], 0x00008900
        PROBE   jmp SEL_S1:0
        C32     [ss:X_VEC], 10, "JMP to a TSS with limit 50h: #TS"
        C32     [ss:X_ERR], SEL_S1, "error code = the TSS selector"
        mov     dword [GDT + SEL_S2], (TSSB << 16) | 0x67
        mov     dword [GDT + SEL_S2 + 4], 0x00000900
        PROBE   call SEL_S2:0
        C32     [ss:X_VEC], 11, "CALL to a not-present TSS: #NP"
        C32     [ss:X_ERR], SEL_S2, "error code = the TSS selector"
        mov     eax, SEL_G2
        xor     ebx, ebx
        mov     cx, SEL_D0
        mov     dx, 0x0085
        call    mk_gate
        PROBE   jmp SEL_G2:0
        C32     [ss:X_VEC], 13, "JMP through a task gate to a data segment: #GP"
        C32     [ss:X_ERR], SEL_D0, "error code = the selector in the gate"
        mov     ebx, r3_jmptss + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "JMP to a DPL-0 TSS from ring 3: #GP"
        C32     [ss:X_ERR], SEL_TSSA, "error code = the TSS selector"
        mov     word [TSS0 + TS_LINK], SEL_TSSB
        TRY     iret_nt
        pushfd
        or      dword [esp], 0x4000
        popfd
        iretd
iret_nt:
        C32     [ss:X_VEC], 10, "IRET with NT to a free TSS: #TS"
        C32     [ss:X_ERR], SEL_TSSB, "error code = the back link"
        C32     [ss:X_EIP], iret_nt - 1 + ROMBASE, "saved EIP = the IRETD"
        CB      byte [GDT + SEL_TSS0 + 5], 0x8B, "TSS0 still busy"

        SAY     "a fault after the switch belongs to the new task"
        mov     edi, TSSB
        mov     ebx, task_b + ROMBASE
        mov     ecx, 0x83000
        call    mk_tss32
        mov     word [TSSB + TS_DS], SEL_XO             ; not loadable into DS
        mov     dword [TSSB + TS_EAX], 0xBADBAD
        PROBE   jmp SEL_TSSB:0
        C32     [ss:X_VEC], 10, "task with DS = execute-only code: #TS"
        C32     [ss:X_ERR], SEL_XO, "error code = the DS selector"
        C32     [ss:X_TR], SEL_TSSB, "delivered in the new task (TR = TSSB)"
        C32     [ss:X_EIP], task_b + ROMBASE, "saved EIP = the new task's first instruction"
        C32     [ss:X_EAX], 0xBADBAD, "the new task's registers were loaded"
        C32     [ss:X_HESP], 0x83000 - 16, "on the new task's stack"
        ; Back to TSS0 as the current task.
        and     byte [GDT + SEL_TSSB + 5], 0xFD
        and     byte [GDT + SEL_TSS0 + 5], 0xFD
        mov     ax, SEL_TSS0
        ltr     ax
        call    paging_off
        FINISH

; ---- tasks ------------------------------------------------------------------------------
task_a:
        mov     [ss:V1], eax
        mov     [ss:V2], ebx
        pushfd
        pop     dword [ss:V3]
        xor     eax, eax
        str     ax
        mov     [ss:V4], eax
        sldt    ax
        mov     [ss:V5], eax
        mov     eax, [fs:0]
        mov     [ss:V6], eax
        movzx   eax, word [TSSA + TS_LINK]
        mov     [ss:V7], eax
        movzx   eax, byte [GDT + SEL_TSS0 + 5]
        mov     [ss:V8], eax
        movzx   eax, byte [GDT + SEL_TSSA + 5]
        mov     [ss:V9], eax
        mov     eax, cr0
        and     eax, 8
        mov     [ss:V10], eax
        mov     eax, [0x400000]
        mov     [ss:V11], eax
        mov     [ss:V12], esp
        push    dword 0x4083            ; SF CF, NT kept
        popfd
        mov     eax, 0x5555AAAA
        iretd
.again: mov     [ss:V15], eax
        iretd
        jmp     task_a

task_b: pushfd
        pop     dword [ss:V1]
        movzx   eax, word [TSSB + TS_LINK]
        mov     [ss:V2], eax
        movzx   eax, byte [GDT + SEL_TSS0 + 5]
        mov     [ss:V3], eax
        movzx   eax, byte [GDT + SEL_TSSB + 5]
        mov     [ss:V4], eax
        xor     eax, eax
        str     ax
        mov     [ss:V5], eax
        jmp     SEL_TSS0:0
.after: jmp     task_b

task_de:
        pushfd
        pop     dword [ss:V1]
        movzx   eax, word [TSSD + TS_LINK]
        mov     [ss:V2], eax
        mov     eax, [TSS0 + TS_EIP]
        mov     [ss:V3], eax
        mov     [ss:V4], esp
        mov     dword [TSS0 + TS_ECX], 5
        iretd
        jmp     task_de

task_gp:
        mov     [ss:V2], esp
        pop     dword [ss:V1]
        mov     eax, [TSS0 + TS_EIP]
        mov     [ss:V3], eax
        add     dword [TSS0 + TS_EIP], 2
        iretd
        jmp     task_gp

task_int:
        pushfd
        pop     dword [ss:V1]
        iretd
        jmp     task_int

r3_int40:
        int     0x40
r3_jmptss:
        jmp     SEL_TSSA:0

        bits    16
task16: mov     [V1], ax
        pushf
        pop     word [V2]
        mov     ax, [TSSC]
        mov     [V3], ax
        str     ax
        mov     [V4], ax
        movzx   ax, byte [GDT + SEL_TSSC + 5]
        mov     [V5], ax
        mov     [V6], sp
        mov     ax, 0x7777
        iret
.again: jmp     task16
        bits    32

        SYS_CODE
        LIB_CODE
        ROM_END
