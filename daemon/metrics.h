/* SPDX-License-Identifier: ISC */
/*
 * metrics.h: system metrics (memory, CPU, GPU, power, thermal) sampled by one
 * OS backend, and the neutral code around them: JSON, Prometheus text, the
 * one-hour history ring and one-minute aggregation.
 *
 * Unavailable values are NAN in the float/double fields and -1 in the level
 * fields; they become null in JSON and are left out of Prometheus output,
 * never 0. Use metrics_isnull()/METRICS_NULL rather than comparing.
 *
 * Exactly one backend is built: metrics_linux.c (/proc, /sys, NVML),
 * metrics_darwin.c (mach, sysctl, IOKit, IOReport) or metrics_none.c. A
 * backend and the history belong to the thread that created them (the loop);
 * the JSON they produce may be handed to other threads.
 */
#ifndef MLXD_METRICS_H
#define MLXD_METRICS_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define METRICS_NULL		((double)NAN)
#define metrics_isnull(x)	(isnan(x))

#define METRICS_MAXCLUSTERS	3	/* CPU tiers: E/P, or P/S (M5) ... */

/* Power rails, in output order. */
enum metrics_rail {
	METRICS_RAIL_CPU = 0,
	METRICS_RAIL_GPU,
	METRICS_RAIL_ANE,
	METRICS_RAIL_DRAM,
	METRICS_RAIL_SYSTEM,
	METRICS_NRAILS
};

/* Memory pressure (macOS kern.memorystatus_vm_pressure_level; Linux PSI). */
enum metrics_mem_pressure {
	METRICS_MEM_PRESSURE_NORMAL = 0,
	METRICS_MEM_PRESSURE_WARNING = 1,
	METRICS_MEM_PRESSURE_CRITICAL = 2,
};

/* Thermal pressure (macOS OSThermalNotification levels). */
enum metrics_thermal {
	METRICS_THERMAL_NOMINAL = 0,
	METRICS_THERMAL_MODERATE = 1,
	METRICS_THERMAL_HEAVY = 2,
	METRICS_THERMAL_TRAPPING = 3,
	METRICS_THERMAL_SLEEPING = 4,
};

/*
 * One sample. Compact on purpose (the history keeps an hour of them):
 * byte counts are doubles (exact to 2^53), everything else is float.
 * Percentages are 0-100.
 */
struct metrics_sample {
	int64_t	t_ns;			/* wall clock, ns since the epoch */

	double	mem_total;		/* bytes */
	double	mem_used;		/* see docs/metrics.md */
	double	mem_available;
	double	mem_wired;
	double	mem_compressed;		/* macOS compressor; Linux zswap pool */
	double	swap_total;
	double	swap_used;
	double	gpu_mem_used;		/* bytes */
	double	gpu_mem_total;

	float	mem_psi_some;		/* Linux PSI memory some avg10, % */
	float	mem_psi_full;		/* Linux PSI memory full avg10, % */
	float	cpu_pct;		/* all CPUs, % busy */
	float	cpu_cluster_pct[METRICS_MAXCLUSTERS];	/* per tier, % */
	float	cpu_psi_some;		/* Linux PSI cpu some avg10, % */
	float	load[3];		/* 1, 5, 15 minute load averages */
	float	gpu_pct;		/* % busy */
	float	gpu_mhz;		/* average active frequency */
	float	power_w[METRICS_NRAILS];	/* W, by enum metrics_rail */
	float	cpu_temp_c;
	float	gpu_temp_c;

	int8_t	mem_pressure;		/* enum metrics_mem_pressure or -1 */
	int8_t	thermal_level;		/* enum metrics_thermal or -1 */
	char	cluster_label[METRICS_MAXCLUSTERS];	/* 'E', 'P', ...; 0 */
};

/* One CPU tier in the system description. */
struct metrics_cluster_info {
	char	label;			/* 'E', 'P', 'S', ... */
	char	name[16];		/* "Efficiency", "Performance", ... */
	int	cpus;			/* logical CPUs in the tier */
};

/*
 * The one-time description of the machine. Empty strings and -1 mean
 * unknown (null in JSON).
 */
struct metrics_system {
	char	chip[96];		/* "Apple M3 Pro", CPU model name */
	char	model[64];		/* "Mac15,6"; Linux: DMI product */
	int	cpus_logical;
	int	cpus_physical;
	int	nclusters;
	struct metrics_cluster_info clusters[METRICS_MAXCLUSTERS];
	char	gpu_name[96];
	int	gpu_cores;
	double	mem_total;		/* bytes, NAN if unknown */
	char	os_name[64];		/* "macOS", "Debian GNU/Linux" */
	char	os_version[64];		/* "15.1", "12" */
	char	kernel[96];		/* kernel release */
	char	hostname[256];
	char	arch[32];		/* "arm64", "x86_64" */
};

/* Sample fields as a flat list, for history points and aggregation. */
enum metrics_field {
	METRICS_F_MEM_TOTAL = 0,
	METRICS_F_MEM_USED,
	METRICS_F_MEM_AVAILABLE,
	METRICS_F_MEM_WIRED,
	METRICS_F_MEM_COMPRESSED,
	METRICS_F_SWAP_TOTAL,
	METRICS_F_SWAP_USED,
	METRICS_F_MEM_PRESSURE,
	METRICS_F_MEM_PSI_SOME,
	METRICS_F_MEM_PSI_FULL,
	METRICS_F_CPU,
	METRICS_F_CPU_C0,
	METRICS_F_CPU_C1,
	METRICS_F_CPU_C2,
	METRICS_F_CPU_PSI_SOME,
	METRICS_F_LOAD1,
	METRICS_F_LOAD5,
	METRICS_F_LOAD15,
	METRICS_F_GPU,
	METRICS_F_GPU_MEM_USED,
	METRICS_F_GPU_MEM_TOTAL,
	METRICS_F_GPU_MHZ,
	METRICS_F_POWER_CPU,
	METRICS_F_POWER_GPU,
	METRICS_F_POWER_ANE,
	METRICS_F_POWER_DRAM,
	METRICS_F_POWER_SYSTEM,
	METRICS_F_THERMAL,
	METRICS_F_CPU_TEMP,
	METRICS_F_GPU_TEMP,
	METRICS_NFIELDS
};

/* metrics.c: samples and fields */

/* Set every field of s to null and its time to t_ns. */
void	metrics_sample_init(struct metrics_sample *s, int64_t t_ns);

/* Value of field f in s as a double, NAN when null. */
double	metrics_field_get(const struct metrics_sample *s, enum metrics_field f);

/* Store v (NAN = null) into field f of s. */
void	metrics_field_set(struct metrics_sample *s, enum metrics_field f,
	    double v);

/*
 * Key of field f in history points and minute aggregates, e.g.
 * "mem_used_bytes"; cluster fields use labels ("cpu_E_pct", labels as in
 * struct metrics_sample) and fall back to "cpu_c0_pct". Writes into buf.
 */
void	metrics_field_key(enum metrics_field f, const char *labels, char *buf,
	    size_t len);

/* "normal"/"warning"/"critical", or NULL for an unknown level. */
const char *metrics_mem_pressure_name(int level);

/* "nominal"/"moderate"/"heavy"/"trapping"/"sleeping", or NULL. */
const char *metrics_thermal_name(int level);

/* "cpu", "gpu", "ane", "dram", "system". */
const char *metrics_rail_name(enum metrics_rail r);

/* The live sample as nested JSON (docs/metrics.md); new reference. */
json_t	*metrics_sample_json(const struct metrics_sample *s);

/* The system description as JSON; new reference. */
json_t	*metrics_system_json(const struct metrics_system *sys);

/* metrics.c: energy counters to watts */

#define METRICS_POWER_WINDOW_MS		2000	/* shortest power window */
#define METRICS_POWER_MAXWINDOW_MS	10000	/* still counter: 0 W after */

/*
 * Turns energy deltas into watts over windows of at least min_window_ns of
 * monotonic time, holding the last value between windows. A window closes
 * only once the counter has moved (counters that publish in batches would
 * otherwise flicker between 0 W and double) or when max_window_ns has passed.
 */
struct metrics_energy {
	bool	started;
	int64_t	start_ns;		/* monotonic start of the open window */
	double	joules;			/* energy seen in the open window */
	float	watts;			/* last closed window; NAN before one */
};

/* Forget everything; the next metrics_energy_add() starts a baseline. */
void	metrics_energy_reset(struct metrics_energy *e);

/*
 * Add joules consumed since the previous call (ignored on the first call,
 * NAN = no reading this time) at monotonic time now_ns. Returns the watts
 * to report now: NAN until a first window has closed, then held.
 */
float	metrics_energy_add(struct metrics_energy *e, double joules,
	    int64_t now_ns, int64_t min_window_ns, int64_t max_window_ns);

/* metrics.c: Prometheus text exposition format 0.0.4 */

/* A growable text buffer; zero-initialise, release with metrics_buf_free. */
struct metrics_buf {
	char	*data;			/* NUL-terminated, owned */
	size_t	 len;
	size_t	 cap;
};

void	metrics_buf_printf(struct metrics_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	metrics_buf_free(struct metrics_buf *b);

/* Append "# HELP name help" and "# TYPE name type". */
void	metrics_prom_header(struct metrics_buf *b, const char *name,
	    const char *type, const char *help);

/* Append "name{labels} value"; labels ("k=\"v\"") may be NULL. */
void	metrics_prom_value(struct metrics_buf *b, const char *name,
	    const char *labels, double v);

/*
 * Append every system metric of s with HELP/TYPE lines, in base units
 * (bytes, ratio 0-1, watts, celsius, hertz). A family whose values are all
 * null is left out entirely.
 */
void	metrics_prom_append(const struct metrics_sample *s,
	    struct metrics_buf *b);

/* metrics.c: history */

/*
 * The last hour of samples at full rate, in one fixed allocation of
 * 3600000 / interval_ms samples.
 */
struct metrics_history;

struct metrics_history *metrics_history_new(uint32_t interval_ms);
void	metrics_history_free(struct metrics_history *h);

/* Append a copy of s, dropping the oldest sample once full. */
void	metrics_history_push(struct metrics_history *h,
	    const struct metrics_sample *s);

/* Samples held now, and the capacity. */
size_t	metrics_history_count(const struct metrics_history *h);
size_t	metrics_history_capacity(const struct metrics_history *h);
/* Bytes the history keeps per sample (packed; see metrics.c). */
size_t	metrics_history_sample_bytes(void);

/*
 * The samples with now_ns - window_ms < t <= now_ns, oldest first, as
 * {"interval_ms":..,"step_ms":..,"points":[{"t":"ISO", <field keys>...}]}.
 * With step_ms > interval_ms, points are step buckets aligned to multiples of
 * step_ms since the epoch ("t" = bucket start): the mean of each field over
 * the bucket's non-null values (the max for the two level fields), null if
 * none. step_ms 0 means the sampling interval. Returns 0 and a new reference
 * in *jp, or -EINVAL for window_ms <= 0, window_ms > one hour or step_ms < 0.
 */
int	metrics_history_query(const struct metrics_history *h, int64_t now_ns,
	    int64_t window_ms, int64_t step_ms, json_t **jp);

/* metrics.c: one-minute aggregation for persistence */

struct metrics_agg {
	double	min, mean, max;		/* NAN when the field had no value */
};

/* A finished wall-clock minute. */
struct metrics_minute {
	int64_t	start_ns;		/* multiple of 60 s since the epoch */
	uint32_t n;			/* samples in it */
	char	cluster_label[METRICS_MAXCLUSTERS];
	struct metrics_agg f[METRICS_NFIELDS];
};

/* Running state; embed it and call metrics_minute_init() once. */
struct metrics_minute_acc {
	int64_t	minute;			/* t_ns / 60e9 of the open minute */
	uint32_t n;
	char	cluster_label[METRICS_MAXCLUSTERS];
	uint32_t cnt[METRICS_NFIELDS];
	double	sum[METRICS_NFIELDS];
	double	min[METRICS_NFIELDS];
	double	max[METRICS_NFIELDS];
};

void	metrics_minute_init(struct metrics_minute_acc *acc);

/*
 * Add a sample. When s belongs to a different minute than the open one and
 * the open one has samples, it is finished into *donep and true is returned;
 * s then opens the next minute.
 */
bool	metrics_minute_add(struct metrics_minute_acc *acc,
	    const struct metrics_sample *s, struct metrics_minute *donep);

/* Finish the open minute early (at shutdown); false if it is empty. */
bool	metrics_minute_flush(struct metrics_minute_acc *acc,
	    struct metrics_minute *donep);

/* {"t":"ISO","n":..,"fields":{"<key>":{"min":..,"mean":..,"max":..}}}. */
json_t	*metrics_minute_json(const struct metrics_minute *m);

/* metrics_<os>.c: the backend */

struct metrics_backend;

/*
 * Open the backend. root prefixes every /proc and /sys path on Linux ("/" in
 * production, a fixture tree in tests); other backends accept only NULL or
 * "/". Probes once which sources exist and keeps their descriptors open.
 * Returns 0, -ENOTSUP without a backend for this OS (metrics_none.c; callers
 * then publish metrics_sample_init() samples), or a negative errno.
 */
int	metrics_backend_open(const char *root, struct metrics_backend **bp);

/*
 * Take one sample into *s (always fully written; unavailable fields null).
 * The first sample has no deltas: CPU % and power are null until later ones.
 * Cheap (well under a millisecond of CPU on Linux); call at most once a
 * second on macOS, where memory counters are rate-limited by the kernel.
 */
int	metrics_backend_sample(struct metrics_backend *b,
	    struct metrics_sample *s);

/* Describe the machine; call once. */
int	metrics_backend_system(struct metrics_backend *b,
	    struct metrics_system *sys);

/* Shortest power window in ms (METRICS_POWER_WINDOW_MS; tests use 0). */
void	metrics_backend_set_power_window(struct metrics_backend *b,
	    uint32_t ms);

void	metrics_backend_close(struct metrics_backend *b);

#endif
