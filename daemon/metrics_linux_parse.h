/* SPDX-License-Identifier: ISC */
/*
 * metrics_linux_parse.h: pure parsers for the text of Linux /proc and /sys
 * files and the arithmetic on their values. Built on every OS so the unit
 * tests run everywhere; only metrics_linux.c reads the files.
 */
#ifndef MLXD_METRICS_LINUX_PARSE_H
#define MLXD_METRICS_LINUX_PARSE_H

#include <stddef.h>
#include <stdint.h>

struct metrics_sample;

/* The aggregate "cpu" line of /proc/stat, in USER_HZ ticks. */
struct metrics_linux_cpu {
	uint64_t	busy;		/* total - idle - iowait */
	uint64_t	total;		/* user..steal (guest is inside user) */
};

/*
 * /proc/meminfo: sets mem_total, and where their lines exist mem_available,
 * mem_used (total - available), mem_compressed (Zswap), swap_total and
 * swap_used. Other fields are left alone. Returns 0, or -EINVAL without a
 * MemTotal line.
 */
int	metrics_linux_parse_meminfo(const char *text, struct metrics_sample *s);

/* The first ("cpu ") line of /proc/stat. Returns 0 or -EINVAL. */
int	metrics_linux_parse_stat(const char *text, struct metrics_linux_cpu *c);

/*
 * Busy percentage between two readings; NAN when no tick passed or the
 * counters went backwards (the caller then keeps cur as the new baseline).
 */
float	metrics_linux_cpu_pct(const struct metrics_linux_cpu *prev,
	    const struct metrics_linux_cpu *cur);

/* /proc/loadavg: the three averages. Returns 0 or -EINVAL. */
int	metrics_linux_parse_loadavg(const char *text, float load[3]);

/*
 * A /proc/pressure/<resource> file: the avg10 of the "some" and "full" lines
 * in percent; a missing line gives NAN. Returns 0, or -EINVAL without a
 * "some" line.
 */
int	metrics_linux_parse_psi(const char *text, float *somep, float *fullp);

/*
 * Memory pressure level from PSI memory avg10 (percent): critical when
 * full >= 10, warning when some >= 10, else normal; -1 if some is NAN.
 */
int	metrics_linux_mem_pressure(float some, float full);

/* Number of CPUs in a cpulist such as "0-3,8-11\n"; -1 if malformed. */
int	metrics_linux_parse_cpulist(const char *text);

/* First unsigned decimal number in text (a sysfs attribute). 0 or -EINVAL. */
int	metrics_linux_parse_u64(const char *text, uint64_t *vp);

/*
 * os-release: NAME and VERSION_ID, unquoted, into name/version ("" when
 * absent).
 */
void	metrics_linux_parse_os_release(const char *text, char *name,
	    size_t namelen, char *version, size_t versionlen);

/*
 * /proc/cpuinfo: the first "model name" (or "Hardware") into model, the
 * number of "processor" entries, and the number of distinct
 * (physical id, core id) pairs (-1 without core ids).
 */
void	metrics_linux_parse_cpuinfo(const char *text, char *model,
	    size_t modellen, int *logicalp, int *physicalp);

/*
 * How well a hwmon temperature input represents the CPU: chip is the hwmon
 * "name", label the input's label ("" if none). 0 = not a CPU sensor;
 * higher is better (package/die sensors beat single cores).
 */
int	metrics_linux_cpu_sensor_score(const char *chip, const char *label);

/* The same for a thermal zone "type" (used when no hwmon sensor fits). */
int	metrics_linux_cpu_zone_score(const char *type);

/*
 * Microjoules consumed between two RAPL energy_uj readings, allowing one
 * wrap at max_range (max_energy_range_uj). Returns 0, or -ERANGE when the
 * readings make no sense (counter reset, unknown range).
 */
int	metrics_linux_rapl_delta(uint64_t prev, uint64_t cur,
	    uint64_t max_range, uint64_t *deltap);

#endif
