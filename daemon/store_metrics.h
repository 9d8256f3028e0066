/* SPDX-License-Identifier: ISC */
/*
 * store_metrics.h: persisted one-minute metric aggregates.
 */
#ifndef MLXD_STORE_METRICS_H
#define MLXD_STORE_METRICS_H

#include <stdint.h>

#include <jansson.h>

struct store;

/* Insert (or replace) a minute; data is {"<key>":{"min","mean","max"}}. */
int	store_metrics_insert(struct store *st, int64_t t_ns, int n,
	    const json_t *data);

/* Delete minutes that started before cutoff_ns. */
int	store_metrics_prune(struct store *st, int64_t cutoff_ns);

/*
 * Minutes with from_ns <= t < to_ns, averaged into buckets of step_ms, as
 * {"step_ms":..,"points":[{"t":"ISO","<key>":mean,"<key>_min":..,
 * "<key>_max":..}]}. New reference in *jp.
 */
int	store_metrics_query(struct store *st, int64_t from_ns, int64_t to_ns,
	    int64_t step_ms, json_t **jp);

#endif
