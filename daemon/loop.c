/* SPDX-License-Identifier: ISC */
/*
 * loop.c: signals and orderly shutdown on the libuv loop.
 *
 * SIGTERM and SIGINT stop the daemon within about two seconds: handler
 * threads are told first (http_shutdown_begin), modules stop, every
 * upstream transfer still in flight is ended with an error (releasing
 * whoever waits for it), the HTTP server finishes in-flight replies
 * briefly and removes its socket, and every handle is closed so uv_run()
 * returns and uv_loop_close() succeeds. main() blocks these signals before
 * any thread starts and installs the handlers before the socket exists.
 * SIGHUP reloads the configuration; a reload that fails logs every cause
 * and keeps the old configuration.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cache.h"
#include "events.h"
#include "http.h"
#include "jobs.h"
#include "httpc.h"
#include "log.h"
#include "mlxd.h"
#include "mlxd_config.h"
#include "ollama.h"
#include "proxy.h"
#include "sampler.h"

/* Seconds since start, from the monotonic clock. */
int64_t
mlxd_uptime_s(const struct mlxd *md)
{
	return (int64_t)((uv_hrtime() / 1000000ULL - md->started_mono_ms) /
	    1000ULL);
}

/*
 * The last resort: every wait is bounded or cancellable, so stopping takes
 * well under two seconds; should a bug ever hold it anyway, the process
 * still ends (exit 1, so a supervisor restarts it; the next start removes
 * the stale socket) instead of waiting for SIGKILL.
 */
#define LOOP_STOP_DEADLINE_S	10

static void *
loop_watchdog(void *arg)
{
	static const char	 msg[] = "mlxd: shutdown did not finish within "
	    "10 s; exiting\n";
	struct timespec		 ts = { LOOP_STOP_DEADLINE_S, 0 };

	(void)arg;
	while (nanosleep(&ts, &ts) != 0)
		;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static void
loop_watchdog_start(void)
{
	pthread_attr_t	attr;
	pthread_t	tid;
	sigset_t	all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, loop_watchdog, NULL) != 0)
		log_warnx("mlxd: cannot start the shutdown watchdog");
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Close every handle the daemon owns; uv_run() then returns. */
void
loop_shutdown(struct mlxd *md)
{
	if (md->stopping)
		return;
	md->stopping = 1;
	log_info("mlxd: stopping");
	loop_watchdog_start();
	/* Handler threads waiting on others give up from here on. */
	http_shutdown_begin(md->http);
	bench_stop(md->bench);
	md->bench = NULL;
	cache_stop(md->cache);
	md->cache = NULL;
	proxy_stop(md->proxy);
	md->proxy = NULL;
	sampler_stop(md->sampler);
	md->sampler = NULL;
	events_stop(md->events);
	md->events = NULL;
	jobs_stop(md->jobs);
	md->jobs = NULL;
	ollama_stop(md->ollama);
	md->ollama = NULL;
	/* Upstream transfers end before the server waits for its threads. */
	httpc_fail_all(md->httpc, "mlxd is stopping");
	http_stop(md->http);
	md->http = NULL;
	httpc_free(md->httpc);
	md->httpc = NULL;
	/*
	 * The signal watchers stay installed (unreferenced, so uv_run() can
	 * return): a second signal while stopping reaches loop_signal_cb and
	 * is ignored there. Closing them now would put back the default
	 * action, which kills, while the rest is still shutting down.
	 */
	if (md->signals_started) {
		uv_unref((uv_handle_t *)&md->sig_term);
		uv_unref((uv_handle_t *)&md->sig_int);
		uv_unref((uv_handle_t *)&md->sig_hup);
	}
}

/*
 * After uv_run() returned: ignore the stop signals, then close their
 * watchers (libuv restores the default action when the last one goes, so
 * ignore them again). The caller runs the loop once more for the closes.
 */
void
loop_signals_close(struct mlxd *md)
{
	if (!md->signals_started)
		return;
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	uv_close((uv_handle_t *)&md->sig_term, NULL);
	uv_close((uv_handle_t *)&md->sig_int, NULL);
	uv_close((uv_handle_t *)&md->sig_hup, NULL);
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	md->signals_started = 0;
}

/* Re-read the configuration; keep the old one on any error. */
void
loop_reload(struct mlxd *md)
{
	struct mlxd_config	*cfg = NULL;
	enum log_level		 lvl;
	char			*cause = NULL, *line, *save = NULL;

	log_info("mlxd: reloading configuration");
	if (config_load(md->config_path, md->config_explicit, md->flags,
	    md->nflags, &cfg, &cause) != 0) {
		for (line = strtok_r(cause, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			log_warnx("config: %s", line);
		log_warnx("config: reload failed; keeping the old "
		    "configuration");
		free(cause);
		return;
	}
	config_keep_unreloadable(cfg, md->cfg);
	if (log_level_parse(cfg->log_level, &lvl) == 0)
		log_set_level(lvl);
	ollama_reconfigure(md->ollama, cfg);
	httpc_set_stall_timeout(md->httpc, (long)cfg->ollama_stall_timeout_s);
	config_free(md->cfg);
	md->cfg = cfg;
	log_info("mlxd: configuration reloaded");
}

static void
loop_signal_cb(uv_signal_t *sig, int signum)
{
	struct mlxd	*md = sig->data;

	if (md->stopping)
		return;		/* a second signal while stopping */
	if (signum == SIGHUP)
		loop_reload(md);
	else
		loop_shutdown(md);
}

/* Watch SIGTERM, SIGINT and SIGHUP. */
int
loop_signals_start(struct mlxd *md)
{
	int	rc;

	signal(SIGPIPE, SIG_IGN);
	uv_signal_init(md->loop, &md->sig_term);
	uv_signal_init(md->loop, &md->sig_int);
	uv_signal_init(md->loop, &md->sig_hup);
	md->signals_started = 1;
	md->sig_term.data = md->sig_int.data = md->sig_hup.data = md;
	if ((rc = uv_signal_start(&md->sig_term, loop_signal_cb,
	    SIGTERM)) != 0 ||
	    (rc = uv_signal_start(&md->sig_int, loop_signal_cb, SIGINT)) != 0 ||
	    (rc = uv_signal_start(&md->sig_hup, loop_signal_cb, SIGHUP)) != 0)
		return rc;
	return 0;
}
