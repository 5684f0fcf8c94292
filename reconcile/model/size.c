/* size.c: sizes and offsets written as strings (see spec.h). */
#include <string.h>

#include "model/spec.h"

/* Units in 512-byte sectors; "B" is handled apart (it may not be a whole
 * number of sectors).  Binary units only: "GB" is ambiguous (10^9 or 2^30
 * depending on who wrote it), so it is an error rather than a guess. */
static const struct {
	const char *unit;
	uint64_t sectors;
} units[] = {
	{"s", 1},
	{"KiB", 2},
	{"MiB", 2ULL << 10},
	{"GiB", 2ULL << 20},
	{"TiB", 2ULL << 30},
	{"PiB", 2ULL << 40},
};

int vmap_parse_size(const char *s, uint64_t *sectors, const char **why)
{
	uint64_t n = 0;
	const char *p = s;
	if (*p < '0' || *p > '9') {
		*why = "not a number with a unit (e.g. 2048s, 512B, 64MiB, 1GiB)";
		return -1;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (n > (UINT64_MAX - d) / 10) {
			*why = "too large";
			return -1;
		}
		n = n * 10 + d;
	}
	if (!*p) {
		*why = "no unit (a plain integer is sectors; a string needs s, B, KiB, MiB, GiB, TiB or PiB)";
		return -1;
	}
	if (!strcmp(p, "B")) {
		if (n % 512) {
			*why = "not a multiple of 512 bytes";
			return -1;
		}
		*sectors = n / 512;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit))
			continue;
		if (n > UINT64_MAX / units[i].sectors) {
			*why = "too large (more than 2^64 sectors)";
			return -1;
		}
		*sectors = n * units[i].sectors;
		return 0;
	}
	*why = "unknown unit (use s, B, KiB, MiB, GiB, TiB or PiB)";
	return -1;
}
