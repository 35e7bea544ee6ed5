; calc.asm -- a 512-byte boot sector: an integer calculator you can type into.
;
; Build:  nasm -f bin -o calc.bin calc.asm
; Run:    put calc.bin in the first sector of a floppy image and boot it
;         (ironpc -fda calc.img); see README.md in this directory.
;
; It prints a prompt, reads a line with the BIOS keyboard service (INT 16h AH=00h) and
; echoes it with the BIOS teletype (INT 10h AH=0Eh); Backspace erases the last character.
; Enter evaluates the line as an infix expression of 32-bit signed integers:
;
;   expr   := term   { ('+' | '-') term }
;   term   := factor { ('*' | '/' | '%') factor }
;   factor := number | '(' expr ')' | '-' factor
;
; with the usual precedence, left to right, '/' and '%' truncating toward zero (IDIV),
; blanks ignored. The result is printed on the next line. Errors:
;
;   ^ syntax error     the caret points at the first character that does not fit
;   division by zero   IDIV raised the CPU's divide error (INT 0), which we hook; the
;                      quotient overflow of -2147483648 / -1 raises it too
;   overflow           a number, sum, difference, product or negation beyond 32 bits
;
; Only BIOS services are used; the 386's 32-bit registers are used in real mode.
;
; Escape cancels the line. Test hook: it also writes to port 0xF4, IronPC's exit device
; (like QEMU's isa-debug-exit), which ends an IronPC run with status 1; on a PC without
; that device the write goes nowhere and the calculator simply shows a new prompt.

        bits    16
        org     0x7C00

LINE    equ     0x0600                  ; the line buffer (free memory below the boot sector)
MAXLEN  equ     70                      ; characters per line ("> " + 70 fits in 80 columns)

start:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        jmp     0:main                  ; CS = 0, whatever CS:IP the BIOS jumped with

main:
        mov     word [0 * 4], divide_error ; INT 0 (the divide error) comes to us
        mov     [0 * 4 + 2], ax
        mov     ax, 0x0003              ; 80x25 text mode: a clear screen
        int     0x10
        mov     si, banner
error:  call    puts                    ; (errors come here with their message in SI)
new_line:
        mov     si, newline_s
        call    puts

; --- Read a line ------------------------------------------------------------------------
prompt:
        mov     sp, 0x7C00              ; errors come back here from any depth
        sti                             ; (the divide-error handler runs with IF = 0)
        cld
        mov     si, prompt_s
        call    puts
        mov     di, LINE
.key:   xor     ah, ah                  ; wait for a key: AL = ASCII, AH = scan code
        int     0x16
        cmp     al, 0x1B                ; Escape: the test hook, then cancel the line
        je      .escape
        cmp     al, 0x0D                ; Enter
        je      .enter
        cmp     al, 0x08                ; Backspace
        je      .backspace
        cmp     al, ' '                 ; other control keys, and keys without ASCII
        jb      .key
        cmp     di, LINE + MAXLEN       ; the line is full
        jae     .key
        stosb
        call    putc                    ; echo
        jmp     .key
.backspace:
        cmp     di, LINE                ; nothing to erase
        je      .key
        dec     di
        mov     si, erase_s             ; back, blank, back
        call    puts
        jmp     .key
.escape:
        out     0xF4, al                ; IronPC's exit port (test hook; see above)
        jmp     new_line
.enter:
        mov     byte [di], 0            ; the line ends with a zero byte
        mov     si, newline_s
        call    puts
        mov     si, LINE
        call    peek
        jcxz    prompt                  ; an empty line: just a new prompt (CL = 0)
        call    expr                    ; EAX = the value
        call    peek
        test    cl, cl                  ; all of the line must be used
        jnz     syntax_error
        jmp     print_num

; --- The expression evaluator: SI walks the line, EAX holds values ------------------------

; peek: skip blanks at SI; CL = the next character (0 at the end of the line), CH = 0.
peek:
        xor     cx, cx
.skip:  mov     cl, [si]
        cmp     cl, ' '
        jne     ret_
        inc     si
        jmp     .skip
ret_:   ret

; expr: EAX = term { (+|-) term }
expr:
        call    term
.next:  call    peek
        cmp     cl, '+'
        je      .op
        cmp     cl, '-'
        jne     ret_
.op:    inc     si
        push    eax                     ; left operand
        push    cx                      ; operator
        call    term                    ; EAX = right operand
        pop     cx
        pop     ebx
        xchg    eax, ebx                ; EAX = left, EBX = right
        cmp     cl, '+'
        jne     .sub
        add     eax, ebx
        jmp     .check
.sub:   sub     eax, ebx
.check: jo      overflow
        jmp     .next

; term: EAX = factor { (*|/|%) factor }
term:
        call    factor
.next:  call    peek
        cmp     cl, '*'
        je      .op
        cmp     cl, '/'
        je      .op
        cmp     cl, '%'
        jne     ret_
.op:    inc     si
        push    eax
        push    cx
        call    factor
        xchg    eax, ebx                ; EBX = right operand
        pop     cx
        pop     eax                     ; EAX = left operand
        cmp     cl, '*'
        jne     .div
        imul    ebx                     ; EDX:EAX; OF when it does not fit in EAX
        jo      overflow
        jmp     .next
.div:   cdq
        idiv    ebx                     ; a zero divisor raises INT 0: divide_error
        cmp     cl, '%'
        jne     .next
        xchg    eax, edx                ; the remainder
        jmp     .next

; factor: EAX = number | ( expr ) | - factor
factor:
        call    peek
        inc     si
        cmp     cl, '('
        jne     .neg
        call    expr
        call    peek
        inc     si
        cmp     cl, ')'
        jne     .bad
        ret
.neg:   cmp     cl, '-'
        jne     .num
        call    factor
        neg     eax                     ; OF for -(-2147483648)
        jo      overflow
.ret:   ret
.num:   dec     si
        sub     cl, '0'
        cmp     cl, 9
        ja      syntax_error            ; not a digit
        xor     eax, eax
.digit: movzx   ebx, byte [si]
        sub     bl, '0'
        cmp     bl, 9
        ja      .ret                    ; the end of the number
        inc     si
        imul    eax, eax, 10
        jo      overflow
        add     eax, ebx
        jo      overflow
        jmp     .digit
.bad:   dec     si                      ; point at the character instead of ')'
        ; fall through

; --- Errors: a message, then a new prompt (which resets the stack) -----------------------
syntax_error:
        lea     cx, [si - LINE + 2]     ; the column of SI's character, after "> "
.pad:   mov     al, ' '
        call    putc
        loop    .pad
        mov     si, syntax_s
        jmp     error
overflow:
        mov     si, overflow_s
        jmp     error
divide_error:                           ; INT 0: the CPU pushed FLAGS, CS, IP; forget them
        mov     si, divide_s
        jmp     error

; --- Output -------------------------------------------------------------------------------

; print_num: EAX as a signed decimal number, then a new line and the next prompt.
print_num:
        test    eax, eax
        jns     .pos
        push    eax
        mov     al, '-'
        call    putc
        pop     eax
        neg     eax                     ; -2147483648 stays 80000000h: right as unsigned
.pos:   xor     cx, cx                  ; digits pushed
        xor     ebx, ebx
        mov     bl, 10
.div:   xor     edx, edx
        div     ebx
        push    dx
        inc     cx
        test    eax, eax
        jnz     .div
.out:   pop     ax
        add     al, '0'
        call    putc
        loop    .out
        jmp     new_line

; puts: the zero-terminated string at SI.
puts:
        lodsb
        test    al, al
        jz      putc.ret
        call    putc
        jmp     puts

; putc: AL through the BIOS teletype (page 0); keeps all registers.
putc:
        pusha
        mov     ah, 0x0E
        xor     bx, bx
        int     0x10
        popa
.ret:   ret

banner:         db      "Calculator: + - * / % ( )", 0
prompt_s:       db      "> ", 0
newline_s:      db      13, 10, 0
erase_s:        db      8, " ", 8, 0
syntax_s:       db      "^ syntax error", 0
overflow_s:     db      "overflow", 0
divide_s:       db      "division by zero", 0

        times   510 - ($ - $$) db 0     ; (nasm stops here if the code grew too big)
        dw      0xAA55
