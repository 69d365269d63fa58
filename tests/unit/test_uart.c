// SPDX-License-Identifier: MIT
// links: hv/vplat/uart.c
/*
 * The 16550A model against what Linux 6.1's 8250 driver does with it
 * (drivers/tty/serial/8250/8250_port.c): the probe, the start-up tests,
 * the interrupt-driven transmit path; and the line collection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vplat/uart.h"

/* include/uapi/linux/serial_reg.h */
#define UART_RX 0
#define UART_TX 0
#define UART_DLL 0
#define UART_DLM 1
#define UART_IER 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_EFR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7
#define UART_IER_THRI 0x02
#define UART_IER_UUE 0x40
#define UART_IIR_NO_INT 0x01
#define UART_FCR_ENABLE_FIFO 0x01
#define UART_FCR_CLEAR_RCVR 0x02
#define UART_FCR_CLEAR_XMIT 0x04
#define UART_FCR7_64BYTE 0x20
#define UART_LCR_DLAB 0x80
#define UART_LCR_CONF_MODE_A UART_LCR_DLAB
#define UART_LCR_CONF_MODE_B 0xbf
#define UART_LCR_WLEN8 0x03
#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

static struct uart16550 u;

/* The sink: every line it was handed. */
static char lines[16][UART_LINE_MAX + 1];
static int nr_lines;

static void sink(void *ctx, const char *line, u32 len)
{
	assert_true(len <= UART_LINE_MAX);
	assert_true(nr_lines < 16);
	memcpy(lines[nr_lines], line, len);
	lines[nr_lines][len] = 0;
	nr_lines++;
	(*(int *)ctx)++;
}
static int sink_calls;

static u8 in(u32 off)
{
	return uart_read(&u, off);
}

static void out(u32 off, u8 v)
{
	uart_write(&u, off, v, sink, &sink_calls);
}

static void puts_uart(const char *s)
{
	while (*s)
		out(UART_TX, (u8)*s++);
}

static int setup(void **state)
{
	uart_reset(&u);
	memset(lines, 0, sizeof(lines));
	nr_lines = 0;
	sink_calls = 0;
	return 0;
}

/* ---- Linux's probe, step by step ---------------------------------------- */

enum port_type {
	PORT_NONE,
	PORT_8250,
	PORT_UNKNOWN,
	PORT_16550,
	PORT_16550A,
	PORT_16650,
	PORT_NS16550A,
	PORT_16750,
	PORT_XSCALE,
	PORT_U6_16550A
};

/* size_fifo(): loop bytes back and count what arrives in RBR. */
static int size_fifo(void)
{
	u8 old_lcr = in(UART_LCR), old_fcr, old_mcr, old_dll, old_dlm;
	int count;

	out(UART_LCR, 0);
	old_fcr = in(UART_FCR);
	old_mcr = in(UART_MCR);
	out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	out(UART_MCR, UART_MCR_LOOP);
	out(UART_LCR, UART_LCR_CONF_MODE_A);
	old_dll = in(UART_DLL);
	old_dlm = in(UART_DLM);
	out(UART_DLL, 1);
	out(UART_DLM, 0);
	out(UART_LCR, UART_LCR_WLEN8);
	for (count = 0; count < 256; count++)
		out(UART_TX, (u8)count);
	for (count = 0; (in(UART_LSR)&UART_LSR_DR) && count < 256; count++)
		in(UART_RX);
	out(UART_FCR, old_fcr);
	out(UART_MCR, old_mcr);
	out(UART_LCR, UART_LCR_CONF_MODE_A);
	out(UART_DLL, old_dll);
	out(UART_DLM, old_dlm);
	out(UART_LCR, old_lcr);
	return count;
}

/* autoconfig_16550a() with UPF_FULL_PROBE: every variant test must fail. */
static enum port_type autoconfig_16550a_variants(void)
{
	u8 status1, status2, iersave;

	/* EFR under LCR = 0x80: offset 2 is IIR (0xc1), not an EFR of 0. */
	out(UART_LCR, UART_LCR_CONF_MODE_A);
	if (in(UART_EFR) == 0)
		return PORT_16650;
	/* EFR under LCR = 0xbf. */
	out(UART_LCR, UART_LCR_CONF_MODE_B);
	if (in(UART_EFR) == 0)
		return PORT_16650;
	/* National SuperIO: EXCR1 (offset 2 under LCR = 0xe0) follows MCR.LOOP. */
	out(UART_LCR, 0);
	status1 = in(UART_MCR);
	out(UART_LCR, 0xe0);
	status2 = in(0x02);
	if (!((status2 ^ status1) & UART_MCR_LOOP)) {
		out(UART_LCR, 0);
		out(UART_MCR, status1 ^ UART_MCR_LOOP);
		out(UART_LCR, 0xe0);
		status2 = in(0x02);
		out(UART_LCR, 0);
		out(UART_MCR, status1);
		if ((status2 ^ status1) & UART_MCR_LOOP)
			return PORT_NS16550A;
	}
	/* TI16750: IIR bit 5 with FCR bit 5, with and without DLAB. */
	out(UART_LCR, 0);
	out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR7_64BYTE);
	status1 = in(UART_IIR) >> 5;
	out(UART_FCR, UART_FCR_ENABLE_FIFO);
	out(UART_LCR, UART_LCR_CONF_MODE_A);
	out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR7_64BYTE);
	status2 = in(UART_IIR) >> 5;
	out(UART_FCR, UART_FCR_ENABLE_FIFO);
	out(UART_LCR, 0);
	if (status1 == 6 && status2 == 7)
		return PORT_16750;
	/* XScale: IER bit 6 sticks. */
	iersave = in(UART_IER);
	out(UART_IER, iersave & ~UART_IER_UUE);
	if (!(in(UART_IER)&UART_IER_UUE)) {
		out(UART_IER, iersave | UART_IER_UUE);
		if (in(UART_IER)&UART_IER_UUE)
			return PORT_XSCALE;
	}
	out(UART_IER, iersave);
	if (size_fifo() == 64)
		return PORT_U6_16550A;
	return PORT_16550A;
}

/* autoconfig(), without the UPF_BUGGY_UART / UPF_SKIP_TEST shortcuts. */
static enum port_type autoconfig(bool full_probe)
{
	u8 scratch, scratch2, scratch3, status1, save_lcr, save_mcr;
	enum port_type type = PORT_NONE;

	scratch = in(UART_IER);
	out(UART_IER, 0);
	scratch2 = in(UART_IER)&0x0f;
	out(UART_IER, 0x0f);
	scratch3 = in(UART_IER)&0x0f;
	out(UART_IER, scratch);
	if (scratch2 != 0 || scratch3 != 0x0f)
		return PORT_NONE; /* "IER test failed" */

	save_mcr = in(UART_MCR);
	save_lcr = in(UART_LCR);
	out(UART_MCR, UART_MCR_LOOP | 0x0a);
	status1 = in(UART_MSR)&0xf0;
	out(UART_MCR, save_mcr);
	if (status1 != 0x90)
		return PORT_NONE; /* "LOOP test failed" */

	out(UART_LCR, UART_LCR_CONF_MODE_B);
	out(UART_EFR, 0);
	out(UART_LCR, 0);
	out(UART_FCR, UART_FCR_ENABLE_FIFO);
	scratch = in(UART_IIR);
	switch (scratch >> 6) {
	case 0:
		type = PORT_8250;
		break;
	case 1:
		type = PORT_UNKNOWN;
		break;
	case 2:
		type = PORT_16550;
		break;
	case 3:
		type = full_probe ? autoconfig_16550a_variants() : PORT_16550A;
		break;
	}
	out(UART_LCR, save_lcr);
	/* "Reset the UART": serial8250_clear_fifos(), RX, serial8250_clear_IER(). */
	out(UART_MCR, save_mcr);
	out(UART_FCR, UART_FCR_ENABLE_FIFO);
	out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	out(UART_FCR, 0);
	in(UART_RX);
	out(UART_IER, 0);
	return type;
}

static void test_probe_is_16550a(void **s)
{
	assert_int_equal(autoconfig(false), PORT_16550A);
	/* The probe printed nothing and left the port as it found it. */
	assert_int_equal(sink_calls, 0);
	assert_int_equal(in(UART_LCR), 0);
	assert_int_equal(in(UART_MCR), 0);
	assert_int_equal(in(UART_IER), 0);
	assert_int_equal(in(UART_IIR), UART_IIR_NO_INT);
}

static void test_full_probe_finds_no_variant(void **s)
{
	/* CONFIG_SERIAL_8250_16550A_VARIANTS or UPF_FULL_PROBE. */
	assert_int_equal(autoconfig(true), PORT_16550A);
	/* size_fifo()'s 256 bytes went to the loopback, not the console. */
	uart_flush(&u, sink, &sink_calls);
	assert_int_equal(sink_calls, 0);
	/* size_fifo() restored the divisor. */
	out(UART_LCR, UART_LCR_DLAB);
	assert_int_equal(in(UART_DLL), 0);
	assert_int_equal(in(UART_DLM), 0);
}

static void test_ier_has_four_bits(void **s)
{
	out(UART_IER, 0xff);
	assert_int_equal(in(UART_IER), 0x0f);
	out(UART_IER, 0);
	assert_int_equal(in(UART_IER), 0);
}

static void test_fifo_bits_follow_fcr(void **s)
{
	assert_int_equal(in(UART_IIR), 0x01);
	out(UART_FCR, UART_FCR_ENABLE_FIFO | 0xc0);
	assert_int_equal(in(UART_IIR), 0xc1);
	/* FCR's other bits are taken only with bit 0; bit 0 clear turns them off. */
	out(UART_FCR, 0xc0);
	assert_int_equal(in(UART_IIR), 0x01);
	/* DLAB does not reach offset 2. */
	out(UART_LCR, UART_LCR_DLAB);
	out(UART_FCR, UART_FCR_ENABLE_FIFO);
	assert_int_equal(in(UART_IIR), 0xc1);
}

static void test_dlab_divisor_latch(void **s)
{
	out(UART_IER, 0x05);
	out(UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	out(UART_DLL, 0x0c); /* 9600 baud from 1.8432 MHz */
	out(UART_DLM, 0x34);
	assert_int_equal(in(UART_DLL), 0x0c);
	assert_int_equal(in(UART_DLM), 0x34);
	assert_int_equal(in(UART_LCR), UART_LCR_DLAB | UART_LCR_WLEN8);
	/* A DLL write is not a byte sent. */
	assert_int_equal(sink_calls, 0);
	uart_flush(&u, sink, &sink_calls);
	assert_int_equal(sink_calls, 0);
	out(UART_LCR, UART_LCR_WLEN8);
	assert_int_equal(in(UART_IER), 0x05);
	assert_int_equal(in(UART_RX), 0);
	/* The latch keeps its value behind IER and RBR. */
	out(UART_LCR, UART_LCR_DLAB);
	assert_int_equal(in(UART_DLL), 0x0c);
	assert_int_equal(in(UART_DLM), 0x34);
}

static void test_scratch_lcr_lsr(void **s)
{
	for (int v = 0; v < 256; v++) {
		out(UART_SCR, (u8)v);
		assert_int_equal(in(UART_SCR), v);
	}
	out(UART_LCR, 0x5b);
	assert_int_equal(in(UART_LCR), 0x5b);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	out(UART_LSR, 0xff); /* read-only */
	assert_int_equal(in(UART_LSR), 0x60);
	assert_int_equal(in(8), 0xff); /* beyond the eight ports */
}

static void test_loopback_msr(void **s)
{
	/* Out of loopback: a connected, ready terminal (CTS, DSR, DCD). */
	assert_int_equal(in(UART_MSR), 0xb0);
	out(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT1 | UART_MCR_OUT2);
	assert_int_equal(in(UART_MSR), 0xb0);
	/* In loopback each output drives its input: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
	const struct {
		u8 mcr, msr;
	} cases[] = {
	    {0, 0x00},
	    {UART_MCR_RTS, 0x10},
	    {UART_MCR_DTR, 0x20},
	    {UART_MCR_OUT1, 0x40},
	    {UART_MCR_OUT2, 0x80},
	    {UART_MCR_OUT2 | UART_MCR_RTS, 0x90}, /* autoconfig()'s test */
	    {0x0f, 0xf0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out(UART_MCR, UART_MCR_LOOP | cases[i].mcr);
		assert_int_equal(in(UART_MSR), cases[i].msr);
	}
	/* MCR bits 7:5 do not exist on a 16550. */
	out(UART_MCR, 0xff);
	assert_int_equal(in(UART_MCR), 0x1f);
	out(UART_MCR, 0);
	assert_int_equal(in(UART_MSR), 0xb0);
}

/* ---- the THR-empty interrupt -------------------------------------------- */

static void test_thre_set_and_clear(void **s)
{
	out(UART_MCR, UART_MCR_OUT2);
	assert_false(uart_irq_line(&u));
	/* ETBEI 0 -> 1 with THR empty: pending at once. */
	out(UART_IER, UART_IER_THRI);
	assert_true(u.thre_int);
	assert_true(uart_irq_line(&u));
	/* Writing IER again with ETBEI still set raises nothing new ... */
	assert_int_equal(in(UART_IIR), 0x02);
	out(UART_IER, UART_IER_THRI);
	assert_int_equal(in(UART_IIR), 0x01);
	/* ... reading IIR cleared it, and a second read finds nothing. */
	assert_false(uart_irq_line(&u));
	/* A THR write: the byte leaves at once, THR is empty, pending again. */
	out(UART_TX, 'x');
	assert_true(uart_irq_line(&u));
	/* Reading other registers does not clear it. */
	in(UART_LSR);
	in(UART_MSR);
	in(UART_RX);
	assert_true(uart_irq_line(&u));
	/* OUT2 gates the line, not the interrupt. */
	out(UART_MCR, 0);
	assert_false(uart_irq_line(&u));
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	assert_false(uart_irq_line(&u)); /* loopback holds OUT2's pin inactive */
	out(UART_MCR, UART_MCR_OUT2);
	assert_true(uart_irq_line(&u));
	/* Clearing ETBEI drops it; setting it again raises it again. */
	out(UART_IER, 0);
	assert_false(uart_irq_line(&u));
	assert_int_equal(in(UART_IIR), 0x01);
	out(UART_TX, 'y'); /* without ETBEI no interrupt */
	assert_false(uart_irq_line(&u));
	out(UART_IER, UART_IER_THRI);
	assert_true(uart_irq_line(&u));
	/* With FIFOs on, IIR says so in bits 7:6 and still clears on read. */
	out(UART_FCR, UART_FCR_ENABLE_FIFO);
	assert_int_equal(in(UART_IIR), 0xc2);
	assert_int_equal(in(UART_IIR), 0xc1);
}

/* serial8250_do_startup(): neither UART_BUG_THRE nor UART_BUG_TXEN. */
static void test_startup_thre_tests(void **s)
{
	u8 iir1, iir, lsr;

	/* Clear FIFOs and interrupts. */
	out(UART_FCR, UART_FCR_ENABLE_FIFO);
	out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	out(UART_FCR, 0);
	in(UART_LSR);
	in(UART_RX);
	in(UART_IIR);
	in(UART_MSR);
	assert_int_not_equal(in(UART_LSR), 0xff); /* "LSR safety check" */
	/* The THRE re-assert test. */
	assert_true(in(UART_LSR)&UART_LSR_THRE); /* wait_for_xmitr */
	out(UART_IER, UART_IER_THRI);
	iir1 = in(UART_IIR);
	out(UART_IER, 0);
	out(UART_IER, UART_IER_THRI);
	iir = in(UART_IIR);
	out(UART_IER, 0);
	assert_false(!(iir1 & UART_IIR_NO_INT) && (iir & UART_IIR_NO_INT)); /* UART_BUG_THRE */
	/* LCR, then OUT2 since the port has an IRQ. */
	out(UART_LCR, UART_LCR_WLEN8);
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	/* The TXEN test. */
	out(UART_IER, UART_IER_THRI);
	lsr = in(UART_LSR);
	iir = in(UART_IIR);
	out(UART_IER, 0);
	assert_false((lsr & UART_LSR_TEMT) && (iir & UART_IIR_NO_INT)); /* UART_BUG_TXEN */
}

/*
 * Interrupt-driven output as Linux does it: start_tx sets ETBEI; each
 * interrupt, the handler reads IIR, then LSR, and serial8250_tx_chars()
 * writes up to tx_loadsz (16) bytes; when the buffer is empty __stop_tx()
 * clears ETBEI.  Returns how many interrupts it took.
 */
static int linux_tx(const char *buf)
{
	size_t len = strlen(buf), pos = 0;
	int irqs = 0;
	u8 ier = in(UART_IER);

	out(UART_IER, ier | UART_IER_THRI); /* __start_tx */
	while (uart_irq_line(&u)) {
		u8 iir = in(UART_IIR), lsr;

		irqs++;
		assert_int_equal(iir & 0x0f, 0x02);
		lsr = in(UART_LSR);
		assert_true(lsr & UART_LSR_THRE);
		for (int count = 16; count > 0 && pos < len; count--)
			out(UART_TX, (u8)buf[pos++]);
		if (pos == len)
			out(UART_IER, in(UART_IER) & ~UART_IER_THRI); /* __stop_tx */
		assert_true(irqs < 100);
	}
	assert_int_equal(pos, len);
	return irqs;
}

static void test_interrupt_driven_output(void **s)
{
	out(UART_LCR, UART_LCR_WLEN8);
	out(UART_FCR, UART_FCR_ENABLE_FIFO | 0xc0);
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	/* 40 bytes: 3 batches of 16. */
	assert_int_equal(linux_tx("Linux version 6.1.0 (gcc) #1 SMP\r\nlogin\r\n"), 3);
	assert_int_equal(nr_lines, 2);
	assert_string_equal(lines[0], "Linux version 6.1.0 (gcc) #1 SMP");
	assert_string_equal(lines[1], "login");
	assert_false(uart_irq_line(&u));
	assert_int_equal(in(UART_IIR), 0xc1);
}

/* ---- lines -------------------------------------------------------------- */

static void test_line_splitting(void **s)
{
	puts_uart("one\r\ntwo\n\nthree");
	assert_int_equal(nr_lines, 2); /* an empty line hands the sink nothing */
	assert_string_equal(lines[0], "one");
	assert_string_equal(lines[1], "two");
	assert_int_equal(u.len, 5);
	puts_uart("\r\r");
	assert_int_equal(u.len, 5); /* '\r' is dropped */
	uart_flush(&u, sink, &sink_calls);
	assert_int_equal(nr_lines, 3);
	assert_string_equal(lines[2], "three");
	uart_flush(&u, sink, &sink_calls);
	assert_int_equal(nr_lines, 3); /* nothing left */
	/* Without a sink the bytes are dropped, not kept. */
	uart_write(&u, UART_TX, 'z', NULL, NULL);
	uart_write(&u, UART_TX, '\n', NULL, NULL);
	assert_int_equal(u.len, 0);
	assert_int_equal(nr_lines, 3);
}

static void test_long_line(void **s)
{
	char buf[2 * UART_LINE_MAX + 11];

	for (size_t i = 0; i < sizeof(buf) - 1; i++)
		buf[i] = (char)('a' + i % 26);
	buf[sizeof(buf) - 1] = 0;
	puts_uart(buf);
	/* Two full buffers went out as they filled up. */
	assert_int_equal(nr_lines, 2);
	assert_int_equal(strlen(lines[0]), UART_LINE_MAX);
	assert_int_equal(strlen(lines[1]), UART_LINE_MAX);
	assert_memory_equal(lines[0], buf, UART_LINE_MAX);
	assert_memory_equal(lines[1], buf + UART_LINE_MAX, UART_LINE_MAX);
	assert_int_equal(u.len, 10);
	out(UART_TX, '\n');
	assert_int_equal(nr_lines, 3);
	assert_string_equal(lines[2], buf + 2 * UART_LINE_MAX);
	/* A line of exactly UART_LINE_MAX bytes and its '\n': one line, no empty one. */
	memset(buf, 'q', UART_LINE_MAX);
	buf[UART_LINE_MAX] = '\n';
	buf[UART_LINE_MAX + 1] = 0;
	puts_uart(buf);
	assert_int_equal(nr_lines, 4);
	assert_int_equal(strlen(lines[3]), UART_LINE_MAX);
}

static void test_reset(void **s)
{
	out(UART_IER, 0x0f);
	out(UART_LCR, 0x83);
	out(UART_DLL, 1);
	out(UART_MCR, 0x1f);
	out(UART_SCR, 0x55);
	puts_uart("abc");
	uart_reset(&u);
	assert_int_equal(in(UART_IER), 0);
	assert_int_equal(in(UART_LCR), 0);
	assert_int_equal(in(UART_MCR), 0);
	assert_int_equal(in(UART_SCR), 0);
	assert_int_equal(in(UART_IIR), 0x01);
	assert_int_equal(u.len, 0);
	out(UART_LCR, UART_LCR_DLAB);
	assert_int_equal(in(UART_DLL), 0);
}


/* ---- moving a partition (uart_save / uart_check / uart_restore) ----------- */

static void test_state_round_trip(void **s)
{
	struct rv_platform_state st;
	struct uart16550 m;

	out(UART_LCR, UART_LCR_DLAB);
	out(UART_DLL, 1);
	out(UART_DLM, 0);
	out(UART_LCR, UART_LCR_WLEN8);
	out(UART_FCR, UART_FCR_ENABLE_FIFO);
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	out(UART_SCR, 0x5a);
	out(UART_IER, UART_IER_THRI);
	puts_uart("RVLINUX heart"); /* half a line, waiting for its end */
	memset(&st, 0, sizeof(st));
	uart_save(&u, &st);
	assert_int_equal(uart_check(&st), 0);
	memset(&m, 0xa5, sizeof(m));
	uart_restore(&m, &st);
	assert_memory_equal(&m, &u, sizeof(u));
	assert_int_equal(uart_irq_line(&m), uart_irq_line(&u));
	/* The rest of the line, written to the copy, ends the whole line. */
	int before = nr_lines;
	for (const char *c = "beat 7\n"; *c; c++)
		uart_write(&m, UART_TX, (u8)*c, sink, &sink_calls);
	assert_int_equal(nr_lines, before + 1);
	assert_string_equal(lines[before], "RVLINUX heartbeat 7");
}

static void test_state_refusals(void **s)
{
	struct rv_platform_state good, st;

	memset(&good, 0, sizeof(good));
	out(UART_IER, UART_IER_THRI);
	out(UART_FCR, UART_FCR_ENABLE_FIFO);
	uart_save(&u, &good);
	assert_int_equal(uart_check(&good), 0);
	st = good;
	st.uart_ier |= UART_IER_UUE; /* bits 7:4 are 0 on a 16550 */
	assert_int_equal(uart_check(&st), -1);
	st = good;
	st.uart_mcr = 0x20; /* bits 7:5 */
	assert_int_equal(uart_check(&st), -1);
	st = good;
	st.uart_fcr = 0xc0; /* FIFO bits without bit 0 */
	assert_int_equal(uart_check(&st), -1);
	st = good;
	st.uart_fcr = UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_XMIT; /* self-clearing: never kept */
	assert_int_equal(uart_check(&st), -1);
	st = good;
	st.uart_ier = 0; /* a THR-empty interrupt without its enable */
	assert_int_equal(uart_check(&st), -1);
	st = good;
	st.uart_thre_int = 2;
	assert_int_equal(uart_check(&st), -1);
	st = good;
	st.uart_len = UART_LINE_MAX; /* a full line is flushed, never kept */
	assert_int_equal(uart_check(&st), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_probe_is_16550a, setup),
	    cmocka_unit_test_setup(test_state_round_trip, setup),
	    cmocka_unit_test_setup(test_state_refusals, setup),
	    cmocka_unit_test_setup(test_full_probe_finds_no_variant, setup),
	    cmocka_unit_test_setup(test_ier_has_four_bits, setup),
	    cmocka_unit_test_setup(test_fifo_bits_follow_fcr, setup),
	    cmocka_unit_test_setup(test_dlab_divisor_latch, setup),
	    cmocka_unit_test_setup(test_scratch_lcr_lsr, setup),
	    cmocka_unit_test_setup(test_loopback_msr, setup),
	    cmocka_unit_test_setup(test_thre_set_and_clear, setup),
	    cmocka_unit_test_setup(test_startup_thre_tests, setup),
	    cmocka_unit_test_setup(test_interrupt_driven_output, setup),
	    cmocka_unit_test_setup(test_line_splitting, setup),
	    cmocka_unit_test_setup(test_long_line, setup),
	    cmocka_unit_test_setup(test_reset, setup),
	};
	return cmocka_run_group_tests_name("uart", tests, NULL, NULL);
}
