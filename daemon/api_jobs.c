/* SPDX-License-Identifier: ISC */
/*
 * api_jobs.c: GET /v1/jobs, GET /v1/jobs/{id} and DELETE /v1/jobs/{id}.
 * The registry (jobs.c) is the loop's; these handlers reach it through
 * http_loop_call().
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "http.h"
#include "jobs.h"
#include "mlxd.h"
#include "router.h"
#include "timeutil.h"

struct jobs_call {
	struct mlxd	*md;
	const char	*id;
	const char	*kind;
	json_t		*out;
	int		 rc;
	int		 ended;		/* the job is no longer running */
	uint64_t	 changes;	/* its emits so far */
	uint64_t	 gen;		/* the registry's change generation */
};

static void
jobs_get_run(void *arg)
{
	struct jobs_call	*c = arg;

	c->out = jobs_get_state(c->md->jobs, c->id, &c->ended, &c->changes,
	    &c->gen);
}

static void
jobs_list_run(void *arg)
{
	struct jobs_call	*c = arg;

	c->out = jobs_list_json(c->md->jobs, c->kind);
}

static void
jobs_cancel_run(void *arg)
{
	struct jobs_call	*c = arg;

	c->rc = jobs_cancel(c->md->jobs, c->id);
	c->out = jobs_get_json(c->md->jobs, c->id);
}

static void
api_jobs_list(struct router_req *req)
{
	struct jobs_call	c = { req->md, NULL, NULL, NULL, 0, 0, 0, 0 };
	int			rc;

	c.kind = router_query(req, "kind");
	if ((rc = http_loop_call(req->md->http, jobs_list_run, &c)) != 0) {
		router_reply_errno(req, rc, "jobs");
		return;
	}
	router_reply_json(req, 200, json_pack("{s:o}", "jobs", c.out));
}

/*
 * GET /v1/jobs/{id}[?wait=S]: with wait, hold the reply until the job
 * changes (progress, a cancel request, its end) or S seconds pass; a job
 * that has already ended answers at once.
 */
static void
api_jobs_get(struct router_req *req)
{
	struct jobs_call	c = { req->md, req->params[0], NULL, NULL, 0,
				    0, 0, 0 };
	struct timespec		deadline, slice;
	uint64_t		changes0;
	int			wait_s, last, rc;

	if (router_query_int(req, "wait", 0, 0, JOBS_WAIT_MAX_S,
	    &wait_s) != 0)
		return;
	if ((rc = http_loop_call(req->md->http, jobs_get_run, &c)) != 0) {
		router_reply_errno(req, rc, "jobs");
		return;
	}
	if (c.out == NULL) {
		router_reply_error(req, 404, "not_found", "no job %s",
		    req->params[0]);
		return;
	}
	changes0 = c.changes;
	timeutil_deadline(&deadline, wait_s * 1000L);
	while (wait_s > 0 && !c.ended && c.changes == changes0) {
		/* Quarter-second slices, so shutdown never waits on a poll. */
		timeutil_deadline(&slice, 250);
		if ((last = slice.tv_sec > deadline.tv_sec || (slice.tv_sec ==
		    deadline.tv_sec && slice.tv_nsec >= deadline.tv_nsec)))
			slice = deadline;
		rc = jobs_wait_change(c.gen, &slice);
		if (http_stopping(req->md->http) || rc == -ECANCELED ||
		    (rc == -ETIMEDOUT && last))
			break;
		json_decref(c.out);
		if ((rc = http_loop_call(req->md->http, jobs_get_run,
		    &c)) != 0) {
			router_reply_errno(req, rc, "jobs");
			return;
		}
		if (c.out == NULL) {
			router_reply_error(req, 404, "not_found", "no job %s",
			    req->params[0]);
			return;
		}
	}
	router_reply_json(req, 200, c.out);
}

static void
api_jobs_cancel(struct router_req *req)
{
	struct jobs_call	c = { req->md, req->params[0], NULL, NULL, 0,
				    0, 0, 0 };
	int			rc;

	if ((rc = http_loop_call(req->md->http, jobs_cancel_run, &c)) != 0) {
		router_reply_errno(req, rc, "jobs");
		return;
	}
	if (c.rc == -ENOENT) {
		router_reply_error(req, 404, "not_found", "no job %s",
		    req->params[0]);
		return;
	}
	if (c.rc == -EALREADY) {
		json_decref(c.out);
		router_reply_error(req, 409, "finished", "job %s has already "
		    "ended", req->params[0]);
		return;
	}
	router_reply_json(req, 202, c.out);
}

const struct route api_jobs_routes[] = {
	{ "GET", "/v1/jobs", api_jobs_list, 0 },
	{ "GET", "/v1/jobs/{id}", api_jobs_get, 0 },
	{ "DELETE", "/v1/jobs/{id}", api_jobs_cancel, 0 },
	{ NULL, NULL, NULL, 0 }
};
