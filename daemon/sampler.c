/* SPDX-License-Identifier: ISC */
/*
 * sampler.c: the metrics timer on the loop.
 *
 * Each tick takes one sample from the OS backend (a few /proc reads on
 * Linux, mach calls on macOS — well under a millisecond), appends it to the
 * in-memory hour, folds it into the open minute, and publishes it. Finished
 * minutes go to SQLite, and minutes older than retention_days are pruned
 * once an hour. Without a backend for this OS every field is null.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "log.h"
#include "metrics.h"
#include "mlxd.h"
#include "mlxd_config.h"
#include "sampler.h"
#include "state.h"
#include "store_metrics.h"
#include "timeutil.h"
#include "xmalloc.h"

#define SAMPLER_PRUNE_EVERY_NS	(3600LL * 1000000000LL)

struct sampler {
	struct mlxd			*md;
	struct metrics_backend		*backend;	/* NULL: no backend */
	struct metrics_history		*history;
	struct metrics_minute_acc	 minute;
	struct metrics_sample		 latest;
	int				 have_latest;
	json_t				*system;
	uv_timer_t			 timer;
	uint32_t			 interval_ms;
	int64_t				 last_prune_ns;
};

static void
sampler_persist(struct sampler *s, const struct metrics_minute *m)
{
	json_t	*j = metrics_minute_json(m);
	int	 rc;

	rc = store_metrics_insert(s->md->store, m->start_ns, (int)m->n,
	    json_object_get(j, "fields"));
	if (rc != 0)
		log_warnx("sampler: cannot store a minute: %s", strerror(-rc));
	json_decref(j);
	if (m->start_ns - s->last_prune_ns > SAMPLER_PRUNE_EVERY_NS) {
		s->last_prune_ns = m->start_ns;
		(void)store_metrics_prune(s->md->store, m->start_ns -
		    s->md->cfg->retention_days * 86400LL * 1000000000LL);
	}
}

static void
sampler_tick(uv_timer_t *t)
{
	struct sampler		*s = t->data;
	struct metrics_sample	 sm;
	struct metrics_minute	 done;
	json_t			*j;
	int			 rc;

	if (s->backend != NULL) {
		if ((rc = metrics_backend_sample(s->backend, &sm)) != 0) {
			log_debug("sampler: sample failed: %s", strerror(-rc));
			metrics_sample_init(&sm, timeutil_now_ns());
		}
	} else
		metrics_sample_init(&sm, timeutil_now_ns());
	metrics_history_push(s->history, &sm);
	if (metrics_minute_add(&s->minute, &sm, &done))
		sampler_persist(s, &done);
	s->latest = sm;
	s->have_latest = 1;
	j = metrics_sample_json(&sm);
	events_emit(s->md->events, "metrics", j);
	state_publish(STATE_SYSTEM, j);
}

/* Open the backend, describe the machine and start the timer. */
int
sampler_start(struct mlxd *md, struct sampler **sp)
{
	struct sampler		*s;
	struct metrics_system	 sys;
	int			 rc;

	s = xcalloc(1, sizeof(*s));
	s->md = md;
	s->interval_ms = (uint32_t)md->cfg->metrics_interval_ms;
	if ((rc = metrics_backend_open("/", &s->backend)) != 0) {
		if (rc != -ENOTSUP)
			log_warnx("sampler: no system metrics: %s",
			    strerror(-rc));
		s->backend = NULL;
	}
	memset(&sys, 0, sizeof(sys));
	if (s->backend != NULL && metrics_backend_system(s->backend, &sys) ==
	    0)
		s->system = metrics_system_json(&sys);
	else
		s->system = json_object();
	s->history = metrics_history_new(s->interval_ms);
	metrics_minute_init(&s->minute);
	s->last_prune_ns = 0;
	uv_timer_init(md->loop, &s->timer);
	s->timer.data = s;
	/* The first sample right away (it has no deltas), then each interval. */
	uv_timer_start(&s->timer, sampler_tick, 0, s->interval_ms);
	*sp = s;
	return 0;
}

static void
sampler_closed(uv_handle_t *h)
{
	struct sampler	*s = h->data;

	metrics_backend_close(s->backend);
	metrics_history_free(s->history);
	json_decref(s->system);
	free(s);
}

/* Persist the open minute and free the sampler once its timer closes. */
void
sampler_stop(struct sampler *s)
{
	struct metrics_minute	done;

	if (s == NULL)
		return;
	if (metrics_minute_flush(&s->minute, &done))
		sampler_persist(s, &done);
	uv_close((uv_handle_t *)&s->timer, sampler_closed);
}

/* The machine description. */
json_t *
sampler_system_json(const struct sampler *s)
{
	return json_incref(s->system);
}

/* History from the ring (≤ 1 h) or from stored minutes. */
int
sampler_history(struct sampler *s, int64_t window_ms, int64_t step_ms,
    json_t **jp)
{
	int64_t	now = timeutil_now_ns();

	if (window_ms <= 0 || step_ms < 0)
		return -EINVAL;
	if (window_ms <= 3600000LL)
		return metrics_history_query(s->history, now, window_ms,
		    step_ms, jp);
	return store_metrics_query(s->md->store, now - window_ms * 1000000LL,
	    now, step_ms, jp);
}

/* Prometheus text of the latest sample. */
void
sampler_prom(struct sampler *s, struct metrics_buf *b)
{
	if (s->have_latest)
		metrics_prom_append(&s->latest, b);
}

/* Memory in use now, or -1. */
double
sampler_mem_used(const struct sampler *s)
{
	if (!s->have_latest || metrics_isnull(s->latest.mem_used))
		return -1;
	return s->latest.mem_used;
}
