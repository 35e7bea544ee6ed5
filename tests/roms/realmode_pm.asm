; realmode_pm.asm -- real mode -> 16-bit protected mode -> back to real mode -> "unreal
; mode" -> 32-bit protected mode, checking segment registers and data through each.
; Expected values follow the SDM (vol. 3, 9.8 "Mode switching", 9.9.2 "Switching back to
; real-address mode", 3.4.3 segment-descriptor caches; vol. 3, 20.1 real-address mode).
;   nasm -f bin -o realmode_pm.rom realmode_pm.asm
%include "lib.inc"

%define GP_COUNT  0x600     ; byte: #GP (vector 13) taken in real mode
%define GP_IP     0x602     ; word: IP saved by the last real-mode #GP
%define GP_CS     0x604     ; word: CS saved
%define SKIP      0x606     ; word: bytes the #GP handler adds to the saved IP
%define SAVE      0x610     ; scratch

        ROM_START
        SAY     "real mode"
        SET_IVT 13, rm_gp
        mov     ax, cs
        CHKW    1, ax, 0xF000, "real mode: CS = F000 after the reset vector's far JMP"
        mov     eax, cr0
        and     eax, 1
        CHK     2, eax, 0, "real mode: CR0.PE = 0"
        smsw    ax
        CHKW    3, ax, 0x0010, "real mode: SMSW = low word of CR0 (ET set at reset)"
        mov     ax, 0x2000
        mov     ds, ax
        mov     word [0x10], 0x1234
        mov     ax, 0x2001
        mov     es, ax
        mov     bx, [es:0]
        CHKW    4, bx, 0x1234, "real mode: base = selector * 16 (2000:0010 is 2001:0000)"
        mov     ax, 0xFFFF
        mov     fs, ax
        mov     dword [fs:0x10], 0x55AA1234     ; linear 0x100000 (A20 on)
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     dword [0], 0x11223344           ; IVT vector 0 is not used by this test
        mov     ax, 0xFFFF
        mov     fs, ax
        mov     eax, [fs:0x10]
        CHK     5, eax, 0x55AA1234, "real mode: FFFF:0010 reaches linear 100000 with A20 on"
        xor     ax, ax
        mov     fs, ax
        ; Real-mode limits are 64 KiB: an offset above FFFF is #GP (vector 13 in the IVT).
        mov     byte [GP_COUNT], 0
        mov     word [SKIP], rm_gp_end1 - rm_gp_at1
        mov     ebx, 0x10000
rm_gp_at1:
        mov     al, [ebx]
rm_gp_end1:
        CHKB    6, byte [GP_COUNT], 1, "real mode: a32 offset 10000 beyond the 64 KiB limit is #GP"
        mov     ax, [GP_CS]
        CHKW    7, ax, 0xF000, "real mode: #GP saved CS = F000"
        mov     ax, [GP_IP]
        CHKW    8, ax, rm_gp_at1, "real mode: #GP saved IP = the faulting MOV"
        ; A word at offset FFFF runs past the limit too.
        mov     byte [GP_COUNT], 0
        mov     word [SKIP], rm_gp_end2 - rm_gp_at2
        mov     bx, 0xFFFF
rm_gp_at2:
        mov     ax, [bx]
rm_gp_end2:
        CHKB    9, byte [GP_COUNT], 1, "real mode: word access at FFFF (second byte past limit) is #GP"
        mov     ax, [GP_IP]
        CHKW    10, ax, rm_gp_at2, "real mode: #GP at FFFF saved IP = the faulting MOV"
        mov     byte [GP_COUNT], 0
        mov     al, [0xFFFF]
        CHKB    11, byte [GP_COUNT], 0, "real mode: byte at offset FFFF is within the limit"

        ; ---------------- to 16-bit protected mode ----------------
        SAY     "16-bit protected mode"
        call    gdt_install
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     SEL_CODE16:pm16                 ; serialising far JMP (SDM vol. 3, 9.9.1)
pm16:   mov     ax, SEL_DATA16
        mov     ss, ax
        mov     ax, cs
        CHKW    12, ax, SEL_CODE16, "16-bit PM: CS = 0x18 after the far JMP"
        mov     eax, cr0
        and     eax, 1
        CHK     13, eax, 1, "16-bit PM: CR0.PE = 1"
        mov     ax, ss
        CHKW    14, ax, SEL_DATA16, "16-bit PM: SS = 0x20"
        smsw    ax
        CHKW    15, ax, 0x0011, "16-bit PM: SMSW shows PE"
        xor     ax, ax
        lmsw    ax
        mov     eax, cr0
        and     eax, 1
        CHK     16, eax, 1, "16-bit PM: LMSW 0 cannot clear PE"
        mov     ax, SEL_DATA2
        mov     ds, ax
        mov     bx, [0x10]
        CHKW    17, bx, 0x1234, "16-bit PM: DS = 0x28 has descriptor base 20000"
        mov     ax, SEL_DATA16
        mov     es, ax
        mov     al, [es:GDT_RAM + SEL_DATA2 + 5]
        CHKB    18, al, 0x93, "16-bit PM: loading DS set the descriptor's accessed bit"
        ; The descriptor cache: rewriting the GDT entry does not change a loaded DS.
        mov     byte [es:GDT_RAM + SEL_DATA2 + 4], 0x03     ; base 23:16 = 03 (30000)
        mov     bx, [0x10]
        CHKW    19, bx, 0x1234, "16-bit PM: DS keeps its cached base after the GDT changes"
        mov     ax, SEL_DATA32
        mov     gs, ax
        mov     ebx, 0x30010
        mov     word [gs:ebx], 0xBEEF
        mov     ax, SEL_DATA2
        mov     ds, ax
        mov     bx, [0x10]
        CHKW    20, bx, 0xBEEF, "16-bit PM: reloading DS picks up the new base 30000"
        mov     byte [es:GDT_RAM + SEL_DATA2 + 4], 0x02
        ; 16-bit code segment: PUSH without prefix moves SP by 2, with o32 by 4.
        mov     bx, sp
        push    ax
        mov     cx, sp
        pop     ax
        sub     bx, cx
        CHKW    21, bx, 2, "16-bit PM: default operand size 16 (PUSH AX: SP-2)"
        mov     bx, sp
        push    eax
        mov     cx, sp
        pop     eax
        sub     bx, cx
        CHKW    22, bx, 4, "16-bit PM: operand-size prefix (PUSH EAX: SP-4)"
        ; A 32-bit flat data segment is usable from 16-bit code with a32 addressing.
        mov     ax, SEL_DATA32
        mov     gs, ax
        mov     ebx, 0x100000
        mov     eax, [gs:ebx]
        CHK     23, eax, 0x55AA1234, "16-bit PM: 4 GiB GS with a32 reads linear 100000"

        ; ---------------- back to real mode ----------------
        SAY     "back to real mode"
        ; SDM 9.9.2: load segment registers with 64 KiB-limit data descriptors, then clear
        ; PE, far JMP, reload the segment registers with real-mode values.  FS keeps the
        ; flat 4 GiB descriptor: its cached limit survives into real mode ("unreal mode").
        mov     ax, SEL_DATA16
        mov     ds, ax
        mov     es, ax
        mov     gs, ax
        mov     ss, ax
        mov     ax, SEL_DATA32
        mov     fs, ax
        mov     eax, cr0
        and     eax, 0xFFFFFFFE
        mov     cr0, eax
        jmp     0xF000:real2
real2:  xor     ax, ax
        mov     ss, ax
        mov     ds, ax
        mov     es, ax
        mov     gs, ax
        mov     fs, ax
        mov     ax, cs
        CHKW    24, ax, 0xF000, "real mode again: CS = F000"
        mov     eax, cr0
        and     eax, 1
        CHK     25, eax, 0, "real mode again: CR0.PE = 0"
        mov     ax, fs
        CHKW    26, ax, 0, "real mode again: FS selector = 0"
        mov     ax, 0x2000
        mov     ds, ax
        mov     bx, [0x10]
        CHKW    27, bx, 0x1234, "real mode again: 2000:0010 through a real-mode DS"
        xor     ax, ax
        mov     ds, ax
        ; Unreal mode: FS base is 0 (selector 0 * 16) but its cached limit is 4 GiB.
        mov     byte [GP_COUNT], 0
        mov     ebx, 0x200000
        mov     dword [fs:ebx], 0xCAFEBABE
        mov     eax, [fs:ebx]
        CHK     28, eax, 0xCAFEBABE, "unreal mode: FS with 4 GiB cached limit writes/reads 200000"
        mov     ebx, 0x100000
        mov     eax, [fs:ebx]
        CHK     29, eax, 0x55AA1234, "unreal mode: FS reads linear 100000"
        CHKB    30, byte [GP_COUNT], 0, "unreal mode: no #GP for FS offsets above FFFF"
        ; ...while DS, reloaded through a 64 KiB descriptor, still faults above FFFF.
        mov     word [SKIP], rm_gp_end3 - rm_gp_at3
        mov     ebx, 0x10000
rm_gp_at3:
        mov     al, [ebx]
rm_gp_end3:
        CHKB    31, byte [GP_COUNT], 1, "unreal mode: DS (64 KiB cached limit) still #GPs at 10000"
        mov     ax, [GP_IP]
        CHKW    32, ax, rm_gp_at3, "unreal mode: #GP saved IP = the faulting MOV"
        ; A real-mode segment load of a value that would be a bad selector in PM is fine.
        mov     ax, 0x1234
        mov     gs, ax
        mov     ax, gs
        CHKW    33, ax, 0x1234, "real mode again: any value loads into GS"

        ; ---------------- 32-bit protected mode ----------------
        SAY     "32-bit protected mode"
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
        mov     ax, cs
        CHKW    34, ax, SEL_CODE32, "32-bit PM: CS = 0x08"
        mov     ax, ds
        CHKW    35, ax, SEL_DATA32, "32-bit PM: DS = 0x10"
        mov     eax, [0x200000]
        CHK     36, eax, 0xCAFEBABE, "32-bit PM: the unreal-mode store is at linear 200000"
        movzx   eax, word [0x20010]
        CHK     37, eax, 0x1234, "32-bit PM: the real-mode store is at linear 20010"
        mov     ebx, esp
        push    eax
        mov     ecx, esp
        pop     eax
        sub     ebx, ecx
        CHK     38, ebx, 4, "32-bit PM: default operand size 32 (PUSH EAX: ESP-4)"
        mov     ebx, esp
        push    ax
        mov     ecx, esp
        pop     ax
        sub     ebx, ecx
        CHK     39, ebx, 2, "32-bit PM: operand-size prefix (PUSH AX: ESP-2)"
        mov     eax, cr0
        and     eax, 1
        CHK     40, eax, 1, "32-bit PM: CR0.PE = 1"
        ; A 16-bit data segment with base 20000 from 32-bit code.
        mov     ax, SEL_DATA2
        mov     es, ax
        movzx   eax, word [es:0x10]
        CHK     41, eax, 0x1234, "32-bit PM: ES = 0x28 base 20000 from 32-bit code"
        mov     ax, SEL_DATA32
        mov     es, ax
        FINISH

; Real-mode #GP handler: count, record CS:IP, resume SKIP bytes further.
        bits    16
rm_gp:  push    bp
        mov     bp, sp
        push    ax
        inc     byte [ss:GP_COUNT]
        mov     ax, [bp + 2]
        mov     [ss:GP_IP], ax
        mov     ax, [bp + 4]
        mov     [ss:GP_CS], ax
        mov     ax, [ss:SKIP]
        add     [bp + 2], ax
        pop     ax
        pop     bp
        iret

        LIB_CODE
        ROM_END
