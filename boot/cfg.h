/* SPDX-License-Identifier: MIT */
/*
 * \ringvisor.cfg parser.  Pure C (no EFI calls) so the unit tests can run it
 * on the host.  Format, one statement a line, '#' starts a comment:
 *
 *	runner=hvrun		global key=value: runner (hvrun|none),
 *	log=verbose		log (verbose|normal)
 *	run hello vcpus=2	one scenario and its parameters
 *
 * Names, keys and values use only [A-Za-z0-9_.,:+-]; each is shorter than
 * RV_CFG_NAME_LEN / RV_CFG_VALUE_LEN.  Lines may end in LF or CRLF and may
 * be of any length.
 */
#ifndef RV_BOOT_CFG_H
#define RV_BOOT_CFG_H

#include <stddef.h>
#include <stdint.h>
#include "../hv/abi/bootinfo.h"

#define RV_CFG_FILE "ringvisor.cfg"
#define RV_CFG_DEFAULT_SCENARIO "hello"

/*
 * Parse len bytes of text into *out.  Returns 0, or -1 with a one-line
 * message in err ("ringvisor.cfg:3: expected key=value, got \"vcpus\"").
 * On error *out is zeroed except poweroff_on_error, which says whether the
 * file has a "runner=hvrun" line anywhere: the caller still needs to know
 * whether to power off after reporting the error.
 */
int cfg_parse(const char *text, size_t len, struct rv_config *out, char *err,
	      size_t errlen);

/* The configuration used when there is no ringvisor.cfg: one run of hello. */
void cfg_default(struct rv_config *out);

#endif
