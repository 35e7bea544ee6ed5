; v86.asm -- virtual-8086 mode (SDM vol. 3 chapter 20, without VME):
;   a V86 task entered with IRETD (EFLAGS.VM in the frame) running real-mode code
;   (segment arithmetic, SMSW); IOPL-sensitive instructions (INT n, CLI, PUSHF) and a port
;   denied by the I/O bitmap trap to the ring-0 monitor as #GP(0) with ES/DS/FS/GS pushed
;   and nulled; the monitor emulates them and returns with IRETD; with IOPL 3, INT n goes
;   through a ring-0 interrupt gate (frame with the V86 segments, nulled inside) and IRETD
;   returns to V86; INT 3 is not IOPL-sensitive; an external interrupt (PIT IRQ 0) from V86;
;   a gate to a DPL-3 code segment is #GP; a V86 task entered through a task switch.
%include "sys.inc"

%define MLOG    0x7000                  ; monitor log: 64 bytes per trap
%define MON_N   (X + 0xE0)              ; traps logged
%define IRQ_N   (X + 0xE4)              ; IRQ 0 interrupts taken
%define IRQF    (X + 0xE8)              ; IRQ 0 handler: frame (9 dwords) at 0E8h..10Bh,
%define IRQ_DS  (X + 0x10C)             ;   DS and GS inside the handler
%define IRQ_GS  (X + 0x110)
; Monitor log entry n, field f: +0 opcode (byte 1: INT number), +4 error code, +8 EIP,
; +12 CS, +16 EFLAGS, +20 ESP, +24 SS, +28 ES, +32 DS, +36 FS, +40 GS, +44 DS, +48 ES,
; +52 FS, +56 GS inside the handler, +60 ESP after the processor's pushes.
%define ML(n, f) [ss:MLOG + 64 * (n) + (f)]

        SYS_START

        bits    32
main32:
        mov     eax, 13
        mov     ebx, v86_mon + ROMBASE
        mov     cx, SEL_C0
        mov     dl, 0x8E
        call    set_gate                ; #GP: the V86 monitor (else the logger)
        mov     byte [IOMAP + 0x10], 0xFE       ; port 80h allowed
        mov     dword [ss:MON_N], 0
        mov     word [0x12350], 0xBEEF

        SAY     "IRETD to V86 (IOPL 0), traps to the monitor"
        TRY     v86_back1
        push    dword 0                 ; GS
        push    dword 0                 ; FS
        push    dword 0x1234            ; DS
        push    dword 0x2000            ; ES
        push    dword 0x7000            ; SS
        push    dword 0xFFF0            ; ESP
        push    dword 0x00020002        ; EFLAGS: VM, IOPL 0
        push    dword 0xF000            ; CS
        push    dword v86_a             ; EIP
        iretd
v86_back1:
        CW      [ss:V1], 0xF000, "V86: CS from the frame"
        CW      [ss:V2], 0x7000, "V86: SS from the frame"
        CW      [ss:V3], 0x1234, "V86: DS from the frame"
        CW      [ss:V4], 0x2000, "V86: ES from the frame"
        CW      [ss:V5], 0xFFF0, "V86: SP from the frame"
        CW      [ss:V6], 0xBEEF, "V86: DS:10h is linear 12350h"
        CW      [ss:V7], 1, "V86: SMSW shows PE"
        C32     [ss:MON_N], 6, "six traps: INT 21h, IN AL 81h, IN AL DX, CLI, PUSHF, HLT"
        CB      byte ML(0, 0), 0xCD, "trap 1: INT n"
        CB      byte ML(0, 1), 0x21, "trap 1: INT 21h"
        C32     ML(0, 4), 0, "INT 21h at IOPL 0: #GP(0)"
        C32     ML(0, 8), v86_a.int21, "pushed EIP = the INT"
        C32     ML(0, 12), 0xF000, "pushed CS"
        mov     eax, ML(0, 16)
        and     eax, 0x00023000
        C32     eax, 0x00020000, "pushed EFLAGS: VM = 1, IOPL 0"
        C32     ML(0, 20), 0xFFF0, "pushed ESP"
        C32     ML(0, 24), 0x7000, "pushed SS"
        C32     ML(0, 28), 0x2000, "pushed ES"
        C32     ML(0, 32), 0x1234, "pushed DS"
        C32     ML(0, 36), 0, "pushed FS"
        C32     ML(0, 40), 0, "pushed GS"
        C32     ML(0, 44), 0, "monitor: DS null"
        C32     ML(0, 48), 0, "monitor: ES null"
        C32     ML(0, 52), 0, "monitor: FS null"
        C32     ML(0, 56), 0, "monitor: GS null"
        C32     ML(0, 60), TSS_ESP0 - 40, "monitor: on TSS.ESP0, 10 dwords pushed"
        CW      [ss:V8], 0x2121, "the monitor emulated INT 21h (AX) and returned with IRETD"
        CB      byte ML(1, 0), 0xE4, "trap 2: IN AL, 81h (denied by the bitmap)"
        C32     ML(1, 8), v86_a.in81, "pushed EIP = the IN"
        CB      byte ML(2, 0), 0xEC, "trap 3: IN AL, DX = 1234h"
        CB      byte [ss:V9], 0x5A, "IN AL, 80h (allowed) did not trap; the emulated IN 81h gave 5Ah"
        CB      byte [ss:V10], 0x5B, "emulated IN AL, DX gave 5Bh"
        CB      byte ML(3, 0), 0xFA, "trap 4: CLI at IOPL 0"
        CB      byte ML(4, 0), 0x9C, "trap 5: PUSHF at IOPL 0"
        CW      [ss:V11], 0x0046, "the monitor's emulated PUSHF (ZF PF from XOR AX, AX)"
        CB      byte ML(5, 0), 0xF4, "trap 6: HLT"

        SAY     "V86 with IOPL 3: INT n through a ring-0 interrupt gate"
        mov     eax, 0x31
        call    stub_of
        mov     cx, SEL_C0
        mov     dl, 0xEE
        call    set_gate                ; INT 31h: DPL-3 interrupt gate, ring 0
        mov     eax, 0x32
        mov     ebx, 0
        mov     cx, SEL_C3
        mov     dl, 0xEE
        call    set_gate                ; INT 32h: DPL-3 gate to DPL-3 code
        mov     eax, 0x33
        call    stub_of
        mov     cx, SEL_C0
        mov     dl, 0x8E
        call    set_gate                ; INT 33h: DPL-0 gate
        mov     dword [ss:XMODE], 0x31
        mov     dword [ss:XSKIP], 0
        mov     dword [ss:MON_N], 0
        TRY     v86_back2
        push    dword 0x5555            ; GS
        push    dword 0                 ; FS
        push    dword 0x3333            ; DS
        push    dword 0x4444            ; ES
        push    dword 0x7000            ; SS
        push    dword 0xFF00            ; ESP
        push    dword 0x00023002        ; EFLAGS: VM, IOPL 3
        push    dword 0xF000            ; CS
        push    dword v86_b             ; EIP
        iretd
v86_back2:
        mov     dword [ss:XMODE], -1
        C32     [ss:X_VEC], 0x31, "INT 31h from V86 reached the ring-0 handler"
        C32     [ss:X_EIP], v86_b.after, "pushed EIP = after the INT"
        C32     [ss:X_CS], 0xF000, "pushed CS"
        mov     eax, [ss:X_EFL]
        and     eax, 0x00023000
        C32     eax, 0x00023000, "pushed EFLAGS: VM, IOPL 3"
        C32     [ss:X_ESP], 0xFF00, "pushed ESP"
        C32     [ss:X_SS], 0x7000, "pushed SS"
        C32     [ss:X_ES], 0x4444, "pushed ES"
        C32     [ss:X_DS], 0x3333, "pushed DS"
        C32     [ss:X_FS], 0, "pushed FS"
        C32     [ss:X_GS], 0x5555, "pushed GS"
        C32     [ss:X_HDS], 0, "handler: DS null"
        C32     [ss:X_HES], 0, "handler: ES null"
        C32     [ss:X_HGS], 0, "handler: GS null"
        C32     [ss:X_HSS], SEL_D0, "handler: SS = TSS.SS0"
        C32     [ss:X_HESP], TSS_ESP0 - 36, "handler: 9 dwords on the TSS.ESP0 stack"
        mov     eax, [ss:X_HFL]
        and     eax, 0x00020200
        C32     eax, 0, "handler: VM and IF clear"
        CW      [ss:V1], 0x3333, "after IRETD: V86 DS restored"
        CW      [ss:V2], 0x4444, "after IRETD: V86 ES restored"
        CW      [ss:V3], 0x5555, "after IRETD: V86 GS restored"
        CW      [ss:V4], 0xFF00, "after IRETD: V86 SP restored"
        CW      [ss:V5], 0x7000, "after IRETD: V86 SS restored"
        C32     [ss:MON_N], 3, "three monitor traps: INT 32h, INT 33h, HLT"
        CB      byte ML(0, 1), 0x32, "trap 1: INT 32h"
        C32     ML(0, 4), SEL_C3 & ~3, "gate to DPL-3 code: #GP(code selector)"
        CB      byte ML(1, 1), 0x33, "trap 2: INT 33h"
        C32     ML(1, 4), 0x33 * 8 + 2, "DPL-0 gate at IOPL 3: #GP(IDT index)"
        CB      byte ML(2, 0), 0xF4, "trap 3: HLT (privileged at any IOPL)"

        SAY     "V86 with IOPL 0: INT 3 is not IOPL-sensitive"
        mov     eax, 3
        call    stub_of
        mov     cx, SEL_C0
        mov     dl, 0xEE
        call    set_gate
        mov     dword [ss:XMODE], 3
        mov     dword [ss:MON_N], 0
        TRY     v86_back3
        push    dword 0
        push    dword 0
        push    dword 0
        push    dword 0
        push    dword 0x7000
        push    dword 0xFF00
        push    dword 0x00020002
        push    dword 0xF000
        push    dword v86_c
        iretd
v86_back3:
        mov     dword [ss:XMODE], -1
        C32     [ss:X_VEC], 3, "INT 3 at IOPL 0 went through the IDT"
        C32     [ss:X_EIP], v86_c.after, "pushed EIP = after the INT 3"
        C32     [ss:MON_N], 1, "no #GP but the final HLT"

        SAY     "an external interrupt (PIT, IRQ 0) from V86"
        mov     eax, 0x50
        mov     ebx, irq0_h + ROMBASE
        mov     cx, SEL_C0
        mov     dl, 0x8E
        call    set_gate
        mov     dword [ss:IRQ_N], 0
        mov     dword [ss:MON_N], 0
        mov     al, 0x11
        out     0x20, al
        out     0xA0, al
        mov     al, 0x50
        out     0x21, al
        mov     al, 0x58
        out     0xA1, al
        mov     al, 4
        out     0x21, al
        mov     al, 2
        out     0xA1, al
        mov     al, 1
        out     0x21, al
        out     0xA1, al
        mov     al, 0xFE
        out     0x21, al
        mov     al, 0xFF
        out     0xA1, al
        mov     al, 0x34
        out     0x43, al
        mov     al, 0
        out     0x40, al
        mov     al, 0x10
        out     0x40, al
        TRY     v86_back4
        push    dword 0x6666            ; GS
        push    dword 0                 ; FS
        push    dword 0x1111            ; DS
        push    dword 0x2222            ; ES
        push    dword 0x7000
        push    dword 0xFF00
        push    dword 0x00020202        ; VM, IF
        push    dword 0xF000
        push    dword v86_d
        iretd
v86_back4:
        mov     al, 0xFF
        out     0x21, al
        C32     [ss:IRQ_N], 1, "one IRQ 0 taken while in V86"
        C32     [ss:IRQF + 4], 0xF000, "IRQ 0: pushed CS = F000"
        mov     eax, [ss:IRQF + 8]
        and     eax, 0x00020200
        C32     eax, 0x00020200, "IRQ 0: pushed EFLAGS with VM and IF"
        C32     [ss:IRQF + 20], 0x2222, "IRQ 0: pushed ES"
        C32     [ss:IRQF + 24], 0x1111, "IRQ 0: pushed DS"
        C32     [ss:IRQF + 32], 0x6666, "IRQ 0: pushed GS"
        C32     [ss:IRQ_DS], 0, "IRQ 0 handler: DS null"
        C32     [ss:IRQ_GS], 0, "IRQ 0 handler: GS null"
        CW      [ss:V1], 0x1111, "V86 went on after the IRQ with DS restored"
        C32     [ss:MON_N], 1, "then HLT trapped"

        SAY     "V86 task entered through a task switch"
        mov     edi, TSSE
        mov     ebx, v86_task
        mov     ecx, 0xFF00
        call    mk_tss32
        mov     dword [TSSE + 0x04], 0x87800            ; ESP0
        mov     dword [TSSE + 0x28], 0x1234             ; EAX
        mov     dword [TSSE + 0x24], 0x00020002         ; EFLAGS: VM, IOPL 0
        mov     word [TSSE + 0x48], 0x3333              ; ES
        mov     word [TSSE + 0x4C], 0xF000              ; CS
        mov     word [TSSE + 0x50], 0x7000              ; SS
        mov     word [TSSE + 0x54], 0                   ; DS
        mov     word [TSSE + 0x58], 0x4444              ; FS
        mov     word [TSSE + 0x5C], 0x5555              ; GS
        mov     dword [ss:MON_N], 0
        mov     [ss:SV_ESP], esp
        mov     dword [ss:RESUME], v86_task_exit + ROMBASE
        jmp     SEL_TSSE:0
        CW      [ss:V1], 0xF000, "V86 task: CS from the TSS"
        CW      [ss:V2], 0x7000, "V86 task: SS from the TSS"
        CW      [ss:V3], 0x3333, "V86 task: ES from the TSS"
        CW      [ss:V4], 0x4444, "V86 task: FS from the TSS"
        CW      [ss:V5], 0x5555, "V86 task: GS from the TSS"
        CW      [ss:V6], 0xFF00, "V86 task: SP from the TSS"
        CW      [ss:V7], 0x1234, "V86 task: AX from the TSS"
        C32     [ss:MON_N], 2, "two traps: MOV EAX, CR0 and HLT"
        CB      byte ML(0, 0), 0x0F, "MOV EAX, CR0 in V86: #GP"
        C32     ML(0, 4), 0, "error code 0"
        C32     ML(1, 60), 0x87800 - 40, "the monitor ran on the V86 task's TSS.ESP0"
        mov     eax, ML(1, 16)
        and     eax, 0x00020000
        C32     eax, 0x00020000, "pushed EFLAGS has VM"
        CB      byte [GDT + SEL_TSSE + 5], 0x89, "the V86 task's TSS is free again"
        xor     eax, eax
        str     ax
        C32     eax, SEL_TSS0, "TR = TSS0"
        FINISH

; Leave the V86 task: the monitor resumed here, in that task's ring-0 context.
v86_task_exit:
        jmp     SEL_TSS0:0

; ---- the V86 monitor: #GP handler ------------------------------------------------------
v86_mon:
        test    dword [ss:esp + 12], 0x20000
        jnz     .v86
        jmp     sys_stub_13             ; not from V86: the logger
.v86:   pushad
        mov     edi, [ss:MON_N]
        and     edi, 15
        shl     edi, 6
        add     edi, MLOG
        xor     eax, eax
        mov     ax, ds
        mov     [ss:edi + 44], eax
        mov     ax, es
        mov     [ss:edi + 48], eax
        mov     ax, fs
        mov     [ss:edi + 52], eax
        mov     ax, gs
        mov     [ss:edi + 56], eax
        lea     eax, [esp + 32]
        mov     [ss:edi + 60], eax
        xor     ecx, ecx
.cp:    mov     eax, [ss:esp + 32 + ecx * 4]
        mov     [ss:edi + 4 + ecx * 4], eax
        inc     ecx
        cmp     ecx, 10
        jne     .cp
        inc     dword [ss:MON_N]
        mov     ax, SEL_D0
        mov     ds, ax
        mov     es, ax
        movzx   ebx, word [esp + 40]    ; CS
        shl     ebx, 4
        movzx   eax, word [esp + 36]    ; IP
        add     ebx, eax
        movzx   eax, byte [ebx]
        mov     [edi], eax
        cmp     al, 0xCD
        je      .int
        cmp     al, 0xE4
        je      .in_imm
        cmp     al, 0xEC
        je      .in_dx
        cmp     al, 0x9C
        je      .pushf
        cmp     al, 0x0F
        je      .skip3
        cmp     al, 0xF4
        je      .exit
        mov     eax, 1                  ; CLI, STI, ...: ignore
        jmp     .skip
.skip3: mov     eax, 3
        jmp     .skip
.int:   mov     cl, [ebx + 1]
        mov     [edi + 1], cl
        cmp     cl, 0x21
        jne     .skip2
        mov     word [esp + 28], 0x2121 ; the V86 AX
.skip2: mov     eax, 2
        jmp     .skip
.in_imm:
        mov     byte [esp + 28], 0x5A
        jmp     .skip2
.in_dx: mov     byte [esp + 28], 0x5B
        mov     eax, 1
        jmp     .skip
.pushf: movzx   ecx, word [esp + 52]    ; SS
        shl     ecx, 4
        mov     edx, [esp + 48]         ; ESP
        sub     dx, 2
        mov     [esp + 48], edx
        movzx   edx, dx
        add     ecx, edx
        mov     ax, [esp + 44]          ; FLAGS
        and     ax, 0x0FFF
        mov     [ecx], ax
        mov     eax, 1
.skip:  add     [esp + 36], eax
        popad
        add     esp, 4
        iretd
.exit:  mov     ax, SEL_D0
        mov     fs, ax
        mov     gs, ax
        mov     esp, [ss:SV_ESP]
        push    dword 2
        popfd
        jmp     [ss:RESUME]

; IRQ 0: record the frame and the segment registers, EOI.
irq0_h: pushad
        xor     ecx, ecx
.cp:    mov     eax, [ss:esp + 32 + ecx * 4]
        mov     [ss:IRQF + ecx * 4], eax
        inc     ecx
        cmp     ecx, 9
        jne     .cp
        xor     eax, eax
        mov     ax, ds
        mov     [ss:IRQ_DS], eax
        mov     ax, gs
        mov     [ss:IRQ_GS], eax
        inc     dword [ss:IRQ_N]
        mov     al, 0x20
        out     0x20, al
        popad
        iretd

; ---- virtual-8086 code (runs from the ROM at F000:xxxx) ---------------------------------
        bits    16
v86_a:  mov     [fs:V1], cs
        mov     [fs:V2], ss
        mov     [fs:V3], ds
        mov     [fs:V4], es
        mov     [fs:V5], sp
        mov     ax, [0x10]
        mov     [fs:V6], ax
        smsw    ax
        and     ax, 1
        mov     [fs:V7], ax
        xor     ax, ax
.int21: int     0x21
        mov     [fs:V8], ax
        in      al, 0x80
        mov     al, 0
.in81:  in      al, 0x81
        mov     [fs:V9], al
        mov     dx, 0x1234
        in      al, dx
        mov     [fs:V10], al
        cli
        pushf
        pop     ax
        mov     [fs:V11], ax
        hlt

v86_b:  mov     ax, 0x1111
        int     0x31
.after: mov     [fs:V1], ds
        mov     [fs:V2], es
        mov     [fs:V3], gs
        mov     [fs:V4], sp
        mov     [fs:V5], ss
        int     0x32
        int     0x33
        hlt

v86_c:  int3
.after: hlt

v86_d:  cmp     word [fs:IRQ_N], 0
        je      v86_d
        mov     [fs:V1], ds
        hlt

v86_task:
        mov     [V1], cs
        mov     [V2], ss
        mov     [V3], es
        mov     [V4], fs
        mov     [V5], gs
        mov     [V6], sp
        mov     [V7], ax
        mov     eax, cr0
        hlt
        bits    32

        SYS_CODE
        LIB_CODE
        ROM_END
