; Application-processor start-up code (Vol. 3A, 9.4.4, MP Initialization
; Example).  smp.c copies trampoline_start..trampoline_end to a page below
; 1 MiB that the loader reserved, patches the marked fields, and sends
; INIT-SIPI-SIPI with that page's number as the vector.  The AP starts in
; real mode at page:0 and goes straight to 64-bit mode: PAE, the
; hypervisor's CR3, EFER.LME, then CR0.PE|PG together, then a far jump to
; a 64-bit code segment.
bits 16
section .text
global trampoline_start, trampoline_end
global tr_gdt_base, tr_jmp_target, tr_cr3, tr_stack, tr_percpu, tr_entry, tr_gdt
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
	mov eax, cr0
	or eax, 0x80000011			; PG | ET | PE
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
