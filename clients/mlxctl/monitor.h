/* SPDX-License-Identifier: ISC */
/*
 * monitor.h: formatting shared by `mlxctl metrics`, `mlxctl system` and
 * `mlxctl top`: figures that may be unknown, gauges, sparklines, and the
 * time-bucketed series behind the sparklines.
 *
 * Everything here is pure (no clock, no I/O), so tests can check exact
 * text. An unknown figure (NAN or MLXD_NULL_INT64) prints as "n/a".
 */
#ifndef MLXCTL_MONITOR_H
#define MLXCTL_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mlxd/mlxd.h>

/* Enough for any string the monitor_* formatters make. */
#define MONITOR_CELL_LEN	64

/* Buckets a series keeps: more than a wide terminal shows. */
#define MONITOR_SERIES_LEN	512

/* "60.5%" (one decimal), "n/a" for NAN. */
void	 monitor_pct(char *buf, size_t len, double pct);

/* "12.4 W", "0.85 W" below 1 W, "n/a". */
void	 monitor_watts(char *buf, size_t len, double w);

/* "45.0 °C", "n/a". */
void	 monitor_celsius(char *buf, size_t len, double c);

/* "52.3 tok/s", "n/a". */
void	 monitor_rate(char *buf, size_t len, double tokens_per_s);

/* "105 ms", "1.25 s" from 1 s up, "n/a". */
void	 monitor_ms(char *buf, size_t len, double ms);

/* Decimal size with one decimal from 1 GB/MB/KB ("12.3 GB", "512 B"), "n/a". */
void	 monitor_bytes(char *buf, size_t len, int64_t bytes);

/*
 * A gauge of width cells (at most len - 1): round(pct% of width) '|', then
 * spaces; all spaces for NAN. Values are clamped to 0-100.
 */
void	 monitor_bar(char *buf, size_t len, int width, double pct);

/*
 * One sparkline glyph (UTF-8, "▁" to "█") for v on a scale from 0 to max,
 * or " " for NAN. Values at or below 0 give "▁", at or above max "█".
 */
const char *monitor_spark_glyph(double v, double max);

/*
 * The mean of the values added per step_ms of wall-clock time, for the last
 * MONITOR_SERIES_LEN steps. Zero-initialise, then monitor_series_init().
 */
struct monitor_series {
	int64_t	 step_ms;
	int64_t	 last;				/* newest bucket number, or MLXD_NULL_INT64 */
	double	 sum[MONITOR_SERIES_LEN];
	uint32_t cnt[MONITOR_SERIES_LEN];
};

void	 monitor_series_init(struct monitor_series *s, int64_t step_ms);

/*
 * Add value v (NAN: nothing measured, the bucket still exists) taken at
 * t_ms. Buckets between the newest one and t_ms's are emptied; values
 * older than the kept window are dropped.
 */
void	 monitor_series_add(struct monitor_series *s, int64_t t_ms, double v);

/*
 * The mean of bucket ago steps before the newest (0 = newest), NAN when
 * it has no value or is out of range.
 */
double	 monitor_series_get(const struct monitor_series *s, int ago);

/* The largest value among the newest n buckets, or NAN if none has one. */
double	 monitor_series_max(const struct monitor_series *s, int n);

/*
 * Write the newest n buckets as sparkline glyphs, oldest on the left, into
 * buf (NUL-terminated; needs 3 * n + 1 bytes). max <= 0 or NAN: the scale
 * is the largest value shown.
 */
void	 monitor_spark(char *buf, size_t len, const struct monitor_series *s,
	     int n, double max);

#endif /* MLXCTL_MONITOR_H */
