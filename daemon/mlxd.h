/* SPDX-License-Identifier: ISC */
/*
 * mlxd.h: the daemon context and the declarations that cross modules.
 *
 * One struct mlxd exists per process. It is created in main.c, owned by the
 * loop thread, and passed to every module's init function. HTTP handlers run
 * on libmicrohttpd's thread: they may read only what a module published with
 * state_publish() (state.h) and must hand anything else to the loop with
 * http_loop_call() (http.h).
 */
#ifndef MLXD_DAEMON_MLXD_H
#define MLXD_DAEMON_MLXD_H

#include <stdint.h>
#include <time.h>

#include <uv.h>

struct mlxd_config;
struct config_flag;
struct store;
struct http;
struct httpc;
struct ollama;
struct events;
struct sampler;
struct proxy;
struct jobs;
struct bench;
struct cache;

struct mlxd {
	uv_loop_t		*loop;
	struct mlxd_config	*cfg;		/* current; replaced on SIGHUP */
	const char		*config_path;	/* --config/MLXD_CONFIG or NULL */
	int			 config_explicit;
	struct config_flag	*flags;		/* command-line overrides */
	int			 nflags;
	char			*socket_path;	/* fixed for the process */
	char			*data_dir;	/* fixed for the process */
	struct store		*store;
	struct http		*http;
	struct httpc		*httpc;
	struct ollama		*ollama;
	struct events		*events;
	struct sampler		*sampler;
	struct proxy		*proxy;
	struct jobs		*jobs;
	struct bench		*bench;
	struct cache		*cache;

	uint64_t		 started_mono_ms;	/* uv_hrtime() / 1e6 */
	time_t			 started_at;		/* wall clock */
	int			 stopping;
	int			 signals_started;

	uv_signal_t		 sig_term;
	uv_signal_t		 sig_int;
	uv_signal_t		 sig_hup;
};

/* loop.c */
int	loop_signals_start(struct mlxd *md);
void	loop_shutdown(struct mlxd *md);
void	loop_signals_close(struct mlxd *md);
void	loop_reload(struct mlxd *md);

/* Seconds the daemon has been up; safe from any thread. */
int64_t	mlxd_uptime_s(const struct mlxd *md);

#endif
