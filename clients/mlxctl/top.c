/* SPDX-License-Identifier: ISC */
/*
 * top.c: what `mlxctl top` draws: a header (host, chip, daemon, Ollama),
 * the loaded models, running or last generation, a running benchmark,
 * gauges for memory, CPU and GPU, power and thermal lines, and sparklines
 * of the last minutes.
 *
 * Lines are built with a width budget: text past the terminal's width is
 * cut at a code point boundary, and SGR sequences (only when colors are on)
 * take no width. When the terminal has fewer rows than the frame, the
 * lines at the bottom go first: the sparklines, then the gauges; the header
 * always stays.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mlxd/mlxd.h>

#include "monitor.h"
#include "output.h"
#include "top.h"

#define TOP_MAX_COLS		1000
#define TOP_LINE_MAX		(TOP_MAX_COLS * 4 + 256)
#define TOP_MAX_MODELS		4
#define TOP_MAX_ACTIVE		3
#define TOP_LABEL_WIDTH		6	/* "TOK/s " before a sparkline */

struct top_line {
	char	 buf[TOP_LINE_MAX];
	size_t	 len;
	int	 width;
	int	 maxw;
	bool	 color;
	bool	 styled;
};

static void
top_line_init(struct top_line *l, int maxw, bool color)
{
	l->len = 0;
	l->buf[0] = '\0';
	l->width = 0;
	l->maxw = maxw;
	l->color = color;
	l->styled = false;
}

/* Append visible text, one column per code point, up to the width. */
static void
top_line_puts(struct top_line *l, const char *s)
{
	size_t	 n;

	while (*s != '\0' && l->width < l->maxw) {
		n = 1;
		while (((unsigned char)s[n] & 0xc0) == 0x80)
			n++;
		if (l->len + n + 8 >= sizeof l->buf)
			break;
		/* Control characters from the daemon never reach the terminal. */
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			l->buf[l->len++] = '?';
		else {
			memcpy(l->buf + l->len, s, n);
			l->len += n;
		}
		l->width++;
		s += n;
	}
	l->buf[l->len] = '\0';
}

static void
top_line_printf(struct top_line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
top_line_printf(struct top_line *l, const char *fmt, ...)
{
	char	 tmp[TOP_LINE_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	top_line_puts(l, tmp);
}

static void
top_line_style(struct top_line *l, enum output_style st)
{
	const char	*sgr;
	size_t		 n;

	if (!l->color)
		return;
	sgr = output_sgr(st);
	n = strlen(sgr);
	if (l->len + n + 8 >= sizeof l->buf)
		return;
	memcpy(l->buf + l->len, sgr, n);
	l->len += n;
	l->buf[l->len] = '\0';
	l->styled = st != OUTPUT_RESET;
}

/* Pad with spaces to column col. */
static void
top_line_pad(struct top_line *l, int col)
{
	while (l->width < col && l->width < l->maxw)
		top_line_puts(l, " ");
}

static void
top_frame_add(struct top_frame *f, struct top_line *l)
{
	char	**nl;
	size_t	  ncap;

	if (l->styled)
		top_line_style(l, OUTPUT_RESET);
	if (f->n == f->cap) {
		ncap = f->cap == 0 ? 32 : f->cap * 2;
		if ((nl = realloc(f->lines, ncap * sizeof *nl)) == NULL)
			output_oom();
		f->lines = nl;
		f->cap = ncap;
	}
	if ((f->lines[f->n] = strdup(l->buf)) == NULL)
		output_oom();
	f->n++;
}

/* Free a frame's lines. */
void
top_frame_free(struct top_frame *f)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		free(f->lines[i]);
	free(f->lines);
	memset(f, 0, sizeof *f);
}

/* Drop the namespace and a ":latest" tag. */
void
top_short_model(char *buf, size_t len, const char *name)
{
	const char	*slash, *colon;
	size_t		 n;

	if (name == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	if ((slash = strrchr(name, '/')) != NULL)
		name = slash + 1;
	n = strlen(name);
	if ((colon = strrchr(name, ':')) != NULL &&
	    strcmp(colon, ":latest") == 0)
		n = (size_t)(colon - name);
	snprintf(buf, len, "%.*s", (int)n, name);
}

/*
 * When a loaded model will be unloaded, short: "in 4m 10s", "Forever"
 * (keep-alive < 0 puts it centuries ahead), "Stopping...", "-".
 */
static void
top_until(char *buf, size_t len, int64_t expires_ms, int64_t now_ms)
{
	char	 d[OUTPUT_CELL_LEN / 2];
	int64_t	 left;

	if (expires_ms == MLXD_NULL_INT64) {
		snprintf(buf, len, "-");
		return;
	}
	left = expires_ms - now_ms;
	if (left / 1000 / 86400 / 365 > 20)
		snprintf(buf, len, "Forever");
	else if (left < 0)
		snprintf(buf, len, "Stopping...");
	else {
		output_uptime(d, sizeof d, left / 1000);
		snprintf(buf, len, "in %s", d);
	}
}

/* Start every series empty. */
void
top_series_init(struct monitor_series *series)
{
	int	 i;

	for (i = 0; i < TOP_NSERIES; i++)
		monitor_series_init(&series[i], TOP_STEP_MS);
}

static double
top_hist(const double *v, size_t i)
{
	return v != NULL ? v[i] : NAN;
}

/* Seed from the daemon's history. */
void
top_series_seed(struct monitor_series *series,
    const struct mlxd_metrics_history *h)
{
	const double	*cpu, *gpu, *used, *total, *sys;
	const double	*rails[4];
	double		 p, u, t;
	size_t		 i, r;
	bool		 any;

	cpu = mlxd_metrics_history_values(h, "cpu_pct");
	gpu = mlxd_metrics_history_values(h, "gpu_pct");
	used = mlxd_metrics_history_values(h, "mem_used_bytes");
	total = mlxd_metrics_history_values(h, "mem_total_bytes");
	sys = mlxd_metrics_history_values(h, "power_system_w");
	rails[0] = mlxd_metrics_history_values(h, "power_cpu_w");
	rails[1] = mlxd_metrics_history_values(h, "power_gpu_w");
	rails[2] = mlxd_metrics_history_values(h, "power_ane_w");
	rails[3] = mlxd_metrics_history_values(h, "power_dram_w");
	for (i = 0; i < h->npoints; i++) {
		if (h->t_ms[i] == MLXD_NULL_INT64)
			continue;
		monitor_series_add(&series[TOP_SERIES_CPU], h->t_ms[i],
		    top_hist(cpu, i));
		monitor_series_add(&series[TOP_SERIES_GPU], h->t_ms[i],
		    top_hist(gpu, i));
		u = top_hist(used, i);
		t = top_hist(total, i);
		monitor_series_add(&series[TOP_SERIES_MEM], h->t_ms[i],
		    !isnan(u) && !isnan(t) && t > 0 ? 100 * u / t : NAN);
		/* The same rule as mlxd_metrics_power_w(). */
		p = top_hist(sys, i);
		if (isnan(p)) {
			p = 0;
			any = false;
			for (r = 0; r < 4; r++)
				if (!isnan(top_hist(rails[r], i))) {
					p += rails[r][i];
					any = true;
				}
			if (!any)
				p = NAN;
		}
		monitor_series_add(&series[TOP_SERIES_POWER], h->t_ms[i], p);
		/* No token history: the buckets exist but stay empty. */
		monitor_series_add(&series[TOP_SERIES_TOKENS], h->t_ms[i], NAN);
	}
}

/* Tokens per second of the running generations. */
double
top_tokens_per_s(const struct mlxd_status *st)
{
	double	 sum = 0;
	size_t	 i;

	if (st == NULL || !st->generation.present)
		return NAN;
	for (i = 0; i < st->generation.nactive; i++)
		if (!isnan(st->generation.active[i].tokens_per_s))
			sum += st->generation.active[i].tokens_per_s;
	return sum;
}

/* Add one live sample. */
void
top_series_sample(struct monitor_series *series,
    const struct mlxd_metrics *mt, const struct mlxd_status *st)
{
	int64_t	 t = mt->t_ms;

	if (t == MLXD_NULL_INT64)
		return;
	monitor_series_add(&series[TOP_SERIES_CPU], t,
	    mt->cpu.utilization_pct);
	monitor_series_add(&series[TOP_SERIES_GPU], t,
	    mt->gpu.utilization_pct);
	monitor_series_add(&series[TOP_SERIES_MEM], t,
	    mlxd_metrics_memory_pct(mt));
	monitor_series_add(&series[TOP_SERIES_POWER], t,
	    mlxd_metrics_power_w(mt));
	monitor_series_add(&series[TOP_SERIES_TOKENS], t,
	    top_tokens_per_s(st));
}

static const char *
top_str(const char *s)
{
	return s != NULL && *s != '\0' ? s : "n/a";
}

static void
top_header(const struct top_model *m, int cols, struct top_frame *f)
{
	const struct mlxd_status	*st = m->status;
	const struct mlxd_system	*sys = m->system;
	struct top_line			 l;
	char				 up[OUTPUT_CELL_LEN];
	char				 mem[MONITOR_CELL_LEN];

	top_line_init(&l, cols, m->color);
	top_line_style(&l, OUTPUT_BOLD);
	top_line_printf(&l, "mlxd %s", st != NULL && st->daemon.version !=
	    NULL ? st->daemon.version : "");
	top_line_style(&l, OUTPUT_RESET);
	if (sys != NULL) {
		top_line_printf(&l, " \xc2\xb7 %s \xc2\xb7 %s",
		    top_str(sys->hostname), top_str(sys->chip));
		if (sys->cpus_logical != MLXD_NULL_INT64)
			top_line_printf(&l, " \xc2\xb7 %lld CPUs",
			    (long long)sys->cpus_logical);
		if (sys->memory_total_bytes != MLXD_NULL_INT64) {
			monitor_bytes(mem, sizeof mem,
			    sys->memory_total_bytes);
			top_line_printf(&l, " \xc2\xb7 %s", mem);
		}
		if (sys->os_name != NULL)
			top_line_printf(&l, " \xc2\xb7 %s%s%s", sys->os_name,
			    sys->os_version != NULL ? " " : "",
			    sys->os_version != NULL ? sys->os_version : "");
	}
	if (st != NULL) {
		output_uptime(up, sizeof up, st->daemon.uptime_s);
		top_line_printf(&l, " \xc2\xb7 up %s", up);
	}
	top_frame_add(f, &l);

	top_line_init(&l, cols, m->color);
	if (st == NULL)
		top_line_puts(&l, "Ollama: waiting for mlxd");
	else if (st->ollama.connected) {
		top_line_puts(&l, "Ollama ");
		top_line_style(&l, OUTPUT_GREEN);
		top_line_puts(&l, "up");
		top_line_style(&l, OUTPUT_RESET);
		top_line_printf(&l, " %s at %s", top_str(st->ollama.version),
		    top_str(st->ollama.url));
	} else {
		top_line_puts(&l, "Ollama ");
		top_line_style(&l, OUTPUT_RED);
		top_line_puts(&l, "down");
		top_line_style(&l, OUTPUT_RESET);
		top_line_printf(&l, " at %s", top_str(st->ollama.url));
		if (st->ollama.last_error != NULL)
			top_line_printf(&l, " (%s)", st->ollama.last_error);
	}
	top_frame_add(f, &l);

	if (m->message != NULL) {
		top_line_init(&l, cols, m->color);
		top_line_style(&l, OUTPUT_RED);
		top_line_puts(&l, m->message);
		top_frame_add(f, &l);
	}
}

static void
top_models(const struct top_model *m, int cols, struct top_frame *f)
{
	const struct mlxd_status_ollama	*o = &m->status->ollama;
	const struct mlxd_running_model	*r;
	struct top_line			 l;
	char				 size[OUTPUT_CELL_LEN];
	char				 vram[OUTPUT_CELL_LEN];
	char				 proc[OUTPUT_CELL_LEN];
	char				 until[OUTPUT_CELL_LEN];
	size_t				 i;
	int				 namew = 5, w;

	if (!o->connected)
		return;
	top_line_init(&l, cols, m->color);
	if (o->nrunning == 0) {
		top_line_puts(&l, "No models loaded.");
		top_frame_add(f, &l);
		return;
	}
	for (i = 0; i < o->nrunning && i < TOP_MAX_MODELS; i++) {
		w = (int)output_width(top_str(o->running[i].name));
		if (w > namew)
			namew = w;
	}
	if (namew > 32)
		namew = 32;
	top_line_style(&l, OUTPUT_BOLD);
	top_line_puts(&l, "MODEL");
	top_line_pad(&l, namew + 2);
	top_line_puts(&l, "PARAMS  QUANT   SIZE    VRAM    PROCESSOR        "
	    "UNTIL");
	top_frame_add(f, &l);
	for (i = 0; i < o->nrunning && i < TOP_MAX_MODELS; i++) {
		r = &o->running[i];
		output_size(size, sizeof size, r->size_bytes);
		output_size(vram, sizeof vram, r->vram_bytes);
		output_processor(proc, sizeof proc, r->size_bytes,
		    r->vram_bytes);
		top_until(until, sizeof until, r->expires_at_ms, m->now_ms);
		/* A very long name is cut at its column. */
		top_line_init(&l, namew < cols ? namew : cols, m->color);
		top_line_puts(&l, top_str(r->name));
		l.maxw = cols;
		top_line_pad(&l, namew + 2);
		top_line_puts(&l, top_str(r->parameter_size));
		top_line_pad(&l, namew + 10);
		top_line_puts(&l, top_str(r->quantization_level));
		top_line_pad(&l, namew + 18);
		top_line_puts(&l, size);
		top_line_pad(&l, namew + 26);
		top_line_puts(&l, vram);
		top_line_pad(&l, namew + 34);
		top_line_puts(&l, proc);
		top_line_pad(&l, namew + 51);
		top_line_puts(&l, until);
		top_frame_add(f, &l);
	}
	if (o->nrunning > TOP_MAX_MODELS) {
		top_line_init(&l, cols, m->color);
		top_line_printf(&l, "... and %zu more",
		    o->nrunning - TOP_MAX_MODELS);
		top_frame_add(f, &l);
	}
}

static void
top_generation(const struct top_model *m, int cols, struct top_frame *f)
{
	const struct mlxd_status_generation	*g = &m->status->generation;
	const struct mlxd_generation_last	*last = g->last;
	const struct mlxd_generation		*a;
	struct top_line				 l;
	char	 rate[MONITOR_CELL_LEN], ttft[MONITOR_CELL_LEN];
	char	 prate[MONITOR_CELL_LEN], ago[OUTPUT_CELL_LEN];
	size_t	 i;

	if (!g->present)
		return;
	for (i = 0; i < g->nactive && i < TOP_MAX_ACTIVE; i++) {
		a = &g->active[i];
		monitor_rate(rate, sizeof rate, a->tokens_per_s);
		monitor_ms(ttft, sizeof ttft, a->ttft_ms);
		top_line_init(&l, cols, m->color);
		top_line_style(&l, OUTPUT_GREEN);
		top_line_puts(&l, "\xe2\x96\xb6 ");
		top_line_style(&l, OUTPUT_BOLD);
		top_line_printf(&l, "%s  %s", top_str(a->model), rate);
		top_line_style(&l, OUTPUT_RESET);
		top_line_printf(&l, "  TTFT %s", ttft);
		if (a->chunks != MLXD_NULL_INT64)
			top_line_printf(&l, "  %lld chunks",
			    (long long)a->chunks);
		if (a->route != NULL)
			top_line_printf(&l, "  %s", a->route);
		if (a->client != NULL)
			top_line_printf(&l, "  from %s", a->client);
		top_frame_add(f, &l);
	}
	if (g->nactive > 0)
		return;
	top_line_init(&l, cols, m->color);
	if (last == NULL) {
		top_line_puts(&l, "No generation yet.");
		top_frame_add(f, &l);
		return;
	}
	monitor_rate(rate, sizeof rate, last->tokens_per_s);
	monitor_ms(ttft, sizeof ttft, last->ttft_ms);
	monitor_rate(prate, sizeof prate, last->prompt_tokens_per_s);
	top_line_printf(&l, "Last: %s  %s", top_str(last->model), rate);
	if (last->ended_at_ms != MLXD_NULL_INT64) {
		output_uptime(ago, sizeof ago, last->ended_at_ms <= m->now_ms ?
		    (m->now_ms - last->ended_at_ms) / 1000 : 0);
		top_line_printf(&l, "  %s ago", ago);
	}
	if (last->tokens != MLXD_NULL_INT64)
		top_line_printf(&l, "  %lld tok", (long long)last->tokens);
	top_line_printf(&l, "  TTFT %s", ttft);
	if (last->prompt_tokens != MLXD_NULL_INT64)
		top_line_printf(&l, "  prompt %lld @ %s",
		    (long long)last->prompt_tokens, prate);
	if (last->error != NULL) {
		top_line_style(&l, OUTPUT_RED);
		top_line_printf(&l, "  error: %s", last->error);
	}
	top_frame_add(f, &l);
}

static void
top_benchmark(const struct top_model *m, int cols, struct top_frame *f)
{
	const struct mlxd_benchmark_progress	*b;
	struct top_line				 l;
	char					 pct[MONITOR_CELL_LEN];

	if ((b = m->status->benchmark.active) == NULL)
		return;
	monitor_pct(pct, sizeof pct, b->percent);
	top_line_init(&l, cols, m->color);
	top_line_style(&l, OUTPUT_YELLOW);
	top_line_puts(&l, "Benchmark");
	top_line_style(&l, OUTPUT_RESET);
	top_line_printf(&l, ": %s  %s  %s", top_str(b->model),
	    top_str(b->state), pct);
	if (!isnan(b->eta_s))
		top_line_printf(&l, "  ETA %.0f s", b->eta_s);
	if (b->test != NULL)
		top_line_printf(&l, "  test %s", b->test);
	if (b->repetition != MLXD_NULL_INT64)
		top_line_printf(&l, " #%lld", (long long)b->repetition);
	top_frame_add(f, &l);
}

static enum output_style
top_level_style(double pct)
{
	if (isnan(pct) || pct < 60)
		return OUTPUT_GREEN;
	if (pct < 85)
		return OUTPUT_YELLOW;
	return OUTPUT_RED;
}

/* "LBL [|||||     ] " with the filled part colored; nothing when bw is 0. */
static void
top_gauge(struct top_line *l, const char *label, int bw, double pct)
{
	char	 bar[TOP_MAX_COLS + 1];
	size_t	 fill;

	top_line_style(l, OUTPUT_BOLD);
	top_line_printf(l, "%-4s", label);
	top_line_style(l, OUTPUT_RESET);
	if (bw <= 0)
		return;
	monitor_bar(bar, sizeof bar, bw, pct);
	fill = strspn(bar, "|");
	top_line_puts(l, "[");
	top_line_style(l, top_level_style(pct));
	top_line_printf(l, "%.*s", (int)fill, bar);
	top_line_style(l, OUTPUT_RESET);
	top_line_printf(l, "%s] ", bar + fill);
}

static void
top_gauges(const struct top_model *m, const struct mlxd_metrics *mt,
    int cols, struct top_frame *f)
{
	const struct mlxd_metrics_power	*pw = &mt->power;
	struct top_line			 l;
	char	 a[MONITOR_CELL_LEN], b[MONITOR_CELL_LEN], c[MONITOR_CELL_LEN];
	double	 memp = mlxd_metrics_memory_pct(mt);
	size_t	 i;
	int	 bw;

	bw = cols - 60;
	if (bw > 40)
		bw = 40;
	if (bw < 10)
		bw = cols >= 40 ? 10 : 0;

	top_line_init(&l, cols, m->color);
	top_gauge(&l, "MEM", bw, memp);
	monitor_pct(a, sizeof a, memp);
	monitor_bytes(b, sizeof b, mt->memory.used_bytes);
	monitor_bytes(c, sizeof c, mt->memory.total_bytes);
	top_line_printf(&l, "%s  %s / %s", a, b, c);
	monitor_bytes(a, sizeof a, mt->memory.swap_used_bytes);
	monitor_bytes(b, sizeof b, mt->memory.swap_total_bytes);
	top_line_printf(&l, "  swap %s / %s", a, b);
	if (mt->memory.pressure != NULL) {
		top_line_puts(&l, "  ");
		if (mt->memory.pressure_level >= 1)
			top_line_style(&l, mt->memory.pressure_level >= 2 ?
			    OUTPUT_RED : OUTPUT_YELLOW);
		top_line_puts(&l, mt->memory.pressure);
		top_line_style(&l, OUTPUT_RESET);
	}
	top_frame_add(f, &l);

	top_line_init(&l, cols, m->color);
	top_gauge(&l, "CPU", bw, mt->cpu.utilization_pct);
	monitor_pct(a, sizeof a, mt->cpu.utilization_pct);
	top_line_puts(&l, a);
	for (i = 0; i < mt->cpu.nclusters; i++) {
		monitor_pct(a, sizeof a, mt->cpu.clusters[i].utilization_pct);
		top_line_printf(&l, "  %s %s", top_str(mt->cpu.clusters[i].label),
		    a);
	}
	if (!isnan(mt->cpu.load_1m))
		top_line_printf(&l, "  load %.2f %.2f %.2f", mt->cpu.load_1m,
		    mt->cpu.load_5m, mt->cpu.load_15m);
	top_frame_add(f, &l);

	top_line_init(&l, cols, m->color);
	top_gauge(&l, "GPU", bw, mt->gpu.utilization_pct);
	monitor_pct(a, sizeof a, mt->gpu.utilization_pct);
	top_line_puts(&l, a);
	if (!isnan(mt->gpu.frequency_mhz))
		top_line_printf(&l, "  %.0f MHz", mt->gpu.frequency_mhz);
	if (mt->gpu.memory_used_bytes != MLXD_NULL_INT64) {
		monitor_bytes(a, sizeof a, mt->gpu.memory_used_bytes);
		monitor_bytes(b, sizeof b, mt->gpu.memory_total_bytes);
		top_line_printf(&l, "  memory %s / %s", a, b);
	}
	top_frame_add(f, &l);

	top_line_init(&l, cols, m->color);
	top_line_style(&l, OUTPUT_BOLD);
	top_line_puts(&l, "PWR ");
	top_line_style(&l, OUTPUT_RESET);
	monitor_watts(a, sizeof a, mlxd_metrics_power_w(mt));
	top_line_puts(&l, a);
	if (!isnan(pw->cpu_w) || !isnan(pw->gpu_w) || !isnan(pw->ane_w) ||
	    !isnan(pw->dram_w)) {
		monitor_watts(a, sizeof a, pw->cpu_w);
		monitor_watts(b, sizeof b, pw->gpu_w);
		top_line_printf(&l, "  CPU %s  GPU %s", a, b);
		monitor_watts(a, sizeof a, pw->ane_w);
		monitor_watts(b, sizeof b, pw->dram_w);
		top_line_printf(&l, "  ANE %s  DRAM %s", a, b);
	}
	top_frame_add(f, &l);

	top_line_init(&l, cols, m->color);
	top_line_style(&l, OUTPUT_BOLD);
	top_line_puts(&l, "TMP ");
	top_line_style(&l, OUTPUT_RESET);
	if (mt->thermal.pressure_level >= 2)
		top_line_style(&l, OUTPUT_RED);
	else if (mt->thermal.pressure_level == 1)
		top_line_style(&l, OUTPUT_YELLOW);
	top_line_puts(&l, top_str(mt->thermal.pressure));
	top_line_style(&l, OUTPUT_RESET);
	monitor_celsius(a, sizeof a, mt->thermal.cpu_celsius);
	monitor_celsius(b, sizeof b, mt->thermal.gpu_celsius);
	top_line_printf(&l, "  CPU %s  GPU %s", a, b);
	top_frame_add(f, &l);
}

static void
top_sparks(const struct top_model *m, int cols, struct top_frame *f)
{
	static const struct {
		const char	*label;
		double		 max;	/* 0: scale to the largest shown */
	} rows[TOP_NSERIES] = {
		{ "CPU", 100 }, { "GPU", 100 }, { "MEM", 100 }, { "PWR", 0 },
		{ "TOK/s", 0 },
	};
	struct top_line	 l;
	char		 spark[MONITOR_SERIES_LEN * 3 + 1];
	char		 val[MONITOR_CELL_LEN], span[OUTPUT_CELL_LEN];
	double		 v;
	int64_t		 secs;
	int		 i, sw;

	sw = cols - TOP_LABEL_WIDTH - 12;
	if (sw > MONITOR_SERIES_LEN)
		sw = MONITOR_SERIES_LEN;
	if (sw < 4)
		return;
	/* The columns shown, but never more than the daemon has been up. */
	secs = (int64_t)sw * TOP_STEP_MS / 1000;
	if (m->status != NULL && m->status->daemon.uptime_s >= 0 &&
	    m->status->daemon.uptime_s < secs)
		secs = m->status->daemon.uptime_s;
	output_uptime(span, sizeof span, secs);
	top_line_init(&l, cols, m->color);
	top_line_style(&l, OUTPUT_DIM);
	top_line_printf(&l, "last %s, %d s per column", span,
	    TOP_STEP_MS / 1000);
	top_frame_add(f, &l);
	for (i = 0; i < TOP_NSERIES; i++) {
		monitor_spark(spark, sizeof spark, &m->series[i], sw,
		    rows[i].max);
		v = monitor_series_get(&m->series[i], 0);
		if (isnan(v))
			v = monitor_series_get(&m->series[i], 1);
		/*
		 * The tokens figure is the live one the generation lines show
		 * (0 when nothing runs), not the column's average.
		 */
		if (i == TOP_SERIES_TOKENS && m->status != NULL &&
		    m->status->generation.present)
			v = top_tokens_per_s(m->status);
		if (i == TOP_SERIES_POWER)
			monitor_watts(val, sizeof val, v);
		else if (i == TOP_SERIES_TOKENS)
			snprintf(val, sizeof val, isnan(v) ? "n/a" : "%.1f", v);
		else
			monitor_pct(val, sizeof val, v);
		top_line_init(&l, cols, m->color);
		top_line_style(&l, OUTPUT_BOLD);
		top_line_printf(&l, "%-*s", TOP_LABEL_WIDTH, rows[i].label);
		top_line_style(&l, OUTPUT_RESET);
		top_line_style(&l, OUTPUT_GREEN);
		top_line_puts(&l, spark);
		top_line_style(&l, OUTPUT_RESET);
		top_line_printf(&l, " %s", val);
		top_frame_add(f, &l);
	}
}

static void
top_blank(const struct top_model *m, int cols, struct top_frame *f)
{
	struct top_line	 l;

	top_line_init(&l, cols, m->color);
	top_frame_add(f, &l);
}

/* Render one frame. */
void
top_render(const struct top_model *m, int cols, int rows, struct top_frame *f)
{
	const struct mlxd_metrics	*mt = m->metrics;
	struct top_line			 l;

	if (cols < 20)
		cols = 20;
	if (cols > TOP_MAX_COLS)
		cols = TOP_MAX_COLS;
	if (mt == NULL && m->status != NULL)
		mt = m->status->system;

	top_header(m, cols, f);
	if (m->status != NULL) {
		top_blank(m, cols, f);
		top_models(m, cols, f);
		top_generation(m, cols, f);
		top_benchmark(m, cols, f);
	}
	top_blank(m, cols, f);
	if (mt != NULL)
		top_gauges(m, mt, cols, f);
	else {
		top_line_init(&l, cols, m->color);
		top_line_puts(&l, "No metrics sample yet.");
		top_frame_add(f, &l);
	}
	if (m->series != NULL) {
		top_blank(m, cols, f);
		top_sparks(m, cols, f);
	}
	if (m->live) {
		top_line_init(&l, cols, m->color);
		top_line_style(&l, OUTPUT_DIM);
		top_line_puts(&l, "q quit");
		top_frame_add(f, &l);
	}
	while (rows > 0 && f->n > (size_t)rows)
		free(f->lines[--f->n]);
}
