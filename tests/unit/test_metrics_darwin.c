/* SPDX-License-Identifier: ISC */
/*
 * test_metrics_darwin.c: the macOS metrics arithmetic and the SMC decoding
 * fed with values that users of macmon, mactop, smctemp, all-smi and stats
 * published from real M1-M4 machines. Each fixture names its source. Where
 * a case is constructed rather than copied, the comment says so.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "metrics.h"
#include "metrics_darwin_calc.h"
#include "smc.h"

#define assert_near(a, b, eps) do {					\
	double a_ = (a), b_ = (b);					\
	if (!(fabs(a_ - b_) <= (eps)))					\
		fail_msg("%s = %.12g, expected %.12g", #a, a_, b_);	\
} while (0)

#define assert_nan(a) do {						\
	double a_ = (a);						\
	if (!isnan(a_))							\
		fail_msg("%s = %.12g, expected null", #a, a_);		\
} while (0)

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* One SMC key as dumped: name, type, the four value bytes. */
struct smc_dump {
	const char	*key;
	uint8_t		 b[4];
};

static void
decode_dump(const struct smc_dump *d, size_t n, uint32_t *keys,
    uint32_t *types, double *vals)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		keys[i] = smc_key(d[i].key);
		types[i] = SMC_TYPE_FLT;
		assert_int_equal(smc_decode(SMC_TYPE_FLT, d[i].b, 4, &vals[i]),
		    0);
	}
}

/* Little-endian float bytes of v, for dumps published as values only. */
static struct smc_dump
flt(const char *key, float v)
{
	struct smc_dump	d;
	uint32_t	u;

	memcpy(&u, &v, sizeof(u));
	d.key = key;
	d.b[0] = (uint8_t)u;
	d.b[1] = (uint8_t)(u >> 8);
	d.b[2] = (uint8_t)(u >> 16);
	d.b[3] = (uint8_t)(u >> 24);
	return d;
}

static void
test_smc_keys(void **state)
{
	char	name[5];
	double	v;
	uint8_t	sp78[] = { 0x37, 0x00 }, fpe2[] = { 0x1f, 0x40 };
	uint8_t	ui32[] = { 0x00, 0x00, 0x05, 0x39 };

	(void)state;
	assert_int_equal(smc_key("Tp01"), 0x54703031u);
	assert_int_equal(smc_key("#KEY"), 0x234b4559u);
	assert_int_equal(smc_key("Tp0"), 0);
	assert_int_equal(smc_key(NULL), 0);
	smc_key_name(0x50535452u, name);
	assert_string_equal(name, "PSTR");
	assert_int_equal(SMC_TYPE_FLT, 0x666c7420u);

	/* Fixed-point types by their definition (Intel-era keys). */
	assert_int_equal(smc_decode(SMC_TYPE_SP78, sp78, 2, &v), 0);
	assert_near(v, 55.0, 1e-9);
	assert_int_equal(smc_decode(SMC_TYPE_FPE2, fpe2, 2, &v), 0);
	assert_near(v, 2000.0, 1e-9);
	assert_int_equal(smc_decode(SMC_TYPE_UI32, ui32, 4, &v), 0);
	assert_near(v, 1337.0, 0);
	assert_int_equal(smc_decode(SMC_TYPE_UI8, ui32 + 3, 1, &v), 0);
	assert_near(v, 0x39, 0);
	assert_int_equal(smc_decode(SMC_TYPE_FLT, ui32, 2, &v), -EINVAL);
	assert_int_equal(smc_decode(smc_key("ch8*"), ui32, 4, &v), -ENOTSUP);

	/* Only flt keys named Tp*, Te*, Tg* are die temperatures. */
	assert_int_equal(smc_temp_kind(smc_key("Tp01"), SMC_TYPE_FLT),
	    SMC_TEMP_CPU);
	assert_int_equal(smc_temp_kind(smc_key("Te05"), SMC_TYPE_FLT),
	    SMC_TEMP_CPU);
	assert_int_equal(smc_temp_kind(smc_key("Tg0K"), SMC_TYPE_FLT),
	    SMC_TEMP_GPU);
	assert_int_equal(smc_temp_kind(smc_key("Tp01"), SMC_TYPE_SP78),
	    SMC_TEMP_NONE);
	assert_int_equal(smc_temp_kind(smc_key("TG0B"), SMC_TYPE_FLT),
	    SMC_TEMP_NONE);
	assert_int_equal(smc_temp_kind(smc_key("Tf04"), SMC_TYPE_FLT),
	    SMC_TEMP_NONE);
	assert_int_equal(smc_temp_kind(smc_key("PSTR"), SMC_TYPE_FLT),
	    SMC_TEMP_NONE);
}

/*
 * M4 (MacBook Pro, 4P+6E): `smctemp -l`, narugit/smctemp issue 40
 * (2025-01-13), raw bytes as printed there.
 */
static void
test_smc_m4(void **state)
{
	static const struct smc_dump d[] = {
		{ "Tp00", { 0xAA, 0x10, 0xE4, 0x41 } },	/* 28.5 */
		{ "Tp01", { 0x88, 0x3B, 0x15, 0x42 } },	/* 37.3 */
		{ "Tp02", { 0x00, 0xB0, 0x1E, 0x42 } },	/* 39.7 */
		{ "Tp04", { 0x9C, 0xBA, 0xE2, 0x41 } },	/* 28.3 */
		{ "Tp05", { 0x81, 0x90, 0x14, 0x42 } },	/* 37.1 */
		{ "Tp06", { 0x00, 0xF0, 0x1F, 0x42 } },	/* 40.0 */
		{ "Tp08", { 0x72, 0x2D, 0xE5, 0x41 } },	/* 28.6 */
		{ "Tp09", { 0xEC, 0xC9, 0x15, 0x42 } },	/* 37.4 */
		{ "Tp0A", { 0x00, 0x50, 0x37, 0x42 } },	/* 45.8 */
		{ "Tp0C", { 0xCA, 0x3D, 0xDB, 0x41 } },	/* 27.4 */
	};
	uint32_t	keys[NELEM(d)], types[NELEM(d)];
	double		vals[NELEM(d)], cpu, gpu, sum = 0;
	size_t		i;

	(void)state;
	decode_dump(d, NELEM(d), keys, types, vals);
	assert_near(vals[0], 28.508, 1e-3);
	assert_near(vals[5], 39.984, 1e-3);
	assert_near(vals[8], 45.828, 1e-3);
	for (i = 0; i < NELEM(d); i++)
		sum += vals[i];
	smc_temp_average(keys, types, vals, NELEM(d), &cpu, &gpu);
	assert_near(cpu, sum / NELEM(d), 1e-9);
	assert_near(cpu, 35.03, 0.01);
	assert_nan(gpu);
}

/*
 * M3: `smctemp -l | grep Tp`, narugit/smctemp issue 21 (2024-04-17), the
 * first six rows with their raw bytes.
 */
static void
test_smc_m3(void **state)
{
	static const struct smc_dump d[] = {
		{ "Tp01", { 0xB2, 0x39, 0x36, 0x42 } },	/* 45.6 */
		{ "Tp05", { 0xC2, 0x8E, 0x36, 0x42 } },	/* 45.6 */
		{ "Tp09", { 0xEA, 0xAB, 0x35, 0x42 } },	/* 45.4 */
		{ "Tp0D", { 0x10, 0xC6, 0x35, 0x42 } },	/* 45.4 */
		{ "Tp0H", { 0x0E, 0x57, 0x35, 0x42 } },	/* 45.3 */
		{ "Tp0L", { 0xFA, 0xD8, 0x36, 0x42 } },	/* 45.7 */
	};
	uint32_t	keys[NELEM(d)], types[NELEM(d)];
	double		vals[NELEM(d)], cpu, gpu;

	(void)state;
	decode_dump(d, NELEM(d), keys, types, vals);
	assert_near(vals[0], 45.556, 1e-3);
	assert_near(vals[5], 45.712, 1e-3);
	smc_temp_average(keys, types, vals, NELEM(d), &cpu, &gpu);
	assert_near(cpu, 45.52, 0.01);
	assert_nan(gpu);
}

/*
 * M4 Pro (Mac16,8), vladkens/macmon issue 12 (2026-08-26): the 22 Tg keys
 * with the GPU powered down read firmware placeholders (macmon averaged
 * the positive ones into 2.37 °C), then the same keys under
 * `macmon stress gpu`. Values as published (one decimal).
 */
static void
test_smc_m4pro_gpu(void **state)
{
	struct smc_dump	idle[] = {
		flt("Tg04", -4.0f), flt("Tg05", 2.4f), flt("Tg0K", 0.0f),
		flt("Tg0L", -4.0f), flt("Tg0R", -4.0f), flt("Tg0S", 2.2f),
		flt("Tg0X", -4.0f), flt("Tg0Y", 2.4f), flt("Tg0d", 0.0f),
		flt("Tg0e", -4.0f), flt("Tg0j", -4.0f), flt("Tg0k", 2.4f),
		flt("Tg0y", -4.0f), flt("Tg0z", 2.4f), flt("Tg1E", 0.0f),
		flt("Tg1F", -4.0f), flt("Tg1U", -4.0f), flt("Tg1V", 2.4f),
		flt("Tg1c", 0.0f), flt("Tg1d", -4.0f), flt("Tg1k", -4.0f),
		flt("Tg1l", 2.4f),
	};
	struct smc_dump	load[] = {
		flt("Tg0K", 87.1f), flt("Tg0L", 87.1f), flt("Tg0d", 89.3f),
		flt("Tg0e", 89.3f), flt("Tg0j", 90.5f), flt("Tg0k", 96.9f),
		flt("Tg1U", 88.5f), flt("Tg1k", 90.8f),
	};
	uint32_t	keys[32], types[32];
	double		vals[32], cpu, gpu;

	(void)state;
	decode_dump(idle, NELEM(idle), keys, types, vals);
	smc_temp_average(keys, types, vals, NELEM(idle), &cpu, &gpu);
	assert_nan(gpu);		/* not 2.37 °C */
	assert_nan(cpu);
	decode_dump(load, NELEM(load), keys, types, vals);
	smc_temp_average(keys, types, vals, NELEM(load), &cpu, &gpu);
	assert_near(gpu, (87.1 + 87.1 + 89.3 + 89.3 + 90.5 + 96.9 + 88.5 +
	    90.8) / 8, 1e-3);
}

/*
 * M2 Max (Mac14,5): the P-core keys of a gated cluster read 6.7 and
 * 4.633 °C (kennss/SiliconScope issue 57, summarised in macmon issue 12);
 * the live readings here are the machine's TCMb/TCMz-range values from the
 * same dump, renamed to core keys: a constructed mix.
 */
static void
test_smc_m2max_gated(void **state)
{
	struct smc_dump	d[] = {
		flt("Tp01", 6.7f), flt("Tp09", 6.7f), flt("Tp05", 4.633f),
		flt("Tp0D", 4.633f), flt("Te05", 49.8f), flt("Te0L", 48.3f),
	};
	uint32_t	keys[NELEM(d)], types[NELEM(d)];
	double		vals[NELEM(d)], cpu, gpu;

	(void)state;
	decode_dump(d, NELEM(d), keys, types, vals);
	smc_temp_average(keys, types, vals, NELEM(d), &cpu, &gpu);
	assert_near(cpu, (49.8 + 48.3) / 2, 1e-3);	/* gated keys dropped */
	assert_nan(gpu);
	assert_false(smc_temp_ok(8.425));
	assert_false(smc_temp_ok(SMC_TEMP_MIN));
	assert_true(smc_temp_ok(21.0));
	assert_false(smc_temp_ok(151.0));
	assert_false(smc_temp_ok(NAN));
}

/* Type names in the fixture files: "flt_" is "flt ". */
static uint32_t
fixture_type(const char *t)
{
	char	buf[5];
	size_t	i;

	for (i = 0; i < 4 && t[i] != '\0'; i++)
		buf[i] = t[i] == '_' ? ' ' : t[i];
	buf[i] = '\0';
	return smc_key(buf);
}

/*
 * Average a tests/fixtures/smc/CHIP.txt dump (one "KEY TYPE HEXBYTES"
 * per line) the way smc_darwin.c does: decode, keep die temperature keys,
 * drop placeholders. *ncpup and *ngpup get how many readings counted.
 */
static void
smc_fixture(const char *chip, double *cpup, double *gpup, int *ncpup,
    int *ngpup)
{
	char		 path[1024], line[256], key[8], type[8], hex[80];
	uint32_t	 keys[256], types[256];
	double		 vals[256];
	uint8_t		 b[32];
	unsigned int	 x;
	size_t		 n = 0, i, nb;
	FILE		*f;

	snprintf(path, sizeof(path), "%s/smc/%s.txt", FIXTURES, chip);
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s", path);
	*ncpup = *ngpup = 0;
	while (fgets(line, sizeof(line), f) != NULL && n < 256) {
		if (line[0] == '#' ||
		    sscanf(line, "%7s %7s %79s", key, type, hex) != 3)
			continue;
		for (nb = 0; nb < sizeof(b) && hex[2 * nb] != '\0'; nb++) {
			assert_int_equal(sscanf(hex + 2 * nb, "%2x", &x), 1);
			b[nb] = (uint8_t)x;
		}
		keys[n] = smc_key(key);
		types[n] = fixture_type(type);
		if (smc_decode(types[n], b, (uint32_t)nb, &vals[n]) != 0)
			continue;	/* ioft and other types: not used */
		switch (smc_temp_kind(keys[n], types[n])) {
		case SMC_TEMP_CPU:
			*ncpup += smc_temp_ok(vals[n]);
			break;
		case SMC_TEMP_GPU:
			*ngpup += smc_temp_ok(vals[n]);
			break;
		}
		n++;
	}
	fclose(f);
	for (i = 0; i < n; i++)
		assert_int_not_equal(keys[i], 0);
	smc_temp_average(keys, types, vals, n, cpup, gpup);
}

/*
 * Whole-chip SMC dumps from dkorunic/iSMC's published reports (see the
 * header of each fixture): M1 Pro, M2, M3 Pro and M4 Pro all have Tp/Te/Tg
 * "flt " keys. On the M4 Pro, Tp1i-Tp2X are placeholders (-4, 0, 1.5, 2.2,
 * 5.2): a "> 0" filter would count 3 of them and read 59.84 °C instead of
 * 62.84. On the M3 Pro, Tf1x/Tf2x hold GPU and non-temperature values
 * (-15.8, 0.02, 1.0, 3.2, 70.8) and stay out.
 */
static void
test_smc_generations(void **state)
{
	static const struct {
		const char	*chip;
		double		 cpu, gpu;
		int		 ncpu, ngpu;
	} want[] = {
		{ "m1-pro", 33.1124, 31.3884, 33, 4 },
		{ "m2", 35.8046, 33.7363, 30, 6 },
		{ "m3-pro", 45.0733, 34.0538, 61, 18 },
		{ "m4-pro", 62.8357, 52.2924, 57, 22 },
	};
	double	cpu, gpu;
	int	ncpu, ngpu;
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(want); i++) {
		smc_fixture(want[i].chip, &cpu, &gpu, &ncpu, &ngpu);
		assert_int_equal(ncpu, want[i].ncpu);
		assert_int_equal(ngpu, want[i].ngpu);
		assert_near(cpu, want[i].cpu, 1e-3);
		assert_near(gpu, want[i].gpu, 1e-3);
	}
}

/*
 * M1 Ultra, lablup/all-smi PR 424, sample 045: one ~0.5 s IOReport delta.
 * CPU comes as two DIE_n_ totals, ANE and DRAM per die, GPU in nJ.
 */
static void
test_energy_m1ultra(void **state)
{
	static const struct {
		const char	*ch, *unit;
		int64_t		 v;
	} d[] = {
		{ "DIE_0_CPU Energy", "mJ", 7497 },
		{ "DIE_1_CPU Energy", "mJ", 2627 },
		{ "ANE0_0", "mJ", 58 },
		{ "DRAM0_0", "mJ", 1065 },
		{ "ANE0_1", "mJ", 7 },
		{ "DRAM0_1", "mJ", 1051 },
		{ "GPU Energy", "nJ", 494880 },
	};
	struct metrics_darwin_energy_acc	a;
	size_t					i;

	(void)state;
	metrics_darwin_energy_acc_init(&a);
	for (i = 0; i < NELEM(d); i++)
		assert_true(metrics_darwin_energy_acc_add(&a, d[i].ch, d[i].v,
		    d[i].unit) >= 0);
	assert_near(metrics_darwin_energy_acc_joules(&a, METRICS_RAIL_CPU),
	    10.124, 1e-9);
	assert_near(metrics_darwin_energy_acc_joules(&a, METRICS_RAIL_ANE),
	    0.065, 1e-9);
	assert_near(metrics_darwin_energy_acc_joules(&a, METRICS_RAIL_DRAM),
	    2.116, 1e-9);
	assert_near(metrics_darwin_energy_acc_joules(&a, METRICS_RAIL_GPU),
	    0.00049488, 1e-12);
	assert_nan(metrics_darwin_energy_acc_joules(&a, METRICS_RAIL_SYSTEM));

	/*
	 * Constructed: the same machine also publishing the package total
	 * "DRAM" (and "CPU Energy"). Only the least specific form counts.
	 */
	assert_int_equal(metrics_darwin_energy_acc_add(&a, "DRAM", 2116,
	    "mJ"), METRICS_RAIL_DRAM);
	assert_int_equal(metrics_darwin_energy_acc_add(&a, "CPU Energy",
	    10124, "mJ"), METRICS_RAIL_CPU);
	assert_near(metrics_darwin_energy_acc_joules(&a, METRICS_RAIL_DRAM),
	    2.116, 1e-9);
	assert_near(metrics_darwin_energy_acc_joules(&a, METRICS_RAIL_CPU),
	    10.124, 1e-9);
}

static void
test_energy_names(void **state)
{
	int	lvl;

	(void)state;
	/* Per-core rails of an M2 Ultra (macmon issue 68) are not totals. */
	assert_int_equal(metrics_darwin_energy_rail("DIE_0_EACC_CPU0", NULL),
	    -1);
	assert_int_equal(metrics_darwin_energy_rail("DIE_0_PACC1_CPU1",
	    NULL), -1);
	assert_int_equal(metrics_darwin_energy_rail("DRAM", &lvl),
	    METRICS_RAIL_DRAM);
	assert_int_equal(lvl, 0);
	assert_int_equal(metrics_darwin_energy_rail("DRAM0", &lvl),
	    METRICS_RAIL_DRAM);
	assert_int_equal(lvl, 1);
	assert_int_equal(metrics_darwin_energy_rail("DRAM0_1", &lvl),
	    METRICS_RAIL_DRAM);
	assert_int_equal(lvl, 2);
	assert_int_equal(metrics_darwin_energy_rail("DIE_1_DRAM0", &lvl),
	    METRICS_RAIL_DRAM);
	assert_int_equal(lvl, 2);
	assert_int_equal(metrics_darwin_energy_rail("DRAM0_", NULL), -1);
	assert_int_equal(metrics_darwin_energy_rail("DRAMx", NULL), -1);
	assert_int_equal(metrics_darwin_energy_rail("DRAM0_1_2", NULL), -1);
	assert_int_equal(metrics_darwin_energy_rail("ANE0DTL1", NULL), -1);
}

static void
put_table(uint8_t *buf, const uint32_t *f, size_t n)
{
	size_t	i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < 4; k++) {
			buf[i * 8 + k] = (uint8_t)(f[i] >> (8 * k));
			buf[i * 8 + 4 + k] = 0;
		}
}

/*
 * pmgr tables of an M2 Ultra (Mac14,14), `macmon debug`, vladkens/macmon
 * issues 17 and 68: voltage-states1 and -13 hold periods (falling, would
 * be 18-93 MHz), their -sram twins and voltage-states9 hold Hz.
 */
static void
test_dvfs_m2ultra(void **state)
{
	static const uint32_t vs1[] = { 71859, 51040, 37406, 32702, 29049,
	    27036 };
	static const uint32_t vs13[] = { 93356, 69130, 55164, 45134, 38460,
	    33300, 29681, 27306, 25520, 24058, 22850, 21845, 20924, 20078,
	    19504, 19230, 18703 };
	static const uint32_t vs1s[] = { 912000000, 1284000000, 1752000000,
	    2004000000, 2256000000, 2424000000 };
	static const uint32_t vs9[] = { 0, 444000000, 612000000, 808000000,
	    968000000, 1110000000, 1236000000, 1338000000, 1398000000 };
	uint8_t		buf[256];
	float		mhz[32];

	(void)state;
	put_table(buf, vs1, NELEM(vs1));
	assert_int_equal(metrics_darwin_dvfs_parse(buf, 8 * NELEM(vs1), mhz,
	    32), 0);
	put_table(buf, vs13, NELEM(vs13));
	assert_int_equal(metrics_darwin_dvfs_parse(buf, 8 * NELEM(vs13), mhz,
	    32), 0);
	put_table(buf, vs1s, NELEM(vs1s));
	assert_int_equal(metrics_darwin_dvfs_parse(buf, 8 * NELEM(vs1s), mhz,
	    32), 6);
	assert_near(mhz[0], 912, 1e-3);
	assert_near(mhz[5], 2424, 1e-3);
	put_table(buf, vs9, NELEM(vs9));
	assert_int_equal(metrics_darwin_dvfs_parse(buf, 8 * NELEM(vs9), mhz,
	    32), 8);
	assert_near(mhz[0], 444, 1e-3);
	assert_near(mhz[7], 1398, 1e-3);
}

/*
 * GPUPH lists OFF and P1-P15 whatever the chip has (state names as dumped
 * on an M1 Pro, op06072/NeoAsitop issue 2); with the M2 Ultra's 8-step
 * table above, P9-P15 never have residency. Residencies constructed.
 */
static void
test_gpuph_extra_states(void **state)
{
	static const char *const names[] = { "OFF", "P1", "P2", "P3", "P4",
	    "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13", "P14",
	    "P15" };
	static const float table[] = { 444, 612, 808, 968, 1110, 1236, 1338,
	    1398 };
	int64_t		res[16] = { 0 };

	(void)state;
	res[0] = 600;		/* OFF */
	res[1] = 300;		/* P1 444 MHz */
	res[8] = 100;		/* P8 1398 MHz */
	assert_near(metrics_darwin_gpu_mhz(names, res, 16, table, 8),
	    (300.0 * 444 + 100.0 * 1398) / 400, 1e-2);
	assert_near(metrics_darwin_gpu_active(names, res, 16), 40.0, 1e-4);
	/* Time in a state the table lacks: unknown, not a guess. */
	res[12] = 5;
	assert_nan(metrics_darwin_gpu_mhz(names, res, 16, table, 8));
	memset(res, 0, sizeof(res));
	assert_nan(metrics_darwin_gpu_active(names, res, 16));
	res[0] = 10;
	assert_near(metrics_darwin_gpu_active(names, res, 16), 0, 0);
}

/*
 * "Device Utilization %" on an M4 Pro flips between 0 and 100 (stats
 * issues 2399, 2748, 3359 report the symptom; values constructed).
 */
static void
test_gpu_pct(void **state)
{
	(void)state;
	assert_near(metrics_darwin_gpu_pct(100.0f, 37.5f), 37.5, 1e-4);
	assert_near(metrics_darwin_gpu_pct(0.0f, 62.0f), 62.0, 1e-4);
	assert_near(metrics_darwin_gpu_pct(0.0f, 3.0f), 0.0, 0);
	assert_near(metrics_darwin_gpu_pct(100.0f, 97.0f), 100.0, 0);
	assert_near(metrics_darwin_gpu_pct(41.0f, 12.0f), 41.0, 0);
	assert_near(metrics_darwin_gpu_pct(NAN, 12.0f), 12.0, 0);
	assert_near(metrics_darwin_gpu_pct(41.0f, NAN), 41.0, 0);
	assert_nan(metrics_darwin_gpu_pct(NAN, NAN));
}

/* Sleep gaps, the memory gate and sysctl results. */
static void
test_timing(void **state)
{
	const int64_t	ms = 1000000, max = 10000 * ms;
	struct metrics_energy	e;

	(void)state;
	/* 1 s sampling: a one-hour gap is a sleep, a late tick is not. */
	assert_false(metrics_darwin_window_stale(2000 * ms, 1000 * ms, max));
	assert_false(metrics_darwin_window_stale(max, 1000 * ms, max));
	assert_true(metrics_darwin_window_stale(3600000 * ms, 1000 * ms, max));
	assert_true(metrics_darwin_window_stale(3600000 * ms, 0, max));
	assert_false(metrics_darwin_window_stale(0, 1000 * ms, max));
	/* 60 s sampling (metrics.interval_ms allows it): 60 s is normal. */
	assert_false(metrics_darwin_window_stale(61000 * ms, 60000 * ms, max));
	assert_true(metrics_darwin_window_stale(3600000 * ms, 60000 * ms,
	    max));

	/*
	 * What re-baselining avoids: 40 J over a 2 s window is 20 W; the same
	 * energy spread over a one-hour sleep reads 0.01 W.
	 */
	metrics_energy_reset(&e);
	(void)metrics_energy_add(&e, NAN, 0, 2000 * ms, max);
	assert_near(metrics_energy_add(&e, 40.0, 3600000 * ms, 2000 * ms,
	    max), 40.0 / 3600, 1e-6);

	/* The 1000 ms timer firing 0.4 ms early still refreshes memory. */
	assert_true(metrics_darwin_mem_due(false, 0, 0));
	assert_true(metrics_darwin_mem_due(true, 0, 999600000));
	assert_true(metrics_darwin_mem_due(true, 0, 900000000));
	assert_false(metrics_darwin_mem_due(true, 0, 500000000));

	assert_int_equal(metrics_darwin_sysctl_rc(0, 0, 4, 4), 0);
	assert_int_equal(metrics_darwin_sysctl_rc(0, 0, 8, 4), -EINVAL);
	assert_int_equal(metrics_darwin_sysctl_rc(0, 0, 2, 4), -EINVAL);
	assert_int_equal(metrics_darwin_sysctl_rc(-1, ENOENT, 4, 4), -ENOENT);
	assert_int_equal(metrics_darwin_sysctl_rc(-1, 0, 4, 4), -EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smc_keys),
		cmocka_unit_test(test_smc_m4),
		cmocka_unit_test(test_smc_m3),
		cmocka_unit_test(test_smc_m4pro_gpu),
		cmocka_unit_test(test_smc_m2max_gated),
		cmocka_unit_test(test_smc_generations),
		cmocka_unit_test(test_energy_m1ultra),
		cmocka_unit_test(test_energy_names),
		cmocka_unit_test(test_dvfs_m2ultra),
		cmocka_unit_test(test_gpuph_extra_states),
		cmocka_unit_test(test_gpu_pct),
		cmocka_unit_test(test_timing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
