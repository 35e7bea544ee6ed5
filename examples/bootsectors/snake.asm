; snake.asm -- a 512-byte boot sector: Snake in VGA mode 13h (320x200, 256 colours).
;
; Build:  nasm -f bin -o snake.bin snake.asm
; Run:    put snake.bin in the first sector of a floppy image and boot it
;         (ironpc -fda snake.img); see README.md in this directory.
;
; The screen is a grid of 40x25 cells of 8x8 pixels (each drawn as a 7x7 square), written
; straight to the frame buffer at A000:0000. Row 0 is the status line ("Score N", written
; with the BIOS teletype, which also copies it to IronPC's debug console); rows 1 and 24
; and columns 0 and 39 are the wall. The snake starts in row 12, four cells long, heading
; right, and waits for the first key. The first apple lies straight ahead in its row;
; later apples come from a linear congruential generator with a fixed seed that is
; stepped once per move, so where they appear depends only on the moves played, never on
; a clock: a game (and IronPC's --keys, typed in guest time) is repeatable.
;
; Keys (INT 16h AH=01h/00h): W A S D or the arrow keys steer (turning back into the neck
; is ignored; of several keys typed within one move the last one counts). The snake moves
; one cell every 110 ms (INT 15h AH=86h, the BIOS's microsecond wait). What is in the
; cell ahead is read back from video memory: black is free, the apple's colour is food
; (score + 1, one cell longer), anything else ends the game with "GAME OVER"; Enter then
; starts a new one.
;
; Escape: test hook. It writes the score to port 0xF4, IronPC's exit device (like QEMU's
; isa-debug-exit), which ends an IronPC run with status score * 2 + 1. On a PC without
; that device the write goes nowhere and a new game starts.

        bits    16
        org     0x7C00

ROW     equ     320 * 8                 ; bytes from one cell row to the next
QUEUE   equ     0x1000                  ; segment of the snake's cells, tail to head: a ring
                                        ; of 32768 words (FS:HEAD, FS:TAIL wrap by themselves)

; Variables (segment 0, below the boot sector)
HEAD    equ     0x0500                  ; ring offset of the head's entry
TAIL    equ     0x0502                  ; ring offset of the tail's entry
DIR     equ     0x0504                  ; the step of the next move (+-8, +-ROW)
MOVED   equ     0x0506                  ; the step of the last move
SCORE   equ     0x0508

; Colours of the default VGA palette
WALL    equ     8                       ; dark grey
BODY    equ     2                       ; green
HEADC   equ     10                      ; light green
APPLE   equ     12                      ; light red
TEXT    equ     15                      ; white

start:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     ss, ax
        mov     sp, 0x7C00
        sti
        cld
        push    QUEUE
        pop     fs
        jmp     0:new_game              ; CS = 0, whatever CS:IP the BIOS jumped with

new_game:
        mov     sp, 0x7C00
        mov     ax, 0x0013              ; mode 13h; clears the screen
        int     0x10
        ; Variables: the head's entry is the fourth, score 0, heading right.
        push    ds
        pop     es
        mov     di, HEAD
        mov     ax, 6
        stosw                           ; HEAD = 6
        xor     ax, ax
        stosw                           ; TAIL = 0
        mov     al, 8
        stosw                           ; DIR = right
        stosw                           ; MOVED = right
        xor     ax, ax
        stosw                           ; SCORE = 0
        push    0xA000                  ; ES = the frame buffer from now on
        pop     es

        ; The wall: fill pixel rows 8-199 (cell rows 1-24), then clear the inside
        ; (pixel rows 16-191, columns 8-311).
        mov     al, WALL
        mov     di, 1 * ROW
        mov     cx, 192 * 320
        rep     stosb
        xor     ax, ax
        mov     di, 2 * ROW + 8
        mov     dx, 176
.clear: mov     cx, 304
        rep     stosb
        add     di, 16
        dec     dx
        jnz     .clear

        ; The snake: row 12, columns 5-8 (tail to head), and the first apple in its way.
        xor     bx, bx
        mov     di, 12 * ROW + 5 * 8
        mov     cl, 4
        mov     al, BODY
.body:  mov     [fs:bx], di
        call    cell
        inc     bx
        inc     bx
        add     di, 8
        loop    .body
        sub     di, 8
        mov     al, HEADC
        call    cell
        mov     di, 12 * ROW + 20 * 8
        mov     al, APPLE
        call    cell
        call    show_score

        xor     ah, ah                  ; the first key starts the game
        int     0x16
        call    key

; --- The game loop: wait two ticks, read the keys, move ----------------------------------
step:
        mov     ah, 0x86                ; wait 110 ms (CX:DX microseconds)
        mov     cx, 110000 >> 16
        mov     dx, 110000 & 0xFFFF
        int     0x15
.keys:  mov     ah, 0x01                ; any key waiting?
        int     0x16
        jz      .move
        xor     ah, ah                  ; take it
        int     0x16
        call    key
        jmp     .keys

.move:  call    random                  ; stir the generator once per move
        mov     ax, [DIR]
        mov     [MOVED], ax
        mov     bx, [HEAD]
        mov     si, [fs:bx]             ; SI = the head's cell
        mov     di, si
        add     di, ax                  ; DI = the cell ahead
        mov     cl, [es:di]             ; what is there?
        test    cl, cl
        jz      .go
        cmp     cl, APPLE
        jne     game_over
.go:    xchg    si, di
        mov     al, BODY                ; the old head becomes body
        call    cell
        xchg    si, di
        mov     al, HEADC
        call    cell
        inc     bx
        inc     bx
        mov     [HEAD], bx
        mov     [fs:bx], di
        test    cl, cl
        jnz     .eat
        mov     bx, [TAIL]              ; no apple: the tail's cell is cleared
        mov     di, [fs:bx]
        xor     al, al
        call    cell
        inc     bx
        inc     bx
        mov     [TAIL], bx
        jmp     step
.eat:   inc     word [SCORE]            ; an apple: the tail stays, so the snake grows
        call    show_score
.apple: call    random                  ; a new apple in a random free cell
        xor     dx, dx
        mov     cx, 38 * 22             ; rows 2-23, columns 1-38
        div     cx
        xchg    ax, dx
        mov     cl, 38
        div     cl                      ; AL = row - 2, AH = column - 1
        movzx   bx, ah
        inc     bx
        shl     bx, 3                   ; BX = column * 8
        xor     ah, ah
        add     al, 2
        mov     dx, ROW
        mul     dx
        add     ax, bx
        xchg    di, ax
        cmp     byte [es:di], 0
        jne     .apple                  ; taken: try again
        mov     al, APPLE
        call    cell
        jmp     step

game_over:
        mov     ah, 0x02                ; cursor to row 0, column 15
        xor     bh, bh
        mov     dx, 15
        int     0x10
        mov     si, over_s
        call    puts
.key:   xor     ah, ah
        int     0x16
        cmp     al, 0x1B
        je      exit
        cmp     al, 0x0D                ; Enter: a new game
        jne     .key
        jmp     new_game

; --- Subroutines --------------------------------------------------------------------------

; key: a key from INT 16h (AL = ASCII, AH = scan code): Escape exits, the steering keys
; set DIR unless they point back where the snake came from.
key:
        cmp     al, 0x1B
        je      exit
        xchg    dx, ax                  ; DH = the key's scan code
        mov     si, keys
        mov     cx, 4
.find:  lodsw                           ; AL, AH = the scan codes of a direction's keys
        cmp     dh, al
        je      .hit
        cmp     dh, ah
        je      .hit
        lodsw                           ; (its step)
        loop    .find
        ret
.hit:   lodsw                           ; AX = the step
        mov     dx, ax
        add     dx, [MOVED]
        jz      .ret                    ; straight back into the neck: ignored
        mov     [DIR], ax
.ret:   ret

; exit: the score to IronPC's exit port (test hook), then a new game.
exit:
        mov     al, [SCORE]
        out     0xF4, al
        jmp     new_game

; random: AX = the next value of a 16-bit linear congruential generator.
random:
        mov     ax, 25173
        mul     word [seed]
        add     ax, 13849
        mov     [seed], ax
        ret
seed:   dw      0x1D0C                  ; the generator's state (not reset by a new game)

; show_score: "Score N" on the status line (and the debug console), then CR LF.
show_score:
        mov     ah, 0x02                ; cursor to row 0, column 0
        xor     bh, bh
        xor     dx, dx
        int     0x10
        mov     si, score_s
        call    puts
        mov     ax, [SCORE]
        call    print_dec
        mov     si, crlf_s
        jmp     puts

; print_dec: AX in decimal (recursively: the higher digits first).
print_dec:
        xor     dx, dx
        mov     cx, 10
        div     cx
        push    dx
        test    ax, ax
        jz      .digit
        call    print_dec
.digit: pop     ax
        add     al, '0'
        jmp     putc

; cell: fill the 7x7 square at ES:DI with colour AL; keeps all registers.
cell:
        pusha
        mov     dx, 7
.row:   mov     cx, 7
        rep     stosb
        add     di, 320 - 7
        dec     dx
        jnz     .row
        popa
        ret

; puts: the zero-terminated string at SI in colour TEXT.
puts:
        lodsb
        test    al, al
        jz      putc.ret
        call    putc
        jmp     puts

; putc: AL through the BIOS teletype, in colour TEXT.
putc:
        mov     ah, 0x0E
        mov     bx, TEXT
        int     0x10
.ret:   ret

; The steering keys: scan code of the letter, of the arrow, and the step.
keys:   db      0x11, 0x48
        dw      -ROW                    ; W, Up
        db      0x1F, 0x50
        dw      ROW                     ; S, Down
        db      0x1E, 0x4B
        dw      -8                      ; A, Left
        db      0x20, 0x4D
        dw      8                       ; D, Right

score_s:        db      "Score ", 0
over_s:         db      "GAME OVER"
crlf_s:         db      13, 10, 0

        times   510 - ($ - $$) db 0     ; (nasm stops here if the code grew too big)
        dw      0xAA55
