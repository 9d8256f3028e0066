/* SPDX-License-Identifier: ISC */
/*
 * test_metrics_linux.c: the Linux metrics backend end to end. Each case
 * copies a recorded tree from tests/fixtures/proc/<case>/ into a temp dir,
 * opens the backend on it, samples, lays <case>.t2/ (the same files a little
 * later) over it and samples again. The last test opens the backend on the
 * real "/" and checks it against /proc/meminfo read independently.
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
#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>

#include <jansson.h>

#include "metrics.h"

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

struct tree {
	char	dir[256];
	char	name[64];
};

static void
run(const char *fmt, ...)
{
	char	cmd[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

/* Copy fixture case name into a fresh temp dir. */
static void
tree_new(struct tree *t, const char *name)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/mlxd-metrics-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->name, sizeof(t->name), "%s", name);
	run("cp -R '%s/proc/%s/.' '%s/'", FIXTURES, name, t->dir);
}

/* Lay the later snapshot over the tree, in place (descriptors stay valid). */
static void
tree_advance(struct tree *t)
{
	/* cat > keeps each file's inode, as the kernel's files do. */
	run("cd '%s/proc/%s.t2' && find . -type f | while read f; do "
	    "cat \"$f\" > '%s'/\"$f\" || exit 1; done", FIXTURES, t->name,
	    t->dir);
}

static void
tree_free(struct tree *t)
{
	run("rm -rf '%s'", t->dir);
}

static struct metrics_backend *
open_tree(struct tree *t)
{
	struct metrics_backend	*b = NULL;

	assert_int_equal(metrics_backend_open(t->dir, &b), 0);
	assert_non_null(b);
	metrics_backend_set_power_window(b, 0);
	return b;
}

/* Open descriptors of this process. */
static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(d = opendir("/proc/self/fd"));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
test_desktop_amd(void **state)
{
	struct tree		 t;
	struct metrics_backend	*b;
	struct metrics_sample	 s;
	struct metrics_system	 sys;
	json_t			*j;
	int			 nfd;

	(void)state;
	tree_new(&t, "desktop-amd");
	nfd = count_fds();
	b = open_tree(&t);
	/* root, 5 proc files, CPU temp, 6 GPU files, 1 RAPL zone. */
	assert_int_equal(count_fds(), nfd + 14);
	assert_int_equal(metrics_backend_sample(b, &s), 0);
	assert_true(s.t_ns > 1700000000LL * 1000000000LL);
	assert_near(s.mem_total, 32787412 * KB, 0);
	assert_near(s.mem_used, (32787412 - 21034560) * KB, 0);
	assert_near(s.mem_compressed, 51200 * KB, 0);
	assert_nan(s.mem_wired);
	/* First sample: no deltas yet. */
	assert_nan(s.cpu_pct);
	assert_nan(s.power_w[METRICS_RAIL_CPU]);
	assert_nan(s.power_w[METRICS_RAIL_GPU]);
	assert_int_equal(s.cluster_label[0], 0);
	assert_near(s.load[1], 1.87, 1e-6);
	assert_near(s.mem_psi_some, 0.31, 1e-6);
	assert_int_equal(s.mem_pressure, METRICS_MEM_PRESSURE_NORMAL);
	assert_near(s.cpu_psi_some, 1.84, 1e-6);
	/* k10temp Tctl beats Tccd1, nvme, acpitz and the GPU's sensors. */
	assert_near(s.cpu_temp_c, 52.625, 1e-4);
	assert_near(s.gpu_pct, 37, 0);
	assert_near(s.gpu_mem_used, 9663676416.0, 0);
	assert_near(s.gpu_mem_total, 25753026560.0, 0);
	assert_near(s.gpu_mhz, 2482, 1e-3);
	assert_near(s.gpu_temp_c, 45.0, 1e-4);
	assert_int_equal(s.thermal_level, -1);

	tree_advance(&t);
	usleep(20000);
	assert_int_equal(metrics_backend_sample(b, &s), 0);
	assert_near(s.cpu_pct, 30.5, 1e-4);
	/* 156 J over the real elapsed time: positive, finite. */
	assert_true(s.power_w[METRICS_RAIL_CPU] > 156.0 / 60);
	assert_true(s.power_w[METRICS_RAIL_CPU] < 156.0 / 0.019);
	assert_near(s.power_w[METRICS_RAIL_GPU], 187.0, 1e-3);
	/* No DRAM, ANE or platform zone on this machine. */
	assert_nan(s.power_w[METRICS_RAIL_DRAM]);
	assert_nan(s.power_w[METRICS_RAIL_ANE]);
	assert_nan(s.power_w[METRICS_RAIL_SYSTEM]);

	assert_int_equal(metrics_backend_system(b, &sys), 0);
	assert_string_equal(sys.chip, "AMD Ryzen 7 5800X 8-Core Processor");
	assert_string_equal(sys.model, "MS-7C56");
	assert_int_equal(sys.cpus_logical, 16);
	assert_int_equal(sys.cpus_physical, 8);
	assert_int_equal(sys.nclusters, 0);
	assert_near(sys.mem_total, 32787412 * KB, 0);
	assert_string_equal(sys.os_name, "Ubuntu");
	assert_string_equal(sys.os_version, "24.04");
	assert_string_equal(sys.kernel, "6.8.0-45-generic");
	assert_string_equal(sys.hostname, "ryzen-desk");
	assert_string_equal(sys.arch, "x86_64");
	j = metrics_system_json(&sys);
	assert_true(json_is_null(json_object_get(json_object_get(j, "gpu"),
	    "cores")));
	assert_null(json_object_get(json_object_get(j, "cpu"), "clusters"));
	json_decref(j);

	metrics_backend_close(b);
	assert_int_equal(count_fds(), nfd);
	tree_free(&t);
}

static void
test_server_xeon(void **state)
{
	struct tree		 t;
	struct metrics_backend	*b;
	struct metrics_sample	 s;
	struct metrics_system	 sys;

	(void)state;
	tree_new(&t, "server-xeon");
	b = open_tree(&t);
	assert_int_equal(metrics_backend_sample(b, &s), 0);
	assert_near(s.mem_total, 263784384 * KB, 0);
	assert_near(s.swap_total, 0, 0);
	assert_nan(s.mem_compressed);
	assert_int_equal(s.mem_pressure, METRICS_MEM_PRESSURE_WARNING);
	assert_near(s.load[0], 24.17, 1e-5);
	/* No hwmon, thermal zones or GPU. */
	assert_nan(s.cpu_temp_c);
	assert_nan(s.gpu_temp_c);
	assert_nan(s.gpu_pct);
	assert_nan(s.gpu_mem_used);
	assert_nan(s.gpu_mhz);

	tree_advance(&t);
	usleep(20000);
	assert_int_equal(metrics_backend_sample(b, &s), 0);
	assert_near(s.cpu_pct, 75.0, 1e-4);
	/*
	 * Packages: 180 J + 180 J (package-1 wrapped); DRAM 30 J + 30 J; the
	 * -mmio duplicate is ignored. Same window for both rails.
	 */
	assert_true(s.power_w[METRICS_RAIL_CPU] > 0);
	assert_near(s.power_w[METRICS_RAIL_CPU] /
	    s.power_w[METRICS_RAIL_DRAM], 6.0, 1e-4);
	assert_nan(s.power_w[METRICS_RAIL_GPU]);
	assert_nan(s.power_w[METRICS_RAIL_SYSTEM]);

	assert_int_equal(metrics_backend_system(b, &sys), 0);
	assert_int_equal(sys.cpus_logical, 32);
	assert_int_equal(sys.cpus_physical, 16);
	assert_string_equal(sys.os_name, "Rocky Linux");
	assert_string_equal(sys.os_version, "9.4");
	/* Not recorded in this tree and not the live root: unknown. */
	assert_string_equal(sys.arch, "");
	metrics_backend_close(b);
	tree_free(&t);
}

static void
test_container(void **state)
{
	struct tree		 t;
	struct metrics_backend	*b;
	struct metrics_sample	 s;
	struct metrics_system	 sys;
	struct metrics_buf	 pb = { 0 };
	json_t			*j;
	int			 i;

	(void)state;
	tree_new(&t, "container");
	b = open_tree(&t);
	assert_int_equal(metrics_backend_sample(b, &s), 0);
	tree_advance(&t);
	assert_int_equal(metrics_backend_sample(b, &s), 0);
	assert_near(s.mem_total, 4194304 * KB, 0);
	assert_near(s.cpu_pct, 30.0, 1e-4);
	assert_nan(s.mem_used);
	assert_nan(s.mem_available);
	assert_nan(s.swap_used);
	assert_nan(s.load[0]);
	assert_nan(s.mem_psi_some);
	assert_int_equal(s.mem_pressure, -1);
	assert_nan(s.cpu_temp_c);
	assert_nan(s.gpu_pct);
	for (i = 0; i < METRICS_NRAILS; i++)
		assert_nan(s.power_w[i]);

	j = metrics_sample_json(&s);
	assert_true(json_is_null(json_object_get(json_object_get(j, "memory"),
	    "used_bytes")));
	assert_true(json_is_null(json_object_get(json_object_get(
	    json_object_get(j, "cpu"), "load_average"), "15m")));
	json_decref(j);
	metrics_prom_append(&s, &pb);
	assert_non_null(strstr(pb.data,
	    "mlxd_memory_total_bytes 4294967296\n"));
	assert_null(strstr(pb.data, "mlxd_memory_used_bytes"));
	assert_null(strstr(pb.data, "mlxd_load_average"));
	assert_null(strstr(pb.data, "mlxd_power_watts"));
	metrics_buf_free(&pb);

	assert_int_equal(metrics_backend_system(b, &sys), 0);
	assert_string_equal(sys.os_name, "Linux");
	assert_string_equal(sys.chip, "");
	assert_string_equal(sys.hostname, "");
	assert_int_equal(sys.cpus_logical, -1);
	metrics_backend_close(b);
	tree_free(&t);
}

static void
test_arm_sbc(void **state)
{
	struct tree		 t;
	struct metrics_backend	*b;
	struct metrics_sample	 s;
	struct metrics_system	 sys;

	(void)state;
	tree_new(&t, "arm-sbc");
	b = open_tree(&t);
	assert_int_equal(metrics_backend_sample(b, &s), 0);
	/* No CPU hwmon sensor: the cpu-thermal zone. */
	assert_near(s.cpu_temp_c, 48.686, 1e-4);
	/* vc4 has no gpu_busy_percent: no GPU figures. */
	assert_nan(s.gpu_pct);
	assert_near(s.swap_total, 102396 * KB, 0);
	assert_int_equal(metrics_backend_system(b, &sys), 0);
	assert_string_equal(sys.chip, "BCM2835");
	assert_string_equal(sys.model, "Raspberry Pi 4 Model B Rev 1.4");
	assert_string_equal(sys.arch, "aarch64");
	assert_int_equal(sys.cpus_logical, 4);
	assert_int_equal(sys.cpus_physical, -1);
	metrics_backend_close(b);
	tree_free(&t);
}

static void
test_laptop_intel(void **state)
{
	struct tree		 t;
	struct metrics_backend	*b;
	struct metrics_sample	 s;
	struct metrics_system	 sys;

	(void)state;
	tree_new(&t, "laptop-intel");
	b = open_tree(&t);
	assert_int_equal(metrics_backend_sample(b, &s), 0);
	/* coretemp "Package id 0" beats cores, acpitz and wifi. */
	assert_near(s.cpu_temp_c, 61.0, 1e-4);
	assert_int_equal(s.mem_pressure, METRICS_MEM_PRESSURE_CRITICAL);
	assert_near(s.mem_compressed, 311296 * KB, 0);
	assert_nan(s.gpu_pct);
	assert_nan(s.power_w[METRICS_RAIL_CPU]);
	/*
	 * Counters that have not moved close no window (a batched counter
	 * would flicker to 0 W otherwise): still null.
	 */
	usleep(10000);
	assert_int_equal(metrics_backend_sample(b, &s), 0);
	assert_nan(s.power_w[METRICS_RAIL_CPU]);
	assert_nan(s.power_w[METRICS_RAIL_SYSTEM]);
	/* package-0 +24 J, psys +48 J over the same window. */
	tree_advance(&t);
	usleep(10000);
	assert_int_equal(metrics_backend_sample(b, &s), 0);
	assert_true(s.power_w[METRICS_RAIL_CPU] > 0);
	assert_near(s.power_w[METRICS_RAIL_SYSTEM] /
	    s.power_w[METRICS_RAIL_CPU], 2.0, 1e-4);
	/* core and uncore sub-zones are not rails of their own. */
	assert_nan(s.power_w[METRICS_RAIL_DRAM]);
	assert_int_equal(metrics_backend_system(b, &sys), 0);
	assert_int_equal(sys.nclusters, 2);
	assert_int_equal(sys.clusters[0].label, 'E');
	assert_int_equal(sys.clusters[0].cpus, 8);
	assert_string_equal(sys.clusters[1].name, "Performance");
	assert_int_equal(sys.clusters[1].cpus, 8);
	assert_string_equal(sys.chip, "12th Gen Intel(R) Core(TM) i7-1260P");
	metrics_backend_close(b);
	tree_free(&t);
}

static void
test_missing_root(void **state)
{
	struct metrics_backend	*b = NULL;

	(void)state;
	assert_int_equal(metrics_backend_open("/nonexistent/mlxd-root", &b),
	    -ENOENT);
	assert_null(b);
	metrics_backend_close(NULL);
}

/* MemTotal in bytes, read without the code under test. */
static double
live_memtotal(void)
{
	FILE			*f;
	char			 line[256];
	unsigned long long	 kb = 0;

	assert_non_null(f = fopen("/proc/meminfo", "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	fclose(f);
	assert_true(kb > 0);
	return (double)kb * 1024.0;
}

static double
cpu_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_live(void **state)
{
	struct metrics_backend	*b = NULL;
	struct metrics_sample	 s;
	struct metrics_system	 sys;
	double			 t0, per;
	int			 i, n = 2000;

	(void)state;
	assert_int_equal(metrics_backend_open("/", &b), 0);
	assert_int_equal(metrics_backend_sample(b, &s), 0);
	assert_near(s.mem_total, live_memtotal(), 0);
	assert_true(s.mem_used > 0 && s.mem_used < s.mem_total);
	assert_true(s.mem_available > 0 && s.mem_available < s.mem_total);
	assert_nan(s.cpu_pct);
	assert_true(s.load[0] >= 0);
	usleep(300000);
	assert_int_equal(metrics_backend_sample(b, &s), 0);
	assert_true(s.cpu_pct >= 0 && s.cpu_pct <= 100);
	assert_int_equal(metrics_backend_system(b, &sys), 0);
	assert_near(sys.mem_total, live_memtotal(), 0);
	assert_true(sys.hostname[0] != '\0');
	assert_true(sys.kernel[0] != '\0');
	assert_true(sys.arch[0] != '\0');
	assert_true(sys.cpus_logical == (int)sysconf(_SC_NPROCESSORS_ONLN));

	/* Cost of one sample on this machine, in CPU time. */
	t0 = cpu_seconds();
	for (i = 0; i < n; i++)
		(void)metrics_backend_sample(b, &s);
	per = (cpu_seconds() - t0) / n;
	print_message("metrics: %.1f us of CPU per sample\n", per * 1e6);
	/* The target is 1 ms; allow sanitizer builds ten times that. */
	assert_true(per < 0.010);
	metrics_backend_close(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_desktop_amd),
		cmocka_unit_test(test_server_xeon),
		cmocka_unit_test(test_container),
		cmocka_unit_test(test_arm_sbc),
		cmocka_unit_test(test_laptop_intel),
		cmocka_unit_test(test_missing_root),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
