; SPDX-License-Identifier: MIT
;
; Guest entry and the raw hypercall.  The hypervisor enters the image at its
; first byte on every vCPU at once, in 64-bit mode (RFLAGS.IF is 1, but every
; interrupt goes to the hypervisor: a guest never takes one), with
; RDI = vCPU index, RSI = RV_GPA_BOOT and RSP = the top of this vCPU's own
; 16 KiB stack (16-byte aligned).  guest.ld keeps .text.entry first.

bits 64
default rel

extern guest_start
global _start
global hypercall6

section .text.entry progbits alloc exec nowrite align=16
_start:
	; RSP is 16-byte aligned here, which is what the ABI wants before a
	; call.  A zero RBP ends the frame-pointer chain for debuggers.
	xor ebp, ebp
	cld
	call guest_start	; (vcpu, boot): never returns
.hang:
	pause
	jmp .hang

section .text
; long hypercall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
;
; System V passes nr, a1..a5 in RDI, RSI, RDX, RCX, R8, R9 and a6 on the
; stack; the hypercall ABI wants RAX = nr and RDI, RSI, RDX, R10, R8, R9.
; The hypervisor preserves every register but RAX, so nothing needs saving.
hypercall6:
	mov rax, rdi
	mov rdi, rsi
	mov rsi, rdx
	mov rdx, rcx
	mov r10, r8
	mov r8, r9
	mov r9, [rsp + 8]
	vmcall
	ret

; No executable stack: keeps ld quiet about it.
section .note.GNU-stack noalloc noexec nowrite progbits
