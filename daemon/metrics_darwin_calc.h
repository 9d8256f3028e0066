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
 * "CPU Energy", "GPU Energy", "ANEn", "DRAMn", optionally with an Ultra
 * "DIE_n_" prefix or an "_n" die suffix.
 */
int	metrics_darwin_energy_rail(const char *channel);

/*
 * Null a CPU (or DRAM) power that reads exactly 0 W while the CPU is busy:
 * macOS 27 stopped updating those counters on many machines.
 */
float	metrics_darwin_power_check(float watts, float cpu_pct);

/*
 * A pmgr "voltage-statesN" property: little-endian (frequency, voltage)
 * uint32 pairs. Writes the non-zero frequencies in MHz (kHz tables, used
 * from M4 on, are detected by their implausibly low Hz values). Returns how
 * many were written.
 */
int	metrics_darwin_dvfs_parse(const uint8_t *data, size_t len, float *mhz,
	    int max);

/*
 * Average active GPU frequency from GPUPH residency deltas: states named
 * OFF/IDLE/DOWN are inactive, the others are matched in order to the DVFS
 * table. 0 when the GPU was off for the whole interval; NAN when nothing
 * elapsed or the table does not fit the states.
 */
float	metrics_darwin_gpu_mhz(const char *const *names, const int64_t *res,
	    int nstates, const float *table, int ntable);

/* 1 for a CPU, 2 for a GPU IOHID temperature "Product" name, else 0. */
int	metrics_darwin_temp_kind(const char *product);

/* Whether a temperature reading is plausible (0 < t <= 150 °C). */
bool	metrics_darwin_temp_ok(double celsius);

#endif
