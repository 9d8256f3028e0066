/* SPDX-License-Identifier: ISC */
/*
 * sim_wire.c: how ollama-sim talks: clocks and waits that notice a vanished
 * client or shutdown within a few milliseconds, JSON serialised as Go's
 * encoding/json does, Go durations and keep_alive values, RFC 3339 time
 * stamps, replies and JSON error bodies, request bodies decoded with Go's
 * error texts, and paced line streams (NDJSON progress, SSE events).
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* ---- time ---------------------------------------------------------- */

/* Monotonic clock in ns. */
int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* The wall clock. */
struct timespec
real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

/* The wall clock in ns since the Unix epoch. */
int64_t
real_ns(void)
{
	struct timespec ts = real_now();

	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* ts + ns, or ts + Go's maximum duration when forever is set. */
struct timespec
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

/* Compare two timespecs like strcmp. */
int
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

/* Now as an RFC 3339 UTC string (created_at). */
json_t *
json_time_utc_now(void)
{
	struct timespec	 ts = real_now();
	char		 buf[64];

	fmt_time(buf, sizeof(buf), ts.tv_sec, ts.tv_nsec, 0);
	return json_string(buf);
}

/* A time as an RFC 3339 string at off_min minutes east of UTC. */
json_t *
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

/* Sleep ns nanoseconds, resuming after signals. */
void
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
int
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

/* The outcome of a request whose wait_until() failed with rc. */
enum sim_outcome
wait_outcome(int rc)
{
	return rc == -ECANCELED ? SIM_OUT_CANCELLED : SIM_OUT_DROPPED;
}

/* ---- small helpers ------------------------------------------------- */

/* calloc() that aborts when memory runs out. */
void *
sim_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (p == NULL) {
		fputs("ollama-sim: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* strdup() through sim_alloc(). */
char *
sim_strdup(const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*p = sim_alloc(n);

	memcpy(p, s, n);
	return p;
}

/* One stderr line, only with --verbose. */
void
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
char *
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

/* j (reference stolen) as one NDJSON line: malloc'd "<json>\n". */
char *
json_line(json_t *j, size_t *lenp)
{
	size_t	 len;
	char	*s = dump_go(j, &len), *line;

	json_decref(j);
	line = sim_alloc(len + 2);
	memcpy(line, s, len);
	line[len] = '\n';
	free(s);
	if (lenp != NULL)
		*lenp = len + 1;
	return line;
}

/* Whitespace-separated words in s, as Go's strings.Fields counts. */
size_t
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
int
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

/* ---- replies ------------------------------------------------------- */

/* Queue body (malloc'd, freed by MHD) with status and Content-Type. */
enum MHD_Result
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

/* Reply status with an empty body and no Content-Type. */
enum MHD_Result
reply_empty(struct MHD_Connection *c, unsigned status)
{
	return reply_buf(c, status, NULL, sim_strdup(""), 0);
}

/* Queue a copy of text. */
enum MHD_Result
reply_text(struct MHD_Connection *c, unsigned status, const char *ctype,
    const char *text)
{
	return reply_buf(c, status, ctype, sim_strdup(text), strlen(text));
}

/* Reply with j (reference stolen). */
enum MHD_Result
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

/* Reply {"error":"<fmt>"} with status. */
enum MHD_Result
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

/* The name Go's json errors use for the type of v. */
const char *
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
int
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
int
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

/* String member key of obj, or "" when absent or not a string. */
const char *
str_field(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

/* ---- paced line streams (pull, push, create, SSE) ------------------ */

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
void
lines_json(struct sim_lines *l, json_t *j, int64_t at)
{
	lines_add(l, json_line(j, NULL), at);
}

/* A progress line {"status":status}. */
void
lines_status(struct sim_lines *l, const char *status, int64_t at)
{
	lines_json(l, json_pack("{s:s}", "status", status), at);
}

/* An SSE event "data: <j>\n\n" (j stolen; NULL = [DONE]). */
void
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
			    wait_outcome(rc));
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

/* Free a line stream and its lines (MHD's free callback). */
void
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

/* Queue the paced stream l (owned from here on) as ctype. */
enum MHD_Result
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

/* stream:false: wait for the last line's deadline and reply it alone. */
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

/* The "model" of a request body, else its older "name". */
const char *
model_arg(const json_t *body)
{
	const char *s = str_field(body, "model");

	return *s != '\0' ? s : str_field(body, "name");
}

/*
 * Reply the progress lines l (owned from here on) of a request: paced NDJSON,
 * or with "stream":false only the last line, as a 500 when it is an error.
 */
enum MHD_Result
reply_progress(struct MHD_Connection *c, struct sim_req *rq,
    struct sim_lines *l)
{
	if (!want_stream(rq->json))
		return reply_last_line(c, rq, l);
	return reply_lines(c, rq, l, CT_NDJSON);
}
