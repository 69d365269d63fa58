; Hypervisor entry from the UEFI loader.
; The loader has exited boot services and jumps here in 64-bit mode on the
; boot CPU, with OVMF's identity-mapped page tables still live and RDI
; pointing to struct rv_bootinfo.  We switch to our own stack at once and
; call hv_main(); everything else (GDT, IDT, page tables) is set up in C.

bits 64
section .hvheader
extern __hv_file_end
extern __hv_end
global hv_header
hv_header:				; struct rv_hv_image_header
	dq 0x5648524956474e52		; RV_HV_IMAGE_MAGIC
	dq 0x02000000			; load_addr
	dq __hv_file_end - 0x02000000	; file_size
	dq __hv_end - 0x02000000	; mem_size
	dq hv_entry			; entry

section .text
extern hv_main
extern hv_stacks
global hv_entry
hv_entry:
	cli
	cld
	mov rsp, hv_stacks + 32768	; CPU 0 stack (hv/trampoline.asm)
	xor rbp, rbp
	call hv_main			; never returns
.hang:	hlt
	jmp .hang

section .note.GNU-stack noalloc noexec nowrite progbits
