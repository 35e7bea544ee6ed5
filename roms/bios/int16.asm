; int16.asm -- the keyboard: INT 09h (IRQ 1) fills the BIOS keyboard buffer, INT 16h reads it.
;
; INT 09h reads the scan code (set 1: the 8042 translates), offers it to INT 15h AH=4Fh,
; keeps the shift state at 40:17/40:18/40:96, translates the key with kbdtables.inc (US
; layout; Caps Lock for letters, Num Lock for the keypad, Alt + keypad digits), and stores
; scan << 8 | ASCII in the ring buffer at 40:1E (head 40:1A, tail 40:1C, bounds 40:80/82).
; Ctrl+Alt+Del pulses the reset line through the 8042. LEDs are not driven.
;
; INT 16h: 00h/10h read (waits with HLT), 01h/11h peek (ZF = 1: none), 02h/12h shift
; flags, 03h typematic (accepted), 05h store CX, 09h capabilities, 0Ah keyboard ID.
; 00h/01h give only the keys of the 84-key keyboard: grey keys lose their E0h, keys
; beyond scan 84h are skipped.

int09:
        push    ax
        push    bx
        push    ds
        push    BDA_SEG
        pop     ds
        in      al, KBD_DATA
        mov     ah, 0x4F                ; keyboard intercept: CF = 0 drops the key
        stc
        int     0x15
        jnc     .eoi
        cmp     al, 0xE0
        jne     .not_e0
        or      byte [BDA_KBMODE], 0x02
        jmp     .eoi
.not_e0:
        cmp     al, 0xE1                ; Pause: E1 1D 45 E1 9D C5, ignored
        jne     .not_e1
        or      byte [BDA_KBMODE], 0x01
        jmp     .eoi
.not_e1:
        test    byte [BDA_KBMODE], 0x01
        jz      .key
        mov     ah, al
        and     ah, 0x7F
        cmp     ah, 0x45
        jne     .eoi
        and     byte [BDA_KBMODE], 0xFE
        jmp     .eoi
.key:   mov     ah, [BDA_KBMODE]        ; AH bit 1: this byte had an E0h prefix
        and     byte [BDA_KBMODE], 0xFD
        mov     bl, al
        and     bl, 0x7F                ; BL = make code
        mov     bh, al
        and     bh, 0x80                ; BH = 80h on release
        cmp     bl, 0x2A
        je      .lshift
        cmp     bl, 0x36
        je      .rshift
        cmp     bl, 0x1D
        je      .ctrl
        cmp     bl, 0x38
        je      .alt
        cmp     bl, 0x3A
        je      .caps
        cmp     bl, 0x45
        je      .num
        cmp     bl, 0x46
        je      .scroll
        test    bh, bh
        jnz     .eoi                    ; releases of other keys
        cmp     bl, 0x53                ; Ctrl+Alt+Del
        jne     .ins
        mov     al, [BDA_KBFLAGS]
        and     al, 0x0C
        cmp     al, 0x0C
        jne     .ins
        mov     word [BDA_RESET_FLAG], 0x1234
        call    kbc_wait
        mov     al, 0xFE                ; pulse the reset line
        out     KBD_STATUS, al
        jmp     .eoi
.ins:   cmp     bl, 0x52                ; Insert toggles 40:17 bit 7 (not keypad 0 as a digit)
        jne     .xlat
        test    ah, 0x02
        jnz     .ins_t
        mov     al, [BDA_KBFLAGS]
        test    al, 0x20
        jz      .ins_t
        test    al, 0x03
        jz      .xlat
.ins_t: xor     byte [BDA_KBFLAGS], 0x80
.xlat:  call    kbd_translate
        test    ax, ax
        jz      .eoi
        call    kb_put
.eoi:   cli
        mov     al, 0x20
        out     PIC1_CMD, al
        pop     ds
        pop     bx
        pop     ax
        iret

.lshift:
        test    ah, 0x02                ; E0 2A: a "fake" shift around grey keys
        jnz     .eoi
        mov     al, 0x02
        jmp     .shift_bit
.rshift:
        test    ah, 0x02
        jnz     .eoi
        mov     al, 0x01
.shift_bit:
        test    bh, bh
        jnz     .clear
        or      [BDA_KBFLAGS], al
        jmp     .eoi
.clear: not     al
        and     [BDA_KBFLAGS], al
        jmp     .eoi

.ctrl:  mov     al, 0x04                ; right Ctrl: 40:96 bit 2; left: 40:18 bit 0
        mov     bl, 0x01
        jmp     .ctrl_alt
.alt:   mov     al, 0x08                ; right Alt: 40:96 bit 3; left: 40:18 bit 1
        mov     bl, 0x02
        test    bh, bh
        jz      .ctrl_alt
        ; Alt released: a number typed on the keypad becomes a key.
        push    ax
        movzx   ax, byte [BDA_ALTNUM]
        mov     byte [BDA_ALTNUM], 0
        test    al, al
        jz      .no_altnum
        call    kb_put
.no_altnum:
        pop     ax
.ctrl_alt:
        test    ah, 0x02
        jz      .left
        test    bh, bh
        jnz     .r_up
        or      [BDA_KBMODE], al
        jmp     .both
.r_up:  not     al
        and     [BDA_KBMODE], al
        not     al
        jmp     .both
.left:  test    bh, bh
        jnz     .l_up
        or      [BDA_KBFLAGS2], bl
        jmp     .both
.l_up:  not     bl
        and     [BDA_KBFLAGS2], bl
        not     bl
.both:  ; 40:17 Ctrl/Alt bit = left or right held
        mov     ah, [BDA_KBMODE]
        and     ah, al
        shr     al, 2                   ; 04h -> 01h (Ctrl), 08h -> 02h (Alt)
        test    [BDA_KBFLAGS2], al
        jnz     .on
        test    ah, ah
        jnz     .on
        shl     al, 2
        not     al
        and     [BDA_KBFLAGS], al
        jmp     .eoi
.on:    shl     al, 2
        or      [BDA_KBFLAGS], al
        jmp     .eoi

.caps:  mov     al, 0x40
        jmp     .lock
.num:   mov     al, 0x20
        jmp     .lock
.scroll:
        mov     al, 0x10
        test    bh, bh
        jnz     .lock
        test    byte [BDA_KBFLAGS], 0x04        ; Ctrl+Scroll Lock: Break
        jz      .lock
        or      byte [BDA_BREAK], 0x80
        int     0x1B
        push    ax
        xor     ax, ax
        call    kb_put
        pop     ax
        jmp     .eoi
.lock:  ; 40:18 has the "held" bit: a toggle happens once per press.
        test    bh, bh
        jnz     .lock_up
        test    [BDA_KBFLAGS2], al
        jnz     .eoi
        or      [BDA_KBFLAGS2], al
        xor     [BDA_KBFLAGS], al
        jmp     .eoi
.lock_up:
        not     al
        and     [BDA_KBFLAGS2], al
        jmp     .eoi

; kbd_translate: BL = make code, AH bit 1 = E0h prefix -> AX = key word (0: none).
kbd_translate:
        push    bx
        push    cx
        push    si
        mov     cl, [BDA_KBFLAGS]
        test    ah, 0x02
        jnz     .e0
        cmp     bl, 0x58
        ja      .none
        movzx   si, bl
        shl     si, 3                   ; 4 words per scan code
        test    cl, 0x08
        jnz     .alt
        test    cl, 0x04
        jnz     .ctrl
        xor     ch, ch                  ; CH = 1: use the shifted column
        test    cl, 0x03
        jz      .caps
        mov     ch, 1
.caps:  mov     al, [cs:kbd_map + si]
        cmp     al, 'a'
        jb      .pad
        cmp     al, 'z'
        ja      .pad
        test    cl, 0x40
        jz      .pick
        xor     ch, 1
        jmp     .pick
.pad:   cmp     bl, 0x47                ; the keypad, not - and +: Num Lock
        jb      .pick
        cmp     bl, 0x53
        ja      .pick
        cmp     bl, 0x4A
        je      .pick
        cmp     bl, 0x4E
        je      .pick
        test    cl, 0x20
        jz      .pick
        xor     ch, 1
.pick:  test    ch, ch
        jz      .normal
        mov     ax, [cs:kbd_map + si + 2]
        jmp     .out
.normal:
        mov     ax, [cs:kbd_map + si]
        jmp     .out
.ctrl:  mov     ax, [cs:kbd_map + si + 4]
        jmp     .out
.alt:   cmp     bl, 0x47                ; Alt + keypad digit: compose a character code
        jb      .alt_key
        cmp     bl, 0x52
        ja      .alt_key
        mov     al, [cs:kbd_map + si + 2]
        cmp     al, '0'
        jb      .alt_key
        cmp     al, '9'
        ja      .alt_key
        sub     al, '0'
        mov     ch, al
        mov     al, [BDA_ALTNUM]
        mov     ah, 10
        mul     ah
        add     al, ch
        mov     [BDA_ALTNUM], al
        jmp     .none
.alt_key:
        mov     ax, [cs:kbd_map + si + 6]
        jmp     .out
.e0:    mov     si, kbd_e0_map
.e0_next:
        cmp     byte [cs:si], 0
        je      .none
        cmp     [cs:si], bl
        je      .e0_found
        add     si, 9
        jmp     .e0_next
.e0_found:
        mov     ax, [cs:si + 7]         ; alt
        test    cl, 0x08
        jnz     .out
        mov     ax, [cs:si + 5]         ; ctrl
        test    cl, 0x04
        jnz     .out
        mov     ax, [cs:si + 1]
        test    cl, 0x03
        jz      .out
        mov     ax, [cs:si + 3]
        jmp     .out
.none:  xor     ax, ax
.out:   pop     si
        pop     cx
        pop     bx
        ret

; kb_put: store key AX at the buffer tail (DS = BDA); CF = 1 if the buffer is full.
kb_put:
        push    bx
        push    si
        mov     bx, [BDA_KBTAIL]
        lea     si, [bx + 2]
        cmp     si, [BDA_KBEND]
        jb      .room
        mov     si, [BDA_KBSTART]
.room:  cmp     si, [BDA_KBHEAD]
        je      .full
        mov     [bx], ax
        mov     [BDA_KBTAIL], si
        clc
        jmp     .r
.full:  stc
.r:     pop     si
        pop     bx
        ret

; kb_take: wait for a key and remove it from the buffer head -> AX (DS = BDA).
kb_take:
        cli
        push    bx
        mov     bx, [BDA_KBHEAD]
        cmp     bx, [BDA_KBTAIL]
        jne     .have
        pop     bx
        sti
        hlt                             ; STI's shadow: no interrupt is missed before HLT
        jmp     kb_take
.have:  mov     ax, [bx]
        add     bx, 2
        cmp     bx, [BDA_KBEND]
        jb      .ok
        mov     bx, [BDA_KBSTART]
.ok:    mov     [BDA_KBHEAD], bx
        pop     bx
        sti
        ret

; to_std: key AX as the 84-key functions give it; CF = 1 if they skip it.
to_std:
        cmp     ah, 0xE0                ; keypad Enter and / carry scan E0h
        jne     .grey
        mov     ah, 0x1C
        cmp     al, 0x2F
        jne     .keep
        mov     ah, 0x35
        jmp     .keep
.grey:  cmp     al, 0xE0
        jne     .ext
        test    ah, ah
        jz      .keep                   ; a real character E0h (Alt+224)
        xor     al, al
.ext:   cmp     ah, 0x84
        ja      .skip
.keep:  clc
        ret
.skip:  stc
        ret

int16:
        sti
        push    ds
        push    bx
        push    bp
        mov     bp, sp                  ; [bp + 10] = the caller's FLAGS
        push    BDA_SEG
        pop     ds
        cmp     ah, 0x00
        je      .get
        cmp     ah, 0x10
        je      .get_ext
        cmp     ah, 0x01
        je      .peek
        cmp     ah, 0x11
        je      .peek_ext
        cmp     ah, 0x02
        je      .shift
        cmp     ah, 0x12
        je      .shift_ext
        cmp     ah, 0x05
        je      .store
        cmp     ah, 0x09
        je      .caps
        cmp     ah, 0x0A
        je      .id
.done:  pop     bp
        pop     bx
        pop     ds
        iret
.get:   call    kb_take
        call    to_std
        jc      .get
        jmp     .done
.get_ext:
        call    kb_take
        jmp     .done
.peek:  cli
        mov     bx, [BDA_KBHEAD]
        cmp     bx, [BDA_KBTAIL]
        je      .none
        mov     ax, [bx]
        call    to_std
        jnc     .avail
        call    kb_take                 ; drop a key the 84-key functions skip
        jmp     .peek
.peek_ext:
        cli
        mov     bx, [BDA_KBHEAD]
        cmp     bx, [BDA_KBTAIL]
        je      .none
        mov     ax, [bx]
.avail: sti
        and     byte [bp + 10], 0xBF    ; ZF = 0: a key is there
        jmp     .done
.none:  sti
        or      byte [bp + 10], 0x40    ; ZF = 1: none
        jmp     .done
.shift: mov     al, [BDA_KBFLAGS]
        jmp     .done
.shift_ext:
        mov     al, [BDA_KBFLAGS2]
        mov     ah, al
        and     ah, 0x73                ; left Ctrl/Alt, Scroll/Num/Caps held
        test    al, 0x04                ; SysReq held -> bit 7
        jz      .no_sysreq
        or      ah, 0x80
.no_sysreq:
        mov     al, [BDA_KBMODE]
        and     al, 0x0C                ; right Ctrl/Alt
        or      ah, al
        mov     al, [BDA_KBFLAGS]
        jmp     .done
.store: push    ax
        mov     ax, cx
        cli
        call    kb_put
        sti
        pop     ax
        mov     al, 0
        jnc     .done
        mov     al, 1
        jmp     .done
.caps:  mov     al, 0x30                ; AH=0Ah and AH=10h-12h supported
        jmp     .done
.id:    pop     bp
        pop     bx
        pop     ds
        mov     bx, 0x41AB              ; MF2 keyboard, translation on
        iret
