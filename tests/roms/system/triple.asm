; triple.asm -- a triple fault (SDM vol. 3 6.15, interrupt 8: "if another exception occurs
; while the processor is attempting to call the #DF handler, the processor enters shutdown
; mode"; on a PC the chipset turns shutdown into a reset).
;   First boot: CMOS RAM byte 40h is not A5h: set it to A5h, enter protected mode with an
;   empty IDT (limit 0) and execute UD2: #UD -> #GP (gate beyond the IDT limit) -> #GP
;   again -> #DF -> #GP -> shutdown.
;   With -no-reboot the run ends there (exit status 2, the triple fault on stderr).
;   Without it the machine resets and this ROM starts again: CMOS byte 40h is A5h, so this
;   is the second boot: check the reset state, clear the mark, exit 0 through port F4h.
%include "lib.inc"

        ROM_START
        mov     al, 0x40
        out     0x70, al
        in      al, 0x71
        cmp     al, 0xA5
        je      second_boot

        SAY     "first boot: triple fault ahead"
        mov     al, 0x40
        out     0x70, al
        mov     al, 0xA5
        out     0x71, al
        call    gdt_install
        o32 lidt [cs:empty_idt]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     dword SEL_CODE32:(pm32 + ROMBASE)
        bits    32
pm32:   mov     ax, SEL_DATA32
        mov     ds, ax
        mov     ss, ax
        mov     esp, 0x90000
        ud2
        ; Not reached: report a failure if the processor ever came back here.
        mov     al, 0x7F
        out     0xF4, al
        cli
        hlt
        bits    16

second_boot:
        SAY     "second boot: the triple fault reset the machine"
        mov     al, 0x40
        out     0x70, al
        mov     al, 0
        out     0x71, al
        smsw    ax
        and     ax, 1
        CHKW    1, ax, 0, "after the reset the CPU is in real mode"
        mov     ax, cs
        CHKW    2, ax, 0xF000, "and started at F000:FFF0"
        mov     al, 0x40
        out     0x70, al
        in      al, 0x71
        CHKB    3, al, 0, "CMOS byte 40h cleared"
        FINISH

empty_idt:
        dw      0
        dd      0

        LIB_CODE
        ROM_END
