// SPDX-License-Identifier: MIT
/*
 * Table layouts: ACPI 6.5, 5.2.5.3 Root System Description Pointer (RSDP)
 * Structure; 5.2.6 System Description Table Header; 5.2.7 Root System
 * Description Table (RSDT); 5.2.8 Extended System Description Table
 * (XSDT); 5.2.12 Multiple APIC Description Table (MADT).  Fields are read
 * byte-wise: XSDT entries, for one, are 8 bytes at 4-byte alignment.
 */
#include "acpi.h"
#include "util.h"

#define SDT_HEADER_LEN 36
#define MADT_ENTRIES 44 /* header, local APIC address, flags */

#define MADT_LAPIC 0
#define MADT_LAPIC_OVERRIDE 5
#define MADT_X2APIC 9

#define LAPIC_ENABLED 0x1
#define LAPIC_ONLINE_CAPABLE 0x2

static const uint8_t *phys(uint64_t addr)
{
	return (const uint8_t *)(uintptr_t)addr;
}

int acpi_checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *b++);
	return sum == 0;
}

const void *acpi_find_table(const void *rsdp, const char *sig,
			    const char **root_sig, char *err, size_t errlen)
{
	const uint8_t *r = rsdp, *root, *t;
	uint32_t len, i, n, esz;
	const char *rsig;

	if (rv_memcmp(r, "RSD PTR ", 8)) {
		rv_snprintf(err, errlen, "ACPI: no \"RSD PTR \" signature at %p", rsdp);
		return NULL;
	}
	if (!acpi_checksum_ok(r, 20)) {
		rv_snprintf(err, errlen, "ACPI: RSDP at %p has a bad checksum", rsdp);
		return NULL;
	}
	if (r[15] >= 2 && rv_get64(r + 24)) {
		root = phys(rv_get64(r + 24));
		rsig = "XSDT";
		esz = 8;
	} else {
		root = phys(rv_get32(r + 16));
		rsig = "RSDT";
		esz = 4;
	}
	if (root_sig)
		*root_sig = rsig;
	if (!root || rv_memcmp(root, rsig, 4)) {
		rv_snprintf(err, errlen, "ACPI: the RSDP points to %p, which is "
			    "not an %s", root, rsig);
		return NULL;
	}
	len = rv_get32(root + 4);
	if (len < SDT_HEADER_LEN) {
		rv_snprintf(err, errlen, "ACPI: %s length %u is shorter than "
			    "its header", rsig, len);
		return NULL;
	}
	n = (len - SDT_HEADER_LEN) / esz;
	for (i = 0; i < n; i++) {
		const uint8_t *e = root + SDT_HEADER_LEN + i * esz;

		t = phys(esz == 8 ? rv_get64(e) : rv_get32(e));
		if (t && !rv_memcmp(t, sig, 4))
			return t;
	}
	rv_snprintf(err, errlen, "ACPI: no \"%s\" table among the %u tables of "
		    "the %s", sig, n, rsig);
	return NULL;
}

/*
 * The boot CPU goes first whatever its place in the table, so it is never
 * among the ones dropped beyond RV_MAX_CPUS.  We run on it, so it exists
 * even if the table forgot it (bsp_listed says so).
 */
void acpi_cpus_init(struct acpi_cpus *out, uint32_t bsp_apic_id)
{
	rv_memset(out, 0, sizeof(*out));
	out->apic_ids[out->nr_cpus++] = bsp_apic_id;
}

void acpi_cpus_add(struct acpi_cpus *out, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < out->nr_cpus; i++)
		if (out->apic_ids[i] == id)
			return; /* listed as both xAPIC and x2APIC */
	if (out->nr_cpus == RV_MAX_CPUS) {
		out->nr_ignored++;
		return;
	}
	out->apic_ids[out->nr_cpus++] = id;
}

int acpi_parse_madt(const void *madt, uint32_t bsp_apic_id,
		    struct acpi_cpus *out, char *err, size_t errlen)
{
	const uint8_t *m = madt, *e, *end;
	uint32_t len, id, flags;

	acpi_cpus_init(out, bsp_apic_id);
	if (rv_memcmp(m, "APIC", 4)) {
		rv_snprintf(err, errlen, "MADT: signature is not \"APIC\"");
		return -1;
	}
	len = rv_get32(m + 4);
	if (len < MADT_ENTRIES) {
		rv_snprintf(err, errlen, "MADT: length %u is shorter than its "
			    "%d-byte header", len, MADT_ENTRIES);
		return -1;
	}
	out->lapic_phys = rv_get32(m + 36);

	end = m + len;
	for (e = m + MADT_ENTRIES; e < end; e += e[1]) {
		if (end - e < 2 || e[1] < 2 || e[1] > end - e) {
			rv_snprintf(err, errlen, "MADT: entry at offset %u "
				    "(type %u) has a bad length",
				    (unsigned int)(e - m), e[0]);
			return -1;
		}
		switch (e[0]) {
		case MADT_LAPIC:
			if (e[1] < 8)
				goto short_entry;
			id = e[3];
			flags = rv_get32(e + 4);
			break;
		case MADT_X2APIC:
			if (e[1] < 16)
				goto short_entry;
			id = rv_get32(e + 4);
			flags = rv_get32(e + 8);
			break;
		case MADT_LAPIC_OVERRIDE:
			if (e[1] < 12)
				goto short_entry;
			out->lapic_phys = rv_get64(e + 4);
			continue;
		default:
			continue;
		}
		if (id == bsp_apic_id) {
			out->bsp_listed = 1;
			continue;
		}
		if (!(flags & (LAPIC_ENABLED | LAPIC_ONLINE_CAPABLE))) {
			out->nr_disabled++;
			continue;
		}
		acpi_cpus_add(out, id);
	}
	return 0;

short_entry:
	rv_snprintf(err, errlen, "MADT: entry at offset %u (type %u) is only "
		    "%u bytes long", (unsigned int)(e - m), e[0], e[1]);
	return -1;
}
