/* SPDX-License-Identifier: ISC */
/*
 * bench.h: the benchmark runner. One run at a time executes the plan of a
 * suite (bench_suite.h) against Ollama, step by step on the loop, storing
 * every sample, test summary and the run's environment (store_bench.h), and
 * reporting progress as a job (jobs.h) and in /v1/status "benchmark".
 */
#ifndef MLXD_BENCH_H
#define MLXD_BENCH_H

#include <jansson.h>

struct mlxd;
struct bench;

int	bench_start(struct mlxd *md, struct bench **bp);

/* Cancel the run in flight (it is stored as cancelled). */
void	bench_stop(struct bench *b);

/*
 * Start a run from a POST /v1/benchmarks body (loop thread). Returns 0
 * with the run id and job id (caller frees), -EBUSY when a run is going,
 * or -EINVAL with *causep (caller frees) for a bad request.
 */
int	bench_run(struct bench *b, const json_t *req, char **idp, char **jobp,
	    char **causep);

/* Cancel run id if it is the active one: 0, or -ENOENT. */
int	bench_cancel(struct bench *b, const char *id);

/* Live progress of run id as JSON (new reference), or NULL if not active. */
json_t	*bench_progress_json(struct bench *b, const char *id);

#endif
