/* SPDX-License-Identifier: ISC */
/*
 * jobs.h: long-running work (benchmarks, downloads, scans, dedup) as jobs.
 *
 * A route that starts long work answers 202 with the job's id; the job's
 * state and progress are readable at GET /v1/jobs/{id} (with ?wait=S the
 * reply waits for the job's next change or end, up to 60 s) and arrive as
 * `job` events on /v1/events; DELETE /v1/jobs/{id} asks it to cancel. Everything
 * here runs on the loop thread. Finished jobs are kept (the last 100) so a
 * client that polls late still sees the outcome.
 */
#ifndef MLXD_JOBS_H
#define MLXD_JOBS_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

struct mlxd;
struct jobs;
struct job;

#define JOB_RUNNING	"running"
#define JOB_DONE	"done"
#define JOB_FAILED	"failed"
#define JOB_CANCELLED	"cancelled"

int	jobs_start(struct mlxd *md, struct jobs **jp);
void	jobs_stop(struct jobs *j);

/*
 * A new running job of kind ("benchmark", "cache.add", ...) about target
 * (e.g. a model name). cancel(arg) is called at most once when a client
 * asks to cancel; the job then still ends through job_finish().
 */
struct job *jobs_create(struct jobs *j, const char *kind, const char *target,
	    void (*cancel)(void *), void *arg);

/* The job's id, e.g. "benchmark-7"; lives as long as the job. */
const char *job_id(const struct job *job);

/* Replace the progress object (steals it); emitted at most 4 times/s. */
void	job_progress(struct job *job, json_t *progress);

/*
 * End the job: state JOB_DONE, JOB_FAILED or JOB_CANCELLED, an optional
 * result (stolen) and error text. The job pointer stays valid (kept for
 * GET) but must not be used by its owner afterwards.
 */
void	job_finish(struct job *job, const char *state, json_t *result,
	    const char *error);

/* The job with id as JSON (new reference), or NULL. */
json_t	*jobs_get_json(struct jobs *j, const char *id);

/* Ask job id to cancel: 0, -ENOENT, or -EALREADY if it has ended. */
int	jobs_cancel(struct jobs *j, const char *id);

/* The longest ?wait=S of GET /v1/jobs/{id}, in seconds. */
#define JOBS_WAIT_MAX_S	60

/*
 * The job with id as JSON (new reference; NULL if unknown), whether it has
 * ended, its emits so far and the registry's change generation at the same
 * moment (loop thread).
 */
json_t	*jobs_get_state(struct jobs *j, const char *id, int *endedp,
	    uint64_t *changesp, uint64_t *genp);

/*
 * Sleep until some job changed after generation gen, the registry stopped,
 * or deadline (CLOCK_REALTIME) passed: 0 on a change, -ETIMEDOUT or
 * -ECANCELED (any thread).
 */
int	 jobs_wait_change(uint64_t gen, const struct timespec *deadline);

/* All jobs, newest first, as a JSON array (new reference). */
json_t	*jobs_list_json(struct jobs *j, const char *kind);

#endif
