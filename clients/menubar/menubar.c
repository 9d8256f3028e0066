/* SPDX-License-Identifier: ISC */
/*
 * menubar.c: the title and dropdown of the menu-bar plugin, in the BitBar
 * format that SwiftBar, xbar and Argos read.
 *
 * The three hosts agree on "title, ---, items | key=value" and on color=,
 * font=, bash=, terminal=, refresh= and href=; they differ in details this
 * file handles in one place each: SwiftBar takes a "light,dark" color pair
 * and SF Symbols (sfimage=); xbar and SwiftBar pass arguments as param1=..;
 * Argos runs bash="a command line" and reads Pango markup with backslash
 * escapes, so & < > and \ are escaped for it. Text from the daemon never contains a raw "|" or newline
 * (they would end the title or start parameters). Unknown figures show as
 * "n/a". Nothing here reads the clock or the environment on its own.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <mlxd/mlxd.h>

#include "menubar.h"

#define MENUBAR_MAX_MODELS	4
#define MENUBAR_BAR_CELLS	10
#define MENUBAR_PARAMS_LEN	2048
#define MENUBAR_TEXT_LEN	512

/* Colors as light/dark pairs (Apple's accessible system colors). */
enum menubar_color {
	MENUBAR_COLOR_NONE = 0,
	MENUBAR_COLOR_RED,
	MENUBAR_COLOR_ORANGE,
	MENUBAR_COLOR_GREEN,
	MENUBAR_COLOR_GREY,
};

static const struct {
	const char	*light;
	const char	*dark;
} menubar_colors[] = {
	[MENUBAR_COLOR_NONE] = { NULL, NULL },
	[MENUBAR_COLOR_RED] = { "#d70015", "#ff6961" },
	[MENUBAR_COLOR_ORANGE] = { "#c93400", "#ffb340" },
	[MENUBAR_COLOR_GREEN] = { "#248a3d", "#30d158" },
	[MENUBAR_COLOR_GREY] = { "#6e6e73", "#98989d" },
};

/* One dropdown line being built: its text and its parameters. */
struct menubar_line {
	char	 text[MENUBAR_TEXT_LEN];
	char	 params[MENUBAR_PARAMS_LEN];
	size_t	 plen;
};

static bool
menubar_dark(const struct menubar_opts *o)
{
	if (o->appearance == MENUBAR_APPEARANCE_DARK)
		return true;
	/* GNOME Shell's menus are dark unless told otherwise. */
	return o->appearance == MENUBAR_APPEARANCE_UNKNOWN &&
	    o->host == MENUBAR_HOST_ARGOS;
}

/* Detect the host and its appearance from the environment. */
void
menubar_detect(struct menubar_opts *o, const char *(*getenv_fn)(const char *))
{
	const char	*v;

	if ((v = getenv_fn("SWIFTBAR")) != NULL && *v != '\0')
		o->host = MENUBAR_HOST_SWIFTBAR;
	else if ((v = getenv_fn("ARGOS_VERSION")) != NULL && *v != '\0')
		o->host = MENUBAR_HOST_ARGOS;
	else
		o->host = MENUBAR_HOST_XBAR;
	o->appearance = MENUBAR_APPEARANCE_UNKNOWN;
	if ((v = getenv_fn("OS_APPEARANCE")) != NULL && *v != '\0')
		o->appearance = strcasecmp(v, "dark") == 0 ?
		    MENUBAR_APPEARANCE_DARK : MENUBAR_APPEARANCE_LIGHT;
	else if ((v = getenv_fn("XBARDarkMode")) != NULL && *v != '\0')
		o->appearance = strcmp(v, "true") == 0 ?
		    MENUBAR_APPEARANCE_DARK : MENUBAR_APPEARANCE_LIGHT;
	else if ((v = getenv_fn("BitBarDarkMode")) != NULL)
		o->appearance = *v != '\0' && strcmp(v, "0") != 0 &&
		    strcmp(v, "false") != 0 ? MENUBAR_APPEARANCE_DARK :
		    MENUBAR_APPEARANCE_LIGHT;
}

/* Drop namespaces and ":latest". */
void
menubar_short_name(char *buf, size_t len, const char *name)
{
	const char	*slash, *colon;
	size_t		 n;

	if (name == NULL || *name == '\0') {
		snprintf(buf, len, "?");
		return;
	}
	if ((slash = strrchr(name, '/')) != NULL && slash[1] != '\0')
		name = slash + 1;
	n = strlen(name);
	if ((colon = strrchr(name, ':')) != NULL &&
	    strcmp(colon, ":latest") == 0)
		n = (size_t)(colon - name);
	snprintf(buf, len, "%.*s", (int)n, name);
}

/* Sum of the running generations' rates; NAN when none has one yet. */
static double
menubar_rate(const struct mlxd_status_generation *g)
{
	double	 sum = 0;
	size_t	 i;
	bool	 any = false;

	for (i = 0; i < g->nactive; i++)
		if (!isnan(g->active[i].tokens_per_s)) {
			sum += g->active[i].tokens_per_s;
			any = true;
		}
	return any ? sum : NAN;
}

/* The menu-bar title. */
void
menubar_title(char *buf, size_t len, const struct menubar_state *s)
{
	const struct mlxd_status	*st = s->status;
	char				 name[MENUBAR_TITLE_LEN];
	double				 rate;

	if (s->err != 0 || st == NULL) {
		snprintf(buf, len, "\xe2\x9a\xa0 mlxd");
		return;
	}
	if (!st->ollama.connected) {
		snprintf(buf, len, "\xe2\x97\x8b");
		return;
	}
	if (st->generation.present && st->generation.nactive > 0) {
		rate = menubar_rate(&st->generation);
		if (isnan(rate))
			snprintf(buf, len, "\xe2\x80\xa6 tok/s");
		else
			snprintf(buf, len, "%.0f tok/s", rate);
		return;
	}
	if (st->ollama.nrunning > 0) {
		menubar_short_name(name, sizeof name,
		    st->ollama.running[0].name);
		if (st->ollama.nrunning > 1)
			snprintf(buf, len, "%s +%zu", name,
			    st->ollama.nrunning - 1);
		else
			snprintf(buf, len, "%s", name);
		return;
	}
	snprintf(buf, len, "\xe2\x97\x8f");
}

/*
 * Write text as a host shows it: no "|" (it starts the parameters), no
 * control characters, and for Argos Pango markup escaped.
 */
static void
menubar_put_text(FILE *f, const struct menubar_opts *o, const char *text)
{
	const char	*p;

	for (p = text; *p != '\0'; p++) {
		if (*p == '|')
			fputs("\xc2\xa6", f);
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fputc(' ', f);
		else if (o->host == MENUBAR_HOST_ARGOS && *p == '\\')
			fputs("\\\\", f);
		else if (o->host == MENUBAR_HOST_ARGOS && *p == '&')
			fputs("&amp;", f);
		else if (o->host == MENUBAR_HOST_ARGOS && *p == '<')
			fputs("&lt;", f);
		else if (o->host == MENUBAR_HOST_ARGOS && *p == '>')
			fputs("&gt;", f);
		else
			fputc(*p, f);
	}
}

static void
menubar_line_init(struct menubar_line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
menubar_line_init(struct menubar_line *l, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(l->text, sizeof l->text, fmt, ap);
	va_end(ap);
	l->params[0] = '\0';
	l->plen = 0;
}

/* Add " key=value", double-quoting a value with spaces or quotes. */
static void
menubar_param(struct menubar_line *l, const char *key, const char *value)
{
	const char	*p;
	char		 v[MENUBAR_TEXT_LEN];
	size_t		 n = 0;
	bool		 quote;
	int		 w;

	quote = strpbrk(value, " \t\"'=|") != NULL || *value == '\0';
	for (p = value; *p != '\0' && n + 3 < sizeof v; p++) {
		if ((unsigned char)*p < 0x20 || *p == '|')
			continue;
		if (*p == '"' || *p == '\\')
			v[n++] = '\\';
		v[n++] = *p;
	}
	v[n] = '\0';
	w = snprintf(l->params + l->plen, sizeof l->params - l->plen,
	    quote ? " %s=\"%s\"" : " %s=%s", key, v);
	if (w > 0 && (size_t)w < sizeof l->params - l->plen)
		l->plen += (size_t)w;
	else
		l->params[l->plen] = '\0';
}

static void
menubar_color(const struct menubar_opts *o, struct menubar_line *l,
    enum menubar_color c)
{
	char	 pair[32];

	if (c == MENUBAR_COLOR_NONE)
		return;
	if (o->host == MENUBAR_HOST_SWIFTBAR) {
		snprintf(pair, sizeof pair, "%s,%s", menubar_colors[c].light,
		    menubar_colors[c].dark);
		menubar_param(l, "color", pair);
	} else
		menubar_param(l, "color", menubar_dark(o) ?
		    menubar_colors[c].dark : menubar_colors[c].light);
}

/* An SF Symbol: SwiftBar only. */
static void
menubar_symbol(const struct menubar_opts *o, struct menubar_line *l,
    const char *name)
{
	if (o->host == MENUBAR_HOST_SWIFTBAR)
		menubar_param(l, "sfimage", name);
}

static void
menubar_mono(const struct menubar_opts *o, struct menubar_line *l)
{
	menubar_param(l, "font", o->host == MENUBAR_HOST_ARGOS ? "monospace" :
	    "Menlo");
}

/* Append one argument to a shell command line, quoted when needed. */
static void
menubar_shell_arg(char *cmd, size_t len, const char *arg)
{
	const char	*p;
	size_t		 n = strlen(cmd);
	bool		 quote = *arg == '\0' ||
			    strpbrk(arg, " \t\"'\\$`!*?[]{}()<>;&|#~") != NULL;

	if (n > 0 && n + 1 < len)
		cmd[n++] = ' ';
	if (quote && n + 1 < len)
		cmd[n++] = '"';
	for (p = arg; *p != '\0' && n + 3 < len; p++) {
		if (quote && (*p == '"' || *p == '\\' || *p == '$' ||
		    *p == '`'))
			cmd[n++] = '\\';
		cmd[n++] = *p;
	}
	if (quote && n + 1 < len)
		cmd[n++] = '"';
	cmd[n < len ? n : len - 1] = '\0';
}

/*
 * Make l run argv (prefix, then more, both NULL-terminated; more may be
 * NULL): bash=/path param1=... for SwiftBar and xbar, bash='command line'
 * for Argos.
 */
static void
menubar_action(const struct menubar_opts *o, struct menubar_line *l,
    const char *const *prefix, const char *const *more, bool terminal,
    bool refresh)
{
	const char *const	*lists[2] = { prefix, more };
	char			 cmd[MENUBAR_TEXT_LEN] = "", key[16];
	int			 n = 0, i, j;

	for (i = 0; i < 2; i++) {
		if (lists[i] == NULL)
			continue;
		for (j = 0; lists[i][j] != NULL; j++) {
			if (o->host == MENUBAR_HOST_ARGOS)
				menubar_shell_arg(cmd, sizeof cmd, lists[i][j]);
			else if (n == 0)
				menubar_param(l, "bash", lists[i][j]);
			else {
				snprintf(key, sizeof key, "param%d", n);
				menubar_param(l, key, lists[i][j]);
			}
			n++;
		}
	}
	if (o->host == MENUBAR_HOST_ARGOS)
		menubar_param(l, "bash", cmd);
	menubar_param(l, "terminal", terminal ? "true" : "false");
	if (refresh)
		menubar_param(l, "refresh", "true");
}

/* Run mlxctl (with --socket when one was given) and then args. */
static void
menubar_mlxctl_do(const struct menubar_opts *o, struct menubar_line *l,
    const char *const *args, bool terminal, bool refresh)
{
	const char	*prefix[4] = { o->mlxctl, NULL, NULL, NULL };

	if (o->socket != NULL) {
		prefix[1] = "--socket";
		prefix[2] = o->socket;
	}
	menubar_action(o, l, prefix, args, terminal, refresh);
}

static void
menubar_mlxctl(const struct menubar_opts *o, struct menubar_line *l,
    const char *const *args, bool terminal)
{
	menubar_mlxctl_do(o, l, args, terminal, false);
}

static void
menubar_emit(FILE *f, const struct menubar_opts *o,
    const struct menubar_line *l)
{
	menubar_put_text(f, o, l->text);
	if (l->plen > 0)
		fprintf(f, " |%s", l->params);
	fputc('\n', f);
}

/* Print a line of text with an optional color and nothing else. */
static void
menubar_item(FILE *f, const struct menubar_opts *o, enum menubar_color c,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
menubar_item(FILE *f, const struct menubar_opts *o, enum menubar_color c,
    const char *fmt, ...)
{
	struct menubar_line	 l;
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(l.text, sizeof l.text, fmt, ap);
	va_end(ap);
	l.params[0] = '\0';
	l.plen = 0;
	menubar_color(o, &l, c);
	menubar_emit(f, o, &l);
}

/* "12.3 GB", "512 MB", "n/a". */
static void
menubar_bytes(char *buf, size_t len, int64_t b)
{
	if (b == MLXD_NULL_INT64)
		snprintf(buf, len, "n/a");
	else if (b >= 1000000000)
		snprintf(buf, len, "%.1f GB", (double)b / 1e9);
	else if (b >= 1000000)
		snprintf(buf, len, "%.0f MB", (double)b / 1e6);
	else
		snprintf(buf, len, "%lld KB", (long long)(b / 1000));
}

static void
menubar_pct(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.0f%%", v);
}

/* "▰▰▰▱▱▱▱▱▱▱" for pct; all empty when unknown. */
static void
menubar_bar(char *buf, size_t len, double pct)
{
	size_t	 n = 0;
	long	 fill = 0;
	int	 i;

	if (!isnan(pct))
		fill = lround((pct < 0 ? 0 : pct > 100 ? 100 : pct) *
		    MENUBAR_BAR_CELLS / 100.0);
	for (i = 0; i < MENUBAR_BAR_CELLS && n + 4 < len; i++) {
		memcpy(buf + n, i < fill ? "\xe2\x96\xb0" : "\xe2\x96\xb1", 3);
		n += 3;
	}
	buf[n] = '\0';
}

/* "unloads in 4 min", "kept loaded", "unloading", or "" when unknown. */
static void
menubar_until(char *buf, size_t len, int64_t expires_ms, int64_t now_ms)
{
	int64_t	 left;

	buf[0] = '\0';
	if (expires_ms == MLXD_NULL_INT64)
		return;
	left = (expires_ms - now_ms) / 1000;
	if (left / 86400 / 365 > 20)
		snprintf(buf, len, "kept loaded");
	else if (left < 0)
		snprintf(buf, len, "unloading");
	else if (left < 60)
		snprintf(buf, len, "unloads in %llds", (long long)left);
	else if (left < 3600 * 2)
		snprintf(buf, len, "unloads in %lld min",
		    (long long)((left + 59) / 60));
	else
		snprintf(buf, len, "unloads in %lld h",
		    (long long)((left + 1799) / 3600));
}

static void
menubar_down(FILE *f, const struct menubar_opts *o,
    const struct menubar_state *s)
{
	struct menubar_line	 l;

	if (s->err == MLXD_ENODAEMON)
		menubar_item(f, o, MENUBAR_COLOR_RED, "mlxd is not running");
	else
		menubar_item(f, o, MENUBAR_COLOR_RED, "mlxd: %s",
		    s->err_detail != NULL ? s->err_detail :
		    mlxd_strerror(s->err));
	if (s->socket_path != NULL)
		menubar_item(f, o, MENUBAR_COLOR_GREY, "Socket: %s",
		    s->socket_path);
	if (o->start_argv != NULL && s->err == MLXD_ENODAEMON) {
		menubar_line_init(&l, "Start mlxd");
		menubar_symbol(o, &l, "play.circle");
		menubar_action(o, &l, o->start_argv, NULL, false, true);
		menubar_emit(f, o, &l);
	}
}

static void
menubar_ollama(FILE *f, const struct menubar_opts *o,
    const struct mlxd_status_ollama *ol, int64_t now)
{
	const struct mlxd_running_model	*r;
	struct menubar_line		 l;
	char				 vram[32], size[32], until[64];
	size_t				 i;

	if (!ol->connected) {
		menubar_line_init(&l, "Ollama is not running");
		menubar_color(o, &l, MENUBAR_COLOR_RED);
		menubar_symbol(o, &l, "xmark.circle");
		menubar_emit(f, o, &l);
		if (ol->last_error != NULL)
			menubar_item(f, o, MENUBAR_COLOR_GREY, "%s",
			    ol->last_error);
		if (ol->url != NULL)
			menubar_item(f, o, MENUBAR_COLOR_GREY, "%s", ol->url);
		return;
	}
	menubar_line_init(&l, "Ollama %s", ol->version != NULL ? ol->version :
	    "");
	menubar_symbol(o, &l, "checkmark.circle");
	menubar_emit(f, o, &l);
	if (ol->nrunning == 0) {
		menubar_item(f, o, MENUBAR_COLOR_GREY, "No model loaded");
		return;
	}
	for (i = 0; i < ol->nrunning && i < MENUBAR_MAX_MODELS; i++) {
		r = &ol->running[i];
		menubar_bytes(vram, sizeof vram, r->vram_bytes);
		menubar_line_init(&l, "%s \xc2\xb7 %s %s \xc2\xb7 %s VRAM",
		    r->name != NULL ? r->name : "?",
		    r->parameter_size != NULL ? r->parameter_size : "n/a",
		    r->quantization_level != NULL ? r->quantization_level :
		    "n/a", vram);
		menubar_symbol(o, &l, "cube");
		menubar_emit(f, o, &l);
		menubar_bytes(size, sizeof size, r->size_bytes);
		menubar_item(f, o, MENUBAR_COLOR_NONE, "--Memory %s, %s in VRAM",
		    size, vram);
		if (r->context_length != MLXD_NULL_INT64)
			menubar_item(f, o, MENUBAR_COLOR_NONE, "--Context %lld",
			    (long long)r->context_length);
		menubar_until(until, sizeof until, r->expires_at_ms, now);
		if (until[0] != '\0')
			menubar_item(f, o, MENUBAR_COLOR_NONE, "--%s", until);
	}
	if (ol->nrunning > MENUBAR_MAX_MODELS)
		menubar_item(f, o, MENUBAR_COLOR_GREY, "and %zu more",
		    ol->nrunning - MENUBAR_MAX_MODELS);
}

static void
menubar_rate_text(char *buf, size_t len, double r)
{
	if (isnan(r))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.1f tok/s", r);
}

static void
menubar_ms_text(char *buf, size_t len, double ms)
{
	if (isnan(ms))
		snprintf(buf, len, "n/a");
	else if (ms >= 1000)
		snprintf(buf, len, "%.2f s", ms / 1000);
	else
		snprintf(buf, len, "%.0f ms", ms);
}

static void
menubar_generation(FILE *f, const struct menubar_opts *o,
    const struct mlxd_status *st)
{
	const struct mlxd_status_generation	*g = &st->generation;
	const struct mlxd_generation_last	*last = g->last;
	const struct mlxd_benchmark_progress	*b = st->benchmark.active;
	struct menubar_line			 l;
	char	 name[MENUBAR_TITLE_LEN], rate[32], ms[32], eta[32];
	size_t	 i;

	for (i = 0; g->present && i < g->nactive && i < MENUBAR_MAX_MODELS;
	    i++) {
		menubar_short_name(name, sizeof name, g->active[i].model);
		menubar_rate_text(rate, sizeof rate, g->active[i].tokens_per_s);
		menubar_line_init(&l, "Generating \xc2\xb7 %s \xc2\xb7 %s", name,
		    rate);
		menubar_color(o, &l, MENUBAR_COLOR_GREEN);
		menubar_symbol(o, &l, "bolt.horizontal");
		menubar_emit(f, o, &l);
	}
	if (g->present && last != NULL) {
		menubar_short_name(name, sizeof name, last->model);
		menubar_rate_text(rate, sizeof rate, last->tokens_per_s);
		menubar_line_init(&l, "Last \xc2\xb7 %s \xc2\xb7 %s", name, rate);
		if (last->tokens != MLXD_NULL_INT64) {
			size_t	 n = strlen(l.text);

			snprintf(l.text + n, sizeof l.text - n,
			    " \xc2\xb7 %lld tokens", (long long)last->tokens);
		}
		if (last->error != NULL)
			menubar_color(o, &l, MENUBAR_COLOR_RED);
		menubar_symbol(o, &l, "speedometer");
		menubar_emit(f, o, &l);
		menubar_ms_text(ms, sizeof ms, last->ttft_ms);
		menubar_item(f, o, MENUBAR_COLOR_NONE,
		    "--Time to first token %s", ms);
		if (last->prompt_tokens != MLXD_NULL_INT64) {
			menubar_rate_text(rate, sizeof rate,
			    last->prompt_tokens_per_s);
			menubar_item(f, o, MENUBAR_COLOR_NONE,
			    "--Prompt %lld tokens at %s",
			    (long long)last->prompt_tokens, rate);
		}
		if (!isnan(last->load_ms)) {
			menubar_ms_text(ms, sizeof ms, last->load_ms);
			menubar_item(f, o, MENUBAR_COLOR_NONE, "--Load %s", ms);
		}
		if (!isnan(last->total_ms)) {
			menubar_ms_text(ms, sizeof ms, last->total_ms);
			menubar_item(f, o, MENUBAR_COLOR_NONE, "--Total %s", ms);
		}
		if (last->error != NULL)
			menubar_item(f, o, MENUBAR_COLOR_RED, "--Error: %s",
			    last->error);
		else if (last->done_reason != NULL)
			menubar_item(f, o, MENUBAR_COLOR_NONE,
			    "--Finished (%s)", last->done_reason);
	}
	if (b != NULL) {
		menubar_short_name(name, sizeof name, b->model);
		menubar_pct(rate, sizeof rate, b->percent);
		if (isnan(b->eta_s))
			eta[0] = '\0';
		else
			snprintf(eta, sizeof eta, " \xc2\xb7 %.0f s left",
			    b->eta_s);
		menubar_line_init(&l, "Benchmark \xc2\xb7 %s \xc2\xb7 %s%s",
		    name, rate, eta);
		menubar_color(o, &l, MENUBAR_COLOR_ORANGE);
		menubar_symbol(o, &l, "stopwatch");
		menubar_emit(f, o, &l);
	}
}

static void
menubar_system(FILE *f, const struct menubar_opts *o,
    const struct mlxd_metrics *mt)
{
	struct menubar_line	 l;
	char			 bar[64], pct[16], used[32], total[32];
	char			 a[32], b[32];
	double			 memp = mlxd_metrics_memory_pct(mt);
	enum menubar_color	 c;
	size_t			 i, n;

	menubar_bar(bar, sizeof bar, memp);
	menubar_pct(pct, sizeof pct, memp);
	menubar_bytes(used, sizeof used, mt->memory.used_bytes);
	menubar_bytes(total, sizeof total, mt->memory.total_bytes);
	menubar_line_init(&l, "Memory %s %s \xc2\xb7 %s / %s", bar, pct, used,
	    total);
	if (mt->memory.pressure_level >= 2)
		menubar_color(o, &l, MENUBAR_COLOR_RED);
	else if (mt->memory.pressure_level == 1)
		menubar_color(o, &l, MENUBAR_COLOR_ORANGE);
	menubar_mono(o, &l);
	menubar_symbol(o, &l, "memorychip");
	menubar_emit(f, o, &l);

	menubar_pct(pct, sizeof pct, mt->gpu.utilization_pct);
	menubar_line_init(&l, "GPU %s", pct);
	menubar_symbol(o, &l, "cpu");
	menubar_emit(f, o, &l);

	menubar_pct(pct, sizeof pct, mt->cpu.utilization_pct);
	menubar_line_init(&l, "CPU %s", pct);
	for (i = 0; i < mt->cpu.nclusters; i++) {
		menubar_pct(a, sizeof a, mt->cpu.clusters[i].utilization_pct);
		n = strlen(l.text);
		snprintf(l.text + n, sizeof l.text - n, "%s%s %s",
		    i == 0 ? " (" : " \xc2\xb7 ", mt->cpu.clusters[i].label,
		    a);
	}
	if (mt->cpu.nclusters > 0) {
		n = strlen(l.text);
		snprintf(l.text + n, sizeof l.text - n, ")");
	}
	menubar_symbol(o, &l, "cpu");
	menubar_emit(f, o, &l);

	if (isnan(mlxd_metrics_power_w(mt)))
		menubar_line_init(&l, "Power n/a");
	else
		menubar_line_init(&l, "Power %.1f W", mlxd_metrics_power_w(mt));
	if (!isnan(mt->power.cpu_w) || !isnan(mt->power.gpu_w)) {
		n = strlen(l.text);
		snprintf(a, sizeof a, isnan(mt->power.cpu_w) ? "n/a" : "%.1f",
		    mt->power.cpu_w);
		snprintf(b, sizeof b, isnan(mt->power.gpu_w) ? "n/a" : "%.1f",
		    mt->power.gpu_w);
		snprintf(l.text + n, sizeof l.text - n,
		    " (CPU %s \xc2\xb7 GPU %s)", a, b);
	}
	menubar_symbol(o, &l, "bolt");
	menubar_emit(f, o, &l);

	menubar_line_init(&l, "Thermal %s", mt->thermal.pressure != NULL ?
	    mt->thermal.pressure : "n/a");
	if (!isnan(mt->thermal.cpu_celsius) || !isnan(mt->thermal.gpu_celsius)) {
		n = strlen(l.text);
		snprintf(a, sizeof a, isnan(mt->thermal.cpu_celsius) ? "n/a" :
		    "%.0f \xc2\xb0" "C", mt->thermal.cpu_celsius);
		snprintf(b, sizeof b, isnan(mt->thermal.gpu_celsius) ? "n/a" :
		    "%.0f \xc2\xb0" "C", mt->thermal.gpu_celsius);
		snprintf(l.text + n, sizeof l.text - n,
		    " (CPU %s \xc2\xb7 GPU %s)", a, b);
	}
	c = MENUBAR_COLOR_NONE;
	if (mt->thermal.pressure_level >= 2)
		c = MENUBAR_COLOR_RED;
	else if (mt->thermal.pressure_level == 1)
		c = MENUBAR_COLOR_ORANGE;
	menubar_color(o, &l, c);
	menubar_symbol(o, &l, "thermometer.medium");
	menubar_emit(f, o, &l);
}

static void
menubar_actions(FILE *f, const struct menubar_opts *o,
    const struct menubar_state *s)
{
	const struct mlxd_status_ollama	*ol = &s->status->ollama;
	const char			*args[3];
	const char			*file[2];
	struct menubar_line		 l;
	char				 name[MENUBAR_TITLE_LEN];
	size_t				 i;

	for (i = 0; ol->connected && o->mlxctl != NULL && i < ol->nrunning &&
	    i < MENUBAR_MAX_MODELS; i++) {
		if (ol->running[i].name == NULL)
			continue;
		menubar_short_name(name, sizeof name, ol->running[i].name);
		menubar_line_init(&l, "Benchmark %s", name);
		menubar_symbol(o, &l, "stopwatch");
		args[0] = "bench";
		args[1] = ol->running[i].name;
		args[2] = NULL;
		menubar_mlxctl(o, &l, args, true);
		menubar_emit(f, o, &l);
	}
	if (o->mlxctl != NULL) {
		menubar_line_init(&l, "Live monitor and history");
		menubar_symbol(o, &l, "chart.xyaxis.line");
		args[0] = "top";
		args[1] = NULL;
		menubar_mlxctl(o, &l, args, true);
		menubar_emit(f, o, &l);
	}
	if (s->config_file != NULL && strcmp(s->config_file, "/dev/null") != 0 &&
	    o->open_argv != NULL) {
		menubar_line_init(&l, "Edit config");
		menubar_symbol(o, &l, "gearshape");
		file[0] = s->config_file;
		file[1] = NULL;
		menubar_action(o, &l, o->open_argv, file, false, false);
		menubar_emit(f, o, &l);
	}
}

/*
 * The Preferences submenu: the Ollama URL (local, or typed in a terminal),
 * how often Ollama is polled, and whether mlxd starts at login, each
 * through mlxctl (config set, service install/uninstall).
 */
static void
menubar_prefs(FILE *f, const struct menubar_opts *o,
    const struct menubar_state *s)
{
	static const struct {
		const char	*label, *ms;
		int64_t		 v;
	} polls[] = {
		{ "1 s", "1000", 1000 }, { "2 s", "2000", 2000 },
		{ "5 s", "5000", 5000 },
	};
	const char		*args[6];
	struct menubar_line	 l;
	size_t			 i;

	if (o->mlxctl == NULL)
		return;
	menubar_line_init(&l, "Preferences");
	menubar_symbol(o, &l, "slider.horizontal.3");
	menubar_emit(f, o, &l);
	menubar_line_init(&l, "--Ollama: %s", s->status != NULL &&
	    s->status->ollama.url != NULL ? s->status->ollama.url : "n/a");
	menubar_emit(f, o, &l);
	menubar_line_init(&l, "--Use the local Ollama");
	args[0] = "config";
	args[1] = "set";
	args[2] = "ollama.url";
	args[3] = "http://127.0.0.1:11434";
	args[4] = NULL;
	menubar_mlxctl_do(o, &l, args, false, true);
	menubar_emit(f, o, &l);
	menubar_line_init(&l, "--Other Ollama URL...");
	args[3] = NULL;		/* mlxctl asks for it in the terminal */
	menubar_mlxctl_do(o, &l, args, true, true);
	menubar_emit(f, o, &l);
	for (i = 0; i < sizeof polls / sizeof polls[0]; i++) {
		menubar_line_init(&l, "--%sRefresh every %s",
		    s->poll_ms == polls[i].v ? "\xe2\x9c\x93 " : "",
		    polls[i].label);
		args[0] = "config";
		args[1] = "set";
		args[2] = "ollama.poll_interval_ms";
		args[3] = polls[i].ms;
		args[4] = NULL;
		menubar_mlxctl_do(o, &l, args, false, true);
		menubar_emit(f, o, &l);
	}
	menubar_line_init(&l, "--%sLaunch at login", o->login_item == 1 ?
	    "\xe2\x9c\x93 " : "");
	args[0] = "service";
	args[1] = o->login_item == 1 ? "uninstall" : "install";
	args[2] = NULL;
	menubar_mlxctl_do(o, &l, args, false, true);
	menubar_emit(f, o, &l);
}

/* Title, separator, dropdown. */
void
menubar_print(FILE *f, const struct menubar_opts *o,
    const struct menubar_state *s)
{
	const struct mlxd_status	*st = s->status;
	const struct mlxd_metrics	*mt = s->metrics;
	struct menubar_line		 l;
	char				 title[MENUBAR_TITLE_LEN];

	menubar_title(title, sizeof title, s);
	menubar_line_init(&l, "%s", title);
	menubar_emit(f, o, &l);
	fputs("---\n", f);
	if (s->err != 0 || st == NULL) {
		menubar_down(f, o, s);
		goto refresh;
	}
	menubar_ollama(f, o, &st->ollama, o->now_ms);
	menubar_generation(f, o, st);
	if (mt == NULL)
		mt = st->system;
	if (mt != NULL) {
		fputs("---\n", f);
		menubar_system(f, o, mt);
	}
	fputs("---\n", f);
	menubar_actions(f, o, s);
	menubar_prefs(f, o, s);
refresh:
	menubar_line_init(&l, "Refresh");
	menubar_symbol(o, &l, "arrow.clockwise");
	menubar_param(&l, "refresh", "true");
	menubar_emit(f, o, &l);
}
