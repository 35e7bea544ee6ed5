; bios.asm -- the IronPC BIOS: a 64 KiB PC/AT-compatible ROM for segment F000.
;
; Build (from the repository root; the result is checked in as roms/bios.bin):
;       nasm -f bin -I roms/bios/ -o roms/bios.bin roms/bios/bios.asm
;
; High-level emulation in the manner of DOSBox, with a standard face: the interrupt vectors,
; BIOS data area, fixed entry points and register interfaces are those of the IBM PC/AT
; BIOS and Ralf Brown's Interrupt List, and all of it is ordinary real-mode code -- except
; the services that need the host (disk sectors, the INT 15h block move, messages for the
; user), which trap to the emulator through port 5A0h (hostcall.asm, and on the host side
; crates/ironpc-machine/src/bioscall.rs).
;
; Layout of the segment: code and tables from offset 0; the IBM PC/AT fixed entry points
; and tables from E05Bh up (each a jump to the real handler, or the table itself); the
; reset vector at FFF0h.
;
; Files:  post.asm    power-on self test, IVT/BDA set-up, option ROMs, banner
;         hostcall.asm the trap to the host; INT 13h (disks)
;         int10.asm   video (VGA text modes 00h-03h, graphics 12h and 13h)
;         vga.asm     the VGA registers, palettes, fonts, graphics text, scrolling
;         vbe.asm     VESA BIOS Extensions 3.0 (INT 10h AH=4Fh) on the Bochs DISPI adapter
;         int15.asm   system services (E820, A20, waits, block move...)
;         int16.asm   keyboard: INT 09h (IRQ 1) and INT 16h
;         int1a.asm   time: INT 08h (IRQ 0), INT 1Ah, INT 70h (IRQ 8)
;         misc.asm    INT 11h/12h/14h/17h/18h/19h, default handlers, console helpers
;         vgatables.inc, kbdtables.inc  register and key tables

        cpu     686
        bits    16
        org     0

%include "defs.inc"

rom_start:
%include "misc.asm"
%include "hostcall.asm"
%include "post.asm"
%include "int10.asm"
%include "vga.asm"
%include "vbe.asm"
%include "int15.asm"
%include "int16.asm"
%include "int1a.asm"
%include "vgatables.inc"
%include "kbdtables.inc"

; The fonts: 256 characters, 16 and 8 bytes each (from roms/fonts/).
        align   16
font8x16:
        incbin  "../fonts/vga8x16.bin", 0, 4096
font8x8:
        incbin  "../fonts/vga8x8.bin", 0, 2048

; --- IBM PC/AT fixed entry points and tables ----------------------------------------------
        FIXED   0xE05B
post_entry:
        jmp     post

        FIXED   0xE2C3
nmi_entry:
        iret

        FIXED   0xE3FE
        jmp     int13

        FIXED   0xE6F2
        jmp     int19

        FIXED   0xE6F5
; INT 15h AH=C0h: system configuration table.
config_table:
        dw      8                       ; bytes that follow
        db      0xFC                    ; model: AT
        db      0x01                    ; submodel
        db      0x00                    ; BIOS revision
        db      0x74                    ; 2nd 8259, RTC, INT 09h calls INT 15h/4Fh, EBDA
        db      0x40                    ; INT 16h AH=09h supported
        db      0, 0, 0

        FIXED   0xE729
; Baud rate divisors for INT 14h AH=00h: 110 150 300 600 1200 2400 4800 9600.
baud_table:
        dw      1047, 768, 384, 192, 96, 48, 24, 12

        FIXED   0xE739
        jmp     int14

        FIXED   0xE82E
        jmp     int16

        FIXED   0xE987
        jmp     int09

        FIXED   0xEC59
        jmp     int13                   ; the diskette services (INT 40h)

        FIXED   0xEF57
        jmp     irq_master_default      ; diskette controller IRQ 6 (INT 0Eh)

        FIXED   0xEFC7
; INT 1Eh: diskette parameter table (1.44 MB drive).
diskette_params:
        db      0xDF, 0x02, 0x25, 0x02, 18, 0x1B, 0xFF, 0x6C, 0xF6, 0x0F, 0x08

        FIXED   0xEFD2
        jmp     int17

        FIXED   0xF065
        jmp     int10

        FIXED   0xF0A4
; INT 1Dh: the CGA video parameter table (kept for programs that read the vector; the VGA
; register values live in vgatables.inc).
video_params_cga:
        db      0x38, 0x28, 0x2D, 0x0A, 0x1F, 0x06, 0x19, 0x1C, 0x02, 0x07, 0x06, 0x07, 0, 0, 0, 0
        db      0x71, 0x50, 0x5A, 0x0A, 0x1F, 0x06, 0x19, 0x1C, 0x02, 0x07, 0x06, 0x07, 0, 0, 0, 0
        db      0x38, 0x28, 0x2D, 0x0A, 0x7F, 0x06, 0x64, 0x70, 0x02, 0x01, 0x06, 0x07, 0, 0, 0, 0
        db      0x61, 0x50, 0x52, 0x0F, 0x19, 0x06, 0x19, 0x19, 0x02, 0x0D, 0x0B, 0x0C, 0, 0, 0, 0
        dw      0x0800, 0x1000, 0x4000, 0x4000
        db      40, 40, 80, 80, 40, 40, 80, 80
        db      0x2C, 0x28, 0x2D, 0x29, 0x2A, 0x2E, 0x1E, 0x29

        FIXED   0xF841
        jmp     int12

        FIXED   0xF84D
        jmp     int11

        FIXED   0xF859
        jmp     int15

        FIXED   0xFA6E
; The first 128 characters of the 8x8 font at their CGA address.
        incbin  "../fonts/vga8x8.bin", 0, 1024

        FIXED   0xFE6E
        jmp     int1a

        FIXED   0xFEA5
        jmp     int08

        FIXED   0xFF53
dummy_iret:
        iret
        ; FF54h: INT 05h, print screen (no printer).
        iret

        FIXED   0xFFF0
reset_vector:
        jmp     BIOS_SEG:post_entry

        FIXED   0xFFF5
        db      "11/26/26"              ; BIOS date
        db      0
        FIXED   0xFFFE
        db      0xFC                    ; model byte: AT
        db      0x00
