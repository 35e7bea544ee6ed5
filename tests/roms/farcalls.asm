; farcalls.asm -- far CALL/RET/RETF imm16, far JMP through m16:16 and m16:32 pointers,
; near CALL/JMP through registers and memory, ENTER/LEAVE with nesting levels, PUSHA/POPA
; and PUSHF/POPF, in real mode and in 32-bit protected mode.  Expected values are worked
; out from the SDM vol. 2 pseudo-code of each instruction.
; The PM part ends with privilege changes: a call gate at the same level, RETF to ring 3
; (outer-level return: data segments with DPL < CPL become null) and a call gate from
; ring 3 to ring 0 with the TSS stack switch and parameter copy (SDM vol. 3, 5.8.5).
;   nasm -f bin -o farcalls.rom farcalls.asm
%include "lib.inc"

%define V_IP      0x600     ; word/dword: return offset seen by a callee
%define V_CS      0x604     ; word: return CS seen by a callee
%define V_A1      0x606     ; word: first stack argument seen
%define V_A2      0x608     ; word: second stack argument seen
%define V_SP      0x60C     ; dword: stack pointer saved by the caller
%define V_MARK    0x610     ; dword: set by jump targets
%define V_SP2     0x614     ; dword: stack pointer seen by a callee
%define V_CUR     0x618     ; dword: current ESP, for checks
%define P_1616    0x620     ; m16:16 far pointer
%define P_1632    0x628     ; m16:32 far pointer (offset dword, selector word)
%define P_NEAR    0x630     ; near pointer (word / dword)
%define FRAME     0x6000    ; ENTER/LEAVE scratch stack (SS = 0)
%define G_IP      0x640     ; what the call-gate target saw: EIP, CS, two parameters,
%define G_CS      0x644     ; the caller's ESP and SS, its own ESP and CS
%define G_P1      0x648
%define G_P2      0x64C
%define G_ESP3    0x650
%define G_SS3     0x654
%define G_ESP0    0x658
%define G_CSNOW   0x65C
%define G_STAY    0x660     ; non-zero: the gate target stays in ring 0
%define R3_CS     0x670     ; what the ring-3 code saw
%define R3_SS     0x674
%define R3_DS     0x678
%define R3_ESP    0x67C
%define R3_ESP2   0x680
%define R3_CS2    0x684
%define R0_ESP    0x88000
%define R3_STACK  0x70000

        ROM_START
        SAY     "real mode: far CALL / RETF"
        mov     [V_SP], sp
        call    0xF000:rm_far_fn
rm_ret1:
        CHKW    1, word [V_IP], rm_ret1, "real mode: CALL ptr16:16 pushed IP of the next instruction"
        CHKW    2, word [V_CS], 0xF000, "real mode: CALL ptr16:16 pushed CS = F000"
        mov     ax, sp
        CHKW    3, ax, word [V_SP], "real mode: RETF popped IP and CS (SP restored)"
        mov     ax, [V_SP]
        sub     ax, 4
        CHKW    4, word [V_SP2], ax, "real mode: far CALL moved SP by 4 (16-bit operands)"
        mov     word [P_1616], rm_far_fn
        mov     word [P_1616 + 2], 0xF000
        call    far [P_1616]
rm_ret2:
        CHKW    5, word [V_IP], rm_ret2, "real mode: CALL m16:16 pushed the return IP"
        CHKW    6, word [V_CS], 0xF000, "real mode: CALL m16:16 pushed CS"
        ; RETF imm16 releases the caller's arguments.
        mov     [V_SP], sp
        push    word 0x1111
        push    word 0x2222
        call    0xF000:rm_far_fn4
        CHKW    7, word [V_A1], 0x2222, "real mode: callee sees the last pushed argument at SP+4"
        CHKW    8, word [V_A2], 0x1111, "real mode: callee sees the first pushed argument at SP+6"
        mov     ax, sp
        CHKW    9, ax, word [V_SP], "real mode: RETF 4 removed CS:IP and both arguments"
        ; A 32-bit operand far CALL through m16:32 in real mode: 8 bytes of stack.
        mov     dword [P_1632], rm_far_fn32
        mov     word [P_1632 + 4], 0xF000
        mov     [V_SP], sp
        call    dword far [P_1632]
rm_ret3:
        CHK     10, dword [V_IP], rm_ret3, "real mode: o32 CALL m16:32 pushed a 32-bit return EIP"
        CHKW    11, word [V_CS], 0xF000, "real mode: o32 CALL m16:32 pushed CS"
        mov     ax, [V_SP]
        sub     ax, 8
        CHKW    12, word [V_SP2], ax, "real mode: o32 far CALL moved SP by 8"
        mov     ax, sp
        CHKW    13, ax, word [V_SP], "real mode: o32 RETF popped 8 bytes"

        SAY     "real mode: far JMP through memory"
        mov     dword [V_MARK], 0
        mov     word [P_1616], rm_jt1
        mov     word [P_1616 + 2], 0xF000
        jmp     far [P_1616]
        mov     dword [V_MARK], 0xBAD
rm_jt1: add     dword [V_MARK], 1
        mov     dword [P_1632], rm_jt2
        mov     word [P_1632 + 4], 0xF000
        jmp     dword far [P_1632]
        mov     dword [V_MARK], 0xBAD
rm_jt2: add     dword [V_MARK], 2
        CHK     14, dword [V_MARK], 3, "real mode: JMP m16:16 and JMP m16:32 reached their targets"
        ; Direct far JMP to a different CS:IP that aliases the same code (F000:x = EF00:x+1000).
        jmp     0xEF00:(rm_jt3 + 0x1000)
rm_jt3: mov     [V_CS], cs                      ; (no checks while CS != F000: they
        jmp     0xF000:rm_jt4                   ; address their strings through CS)
rm_jt4:
        CHKW    15, word [V_CS], 0xEF00, "real mode: far JMP loads CS = EF00 (aliasing F000)"
        mov     ax, cs
        CHKW    16, ax, 0xF000, "real mode: far JMP back to CS = F000"

        SAY     "real mode: near CALL/JMP indirect"
        mov     word [V_IP], 0
        mov     bx, rm_near_fn
        call    bx
rm_ret5:
        CHKW    17, word [V_IP], rm_ret5, "real mode: CALL r16 pushed the return IP"
        mov     word [P_NEAR], rm_near_fn
        call    word [P_NEAR]
rm_ret6:
        CHKW    18, word [V_IP], rm_ret6, "real mode: CALL m16 pushed the return IP"
        mov     si, P_NEAR - 4
        call    word [si + 4]
rm_ret7:
        CHKW    19, word [V_IP], rm_ret7, "real mode: CALL [SI+4] pushed the return IP"
        mov     dword [V_MARK], 0
        mov     ax, rm_jn1
        jmp     ax
        mov     dword [V_MARK], 0xBAD
rm_jn1: add     dword [V_MARK], 1
        mov     word [P_NEAR], rm_jn2
        jmp     word [P_NEAR]
        mov     dword [V_MARK], 0xBAD
rm_jn2: add     dword [V_MARK], 2
        CHK     20, dword [V_MARK], 3, "real mode: JMP r16 and JMP m16 reached their targets"
        mov     [V_SP], sp
        push    word 0x7777
        call    rm_near_ret2
        mov     ax, sp
        CHKW    21, ax, word [V_SP], "real mode: RET 2 released the argument"
        CHKW    22, word [V_A1], 0x7777, "real mode: near callee saw its argument at SP+2"

        SAY     "real mode: ENTER / LEAVE"
        mov     [V_SP], sp
        mov     sp, FRAME
        mov     bp, 0x6100
        mov     word [0x60FE], 0xAAAA
        mov     word [0x60FC], 0xBBBB
        enter   8, 0
        mov     ax, bp
        CHKW    23, ax, 0x5FFE, "ENTER 8,0: BP = SP after pushing BP"
        mov     ax, sp
        CHKW    24, ax, 0x5FF6, "ENTER 8,0: SP = BP - 8"
        CHKW    25, word [0x5FFE], 0x6100, "ENTER 8,0: old BP on the stack"
        leave
        mov     ax, bp
        CHKW    26, ax, 0x6100, "LEAVE: BP restored"
        mov     ax, sp
        CHKW    27, ax, 0x6000, "LEAVE: SP restored"
        enter   4, 3
        mov     ax, bp
        CHKW    28, ax, 0x5FFE, "ENTER 4,3: BP = frame pointer"
        mov     ax, sp
        CHKW    29, ax, 0x5FF4, "ENTER 4,3: SP = frame - 2 copied pointers - frame - 4"
        CHKW    30, word [0x5FFC], 0xAAAA, "ENTER 4,3: first copied pointer from [BP-2]"
        CHKW    31, word [0x5FFA], 0xBBBB, "ENTER 4,3: second copied pointer from [BP-4]"
        CHKW    32, word [0x5FF8], 0x5FFE, "ENTER 4,3: frame pointer pushed last"
        leave
        mov     ax, sp
        CHKW    33, ax, 0x6000, "LEAVE after ENTER 4,3: SP restored"
        enter   0, 1
        mov     ax, sp
        CHKW    34, ax, 0x5FFC, "ENTER 0,1: BP and the frame pointer pushed"
        CHKW    35, word [0x5FFC], 0x5FFE, "ENTER 0,1: frame pointer = SP after PUSH BP"
        leave
        enter   2, 33                           ; level is taken modulo 32: 33 -> 1
        mov     ax, sp
        CHKW    36, ax, 0x5FFA, "ENTER 2,33: nesting level is imm8 mod 32 (= 1)"
        leave
        ; Nested frames: ENTER 0,2 inside a frame copies the outer frame pointer.
        enter   0, 1                            ; BP = 5FFE, [5FFC] = 5FFE
        enter   0, 2                            ; push BP(5FFE) at 5FFA; copy [5FFC]=5FFE; push 5FFA
        mov     ax, bp
        CHKW    37, ax, 0x5FFA, "nested ENTER 0,2: BP = new frame"
        CHKW    38, word [0x5FF8], 0x5FFE, "nested ENTER 0,2: outer display entry copied"
        CHKW    39, word [0x5FF6], 0x5FFA, "nested ENTER 0,2: own frame pointer pushed"
        leave
        leave
        mov     ax, sp
        CHKW    40, ax, 0x6000, "two LEAVEs unwind nested frames"
        mov     sp, [V_SP]

        SAY     "real mode: PUSHA / POPA / PUSHF / POPF"
        mov     [V_SP], sp
        mov     ax, 0x1001
        mov     cx, 0x2002
        mov     dx, 0x3003
        mov     bx, 0x4004
        mov     bp, 0x6006
        mov     si, 0x7007
        mov     di, 0x8008
        pusha
        mov     bx, sp
        mov     [V_SP2], bx
        mov     bx, [V_SP]
        sub     bx, 16
        CHKW    41, word [V_SP2], bx, "PUSHA: SP moved by 16"
        mov     bx, [V_SP2]
        CHKW    42, word [bx + 14], 0x1001, "PUSHA: AX at SP+14"
        CHKW    43, word [bx + 12], 0x2002, "PUSHA: CX at SP+12"
        CHKW    44, word [bx + 10], 0x3003, "PUSHA: DX at SP+10"
        CHKW    45, word [bx + 8], 0x4004, "PUSHA: BX at SP+8"
        CHKW    46, word [bx + 6], word [V_SP], "PUSHA: the original SP at SP+6"
        CHKW    47, word [bx + 4], 0x6006, "PUSHA: BP at SP+4"
        CHKW    48, word [bx + 2], 0x7007, "PUSHA: SI at SP+2"
        CHKW    49, word [bx + 0], 0x8008, "PUSHA: DI at SP+0"
        mov     word [bx + 6], 0x1234           ; POPA must skip the saved SP
        xor     ax, ax
        xor     cx, cx
        xor     dx, dx
        xor     bx, bx
        xor     bp, bp
        xor     si, si
        xor     di, di
        popa
        CHKW    50, ax, 0x1001, "POPA: AX"
        CHKW    51, cx, 0x2002, "POPA: CX"
        CHKW    52, dx, 0x3003, "POPA: DX"
        CHKW    53, bx, 0x4004, "POPA: BX"
        CHKW    54, bp, 0x6006, "POPA: BP"
        CHKW    55, si, 0x7007, "POPA: SI"
        CHKW    56, di, 0x8008, "POPA: DI"
        mov     ax, sp
        CHKW    57, ax, word [V_SP], "POPA: SP = SP + 16, the stored SP discarded"
        push    word 0xFCFF                     ; every flag but TF and IF
        popf
        pushf
        pop     ax
        CHKW    58, ax, 0x7CD7, "real mode POPF/PUSHF: 0xFCFF reads back as 7CD7 (bits 3,5,15 = 0)"
        push    word 0
        popf
        pushf
        pop     ax
        CHKW    59, ax, 0x0002, "real mode POPF 0: PUSHF = 0002 (bit 1 always set)"
        stc
        std
        pushf
        pop     ax
        cld
        CHKW    60, ax, 0x0403, "real mode: STC+STD -> PUSHF = 0403"
        mov     [V_SP], sp
        pushf
        mov     ax, sp
        popf
        add     ax, 2
        CHKW    61, ax, word [V_SP], "real mode: PUSHF moved SP by 2"

        ; ---------------- 32-bit protected mode ----------------
        SAY     "32-bit PM: far CALL / RETF"
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
        mov     [V_SP], esp
        call    SEL_CODE32:(pm_far_fn + ROMBASE)
pm_ret1:
        CHK     62, dword [V_IP], pm_ret1 + ROMBASE, "32-bit PM: CALL ptr16:32 pushed the return EIP"
        CHKW    63, word [V_CS], SEL_CODE32, "32-bit PM: CALL ptr16:32 pushed CS = 08"
        mov     eax, [V_SP]
        sub     eax, 8
        CHK     64, dword [V_SP2], eax, "32-bit PM: far CALL moved ESP by 8"
        mov     [V_CUR], esp
        CHK     65, dword [V_CUR], dword [V_SP], "32-bit PM: RETF restored ESP"
        mov     dword [P_1632], pm_far_fn + ROMBASE
        mov     word [P_1632 + 4], SEL_CODE32
        call    far [P_1632]
pm_ret2:
        CHK     66, dword [V_IP], pm_ret2 + ROMBASE, "32-bit PM: CALL m16:32 pushed the return EIP"
        CHKW    67, word [V_CS], SEL_CODE32, "32-bit PM: CALL m16:32 pushed CS"
        push    dword 0x11111111
        push    dword 0x22222222
        call    SEL_CODE32:(pm_far_fn8 + ROMBASE)
        CHK     68, dword [V_A1], 0x22222222, "32-bit PM: callee sees the last argument at ESP+8"
        mov     [V_CUR], esp
        CHK     69, dword [V_CUR], dword [V_SP], "32-bit PM: RETF 8 released CS:EIP and both arguments"
        ; A 16-bit far CALL from 32-bit code into a 16-bit code segment: 4 bytes pushed.
        mov     [V_SP], esp
        call    word SEL_CODE16:pm16_fn
pm_ret3:
        CHKW    70, word [V_IP], (pm_ret3 - $$ + ROMBASE) & 0xFFFF, "32-bit PM: o16 far CALL pushed IP (low 16 bits of EIP)"
        CHKW    71, word [V_CS], SEL_CODE32, "32-bit PM: o16 far CALL pushed CS as a word"
        mov     eax, [V_SP]
        sub     eax, 4
        CHK     72, dword [V_SP2], eax, "32-bit PM: o16 far CALL moved ESP by 4"
        mov     [V_CUR], esp
        CHK     73, dword [V_CUR], dword [V_SP], "32-bit PM: back from the 16-bit segment, ESP restored"

        SAY     "32-bit PM: far JMP through memory"
        mov     dword [V_MARK], 0
        mov     dword [P_1632], pm_jt1 + ROMBASE
        mov     word [P_1632 + 4], SEL_CODE32
        jmp     far [P_1632]
        mov     dword [V_MARK], 0xBAD
pm_jt1: add     dword [V_MARK], 1
        mov     word [P_1616], pm16_jt
        mov     word [P_1616 + 2], SEL_CODE16
        jmp     word far [P_1616]               ; into the 16-bit segment, which jumps back
        mov     dword [V_MARK], 0xBAD
pm_jt2: add     dword [V_MARK], 2
        CHK     74, dword [V_MARK], 0x13, "32-bit PM: JMP m16:32, JMP m16:16 (to 16-bit code) and back"
        mov     ax, cs
        CHKW    75, ax, SEL_CODE32, "32-bit PM: CS = 08 after returning from the 16-bit segment"
        ; A far JMP to the other code alias and back.
        jmp     SEL_CODE32:(pm_jt3 + ROMBASE)
pm_jt3: mov     ax, cs
        CHKW    76, ax, SEL_CODE32, "32-bit PM: JMP ptr16:32 to the same segment"

        SAY     "32-bit PM: near CALL/JMP indirect"
        mov     dword [V_IP], 0
        mov     eax, pm_near_fn + ROMBASE
        call    eax
pm_ret5:
        CHK     77, dword [V_IP], pm_ret5 + ROMBASE, "32-bit PM: CALL r32 pushed the return EIP"
        mov     dword [P_NEAR], pm_near_fn + ROMBASE
        call    [P_NEAR]
pm_ret6:
        CHK     78, dword [V_IP], pm_ret6 + ROMBASE, "32-bit PM: CALL m32 pushed the return EIP"
        mov     ebx, P_NEAR - 0x100
        mov     ecx, 0x40
        call    [ebx + ecx * 4]
pm_ret7:
        CHK     79, dword [V_IP], pm_ret7 + ROMBASE, "32-bit PM: CALL [EBX+ECX*4] pushed the return EIP"
        mov     dword [V_MARK], 0
        mov     edx, pm_jn1 + ROMBASE
        jmp     edx
        mov     dword [V_MARK], 0xBAD
pm_jn1: add     dword [V_MARK], 1
        mov     dword [P_NEAR], pm_jn2 + ROMBASE
        jmp     [P_NEAR]
        mov     dword [V_MARK], 0xBAD
pm_jn2: add     dword [V_MARK], 2
        CHK     80, dword [V_MARK], 3, "32-bit PM: JMP r32 and JMP m32 reached their targets"
        mov     [V_SP], esp
        push    dword 0x77777777
        call    pm_near_ret4
        mov     [V_CUR], esp
        CHK     81, dword [V_CUR], dword [V_SP], "32-bit PM: RET 4 released the argument"
        CHK     82, dword [V_A1], 0x77777777, "32-bit PM: near callee saw its argument at ESP+4"

        SAY     "32-bit PM: ENTER / LEAVE"
        mov     [V_SP], esp
        mov     esp, 0x80000
        mov     ebp, 0x80100
        mov     dword [0x800FC], 0xAAAAAAAA
        mov     dword [0x800F8], 0xBBBBBBBB
        enter   16, 3
        CHK     83, ebp, 0x7FFFC, "32-bit ENTER 16,3: EBP = frame pointer"
        mov     [V_CUR], esp
        CHK     84, dword [V_CUR], 0x7FFF0 - 16, "32-bit ENTER 16,3: ESP = frame - 3 dwords - 16"
        CHK     85, dword [0x7FFFC], 0x80100, "32-bit ENTER 16,3: old EBP"
        CHK     86, dword [0x7FFF8], 0xAAAAAAAA, "32-bit ENTER 16,3: copied [EBP-4]"
        CHK     87, dword [0x7FFF4], 0xBBBBBBBB, "32-bit ENTER 16,3: copied [EBP-8]"
        CHK     88, dword [0x7FFF0], 0x7FFFC, "32-bit ENTER 16,3: frame pointer pushed"
        leave
        CHK     89, ebp, 0x80100, "32-bit LEAVE: EBP restored"
        mov     [V_CUR], esp
        CHK     90, dword [V_CUR], 0x80000, "32-bit LEAVE: ESP restored"
        ; 16-bit operand size ENTER on a 32-bit stack: words pushed, ESP stepped as a 32-bit
        ; stack pointer, but FrameTemp is SP and only BP receives it (SDM vol. 2, ENTER:
        ; BP := FrameTemp[15:0]; as Bochs and QEMU do).
        o16 enter 4, 0
        mov     [V_CUR], esp
        CHK     91, dword [V_CUR], 0x80000 - 2 - 4, "o16 ENTER 4,0 on a 32-bit stack: ESP - 2 - 4"
        CHKW    92, word [0x7FFFE], 0x0100, "o16 ENTER 4,0: pushed BP as a word"
        CHK     93, ebp, 0x0008FFFE, "o16 ENTER: BP = SP after the push, upper EBP kept"
        mov     ebp, 0x7FFFE                    ; the frame as a 32-bit stack pointer
        o16 leave                               ; ESP = EBP (32-bit stack), BP = pop16
        mov     [V_CUR], esp
        sub     dword [V_CUR], 0x80000          ; 0 when ESP = EBP + 2
        add     [V_CUR], ebp
        CHK     94, dword [V_CUR], 0x00070100, "o16 LEAVE: ESP = EBP + 2 (32-bit stack), BP popped"
        mov     esp, [V_SP]

        SAY     "32-bit PM: PUSHAD / POPAD / PUSHFD / POPFD"
        mov     [V_SP], esp
        mov     eax, 0x10000001
        mov     ecx, 0x20000002
        mov     edx, 0x30000003
        mov     ebx, 0x40000004
        mov     ebp, 0x60000006
        mov     esi, 0x70000007
        mov     edi, 0x80000008
        pushad
        mov     ebx, esp
        mov     eax, [V_SP]
        sub     eax, 32
        CHK     95, ebx, eax, "PUSHAD: ESP moved by 32"
        CHK     96, dword [ebx + 28], 0x10000001, "PUSHAD: EAX at ESP+28"
        CHK     97, dword [ebx + 24], 0x20000002, "PUSHAD: ECX at ESP+24"
        CHK     98, dword [ebx + 16], 0x40000004, "PUSHAD: EBX at ESP+16"
        CHK     99, dword [ebx + 12], dword [V_SP], "PUSHAD: original ESP at ESP+12"
        CHK     100, dword [ebx + 0], 0x80000008, "PUSHAD: EDI at ESP+0"
        mov     dword [ebx + 12], 0x12345678
        mov     dword [ebx + 16], 0x40000004
        xor     eax, eax
        xor     ecx, ecx
        xor     edx, edx
        xor     ebp, ebp
        xor     esi, esi
        xor     edi, edi
        popad
        CHK     101, eax, 0x10000001, "POPAD: EAX"
        CHK     102, edx, 0x30000003, "POPAD: EDX"
        CHK     103, ebp, 0x60000006, "POPAD: EBP"
        CHK     104, edi, 0x80000008, "POPAD: EDI"
        mov     [V_CUR], esp
        CHK     105, dword [V_CUR], dword [V_SP], "POPAD: ESP + 32, stored ESP discarded"
        push    dword 0xFFFFFCFF                ; all but TF and IF
        popfd
        pushfd
        pop     eax
        CHK     106, eax, 0x00247CD7, "CPL0 POPFD 0xFFFFFCFF: AC, ID, IOPL, NT set; VM, RF, VIF, VIP not"
        push    dword 0x2
        popfd
        pushfd
        pop     eax
        CHK     107, eax, 0x00000002, "CPL0 POPFD 2: PUSHFD = 2"
        push    dword 0x00FF
        popf                                    ; 32-bit code: POPFD
        o16 pushf
        pop     ax
        CHKW    108, ax, 0x00D7, "o16 PUSHF pushes the low word only"
        push    word 0x0001
        o16 popf
        pushfd
        pop     eax
        CHK     109, eax, 0x00000003, "o16 POPF changes only the low word"

        SAY     "32-bit PM: call gate, RETF to ring 3, call gate back to ring 0"
        mov     edi, TSS_RAM
        xor     eax, eax
        mov     ecx, 0x68 / 4
        rep     stosd
        mov     dword [TSS_RAM + 4], R0_ESP
        mov     dword [TSS_RAM + 8], SEL_DATA32
        mov     ax, SEL_TSS
        ltr     ax
        ; 32-bit call gate (type C), DPL 3, 2 parameters, to SEL_CODE32:gate_fn.
        mov     eax, gate_fn + ROMBASE
        mov     [GDT_RAM + SEL_GATE], ax
        mov     word [GDT_RAM + SEL_GATE + 2], SEL_CODE32
        mov     word [GDT_RAM + SEL_GATE + 4], 0xEC02
        shr     eax, 16
        mov     [GDT_RAM + SEL_GATE + 6], ax
        mov     dword [G_STAY], 0
        ; Same privilege through the gate: no stack switch, no parameter copy.
        push    dword 0xAAAA0001
        push    dword 0xAAAA0002
        mov     [V_SP], esp
        call    SEL_GATE:0                      ; the offset is ignored
fc_g0:  CHK     110, dword [G_IP], fc_g0 + ROMBASE, "CALL through a call gate (ring 0 -> 0): return EIP"
        CHK     111, dword [G_CS], SEL_CODE32, "call gate ring 0 -> 0: pushed CS = 08"
        CHK     112, dword [G_P1], 0xAAAA0002, "call gate ring 0 -> 0: the caller's stack, not a copy"
        mov     eax, [V_SP]
        sub     eax, 8
        CHK     113, dword [G_ESP0], eax, "call gate ring 0 -> 0: only CS:EIP pushed"
        mov     [V_CUR], esp
        mov     eax, [V_SP]
        add     eax, 8
        CHK     114, dword [V_CUR], eax, "call gate ring 0 -> 0: RETF 8 released the parameters"
        ; To ring 3 with a far RET to an outer privilege level: pops EIP, CS, ESP, SS.
        push    dword SEL_DATA3
        push    dword R3_STACK
        push    dword SEL_CODE3
        push    dword fc_ring3 + ROMBASE
        retf
fc_ring0_again:
        mov     ax, cs
        CHKW    115, ax, SEL_CODE32, "back in ring 0 through the call gate"
        CHKW    116, word [R3_CS], SEL_CODE3, "RETF to ring 3: CS = 53"
        CHKW    117, word [R3_SS], SEL_DATA3, "RETF to ring 3: SS = 5B"
        CHK     118, dword [R3_ESP], R3_STACK, "RETF to ring 3: ESP popped"
        CHKW    119, word [R3_DS], 0, "RETF to ring 3: DS (DPL 0) nulled"
        CHK     120, dword [R3_ESP2], R3_STACK, "ring 3 -> gate -> RETF 8: ring-3 ESP restored"
        CHKW    121, word [R3_CS2], SEL_CODE3, "ring 3 -> gate -> RETF 8: back in CS 53"
        ; The second gate call (G_STAY set) is the one logged in G_*.
        CHK     122, dword [G_CSNOW], SEL_CODE32, "call gate from ring 3: target runs with CS = 08 (CPL 0)"
        CHK     123, dword [G_CS], SEL_CODE3, "call gate from ring 3: pushed CS = 53"
        CHK     124, dword [G_P1], 0x33330002, "call gate from ring 3: last parameter copied"
        CHK     125, dword [G_P2], 0x33330001, "call gate from ring 3: first parameter copied"
        CHK     126, dword [G_ESP3], R3_STACK - 8, "call gate from ring 3: pushed the ring-3 ESP"
        CHK     127, dword [G_SS3], SEL_DATA3, "call gate from ring 3: pushed the ring-3 SS"
        CHK     128, dword [G_ESP0], R0_ESP - 24, "call gate from ring 3: TSS stack, 6 dwords pushed"
        FINISH

gate_fn:
        push    eax
        mov     eax, [esp + 4]
        mov     [ss:G_IP], eax
        mov     eax, [esp + 8]
        mov     [ss:G_CS], eax
        mov     eax, [esp + 12]
        mov     [ss:G_P1], eax
        mov     eax, [esp + 16]
        mov     [ss:G_P2], eax
        mov     eax, [esp + 20]
        mov     [ss:G_ESP3], eax
        mov     eax, [esp + 24]
        mov     [ss:G_SS3], eax
        lea     eax, [esp + 4]
        mov     [ss:G_ESP0], eax
        mov     [ss:G_CSNOW], cs
        pop     eax
        cmp     dword [ss:G_STAY], 0
        jne     .stay
        retf    8
.stay:  mov     ax, SEL_DATA32
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     esp, 0x90000
        jmp     fc_ring0_again

; Ring 3: no checks here (no port access at CPL 3); record, call the gate twice.
fc_ring3:
        mov     [ss:R3_CS], cs
        mov     [ss:R3_SS], ss
        mov     [ss:R3_DS], ds
        mov     [ss:R3_ESP], esp
        push    dword 0x33330001
        push    dword 0x33330002
        call    (SEL_GATE | 3):0
        mov     [ss:R3_ESP2], esp
        mov     [ss:R3_CS2], cs
        mov     dword [ss:G_STAY], 1
        push    dword 0x33330001
        push    dword 0x33330002
        call    (SEL_GATE | 3):0                ; does not return

; ---------------- callees ----------------
        bits    16
rm_far_fn:
        push    bp
        mov     bp, sp
        push    ax
        mov     ax, [bp + 2]
        mov     [V_IP], ax
        mov     ax, [bp + 4]
        mov     [V_CS], ax
        lea     ax, [bp + 2]
        mov     [V_SP2], ax
        pop     ax
        pop     bp
        retf
rm_far_fn4:
        push    bp
        mov     bp, sp
        push    ax
        mov     ax, [bp + 6]
        mov     [V_A1], ax
        mov     ax, [bp + 8]
        mov     [V_A2], ax
        pop     ax
        pop     bp
        retf    4
rm_far_fn32:
        push    bp
        mov     bp, sp
        push    eax
        mov     eax, [bp + 2]
        mov     [V_IP], eax
        mov     ax, [bp + 6]
        mov     [V_CS], ax
        lea     ax, [bp + 2]
        mov     [V_SP2], ax
        pop     eax
        pop     bp
        o32 retf
rm_near_fn:
        push    bp
        mov     bp, sp
        push    ax
        mov     ax, [bp + 2]
        mov     [V_IP], ax
        pop     ax
        pop     bp
        ret
rm_near_ret2:
        push    bp
        mov     bp, sp
        push    ax
        mov     ax, [bp + 4]
        mov     [V_A1], ax
        pop     ax
        pop     bp
        ret     2

        bits    32
pm_far_fn:
        push    eax
        mov     eax, [esp + 4]
        mov     [V_IP], eax
        mov     ax, [esp + 8]
        mov     [V_CS], ax
        lea     eax, [esp + 4]
        mov     [V_SP2], eax
        pop     eax
        retf
pm_far_fn8:
        push    eax
        mov     eax, [esp + 12]
        mov     [V_A1], eax
        pop     eax
        retf    8
pm_near_fn:
        push    eax
        mov     eax, [esp + 4]
        mov     [V_IP], eax
        pop     eax
        ret
pm_near_ret4:
        push    eax
        mov     eax, [esp + 8]
        mov     [V_A1], eax
        pop     eax
        ret     4

; 16-bit code in the 16-bit segment (CS = 0x18, base F0000), reached from 32-bit code.
; SS is the flat 32-bit data segment (B = 1), so pushes and pops use ESP.
        bits    16
pm16_fn:
        mov     ax, [esp]
        mov     [V_IP], ax
        mov     ax, [esp + 2]
        mov     [V_CS], ax
        mov     [V_SP2], esp
        add     esp, 4                          ; the IP would not fit: return by a far JMP
        jmp     dword SEL_CODE32:(pm_ret3 + ROMBASE)
pm16_jt:
        add     dword [V_MARK], 0x10
        jmp     dword SEL_CODE32:(pm_jt2 + ROMBASE)

        LIB_CODE
        ROM_END
