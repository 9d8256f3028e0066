/* SPDX-License-Identifier: ISC */
/*
 * sampler.h: runs the metrics backend on the loop every metrics.interval_ms,
 * keeps the hour of history, persists one-minute aggregates and publishes
 * the latest sample (state section SYSTEM, `metrics` events).
 */
#ifndef MLXD_SAMPLER_H
#define MLXD_SAMPLER_H

#include <stdint.h>

#include <jansson.h>

struct mlxd;
struct sampler;
struct metrics_buf;

int	sampler_start(struct mlxd *md, struct sampler **sp);
void	sampler_stop(struct sampler *s);

/* The machine description (immutable after start; any thread). */
json_t	*sampler_system_json(const struct sampler *s);

/* Loop thread: history for window/step (ring up to an hour, else SQLite). */
int	sampler_history(struct sampler *s, int64_t window_ms, int64_t step_ms,
	    json_t **jp);

/* Loop thread: Prometheus text of the latest sample. */
void	sampler_prom(struct sampler *s, struct metrics_buf *b);

/* Loop thread: memory in use now (bytes), or -1 if unknown. */
double	sampler_mem_used(const struct sampler *s);

#endif
