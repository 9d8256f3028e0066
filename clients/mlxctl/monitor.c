/* SPDX-License-Identifier: ISC */
/*
 * monitor.c: how mlxctl prints live figures: percentages, watts, degrees,
 * token rates, gauges and sparklines, plus the bucketed series that feed
 * the sparklines of `mlxctl top`.
 *
 * The daemon reports an unmeasured figure as null (NAN or MLXD_NULL_INT64
 * through libmlxd); it is printed as "n/a", never as 0. A series bucket
 * covers step_ms of wall-clock time, aligned to multiples of step_ms since
 * the epoch like the daemon's history buckets, so points seeded from
 * /v1/metrics/history and live samples land in the same buckets.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <mlxd/mlxd.h>

#include "monitor.h"

static const char *const monitor_glyphs[] = {
	"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};

#define MONITOR_NGLYPHS	(sizeof monitor_glyphs / sizeof monitor_glyphs[0])

/* Percent with one decimal. */
void
monitor_pct(char *buf, size_t len, double pct)
{
	if (isnan(pct))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.1f%%", pct);
}

/* Watts: one decimal, two below 1 W. */
void
monitor_watts(char *buf, size_t len, double w)
{
	if (isnan(w))
		snprintf(buf, len, "n/a");
	else if (w < 1 && w > -1)
		snprintf(buf, len, "%.2f W", w);
	else
		snprintf(buf, len, "%.1f W", w);
}

/* Degrees Celsius with one decimal. */
void
monitor_celsius(char *buf, size_t len, double c)
{
	if (isnan(c))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.1f \xc2\xb0" "C", c);
}

/* Tokens per second with one decimal. */
void
monitor_rate(char *buf, size_t len, double tokens_per_s)
{
	if (isnan(tokens_per_s))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.1f tok/s", tokens_per_s);
}

/* Milliseconds, or seconds from one second up. */
void
monitor_ms(char *buf, size_t len, double ms)
{
	if (isnan(ms))
		snprintf(buf, len, "n/a");
	else if (ms >= 1000)
		snprintf(buf, len, "%.2f s", ms / 1000);
	else
		snprintf(buf, len, "%.0f ms", ms);
}

/* Decimal bytes with one decimal. */
void
monitor_bytes(char *buf, size_t len, int64_t bytes)
{
	static const struct {
		double		 div;
		const char	*unit;
	} units[] = {
		{ 1e12, "TB" }, { 1e9, "GB" }, { 1e6, "MB" }, { 1e3, "KB" },
	};
	size_t	 i;

	if (bytes == MLXD_NULL_INT64) {
		snprintf(buf, len, "n/a");
		return;
	}
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if ((double)bytes >= units[i].div) {
			snprintf(buf, len, "%.1f %s", (double)bytes /
			    units[i].div, units[i].unit);
			return;
		}
	snprintf(buf, len, "%lld B", (long long)bytes);
}

/* A '|' gauge. */
void
monitor_bar(char *buf, size_t len, int width, double pct)
{
	int	 i, fill;

	if (len == 0)
		return;
	if (width < 0)
		width = 0;
	if ((size_t)width >= len)
		width = (int)len - 1;
	if (isnan(pct))
		fill = 0;
	else {
		if (pct < 0)
			pct = 0;
		if (pct > 100)
			pct = 100;
		fill = (int)lround(pct * width / 100.0);
	}
	for (i = 0; i < width; i++)
		buf[i] = i < fill ? '|' : ' ';
	buf[width] = '\0';
}

/* The glyph for v on 0..max. */
const char *
monitor_spark_glyph(double v, double max)
{
	long	 i;

	if (isnan(v))
		return " ";
	if (isnan(max) || max <= 0 || v <= 0)
		return monitor_glyphs[0];
	i = lround(v / max * (double)(MONITOR_NGLYPHS - 1));
	if (i < 0)
		i = 0;
	if (i >= (long)MONITOR_NGLYPHS)
		i = MONITOR_NGLYPHS - 1;
	return monitor_glyphs[i];
}

/* Forget every value; buckets are step_ms wide. */
void
monitor_series_init(struct monitor_series *s, int64_t step_ms)
{
	memset(s, 0, sizeof *s);
	s->step_ms = step_ms > 0 ? step_ms : 1000;
	s->last = MLXD_NULL_INT64;
}

static size_t
monitor_series_slot(int64_t bucket)
{
	int64_t	 m = bucket % MONITOR_SERIES_LEN;

	return (size_t)(m < 0 ? m + MONITOR_SERIES_LEN : m);
}

/* Floor division of t by step for negative times too. */
static int64_t
monitor_series_bucket(const struct monitor_series *s, int64_t t_ms)
{
	int64_t	 q = t_ms / s->step_ms;

	if (t_ms % s->step_ms != 0 && t_ms < 0)
		q--;
	return q;
}

/* Add one value at t_ms. */
void
monitor_series_add(struct monitor_series *s, int64_t t_ms, double v)
{
	int64_t	 b, k;
	size_t	 slot;

	if (t_ms == MLXD_NULL_INT64)
		return;
	b = monitor_series_bucket(s, t_ms);
	if (s->last == MLXD_NULL_INT64 || b - s->last >= MONITOR_SERIES_LEN) {
		memset(s->sum, 0, sizeof s->sum);
		memset(s->cnt, 0, sizeof s->cnt);
		s->last = b;
	} else if (b > s->last) {
		for (k = s->last + 1; k <= b; k++) {
			slot = monitor_series_slot(k);
			s->sum[slot] = 0;
			s->cnt[slot] = 0;
		}
		s->last = b;
	} else if (s->last - b >= MONITOR_SERIES_LEN)
		return;
	if (isnan(v))
		return;
	slot = monitor_series_slot(b);
	s->sum[slot] += v;
	s->cnt[slot]++;
}

/* The mean of one bucket. */
double
monitor_series_get(const struct monitor_series *s, int ago)
{
	size_t	 slot;

	if (s->last == MLXD_NULL_INT64 || ago < 0 ||
	    ago >= MONITOR_SERIES_LEN)
		return NAN;
	slot = monitor_series_slot(s->last - ago);
	if (s->cnt[slot] == 0)
		return NAN;
	return s->sum[slot] / s->cnt[slot];
}

/* The largest of the newest n bucket means. */
double
monitor_series_max(const struct monitor_series *s, int n)
{
	double	 v, max = NAN;
	int	 i;

	for (i = 0; i < n; i++) {
		v = monitor_series_get(s, i);
		if (!isnan(v) && (isnan(max) || v > max))
			max = v;
	}
	return max;
}

/* Newest n buckets as glyphs, oldest first. */
void
monitor_spark(char *buf, size_t len, const struct monitor_series *s, int n,
    double max)
{
	const char	*g;
	size_t		 used = 0, gl;
	int		 i;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (n > MONITOR_SERIES_LEN)
		n = MONITOR_SERIES_LEN;
	if (isnan(max) || max <= 0)
		max = monitor_series_max(s, n);
	for (i = n - 1; i >= 0; i--) {
		g = monitor_spark_glyph(monitor_series_get(s, i), max);
		gl = strlen(g);
		if (used + gl + 1 > len)
			break;
		memcpy(buf + used, g, gl);
		used += gl;
	}
	buf[used] = '\0';
}
