// SPDX-License-Identifier: MIT
/*
 * rvcrash: misbehave on purpose, for the isolation runs of the linux
 * scenario (guest/mgmt/linux.c, misbehave=).  Each way must stop only
 * this Linux partition, with the reason the management partition expects:
 *
 *   rvcrash triple   zero the kernel's IDT through /dev/mem: the next
 *                    interrupt finds no gate, nor does the #NP, nor the
 *                    double fault: a triple fault (VM exit 2).
 *   rvcrash devmem   store to guest-physical 0xc0000000, outside the
 *                    partition's RAM, through a /dev/mem mapping: an EPT
 *                    violation with that address.
 *
 * Linux userspace (static, libc only).  Returns only if the guest survived
 * what it did, which is a failure.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define OUTSIDE_RAM 0xc0000000ul

/* A symbol's address from /proc/kallsyms (root sees real addresses). */
static unsigned long ksym(const char *name)
{
	char line[256], sym[128];
	unsigned long addr;
	char type;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %c %127s", &addr, &type, sym) == 3 && !strcmp(sym, name)) {
			fclose(f);
			return addr;
		}
	fclose(f);
	return 0;
}

/* Where the kernel's text starts in physical memory (/proc/iomem). */
static unsigned long kernel_code_phys(void)
{
	char line[256];
	unsigned long start, end;
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "Kernel code") && sscanf(line, " %lx-%lx", &start, &end) == 2) {
			fclose(f);
			return start;
		}
	fclose(f);
	return 0;
}

static int triple(void)
{
	unsigned long idt = ksym("idt_table"), text = ksym("_text"), code = kernel_code_phys();
	int fd = open("/dev/mem", O_RDWR | O_SYNC);

	if (!idt || !text || !code || fd < 0) {
		printf("rvcrash: idt_table %lx _text %lx code %lx /dev/mem %d\n", idt, text, code,
		       fd);
		return 1;
	}
	/* The kernel image is mapped linearly: physical = code + (virt - _text).
	 * The kernel's own mappings of idt_table are read-only (6.1 maps it
	 * read-only after boot), so write it through a mapping of our own. */
	unsigned long phys = code + (idt - text);
	unsigned char *p =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)(phys & ~4095ul));
	if (p == MAP_FAILED) {
		perror("rvcrash: mmap");
		return 1;
	}
	printf("rvcrash: zeroing the IDT at physical %lx\n", phys);
	fflush(stdout);
	memset(p + (phys & 4095), 0, 4096 - (phys & 4095));
	sleep(5); /* the next timer interrupt ends it */
	return 1;
}

static int devmem(void)
{
	int fd = open("/dev/mem", O_RDWR | O_SYNC);

	if (fd < 0) {
		perror("rvcrash: /dev/mem");
		return 1;
	}
	volatile uint32_t *p =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)OUTSIDE_RAM);
	if (p == MAP_FAILED) {
		perror("rvcrash: mmap");
		return 1;
	}
	printf("rvcrash: storing to physical %lx\n", OUTSIDE_RAM);
	fflush(stdout);
	*p = 0x52564d45; /* "EMVR" */
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "triple"))
		return triple();
	if (argc == 2 && !strcmp(argv[1], "devmem"))
		return devmem();
	fprintf(stderr, "usage: rvcrash triple|devmem\n");
	return 2;
}
