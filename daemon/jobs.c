/* SPDX-License-Identifier: ISC */
/*
 * jobs.c: the job registry. Loop thread only; its routes (/v1/jobs...)
 * live in api_jobs.c and reach it through http_loop_call().
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "jobs.h"
#include "mlxd.h"
#include "timeutil.h"
#include "xmalloc.h"

#define JOBS_KEEP_FINISHED	100
#define JOBS_EMIT_EVERY_NS	250000000LL

/*
 * Long-poll waiters (GET /v1/jobs/{id}?wait=S) sleep on the connection's
 * thread until some job changes: every emit bumps jobs_wait_gen. These live
 * outside struct jobs so that a waiter never touches freed memory when the
 * registry stops before the HTTP server does.
 */
static pthread_mutex_t	jobs_wait_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	jobs_wait_cond = PTHREAD_COND_INITIALIZER;
static uint64_t		jobs_wait_gen;
static int		jobs_wait_closed;

struct job {
	struct jobs	*jobs;
	char		*id;
	char		*kind;
	char		*target;
	const char	*state;
	json_t		*progress;
	json_t		*result;
	char		*error;
	int64_t		 created_ns, finished_ns;
	int64_t		 last_emit_ns;
	uint64_t	 changes;	/* emits so far */
	int		 progress_pending; /* progress not emitted yet */
	int		 cancel_requested;
	void		(*cancel)(void *);
	void		*arg;
	struct job	*next;		/* newest first */
};

struct jobs {
	struct mlxd	*md;
	struct job	*list;
	unsigned long	 seq;
};

static json_t *
job_json(const struct job *job)
{
	json_t	*o;

	o = json_pack("{s:s, s:s, s:s?, s:s, s:b, s:O?, s:O?, s:s?, s:o, s:o}",
	    "id", job->id,
	    "kind", job->kind,
	    "target", job->target,
	    "state", job->state,
	    "cancel_requested", job->cancel_requested,
	    "progress", job->progress,
	    "result", job->result,
	    "error", job->error,
	    "created_at", timeutil_iso_json(job->created_ns),
	    "finished_at", timeutil_iso_json(job->finished_ns));
	if (json_object_get(o, "progress") == NULL)
		json_object_set_new(o, "progress", json_null());
	if (json_object_get(o, "result") == NULL)
		json_object_set_new(o, "result", json_null());
	if (json_object_get(o, "error") == NULL)
		json_object_set_new(o, "error", json_null());
	return o;
}

static void
job_emit(struct job *job)
{
	json_t	*o = job_json(job);

	job->last_emit_ns = timeutil_mono_ns();
	job->changes++;
	job->progress_pending = 0;
	events_emit(job->jobs->md->events, "job", o);
	json_decref(o);
	pthread_mutex_lock(&jobs_wait_mtx);
	jobs_wait_gen++;
	pthread_cond_broadcast(&jobs_wait_cond);
	pthread_mutex_unlock(&jobs_wait_mtx);
}

static void
job_free(struct job *job)
{
	free(job->id);
	free(job->kind);
	free(job->target);
	json_decref(job->progress);
	json_decref(job->result);
	free(job->error);
	free(job);
}

/* Drop the oldest finished jobs beyond the limit. */
static void
jobs_trim(struct jobs *j)
{
	struct job	**jp, *job;
	int		  nfinished = 0;

	for (jp = &j->list; (job = *jp) != NULL;) {
		if (job->finished_ns > 0 && ++nfinished > JOBS_KEEP_FINISHED) {
			*jp = job->next;
			job_free(job);
			continue;
		}
		jp = &job->next;
	}
}

/* Create a running job. */
struct job *
jobs_create(struct jobs *j, const char *kind, const char *target,
    void (*cancel)(void *), void *arg)
{
	struct job	*job;

	job = xcalloc(1, sizeof(*job));
	job->jobs = j;
	job->id = xasprintf("%s-%lu", kind, ++j->seq);
	job->kind = xstrdup(kind);
	job->target = target != NULL ? xstrdup(target) : NULL;
	job->state = JOB_RUNNING;
	job->created_ns = timeutil_now_ns();
	job->cancel = cancel;
	job->arg = arg;
	job->next = j->list;
	j->list = job;
	job_emit(job);
	return job;
}

/* The job's id. */
const char *
job_id(const struct job *job)
{
	return job->id;
}

/*
 * New progress; emitted at most every 250 ms, and only when it differs from
 * what was last emitted, so that long-poll waiters wake for real changes.
 */
void
job_progress(struct job *job, json_t *progress)
{
	if (job->progress == NULL || !json_equal(job->progress, progress))
		job->progress_pending = 1;
	json_decref(job->progress);
	job->progress = progress;
	if (job->progress_pending && (int64_t)timeutil_mono_ns() -
	    job->last_emit_ns >= JOBS_EMIT_EVERY_NS)
		job_emit(job);
}

/* End a job. */
void
job_finish(struct job *job, const char *state, json_t *result,
    const char *error)
{
	job->state = state;
	json_decref(job->result);
	job->result = result;
	free(job->error);
	job->error = error != NULL ? xstrdup(error) : NULL;
	job->finished_ns = timeutil_now_ns();
	job->cancel = NULL;
	job_emit(job);
	jobs_trim(job->jobs);
}

static struct job *
jobs_find(struct jobs *j, const char *id)
{
	struct job	*job;

	for (job = j->list; job != NULL; job = job->next)
		if (strcmp(job->id, id) == 0)
			return job;
	return NULL;
}

/* One job as JSON. */
json_t *
jobs_get_json(struct jobs *j, const char *id)
{
	struct job	*job = jobs_find(j, id);

	return job != NULL ? job_json(job) : NULL;
}

/* Ask a job to cancel. */
int
jobs_cancel(struct jobs *j, const char *id)
{
	struct job	*job = jobs_find(j, id);

	if (job == NULL)
		return -ENOENT;
	if (job->finished_ns > 0)
		return -EALREADY;
	if (!job->cancel_requested) {
		job->cancel_requested = 1;
		job_emit(job);
		if (job->cancel != NULL)
			job->cancel(job->arg);
	}
	return 0;
}

/* All jobs (of kind, if given), newest first. */
json_t *
jobs_list_json(struct jobs *j, const char *kind)
{
	struct job	*job;
	json_t		*a = json_array();

	for (job = j->list; job != NULL; job = job->next)
		if (kind == NULL || strcmp(job->kind, kind) == 0)
			json_array_append_new(a, job_json(job));
	return a;
}

/* Start the registry. */
int
jobs_start(struct mlxd *md, struct jobs **jp)
{
	struct jobs	*j;

	j = xcalloc(1, sizeof(*j));
	j->md = md;
	pthread_mutex_lock(&jobs_wait_mtx);
	jobs_wait_closed = 0;
	pthread_mutex_unlock(&jobs_wait_mtx);
	*jp = j;
	return 0;
}

/* Free every job record. Owners must have stopped their work. */
void
jobs_stop(struct jobs *j)
{
	struct job	*job;

	if (j == NULL)
		return;
	/* Wake every long-poll waiter: it answers with what it has. */
	pthread_mutex_lock(&jobs_wait_mtx);
	jobs_wait_closed = 1;
	jobs_wait_gen++;
	pthread_cond_broadcast(&jobs_wait_cond);
	pthread_mutex_unlock(&jobs_wait_mtx);
	while ((job = j->list) != NULL) {
		j->list = job->next;
		job_free(job);
	}
	free(j);
}

/*
 * The job with id as JSON (new reference; NULL if unknown) with whether it
 * has ended, its emits so far and the registry's change generation at the
 * same moment, for a long poll (loop thread).
 */
json_t *
jobs_get_state(struct jobs *j, const char *id, int *endedp,
    uint64_t *changesp, uint64_t *genp)
{
	struct job	*job;

	if (j == NULL || (job = jobs_find(j, id)) == NULL)
		return NULL;
	*endedp = job->finished_ns > 0;
	*changesp = job->changes;
	pthread_mutex_lock(&jobs_wait_mtx);
	*genp = jobs_wait_gen;
	pthread_mutex_unlock(&jobs_wait_mtx);
	return job_json(job);
}

/*
 * Sleep until some job changed after generation gen, the registry stopped,
 * or the deadline (CLOCK_REALTIME) passed: 0 on a change, -ETIMEDOUT or
 * -ECANCELED (any thread).
 */
int
jobs_wait_change(uint64_t gen, const struct timespec *deadline)
{
	int	rc = 0;

	pthread_mutex_lock(&jobs_wait_mtx);
	while (jobs_wait_gen == gen && !jobs_wait_closed && rc == 0)
		rc = pthread_cond_timedwait(&jobs_wait_cond, &jobs_wait_mtx,
		    deadline);
	if (jobs_wait_closed)
		rc = -ECANCELED;
	else if (jobs_wait_gen != gen)
		rc = 0;
	else
		rc = -ETIMEDOUT;
	pthread_mutex_unlock(&jobs_wait_mtx);
	return rc;
}
