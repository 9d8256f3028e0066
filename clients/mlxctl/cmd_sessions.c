/* SPDX-License-Identifier: ISC */
/*
 * cmd_sessions.c: `mlxctl sessions`, the generations mlxd has proxied.
 *
 * One row per stored session, newest first, with Ollama's counters as the
 * daemon stored them (prompt and generated tokens and their rates) and the
 * time to first token the daemon measured. --since takes an RFC 3339 time
 * or a span back from now ("30m", "2h", "7d").
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mlxd/mlxd.h>

#include "mlxctl.h"
#include "output.h"

/* "30m", "2h", "7d", "1w" (or "45s") in ms, or -1. */
static int64_t
cmd_sessions_span(const char *s)
{
	char		*end;
	long long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (end[0] == '\0' || end[1] != '\0' || v < 0 || v > 100000)
		return -1;
	switch (*end) {
	case 's':
		return v * 1000;
	case 'm':
		return v * 60000;
	case 'h':
		return v * 3600000;
	case 'd':
		return v * 86400000;
	case 'w':
		return v * 7 * 86400000;
	default:
		return -1;
	}
}

/* --since as the RFC 3339 text the API takes, in buf; -1 if unreadable. */
static int
cmd_sessions_since(const char *s, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 t;
	int64_t		 ms, span;

	if (mlxd_time_parse(s, &ms) == 0) {
		snprintf(buf, len, "%s", s);
		return 0;
	}
	if ((span = cmd_sessions_span(s)) < 0)
		return -1;
	ms = output_now_ms() - span;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return 0;
}

static void
cmd_sessions_rate(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", v);
}

static void
cmd_sessions_count(char *buf, size_t len, int64_t v)
{
	if (v == MLXD_NULL_INT64)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", (long long)v);
}

/* The last part of the route: "generate", "chat". */
static const char *
cmd_sessions_route(const char *route)
{
	const char	*slash;

	if (route == NULL)
		return NULL;
	return (slash = strrchr(route, '/')) != NULL ? slash + 1 : route;
}

static void
cmd_sessions_table(const struct mlxd_sessions *ss, int64_t now)
{
	static const char *const	 hdr[] = {
		"STARTED", "MODEL", "ROUTE", "KIND", "CLIENT", "PROMPT",
		"PROMPT T/S", "TOKENS", "T/S", "TTFT", "END"
	};
	const struct mlxd_session	*s;
	struct output_table		*t;
	char				 when[OUTPUT_CELL_LEN];
	char				 pc[OUTPUT_CELL_LEN], pr[OUTPUT_CELL_LEN];
	char				 ec[OUTPUT_CELL_LEN], er[OUTPUT_CELL_LEN];
	char				 ttft[OUTPUT_CELL_LEN], end[256];
	char				 kind[OUTPUT_CELL_LEN];
	const char			*cells[11];
	size_t				 i;

	t = output_table_new(11, hdr);
	for (i = 0; i < ss->nsessions; i++) {
		s = &ss->sessions[i];
		output_reltime(when, sizeof when, s->start_at_ms, now);
		cmd_sessions_count(pc, sizeof pc, s->prompt_eval_count);
		cmd_sessions_rate(pr, sizeof pr, s->prompt_tps);
		cmd_sessions_count(ec, sizeof ec, s->eval_count);
		cmd_sessions_rate(er, sizeof er, s->gen_tps);
		if (s->ttft_ns == MLXD_NULL_INT64)
			snprintf(ttft, sizeof ttft, "-");
		else if (s->ttft_ns < 10000000)
			snprintf(ttft, sizeof ttft, "%.1f ms",
			    (double)s->ttft_ns / 1e6);
		else
			snprintf(ttft, sizeof ttft, "%.0f ms",
			    (double)s->ttft_ns / 1e6);
		if (s->error != NULL)
			snprintf(end, sizeof end, "error: %.200s", s->error);
		else
			snprintf(end, sizeof end, "%s", s->done_reason != NULL ?
			    s->done_reason : "-");
		/* An embedding call says how many inputs it had. */
		if (s->kind != NULL && s->input_count != MLXD_NULL_INT64 &&
		    s->input_count >= 0)
			snprintf(kind, sizeof kind, "%s (%lld)", s->kind,
			    (long long)s->input_count);
		else
			snprintf(kind, sizeof kind, "%s", s->kind != NULL ?
			    s->kind : "-");
		cells[0] = when;
		cells[1] = s->model;
		cells[2] = cmd_sessions_route(s->route);
		cells[3] = kind;
		cells[4] = s->user_agent;
		cells[5] = pc;
		cells[6] = pr;
		cells[7] = ec;
		cells[8] = er;
		cells[9] = ttft;
		cells[10] = end;
		output_table_add(t, cells);
	}
	output_table_print(t, stdout);
	output_table_free(t);
}

static int
cmd_sessions_exec(struct mlxctl *m, int argc, char **argv)
{
	const char		*model = NULL, *since = NULL, *limit_s = NULL;
	bool			 json = false;
	const struct cmd_run_opt opts[] = {
		{ "model", 'm', true, &model, NULL, NULL, NULL },
		{ "since", 0, true, &since, NULL, NULL, NULL },
		{ "limit", 'n', true, &limit_s, NULL, NULL, NULL },
		{ "json", 'j', false, NULL, &json, NULL, NULL },
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	struct mlxd_sessions	*ss = NULL;
	char			**pos, sincebuf[64];
	long long		 limit = 0;
	int			 npos = 0, rc, ret;

	if ((pos = calloc((size_t)argc + 1, sizeof *pos)) == NULL)
		output_oom();
	if ((ret = cmd_run_args(&cmd_sessions_entry, opts, argc, argv, pos,
	    &npos)) != MLXCTL_EXIT_OK)
		goto out;
	if (npos != 0) {
		fprintf(stderr, "mlxctl sessions: unexpected argument: %s\n",
		    pos[0]);
		ret = mlxctl_usage_error(&cmd_sessions_entry);
		goto out;
	}
	if (limit_s != NULL && (ret = cmd_run_number(&cmd_sessions_entry,
	    "--limit", limit_s, 1, 10000, &limit)) != MLXCTL_EXIT_OK)
		goto out;
	if (since != NULL && cmd_sessions_since(since, sincebuf,
	    sizeof sincebuf) != 0) {
		fprintf(stderr, "mlxctl sessions: --since takes an RFC 3339 "
		    "time (2026-05-02T08:00:00Z) or a span (30m, 2h, 7d), "
		    "not '%s'\n", since);
		ret = mlxctl_usage_error(&cmd_sessions_entry);
		goto out;
	}
	if ((rc = mlxd_sessions(m->client, model, since != NULL ? sincebuf :
	    NULL, (int)limit, &ss)) != 0) {
		ret = mlxctl_fail(m, rc);
		goto out;
	}
	if (json || m->json)
		output_json_pretty(stdout, ss->raw_json, strlen(ss->raw_json));
	else if (ss->nsessions == 0)
		printf("No sessions.\n");
	else
		cmd_sessions_table(ss, output_now_ms());
	mlxd_sessions_free(ss);
	ret = MLXCTL_EXIT_OK;
out:
	free(pos);
	return ret;
}

const struct cmd_entry cmd_sessions_entry = {
	.name = "sessions",
	.alias = NULL,
	.usage = "[--model M] [--since TIME|30m|2h|7d] [--limit N] [--json]",
	.help = "generations mlxd has proxied, newest first",
	.exec = cmd_sessions_exec,
};
