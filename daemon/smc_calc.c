/* SPDX-License-Identifier: ISC */
/*
 * smc_calc.c: the portable half of the SMC reader: key names, value types,
 * the user-client structure layout and the choice of temperature keys. No
 * macOS API is called here, so the unit tests check it on any OS with
 * values dumped from real Macs.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "smc.h"

/* The layout AppleSMC.kext reads and writes (same on every Apple chip). */
_Static_assert(offsetof(struct smc_keydata, key) == 0, "key");
_Static_assert(offsetof(struct smc_keydata, vers) == 4, "vers");
_Static_assert(offsetof(struct smc_keydata, plimit) == 12, "plimit");
_Static_assert(offsetof(struct smc_keydata, info) == 28, "info");
_Static_assert(offsetof(struct smc_keydata, result) == 40, "result");
_Static_assert(offsetof(struct smc_keydata, status) == 41, "status");
_Static_assert(offsetof(struct smc_keydata, data8) == 42, "data8");
_Static_assert(offsetof(struct smc_keydata, data32) == 44, "data32");
_Static_assert(offsetof(struct smc_keydata, bytes) == 48, "bytes");
_Static_assert(sizeof(struct smc_keydata) == 80, "size");

/* Key name to number. */
uint32_t
smc_key(const char *name)
{
	if (name == NULL || strlen(name) != 4)
		return 0;
	return SMC_FOURCC((unsigned char)name[0], (unsigned char)name[1],
	    (unsigned char)name[2], (unsigned char)name[3]);
}

/* Key number to name. */
void
smc_key_name(uint32_t key, char name[5])
{
	name[0] = (char)(key >> 24);
	name[1] = (char)(key >> 16);
	name[2] = (char)(key >> 8);
	name[3] = (char)key;
	name[4] = '\0';
}

/* Decode one value. */
int
smc_decode(uint32_t type, const uint8_t *b, uint32_t size, double *vp)
{
	union {
		uint32_t	u;
		float		f;
	}	fl;

	switch (type) {
	case SMC_TYPE_FLT:
		/* Apple Silicon stores floats in its own (little) order. */
		if (size != 4)
			return -EINVAL;
		fl.u = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		    (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
		*vp = fl.f;
		return 0;
	case SMC_TYPE_UI8:
		if (size != 1)
			return -EINVAL;
		*vp = b[0];
		return 0;
	case SMC_TYPE_UI16:
		if (size != 2)
			return -EINVAL;
		*vp = (uint16_t)(b[0] << 8 | b[1]);
		return 0;
	case SMC_TYPE_UI32:
		if (size != 4)
			return -EINVAL;
		*vp = (double)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | (uint32_t)b[3]);
		return 0;
	case SMC_TYPE_SP78:
		if (size != 2)
			return -EINVAL;
		*vp = (int16_t)(uint16_t)(b[0] << 8 | b[1]) / 256.0;
		return 0;
	case SMC_TYPE_FPE2:
		if (size != 2)
			return -EINVAL;
		*vp = (uint16_t)(b[0] << 8 | b[1]) / 4.0;
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* CPU, GPU or no temperature key. */
int
smc_temp_kind(uint32_t key, uint32_t type)
{
	if (type != SMC_TYPE_FLT || (key >> 24) != 'T')
		return SMC_TEMP_NONE;
	switch ((key >> 16) & 0xff) {
	case 'p':
	case 'e':
		return SMC_TEMP_CPU;
	case 'g':
		return SMC_TEMP_GPU;
	default:
		return SMC_TEMP_NONE;
	}
}

/* Plausible die temperature. */
bool
smc_temp_ok(double c)
{
	return isfinite(c) && c > SMC_TEMP_MIN && c <= SMC_TEMP_MAX;
}

/* Average CPU and GPU readings. */
void
smc_temp_average(const uint32_t *keys, const uint32_t *types,
    const double *vals, size_t n, double *cpup, double *gpup)
{
	double	sum[3] = { 0, 0, 0 };
	size_t	cnt[3] = { 0, 0, 0 }, i;
	int	k;

	for (i = 0; i < n; i++) {
		k = smc_temp_kind(keys[i], types[i]);
		if (k == SMC_TEMP_NONE || !smc_temp_ok(vals[i]))
			continue;
		sum[k] += vals[i];
		cnt[k]++;
	}
	*cpup = cnt[SMC_TEMP_CPU] > 0 ?
	    sum[SMC_TEMP_CPU] / (double)cnt[SMC_TEMP_CPU] : NAN;
	*gpup = cnt[SMC_TEMP_GPU] > 0 ?
	    sum[SMC_TEMP_GPU] / (double)cnt[SMC_TEMP_GPU] : NAN;
}
