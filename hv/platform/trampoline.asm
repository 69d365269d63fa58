; Application-processor start-up code (Vol. 3A, 9.4.4, MP Initialization
; Example).  smp.c copies trampoline_start..trampoline_end to a page below
; 1 MiB that the loader reserved, patches the marked fields, and sends
; INIT-SIPI-SIPI with that page's number as the vector.  The AP starts in
; real mode at page:0 and goes straight to 64-bit mode: PAE, the
; hypervisor's CR3, EFER.LME, then all of CR0 (HV_CR0, platform/cpustate.h:
; PE and PG together, caches on) at once, then a far jump to a 64-bit code
; segment.
;
; CR0 is written whole, not ORed into: INIT leaves CD and NW as they were
; (Vol. 3A, 10.1.1, Processor State After Reset), and VM entry does not load
; them from the guest-state area, so an AP that kept them would run itself
; and every guest uncached.  Leaving that mode is the reverse of Vol. 3A,
; 12.5.3, Preventing Caching: write back and invalidate what the caches hold
; (WBINVD; with NW set they need not agree with memory), then clear CD and
; NW, which is the normal cache mode (12.5.1, Table 12-5).
bits 16
section .text
global trampoline_start, trampoline_end
global tr_gdt_base, tr_jmp_target, tr_cr0, tr_cr3, tr_stack, tr_percpu, tr_entry, tr_gdt
trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	lgdt [tr_gdtr - trampoline_start]
	mov eax, cr4
	or eax, (1 << 5)			; PAE
	mov cr4, eax
	mov eax, [tr_cr3 - trampoline_start]
	mov cr3, eax
	mov ecx, 0xc0000080			; IA32_EFER
	rdmsr
	or eax, (1 << 8)			; LME
	wrmsr
	wbinvd
	mov eax, [tr_cr0 - trampoline_start]	; HV_CR0: PG, WP, NE, ET, MP, PE
	mov cr0, eax
	db 0x66, 0xea				; jmp dword 0x08:tr_jmp_target
tr_jmp_target:
	dd 0					; patched: page + (long_mode - start)
	dw 0x08

align 8
tr_gdt:
	dq 0
	dq 0x00af9a000000ffff			; 0x08: 64-bit code
	dq 0x00cf92000000ffff			; 0x10: data
tr_gdtr:
	dw 23
tr_gdt_base:
	dd 0					; patched: page + (tr_gdt - start)
tr_cr0:	dd 0					; patched: HV_CR0
align 8
tr_cr3:	dq 0					; patched: hypervisor CR3
tr_stack: dq 0					; patched per AP: its stack top
tr_percpu: dq 0					; patched per AP: its struct percpu
tr_entry: dq 0					; patched: ap_main

bits 64
global tr_long_mode
tr_long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [rel tr_stack]
	mov rdi, [rel tr_percpu]
	mov rax, [rel tr_entry]
	xor rbp, rbp
	call rax
.hang:	hlt
	jmp .hang
trampoline_end:

section .bss
align 4096
global hv_stacks
hv_stacks:
	resb 16 * 32768				; RV_MAX_CPUS * HV_STACK_SIZE

section .note.GNU-stack noalloc noexec nowrite progbits
