/* SPDX-License-Identifier: ISC */
/*
 * output.h: mlxctl's formatting: tables, sizes, times, colors, JSON.
 *
 * Everything here is a pure function of its arguments (the current time is
 * always passed in), so tests/unit/test_mlxctl_output.c can check the exact
 * text. Sizes and times read like Ollama's own CLI, so `mlxctl ps` and
 * `ollama ps` agree.
 */
#ifndef MLXCTL_OUTPUT_H
#define MLXCTL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mlxd/mlxd.h>

/* Spaces between two table columns. */
#define OUTPUT_TABLE_GAP	3
/* Enough for any string the output_* formatters make. */
#define OUTPUT_CELL_LEN		64

enum output_style {
	OUTPUT_RESET = 0,
	OUTPUT_BOLD,
	OUTPUT_GREEN,
	OUTPUT_RED,
	OUTPUT_YELLOW,
	OUTPUT_DIM,
};

struct output_table;

/* Print "mlxctl: out of memory" and exit 1; mlxctl does not go on without memory. */
_Noreturn void	 output_oom(void);

/* Turn colors on when stdout is a TTY, NO_COLOR is unset or empty and !disable. */
void		 output_color_init(bool disable);
/* The escape sequence for s, or "" when colors are off. */
const char	*output_style(enum output_style s);
/* Whether output_color_init() turned colors on. */
bool		 output_color_on(void);
/* The escape sequence for s whether or not colors are on. */
const char	*output_sgr(enum output_style s);

/* The current time in ms since the epoch. */
int64_t		 output_now_ms(void);

/*
 * Decimal size as Ollama prints it: "512 B", "4.9 GB", "14 GB", "1 TB";
 * "-" for MLXD_NULL_INT64.
 */
void	 output_size(char *buf, size_t len, int64_t bytes);

/*
 * t relative to now: "3 days ago", "4 minutes from now", "About an hour
 * ago", "Less than a second ago"; "Forever" when t is more than 20 years
 * ahead, "Never" for Go's zero time, "-" for MLXD_NULL_INT64.
 */
void	 output_reltime(char *buf, size_t len, int64_t t_ms, int64_t now_ms);

/*
 * The UNTIL column of a loaded model: "Stopping..." once expires_ms has
 * passed, else output_reltime() ("4 minutes from now", "Forever").
 */
void	 output_until(char *buf, size_t len, int64_t expires_ms,
	     int64_t now_ms);

/*
 * The PROCESSOR column: "100% GPU", "100% CPU", "48%/52% CPU/GPU" or
 * "Unknown" (vram larger than size, size 0, or either unknown).
 */
void	 output_processor(char *buf, size_t len, int64_t size_bytes,
	     int64_t vram_bytes);

/* A duration in seconds as "45s", "5m 10s", "2h 3m", "3d 4h"; "-" if null. */
void	 output_uptime(char *buf, size_t len, int64_t seconds);

/* The ID column: the first 12 hex digits of a digest ("sha256:" dropped). */
void	 output_short_id(char *buf, size_t len, const char *digest);

/* Columns of text as wide as a terminal shows them (UTF-8 code points). */
size_t	 output_width(const char *s);

/* A table with ncols columns titled headers[0..ncols-1] (copied). */
struct output_table *output_table_new(size_t ncols,
	     const char *const *headers);
/* Append a row of ncols cells (copied); a NULL cell prints as "-". */
void	 output_table_add(struct output_table *t, const char *const *cells);
/* Number of rows added so far. */
size_t	 output_table_rows(const struct output_table *t);
/*
 * Print the header and rows, left-aligned, columns OUTPUT_TABLE_GAP spaces
 * apart, no trailing spaces; the header is bold when colors are on.
 */
void	 output_table_print(const struct output_table *t, FILE *f);
void	 output_table_free(struct output_table *t);

/* NAME ID SIZE VRAM PROCESSOR CONTEXT UNTIL, as `mlxctl ps` prints it. */
void	 output_running_table(FILE *f, const struct mlxd_running_model *m,
	     size_t n, int64_t now_ms);
/* NAME ID SIZE FAMILY PARAMS QUANT MODIFIED, as `mlxctl models` prints it. */
void	 output_models_table(FILE *f, const struct mlxd_model *m, size_t n,
	     int64_t now_ms);

/*
 * Print JSON text re-indented by two spaces per level, keys and values in
 * the order received, and a final newline. Only whitespace outside strings
 * changes.
 */
void	 output_json_pretty(FILE *f, const char *json, size_t len);

#endif /* MLXCTL_OUTPUT_H */
