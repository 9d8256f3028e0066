/* SPDX-License-Identifier: ISC */
/*
 * metrics_darwin_calc.h: the arithmetic of the macOS backend on raw values
 * (vm_statistics64 page counts, per-CPU tick arrays, IOReport energy and
 * residency, pmgr frequency tables). Built on every OS so that the unit tests
 * can check it on Linux with numbers recorded on Macs; metrics_darwin.c only
 * collects the raw values and calls these.
 */
#ifndef MLXD_METRICS_DARWIN_CALC_H
#define MLXD_METRICS_DARWIN_CALC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct metrics_sample;

/* HOST_VM_INFO64_REV1_COUNT: every field we use lives in these words. */
#define METRICS_DARWIN_VM_MINCOUNT	38

/* Tick states of processor_cpu_load_info, in kernel order. */
#define METRICS_DARWIN_USER	0
#define METRICS_DARWIN_SYSTEM	1
#define METRICS_DARWIN_IDLE	2
#define METRICS_DARWIN_NICE	3
#define METRICS_DARWIN_NSTATES	4

#define METRICS_DARWIN_MAXLEVELS	3	/* = METRICS_MAXCLUSTERS */

/* The vm_statistics64 page counts the memory figures use. */
struct metrics_darwin_vm {
	uint64_t	free;
	uint64_t	active;
	uint64_t	inactive;
	uint64_t	speculative;
	uint64_t	wire;
	uint64_t	purgeable;
	uint64_t	compressor;	/* compressor_page_count */
	uint64_t	external;	/* file-backed */
	uint64_t	internal;	/* anonymous */
};

/* One hw.perflevelN: its name and logical CPU count. */
struct metrics_darwin_level {
	char	name[16];
	int	cpus;
};

/* Whether host_statistics64 filled enough words to use (>= 38). */
bool	metrics_darwin_vm_count_ok(unsigned int count);

/*
 * Memory fields of s from page counts, page size and hw.memsize, as Activity
 * Monitor composes them: used = app (internal - purgeable) + wired +
 * compressed; available = total - used; wired; compressed.
 */
void	metrics_darwin_memory(const struct metrics_darwin_vm *vm,
	    uint64_t page_size, uint64_t memsize, struct metrics_sample *s);

/* kern.memorystatus_vm_pressure_level (1, 2, 4) to our level; -1 if odd. */
int	metrics_darwin_mem_pressure(int sysctl_level);

/* com.apple.system.thermalpressurelevel state to 0-4; -1 if odd. */
int	metrics_darwin_thermal_level(uint64_t state);

/*
 * Map CPU indices to clusters. levels are hw.perflevel0.. (0 = fastest).
 * types, if not NULL, holds each CPU's IORegistry cluster-type letter
 * (ncpu of them, '\0' unknown); its letters are ranked E < M < P and matched
 * to the levels slowest first. Without usable types, CPUs are assumed to be
 * numbered slowest tier first (true on M1-M4). Clusters come out slowest
 * first: mapp[cpu] is a cluster index, labels[i] the first letter of its
 * level name. Returns the number of clusters, 0 when membership is unknown.
 */
int	metrics_darwin_cluster_map(const char *types, unsigned int ncpu,
	    const struct metrics_darwin_level *levels, int nlevels,
	    int8_t *mapp, char *labels);

/*
 * CPU busy % from two tick arrays (ncpu x METRICS_DARWIN_NSTATES natural_t,
 * subtracted as uint32_t so a wrap is harmless): the total, and per cluster
 * into clusterp[0..nclusters) when map is not NULL. NAN where no tick
 * passed.
 */
void	metrics_darwin_cpu_pct(const uint32_t *prev, const uint32_t *cur,
	    unsigned int ncpu, const int8_t *map, int nclusters, float *totalp,
	    float *clusterp);

/*
 * Joules from an IOReport energy delta and its unit label ("mJ", "uJ",
 * "nJ", possibly padded with spaces). NAN for INT64_MIN (no reading),
 * negative deltas and unknown units.
 */
double	metrics_darwin_energy_joules(int64_t raw, const char *unit);

/*
 * The rail an "Energy Model" channel adds to, or -1. Exact names only:
 * "CPU Energy", "GPU Energy", "ANE", "ANE<n>", "ANE<n>_<m>", "DRAM",
 * "DRAM<n>", "DRAM<n>_<m>", optionally with an Ultra "DIE_<n>_" prefix.
 * *levelp (if not NULL) gets how specific the name is: 0 for a bare name
 * (a package total), 1 for "<n>", 2 for "<n>_<m>" or a DIE_ prefix (per
 * die). A sum over one rail must use a single level.
 */
int	metrics_darwin_energy_rail(const char *channel, int *levelp);

#define METRICS_DARWIN_NRAILS	5	/* = METRICS_NRAILS */
#define METRICS_DARWIN_NLEVELS	3

/*
 * Joules per rail over one IOReport delta. Channels of each rail are summed
 * per naming level; the total is the least specific level present, so a
 * package total and its per-die parts are never added together (M1/M2
 * Ultra publish both forms for some rails).
 */
struct metrics_darwin_energy_acc {
	double	j[METRICS_DARWIN_NRAILS][METRICS_DARWIN_NLEVELS];
	bool	has[METRICS_DARWIN_NRAILS][METRICS_DARWIN_NLEVELS];
};

/* Empty the accumulator. */
void	metrics_darwin_energy_acc_init(struct metrics_darwin_energy_acc *a);

/*
 * Add one Energy Model channel's delta (raw, unit label). Returns its rail,
 * or -1 when the name is not a rail total or the value is unusable.
 */
int	metrics_darwin_energy_acc_add(struct metrics_darwin_energy_acc *a,
	    const char *channel, int64_t raw, const char *unit);

/* Joules of one rail; NAN when no channel of it was seen. */
double	metrics_darwin_energy_acc_joules(
	    const struct metrics_darwin_energy_acc *a, int rail);

/*
 * Whether the machine slept between two samples, so that energy windows
 * must restart: CLOCK_MONOTONIC counts sleep on macOS, and the first window
 * after a wake would spread its energy over the whole sleep. gap_ns is the
 * time since the previous sample, tick_ns the shortest gap seen so far (the
 * sampling interval; 0 if unknown). Stale when the gap exceeds both max_ns
 * (the longest power window) and three ticks.
 */
bool	metrics_darwin_window_stale(int64_t gap_ns, int64_t tick_ns,
	    int64_t max_ns);

/*
 * Whether memory counters are due: never read, or at least
 * METRICS_DARWIN_MEM_GATE_NS since the last read. The gate sits below 1 s
 * so that a 1000 ms timer firing a little early does not skip a second.
 */
#define METRICS_DARWIN_MEM_GATE_NS	900000000LL
bool	metrics_darwin_mem_due(bool have, int64_t last_ns, int64_t now_ns);

/*
 * The result of a sysctlbyname() read of a fixed-size value: rc and err
 * are its return value and errno, got the length it reported, want the
 * size asked for. 0 only when the whole value was written; -err on
 * failure (-EIO if errno was not set); -EINVAL when the kernel wrote a
 * different length.
 */
int	metrics_darwin_sysctl_rc(int rc, int err, size_t got, size_t want);

/*
 * Null a CPU (or DRAM) power that reads exactly 0 W while the CPU is busy:
 * macOS 27 stopped updating those counters on many machines.
 */
float	metrics_darwin_power_check(float watts, float cpu_pct);

/*
 * A pmgr "voltage-statesN" property: little-endian (frequency, voltage)
 * uint32 pairs. Writes the non-zero frequencies in MHz (kHz tables, used
 * from M4 on, are detected by their implausibly low Hz values). Returns how
 * many were written, or 0 when the table fails the sanity check: every
 * frequency within METRICS_DARWIN_MHZ_MIN..MAX and none lower than the one
 * before (some pmgr properties hold periods, not frequencies: on an M2
 * Ultra they would decode to 18-93 MHz, falling).
 */
#define METRICS_DARWIN_MHZ_MIN	100.0f
#define METRICS_DARWIN_MHZ_MAX	6000.0f
int	metrics_darwin_dvfs_parse(const uint8_t *data, size_t len, float *mhz,
	    int max);

/*
 * Average active GPU frequency from GPUPH residency deltas: states named
 * OFF/IDLE/DOWN are inactive, the others are matched in order to the DVFS
 * table. States past the end of the table are ignored while their
 * residency is zero (GPUPH lists P1-P15 on chips with fewer steps). 0 when
 * the GPU was off for the whole interval; NAN when nothing elapsed or time
 * was spent in a state the table does not have.
 */
float	metrics_darwin_gpu_mhz(const char *const *names, const int64_t *res,
	    int nstates, const float *table, int ntable);

/* GPU active % from GPUPH residency deltas; NAN when nothing elapsed. */
float	metrics_darwin_gpu_active(const char *const *names,
	    const int64_t *res, int nstates);

/*
 * GPU busy % from IOAccelerator's "Device Utilization %" (device, NAN if
 * absent) and the GPUPH active residency (residency, NAN if absent). The
 * device figure is kept unless it sits at 0 or 100 while the residency
 * disagrees by more than METRICS_DARWIN_GPU_FLIP points (the 0/100
 * flipping seen on M4 Pro), or is missing.
 */
#define METRICS_DARWIN_GPU_FLIP	25.0f
float	metrics_darwin_gpu_pct(float device, float residency);

/*
 * 1 for a CPU ("pACC/eACC MTR Temp Sensor*", M1 only), 2 for a GPU ("GPU
 * MTR Temp Sensor*") IOHID temperature "Product" name, else 0 ("PMU tdie*"
 * and the rest are not CPU or GPU sensors).
 */
int	metrics_darwin_temp_kind(const char *product);

/* Whether a temperature reading is plausible (0 < t <= 150 °C). */
bool	metrics_darwin_temp_ok(double celsius);

#endif
