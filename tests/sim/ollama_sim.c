/* SPDX-License-Identifier: ISC */
/*
 * ollama_sim.c: an Ollama server simulator for integration tests and
 * benchmarks; this file holds start-up, routing and the request life cycle.
 *
 * Speaks Ollama's wire format (compact Go-style JSON in struct field order,
 * NDJSON streams flushed per line, ns durations, RFC 3339 timestamps, JSON
 * error bodies with real status codes, text/plain 404/405) for the routes mlxd
 * uses: /, /api/version, /api/tags, /api/ps, /api/show, /api/generate and
 * /api/chat. Generation is simulated with deterministic text paced at an exact
 * token rate. A private /_sim/ API records request bodies, changes timing and
 * fault modes at run time and loads or unloads models directly. See sim.h
 * for which file holds what.
 *
 * Runs libmicrohttpd with one thread per connection, so handlers and the
 * stream reader simply sleep; every wait is sliced so that a client that goes
 * away (or SIGTERM) is noticed within a few milliseconds. All shared state sits
 * behind one mutex and is touched only in short critical sections.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

/* ---- / and /api/version -------------------------------------------- */

static enum MHD_Result
api_version(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	(void)rq;
	return reply_json(c, NULL, MHD_HTTP_OK,
	    json_pack("{s:s}", "version", cfg->version));
}

static enum MHD_Result
api_root(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	(void)rq;
	(void)cfg;
	return reply_text(c, MHD_HTTP_OK, CT_TEXT, "Ollama is running");
}

/* ---- routing ------------------------------------------------------- */

#define M_GET		0x01
#define M_HEAD		0x02
#define M_POST		0x04
#define M_DELETE	0x08

enum sim_route_id {
	R_ROOT, R_VERSION, R_TAGS, R_PS, R_SHOW, R_GENERATE, R_CHAT,
	R_EMBED, R_EMBEDDINGS, R_PULL, R_PUSH, R_CREATE, R_COPY, R_DELETE,
	R_OA_MODELS, R_OA_CHAT, R_OA_COMPLETIONS, R_OA_EMBEDDINGS,
	R_SIM_REQUESTS, R_SIM_CONFIG, R_SIM_LOAD, R_SIM_UNLOAD, R_SIM_RESET,
};

static const struct sim_route {
	const char		*path;
	unsigned		 methods;
	enum sim_route_id	 id;
	enum MHD_Result		(*fn)(struct MHD_Connection *,
				    struct sim_req *,
				    const struct sim_config *);
} sim_routes[] = {
	{ "/", M_GET | M_HEAD, R_ROOT, api_root },
	{ "/api/version", M_GET | M_HEAD, R_VERSION, api_version },
	{ "/api/tags", M_GET | M_HEAD, R_TAGS, api_tags },
	{ "/api/ps", M_GET, R_PS, api_ps },
	{ "/api/show", M_POST, R_SHOW, api_show },
	{ "/api/generate", M_POST, R_GENERATE, api_generate },
	{ "/api/chat", M_POST, R_CHAT, api_chat },
	{ "/api/embed", M_POST, R_EMBED, api_embed_new },
	{ "/api/embeddings", M_POST, R_EMBEDDINGS, api_embeddings_old },
	{ "/api/pull", M_POST, R_PULL, api_pull },
	{ "/api/push", M_POST, R_PUSH, api_push },
	{ "/api/create", M_POST, R_CREATE, api_create },
	{ "/api/copy", M_POST, R_COPY, api_copy },
	{ "/api/delete", M_DELETE, R_DELETE, api_delete },
	{ "/v1/models", M_GET, R_OA_MODELS, oa_models },
	{ "/v1/chat/completions", M_POST, R_OA_CHAT, oa_chat },
	{ "/v1/completions", M_POST, R_OA_COMPLETIONS, oa_completions },
	{ "/v1/embeddings", M_POST, R_OA_EMBEDDINGS, oa_embeddings },
	{ "/_sim/requests", M_GET | M_DELETE, R_SIM_REQUESTS, NULL },
	{ "/_sim/config", M_GET | M_POST, R_SIM_CONFIG, NULL },
	{ "/_sim/load", M_POST, R_SIM_LOAD, NULL },
	{ "/_sim/unload", M_POST, R_SIM_UNLOAD, NULL },
	{ "/_sim/reset", M_POST, R_SIM_RESET, NULL },
};

static unsigned
method_bit(const char *m)
{
	if (strcmp(m, MHD_HTTP_METHOD_GET) == 0)
		return M_GET;
	if (strcmp(m, MHD_HTTP_METHOD_HEAD) == 0)
		return M_HEAD;
	if (strcmp(m, MHD_HTTP_METHOD_POST) == 0)
		return M_POST;
	if (strcmp(m, MHD_HTTP_METHOD_DELETE) == 0)
		return M_DELETE;
	return 0;
}

/* The request body is complete: route it. */
static enum MHD_Result
dispatch(struct MHD_Connection *c, struct sim_req *rq, const char *url,
    const char *method)
{
	const struct sim_route	*rt = NULL;
	struct sim_config	 cfg;
	json_error_t		 err;
	int64_t			 deadline;
	size_t			 i;
	int			 rc;

	if (strncmp(url, "/api/blobs/", 11) == 0) {
		if (method_bit(method) != M_HEAD &&
		    method_bit(method) != M_POST)
			return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "text/plain", "405 method not allowed");
		return api_blob(c, rq, url + 11, method_bit(method) == M_POST);
	}
	for (i = 0; i < sizeof(sim_routes) / sizeof(sim_routes[0]); i++)
		if (strcmp(url, sim_routes[i].path) == 0)
			rt = &sim_routes[i];
	if (rt == NULL)
		return reply_text(c, MHD_HTTP_NOT_FOUND, "text/plain",
		    "404 page not found");
	if ((rt->methods & method_bit(method)) == 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
		    "405 method not allowed");
	if (rq->too_big)
		return reply_error(c, NULL, 413,
		    "http: request body too large");

	switch (rt->id) {
	case R_SIM_REQUESTS:
		return ctl_requests(c, rq, method);
	case R_SIM_CONFIG:
		return ctl_config(c, rq, method);
	case R_SIM_LOAD:
	case R_SIM_UNLOAD:
		return ctl_load(c, rq, rt->id == R_SIM_LOAD);
	case R_SIM_RESET:
		return ctl_reset(c);
	default:
		break;
	}

	if (rt->id == R_GENERATE || rt->id == R_CHAT || rt->id == R_EMBED ||
	    rt->id == R_EMBEDDINGS || rt->id == R_OA_CHAT ||
	    rt->id == R_OA_COMPLETIONS || rt->id == R_OA_EMBEDDINGS ||
	    rt->id == R_PULL || rt->id == R_PUSH || rt->id == R_CREATE) {
		rq->json = json_loadb(rq->body ? rq->body : "", rq->len,
		    JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL,
		    &err);
		rq->log_id = reqlog_add(rt->path, rq->json,
		    rq->body ? rq->body : "", rq->len);
	}
	cfg = config_get();
	if (rt->id != R_ROOT) {
		if (cfg.mode == SIM_MODE_STALL) {
			deadline = mono_ns() + SIM_STALL_NS;
			while (mode_get() == SIM_MODE_STALL &&
			    mono_ns() < deadline) {
				rc = wait_until(mono_ns() + SIM_SLICE_NS,
				    rq->fd);
				if (rc != 0) {
					rq->outcome = wait_outcome(rc);
					reqlog_update(rq->log_id, 0, 0,
					    rq->outcome);
					return MHD_NO;
				}
			}
			cfg = config_get();
			cfg.mode = SIM_MODE_OK;
		}
		if (cfg.mode == SIM_MODE_ERROR500)
			return reply_error(c, rq,
			    MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", MSG_CRASH);
		if (cfg.mode == SIM_MODE_GARBAGE) {
			rq->outcome = SIM_OUT_DONE;
			reqlog_update(rq->log_id, MHD_HTTP_OK, 0, SIM_OUT_DONE);
			return reply_text(c, MHD_HTTP_OK,
			    "text/html; charset=utf-8", "<html>not json");
		}
		if (cfg.mode == SIM_MODE_SLOW &&
		    (rt->id == R_TAGS || rt->id == R_PS) &&
		    wait_until(mono_ns() + SIM_SLOW_NS, rq->fd) != 0)
			return MHD_NO;
	}
	return rt->fn(c, rq, &cfg);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct sim_req			*rq = *con_cls;
	const union MHD_ConnectionInfo	*ci;
	size_t				 n;

	(void)cls;
	(void)version;
	if (rq == NULL) {
		rq = sim_alloc(sizeof(*rq));
		rq->start_mono = mono_ns();
		rq->fd = -1;
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci != NULL)
			rq->fd = ci->connect_fd;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size > 0 && strncmp(url, "/api/blobs/", 11) == 0) {
		/* Blobs are hashed as they come, never kept. */
		if (rq->sha == NULL) {
			rq->sha = sim_alloc(sizeof(*rq->sha));
			sha256_init(rq->sha);
		}
		sha256_update(rq->sha, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		n = *upload_data_size;
		if (rq->len + n > SIM_BODY_MAX)
			rq->too_big = true;
		if (!rq->too_big) {
			if (rq->len + n + 1 > rq->cap) {
				rq->cap = (rq->len + n + 1) * 2;
				rq->body = realloc(rq->body, rq->cap);
				if (rq->body == NULL)
					abort();
			}
			memcpy(rq->body + rq->len, upload_data, n);
			rq->len += n;
			rq->body[rq->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	vlog("%s %s", method, url);
	return dispatch(c, rq, url, method);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct sim_req *rq = *con_cls;

	(void)cls;
	(void)c;
	if (rq == NULL)
		return;
	*con_cls = NULL;
	if (rq->outcome == SIM_OUT_RUNNING && rq->log_id != 0)
		vlog("request %" PRIu64 " terminated (code %d)", rq->log_id,
		    (int)toe);
	/* Anything still running when MHD gives up means the client left. */
	if (rq->gen != NULL)
		gen_end(rq, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ?
		    SIM_OUT_DONE : toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ?
		    SIM_OUT_DROPPED : SIM_OUT_CANCELLED);
	else if (rq->outcome == SIM_OUT_RUNNING && rq->log_id != 0)
		reqlog_update(rq->log_id, 0, -1, SIM_OUT_CANCELLED);
	gen_free(rq->gen);
	json_decref(rq->json);
	free(rq->sha);
	free(rq->body);
	free(rq);
}

/* ---- start-up ------------------------------------------------------ */

static void
usage(void)
{
	fputs("usage: ollama-sim [--port N] [--host ADDR] [--tps N] "
	    "[--ttft-ms N]\n"
	    "                  [--load-ms N] [--tokens N] [--mode MODE] "
	    "[--tz-offset MIN]\n"
	    "                  [--ps-delay-ms N] [--fault-after N] "
	    "[--ollama-version V]\n"
	    "                  [--ps-wait-load] [--verbose]\n", stderr);
	exit(2);
}

static int64_t
arg_int(const char *s, int64_t lo, int64_t hi)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "ollama-sim: bad number '%s'\n", s);
		usage();
	}
	return v;
}

/*
 * Bind and listen on host:port with SO_REUSEADDR (so a restart on the same
 * port works at once despite TIME_WAIT) but not SO_REUSEPORT (so two
 * simulators never share a port). When a fixed port is still held by a
 * process that is just exiting, retry for up to 3 s.
 */
static int
listen_on(const char *host, int port, bool *v6p)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sl;
	char			 h[128];
	int			 fd, one = 1, tries;

	memset(&ss, 0, sizeof(ss));
	snprintf(h, sizeof(h), "%s", host);
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {
		memmove(h, h + 1, strlen(h));
		h[strlen(h) - 1] = '\0';
	}
	if (strcmp(h, "localhost") == 0)
		snprintf(h, sizeof(h), "127.0.0.1");
	if (inet_pton(AF_INET, h, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sl = sizeof(*sin);
		*v6p = false;
	} else if (inet_pton(AF_INET6, h, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*sin6);
		*v6p = true;
	} else {
		fprintf(stderr, "ollama-sim: bad host '%s'\n", host);
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1) {
		perror("ollama-sim: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	for (tries = 0; bind(fd, (struct sockaddr *)&ss, sl) == -1; tries++) {
		if (errno != EADDRINUSE || port == 0 || tries >= 60) {
			perror("ollama-sim: bind");
			close(fd);
			return -1;
		}
		sleep_ns(50 * NS_PER_MS);
	}
	if (listen(fd, 128) == -1) {
		perror("ollama-sim: listen");
		close(fd);
		return -1;
	}
	return fd;
}

static int
bound_port(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "tps", required_argument, NULL, 't' },
		{ "ttft-ms", required_argument, NULL, 'f' },
		{ "load-ms", required_argument, NULL, 'l' },
		{ "tokens", required_argument, NULL, 'n' },
		{ "mode", required_argument, NULL, 'm' },
		{ "tz-offset", required_argument, NULL, 'z' },
		{ "ps-delay-ms", required_argument, NULL, 'd' },
		{ "fault-after", required_argument, NULL, 'a' },
		{ "ollama-version", required_argument, NULL, 'V' },
		{ "ps-wait-load", no_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim_config	 cfg = {
		.mode = SIM_MODE_OK, .tps = 50, .ttft_ms = 100, .load_ms = 300,
		.tokens = 32, .fault_after = 3, .version = "0.32.15",
	};
	const char		*host = "127.0.0.1";
	struct MHD_Daemon	*d;
	sigset_t		 set;
	char			*end;
	bool			 v6 = false;
	int			 ch, port = 0, fd, sig, md;
	unsigned		 flags;
	size_t			 i;

	while ((ch = getopt_long(argc, argv, "p:H:t:f:l:n:m:z:d:a:V:wvh",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			port = (int)arg_int(optarg, 0, 65535);
			break;
		case 'H':
			host = optarg;
			break;
		case 't':
			cfg.tps = strtod(optarg, &end);
			if (*end != '\0' || !(cfg.tps > 0) || isinf(cfg.tps)) {
				fprintf(stderr, "ollama-sim: bad tps '%s'\n",
				    optarg);
				usage();
			}
			break;
		case 'f':
			cfg.ttft_ms = arg_int(optarg, 0, INT32_MAX);
			break;
		case 'l':
			cfg.load_ms = arg_int(optarg, 0, INT32_MAX);
			break;
		case 'n':
			cfg.tokens = arg_int(optarg, 0, INT32_MAX);
			break;
		case 'm':
			if ((md = mode_parse(optarg)) < 0) {
				fprintf(stderr, "ollama-sim: bad mode '%s'\n",
				    optarg);
				usage();
			}
			cfg.mode = (enum sim_mode)md;
			break;
		case 'z':
			cfg.tz_offset = (int)arg_int(optarg, -1439, 1439);
			break;
		case 'd':
			cfg.ps_delay_ms = arg_int(optarg, 0, INT32_MAX);
			break;
		case 'a':
			cfg.fault_after = arg_int(optarg, 0, INT32_MAX);
			break;
		case 'V':
			snprintf(cfg.version, sizeof(cfg.version), "%s",
			    optarg);
			break;
		case 'w':
			cfg.ps_wait_load = true;
			break;
		case 'v':
			sim.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	sim.cfg = sim.cfg_default = cfg;

	/* Threads inherit this mask; main collects the signals itself. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	json_object_seed(0);

	if ((fd = listen_on(host, port, &v6)) == -1)
		return 1;
	flags = MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (sim.verbose)
		flags |= MHD_USE_ERROR_LOG;
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0,
	    MHD_OPTION_END);
	if (d == NULL) {
		fputs("ollama-sim: cannot start HTTP daemon\n", stderr);
		close(fd);
		return 1;
	}
	printf("PORT %d\n", bound_port(fd));
	fflush(stdout);

	sigdelset(&set, SIGPIPE);
	do {
		if (sigwait(&set, &sig) != 0)
			break;
	} while (sig != SIGINT && sig != SIGTERM);

	vlog("signal %d, stopping", sig);
	atomic_store(&sim_stopping, 1);
	MHD_stop_daemon(d);
	for (i = 0; i < SIM_LOG_MAX; i++)
		logent_clear(&sim.log[i]);
	return 0;
}

