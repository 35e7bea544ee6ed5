; vbe.asm -- VESA BIOS Extensions (INT 10h AH=4Fh) on the Bochs "DISPI" interface.
;
; Follows the VESA BIOS Extension Core Functions Standard 3.0. The adapter
; (crates/ironpc-devices/src/vga/vbe.rs) is programmed through the DISPI registers: index
; port 1CEh, data port 1CFh, 16-bit. It shows up to 1920x1080 at 8, 15, 16, 24 or 32 bits
; per pixel from 16 MiB of video memory, which the board maps linearly at E0000000h and,
; 64 KiB at a time (DISPI BANK), at A0000h.
;
; Functions (AL): 00h controller info, 01h mode info, 02h set mode, 03h current mode,
; 05h window control (also as the far WinFuncPtr), 06h scan line length, 07h display
; start (00h/80h/01h, and the VBE 3.0 scheduled 02h/82h/04h), 08h DAC width, 09h palette
; data (primary palette). 04h (save/restore state), 0Ah (protected-mode interface) and every
; other subfunction return AX = 014Fh ("function call failed").
;
; Status in AX: 004Fh success, 014Fh failed, 024Fh not supported by the hardware
; configuration, 034Fh invalid in the current video mode.
;
; The current VBE mode (with bits 14 LFB and 15 don't-clear as set) is kept in the BIOS
; data area word 40:BA (where SeaBIOS keeps it too); it is meaningful while DISPI is enabled.
; A VGA mode set (AH=00h, or 4F02h with a mode below 100h) turns DISPI off (vbe_off).

%define DISPI_INDEX     0x1CE
%define DISPI_DATA      0x1CF
%define DISPI_ID        0x0
%define DISPI_XRES      0x1
%define DISPI_YRES      0x2
%define DISPI_BPP       0x3
%define DISPI_ENABLE    0x4
%define DISPI_BANK      0x5
%define DISPI_VIRT_W    0x6
%define DISPI_VIRT_H    0x7
%define DISPI_X_OFF     0x8
%define DISPI_Y_OFF     0x9
%define DISPI_MEM64K    0xA
%define DISPI_ID5       0xB0C5
%define EN_ENABLED      0x01
%define EN_8BIT_DAC     0x20
%define EN_LFB          0x40
%define EN_NOCLEAR      0x80

%define BDA_VBEMODE     0xBA            ; word: current VBE mode (private, as SeaBIOS)
%define LFB_ADDRESS     0xE0000000      ; crates/ironpc-machine/src/memory.rs LFB_BASE
%define VRAM_BYTES      0x1000000       ; 16 MiB

%define VBE_OK          0x004F
%define VBE_FAILED      0x014F
%define VBE_NOT_HW      0x024F
%define VBE_BAD_MODE    0x034F

; --- The modes ------------------------------------------------------------------------------
; VBE_MODES expands M number, width, height, bits per pixel once per mode; it is expanded
; twice below, into the mode list that 4F00h hands out and into the table 4F01h/4F02h read.
; The VESA-defined numbers first, then the extended ones at the numbers Bochs' and SeaBIOS'
; vgabios give them. Every mode fits the adapter (at most 1920x1080, 16 MiB).
%macro VBE_MODES 0
        M 0x100,  640,  400,  8
        M 0x101,  640,  480,  8
        M 0x103,  800,  600,  8
        M 0x105, 1024,  768,  8
        M 0x107, 1280, 1024,  8
        M 0x10D,  320,  200, 15
        M 0x10E,  320,  200, 16
        M 0x10F,  320,  200, 24
        M 0x110,  640,  480, 15
        M 0x111,  640,  480, 16
        M 0x112,  640,  480, 24
        M 0x113,  800,  600, 15
        M 0x114,  800,  600, 16
        M 0x115,  800,  600, 24
        M 0x116, 1024,  768, 15
        M 0x117, 1024,  768, 16
        M 0x118, 1024,  768, 24
        M 0x119, 1280, 1024, 15
        M 0x11A, 1280, 1024, 16
        M 0x11B, 1280, 1024, 24
        M 0x140,  320,  200, 32
        M 0x141,  640,  400, 32
        M 0x142,  640,  480, 32
        M 0x143,  800,  600, 32
        M 0x144, 1024,  768, 32
        M 0x145, 1280, 1024, 32
        M 0x146,  320,  200,  8
        M 0x148, 1152,  864,  8
        M 0x149, 1152,  864, 15
        M 0x14A, 1152,  864, 16
        M 0x14B, 1152,  864, 24
        M 0x14C, 1152,  864, 32
        M 0x18D, 1280,  720, 16
        M 0x18E, 1280,  720, 24
        M 0x18F, 1280,  720, 32
        M 0x190, 1920, 1080, 16
        M 0x191, 1920, 1080, 24
        M 0x192, 1920, 1080, 32
        M 0x193, 1600,  900, 16
        M 0x194, 1600,  900, 24
        M 0x195, 1600,  900, 32
%endmacro

; The mode list (VbeInfoBlock.VideoModePtr): the numbers, ending with 0FFFFh.
%macro M 4
        dw      %1
%endmacro
vbe_mode_list:
        VBE_MODES
        dw      0xFFFF
%unmacro M 4

; The mode table: number, width, height (words), bits per pixel, spare (bytes).
%define VM_NUM  0
%define VM_X    2
%define VM_Y    4
%define VM_BPP  6
%define VM_SIZE 8
%macro M 4
        dw      %1, %2, %3
        db      %4, 0
%endmacro
vbe_modes:
        VBE_MODES
        dw      0xFFFF
%unmacro M 4

; Colour fields of the direct-colour depths: red size/position, green, blue, reserved.
vbe_masks15:    db      5, 10, 5, 5, 5, 0, 1, 15
vbe_masks16:    db      5, 11, 6, 5, 5, 0, 0, 0
vbe_masks24:    db      8, 16, 8, 8, 8, 0, 0, 0
vbe_masks32:    db      8, 16, 8, 8, 8, 0, 8, 24

vbe_oem_string: db      "IronPC VBE (Bochs DISPI)", 0
vbe_vendor:     db      "IronPC", 0
vbe_product:    db      "IronPC VGA/VBE adapter", 0
vbe_revision:   db      "1.0", 0

; --- DISPI access ---------------------------------------------------------------------------

; dispi_read: AX = DISPI register AL. Other registers kept.
dispi_read:
        push    dx
        xor     ah, ah
        mov     dx, DISPI_INDEX
        out     dx, ax
        inc     dx
        in      ax, dx
        pop     dx
        ret

; dispi_write: DISPI register AL = DX. All registers kept.
dispi_write:
        push    ax
        push    dx
        xor     ah, ah
        push    dx
        mov     dx, DISPI_INDEX
        out     dx, ax
        inc     dx
        pop     ax
        out     dx, ax
        pop     dx
        pop     ax
        ret

; vbe_active: ZF = 0 if a VBE mode is on (DISPI enabled). Registers kept.
vbe_active:
        push    ax
        mov     al, DISPI_ENABLE
        call    dispi_read
        test    al, EN_ENABLED
        pop     ax
        ret

; vbe_off: leave any VBE mode (the VGA mode set calls this before programming the VGA).
; Turning DISPI off also returns the DAC to 6 bits. Registers kept.
vbe_off:
        push    ax
        push    dx
        mov     al, DISPI_ENABLE
        xor     dx, dx
        call    dispi_write
        pop     dx
        pop     ax
        ret

; vbe_find: CX = mode number (bits 0-8 count) -> CS:SI = its table entry, CF = 1 if none.
vbe_find:
        push    cx
        and     cx, 0x01FF
        mov     si, vbe_modes
.next:  cmp     word [cs:si + VM_NUM], 0xFFFF
        je      .none
        cmp     [cs:si + VM_NUM], cx
        je      .found
        add     si, VM_SIZE
        jmp     .next
.none:  pop     cx
        stc
        ret
.found: pop     cx
        clc
        ret

; vbe_bytes_pp: AL = bits per pixel -> AX = bytes per pixel (15 and 16 take two).
vbe_bytes_pp:
        add     al, 7
        shr     al, 3
        xor     ah, ah
        ret

; --- Dispatch (from int10; BP = the caller's registers, DS = BDA) ----------------------------
; The functions use 32-bit registers: PUSHAD/POPAD keep their upper halves for the caller
; (the entry's PUSHA/POPA, which carry the results, cover the lower ones).
vbe_dispatch:
        pushad
        mov     word [bp + V_AX], VBE_FAILED
        cmp     al, 0x09
        ja      .r
        movzx   si, al
        shl     si, 1
        call    [cs:vbe_funcs + si]
.r:     popad
        ret

vbe_funcs:
        dw      vbe_controller_info, vbe_mode_info, vbe_set_mode, vbe_get_mode    ; 00-03
        dw      vbe_fail, vbe_window_control, vbe_scan_line, vbe_display_start   ; 04-07
        dw      vbe_dac_format, vbe_palette                                      ; 08-09

; 4F04h (save/restore state) and unknown subfunctions: AX = 014Fh, as set above.
vbe_fail:
        ret

; --- 4F00h: controller information into ES:DI ------------------------------------------------
; A caller that puts 'VBE2' in the signature gets the 512-byte VBE 2.0+ block, others the
; 256-byte VBE 1.x block. The strings and the mode list stay in the ROM (far pointers F000:x).
vbe_controller_info:
        mov     es, [bp + V_ES]
        mov     di, [bp + V_DI]
        mov     cx, 256
        cmp     dword [es:di], 'VBE2'
        jne     .clear
        mov     cx, 512
.clear: mov     bx, cx                  ; BX = block size
        xor     al, al
        push    di
        rep     stosb
        pop     di
        mov     dword [es:di + 0], 'VESA'
        mov     word [es:di + 4], 0x0300        ; VbeVersion 3.0
        mov     word [es:di + 6], vbe_oem_string
        mov     [es:di + 8], cs
        mov     dword [es:di + 10], 0x00000001  ; Capabilities: DAC switchable to 8 bits
        mov     word [es:di + 14], vbe_mode_list
        mov     [es:di + 16], cs
        mov     al, DISPI_MEM64K
        call    dispi_read
        mov     [es:di + 18], ax                ; TotalMemory in 64 KiB units
        cmp     bx, 512
        jne     .done
        mov     word [es:di + 20], 0x0100       ; OemSoftwareRev 1.0
        mov     word [es:di + 22], vbe_vendor
        mov     [es:di + 24], cs
        mov     word [es:di + 26], vbe_product
        mov     [es:di + 28], cs
        mov     word [es:di + 30], vbe_revision
        mov     [es:di + 32], cs
.done:  mov     word [bp + V_AX], VBE_OK
        ret

; --- 4F01h: information on mode CX into ES:DI (256 bytes) ------------------------------------
vbe_mode_info:
        call    vbe_find
        jc      .r
        mov     es, [bp + V_ES]
        mov     di, [bp + V_DI]
        push    di
        mov     cx, 128
        xor     ax, ax
        rep     stosw
        pop     di
        mov     word [es:di + 0], 0x009B        ; ModeAttributes: supported, extended info,
                                                ; colour, graphics, linear frame buffer
        mov     word [es:di + 2], 0x0007        ; WinA: relocatable, readable, writable; no WinB
        mov     word [es:di + 4], 64            ; WinGranularity (KiB)
        mov     word [es:di + 6], 64            ; WinSize (KiB)
        mov     word [es:di + 8], 0xA000        ; WinASegment
        mov     word [es:di + 12], vbe_window_far ; WinFuncPtr
        mov     [es:di + 14], cs
        mov     al, [cs:si + VM_BPP]
        call    vbe_bytes_pp
        mov     cx, ax                          ; CX = bytes per pixel
        mul     word [cs:si + VM_X]
        mov     [es:di + 16], ax                ; BytesPerScanLine
        mov     [es:di + 50], ax                ; LinBytesPerScanLine
        mov     bx, ax                          ; BX = pitch
        mov     ax, [cs:si + VM_X]
        mov     [es:di + 18], ax                ; XResolution
        mov     ax, [cs:si + VM_Y]
        mov     [es:di + 20], ax                ; YResolution
        mov     word [es:di + 22], 0x1008       ; XCharSize 8, YCharSize 16
        mov     byte [es:di + 24], 1            ; NumberOfPlanes
        mov     al, [cs:si + VM_BPP]
        mov     [es:di + 25], al                ; BitsPerPixel
        mov     byte [es:di + 26], 1            ; NumberOfBanks
        mov     byte [es:di + 27], 4            ; MemoryModel: packed pixel
        ; Image pages beyond the first: video memory / (pitch * height) - 1, at most 255.
        mov     ax, bx
        mul     word [cs:si + VM_Y]             ; DX:AX = bytes of one page
        push    dx
        push    ax
        pop     ebx                             ; EBX = the same
        mov     eax, VRAM_BYTES
        xor     edx, edx
        div     ebx
        dec     eax
        cmp     eax, 255
        jbe     .pages
        mov     al, 255
.pages: mov     [es:di + 29], al                ; NumberOfImagePages
        mov     [es:di + 52], al                ; BnkNumberOfImagePages
        mov     [es:di + 53], al                ; LinNumberOfImagePages
        mov     byte [es:di + 30], 1            ; Reserved (1 for VBE 1.2+)
        mov     dword [es:di + 40], LFB_ADDRESS ; PhysBasePtr
        ; Direct colour: memory model 6 and the colour fields, banked and linear copies.
        mov     al, [cs:si + VM_BPP]
        mov     bx, vbe_masks15
        cmp     al, 15
        je      .direct
        mov     bx, vbe_masks16
        cmp     al, 16
        je      .direct
        mov     bx, vbe_masks24
        cmp     al, 24
        je      .direct
        mov     bx, vbe_masks32
        cmp     al, 32
        jne     .ok
.direct:
        mov     byte [es:di + 27], 6            ; MemoryModel: direct colour
        mov     cx, 8
.mask:  mov     al, [cs:bx]
        mov     [es:di + 31], al                ; RedMaskSize .. RsvdFieldPosition
        mov     [es:di + 54], al                ; LinRedMaskSize .. LinRsvdFieldPosition
        inc     bx
        inc     di
        loop    .mask
.ok:    mov     word [bp + V_AX], VBE_OK
.r:     ret

; --- 4F02h: set mode BX (bit 14: linear frame buffer, bit 15: keep the memory) -----------------
; Modes below 100h are the VGA modes of AH=00h. Bit 11 (a CRTCInfoBlock with refresh
; timings) is ignored: the adapter has no timings to set.
vbe_set_mode:
        mov     cx, bx
        and     cx, 0x01FF
        cmp     cx, 0x100
        jae     .vbe
        mov     al, cl                  ; a VGA mode: AH=00h, AL bit 7 = keep the memory
        call    find_mode
        jc      .r
        test    bh, 0x80
        jz      .vga
        or      al, 0x80
.vga:   call    v_set_mode              ; (turns DISPI off first)
        mov     word [bp + V_AX], VBE_OK
.r:     ret
.vbe:   call    vbe_find
        jc      .r
        call    vbe_off                 ; the DAC back to 6 bits, bank 0
        cmp     byte [cs:si + VM_BPP], 8
        jne     .regs
        call    load_dac_256            ; 8 bpp: the default 256-colour palette
.regs:  mov     al, DISPI_ID
        mov     dx, DISPI_ID5
        call    dispi_write
        mov     al, DISPI_XRES
        mov     dx, [cs:si + VM_X]
        call    dispi_write
        mov     al, DISPI_YRES
        mov     dx, [cs:si + VM_Y]
        call    dispi_write
        mov     al, DISPI_BPP
        movzx   dx, byte [cs:si + VM_BPP]
        call    dispi_write
        ; Enabling sets the virtual width to the resolution, the offsets and bank to 0, and
        ; clears the memory the picture covers unless NOCLEARMEM.
        mov     dx, EN_ENABLED
        test    bh, 0x40
        jz      .nolfb
        or      dl, EN_LFB
.nolfb: test    bh, 0x80
        jz      .clear
        or      dl, EN_NOCLEAR
.clear: mov     al, DISPI_ENABLE
        call    dispi_write
        and     bx, 0xC1FF
        mov     [BDA_VBEMODE], bx
        ; No VGA mode is current: INT 10h text output must not draw into the picture.
        mov     byte [BDA_VMODE], 0xFF
        mov     word [bp + V_AX], VBE_OK
        ret

; --- 4F03h: current mode in BX ---------------------------------------------------------------
vbe_get_mode:
        movzx   bx, byte [BDA_VMODE]
        call    vbe_active
        jz      .set
        mov     bx, [BDA_VBEMODE]
.set:   mov     [bp + V_BX], bx
        mov     word [bp + V_AX], VBE_OK
        ret

; --- 4F05h: window control -------------------------------------------------------------------
vbe_window_control:
        call    vbe_window
        mov     [bp + V_AX], ax
        cmp     ax, VBE_OK
        jne     .r
        mov     [bp + V_DX], dx
.r:     ret

; The WinFuncPtr of the mode information: the same, called FAR with BH, BL, DX (AX and DX
; may change).
vbe_window_far:
        call    vbe_window
        retf

; vbe_window: BH = 00h set window BL (0 = A; there is no B) to position DX (64 KiB units),
; BH = 01h get it into DX. AX = status; other registers kept.
vbe_window:
        mov     ax, VBE_BAD_MODE
        call    vbe_active
        jz      .r
        mov     ax, VBE_FAILED
        test    bl, bl
        jnz     .r
        cmp     bh, 1
        ja      .r
        je      .get
        cmp     dx, 0x100               ; 16 MiB / 64 KiB banks
        jae     .r
        mov     al, DISPI_BANK
        call    dispi_write
.get:   mov     al, DISPI_BANK
        call    dispi_read
        mov     dx, ax
        mov     ax, VBE_OK
.r:     ret

; --- 4F06h: logical scan line length ---------------------------------------------------------
; BL = 00h set CX pixels, 01h get, 02h set CX bytes, 03h get the maximum. Returns BX = bytes
; per scan line, CX = pixels per scan line, DX = scan lines that fit in video memory.
vbe_scan_line:
        mov     word [bp + V_AX], VBE_BAD_MODE
        call    vbe_active
        jz      .r
        mov     word [bp + V_AX], VBE_FAILED
        mov     al, DISPI_BPP
        call    dispi_read
        call    vbe_bytes_pp
        mov     di, ax                  ; DI = bytes per pixel
        mov     al, DISPI_XRES
        call    dispi_read
        mov     si, ax                  ; SI = displayed width
        cmp     bl, 3
        ja      .r
        je      .max
        cmp     bl, 1
        je      .get
        jb      .pixels
        mov     ax, cx                  ; bytes -> pixels
        xor     dx, dx
        div     di
        mov     cx, ax
.pixels:
        cmp     cx, si                  ; never narrower than the screen
        jae     .fits
        mov     cx, si
.fits:  ; At least the displayed height must fit: pixels * bytes * height <= 16 MiB.
        mov     al, DISPI_YRES
        call    dispi_read
        movzx   eax, ax
        movzx   edx, cx
        imul    eax, edx
        movzx   edx, di
        imul    eax, edx
        cmp     eax, VRAM_BYTES
        ja      .not_hw
        mov     al, DISPI_VIRT_W
        mov     dx, cx
        call    dispi_write
.get:   mov     al, DISPI_VIRT_W
        call    dispi_read
        cmp     ax, si
        jae     .out
        mov     ax, si
.out:   mov     cx, ax                  ; pixels
        mul     di
        mov     [bp + V_BX], ax         ; bytes
        mov     [bp + V_CX], cx
        mov     al, DISPI_VIRT_H
        call    dispi_read
        mov     [bp + V_DX], ax
        mov     word [bp + V_AX], VBE_OK
.r:     ret
.not_hw:
        mov     word [bp + V_AX], VBE_NOT_HW
        ret
.max:   ; The widest line that still leaves the displayed height: 16 MiB / height / bytes,
        ; at most 0FFFFh bytes (BX is a word).
        mov     al, DISPI_YRES
        call    dispi_read
        movzx   ecx, ax
        mov     eax, VRAM_BYTES
        xor     edx, edx
        div     ecx                     ; EAX = bytes per line
        cmp     eax, 0xFFFF
        jbe     .mb
        mov     eax, 0xFFFF
.mb:    xor     dx, dx
        div     di                      ; AX = pixels
        mov     cx, ax
        mul     di
        mov     [bp + V_BX], ax
        mov     [bp + V_CX], cx
        mov     al, DISPI_VIRT_H
        call    dispi_read
        mov     [bp + V_DX], ax
        mov     word [bp + V_AX], VBE_OK
        ret

; --- 4F07h: display start ---------------------------------------------------------------------
; BL = 00h/80h set to pixel CX of line DX (80h: "during vertical retrace": the adapter
; switches between frames anyway), 01h get (BH = 0, CX, DX), 02h/82h (VBE 3.0) schedule the
; start at byte ECX, 04h (VBE 3.0) scheduled-flip status: CX <> 0, done (it is immediate).
vbe_display_start:
        mov     word [bp + V_AX], VBE_BAD_MODE
        call    vbe_active
        jz      .r
        mov     word [bp + V_AX], VBE_FAILED
        mov     al, bl
        and     al, 0x7F
        cmp     al, 0x00
        je      .set
        cmp     al, 0x02
        je      .bytes
        cmp     bl, 0x01
        je      .get
        cmp     bl, 0x04
        jne     .r
        mov     word [bp + V_CX], 1
        jmp     .ok
.bytes: ; ECX = byte offset -> line = ECX / pitch, pixel = remainder / bytes per pixel.
        call    .pitch                  ; EDI = pitch, SI = bytes per pixel
        mov     eax, ecx
        xor     edx, edx
        div     edi
        push    ax                      ; line
        mov     ax, dx
        xor     dx, dx
        div     si
        mov     cx, ax
        pop     dx
.set:   mov     al, DISPI_X_OFF
        xchg    cx, dx
        call    dispi_write
        xchg    cx, dx
        mov     al, DISPI_Y_OFF
        call    dispi_write
        jmp     .ok
.get:   mov     al, DISPI_X_OFF
        call    dispi_read
        mov     [bp + V_CX], ax
        mov     al, DISPI_Y_OFF
        call    dispi_read
        mov     [bp + V_DX], ax
        mov     byte [bp + V_BX + 1], 0
.ok:    mov     word [bp + V_AX], VBE_OK
.r:     ret
; EDI = bytes per scan line, SI = bytes per pixel (of the current DISPI mode).
.pitch: mov     al, DISPI_BPP
        call    dispi_read
        call    vbe_bytes_pp
        mov     si, ax
        mov     al, DISPI_VIRT_W
        call    dispi_read
        mul     si
        shl     edx, 16
        mov     dx, ax
        mov     edi, edx
        ret

; --- 4F08h: DAC palette width ------------------------------------------------------------------
; BL = 00h set BH bits (8 or more: 8, else 6), 01h get. BH = the width now.
vbe_dac_format:
        cmp     bl, 1
        ja      .r
        mov     al, DISPI_ENABLE
        call    dispi_read
        mov     dx, ax
        cmp     bl, 1
        je      .get
        and     dl, ~EN_8BIT_DAC
        cmp     bh, 8
        jb      .w
        or      dl, EN_8BIT_DAC
.w:     mov     al, DISPI_ENABLE
        call    dispi_write
.get:   mov     byte [bp + V_BX + 1], 6
        test    dl, EN_8BIT_DAC
        jz      .ok
        mov     byte [bp + V_BX + 1], 8
.ok:    mov     word [bp + V_AX], VBE_OK
.r:     ret

; --- 4F09h: palette data -----------------------------------------------------------------------
; BL = 00h/80h set CX entries from DX out of ES:DI, 01h get them into ES:DI; each entry is
; blue, green, red, alignment, in the DAC's current width. The secondary palette (02h/03h)
; does not exist.
vbe_palette:
        mov     ax, dx
        add     ax, cx
        cmp     ax, 256
        ja      .r
        mov     es, [bp + V_ES]
        mov     al, bl
        and     al, 0x7F
        jz      .set
        cmp     bl, 0x01
        jne     .r
        mov     al, dl
        mov     dx, DAC_READ
        out     dx, al
        mov     dx, DAC_DATA
        jcxz    .ok
.get:   in      al, dx
        mov     [es:di + 2], al         ; red
        in      al, dx
        mov     [es:di + 1], al         ; green
        in      al, dx
        mov     [es:di], al             ; blue
        mov     byte [es:di + 3], 0
        add     di, 4
        loop    .get
        jmp     .ok
.set:   mov     al, dl
        mov     dx, DAC_WRITE
        out     dx, al
        inc     dx
        jcxz    .ok
.put:   mov     al, [es:di + 2]
        out     dx, al
        mov     al, [es:di + 1]
        out     dx, al
        mov     al, [es:di]
        out     dx, al
        add     di, 4
        loop    .put
.ok:    mov     word [bp + V_AX], VBE_OK
.r:     ret
