; VM entry and exit (Vol. 3C, 27, VM Entries; 28.5, Loading Host State):
; see docs/03-vmx.md for the walk-through.
;
; int vmx_enter(struct guest_regs *regs, u64 launched)
;   Saves the host's callee-saved registers and the regs pointer on the
;   stack, writes RSP into HOST_RSP, loads the guest's general registers
;   and executes VMLAUNCH (first time) or VMRESUME.  Returns 0 after a VM
;   exit (through vmx_exit_entry, which is HOST_RIP), or 1 when the
;   instruction itself failed (VMfailValid/VMfailInvalid: read
;   VM_INSTRUCTION_ERROR).
bits 64
section .text
global vmx_enter, vmx_exit_entry

HOST_RSP equ 0x6c14

vmx_enter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi			; regs pointer, found again at exit
	mov rax, HOST_RSP
	vmwrite rax, rsp
	jbe .fail_early
	mov rax, rdi
	test rsi, rsi			; flags survive the MOVs below
	mov rcx, [rax + 8]
	mov rdx, [rax + 16]
	mov rbx, [rax + 24]
	mov rbp, [rax + 32]
	mov rsi, [rax + 40]
	mov rdi, [rax + 48]
	mov r8,  [rax + 56]
	mov r9,  [rax + 64]
	mov r10, [rax + 72]
	mov r11, [rax + 80]
	mov r12, [rax + 88]
	mov r13, [rax + 96]
	mov r14, [rax + 104]
	mov r15, [rax + 112]
	mov rax, [rax]
	jnz .resume
	vmlaunch
	jmp .fail
.resume:
	vmresume
.fail:					; VMfail: we are still in the host
.fail_early:
	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	mov eax, 1
	ret

vmx_exit_entry:				; HOST_RIP: RSP = HOST_RSP = &regs pointer
	push rax
	mov rax, [rsp + 8]
	mov [rax + 8], rcx
	mov [rax + 16], rdx
	mov [rax + 24], rbx
	mov [rax + 32], rbp
	mov [rax + 40], rsi
	mov [rax + 48], rdi
	mov [rax + 56], r8
	mov [rax + 64], r9
	mov [rax + 72], r10
	mov [rax + 80], r11
	mov [rax + 88], r12
	mov [rax + 96], r13
	mov [rax + 104], r14
	mov [rax + 112], r15
	pop qword [rax]			; guest RAX
	add rsp, 8			; the regs pointer
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	xor eax, eax
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
