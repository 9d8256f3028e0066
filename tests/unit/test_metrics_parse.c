/* SPDX-License-Identifier: ISC */
/*
 * test_metrics_parse.c: the pure halves of both metrics backends, on any
 * OS: the Linux parsers fed recorded /proc and /sys files from
 * tests/fixtures/proc/<case>/ (vm-live was copied from a real VM), and the
 * macOS arithmetic fed raw counter values.
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
#include "metrics_linux_parse.h"

#define KB	1024.0

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

/* A fixture file's text; the caller frees it. */
static char *
fixture(const char *tree, const char *path)
{
	char	 name[1024], *buf;
	FILE	*f;
	size_t	 n;

	snprintf(name, sizeof(name), "%s/proc/%s/%s", FIXTURES, tree, path);
	if ((f = fopen(name, "r")) == NULL)
		fail_msg("cannot open %s", name);
	buf = malloc(1 << 20);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
parse_meminfo(const char *tree, struct metrics_sample *s)
{
	char	*t = fixture(tree, "proc/meminfo");

	metrics_sample_init(s, 0);
	assert_int_equal(metrics_linux_parse_meminfo(t, s), 0);
	free(t);
}

static void
test_meminfo(void **state)
{
	struct metrics_sample	s;

	(void)state;
	parse_meminfo("desktop-amd", &s);
	assert_near(s.mem_total, 32787412 * KB, 0);
	assert_near(s.mem_available, 21034560 * KB, 0);
	assert_near(s.mem_used, (32787412 - 21034560) * KB, 0);
	assert_near(s.swap_total, 8388604 * KB, 0);
	assert_near(s.swap_used, (8388604 - 8126460) * KB, 0);
	assert_near(s.mem_compressed, 51200 * KB, 0);
	assert_nan(s.mem_wired);

	/* Recorded on this project's build VM: no swap, zswap empty. */
	parse_meminfo("vm-live", &s);
	assert_near(s.mem_total, 24684092 * KB, 0);
	assert_near(s.mem_available, 24163420 * KB, 0);
	assert_near(s.mem_used, (24684092 - 24163420) * KB, 0);
	assert_near(s.swap_total, 0, 0);
	assert_near(s.swap_used, 0, 0);
	assert_near(s.mem_compressed, 0, 0);

	/* Server kernel without a Zswap line: compressed stays null. */
	parse_meminfo("server-xeon", &s);
	assert_near(s.mem_total, 263784384 * KB, 0);
	assert_nan(s.mem_compressed);
	assert_near(s.swap_used, 0, 0);

	/* Container-ish: no MemAvailable, no swap lines. */
	parse_meminfo("container", &s);
	assert_near(s.mem_total, 4194304 * KB, 0);
	assert_nan(s.mem_available);
	assert_nan(s.mem_used);
	assert_nan(s.swap_total);
	assert_nan(s.swap_used);

	metrics_sample_init(&s, 0);
	assert_int_equal(metrics_linux_parse_meminfo("MemFree: 12 kB\n", &s),
	    -EINVAL);
	assert_int_equal(metrics_linux_parse_meminfo("", &s), -EINVAL);
	/* A key must match at the start of a line and carry kB. */
	assert_int_equal(metrics_linux_parse_meminfo(
	    "XMemTotal: 5 kB\nMemTotal: 7\n", &s), -EINVAL);
	assert_int_equal(metrics_linux_parse_meminfo(
	    "MemAvailable: 9 kB\nMemTotal: 8 kB\n", &s), 0);
	assert_near(s.mem_total, 8 * KB, 0);
	/* Available larger than total is nonsense: left null. */
	assert_nan(s.mem_available);
}

static float
cpu_pct_between(const char *tree)
{
	struct metrics_linux_cpu	a, b;
	char				*t1, *t2, next[256];

	snprintf(next, sizeof(next), "../%s.t2/proc/stat", tree);
	t1 = fixture(tree, "proc/stat");
	t2 = fixture(tree, next);
	assert_int_equal(metrics_linux_parse_stat(t1, &a), 0);
	assert_int_equal(metrics_linux_parse_stat(t2, &b), 0);
	free(t1);
	free(t2);
	return metrics_linux_cpu_pct(&a, &b);
}

static void
test_stat(void **state)
{
	struct metrics_linux_cpu	a, b;

	(void)state;
	/* 976 busy of 3200 ticks. */
	assert_near(cpu_pct_between("desktop-amd"), 30.5, 1e-4);
	/* 4800 of 6400 with 500 guest ticks already inside user. */
	assert_near(cpu_pct_between("server-xeon"), 75.0, 1e-4);
	assert_near(cpu_pct_between("container"), 120.0 / 400.0 * 100, 1e-4);
	/* The VM: user +8, system +10, idle +582, softirq +1. */
	assert_near(cpu_pct_between("vm-live"), 1900.0 / 601.0, 1e-4);

	assert_int_equal(metrics_linux_parse_stat(
	    "cpu  10 0 10 80\ncpu0 10 0 10 80\n", &a), 0);
	assert_int_equal(a.total, 100);
	assert_int_equal(a.busy, 20);
	/* No time passed: null, never 0 %. */
	assert_nan(metrics_linux_cpu_pct(&a, &a));
	/* Counters went backwards: null. */
	b = a;
	b.total -= 10;
	assert_nan(metrics_linux_cpu_pct(&a, &b));
	/* An idle counter stepping back never yields more than 100 %. */
	assert_int_equal(metrics_linux_parse_stat(
	    "cpu  10 0 10 80 0 0 0 0 0 0\n", &a), 0);
	assert_int_equal(metrics_linux_parse_stat(
	    "cpu  40 0 10 75 0 0 0 0 0 0\n", &b), 0);
	assert_near(metrics_linux_cpu_pct(&a, &b), 100.0, 0);
	/* Nor does busy going backwards yield a negative share. */
	assert_near(metrics_linux_cpu_pct(&b, &(struct metrics_linux_cpu){
	    .busy = 10, .total = 200 }), 0.0, 0);
	assert_int_equal(metrics_linux_parse_stat("cpu0 1 2 3 4\n", &a),
	    -EINVAL);
	assert_int_equal(metrics_linux_parse_stat("cpu  1 2 3\n", &a),
	    -EINVAL);
}

static void
test_loadavg_psi(void **state)
{
	char	*t;
	float	 load[3], some, full;

	(void)state;
	t = fixture("desktop-amd", "proc/loadavg");
	assert_int_equal(metrics_linux_parse_loadavg(t, load), 0);
	free(t);
	assert_near(load[0], 2.41, 1e-6);
	assert_near(load[1], 1.87, 1e-6);
	assert_near(load[2], 1.52, 1e-6);
	t = fixture("vm-live", "proc/loadavg");
	assert_int_equal(metrics_linux_parse_loadavg(t, load), 0);
	free(t);
	assert_near(load[0], 0.15, 1e-6);
	assert_near(load[2], 0.07, 1e-6);
	assert_int_equal(metrics_linux_parse_loadavg("0.1 x", load), -EINVAL);

	t = fixture("server-xeon", "proc/pressure/memory");
	assert_int_equal(metrics_linux_parse_psi(t, &some, &full), 0);
	free(t);
	assert_near(some, 12.5, 1e-6);
	assert_near(full, 3.1, 1e-6);
	assert_int_equal(metrics_linux_mem_pressure(some, full),
	    METRICS_MEM_PRESSURE_WARNING);
	t = fixture("laptop-intel", "proc/pressure/memory");
	assert_int_equal(metrics_linux_parse_psi(t, &some, &full), 0);
	free(t);
	assert_int_equal(metrics_linux_mem_pressure(some, full),
	    METRICS_MEM_PRESSURE_CRITICAL);
	t = fixture("vm-live", "proc/pressure/cpu");
	assert_int_equal(metrics_linux_parse_psi(t, &some, &full), 0);
	free(t);
	assert_near(some, 0.26, 1e-6);
	assert_near(full, 0.0, 0);
	/* Older kernels have no "full" line for cpu. */
	t = fixture("laptop-intel", "proc/pressure/cpu");
	assert_int_equal(metrics_linux_parse_psi(t, &some, &full), 0);
	free(t);
	assert_near(some, 3.0, 1e-6);
	assert_nan(full);
	assert_int_equal(metrics_linux_mem_pressure(0.3f, NAN),
	    METRICS_MEM_PRESSURE_NORMAL);
	assert_int_equal(metrics_linux_mem_pressure(NAN, NAN), -1);
	assert_int_equal(metrics_linux_parse_psi("full avg10=1.00\n", &some,
	    &full), -EINVAL);
}

static void
test_small_files(void **state)
{
	char		*t, name[64], ver[64], model[96];
	int		 logical, physical;
	uint64_t	 v;

	(void)state;
	assert_int_equal(metrics_linux_parse_cpulist("0-3,8-11\n"), 8);
	assert_int_equal(metrics_linux_parse_cpulist("0\n"), 1);
	assert_int_equal(metrics_linux_parse_cpulist("0-127"), 128);
	assert_int_equal(metrics_linux_parse_cpulist(""), 0);
	assert_int_equal(metrics_linux_parse_cpulist("0-"), -1);
	assert_int_equal(metrics_linux_parse_cpulist("3-1"), -1);
	assert_int_equal(metrics_linux_parse_cpulist("a"), -1);

	assert_int_equal(metrics_linux_parse_u64("187000000\n", &v), 0);
	assert_int_equal(v, 187000000);
	assert_int_equal(metrics_linux_parse_u64("-5\n", &v), -EINVAL);
	assert_int_equal(metrics_linux_parse_u64("\n", &v), -EINVAL);

	t = fixture("desktop-amd", "etc/os-release");
	metrics_linux_parse_os_release(t, name, sizeof(name), ver, sizeof(ver));
	free(t);
	assert_string_equal(name, "Ubuntu");
	assert_string_equal(ver, "24.04");
	t = fixture("laptop-intel", "etc/os-release");
	metrics_linux_parse_os_release(t, name, sizeof(name), ver, sizeof(ver));
	free(t);
	assert_string_equal(name, "Fedora Linux");
	assert_string_equal(ver, "40");
	metrics_linux_parse_os_release("ID=x\n", name, sizeof(name), ver,
	    sizeof(ver));
	assert_string_equal(name, "");
	assert_string_equal(ver, "");

	t = fixture("desktop-amd", "proc/cpuinfo");
	metrics_linux_parse_cpuinfo(t, model, sizeof(model), &logical,
	    &physical);
	free(t);
	assert_string_equal(model, "AMD Ryzen 7 5800X 8-Core Processor");
	assert_int_equal(logical, 16);
	assert_int_equal(physical, 8);
	t = fixture("server-xeon", "proc/cpuinfo");
	metrics_linux_parse_cpuinfo(t, model, sizeof(model), &logical,
	    &physical);
	free(t);
	assert_string_equal(model, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz");
	assert_int_equal(logical, 32);
	assert_int_equal(physical, 16);
	t = fixture("arm-sbc", "proc/cpuinfo");
	metrics_linux_parse_cpuinfo(t, model, sizeof(model), &logical,
	    &physical);
	free(t);
	assert_string_equal(model, "BCM2835");
	assert_int_equal(logical, 4);
	assert_int_equal(physical, -1);
	t = fixture("vm-live", "proc/cpuinfo");
	metrics_linux_parse_cpuinfo(t, model, sizeof(model), &logical,
	    &physical);
	free(t);
	assert_string_equal(model, "AMD EPYC");
	assert_int_equal(logical, 2);
	assert_int_equal(physical, 2);
}

static void
test_sensor_scores(void **state)
{
	(void)state;
	assert_true(metrics_linux_cpu_sensor_score("k10temp", "Tctl") >
	    metrics_linux_cpu_sensor_score("k10temp", "Tccd1"));
	assert_true(metrics_linux_cpu_sensor_score("k10temp", "Tdie") >
	    metrics_linux_cpu_sensor_score("k10temp", "Tctl"));
	assert_true(metrics_linux_cpu_sensor_score("coretemp",
	    "Package id 0") > metrics_linux_cpu_sensor_score("coretemp",
	    "Core 0"));
	assert_true(metrics_linux_cpu_sensor_score("cpu_thermal", "") > 0);
	assert_int_equal(metrics_linux_cpu_sensor_score("amdgpu", "edge"), 0);
	assert_int_equal(metrics_linux_cpu_sensor_score("nvme", "Composite"),
	    0);
	assert_int_equal(metrics_linux_cpu_sensor_score("acpitz", ""), 0);
	assert_int_equal(metrics_linux_cpu_sensor_score("iwlwifi_1", ""), 0);
	assert_true(metrics_linux_cpu_zone_score("x86_pkg_temp") >
	    metrics_linux_cpu_zone_score("cpu-thermal"));
	assert_true(metrics_linux_cpu_zone_score("cpu-thermal") > 0);
	assert_int_equal(metrics_linux_cpu_zone_score("acpitz"), 0);
}

static void
test_rapl_delta(void **state)
{
	uint64_t	d;

	(void)state;
	assert_int_equal(metrics_linux_rapl_delta(100, 350, 1000, &d), 0);
	assert_int_equal(d, 250);
	/* Wrapped at max_energy_range_uj. */
	assert_int_equal(metrics_linux_rapl_delta(262143000000ULL, 179671150,
	    262143328850ULL, &d), 0);
	assert_int_equal(d, 180000000);
	/* Unknown range or a reading above it: no delta. */
	assert_int_equal(metrics_linux_rapl_delta(900, 100, 0, &d), -ERANGE);
	assert_int_equal(metrics_linux_rapl_delta(2000, 100, 1000, &d),
	    -ERANGE);
}

/*
 * vm_stat-style page counts of a 16 GB M1 (16 KiB pages). They satisfy the
 * kernel's identity internal + external = active + inactive + speculative.
 */
static const struct metrics_darwin_vm m1_vm = {
	.free = 3929, .active = 243421, .inactive = 237897,
	.speculative = 3071, .wire = 138032, .purgeable = 6150,
	.compressor = 212477, .external = 199234, .internal = 285155,
};

static void
test_darwin_memory(void **state)
{
	struct metrics_sample	s;
	const struct metrics_darwin_vm *v = &m1_vm;
	double			alt;

	(void)state;
	metrics_sample_init(&s, 0);
	metrics_darwin_memory(&m1_vm, 16384, 17179869184ULL, &s);
	assert_near(s.mem_total, 17179869184.0, 0);
	assert_near(s.mem_used, 10313957376.0, 0);
	assert_near(s.mem_available, 17179869184.0 - 10313957376.0, 0);
	assert_near(s.mem_wired, 138032.0 * 16384, 0);
	assert_near(s.mem_compressed, 212477.0 * 16384, 0);
	/* macmon/stats' single formula gives the same figure. */
	alt = ((double)v->active + v->inactive + v->speculative + v->wire +
	    v->compressor - v->purgeable - v->external) * 16384;
	assert_near(s.mem_used, alt, 0);

	assert_false(metrics_darwin_vm_count_ok(24));
	assert_false(metrics_darwin_vm_count_ok(37));
	assert_true(metrics_darwin_vm_count_ok(38));
	assert_true(metrics_darwin_vm_count_ok(62));
	assert_true(metrics_darwin_vm_count_ok(104));

	assert_int_equal(metrics_darwin_mem_pressure(1), 0);
	assert_int_equal(metrics_darwin_mem_pressure(2), 1);
	assert_int_equal(metrics_darwin_mem_pressure(4), 2);
	assert_int_equal(metrics_darwin_mem_pressure(0), -1);
	assert_int_equal(metrics_darwin_mem_pressure(3), -1);
	assert_int_equal(metrics_darwin_thermal_level(0), 0);
	assert_int_equal(metrics_darwin_thermal_level(4), 4);
	assert_int_equal(metrics_darwin_thermal_level(5), -1);
	assert_int_equal(metrics_darwin_thermal_level(UINT64_MAX), -1);
}

static void
test_darwin_clusters(void **state)
{
	const struct metrics_darwin_level m1pro[] = {
		{ "Performance", 8 }, { "Efficiency", 2 },
	};
	const struct metrics_darwin_level m5max[] = {
		{ "Super", 6 }, { "Performance", 12 },
	};
	int8_t	map[32];
	char	lab[3];
	int	i;

	(void)state;
	assert_int_equal(metrics_darwin_cluster_map("EEPPPPPPPP", 10, m1pro,
	    2, map, lab), 2);
	assert_int_equal(lab[0], 'E');
	assert_int_equal(lab[1], 'P');
	assert_int_equal(lab[2], '\0');
	assert_int_equal(map[0], 0);
	assert_int_equal(map[1], 0);
	for (i = 2; i < 10; i++)
		assert_int_equal(map[i], 1);

	/* M5 Max: letters M (Performance) and P (Super, numbered last). */
	assert_int_equal(metrics_darwin_cluster_map("MMMMMMMMMMMMPPPPPP", 18,
	    m5max, 2, map, lab), 2);
	assert_int_equal(lab[0], 'P');
	assert_int_equal(lab[1], 'S');
	assert_int_equal(map[0], 0);
	assert_int_equal(map[11], 0);
	assert_int_equal(map[12], 1);
	assert_int_equal(map[17], 1);

	/* Letters in any order are followed, not the index order. */
	assert_int_equal(metrics_darwin_cluster_map("PPPPEPPPPE", 10, m1pro,
	    2, map, lab), 2);
	assert_int_equal(map[4], 0);
	assert_int_equal(map[9], 0);
	assert_int_equal(map[0], 1);

	/* No letters: slowest tier first. */
	assert_int_equal(metrics_darwin_cluster_map(NULL, 10, m1pro, 2, map,
	    lab), 2);
	assert_int_equal(map[0], 0);
	assert_int_equal(map[1], 0);
	assert_int_equal(map[2], 1);
	/* Letters that disagree with the level sizes: fall back too. */
	assert_int_equal(metrics_darwin_cluster_map("EEEPPPPPPP", 10, m1pro,
	    2, map, lab), 2);
	assert_int_equal(map[2], 1);
	/* Sizes that do not add up to the CPU count: no clusters. */
	assert_int_equal(metrics_darwin_cluster_map(NULL, 12, m1pro, 2, map,
	    lab), 0);
	assert_int_equal(metrics_darwin_cluster_map(NULL, 10, m1pro, 0, map,
	    lab), 0);
}

static void
test_darwin_cpu(void **state)
{
	const struct metrics_darwin_level m1pro[] = {
		{ "Performance", 8 }, { "Efficiency", 2 },
	};
	uint32_t	prev[10 * 4], cur[10 * 4];
	int8_t		map[10];
	char		lab[3];
	float		total, cl[3];
	int		i;

	(void)state;
	assert_int_equal(metrics_darwin_cluster_map("EEPPPPPPPP", 10, m1pro,
	    2, map, lab), 2);
	for (i = 0; i < 10; i++) {
		prev[i * 4 + 0] = 1000u * (uint32_t)i;	/* user */
		prev[i * 4 + 1] = 500;			/* system */
		prev[i * 4 + 2] = 90000;		/* idle */
		prev[i * 4 + 3] = 7;			/* nice */
		if (i < 2) {		/* E: 60+20 busy, 20 idle */
			cur[i * 4 + 0] = prev[i * 4 + 0] + 60;
			cur[i * 4 + 1] = prev[i * 4 + 1] + 20;
			cur[i * 4 + 2] = prev[i * 4 + 2] + 20;
		} else {		/* P: 5+5 busy, 90 idle */
			cur[i * 4 + 0] = prev[i * 4 + 0] + 5;
			cur[i * 4 + 1] = prev[i * 4 + 1] + 5;
			cur[i * 4 + 2] = prev[i * 4 + 2] + 90;
		}
		cur[i * 4 + 3] = prev[i * 4 + 3];
	}
	/* CPU 1's 32-bit user counter wraps in between. */
	prev[1 * 4 + 0] = 0xfffffff0u;
	cur[1 * 4 + 0] = 0x2cu;
	metrics_darwin_cpu_pct(prev, cur, 10, map, 2, &total, cl);
	assert_near(total, 24.0, 1e-4);
	assert_near(cl[0], 80.0, 1e-4);
	assert_near(cl[1], 10.0, 1e-4);
	/* Nice counts as busy. */
	cur[9 * 4 + 3] += 100;
	metrics_darwin_cpu_pct(prev, cur, 10, NULL, 0, &total, NULL);
	assert_near(total, 340.0 / 1100.0 * 100, 1e-4);
	/* No ticks: null. */
	metrics_darwin_cpu_pct(prev, prev, 10, map, 2, &total, cl);
	assert_nan(total);
	assert_nan(cl[0]);
}

static void
test_darwin_energy(void **state)
{
	(void)state;
	assert_near(metrics_darwin_energy_joules(1500, "mJ"), 1.5, 1e-12);
	assert_near(metrics_darwin_energy_joules(1500000, "uJ"), 1.5, 1e-12);
	assert_near(metrics_darwin_energy_joules(1500000000, "nJ"), 1.5,
	    1e-12);
	assert_near(metrics_darwin_energy_joules(2500, " mJ  "), 2.5, 1e-12);
	assert_near(metrics_darwin_energy_joules(0, "mJ"), 0, 0);
	assert_nan(metrics_darwin_energy_joules(INT64_MIN, "mJ"));
	assert_nan(metrics_darwin_energy_joules(-3, "mJ"));
	assert_nan(metrics_darwin_energy_joules(10, "24Mticks"));
	assert_nan(metrics_darwin_energy_joules(10, ""));
	assert_nan(metrics_darwin_energy_joules(10, NULL));

	assert_int_equal(metrics_darwin_energy_rail("CPU Energy", NULL),
	    METRICS_RAIL_CPU);
	assert_int_equal(metrics_darwin_energy_rail("DIE_1_CPU Energy", NULL),
	    METRICS_RAIL_CPU);
	assert_int_equal(metrics_darwin_energy_rail("GPU Energy", NULL),
	    METRICS_RAIL_GPU);
	assert_int_equal(metrics_darwin_energy_rail("ANE", NULL), METRICS_RAIL_ANE);
	assert_int_equal(metrics_darwin_energy_rail("ANE0", NULL), METRICS_RAIL_ANE);
	assert_int_equal(metrics_darwin_energy_rail("ANE0_1", NULL),
	    METRICS_RAIL_ANE);
	assert_int_equal(metrics_darwin_energy_rail("DRAM0", NULL),
	    METRICS_RAIL_DRAM);
	assert_int_equal(metrics_darwin_energy_rail("DRAM0_0", NULL),
	    METRICS_RAIL_DRAM);
	/* Per-cluster, per-core, SRAM and detail rails are not totals. */
	assert_int_equal(metrics_darwin_energy_rail("EACC_CPU", NULL), -1);
	assert_int_equal(metrics_darwin_energy_rail("PACC0_CPU", NULL), -1);
	assert_int_equal(metrics_darwin_energy_rail("EACC_CPU0", NULL), -1);
	assert_int_equal(metrics_darwin_energy_rail("GPU SRAM0", NULL), -1);
	assert_int_equal(metrics_darwin_energy_rail("GPU0", NULL), -1);
	assert_int_equal(metrics_darwin_energy_rail("ANE0DTL1", NULL), -1);
	assert_int_equal(metrics_darwin_energy_rail("DRAM", NULL),
	    METRICS_RAIL_DRAM);
	assert_int_equal(metrics_darwin_energy_rail("DIE_x_CPU Energy", NULL), -1);
	assert_int_equal(metrics_darwin_energy_rail("PCIe Port 0 Energy", NULL), -1);
	assert_int_equal(metrics_darwin_energy_rail("CPU Energy2", NULL), -1);

	/* macOS 27 zero: null while the CPU is busy, 0 W when it is idle. */
	assert_nan(metrics_darwin_power_check(0.0f, 35.0f));
	assert_near(metrics_darwin_power_check(0.0f, 0.2f), 0.0, 0);
	assert_near(metrics_darwin_power_check(0.0f, NAN), 0.0, 0);
	assert_near(metrics_darwin_power_check(4.25f, 35.0f), 4.25, 0);
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
test_darwin_gpu(void **state)
{
	/* An M1 Max style GPU table in Hz, first entry the off state. */
	const uint32_t	hz[] = { 0, 389000000, 486000000, 648000000,
			    778000000, 972000000, 1296000000, 1398000000 };
	/* An M4 style CPU table in kHz. */
	const uint32_t	khz[] = { 1020000, 1836000, 2748000, 3624000,
			    4512000 };
	const char	*names[] = { "OFF", "P1", "P2", "P3", "P4", "P5",
			    "P6", "P7" };
	int64_t		 res[] = { 500, 100, 0, 0, 0, 0, 0, 400 };
	uint8_t		 buf[128];
	float		 mhz[16];
	size_t		 i;
	int		 n;

	(void)state;
	for (i = 0; i < 8; i++) {
		put_le32(buf + i * 8, hz[i]);
		put_le32(buf + i * 8 + 4, 600 + 50 * (uint32_t)i);
	}
	n = metrics_darwin_dvfs_parse(buf, 64, mhz, 16);
	assert_int_equal(n, 7);
	assert_near(mhz[0], 389.0, 1e-3);
	assert_near(mhz[6], 1398.0, 1e-3);
	/* A trailing partial pair is ignored. */
	assert_int_equal(metrics_darwin_dvfs_parse(buf, 63, mhz, 16), 6);

	assert_near(metrics_darwin_gpu_mhz(names, res, 8, mhz, 7),
	    (100.0 * 389 + 400.0 * 1398) / 500, 1e-2);
	/* Off the whole time: 0 MHz, a measured value. */
	{
		int64_t off[] = { 900, 0, 0, 0, 0, 0, 0, 0 };

		assert_near(metrics_darwin_gpu_mhz(names, off, 8, mhz, 7), 0,
		    0);
	}
	/* Nothing elapsed, or more states than the table: null. */
	{
		int64_t none[] = { 0, 0, 0, 0, 0, 0, 0, 0 };

		assert_nan(metrics_darwin_gpu_mhz(names, none, 8, mhz, 7));
	}
	assert_nan(metrics_darwin_gpu_mhz(names, res, 8, mhz, 3));

	for (i = 0; i < 5; i++) {
		put_le32(buf + i * 8, khz[i]);
		put_le32(buf + i * 8 + 4, 800);
	}
	assert_int_equal(metrics_darwin_dvfs_parse(buf, 40, mhz, 16), 5);
	assert_near(mhz[0], 1020.0, 1e-3);
	assert_near(mhz[4], 4512.0, 1e-3);

	assert_int_equal(metrics_darwin_temp_kind("pACC MTR Temp Sensor4"), 1);
	assert_int_equal(metrics_darwin_temp_kind("eACC MTR Temp Sensor0"), 1);
	assert_int_equal(metrics_darwin_temp_kind("PMU tdie3"), 0);
	assert_int_equal(metrics_darwin_temp_kind("GPU MTR Temp Sensor1"), 2);
	assert_int_equal(metrics_darwin_temp_kind("NAND CH0 temp"), 0);
	assert_int_equal(metrics_darwin_temp_kind("gas gauge battery"), 0);
	assert_true(metrics_darwin_temp_ok(45.5));
	assert_false(metrics_darwin_temp_ok(0));
	assert_false(metrics_darwin_temp_ok(-5));
	assert_false(metrics_darwin_temp_ok(151));
	assert_false(metrics_darwin_temp_ok(NAN));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_loadavg_psi),
		cmocka_unit_test(test_small_files),
		cmocka_unit_test(test_sensor_scores),
		cmocka_unit_test(test_rapl_delta),
		cmocka_unit_test(test_darwin_memory),
		cmocka_unit_test(test_darwin_clusters),
		cmocka_unit_test(test_darwin_cpu),
		cmocka_unit_test(test_darwin_energy),
		cmocka_unit_test(test_darwin_gpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
