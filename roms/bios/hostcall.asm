; hostcall.asm -- the trap to the emulator, and the services that are nothing but a trap.
;
; A service entered by INT (the caller's IP, CS, FLAGS on the stack) does HOSTCALL n:
; it pushes ES, DS, the eight 32-bit registers and two words (function, reserved), so that
; SS:SP points at the frame of crates/ironpc-machine/src/bioscall.rs:
;
;       +0 function   +2 reserved   +4 EDI  +8 ESI  +12 EBP  +16 ESP  +20 EBX  +24 EDX
;       +28 ECX  +32 EAX  +36 DS  +38 ES  +40 caller IP  +42 caller CS  +44 caller FLAGS
;
; then writes SS * 16 + SP to port 5A0h with a 32-bit OUT. The emulator stops the CPU after
; that instruction, serves the call -- updating the saved registers and the caller's FLAGS
; (CF, ZF) in place -- and resumes; the registers are popped and IRET returns the results.

%macro HOSTCALL 1
        push    es
        push    ds
        pushad
        push    word 0
        push    word %1
        jmp     hostcall_common
%endmacro

; The same from BIOS code (not from an INT): builds the IRET frame first.
%macro HOSTCALL_NEAR 1
        pushf
        push    cs
        push    word %%back
        HOSTCALL %1
%%back:
%endmacro

hostcall_common:
        xor     eax, eax
        mov     ax, ss
        shl     eax, 4
        movzx   edx, sp
        add     eax, edx
        mov     dx, PORT_BIOSCALL
        out     dx, eax                 ; the host serves the call here
        add     sp, 4
        popad
        pop     ds
        pop     es
        iret

; --- INT 13h: disk services, all served by the host (bioscall.rs `int13`) -----------------
int13:
        HOSTCALL HC_INT13

; --- Print the ASCIZ string at CS:SI on the host's standard error ---------------------------
host_log:
        push    ds
        push    cs
        pop     ds
        HOSTCALL_NEAR HC_LOG
        pop     ds
        ret
