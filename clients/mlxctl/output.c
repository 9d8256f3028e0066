/* SPDX-License-Identifier: ISC */
/*
 * output.c: how mlxctl prints things.
 *
 * Sizes, relative times and the PROCESSOR column follow Ollama's CLI
 * (decimal units, "4 minutes from now", "100% GPU"), so numbers read the
 * same in `mlxctl ps` and `ollama ps`. Tables are left-aligned columns
 * separated by OUTPUT_TABLE_GAP spaces. Colors are used only on a terminal
 * and never when NO_COLOR is set. No function here talks to the daemon or
 * reads the clock on its own: the caller passes "now", which keeps them
 * testable.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mlxd/mlxd.h>

#include "output.h"

/* Go's zero time.Time, 0001-01-01T00:00:00Z, which Ollama's CLI shows as "Never". */
#define OUTPUT_GO_ZERO_MS	(-62135596800000LL)

#define OUTPUT_MS_HOUR		3600000LL

struct output_table {
	size_t	  ncols;
	size_t	  nrows;	/* the header is row 0 */
	size_t	  cap;
	char	**cells;	/* nrows * ncols strings */
};

static bool	 output_colors;

/* Give up: mlxctl is a short-lived command and cannot print without memory. */
void
output_oom(void)
{
	fputs("mlxctl: out of memory\n", stderr);
	exit(1);
}

/* Decide once whether stdout gets colors. */
void
output_color_init(bool disable)
{
	const char	*nc = getenv("NO_COLOR");

	output_colors = !disable && (nc == NULL || *nc == '\0') &&
	    isatty(STDOUT_FILENO);
}

/* Whether stdout gets colors. */
bool
output_color_on(void)
{
	return output_colors;
}

/* The SGR sequence for s. */
const char *
output_sgr(enum output_style s)
{
	switch (s) {
	case OUTPUT_BOLD:
		return "\033[1m";
	case OUTPUT_GREEN:
		return "\033[32m";
	case OUTPUT_RED:
		return "\033[31m";
	case OUTPUT_YELLOW:
		return "\033[33m";
	case OUTPUT_DIM:
		return "\033[2m";
	case OUTPUT_RESET:
	default:
		return "\033[0m";
	}
}

/* The SGR sequence for s, or "" without colors. */
const char *
output_style(enum output_style s)
{
	if (!output_colors)
		return "";
	return output_sgr(s);
}

/* Wall-clock time in ms since the epoch. */
int64_t
output_now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (int64_t)time(NULL) * 1000;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Ollama's HumanBytes: decimal units, one decimal below 10 unless whole. */
void
output_size(char *buf, size_t len, int64_t bytes)
{
	static const struct {
		long long	 div;
		const char	*unit;
	} units[] = {
		{ 1000000000000LL, "TB" },
		{ 1000000000LL, "GB" },
		{ 1000000LL, "MB" },
		{ 1000LL, "KB" },
	};
	long long	 b = bytes;
	size_t		 i;

	if (bytes == MLXD_NULL_INT64) {
		snprintf(buf, len, "-");
		return;
	}
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (b < units[i].div)
			continue;
		if (b / units[i].div >= 10 || b % units[i].div == 0)
			snprintf(buf, len, "%lld %s", b / units[i].div,
			    units[i].unit);
		else
			snprintf(buf, len, "%.1f %s",
			    (double)b / (double)units[i].div, units[i].unit);
		return;
	}
	snprintf(buf, len, "%lld B", b);
}

/* Ollama's humanDuration for a non-negative span of ms. */
static void
output_duration(char *buf, size_t len, int64_t ms)
{
	long long	 s = ms / 1000, m = ms / 60000, h;

	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s == 1)
		snprintf(buf, len, "1 second");
	else if (s < 60)
		snprintf(buf, len, "%lld seconds", s);
	else if (m == 1)
		snprintf(buf, len, "About a minute");
	else if (m < 60)
		snprintf(buf, len, "%lld minutes", m);
	else {
		/* Hours are rounded, not truncated, as Ollama does. */
		h = (ms + OUTPUT_MS_HOUR / 2) / OUTPUT_MS_HOUR;
		if (h == 1)
			snprintf(buf, len, "About an hour");
		else if (h < 48)
			snprintf(buf, len, "%lld hours", h);
		else if (h < 24 * 7 * 2)
			snprintf(buf, len, "%lld days", h / 24);
		else if (h < 24 * 30 * 2)
			snprintf(buf, len, "%lld weeks", h / 24 / 7);
		else if (h < 24 * 365 * 2)
			snprintf(buf, len, "%lld months", h / 24 / 30);
		else
			snprintf(buf, len, "%lld years", h / 24 / 365);
	}
}

/* t relative to now, as Ollama's HumanTime. */
void
output_reltime(char *buf, size_t len, int64_t t_ms, int64_t now_ms)
{
	char	 d[OUTPUT_CELL_LEN];
	int64_t	 delta;

	if (t_ms == MLXD_NULL_INT64) {
		snprintf(buf, len, "-");
		return;
	}
	if (t_ms == OUTPUT_GO_ZERO_MS) {
		snprintf(buf, len, "Never");
		return;
	}
	delta = now_ms - t_ms;
	/* Keep-alive < 0 puts expiry ~290 years ahead: that is "Forever". */
	if (delta / OUTPUT_MS_HOUR / 24 / 365 < -20) {
		snprintf(buf, len, "Forever");
		return;
	}
	if (delta < 0) {
		output_duration(d, sizeof d, -delta);
		snprintf(buf, len, "%s from now", d);
	} else {
		output_duration(d, sizeof d, delta);
		snprintf(buf, len, "%s ago", d);
	}
}

/* UNTIL: "Stopping..." once the expiry has passed, else relative. */
void
output_until(char *buf, size_t len, int64_t expires_ms, int64_t now_ms)
{
	if (expires_ms != MLXD_NULL_INT64 && expires_ms != OUTPUT_GO_ZERO_MS &&
	    now_ms > expires_ms)
		snprintf(buf, len, "Stopping...");
	else
		output_reltime(buf, len, expires_ms, now_ms);
}

/* PROCESSOR: how much of the model sits in GPU memory. */
void
output_processor(char *buf, size_t len, int64_t size_bytes,
    int64_t vram_bytes)
{
	int64_t	 cpu;

	if (size_bytes == MLXD_NULL_INT64 || vram_bytes == MLXD_NULL_INT64)
		snprintf(buf, len, "Unknown");
	else if (vram_bytes == 0)
		snprintf(buf, len, "100%% CPU");
	else if (vram_bytes == size_bytes)
		snprintf(buf, len, "100%% GPU");
	else if (vram_bytes > size_bytes || size_bytes <= 0 || vram_bytes < 0)
		snprintf(buf, len, "Unknown");
	else {
		/* round((size - vram) / size * 100) in integers. */
		cpu = ((size_bytes - vram_bytes) * 200 + size_bytes) /
		    (2 * size_bytes);
		snprintf(buf, len, "%lld%%/%lld%% CPU/GPU", (long long)cpu,
		    (long long)(100 - cpu));
	}
}

/* Uptime: the two largest units. */
void
output_uptime(char *buf, size_t len, int64_t seconds)
{
	long long	 s = seconds;

	if (seconds == MLXD_NULL_INT64 || s < 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm %llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh %lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd %lldh", s / 86400, s % 86400 / 3600);
}

/* ID: 12 hex digits of the digest. */
void
output_short_id(char *buf, size_t len, const char *digest)
{
	if (digest == NULL || *digest == '\0') {
		snprintf(buf, len, "-");
		return;
	}
	if (strncmp(digest, "sha256:", 7) == 0)
		digest += 7;
	snprintf(buf, len, "%.12s", digest);
}

/* Count UTF-8 code points: continuation bytes take no column. */
size_t
output_width(const char *s)
{
	size_t	 w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static char *
output_xstrdup(const char *s)
{
	char	*d;

	if ((d = strdup(s)) == NULL)
		output_oom();
	return d;
}

static void
output_table_row(struct output_table *t, const char *const *cells)
{
	char	**nc;
	size_t	  i, ncap;

	if (t->nrows == t->cap) {
		ncap = t->cap == 0 ? 8 : t->cap * 2;
		if (ncap > SIZE_MAX / sizeof *nc / (t->ncols + 1) ||
		    (nc = realloc(t->cells, ncap * t->ncols * sizeof *nc)) ==
		    NULL)
			output_oom();
		t->cells = nc;
		t->cap = ncap;
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = output_xstrdup(
		    cells[i] == NULL || *cells[i] == '\0' ? "-" : cells[i]);
	t->nrows++;
}

/* Start a table with its column titles. */
struct output_table *
output_table_new(size_t ncols, const char *const *headers)
{
	struct output_table	*t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		output_oom();
	t->ncols = ncols;
	output_table_row(t, headers);
	return t;
}

/* Append one row. */
void
output_table_add(struct output_table *t, const char *const *cells)
{
	output_table_row(t, cells);
}

/* Rows below the header. */
size_t
output_table_rows(const struct output_table *t)
{
	return t->nrows - 1;
}

/* Print the table, padding every column but the last. */
void
output_table_print(const struct output_table *t, FILE *f)
{
	size_t	*width, r, i, w;

	if ((width = calloc(t->ncols + 1, sizeof *width)) == NULL)
		output_oom();
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			w = output_width(t->cells[r * t->ncols + i]);
			if (w > width[i])
				width[i] = w;
		}
	for (r = 0; r < t->nrows; r++) {
		if (r == 0)
			fputs(output_style(OUTPUT_BOLD), f);
		for (i = 0; i < t->ncols; i++) {
			fputs(t->cells[r * t->ncols + i], f);
			if (i + 1 == t->ncols)
				break;
			w = width[i] - output_width(t->cells[r * t->ncols + i]);
			fprintf(f, "%*s", (int)(w + OUTPUT_TABLE_GAP), "");
		}
		if (r == 0)
			fputs(output_style(OUTPUT_RESET), f);
		fputc('\n', f);
	}
	free(width);
}

/* Free a table. Accepts NULL. */
void
output_table_free(struct output_table *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/* The loaded-models table of `mlxctl ps` and `mlxctl status`. */
void
output_running_table(FILE *f, const struct mlxd_running_model *m, size_t n,
    int64_t now_ms)
{
	static const char *const	 hdr[] = {
		"NAME", "ID", "SIZE", "VRAM", "PROCESSOR", "CONTEXT", "UNTIL"
	};
	struct output_table		*t;
	char				 id[OUTPUT_CELL_LEN], size[OUTPUT_CELL_LEN];
	char				 vram[OUTPUT_CELL_LEN], proc[OUTPUT_CELL_LEN];
	char				 ctx[OUTPUT_CELL_LEN], until[OUTPUT_CELL_LEN];
	const char			*cells[7];
	size_t				 i;

	t = output_table_new(7, hdr);
	for (i = 0; i < n; i++) {
		output_short_id(id, sizeof id, m[i].digest);
		output_size(size, sizeof size, m[i].size_bytes);
		output_size(vram, sizeof vram, m[i].vram_bytes);
		output_processor(proc, sizeof proc, m[i].size_bytes,
		    m[i].vram_bytes);
		if (m[i].context_length == MLXD_NULL_INT64)
			snprintf(ctx, sizeof ctx, "-");
		else
			snprintf(ctx, sizeof ctx, "%lld",
			    (long long)m[i].context_length);
		output_until(until, sizeof until, m[i].expires_at_ms, now_ms);
		cells[0] = m[i].name;
		cells[1] = id;
		cells[2] = size;
		cells[3] = vram;
		cells[4] = proc;
		cells[5] = ctx;
		cells[6] = until;
		output_table_add(t, cells);
	}
	output_table_print(t, f);
	output_table_free(t);
}

/* The installed-models table of `mlxctl models`. */
void
output_models_table(FILE *f, const struct mlxd_model *m, size_t n,
    int64_t now_ms)
{
	static const char *const	 hdr[] = {
		"NAME", "ID", "SIZE", "FAMILY", "PARAMS", "QUANT", "MODIFIED"
	};
	struct output_table		*t;
	char				 id[OUTPUT_CELL_LEN], size[OUTPUT_CELL_LEN];
	char				 mod[OUTPUT_CELL_LEN];
	const char			*cells[7];
	size_t				 i;

	t = output_table_new(7, hdr);
	for (i = 0; i < n; i++) {
		output_short_id(id, sizeof id, m[i].digest);
		output_size(size, sizeof size, m[i].size_bytes);
		output_reltime(mod, sizeof mod, m[i].modified_at_ms, now_ms);
		cells[0] = m[i].name;
		cells[1] = id;
		cells[2] = size;
		cells[3] = m[i].family;
		cells[4] = m[i].parameter_size;
		cells[5] = m[i].quantization_level;
		cells[6] = mod;
		output_table_add(t, cells);
	}
	output_table_print(t, f);
	output_table_free(t);
}

static void
output_json_newline(FILE *f, int depth)
{
	fputc('\n', f);
	fprintf(f, "%*s", depth * 2, "");
}

/* Re-indent JSON text without parsing it: only structure characters matter. */
void
output_json_pretty(FILE *f, const char *json, size_t len)
{
	size_t	 i, j;
	int	 depth = 0;
	bool	 in_string = false, escaped = false;
	char	 ch;

	for (i = 0; i < len; i++) {
		ch = json[i];
		if (in_string) {
			fputc(ch, f);
			if (escaped)
				escaped = false;
			else if (ch == '\\')
				escaped = true;
			else if (ch == '"')
				in_string = false;
			continue;
		}
		switch (ch) {
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			break;
		case '"':
			in_string = true;
			fputc(ch, f);
			break;
		case '{':
		case '[':
			fputc(ch, f);
			/* Print empty containers as {} and []. */
			for (j = i + 1; j < len && (json[j] == ' ' ||
			    json[j] == '\t' || json[j] == '\n' ||
			    json[j] == '\r'); j++)
				;
			if (j < len && json[j] == (ch == '{' ? '}' : ']')) {
				fputc(json[j], f);
				i = j;
				break;
			}
			output_json_newline(f, ++depth);
			break;
		case '}':
		case ']':
			output_json_newline(f, depth > 0 ? --depth : 0);
			fputc(ch, f);
			break;
		case ',':
			fputc(ch, f);
			output_json_newline(f, depth);
			break;
		case ':':
			fputs(": ", f);
			break;
		default:
			fputc(ch, f);
			break;
		}
	}
	fputc('\n', f);
}
