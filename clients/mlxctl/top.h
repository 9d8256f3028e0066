/* SPDX-License-Identifier: ISC */
/*
 * top.h: the screen of `mlxctl top`, as a pure function of what the daemon
 * reported. cmd_top.c owns the terminal, the event stream and the clock;
 * this part only turns a model into lines no wider than the terminal, so
 * tests can render frames at any size and compare text.
 */
#ifndef MLXCTL_TOP_H
#define MLXCTL_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mlxd/mlxd.h>

#include "monitor.h"

/* Wall-clock time one sparkline column stands for. */
#define TOP_STEP_MS	5000

/* The sparklines, top to bottom. */
enum top_series_id {
	TOP_SERIES_CPU = 0,	/* % busy */
	TOP_SERIES_GPU,		/* % busy */
	TOP_SERIES_MEM,		/* % of memory used */
	TOP_SERIES_POWER,	/* watts */
	TOP_SERIES_TOKENS,	/* tokens/s of running generations */
	TOP_NSERIES
};

/* Everything one frame shows. Pointers are borrowed and may be NULL. */
struct top_model {
	const struct mlxd_status	*status;	/* NULL: not known yet */
	const struct mlxd_metrics	*metrics;	/* NULL: status->system */
	const struct mlxd_system	*system;
	const struct monitor_series	*series;	/* TOP_NSERIES of them, or NULL */
	const char			*message;	/* a warning under the header */
	int64_t				 now_ms;
	bool				 color;		/* use SGR sequences */
	bool				 live;		/* show the key help */
};

/* Lines of one frame, each no wider than the columns it was made for. */
struct top_frame {
	char	**lines;
	size_t	  n;
	size_t	  cap;
};

/* Initialise the TOP_NSERIES series with TOP_STEP_MS buckets. */
void	 top_series_init(struct monitor_series *series);

/* Fill the series from a /v1/metrics/history reply (step TOP_STEP_MS). */
void	 top_series_seed(struct monitor_series *series,
	     const struct mlxd_metrics_history *h);

/* Add a live sample; st (may be NULL) gives the token rate. */
void	 top_series_sample(struct monitor_series *series,
	     const struct mlxd_metrics *mt, const struct mlxd_status *st);

/*
 * Tokens per second being generated now: the sum of the running
 * generations' estimates, 0 when none runs, NAN when the daemon does not
 * report generations.
 */
double	 top_tokens_per_s(const struct mlxd_status *st);

/*
 * Render m for a terminal of cols x rows (at least 20 x 1 is assumed) into
 * f, which must be zeroed or freed. Lines beyond rows are dropped, least
 * important last; no line is wider than cols columns.
 */
void	 top_render(const struct top_model *m, int cols, int rows,
	     struct top_frame *f);

/* Free the lines of f and zero it. */
void	 top_frame_free(struct top_frame *f);

/* Short model name for narrow places: "llama3.2:latest" -> "llama3.2". */
void	 top_short_model(char *buf, size_t len, const char *name);

#endif /* MLXCTL_TOP_H */
