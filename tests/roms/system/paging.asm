; paging.asm -- 32-bit paging (SDM vol. 3 chapter 4, 386/486 semantics: no PAE, no NX):
;   #PF error codes for every combination of P / W / U (not present, read/write protection,
;   user/supervisor, CR0.WP on and off, in the PTE and in the PDE), CR2 and the saved EIP
;   (data accesses, a page-straddling access, instruction fetches), the accessed and dirty
;   bits set by the walker in the PDE and the PTE, 4 MiB pages (CR4.PSE), global pages that
;   survive a CR3 reload with CR4.PGE while others are flushed, and INVLPG / CR3 reloads
;   flushing stale translations.
%include "sys.inc"

; Linear test pages (PDE 1 -> PT1). Their TLB slots (bits 12..21) are not used by anything
; else of the test, so that stale translations stay observable.
%define L1      0x4A0000
%define L2      0x4A1000                ; not present
%define L3      0x4A2000                ; user, read-only
%define L4      0x4A3000                ; supervisor, writable
%define L5      0x4A4000                ; global-page test
%define L6      0x4A5000
%define L7      0x4A6000                ; INVLPG test
%define FA      0x200000                ; physical frames
%define FB      0x201000
%define FC      0x202000
%define FD      0x203000
%define PT2     0x103000                ; page table of linear 8..12 MiB (PDE 2)
%define PTE(l)  [PT1 + (((l) - 0x400000) >> 12) * 4]

        SYS_START

        bits    32
main32:
        SAY     "accessed and dirty bits"
        mov     dword [FA], 0xAAAAAAAA
        mov     dword [FB], 0xBBBBBBBB
        mov     dword [FC], 0xCCCCCCCC
        mov     dword [FD], 0xDDDDDDDD
        mov     eax, 1
        cpuid
        and     edx, (1 << 3) | (1 << 13)
        C32     edx, (1 << 3) | (1 << 13), "CPUID advertises PSE and PGE"
        call    paging_on
        mov     eax, [0x1000]
        mov     eax, cr0
        and     eax, 0x80000001
        C32     eax, 0x80000001, "CR0.PG set, still running (identity map)"
        mov     dword PTE(L1), FA + 7
        mov     dword PTE(L2), 0
        mov     dword PTE(L3), FD + 5
        mov     dword PTE(L4), FD + 3
        mov     eax, cr3
        mov     cr3, eax
        C32     [PD + 4], PT1 + 7, "PDE 1 not accessed yet"
        mov     eax, [L1]
        C32     eax, 0xAAAAAAAA, "read through a 4 KiB page"
        C32     PTE(L1), FA + 7 + 0x20, "read: PTE accessed, not dirty"
        C32     [PD + 4], PT1 + 7 + 0x20, "read: PDE accessed (a PDE of a 4 KiB page never gets D)"
        mov     [L1 + 4], eax
        C32     PTE(L1), FA + 7 + 0x60, "write after a read: PTE dirty"
        mov     dword PTE(L1), FA + 7
        invlpg  [L1]
        mov     [L1 + 4], eax
        C32     PTE(L1), FA + 7 + 0x60, "first access a write: PTE accessed and dirty"
        mov     dword PTE(L1), FA + 7
        invlpg  [L1]
        mov     eax, [L1]
        mov     eax, [L1 + 4]
        C32     PTE(L1), FA + 7 + 0x20, "reads only: D stays clear"

        SAY     "#PF error codes: supervisor accesses"
        PROBE   mov eax, [L2 + 0x123]
        C32     [ss:X_VEC], 14, "read of a not-present page: #PF"
        C32     [ss:X_ERR], 0, "error code 0"
        C32     [ss:X_CR2], L2 + 0x123, "CR2 = the linear address"
        PROBE   mov [L2 + 0x456], eax
        C32     [ss:X_ERR], 2, "write to a not-present page: error code 2 (W)"
        C32     [ss:X_CR2], L2 + 0x456, "CR2"
        PROBE   mov eax, [0xC01234]
        C32     [ss:X_ERR], 0, "read through a not-present PDE: error code 0"
        C32     [ss:X_CR2], 0xC01234, "CR2"
        PROBE   mov byte [0xC01235], 1
        C32     [ss:X_ERR], 2, "write through a not-present PDE: error code 2"
        TRY     pf_straddle
        mov     eax, [L2 - 2]
pf_straddle:
        C32     [ss:X_ERR], 0, "dword read straddling into a not-present page: #PF 0"
        C32     [ss:X_CR2], L2, "CR2 = the first byte in the not-present page"
        C32     [ss:X_EIP], pf_straddle - 5 + ROMBASE, "saved EIP = the faulting MOV"
        PROBE   mov eax, [L3]
        C32     [ss:X_VEC], 0xEE, "supervisor read of a user read-only page: no fault"
        C32     eax, 0xDDDDDDDD, "and the data"
        PROBE   mov dword [L3 + 0x10], 0x12345678
        C32     [ss:X_VEC], 0xEE, "supervisor write to a read-only page, CR0.WP = 0: no fault"
        C32     [FD + 0x10], 0x12345678, "the write went through"
        mov     eax, cr0
        or      eax, 0x10000
        mov     cr0, eax
        PROBE   mov dword [L3 + 0x10], 0x9ABCDEF0
        C32     [ss:X_VEC], 14, "supervisor write to a read-only page, CR0.WP = 1: #PF"
        C32     [ss:X_ERR], 3, "error code 3 (P, W)"
        C32     [FD + 0x10], 0x12345678, "the write did not happen"
        PROBE   mov dword [L4 + 0x20], 0x0F0F0F0F
        C32     [ss:X_VEC], 0xEE, "supervisor write to a supervisor writable page: no fault"
        mov     eax, cr0
        and     eax, ~0x10000
        mov     cr0, eax

        SAY     "#PF error codes: user accesses"
%macro UPROBE 4                         ; instruction, vector, error code, text
        mov     ebx, %%c + ROMBASE
        call    r3run
        jmp     %%k
%%c:    %1
        int     0x30
%%k:    C32     [ss:X_VEC], %2, %4
%if %2 == 14
        C32     [ss:X_ERR], %3, "error code"
%endif
%endmacro
        UPROBE  {mov eax, [ss:L2]}, 14, 4, "user read of a not-present page: #PF 4"
        UPROBE  {mov [ss:L2], eax}, 14, 6, "user write to a not-present page: #PF 6"
        UPROBE  {mov eax, [ss:L4]}, 14, 5, "user read of a supervisor page: #PF 5"
        C32     [ss:X_CR2], L4, "CR2"
        UPROBE  {mov [ss:L4], eax}, 14, 7, "user write to a supervisor page: #PF 7"
        UPROBE  {mov [ss:L3], eax}, 14, 7, "user write to a user read-only page: #PF 7"
        UPROBE  {mov eax, [ss:L3 + 0x10]}, 0x30, 0, "user read of a user read-only page: no fault"
        C32     [ss:X_EAX], 0x12345678, "and the data"
        mov     eax, cr0
        or      eax, 0x10000
        mov     cr0, eax
        UPROBE  {mov [ss:L3], eax}, 14, 7, "user write to a read-only page with CR0.WP = 1: #PF 7"
        mov     eax, cr0
        and     eax, ~0x10000
        mov     cr0, eax
        ; The PDE's U/S and R/W bits count too.
        mov     dword [PT2], FA + 7
        mov     dword [PD + 8], PT2 + 3                 ; PDE: supervisor, writable
        mov     eax, cr3
        mov     cr3, eax
        UPROBE  {mov eax, [ss:0x800000]}, 14, 5, "user read, PTE user but PDE supervisor: #PF 5"
        mov     dword [PD + 8], PT2 + 5                 ; PDE: user, read-only
        mov     eax, cr3
        mov     cr3, eax
        UPROBE  {mov eax, [ss:0x800010]}, 0x30, 0, "user read, PDE user read-only: no fault"
        UPROBE  {mov [ss:0x800010], eax}, 14, 7, "user write, PTE writable but PDE read-only: #PF 7"
        C32     [ss:X_CR2], 0x800010, "CR2"
        PROBE   mov dword [0x800014], 0x11
        C32     [ss:X_VEC], 0xEE, "supervisor write there, CR0.WP = 0: no fault"
        mov     eax, cr0
        or      eax, 0x10000
        mov     cr0, eax
        PROBE   mov dword [0x800018], 0x22
        C32     [ss:X_VEC], 14, "supervisor write there, CR0.WP = 1: #PF"
        C32     [ss:X_ERR], 3, "error code 3"
        mov     eax, cr0
        and     eax, ~0x10000
        mov     cr0, eax

        SAY     "#PF on instruction fetch"
        mov     byte [FD + 0x800], 0xC3                 ; RET at L3 + 800h / L4 + 800h
        TRY     pf_fetch
        call    L2 + 0x10 - ROMBASE
pf_fetch:
        C32     [ss:X_VEC], 14, "CALL into a not-present page: #PF"
        C32     [ss:X_ERR], 0, "error code 0"
        C32     [ss:X_CR2], L2 + 0x10, "CR2 = the target"
        C32     [ss:X_EIP], L2 + 0x10, "saved EIP = the target"
        PROBE   call L4 + 0x800 - ROMBASE
        C32     [ss:X_VEC], 0xEE, "supervisor fetch from a supervisor page: RET ran"
        UPROBE  {call L4 + 0x800 - ROMBASE}, 14, 5, "user fetch from a supervisor page: #PF 5"
        C32     [ss:X_EIP], L4 + 0x800, "saved EIP = the target"
        UPROBE  {call L3 + 0x800 - ROMBASE}, 0x30, 0, "user fetch from a user read-only page: RET ran"

        SAY     "4 MiB pages"
        mov     eax, cr4
        or      eax, 0x10
        mov     cr4, eax
        mov     dword [PD + 12], 0x00000083             ; 0xC00000: 4 MiB at 0, supervisor
        mov     eax, [0xC00000 + FB]
        C32     eax, 0xBBBBBBBB, "read through a 4 MiB page"
        C32     [PD + 12], 0x000000A3, "4 MiB PDE accessed, not dirty"
        mov     eax, [0xC00000 + FC]
        mov     [0xC00000 + 0x3FFFFC], eax
        C32     [0x3FFFFC], 0xCCCCCCCC, "write at the top of the 4 MiB page"
        C32     [PD + 12], 0x000000E3, "4 MiB PDE dirty after a write"
        UPROBE  {mov eax, [ss:0xC00000 + FB]}, 14, 5, "user read of a supervisor 4 MiB page: #PF 5"
        mov     dword [PD + 12], 0x00400085             ; 4 MiB at 4 MiB, user read-only
        mov     eax, cr3
        mov     cr3, eax
        mov     dword [0xC01234], 0x44444444            ; supervisor, CR0.WP = 0
        C32     [0x400000 + 0x1234 - 0x400000 + 0xC00000], 0x44444444, "supervisor write to a read-only 4 MiB page (WP = 0)"
        UPROBE  {mov eax, [ss:0xC01234]}, 0x30, 0, "user read of a user 4 MiB page: no fault"
        C32     [ss:X_EAX], 0x44444444, "and the data"
        UPROBE  {mov [ss:0xC01234], eax}, 14, 7, "user write to a read-only 4 MiB page: #PF 7"
        mov     dword [PD + 12], 0
        mov     eax, cr4
        and     eax, ~0x10
        mov     cr4, eax

        SAY     "INVLPG and CR3 reloads flush stale translations"
        mov     dword PTE(L7), FA + 7
        invlpg  [L7]
        mov     eax, [L7]
        C32     eax, 0xAAAAAAAA, "L7 -> frame A"
        mov     dword PTE(L7), FB + 7
        mov     eax, [L7]
        C32     eax, 0xAAAAAAAA, "PTE changed to frame B: the TLB still has frame A"
        invlpg  [L7]
        mov     eax, [L7]
        C32     eax, 0xBBBBBBBB, "after INVLPG: frame B"
        mov     dword PTE(L7), FC + 7
        mov     eax, [L7]
        C32     eax, 0xBBBBBBBB, "PTE changed to frame C: still frame B"
        mov     eax, cr3
        mov     cr3, eax
        mov     eax, [L7]
        C32     eax, 0xCCCCCCCC, "after a CR3 reload: frame C"
        UPROBE  {invlpg [L7]}, 13, 0, "INVLPG at CPL 3: #GP"

        SAY     "global pages (CR4.PGE)"
        mov     eax, cr4
        or      eax, 0x80
        mov     cr4, eax
        mov     dword PTE(L5), FA + 0x107                     ; global
        mov     dword PTE(L6), FB + 7                         ; not global
        invlpg  [L5]
        invlpg  [L6]
        mov     eax, [L5]
        mov     ebx, [L6]
        C32     eax, 0xAAAAAAAA, "global page L5 -> frame A"
        C32     ebx, 0xBBBBBBBB, "page L6 -> frame B"
        mov     dword PTE(L5), FC + 0x107
        mov     dword PTE(L6), FC + 7
        mov     eax, cr3
        mov     cr3, eax
        mov     eax, [L5]
        mov     ebx, [L6]
        C32     eax, 0xAAAAAAAA, "after a CR3 reload the global translation survives"
        C32     ebx, 0xCCCCCCCC, "after a CR3 reload the other one was flushed"
        invlpg  [L5]
        mov     eax, [L5]
        C32     eax, 0xCCCCCCCC, "INVLPG flushes a global translation"
        mov     dword PTE(L5), FA + 0x107
        mov     eax, [L5]
        C32     eax, 0xCCCCCCCC, "global, stale again"
        mov     eax, cr4
        and     eax, ~0x80
        mov     cr4, eax
        mov     eax, [L5]
        C32     eax, 0xAAAAAAAA, "clearing CR4.PGE flushes global translations"
        mov     dword PTE(L5), FB + 0x107
        mov     eax, cr3
        mov     cr3, eax
        mov     eax, [L5]
        C32     eax, 0xBBBBBBBB, "with CR4.PGE = 0 the G bit is ignored: a CR3 reload flushes"

        call    paging_off
        mov     eax, cr0
        and     eax, 0x80000000
        C32     eax, 0, "paging off again"
        FINISH

        SYS_CODE
        LIB_CODE
        ROM_END
