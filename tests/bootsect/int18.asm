; int18.asm -- a boot sector that gives up through INT 18h, as an MBR without an active
; partition does: the BIOS goes on with the next boot device.

%include "lib.inc"
        BOOT_END

main:
        PRINT   "floppy gives up"
        call    nl
        int     0x18
        EXIT    0x7E
        PROGRAM_END
