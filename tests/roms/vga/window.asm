; window.asm -- the text screen of text.asm with the cursor off (so the picture does not
; change with time), then echo keyboard scan codes in hex on port 0xE9 forever: the window
; test types into the window and ends the run with Ctrl+Alt+Q.
%define ECHO_LINES                      ; one scan code per line
%include "vga.inc"

        ROM_START
        call    text_mode
        call    draw_text_screen
        OUTW    0x3D4, 0x0A, 0x20       ; cursor off
        call    kbd_init
        mov     al, 'R'                 ; ready
        out     0xE9, al
        mov     al, 10
        out     0xE9, al
.wait:  sti
        hlt
        jmp     .wait

        VGA_CODE
        ROM_END
