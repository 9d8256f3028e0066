/* SPDX-License-Identifier: ISC */
/*
 * metrics.c: the OS-neutral half of the metrics sampler: the sample's field
 * table, its JSON forms, energy-to-watts windows, the one-hour history ring
 * with downsampling, and the one-minute aggregation the store persists.
 *
 * Nothing here reads the machine; the backends (metrics_<os>.c) fill struct
 * metrics_sample and everything else is computed from it. Null is NAN for
 * float/double fields and -1 for the two level fields. Prometheus output is
 * in metrics_prom.c.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "metrics.h"
#include "timeutil.h"
#include "xmalloc.h"

#define NS_PER_MS	1000000LL
#define NS_PER_MIN	60000000000LL
#define HOUR_MS		3600000LL

_Static_assert(sizeof(struct metrics_sample) <= 200,
    "history samples must stay compact");

enum metrics_type {
	METRICS_T_F64 = 0,
	METRICS_T_F32,
	METRICS_T_I8,
};

enum metrics_kind {
	METRICS_K_BYTES = 0,	/* integer bytes */
	METRICS_K_REAL,		/* %, W, °C, MHz, load */
	METRICS_K_LEVEL,	/* small enum; downsampled with max */
};

struct metrics_field_info {
	const char	*key;
	size_t		 off;
	uint8_t		 type;
	uint8_t		 kind;
};

#define FLD(f, k, m, t, kd) \
	[f] = { k, offsetof(struct metrics_sample, m), METRICS_T_##t, \
	    METRICS_K_##kd }

static const struct metrics_field_info metrics_fields[METRICS_NFIELDS] = {
	FLD(METRICS_F_MEM_TOTAL, "mem_total_bytes", mem_total, F64, BYTES),
	FLD(METRICS_F_MEM_USED, "mem_used_bytes", mem_used, F64, BYTES),
	FLD(METRICS_F_MEM_AVAILABLE, "mem_available_bytes", mem_available,
	    F64, BYTES),
	FLD(METRICS_F_MEM_WIRED, "mem_wired_bytes", mem_wired, F64, BYTES),
	FLD(METRICS_F_MEM_COMPRESSED, "mem_compressed_bytes", mem_compressed,
	    F64, BYTES),
	FLD(METRICS_F_SWAP_TOTAL, "swap_total_bytes", swap_total, F64, BYTES),
	FLD(METRICS_F_SWAP_USED, "swap_used_bytes", swap_used, F64, BYTES),
	FLD(METRICS_F_MEM_PRESSURE, "mem_pressure_level", mem_pressure, I8,
	    LEVEL),
	FLD(METRICS_F_MEM_PSI_SOME, "mem_psi_some_pct", mem_psi_some, F32,
	    REAL),
	FLD(METRICS_F_MEM_PSI_FULL, "mem_psi_full_pct", mem_psi_full, F32,
	    REAL),
	FLD(METRICS_F_CPU, "cpu_pct", cpu_pct, F32, REAL),
	FLD(METRICS_F_CPU_C0, "cpu_c0_pct", cpu_cluster_pct[0], F32, REAL),
	FLD(METRICS_F_CPU_C1, "cpu_c1_pct", cpu_cluster_pct[1], F32, REAL),
	FLD(METRICS_F_CPU_C2, "cpu_c2_pct", cpu_cluster_pct[2], F32, REAL),
	FLD(METRICS_F_CPU_PSI_SOME, "cpu_psi_some_pct", cpu_psi_some, F32,
	    REAL),
	FLD(METRICS_F_LOAD1, "load_1m", load[0], F32, REAL),
	FLD(METRICS_F_LOAD5, "load_5m", load[1], F32, REAL),
	FLD(METRICS_F_LOAD15, "load_15m", load[2], F32, REAL),
	FLD(METRICS_F_GPU, "gpu_pct", gpu_pct, F32, REAL),
	FLD(METRICS_F_GPU_MEM_USED, "gpu_mem_used_bytes", gpu_mem_used, F64,
	    BYTES),
	FLD(METRICS_F_GPU_MEM_TOTAL, "gpu_mem_total_bytes", gpu_mem_total,
	    F64, BYTES),
	FLD(METRICS_F_GPU_MHZ, "gpu_mhz", gpu_mhz, F32, REAL),
	FLD(METRICS_F_POWER_CPU, "power_cpu_w", power_w[METRICS_RAIL_CPU],
	    F32, REAL),
	FLD(METRICS_F_POWER_GPU, "power_gpu_w", power_w[METRICS_RAIL_GPU],
	    F32, REAL),
	FLD(METRICS_F_POWER_ANE, "power_ane_w", power_w[METRICS_RAIL_ANE],
	    F32, REAL),
	FLD(METRICS_F_POWER_DRAM, "power_dram_w", power_w[METRICS_RAIL_DRAM],
	    F32, REAL),
	FLD(METRICS_F_POWER_SYSTEM, "power_system_w",
	    power_w[METRICS_RAIL_SYSTEM], F32, REAL),
	FLD(METRICS_F_THERMAL, "thermal_level", thermal_level, I8, LEVEL),
	FLD(METRICS_F_CPU_TEMP, "cpu_temp_c", cpu_temp_c, F32, REAL),
	FLD(METRICS_F_GPU_TEMP, "gpu_temp_c", gpu_temp_c, F32, REAL),
};

static const char *const metrics_rail_names[METRICS_NRAILS] = {
	"cpu", "gpu", "ane", "dram", "system",
};

static const char *const metrics_mem_pressure_names[] = {
	"normal", "warning", "critical",
};

static const char *const metrics_thermal_names[] = {
	"nominal", "moderate", "heavy", "trapping", "sleeping",
};

/*
 * A sample as the history keeps it: the nine byte counts in KiB (exact for
 * page-sized figures; METRICS_HKIB_NULL for unknown) instead of doubles,
 * and the rest of the sample (its floats and levels) as they are. An hour
 * at 1 Hz is then 3600 x 136 bytes rather than 3600 x 168.
 */
#define METRICS_HKIB_NULL	UINT32_MAX
#define METRICS_HTAIL_OFF	offsetof(struct metrics_sample, mem_psi_some)
#define METRICS_HTAIL_LEN	(sizeof(struct metrics_sample) - \
				    METRICS_HTAIL_OFF)
_Static_assert(METRICS_HTAIL_OFF == sizeof(int64_t) + 9 * sizeof(double),
    "the history packs exactly nine byte counts after t_ns");
struct metrics_hrec {
	int64_t		 t_ns;
	uint32_t	 kib[9];		/* mem_total ... gpu_mem_total */
	unsigned char	 tail[METRICS_HTAIL_LEN];
};

struct metrics_history {
	uint32_t		 interval_ms;
	size_t			 cap;
	size_t			 head;		/* next slot to write */
	size_t			 count;
	struct metrics_hrec	 s[];
};

/* Floor division that rounds towards minus infinity. */
static int64_t
metrics_floordiv(int64_t a, int64_t b)
{
	int64_t	q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Set every field of s to null and its time to t_ns. */
void
metrics_sample_init(struct metrics_sample *s, int64_t t_ns)
{
	int	f;

	memset(s, 0, sizeof(*s));
	s->t_ns = t_ns;
	for (f = 0; f < METRICS_NFIELDS; f++)
		metrics_field_set(s, (enum metrics_field)f, METRICS_NULL);
}

/* Value of field f in s as a double, NAN when null. */
double
metrics_field_get(const struct metrics_sample *s, enum metrics_field f)
{
	const struct metrics_field_info	*fi = &metrics_fields[f];
	const char			*p = (const char *)s + fi->off;
	double				 d;
	float				 x;
	int8_t				 i;

	switch (fi->type) {
	case METRICS_T_F64:
		memcpy(&d, p, sizeof(d));
		return d;
	case METRICS_T_F32:
		memcpy(&x, p, sizeof(x));
		return x;
	default:
		memcpy(&i, p, sizeof(i));
		return i < 0 ? METRICS_NULL : (double)i;
	}
}

/* Store v (NAN = null) into field f of s. */
void
metrics_field_set(struct metrics_sample *s, enum metrics_field f, double v)
{
	const struct metrics_field_info	*fi = &metrics_fields[f];
	char				*p = (char *)s + fi->off;
	float				 x;
	int8_t				 i;

	switch (fi->type) {
	case METRICS_T_F64:
		memcpy(p, &v, sizeof(v));
		break;
	case METRICS_T_F32:
		x = (float)v;
		memcpy(p, &x, sizeof(x));
		break;
	default:
		i = (isnan(v) || v < 0 || v > 127) ? -1 : (int8_t)lround(v);
		memcpy(p, &i, sizeof(i));
		break;
	}
}

/* Key of field f for points and aggregates; cluster keys use labels. */
void
metrics_field_key(enum metrics_field f, const char *labels, char *buf,
    size_t len)
{
	int	c;

	if (f >= METRICS_F_CPU_C0 && f <= METRICS_F_CPU_C2 && labels != NULL) {
		c = f - METRICS_F_CPU_C0;
		if (labels[c] != '\0') {
			snprintf(buf, len, "cpu_%c_pct", labels[c]);
			return;
		}
	}
	snprintf(buf, len, "%s", metrics_fields[f].key);
}

/* Name of a memory pressure level, or NULL. */
const char *
metrics_mem_pressure_name(int level)
{
	if (level < 0 || level > METRICS_MEM_PRESSURE_CRITICAL)
		return NULL;
	return metrics_mem_pressure_names[level];
}

/* Name of a thermal pressure level, or NULL. */
const char *
metrics_thermal_name(int level)
{
	if (level < 0 || level > METRICS_THERMAL_SLEEPING)
		return NULL;
	return metrics_thermal_names[level];
}

/* Name of a power rail. */
const char *
metrics_rail_name(enum metrics_rail r)
{
	return metrics_rail_names[r];
}

static json_t *
metrics_json_bytes(double v)
{
	if (!isfinite(v) || v < 0)
		return json_null();
	return json_integer((json_int_t)llround(v));
}

/*
 * Reals are rounded to 0.01 so that they print short; the sources are not
 * more precise than that.
 */
static json_t *
metrics_json_real(double v)
{
	if (!isfinite(v))
		return json_null();
	return json_real(round(v * 100.0) / 100.0);
}

static json_t *
metrics_json_level(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *
metrics_json_str(const char *s)
{
	json_t	*j;

	if (s == NULL || *s == '\0')
		return json_null();
	/* Not valid UTF-8 (an odd hostname, say): null rather than nothing. */
	if ((j = json_string(s)) == NULL)
		return json_null();
	return j;
}

static json_t *
metrics_json_int(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *
metrics_json_field(const struct metrics_sample *s, enum metrics_field f)
{
	double	v = metrics_field_get(s, f);

	switch (metrics_fields[f].kind) {
	case METRICS_K_BYTES:
		return metrics_json_bytes(v);
	case METRICS_K_LEVEL:
		return isnan(v) ? json_null() : json_integer((json_int_t)v);
	default:
		return metrics_json_real(v);
	}
}

static json_t *
metrics_json_name(const char *name)
{
	return name == NULL ? json_null() : json_string(name);
}

/* The live sample as nested JSON; new reference. */
json_t *
metrics_sample_json(const struct metrics_sample *s)
{
	json_t	*o, *mem, *cpu, *cl, *load, *gpu, *pw, *th;
	char	 ts[TIMEUTIL_ISO_LEN], lab[2];
	int	 i;

	timeutil_format_utc(s->t_ns, ts, sizeof(ts));
	mem = json_object();
	json_object_set_new(mem, "total_bytes",
	    metrics_json_bytes(s->mem_total));
	json_object_set_new(mem, "used_bytes", metrics_json_bytes(s->mem_used));
	json_object_set_new(mem, "available_bytes",
	    metrics_json_bytes(s->mem_available));
	json_object_set_new(mem, "wired_bytes",
	    metrics_json_bytes(s->mem_wired));
	json_object_set_new(mem, "compressed_bytes",
	    metrics_json_bytes(s->mem_compressed));
	json_object_set_new(mem, "swap_total_bytes",
	    metrics_json_bytes(s->swap_total));
	json_object_set_new(mem, "swap_used_bytes",
	    metrics_json_bytes(s->swap_used));
	json_object_set_new(mem, "pressure_level",
	    metrics_json_level(s->mem_pressure));
	json_object_set_new(mem, "pressure",
	    metrics_json_name(metrics_mem_pressure_name(s->mem_pressure)));
	json_object_set_new(mem, "psi_some_pct",
	    metrics_json_real(s->mem_psi_some));
	json_object_set_new(mem, "psi_full_pct",
	    metrics_json_real(s->mem_psi_full));

	cpu = json_object();
	json_object_set_new(cpu, "utilization_pct",
	    metrics_json_real(s->cpu_pct));
	cl = NULL;
	for (i = 0; i < METRICS_MAXCLUSTERS; i++) {
		if (s->cluster_label[i] == '\0')
			continue;
		if (cl == NULL)
			cl = json_object();
		lab[0] = s->cluster_label[i];
		lab[1] = '\0';
		json_object_set_new(cl, lab,
		    metrics_json_real(s->cpu_cluster_pct[i]));
	}
	if (cl != NULL)
		json_object_set_new(cpu, "clusters", cl);
	json_object_set_new(cpu, "psi_some_pct",
	    metrics_json_real(s->cpu_psi_some));
	load = json_object();
	json_object_set_new(load, "1m", metrics_json_real(s->load[0]));
	json_object_set_new(load, "5m", metrics_json_real(s->load[1]));
	json_object_set_new(load, "15m", metrics_json_real(s->load[2]));
	json_object_set_new(cpu, "load_average", load);

	gpu = json_object();
	json_object_set_new(gpu, "utilization_pct",
	    metrics_json_real(s->gpu_pct));
	json_object_set_new(gpu, "memory_used_bytes",
	    metrics_json_bytes(s->gpu_mem_used));
	json_object_set_new(gpu, "memory_total_bytes",
	    metrics_json_bytes(s->gpu_mem_total));
	json_object_set_new(gpu, "frequency_mhz",
	    metrics_json_real(s->gpu_mhz));

	pw = json_object();
	for (i = 0; i < METRICS_NRAILS; i++)
		json_object_set_new(pw, metrics_rail_names[i],
		    metrics_json_real(s->power_w[i]));

	th = json_object();
	json_object_set_new(th, "pressure_level",
	    metrics_json_level(s->thermal_level));
	json_object_set_new(th, "pressure",
	    metrics_json_name(metrics_thermal_name(s->thermal_level)));
	json_object_set_new(th, "cpu_celsius",
	    metrics_json_real(s->cpu_temp_c));
	json_object_set_new(th, "gpu_celsius",
	    metrics_json_real(s->gpu_temp_c));

	o = json_object();
	json_object_set_new(o, "t", json_string(ts));
	json_object_set_new(o, "memory", mem);
	json_object_set_new(o, "cpu", cpu);
	json_object_set_new(o, "gpu", gpu);
	json_object_set_new(o, "power_watts", pw);
	json_object_set_new(o, "thermal", th);
	return o;
}

/* The system description as JSON; new reference. */
json_t *
metrics_system_json(const struct metrics_system *sys)
{
	json_t	*o, *cpu, *cl, *c, *gpu, *os;
	char	 lab[2];
	int	 i;

	cpu = json_object();
	json_object_set_new(cpu, "logical",
	    metrics_json_int(sys->cpus_logical));
	json_object_set_new(cpu, "physical",
	    metrics_json_int(sys->cpus_physical));
	if (sys->nclusters > 0) {
		cl = json_array();
		for (i = 0; i < sys->nclusters && i < METRICS_MAXCLUSTERS;
		    i++) {
			lab[0] = sys->clusters[i].label;
			lab[1] = '\0';
			c = json_object();
			json_object_set_new(c, "label", metrics_json_str(lab));
			json_object_set_new(c, "name",
			    metrics_json_str(sys->clusters[i].name));
			json_object_set_new(c, "cpus",
			    metrics_json_int(sys->clusters[i].cpus));
			json_array_append_new(cl, c);
		}
		json_object_set_new(cpu, "clusters", cl);
	}

	gpu = json_object();
	json_object_set_new(gpu, "name", metrics_json_str(sys->gpu_name));
	json_object_set_new(gpu, "cores", metrics_json_int(sys->gpu_cores));

	os = json_object();
	json_object_set_new(os, "name", metrics_json_str(sys->os_name));
	json_object_set_new(os, "version", metrics_json_str(sys->os_version));
	json_object_set_new(os, "kernel", metrics_json_str(sys->kernel));

	o = json_object();
	json_object_set_new(o, "chip", metrics_json_str(sys->chip));
	json_object_set_new(o, "model", metrics_json_str(sys->model));
	json_object_set_new(o, "cpu", cpu);
	json_object_set_new(o, "gpu", gpu);
	json_object_set_new(o, "memory_total_bytes",
	    metrics_json_bytes(sys->mem_total));
	json_object_set_new(o, "os", os);
	json_object_set_new(o, "hostname", metrics_json_str(sys->hostname));
	json_object_set_new(o, "arch", metrics_json_str(sys->arch));
	return o;
}

/* Forget everything; the next add starts a baseline. */
void
metrics_energy_reset(struct metrics_energy *e)
{
	e->started = false;
	e->start_ns = 0;
	e->joules = 0;
	e->watts = NAN;
}

/* Add joules since the previous call at now_ns; return the watts to show. */
float
metrics_energy_add(struct metrics_energy *e, double joules, int64_t now_ns,
    int64_t min_window_ns, int64_t max_window_ns)
{
	int64_t	elapsed;

	if (!e->started) {
		e->started = true;
		e->start_ns = now_ns;
		e->joules = 0;
		return e->watts;
	}
	if (isfinite(joules) && joules > 0)
		e->joules += joules;
	elapsed = now_ns - e->start_ns;
	if (elapsed <= 0)
		return e->watts;
	if (max_window_ns < min_window_ns)
		max_window_ns = min_window_ns;
	if (elapsed >= min_window_ns &&
	    (e->joules > 0 || elapsed >= max_window_ns)) {
		e->watts = (float)(e->joules / ((double)elapsed / 1e9));
		e->start_ns = now_ns;
		e->joules = 0;
	}
	return e->watts;
}

/* A history of one hour at interval_ms. */
struct metrics_history *
metrics_history_new(uint32_t interval_ms)
{
	struct metrics_history	*h;
	size_t			 cap;

	if (interval_ms == 0)
		interval_ms = 1000;
	cap = (size_t)(HOUR_MS / interval_ms);
	if (cap == 0)
		cap = 1;
	h = xcalloc(1, sizeof(*h) + cap * sizeof(h->s[0]));
	h->interval_ms = interval_ms;
	h->cap = cap;
	return h;
}

/* Release a history; accepts NULL. */
void
metrics_history_free(struct metrics_history *h)
{
	free(h);
}

/* The byte counts of a sample, in field order. */
#define METRICS_HBYTES(s)	{ &(s)->mem_total, &(s)->mem_used,	\
	&(s)->mem_available, &(s)->mem_wired, &(s)->mem_compressed,	\
	&(s)->swap_total, &(s)->swap_used, &(s)->gpu_mem_used,		\
	&(s)->gpu_mem_total }

/* Append a copy of s, dropping the oldest sample once full. */
void
metrics_history_push(struct metrics_history *h, const struct metrics_sample *s)
{
	const double		*b[9] = METRICS_HBYTES(s);
	struct metrics_hrec	*r = &h->s[h->head];
	double			 k;
	size_t			 i;

	r->t_ns = s->t_ns;
	for (i = 0; i < 9; i++) {
		k = round(*b[i] / 1024.0);
		r->kib[i] = isnan(k) || k < 0 ? METRICS_HKIB_NULL :
		    k >= (double)METRICS_HKIB_NULL ? METRICS_HKIB_NULL - 1 :
		    (uint32_t)k;
	}
	memcpy(r->tail, (const char *)s + METRICS_HTAIL_OFF, METRICS_HTAIL_LEN);
	h->head = (h->head + 1) % h->cap;
	if (h->count < h->cap)
		h->count++;
}

/* Samples held now. */
size_t
metrics_history_count(const struct metrics_history *h)
{
	return h->count;
}

/* Samples the history can hold. */
size_t
metrics_history_capacity(const struct metrics_history *h)
{
	return h->cap;
}

/* Bytes the history keeps per sample. */
size_t
metrics_history_sample_bytes(void)
{
	return sizeof(struct metrics_hrec);
}

/* The i-th oldest sample, unpacked into *s. */
static const struct metrics_sample *
metrics_history_at(const struct metrics_history *h, size_t i,
    struct metrics_sample *s)
{
	const struct metrics_hrec	*r;
	double				*b[9] = METRICS_HBYTES(s);
	size_t				 k;

	r = &h->s[(h->head + h->cap - h->count + i) % h->cap];
	memset(s, 0, sizeof(*s));
	s->t_ns = r->t_ns;
	for (k = 0; k < 9; k++)
		*b[k] = r->kib[k] == METRICS_HKIB_NULL ? METRICS_NULL :
		    (double)r->kib[k] * 1024.0;
	memcpy((char *)s + METRICS_HTAIL_OFF, r->tail, METRICS_HTAIL_LEN);
	return s;
}

static json_t *
metrics_point_json(const struct metrics_sample *s)
{
	json_t	*o;
	char	 ts[TIMEUTIL_ISO_LEN], key[32];
	int	 f;

	o = json_object();
	timeutil_format_utc(s->t_ns, ts, sizeof(ts));
	json_object_set_new(o, "t", json_string(ts));
	for (f = 0; f < METRICS_NFIELDS; f++) {
		/* Cluster fields exist only where the machine has tiers. */
		if (f >= METRICS_F_CPU_C0 && f <= METRICS_F_CPU_C2 &&
		    s->cluster_label[f - METRICS_F_CPU_C0] == '\0')
			continue;
		metrics_field_key((enum metrics_field)f, s->cluster_label, key,
		    sizeof(key));
		json_object_set_new(o, key,
		    metrics_json_field(s, (enum metrics_field)f));
	}
	return o;
}

struct metrics_bucket {
	int64_t			 key;
	size_t			 n;
	struct metrics_sample	 first;
	double			 acc[METRICS_NFIELDS];
	uint32_t		 cnt[METRICS_NFIELDS];
};

static void
metrics_bucket_add(struct metrics_bucket *bk, const struct metrics_sample *s)
{
	double	v;
	int	f;

	if (bk->n++ == 0)
		bk->first = *s;
	for (f = 0; f < METRICS_NFIELDS; f++) {
		v = metrics_field_get(s, (enum metrics_field)f);
		if (isnan(v))
			continue;
		if (metrics_fields[f].kind == METRICS_K_LEVEL) {
			if (bk->cnt[f] == 0 || v > bk->acc[f])
				bk->acc[f] = v;
		} else
			bk->acc[f] += v;
		bk->cnt[f]++;
	}
}

static json_t *
metrics_bucket_json(const struct metrics_bucket *bk, int64_t step_ns)
{
	struct metrics_sample	 m;
	double			 v;
	int			 f;

	metrics_sample_init(&m, bk->key * step_ns);
	memcpy(m.cluster_label, bk->first.cluster_label,
	    sizeof(m.cluster_label));
	for (f = 0; f < METRICS_NFIELDS; f++) {
		if (bk->cnt[f] == 0)
			continue;
		v = bk->acc[f];
		if (metrics_fields[f].kind != METRICS_K_LEVEL)
			v /= bk->cnt[f];
		metrics_field_set(&m, (enum metrics_field)f, v);
	}
	return metrics_point_json(&m);
}

/* Samples in (now - window, now], raw or in step buckets, as JSON. */
int
metrics_history_query(const struct metrics_history *h, int64_t now_ns,
    int64_t window_ms, int64_t step_ms, json_t **jp)
{
	const struct metrics_sample	*s;
	struct metrics_sample		 one;
	struct metrics_bucket		*bk = NULL;
	json_t				*o, *pts;
	int64_t				 from, step_ns, key;
	size_t				 i;

	if (window_ms <= 0 || window_ms > HOUR_MS || step_ms < 0)
		return -EINVAL;
	if (step_ms <= h->interval_ms)
		step_ms = h->interval_ms;
	step_ns = step_ms * NS_PER_MS;
	from = now_ns - window_ms * NS_PER_MS;
	pts = json_array();
	if (step_ms > h->interval_ms)
		bk = xcalloc(1, sizeof(*bk));
	for (i = 0; i < h->count; i++) {
		s = metrics_history_at(h, i, &one);
		if (s->t_ns <= from || s->t_ns > now_ns)
			continue;
		if (bk == NULL) {
			json_array_append_new(pts, metrics_point_json(s));
			continue;
		}
		key = metrics_floordiv(s->t_ns, step_ns);
		if (bk->n > 0 && key != bk->key) {
			json_array_append_new(pts,
			    metrics_bucket_json(bk, step_ns));
			memset(bk, 0, sizeof(*bk));
		}
		bk->key = key;
		metrics_bucket_add(bk, s);
	}
	if (bk != NULL && bk->n > 0)
		json_array_append_new(pts, metrics_bucket_json(bk, step_ns));
	free(bk);

	o = json_object();
	json_object_set_new(o, "interval_ms", json_integer(h->interval_ms));
	json_object_set_new(o, "step_ms", json_integer(step_ms));
	json_object_set_new(o, "points", pts);
	*jp = o;
	return 0;
}

static void
metrics_minute_reset(struct metrics_minute_acc *acc)
{
	int	f;

	acc->n = 0;
	for (f = 0; f < METRICS_NFIELDS; f++) {
		acc->cnt[f] = 0;
		acc->sum[f] = 0;
		acc->min[f] = INFINITY;
		acc->max[f] = -INFINITY;
	}
}

/* Prepare an accumulator. */
void
metrics_minute_init(struct metrics_minute_acc *acc)
{
	memset(acc, 0, sizeof(*acc));
	acc->minute = INT64_MIN;
	metrics_minute_reset(acc);
}

static void
metrics_minute_finish(struct metrics_minute_acc *acc, struct metrics_minute *m)
{
	int	f;

	m->start_ns = acc->minute * NS_PER_MIN;
	m->n = acc->n;
	memcpy(m->cluster_label, acc->cluster_label, sizeof(m->cluster_label));
	for (f = 0; f < METRICS_NFIELDS; f++) {
		if (acc->cnt[f] == 0) {
			m->f[f].min = m->f[f].mean = m->f[f].max = METRICS_NULL;
			continue;
		}
		m->f[f].min = acc->min[f];
		m->f[f].max = acc->max[f];
		m->f[f].mean = acc->sum[f] / acc->cnt[f];
	}
	metrics_minute_reset(acc);
}

/* Add a sample; true (and *donep filled) when it finished a minute. */
bool
metrics_minute_add(struct metrics_minute_acc *acc,
    const struct metrics_sample *s, struct metrics_minute *donep)
{
	bool	done = false;
	int64_t	minute;
	double	v;
	int	f;

	minute = metrics_floordiv(s->t_ns, NS_PER_MIN);
	if (acc->n > 0 && minute != acc->minute) {
		metrics_minute_finish(acc, donep);
		done = true;
	}
	acc->minute = minute;
	acc->n++;
	memcpy(acc->cluster_label, s->cluster_label,
	    sizeof(acc->cluster_label));
	for (f = 0; f < METRICS_NFIELDS; f++) {
		v = metrics_field_get(s, (enum metrics_field)f);
		if (isnan(v))
			continue;
		acc->cnt[f]++;
		acc->sum[f] += v;
		if (v < acc->min[f])
			acc->min[f] = v;
		if (v > acc->max[f])
			acc->max[f] = v;
	}
	return done;
}

/* Finish the open minute early; false if it is empty. */
bool
metrics_minute_flush(struct metrics_minute_acc *acc,
    struct metrics_minute *donep)
{
	if (acc->n == 0)
		return false;
	metrics_minute_finish(acc, donep);
	return true;
}

static json_t *
metrics_agg_value(enum metrics_field f, double v)
{
	/* Means of bytes and levels are not whole numbers. */
	if (metrics_fields[f].kind == METRICS_K_BYTES)
		return metrics_json_bytes(v);
	return metrics_json_real(v);
}

/* A finished minute as JSON; new reference. */
json_t *
metrics_minute_json(const struct metrics_minute *m)
{
	json_t	*o, *fields, *a;
	char	 ts[TIMEUTIL_ISO_LEN], key[32];
	int	 f;

	fields = json_object();
	for (f = 0; f < METRICS_NFIELDS; f++) {
		if (f >= METRICS_F_CPU_C0 && f <= METRICS_F_CPU_C2 &&
		    m->cluster_label[f - METRICS_F_CPU_C0] == '\0')
			continue;
		metrics_field_key((enum metrics_field)f, m->cluster_label, key,
		    sizeof(key));
		a = json_object();
		json_object_set_new(a, "min",
		    metrics_agg_value((enum metrics_field)f, m->f[f].min));
		json_object_set_new(a, "mean",
		    metrics_agg_value((enum metrics_field)f, m->f[f].mean));
		json_object_set_new(a, "max",
		    metrics_agg_value((enum metrics_field)f, m->f[f].max));
		json_object_set_new(fields, key, a);
	}
	timeutil_format_utc(m->start_ns, ts, sizeof(ts));
	o = json_object();
	json_object_set_new(o, "t", json_string(ts));
	json_object_set_new(o, "n", json_integer(m->n));
	json_object_set_new(o, "fields", fields);
	return o;
}
