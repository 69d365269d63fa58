// SPDX-License-Identifier: MIT
/*
 * A transmit-only 16550A (hv/vplat/uart.h).  Register offsets and bits are
 * those of the PC16550D data sheet; the names follow Linux's
 * include/uapi/linux/serial_reg.h, because Linux's 8250 driver is the one
 * reader whose probe this model must pass:
 *
 *   autoconfig()            IER holds 0x00 and 0x0f (existence test); in
 *                           loopback, MCR = LOOP|OUT2|RTS reads back as
 *                           MSR[7:4] = DCD|CTS (0x90); FCR bit 0 sets
 *                           IIR[7:6] = 11b, which names a 16550A.
 *   autoconfig_16550a()     (only with CONFIG_SERIAL_8250_16550A_VARIANTS,
 *                           off on x86): offset 2 is IIR whatever LCR says,
 *                           so no EFR is found; IIR bit 5 stays 0 with FCR
 *                           bit 5 (not a 16750); IER bit 6 does not stick
 *                           (not an XScale); nothing loops back into RBR,
 *                           so the FIFO sizes as 0 (not a U6).
 *   serial8250_do_startup() the THRE test: enabling ETBEI raises THRE
 *                           again after IIR cleared it, as a real 16550
 *                           does, so Linux sets neither UART_BUG_THRE nor
 *                           UART_BUG_TXEN and drives output by interrupt.
 */
#include "lib/types.h"
#include "lib/lib.h"
#include "vplat/uart.h"

/* Register offsets (data sheet, table 2). */
#define UART_RX 0  /* in: RBR; DLL with LCR.DLAB */
#define UART_TX 0  /* out: THR; DLL with LCR.DLAB */
#define UART_IER 1 /* DLM with LCR.DLAB */
#define UART_IIR 2 /* in */
#define UART_FCR 2 /* out */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_THRI 0x02 /* ETBEI: interrupt when THR is empty */
#define IER_MASK 0x0f /* bits 7:4 are 0 on a 16550 */

#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_FIFO 0xc0 /* both bits set while FCR bit 0 is set */

#define FCR_ENABLE 0x01
/*
 * Bits FCR keeps: trigger level (7:6), DMA mode (3), enable (0).  Bits 2:1
 * clear the FIFOs and clear themselves; bits 5:4 are reserved on a 16550A.
 */
#define FCR_KEEP 0xc9

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f /* bits 7:5 are 0 on a 16550 */

#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

void uart_reset(struct uart16550 *u)
{
	/* Data sheet, table 5 (reset): every register we keep resets to 0. */
	memset(u, 0, sizeof(*u));
}

static bool dlab(const struct uart16550 *u)
{
	return u->lcr & LCR_DLAB;
}

static bool loopback(const struct uart16550 *u)
{
	return u->mcr & MCR_LOOP;
}

/*
 * IIR: the highest-priority pending source that IER enables.  Nothing is
 * ever received and the line never breaks, so of the four sources (data
 * sheet, table 4) only THR empty can be pending; the modem-status source
 * needs an MSR delta bit, and the modem inputs never change (see msr()).
 */
static u8 iir(const struct uart16550 *u)
{
	u8 fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	return fifo | (u->thre_int ? IIR_THRI : IIR_NO_INT);
}

/*
 * MSR.  In loopback the four modem outputs drive the four modem inputs
 * inside the chip (data sheet, MCR bit 4): RTS -> CTS, DTR -> DSR,
 * OUT1 -> RI, OUT2 -> DCD, so MCR bits 3:0 show up in MSR bits 7:4 in the
 * order DCD RI DSR CTS = OUT2 OUT1 DTR RTS (note RTS/DTR cross over:
 * autoconfig() writes LOOP|OUT2|RTS and expects 0x90).  Outside loopback
 * the port looks connected to a terminal that is always ready: CTS, DSR
 * and DCD asserted, no ring.  The delta bits 3:0 stay 0: outside loopback
 * the inputs never change, and Linux reads only bits 7:4 of its loopback
 * test.
 */
static u8 msr(const struct uart16550 *u)
{
	if (!loopback(u))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	return ((u->mcr & MCR_RTS) ? MSR_CTS : 0) | ((u->mcr & MCR_DTR) ? MSR_DSR : 0) |
	       ((u->mcr & MCR_OUT1) ? MSR_RI : 0) | ((u->mcr & MCR_OUT2) ? MSR_DCD : 0);
}

u8 uart_read(struct uart16550 *u, u32 off)
{
	u8 v;

	switch (off) {
	case UART_RX:
		/* Nothing is ever received: RBR holds 0 and LSR.DR stays clear. */
		return dlab(u) ? u->dll : 0;
	case UART_IER:
		return dlab(u) ? u->dlm : u->ier;
	case UART_IIR:
		/*
		 * Reading IIR while it names THR empty clears that interrupt
		 * (data sheet, table 4: "reading the IIR (if source of
		 * interrupt)").  DLAB does not reach offset 2.
		 */
		v = iir(u);
		if ((v & 0x0f) == IIR_THRI)
			u->thre_int = false;
		return v;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		/* Every byte leaves at once: THR and the shifter are always empty. */
		return LSR_TEMT | LSR_THRE;
	case UART_MSR:
		return msr(u);
	case UART_SCR:
		return u->scr;
	}
	return 0xff; /* no such register: an undriven bus reads all ones */
}

static void flush(struct uart16550 *u, uart_sink_fn sink, void *ctx)
{
	if (u->len && sink)
		sink(ctx, u->line, u->len);
	u->len = 0;
}

/* One byte left THR for the outside world: collect it into a line. */
static void put(struct uart16550 *u, u8 c, uart_sink_fn sink, void *ctx)
{
	if (c == '\n') {
		flush(u, sink, ctx);
		return;
	}
	/* Linux's console ends lines with "\r\n" (uart_console_write). */
	if (c == '\r')
		return;
	u->line[u->len++] = (char)c;
	if (u->len == UART_LINE_MAX)
		flush(u, sink, ctx);
}

void uart_write(struct uart16550 *u, u32 off, u8 val, uart_sink_fn sink, void *ctx)
{
	switch (off) {
	case UART_TX:
		if (dlab(u)) {
			u->dll = val;
			return;
		}
		/*
		 * In loopback the transmitter feeds the (absent) receiver and
		 * the serial output is held marking (data sheet, MCR bit 4):
		 * nothing goes out.  Linux's size_fifo() writes 256 bytes
		 * here in loopback; they must not reach the console.
		 */
		if (!loopback(u))
			put(u, val, sink, ctx);
		/*
		 * Writing THR clears a THR-empty interrupt; the byte leaves at
		 * once, so THR is empty again and the interrupt is pending
		 * again if enabled.  Linux's serial8250_tx_chars() relies on
		 * this to be called for the next batch.
		 */
		u->thre_int = u->ier & IER_THRI;
		return;
	case UART_IER:
		if (dlab(u)) {
			u->dlm = val;
			return;
		}
		/*
		 * Setting ETBEI while THR is empty raises the interrupt (the
		 * 16550 behaviour serial8250_do_startup() tests for); clearing
		 * it drops it, so thre_int never outlives its enable bit.
		 */
		if ((val & IER_THRI) && !(u->ier & IER_THRI))
			u->thre_int = true;
		if (!(val & IER_THRI))
			u->thre_int = false;
		u->ier = val & IER_MASK;
		return;
	case UART_FCR:
		/*
		 * The other FCR bits are programmed only together with bit 0
		 * (data sheet, FCR bit 0); clearing bit 0 turns the FIFOs off.
		 */
		u->fcr = (val & FCR_ENABLE) ? (val & FCR_KEEP) : 0;
		return;
	case UART_LCR:
		u->lcr = val;
		return;
	case UART_MCR:
		u->mcr = val & MCR_MASK;
		return;
	case UART_SCR:
		u->scr = val;
		return;
	}
	/* LSR and MSR are read-only here (their writes are factory tests). */
}

bool uart_irq_line(const struct uart16550 *u)
{
	/*
	 * INTR reaches the PC's interrupt line only through the buffer that
	 * OUT2 enables; loopback forces the OUT2 pin inactive (data sheet,
	 * MCR bit 4), so no interrupt leaves the chip in loopback.
	 */
	if (!(u->mcr & MCR_OUT2) || loopback(u))
		return false;
	return !(iir(u) & IIR_NO_INT);
}

void uart_flush(struct uart16550 *u, uart_sink_fn sink, void *ctx)
{
	flush(u, sink, ctx);
}

_Static_assert(RV_UART_LINE_MAX == UART_LINE_MAX, "rv_platform_state.uart_line holds a line");

void uart_save(const struct uart16550 *u, struct rv_platform_state *s)
{
	s->uart_ier = u->ier;
	s->uart_lcr = u->lcr;
	s->uart_mcr = u->mcr;
	s->uart_scr = u->scr;
	s->uart_dll = u->dll;
	s->uart_dlm = u->dlm;
	s->uart_fcr = u->fcr;
	s->uart_thre_int = u->thre_int;
	s->uart_len = u->len;
	memcpy(s->uart_line, u->line, UART_LINE_MAX);
}

int uart_check(const struct rv_platform_state *s)
{
	if (s->uart_ier & ~IER_MASK || s->uart_mcr & ~MCR_MASK)
		return -1;
	if (s->uart_fcr && (!(s->uart_fcr & FCR_ENABLE) || s->uart_fcr & ~FCR_KEEP))
		return -1;
	if (s->uart_thre_int > 1 || (s->uart_thre_int && !(s->uart_ier & IER_THRI)))
		return -1;
	if (s->uart_len >= UART_LINE_MAX)
		return -1;
	return 0;
}

void uart_restore(struct uart16550 *u, const struct rv_platform_state *s)
{
	u->ier = s->uart_ier;
	u->lcr = s->uart_lcr;
	u->mcr = s->uart_mcr;
	u->scr = s->uart_scr;
	u->dll = s->uart_dll;
	u->dlm = s->uart_dlm;
	u->fcr = s->uart_fcr;
	u->thre_int = s->uart_thre_int;
	u->len = s->uart_len;
	memcpy(u->line, s->uart_line, UART_LINE_MAX);
}
