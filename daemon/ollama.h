/* SPDX-License-Identifier: ISC */
/*
 * ollama.h: the Ollama watcher. Polls /api/version, /api/ps and /api/tags
 * on the loop and publishes the results (state.h sections OLLAMA, RUNNING
 * and MODELS).
 */
#ifndef MLXD_OLLAMA_H
#define MLXD_OLLAMA_H

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

#endif
