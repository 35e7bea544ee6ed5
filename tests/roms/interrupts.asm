; interrupts.asm -- software interrupts and exceptions, first through the real-mode IVT,
; then through a 32-bit protected-mode IDT with interrupt and trap gates.
;   real mode: INT n, INT3 (CC and CD 03), INTO with OF = 1 / 0, IRET, nested interrupts,
;              #DE (divide by 0, quotient overflow), #UD (UD2, invalid encodings), #BR,
;              single-step traps (and their delay after MOV SS), #GP from far and near
;              transfers beyond the CS limit
;   PM:        the same, plus #GP / #NP with selector error codes from segment loads,
;              #GP(0) from a limit violation, INT n beyond the IDT limit / through a
;              not-present gate, a 16-bit interrupt gate, #DF from #GP + #NP, and from
;              ring 3 (entered by IRETD): INT through a DPL-3 gate with the TSS stack
;              switch, #GP from CLI/OUT/HLT/a DPL-0 data load/an INT through a DPL-0 gate.
; Expected values come from SDM vol. 3 chapter 6 (6.4.1 trap/fault return addresses,
; 6.8.3 the MOV SS shadow, 6.12.1 stack frames, 6.13 error codes, table 6-5 double
; faults), 17.3.1.4 (single-step), 20.1.4 (real-mode interrupt handling) and the vol. 2
; pages of INT n/INTO/INT3, IRET, DIV, BOUND, JMP, CALL, RET.
;   nasm -f bin -o interrupts.rom interrupts.asm
%include "lib.inc"

; The interrupt log: entries of LOGSZ bytes at LOG, written by the handlers.
;   +0 vector  +4 error code (FFFFFFFF = none)  +8 (E)IP  +12 CS  +16 (E)FLAGS pushed
;   +20 FLAGS inside the handler  +24 (E)SP at handler entry (after the CPU's pushes)
;   +28 ESP and +32 SS pushed by an interrupt from an outer privilege level (PM)
%define LOG       0x1000
%define LOG_N     0x0600        ; dword: bytes used in the log
%define RESUME    0x0604        ; dword: if non-zero, the handler returns there (once)
%define V_SP      0x0608        ; dword
%define V_TMP     0x060C        ; dword
%define BOUNDS    0x0620        ; BOUND operands
%define R3_CS     0x0640        ; what the ring-3 code saw
%define R3_SS     0x0644
%define R3_DS     0x0648
%define R3_ESP    0x064C
%define R3_ESP2   0x0650
%define R3_DS2    0x0654
%define R0_ESP    0x88000       ; ring-0 stack from the TSS
%define R3_STACK  0x70000
%define IDT_RAM   0x2000
%define LOGSZ     64

; Log entry n field f, as an operand.
%define LW(n, f)  word [ss:LOG + LOGSZ * (n) + (f)]
%define LD(n, f)  dword [ss:LOG + LOGSZ * (n) + (f)]

%macro CLEARLOG 0
        mov     dword [ss:LOG_N], 0
%endmacro

        ROM_START
        ; Mask both 8259s: only the interrupts this test raises may arrive.
        mov     al, 0xFF
        out     0x21, al
        out     0xA1, al
        ; Real-mode IVT.
        SET_IVT 0, rm_v0
        SET_IVT 3, rm_v3
        SET_IVT 4, rm_v4
        SET_IVT 5, rm_v5
        SET_IVT 6, rm_v6
        SET_IVT 1, rm_v1
        SET_IVT 13, rm_v13
        SET_IVT 0x40, rm_v40
        SET_IVT 0x41, rm_v41
        mov     dword [RESUME], 0

        SAY     "real mode: INT n / IRET"
        CLEARLOG
        push    word 0x0203                     ; IF and CF set, the rest clear
        popf
        mov     [V_SP], sp
        int     0x40
rm_int1:
        pushf
        cli
        pop     ax
        CHKW    1, ax, 0x0203, "INT 40 + IRET: FLAGS restored (IF CF)"
        mov     ax, sp
        CHKW    2, ax, word [V_SP], "INT 40 + IRET: SP balanced"
        CHK     3, dword [LOG_N], LOGSZ, "INT 40: the handler ran once"
        CHKW    4, LW(0, 0), 0x40, "INT 40: vector 40 through IVT[40]"
        CHKW    5, LW(0, 8), rm_int1, "INT 40: pushed IP = next instruction"
        CHKW    6, LW(0, 12), 0xF000, "INT 40: pushed CS = F000"
        CHKW    7, LW(0, 16), 0x0203, "INT 40: pushed FLAGS = 0203"
        CHKW    8, LW(0, 20), 0x0003, "INT 40: IF and TF cleared in the handler, CF kept"
        mov     ax, [V_SP]
        sub     ax, 6
        CHKW    9, LW(0, 24), ax, "INT 40: 6 bytes pushed (FLAGS, CS, IP)"
        CLEARLOG
        int3
rm_int3:
        int     3
rm_int3b:
        CHK     10, dword [LOG_N], 2 * LOGSZ, "INT3 and INT 3: two interrupts"
        CHKW    11, LW(0, 0), 3, "INT3 (CC): vector 3"
        CHKW    12, LW(0, 8), rm_int3, "INT3 (CC): pushed IP after the one-byte INT3"
        CHKW    13, LW(1, 0), 3, "INT 3 (CD 03): vector 3"
        CHKW    14, LW(1, 8), rm_int3b, "INT 3 (CD 03): pushed IP after the two bytes"
        CLEARLOG
        mov     al, 0x7F
        add     al, 1                           ; OF = 1
        into
rm_into:
        mov     al, 1
        add     al, 1                           ; OF = 0
        into
        CHK     15, dword [LOG_N], LOGSZ, "INTO: one interrupt (OF = 1), none with OF = 0"
        CHKW    16, LW(0, 0), 4, "INTO with OF = 1: vector 4"
        CHKW    17, LW(0, 8), rm_into, "INTO: pushed IP = next instruction (a trap)"
        CHKW    18, LW(0, 16), 0x0892, "INTO: pushed FLAGS of 7F+1 (OF SF AF)"
        ; Nested: the INT 41 handler itself executes INT 40.
        CLEARLOG
        mov     [V_SP], sp
        int     0x41
        CHK     19, dword [LOG_N], 2 * LOGSZ, "nested: INT 41 then INT 40 inside it"
        CHKW    20, LW(0, 0), 0x40, "nested: the inner INT 40 is logged first"
        CHKW    21, LW(0, 8), rm_v41_ret, "nested: inner pushed IP is inside the INT 41 handler"
        CHKW    22, LW(1, 0), 0x41, "nested: the outer INT 41 logged after the inner returned"
        mov     ax, [V_SP]
        sub     ax, 6 + 6                       ; outer frame, then the inner frame
        CHKW    23, LW(0, 24), ax, "nested: the inner frame is below the outer one"
        mov     ax, sp
        CHKW    24, ax, word [V_SP], "nested: SP balanced after both IRETs"

        SAY     "real mode: exceptions"
        CLEARLOG
        mov     word [RESUME], rm_de1_end
        mov     ax, 1234
        xor     cl, cl
rm_de1: div     cl
rm_de1_end:
        CHKW    25, LW(0, 0), 0, "DIV by 0: #DE (vector 0)"
        CHKW    26, LW(0, 8), rm_de1, "DIV by 0: saved IP = the DIV (a fault)"
        CHKW    27, LW(0, 12), 0xF000, "DIV by 0: saved CS"
        CHKW    28, ax, 1234, "DIV by 0: AX unchanged"
        CLEARLOG
        mov     word [RESUME], rm_de2_end
        mov     ax, 0x1000
        mov     cl, 2
rm_de2: div     cl                              ; 1000h / 2 = 800h > FFh
rm_de2_end:
        CHKW    29, LW(0, 0), 0, "DIV quotient overflow: #DE"
        CHKW    30, LW(0, 8), rm_de2, "DIV quotient overflow: saved IP = the DIV"
        CLEARLOG
        mov     word [RESUME], rm_de3_end
        mov     edx, 5
        mov     eax, 0
        mov     ecx, 5
rm_de3: div     ecx                             ; EDX:EAX / 5 >= 2^32
rm_de3_end:
        CHKW    31, LW(0, 8), rm_de3, "32-bit DIV overflow (EDX = divisor): #DE at the DIV"
        CLEARLOG
        mov     ax, 0x8000
        cwd
        mov     cx, 0xFFFF
        mov     word [RESUME], rm_de4_end
rm_de4: idiv    cx                              ; -32768 / -1 = +32768 does not fit
rm_de4_end:
        CHKW    32, LW(0, 0), 0, "IDIV -32768 / -1: #DE"
        CLEARLOG
        mov     ax, 7
        mov     cl, 2
        div     cl
        CHK     33, dword [LOG_N], 0, "DIV 7/2: no exception"
        CHKW    34, ax, 0x0103, "DIV 7/2: AL = 3, AH = 1"
        CLEARLOG
        mov     word [RESUME], rm_ud1_end
rm_ud1: ud2
rm_ud1_end:
        mov     word [RESUME], rm_ud2_end
rm_ud2: db      0x8D, 0xC3                      ; LEA with a register operand
rm_ud2_end:
        mov     word [RESUME], rm_ud3_end
rm_ud3: db      0xF0, 0x90                      ; LOCK NOP
rm_ud3_end:
        mov     word [RESUME], rm_ud4_end
rm_ud4: db      0x8E, 0xC8                      ; MOV CS, AX
rm_ud4_end:
        CHK     35, dword [LOG_N], 4 * LOGSZ, "four #UDs"
        CHKW    36, LW(0, 0), 6, "UD2: #UD (vector 6)"
        CHKW    37, LW(0, 8), rm_ud1, "UD2: saved IP = the UD2"
        CHKW    38, LW(1, 8), rm_ud2, "LEA reg, reg (8D C3): #UD at the instruction"
        CHKW    39, LW(2, 8), rm_ud3, "LOCK NOP: #UD at the prefix"
        CHKW    40, LW(3, 8), rm_ud4, "MOV CS, AX: #UD"
        ; BOUND: signed bounds [-5, 5] and [100, 200], both inclusive.
        mov     word [BOUNDS], -5
        mov     word [BOUNDS + 2], 5
        mov     dword [BOUNDS + 4], 100
        mov     dword [BOUNDS + 8], 200
        CLEARLOG
        mov     ax, -5
        bound   ax, [BOUNDS]
        mov     ax, 5
        bound   ax, [BOUNDS]
        mov     ax, -1
        bound   ax, [BOUNDS]
        mov     eax, 150
        bound   eax, [BOUNDS + 4]
        CHK     41, dword [LOG_N], 0, "BOUND in range (-5, 5, -1 in [-5,5]; 150 in [100,200]): no #BR"
        mov     word [RESUME], rm_br1_end
        mov     ax, 6
rm_br1: bound   ax, [BOUNDS]
rm_br1_end:
        mov     word [RESUME], rm_br2_end
        mov     ax, -6
rm_br2: bound   ax, [BOUNDS]
rm_br2_end:
        mov     word [RESUME], rm_br3_end
        mov     eax, 99
rm_br3: bound   eax, [BOUNDS + 4]
rm_br3_end:
        mov     word [RESUME], rm_br4_end
        mov     ax, 0x8000                      ; -32768 < -5 (signed compare)
rm_br4: bound   ax, [BOUNDS]
rm_br4_end:
        CHK     42, dword [LOG_N], 4 * LOGSZ, "BOUND out of range: four #BRs"
        CHKW    43, LW(0, 0), 5, "BOUND 6 in [-5,5]: #BR (vector 5)"
        CHKW    44, LW(0, 8), rm_br1, "BOUND above: saved IP = the BOUND"
        CHKW    45, LW(1, 8), rm_br2, "BOUND -6 below: #BR at the BOUND"
        CHKW    46, LW(2, 8), rm_br3, "o32 BOUND 99 in [100,200]: #BR at the BOUND"
        CHKW    47, LW(3, 8), rm_br4, "BOUND 8000h (negative) below -5: #BR"

        ; Single-step (SDM vol. 3, 17.3.1.4): a #DB trap after each instruction that
        ; starts with TF = 1. The POPF that sets TF does not trap; the handler runs with TF
        ; clear and its IRET restores it.
        SAY     "real mode: single-step"
        CLEARLOG
        push    word 0x0102
        popf                                    ; TF = 1 from the next instruction on
ss_i1:  nop
ss_i2:  nop
ss_i3:  nop
ss_i4:  nop
        CHK     48, dword [LOG_N], 3 * LOGSZ, "TF: three #DB traps, then the handler cleared TF"
        CHKW    49, LW(0, 0), 1, "TF: vector 1"
        CHKW    50, LW(0, 8), ss_i2, "TF: first trap after the first instruction (not after POPF)"
        CHKW    51, LW(1, 8), ss_i3, "TF: second trap after the second instruction"
        CHKW    52, LW(2, 8), ss_i4, "TF: third trap after the third"
        CHKW    53, LW(0, 16), 0x0102, "TF: pushed FLAGS have TF"
        mov     ax, LW(0, 20)
        and     ax, 0x0100
        CHKW    54, ax, 0, "TF: the handler runs with TF clear"
        ; MOV SS holds off the trap until after the next instruction.
        CLEARLOG
        xor     bx, bx
        push    word 0x0102
        popf
ss_m1:  mov     ss, bx                          ; trap suppressed here...
ss_m2:  nop                                     ; ...and taken after this one
ss_m3:  nop
ss_m4:  nop
        CHK     55, dword [LOG_N], 3 * LOGSZ, "TF + MOV SS: three traps"
        CHKW    56, LW(0, 8), ss_m3, "TF + MOV SS: no trap after MOV SS; the first after the next instruction"
        CHKW    57, LW(1, 8), ss_m4, "TF + MOV SS: then after each instruction"

        ; Transfers to an offset beyond the CS limit (FFFF) fault at the transfer itself
        ; (SDM vol. 2, JMP/CALL/RET/IRET: "real-address mode ... #GP if the instruction
        ; pointer is beyond the code segment limit").
        SAY     "real mode: transfers beyond the CS limit"
        CLEARLOG
        mov     [V_SP], sp
        mov     word [RESUME], rm_gp1_end
rm_gp1: jmp     dword 0xF000:0x12345
rm_gp1_end:
        mov     word [RESUME], rm_gp2_end
rm_gp2: call    dword 0xF000:0x12345
rm_gp2_end:
        push    dword 0xF000
        push    dword 0x12345
        mov     word [RESUME], rm_gp3_end
rm_gp3: o32 retf
rm_gp3_end:
        add     sp, 8
        pushfd
        push    dword 0xF000
        push    dword 0x12345
        mov     word [RESUME], rm_gp4_end
rm_gp4: iretd
rm_gp4_end:
        add     sp, 12
        mov     eax, 0x12345
        mov     word [RESUME], rm_gp5_end
rm_gp5: jmp     eax
rm_gp5_end:
        mov     word [RESUME], rm_gp6_end
rm_gp6: call    eax
rm_gp6_end:
        push    dword 0x12345
        mov     word [RESUME], rm_gp7_end
rm_gp7: o32 ret
rm_gp7_end:
        add     sp, 4
        CHK     58, dword [LOG_N], 7 * LOGSZ, "seven #GPs"
        CHKW    59, LW(0, 0), 13, "o32 far JMP to F000:12345: #GP (vector 13)"
        CHKW    60, LW(0, 8), rm_gp1, "o32 far JMP: saved IP = the JMP"
        CHKW    61, LW(0, 12), 0xF000, "o32 far JMP: saved CS = F000"
        CHKW    62, LW(1, 8), rm_gp2, "o32 far CALL beyond the limit: #GP at the CALL"
        mov     ax, [V_SP]
        sub     ax, 6
        CHKW    63, LW(1, 24), ax, "o32 far CALL beyond the limit: nothing pushed"
        CHKW    64, LW(2, 8), rm_gp3, "o32 RETF to 12345: #GP at the RETF"
        CHKW    65, LW(3, 8), rm_gp4, "IRETD to 12345: #GP at the IRETD"
        CHKW    66, LW(4, 8), rm_gp5, "JMP EAX = 12345: #GP at the JMP"
        CHKW    67, LW(5, 8), rm_gp6, "CALL EAX = 12345: #GP at the CALL"
        CHKW    68, LW(6, 8), rm_gp7, "o32 RET to 12345: #GP at the RET"
        mov     ax, sp
        CHKW    69, ax, word [V_SP], "SP balanced after the faulting returns"

        ; ---------------- 32-bit protected mode ----------------
        SAY     "32-bit PM: IDT"
        call    gdt_install
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     dword SEL_CODE32:(pm32 + ROMBASE)
        bits    32
pm32:   mov     ax, SEL_DATA32
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, 0x90000
        ; IDT of 0x47 vectors: all not present, then the gates.
        mov     edi, IDT_RAM
        xor     eax, eax
        mov     ecx, 2 * 0x47
        rep     stosd
        mov     esi, pm_gates + ROMBASE
.g:     movzx   ebx, byte [esi]                 ; vector
        cmp     ebx, 0xFF
        je      .gd
        mov     eax, [esi + 1]                  ; handler (flat) or offset
        mov     [IDT_RAM + ebx * 8], ax
        mov     dx, [esi + 5]                   ; selector
        mov     [IDT_RAM + ebx * 8 + 2], dx
        mov     dx, [esi + 7]                   ; type word (P DPL 0 type, 0)
        mov     [IDT_RAM + ebx * 8 + 4], dx
        shr     eax, 16
        mov     [IDT_RAM + ebx * 8 + 6], ax
        add     esi, 9
        jmp     .g
.gd:    lidt    [pm_idt_desc + ROMBASE]

        SAY     "32-bit PM: INT n through trap and interrupt gates"
        CLEARLOG
        mov     dword [RESUME], 0
        push    dword 0x00000A93                ; OF IF SF AF CF
        popfd
        mov     [V_SP], esp
        int     0x40                            ; trap gate
pm_int1:
        pushfd
        cli
        cld
        pop     eax
        CHK     70, eax, 0x00000A93, "PM INT 40 + IRETD: EFLAGS restored"
        mov     [V_TMP], esp
        CHK     71, dword [V_TMP], dword [V_SP], "PM INT 40 + IRETD: ESP balanced"
        CHK     72, LD(0, 0), 0x40, "PM INT 40: vector 40"
        CHK     73, LD(0, 4), 0xFFFFFFFF, "PM INT 40: no error code"
        CHK     74, LD(0, 8), pm_int1 + ROMBASE, "PM INT 40: pushed EIP = next instruction"
        CHKW    75, LW(0, 12), SEL_CODE32, "PM INT 40: pushed CS = 08"
        CHK     76, LD(0, 16), 0x00000A93, "PM INT 40: pushed EFLAGS"
        CHK     77, LD(0, 20), 0x00000A93, "PM INT 40 through a trap gate: IF stays set"
        mov     eax, [V_SP]
        sub     eax, 12
        CHK     78, LD(0, 24), eax, "PM INT 40: 12 bytes pushed (EFLAGS, CS, EIP)"
        CLEARLOG
        push    dword 0x00000A93
        popfd
        int     0x41                            ; interrupt gate
pm_int2:
        cli
        cld
        CHK     79, LD(0, 8), pm_int2 + ROMBASE, "PM INT 41: pushed EIP"
        CHK     80, LD(0, 20), 0x00000893, "PM INT 41 through an interrupt gate: IF cleared, other flags kept"
        CLEARLOG
        int3
pm_int3:
        mov     al, 0x7F
        add     al, 1
        into
pm_into:
        mov     al, 0
        add     al, 1
        into
        CHK     81, dword [LOG_N], 2 * LOGSZ, "PM INT3 and INTO(OF=1); INTO(OF=0) does nothing"
        CHK     82, LD(0, 0), 3, "PM INT3: vector 3"
        CHK     83, LD(0, 8), pm_int3 + ROMBASE, "PM INT3: EIP after the CC"
        CHK     84, LD(1, 0), 4, "PM INTO: vector 4"
        CHK     85, LD(1, 8), pm_into + ROMBASE, "PM INTO: EIP after the INTO"

        SAY     "32-bit PM: faults"
        CLEARLOG
        mov     dword [RESUME], pm_de_end + ROMBASE
        mov     edx, 0
        mov     eax, 100
        mov     ecx, 0
pm_de:  div     ecx
pm_de_end:
        CHK     86, LD(0, 0), 0, "PM DIV by 0: #DE"
        CHK     87, LD(0, 4), 0xFFFFFFFF, "PM #DE: no error code"
        CHK     88, LD(0, 8), pm_de + ROMBASE, "PM #DE: saved EIP = the DIV"
        CLEARLOG
        mov     dword [RESUME], pm_ud_end + ROMBASE
pm_ud:  ud2
pm_ud_end:
        CHK     89, LD(0, 0), 6, "PM UD2: #UD"
        CHK     90, LD(0, 8), pm_ud + ROMBASE, "PM #UD: saved EIP = the UD2"
        CLEARLOG
        mov     dword [BOUNDS], 10
        mov     dword [BOUNDS + 4], 20
        mov     dword [RESUME], pm_br_end + ROMBASE
        mov     eax, 21
pm_br:  bound   eax, [BOUNDS]
pm_br_end:
        mov     eax, 20
        bound   eax, [BOUNDS]
        CHK     91, dword [LOG_N], LOGSZ, "PM BOUND 21 in [10,20]: one #BR; 20 is in range"
        CHK     92, LD(0, 0), 5, "PM BOUND: #BR"
        CHK     93, LD(0, 8), pm_br + ROMBASE, "PM #BR: saved EIP = the BOUND"
        ; Segment loads: #GP/#NP with the selector as error code; DS unchanged.
        CLEARLOG
        mov     dword [RESUME], pm_gp1_end + ROMBASE
        mov     ax, 0x1238
pm_gp1: mov     ds, ax
pm_gp1_end:
        mov     dword [RESUME], pm_gp2_end + ROMBASE
        mov     ax, SEL_XONLY
pm_gp2: mov     ds, ax
pm_gp2_end:
        mov     dword [RESUME], pm_gp3_end + ROMBASE
        mov     ax, SEL_NP
pm_gp3: mov     ds, ax
pm_gp3_end:
        mov     dword [RESUME], pm_gp4_end + ROMBASE
        xor     eax, eax
pm_gp4: mov     ss, ax
pm_gp4_end:
        mov     dword [RESUME], pm_gp5_end + ROMBASE
        mov     ax, 0x000C                      ; TI = 1 with no LDT
pm_gp5: mov     ds, ax
pm_gp5_end:
        mov     ax, SEL_SMALL
        mov     es, ax
        mov     dword [RESUME], pm_gp6_end + ROMBASE
        push    dword 0x000000C3                ; SF ZF CF
        popfd
pm_gp6: mov     eax, [es:0xFFE]                 ; dword at FFE..1001, limit FFF
pm_gp6_end:
        mov     ax, SEL_DATA32
        mov     es, ax
        mov     ax, ds
        CHKW    94, ax, SEL_DATA32, "PM: DS unchanged after the faulting loads"
        mov     ax, ss
        CHKW    95, ax, SEL_DATA32, "PM: SS unchanged after MOV SS, 0 faulted"
        CHK     96, dword [LOG_N], 6 * LOGSZ, "PM: six faults from segment loads and a limit"
        CHK     97, LD(0, 0), 13, "MOV DS, 1238 (beyond the GDT limit): #GP"
        CHK     98, LD(0, 4), 0x1238, "MOV DS, 1238: error code = selector 1238"
        CHK     99, LD(0, 8), pm_gp1 + ROMBASE, "MOV DS, 1238: saved EIP = the MOV"
        CHK     100, LD(1, 0), 13, "MOV DS, execute-only code: #GP"
        CHK     101, LD(1, 4), SEL_XONLY, "MOV DS, execute-only code: error code 38"
        CHK     102, LD(2, 0), 11, "MOV DS, not-present segment: #NP (vector 11)"
        CHK     103, LD(2, 4), SEL_NP, "MOV DS, not-present segment: error code 40"
        CHK     104, LD(2, 8), pm_gp3 + ROMBASE, "#NP: saved EIP = the MOV"
        CHK     105, LD(3, 0), 13, "MOV SS, null: #GP"
        CHK     106, LD(3, 4), 0, "MOV SS, null: error code 0"
        CHK     107, LD(4, 0), 13, "MOV DS, 000C (LDT, no LDT loaded): #GP"
        CHK     108, LD(4, 4), 0x000C, "MOV DS, 000C: error code 000C (TI set)"
        CHK     109, LD(5, 0), 13, "dword at ES:FFE past limit FFF: #GP"
        CHK     110, LD(5, 4), 0, "limit violation: error code 0"
        CHK     111, LD(5, 8), pm_gp6 + ROMBASE, "limit violation: saved EIP = the MOV"
        CHKW    112, LW(5, 12), SEL_CODE32, "limit violation: saved CS = 08"
        CHK     113, LD(5, 16), 0x000100C3, "limit violation: saved EFLAGS, RF set (a fault, SDM 17.3.1.1)"
        ; INT n problems are reported with IDT error codes (bit 1 = IDT).
        CLEARLOG
        mov     dword [RESUME], pm_gp7_end + ROMBASE
pm_gp7: int     0x50                            ; beyond the IDT limit
pm_gp7_end:
        mov     dword [RESUME], pm_gp8_end + ROMBASE
pm_gp8: int     0x42                            ; interrupt gate with P = 0
pm_gp8_end:
        CHK     114, LD(0, 0), 13, "INT 50 beyond the IDT limit: #GP"
        CHK     115, LD(0, 4), 0x50 * 8 + 2, "INT 50 beyond the IDT limit: error code 282 (IDT)"
        CHK     116, LD(0, 8), pm_gp7 + ROMBASE, "INT 50: saved EIP = the INT (a fault)"
        CHK     117, LD(1, 0), 11, "INT 42 through a not-present gate: #NP"
        CHK     118, LD(1, 4), 0x42 * 8 + 2, "INT 42: error code 212 (IDT)"
        ; A 16-bit interrupt gate from 32-bit code pushes 16-bit FLAGS, CS, IP.
        CLEARLOG
        mov     [V_SP], esp
        push    dword 0x00000046
        popfd
        int     0x44
pm_int16_ret:
        mov     eax, [V_TMP]
        CHKW    119, ax, (pm_int16_ret - $$ + ROMBASE) & 0xFFFF, "16-bit gate: pushed IP (low 16 bits of EIP)"
        CHKW    120, word [V_TMP + 2], SEL_CODE32, "16-bit gate: pushed CS"
        CHKW    121, word [LOG + 4], 0x0046, "16-bit gate: pushed FLAGS"
        mov     eax, [V_SP]
        sub     eax, 6
        CHK     122, dword [LOG + 8], eax, "16-bit gate: 6 bytes pushed"
        mov     [V_TMP], esp
        CHK     123, dword [V_TMP], dword [V_SP], "16-bit gate: ESP restored by the handler"
        ; #DF: a #GP whose gate is not present raises #NP while being delivered; two
        ; contributory exceptions make a double fault with error code 0.
        CLEARLOG
        mov     byte [IDT_RAM + 13 * 8 + 5], 0x0E   ; vector 13: interrupt gate, P = 0
        mov     dword [RESUME], pm_df_end + ROMBASE
        mov     ax, 0x1238
        mov     ds, ax
pm_df_end:
        mov     byte [IDT_RAM + 13 * 8 + 5], 0x8E
        mov     ax, ds
        CHKW    124, ax, SEL_DATA32, "#DF: DS unchanged"
        CHK     125, dword [LOG_N], LOGSZ, "#GP through a not-present gate: one exception delivered"
        CHK     126, LD(0, 0), 8, "#GP + #NP (both contributory) = #DF (vector 8)"
        CHK     127, LD(0, 4), 0, "#DF: error code 0"

        SAY     "32-bit PM: ring 3"
        ; TSS: ring-0 stack for interrupts from ring 3.
        mov     edi, TSS_RAM
        xor     eax, eax
        mov     ecx, 0x68 / 4
        rep     stosd
        mov     dword [TSS_RAM + 4], R0_ESP
        mov     dword [TSS_RAM + 8], SEL_DATA32
        mov     word [TSS_RAM + 102], 0x68      ; I/O map base beyond the limit: no bitmap
        mov     ax, SEL_TSS
        ltr     ax
        CHKB    128, byte [GDT_RAM + SEL_TSS + 5], 0x8B, "LTR marked the TSS descriptor busy"
        str     ax
        CHKW    129, ax, SEL_TSS, "STR reads the TSS selector back"
        CLEARLOG
        mov     dword [RESUME], 0
        ; IRETD to ring 3: pops EIP, CS, EFLAGS, ESP, SS.
        push    dword SEL_DATA3
        push    dword R3_STACK
        push    dword 0x00000046
        push    dword SEL_CODE3
        push    dword ring3 + ROMBASE
        iretd
pm_ring0_again:
        mov     ax, cs
        CHKW    130, ax, SEL_CODE32, "back in ring 0 (CS = 08) through the DPL-3 interrupt gate"
        CHKW    131, word [R3_CS], SEL_CODE3, "IRETD to ring 3: CS = 53 (CPL 3)"
        CHKW    132, word [R3_SS], SEL_DATA3, "IRETD to ring 3: SS = 5B"
        CHK     133, dword [R3_ESP], R3_STACK, "IRETD to ring 3: ESP from the frame"
        CHKW    134, word [R3_DS], 0, "IRETD to ring 3: DS (DPL 0) was nulled"
        CHK     135, dword [R3_ESP2], R3_STACK, "ring 3: ESP unchanged after INT 45 + IRETD"
        CHK     136, dword [LOG_N], 7 * LOGSZ, "ring 3: seven interrupts and exceptions logged"
        CHK     137, LD(0, 0), 0x45, "ring 3 INT 45: vector 45"
        CHK     138, LD(0, 8), r3_int_ret + ROMBASE, "ring 3 INT 45: pushed EIP"
        CHK     139, LD(0, 12), SEL_CODE3, "ring 3 INT 45: pushed CS = 53"
        CHK     140, LD(0, 16), 0x00000046, "ring 3 INT 45: pushed EFLAGS"
        CHK     141, LD(0, 28), R3_STACK, "ring 3 INT 45: pushed ESP = the ring-3 ESP"
        CHK     142, LD(0, 32), SEL_DATA3, "ring 3 INT 45: pushed SS = 5B"
        CHK     143, LD(0, 24), R0_ESP - 20, "ring 3 INT 45: ring-0 stack from the TSS, 5 dwords pushed"
        CHK     144, LD(1, 0), 13, "ring 3 CLI with IOPL 0: #GP"
        CHK     145, LD(1, 4), 0, "ring 3 CLI: error code 0"
        CHK     146, LD(1, 8), r3_cli + ROMBASE, "ring 3 CLI: saved EIP = the CLI"
        CHK     147, LD(2, 0), 13, "ring 3 INT 40 through a DPL-0 gate: #GP"
        CHK     148, LD(2, 4), 0x40 * 8 + 2, "ring 3 INT 40: error code 202 (IDT)"
        CHK     149, LD(2, 8), r3_int40 + ROMBASE, "ring 3 INT 40: saved EIP = the INT"
        CHK     150, LD(3, 4), 0, "ring 3 OUT without I/O permission: #GP(0)"
        CHK     151, LD(3, 8), r3_out + ROMBASE, "ring 3 OUT: saved EIP = the OUT"
        CHK     152, LD(4, 4), SEL_DATA32, "ring 3 MOV DS, DPL-0 data: #GP(10)"
        CHK     153, LD(5, 0), 13, "ring 3 HLT: #GP"
        CHK     154, LD(5, 8), r3_hlt + ROMBASE, "ring 3 HLT: saved EIP = the HLT"
        CHKW    155, word [R3_DS2], SEL_DATA3, "ring 3: DS unchanged by the failed load"
        CHK     156, LD(6, 0), 0x46, "ring 3 INT 46: vector 46"
        CHK     157, LD(6, 12), SEL_CODE3, "ring 3 INT 46: pushed CS = 53"
        CHK     158, LD(6, 28), R3_STACK, "ring 3 INT 46: pushed ring-3 ESP"
        FINISH

; ---------------- handlers ----------------
        bits    16
; Real mode: a stub per vector pushes the vector and joins rm_common, which logs the frame
; and returns to [RESUME] if set (faults), else to the pushed IP.
rm_v0:  push    word 0
        jmp     rm_common
; #DB: log like the others; from the third trap on, clear TF in the saved FLAGS.
rm_v1:  push    bp
        mov     bp, sp
        cmp     word [ss:LOG_N], 2 * LOGSZ
        jb      .k
        and     word [bp + 6], 0xFEFF
.k:     pop     bp
        push    word 1
        jmp     rm_common
rm_v3:  push    word 3
        jmp     rm_common
rm_v4:  push    word 4
        jmp     rm_common
rm_v5:  push    word 5
        jmp     rm_common
rm_v6:  push    word 6
        jmp     rm_common
rm_v13: push    word 13
        jmp     rm_common
rm_v40: push    word 0x40
        jmp     rm_common
rm_common:
        pushf                                   ; FLAGS inside the handler
        push    bp
        mov     bp, sp                          ; bp+2 flags, +4 vector, +6 IP, +8 CS, +10 FLAGS
        push    ax
        push    bx
        mov     bx, [ss:LOG_N]
        mov     ax, [bp + 4]
        mov     [ss:LOG + bx], ax
        mov     dword [ss:LOG + bx + 4], 0xFFFFFFFF
        mov     ax, [bp + 6]
        mov     [ss:LOG + bx + 8], ax
        mov     ax, [bp + 8]
        mov     [ss:LOG + bx + 12], ax
        mov     ax, [bp + 10]
        mov     [ss:LOG + bx + 16], ax
        mov     ax, [bp + 2]
        mov     [ss:LOG + bx + 20], ax
        lea     ax, [bp + 6]
        mov     [ss:LOG + bx + 24], ax
        add     word [ss:LOG_N], LOGSZ
        mov     ax, [ss:RESUME]
        test    ax, ax
        jz      .r
        mov     [bp + 6], ax
        mov     word [ss:RESUME], 0
.r:     pop     bx
        pop     ax
        pop     bp
        add     sp, 4                           ; inner FLAGS and the vector
        iret
; INT 41: runs INT 40 (nested), then logs itself.
rm_v41: int     0x40
rm_v41_ret:
        push    word 0x41
        jmp     rm_common

        bits    32
; Protected mode: stubs for vectors without an error code push FFFFFFFF in its place.
%macro PM_STUB 2        ; vector, has error code
pm_v%1:
%if %2 == 0
        push    dword 0xFFFFFFFF
%endif
        push    dword %1
        jmp     pm_common
%endmacro
        PM_STUB 0, 0
        PM_STUB 3, 0
        PM_STUB 4, 0
        PM_STUB 5, 0
        PM_STUB 6, 0
        PM_STUB 8, 1
        PM_STUB 11, 1
        PM_STUB 13, 1
        PM_STUB 0x40, 0
        PM_STUB 0x41, 0
pm_common:
        pushfd
        push    eax
        push    ebx
        ; esp: +0 ebx +4 eax +8 flags +12 vector +16 error +20 EIP +24 CS +28 EFLAGS
        ;      (+32 ESP +36 SS when the interrupt came from an outer privilege level)
        ; SS is the handler's ring-0 stack segment: the log is addressed through it, so
        ; whatever DS the interrupted code had does not matter.
        mov     ebx, [ss:LOG_N]
        mov     eax, [esp + 12]
        mov     [ss:LOG + ebx], eax
        mov     eax, [esp + 16]
        mov     [ss:LOG + ebx + 4], eax
        mov     eax, [esp + 20]
        mov     [ss:LOG + ebx + 8], eax
        mov     eax, [esp + 24]
        mov     [ss:LOG + ebx + 12], eax
        mov     eax, [esp + 28]
        mov     [ss:LOG + ebx + 16], eax
        mov     eax, [esp + 8]
        mov     [ss:LOG + ebx + 20], eax
        lea     eax, [esp + 20]
        mov     [ss:LOG + ebx + 24], eax
        mov     eax, [esp + 32]
        mov     [ss:LOG + ebx + 28], eax
        mov     eax, [esp + 36]
        mov     [ss:LOG + ebx + 32], eax
        add     dword [ss:LOG_N], LOGSZ
        mov     eax, [ss:RESUME]
        test    eax, eax
        jz      .r
        mov     [esp + 20], eax
        mov     dword [ss:RESUME], 0
.r:     pop     ebx
        pop     eax
        popfd
        add     esp, 8
        iretd

; INT 46 from ring 3: log, then stay in ring 0 (drop the frame, reload the segments).
pm_v0x46:
        push    dword 0xFFFFFFFF
        push    dword 0x46
        pushfd
        push    eax
        push    ebx
        mov     dword [ss:RESUME], 0
        call    pm_log_only
        mov     ax, SEL_DATA32
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     esp, 0x90000
        jmp     pm_ring0_again
; The logging half of pm_common, as a subroutine (the frame is 4 bytes further away).
pm_log_only:
        mov     ebx, [ss:LOG_N]
        mov     eax, [esp + 16]
        mov     [ss:LOG + ebx], eax
        mov     eax, [esp + 24]
        mov     [ss:LOG + ebx + 8], eax
        mov     eax, [esp + 28]
        mov     [ss:LOG + ebx + 12], eax
        mov     eax, [esp + 32]
        mov     [ss:LOG + ebx + 16], eax
        mov     eax, [esp + 36]
        mov     [ss:LOG + ebx + 28], eax
        mov     eax, [esp + 40]
        mov     [ss:LOG + ebx + 32], eax
        add     dword [ss:LOG_N], LOGSZ
        ret

        PM_STUB 0x45, 0

; Ring-3 code: no checks here (the checker writes to port E9, which CPL 3 may not);
; it records what it sees and the checks run back in ring 0.
ring3:  mov     [ss:R3_CS], cs
        mov     [ss:R3_SS], ss
        mov     [ss:R3_DS], ds
        mov     [ss:R3_ESP], esp
        mov     ax, SEL_DATA3
        mov     ds, ax
        mov     es, ax
        int     0x45                            ; DPL-3 trap gate to ring 0 and back
r3_int_ret:
        mov     [R3_ESP2], esp
        mov     dword [RESUME], r3_cli_end + ROMBASE
r3_cli: cli                                     ; IOPL 0 < CPL 3: #GP(0)
r3_cli_end:
        mov     dword [RESUME], r3_int40_end + ROMBASE
r3_int40:
        int     0x40                            ; gate DPL 0 < CPL 3: #GP(40*8+2)
r3_int40_end:
        mov     dword [RESUME], r3_out_end + ROMBASE
r3_out: out     0x80, al                        ; no I/O permission: #GP(0)
r3_out_end:
        mov     dword [RESUME], r3_ds_end + ROMBASE
        mov     ax, SEL_DATA32
r3_ds:  mov     ds, ax                          ; DPL 0 data from CPL 3: #GP(10)
r3_ds_end:
        mov     dword [RESUME], r3_hlt_end + ROMBASE
r3_hlt: hlt                                     ; privileged: #GP(0)
r3_hlt_end:
        mov     [R3_DS2], ds
        int     0x46                            ; back to ring 0 for good

; The 16-bit interrupt gate's handler, in the 16-bit code segment (CS = 18, base F0000).
; SS is the flat 32-bit data segment, so the stack is addressed with ESP.
        bits    16
pm16_v44:
        push    eax
        mov     eax, [esp + 4]                  ; IP, CS
        mov     [V_TMP], eax
        mov     ax, [esp + 8]                   ; FLAGS
        mov     [LOG + 4], ax
        lea     eax, [esp + 4]
        mov     [LOG + 8], eax
        pop     eax
        add     esp, 6                          ; the IP does not fit: return by a far JMP
        jmp     dword SEL_CODE32:(pm_int16_ret + ROMBASE)

; Gate table: vector, handler offset (dword), selector, type word.
%define INTGATE32  0x8E00
%define TRAPGATE32 0x8F00
%define INTGATE16  0x8600
%macro GATE 2
        db      %1
        dd      pm_v%1 + ROMBASE
        dw      SEL_CODE32, %2
%endmacro
pm_gates:
        GATE    0, INTGATE32
        GATE    3, INTGATE32
        GATE    4, INTGATE32
        GATE    5, INTGATE32
        GATE    6, INTGATE32
        GATE    8, INTGATE32
        GATE    11, INTGATE32
        GATE    13, INTGATE32
        GATE    0x40, TRAPGATE32
        GATE    0x41, INTGATE32
        GATE    0x45, 0xEF00                    ; trap gate, DPL 3
        GATE    0x46, 0xEE00                    ; interrupt gate, DPL 3
        db      0x42                            ; a valid interrupt gate, not present
        dd      pm_v0x40 + ROMBASE
        dw      SEL_CODE32, 0x0E00
        db      0x44
        dd      pm16_v44
        dw      SEL_CODE16, INTGATE16
        db      0xFF
pm_idt_desc:
        dw      0x47 * 8 - 1
        dd      IDT_RAM

        LIB_CODE
        ROM_END
