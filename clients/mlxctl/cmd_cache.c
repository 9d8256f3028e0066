/* SPDX-License-Identifier: ISC */
/*
 * cmd_cache.c: `mlxctl cache`: the model cache — every model on disk
 * (status), storage figures (stats), rescans (sync), duplicates (dedup),
 * cleanup (clean), adds and removes, linked apps, and the options in effect.
 *
 * Work the daemon does as a job is followed by polling it every 250 ms: a
 * progress bar on stderr when that is a terminal (colored unless NO_COLOR
 * or --no-color), nothing otherwise; Ctrl-C cancels the job. The result is
 * printed as text, or as the job's JSON with --json. A job that fails, is
 * cancelled, or (dedup) could change nothing exits 1.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <mlxd/mlxd.h>

#include "mlxctl.h"
#include "output.h"

#define CMD_CACHE_POLL_MS	250
#define CMD_CACHE_BAR		24
#define CMD_CACHE_CANCEL_POLLS	40

static volatile sig_atomic_t	cmd_cache_signalled;
static struct mlxd_client	*cmd_cache_client;	/* woken by SIGINT */

/* Following one job. */
struct cmd_cache_follow {
	struct mlxctl	*m;
	bool		 tty, color, drawn, cancelled;
	int		 polls;
	int		 err;
};

static void
cmd_cache_on_signal(int sig)
{
	(void)sig;
	cmd_cache_signalled = 1;
	/* End the long poll now rather than at the job's next change. */
	mlxd_client_interrupt(cmd_cache_client);
}

static void
cmd_cache_size(char *buf, size_t len, int64_t bytes)
{
	output_size(buf, len, bytes == MLXD_NULL_INT64 ? MLXD_NULL_INT64 :
	    bytes < 0 ? 0 : bytes);
}

/* One redraw of the bar: [#####.......]  41%  hash  1.2 GB/s  ETA 0:07 */
static void
cmd_cache_bar(struct cmd_cache_follow *f, const struct mlxd_cache_job *j)
{
	char	 rate[32] = "", eta[32] = "";
	double	 pct = isnan(j->percent) ? 0 : j->percent;
	int	 i, fill;

	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	fill = (int)(pct / 100 * CMD_CACHE_BAR + 0.5);
	if (!isnan(j->rate_bytes_per_s) && j->rate_bytes_per_s > 0) {
		output_size(rate, sizeof rate, (int64_t)j->rate_bytes_per_s);
		strncat(rate, "/s", sizeof rate - strlen(rate) - 1);
	}
	if (!isnan(j->eta_s) && j->eta_s >= 0)
		snprintf(eta, sizeof eta, "ETA %ld:%02ld", (long)j->eta_s / 60,
		    (long)j->eta_s % 60);
	fputs("\r[", stderr);
	if (f->color && fill > 0)
		fputs(output_sgr(OUTPUT_GREEN), stderr);
	for (i = 0; i < fill; i++)
		fputc('#', stderr);
	if (f->color && fill > 0)
		fputs(output_sgr(OUTPUT_RESET), stderr);
	for (; i < CMD_CACHE_BAR; i++)
		fputc('.', stderr);
	fprintf(stderr, "] %3.0f%%  %s%s%s  %s  %s\033[K", pct,
	    j->step != NULL ? j->step : "starting",
	    j->phase != NULL && j->step != NULL && strcmp(j->step, "find") ==
	    0 ? "/" : "", j->phase != NULL && j->step != NULL &&
	    strcmp(j->step, "find") == 0 ? j->phase : "", rate, eta);
	fflush(stderr);
	f->drawn = true;
}

static int
cmd_cache_poll_cb(void *arg, const struct mlxd_cache_job *j)
{
	struct cmd_cache_follow	*f = arg;
	int			 rc;

	if (cmd_cache_signalled && !f->cancelled) {
		f->cancelled = true;
		if (f->drawn)
			fputs("\r\033[K", stderr);
		f->drawn = false;
		fprintf(stderr, "mlxctl cache: cancelling %s\n", j->id);
		if ((rc = mlxd_cache_job_cancel(f->m->client, j->id)) != 0 &&
		    rc != MLXD_EAPI) {
			f->err = rc;
			return 1;
		}
	}
	if (f->cancelled && ++f->polls > CMD_CACHE_CANCEL_POLLS)
		return 1;
	if (f->tty && !f->cancelled && j->state != NULL &&
	    strcmp(j->state, "running") == 0)
		cmd_cache_bar(f, j);
	return 0;
}

/*
 * Follow job id to its end with a bar on a terminal; Ctrl-C cancels it.
 * The last state in *jp. Returns 0 or an SDK error.
 */
static int
cmd_cache_follow(struct mlxctl *m, const char *id, struct mlxd_cache_job **jp)
{
	struct cmd_cache_follow	 f;
	struct sigaction	 sa, old;
	int			 rc;

	memset(&f, 0, sizeof f);
	f.m = m;
	f.tty = isatty(STDERR_FILENO);
	f.color = f.tty && output_color_on();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cmd_cache_on_signal;
	sigemptyset(&sa.sa_mask);
	cmd_cache_client = m->client;
	sigaction(SIGINT, &sa, &old);
	rc = mlxd_cache_job_wait(m->client, id, CMD_CACHE_POLL_MS,
	    cmd_cache_poll_cb, &f, jp);
	sigaction(SIGINT, &old, NULL);
	cmd_cache_client = NULL;
	if (f.drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	if (f.err != 0)
		rc = f.err;
	if (rc > 0)
		rc = 0;		/* stopped waiting after a cancel */
	return rc;
}

/* Start-and-follow: print the job (JSON or by print), return the status. */
static int
cmd_cache_run(struct mlxctl *m, int rc, char *job,
    int (*print)(const struct mlxd_cache_job *))
{
	struct mlxd_cache_job	*j = NULL;
	int			 ret;

	if (rc != 0) {
		free(job);
		return mlxctl_fail(m, rc);
	}
	rc = cmd_cache_follow(m, job, &j);
	free(job);
	if (rc != 0)
		return mlxctl_fail(m, rc);
	if (m->json) {
		output_json_pretty(stdout, j->raw_json, strlen(j->raw_json));
		ret = strcmp(j->state, "done") == 0 ? MLXCTL_EXIT_OK :
		    MLXCTL_EXIT_ERROR;
	} else if (strcmp(j->state, "done") != 0) {
		fprintf(stderr, "mlxctl: %s %s%s%s\n", j->id, j->state,
		    j->error != NULL ? ": " : "", j->error != NULL ?
		    j->error : "");
		if (j->result != NULL && print != NULL)
			(void)print(j);
		ret = MLXCTL_EXIT_ERROR;
	} else
		ret = print != NULL && j->result != NULL ? print(j) :
		    MLXCTL_EXIT_OK;
	mlxd_cache_job_free(j);
	return ret;
}

/* The short name of a model: its ref, an HF commit cut to 12. */
static void
cmd_cache_name(char *buf, size_t len, const struct mlxd_cache_model *mo)
{
	char	ref[64];

	if (mo->revision != NULL && *mo->revision != '\0') {
		if (mo->refs != NULL && *mo->refs != '\0')
			snprintf(ref, sizeof ref, "%.*s",
			    (int)strcspn(mo->refs, ","), mo->refs);
		else
			snprintf(ref, sizeof ref, "%.12s", mo->revision);
		snprintf(buf, len, "%s:%s@%s", mo->store, mo->name, ref);
	} else
		snprintf(buf, len, "%s", mo->ref != NULL ? mo->ref : "?");
}

static char *
cmd_cache_join(const char **v, size_t n)
{
	size_t	 i, len = 1;
	char	*s;

	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 2;
	if ((s = calloc(1, len)) == NULL)
		output_oom();
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, ", ");
		strcat(s, v[i]);
	}
	return s;
}

/* mlxctl cache status */
static int
cmd_cache_status(struct mlxctl *m, int argc, char **argv)
{
	static const char *const hdr[] = { "MODEL", "SIZE", "FILES", "USED BY",
	    "SHARES", "PATH" };
	struct mlxd_cache_list	*l = NULL;
	struct mlxd_cache_stats	*s = NULL;
	struct output_table	*t;
	const char		*cells[6];
	char			 name[512], size[32], files[32], when[64];
	char			 logical[32], physical[32], *apps;
	size_t			 i;
	int			 rc;

	(void)argv;
	if (argc != 1)
		return mlxctl_usage_error(&cmd_cache_entry);
	if (m->json)
		return mlxctl_print_json(m, "/v1/cache");
	if ((rc = mlxd_cache_list(m->client, &l)) != 0 ||
	    (rc = mlxd_cache_stats(m->client, &s)) != 0) {
		mlxd_cache_list_free(l);
		return mlxctl_fail(m, rc);
	}
	t = output_table_new(6, hdr);
	for (i = 0; i < l->nmodels; i++) {
		const struct mlxd_cache_model *mo = &l->models[i];

		cmd_cache_name(name, sizeof name, mo);
		cmd_cache_size(size, sizeof size, mo->size_bytes);
		snprintf(files, sizeof files, "%lld", (long long)mo->files);
		apps = cmd_cache_join(mo->apps, mo->napps);
		cells[0] = name;
		cells[1] = size;
		cells[2] = files;
		cells[3] = *apps != '\0' ? apps : "-";
		cells[4] = mo->shares_bytes ? "yes" : "no";
		cells[5] = mo->path;
		output_table_add(t, cells);
		free(apps);
	}
	if (l->nmodels == 0)
		printf("No models found%s.\n", l->scanning ? " yet (a scan is "
		    "running)" : "");
	else
		output_table_print(t, stdout);
	output_table_free(t);
	cmd_cache_size(logical, sizeof logical, s->logical_bytes);
	cmd_cache_size(physical, sizeof physical, s->physical_est_bytes);
	if (l->last_scan_at_ms != MLXD_NULL_INT64)
		output_reltime(when, sizeof when, l->last_scan_at_ms,
		    output_now_ms());
	else
		snprintf(when, sizeof when, "never");
	printf("\n%zu models, %lld files: %s as the tools count them, %s on "
	    "disk. Last scan: %s%s.\n", l->nmodels, (long long)s->files,
	    logical, physical, when, l->scanning ? " (scanning now)" : "");
	if (l->warnings_total > 0)
		printf("%lld problem%s met while scanning (mlxctl --json cache "
		    "status lists them).\n", (long long)l->warnings_total,
		    l->warnings_total == 1 ? "" : "s");
	mlxd_cache_list_free(l);
	mlxd_cache_stats_free(s);
	return MLXCTL_EXIT_OK;
}

/* mlxctl cache stats */
static int
cmd_cache_stats(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_cache_stats	*s = NULL;
	char			 a[32], b[32], c[32], d[32];
	int			 rc;

	(void)argv;
	if (argc != 1)
		return mlxctl_usage_error(&cmd_cache_entry);
	if (m->json)
		return mlxctl_print_json(m, "/v1/cache/stats");
	if ((rc = mlxd_cache_stats(m->client, &s)) != 0)
		return mlxctl_fail(m, rc);
	cmd_cache_size(a, sizeof a, s->logical_bytes);
	printf("Logical:      %-10s what each tool reports, summed over %lld "
	    "files\n", a, (long long)s->files);
	cmd_cache_size(a, sizeof a, s->physical_est_bytes);
	printf("Physical:     %-10s on disk (%lld distinct files)\n", a,
	    (long long)s->inodes);
	cmd_cache_size(a, sizeof a, s->saved_bytes);
	printf("Saved:        %-10s shared between copies\n", a);
	cmd_cache_size(a, sizeof a, s->reclaimed_bytes);
	cmd_cache_size(b, sizeof b, s->reclaimed_clone_bytes);
	cmd_cache_size(c, sizeof c, s->reclaimed_hardlink_bytes);
	cmd_cache_size(d, sizeof d, s->reclaimed_symlink_bytes);
	printf("Reclaimed:    %-10s by mlxd dedup (clone %s, hardlink %s, "
	    "symlink %s)\n", a, b, c, d);
	if (s->reclaimable_bytes != MLXD_NULL_INT64) {
		cmd_cache_size(a, sizeof a, s->reclaimable_bytes);
		printf("Reclaimable:  %-10s wasted by duplicates (mlxctl cache "
		    "dedup --dry-run)\n", a);
	} else
		printf("Reclaimable:  %-10s no duplicate search yet (mlxctl "
		    "cache dedup --dry-run)\n", "?");
	cmd_cache_size(a, sizeof a, s->cleanup_bytes);
	printf("Cleanup:      %-10s in %lld candidate%s (mlxctl cache clean "
	    "--dry-run)\n", a, (long long)s->cleanup_candidates,
	    s->cleanup_candidates == 1 ? "" : "s");
	mlxd_cache_stats_free(s);
	return MLXCTL_EXIT_OK;
}

static int
cmd_cache_print_sync(const struct mlxd_cache_job *j)
{
	const struct mlxd_cache_result	*r = j->result;
	char				 size[32];

	cmd_cache_size(size, sizeof size, r->logical_bytes);
	printf("Indexed %lld models, %lld files (%s)", (long long)r->models,
	    (long long)r->files, size);
	if (r->warnings_total > 0)
		printf("; %lld problem%s met (mlxctl --json cache status)",
		    (long long)r->warnings_total, r->warnings_total == 1 ? "" :
		    "s");
	printf(".\n");
	return MLXCTL_EXIT_OK;
}

/* mlxctl cache sync */
static int
cmd_cache_sync(struct mlxctl *m, int argc, char **argv)
{
	char	*job = NULL;
	int	 rc;

	(void)argv;
	if (argc != 1)
		return mlxctl_usage_error(&cmd_cache_entry);
	rc = mlxd_cache_sync(m->client, &job);
	return cmd_cache_run(m, rc, job, cmd_cache_print_sync);
}

/* The action on path in a dedup result, or NULL. */
static const struct mlxd_cache_item *
cmd_cache_action(const struct mlxd_cache_result *r, const char *path)
{
	size_t	i;

	for (i = 0; i < r->nitems; i++)
		if (r->items[i].path != NULL && strcmp(r->items[i].path,
		    path) == 0)
			return &r->items[i];
	return NULL;
}

/* An integer of the job's result, from its JSON text (0 when absent). */
static long long
cmd_cache_raw_int(const char *raw, const char *key)
{
	char		 pat[64];
	const char	*p;

	snprintf(pat, sizeof pat, "\"%s\":", key);
	if (raw == NULL || (p = strstr(raw, "\"result\":")) == NULL ||
	    (p = strstr(p, pat)) == NULL)
		return 0;
	return strtoll(p + strlen(pat), NULL, 10);
}

static int
cmd_cache_print_dedup(const struct mlxd_cache_job *j)
{
	const struct mlxd_cache_result	*r = j->result;
	const struct mlxd_cache_group	*g;
	const struct mlxd_cache_copy	*c;
	const struct mlxd_cache_item	*a;
	char				 s1[32], s2[32];
	long long			 ncmp;
	size_t				 i, k;

	for (i = 0; i < r->ngroups; i++) {
		g = &r->groups[i];
		cmd_cache_size(s1, sizeof s1, g->size_bytes);
		cmd_cache_size(s2, sizeof s2, g->wasted_bytes);
		printf("%lld copies of %.16s…, %s each, wasting %s:\n",
		    (long long)g->copies, g->sha256 != NULL ? g->sha256 : "?",
		    s1, s2);
		for (k = 0; k < g->nmembers; k++) {
			c = &g->members[k];
			a = cmd_cache_action(r, c->path);
			printf("  %-5s %s  (%s", c->keep ? "keep" : "", c->path,
			    c->role != NULL ? c->role : "?");
			if (c->digest != NULL && *c->digest != '\0')
				printf(", sha256 %s", strcmp(c->digest,
				    "hash") == 0 ? "hashed" : "from its name");
			printf(")");
			if (a != NULL && strcmp(a->action, "planned") == 0)
				printf("  would %s", a->method != NULL ?
				    a->method : "?");
			else if (a != NULL)
				printf("  %s", a->action);
			printf("\n");
			if (a != NULL && a->reason != NULL &&
			    strcmp(a->action, "planned") != 0 &&
			    strcmp(a->action, "done") != 0)
				printf("        %s\n", a->reason);
		}
	}
	if (r->groups_total > (int64_t)r->ngroups)
		printf("... and %lld more groups (mlxctl --json cache dedup)\n",
		    (long long)(r->groups_total - (int64_t)r->ngroups));
	cmd_cache_size(s1, sizeof s1, r->wasted_bytes);
	ncmp = cmd_cache_raw_int(j->raw_json, "files_compared");
	printf("%s%lld group%s of identical files waste%s %s. Compared %lld "
	    "file%s with a twin named by its digest, hashed %lld in full, "
	    "sampled %lld; files named by their digest were not hashed.\n",
	    r->ngroups > 0 ? "\n" : "",
	    (long long)r->groups_total, r->groups_total == 1 ? "" : "s",
	    r->groups_total == 1 ? "s" : "", s1, ncmp, ncmp == 1 ? "" : "s",
	    (long long)r->files_hashed, (long long)r->files_sampled);
	if (r->dry_run) {
		cmd_cache_size(s1, sizeof s1, r->reclaimable_bytes);
		printf("Dry run: %s could be reclaimed with the allowed "
		    "methods; nothing was changed.\n", s1);
		if (r->unsupported > 0)
			printf("%lld cop%s cannot be shared with the allowed "
			    "methods on this filesystem (the reasons above "
			    "name the methods that would work).\n",
			    (long long)r->unsupported, r->unsupported == 1 ?
			    "y" : "ies");
		return MLXCTL_EXIT_OK;
	}
	cmd_cache_size(s1, sizeof s1, r->reclaimed_bytes);
	printf("Reclaimed %s: %lld replaced, %lld skipped, %lld unsupported, "
	    "%lld failed.\n", s1, (long long)r->done, (long long)r->skipped,
	    (long long)r->unsupported, (long long)r->failed);
	if (r->unsupported_message != NULL) {
		printf("%s\n", r->unsupported_message);
		return MLXCTL_EXIT_ERROR;
	}
	return r->failed > 0 ? MLXCTL_EXIT_ERROR : MLXCTL_EXIT_OK;
}

/* mlxctl cache dedup [--dry-run] [--method M] [--link-user-files] */
static int
cmd_cache_dedup(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_cache_dedup_opts	 o;
	const char			*method = NULL;
	bool				 dry = false, link_user = false;
	bool				 no_rescan = false;
	const struct cmd_run_opt	 opts[] = {
		{ "dry-run", 'n', false, NULL, &dry, NULL, NULL },
		{ "method", 'm', true, &method, NULL, NULL, NULL },
		{ "link-user-files", 0, false, NULL, &link_user, NULL, NULL },
		{ "no-rescan", 0, false, NULL, &no_rescan, NULL, NULL },
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	char				*pos[16], *job = NULL;
	int				 npos = 0, ret, rc;

	if (argc > 16)
		return mlxctl_usage_error(&cmd_cache_entry);
	if ((ret = cmd_run_args(&cmd_cache_entry, opts, argc, argv, pos,
	    &npos)) != MLXCTL_EXIT_OK)
		return ret;
	if (npos != 0 || (method != NULL && strcmp(method, "clone") != 0 &&
	    strcmp(method, "hardlink") != 0 && strcmp(method, "symlink") !=
	    0)) {
		if (method != NULL)
			fprintf(stderr, "mlxctl: --method is clone, hardlink or "
			    "symlink\n");
		return mlxctl_usage_error(&cmd_cache_entry);
	}
	mlxd_cache_dedup_opts_init(&o);
	o.dry_run = dry;
	o.method = method;
	o.rescan = !no_rescan;
	o.link_user_files = link_user;
	rc = mlxd_cache_dedup(m->client, &o, &job);
	return cmd_cache_run(m, rc, job, cmd_cache_print_dedup);
}

/* Items of a clean or remove: the top-level ones, then the total. */
static int
cmd_cache_print_items(const struct mlxd_cache_job *j)
{
	static const char *const hdr[] = { "KIND", "SIZE", "ACTION", "PATH" };
	const struct mlxd_cache_result	*r = j->result;
	const struct mlxd_cache_item	*it;
	struct output_table		*t;
	const char			*cells[4];
	char				 size[32];
	size_t				 i, n = 0, nwhy = 0;

	if (j->kind != NULL && strcmp(j->kind, "cache.sync") == 0) {
		/* A local: model: its folder was forgotten, nothing deleted. */
		printf("Forgot the folder of %s; no file was deleted (add "
		    "--delete-files to delete the model's files).\n",
		    j->target != NULL ? j->target : "the model");
		return MLXCTL_EXIT_OK;
	}
	t = output_table_new(4, hdr);
	for (i = 0; i < r->nitems; i++) {
		it = &r->items[i];
		/* The parts of a candidate show only when kept or failed. */
		if (it->of != NULL && strcmp(it->action, "kept") != 0 &&
		    strcmp(it->action, "failed") != 0)
			continue;
		cmd_cache_size(size, sizeof size, it->size_bytes);
		cells[0] = it->kind;
		cells[1] = size;
		cells[2] = it->action;
		cells[3] = it->path;
		output_table_add(t, cells);
		n++;
		if (it->reason != NULL && (strcmp(it->action, "kept") == 0 ||
		    strcmp(it->action, "failed") == 0))
			nwhy++;
	}
	if (n == 0)
		printf("Nothing to %s.\n", j->kind != NULL &&
		    strcmp(j->kind, "cache.remove") == 0 ? "remove" : "clean");
	else
		output_table_print(t, stdout);
	output_table_free(t);
	if (nwhy > 0)
		printf("\nWhy some were kept:\n");
	for (i = 0; nwhy > 0 && i < r->nitems; i++) {
		it = &r->items[i];
		if (it->reason != NULL && (strcmp(it->action, "kept") == 0 ||
		    strcmp(it->action, "failed") == 0))
			printf("  %s: %s\n", it->path, it->reason);
	}
	if (r->dry_run) {
		cmd_cache_size(size, sizeof size, r->bytes);
		printf("Dry run: %s would be freed; nothing was deleted.\n",
		    size);
	} else {
		cmd_cache_size(size, sizeof size, r->freed_bytes);
		printf("Freed %s: %lld deleted, %lld kept, %lld failed.\n",
		    size, (long long)r->deleted, (long long)r->kept,
		    (long long)r->failed);
	}
	return r->failed > 0 ? MLXCTL_EXIT_ERROR : MLXCTL_EXIT_OK;
}

/* mlxctl cache clean [--dry-run] [--kind K]... */
static int
cmd_cache_clean(struct mlxctl *m, int argc, char **argv)
{
	const char			*kinds[16];
	size_t				 nkinds = 0;
	bool				 dry = false;
	const struct cmd_run_opt	 opts[] = {
		{ "dry-run", 'n', false, NULL, &dry, NULL, NULL },
		{ "kind", 'k', true, NULL, NULL, kinds, &nkinds },
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	char				*pos[40], *job = NULL;
	int				 npos = 0, ret, rc;

	if (argc > 32)
		return mlxctl_usage_error(&cmd_cache_entry);
	if ((ret = cmd_run_args(&cmd_cache_entry, opts, argc, argv, pos,
	    &npos)) != MLXCTL_EXIT_OK)
		return ret;
	if (npos != 0)
		return mlxctl_usage_error(&cmd_cache_entry);
	rc = mlxd_cache_clean(m->client, dry, kinds, nkinds, &job);
	return cmd_cache_run(m, rc, job, cmd_cache_print_items);
}

static int
cmd_cache_print_add(const struct mlxd_cache_job *j)
{
	const struct mlxd_cache_result	*r = j->result;
	size_t				 i;

	/* A failed add added nothing: the error on stderr says why. */
	if (j->state == NULL || strcmp(j->state, "done") != 0)
		return MLXCTL_EXIT_ERROR;
	if (r->dir != NULL) {
		printf("Linked %s in %s:\n", r->model != NULL ? r->model : "?",
		    r->dir);
		for (i = 0; i < r->nitems; i++)
			printf("  %s -> %s (%s)\n", r->items[i].path,
			    r->items[i].target != NULL ? r->items[i].target :
			    "?", r->items[i].action != NULL ?
			    r->items[i].action : "?");
		return MLXCTL_EXIT_OK;
	}
	if (r->revision != NULL)
		printf("Downloaded %s at %s.\n", j->target != NULL ? j->target :
		    "?", r->revision);
	else
		printf("Added %s.\n", j->target != NULL ? j->target : "?");
	for (i = 0; i < r->nrefs; i++)
		printf("  %s\n", r->refs[i]);
	return MLXCTL_EXIT_OK;
}

/*
 * POST /v1/cache/add with this shell's HF_ENDPOINT and HF_TOKEN, so an
 * hf:// add goes where huggingface_hub would go from here. The token is
 * sent over the private socket for this download only. Returns 0 with
 * *jobp, 1 when the daemon refused (reported here), or an SDK error.
 */
static int
cmd_cache_add_hf(struct mlxctl *m, const char *uri, char **jobp)
{
	const char	*endpoint = getenv("HF_ENDPOINT");
	const char	*token = getenv("HF_TOKEN");
	json_t		*body, *reply;
	json_error_t	 jerr;
	char		*text, *out = NULL;
	size_t		 len = 0;
	int		 status = 0, rc;

	body = json_pack("{s:s}", "uri", uri);
	if (endpoint != NULL && *endpoint != '\0')
		json_object_set_new(body, "hf_endpoint", json_string(endpoint));
	if (token != NULL && *token != '\0')
		json_object_set_new(body, "hf_token", json_string(token));
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL)
		output_oom();
	rc = mlxd_request(m->client, "POST", "/v1/cache/add", text,
	    strlen(text), &status, &out, &len);
	memset(text, 0, strlen(text));
	free(text);
	if (rc != 0)
		return rc;
	reply = json_loadb(out != NULL ? out : "", len, 0, &jerr);
	free(out);
	if (status != 202 || !json_is_string(json_object_get(reply, "job"))) {
		json_t *msg = json_object_get(json_object_get(reply, "error"),
		    "message");
		fprintf(stderr, "mlxctl: %s\n", json_is_string(msg) ?
		    json_string_value(msg) : "the daemon refused the add");
		json_decref(reply);
		return 1;	/* reported */
	}
	*jobp = strdup(json_string_value(json_object_get(reply, "job")));
	json_decref(reply);
	return *jobp != NULL ? 0 : -ENOMEM;
}

/* mlxctl cache add URI */
static int
cmd_cache_add(struct mlxctl *m, int argc, char **argv)
{
	char	*job = NULL;
	int	 rc;

	if (argc != 2)
		return mlxctl_usage_error(&cmd_cache_entry);
	if (strncmp(argv[1], "hf://", 5) == 0 && (getenv("HF_ENDPOINT") !=
	    NULL || getenv("HF_TOKEN") != NULL)) {
		if ((rc = cmd_cache_add_hf(m, argv[1], &job)) == 1)
			return MLXCTL_EXIT_ERROR;
	} else
		rc = mlxd_cache_add(m->client, argv[1], &job);
	return cmd_cache_run(m, rc, job, cmd_cache_print_add);
}

/* mlxctl cache remove MODEL [--force] [--delete-files] */
static int
cmd_cache_remove(struct mlxctl *m, int argc, char **argv)
{
	bool				 force = false, delete_files = false;
	const struct cmd_run_opt	 opts[] = {
		{ "force", 'f', false, NULL, &force, NULL, NULL },
		{ "delete-files", 0, false, NULL, &delete_files, NULL, NULL },
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	char				*pos[8], *job = NULL;
	int				 npos = 0, ret, rc;

	if (argc > 8)
		return mlxctl_usage_error(&cmd_cache_entry);
	if ((ret = cmd_run_args(&cmd_cache_entry, opts, argc, argv, pos,
	    &npos)) != MLXCTL_EXIT_OK)
		return ret;
	if (npos != 1)
		return mlxctl_usage_error(&cmd_cache_entry);
	rc = mlxd_cache_remove_flags(m->client, pos[0],
	    (force ? MLXD_CACHE_REMOVE_FORCE : 0) |
	    (delete_files ? MLXD_CACHE_REMOVE_DELETE_FILES : 0), &job);
	return cmd_cache_run(m, rc, job, cmd_cache_print_items);
}

/* mlxctl cache link APP_PATH [NAME] [--name NAME] */
static int
cmd_cache_link(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_cache_apps		*a = NULL;
	struct mlxd_cache_job		*j = NULL;
	const char			*name = NULL;
	const struct cmd_run_opt	 opts[] = {
		{ "name", 0, true, &name, NULL, NULL, NULL },
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	char				*pos[8], *job = NULL, *abs = NULL;
	size_t				 i, k;
	int				 npos = 0, ret, rc;

	if (argc > 8)
		return mlxctl_usage_error(&cmd_cache_entry);
	if ((ret = cmd_run_args(&cmd_cache_entry, opts, argc, argv, pos,
	    &npos)) != MLXCTL_EXIT_OK)
		return ret;
	if (npos < 1 || npos > 2 || (npos == 2 && name != NULL))
		return mlxctl_usage_error(&cmd_cache_entry);
	if (npos == 2)
		name = pos[1];
	if ((abs = realpath(pos[0], NULL)) == NULL) {
		fprintf(stderr, "mlxctl: %s: %s\n", pos[0], strerror(errno));
		return MLXCTL_EXIT_ERROR;
	}
	rc = mlxd_cache_link(m->client, abs, name, &job);
	if (rc != 0) {
		free(abs);
		return mlxctl_fail(m, rc);
	}
	rc = cmd_cache_follow(m, job, &j);
	free(job);
	mlxd_cache_job_free(j);
	if (rc == 0)
		rc = mlxd_cache_apps(m->client, &a);
	if (rc != 0) {
		free(abs);
		return mlxctl_fail(m, rc);
	}
	if (m->json)
		output_json_pretty(stdout, a->raw_json, strlen(a->raw_json));
	for (i = 0; !m->json && i < a->napps; i++) {
		if (strcmp(a->apps[i].path, abs) != 0)
			continue;
		printf("Linked app %s (%s).\n", a->apps[i].name,
		    a->apps[i].path);
		if (a->apps[i].nmodels == 0)
			printf("It uses no indexed model yet.\n");
		for (k = 0; k < a->apps[i].nmodels; k++)
			printf("  uses %s (via %s)\n", a->apps[i].models[k].ref,
			    a->apps[i].models[k].via);
	}
	free(abs);
	mlxd_cache_apps_free(a);
	return MLXCTL_EXIT_OK;
}

/* mlxctl cache unlink NAME */
static int
cmd_cache_unlink(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_cache_job	*j = NULL;
	char			*job = NULL;
	int			 rc;

	if (argc != 2)
		return mlxctl_usage_error(&cmd_cache_entry);
	if ((rc = mlxd_cache_unlink(m->client, argv[1], &job)) != 0)
		return mlxctl_fail(m, rc);
	rc = cmd_cache_follow(m, job, &j);
	free(job);
	mlxd_cache_job_free(j);
	if (rc != 0)
		return mlxctl_fail(m, rc);
	if (!m->json)
		printf("Unlinked app %s.\n", argv[1]);
	else
		printf("{\n  \"name\": \"%s\"\n}\n", argv[1]);
	return MLXCTL_EXIT_OK;
}

/* mlxctl cache apps */
static int
cmd_cache_apps(struct mlxctl *m, int argc, char **argv)
{
	static const char *const hdr[] = { "APP", "PATH", "USES" };
	struct mlxd_cache_apps	*a = NULL;
	struct output_table	*t;
	const char		*cells[3];
	char			*uses;
	size_t			 i, k, len;
	int			 rc;

	(void)argv;
	if (argc != 1)
		return mlxctl_usage_error(&cmd_cache_entry);
	if (m->json)
		return mlxctl_print_json(m, "/v1/cache/apps");
	if ((rc = mlxd_cache_apps(m->client, &a)) != 0)
		return mlxctl_fail(m, rc);
	if (a->napps == 0) {
		printf("No app is linked (mlxctl cache link APP_PATH).\n");
		mlxd_cache_apps_free(a);
		return MLXCTL_EXIT_OK;
	}
	t = output_table_new(3, hdr);
	for (i = 0; i < a->napps; i++) {
		/* One row per app: the models it uses, comma-separated. */
		for (len = 0, k = 0; k < a->apps[i].nmodels; k++)
			len += strlen(a->apps[i].models[k].ref) + 2;
		if ((uses = calloc(1, len + 1)) == NULL)
			output_oom();
		for (k = 0; k < a->apps[i].nmodels; k++) {
			if (k > 0)
				strcat(uses, ", ");
			strcat(uses, a->apps[i].models[k].ref);
		}
		cells[0] = a->apps[i].name;
		cells[1] = a->apps[i].path;
		cells[2] = uses;
		output_table_add(t, cells);
		free(uses);
	}
	output_table_print(t, stdout);
	output_table_free(t);
	mlxd_cache_apps_free(a);
	return MLXCTL_EXIT_OK;
}

/* mlxctl cache config */
static int
cmd_cache_config(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_cache_config	*cfg = NULL;
	char				 size[32], *s;
	int				 rc;

	(void)argv;
	if (argc != 1)
		return mlxctl_usage_error(&cmd_cache_entry);
	if (m->json)
		return mlxctl_print_json(m, "/v1/cache/config");
	if ((rc = mlxd_cache_config(m->client, &cfg)) != 0)
		return mlxctl_fail(m, rc);
	s = cmd_cache_join(cfg->dedup_methods, cfg->ndedup_methods);
	printf("cache.dedup.methods   %s\n", s);
	free(s);
	output_size(size, sizeof size, cfg->min_size_bytes);
	printf("cache.min_size_bytes  %lld (%s)\n",
	    (long long)cfg->min_size_bytes, size);
	s = cmd_cache_join(cfg->roots, cfg->nroots);
	printf("cache.roots           %s\n", *s != '\0' ? s : "-");
	free(s);
	printf("cache.scan_on_start   %s\n", cfg->scan_on_start ? "true" :
	    "false");
	printf("cache.dir             %s\n", cfg->dir != NULL ? cfg->dir :
	    "-");
	s = cmd_cache_join(cfg->added_roots, cfg->nadded_roots);
	printf("added folders         %s\n", *s != '\0' ? s : "-");
	free(s);
	mlxd_cache_config_free(cfg);
	return MLXCTL_EXIT_OK;
}

static int
cmd_cache_help(FILE *f)
{
	fputs("usage: mlxctl [--json] cache VERB [ARGS]\n"
	    "  status                 every model on disk (the default)\n"
	    "  stats                  logical vs physical bytes, what was "
	    "saved\n"
	    "  sync                   rescan every store\n"
	    "  dedup [--dry-run] [--method clone|hardlink|symlink] "
	    "[--link-user-files]\n"
	    "                         find identical files; without "
	    "--dry-run, share them\n"
	    "  clean [--dry-run] [--kind KIND]...\n"
	    "                         orphan_blob, detached_revision, "
	    "stale_partial,\n"
	    "                         stale_temp, unused_model; without "
	    "--dry-run, delete\n"
	    "  add URI                hf://org/repo[@rev], ollama://name[:tag],"
	    " file:///folder\n"
	    "  remove MODEL [--force] [--delete-files]\n"
	    "                         delete a model (a ref from status); a\n"
	    "                         local: one is only forgotten unless\n"
	    "                         --delete-files\n"
	    "  link APP_PATH [NAME]   link an app folder; unlink NAME\n"
	    "  apps                   linked apps and the models they use\n"
	    "  config                 the cache options in effect\n", f);
	return f == stdout ? MLXCTL_EXIT_OK : MLXCTL_EXIT_USAGE;
}

static int
cmd_cache_exec(struct mlxctl *m, int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*fn)(struct mlxctl *, int, char **);
	} verbs[] = {
		{ "status", cmd_cache_status },
		{ "ls", cmd_cache_status },
		{ "stats", cmd_cache_stats },
		{ "sync", cmd_cache_sync },
		{ "dedup", cmd_cache_dedup },
		{ "clean", cmd_cache_clean },
		{ "add", cmd_cache_add },
		{ "remove", cmd_cache_remove },
		{ "rm", cmd_cache_remove },
		{ "link", cmd_cache_link },
		{ "unlink", cmd_cache_unlink },
		{ "apps", cmd_cache_apps },
		{ "config", cmd_cache_config },
	};
	size_t	i;

	if (argc == 1)
		return cmd_cache_status(m, 1, argv);
	if (strcmp(argv[1], "help") == 0)
		return cmd_cache_help(stdout);
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].fn(m, argc - 1, argv + 1);
	fprintf(stderr, "mlxctl: cache: unknown verb '%s'\n", argv[1]);
	return cmd_cache_help(stderr);
}

const struct cmd_entry cmd_cache_entry = {
	.name = "cache",
	.alias = NULL,
	.usage = "[VERB] [ARGS] (mlxctl cache help lists the verbs)",
	.help = "the model cache: every model on disk, duplicates, cleanup",
	.exec = cmd_cache_exec,
	.verbs = "status stats sync dedup clean add remove:cachemodels link "
	    "unlink apps config help",
	.complete = NULL,
};
