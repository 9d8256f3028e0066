/* SPDX-License-Identifier: ISC */
/*
 * ollama.h: the Ollama watcher. Polls /api/version, /api/ps and /api/tags
 * on the loop and publishes the results (state.h sections OLLAMA, RUNNING
 * and MODELS).
 */
#ifndef MLXD_OLLAMA_H
#define MLXD_OLLAMA_H

#include <stddef.h>

struct mlxd;
struct mlxd_config;
struct ollama;

int	ollama_start(struct mlxd *md, struct ollama **op);

/* Apply a reloaded configuration (URL, intervals, timeout). */
void	ollama_reconfigure(struct ollama *o, const struct mlxd_config *cfg);

/* Cancel requests and close timers; frees o once they are closed. */
void	ollama_stop(struct ollama *o);

/* Poll now (e.g. after a generation loaded a model). */
void	ollama_poke(struct ollama *o);

/* The base URL in use; borrowed, loop thread only. */
const char *ollama_url(const struct ollama *o);

/* Whether the last poll reached Ollama; loop thread only. */
int	ollama_connected(const struct ollama *o);

/*
 * Called once with the reply to POST /api/show: its body and length, or
 * NULL and 0 when Ollama could not be reached or did not answer 200. The
 * body is valid only during the call.
 */
typedef void	(*ollama_show_cb)(void *arg, const char *body, size_t len);
struct ollama_show;

/*
 * Ask the watched Ollama for one model's metadata (POST /api/show) with
 * the poll timeout; cb runs on the loop. NULL when the request could not
 * be started (then cb never runs).
 */
struct ollama_show *ollama_show(struct ollama *o, const char *model,
	    ollama_show_cb cb, void *arg);

/* Abandon a request of ollama_show() whose callback has not run. */
void	ollama_show_cancel(struct ollama_show *s);

#endif
