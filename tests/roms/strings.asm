; strings.asm -- MOVS STOS LODS CMPS SCAS INS OUTS in byte/word/dword sizes, with REP,
; REPE and REPNE, DF = 0 and DF = 1, segment overrides on the source, 16-bit (a16) and 32-bit
; (a32, prefix 0x67) addressing, a zero count, early termination of REPE/REPNE with the
; final register values, overlapping copies, and faults in the middle of a REP STOS (#GP
; at a segment limit, #PF at a missing page that the handler maps before restarting) that
; must leave the registers describing the progress made (SDM vol. 2, "REP/REPE/REPZ/REPNE/
; REPNZ" and each instruction's operation section).
;   nasm -f bin -o strings.rom strings.asm
%include "lib.inc"

%define SRC_SEG   0x1000        ; linear 10000: bytes 00 01 02 ... FF 00 01 ...
%define DST_SEG   0x2000        ; linear 20000
%define ALT_SEG   0x3000        ; linear 30000: bytes 80 81 82 ...
%define V_FL      0x600         ; word: saved FLAGS
%define V_GPN     0x604         ; dword: #GP count (PM)
%define V_GPEDI   0x608         ; dword: EDI at the #GP
%define V_GPECX   0x60C         ; dword: ECX at the #GP
%define V_GPEIP   0x610         ; dword: saved EIP at the #GP
%define V_GPERR   0x614         ; dword: #GP error code
%define V_RESUME  0x618         ; dword: where the #GP handler resumes
%define IDT_RAM   0x1000        ; 32-bit IDT (PM part)
%define FLAGMASK  0x08D5        ; OF SF ZF AF PF CF
%define V_PFN     0x620         ; dword: #PF count
%define V_PFCR2   0x624
%define V_PFERR   0x628
%define V_PFEDI   0x62C
%define V_PFECX   0x630
%define V_PFEIP   0x634
%define PD        0x70000
%define PT0       0x71000
%define PT1       0x72000

; Save the arithmetic flags in [V_FL] (word), without changing anything else.
%macro SAVEFL 0
        pushf
        push    ax
        pushf
        pop     ax
        and     ax, FLAGMASK
        mov     [ss:V_FL], ax
        pop     ax
        popf
%endmacro

        ROM_START
        ; Fill the source segments: SRC[i] = i & FF, ALT[i] = (i & 7F) | 80, DST = EE.
        mov     ax, SRC_SEG
        mov     ds, ax
        xor     bx, bx
.f1:    mov     [bx], bl
        inc     bx
        jnz     .f1
        mov     ax, ALT_SEG
        mov     ds, ax
.f2:    mov     al, bl
        or      al, 0x80
        mov     [bx], al
        inc     bx
        jnz     .f2
        mov     ax, DST_SEG
        mov     ds, ax
.f3:    mov     byte [bx], 0xEE
        inc     bx
        jnz     .f3
        mov     ax, SRC_SEG
        mov     ds, ax
        mov     ax, DST_SEG
        mov     es, ax

        SAY     "MOVS"
        cld
        xor     si, si
        xor     di, di
        mov     cx, 10
        rep     movsb
        CHKW    1, cx, 0, "REP MOVSB: CX = 0 at the end"
        CHKW    2, si, 10, "REP MOVSB: SI advanced by 10"
        CHKW    3, di, 10, "REP MOVSB: DI advanced by 10"
        CHK     4, dword [es:0], 0x03020100, "REP MOVSB: first bytes copied"
        CHKB    5, byte [es:9], 9, "REP MOVSB: last byte copied"
        CHKB    6, byte [es:10], 0xEE, "REP MOVSB: nothing past the count"
        mov     si, 0x20
        mov     di, 0x40
        mov     cx, 4
        rep     movsw
        CHKW    7, si, 0x28, "REP MOVSW: SI + 8"
        CHKW    8, di, 0x48, "REP MOVSW: DI + 8"
        CHKW    9, word [es:0x46], 0x2726, "REP MOVSW: last word"
        mov     si, 0x30
        mov     di, 0x50
        mov     cx, 3
        rep     movsd
        CHKW    10, si, 0x3C, "REP MOVSD: SI + 12"
        CHKW    11, di, 0x5C, "REP MOVSD: DI + 12"
        CHK     12, dword [es:0x58], 0x3B3A3938, "REP MOVSD: last dword"
        movsb                                   ; no REP: exactly one element
        CHKW    13, si, 0x3D, "MOVSB without REP: one byte"
        CHKB    14, byte [es:0x5C], 0x3C, "MOVSB without REP: the byte"
        ; DF = 1 walks downwards.
        std
        mov     si, 0x13
        mov     di, 0x63
        mov     cx, 4
        rep     movsb
        cld
        CHKW    15, si, 0x0F, "STD REP MOVSB: SI - 4"
        CHKW    16, di, 0x5F, "STD REP MOVSB: DI - 4"
        CHK     17, dword [es:0x60], 0x13121110, "STD REP MOVSB: bytes 10..13 copied downwards"
        std
        mov     si, 0x30
        mov     di, 0x70
        mov     cx, 2
        rep     movsw
        cld
        CHKW    18, si, 0x2C, "STD REP MOVSW: SI - 4"
        CHK     19, dword [es:0x6E], 0x31302F2E, "STD REP MOVSW: words at 30 and 2E"
        std
        mov     si, 0x40
        mov     di, 0x80
        mov     cx, 2
        rep     movsd
        cld
        CHKW    20, di, 0x78, "STD REP MOVSD: DI - 8"
        CHK     21, dword [es:0x7C], 0x3F3E3D3C, "STD REP MOVSD: second dword from 3C"
        ; Segment override on the source (the destination is always ES).
        xor     si, si
        mov     di, 0x90
        mov     cx, 4
        mov     ax, ALT_SEG
        mov     fs, ax
        rep     fs movsb
        CHK     22, dword [es:0x90], 0x83828180, "REP FS: MOVSB reads FS:SI"
        mov     ax, SRC_SEG
        mov     gs, ax
        push    ds
        mov     ax, ALT_SEG
        mov     ds, ax
        mov     si, 4
        mov     di, 0x94
        mov     cx, 2
        rep     gs movsw
        pop     ds
        CHK     23, dword [es:0x94], 0x07060504, "REP GS: MOVSW reads GS:SI, not DS"
        ; Zero count: nothing happens, registers unchanged.
        mov     si, 0x100
        mov     di, 0x100
        xor     cx, cx
        rep     movsb
        CHKW    24, si, 0x100, "REP MOVSB with CX = 0: SI unchanged"
        CHKB    25, byte [es:0x100], 0xEE, "REP MOVSB with CX = 0: no store"
        ; a16 string instructions use CX/SI/DI only: the upper halves are untouched.
        mov     ecx, 0x12340003
        mov     esi, 0xABCD0000
        mov     edi, 0x56780200
        rep     movsb
        CHK     26, ecx, 0x12340000, "a16 REP MOVSB: only CX counts (ECX upper kept)"
        CHK     27, esi, 0xABCD0003, "a16 REP MOVSB: only SI advances"
        CHK     28, edi, 0x56780203, "a16 REP MOVSB: only DI advances"
        ; a32 (prefix 67) uses ECX/ESI/EDI.
        mov     ecx, 3
        mov     esi, 0x10
        mov     edi, 0x210
        a32 rep movsw
        CHK     29, ecx, 0, "a32 REP MOVSW: ECX = 0"
        CHK     30, esi, 0x16, "a32 REP MOVSW: ESI + 6"
        CHK     31, edi, 0x216, "a32 REP MOVSW: EDI + 6"
        CHK     32, dword [es:0x212], 0x15141312, "a32 REP MOVSW: data"
        ; a16 SI wraps at 64 KiB.
        mov     esi, 0x7777FFFF
        lodsb
        CHK     33, esi, 0x77770000, "a16 LODSB at SI = FFFF wraps SI to 0000"
        CHKB    34, al, 0xFF, "a16 LODSB at FFFF: the byte"
        ; Overlapping forward copy: byte by byte, so the first byte propagates.
        mov     byte [es:0x300], 0x5A
        push    ds
        push    es
        pop     ds
        mov     si, 0x300
        mov     di, 0x301
        mov     cx, 8
        rep     movsb
        pop     ds
        CHK     35, dword [es:0x304], 0x5A5A5A5A, "overlapping REP MOVSB (DI = SI + 1) replicates"
        CHKB    36, byte [es:0x309], 0xEE, "overlapping REP MOVSB stops after the count"

        SAY     "STOS / LODS"
        mov     di, 0x400
        mov     al, 0xAB
        mov     cx, 5
        rep     stosb
        CHKW    37, di, 0x405, "REP STOSB: DI + 5"
        CHK     38, dword [es:0x401], 0xABABABAB, "REP STOSB: stored AL"
        CHKB    39, byte [es:0x405], 0xEE, "REP STOSB: not past the count"
        mov     ax, 0x1234
        mov     cx, 2
        rep     stosw
        CHK     40, dword [es:0x405], 0x12341234, "REP STOSW: stored AX twice"
        mov     eax, 0x11223344
        std
        mov     di, 0x41C
        mov     cx, 2
        rep     stosd
        cld
        CHKW    41, di, 0x414, "STD REP STOSD: DI - 8"
        CHK     42, dword [es:0x418], 0x11223344, "STD REP STOSD: second dword at DI-4"
        CHK     43, dword [es:0x41C], 0x11223344, "STD REP STOSD: first dword at DI"
        xor     cx, cx
        mov     di, 0x500
        rep     stosb
        CHKW    44, di, 0x500, "REP STOSB with CX = 0: DI unchanged"
        mov     si, 5
        lodsb
        CHKB    45, al, 5, "LODSB: AL = DS:[5]"
        CHKW    46, si, 6, "LODSB: SI + 1"
        lodsw
        CHKW    47, ax, 0x0706, "LODSW: AX = DS:[6]"
        lodsd
        CHK     48, eax, 0x0B0A0908, "LODSD: EAX = DS:[8]"
        CHKW    49, si, 12, "LODSD: SI = 12"
        std
        lodsw
        cld
        CHKW    50, ax, 0x0D0C, "STD LODSW: AX = DS:[12]"
        CHKW    51, si, 10, "STD LODSW: SI - 2"
        mov     si, 0x20
        mov     cx, 3
        rep     lodsb
        CHKB    52, al, 0x22, "REP LODSB: AL = last element"
        CHKW    53, si, 0x23, "REP LODSB: SI + 3"
        mov     si, 0x212
        es lodsb
        CHKB    54, al, 0x12, "ES: LODSB reads ES:SI (DST[212] was copied from SRC[12])"

        SAY     "CMPS"
        ; ES:0x600.. = copy of SRC 0..7, then a difference at index 5.
        mov     si, 0
        mov     di, 0x600
        mov     cx, 16
        rep     movsb
        mov     byte [es:0x605], 0x55
        mov     si, 0
        mov     di, 0x600
        mov     cx, 10
        repe    cmpsb
        SAVEFL
        CHKW    55, cx, 4, "REPE CMPSB: stops after the mismatch at index 5 (CX = 10 - 6)"
        CHKW    56, si, 6, "REPE CMPSB: SI past the mismatch"
        CHKW    57, di, 0x606, "REPE CMPSB: DI past the mismatch"
        CHKW    58, word [ss:V_FL], 0x0081, "REPE CMPSB: flags of 05 - 55 (CF SF)"
        mov     si, 0
        mov     di, 0x600
        mov     cx, 5
        repe    cmpsb
        SAVEFL
        CHKW    59, cx, 0, "REPE CMPSB over equal bytes: CX = 0"
        CHKW    60, word [ss:V_FL], 0x0044, "REPE CMPSB over equal bytes: ZF PF"
        ; REPNE: ALT vs SRC differ everywhere; plant an equal byte at index 3.
        push    ds
        mov     ax, ALT_SEG
        mov     ds, ax
        mov     byte [3], 3
        pop     ds
        mov     si, 0
        mov     di, 0
        mov     cx, 10
        push    es
        mov     ax, SRC_SEG
        mov     es, ax
        rep     fs cmpsb                        ; F3 = REPE, FS source
        SAVEFL
        CHKW    61, cx, 9, "REPE FS: CMPSB stops at once (80 != 00)"
        CHKW    62, word [ss:V_FL], 0x0080, "REPE FS: CMPSB flags of 80 - 00 (SF)"
        mov     si, 0
        mov     di, 0
        mov     cx, 10
        repne   fs cmpsb
        SAVEFL
        pop     es
        CHKW    63, cx, 6, "REPNE CMPSB: stops after the match at index 3"
        CHKW    64, si, 4, "REPNE CMPSB: SI past the match"
        CHKW    65, word [ss:V_FL], 0x0044, "REPNE CMPSB: ZF set by the match"
        ; Single CMPSW / CMPSD and their flags.
        mov     si, 0x10
        mov     di, 0x600
        cmpsw                                   ; 1110 - 0100
        SAVEFL
        CHKW    66, word [ss:V_FL], 0x0000, "CMPSW 1110 - 0100: no flags (result 1010)"
        CHKW    67, di, 0x602, "CMPSW: DI + 2"
        mov     si, 0
        mov     di, 0x604
        cmpsd                                   ; 03020100 - 07065504 (DST[5] = 55)
        SAVEFL
        CHKW    68, word [ss:V_FL], 0x0095, "CMPSD 03020100 - 07065504: CF PF AF SF"
        xor     cx, cx
        cmp     al, al                          ; ZF = 1 ...
        mov     si, 0
        mov     di, 0x605
        repne   cmpsb                           ; ... and CX = 0: no compare, flags kept
        SAVEFL
        CHKW    69, word [ss:V_FL], 0x0044, "REPNE CMPSB with CX = 0 leaves the flags alone"
        CHKW    70, si, 0, "REPNE CMPSB with CX = 0 leaves SI alone"

        SAY     "SCAS"
        push    es
        mov     ax, SRC_SEG
        mov     es, ax
        xor     di, di
        mov     cx, 100
        mov     al, 7
        repne   scasb
        SAVEFL
        CHKW    71, di, 8, "REPNE SCASB: finds 07 at index 7, DI past it"
        CHKW    72, cx, 92, "REPNE SCASB: CX = 100 - 8"
        CHKW    73, word [ss:V_FL], 0x0044, "REPNE SCASB: ZF = 1 on the match"
        mov     di, 0x20
        mov     cx, 4
        mov     al, 0xFF
        repne   scasb
        SAVEFL
        CHKW    74, cx, 0, "REPNE SCASB without a match: CX = 0"
        CHKW    75, di, 0x24, "REPNE SCASB without a match: DI + 4"
        CHKW    76, word [ss:V_FL], 0x0080, "REPNE SCASB without a match: flags of FF - 23 (SF)"
        mov     di, 0x30
        mov     ax, 0x3130
        scasw
        SAVEFL
        CHKW    77, word [ss:V_FL], 0x0044, "SCASW equal: ZF PF"
        mov     di, 0x30
        mov     eax, 0x33323130
        mov     cx, 3
        repe    scasd
        SAVEFL
        CHKW    78, cx, 1, "REPE SCASD: stops after the second dword (34..37 differ)"
        CHKW    79, di, 0x38, "REPE SCASD: DI + 8"
        pop     es
        ; REPE SCASB over a run of AB AB AB AB AB 12 (DST 0x400 from the STOS tests).
        mov     di, 0x400
        mov     cx, 10
        mov     al, 0xAB
        repe    scasb
        CHKW    80, cx, 4, "REPE SCASB: stops after the first non-AB byte"
        CHKW    81, di, 0x406, "REPE SCASB: DI past it"
        ; a32 REPNE SCASD with ECX.
        push    es
        mov     ax, SRC_SEG
        mov     es, ax
        mov     edi, 0
        mov     ecx, 0x40
        mov     eax, 0x13121110
        a32 repne scasd
        pop     es
        CHK     82, edi, 0x14, "a32 REPNE SCASD: EDI past the match at 10"
        CHK     83, ecx, 0x3B, "a32 REPNE SCASD: ECX = 40 - 5"

        SAY     "INS / OUTS"
        push    ds
        push    cs
        pop     ds
        mov     si, outs_msg
        mov     cx, outs_msg_end - outs_msg
        mov     dx, 0xE9
        rep     outsb
        pop     ds
        CHKW    84, si, outs_msg_end, "REP OUTSB: SI advanced over the message"
        CHKW    85, cx, 0, "REP OUTSB: CX = 0"
        push    ds
        push    cs
        pop     ds
        mov     si, outs_msg2
        mov     dx, 0xE9
        outsb
        outsb
        outsb
        pop     ds
        CHKW    86, si, outs_msg2 + 3, "OUTSB x3: SI + 3"
        mov     di, 0x700
        mov     dx, 0xE9
        insb
        CHKB    87, byte [es:0x700], 0xE9, "INSB from port E9 stores its readback value E9"
        CHKW    88, di, 0x701, "INSB: DI + 1"
        std
        mov     cx, 2
        mov     di, 0x711
        rep     insb
        cld
        CHKW    89, di, 0x70F, "STD REP INSB: DI - 2"
        CHKW    90, word [es:0x710], 0xE9E9, "STD REP INSB: two bytes stored"

        ; ---------------- 32-bit protected mode ----------------
        SAY     "32-bit PM"
        call    gdt_install
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
        ; IDT: vector 13 -> pm_gp (32-bit interrupt gate), everything else absent.
        mov     edi, IDT_RAM
        xor     eax, eax
        mov     ecx, 2 * 32
        rep     stosd
        mov     eax, pm_gp + ROMBASE
        mov     [IDT_RAM + 13 * 8], ax
        mov     word [IDT_RAM + 13 * 8 + 2], SEL_CODE32
        mov     word [IDT_RAM + 13 * 8 + 4], 0x8E00
        mov     word [IDT_RAM + 13 * 8 + 6], 0x000F   ; pm_gp is in F0000..FFFFF
        lidt    [pm_idt_desc + ROMBASE]
        CHK     91, dword [IDT_RAM + 2 * 32 * 4 - 4], 0, "REP STOSD a32 cleared 256 bytes (last dword)"
        mov     esi, 0x10000
        mov     edi, 0x400000
        mov     ecx, 0x4000
        rep     movsd
        CHK     92, esi, 0x20000, "32-bit REP MOVSD of 64 KiB: ESI"
        CHK     93, edi, 0x410000, "32-bit REP MOVSD of 64 KiB: EDI"
        CHK     94, dword [0x40FFFC], 0xFFFEFDFC, "32-bit REP MOVSD of 64 KiB: last dword"
        ; a16 in 32-bit code: prefix 67 selects SI/DI/CX.
        mov     dword [0x1234], 0xCAFED00D
        mov     ecx, 0xFFFF0002
        mov     esi, 0x00011234                 ; SI = 1234
        mov     edi, 0x00020A00                 ; DI = 0A00
        a16 rep movsw
        CHK     95, ecx, 0xFFFF0000, "32-bit code, a16 REP MOVSW: CX counts, ECX upper kept"
        CHK     96, esi, 0x00011238, "32-bit code, a16 REP MOVSW: SI + 4"
        CHK     97, edi, 0x00020A04, "32-bit code, a16 REP MOVSW: DI + 4"
        CHK     98, dword [0xA00], 0xCAFED00D, "32-bit code, a16 REP MOVSW: copied DS:1234 to ES:0A00"
        ; A fault in the middle of REP STOSB: the limit of ES (0x30, limit FFF) is hit
        ; after four bytes. The registers show the progress; the handler resumes after.
        mov     ax, SEL_SMALL
        mov     es, ax
        mov     dword [V_GPN], 0
        mov     dword [V_RESUME], pm_after_gp + ROMBASE
        mov     edi, 0xFFC
        mov     ecx, 8
        mov     al, 0x77
pm_rep_gp:
        rep     stosb
pm_after_gp:
        mov     ax, SEL_DATA32
        mov     es, ax
        CHK     99, dword [V_GPN], 1, "REP STOSB past the ES limit: one #GP"
        CHK     100, dword [V_GPEDI], 0x1000, "REP STOSB #GP: EDI = first offset past the limit"
        CHK     101, dword [V_GPECX], 4, "REP STOSB #GP: ECX = elements left"
        CHK     102, dword [V_GPEIP], pm_rep_gp + ROMBASE, "REP STOSB #GP: saved EIP = the REP STOSB"
        CHK     103, dword [V_GPERR], 0, "REP STOSB #GP: error code 0"
        CHK     104, dword [0x30FFC], 0x77777777, "REP STOSB #GP: the four bytes below the limit stored"
        ; DF = 1 with 32-bit addressing across a page-sized run.
        std
        mov     edi, 0x500FFC
        mov     ecx, 0x400
        mov     eax, 0xA5A5A5A5
        rep     stosd
        cld
        CHK     105, edi, 0x4FFFFC, "32-bit STD REP STOSD x400: EDI - 1000"
        CHK     106, dword [0x500000], 0xA5A5A5A5, "32-bit STD REP STOSD: lowest dword"
        CHK     107, dword [0x4FFFFC], 0, "32-bit STD REP STOSD: not below"

        ; A page fault in the middle of REP STOSD: the handler maps the page and returns
        ; to the REP STOSD itself, which carries on from where it stopped.
        SAY     "REP STOSD across a page fault"
        mov     edi, PT0
        mov     eax, 0x003
        mov     ecx, 2048                       ; PT0 and PT1: identity map of 8 MiB
.pt:    stosd
        add     eax, 0x1000
        loop    .pt
        mov     edi, PD
        xor     eax, eax
        mov     ecx, 1024
        rep     stosd
        mov     dword [PD], PT0 + 3
        mov     dword [PD + 4], PT1 + 3
        and     dword [PT1 + 0x200 * 4], ~1     ; linear 600000: not present
        mov     eax, pm_pf + ROMBASE
        mov     [IDT_RAM + 14 * 8], ax
        mov     word [IDT_RAM + 14 * 8 + 2], SEL_CODE32
        mov     word [IDT_RAM + 14 * 8 + 4], 0x8E00
        mov     word [IDT_RAM + 14 * 8 + 6], 0x000F
        mov     eax, PD
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
        jmp     .pg
.pg:    mov     dword [V_PFN], 0
        mov     edi, 0x5FFFF8
        mov     ecx, 4
        mov     eax, 0x12345678
pm_rep_pf:
        rep     stosd
        CHK     108, dword [V_PFN], 1, "one #PF"
        CHK     109, dword [V_PFCR2], 0x600000, "#PF: CR2 = the first byte of the missing page"
        CHK     110, dword [V_PFERR], 2, "#PF: error code 2 (write, not present, supervisor)"
        CHK     111, dword [V_PFEIP], pm_rep_pf + ROMBASE, "#PF: saved EIP = the REP STOSD"
        CHK     112, dword [V_PFEDI], 0x600000, "#PF: EDI = the faulting element"
        CHK     113, dword [V_PFECX], 2, "#PF: ECX = elements left"
        CHK     114, edi, 0x600008, "restarted REP STOSD finished: EDI"
        CHK     115, ecx, 0, "restarted REP STOSD finished: ECX = 0"
        CHK     116, dword [0x5FFFFC], 0x12345678, "REP STOSD: element before the page boundary"
        CHK     117, dword [0x600004], 0x12345678, "REP STOSD: last element, after the restart"
        FINISH

pm_pf:  push    eax
        mov     eax, cr2
        mov     [V_PFCR2], eax
        mov     eax, [esp + 4]
        mov     [V_PFERR], eax
        mov     eax, [esp + 8]
        mov     [V_PFEIP], eax
        mov     [V_PFEDI], edi
        mov     [V_PFECX], ecx
        inc     dword [V_PFN]
        or      dword [PT1 + 0x200 * 4], 1
        invlpg  [0x600000]
        pop     eax
        add     esp, 4
        iretd

pm_gp:  mov     [V_GPEDI], edi
        mov     [V_GPECX], ecx
        inc     dword [V_GPN]
        pop     dword [V_GPERR]
        push    eax
        mov     eax, [esp + 4]
        mov     [V_GPEIP], eax
        mov     eax, [V_RESUME]
        mov     [esp + 4], eax
        pop     eax
        iretd

pm_idt_desc:
        dw      32 * 8 - 1
        dd      IDT_RAM

        bits    16
outs_msg:     db "# OUTSB says hello", 10
outs_msg_end:
outs_msg2:    db "# ", 10

        LIB_CODE
        ROM_END
