/* SPDX-License-Identifier: ISC */
/*
 * test_mlxctl_top.c: the frames of `mlxctl top` (clients/mlxctl/top.c) and
 * the formatters and series behind them (clients/mlxctl/monitor.c).
 *
 * Frames are rendered from canned status and metrics replies at several
 * terminal sizes; every line must fit the width, the important lines must
 * survive a short terminal, and the sparklines must follow the series.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mlxd/mlxd.h>

#include "monitor.h"
#include "output.h"
#include "top.h"

/* 2026-11-28T03:00:00Z */
#define NOW	1795834800000LL

static const char status_json[] = "{\"api_version\":1,\"daemon\":{"
    "\"version\":\"0.1.0\",\"uptime_s\":3725},\"ollama\":{"
    "\"url\":\"http://127.0.0.1:11434\",\"connected\":true,"
    "\"version\":\"0.32.15\",\"running\":[{\"name\":\"llama3.2:latest\","
    "\"size_bytes\":3154116608,\"vram_bytes\":3154116608,"
    "\"parameter_size\":\"3.2B\",\"quantization_level\":\"Q4_K_M\","
    "\"expires_at\":\"2026-11-28T03:04:10.000Z\"}]},"
    "\"system\":{\"t\":\"2026-11-28T03:00:00.000Z\",\"memory\":{"
    "\"total_bytes\":24000000000,\"used_bytes\":18000000000,"
    "\"swap_total_bytes\":0,\"swap_used_bytes\":0,\"pressure_level\":1,"
    "\"pressure\":\"warning\"},\"cpu\":{\"utilization_pct\":61.25,"
    "\"clusters\":{\"E\":30.0,\"P\":70.0},\"load_average\":{\"1m\":1.5,"
    "\"5m\":1.0,\"15m\":0.5}},\"gpu\":{\"utilization_pct\":null},"
    "\"power_watts\":{\"cpu\":3.2,\"gpu\":9.2,\"ane\":0.0,\"dram\":null,"
    "\"system\":null},\"thermal\":{\"pressure_level\":2,"
    "\"pressure\":\"heavy\",\"cpu_celsius\":88.0,\"gpu_celsius\":null}},"
    "\"generation\":{\"active\":[{\"id\":3,\"model\":\"llama3.2\","
    "\"route\":\"/api/chat\",\"chunks\":40,\"tokens_per_s\":48.5,"
    "\"ttft_ms\":120.0}],\"last\":null}}";

static size_t
visible_width(const char *s)
{
	size_t	 w = 0;

	while (*s != '\0') {
		if (*s == '\033') {
			/* CSI ... final byte */
			s++;
			if (*s == '[')
				s++;
			while (*s != '\0' && !(*s >= '@' && *s <= '~'))
				s++;
			if (*s != '\0')
				s++;
			continue;
		}
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
		s++;
	}
	return w;
}

static bool
frame_has(const struct top_frame *f, const char *needle)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		if (strstr(f->lines[i], needle) != NULL)
			return true;
	return false;
}

static void
render_at(const struct mlxd_status *st, const struct monitor_series *series,
    bool color, int cols, int rows, struct top_frame *f)
{
	struct top_model	 m;

	memset(&m, 0, sizeof m);
	memset(f, 0, sizeof *f);
	m.status = st;
	m.series = series;
	m.now_ms = NOW;
	m.color = color;
	top_render(&m, cols, rows, f);
}

static void
test_formatters(void **state)
{
	char	 b[MONITOR_CELL_LEN];

	(void)state;
	monitor_pct(b, sizeof b, 61.25);
	assert_string_equal(b, "61.2%");
	monitor_pct(b, sizeof b, NAN);
	assert_string_equal(b, "n/a");
	monitor_watts(b, sizeof b, 12.44);
	assert_string_equal(b, "12.4 W");
	monitor_watts(b, sizeof b, 0.456);
	assert_string_equal(b, "0.46 W");
	monitor_celsius(b, sizeof b, 45.04);
	assert_string_equal(b, "45.0 \xc2\xb0" "C");
	monitor_bytes(b, sizeof b, 25276510208LL);
	assert_string_equal(b, "25.3 GB");
	monitor_bytes(b, sizeof b, 512);
	assert_string_equal(b, "512 B");
	monitor_bytes(b, sizeof b, MLXD_NULL_INT64);
	assert_string_equal(b, "n/a");
	monitor_ms(b, sizeof b, 1250);
	assert_string_equal(b, "1.25 s");
	monitor_rate(b, sizeof b, 52.34);
	assert_string_equal(b, "52.3 tok/s");
	monitor_bar(b, sizeof b, 10, 55);
	assert_string_equal(b, "||||||    ");
	monitor_bar(b, sizeof b, 4, NAN);
	assert_string_equal(b, "    ");
	monitor_bar(b, sizeof b, 4, 250);
	assert_string_equal(b, "||||");
	assert_string_equal(monitor_spark_glyph(NAN, 100), " ");
	assert_string_equal(monitor_spark_glyph(0, 100), "\xe2\x96\x81");
	assert_string_equal(monitor_spark_glyph(100, 100), "\xe2\x96\x88");
	assert_string_equal(monitor_spark_glyph(50, 100), "\xe2\x96\x85");
}

static void
test_series(void **state)
{
	struct monitor_series	 s;
	char			 spark[64];

	(void)state;
	monitor_series_init(&s, 5000);
	assert_true(isnan(monitor_series_get(&s, 0)));
	/* Two values in one bucket average; an empty bucket stays empty. */
	monitor_series_add(&s, NOW, 10);
	monitor_series_add(&s, NOW + 4999, 30);
	monitor_series_add(&s, NOW + 10000, 100);
	assert_true(fabs(monitor_series_get(&s, 2) - 20) < 1e-9);
	assert_true(isnan(monitor_series_get(&s, 1)));
	assert_true(fabs(monitor_series_get(&s, 0) - 100) < 1e-9);
	assert_true(fabs(monitor_series_max(&s, 3) - 100) < 1e-9);
	/* A late value still lands in its bucket. */
	monitor_series_add(&s, NOW + 5000, 50);
	assert_true(fabs(monitor_series_get(&s, 1) - 50) < 1e-9);
	/* Oldest on the left: 20, 50, 100 on a 0-100 scale. */
	monitor_spark(spark, sizeof spark, &s, 3, 100);
	assert_string_equal(spark, "\xe2\x96\x82\xe2\x96\x85\xe2\x96\x88");
	/* Auto scale: the largest shown is full height. */
	monitor_spark(spark, sizeof spark, &s, 2, 0);
	assert_string_equal(spark, "\xe2\x96\x85\xe2\x96\x88");
	/* A jump past the window forgets everything. */
	monitor_series_add(&s, NOW + 5000LL * (MONITOR_SERIES_LEN + 10), 1);
	assert_true(isnan(monitor_series_get(&s, 1)));
	assert_true(fabs(monitor_series_get(&s, 0) - 1) < 1e-9);
}

static void
test_frame_content(void **state)
{
	struct mlxd_status	*st = NULL;
	struct monitor_series	 series[TOP_NSERIES];
	struct top_frame	 f;
	size_t			 i;

	(void)state;
	assert_int_equal(mlxd_status_parse(status_json, strlen(status_json),
	    &st), 0);
	top_series_init(series);
	top_series_sample(series, st->system, st);
	assert_true(fabs(top_tokens_per_s(st) - 48.5) < 1e-9);
	render_at(st, series, false, 80, 24, &f);
	assert_true(f.n <= 24);
	for (i = 0; i < f.n; i++)
		if (visible_width(f.lines[i]) > 80)
			fail_msg("line %zu is too wide: %s", i, f.lines[i]);
	assert_string_equal(f.lines[0], "mlxd 0.1.0 \xc2\xb7 up 1h 2m");
	assert_string_equal(f.lines[1],
	    "Ollama up 0.32.15 at http://127.0.0.1:11434");
	assert_true(frame_has(&f, "llama3.2:latest  3.2B    Q4_K_M  3.2 GB  "
	    "3.2 GB  100% GPU         in 4m 10s"));
	assert_true(frame_has(&f, "\xe2\x96\xb6 llama3.2  48.5 tok/s  TTFT 120 ms"
	    "  40 chunks  /api/chat"));
	assert_true(frame_has(&f, "MEM [|||||||||||||||     ] 75.0%  18.0 GB / "
	    "24.0 GB  swap 0 B / 0 B  warning"));
	assert_true(frame_has(&f, "] 61.2%  E 30.0%  P 70.0%  load 1.50 1.00 "
	    "0.50"));
	assert_true(frame_has(&f, "PWR 12.4 W  CPU 3.2 W  GPU 9.2 W  ANE 0.00 W"
	    "  DRAM n/a"));
	assert_true(frame_has(&f, "TMP heavy  CPU 88.0 \xc2\xb0" "C  GPU n/a"));
	assert_true(frame_has(&f, " 48.5"));
	/* No colors asked, no escape sequences. */
	for (i = 0; i < f.n; i++)
		assert_null(strchr(f.lines[i], '\033'));
	top_frame_free(&f);

	/* Colors: heavy thermal in red, the memory gauge in yellow. */
	render_at(st, series, true, 80, 24, &f);
	assert_true(frame_has(&f, "\033[31mheavy"));
	assert_true(frame_has(&f, "MEM \033[0m[\033[33m|||"));
	assert_true(frame_has(&f, "CPU \033[0m[\033[33m|||"));
	for (i = 0; i < f.n; i++)
		assert_true(visible_width(f.lines[i]) <= 80);
	top_frame_free(&f);
	mlxd_status_free(st);
}

/*
 * The TOK/s sparkline's figure is the live rate the generation line shows,
 * not its column's average; the window in the header never exceeds the
 * daemon's uptime.
 */
static void
test_sparks_live_rate_and_window(void **state)
{
	struct mlxd_status	*st = NULL, *st2 = NULL;
	struct monitor_series	 series[TOP_NSERIES];
	struct top_frame	 f;
	char			*js, *p;

	(void)state;
	assert_int_equal(mlxd_status_parse(status_json, strlen(status_json),
	    &st), 0);
	top_series_init(series);
	/* A column holding an earlier, slower rate. */
	js = strdup(status_json);
	assert_non_null(js);
	p = strstr(js, "\"tokens_per_s\":48.5");
	assert_non_null(p);
	memcpy(p, "\"tokens_per_s\":12.0", strlen("\"tokens_per_s\":12.0"));
	p = strstr(js, "\"uptime_s\":3725");
	memcpy(p, "\"uptime_s\":  30", strlen("\"uptime_s\":  30"));
	assert_int_equal(mlxd_status_parse(js, strlen(js), &st2), 0);
	top_series_sample(series, st2->system, st2);
	render_at(st, series, false, 80, 24, &f);
	assert_true(frame_has(&f, "48.5 tok/s"));
	assert_true(frame_has(&f, "TOK/s "));
	assert_true(frame_has(&f, " 48.5"));
	assert_false(frame_has(&f, " 12.0"));
	top_frame_free(&f);
	/* Up for 30 s: the sparklines cover 30 s, not the full width. */
	render_at(st2, series, false, 80, 24, &f);
	assert_true(frame_has(&f, "last 30s, 5 s per column"));
	top_frame_free(&f);
	free(js);
	mlxd_status_free(st);
	mlxd_status_free(st2);
}

static void
test_frame_sizes(void **state)
{
	static const int	 sizes[][2] = {
		{ 80, 24 }, { 120, 40 }, { 60, 20 }, { 40, 12 }, { 20, 5 },
		{ 300, 60 },
	};
	struct mlxd_status	*st = NULL;
	struct monitor_series	 series[TOP_NSERIES];
	struct top_frame	 f;
	size_t			 i, k;

	(void)state;
	assert_int_equal(mlxd_status_parse(status_json, strlen(status_json),
	    &st), 0);
	top_series_init(series);
	top_series_sample(series, st->system, st);
	for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		render_at(st, series, true, sizes[k][0], sizes[k][1], &f);
		assert_true(f.n <= (size_t)sizes[k][1]);
		for (i = 0; i < f.n; i++)
			if (visible_width(f.lines[i]) > (size_t)sizes[k][0])
				fail_msg("%dx%d: line %zu too wide: %s",
				    sizes[k][0], sizes[k][1], i, f.lines[i]);
		/* The header always stays. */
		assert_true(strncmp(f.lines[0], "\033[1mmlxd", 8) == 0);
		top_frame_free(&f);
	}
	/* Short terminal: the sparklines go before the gauges. */
	render_at(st, series, false, 80, 12, &f);
	assert_true(frame_has(&f, "MEM ["));
	assert_false(frame_has(&f, "TOK/s"));
	top_frame_free(&f);
	mlxd_status_free(st);
}

static void
test_frame_without_daemon_state(void **state)
{
	struct top_model	 m;
	struct top_frame	 f;

	(void)state;
	memset(&m, 0, sizeof m);
	memset(&f, 0, sizeof f);
	m.message = "no connection to mlxd (mlxd is not running); "
	    "reconnecting...";
	m.now_ms = NOW;
	top_render(&m, 80, 24, &f);
	assert_true(frame_has(&f, "Ollama: waiting for mlxd"));
	assert_true(frame_has(&f, "reconnecting..."));
	assert_true(frame_has(&f, "No metrics sample yet."));
	top_frame_free(&f);
}

static void
test_short_model(void **state)
{
	char	 b[64];

	(void)state;
	top_short_model(b, sizeof b, "llama3.2:latest");
	assert_string_equal(b, "llama3.2");
	top_short_model(b, sizeof b, "hf.co/org/Model-GGUF:Q8_0");
	assert_string_equal(b, "Model-GGUF:Q8_0");
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_formatters),
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_frame_content),
		cmocka_unit_test(test_sparks_live_rate_and_window),
		cmocka_unit_test(test_frame_sizes),
		cmocka_unit_test(test_frame_without_daemon_state),
		cmocka_unit_test(test_short_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
