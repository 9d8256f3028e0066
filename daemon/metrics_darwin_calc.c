/* SPDX-License-Identifier: ISC */
/*
 * metrics_darwin_calc.c: pure arithmetic for the macOS metrics backend. It
 * knows the meaning of the kernel's and IOReport's raw numbers but calls no
 * macOS API, so it is compiled and unit-tested on every OS.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "metrics_darwin_calc.h"

_Static_assert(METRICS_DARWIN_MAXLEVELS == METRICS_MAXCLUSTERS,
    "one cluster per perflevel");
_Static_assert(METRICS_DARWIN_NRAILS == METRICS_NRAILS, "one sum per rail");

/* Whether host_statistics64 filled at least the REV1 words. */
bool
metrics_darwin_vm_count_ok(unsigned int count)
{
	return count >= METRICS_DARWIN_VM_MINCOUNT;
}

/* Activity Monitor's memory figures from page counts. */
void
metrics_darwin_memory(const struct metrics_darwin_vm *vm, uint64_t page_size,
    uint64_t memsize, struct metrics_sample *s)
{
	double	app, used, total = (double)memsize;
	double	ps = (double)page_size;

	app = vm->internal > vm->purgeable ?
	    (double)(vm->internal - vm->purgeable) : 0;
	used = (app + (double)vm->wire + (double)vm->compressor) * ps;
	if (memsize > 0) {
		s->mem_total = total;
		if (used > total)
			used = total;
		s->mem_available = total - used;
	}
	s->mem_used = used;
	s->mem_wired = (double)vm->wire * ps;
	s->mem_compressed = (double)vm->compressor * ps;
}

/* kern.memorystatus_vm_pressure_level to a level. */
int
metrics_darwin_mem_pressure(int sysctl_level)
{
	switch (sysctl_level) {
	case 1:
		return METRICS_MEM_PRESSURE_NORMAL;
	case 2:
		return METRICS_MEM_PRESSURE_WARNING;
	case 4:
		return METRICS_MEM_PRESSURE_CRITICAL;
	default:
		return -1;
	}
}

/* Thermal pressure notify state to 0-4. */
int
metrics_darwin_thermal_level(uint64_t state)
{
	return state <= METRICS_THERMAL_SLEEPING ? (int)state : -1;
}

static int
metrics_darwin_type_rank(char c)
{
	switch (c) {
	case 'E':
		return 0;
	case 'M':
		return 1;
	case 'P':
		return 2;
	default:
		return -1;
	}
}

/* CPU index to cluster, slowest cluster first. */
int
metrics_darwin_cluster_map(const char *types, unsigned int ncpu,
    const struct metrics_darwin_level *levels, int nlevels, int8_t *mapp,
    char *labels)
{
	int		 rank_to_cluster[3] = { -1, -1, -1 };
	int		 count[3] = { 0, 0, 0 };
	int		 i, c, r, nranks = 0, sum = 0;
	unsigned int	 cpu, next;
	bool		 by_type = types != NULL;

	if (nlevels < 1 || nlevels > METRICS_DARWIN_MAXLEVELS || ncpu == 0)
		return 0;
	for (i = 0; i < nlevels; i++) {
		if (levels[i].cpus <= 0 || levels[i].name[0] == '\0')
			return 0;
		sum += levels[i].cpus;
	}
	if ((unsigned int)sum != ncpu)
		return 0;
	for (i = 0; i < nlevels; i++)
		labels[i] = (char)toupper((unsigned char)
		    levels[nlevels - 1 - i].name[0]);
	for (; i < METRICS_DARWIN_MAXLEVELS; i++)
		labels[i] = '\0';

	/* IORegistry letters: one distinct letter per level, sizes agree. */
	for (cpu = 0; by_type && cpu < ncpu; cpu++) {
		if ((r = metrics_darwin_type_rank(types[cpu])) < 0)
			by_type = false;
		else
			count[r]++;
	}
	if (by_type) {
		for (r = 0; r < 3; r++)
			if (count[r] > 0) {
				c = nranks++;
				if (c >= nlevels ||
				    count[r] != levels[nlevels - 1 - c].cpus) {
					by_type = false;
					break;
				}
				rank_to_cluster[r] = c;
			}
		if (nranks != nlevels)
			by_type = false;
	}
	if (by_type) {
		for (cpu = 0; cpu < ncpu; cpu++)
			mapp[cpu] = (int8_t)rank_to_cluster[
			    metrics_darwin_type_rank(types[cpu])];
		return nlevels;
	}

	/* No letters: slowest tier first in CPU numbering. */
	cpu = 0;
	for (c = 0; c < nlevels; c++) {
		next = cpu + (unsigned int)levels[nlevels - 1 - c].cpus;
		for (; cpu < next; cpu++)
			mapp[cpu] = (int8_t)c;
	}
	return nlevels;
}

/* CPU busy % from tick deltas, in total and per cluster. */
void
metrics_darwin_cpu_pct(const uint32_t *prev, const uint32_t *cur,
    unsigned int ncpu, const int8_t *map, int nclusters, float *totalp,
    float *clusterp)
{
	double		 busy[METRICS_DARWIN_MAXLEVELS] = { 0 };
	double		 all[METRICS_DARWIN_MAXLEVELS] = { 0 };
	double		 tbusy = 0, tall = 0, b, idle;
	const uint32_t	*p, *q;
	unsigned int	 cpu;
	int		 c;

	for (cpu = 0; cpu < ncpu; cpu++) {
		p = prev + cpu * METRICS_DARWIN_NSTATES;
		q = cur + cpu * METRICS_DARWIN_NSTATES;
		/* natural_t counters wrap; unsigned subtraction absorbs it. */
		b = (double)(uint32_t)(q[METRICS_DARWIN_USER] -
		    p[METRICS_DARWIN_USER]) +
		    (double)(uint32_t)(q[METRICS_DARWIN_SYSTEM] -
		    p[METRICS_DARWIN_SYSTEM]) +
		    (double)(uint32_t)(q[METRICS_DARWIN_NICE] -
		    p[METRICS_DARWIN_NICE]);
		idle = (double)(uint32_t)(q[METRICS_DARWIN_IDLE] -
		    p[METRICS_DARWIN_IDLE]);
		tbusy += b;
		tall += b + idle;
		if (map != NULL && map[cpu] >= 0 && map[cpu] < nclusters &&
		    map[cpu] < METRICS_DARWIN_MAXLEVELS) {
			busy[map[cpu]] += b;
			all[map[cpu]] += b + idle;
		}
	}
	*totalp = tall > 0 ? (float)(100.0 * tbusy / tall) : NAN;
	if (map == NULL || clusterp == NULL)
		return;
	for (c = 0; c < nclusters && c < METRICS_DARWIN_MAXLEVELS; c++)
		clusterp[c] = all[c] > 0 ? (float)(100.0 * busy[c] / all[c]) :
		    NAN;
}

/* Joules from an IOReport energy delta and its unit label. */
double
metrics_darwin_energy_joules(int64_t raw, const char *unit)
{
	char	u[8];
	size_t	n = 0;

	if (raw == INT64_MIN || raw < 0 || unit == NULL)
		return NAN;
	while (*unit == ' ')
		unit++;
	while (*unit != '\0' && *unit != ' ' && n + 1 < sizeof(u))
		u[n++] = *unit++;
	u[n] = '\0';
	if (strcmp(u, "mJ") == 0)
		return (double)raw / 1e3;
	if (strcmp(u, "uJ") == 0 || strcmp(u, "\xc2\xb5J") == 0)
		return (double)raw / 1e6;
	if (strcmp(u, "nJ") == 0)
		return (double)raw / 1e9;
	return NAN;
}

/*
 * How specific a rail suffix is: "" 0, "<n>" 1, "<n>_<m>" 2; -1 for
 * anything else.
 */
static int
metrics_darwin_suffix_level(const char *p)
{
	const char	*q;

	if (*p == '\0')
		return 0;
	for (q = p; *q >= '0' && *q <= '9'; q++)
		;
	if (q == p)
		return -1;
	if (*q == '\0')
		return 1;
	if (*q++ != '_')
		return -1;
	for (p = q; *q >= '0' && *q <= '9'; q++)
		;
	return q > p && *q == '\0' ? 2 : -1;
}

/* Rail of an Energy Model channel name, or -1. */
int
metrics_darwin_energy_rail(const char *ch, int *levelp)
{
	const char	*p;
	int		 die = 0, lvl, rail = -1;

	/* Ultra parts prefix per-die channels with "DIE_<n>_". */
	if (strncmp(ch, "DIE_", 4) == 0) {
		p = ch + 4;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p != '_')
			return -1;
		ch = p + 1;
		die = 2;
	}
	lvl = 0;
	if (strcmp(ch, "CPU Energy") == 0)
		rail = METRICS_RAIL_CPU;
	else if (strcmp(ch, "GPU Energy") == 0)
		rail = METRICS_RAIL_GPU;
	/* "ANE", "ANE0", "ANE0_1"; not "ANE0DTL..." detail rails. */
	else if (strncmp(ch, "ANE", 3) == 0 &&
	    (lvl = metrics_darwin_suffix_level(ch + 3)) >= 0)
		rail = METRICS_RAIL_ANE;
	else if (strncmp(ch, "DRAM", 4) == 0 &&
	    (lvl = metrics_darwin_suffix_level(ch + 4)) >= 0)
		rail = METRICS_RAIL_DRAM;
	if (rail < 0)
		return -1;
	if (levelp != NULL)
		*levelp = die > lvl ? die : lvl;
	return rail;
}

/* Empty an energy accumulator. */
void
metrics_darwin_energy_acc_init(struct metrics_darwin_energy_acc *a)
{
	memset(a, 0, sizeof(*a));
}

/* Add one channel's energy delta to its rail and naming level. */
int
metrics_darwin_energy_acc_add(struct metrics_darwin_energy_acc *a,
    const char *channel, int64_t raw, const char *unit)
{
	double	x;
	int	rail, lvl = 0;

	if ((rail = metrics_darwin_energy_rail(channel, &lvl)) < 0)
		return -1;
	x = metrics_darwin_energy_joules(raw, unit);
	if (isnan(x))
		return -1;
	a->j[rail][lvl] += x;
	a->has[rail][lvl] = true;
	return rail;
}

/* A rail's joules at its least specific naming level. */
double
metrics_darwin_energy_acc_joules(const struct metrics_darwin_energy_acc *a,
    int rail)
{
	int	lvl;

	if (rail < 0 || rail >= METRICS_DARWIN_NRAILS)
		return NAN;
	for (lvl = 0; lvl < METRICS_DARWIN_NLEVELS; lvl++)
		if (a->has[rail][lvl])
			return a->j[rail][lvl];
	return NAN;
}

/* Whether the gap between two samples spans a sleep. */
bool
metrics_darwin_window_stale(int64_t gap_ns, int64_t tick_ns, int64_t max_ns)
{
	return gap_ns > max_ns && (tick_ns <= 0 || gap_ns > 3 * tick_ns);
}

/* Whether memory counters are due again. */
bool
metrics_darwin_mem_due(bool have, int64_t last_ns, int64_t now_ns)
{
	return !have || now_ns - last_ns >= METRICS_DARWIN_MEM_GATE_NS;
}

/* The outcome of reading a fixed-size sysctl. */
int
metrics_darwin_sysctl_rc(int rc, int err, size_t got, size_t want)
{
	if (rc != 0)
		return err > 0 ? -err : -EIO;
	return got == want ? 0 : -EINVAL;
}

/* Null a power that reads exactly zero while the CPU is busy. */
float
metrics_darwin_power_check(float watts, float cpu_pct)
{
	if (watts == 0.0f && !isnan(cpu_pct) && cpu_pct >= 1.0f)
		return NAN;
	return watts;
}

/* Frequencies of a pmgr voltage-states table, in MHz. */
int
metrics_darwin_dvfs_parse(const uint8_t *data, size_t len, float *mhz,
    int max)
{
	uint32_t	 f, fmax = 0;
	size_t		 i;
	int		 n = 0, k;
	double		 scale;

	for (i = 0; i + 8 <= len && n < max; i += 8) {
		f = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 |
		    (uint32_t)data[i + 2] << 16 | (uint32_t)data[i + 3] << 24;
		if (f == 0)
			continue;
		mhz[n++] = (float)f;
		if (f > fmax)
			fmax = f;
	}
	/* Hz tables peak above 100 MHz; a lower peak means kHz (M4 on). */
	scale = fmax < 100000000u ? 1e3 : 1e6;
	for (k = 0; k < n; k++) {
		mhz[k] = (float)(mhz[k] / scale);
		/* Periods, not frequencies: out of range or falling. */
		if (mhz[k] < METRICS_DARWIN_MHZ_MIN ||
		    mhz[k] > METRICS_DARWIN_MHZ_MAX ||
		    (k > 0 && mhz[k] < mhz[k - 1]))
			return 0;
	}
	return n;
}

static bool
metrics_darwin_state_inactive(const char *name)
{
	return strcmp(name, "OFF") == 0 || strcmp(name, "IDLE") == 0 ||
	    strcmp(name, "DOWN") == 0;
}

/* Average active GPU MHz from GPUPH residency deltas. */
float
metrics_darwin_gpu_mhz(const char *const *names, const int64_t *res,
    int nstates, const float *table, int ntable)
{
	double	all = 0, active = 0, weighted = 0;
	int	i, k = 0;

	for (i = 0; i < nstates; i++) {
		if (res[i] < 0)
			return NAN;
		all += (double)res[i];
		if (names[i] == NULL || metrics_darwin_state_inactive(names[i]))
			continue;
		if (k >= ntable) {
			/* A state the table lacks: fine while never entered. */
			if (res[i] != 0)
				return NAN;
			continue;
		}
		active += (double)res[i];
		weighted += (double)res[i] * table[k++];
	}
	if (all <= 0)
		return NAN;
	if (active <= 0)
		return 0;
	return (float)(weighted / active);
}

/* GPU active % from GPUPH residency deltas. */
float
metrics_darwin_gpu_active(const char *const *names, const int64_t *res,
    int nstates)
{
	double	all = 0, active = 0;
	int	i;

	for (i = 0; i < nstates; i++) {
		if (res[i] < 0)
			return NAN;
		all += (double)res[i];
		if (names[i] != NULL && !metrics_darwin_state_inactive(names[i]))
			active += (double)res[i];
	}
	return all > 0 ? (float)(100.0 * active / all) : NAN;
}

/* GPU busy % from the device figure, cross-checked with residency. */
float
metrics_darwin_gpu_pct(float device, float residency)
{
	if (isnan(device))
		return residency;
	if (isnan(residency))
		return device;
	if ((device == 0.0f || device == 100.0f) &&
	    fabsf(device - residency) > METRICS_DARWIN_GPU_FLIP)
		return residency;
	return device;
}

/* Whether an IOHID temperature sensor is a CPU (1) or GPU (2) one. */
int
metrics_darwin_temp_kind(const char *product)
{
	/*
	 * M1's CPU cluster sensors. "PMU tdie*" (every generation) measure
	 * the power manager's die, not the CPU clusters: not used.
	 */
	if (strncmp(product, "pACC MTR Temp Sensor", 20) == 0 ||
	    strncmp(product, "eACC MTR Temp Sensor", 20) == 0)
		return 1;
	if (strncmp(product, "GPU MTR Temp Sensor", 19) == 0)
		return 2;
	return 0;
}

/* Plausible temperature reading. */
bool
metrics_darwin_temp_ok(double celsius)
{
	return isfinite(celsius) && celsius > 0 && celsius <= 150;
}
