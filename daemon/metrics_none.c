/* SPDX-License-Identifier: ISC */
/*
 * metrics_none.c: the metrics backend for systems without one. Opening it
 * fails with -ENOTSUP; the caller then publishes all-null samples made with
 * metrics_sample_init(), so every field reads null rather than 0.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "metrics.h"

/* There is no backend here. */
int
metrics_backend_open(const char *root, struct metrics_backend **bp)
{
	(void)root;
	(void)bp;
	return -ENOTSUP;
}

/* Never reached with a backend; fills s with nulls all the same. */
int
metrics_backend_sample(struct metrics_backend *b, struct metrics_sample *s)
{
	(void)b;
	metrics_sample_init(s, 0);
	return -ENOTSUP;
}

/* Unknown everything. */
int
metrics_backend_system(struct metrics_backend *b, struct metrics_system *sys)
{
	(void)b;
	memset(sys, 0, sizeof(*sys));
	sys->cpus_logical = sys->cpus_physical = sys->gpu_cores = -1;
	sys->mem_total = METRICS_NULL;
	return -ENOTSUP;
}

/* Nothing to configure. */
void
metrics_backend_set_power_window(struct metrics_backend *b, uint32_t ms)
{
	(void)b;
	(void)ms;
}

/* Nothing to release. */
void
metrics_backend_close(struct metrics_backend *b)
{
	(void)b;
}
