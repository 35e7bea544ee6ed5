; rings.asm -- privilege levels (SDM vol. 3 chapters 5 and 6, vol. 1 chapter 19, vol. 2):
;   ring 3 entered with IRETD, left through an interrupt gate, a trap gate and a call gate
;   with parameter copy (RETF 8 back); ring-3 faults handled in ring 0 (error codes, the
;   frame with CS RPL 3 and the ring-3 SS:ESP on the TSS's ring-0 stack); data segment
;   registers nulled on the return to ring 3; IOPL sensitivity of CLI/STI/PUSHF/POPF; the
;   TSS I/O permission bitmap for IN/OUT/INS/OUTS; LAR/LSL/VERR/VERW/ARPL; SYSENTER/SYSEXIT.
%include "sys.inc"

%define SUPPG   0x2A0000                ; a supervisor page (once paging is on)
%define ROPG    0x2A1000                ; a user read-only page
%define BUF     0x70000                 ; ring-3 scratch buffer

        SYS_START

        bits    32
main32:
        SAY     "IRETD to ring 3, INT 30h (DPL-3 interrupt gate) back to ring 0"
        mov     ax, SEL_D3
        mov     es, ax                  ; ES: DPL 3, kept by the IRET
        xor     eax, eax
        mov     gs, ax                  ; GS: null; DS, FS: DPL 0, nulled by the IRET
        mov     dword [ss:R3_EFL], 0x202
        mov     ebx, r3_segs + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 0x30, "INT 30h from ring 3 reached its handler"
        C32     [ss:X_EBX], SEL_C3, "ring 3 ran with CS = 1B"
        C32     [ss:X_EDI], SEL_D3, "ring 3 ran with SS = 23"
        C32     [ss:X_EBP], R3_STACK, "ring 3 ran with ESP from the IRET frame"
        C32     [ss:X_EAX], 0, "IRET to ring 3 nulled DS (DPL 0)"
        C32     [ss:X_EDX], 0, "IRET to ring 3 nulled FS (DPL 0)"
        C32     [ss:X_ECX], SEL_D3, "IRET to ring 3 kept ES (DPL 3)"
        C32     [ss:X_ESI], 0, "GS stays null"
        C32     [ss:X_CS], SEL_C3, "pushed CS = 1B (RPL 3)"
        C32     [ss:X_EIP], r3_segs.after + ROMBASE, "pushed EIP = after the INT"
        C32     [ss:X_SS], SEL_D3, "pushed SS = ring-3 SS"
        C32     [ss:X_ESP], R3_STACK, "pushed ESP = ring-3 ESP"
        mov     eax, [ss:X_EFL]
        and     eax, 0xFFFFFF00
        C32     eax, 0x200, "pushed EFLAGS: IF = 1, IOPL 0, VM/RF/NT clear"
        C32     [ss:X_HSS], SEL_D0, "handler SS = TSS.SS0"
        C32     [ss:X_HESP], TSS_ESP0 - 20, "handler ESP = TSS.ESP0 - 5 dwords"
        mov     eax, [ss:X_HFL]
        and     eax, 0x200
        C32     eax, 0, "an interrupt gate clears IF"

        SAY     "INT 31h through a DPL-3 trap gate, IRETD back to ring 3"
        mov     eax, 0x31
        call    stub_of
        mov     cx, SEL_C0
        mov     dl, 0xEF
        call    set_gate
        mov     dword [ss:XMODE], 0x31
        mov     dword [ss:XSKIP], 0
        mov     dword [ss:X_CNT], 0
        mov     ebx, r3_trap + ROMBASE
        call    r3run
        mov     dword [ss:XMODE], -1
        C32     [ss:X_CNT], 2, "two interrupts: INT 31h, then INT 30h"
        C32     [ss:X_VEC], 0x30, "ring 3 went on after the trap gate's IRETD"
        C32     [ss:X_EDI], 0x31, "the trap gate handler ran (vector 31h seen by ring 3)"
        C32     [ss:X_ESI], 0x200, "a trap gate keeps IF"
        C32     [ss:X_EBX], SEL_C3, "CS = 1B after the IRETD"
        C32     [ss:X_ESP], R3_STACK, "ring-3 ESP restored by the IRETD"

        SAY     "INT n through a DPL-0 gate from ring 3"
        mov     ebx, r3_int32 + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "INT 32h (gate DPL 0) at CPL 3: #GP"
        C32     [ss:X_ERR], 0x32 * 8 + 2, "error code = IDT index, IDT bit set"
        C32     [ss:X_EIP], r3_int32 + ROMBASE, "saved EIP = the INT"

        SAY     "call gate with two parameters to ring 0, RETF 8 back to ring 3"
        mov     eax, SEL_G1
        mov     ebx, cg_target + ROMBASE
        mov     cx, SEL_C0
        mov     dx, 0x02EC              ; 2 dwords, P, DPL 3, 32-bit call gate
        call    mk_gate
        mov     ebx, r3_cg + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 0x30, "the ring-3 code came back from the gate"
        C32     [ss:V0], r3_cg.ret + ROMBASE, "ring 0: return EIP"
        C32     [ss:V1], SEL_C3, "ring 0: return CS = 1B"
        C32     [ss:V2], 0x22222222, "ring 0: parameter at [ESP+8] (pushed last)"
        C32     [ss:V3], 0x11111111, "ring 0: parameter at [ESP+12] (pushed first)"
        C32     [ss:V4], R3_STACK - 8, "ring 0: caller's ESP (after its pushes)"
        C32     [ss:V5], SEL_D3, "ring 0: caller's SS"
        C32     [ss:V6], TSS_ESP0 - 24, "ring 0: ESP = TSS.ESP0 - 6 dwords"
        C32     [ss:V7], SEL_C0, "ring 0: CS = 08 (CPL 0)"
        C32     [ss:V8], SEL_D0, "ring 0: SS = TSS.SS0"
        C32     [ss:X_EBX], R3_STACK, "after RETF 8: ESP = caller's ESP + 8 (parameters popped)"
        C32     [ss:X_ECX], SEL_C3, "after RETF 8: CS = 1B"
        C32     [ss:X_EDX], 0, "after RETF 8: DS (set to DPL 0 by ring 0) nulled"
        C32     [ss:X_ESI], SEL_D3, "after RETF 8: FS (DPL 3) kept"
        C32     [ss:X_EDI], SEL_D3, "after RETF 8: SS = 23"

        SAY     "call gate from ring 3 to ring 1 (TSS.SS1:ESP1), RETF back"
        mov     eax, SEL_G2
        mov     ebx, ring1_target + ROMBASE
        mov     cx, SEL_C1
        mov     dx, 0x00EC              ; 32-bit call gate DPL 3, no parameters
        call    mk_gate
        mov     ebx, r3_ring1 + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 0x30, "back in ring 3"
        C32     [ss:V0], SEL_C1, "ring 1: CS = 29 (CPL 1)"
        C32     [ss:V1], SEL_D1, "ring 1: SS = TSS.SS1"
        C32     [ss:V2], TSS_ESP1 - 16, "ring 1: ESP = TSS.ESP1 - 4 dwords"
        C32     [ss:V3], R3_STACK, "ring 1: caller's ESP on its stack"
        C32     [ss:X_EDX], 0, "after RETF: DS (DPL 1) nulled"
        C32     [ss:X_ESI], SEL_D3, "after RETF: ES (DPL 3) kept"
        C32     [ss:X_EDI], 0, "after RETF: FS (DPL 2) nulled"

        SAY     "16-bit call gate with two word parameters to 16-bit ring-0 code"
        ; The 16-bit gate pushes IP, so the caller runs in a ring-3 code segment based at
        ; F0000h, where its offsets fit in 16 bits.
        mov     dword [GDT + SEL_S1], 0x0000FFFF
        mov     dword [GDT + SEL_S1 + 4], 0x00CFFA0F    ; code32 DPL 3, base F0000h
        mov     eax, SEL_G2
        mov     ebx, cg16_target
        mov     cx, SEL_C16
        mov     dx, 0x02E4              ; 16-bit call gate DPL 3, 2 words
        call    mk_gate
        mov     ebx, r3_cg16 + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 0x30, "back in ring 3 from the 16-bit gate"
        CW      [ss:V0], r3_cg16.ret, "ring 0: return IP (word)"
        CW      [ss:V0 + 2], SEL_S1 | 3, "ring 0: return CS (word)"
        CW      [ss:V1], 0x2222, "ring 0: word parameter pushed last"
        CW      [ss:V1 + 2], 0x1111, "ring 0: word parameter pushed first"
        CW      [ss:V2], 0xF000 - 4, "ring 0: caller's SP (word)"
        CW      [ss:V2 + 2], SEL_D3, "ring 0: caller's SS (word)"
        C32     [ss:V3], TSS_ESP0 - 12, "ring 0: six words pushed on the TSS.ESP0 stack"
        CW      [ss:V4], SEL_C16, "ring 0: CS = the 16-bit code segment"
        C32     [ss:X_EBX], 0xF000, "after RETF 4: ESP = caller's ESP + 4"
        C32     [ss:X_ECX], SEL_S1 | 3, "after RETF 4: CS = the caller's"

        SAY     "conforming code: CALL and an interrupt gate keep CPL 3"
        mov     eax, 0x34
        mov     ebx, conf_int + ROMBASE
        mov     cx, SEL_CCONF
        mov     dl, 0xEE
        call    set_gate
        mov     ebx, r3_conf + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 0x30, "back from the conforming code"
        C32     [ss:V0], SEL_CCONF | 3, "far CALL to conforming code: CS RPL = CPL 3"
        C32     [ss:V1], R3_STACK - 8, "far CALL to conforming code: same stack"
        C32     [ss:V2], SEL_CCONF | 3, "INT through a gate to conforming code: CS RPL = CPL 3"
        C32     [ss:V3], R3_STACK - 12, "INT to conforming code: 3 dwords on the ring-3 stack"
        C32     [ss:V4], SEL_C3, "INT to conforming code: pushed CS = 1B"
        C32     [ss:X_EBX], SEL_C3, "IRETD back: CS = 1B"

        SAY     "faults in ring 3"
        mov     dword [ss:R3_EFL], 0x2
        mov     ebx, r3_cli + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "CLI at CPL 3, IOPL 0: #GP"
        C32     [ss:X_ERR], 0, "CLI: error code 0"
        C32     [ss:X_EIP], r3_cli.cli + ROMBASE, "CLI: saved EIP = the CLI"
        C32     [ss:X_CS], SEL_C3, "CLI: saved CS has RPL 3"
        C32     [ss:X_SS], SEL_D3, "CLI: ring-3 SS on the ring-0 stack"
        C32     [ss:X_ESP], R3_STACK - 4, "CLI: ring-3 ESP on the ring-0 stack"
        C32     [ss:X_HESP], TSS_ESP0 - 24, "CLI: 6 dwords pushed on the TSS.ESP0 stack"
        mov     ebx, r3_movds + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "MOV DS, DPL-0 data at CPL 3: #GP"
        C32     [ss:X_ERR], SEL_D0, "MOV DS: error code = the selector"
        mov     ebx, r3_hlt + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "HLT at CPL 3: #GP"
        C32     [ss:X_ERR], 0, "HLT: error code 0"
        mov     ebx, r3_movcr + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "MOV EAX, CR0 at CPL 3: #GP(0)"
        mov     ebx, r3_lgdt + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "LIDT at CPL 3: #GP(0)"
        mov     ebx, r3_movss + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "MOV SS, DPL-0 data at CPL 3: #GP"
        C32     [ss:X_ERR], SEL_D0, "MOV SS: error code = the selector"

        SAY     "page faults in ring 3 (paging on: identity map, one supervisor page)"
        call    paging_on
        mov     dword [PT0 + (SUPPG >> 12) * 4], SUPPG + 3     ; supervisor, writable
        mov     dword [PT0 + (ROPG >> 12) * 4], ROPG + 5       ; user, read-only
        mov     eax, cr3
        mov     cr3, eax
        mov     dword [SUPPG + 0x10], 0x5A5A5A5A                ; ring 0 may write it
        mov     dword [ROPG + 0x10], 0x5A5A5A5A                 ; and this one (WP = 0)
        mov     ebx, r3_wsup + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 14, "ring-3 write to a supervisor page: #PF"
        C32     [ss:X_ERR], 7, "error code 7 (P, W, U)"
        C32     [ss:X_CR2], SUPPG + 0x10, "CR2 = the address"
        C32     [ss:X_EIP], r3_wsup + ROMBASE, "saved EIP = the faulting MOV"
        C32     [ss:X_CS], SEL_C3, "saved CS has RPL 3"
        C32     [ss:X_ESP], R3_STACK, "ring-3 ESP on the ring-0 stack"
        C32     [ss:X_SS], SEL_D3, "ring-3 SS on the ring-0 stack"
        mov     ebx, r3_rsup + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 14, "ring-3 read of a supervisor page: #PF"
        C32     [ss:X_ERR], 5, "error code 5 (P, U)"
        mov     ebx, r3_wro + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 14, "ring-3 write to a read-only user page: #PF"
        C32     [ss:X_ERR], 7, "error code 7"
        C32     [ss:X_CR2], ROPG + 0xFFE, "CR2 = the address"
        mov     ebx, r3_rro + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 0x30, "ring-3 read of a read-only user page works"
        C32     [ss:X_EAX], 0x5A5A5A5A, "and reads the ring-0 data"
        CB      byte [ss:PT0 + (SUPPG >> 12) * 4], SUPPG & 0xFF | 0x63, "the supervisor PTE is accessed and dirty (ring-0 write)"

        SAY     "IOPL: CLI/STI/PUSHF/POPF"
        mov     dword [ss:R3_EFL], 0x2
        mov     ebx, r3_sti + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "STI at CPL 3, IOPL 0: #GP(0)"
        mov     ebx, r3_popf + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 0x30, "PUSHFD/POPFD at CPL 3, IOPL 0: no fault"
        C32     [ss:X_EAX], 0x2, "PUSHFD at CPL 3 sees IOPL 0, IF 0"
        C32     [ss:X_EBX], 0x3, "POPFD at CPL > IOPL: CF loaded, IF and IOPL unchanged"
        mov     dword [ss:R3_EFL], 0x3002
        mov     ebx, r3_iopl3 + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 0x30, "CLI/STI at CPL 3 with IOPL 3: no fault"
        C32     [ss:X_EAX], 0x3202, "STI at IOPL 3 set IF"
        C32     [ss:X_EBX], 0x3002, "CLI at IOPL 3 cleared IF"
        C32     [ss:X_ECX], 0x3202, "POPFD at CPL = IOPL loads IF but not IOPL"
        pushfd
        push    dword 0x1002
        popfd
        pushfd
        pop     eax
        popfd
        C32     eax, 0x1002, "POPFD at CPL 0 loads IOPL"

        SAY     "I/O permission bitmap at CPL 3 (IOPL 0): ports 70h, 71h, 7Fh, 80h allowed"
        mov     byte [IOMAP + 0x0E], 0xFC
        mov     byte [IOMAP + 0x0F], 0x7F
        mov     byte [IOMAP + 0x10], 0xFE
        mov     dword [ss:R3_EFL], 0x2
%macro IOPROBE 4                        ; DX, instruction, expected vector, text
        mov     ebx, %%c + ROMBASE
        call    r3run
        jmp     %%k
%%c:    mov     ax, SEL_D3
        mov     ds, ax
        mov     es, ax
        mov     edi, BUF
        mov     esi, BUF
        mov     dx, %1
        %2
        int     0x30
%%k:    C32     [ss:X_VEC], %3, %4
%endmacro
        IOPROBE 0, {in al, 0x80}, 0x30, "IN AL, 80h allowed"
        IOPROBE 0, {out 0x80, al}, 0x30, "OUT 80h, AL allowed"
        IOPROBE 0, {in al, 0x81}, 13, "IN AL, 81h denied: #GP"
        C32     [ss:X_ERR], 0, "error code 0"
        IOPROBE 0, {in ax, 0x70}, 0x30, "IN AX, 70h (bits 70h, 71h) allowed"
        IOPROBE 0, {in ax, 0x71}, 13, "IN AX, 71h (bit 72h set) denied"
        IOPROBE 0, {in ax, 0x7F}, 0x30, "IN AX, 7Fh (bits in two bitmap bytes, both clear) allowed"
        IOPROBE 0, {in ax, 0x7E}, 13, "IN AX, 7Eh (bit 7Eh set) denied"
        IOPROBE 0, {in ax, 0x80}, 13, "IN AX, 80h (bit 81h set) denied"
        IOPROBE 0, {in eax, 0x70}, 13, "IN EAX, 70h (bits 72h, 73h set) denied"
        IOPROBE 0x80, {insb}, 0x30, "INSB from 80h allowed"
        C32     [ss:X_EDI], BUF + 1, "INSB advanced EDI"
        IOPROBE 0x80, {outsb}, 0x30, "OUTSB to 80h allowed"
        IOPROBE 0x7F, {insw}, 0x30, "INSW from 7Fh allowed"
        IOPROBE 0x80, {outsw}, 13, "OUTSW to 80h (bit 81h set) denied"
        C32     [ss:X_ESI], BUF, "the denied OUTSW did not advance ESI"
        IOPROBE 0x70, {insd}, 13, "INSD from 70h denied"
        IOPROBE 0x1080, {in al, dx}, 13, "IN AL, DX = 1080h denied"
        IOPROBE 0x70, {out dx, al}, 0x30, "OUT DX = 70h allowed"
        mov     word [TSS0 + 102], 0x3000
        IOPROBE 0, {in al, 0x80}, 13, "I/O map base beyond the TSS limit: everything denied"
        mov     word [TSS0 + 102], 0x68
        mov     dword [ss:R3_EFL], 0x3002
        IOPROBE 0, {in al, 0x81}, 0x30, "IOPL 3: IN AL, 81h allowed whatever the bitmap"
        mov     dword [ss:R3_EFL], 0x2

        SAY     "LAR / LSL / VERR / VERW / ARPL"
        mov     eax, 0x12345678
        lar     eax, [cs:lar_sel_c0 + ROMBASE]
        SAVEZF  V0
        CB      byte [ss:V0], 1, "LAR code32 DPL 0: ZF = 1"
        C32     eax, 0x00C09B00, "LAR code32 DPL 0 (accessed) = 00C09B00"
        mov     bx, SEL_DRO
        lar     eax, bx
        C32     eax, 0x00C09000, "LAR read-only data = 00C09000"
        mov     bx, SEL_TSS0
        lar     eax, bx
        C32     eax, 0x00008B00, "LAR busy TSS = 00008B00"
        mov     bx, SEL_LDT
        lar     eax, bx
        C32     eax, 0x00008200, "LAR LDT = 00008200"
        mov     bx, SEL_G1
        lar     ax, bx
        C32     eax, 0x0000EC00, "LAR AX, call gate (16-bit form) = EC00"
        mov     eax, 0x12345678
        xor     ebx, ebx
        lar     eax, bx
        SAVEZF  V0
        CB      byte [ss:V0], 0, "LAR null selector: ZF = 0"
        C32     eax, 0x12345678, "LAR null selector: destination unchanged"
        mov     bx, 0x1000
        lar     eax, bx
        SAVEZF  V0
        CB      byte [ss:V0], 0, "LAR beyond the GDT limit: ZF = 0"
        mov     bx, SEL_D0 | 3
        lar     eax, bx
        SAVEZF  V0
        CB      byte [ss:V0], 0, "LAR RPL 3 of a DPL-0 data segment: ZF = 0"
        ; An interrupt gate is not a valid LAR type.
        mov     dword [GDT + SEL_S1], 0x00080000
        mov     dword [GDT + SEL_S1 + 4], 0x00008E00
        mov     bx, SEL_S1
        lar     eax, bx
        SAVEZF  V0
        CB      byte [ss:V0], 0, "LAR of an interrupt gate descriptor: ZF = 0"
        mov     bx, SEL_SMALL
        lsl     eax, bx
        SAVEZF  V0
        CB      byte [ss:V0], 1, "LSL: ZF = 1"
        C32     eax, 0xFFF, "LSL byte-granular data = FFF"
        mov     bx, SEL_D0
        lsl     eax, bx
        C32     eax, 0xFFFFFFFF, "LSL page-granular data = FFFFFFFF"
        mov     bx, SEL_TSS0
        lsl     eax, bx
        C32     eax, 0x2068, "LSL TSS = 2068"
        mov     eax, 0x11112222
        mov     bx, SEL_SMALL
        lsl     ax, bx
        C32     eax, 0x11110FFF, "LSL AX keeps the upper half"
        mov     bx, SEL_G1
        lsl     eax, bx
        SAVEZF  V0
        CB      byte [ss:V0], 0, "LSL of a call gate: ZF = 0"
        mov     ax, SEL_C0
        verr    ax
        SAVEZF  V0
        CB      byte [ss:V0], 1, "VERR readable code: ZF = 1"
        mov     ax, SEL_XO
        verr    ax
        SAVEZF  V0
        CB      byte [ss:V0], 0, "VERR execute-only code: ZF = 0"
        mov     ax, SEL_DRO
        verr    ax
        SAVEZF  V0
        CB      byte [ss:V0], 1, "VERR read-only data: ZF = 1"
        verw    ax
        SAVEZF  V0
        CB      byte [ss:V0], 0, "VERW read-only data: ZF = 0"
        mov     ax, SEL_D0
        verw    ax
        SAVEZF  V0
        CB      byte [ss:V0], 1, "VERW writable data: ZF = 1"
        mov     ax, SEL_C0
        verw    ax
        SAVEZF  V0
        CB      byte [ss:V0], 0, "VERW code: ZF = 0"
        xor     eax, eax
        verr    ax
        SAVEZF  V0
        CB      byte [ss:V0], 0, "VERR null: ZF = 0"
        mov     ax, SEL_TSS0
        verr    ax
        SAVEZF  V0
        CB      byte [ss:V0], 0, "VERR TSS: ZF = 0"
        mov     ax, SEL_DNP
        verw    ax
        SAVEZF  V0
        CB      byte [ss:V0], 1, "VERW of a not-present writable data segment: ZF = 1"
        mov     ebx, r3_lar + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 0x30, "LAR/VERR at CPL 3 ran"
        C32     [ss:X_EAX], 0x0100, "CPL 3: LAR of DPL-0 data ZF = 0, LAR of conforming code ZF = 1"
        C32     [ss:X_EBX], 0x0100, "CPL 3: VERR of DPL-0 data ZF = 0, VERR of conforming code ZF = 1"
        C32     [ss:X_ECX], 0x00C09F00, "CPL 3: LAR conforming code (accessed) = 00C09F00"
        mov     ax, SEL_D0
        mov     bx, 3
        arpl    ax, bx
        SAVEZF  V0
        CB      byte [ss:V0], 1, "ARPL raising RPL 0 to 3: ZF = 1"
        CW      ax, SEL_D0 | 3, "ARPL result = 13"
        mov     bx, 1
        arpl    ax, bx
        SAVEZF  V0
        CB      byte [ss:V0], 0, "ARPL with a lower source RPL: ZF = 0"
        CW      ax, SEL_D0 | 3, "ARPL left the destination alone"
        mov     word [ss:V1], 0x0040
        mov     cx, 0x0002
        arpl    [ss:V1], cx
        CW      [ss:V1], 0x0042, "ARPL on memory"

        SAY     "SYSENTER / SYSEXIT"
        mov     eax, 1
        cpuid
        and     edx, 1 << 11
        C32     edx, 1 << 11, "CPUID.1:EDX.SEP set"
        mov     ecx, 0x174
        xor     edx, edx
        mov     eax, SEL_C0
        wrmsr
        mov     ecx, 0x175
        mov     eax, 0x87000
        wrmsr
        mov     ecx, 0x176
        mov     eax, sysenter_entry + ROMBASE
        wrmsr
        mov     ecx, 0x176
        rdmsr
        C32     eax, sysenter_entry + ROMBASE, "RDMSR SYSENTER_EIP reads back"
        ; Ring 0 -> SYSEXIT -> ring 3 -> SYSENTER -> ring 0.
        mov     [ss:SV_ESP], esp
        mov     ecx, R3_STACK - 0x100
        mov     edx, r3_sysexit + ROMBASE
        sti
        sysexit
sysenter_back:
        C32     [ss:V0], SEL_C3, "after SYSEXIT: CS = SYSENTER_CS + 16 | 3"
        C32     [ss:V1], SEL_D3, "after SYSEXIT: SS = SYSENTER_CS + 24 | 3"
        C32     [ss:V2], R3_STACK - 0x100, "after SYSEXIT: ESP = ECX"
        C32     [ss:V3], 0x200, "SYSEXIT keeps IF"
        C32     [ss:V4], SEL_C0, "after SYSENTER: CS = SYSENTER_CS"
        C32     [ss:V5], SEL_D0, "after SYSENTER: SS = SYSENTER_CS + 8"
        C32     [ss:V6], 0x87000, "after SYSENTER: ESP = SYSENTER_ESP"
        C32     [ss:V7], 0, "SYSENTER cleared IF"
        C32     [ss:V8], 0xC0FFEE, "ring 3 code ran between them"
        mov     ebx, r3_sysexit2 + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "SYSEXIT at CPL 3: #GP"
        C32     [ss:X_ERR], 0, "SYSEXIT at CPL 3: error code 0"
        mov     ecx, 0x174
        xor     eax, eax
        xor     edx, edx
        wrmsr
        mov     ebx, r3_sysenter + ROMBASE
        call    r3run
        C32     [ss:X_VEC], 13, "SYSENTER with SYSENTER_CS = 0: #GP(0)"
        C32     [ss:X_EIP], r3_sysenter + ROMBASE, "saved EIP = the SYSENTER"
        PROBE   sysexit
        C32     [ss:X_VEC], 13, "SYSEXIT with SYSENTER_CS = 0: #GP(0)"
        call    paging_off
        FINISH

; ---- ring-0 code entered from ring 3 ------------------------------------------------------
cg_target:
        push    eax
        push    ecx
        xor     ecx, ecx
.c:     mov     eax, [ss:esp + 8 + ecx * 4]
        mov     [ss:V0 + ecx * 4], eax
        inc     ecx
        cmp     ecx, 6
        jne     .c
        lea     eax, [esp + 8]
        mov     [ss:V6], eax
        xor     eax, eax
        mov     ax, cs
        mov     [ss:V7], eax
        mov     ax, ss
        mov     [ss:V8], eax
        mov     ax, SEL_D0
        mov     ds, ax                  ; DPL 0: must not survive the return to ring 3
        pop     ecx
        pop     eax
        retf    8

sysenter_entry:
        xor     eax, eax
        mov     ax, cs
        mov     [ss:V4], eax
        mov     ax, ss
        mov     [ss:V5], eax
        mov     [ss:V6], esp
        pushfd
        pop     eax
        and     eax, 0x200
        mov     [ss:V7], eax
        mov     esp, [ss:SV_ESP]
        mov     ax, SEL_D0
        mov     ds, ax
        mov     es, ax
        jmp     sysenter_back

ring1_target:
        push    eax
        xor     eax, eax
        mov     ax, cs
        mov     [ss:V0], eax
        mov     ax, ss
        mov     [ss:V1], eax
        lea     eax, [esp + 4]
        mov     [ss:V2], eax
        mov     eax, [esp + 12]
        mov     [ss:V3], eax
        mov     ax, SEL_D1
        mov     ds, ax                  ; DPL 1: nulled by the return to ring 3
        mov     ax, SEL_D2
        mov     fs, ax                  ; DPL 2: nulled too
        pop     eax
        retf

        bits    16
cg16_target:                            ; 16-bit code, CPL 0, 32-bit stack (SS0 = SEL_D0)
        push    eax
        mov     eax, [ss:esp + 4]
        mov     [ss:V0], eax
        mov     eax, [ss:esp + 8]
        mov     [ss:V1], eax
        mov     eax, [ss:esp + 12]
        mov     [ss:V2], eax
        lea     eax, [esp + 4]
        mov     [ss:V3], eax
        mov     [ss:V4], cs
        pop     eax
        retf    4
        bits    32

; Entered from ring 3 through a DPL-3 interrupt gate to conforming code: CPL stays 3.
conf_int:
        push    eax
        xor     eax, eax
        mov     ax, cs
        mov     [ss:V2], eax
        lea     eax, [esp + 4]
        mov     [ss:V3], eax
        mov     eax, [esp + 8]
        mov     [ss:V4], eax
        pop     eax
        iretd
conf_call:
        push    eax
        xor     eax, eax
        mov     ax, cs
        mov     [ss:V0], eax
        lea     eax, [esp + 4]
        mov     [ss:V1], eax
        pop     eax
        retf

; ---- ring-3 code ------------------------------------------------------------------------
lar_sel_c0: dw  SEL_C0

r3_segs:
        xor     eax, eax
        mov     ax, ds
        xor     ebx, ebx
        mov     bx, cs
        xor     ecx, ecx
        mov     cx, es
        xor     edx, edx
        mov     dx, fs
        xor     esi, esi
        mov     si, gs
        xor     edi, edi
        mov     di, ss
        mov     ebp, esp
        int     0x30
.after:

r3_trap:
        mov     dword [ss:X_VEC], 0
        int     0x31
        mov     edi, [ss:X_VEC]         ; (the page is user-accessible: no paging yet)
        mov     esi, [ss:X_HFL]
        and     esi, 0x200
        xor     ebx, ebx
        mov     bx, cs
        int     0x30

r3_int32:
        int     0x32

r3_cg:
        mov     ax, SEL_D3
        mov     ds, ax
        mov     fs, ax
        push    dword 0x11111111
        push    dword 0x22222222
        call    SEL_G1 | 3:0
.ret:   mov     ebx, esp
        xor     ecx, ecx
        mov     cx, cs
        xor     edx, edx
        mov     dx, ds
        xor     esi, esi
        mov     si, fs
        xor     edi, edi
        mov     di, ss
        int     0x30

r3_ring1:
        mov     ax, SEL_D3
        mov     es, ax
        call    SEL_G2 | 3:0
        xor     edx, edx
        mov     dx, ds
        xor     esi, esi
        mov     si, es
        xor     edi, edi
        mov     di, fs
        int     0x30
r3_cg16:
        jmp     SEL_S1 | 3:.low
.low:   mov     esp, 0xF000
        push    word 0x1111
        push    word 0x2222
        call    SEL_G2 | 3:0
.ret:   mov     ebx, esp
        xor     ecx, ecx
        mov     cx, cs
        int     0x30
r3_conf:
        call    SEL_CCONF | 3:conf_call + ROMBASE
        int     0x34
        xor     ebx, ebx
        mov     bx, cs
        int     0x30
r3_cli: push    eax
.cli:   cli
        int     0x30
r3_movds:
        mov     ax, SEL_D0
        mov     ds, ax
        int     0x30
r3_movss:
        mov     ax, SEL_D0
        mov     ss, ax
        int     0x30
r3_hlt: hlt
        int     0x30
r3_movcr:
        mov     eax, cr0
        int     0x30
r3_lgdt:
        lidt    [ss:V0]
        int     0x30
r3_wsup:
        mov     dword [ss:SUPPG + 0x10], 1
        int     0x30
r3_rsup:
        mov     eax, [ss:SUPPG + 0x10]
        int     0x30
r3_wro: mov     word [ss:ROPG + 0xFFE], 1
        int     0x30
r3_rro: mov     eax, [ss:ROPG + 0x10]
        int     0x30
r3_sti: sti
        int     0x30
r3_popf:
        pushfd
        pop     eax
        push    dword 0x3201
        popfd
        pushfd
        pop     ebx
        int     0x30
r3_iopl3:
        sti
        pushfd
        pop     eax
        cli
        pushfd
        pop     ebx
        push    dword 0x0202
        popfd
        pushfd
        pop     ecx
        int     0x30
r3_lar:
        xor     eax, eax
        xor     ebx, ebx
        mov     dx, SEL_D0 | 3
        lar     ecx, dx
        setz    al
        mov     dx, SEL_CCONF | 3
        lar     ecx, dx
        setz    ah
        mov     dx, SEL_D0 | 3
        verr    dx
        setz    bl
        mov     dx, SEL_CCONF
        verr    dx
        setz    bh
        int     0x30
r3_sysexit:
        xor     eax, eax
        mov     ax, cs
        mov     [ss:V0], eax
        mov     ax, ss
        mov     [ss:V1], eax
        mov     [ss:V2], esp
        pushfd
        pop     eax
        and     eax, 0x200
        mov     [ss:V3], eax
        mov     dword [ss:V8], 0xC0FFEE
        sysenter
r3_sysexit2:
        mov     ecx, R3_STACK
        mov     edx, r3_sysexit2 + ROMBASE
        sysexit
r3_sysenter:
        sysenter

        SYS_CODE
        LIB_CODE
        ROM_END
