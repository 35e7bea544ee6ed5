; text.asm -- mode 03h set up from scratch (registers, EGA palette, the 8x16 font loaded into
; plane 2), then a known screen: all 256 characters, the 16 colours, a box, the cursor.
; Compared with tests/golden/text.png (--screendump) and text.txt (--textdump).
; -DTRIPLE ends in a triple fault, -DLOOP never ends: the dumps must be written all the same.
%include "vga.inc"

        ROM_START
        call    text_mode
        call    draw_text_screen
%ifdef TRIPLE
        lidt    [cs:null_idt]           ; an empty IVT: INT 3 faults, and so on: triple fault
        int     3
%endif
%ifdef LOOP
.idle:  jmp     .idle                   ; spin until the run's --timeout
%endif
        EXIT    0
null_idt:
        dw      0
        dd      0

        VGA_CODE
        ROM_END
