/* SPDX-License-Identifier: ISC */
/*
 * metrics.c: GET /v1/metrics (the latest sample), GET /v1/system (the
 * machine) and GET /v1/metrics/history (recent samples, one array per
 * field).
 *
 * A sample arrives in three places with one shape: the /v1/metrics reply,
 * the "system" section of /v1/status and the data of `metrics` events, so
 * metrics_fill() is shared with status.c. Unmeasured figures come back as
 * NAN, MLXD_NULL_INT64 or -1, never as 0.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

struct metrics_reply {
	struct mlxd_metrics	 pub;
	struct reply		 r;
};

struct metrics_system_reply {
	struct mlxd_system	 pub;
	struct reply		 r;
};

struct metrics_history_reply {
	struct mlxd_metrics_history	 pub;
	struct reply			 r;
};

/*
 * Fill *m from a sample object, borrowing its strings (obj must outlive m);
 * raw becomes m->raw_json. Anything but an object leaves every figure
 * unknown.
 */
void
metrics_fill(const json_t *obj, const char *raw, struct mlxd_metrics *m)
{
	const json_t	*mem, *cpu, *load, *gpu, *pw, *th, *v;
	json_t		*cl;
	const char	*key;
	void		*it;

	memset(m, 0, sizeof *m);
	m->raw_json = raw;
	m->t = reply_string(obj, "t");
	m->t_ms = reply_time(obj, "t");

	mem = json_object_get(obj, "memory");
	m->memory.total_bytes = reply_int(mem, "total_bytes");
	m->memory.used_bytes = reply_int(mem, "used_bytes");
	m->memory.available_bytes = reply_int(mem, "available_bytes");
	m->memory.wired_bytes = reply_int(mem, "wired_bytes");
	m->memory.compressed_bytes = reply_int(mem, "compressed_bytes");
	m->memory.swap_total_bytes = reply_int(mem, "swap_total_bytes");
	m->memory.swap_used_bytes = reply_int(mem, "swap_used_bytes");
	m->memory.pressure_level = reply_level(mem, "pressure_level");
	m->memory.pressure = reply_string(mem, "pressure");
	m->memory.psi_some_pct = reply_double(mem, "psi_some_pct");
	m->memory.psi_full_pct = reply_double(mem, "psi_full_pct");

	cpu = json_object_get(obj, "cpu");
	m->cpu.utilization_pct = reply_double(cpu, "utilization_pct");
	m->cpu.psi_some_pct = reply_double(cpu, "psi_some_pct");
	load = json_object_get(cpu, "load_average");
	m->cpu.load_1m = reply_double(load, "1m");
	m->cpu.load_5m = reply_double(load, "5m");
	m->cpu.load_15m = reply_double(load, "15m");
	/* Clusters are an object keyed by label, in the daemon's order. */
	cl = json_object_get(cpu, "clusters");
	if (json_is_object(cl)) {
		for (it = json_object_iter(cl);
		    it != NULL && m->cpu.nclusters < MLXD_MAX_CLUSTERS;
		    it = json_object_iter_next(cl, it)) {
			key = json_object_iter_key(it);
			v = json_object_iter_value(it);
			m->cpu.clusters[m->cpu.nclusters].label = key;
			m->cpu.clusters[m->cpu.nclusters].utilization_pct =
			    json_is_number(v) ? json_number_value(v) : NAN;
			m->cpu.nclusters++;
		}
	}

	gpu = json_object_get(obj, "gpu");
	m->gpu.utilization_pct = reply_double(gpu, "utilization_pct");
	m->gpu.memory_used_bytes = reply_int(gpu, "memory_used_bytes");
	m->gpu.memory_total_bytes = reply_int(gpu, "memory_total_bytes");
	m->gpu.frequency_mhz = reply_double(gpu, "frequency_mhz");

	pw = json_object_get(obj, "power_watts");
	m->power.cpu_w = reply_double(pw, "cpu");
	m->power.gpu_w = reply_double(pw, "gpu");
	m->power.ane_w = reply_double(pw, "ane");
	m->power.dram_w = reply_double(pw, "dram");
	m->power.system_w = reply_double(pw, "system");

	th = json_object_get(obj, "thermal");
	m->thermal.pressure_level = reply_level(th, "pressure_level");
	m->thermal.pressure = reply_string(th, "pressure");
	m->thermal.cpu_celsius = reply_double(th, "cpu_celsius");
	m->thermal.gpu_celsius = reply_double(th, "gpu_celsius");
}

static void
metrics_release(void *p)
{
	mlxd_metrics_free(&((struct metrics_reply *)p)->pub);
}

static int
metrics_reply_fill(void *p, const json_t *root, const char *raw)
{
	metrics_fill(root, raw, &((struct metrics_reply *)p)->pub);
	return 0;
}

/* Fetch the latest sample. */
int
mlxd_metrics(struct mlxd_client *c, struct mlxd_metrics **mp)
{
	void	*r;
	int	 rc;

	if (mp == NULL)
		return -EINVAL;
	if ((rc = CALL_GET(c, "/v1/metrics", struct metrics_reply,
	    metrics_reply_fill, metrics_release, &r)) != 0)
		return rc;
	*mp = &((struct metrics_reply *)r)->pub;
	return 0;
}

/* Parse a sample from JSON text. */
int
mlxd_metrics_parse(const char *json, size_t len, struct mlxd_metrics **mp)
{
	void	*r;
	int	 rc;

	if (mp == NULL)
		return -EINVAL;
	if ((rc = CALL_PARSE(json, len, struct metrics_reply,
	    metrics_reply_fill, metrics_release, &r)) != 0)
		return rc;
	*mp = &((struct metrics_reply *)r)->pub;
	return 0;
}

/* Free a sample. */
void
mlxd_metrics_free(struct mlxd_metrics *m)
{
	struct metrics_reply	*r = (struct metrics_reply *)m;

	if (r == NULL)
		return;
	reply_clear(&r->r);
	free(r);
}

/* Watts now: the system rail, else the sum of the measured rails. */
double
mlxd_metrics_power_w(const struct mlxd_metrics *m)
{
	const double	 rails[] = {
		m->power.cpu_w, m->power.gpu_w, m->power.ane_w, m->power.dram_w
	};
	double		 sum = 0;
	size_t		 i;
	bool		 any = false;

	if (!isnan(m->power.system_w))
		return m->power.system_w;
	for (i = 0; i < sizeof rails / sizeof rails[0]; i++) {
		if (isnan(rails[i]))
			continue;
		sum += rails[i];
		any = true;
	}
	return any ? sum : NAN;
}

/* Memory in use, % of the total. */
double
mlxd_metrics_memory_pct(const struct mlxd_metrics *m)
{
	if (m->memory.total_bytes == MLXD_NULL_INT64 ||
	    m->memory.used_bytes == MLXD_NULL_INT64 ||
	    m->memory.total_bytes <= 0 || m->memory.used_bytes < 0)
		return NAN;
	return 100.0 * (double)m->memory.used_bytes /
	    (double)m->memory.total_bytes;
}

static int
metrics_system_clusters(const json_t *arr, struct mlxd_system *sys)
{
	const json_t	*o;
	size_t		 i;

	if (!json_is_array(arr))
		return 0;
	if ((sys->clusters = calloc(json_array_size(arr) + 1,
	    sizeof *sys->clusters)) == NULL)
		return -ENOMEM;
	for (i = 0; i < json_array_size(arr); i++) {
		if (!json_is_object(o = json_array_get(arr, i)))
			continue;
		sys->clusters[sys->nclusters].label = reply_string(o, "label");
		sys->clusters[sys->nclusters].name = reply_string(o, "name");
		sys->clusters[sys->nclusters].cpus = reply_int(o, "cpus");
		sys->nclusters++;
	}
	return 0;
}

static void
metrics_system_release(void *p)
{
	mlxd_system_free(&((struct metrics_system_reply *)p)->pub);
}

static int
metrics_system_fill(void *p, const json_t *root, const char *raw)
{
	struct metrics_system_reply	*r = p;
	const json_t			*cpu, *gpu, *os;

	r->pub.raw_json = raw;
	r->pub.chip = reply_string(root, "chip");
	r->pub.model = reply_string(root, "model");
	cpu = json_object_get(root, "cpu");
	r->pub.cpus_logical = reply_int(cpu, "logical");
	r->pub.cpus_physical = reply_int(cpu, "physical");
	gpu = json_object_get(root, "gpu");
	r->pub.gpu_name = reply_string(gpu, "name");
	r->pub.gpu_cores = reply_int(gpu, "cores");
	r->pub.memory_total_bytes = reply_int(root, "memory_total_bytes");
	os = json_object_get(root, "os");
	r->pub.os_name = reply_string(os, "name");
	r->pub.os_version = reply_string(os, "version");
	r->pub.kernel = reply_string(os, "kernel");
	r->pub.hostname = reply_string(root, "hostname");
	r->pub.arch = reply_string(root, "arch");
	return metrics_system_clusters(json_object_get(cpu, "clusters"),
	    &r->pub);
}

/* Describe the machine. */
int
mlxd_system(struct mlxd_client *c, struct mlxd_system **sysp)
{
	void	*r;
	int	 rc;

	if (sysp == NULL)
		return -EINVAL;
	if ((rc = CALL_GET(c, "/v1/system", struct metrics_system_reply,
	    metrics_system_fill, metrics_system_release, &r)) != 0)
		return rc;
	*sysp = &((struct metrics_system_reply *)r)->pub;
	return 0;
}

/* Free a system description. */
void
mlxd_system_free(struct mlxd_system *sys)
{
	struct metrics_system_reply	*r = (struct metrics_system_reply *)sys;

	if (r == NULL)
		return;
	free(r->pub.clusters);
	reply_clear(&r->r);
	free(r);
}

/* A duration for the query string: whole seconds when exact, else ms. */
static void
metrics_duration(char *buf, size_t len, int64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
}

/* The index of the series named key in h, adding it if new; -1 on ENOMEM. */
static long
metrics_history_series(struct metrics_history_reply *r, const char *key,
    size_t *capp)
{
	struct mlxd_metrics_history	*h = &r->pub;
	struct mlxd_history_series	*ns;
	size_t				 i, ncap;

	for (i = 0; i < h->nseries; i++)
		if (strcmp(h->series[i].key, key) == 0)
			return (long)i;
	if (h->nseries == *capp) {
		ncap = *capp == 0 ? 32 : *capp * 2;
		if ((ns = realloc(h->series, ncap * sizeof *ns)) == NULL)
			return -1;
		h->series = ns;
		*capp = ncap;
	}
	if ((h->series[h->nseries].values = malloc((h->npoints + 1) *
	    sizeof(double))) == NULL)
		return -1;
	for (i = 0; i < h->npoints; i++)
		h->series[h->nseries].values[i] = NAN;
	h->series[h->nseries].key = key;
	return (long)h->nseries++;
}

static int
metrics_history_fill(struct metrics_history_reply *r)
{
	struct mlxd_metrics_history	*h = &r->pub;
	const json_t			*points, *v;
	json_t				*p;
	const char			*key;
	size_t				 i, cap = 0;
	long				 s;
	void				*it;

	h->interval_ms = reply_int(r->r.root, "interval_ms");
	h->step_ms = reply_int(r->r.root, "step_ms");
	points = json_object_get(r->r.root, "points");
	if (!json_is_array(points))
		return 0;
	h->npoints = json_array_size(points);
	if ((h->t_ms = calloc(h->npoints + 1, sizeof *h->t_ms)) == NULL)
		return -ENOMEM;
	for (i = 0; i < h->npoints; i++) {
		p = json_array_get(points, i);
		h->t_ms[i] = reply_time(p, "t");
		if (!json_is_object(p))
			continue;
		for (it = json_object_iter(p); it != NULL;
		    it = json_object_iter_next(p, it)) {
			key = json_object_iter_key(it);
			v = json_object_iter_value(it);
			if (strcmp(key, "t") == 0)
				continue;
			if ((s = metrics_history_series(r, key, &cap)) < 0)
				return -ENOMEM;
			if (json_is_number(v))
				h->series[s].values[i] = json_number_value(v);
		}
	}
	return 0;
}

static void
metrics_history_release(void *p)
{
	mlxd_metrics_history_free(p);
}

static int
metrics_history_parse(void *p, const json_t *root, const char *raw)
{
	struct metrics_history_reply	*r = p;

	(void)root;
	r->pub.raw_json = raw;
	return metrics_history_fill(r);
}

/* Fetch recent samples as one array per field. */
int
mlxd_metrics_history(struct mlxd_client *c, int64_t window_ms,
    int64_t step_ms, struct mlxd_metrics_history **hp)
{
	char	 path[128], w[32], st[32];
	void	*r;
	int	 rc;

	if (c == NULL || hp == NULL || window_ms <= 0 || step_ms < 0)
		return -EINVAL;
	metrics_duration(w, sizeof w, window_ms);
	if (step_ms > 0) {
		metrics_duration(st, sizeof st, step_ms);
		snprintf(path, sizeof path,
		    "/v1/metrics/history?window=%s&step=%s", w, st);
	} else
		snprintf(path, sizeof path, "/v1/metrics/history?window=%s",
		    w);
	if ((rc = CALL_GET(c, path, struct metrics_history_reply,
	    metrics_history_parse, metrics_history_release, &r)) != 0)
		return rc;
	*hp = &((struct metrics_history_reply *)r)->pub;
	return 0;
}

/* The values of one field of a history reply, or NULL. */
const double *
mlxd_metrics_history_values(const struct mlxd_metrics_history *h,
    const char *key)
{
	size_t	 i;

	if (h == NULL || key == NULL)
		return NULL;
	for (i = 0; i < h->nseries; i++)
		if (strcmp(h->series[i].key, key) == 0)
			return h->series[i].values;
	return NULL;
}

/* Free a history reply. */
void
mlxd_metrics_history_free(struct mlxd_metrics_history *h)
{
	struct metrics_history_reply	*r = (struct metrics_history_reply *)h;
	size_t				 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->pub.nseries; i++)
		free(r->pub.series[i].values);
	free(r->pub.series);
	free(r->pub.t_ms);
	reply_clear(&r->r);
	free(r);
}
