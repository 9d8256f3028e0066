/* SPDX-License-Identifier: ISC */
/*
 * metrics_cost.c: what one system sample costs, and what an hour of history
 * takes in memory.
 *
 *   metrics_cost [N]
 *
 * Takes N samples (default 2000) with the real backend on "/" and prints
 * the CPU time per sample (getrusage: user + system), then fills a history
 * ring with one hour of 1 Hz samples and prints how much resident memory
 * that added. Used by tests/bench/run.py; prints figures, asserts nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "metrics.h"
#include "timeutil.h"

static double
cpu_s(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static long
rss_kb(void)
{
	FILE	*fp = fopen("/proc/self/statm", "r");
	long	 size = 0, res = 0;

	if (fp == NULL)
		return -1;
	if (fscanf(fp, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(fp);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

int
main(int argc, char **argv)
{
	struct metrics_backend	*b = NULL;
	struct metrics_history	*h;
	struct metrics_sample	 s;
	double			 c0, c1;
	long			 r0, r1;
	int			 i, n = argc > 1 ? atoi(argv[1]) : 2000;

	if (metrics_backend_open("/", &b) != 0) {
		printf("metrics_cost: no metrics backend on this OS\n");
		return 0;
	}
	(void)metrics_backend_sample(b, &s);
	c0 = cpu_s();
	for (i = 0; i < n; i++)
		(void)metrics_backend_sample(b, &s);
	c1 = cpu_s();
	metrics_backend_close(b);
	printf("sample_cpu_us %.1f samples %d\n", (c1 - c0) / n * 1e6, n);

	r0 = rss_kb();
	h = metrics_history_new(1000);
	for (i = 0; i < 3600; i++) {
		metrics_sample_init(&s, timeutil_now_ns() + i * 1000000000LL);
		s.mem_used = 1e9 + i;
		s.cpu_pct = (float)(i % 100);
		metrics_history_push(h, &s);
	}
	r1 = rss_kb();
	printf("history_hour_kb %ld capacity %zu sample_bytes %zu\n", r1 - r0,
	    metrics_history_capacity(h), metrics_history_sample_bytes());
	metrics_history_free(h);
	return 0;
}
