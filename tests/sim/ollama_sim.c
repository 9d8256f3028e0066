/* SPDX-License-Identifier: ISC */
/*
 * ollama_sim.c: an Ollama server simulator for integration tests and
 * benchmarks.
 *
 * Speaks Ollama's wire format (compact Go-style JSON in struct field order,
 * NDJSON streams flushed per line, ns durations, RFC 3339 timestamps, JSON
 * error bodies with real status codes, text/plain 404/405) for the routes mlxd
 * uses: /, /api/version, /api/tags, /api/ps, /api/show, /api/generate and
 * /api/chat. Generation is simulated with deterministic text paced at an exact
 * token rate. A private /_sim/ API records request bodies, changes timing and
 * fault modes at run time and loads or unloads models directly.
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
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#define NS_PER_MS		1000000LL
#define NS_PER_S		1000000000LL
#define SIM_LOG_MAX		1000
#define SIM_BODY_MAX		(64u << 20)
#define SIM_SLICE_NS		(5 * NS_PER_MS)
#define SIM_STALL_NS		(60 * NS_PER_S)
#define SIM_SLOW_NS		(2 * NS_PER_S)
#define SIM_DEFAULT_KA_NS	(300 * NS_PER_S)
#define SIM_DEFAULT_NUM_CTX	4096
#define SIM_STREAM_BLOCK	(64 * 1024)

#define CT_JSON		"application/json; charset=utf-8"
#define CT_NDJSON	"application/x-ndjson"
#define CT_TEXT		"text/plain; charset=utf-8"

#define MSG_CRASH	"llama runner process has terminated: exit status 2"
#define MSG_MIDSTREAM	"an error was encountered while running the " \
			"model: unexpected EOF"

enum sim_mode {
	SIM_MODE_OK,
	SIM_MODE_ERROR500,
	SIM_MODE_GARBAGE,
	SIM_MODE_MIDSTREAM_ERROR,
	SIM_MODE_DROP,
	SIM_MODE_STALL,
	SIM_MODE_SLOW,
};

static const char *const sim_mode_names[] = {
	"ok", "error500", "garbage", "midstream_error", "drop", "stall", "slow",
};
#define SIM_NMODES (sizeof(sim_mode_names) / sizeof(sim_mode_names[0]))

/* Everything /_sim/config can change; copied per request. */
struct sim_config {
	enum sim_mode	 mode;
	double		 tps;
	int64_t		 ttft_ms;
	int64_t		 load_ms;
	int64_t		 tokens;
	int64_t		 ps_delay_ms;
	int64_t		 fault_after;
	int64_t		 eos_after;	/* end with "stop" after this many; 0 never */
	bool		 ps_wait_load;
	int		 tz_offset;	/* minutes east of UTC */
	char		 version[64];
};

/* A built-in model, as its manifest and config blob would describe it. */
struct sim_model {
	const char		*name;
	const char		*digest;
	int64_t			 modified_s;	/* Unix seconds */
	long			 modified_ns;
	int64_t			 size;		/* bytes on disk */
	const char		*format;
	const char		*family;
	const char *const	*families;	/* NULL: "families":null */
	const char		*parameter_size;
	const char		*quantization;
	int64_t			 context_length;	/* 0: omitted in tags */
	int64_t			 embedding_length;	/* 0: omitted in tags */
	const char *const	*caps;		/* NULL: omitted in tags */
	int64_t			 mem_base;	/* runner memory w/o KV cache */
	int64_t			 kv_per_token;
	double			 vram_frac;
	int64_t			 param_count;
	int64_t			 block_count;
	int64_t			 head_count;
	int64_t			 head_count_kv;
	int64_t			 file_type;
	int64_t			 vocab;
	const char		*tmpl;
	const char		*stop;
};

static const char *const fam_llama[] = { "llama", NULL };
static const char *const fam_qwen3[] = { "qwen3", NULL };
static const char *const caps_tools[] = { "completion", "tools", NULL };
static const char *const caps_think[] = { "completion", "tools", "thinking",
    NULL };
static const char *const caps_embed[] = { "embedding", NULL };
static const char *const caps_compl[] = { "completion", NULL };

static const struct sim_model sim_models[] = {
	{
		"llama3.2:latest",
		"a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
		1777724091, 2310000, 2019393189, "gguf", "llama", fam_llama,
		"3.2B", "Q4_K_M", 131072, 3072, caps_tools,
		2684354560LL, 114688, 1.0, 3212749888LL, 28, 24, 8, 15, 128256,
		"<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}"
		"<|eot_id|>", "<|eot_id|>",
	},
	{
		"qwen3:8b",
		"500a1f067a9f782620b40bee6f7b0c89e17ae61f686b92c24933e4ca4b2b8b41",
		1777460400, 0, 5225376047LL, "gguf", "qwen3", fam_qwen3,
		"8.2B", "Q4_K_M", 40960, 4096, caps_think,
		5905580032LL, 147456, 0.8, 8190735360LL, 36, 32, 8, 15, 151936,
		"<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>"
		"assistant\n", "<|im_end|>",
	},
	{
		"bge-m3:latest",
		"790764642607164da1f4a68ab5a6ba4e8e1ac6e2e4b8b1dcd6ef5c1c8a2d9e0b",
		1775948407, 0, 1157672605, "gguf", "bert", NULL,
		"566.70M", "F16", 8192, 1024, caps_embed,
		1207959552LL, 12288, 1.0, 566703104LL, 24, 16, 16, 1, 250002,
		"{{ .Prompt }}", NULL,
	},
	{
		"mistral:7b",
		"f974a74358d62a017b37c6f424fcdf2744ca02926c4f952513ddf474b2fa5091",
		1769162535, 250000000, 4113301824LL, "gguf", "llama", fam_llama,
		"7.2B", "Q4_0", 0, 0, NULL,
		4617089843LL, 131072, 0.0, 7248023552LL, 32, 32, 8, 2, 32768,
		"[INST] {{ .Prompt }} [/INST]", "[INST]",
	},
	{
		"hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q8_0",
		"c2e1f9a7b3d5e8f0a4c6b2d9e1f3a5c7b9d0e2f4a6c8b1d3e5f7a9c0b2d4e6f8",
		1778001122, 123456789, 1321083136, "gguf", "llama", fam_llama,
		"1.2B", "Q8_0", 131072, 2048, caps_compl,
		1610612736LL, 32768, 1.0, 1235814432LL, 16, 32, 8, 7, 128256,
		"<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}"
		"<|eot_id|>", "<|eot_id|>",
	},
};
#define SIM_NMODELS (sizeof(sim_models) / sizeof(sim_models[0]))

enum sim_load_state {
	SIM_UNLOADED,
	SIM_LOADING,
	SIM_LOADED,
};

/* Run-time state of one built-in model. */
struct sim_loaded {
	enum sim_load_state	 state;
	int			 active;	/* requests generating on it */
	bool			 forever;
	int64_t			 keep_alive_ns;
	struct timespec		 expires;
	int64_t			 num_ctx;
};

/* Parsed keep_alive of a request. */
struct sim_ka {
	bool		 set;
	bool		 forever;
	int64_t		 ns;
};

enum sim_outcome {
	SIM_OUT_RUNNING,
	SIM_OUT_DONE,		/* complete reply sent (any status) */
	SIM_OUT_ERROR_LINE,	/* midstream error line sent, body ended */
	SIM_OUT_DROPPED,	/* connection closed on purpose / shutdown */
	SIM_OUT_CANCELLED,	/* client went away */
};

static const char *const sim_outcome_names[] = {
	"running", "done", "error", "dropped", "cancelled",
};

/* One recorded generate/chat request. */
struct sim_logent {
	uint64_t		 id;	/* 0: slot empty */
	char			 path[32];
	json_t			*body;	/* NULL when the body was not JSON */
	char			*raw;	/* the body text in that case */
	int64_t			 received_ns;
	int			 status;
	int64_t			 tokens_sent;
	enum sim_outcome	 outcome;
};

/* Streaming generation state, owned by the request. */
struct sim_gen {
	bool			 chat;
	int			 model;
	char			*model_name;	/* request string, echoed */
	bool			 stream;
	bool			 want_context;
	bool			 length_limited;
	struct sim_ka		 ka;
	struct sim_config	 cfg;
	int64_t			 n;		/* tokens to emit */
	int64_t			 n_think;	/* first n_think are thinking */
	int64_t			 fault_at;	/* -1: none */
	int64_t			 emitted;
	int64_t			 t0;		/* mono ns of token 0 */
	int64_t			 load_ns;
	int64_t			 prompt_count;
	bool			 holds_model;
	bool			 eos;
	char			*out;
	size_t			 outlen;
	size_t			 outoff;
};

/* Per-request context (MHD's con_cls). */
struct sim_req {
	int64_t			 start_mono;
	int			 fd;
	char			*body;
	size_t			 len;
	size_t			 cap;
	bool			 too_big;
	struct sha256		*sha;		/* POST /api/blobs: body hash */
	json_t			*json;
	uint64_t		 log_id;
	enum sim_outcome	 outcome;
	struct sim_gen		*gen;
};

struct sim_state {
	pthread_mutex_t		 mu;
	struct sim_config	 cfg;
	struct sim_config	 cfg_default;
	struct sim_loaded	 loaded[SIM_NMODELS];
	struct sim_logent	 log[SIM_LOG_MAX];
	uint64_t		 log_next;	/* next id */
	bool			 verbose;
};

static struct sim_state	 sim = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.log_next = 1,
};
static atomic_int	 sim_stopping;

static const char *const sim_words[] = {
	"The", " sky", " looks", " blue", " because", " of", " Rayleigh",
	" scattering", ".", " Sunlight", " holds", " every", " colour", ",",
	" but", " shorter", " wavelengths", " scatter", " far", " more",
	" strongly", " off", " the", " molecules", " in", " air", ".", "\n\n",
	"So", " blue", " light", " reaches", " your", " eyes", " from", " all",
	" directions", " &", " the", " whole", " sky", " glows", " <", "3",
	" \xe2\x80\x94", " even", " at", " a", " caf\xc3\xa9", " terrace", ".",
	"\n",
};
#define SIM_NWORDS (sizeof(sim_words) / sizeof(sim_words[0]))

static const char *const sim_think_words[] = {
	"Okay", ",", " the", " user", " asks", " something", ".", " Let",
	" me", " think", " it", " through", " step", " by", " step", ".",
};
#define SIM_NTHINK (sizeof(sim_think_words) / sizeof(sim_think_words[0]))

/* ---- time ---------------------------------------------------------- */

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static struct timespec
real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

static int64_t
real_ns(void)
{
	struct timespec ts = real_now();

	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* ts + ns, or ts + Go's maximum duration when forever is set. */
static struct timespec
ts_add(struct timespec ts, int64_t ns, bool forever)
{
	if (forever) {
		ts.tv_sec += INT64_MAX / NS_PER_S;
		ts.tv_nsec += INT64_MAX % NS_PER_S;
	} else {
		ts.tv_sec += ns / NS_PER_S;
		ts.tv_nsec += ns % NS_PER_S;
	}
	if (ts.tv_nsec >= NS_PER_S) {
		ts.tv_sec++;
		ts.tv_nsec -= NS_PER_S;
	}
	return ts;
}

static int
ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

/*
 * Format like Go's time.RFC3339Nano: trailing zeros of the fraction trimmed,
 * "Z" for a zero offset, else "+hh:mm"/"-hh:mm".
 */
static void
fmt_time(char *buf, size_t len, int64_t sec, long nsec, int off_min)
{
	struct tm	 tm;
	time_t		 t = (time_t)(sec + (int64_t)off_min * 60);
	char		 frac[32] = "", zone[16] = "Z";
	int		 i, a;

	gmtime_r(&t, &tm);
	if (nsec > 0) {
		snprintf(frac, sizeof(frac), ".%09ld", nsec % 1000000000L);
		for (i = (int)strlen(frac) - 1; i > 0 && frac[i] == '0'; i--)
			frac[i] = '\0';
	}
	if (off_min != 0) {
		a = off_min < 0 ? -off_min : off_min;
		snprintf(zone, sizeof(zone), "%c%02d:%02d",
		    off_min < 0 ? '-' : '+', (a / 60) % 100, a % 60);
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%s%s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, frac, zone);
}

static json_t *
json_time_utc_now(void)
{
	struct timespec	 ts = real_now();
	char		 buf[64];

	fmt_time(buf, sizeof(buf), ts.tv_sec, ts.tv_nsec, 0);
	return json_string(buf);
}

static json_t *
json_time_local(int64_t sec, long nsec, int off_min)
{
	char buf[64];

	fmt_time(buf, sizeof(buf), sec, nsec, off_min);
	return json_string(buf);
}

/* True when the peer closed or reset its end of fd. */
static bool
peer_gone(int fd)
{
	char	 c;
	ssize_t	 n;

	if (fd < 0)
		return false;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0)
		return true;
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		return true;
	return false;
}

static void
sleep_ns(int64_t ns)
{
	struct timespec ts;

	if (ns <= 0)
		return;
	ts.tv_sec = ns / NS_PER_S;
	ts.tv_nsec = ns % NS_PER_S;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Sleep until the monotonic deadline. Wakes every few ms to look for a
 * vanished peer (-ECANCELED) or shutdown (-ESHUTDOWN). The deadline is
 * absolute, so repeated calls do not drift.
 */
static int
wait_until(int64_t deadline, int fd)
{
	int64_t left;

	for (;;) {
		if (atomic_load(&sim_stopping))
			return -ESHUTDOWN;
		if (peer_gone(fd))
			return -ECANCELED;
		left = deadline - mono_ns();
		if (left <= 0)
			return 0;
		sleep_ns(left < SIM_SLICE_NS ? left : SIM_SLICE_NS);
	}
}

/* ---- small helpers ------------------------------------------------- */

static void *
sim_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (p == NULL) {
		fputs("ollama-sim: out of memory\n", stderr);
		abort();
	}
	return p;
}

static char *
sim_strdup(const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*p = sim_alloc(n);

	memcpy(p, s, n);
	return p;
}

static void
vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
vlog(const char *fmt, ...)
{
	va_list ap;

	if (!sim.verbose)
		return;
	va_start(ap, fmt);
	fputs("ollama-sim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static struct sim_config
config_get(void)
{
	struct sim_config c;

	pthread_mutex_lock(&sim.mu);
	c = sim.cfg;
	pthread_mutex_unlock(&sim.mu);
	return c;
}

static enum sim_mode
mode_get(void)
{
	enum sim_mode m;

	pthread_mutex_lock(&sim.mu);
	m = sim.cfg.mode;
	pthread_mutex_unlock(&sim.mu);
	return m;
}

static int
mode_parse(const char *s)
{
	size_t i;

	for (i = 0; i < SIM_NMODES; i++)
		if (strcmp(s, sim_mode_names[i]) == 0)
			return (int)i;
	return -1;
}

/* A growable output buffer for dump_go(). */
struct sim_buf {
	char		*p;
	size_t		 len;
	size_t		 cap;
};

static void
buf_add(struct sim_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * Rewrite one real printed by jansson ("%.17g", e.g. 0.69999999999999996)
 * with the fewest significant digits that give back the same double.
 */
static void
buf_add_real(struct sim_buf *b, const char *s, size_t n)
{
	char	 in[64], out[64];
	double	 d;
	int	 prec;

	if (n >= sizeof(in)) {
		buf_add(b, s, n);
		return;
	}
	memcpy(in, s, n);
	in[n] = '\0';
	d = strtod(in, NULL);
	for (prec = 1; prec <= 17; prec++) {
		snprintf(out, sizeof(out) - 2, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			break;
	}
	if (strpbrk(out, ".en") == NULL)
		strcat(out, ".0");	/* keep it a real for jansson readers */
	buf_add(b, out, strlen(out));
}

/*
 * Serialise like Go's encoding/json: compact, and <, >, &, U+2028 and U+2029
 * inside strings escaped; reals in shortest round-trip form. Returns a
 * malloc'd string and its length.
 */
static char *
dump_go(const json_t *j, size_t *lenp)
{
	struct sim_buf	 b = { NULL, 0, 0 };
	char		*s, esc[8];
	const char	*q;
	const unsigned char *u;
	bool		 instr = false;
	size_t		 n;

	s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s == NULL)
		abort();
	buf_add(&b, "", 0);
	for (q = s; *q != '\0'; ) {
		u = (const unsigned char *)q;
		if (instr) {
			if (*q == '\\') {
				buf_add(&b, q, 2);
				q += 2;
				continue;
			}
			if (*q == '"')
				instr = false;
			if (*q == '<' || *q == '>' || *q == '&') {
				snprintf(esc, sizeof(esc), "\\u00%02x", u[0]);
				buf_add(&b, esc, 6);
				q++;
			} else if (u[0] == 0xe2 && u[1] == 0x80 &&
			    (u[2] == 0xa8 || u[2] == 0xa9)) {
				buf_add(&b, u[2] == 0xa8 ? "\\u2028" :
				    "\\u2029", 6);
				q += 3;
			} else
				buf_add(&b, q++, 1);
			continue;
		}
		if (*q == '-' || (*q >= '0' && *q <= '9')) {
			n = strspn(q, "-+.eE0123456789");
			if (memchr(q, '.', n) || memchr(q, 'e', n) ||
			    memchr(q, 'E', n))
				buf_add_real(&b, q, n);
			else
				buf_add(&b, q, n);
			q += n;
			continue;
		}
		if (*q == '"')
			instr = true;
		buf_add(&b, q++, 1);
	}
	free(s);
	*lenp = b.len;
	return b.p;
}

static size_t
count_words(const char *s)
{
	size_t	 n = 0;
	bool	 in = false;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
		    *s == '\v' || *s == '\f')
			in = false;
		else if (!in) {
			in = true;
			n++;
		}
	}
	return n;
}

/*
 * Parse a Go duration ("1h30m", "-1s", "250ms", "0"). On error put Go's
 * message in msg and return -EINVAL.
 */
static int
parse_go_duration(const char *orig, double *nsp, char *msg, size_t msglen)
{
	static const struct {
		const char	*unit;
		double		 ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 },
		{ "\xce\xbcs", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
		{ "m", 60e9 }, { "h", 3600e9 },
	};
	const char	*s = orig, *u;
	double		 total = 0, v, scale;
	bool		 neg = false, digits;
	size_t		 ul, i;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*nsp = 0;
		return 0;
	}
	if (*s == '\0')
		goto invalid;
	while (*s != '\0') {
		v = 0;
		digits = false;
		if (!(*s == '.' || (*s >= '0' && *s <= '9')))
			goto invalid;
		for (; *s >= '0' && *s <= '9'; s++, digits = true)
			v = v * 10 + (*s - '0');
		if (*s == '.') {
			s++;
			for (scale = 0.1; *s >= '0' && *s <= '9'; s++) {
				v += (*s - '0') * scale;
				scale /= 10;
				digits = true;
			}
		}
		if (!digits)
			goto invalid;
		for (u = s; *s != '\0' && *s != '.' && !(*s >= '0' &&
		    *s <= '9'); s++)
			;
		ul = (size_t)(s - u);
		if (ul == 0) {
			snprintf(msg, msglen,
			    "time: missing unit in duration \"%s\"", orig);
			return -EINVAL;
		}
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].unit) == ul &&
			    memcmp(units[i].unit, u, ul) == 0)
				break;
		if (i == sizeof(units) / sizeof(units[0])) {
			snprintf(msg, msglen,
			    "time: unknown unit \"%.*s\" in duration \"%s\"",
			    (int)ul, u, orig);
			return -EINVAL;
		}
		total += v * units[i].ns;
		if (total > 9.2233720368547758e18)
			goto invalid;
	}
	*nsp = neg ? -total : total;
	return 0;
invalid:
	snprintf(msg, msglen, "time: invalid duration \"%s\"", orig);
	return -EINVAL;
}

/* Parse a keep_alive value as Ollama's api.Duration does. */
static int
parse_keep_alive(const json_t *v, struct sim_ka *ka, char *msg, size_t msglen)
{
	double ns;

	memset(ka, 0, sizeof(*ka));
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_number(v)) {
		ns = json_number_value(v) * 1e9;
	} else if (json_is_string(v)) {
		if (parse_go_duration(json_string_value(v), &ns, msg,
		    msglen) != 0)
			return -EINVAL;
	} else {
		snprintf(msg, msglen, "Unsupported type: '%s'",
		    json_is_boolean(v) ? "bool" :
		    json_is_array(v) ? "[]interface {}" :
		    "map[string]interface {}");
		return -EINVAL;
	}
	ka->set = true;
	if (ns < 0)
		ka->forever = true;
	else if (ns > 9.2e18)
		ka->forever = true;
	else
		ka->ns = (int64_t)ns;
	return 0;
}

#define SIM_MAXALIAS	32
#define SIM_MAXBLOBS	64
#define SIM_PULL_STEP_NS	(50 * NS_PER_MS)

/* Names made by copy/create (aliases of a built-in) and deleted models. */
static struct {
	char	 name[256];
	int	 m;
} sim_alias[SIM_MAXALIAS];
static bool	 sim_deleted[SIM_NMODELS];
static char	 sim_blobs[SIM_MAXBLOBS][72];	/* "sha256:<hex>" */
static atomic_uint_fast64_t sim_oa_ids;

static void	sim_more_reset(void);
static int	model_lookup(const char *);
static json_t	*tags_entry(int, const char *, const struct sim_config *);
static void	 tags_aliases(json_t *, const struct sim_config *);

/* Find a built-in model by any accepted name form; -1 if unknown. */
static int
model_find(const char *name)
{
	static const char *const prefixes[] = {
		"registry.ollama.ai/library/", "registry.ollama.ai/",
		"library/",
	};
	char		 buf[1024];
	const char	*slash, *colon;
	size_t		 i, pl;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		pl = strlen(prefixes[i]);
		if (strncasecmp(name, prefixes[i], pl) == 0) {
			name += pl;
			break;
		}
	}
	if (*name == '\0' || strlen(name) > sizeof(buf) - 16)
		return -1;
	slash = strrchr(name, '/');
	colon = strrchr(name, ':');
	if (colon == NULL || (slash != NULL && colon < slash))
		snprintf(buf, sizeof(buf), "%s:latest", name);
	else
		snprintf(buf, sizeof(buf), "%s", name);
	for (i = 0; i < SIM_NMODELS; i++)
		if (strcasecmp(buf, sim_models[i].name) == 0)
			return (int)i;
	return -1;
}

static bool
model_has_cap(int m, const char *cap)
{
	const char *const	*c = sim_models[m].caps;

	if (c == NULL)	/* old manifest: plain completion model */
		return strcmp(cap, "completion") == 0;
	for (; *c != NULL; c++)
		if (strcmp(*c, cap) == 0)
			return true;
	return false;
}

static int64_t
model_default_ctx(int m)
{
	int64_t ctx = sim_models[m].context_length;

	return ctx > 0 && ctx < SIM_DEFAULT_NUM_CTX ? ctx : SIM_DEFAULT_NUM_CTX;
}

/* ---- loaded-model bookkeeping (callers hold sim.mu) ---------------- */

/* Drop idle models whose keep-alive ran out. */
static void
models_purge_locked(void)
{
	struct timespec	 now = real_now();
	size_t		 i;

	for (i = 0; i < SIM_NMODELS; i++) {
		struct sim_loaded *l = &sim.loaded[i];

		if (l->state == SIM_LOADED && l->active == 0 && !l->forever &&
		    ts_cmp(&l->expires, &now) <= 0)
			l->state = SIM_UNLOADED;
	}
}

static void
model_set_ka_locked(int m, const struct sim_ka *ka)
{
	struct sim_loaded *l = &sim.loaded[m];

	if (ka->set) {
		l->forever = ka->forever;
		l->keep_alive_ns = ka->ns;
	}
	l->expires = ts_add(real_now(), l->keep_alive_ns, l->forever);
}

static void
model_mark_loaded_locked(int m, const struct sim_ka *ka, int64_t num_ctx)
{
	struct sim_loaded *l = &sim.loaded[m];

	l->state = SIM_LOADED;
	l->num_ctx = num_ctx;
	l->forever = false;
	l->keep_alive_ns = SIM_DEFAULT_KA_NS;
	model_set_ka_locked(m, ka);
}

/*
 * Make model m ready for a request: load it (load_ms) when not loaded or
 * when num_ctx differs from the loaded runner's, or wait for a load already
 * in progress. Takes a reference released by model_release(). *load_nsp gets
 * the load_duration to report. Returns 0, -ECANCELED or -ESHUTDOWN.
 */
static int
model_acquire(int m, const struct sim_config *cfg, const struct sim_ka *ka,
    int64_t num_ctx, int fd, int64_t *load_nsp)
{
	struct sim_loaded	*l = &sim.loaded[m];
	int64_t			 start = mono_ns(), want;
	int			 rc;

	want = num_ctx > 0 ? num_ctx : 0;
	pthread_mutex_lock(&sim.mu);
	for (;;) {
		models_purge_locked();
		if (l->state == SIM_LOADED &&
		    (want == 0 || want == l->num_ctx)) {
			l->active++;
			if (ka->set)
				model_set_ka_locked(m, ka);
			pthread_mutex_unlock(&sim.mu);
			/* Scheduling overhead of an already loaded runner. */
			sleep_ns(NS_PER_MS);
			*load_nsp = mono_ns() - start;
			return 0;
		}
		if (l->state == SIM_UNLOADED ||
		    (l->state == SIM_LOADED && l->active == 0))
			break;
		/* Loading elsewhere, or busy with another num_ctx: wait. */
		pthread_mutex_unlock(&sim.mu);
		if ((rc = wait_until(mono_ns() + SIM_SLICE_NS, fd)) != 0)
			return rc;
		pthread_mutex_lock(&sim.mu);
	}
	l->state = SIM_LOADING;
	pthread_mutex_unlock(&sim.mu);

	rc = wait_until(mono_ns() + cfg->load_ms * NS_PER_MS, fd);

	pthread_mutex_lock(&sim.mu);
	if (rc != 0) {
		if (l->state == SIM_LOADING)
			l->state = SIM_UNLOADED;
		pthread_mutex_unlock(&sim.mu);
		return rc;
	}
	model_mark_loaded_locked(m, ka, want ? want : model_default_ctx(m));
	l->active++;
	pthread_mutex_unlock(&sim.mu);
	*load_nsp = cfg->load_ms * NS_PER_MS;
	return 0;
}

/* Drop a reference from model_acquire(); the keep-alive clock restarts. */
static void
model_release(int m)
{
	struct sim_loaded *l = &sim.loaded[m];

	pthread_mutex_lock(&sim.mu);
	if (l->active > 0)
		l->active--;
	if (l->state == SIM_LOADED)
		model_set_ka_locked(m, &(struct sim_ka){ 0 });
	models_purge_locked();
	pthread_mutex_unlock(&sim.mu);
}

/* ---- request log --------------------------------------------------- */

static struct sim_logent *
reqlog_find_locked(uint64_t id)
{
	struct sim_logent *e;

	if (id == 0)
		return NULL;
	e = &sim.log[(id - 1) % SIM_LOG_MAX];
	return e->id == id ? e : NULL;
}

static void
logent_clear(struct sim_logent *e)
{
	json_decref(e->body);
	free(e->raw);
	memset(e, 0, sizeof(*e));
}

/* Record a generate/chat body; returns the entry id. */
static uint64_t
reqlog_add(const char *path, const json_t *body, const char *raw, size_t len)
{
	struct sim_logent	*e;
	uint64_t		 id;
	json_t			*copy = body ? json_deep_copy(body) : NULL;
	char			*r = NULL;

	if (copy == NULL) {
		r = sim_alloc(len + 1);
		memcpy(r, raw, len);
	}
	pthread_mutex_lock(&sim.mu);
	id = sim.log_next++;
	e = &sim.log[(id - 1) % SIM_LOG_MAX];
	logent_clear(e);
	e->id = id;
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->body = copy;
	e->raw = r;
	e->received_ns = real_ns();
	pthread_mutex_unlock(&sim.mu);
	return id;
}

static void
reqlog_update(uint64_t id, int status, int64_t tokens, enum sim_outcome out)
{
	struct sim_logent *e;

	pthread_mutex_lock(&sim.mu);
	if ((e = reqlog_find_locked(id)) != NULL) {
		if (status > 0)
			e->status = status;
		if (tokens >= 0)
			e->tokens_sent = tokens;
		if (out != SIM_OUT_RUNNING && e->outcome == SIM_OUT_RUNNING)
			e->outcome = out;
	}
	pthread_mutex_unlock(&sim.mu);
}

static void
reqlog_clear(void)
{
	size_t i;

	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_LOG_MAX; i++)
		logent_clear(&sim.log[i]);
	pthread_mutex_unlock(&sim.mu);
}

/* ---- replies ------------------------------------------------------- */

static enum MHD_Result
reply_buf(struct MHD_Connection *c, unsigned status, const char *ctype,
    char *body, size_t len)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	if (ctype != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
reply_text(struct MHD_Connection *c, unsigned status, const char *ctype,
    const char *text)
{
	return reply_buf(c, status, ctype, sim_strdup(text), strlen(text));
}

/* Reply with j (reference stolen). */
static enum MHD_Result
reply_json(struct MHD_Connection *c, struct sim_req *rq, unsigned status,
    json_t *j)
{
	size_t	 len;
	char	*s = dump_go(j, &len);

	json_decref(j);
	if (rq != NULL) {
		rq->outcome = SIM_OUT_DONE;
		reqlog_update(rq->log_id, (int)status, -1, SIM_OUT_DONE);
	}
	return reply_buf(c, status, CT_JSON, s, len);
}

static enum MHD_Result
reply_error(struct MHD_Connection *c, struct sim_req *rq, unsigned status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum MHD_Result
reply_error(struct MHD_Connection *c, struct sim_req *rq, unsigned status,
    const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reply_json(c, rq, status, json_pack("{s:s}", "error", msg));
}

/* ---- request bodies ------------------------------------------------ */

static const char *
json_type_go(const json_t *v)
{
	if (json_is_string(v))
		return "string";
	if (json_is_number(v))
		return "number";
	if (json_is_boolean(v))
		return "bool";
	if (json_is_array(v))
		return "array";
	return "object";
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Approximate Go's json syntax error text: a bad first character is reported
 * by name, running out of input is "unexpected EOF".
 */
static void
body_syntax_error(const char *b, size_t len, const json_error_t *err,
    char *msg, size_t msglen)
{
	size_t	 i = 0;
	char	 c;

	while (i < len && is_ws(b[i]))
		i++;
	if (i < len && (b[i] == '\0' ||
	    strchr("{[\"-0123456789tfn", b[i]) == NULL))
		c = b[i];
	else if (err->position > 0 && (size_t)err->position < len &&
	    strstr(err->text, "premature end") == NULL &&
	    strstr(err->text, "unexpected newline") == NULL)
		c = b[err->position - 1];
	else {
		snprintf(msg, msglen, "unexpected EOF");
		return;
	}
	if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
		snprintf(msg, msglen, "invalid character '\\x%02x' looking for "
		    "beginning of value", (unsigned char)c);
	else
		snprintf(msg, msglen, "invalid character '%c' looking for "
		    "beginning of value", c);
}

/*
 * Decode rq->body as Go's json.Decoder would for Go type gotype: the first
 * value only, null = empty. On failure put Go's message in msg.
 */
static int
body_decode(struct sim_req *rq, const char *gotype, char *msg, size_t msglen)
{
	json_error_t	 err;
	size_t		 i;
	bool		 blank = true;

	for (i = 0; i < rq->len; i++)
		if (!is_ws(rq->body[i]))
			blank = false;
	if (blank) {
		snprintf(msg, msglen, "missing request body");
		return -EINVAL;
	}
	if (rq->json == NULL) {
		rq->json = json_loadb(rq->body, rq->len, JSON_DECODE_ANY |
		    JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &err);
		if (rq->json == NULL) {
			body_syntax_error(rq->body, rq->len, &err, msg, msglen);
			return -EINVAL;
		}
	}
	if (json_is_null(rq->json)) {
		json_decref(rq->json);
		rq->json = json_object();
	}
	if (!json_is_object(rq->json)) {
		snprintf(msg, msglen, "json: cannot unmarshal %s into Go value "
		    "of type api.%s", json_type_go(rq->json), gotype);
		return -EINVAL;
	}
	return 0;
}

/*
 * Check that field key of the decoded body has JSON type want ('s' string,
 * 'b' bool, 'o' object, 'a' array, 'n' number) or is absent/null.
 */
static int
field_check(const json_t *obj, const char *gotype, const char *key, char want,
    char *msg, size_t msglen)
{
	const json_t	*v = json_object_get(obj, key);
	const char	*name;
	bool		 ok;

	if (v == NULL || json_is_null(v))
		return 0;
	switch (want) {
	case 's': ok = json_is_string(v); name = "string"; break;
	case 'b': ok = json_is_boolean(v); name = "bool"; break;
	case 'o': ok = json_is_object(v); name = "map[string]interface {}";
		break;
	case 'a': ok = json_is_array(v); name = "[]api.Message"; break;
	default: ok = json_is_number(v); name = "int"; break;
	}
	if (ok)
		return 0;
	snprintf(msg, msglen, "json: cannot unmarshal %s into Go struct field "
	    "%s.%s of type %s", json_type_go(v), gotype, key, name);
	return -EINVAL;
}

static const char *
str_field(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

/* ---- JSON for models ----------------------------------------------- */

static json_t *
model_details(int m, bool lengths)
{
	const struct sim_model	*md = &sim_models[m];
	json_t			*d, *fam;
	const char *const	*f;

	if (md->families == NULL)
		fam = json_null();
	else {
		fam = json_array();
		for (f = md->families; *f != NULL; f++)
			json_array_append_new(fam, json_string(*f));
	}
	d = json_pack("{s:s,s:s,s:s,s:o,s:s,s:s}",
	    "parent_model", "", "format", md->format, "family", md->family,
	    "families", fam, "parameter_size", md->parameter_size,
	    "quantization_level", md->quantization);
	if (lengths && md->context_length > 0)
		json_object_set_new(d, "context_length",
		    json_integer(md->context_length));
	if (lengths && md->embedding_length > 0)
		json_object_set_new(d, "embedding_length",
		    json_integer(md->embedding_length));
	return d;
}

static json_t *
model_caps(int m)
{
	json_t			*a = json_array();
	const char *const	*c;

	for (c = sim_models[m].caps; c != NULL && *c != NULL; c++)
		json_array_append_new(a, json_string(*c));
	if (sim_models[m].caps == NULL)
		json_array_append_new(a, json_string("completion"));
	return a;
}

static int
tags_cmp(const void *a, const void *b)
{
	const struct sim_model *x = &sim_models[*(const int *)a];
	const struct sim_model *y = &sim_models[*(const int *)b];

	if (x->modified_s != y->modified_s)
		return x->modified_s > y->modified_s ? -1 : 1;
	if (x->modified_ns != y->modified_ns)
		return x->modified_ns > y->modified_ns ? -1 : 1;
	return 0;
}

static enum MHD_Result
api_tags(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	json_t	*models = json_array();
	int	 order[SIM_NMODELS];
	size_t	 i;

	(void)rq;
	for (i = 0; i < SIM_NMODELS; i++)
		order[i] = (int)i;
	qsort(order, SIM_NMODELS, sizeof(order[0]), tags_cmp);
	for (i = 0; i < SIM_NMODELS; i++) {
		bool gone;
		pthread_mutex_lock(&sim.mu);
		gone = sim_deleted[order[i]];
		pthread_mutex_unlock(&sim.mu);
		if (!gone)
			json_array_append_new(models, tags_entry(order[i],
			    sim_models[order[i]].name, cfg));
	}
	tags_aliases(models, cfg);
	return reply_json(c, NULL, MHD_HTTP_OK,
	    json_pack("{s:o}", "models", models));
}

struct ps_row {
	int		 m;
	struct timespec	 expires;
};

static int
ps_cmp(const void *a, const void *b)
{
	const struct ps_row	*x = a, *y = b;
	int			 r = ts_cmp(&y->expires, &x->expires);

	return r != 0 ? r : strcmp(sim_models[x->m].name,
	    sim_models[y->m].name);
}

static enum MHD_Result
api_ps(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	struct ps_row	 rows[SIM_NMODELS];
	int64_t		 ctx[SIM_NMODELS], deadline;
	size_t		 i, n = 0;
	bool		 loading;
	json_t		*models;

	if (cfg->ps_delay_ms > 0 && wait_until(mono_ns() +
	    cfg->ps_delay_ms * NS_PER_MS, rq->fd) != 0)
		return MHD_NO;
	/* Like the real scheduler lock: ps waits for a load in progress. */
	deadline = mono_ns() + SIM_STALL_NS;
	while (cfg->ps_wait_load) {
		pthread_mutex_lock(&sim.mu);
		for (loading = false, i = 0; i < SIM_NMODELS; i++)
			loading |= sim.loaded[i].state == SIM_LOADING;
		pthread_mutex_unlock(&sim.mu);
		if (!loading || mono_ns() > deadline)
			break;
		if (wait_until(mono_ns() + SIM_SLICE_NS, rq->fd) != 0)
			return MHD_NO;
	}

	pthread_mutex_lock(&sim.mu);
	models_purge_locked();
	for (i = 0; i < SIM_NMODELS; i++) {
		if (sim.loaded[i].state != SIM_LOADED)
			continue;
		rows[n].m = (int)i;
		rows[n].expires = sim.loaded[i].expires;
		ctx[i] = sim.loaded[i].num_ctx;
		n++;
	}
	pthread_mutex_unlock(&sim.mu);
	qsort(rows, n, sizeof(rows[0]), ps_cmp);

	models = json_array();
	for (i = 0; i < n; i++) {
		const struct sim_model	*md = &sim_models[rows[i].m];
		int64_t			 size, vram;

		size = md->mem_base + ctx[rows[i].m] * md->kv_per_token;
		vram = (int64_t)((double)size * md->vram_frac);
		json_array_append_new(models, json_pack(
		    "{s:s,s:s,s:I,s:s,s:o,s:o,s:I,s:I}",
		    "name", md->name, "model", md->name,
		    "size", (json_int_t)size, "digest", md->digest,
		    "details", model_details(rows[i].m, false),
		    "expires_at", json_time_local(rows[i].expires.tv_sec,
		    rows[i].expires.tv_nsec, cfg->tz_offset),
		    "size_vram", (json_int_t)vram,
		    "context_length", (json_int_t)ctx[rows[i].m]));
	}
	return reply_json(c, NULL, MHD_HTTP_OK,
	    json_pack("{s:o}", "models", models));
}

static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* model_info with sorted keys, as Go marshals a map. */
static json_t *
model_info(int m)
{
	const struct sim_model	*md = &sim_models[m];
	json_t			*tmp = json_object(), *out = json_object();
	const char		*keys[32], *k;
	char			 key[128];
	size_t			 n = 0, i;
	void			*it;

#define SETI(name, v) do {						\
	snprintf(key, sizeof(key), name, md->family);			\
	json_object_set_new(tmp, key, json_integer(v));			\
} while (0)
	json_object_set_new(tmp, "general.architecture",
	    json_string(md->family));
	json_object_set_new(tmp, "general.file_type",
	    json_integer(md->file_type));
	json_object_set_new(tmp, "general.parameter_count",
	    json_integer(md->param_count));
	json_object_set_new(tmp, "general.quantization_version",
	    json_integer(2));
	SETI("%s.attention.head_count", md->head_count);
	SETI("%s.attention.head_count_kv", md->head_count_kv);
	SETI("%s.block_count", md->block_count);
	SETI("%s.context_length", md->context_length > 0 ?
	    md->context_length : 32768);
	SETI("%s.embedding_length", md->embedding_length > 0 ?
	    md->embedding_length : 4096);
	SETI("%s.vocab_size", md->vocab);
#undef SETI
	json_object_set_new(tmp, "tokenizer.ggml.model",
	    json_string(strcmp(md->family, "bert") == 0 ? "t5" : "gpt2"));
	json_object_set_new(tmp, "tokenizer.ggml.tokens", json_array());
	json_object_set_new(tmp, "tokenizer.ggml.token_type", json_array());

	for (it = json_object_iter(tmp); it != NULL && n < 32;
	    it = json_object_iter_next(tmp, it))
		keys[n++] = json_object_iter_key(it);
	qsort(keys, n, sizeof(keys[0]), kv_cmp);
	for (i = 0; i < n; i++) {
		k = keys[i];
		json_object_set(out, k, json_object_get(tmp, k));
	}
	json_decref(tmp);
	return out;
}

static enum MHD_Result
api_show(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	const struct sim_model	*md;
	const char		*name;
	char			 msg[512], *modelfile = NULL, *params;
	json_t			*r, *tensors;
	int			 m, len;
	enum MHD_Result		 ret;

	if (body_decode(rq, "ShowRequest", msg, sizeof(msg)) != 0 ||
	    field_check(rq->json, "ShowRequest", "model", 's', msg,
	    sizeof(msg)) != 0 ||
	    field_check(rq->json, "ShowRequest", "name", 's', msg,
	    sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = str_field(rq->json, "model");
	if (*name == '\0')
		name = str_field(rq->json, "name");
	if (*name == '\0')
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "model is required");
	if ((m = model_lookup(name)) < 0)
		return reply_error(c, NULL, MHD_HTTP_NOT_FOUND,
		    "model '%s' not found", name);
	md = &sim_models[m];

	if (md->stop != NULL)
		len = asprintf(&params, "%-30s %d\n%-30s \"%s\"", "num_ctx",
		    (int)model_default_ctx(m), "stop", md->stop);
	else
		len = asprintf(&params, "%-30s %d", "num_ctx",
		    (int)model_default_ctx(m));
	if (len < 0)
		abort();
	if (asprintf(&modelfile, "# Modelfile generated by \"ollama show\"\n"
	    "# To build a new Modelfile based on this, replace FROM with:\n"
	    "# FROM %s\n\nFROM /usr/share/ollama/.ollama/models/blobs/"
	    "sha256-%s\nTEMPLATE \"\"\"%s\"\"\"\nPARAMETER num_ctx %d\n%s%s%s",
	    md->name, md->digest, md->tmpl, (int)model_default_ctx(m),
	    md->stop ? "PARAMETER stop " : "", md->stop ? md->stop : "",
	    md->stop ? "\n" : "") < 0)
		abort();

	tensors = json_pack("[{s:s,s:s,s:[I,I]},{s:s,s:s,s:[I]}]",
	    "name", "token_embd.weight", "type", md->quantization,
	    "shape", (json_int_t)(md->embedding_length > 0 ?
	    md->embedding_length : 4096), (json_int_t)md->vocab,
	    "name", "output_norm.weight", "type", "F32",
	    "shape", (json_int_t)(md->embedding_length > 0 ?
	    md->embedding_length : 4096));
	r = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o}",
	    "modelfile", modelfile, "parameters", params,
	    "template", md->tmpl, "details", model_details(m, false),
	    "model_info", model_info(m), "tensors", tensors,
	    "capabilities", model_caps(m),
	    "modified_at", json_time_local(md->modified_s, md->modified_ns,
	    cfg->tz_offset));
	free(modelfile);
	free(params);
	ret = reply_json(c, NULL, MHD_HTTP_OK, r);
	return ret;
}

/* ---- generation ---------------------------------------------------- */

static const char *
gen_piece(const struct sim_gen *g, int64_t i, bool *thinkp)
{
	*thinkp = i < g->n_think;
	if (*thinkp)
		return sim_think_words[i % (int64_t)SIM_NTHINK];
	return sim_words[(i - g->n_think) % (int64_t)SIM_NWORDS];
}

static int64_t
gen_deadline(const struct sim_gen *g, int64_t i)
{
	return g->t0 + llround((double)i * 1e9 / g->cfg.tps);
}

static int64_t
gen_eval_ns(const struct sim_gen *g, int64_t n)
{
	return llround((double)n * 1e9 / g->cfg.tps);
}

/* Release the model and close the log entry, once. */
static void
gen_end(struct sim_req *rq, enum sim_outcome out)
{
	struct sim_gen *g = rq->gen;

	if (g == NULL)
		return;
	if (g->holds_model) {
		g->holds_model = false;
		model_release(g->model);
	}
	if (rq->outcome == SIM_OUT_RUNNING)
		rq->outcome = out;
	reqlog_update(rq->log_id, 0, g->emitted, out);
}

static void
gen_free(struct sim_gen *g)
{
	if (g == NULL)
		return;
	free(g->model_name);
	free(g->out);
	free(g);
}

/* A chunk carrying text (done:false) or the final chunk (text may be ""). */
static json_t *
gen_chunk(struct sim_req *rq, const char *text, const char *think, bool done)
{
	struct sim_gen	*g = rq->gen;
	json_t		*j, *msg, *ctx;
	int64_t		 i, eval_ns;

	j = json_pack("{s:s,s:o}", "model", g->model_name,
	    "created_at", json_time_utc_now());
	if (g->chat) {
		msg = json_pack("{s:s,s:s}", "role", "assistant",
		    "content", text);
		if (think != NULL && *think != '\0')
			json_object_set_new(msg, "thinking", json_string(think));
		json_object_set_new(j, "message", msg);
	} else {
		json_object_set_new(j, "response", json_string(text));
		if (think != NULL && *think != '\0')
			json_object_set_new(j, "thinking", json_string(think));
	}
	json_object_set_new(j, "done", json_boolean(done));
	if (!done)
		return j;
	json_object_set_new(j, "done_reason",
	    json_string(g->length_limited ? "length" : "stop"));
	if (g->want_context) {
		ctx = json_array();
		for (i = 0; i < g->prompt_count + g->emitted; i++)
			json_array_append_new(ctx, json_integer(
			    (i * 7919 + 1031) % 128000 + 1));
		json_object_set_new(j, "context", ctx);
	}
	eval_ns = gen_eval_ns(g, g->emitted);
#define SETNZ(k, v) do {						\
	if ((v) != 0)							\
		json_object_set_new(j, k, json_integer(v));		\
} while (0)
	SETNZ("total_duration", mono_ns() - rq->start_mono);
	SETNZ("load_duration", g->load_ns);
	SETNZ("prompt_eval_count", g->prompt_count);
	SETNZ("prompt_eval_duration", g->cfg.ttft_ms * NS_PER_MS);
	SETNZ("eval_count", g->emitted);
	SETNZ("eval_duration", eval_ns);
#undef SETNZ
	return j;
}

static void
gen_set_line(struct sim_gen *g, json_t *j)
{
	size_t	 len;
	char	*s = dump_go(j, &len);

	json_decref(j);
	free(g->out);
	g->out = sim_alloc(len + 2);
	memcpy(g->out, s, len);
	g->out[len] = '\n';
	g->outlen = len + 1;
	g->outoff = 0;
	free(s);
}

/*
 * Produce the next NDJSON line of a stream into g->out, sleeping until its
 * deadline. Returns 0 or an MHD_CONTENT_READER_END_* value.
 */
static ssize_t
gen_next_line(struct sim_req *rq)
{
	struct sim_gen	*g = rq->gen;
	int64_t		 i = g->emitted;
	const char	*piece;
	bool		 think;
	int		 rc;

	if (g->eos)
		return MHD_CONTENT_READER_END_OF_STREAM;
	rc = wait_until(gen_deadline(g, i), rq->fd);
	if (rc != 0) {
		gen_end(rq, rc == -ECANCELED ? SIM_OUT_CANCELLED :
		    SIM_OUT_DROPPED);
		vlog("stream %" PRIu64 " ended early after %" PRId64
		    " tokens (%s)", rq->log_id, i,
		    rc == -ECANCELED ? "client gone" : "shutdown");
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (i == g->fault_at) {
		if (g->cfg.mode == SIM_MODE_DROP) {
			gen_end(rq, SIM_OUT_DROPPED);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		gen_set_line(g, json_pack("{s:s}", "error", MSG_MIDSTREAM));
		g->eos = true;
		gen_end(rq, SIM_OUT_ERROR_LINE);
		return 0;
	}
	if (i < g->n) {
		piece = gen_piece(g, i, &think);
		gen_set_line(g, gen_chunk(rq, think ? "" : piece,
		    think ? piece : NULL, false));
		g->emitted++;
		reqlog_update(rq->log_id, 0, g->emitted, SIM_OUT_RUNNING);
		return 0;
	}
	gen_set_line(g, gen_chunk(rq, "", NULL, true));
	g->eos = true;
	gen_end(rq, SIM_OUT_DONE);
	return 0;
}

/* MHD content reader for NDJSON streams; one line per call when possible. */
static ssize_t
gen_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sim_req	*rq = cls;
	struct sim_gen	*g = rq->gen;
	size_t		 n;
	ssize_t		 rc;

	(void)pos;
	while (g->outoff >= g->outlen) {
		if ((rc = gen_next_line(rq)) != 0)
			return rc;
	}
	n = g->outlen - g->outoff;
	if (n > max)
		n = max;
	memcpy(buf, g->out + g->outoff, n);
	g->outoff += n;
	return (ssize_t)n;
}

/* Append s to a growing malloc'd string. */
static void
str_append(char **bufp, size_t *lenp, size_t *capp, const char *s)
{
	size_t n = strlen(s);

	if (*lenp + n + 1 > *capp) {
		*capp = (*lenp + n + 1) * 2;
		*bufp = realloc(*bufp, *capp);
		if (*bufp == NULL)
			abort();
	}
	memcpy(*bufp + *lenp, s, n + 1);
	*lenp += n;
}

/* stream:false: run the whole generation here, then reply once. */
static enum MHD_Result
gen_oneshot(struct MHD_Connection *c, struct sim_req *rq)
{
	struct sim_gen	*g = rq->gen;
	char		*text = NULL, *thinking = NULL;
	size_t		 tl = 0, tc = 0, hl = 0, hc = 0;
	const char	*piece;
	bool		 think;
	int		 rc;
	int64_t		 i;
	json_t		*j;

	str_append(&text, &tl, &tc, "");
	str_append(&thinking, &hl, &hc, "");
	for (i = 0; i <= g->n; i++) {
		rc = wait_until(gen_deadline(g, i), rq->fd);
		if (rc != 0) {
			gen_end(rq, rc == -ECANCELED ? SIM_OUT_CANCELLED :
			    SIM_OUT_DROPPED);
			goto drop;
		}
		if (i == g->fault_at) {
			if (g->cfg.mode == SIM_MODE_DROP) {
				gen_end(rq, SIM_OUT_DROPPED);
				goto drop;
			}
			gen_end(rq, SIM_OUT_DONE);
			free(text);
			free(thinking);
			return reply_error(c, rq, MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "%s", MSG_MIDSTREAM);
		}
		if (i == g->n)
			break;
		piece = gen_piece(g, i, &think);
		if (think)
			str_append(&thinking, &hl, &hc, piece);
		else
			str_append(&text, &tl, &tc, piece);
		g->emitted++;
		reqlog_update(rq->log_id, 0, g->emitted, SIM_OUT_RUNNING);
	}
	j = gen_chunk(rq, text, thinking, true);
	free(text);
	free(thinking);
	gen_end(rq, SIM_OUT_DONE);
	return reply_json(c, rq, MHD_HTTP_OK, j);
drop:
	free(text);
	free(thinking);
	return MHD_NO;
}

/* Reply to an empty prompt / empty messages: load or unload. */
static enum MHD_Result
gen_load_reply(struct MHD_Connection *c, struct sim_req *rq, bool chat,
    const char *name, int m, const struct sim_ka *ka,
    const struct sim_config *cfg, int64_t num_ctx)
{
	int64_t	 load_ns;
	bool	 unload = ka->set && !ka->forever && ka->ns == 0;
	json_t	*j;

	if (unload) {
		pthread_mutex_lock(&sim.mu);
		if (sim.loaded[m].state == SIM_LOADED) {
			model_set_ka_locked(m, ka);
			models_purge_locked();
		}
		pthread_mutex_unlock(&sim.mu);
	} else {
		if (model_acquire(m, cfg, ka, num_ctx, rq->fd, &load_ns) != 0) {
			rq->outcome = SIM_OUT_CANCELLED;
			reqlog_update(rq->log_id, 0, 0, SIM_OUT_CANCELLED);
			return MHD_NO;
		}
		model_release(m);
	}
	j = json_pack("{s:s,s:o}", "model", name,
	    "created_at", json_time_utc_now());
	if (chat)
		json_object_set_new(j, "message", json_pack("{s:s,s:s}",
		    "role", "assistant", "content", ""));
	else
		json_object_set_new(j, "response", json_string(""));
	json_object_set_new(j, "done", json_true());
	json_object_set_new(j, "done_reason",
	    json_string(unload ? "unload" : "load"));
	return reply_json(c, rq, MHD_HTTP_OK, j);
}

/* POST /api/generate and /api/chat. */
static enum MHD_Result
api_gen(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg, bool chat)
{
	const char		*gotype = chat ? "ChatRequest" :
				    "GenerateRequest";
	const char		*name, *ts;
	char			 msg[512];
	const json_t		*opts, *msgs, *v, *think;
	struct sim_ka		 ka;
	struct sim_gen		*g;
	struct MHD_Response	*r;
	enum MHD_Result		 ret;
	int64_t			 num_predict = -1, num_ctx = 0, words = 0;
	bool			 thinking, raw, empty;
	size_t			 i;
	int			 m, rc;

	if (body_decode(rq, gotype, msg, sizeof(msg)) != 0 ||
	    field_check(rq->json, gotype, "model", 's', msg, sizeof(msg)) ||
	    field_check(rq->json, gotype, "stream", 'b', msg, sizeof(msg)) ||
	    field_check(rq->json, gotype, "options", 'o', msg, sizeof(msg)) ||
	    (chat ? field_check(rq->json, gotype, "messages", 'a', msg,
	    sizeof(msg)) :
	    (field_check(rq->json, gotype, "prompt", 's', msg, sizeof(msg)) ||
	    field_check(rq->json, gotype, "system", 's', msg, sizeof(msg)) ||
	    field_check(rq->json, gotype, "raw", 'b', msg, sizeof(msg)))))
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST, "%s", msg);
	if (parse_keep_alive(json_object_get(rq->json, "keep_alive"), &ka,
	    msg, sizeof(msg)) != 0)
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST, "%s", msg);
	msgs = json_object_get(rq->json, "messages");
	if (chat) {
		json_array_foreach(msgs, i, v) {
			if (!json_is_object(v) || (json_object_get(v, "content")
			    && !json_is_null(json_object_get(v, "content")) &&
			    !json_is_string(json_object_get(v, "content"))))
				return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
				    "json: cannot unmarshal %s into Go struct "
				    "field ChatRequest.messages of type "
				    "api.Message", json_type_go(v));
			words += (int64_t)count_words(str_field(v, "content"));
		}
	}

	name = str_field(rq->json, "model");
	if (chat && *name == '\0')
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "model is required");
	if ((m = model_lookup(name)) < 0)
		return reply_error(c, rq, MHD_HTTP_NOT_FOUND,
		    "model '%s' not found", name);
	if (!model_has_cap(m, "completion"))
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "\"%s\" does not support %s", name,
		    chat ? "chat" : "generate");

	think = json_object_get(rq->json, "think");
	thinking = model_has_cap(m, "thinking");
	if (think != NULL && !json_is_null(think)) {
		if (json_is_boolean(think))
			thinking = json_is_true(think);
		else if (json_is_string(think) &&
		    (strcmp(ts = json_string_value(think), "low") == 0 ||
		    strcmp(ts, "medium") == 0 || strcmp(ts, "high") == 0 ||
		    strcmp(ts, "max") == 0))
			thinking = true;
		else
			return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
			    "invalid think value: %s", json_is_string(think) ?
			    json_string_value(think) : json_type_go(think));
		if (thinking && !model_has_cap(m, "thinking"))
			return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
			    "\"%s\" does not support thinking", name);
	}
	raw = json_is_true(json_object_get(rq->json, "raw"));
	if (raw && (*str_field(rq->json, "system") != '\0' ||
	    *str_field(rq->json, "template") != '\0' ||
	    json_array_size(json_object_get(rq->json, "context")) > 0))
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "raw mode does not support template, system, or context");

	opts = json_object_get(rq->json, "options");
	if ((v = json_object_get(opts, "num_predict")) != NULL) {
		if (!json_is_number(v))
			return reply_error(c, rq,
			    MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "option \"num_predict\" must be of type integer");
		num_predict = (int64_t)json_number_value(v);
	}
	if ((v = json_object_get(opts, "num_ctx")) != NULL) {
		if (!json_is_number(v))
			return reply_error(c, rq,
			    MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "option \"num_ctx\" must be of type integer");
		num_ctx = (int64_t)json_number_value(v);
	}

	empty = chat ? json_array_size(msgs) == 0 :
	    (*str_field(rq->json, "prompt") == '\0' &&
	    json_array_size(json_object_get(rq->json, "images")) == 0);
	if (empty)
		return gen_load_reply(c, rq, chat, name, m, &ka, cfg, num_ctx);
	if (!chat)
		words = (int64_t)count_words(str_field(rq->json, "prompt"));

	g = rq->gen = sim_alloc(sizeof(*g));
	g->chat = chat;
	g->model = m;
	g->model_name = sim_strdup(name);
	g->stream = !json_is_false(json_object_get(rq->json, "stream"));
	g->want_context = !chat && !raw;
	g->ka = ka;
	g->cfg = *cfg;
	g->length_limited = num_predict >= 0;
	g->n = num_predict >= 0 ? num_predict : cfg->tokens;
	/* The model's end-of-sequence token, before num_predict. */
	if (cfg->eos_after > 0 && cfg->eos_after < g->n) {
		g->n = cfg->eos_after;
		g->length_limited = false;
	}
	g->n_think = thinking && !raw && g->n >= 2 ? g->n / 4 : 0;
	g->fault_at = -1;
	if (cfg->mode == SIM_MODE_MIDSTREAM_ERROR || cfg->mode == SIM_MODE_DROP)
		g->fault_at = cfg->fault_after < g->n ? cfg->fault_after : g->n;
	g->prompt_count = words + 10;

	if ((rc = model_acquire(m, cfg, &ka, num_ctx, rq->fd,
	    &g->load_ns)) != 0) {
		gen_end(rq, rc == -ECANCELED ? SIM_OUT_CANCELLED :
		    SIM_OUT_DROPPED);
		return MHD_NO;
	}
	g->holds_model = true;
	/* Prompt evaluation: headers go out with the first token. */
	g->t0 = mono_ns() + cfg->ttft_ms * NS_PER_MS;
	if ((rc = wait_until(g->t0, rq->fd)) != 0) {
		gen_end(rq, rc == -ECANCELED ? SIM_OUT_CANCELLED :
		    SIM_OUT_DROPPED);
		return MHD_NO;
	}
	vlog("%s %" PRIu64 ": model %s, %" PRId64 " tokens at %g tok/s%s",
	    chat ? "chat" : "generate", rq->log_id, sim_models[m].name, g->n,
	    cfg->tps, g->stream ? "" : " (stream:false)");
	if (!g->stream)
		return gen_oneshot(c, rq);

	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    SIM_STREAM_BLOCK, gen_reader, rq, NULL);
	if (r == NULL) {
		gen_end(rq, SIM_OUT_DROPPED);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CT_NDJSON);
	reqlog_update(rq->log_id, MHD_HTTP_OK, 0, SIM_OUT_RUNNING);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
api_generate(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	return api_gen(c, rq, cfg, false);
}

static enum MHD_Result
api_chat(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	return api_gen(c, rq, cfg, true);
}

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

/* ---- /_sim control API --------------------------------------------- */

static json_t *
config_json(const struct sim_config *c)
{
	return json_pack("{s:s,s:f,s:I,s:I,s:I,s:s,s:I,s:I,s:I,s:b,s:i}",
	    "mode", sim_mode_names[c->mode], "tps", c->tps,
	    "ttft_ms", (json_int_t)c->ttft_ms, "load_ms", (json_int_t)c->load_ms,
	    "tokens", (json_int_t)c->tokens, "version", c->version,
	    "ps_delay_ms", (json_int_t)c->ps_delay_ms,
	    "fault_after", (json_int_t)c->fault_after,
	    "eos_after", (json_int_t)c->eos_after,
	    "ps_wait_load", c->ps_wait_load, "tz_offset", c->tz_offset);
}

/* Apply the keys of obj to *c; on error describe it in msg. */
static int
config_apply(struct sim_config *c, json_t *obj, char *msg, size_t len)
{
	const char	*k;
	json_t		*v;
	int64_t		*ip;
	double		 d;
	int		 md;

	json_object_foreach(obj, k, v) {
		ip = NULL;
		if (strcmp(k, "mode") == 0) {
			if (!json_is_string(v) ||
			    (md = mode_parse(json_string_value(v))) < 0)
				goto bad;
			c->mode = (enum sim_mode)md;
		} else if (strcmp(k, "tps") == 0) {
			if (!json_is_number(v) || (d = json_number_value(v)) <= 0)
				goto bad;
			c->tps = d;
		} else if (strcmp(k, "version") == 0) {
			if (!json_is_string(v) ||
			    strlen(json_string_value(v)) >= sizeof(c->version))
				goto bad;
			snprintf(c->version, sizeof(c->version), "%s",
			    json_string_value(v));
		} else if (strcmp(k, "ps_wait_load") == 0) {
			if (!json_is_boolean(v))
				goto bad;
			c->ps_wait_load = json_is_true(v);
		} else if (strcmp(k, "tz_offset") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < -1439 ||
			    json_integer_value(v) > 1439)
				goto bad;
			c->tz_offset = (int)json_integer_value(v);
		} else if (strcmp(k, "ttft_ms") == 0)
			ip = &c->ttft_ms;
		else if (strcmp(k, "load_ms") == 0)
			ip = &c->load_ms;
		else if (strcmp(k, "tokens") == 0)
			ip = &c->tokens;
		else if (strcmp(k, "ps_delay_ms") == 0)
			ip = &c->ps_delay_ms;
		else if (strcmp(k, "fault_after") == 0)
			ip = &c->fault_after;
		else if (strcmp(k, "eos_after") == 0)
			ip = &c->eos_after;
		else {
			snprintf(msg, len, "unknown config key '%s'", k);
			return -EINVAL;
		}
		if (ip != NULL) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				goto bad;
			*ip = json_integer_value(v);
		}
	}
	return 0;
bad:
	snprintf(msg, len, "bad value for config key '%s'", k);
	return -EINVAL;
}

static enum MHD_Result
ctl_config(struct MHD_Connection *c, struct sim_req *rq, const char *method)
{
	struct sim_config	 cfg;
	char			 msg[256];

	if (strcmp(method, MHD_HTTP_METHOD_POST) == 0) {
		if (body_decode(rq, "SimConfig", msg, sizeof(msg)) != 0)
			return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s",
			    msg);
		pthread_mutex_lock(&sim.mu);
		cfg = sim.cfg;
		if (config_apply(&cfg, rq->json, msg, sizeof(msg)) != 0) {
			pthread_mutex_unlock(&sim.mu);
			return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s",
			    msg);
		}
		sim.cfg = cfg;
		pthread_mutex_unlock(&sim.mu);
		vlog("config: mode %s tps %g ttft %" PRId64 "ms load %" PRId64
		    "ms tokens %" PRId64, sim_mode_names[cfg.mode], cfg.tps,
		    cfg.ttft_ms, cfg.load_ms, cfg.tokens);
	} else
		cfg = config_get();
	return reply_json(c, NULL, MHD_HTTP_OK, config_json(&cfg));
}

static enum MHD_Result
ctl_requests(struct MHD_Connection *c, struct sim_req *rq, const char *method)
{
	json_t			*arr, *e;
	struct sim_logent	*le;
	uint64_t		 id, first;
	enum MHD_Result		 ret;
	size_t			 len;
	char			*s;

	(void)rq;
	if (strcmp(method, MHD_HTTP_METHOD_DELETE) == 0) {
		reqlog_clear();
		return reply_json(c, NULL, MHD_HTTP_OK,
		    json_pack("{s:[]}", "requests"));
	}
	arr = json_array();
	pthread_mutex_lock(&sim.mu);
	first = sim.log_next > SIM_LOG_MAX ? sim.log_next - SIM_LOG_MAX : 1;
	for (id = first; id < sim.log_next; id++) {
		if ((le = reqlog_find_locked(id)) == NULL)
			continue;
		e = json_pack("{s:s,s:O,s:I,s:b,s:b,s:I,s:i,s:s,s:I}",
		    "path", le->path,
		    "body", le->body ? le->body : json_null(),
		    "received_ns", (json_int_t)le->received_ns,
		    "cancelled", le->outcome == SIM_OUT_CANCELLED,
		    "finished", le->outcome == SIM_OUT_DONE ||
		    le->outcome == SIM_OUT_ERROR_LINE,
		    "id", (json_int_t)le->id, "status", le->status,
		    "outcome", sim_outcome_names[le->outcome],
		    "tokens_sent", (json_int_t)le->tokens_sent);
		if (le->raw != NULL)
			json_object_set_new(e, "raw", json_string(le->raw));
		json_array_append_new(arr, e);
	}
	e = json_pack("{s:o}", "requests", arr);
	/* Bodies are shared with the log: serialise under the lock. */
	s = dump_go(e, &len);
	json_decref(e);
	pthread_mutex_unlock(&sim.mu);
	ret = reply_buf(c, MHD_HTTP_OK, CT_JSON, s, len);
	return ret;
}

static enum MHD_Result
ctl_load(struct MHD_Connection *c, struct sim_req *rq, bool load)
{
	struct sim_ka	 ka;
	char		 msg[256];
	const char	*name;
	const json_t	*nc;
	int		 m;
	size_t		 i;

	if (body_decode(rq, "SimLoad", msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = str_field(rq->json, "model");
	if (!load && strcmp(name, "*") == 0) {
		pthread_mutex_lock(&sim.mu);
		for (i = 0; i < SIM_NMODELS; i++)
			sim.loaded[i].state = SIM_UNLOADED;
		pthread_mutex_unlock(&sim.mu);
		return reply_json(c, NULL, MHD_HTTP_OK,
		    json_pack("{s:s}", "status", "unloaded"));
	}
	if (*name == '\0')
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "model is required");
	if ((m = model_find(name)) < 0)
		return reply_error(c, NULL, MHD_HTTP_NOT_FOUND,
		    "model '%s' not found", name);
	if (parse_keep_alive(json_object_get(rq->json, "keep_alive"), &ka,
	    msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	nc = json_object_get(rq->json, "num_ctx");
	pthread_mutex_lock(&sim.mu);
	if (load)
		model_mark_loaded_locked(m, &ka, json_is_integer(nc) &&
		    json_integer_value(nc) > 0 ? json_integer_value(nc) :
		    model_default_ctx(m));
	else
		sim.loaded[m].state = SIM_UNLOADED;
	pthread_mutex_unlock(&sim.mu);
	return reply_json(c, NULL, MHD_HTTP_OK, json_pack("{s:s,s:s}",
	    "model", sim_models[m].name, "status", load ? "loaded" :
	    "unloaded"));
}

static enum MHD_Result
ctl_reset(struct MHD_Connection *c)
{
	size_t i;

	pthread_mutex_lock(&sim.mu);
	sim.cfg = sim.cfg_default;
	for (i = 0; i < SIM_NMODELS; i++)
		sim.loaded[i].state = SIM_UNLOADED;
	pthread_mutex_unlock(&sim.mu);
	reqlog_clear();
	sim_more_reset();
	return reply_json(c, NULL, MHD_HTTP_OK, config_json(&sim.cfg_default));
}

/* ---- model management, embeddings, OpenAI compatibility ----------- */


/* Canonical "name:tag" as model_find spells it, into buf. */
static void
model_canon(const char *name, char *buf, size_t len)
{
	const char	*slash, *colon;

	if (strncasecmp(name, "registry.ollama.ai/library/", 27) == 0)
		name += 27;
	slash = strrchr(name, '/');
	colon = strrchr(name, ':');
	if (colon == NULL || (slash != NULL && colon < slash))
		snprintf(buf, len, "%s:latest", name);
	else
		snprintf(buf, len, "%s", name);
}

/* model_find, with copies and deletions. */
static int
model_lookup(const char *name)
{
	char	buf[300];
	int	i, m;

	model_canon(name, buf, sizeof(buf));
	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_MAXALIAS; i++)
		if (sim_alias[i].name[0] != '\0' &&
		    strcasecmp(sim_alias[i].name, buf) == 0) {
			m = sim_alias[i].m;
			pthread_mutex_unlock(&sim.mu);
			return m;
		}
	m = model_find(name);
	if (m >= 0 && sim_deleted[m])
		m = -1;
	pthread_mutex_unlock(&sim.mu);
	return m;
}

static int
alias_add(const char *name, int m)
{
	char	buf[300];
	int	i, free_slot = -1;

	model_canon(name, buf, sizeof(buf));
	if (strlen(buf) >= sizeof(sim_alias[0].name))
		return -ENAMETOOLONG;
	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_MAXALIAS; i++) {
		if (sim_alias[i].name[0] == '\0') {
			if (free_slot < 0)
				free_slot = i;
		} else if (strcasecmp(sim_alias[i].name, buf) == 0)
			free_slot = i;
	}
	if (free_slot >= 0) {
		memcpy(sim_alias[free_slot].name, buf, strlen(buf) + 1);
		sim_alias[free_slot].m = m;
	}
	if ((i = model_find(buf)) >= 0 && strcasecmp(buf,
	    sim_models[i].name) == 0)
		sim_deleted[i] = false;
	pthread_mutex_unlock(&sim.mu);
	return free_slot >= 0 ? 0 : -ENOSPC;
}

/* Remove a name; 0, or -ENOENT. */
static int
model_remove(const char *name)
{
	char	buf[300];
	int	i, m, rc = -ENOENT;

	model_canon(name, buf, sizeof(buf));
	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_MAXALIAS; i++)
		if (sim_alias[i].name[0] != '\0' &&
		    strcasecmp(sim_alias[i].name, buf) == 0) {
			sim_alias[i].name[0] = '\0';
			rc = 0;
		}
	if (rc != 0 && (m = model_find(name)) >= 0 && !sim_deleted[m]) {
		sim_deleted[m] = true;
		sim.loaded[m].state = SIM_UNLOADED;
		rc = 0;
	}
	pthread_mutex_unlock(&sim.mu);
	return rc;
}

static void
sim_more_reset(void)
{
	pthread_mutex_lock(&sim.mu);
	memset(sim_alias, 0, sizeof(sim_alias));
	memset(sim_deleted, 0, sizeof(sim_deleted));
	memset(sim_blobs, 0, sizeof(sim_blobs));
	pthread_mutex_unlock(&sim.mu);
}

/* A tags entry for model m under name. */
static json_t *
tags_entry(int m, const char *name, const struct sim_config *cfg)
{
	const struct sim_model	*md = &sim_models[m];
	json_t			*e;

	e = json_pack("{s:s,s:s,s:o,s:I,s:s,s:o}",
	    "name", name, "model", name,
	    "modified_at", json_time_local(md->modified_s, md->modified_ns,
	    cfg->tz_offset),
	    "size", (json_int_t)md->size, "digest", md->digest,
	    "details", model_details(m, true));
	if (md->caps != NULL)
		json_object_set_new(e, "capabilities", model_caps(m));
	return e;
}

/* Append the copies' entries (those not naming a built-in). */
static void
tags_aliases(json_t *models, const struct sim_config *cfg)
{
	char	names[SIM_MAXALIAS][256];
	int	ms[SIM_MAXALIAS], n = 0, i, b;

	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_MAXALIAS; i++)
		if (sim_alias[i].name[0] != '\0') {
			memcpy(names[n], sim_alias[i].name, sizeof(names[n]));
			ms[n++] = sim_alias[i].m;
		}
	pthread_mutex_unlock(&sim.mu);
	for (i = 0; i < n; i++) {
		b = model_find(names[i]);
		if (b >= 0 && strcasecmp(names[i], sim_models[b].name) == 0)
			continue;
		json_array_append_new(models, tags_entry(ms[i], names[i], cfg));
	}
}

/* ---- SHA-256 (FIPS 180-4), for blob digests ---- */

struct sha256 {
	uint32_t	h[8];
	uint64_t	n;
	unsigned char	buf[64];
	size_t		blen;
};

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

static void
sha256_block(struct sha256 *s, const unsigned char *p)
{
	uint32_t	w[64], a, b, c, d, e, f, g, h, t1, t2;
	int		i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
		    (w[i - 15] >> 3)) + w[i - 7] + (ROR(w[i - 2], 17) ^
		    ROR(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
		    ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void
sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
	    0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memset(s, 0, sizeof(*s));
	memcpy(s->h, iv, sizeof(iv));
}

static void
sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 k;

	s->n += len;
	while (len > 0) {
		if (s->blen == 0 && len >= 64) {
			sha256_block(s, p);
			p += 64;
			len -= 64;
			continue;
		}
		k = 64 - s->blen < len ? 64 - s->blen : len;
		memcpy(s->buf + s->blen, p, k);
		s->blen += k;
		p += k;
		len -= k;
		if (s->blen == 64) {
			sha256_block(s, s->buf);
			s->blen = 0;
		}
	}
}

/* Finish into "sha256:<64 hex>". */
static void
sha256_hex(struct sha256 *s, char out[72])
{
	uint64_t	bits = s->n * 8;
	unsigned char	pad = 0x80, z = 0, len[8];
	int		i;

	sha256_update(s, &pad, 1);
	while (s->blen != 56)
		sha256_update(s, &z, 1);
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(s, len, 8);
	strcpy(out, "sha256:");
	for (i = 0; i < 8; i++)
		snprintf(out + 7 + 8 * i, 9, "%08x", s->h[i]);
}

static bool
blob_known(const char *digest)
{
	size_t	i;
	bool	found = false;

	if (strncmp(digest, "sha256:", 7) == 0)
		for (i = 0; i < SIM_NMODELS; i++)
			if (strcmp(digest + 7, sim_models[i].digest) == 0)
				return true;
	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_MAXBLOBS && !found; i++)
		found = strcmp(sim_blobs[i], digest) == 0;
	pthread_mutex_unlock(&sim.mu);
	return found;
}

static void
blob_add(const char *digest)
{
	size_t	i;

	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_MAXBLOBS; i++)
		if (sim_blobs[i][0] == '\0' || strcmp(sim_blobs[i],
		    digest) == 0) {
			snprintf(sim_blobs[i], sizeof(sim_blobs[i]), "%s",
			    digest);
			break;
		}
	pthread_mutex_unlock(&sim.mu);
}

/* Ollama's digest check: "sha256:" and 64 lowercase hex digits. */
static bool
digest_valid(const char *d)
{
	size_t	i;

	if (strncmp(d, "sha256:", 7) != 0 && strncmp(d, "sha256-", 7) != 0)
		return false;
	for (i = 7; d[i] != '\0'; i++)
		if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' &&
		    d[i] <= 'f')))
			return false;
	return i == 71;
}

/* HEAD /api/blobs/:digest and POST (the body was hashed as it came). */
static enum MHD_Result
api_blob(struct MHD_Connection *c, struct sim_req *rq, const char *digest,
    bool post)
{
	char	got[72], want[72];

	if (!digest_valid(digest))
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "invalid digest format");
	snprintf(want, sizeof(want), "sha256:%s", digest + 7);
	if (!post)
		return reply_buf(c, blob_known(want) ? MHD_HTTP_OK :
		    MHD_HTTP_NOT_FOUND, NULL, sim_strdup(""), 0);
	if (blob_known(want))
		return reply_buf(c, MHD_HTTP_OK, NULL, sim_strdup(""), 0);
	sha256_hex(rq->sha, got);
	if (strcmp(got, want) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "digest mismatch, expected \"%s\", got \"%s\"", want, got);
	blob_add(want);
	return reply_buf(c, MHD_HTTP_CREATED, NULL, sim_strdup(""), 0);
}

/* ---- paced line streams (pull, push, create, SSE) ---- */

struct sim_lines {
	char		**v;
	int64_t		 *at;		/* mono deadline of each line */
	size_t		  n, i, off;
	int		  fd;
	struct sim_req	 *rq;
};

static void
lines_add(struct sim_lines *l, char *s, int64_t at)
{
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->at = realloc(l->at, (l->n + 1) * sizeof(*l->at));
	if (l->v == NULL || l->at == NULL)
		abort();
	l->v[l->n] = s;
	l->at[l->n++] = at;
}

/* An NDJSON line from j (stolen). */
static void
lines_json(struct sim_lines *l, json_t *j, int64_t at)
{
	size_t	 len;
	char	*s = dump_go(j, &len), *line;

	json_decref(j);
	line = sim_alloc(len + 2);
	memcpy(line, s, len);
	line[len] = '\n';
	free(s);
	lines_add(l, line, at);
}

/* An SSE event "data: <j>\n\n" (j stolen; NULL = [DONE]). */
static void
lines_sse(struct sim_lines *l, json_t *j, int64_t at)
{
	size_t	 len;
	char	*s, *line;

	if (j == NULL) {
		lines_add(l, sim_strdup("data: [DONE]\n\n"), at);
		return;
	}
	s = dump_go(j, &len);
	json_decref(j);
	line = sim_alloc(len + 9);
	memcpy(line, "data: ", 6);
	memcpy(line + 6, s, len);
	memcpy(line + 6 + len, "\n\n", 2);
	free(s);
	lines_add(l, line, at);
}

static ssize_t
lines_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sim_lines	*l = cls;
	size_t			 n;
	int			 rc;

	(void)pos;
	if (l->i >= l->n)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (l->off == 0 && (rc = wait_until(l->at[l->i], l->fd)) != 0) {
		vlog("line stream ended early (%s)", rc == -ECANCELED ?
		    "client gone" : "shutdown");
		if (l->rq != NULL && l->rq->log_id != 0)
			reqlog_update(l->rq->log_id, 0, (int64_t)l->i,
			    rc == -ECANCELED ? SIM_OUT_CANCELLED :
			    SIM_OUT_DROPPED);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	n = strlen(l->v[l->i]) - l->off;
	if (n > max)
		n = max;
	memcpy(buf, l->v[l->i] + l->off, n);
	l->off += n;
	if (l->v[l->i][l->off] == '\0') {
		l->i++;
		l->off = 0;
		if (l->rq != NULL && l->rq->log_id != 0)
			reqlog_update(l->rq->log_id, 0, (int64_t)l->i,
			    l->i == l->n ? SIM_OUT_DONE : SIM_OUT_RUNNING);
	}
	return (ssize_t)n;
}

static void
lines_free(void *cls)
{
	struct sim_lines	*l = cls;
	size_t			 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->at);
	free(l);
}

static enum MHD_Result
reply_lines(struct MHD_Connection *c, struct sim_req *rq,
    struct sim_lines *l, const char *ctype)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;

	l->fd = rq->fd;
	l->rq = rq;
	if (rq->log_id != 0)
		reqlog_update(rq->log_id, MHD_HTTP_OK, 0, SIM_OUT_RUNNING);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
	    lines_reader, l, lines_free);
	if (r == NULL) {
		lines_free(l);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* stream defaults to true; "stream":false gives only the last line. */
static bool
want_stream(const json_t *body)
{
	return !json_is_false(json_object_get(body, "stream"));
}

static enum MHD_Result
reply_last_line(struct MHD_Connection *c, struct sim_req *rq,
    struct sim_lines *l)
{
	json_t	*j;

	if (wait_until(l->at[l->n - 1], rq->fd) != 0) {
		lines_free(l);
		return MHD_NO;
	}
	j = json_loads(l->v[l->n - 1], 0, NULL);
	lines_free(l);
	return reply_json(c, rq, json_object_get(j, "error") != NULL ?
	    MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_OK, j);
}

static const char *
model_arg(const json_t *body)
{
	const char *s = str_field(body, "model");

	return *s != '\0' ? s : str_field(body, "name");
}

/* POST /api/pull: NDJSON progress. */
static enum MHD_Result
api_pull(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	struct sim_lines	*l;
	const char		*name;
	char			 msg[512], short_d[13], dig[80];
	int64_t			 t = mono_ns(), step;
	int			 m, i;

	(void)cfg;
	if (body_decode(rq, "PullRequest", msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = model_arg(rq->json);
	if (*name == '\0')
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "model is required");
	l = sim_alloc(sizeof(*l));
	lines_json(l, json_pack("{s:s}", "status", "pulling manifest"), t);
	m = model_find(name);
	if (m < 0) {
		lines_json(l, json_pack("{s:s}", "error", "pull model "
		    "manifest: file does not exist"), t += SIM_PULL_STEP_NS);
	} else {
		const struct sim_model *md = &sim_models[m];
		snprintf(short_d, sizeof(short_d), "%.12s", md->digest);
		snprintf(dig, sizeof(dig), "sha256:%s", md->digest);
		snprintf(msg, sizeof(msg), "pulling %s", short_d);
		for (i = 0; i <= 4; i++) {
			step = md->size / 4 * i;
			if (i == 4)
				step = md->size;
			lines_json(l, json_pack("{s:s,s:s,s:I,s:I}", "status",
			    msg, "digest", dig, "total", (json_int_t)md->size,
			    "completed", (json_int_t)step),
			    t += SIM_PULL_STEP_NS);
		}
		lines_json(l, json_pack("{s:s}", "status",
		    "verifying sha256 digest"), t += SIM_PULL_STEP_NS);
		lines_json(l, json_pack("{s:s}", "status",
		    "writing manifest"), t += SIM_PULL_STEP_NS);
		lines_json(l, json_pack("{s:s}", "status", "success"),
		    t += SIM_PULL_STEP_NS);
		(void)alias_add(md->name, m);
	}
	if (!want_stream(rq->json))
		return reply_last_line(c, rq, l);
	return reply_lines(c, rq, l, CT_NDJSON);
}

/* POST /api/push: NDJSON progress (the registry is imaginary). */
static enum MHD_Result
api_push(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	struct sim_lines	*l;
	const char		*name;
	char			 msg[512], dig[80];
	int64_t			 t = mono_ns();
	int			 m;

	(void)cfg;
	if (body_decode(rq, "PushRequest", msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = model_arg(rq->json);
	l = sim_alloc(sizeof(*l));
	lines_json(l, json_pack("{s:s}", "status", "retrieving manifest"), t);
	if ((m = model_lookup(name)) < 0) {
		lines_json(l, json_pack("{s:s}", "error", "open manifest: "
		    "file does not exist"), t += SIM_PULL_STEP_NS);
	} else {
		snprintf(dig, sizeof(dig), "sha256:%s", sim_models[m].digest);
		int i;
		for (i = 0; i <= 4; i++)
			lines_json(l, json_pack("{s:s,s:s,s:I,s:I}", "status",
			    i == 0 ? "starting upload" : "pushing", "digest",
			    dig, "total", (json_int_t)sim_models[m].size,
			    "completed", (json_int_t)(sim_models[m].size / 4 *
			    i)), t += SIM_PULL_STEP_NS);
		lines_json(l, json_pack("{s:s}", "status", "pushing manifest"),
		    t += SIM_PULL_STEP_NS);
		lines_json(l, json_pack("{s:s}", "status", "success"),
		    t += SIM_PULL_STEP_NS);
	}
	if (!want_stream(rq->json))
		return reply_last_line(c, rq, l);
	return reply_lines(c, rq, l, CT_NDJSON);
}

/* POST /api/create: from an existing model, or files naming known blobs. */
static enum MHD_Result
api_create(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	struct sim_lines	*l;
	const char		*name, *from, *k;
	json_t			*files, *v;
	char			 msg[512];
	int64_t			 t = mono_ns();
	int			 m = -1;

	(void)cfg;
	if (body_decode(rq, "CreateRequest", msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = model_arg(rq->json);
	from = str_field(rq->json, "from");
	files = json_object_get(rq->json, "files");
	if (*name == '\0')
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "model is required");
	if (*from == '\0' && !json_is_object(files))
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "neither 'from' or 'files' was specified");
	l = sim_alloc(sizeof(*l));
	json_object_foreach(files, k, v) {
		if (!json_is_string(v) || !blob_known(json_string_value(v))) {
			lines_free(l);
			return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
			    "missing blob for %s", k);
		}
	}
	if (*from != '\0') {
		if ((m = model_lookup(from)) < 0) {
			snprintf(msg, sizeof(msg), "model '%s' not found",
			    from);
			lines_json(l, json_pack("{s:s}", "error", msg), t);
		} else {
			snprintf(msg, sizeof(msg), "using existing layer "
			    "sha256:%s", sim_models[m].digest);
			lines_json(l, json_pack("{s:s}", "status", msg), t);
		}
	} else {
		json_object_foreach(files, k, v) {
			snprintf(msg, sizeof(msg), "using existing layer %s",
			    json_string_value(v));
			lines_json(l, json_pack("{s:s}", "status", msg), t);
		}
		m = model_find("llama3.2");
	}
	if (m >= 0) {
		lines_json(l, json_pack("{s:s}", "status", "writing manifest"),
		    t += SIM_PULL_STEP_NS);
		lines_json(l, json_pack("{s:s}", "status", "success"),
		    t += SIM_PULL_STEP_NS);
		(void)alias_add(name, m);
	}
	if (!want_stream(rq->json))
		return reply_last_line(c, rq, l);
	return reply_lines(c, rq, l, CT_NDJSON);
}

/* POST /api/copy: 200 with an empty body. */
static enum MHD_Result
api_copy(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	const char	*src, *dst;
	char		 msg[512];
	int		 m;

	(void)cfg;
	if (body_decode(rq, "CopyRequest", msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	src = str_field(rq->json, "source");
	dst = str_field(rq->json, "destination");
	if (*src == '\0' || *dst == '\0')
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "source and destination are required");
	if ((m = model_lookup(src)) < 0)
		return reply_error(c, NULL, MHD_HTTP_NOT_FOUND,
		    "model '%s' not found", src);
	if (alias_add(dst, m) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "invalid model name");
	return reply_buf(c, MHD_HTTP_OK, NULL, sim_strdup(""), 0);
}

/* DELETE /api/delete. */
static enum MHD_Result
api_delete(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	const char	*name;
	char		 msg[512];

	(void)cfg;
	if (body_decode(rq, "DeleteRequest", msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = model_arg(rq->json);
	if (*name == '\0')
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "model is required");
	if (model_remove(name) != 0)
		return reply_error(c, NULL, MHD_HTTP_NOT_FOUND,
		    "model '%s' not found", name);
	return reply_buf(c, MHD_HTTP_OK, NULL, sim_strdup(""), 0);
}

/* A deterministic L2-normalised vector for text. */
static json_t *
embed_vector(const char *text, int64_t dims)
{
	json_t		*a = json_array();
	uint64_t	 h = 1469598103934665603ULL;
	double		*v, norm = 0;
	int64_t		 i;
	const char	*p;

	for (p = text; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	v = sim_alloc((size_t)dims * sizeof(*v));
	for (i = 0; i < dims; i++) {
		h ^= h << 13;
		h ^= h >> 7;
		h ^= h << 17;
		v[i] = (double)(h % 20001) / 10000.0 - 1.0;
		norm += v[i] * v[i];
	}
	norm = sqrt(norm) > 0 ? sqrt(norm) : 1;
	for (i = 0; i < dims; i++)
		json_array_append_new(a, json_real(round(v[i] / norm * 1e7) /
		    1e7));
	free(v);
	return a;
}

static int64_t
embed_dims(int m)
{
	return sim_models[m].embedding_length > 0 ?
	    sim_models[m].embedding_length : 4096;
}

/* Inputs of an embed request: a string or an array of strings. */
static int
embed_inputs(const json_t *in, json_t **outp)
{
	json_t	*v;
	size_t	 i;

	*outp = json_array();
	if (in == NULL || json_is_null(in))
		return 0;
	if (json_is_string(in)) {
		if (json_string_length(in) > 0)
			json_array_append(*outp, (json_t *)(uintptr_t)in);
		return 0;
	}
	if (!json_is_array(in))
		goto bad;
	json_array_foreach(in, i, v) {
		if (!json_is_string(v))
			goto bad;
		json_array_append(*outp, v);
	}
	return 0;
bad:
	json_decref(*outp);
	*outp = NULL;
	return -EINVAL;
}

/* POST /api/embed and the old /api/embeddings. */
static enum MHD_Result
api_embed(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg, bool old)
{
	const char	*name;
	char		 msg[512];
	json_t		*inputs, *vecs, *v, *r;
	int64_t		 dims, tokens = 0, t0 = mono_ns();
	size_t		 i;
	int		 m;

	if (body_decode(rq, old ? "EmbeddingRequest" : "EmbedRequest", msg,
	    sizeof(msg)) != 0)
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = model_arg(rq->json);
	if ((m = model_lookup(name)) < 0)
		return reply_error(c, rq, MHD_HTTP_NOT_FOUND, "model \"%s\" "
		    "not found, try pulling it first", name);
	dims = embed_dims(m);
	if (old) {
		const char *prompt = str_field(rq->json, "prompt");
		if (wait_until(t0 + cfg->ttft_ms * NS_PER_MS / 4, rq->fd) != 0)
			return MHD_NO;
		return reply_json(c, rq, MHD_HTTP_OK, json_pack("{s:o}",
		    "embedding", *prompt != '\0' ? embed_vector(prompt, dims) :
		    json_array()));
	}
	if (embed_inputs(json_object_get(rq->json, "input"), &inputs) != 0)
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "invalid input type");
	vecs = json_array();
	json_array_foreach(inputs, i, v) {
		json_array_append_new(vecs, embed_vector(json_string_value(v),
		    dims));
		tokens += (int64_t)count_words(json_string_value(v)) + 2;
	}
	json_decref(inputs);
	if (wait_until(t0 + cfg->ttft_ms * NS_PER_MS / 4, rq->fd) != 0) {
		json_decref(vecs);
		return MHD_NO;
	}
	r = json_pack("{s:s,s:o,s:I,s:I}", "model", name, "embeddings", vecs,
	    "total_duration", (json_int_t)(mono_ns() - rq->start_mono),
	    "load_duration", (json_int_t)1830442);
	if (tokens > 0)
		json_object_set_new(r, "prompt_eval_count",
		    json_integer(tokens));
	return reply_json(c, rq, MHD_HTTP_OK, r);
}

static enum MHD_Result
api_embed_new(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	return api_embed(c, rq, cfg, false);
}

static enum MHD_Result
api_embeddings_old(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	return api_embed(c, rq, cfg, true);
}

/* OpenAI's error object, as Ollama's middleware writes it. */
static enum MHD_Result
oa_error(struct MHD_Connection *c, struct sim_req *rq, unsigned status,
    const char *type, const char *msg)
{
	return reply_json(c, rq, status, json_pack("{s:{s:s,s:s,s:n,s:n}}",
	    "error", "message", msg, "type", type, "param", "code"));
}

/* GET /v1/models */
static enum MHD_Result
oa_models(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	json_t		*data = json_array();
	const char	*n, *slash;
	char		 owner[128];
	size_t		 i;

	(void)rq;
	(void)cfg;
	for (i = 0; i < SIM_NMODELS; i++) {
		if (sim_deleted[i])
			continue;
		n = sim_models[i].name;
		/* owned_by: the namespace ("library" for official models). */
		if ((slash = strchr(n, '/')) == NULL)
			snprintf(owner, sizeof(owner), "library");
		else {
			const char *s2 = strchr(slash + 1, '/');
			snprintf(owner, sizeof(owner), "%.*s", s2 != NULL ?
			    (int)(s2 - slash - 1) : (int)(slash - n), s2 !=
			    NULL ? slash + 1 : n);
		}
		json_array_append_new(data, json_pack("{s:s,s:s,s:I,s:s}",
		    "id", n, "object", "model", "created",
		    (json_int_t)sim_models[i].modified_s, "owned_by", owner));
	}
	return reply_json(c, NULL, MHD_HTTP_OK, json_pack("{s:s,s:o}",
	    "object", "list", "data", data));
}

/* POST /v1/chat/completions and /v1/completions. */
static enum MHD_Result
oa_generate(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg, bool chat)
{
	struct sim_lines	*l;
	const char		*name, *obj;
	char			 id[64], *text = NULL, msg[512];
	size_t			 tl = 0, tc = 0, i;
	json_t			*msgs, *m_, *usage, *choice, *stream_opts;
	int64_t			 n, t, prompt = 0, step;
	int			 m;
	bool			 stream, inc_usage;

	if (rq->json == NULL || !json_is_object(rq->json))
		return oa_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "invalid_request_error", "invalid request body");
	name = str_field(rq->json, "model");
	if ((m = model_lookup(name)) < 0) {
		snprintf(msg, sizeof(msg), "model \"%s\" not found, try "
		    "pulling it first", name);
		return oa_error(c, rq, MHD_HTTP_NOT_FOUND, "api_error", msg);
	}
	if (chat) {
		msgs = json_object_get(rq->json, "messages");
		if (!json_is_array(msgs) || json_array_size(msgs) == 0)
			return oa_error(c, rq, MHD_HTTP_BAD_REQUEST,
			    "invalid_request_error", "[] is too short - "
			    "'messages'");
		json_array_foreach(msgs, i, m_)
			if (json_is_string(json_object_get(m_, "content")))
				prompt += (int64_t)count_words(str_field(m_,
				    "content"));
		prompt += 8;
	} else
		prompt = (int64_t)count_words(str_field(rq->json, "prompt")) +
		    2;
	n = json_is_integer(json_object_get(rq->json, "max_tokens")) ?
	    json_integer_value(json_object_get(rq->json, "max_tokens")) :
	    cfg->tokens;
	stream = json_is_true(json_object_get(rq->json, "stream"));
	stream_opts = json_object_get(rq->json, "stream_options");
	inc_usage = json_is_true(json_object_get(stream_opts,
	    "include_usage"));
	snprintf(id, sizeof(id), "%s-%u", chat ? "chatcmpl" : "cmpl",
	    (unsigned)(atomic_fetch_add(&sim_oa_ids, 1) % 1000));
	obj = chat ? (stream ? "chat.completion.chunk" : "chat.completion") :
	    "text_completion";
	step = cfg->tps > 0 ? (int64_t)(NS_PER_S / cfg->tps) : 0;
	t = mono_ns() + cfg->ttft_ms * NS_PER_MS;
	usage = json_pack("{s:I,s:I,s:I}", "prompt_tokens", (json_int_t)prompt,
	    "completion_tokens", (json_int_t)n, "total_tokens",
	    (json_int_t)(prompt + n));
	if (!stream) {
		for (i = 0; i < (size_t)n; i++)
			str_append(&text, &tl, &tc, sim_words[i % SIM_NWORDS]);
		if (text == NULL)
			text = sim_strdup("");
		if (wait_until(t + step * n, rq->fd) != 0) {
			free(text);
			json_decref(usage);
			return MHD_NO;
		}
		choice = chat ? json_pack("{s:i,s:{s:s,s:s},s:s}", "index", 0,
		    "message", "role", "assistant", "content", text,
		    "finish_reason", "stop") : json_pack("{s:s,s:i,s:s}",
		    "text", text, "index", 0, "finish_reason", "stop");
		free(text);
		return reply_json(c, rq, MHD_HTTP_OK,
		    json_pack("{s:s,s:s,s:I,s:s,s:s,s:[o],s:o}", "id", id,
		    "object", obj, "created", (json_int_t)time(NULL), "model",
		    name, "system_fingerprint", "fp_ollama", "choices", choice,
		    "usage", usage));
	}
	l = sim_alloc(sizeof(*l));
	for (i = 0; i <= (size_t)n; i++) {
		bool last = i == (size_t)n;
		const char *piece = last ? "" : sim_words[i % SIM_NWORDS];
		choice = chat ? json_pack("{s:i,s:{s:s,s:s},s:o}", "index", 0,
		    "delta", "role", "assistant", "content", piece,
		    "finish_reason", last ? json_string("stop") : json_null()) :
		    json_pack("{s:s,s:i,s:o}", "text", piece, "index", 0,
		    "finish_reason", last ? json_string("stop") : json_null());
		lines_sse(l, json_pack("{s:s,s:s,s:I,s:s,s:s,s:[o]}", "id", id,
		    "object", obj, "created", (json_int_t)time(NULL), "model",
		    name, "system_fingerprint", "fp_ollama", "choices", choice),
		    t + step * (int64_t)i);
	}
	t += step * n;
	if (inc_usage)
		lines_sse(l, json_pack("{s:s,s:s,s:I,s:s,s:s,s:[],s:O}", "id",
		    id, "object", obj, "created", (json_int_t)time(NULL),
		    "model", name, "system_fingerprint", "fp_ollama",
		    "choices", "usage", usage), t);
	json_decref(usage);
	lines_sse(l, NULL, t);
	return reply_lines(c, rq, l, "text/event-stream");
}

static enum MHD_Result
oa_chat(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	return oa_generate(c, rq, cfg, true);
}

static enum MHD_Result
oa_completions(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	return oa_generate(c, rq, cfg, false);
}

/* POST /v1/embeddings */
static enum MHD_Result
oa_embeddings(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	const char	*name;
	char		 msg[512];
	json_t		*inputs, *data, *v;
	int64_t		 tokens = 0;
	size_t		 i;
	int		 m;

	(void)cfg;
	if (rq->json == NULL || !json_is_object(rq->json))
		return oa_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "invalid_request_error", "invalid request body");
	name = str_field(rq->json, "model");
	if ((m = model_lookup(name)) < 0) {
		snprintf(msg, sizeof(msg), "model \"%s\" not found, try "
		    "pulling it first", name);
		return oa_error(c, rq, MHD_HTTP_NOT_FOUND, "api_error", msg);
	}
	if (embed_inputs(json_object_get(rq->json, "input"), &inputs) != 0 ||
	    json_array_size(inputs) == 0) {
		json_decref(inputs);
		return oa_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "invalid_request_error", "invalid input");
	}
	data = json_array();
	json_array_foreach(inputs, i, v) {
		json_array_append_new(data, json_pack("{s:s,s:o,s:i}",
		    "object", "embedding", "embedding",
		    embed_vector(json_string_value(v), embed_dims(m)),
		    "index", (int)i));
		tokens += (int64_t)count_words(json_string_value(v)) + 2;
	}
	json_decref(inputs);
	return reply_json(c, rq, MHD_HTTP_OK, json_pack("{s:s,s:o,s:s,s:{s:I,"
	    "s:I}}", "object", "list", "data", data, "model", name, "usage",
	    "prompt_tokens", (json_int_t)tokens, "total_tokens",
	    (json_int_t)tokens));
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
					rq->outcome = rc == -ECANCELED ?
					    SIM_OUT_CANCELLED : SIM_OUT_DROPPED;
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
