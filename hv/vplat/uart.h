/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART as a guest sees it on eight I/O ports (COM1: 0x3f8),
 * transmit only: every byte written to THR is "sent" at once, collected
 * into lines and handed to a sink; nothing is ever received.  The
 * register model follows the National Semiconductor PC16550D data sheet
 * (register summary, table 2 ; interrupt identification, table 4), which
 * is what Linux's 8250 driver probes for (drivers/tty/serial/8250/
 * 8250_port.c, autoconfig()).  Pure: host-tested in tests/unit/test_uart.c.
 *
 * Owner: the partition's UART lock (vplat/pio.c) serialises all calls.
 */
#ifndef RV_VPLAT_UART_H
#define RV_VPLAT_UART_H

#include "abi/hypercall.h"
#include "lib/types.h"

#define UART_LINE_MAX 160 /* a longer line is flushed in pieces */

struct uart16550 {
	u8 ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thre_int;  /* a THR-empty interrupt is pending (IIR = 0x02) */
	u32 len;        /* bytes in line[] */
	char line[UART_LINE_MAX];
};

/* Called with one complete line (without its '\n'), or a full buffer. */
typedef void (*uart_sink_fn)(void *ctx, const char *line, u32 len);

void uart_reset(struct uart16550 *u);
/* off = port - base, 0..7.  Reads have side effects (IIR clears a THRE
 * interrupt, as the data sheet says). */
u8 uart_read(struct uart16550 *u, u32 off);
void uart_write(struct uart16550 *u, u32 off, u8 val, uart_sink_fn sink, void *ctx);
/* The interrupt line: some enabled interrupt is pending (IIR bit 0 clear)
 * and OUT2 is set in MCR (on a PC, OUT2 gates the UART's IRQ line), but
 * not in loopback, which holds the OUT2 pin inactive (MCR bit 4). */
bool uart_irq_line(const struct uart16550 *u);
/* Flush a partial line (e.g. when the partition stops). */
void uart_flush(struct uart16550 *u, uart_sink_fn sink, void *ctx);

/* Moving a partition (RV_HC_PLATFORM_GET/SET_STATE): the registers and
 * the partial line into s and back; uart_check: 0, or -1 for what the
 * model never holds (IER bits 7:4, MCR bits 7:5, FCR bits it drops, a
 * THR-empty interrupt without its enable, a full line, which it would
 * have flushed). */
void uart_save(const struct uart16550 *u, struct rv_platform_state *s);
int uart_check(const struct rv_platform_state *s);
void uart_restore(struct uart16550 *u, const struct rv_platform_state *s);

#endif
