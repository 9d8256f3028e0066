/* SPDX-License-Identifier: ISC */
/*
 * test_metrics.c: the OS-neutral metrics code: field table, JSON with nulls,
 * energy windows, Prometheus text, the history ring and its downsampling,
 * and the one-minute aggregation.
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

#include <jansson.h>

#include "metrics.h"

#define NS	1000000000LL
#define MS	1000000LL
/* 2026-01-01T00:00:00Z */
#define T0	(1767225600LL * NS)

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

/* A fully populated sample, as an Apple Silicon machine would give. */
static void
full_sample(struct metrics_sample *s, int64_t t)
{
	int	i;

	metrics_sample_init(s, t);
	s->mem_total = 34359738368.0;
	s->mem_used = 21474836480.0;
	s->mem_available = 12884901888.0;
	s->mem_wired = 3221225472.0;
	s->mem_compressed = 1073741824.0;
	s->swap_total = 2147483648.0;
	s->swap_used = 536870912.0;
	s->mem_pressure = METRICS_MEM_PRESSURE_WARNING;
	s->cpu_pct = 42.5f;
	s->cluster_label[0] = 'E';
	s->cluster_label[1] = 'P';
	s->cpu_cluster_pct[0] = 80.0f;
	s->cpu_cluster_pct[1] = 25.25f;
	s->load[0] = 3.5f;
	s->load[1] = 2.25f;
	s->load[2] = 1.0f;
	s->gpu_pct = 97.0f;
	s->gpu_mem_used = 17179869184.0;
	s->gpu_mhz = 1398.0f;
	for (i = 0; i < METRICS_NRAILS; i++)
		s->power_w[i] = 1.5f * (float)(i + 1);
	s->thermal_level = METRICS_THERMAL_MODERATE;
	s->cpu_temp_c = 61.5f;
	s->gpu_temp_c = 55.0f;
}

static void
test_sample_init_all_null(void **state)
{
	struct metrics_sample	s;
	int			f;

	(void)state;
	memset(&s, 0x5a, sizeof(s));
	metrics_sample_init(&s, 123);
	assert_int_equal(s.t_ns, 123);
	for (f = 0; f < METRICS_NFIELDS; f++)
		assert_nan(metrics_field_get(&s, (enum metrics_field)f));
	assert_int_equal(s.mem_pressure, -1);
	assert_int_equal(s.thermal_level, -1);
	assert_int_equal(s.cluster_label[0], 0);
	assert_true(sizeof(struct metrics_sample) <= 200);
}

static void
test_field_roundtrip(void **state)
{
	struct metrics_sample	s;
	char			key[32];

	(void)state;
	metrics_sample_init(&s, 0);
	metrics_field_set(&s, METRICS_F_MEM_TOTAL, 25276510208.0);
	assert_near(s.mem_total, 25276510208.0, 0);
	metrics_field_set(&s, METRICS_F_CPU_C1, 12.5);
	assert_near(s.cpu_cluster_pct[1], 12.5, 0);
	metrics_field_set(&s, METRICS_F_POWER_DRAM, 0.75);
	assert_near(s.power_w[METRICS_RAIL_DRAM], 0.75, 0);
	metrics_field_set(&s, METRICS_F_THERMAL, 3);
	assert_int_equal(s.thermal_level, 3);
	metrics_field_set(&s, METRICS_F_THERMAL, NAN);
	assert_int_equal(s.thermal_level, -1);
	metrics_field_set(&s, METRICS_F_LOAD15, 0.5);
	assert_near(metrics_field_get(&s, METRICS_F_LOAD15), 0.5, 0);

	metrics_field_key(METRICS_F_CPU_C1, "EP", key, sizeof(key));
	assert_string_equal(key, "cpu_P_pct");
	metrics_field_key(METRICS_F_CPU_C0, NULL, key, sizeof(key));
	assert_string_equal(key, "cpu_c0_pct");
	metrics_field_key(METRICS_F_MEM_USED, "EP", key, sizeof(key));
	assert_string_equal(key, "mem_used_bytes");
	metrics_field_key(METRICS_F_POWER_SYSTEM, NULL, key, sizeof(key));
	assert_string_equal(key, "power_system_w");
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(metrics_thermal_name(0), "nominal");
	assert_string_equal(metrics_thermal_name(1), "moderate");
	assert_string_equal(metrics_thermal_name(2), "heavy");
	assert_string_equal(metrics_thermal_name(3), "trapping");
	assert_string_equal(metrics_thermal_name(4), "sleeping");
	assert_null(metrics_thermal_name(5));
	assert_null(metrics_thermal_name(-1));
	assert_string_equal(metrics_mem_pressure_name(0), "normal");
	assert_string_equal(metrics_mem_pressure_name(2), "critical");
	assert_null(metrics_mem_pressure_name(3));
	assert_string_equal(metrics_rail_name(METRICS_RAIL_ANE), "ane");
	assert_string_equal(metrics_rail_name(METRICS_RAIL_SYSTEM), "system");
}

static void
test_sample_json_nulls(void **state)
{
	struct metrics_sample	 s;
	json_t			*j, *mem, *cpu;
	char			*txt;

	(void)state;
	metrics_sample_init(&s, T0 + 250 * MS);
	s.mem_total = 4294967296.0;
	s.cpu_pct = 12.345f;
	j = metrics_sample_json(&s);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "t")),
	    "2026-01-01T00:00:00.250Z");
	mem = json_object_get(j, "memory");
	assert_int_equal(json_integer_value(json_object_get(mem,
	    "total_bytes")), 4294967296LL);
	assert_true(json_is_null(json_object_get(mem, "used_bytes")));
	assert_true(json_is_null(json_object_get(mem, "wired_bytes")));
	assert_true(json_is_null(json_object_get(mem, "pressure_level")));
	assert_true(json_is_null(json_object_get(mem, "pressure")));
	cpu = json_object_get(j, "cpu");
	assert_near(json_real_value(json_object_get(cpu, "utilization_pct")),
	    12.35, 1e-9);
	/* No tiers known: the clusters member is absent, not empty. */
	assert_null(json_object_get(cpu, "clusters"));
	assert_true(json_is_null(json_object_get(json_object_get(cpu,
	    "load_average"), "1m")));
	assert_true(json_is_null(json_object_get(json_object_get(j,
	    "power_watts"), "gpu")));
	assert_true(json_is_null(json_object_get(json_object_get(j,
	    "thermal"), "pressure")));
	assert_true(json_is_null(json_object_get(json_object_get(j, "gpu"),
	    "utilization_pct")));
	/* Nothing anywhere is a 0 that stands for "unknown". */
	txt = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_null(strstr(txt, ":0,"));
	assert_null(strstr(txt, ":0}"));
	free(txt);
	json_decref(j);
}

static void
test_sample_json_full(void **state)
{
	struct metrics_sample	 s;
	json_t			*j, *cl, *th, *pw;

	(void)state;
	full_sample(&s, T0);
	j = metrics_sample_json(&s);
	cl = json_object_get(json_object_get(j, "cpu"), "clusters");
	assert_non_null(cl);
	assert_int_equal(json_object_size(cl), 2);
	assert_near(json_real_value(json_object_get(cl, "E")), 80.0, 1e-9);
	assert_near(json_real_value(json_object_get(cl, "P")), 25.25, 1e-9);
	th = json_object_get(j, "thermal");
	assert_int_equal(json_integer_value(json_object_get(th,
	    "pressure_level")), 1);
	assert_string_equal(json_string_value(json_object_get(th, "pressure")),
	    "moderate");
	assert_near(json_real_value(json_object_get(th, "cpu_celsius")), 61.5,
	    1e-9);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(j, "memory"), "pressure")), "warning");
	pw = json_object_get(j, "power_watts");
	assert_near(json_real_value(json_object_get(pw, "cpu")), 1.5, 1e-9);
	assert_near(json_real_value(json_object_get(pw, "system")), 7.5, 1e-9);
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(j, "gpu"), "memory_used_bytes")), 17179869184LL);
	json_decref(j);
}

static void
test_system_json(void **state)
{
	struct metrics_system	 sys;
	json_t			*j, *cpu, *cl;

	(void)state;
	memset(&sys, 0, sizeof(sys));
	sys.cpus_logical = 12;
	sys.cpus_physical = 12;
	sys.gpu_cores = -1;
	sys.mem_total = NAN;
	snprintf(sys.chip, sizeof(sys.chip), "Apple M3 Pro");
	snprintf(sys.os_name, sizeof(sys.os_name), "macOS");
	snprintf(sys.os_version, sizeof(sys.os_version), "15.1");
	snprintf(sys.arch, sizeof(sys.arch), "arm64");
	sys.nclusters = 2;
	sys.clusters[0] = (struct metrics_cluster_info){ 'E', "Efficiency", 6 };
	sys.clusters[1] = (struct metrics_cluster_info){ 'P', "Performance",
	    6 };
	j = metrics_system_json(&sys);
	assert_string_equal(json_string_value(json_object_get(j, "chip")),
	    "Apple M3 Pro");
	assert_true(json_is_null(json_object_get(j, "model")));
	assert_true(json_is_null(json_object_get(j, "hostname")));
	assert_true(json_is_null(json_object_get(j, "memory_total_bytes")));
	assert_true(json_is_null(json_object_get(json_object_get(j, "gpu"),
	    "cores")));
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(j, "os"), "version")), "15.1");
	cpu = json_object_get(j, "cpu");
	assert_int_equal(json_integer_value(json_object_get(cpu, "logical")),
	    12);
	cl = json_object_get(cpu, "clusters");
	assert_int_equal(json_array_size(cl), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(cl, 1), "label")), "P");
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(cl, 0), "cpus")), 6);
	json_decref(j);

	/* No tiers: no clusters member. */
	sys.nclusters = 0;
	j = metrics_system_json(&sys);
	assert_null(json_object_get(json_object_get(j, "cpu"), "clusters"));
	json_decref(j);
}

static void
test_energy_window(void **state)
{
	struct metrics_energy	e;
	int64_t			w = 2 * NS, mx = 10 * NS;

	(void)state;
	metrics_energy_reset(&e);
	/* First call is the baseline, whatever it carries. */
	assert_nan(metrics_energy_add(&e, 99.0, 100 * NS, w, mx));
	/* 1 s later: window not long enough, still null. */
	assert_nan(metrics_energy_add(&e, 5.0, 101 * NS, w, mx));
	/* 2 s: 10 J over 2 s. */
	assert_near(metrics_energy_add(&e, 5.0, 102 * NS, w, mx), 5.0, 1e-6);
	/* Held in between. */
	assert_near(metrics_energy_add(&e, 0.0, 103 * NS, w, mx), 5.0, 1e-6);
	/*
	 * A batched counter has not moved by 104 s: the window stays open
	 * rather than reading 0 W.
	 */
	assert_near(metrics_energy_add(&e, 0.0, 104 * NS, w, mx), 5.0, 1e-6);
	assert_near(metrics_energy_add(&e, 0.0, 105 * NS, w, mx), 5.0, 1e-6);
	/* It moves at 106 s: 12 J over 102..106 = 4 s. */
	assert_near(metrics_energy_add(&e, 12.0, 106 * NS, w, mx), 3.0, 1e-6);
	/* A missing reading (NAN) is no information, not zero. */
	assert_near(metrics_energy_add(&e, NAN, 107 * NS, w, mx), 3.0, 1e-6);
	/* A rail that is really idle reads 0 W once the max window passes. */
	assert_near(metrics_energy_add(&e, 0.0, 110 * NS, w, mx), 3.0, 1e-6);
	assert_near(metrics_energy_add(&e, 0.0, 116 * NS, w, mx), 0.0, 0);
	/* Clock did not advance: unchanged. */
	assert_near(metrics_energy_add(&e, 1.0, 116 * NS, w, mx), 0.0, 0);

	/* Window 0 (tests): every moving sample closes a window. */
	metrics_energy_reset(&e);
	assert_nan(metrics_energy_add(&e, 0, 0 + 1, 0, mx));
	assert_near(metrics_energy_add(&e, 2.0, NS / 2 + 1, 0, mx), 4.0, 1e-6);
}

/* Lines of text that start with prefix. */
static int
count_lines(const char *text, const char *prefix)
{
	const char	*p = text;
	int		 n = 0;
	size_t		 len = strlen(prefix);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, len) == 0)
			n++;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return n;
}

/* Every line is a comment or "name{labels} number". */
static void
check_exposition(const char *text)
{
	const char	*p = text, *nl, *sp;
	char		 line[512], *end;
	size_t		 n;

	assert_true(text[strlen(text) - 1] == '\n');
	while (*p != '\0') {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		n = (size_t)(nl - p);
		assert_true(n < sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		if (line[0] == '#') {
			assert_true(strncmp(line, "# HELP mlxd_", 12) == 0 ||
			    strncmp(line, "# TYPE mlxd_", 12) == 0);
		} else {
			assert_true(strncmp(line, "mlxd_", 5) == 0);
			sp = strrchr(line, ' ');
			assert_non_null(sp);
			(void)strtod(sp + 1, &end);
			if (*end != '\0')
				fail_msg("bad value in \"%s\"", line);
			assert_null(strstr(line, "NaN"));
		}
		p = nl + 1;
	}
}

static void
test_prom_full(void **state)
{
	struct metrics_sample	s;
	struct metrics_buf	b = { 0 };

	(void)state;
	full_sample(&s, T0);
	metrics_prom_append(&s, &b);
	check_exposition(b.data);
	assert_non_null(strstr(b.data,
	    "# HELP mlxd_memory_total_bytes Physical memory.\n"
	    "# TYPE mlxd_memory_total_bytes gauge\n"
	    "mlxd_memory_total_bytes 34359738368\n"));
	assert_non_null(strstr(b.data,
	    "\nmlxd_memory_used_bytes 21474836480\n"));
	assert_non_null(strstr(b.data,
	    "\nmlxd_cpu_utilization_ratio{cluster=\"all\"} 0.425\n"
	    "mlxd_cpu_utilization_ratio{cluster=\"E\"} 0.8\n"
	    "mlxd_cpu_utilization_ratio{cluster=\"P\"} 0.2525\n"));
	assert_non_null(strstr(b.data,
	    "\nmlxd_load_average{period=\"5m\"} 2.25\n"));
	assert_non_null(strstr(b.data, "\nmlxd_gpu_utilization_ratio 0.97\n"));
	assert_non_null(strstr(b.data,
	    "\nmlxd_gpu_frequency_hertz 1398000000\n"));
	assert_non_null(strstr(b.data,
	    "\nmlxd_power_watts{rail=\"ane\"} 4.5\n"));
	assert_non_null(strstr(b.data,
	    "\nmlxd_thermal_pressure_level 1\n"));
	assert_non_null(strstr(b.data,
	    "\nmlxd_memory_pressure_level 1\n"));
	assert_non_null(strstr(b.data,
	    "\nmlxd_temperature_celsius{sensor=\"cpu\"} 61.5\n"));
	/* One HELP and one TYPE per family. */
	assert_int_equal(count_lines(b.data,
	    "# TYPE mlxd_cpu_utilization_ratio "), 1);
	assert_int_equal(count_lines(b.data, "# HELP mlxd_power_watts "), 1);
	assert_int_equal(count_lines(b.data, "mlxd_power_watts{"), 5);
	/* PSI is null here: no family at all. */
	assert_null(strstr(b.data, "mlxd_pressure_stall_ratio"));
	/* 16 families have values (PSI and GPU memory total are null). */
	assert_int_equal(count_lines(b.data, "# TYPE "), 16);
	metrics_buf_free(&b);
	assert_null(b.data);
}

static void
test_prom_nulls(void **state)
{
	struct metrics_sample	s;
	struct metrics_buf	b = { 0 };

	(void)state;
	metrics_sample_init(&s, T0);
	metrics_prom_append(&s, &b);
	/* Nothing known, nothing written. */
	assert_true(b.len == 0);
	metrics_buf_free(&b);

	/* Linux-like: total CPU only, two rails, PSI, no clusters/thermal. */
	s.mem_total = 1024.0;
	s.cpu_pct = 50.0f;
	s.power_w[METRICS_RAIL_CPU] = 12.0f;
	s.power_w[METRICS_RAIL_DRAM] = 0.0f;
	s.mem_psi_some = 12.5f;
	metrics_prom_append(&s, &b);
	check_exposition(b.data);
	assert_int_equal(count_lines(b.data, "mlxd_cpu_utilization_ratio{"),
	    1);
	assert_non_null(strstr(b.data,
	    "mlxd_cpu_utilization_ratio{cluster=\"all\"} 0.5\n"));
	assert_int_equal(count_lines(b.data, "mlxd_power_watts{"), 2);
	/* A real 0 is a value and is written. */
	assert_non_null(strstr(b.data,
	    "mlxd_power_watts{rail=\"dram\"} 0\n"));
	assert_non_null(strstr(b.data, "mlxd_pressure_stall_ratio{resource="
	    "\"memory\",kind=\"some\"} 0.125\n"));
	assert_int_equal(count_lines(b.data, "mlxd_pressure_stall_ratio{"), 1);
	assert_null(strstr(b.data, "mlxd_thermal_pressure_level"));
	assert_null(strstr(b.data, "mlxd_temperature_celsius"));
	assert_null(strstr(b.data, "mlxd_memory_used_bytes"));
	assert_null(strstr(b.data, "mlxd_gpu_"));
	metrics_buf_free(&b);
}

static void
test_prom_helpers(void **state)
{
	struct metrics_buf	b = { 0 };
	int			i;

	(void)state;
	metrics_prom_header(&b, "mlxd_ollama_up", "gauge", "Ollama answers.");
	metrics_prom_value(&b, "mlxd_ollama_up", NULL, 1);
	metrics_prom_value(&b, "mlxd_x", "a=\"b\"", 0.000125);
	assert_string_equal(b.data, "# HELP mlxd_ollama_up Ollama answers.\n"
	    "# TYPE mlxd_ollama_up gauge\nmlxd_ollama_up 1\n"
	    "mlxd_x{a=\"b\"} 0.000125\n");
	/* Growth past the first allocation keeps everything. */
	for (i = 0; i < 2000; i++)
		metrics_buf_printf(&b, "%04d\n", i);
	assert_non_null(strstr(b.data, "\n1999\n"));
	assert_int_equal(b.len, strlen(b.data));
	metrics_buf_free(&b);
}

static void
test_history_wrap(void **state)
{
	struct metrics_history	*h;
	struct metrics_sample	 s;
	json_t			*j, *pts;
	int			 i;

	(void)state;
	h = metrics_history_new(1000);
	assert_int_equal(metrics_history_capacity(h), 3600);
	metrics_history_free(h);
	h = metrics_history_new(250);
	assert_int_equal(metrics_history_capacity(h), 14400);
	metrics_history_free(h);

	h = metrics_history_new(1000);
	for (i = 0; i < 3700; i++) {
		metrics_sample_init(&s, T0 + (int64_t)i * NS);
		s.cpu_pct = (float)(i % 100);
		metrics_history_push(h, &s);
	}
	assert_int_equal(metrics_history_count(h), 3600);
	/* The whole hour: the oldest 100 samples are gone. */
	assert_int_equal(metrics_history_query(h, T0 + 3699 * NS, 3600000, 0,
	    &j), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "interval_ms")),
	    1000);
	assert_int_equal(json_integer_value(json_object_get(j, "step_ms")),
	    1000);
	pts = json_object_get(j, "points");
	assert_int_equal(json_array_size(pts), 3600);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(pts, 0), "t")), "2026-01-01T00:01:40.000Z");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(pts, 3599), "t")), "2026-01-01T01:01:39.000Z");
	assert_near(json_real_value(json_object_get(json_array_get(pts, 1),
	    "cpu_pct")), 1.0, 0);
	/* Null fields are present as null; cluster fields are absent. */
	assert_true(json_is_null(json_object_get(json_array_get(pts, 0),
	    "mem_used_bytes")));
	assert_null(json_object_get(json_array_get(pts, 0), "cpu_c0_pct"));
	json_decref(j);

	/* The last 10 s only: (now - 10 s, now]. */
	assert_int_equal(metrics_history_query(h, T0 + 3699 * NS, 10000, 0,
	    &j), 0);
	pts = json_object_get(j, "points");
	assert_int_equal(json_array_size(pts), 10);
	assert_near(json_real_value(json_object_get(json_array_get(pts, 0),
	    "cpu_pct")), 90.0, 0);
	json_decref(j);

	assert_int_equal(metrics_history_query(h, T0, 0, 0, &j), -EINVAL);
	assert_int_equal(metrics_history_query(h, T0, 3600001, 0, &j),
	    -EINVAL);
	assert_int_equal(metrics_history_query(h, T0, 1000, -1, &j), -EINVAL);
	metrics_history_free(h);
}

/* The packed history gives back every page-sized byte count exactly. */
static void
test_history_packed_exact(void **state)
{
	static const char *const keys[] = { "mem_total_bytes",
	    "mem_used_bytes", "mem_available_bytes", "mem_wired_bytes",
	    "mem_compressed_bytes", "swap_total_bytes", "swap_used_bytes",
	    "gpu_mem_used_bytes", "gpu_mem_total_bytes" };
	struct metrics_history	*h;
	struct metrics_sample	 s;
	json_t			*j, *p;
	double			 want[9];
	size_t			 i;

	(void)state;
	h = metrics_history_new(1000);
	metrics_sample_init(&s, T0);
	s.mem_total = want[0] = 192.0 * 1024 * 1024 * 1024;	/* M2 Ultra */
	s.mem_used = want[1] = 150.0 * 1024 * 1024 * 1024 + 16384 * 7;
	s.mem_available = want[2] = 42.0 * 1024 * 1024 * 1024 - 16384;
	s.mem_wired = want[3] = 3.0 * 1024 * 1024 * 1024 + 4096;
	s.mem_compressed = want[4] = 512.0 * 1024 * 1024;
	s.swap_total = want[5] = 2.0 * 1024 * 1024 * 1024;
	s.swap_used = want[6] = 1024;
	s.gpu_mem_used = want[7] = 147.0 * 1024 * 1024 * 1024;
	s.gpu_mem_total = want[8] = 160.0 * 1024 * 1024 * 1024;
	s.cpu_pct = 12.5f;
	s.thermal_level = 1;
	metrics_history_push(h, &s);
	assert_int_equal(metrics_history_query(h, T0, 60000, 0, &j), 0);
	p = json_array_get(json_object_get(j, "points"), 0);
	assert_non_null(p);
	for (i = 0; i < 9; i++)
		assert_true(json_number_value(json_object_get(p, keys[i])) ==
		    want[i]);
	assert_near(json_real_value(json_object_get(p, "cpu_pct")), 12.5,
	    1e-9);
	assert_int_equal(json_integer_value(json_object_get(p,
	    "thermal_level")), 1);
	assert_true(metrics_history_sample_bytes() < sizeof(s));
	json_decref(j);
	metrics_history_free(h);
}

static void
test_history_downsample(void **state)
{
	struct metrics_history	*h;
	struct metrics_sample	 s;
	json_t			*j, *pts, *p;
	int			 i;

	(void)state;
	h = metrics_history_new(1000);
	/* 20 s from T0: cpu = i, gpu only on even seconds, levels vary. */
	for (i = 0; i < 20; i++) {
		metrics_sample_init(&s, T0 + (int64_t)i * NS);
		s.cpu_pct = (float)i;
		if (i % 2 == 0)
			s.gpu_pct = 10.0f;
		s.thermal_level = (int8_t)(i == 3 ? 2 : 0);
		/* Byte counts are whole pages (the history keeps KiB). */
		s.mem_used = 16384.0 * (i + 1);
		s.cluster_label[0] = 'E';
		s.cpu_cluster_pct[0] = 50.0f;
		metrics_history_push(h, &s);
	}
	assert_int_equal(metrics_history_query(h, T0 + 19 * NS, 60000, 5000,
	    &j), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "step_ms")),
	    5000);
	pts = json_object_get(j, "points");
	assert_int_equal(json_array_size(pts), 4);
	p = json_array_get(pts, 0);
	assert_string_equal(json_string_value(json_object_get(p, "t")),
	    "2026-01-01T00:00:00.000Z");
	/* mean(0..4) = 2; gpu mean over its non-null values only. */
	assert_near(json_real_value(json_object_get(p, "cpu_pct")), 2.0, 1e-9);
	assert_near(json_real_value(json_object_get(p, "gpu_pct")), 10.0,
	    1e-9);
	/* Levels take the worst value of the bucket. */
	assert_int_equal(json_integer_value(json_object_get(p,
	    "thermal_level")), 2);
	assert_int_equal(json_integer_value(json_object_get(p,
	    "mem_used_bytes")), 3 * 16384);
	/* An unknown byte count stays unknown. */
	assert_true(json_is_null(json_object_get(p, "mem_total_bytes")));
	assert_near(json_real_value(json_object_get(p, "cpu_E_pct")), 50.0,
	    1e-9);
	p = json_array_get(pts, 3);
	assert_string_equal(json_string_value(json_object_get(p, "t")),
	    "2026-01-01T00:00:15.000Z");
	assert_near(json_real_value(json_object_get(p, "cpu_pct")), 17.0,
	    1e-9);
	assert_int_equal(json_integer_value(json_object_get(p,
	    "thermal_level")), 0);
	assert_true(json_is_null(json_object_get(p, "swap_used_bytes")));
	json_decref(j);

	/* Buckets are aligned to the epoch, not to the window start. */
	assert_int_equal(metrics_history_query(h, T0 + 19 * NS, 7000, 4000,
	    &j), 0);
	pts = json_object_get(j, "points");
	/* Samples 13..19 -> buckets [12,16) and [16,20). */
	assert_int_equal(json_array_size(pts), 2);
	assert_near(json_real_value(json_object_get(json_array_get(pts, 0),
	    "cpu_pct")), 14.0, 1e-9);
	assert_near(json_real_value(json_object_get(json_array_get(pts, 1),
	    "cpu_pct")), 17.5, 1e-9);
	json_decref(j);

	/* A step below the interval means full rate. */
	assert_int_equal(metrics_history_query(h, T0 + 19 * NS, 60000, 10,
	    &j), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "step_ms")),
	    1000);
	assert_int_equal(json_array_size(json_object_get(j, "points")), 20);
	json_decref(j);

	/* Empty window: empty array. */
	assert_int_equal(metrics_history_query(h, T0 - 100 * NS, 60000, 0,
	    &j), 0);
	assert_int_equal(json_array_size(json_object_get(j, "points")), 0);
	json_decref(j);
	metrics_history_free(h);
}

static void
test_minute_aggregation(void **state)
{
	struct metrics_minute_acc	acc;
	struct metrics_minute		m;
	struct metrics_sample		s;
	json_t				*j, *f;
	int				i, done = 0;

	(void)state;
	metrics_minute_init(&acc);
	assert_false(metrics_minute_flush(&acc, &m));
	/* 00:00:30 .. 00:01:29 at 1 Hz: minute 0 gets 30, minute 1 gets 60. */
	for (i = 30; i < 150; i++) {
		metrics_sample_init(&s, T0 + (int64_t)i * NS);
		s.cpu_pct = (float)(i % 60);
		if (i < 60)
			s.power_w[METRICS_RAIL_CPU] = (float)i;
		s.mem_used = 4096.0;
		if (metrics_minute_add(&acc, &s, &m)) {
			done++;
			if (done == 1) {
				assert_int_equal(m.start_ns, T0);
				assert_int_equal(m.n, 30);
				assert_near(m.f[METRICS_F_CPU].min, 30, 0);
				assert_near(m.f[METRICS_F_CPU].max, 59, 0);
				assert_near(m.f[METRICS_F_CPU].mean, 44.5,
				    1e-9);
				assert_near(m.f[METRICS_F_POWER_CPU].mean,
				    44.5, 1e-9);
				assert_near(m.f[METRICS_F_MEM_USED].max, 4096,
				    0);
				assert_nan(m.f[METRICS_F_GPU].mean);
				assert_nan(m.f[METRICS_F_GPU].min);
				assert_int_equal(i, 60);
			} else {
				assert_int_equal(m.start_ns, T0 + 60 * NS);
				assert_int_equal(m.n, 60);
				assert_near(m.f[METRICS_F_CPU].mean, 29.5,
				    1e-9);
				/* Power was null all minute. */
				assert_nan(m.f[METRICS_F_POWER_CPU].max);
				assert_int_equal(i, 120);
			}
		}
	}
	assert_int_equal(done, 2);
	/* Minute 2 is open with 30 samples; flush finishes it. */
	assert_true(metrics_minute_flush(&acc, &m));
	assert_int_equal(m.n, 30);
	assert_int_equal(m.start_ns, T0 + 120 * NS);
	assert_false(metrics_minute_flush(&acc, &m));

	j = metrics_minute_json(&m);
	assert_string_equal(json_string_value(json_object_get(j, "t")),
	    "2026-01-01T00:02:00.000Z");
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 30);
	f = json_object_get(json_object_get(j, "fields"), "cpu_pct");
	assert_near(json_real_value(json_object_get(f, "mean")), 14.5, 1e-9);
	assert_near(json_real_value(json_object_get(f, "max")), 29, 1e-9);
	f = json_object_get(json_object_get(j, "fields"), "power_gpu_w");
	assert_true(json_is_null(json_object_get(f, "min")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_object_get(j, "fields"), "mem_used_bytes"), "mean")), 4096);
	json_decref(j);
}

static void
test_minute_clock_step(void **state)
{
	struct metrics_minute_acc	acc;
	struct metrics_minute		m;
	struct metrics_sample		s;

	(void)state;
	metrics_minute_init(&acc);
	metrics_sample_init(&s, T0 + 5 * NS);
	s.load[0] = 1.0f;
	assert_false(metrics_minute_add(&acc, &s, &m));
	/* The wall clock steps back a minute: the open minute is finished. */
	metrics_sample_init(&s, T0 - 55 * NS);
	s.load[0] = 3.0f;
	assert_true(metrics_minute_add(&acc, &s, &m));
	assert_int_equal(m.start_ns, T0);
	assert_int_equal(m.n, 1);
	assert_near(m.f[METRICS_F_LOAD1].mean, 1.0, 0);
	assert_true(metrics_minute_flush(&acc, &m));
	assert_int_equal(m.start_ns, T0 - 60 * NS);
	assert_near(m.f[METRICS_F_LOAD1].max, 3.0, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_init_all_null),
		cmocka_unit_test(test_field_roundtrip),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sample_json_nulls),
		cmocka_unit_test(test_sample_json_full),
		cmocka_unit_test(test_system_json),
		cmocka_unit_test(test_energy_window),
		cmocka_unit_test(test_prom_full),
		cmocka_unit_test(test_prom_nulls),
		cmocka_unit_test(test_prom_helpers),
		cmocka_unit_test(test_history_wrap),
		cmocka_unit_test(test_history_packed_exact),
		cmocka_unit_test(test_history_downsample),
		cmocka_unit_test(test_minute_aggregation),
		cmocka_unit_test(test_minute_clock_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
