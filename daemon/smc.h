/* SPDX-License-Identifier: ISC */
/*
 * smc.h: the Apple System Management Controller as a read-only sensor
 * source. smc_calc.c (built everywhere, unit-tested on Linux) knows the
 * wire layout of the AppleSMC user client, the key and type encodings and
 * which keys are CPU and GPU die temperatures; smc_darwin.c (macOS only)
 * opens the AppleSMC service, lists the keys once and reads them. Reading
 * needs no privileges; whatever is missing is reported as NAN (null).
 */
#ifndef MLXD_SMC_H
#define MLXD_SMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Four ASCII characters packed big-endian, as the SMC names keys. */
#define SMC_FOURCC(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
	 (uint32_t)(c) << 8 | (uint32_t)(d))

#define SMC_TYPE_FLT	SMC_FOURCC('f', 'l', 't', ' ')	/* LE float */
#define SMC_TYPE_UI8	SMC_FOURCC('u', 'i', '8', ' ')
#define SMC_TYPE_UI16	SMC_FOURCC('u', 'i', '1', '6')
#define SMC_TYPE_UI32	SMC_FOURCC('u', 'i', '3', '2')
#define SMC_TYPE_SP78	SMC_FOURCC('s', 'p', '7', '8')	/* s8.8 BE */
#define SMC_TYPE_FPE2	SMC_FOURCC('f', 'p', 'e', '2')	/* u14.2 BE */

/* The user client's one struct method and its sub-commands (data8). */
#define SMC_METHOD_YPC		2
#define SMC_CMD_READ_BYTES	5
#define SMC_CMD_READ_INDEX	8
#define SMC_CMD_READ_KEYINFO	9
#define SMC_RESULT_NOTFOUND	132

/*
 * The 80-byte structure passed both ways through IOConnectCallStructMethod
 * (the layout AppleSMC.kext expects; the offsets are checked at compile time
 * in smc_calc.c).
 */
struct smc_keydata {
	uint32_t	key;
	struct {
		uint8_t		major, minor, build, reserved;
		uint16_t	release;
	}		vers;
	struct {
		uint16_t	version, length;
		uint32_t	cpu_limit, gpu_limit, mem_limit;
	}		plimit;
	struct {
		uint32_t	size;
		uint32_t	type;
		uint8_t		attributes;
	}		info;
	uint8_t		result;
	uint8_t		status;
	uint8_t		data8;
	uint32_t	data32;
	uint8_t		bytes[32];
};

/* Kinds of temperature key. */
#define SMC_TEMP_NONE	0
#define SMC_TEMP_CPU	1
#define SMC_TEMP_GPU	2

/*
 * Readings at or below SMC_TEMP_MIN are firmware placeholders of
 * power-gated sensors (-4.0 to 8.4 °C seen on M2 Max and M4 Pro), not
 * temperatures.
 */
#define SMC_TEMP_MIN	15.0
#define SMC_TEMP_MAX	150.0

/* A key name ("Tp01") as its number; 0 unless exactly four characters. */
uint32_t	smc_key(const char *name);

/* A key number as a NUL-terminated four-character name. */
void	smc_key_name(uint32_t key, char name[5]);

/*
 * Decode size bytes of a value of type into *vp. Returns 0, or -ENOTSUP
 * for a type this does not know, -EINVAL for a size that does not fit it.
 */
int	smc_decode(uint32_t type, const uint8_t *bytes, uint32_t size,
	    double *vp);

/*
 * What a key of type measures: SMC_TEMP_CPU for "Tp*" (performance cores)
 * and "Te*" (efficiency cores), SMC_TEMP_GPU for "Tg*", else SMC_TEMP_NONE.
 * Only "flt " keys count (M2 and later; M1 die sensors are read through
 * IOHID instead). "Tf*" keys are not used: on M3 they mix CPU and GPU.
 */
int	smc_temp_kind(uint32_t key, uint32_t type);

/* Whether a reading is a temperature (SMC_TEMP_MIN < c <= SMC_TEMP_MAX). */
bool	smc_temp_ok(double celsius);

/*
 * Average the plausible readings of each kind: keys[i] (of type types[i])
 * read vals[i]. *cpup and *gpup get NAN when no reading of that kind
 * passed.
 */
void	smc_temp_average(const uint32_t *keys, const uint32_t *types,
	    const double *vals, size_t n, double *cpup, double *gpup);

/* ---- macOS only (smc_darwin.c) ------------------------------------------ */

struct smc;

/*
 * Open the AppleSMC user client and list its keys once (this takes most
 * of a second): the CPU and GPU temperature keys, and "PSTR" (system
 * power, W) if present. Returns 0, or a negative errno when there is no
 * usable SMC (*sp is then NULL).
 */
int	smc_open(struct smc **sp);

/* Whether the SMC has CPU temperature keys. */
bool	smc_has_cpu_temps(const struct smc *smc);

/* Average CPU and GPU die temperatures in °C; NAN where unknown. */
void	smc_temps(struct smc *smc, float *cpup, float *gpup);

/* Whole-system power in W from "PSTR"; NAN when the key is missing. */
float	smc_system_power(struct smc *smc);

/* Close; accepts NULL. */
void	smc_close(struct smc *smc);

#endif
