/* SPDX-License-Identifier: ISC */
/*
 * cmd_bench.c: `mlxctl bench`: run a benchmark and follow it, list, show,
 * export, compare, cancel and delete stored runs.
 *
 * The daemon does the measuring; this file starts a run, polls its
 * progress (GET /v1/benchmarks/{id}) to draw a bar with an ETA on a
 * terminal or print one line per step otherwise, cancels the run on
 * Ctrl-C, and prints the result as a llama-bench-style table. `bench
 * compare` exits CMD_BENCH_EXIT_REGRESSION (3) when the candidate
 * regressed, so CI scripts can gate on it.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mlxd/mlxd.h>

#include "mlxctl.h"
#include "output.h"

/* How often a running benchmark is polled, in ms. */
#define CMD_BENCH_POLL_MS	250
#define CMD_BENCH_WAIT_S	10	/* one long poll on the run's job */
/* How long to wait for a cancelled run to end, in polls. */
#define CMD_BENCH_CANCEL_POLLS	40
/* Width of the progress bar, in cells. */
#define CMD_BENCH_BAR		30
/* Exit status after Ctrl-C, as a shell reports SIGINT. */
#define CMD_BENCH_EXIT_INTERRUPTED	130

/* A markdown table whose columns are padded like llama-bench's. */
struct cmd_bench_md {
	size_t	  ncols;
	size_t	  nrows;
	size_t	  cap;
	char	**cells;	/* nrows * ncols; row 0 is the header */
	bool	 *right;	/* ncols: right-aligned */
};

static volatile sig_atomic_t	 cmd_bench_signalled;
static struct mlxd_client	*cmd_bench_client;	/* woken by signals */

static const char *const	 cmd_bench_suites[] = {
	"quick", "standard", "long", "cold", "custom", NULL
};

static void
cmd_bench_on_signal(int sig)
{
	(void)sig;
	cmd_bench_signalled = 1;
	mlxd_client_interrupt(cmd_bench_client);
}

static char *
cmd_bench_strdup(const char *s)
{
	char	*d;

	if ((d = strdup(s != NULL && *s != '\0' ? s : "-")) == NULL)
		output_oom();
	return d;
}

static struct cmd_bench_md *
cmd_bench_md_new(size_t ncols, const bool *right)
{
	struct cmd_bench_md	*t;
	size_t			 i;

	if ((t = calloc(1, sizeof *t)) == NULL ||
	    (t->right = calloc(ncols, sizeof *t->right)) == NULL)
		output_oom();
	t->ncols = ncols;
	for (i = 0; i < ncols; i++)
		t->right[i] = right[i];
	return t;
}

static void
cmd_bench_md_add(struct cmd_bench_md *t, const char *const *cells)
{
	char	**nc;
	size_t	  i, ncap;

	if (t->nrows == t->cap) {
		ncap = t->cap == 0 ? 8 : t->cap * 2;
		if ((nc = realloc(t->cells, ncap * t->ncols * sizeof *nc)) ==
		    NULL)
			output_oom();
		t->cells = nc;
		t->cap = ncap;
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = cmd_bench_strdup(cells[i]);
	t->nrows++;
}

static void
cmd_bench_md_cell(FILE *f, const char *s, size_t width, bool right)
{
	size_t	 pad = width - output_width(s);

	fputs("| ", f);
	if (right)
		fprintf(f, "%*s%s ", (int)pad, "", s);
	else
		fprintf(f, "%s%*s ", s, (int)pad, "");
}

/* Print the table: header, the ---/---: line, rows. */
static void
cmd_bench_md_print(const struct cmd_bench_md *t, FILE *f)
{
	size_t	*width, r, i, w;

	if ((width = calloc(t->ncols, sizeof *width)) == NULL)
		output_oom();
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			w = output_width(t->cells[r * t->ncols + i]);
			if (w > width[i])
				width[i] = w;
		}
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++)
			cmd_bench_md_cell(f, t->cells[r * t->ncols + i],
			    width[i], t->right[i]);
		fputs("|\n", f);
		if (r != 0)
			continue;
		for (i = 0; i < t->ncols; i++) {
			fputs("| ", f);
			for (w = 0; w < width[i] - (t->right[i] ? 1 : 0); w++)
				fputc('-', f);
			fputs(t->right[i] ? ": " : " ", f);
		}
		fputs("|\n", f);
	}
	free(width);
}

static void
cmd_bench_md_free(struct cmd_bench_md *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->right);
	free(t);
}

/* "50.00 ± 0.79", "50.00" without an sd, "-" without a mean. */
static void
cmd_bench_stat(char *buf, size_t len, const struct mlxd_bench_stat *st)
{
	if (st == NULL || isnan(st->mean))
		snprintf(buf, len, "-");
	else if (isnan(st->sd))
		snprintf(buf, len, "%.2f", st->mean);
	else
		snprintf(buf, len, "%.2f \xc2\xb1 %.2f", st->mean, st->sd);
}

static void
cmd_bench_mean(char *buf, size_t len, const struct mlxd_bench_stat *st,
    const char *fmt)
{
	if (isnan(st->mean))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, st->mean);
}

/* llama-bench's table: | model | size | params | backend | test | t/s |. */
static void
cmd_bench_print_table(FILE *f, const struct mlxd_bench_run *run)
{
	static const char *const	 hdr[] = {
		"model", "size", "params", "backend", "test", "t/s"
	};
	static const bool		 right[] = {
		false, true, true, false, true, true
	};
	struct cmd_bench_md		*t;
	char				 model[256], size[32], params[32];
	char				 backend[32], ts[64];
	const char			*cells[6];
	double				 share;
	size_t				 i;

	if (run->quantization != NULL && run->model != NULL &&
	    strstr(run->model, run->quantization) == NULL)
		snprintf(model, sizeof model, "%s %s", run->model,
		    run->quantization);
	else
		snprintf(model, sizeof model, "%s", run->model != NULL ?
		    run->model : "-");
	if (run->model_size_bytes != MLXD_NULL_INT64)
		snprintf(size, sizeof size, "%.2f GiB",
		    (double)run->model_size_bytes / 1073741824.0);
	else
		snprintf(size, sizeof size, "-");
	if (run->n_params != MLXD_NULL_INT64)
		snprintf(params, sizeof params, "%.2f B",
		    (double)run->n_params / 1e9);
	else
		snprintf(params, sizeof params, "%s",
		    run->parameter_size != NULL ? run->parameter_size : "-");
	/* Where the weights were, as the daemon's exports say it. */
	snprintf(backend, sizeof backend, "Ollama");
	if (run->ps_size_bytes != MLXD_NULL_INT64 &&
	    run->ps_vram_bytes != MLXD_NULL_INT64 && run->ps_size_bytes > 0 &&
	    run->ps_vram_bytes <= run->ps_size_bytes) {
		share = (double)run->ps_vram_bytes /
		    (double)run->ps_size_bytes * 100;
		if (run->ps_vram_bytes == run->ps_size_bytes)
			snprintf(backend, sizeof backend, "Ollama GPU");
		else if (run->ps_vram_bytes == 0)
			snprintf(backend, sizeof backend, "Ollama CPU");
		else
			snprintf(backend, sizeof backend, "Ollama %.0f%% GPU",
			    share);
	}

	t = cmd_bench_md_new(6, right);
	cmd_bench_md_add(t, hdr);
	for (i = 0; i < run->ntests; i++) {
		cmd_bench_stat(ts, sizeof ts, run->tests[i].headline);
		cells[0] = model;
		cells[1] = size;
		cells[2] = params;
		cells[3] = backend;
		cells[4] = run->tests[i].name;
		cells[5] = ts;
		cmd_bench_md_add(t, cells);
	}
	cmd_bench_md_print(t, f);
	cmd_bench_md_free(t);
}

/* Samples the statistics left out, so nobody misses them. */
static void
cmd_bench_print_notes(FILE *f, const struct mlxd_bench_run *run)
{
	const struct mlxd_bench_test	*t;
	size_t				 i;

	for (i = 0; i < run->ntests; i++) {
		t = &run->tests[i];
		if ((t->n_flagged == MLXD_NULL_INT64 || t->n_flagged == 0) &&
		    (t->n_errors == MLXD_NULL_INT64 || t->n_errors == 0))
			continue;
		fprintf(f, "%s: %lld flagged and %lld failed sample(s) "
		    "left out\n", t->name != NULL ? t->name : "?",
		    t->n_flagged == MLXD_NULL_INT64 ? 0LL :
		    (long long)t->n_flagged,
		    t->n_errors == MLXD_NULL_INT64 ? 0LL :
		    (long long)t->n_errors);
	}
}

static bool
cmd_bench_is_suite(const char *s)
{
	size_t	 i;

	for (i = 0; cmd_bench_suites[i] != NULL; i++)
		if (strcmp(cmd_bench_suites[i], s) == 0)
			return true;
	return false;
}

/* The one loaded model, for `bench` without MODEL; NULL after a message. */
static char *
cmd_bench_default_model(struct mlxctl *m, int *retp)
{
	struct mlxd_running	*run = NULL;
	char			*name = NULL;
	size_t			 i;
	int			 rc;

	if ((rc = mlxd_running(m->client, &run)) != 0) {
		*retp = mlxctl_fail(m, rc);
		return NULL;
	}
	if (run->nmodels == 1 && run->models[0].name != NULL)
		name = cmd_bench_strdup(run->models[0].name);
	else if (run->nmodels == 0)
		fprintf(stderr, "mlxctl bench: no model is loaded; name the "
		    "model to benchmark\n");
	else {
		fprintf(stderr, "mlxctl bench: %zu models are loaded (",
		    run->nmodels);
		for (i = 0; i < run->nmodels; i++)
			fprintf(stderr, "%s%s", i > 0 ? ", " : "",
			    run->models[i].name != NULL ?
			    run->models[i].name : "?");
		fprintf(stderr, "); name the one to benchmark\n");
	}
	mlxd_running_free(run);
	if (name == NULL)
		*retp = mlxctl_usage_error(&cmd_bench_entry);
	return name;
}

static void
cmd_bench_sleep_ms(long ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	/* A signal cuts the nap short, which is what Ctrl-C wants. */
	nanosleep(&ts, NULL);
}

static void
cmd_bench_eta(char *buf, size_t len, double s)
{
	long	 v;

	if (isnan(s) || s < 0) {
		snprintf(buf, len, "--:--");
		return;
	}
	v = (long)(s + 0.5);
	if (v >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", v / 3600, v / 60 % 60,
		    v % 60);
	else
		snprintf(buf, len, "%ld:%02ld", v / 60, v % 60);
}

/* Redraw the bar on the terminal: [#####.....]  45%  step  ETA 0:12. */
static void
cmd_bench_bar(const struct mlxd_bench_progress *p, bool color)
{
	char	 eta[32];
	double	 pct = p != NULL && !isnan(p->percent) ? p->percent : 0;
	int	 i, fill;

	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	fill = (int)(pct / 100 * CMD_BENCH_BAR + 0.5);
	cmd_bench_eta(eta, sizeof eta, p != NULL ? p->eta_s : NAN);
	fputs("\r[", stderr);
	if (color && fill > 0)
		fputs("\033[32m", stderr);
	for (i = 0; i < fill; i++)
		fputc('#', stderr);
	if (color && fill > 0)
		fputs("\033[0m", stderr);
	for (; i < CMD_BENCH_BAR; i++)
		fputc('.', stderr);
	fprintf(stderr, "] %3.0f%%  %s  ETA %s\033[K", pct,
	    p != NULL && p->step != NULL ? p->step : "starting", eta);
	fflush(stderr);
}

/*
 * Wait for the run's next change: a long poll on its job, which the daemon
 * answers at once when the job moves or ends (a signal cuts it short); a
 * nap when there is no job to wait on.
 */
static void
cmd_bench_next(struct mlxctl *m, const struct mlxd_bench_run *run)
{
	struct mlxd_cache_job	*j = NULL;
	int			 rc;

	if (run->progress == NULL || run->progress->job == NULL ||
	    cmd_bench_signalled) {
		cmd_bench_sleep_ms(CMD_BENCH_POLL_MS);
		return;
	}
	cmd_bench_client = m->client;
	rc = mlxd_cache_job_next(m->client, run->progress->job,
	    CMD_BENCH_WAIT_S, &j);
	cmd_bench_client = NULL;
	mlxd_cache_job_free(j);
	if (rc != 0 && rc != -EINTR)
		cmd_bench_sleep_ms(CMD_BENCH_POLL_MS);
}

/*
 * Follow run id until it ends, showing progress on stderr; cancel it on
 * Ctrl-C. The final run goes to *runp. Returns 0, or an SDK error.
 */
static int
cmd_bench_follow(struct mlxctl *m, const char *id, bool *cancelledp,
    struct mlxd_bench_run **runp)
{
	struct mlxd_bench_run	*run = NULL;
	char			 last[256], eta[32];
	bool			 tty, color, drawn = false;
	int			 rc, polls = 0;

	tty = isatty(STDERR_FILENO);
	color = tty && *output_style(OUTPUT_GREEN) != '\0';
	last[0] = '\0';
	*cancelledp = false;
	for (;;) {
		if (cmd_bench_signalled && !*cancelledp) {
			*cancelledp = true;
			if (drawn)
				fputs("\r\033[K", stderr);
			drawn = false;
			fprintf(stderr, "mlxctl bench: cancelling %s\n", id);
			rc = mlxd_bench_cancel(m->client, id);
			if (rc != 0 && rc != -EALREADY) {
				mlxd_bench_run_free(run);
				return rc;
			}
		}
		mlxd_bench_run_free(run);
		run = NULL;
		if ((rc = mlxd_bench_get(m->client, id, &run)) != 0)
			break;
		if (mlxd_bench_finished(run))
			break;
		if (*cancelledp && ++polls > CMD_BENCH_CANCEL_POLLS)
			break;
		if (tty && !*cancelledp) {
			cmd_bench_bar(run->progress, color);
			drawn = true;
		} else if (!tty && run->progress != NULL &&
		    run->progress->step != NULL &&
		    strcmp(run->progress->step, last) != 0) {
			snprintf(last, sizeof last, "%s", run->progress->step);
			cmd_bench_eta(eta, sizeof eta, run->progress->eta_s);
			fprintf(stderr, "bench %s: %s (%.0f%%, ETA %s)\n",
			    run->model != NULL ? run->model : "?", last,
			    isnan(run->progress->percent) ? 0.0 :
			    run->progress->percent, eta);
		}
		cmd_bench_next(m, run);
	}
	if (drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	if (rc != 0) {
		mlxd_bench_run_free(run);
		return rc;
	}
	*runp = run;
	return 0;
}

/* An optional integer option into *vp; NULL leaves *vp alone. */
static int
cmd_bench_opt_int(const char *opt, const char *s, long long min,
    long long max, int64_t *vp)
{
	long long	 v;
	int		 ret;

	if (s == NULL)
		return MLXCTL_EXIT_OK;
	if ((ret = cmd_run_number(&cmd_bench_entry, opt, s, min, max, &v)) !=
	    MLXCTL_EXIT_OK)
		return ret;
	*vp = (int64_t)v;
	return MLXCTL_EXIT_OK;
}

static int
cmd_bench_run(struct mlxctl *m, int argc, char **argv)
{
	const char		*suite = NULL, *reps = NULL, *warmup = NULL;
	const char		*np = NULL, *ctx = NULL, *seed = NULL;
	const char		**prompts;
	size_t			 nprompts = 0;
	bool			 json = false, detach = false, cancelled;
	struct mlxd_bench_request req;
	struct mlxd_bench_run	*run = NULL;
	struct sigaction	 sa, old_int, old_term;
	char			**pos, *model = NULL, *id = NULL;
	int			 npos = 0, rc, ret;

	if ((pos = calloc((size_t)argc + 1, sizeof *pos)) == NULL ||
	    (prompts = calloc((size_t)argc + 1, sizeof *prompts)) == NULL)
		output_oom();
	{
		const struct cmd_run_opt opts[] = {
			{ "suite", 's', true, &suite, NULL, NULL, NULL },
			{ "reps", 'r', true, &reps, NULL, NULL, NULL },
			{ "repetitions", 0, true, &reps, NULL, NULL, NULL },
			{ "warmup", 'w', true, &warmup, NULL, NULL, NULL },
			{ "num-predict", 'n', true, &np, NULL, NULL, NULL },
			{ "num-ctx", 'c', true, &ctx, NULL, NULL, NULL },
			{ "seed", 0, true, &seed, NULL, NULL, NULL },
			{ "prompt", 'p', true, NULL, NULL, prompts,
			    &nprompts },
			{ "detach", 'd', false, NULL, &detach, NULL, NULL },
			{ "json", 'j', false, NULL, &json, NULL, NULL },
			{ NULL, 0, false, NULL, NULL, NULL, NULL },
		};

		if ((ret = cmd_run_args(&cmd_bench_entry, opts, argc, argv,
		    pos, &npos)) != MLXCTL_EXIT_OK)
			goto out;
	}
	json = json || m->json;
	mlxd_bench_request_init(&req);
	ret = MLXCTL_EXIT_USAGE;
	if (npos > 1) {
		fprintf(stderr, "mlxctl bench: unexpected argument: %s\n",
		    pos[1]);
		mlxctl_usage_error(&cmd_bench_entry);
		goto out;
	}
	if (suite != NULL && !cmd_bench_is_suite(suite)) {
		fprintf(stderr, "mlxctl bench: unknown suite '%s' (quick, "
		    "standard, long, cold or custom)\n", suite);
		mlxctl_usage_error(&cmd_bench_entry);
		goto out;
	}
	if ((ret = cmd_bench_opt_int("--reps", reps, 1, 1000,
	    &req.repetitions)) != MLXCTL_EXIT_OK ||
	    (ret = cmd_bench_opt_int("--warmup", warmup, 0, 100,
	    &req.warmup)) != MLXCTL_EXIT_OK ||
	    (ret = cmd_bench_opt_int("--num-predict", np, 1, 65536,
	    &req.num_predict)) != MLXCTL_EXIT_OK ||
	    (ret = cmd_bench_opt_int("--num-ctx", ctx, 256, 1048576,
	    &req.num_ctx)) != MLXCTL_EXIT_OK ||
	    (ret = cmd_bench_opt_int("--seed", seed, -2147483648LL,
	    2147483647LL, &req.seed)) != MLXCTL_EXIT_OK)
		goto out;
	if (npos == 1)
		model = cmd_bench_strdup(pos[0]);
	else if ((model = cmd_bench_default_model(m, &ret)) == NULL)
		goto out;
	req.model = model;
	req.suite = suite;
	req.prompts = prompts;
	req.nprompts = nprompts;

	/* Ctrl-C cancels the run rather than leaving it running. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cmd_bench_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if ((rc = mlxd_bench_start(m->client, &req, &id)) != 0) {
		ret = mlxctl_fail(m, rc);
		if (rc == MLXD_EAPI && mlxd_client_last_status(m->client) ==
		    409)
			fprintf(stderr, "(see `mlxctl bench list`; `mlxctl "
			    "bench cancel ID` stops a run)\n");
		goto restore;
	}
	if (detach) {
		printf("%s\n", id);
		ret = MLXCTL_EXIT_OK;
		goto restore;
	}
	if (!json)
		fprintf(stderr, "benchmark %s: %s, suite %s\n", id, model,
		    suite != NULL ? suite : nprompts > 0 ? "custom" : "quick");
	if ((rc = cmd_bench_follow(m, id, &cancelled, &run)) != 0) {
		ret = mlxctl_fail(m, rc);
		goto restore;
	}
	if (json)
		output_json_pretty(stdout, run->raw_json,
		    strlen(run->raw_json));
	else if (run->ntests > 0) {
		cmd_bench_print_table(stdout, run);
		printf("\n");
		cmd_bench_print_notes(stdout, run);
	}
	if (!json)
		printf("run %s (%s)\n", id, run->state != NULL ? run->state :
		    "?");
	if (cancelled)
		ret = CMD_BENCH_EXIT_INTERRUPTED;
	else if (run->state == NULL || strcmp(run->state, "done") != 0) {
		fprintf(stderr, "mlxctl: benchmark %s %s%s%s\n", id,
		    run->state != NULL ? run->state : "ended",
		    run->error != NULL ? ": " : "",
		    run->error != NULL ? run->error : "");
		ret = MLXCTL_EXIT_ERROR;
	} else
		ret = MLXCTL_EXIT_OK;
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
out:
	mlxd_bench_run_free(run);
	free(id);
	free(model);
	free(prompts);
	free(pos);
	return ret;
}

/* Parse the options of a verb that takes exactly nwant ids. */
static int
cmd_bench_verb_args(int argc, char **argv, const struct cmd_run_opt *opts,
    int nwant, char ***posp)
{
	char	**pos;
	int	  npos = 0, ret;

	if ((pos = calloc((size_t)argc + 1, sizeof *pos)) == NULL)
		output_oom();
	if ((ret = cmd_run_args(&cmd_bench_entry, opts, argc, argv, pos,
	    &npos)) != MLXCTL_EXIT_OK) {
		free(pos);
		return ret;
	}
	if (npos != nwant) {
		fprintf(stderr, "mlxctl bench %s: %s\n", argv[0],
		    npos < nwant ? "missing run id" : "too many arguments");
		free(pos);
		return mlxctl_usage_error(&cmd_bench_entry);
	}
	*posp = pos;
	return MLXCTL_EXIT_OK;
}

static int
cmd_bench_list(struct mlxctl *m, int argc, char **argv)
{
	static const char *const	 hdr[] = {
		"ID", "STATE", "MODEL", "SUITE", "CREATED", "RESULTS"
	};
	const char			*model = NULL, *limit_s = NULL;
	bool				 json = false;
	const struct cmd_run_opt	 opts[] = {
		{ "model", 'm', true, &model, NULL, NULL, NULL },
		{ "limit", 'n', true, &limit_s, NULL, NULL, NULL },
		{ "json", 'j', false, NULL, &json, NULL, NULL },
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	const struct mlxd_bench_run	*r;
	struct mlxd_bench_list		*l = NULL;
	struct output_table		*t;
	char				**pos = NULL, when[OUTPUT_CELL_LEN];
	char				 results[512], one[96];
	const char			*cells[6];
	long long			 limit = 0;
	int64_t				 now;
	size_t				 i, j, off;
	int				 rc, ret;

	if ((ret = cmd_bench_verb_args(argc, argv, opts, 0, &pos)) !=
	    MLXCTL_EXIT_OK)
		return ret;
	free(pos);
	if (limit_s != NULL && (ret = cmd_run_number(&cmd_bench_entry,
	    "--limit", limit_s, 1, 10000, &limit)) != MLXCTL_EXIT_OK)
		return ret;
	if ((rc = mlxd_bench_list(m->client, model, (int)limit, &l)) != 0)
		return mlxctl_fail(m, rc);
	if (json || m->json) {
		output_json_pretty(stdout, l->raw_json, strlen(l->raw_json));
		mlxd_bench_list_free(l);
		return MLXCTL_EXIT_OK;
	}
	if (l->nruns == 0) {
		printf("No benchmarks.\n");
		mlxd_bench_list_free(l);
		return MLXCTL_EXIT_OK;
	}
	now = output_now_ms();
	t = output_table_new(6, hdr);
	for (i = 0; i < l->nruns; i++) {
		r = &l->runs[i];
		output_reltime(when, sizeof when, r->created_at_ms, now);
		off = 0;
		results[0] = '\0';
		for (j = 0; j < r->ntests && off < sizeof results; j++) {
			if (isnan(r->tests[j].headline->mean))
				continue;
			snprintf(one, sizeof one, "%s%s %.1f t/s",
			    off > 0 ? ", " : "", r->tests[j].name != NULL ?
			    r->tests[j].name : "?", r->tests[j].headline->mean);
			off += (size_t)snprintf(results + off,
			    sizeof results - off, "%s", one);
		}
		cells[0] = r->id;
		cells[1] = r->state;
		cells[2] = r->model;
		cells[3] = r->suite;
		cells[4] = when;
		cells[5] = results;
		output_table_add(t, cells);
	}
	output_table_print(t, stdout);
	output_table_free(t);
	mlxd_bench_list_free(l);
	return MLXCTL_EXIT_OK;
}

/* The figures behind the headline, one row per test. */
static void
cmd_bench_print_details(FILE *f, const struct mlxd_bench_run *run)
{
	static const char *const	 hdr[] = {
		"TEST", "N", "FLAGGED", "ERRORS", "PROMPT T/S", "GEN T/S",
		"TTFT MS", "ITL MS", "LOAD S", "E2E S"
	};
	const struct mlxd_bench_test	*t;
	struct output_table		*tab;
	char				 c[10][OUTPUT_CELL_LEN];
	const char			*cells[10];
	size_t				 i, k;

	tab = output_table_new(10, hdr);
	for (i = 0; i < run->ntests; i++) {
		t = &run->tests[i];
		snprintf(c[0], sizeof c[0], "%s", t->name != NULL ? t->name :
		    "-");
		snprintf(c[1], sizeof c[1], "%lld", t->n == MLXD_NULL_INT64 ?
		    0LL : (long long)t->n);
		snprintf(c[2], sizeof c[2], "%lld",
		    t->n_flagged == MLXD_NULL_INT64 ? 0LL :
		    (long long)t->n_flagged);
		snprintf(c[3], sizeof c[3], "%lld",
		    t->n_errors == MLXD_NULL_INT64 ? 0LL :
		    (long long)t->n_errors);
		cmd_bench_mean(c[4], sizeof c[4], &t->prompt_tps, "%.2f");
		cmd_bench_mean(c[5], sizeof c[5], &t->gen_tps, "%.2f");
		cmd_bench_mean(c[6], sizeof c[6], &t->ttft_ms, "%.2f");
		cmd_bench_mean(c[7], sizeof c[7], &t->itl_ms, "%.2f");
		cmd_bench_mean(c[8], sizeof c[8], &t->load_s, "%.3f");
		cmd_bench_mean(c[9], sizeof c[9], &t->e2e_s, "%.3f");
		for (k = 0; k < 10; k++)
			cells[k] = c[k];
		output_table_add(tab, cells);
	}
	output_table_print(tab, f);
	output_table_free(tab);
}

static int
cmd_bench_show(struct mlxctl *m, int argc, char **argv)
{
	bool				 json = false;
	const struct cmd_run_opt	 opts[] = {
		{ "json", 'j', false, NULL, &json, NULL, NULL },
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	struct mlxd_bench_run		*run = NULL;
	const struct mlxd_bench_progress *p;
	char				**pos = NULL, mem[OUTPUT_CELL_LEN];
	char				 eta[32];
	int				 rc, ret;

	if ((ret = cmd_bench_verb_args(argc, argv, opts, 1, &pos)) !=
	    MLXCTL_EXIT_OK)
		return ret;
	rc = mlxd_bench_get(m->client, pos[0], &run);
	free(pos);
	if (rc != 0)
		return mlxctl_fail(m, rc);
	if (json || m->json) {
		output_json_pretty(stdout, run->raw_json,
		    strlen(run->raw_json));
		mlxd_bench_run_free(run);
		return MLXCTL_EXIT_OK;
	}
	printf("run %s: %s, suite %s, %s\n", run->id != NULL ? run->id : "?",
	    run->model != NULL ? run->model : "?",
	    run->suite != NULL ? run->suite : "?",
	    run->state != NULL ? run->state : "?");
	if (run->error != NULL)
		printf("error: %s\n", run->error);
	output_size(mem, sizeof mem, run->memory_bytes);
	printf("Ollama %s, mlxd %s, %s, %s RAM, %s\n",
	    run->ollama_version != NULL ? run->ollama_version : "?",
	    run->mlxd_version != NULL ? run->mlxd_version : "?",
	    run->chip != NULL ? run->chip : "?", mem,
	    run->os != NULL ? run->os : "?");
	printf("created %s", run->created_at != NULL ? run->created_at : "?");
	if (run->finished_at != NULL)
		printf(", finished %s", run->finished_at);
	printf("\n");
	if ((p = run->progress) != NULL) {
		cmd_bench_eta(eta, sizeof eta, p->eta_s);
		printf("progress: %s, %.0f%%, ETA %s\n",
		    p->step != NULL ? p->step : "?",
		    isnan(p->percent) ? 0.0 : p->percent, eta);
	}
	if (run->ntests > 0) {
		printf("\n");
		cmd_bench_print_table(stdout, run);
		printf("\n");
		cmd_bench_print_details(stdout, run);
		cmd_bench_print_notes(stdout, run);
	}
	mlxd_bench_run_free(run);
	return MLXCTL_EXIT_OK;
}

static int
cmd_bench_export(struct mlxctl *m, int argc, char **argv)
{
	const char			*format = NULL;
	const struct cmd_run_opt	 opts[] = {
		{ "format", 'f', true, &format, NULL, NULL, NULL },
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	char				**pos = NULL, *text = NULL;
	size_t				 len = 0;
	int				 rc, ret;

	if ((ret = cmd_bench_verb_args(argc, argv, opts, 1, &pos)) !=
	    MLXCTL_EXIT_OK)
		return ret;
	if (format != NULL && strcmp(format, "json") != 0 &&
	    strcmp(format, "csv") != 0 && strcmp(format, "md") != 0 &&
	    strcmp(format, "llama-bench") != 0) {
		free(pos);
		fprintf(stderr, "mlxctl bench export: --format is json, "
		    "llama-bench, csv or md, not '%s'\n", format);
		return mlxctl_usage_error(&cmd_bench_entry);
	}
	rc = mlxd_bench_export(m->client, pos[0], format, &text, &len);
	free(pos);
	if (rc != 0)
		return mlxctl_fail(m, rc);
	fwrite(text, 1, len, stdout);
	if (len > 0 && text[len - 1] != '\n')
		fputc('\n', stdout);
	free(text);
	return MLXCTL_EXIT_OK;
}

static void
cmd_bench_num(char *buf, size_t len, double v, const char *fmt)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
}

/* Append s to buf percent-encoded for a query string. */
static void
cmd_bench_qs(char *buf, size_t len, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 n = strlen(buf);

	for (; *s != '\0' && n + 4 < len; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-_.~", *s) != NULL)
			buf[n++] = *s;
		else {
			buf[n++] = '%';
			buf[n++] = hex[(unsigned char)*s >> 4];
			buf[n++] = hex[(unsigned char)*s & 15];
		}
	}
	buf[n] = '\0';
}

/* Print the daemon's Markdown or CSV rendering of a comparison. */
static int
cmd_bench_compare_text(struct mlxctl *m, const char *base, const char *cand,
    const char *format)
{
	char	 path[1024], *body = NULL;
	size_t	 len = 0;
	int	 status = 0, rc;

	snprintf(path, sizeof path, "/v1/benchmarks/compare?base=");
	cmd_bench_qs(path, sizeof path, base);
	strncat(path, "&candidate=", sizeof path - strlen(path) - 1);
	cmd_bench_qs(path, sizeof path, cand);
	strncat(path, "&format=", sizeof path - strlen(path) - 1);
	cmd_bench_qs(path, sizeof path, format);
	if ((rc = mlxd_request(m->client, "GET", path, NULL, 0, &status,
	    &body, &len)) != 0)
		return rc;
	if (status != 200) {
		free(body);
		return MLXD_EAPI;
	}
	fwrite(body, 1, len, stdout);
	if (len > 0 && body[len - 1] != '\n')
		fputc('\n', stdout);
	free(body);
	return 0;
}

static int
cmd_bench_compare(struct mlxctl *m, int argc, char **argv)
{
	static const char *const	 hdr[] = {
		"TEST", "METRIC", "BASE", "CANDIDATE", "\xce\x94%", "Z",
		"VERDICT"
	};
	bool				 json = false;
	const char			*format = NULL;
	const struct cmd_run_opt	 opts[] = {
		{ "json", 'j', false, NULL, &json, NULL, NULL },
		{ "format", 'f', true, &format, NULL, NULL, NULL },
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	const struct mlxd_bench_compare_test *t;
	const struct mlxd_bench_delta	*d;
	struct mlxd_bench_compare	*cmp = NULL;
	struct output_table		*tab;
	char				**pos = NULL, c[5][OUTPUT_CELL_LEN];
	const char			*cells[7];
	size_t				 i;
	int				 rc, ret;

	if ((ret = cmd_bench_verb_args(argc, argv, opts, 2, &pos)) !=
	    MLXCTL_EXIT_OK)
		return ret;
	if (format != NULL && strcmp(format, "json") != 0 &&
	    strcmp(format, "csv") != 0 && strcmp(format, "md") != 0) {
		free(pos);
		fprintf(stderr, "mlxctl bench compare: --format is json, csv "
		    "or md, not '%s'\n", format);
		return mlxctl_usage_error(&cmd_bench_entry);
	}
	rc = mlxd_bench_compare(m->client, pos[0], pos[1], &cmp);
	if (rc == 0 && format != NULL && strcmp(format, "json") != 0)
		rc = cmd_bench_compare_text(m, pos[0], pos[1], format);
	free(pos);
	if (rc != 0) {
		mlxd_bench_compare_free(cmp);
		return mlxctl_fail(m, rc);
	}
	if (format != NULL && strcmp(format, "json") != 0)
		;	/* printed by cmd_bench_compare_text */
	else if (json || m->json || format != NULL)
		output_json_pretty(stdout, cmp->raw_json,
		    strlen(cmp->raw_json));
	else {
		tab = output_table_new(7, hdr);
		for (i = 0; i < cmp->ntests; i++) {
			t = &cmp->tests[i];
			d = t->headline;
			cmd_bench_num(c[0], sizeof c[0], d != NULL ?
			    d->a_mean : NAN, "%.2f");
			cmd_bench_num(c[1], sizeof c[1], d != NULL ?
			    d->b_mean : NAN, "%.2f");
			cmd_bench_num(c[2], sizeof c[2], d != NULL ?
			    d->delta_pct : NAN, "%+.1f%%");
			cmd_bench_num(c[3], sizeof c[3], d != NULL ? d->z : NAN,
			    "%.1f");
			cells[0] = t->name;
			cells[1] = t->metric;
			cells[2] = c[0];
			cells[3] = c[1];
			cells[4] = c[2];
			cells[5] = c[3];
			cells[6] = t->verdict;
			output_table_add(tab, cells);
		}
		output_table_print(tab, stdout);
		output_table_free(tab);
		printf("\nverdict: %s%s%s", cmp->regression ?
		    output_style(OUTPUT_RED) : "",
		    cmp->verdict != NULL ? cmp->verdict : "?",
		    cmp->regression ? output_style(OUTPUT_RESET) : "");
		if (!isnan(cmp->min_pct) && !isnan(cmp->min_z))
			printf(" (a test regresses when it is at least %.0f%% "
			    "worse with |z| >= %.0f)", cmp->min_pct,
			    cmp->min_z);
		printf("\n");
		if (!cmp->comparable)
			printf("warning: the runs measured different model "
			    "weights (digests differ)\n");
		if (cmp->nchanged > 0) {
			printf("changed between the runs:");
			for (i = 0; i < cmp->nchanged; i++)
				printf("%s %s", i > 0 ? "," : "",
				    cmp->changed[i]);
			printf("\n");
		}
	}
	ret = cmp->regression ? CMD_BENCH_EXIT_REGRESSION : MLXCTL_EXIT_OK;
	mlxd_bench_compare_free(cmp);
	return ret;
}

static int
cmd_bench_cancel(struct mlxctl *m, int argc, char **argv)
{
	const struct cmd_run_opt	 opts[] = {
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	char				**pos = NULL;
	int				 rc, ret;

	if ((ret = cmd_bench_verb_args(argc, argv, opts, 1, &pos)) !=
	    MLXCTL_EXIT_OK)
		return ret;
	rc = mlxd_bench_cancel(m->client, pos[0]);
	if (rc == -EALREADY) {
		fprintf(stderr, "mlxctl: benchmark %s is not running\n",
		    pos[0]);
		ret = MLXCTL_EXIT_ERROR;
	} else if (rc != 0)
		ret = mlxctl_fail(m, rc);
	else
		printf("cancelling benchmark %s\n", pos[0]);
	free(pos);
	return ret;
}

static int
cmd_bench_delete(struct mlxctl *m, int argc, char **argv)
{
	const struct cmd_run_opt	 opts[] = {
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	char				**pos = NULL;
	int				 rc, ret;

	if ((ret = cmd_bench_verb_args(argc, argv, opts, 1, &pos)) !=
	    MLXCTL_EXIT_OK)
		return ret;
	if ((rc = mlxd_bench_delete(m->client, pos[0])) != 0)
		ret = mlxctl_fail(m, rc);
	else
		printf("deleted benchmark %s\n", pos[0]);
	free(pos);
	return ret;
}

static int
cmd_bench_exec(struct mlxctl *m, int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*fn)(struct mlxctl *, int, char **);
	} verbs[] = {
		{ "run", cmd_bench_run },
		{ "list", cmd_bench_list },
		{ "ls", cmd_bench_list },
		{ "show", cmd_bench_show },
		{ "export", cmd_bench_export },
		{ "compare", cmd_bench_compare },
		{ "cancel", cmd_bench_cancel },
		{ "delete", cmd_bench_delete },
		{ "rm", cmd_bench_delete },
	};
	size_t	 i;

	if (argc > 1)
		for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
			if (strcmp(argv[1], verbs[i].name) == 0)
				return verbs[i].fn(m, argc - 1, argv + 1);
	return cmd_bench_run(m, argc, argv);
}

const struct cmd_entry cmd_bench_entry = {
	.name = "bench",
	.alias = NULL,
	.usage = "[run] [MODEL] [--suite S] [--reps N] [--warmup N] "
	    "[--json] | list | show ID | export ID "
	    "[--format json|llama-bench|csv|md] | compare BASE CANDIDATE "
	    "[--format json|csv|md] | cancel ID | delete ID",
	.help = "benchmark a model; list, show, export, compare runs",
	.exec = cmd_bench_exec,
	.verbs = "run:models list show:benchmarks export:benchmarks "
	    "compare:benchmarks cancel:benchmarks delete:benchmarks",
	.complete = "models",
};
