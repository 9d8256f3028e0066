/* SPDX-License-Identifier: ISC */
/*
 * client.c: the libmlxd connection: libcurl over the daemon's Unix socket.
 *
 * Each client owns one curl easy handle, reused for every call so the
 * connection to the daemon stays open between calls. This is the only file
 * that includes curl: CURLcode values and HTTP error replies are turned
 * into negative errno or MLXD_E* codes here, and the daemon's error message
 * and code are kept on the client for mlxd_client_last_error()/_code().
 * The first call on a client checks the daemon's API version (GET
 * /v1/health) against MLXD_API_VERSION. Streams run through a curl multi
 * handle of their own so that mlxd_client_interrupt() can wake them from
 * another thread (curl_multi_wakeup()).
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <curl/curl.h>
#include <jansson.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

/* Largest reply body kept in memory, and longest line of a stream. */
#define CLIENT_MAX_BODY		((size_t)256 * 1024 * 1024)
#define CLIENT_MAX_LINE		((size_t)64 * 1024 * 1024)
/* How much of an error reply to a stream is kept for its message. */
#define CLIENT_MAX_ERROR_BODY	((size_t)64 * 1024)

struct mlxd_client {
	char		*socket_path;
	CURL		*curl;
	CURLM		*multi;		/* runs streams, so they can be woken */
	atomic_bool	 interrupted;	/* mlxd_client_interrupt() was called */
	long		 timeout_ms;
	bool		 checked;	/* API version handshake done */
	int		 last_status;
	char		*last_error;
	char		*last_code;
	char		 errbuf[CURL_ERROR_SIZE];
};

/* A growing, always NUL-terminated buffer of at most max bytes. */
struct client_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

/* One transfer: where its body goes and, for a stream, where its lines go. */
struct client_xfer {
	struct mlxd_client	*c;
	struct client_buf	 body;	/* the body, or a failed stream's error body */
	struct client_buf	 line;	/* stream: bytes after the last "\n" */
	mlxd_line_cb		 cb;	/* NULL unless streaming */
	void			*arg;
	long			 status;
	int			 err;	/* failure inside a curl callback */
	int			 cb_rc;	/* what cb returned when it stopped */
	bool			 stopped;
	bool			 timed_out;
	bool			 interrupted;
};

static int
client_buf_append(struct client_buf *b, const char *p, size_t n)
{
	size_t	 need, ncap;
	char	*d;

	if (n > b->max - b->len)
		return -EMSGSIZE;
	need = b->len + n + 1;
	if (need > b->cap) {
		ncap = b->cap == 0 ? 4096 : b->cap;
		while (ncap < need)
			ncap *= 2;
		if ((d = realloc(b->data, ncap)) == NULL)
			return -ENOMEM;
		b->data = d;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static void
client_reset_error(struct mlxd_client *c)
{
	free(c->last_error);
	free(c->last_code);
	c->last_error = NULL;
	c->last_code = NULL;
	c->last_status = 0;
}

/* Replace the client's error message with a copy of msg (NULL clears it). */
void
client_set_error(struct mlxd_client *c, const char *msg)
{
	free(c->last_error);
	/* Out of memory only loses the message; the error code still tells. */
	c->last_error = msg != NULL ? strdup(msg) : NULL;
}

/* Keep the message and code of an error reply {"error":{"code","message"}}. */
static void
client_api_error(struct mlxd_client *c, long status, const char *body,
    size_t len)
{
	json_t		*root = NULL, *err;
	const char	*code = NULL, *msg = NULL;
	char		 fallback[64];

	if (body != NULL && len > 0 &&
	    (root = json_loadb(body, len, 0, NULL)) != NULL &&
	    (err = json_object_get(root, "error")) != NULL) {
		code = reply_string(err, "code");
		msg = reply_string(err, "message");
		/* Generation routes relay Ollama's {"error":"..."} as is. */
		if (json_is_string(err))
			msg = json_string_value(err);
	}
	if (msg == NULL || *msg == '\0') {
		snprintf(fallback, sizeof fallback, "mlxd answered HTTP %ld",
		    status);
		msg = fallback;
	}
	client_set_error(c, msg);
	free(c->last_code);
	c->last_code = code != NULL ? strdup(code) : NULL;
	json_decref(root);
}

/* See sdk.h. */
void
client_set_api_error(struct mlxd_client *c, long status, const char *body,
    size_t len)
{
	client_api_error(c, status, body, len);
}

static int
client_curl_error(struct mlxd_client *c, CURLcode cc)
{
	long	 oserr = 0;

	switch (cc) {
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_COULDNT_CONNECT:
		/* No socket file and a refused connect both mean no daemon. */
		curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &oserr);
		if (oserr == EACCES || oserr == EPERM)
			return -EACCES;
		return MLXD_ENODAEMON;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_URL_MALFORMAT:
		return -EINVAL;
	default:
		break;
	}
	client_set_error(c, c->errbuf[0] != '\0' ? c->errbuf :
	    curl_easy_strerror(cc));
	switch (cc) {
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		return -ECONNRESET;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return MLXD_EPROTO;
	default:
		return -EIO;
	}
}

/* Deliver the complete lines buffered in x->line (and the rest at eof). */
static void
client_lines(struct client_xfer *x, bool eof)
{
	struct client_buf	*b = &x->line;
	char			*start, *end, *nl;
	size_t			 len;
	int			 rc;

	if (b->data == NULL)
		return;
	start = b->data;
	end = b->data + b->len;
	while (!x->stopped && start < end) {
		if ((nl = memchr(start, '\n', (size_t)(end - start))) == NULL) {
			if (!eof)
				break;
			nl = end;
		}
		len = (size_t)(nl - start);
		if (len > 0 && start[len - 1] == '\r')
			len--;
		start[len] = '\0';
		if ((rc = x->cb(x->arg, start, len)) != 0) {
			x->stopped = true;
			x->cb_rc = rc;
		}
		start = nl < end ? nl + 1 : end;
	}
	b->len = (size_t)(end - start);
	memmove(b->data, start, b->len);
	b->data[b->len] = '\0';
}

static size_t
client_write_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct client_xfer	*x = arg;
	size_t			 n = size * nmemb;
	int			 rc;

	if ((rc = client_buf_append(&x->body, p, n)) != 0) {
		x->err = rc;
		return 0;
	}
	return n;
}

static size_t
client_write_stream(char *p, size_t size, size_t nmemb, void *arg)
{
	struct client_xfer	*x = arg;
	size_t			 n = size * nmemb, keep;
	long			 status = 0;
	int			 rc;

	curl_easy_getinfo(x->c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		/* An error reply: keep its start for the message, drop the rest. */
		keep = x->body.max - x->body.len;
		if (keep > n)
			keep = n;
		if ((rc = client_buf_append(&x->body, p, keep)) != 0) {
			x->err = rc;
			return 0;
		}
		return n;
	}
	if ((rc = client_buf_append(&x->line, p, n)) != 0) {
		x->err = rc;
		return 0;
	}
	client_lines(x, false);
	if (x->stopped)
		return 0;
	return n;
}

/* Streams: limit the wait for the status line, not the whole transfer. */
static int
client_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct client_xfer	*x = arg;
	curl_off_t		 us = 0;
	long			 status = 0;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (x->c->timeout_ms <= 0)
		return 0;
	curl_easy_getinfo(x->c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 0)
		return 0;
	curl_easy_getinfo(x->c->curl, CURLINFO_TOTAL_TIME_T, &us);
	if (us / 1000 > x->c->timeout_ms) {
		x->timed_out = true;
		return 1;
	}
	return 0;
}

static int
client_check_request(const char *method, const char *path, const void *body,
    size_t body_len)
{
	const char	*p;

	if (method == NULL || *method == '\0' || path == NULL || *path != '/')
		return -EINVAL;
	if (body == NULL && body_len != 0)
		return -EINVAL;
	for (p = method; *p != '\0'; p++)
		if (*p < 'A' || *p > 'Z')
			return -EINVAL;
	for (p = path; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return -EINVAL;
	return 0;
}

/* Set the options of one request on c's (reset) handle. */
static int
client_setup(struct mlxd_client *c, const char *method, const char *url,
    const void *body, size_t body_len, struct curl_slist *hdrs,
    struct client_xfer *x)
{
	CURL	*h = c->curl;
	bool	 send_body;

	send_body = body != NULL || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->socket_path) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOPROXY, "*") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_1_1) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "libmlxd/" MLXD_VERSION) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, x) != CURLE_OK)
		return -ENOMEM;

	if (strcmp(method, "HEAD") == 0) {
		if (curl_easy_setopt(h, CURLOPT_NOBODY, 1L) != CURLE_OK)
			return -ENOMEM;
	} else if (send_body) {
		if (curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		    body != NULL ? body : "") != CURLE_OK ||
		    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)body_len) != CURLE_OK)
			return -ENOMEM;
	} else if (curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK)
		return -ENOMEM;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    (!send_body || strcmp(method, "POST") != 0) &&
	    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK)
		return -ENOMEM;

	if (x->cb != NULL) {
		if (curl_easy_setopt(h, CURLOPT_WRITEFUNCTION,
		    client_write_stream) != CURLE_OK ||
		    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
		    c->timeout_ms) != CURLE_OK ||
		    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK ||
		    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION,
		    client_progress) != CURLE_OK ||
		    curl_easy_setopt(h, CURLOPT_XFERINFODATA, x) != CURLE_OK)
			return -ENOMEM;
	} else {
		if (curl_easy_setopt(h, CURLOPT_WRITEFUNCTION,
		    client_write_body) != CURLE_OK ||
		    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms) !=
		    CURLE_OK)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Run the transfer set up on c's easy handle through c's multi handle,
 * checking for mlxd_client_interrupt() between waits. Returns what
 * curl_easy_perform() would.
 */
static CURLcode
client_run_multi(struct mlxd_client *c, struct client_xfer *x)
{
	CURLMsg		*msg;
	CURLMcode	 mc;
	CURLcode	 cc = CURLE_OK;
	int		 running = 1, left;

	if (curl_multi_add_handle(c->multi, c->curl) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	for (;;) {
		if (atomic_exchange(&c->interrupted, false)) {
			x->interrupted = true;
			cc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		if ((mc = curl_multi_perform(c->multi, &running)) != CURLM_OK) {
			cc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY :
			    CURLE_RECV_ERROR;
			break;
		}
		if ((msg = curl_multi_info_read(c->multi, &left)) != NULL &&
		    msg->msg == CURLMSG_DONE) {
			cc = msg->data.result;
			break;
		}
		if (running == 0)
			break;
		/* A wakeup from mlxd_client_interrupt() ends the wait early. */
		if ((mc = curl_multi_poll(c->multi, NULL, 0, 1000, NULL)) !=
		    CURLM_OK) {
			cc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY :
			    CURLE_RECV_ERROR;
			break;
		}
	}
	curl_multi_remove_handle(c->multi, c->curl);
	return cc;
}

/*
 * Run one request. Returns 0 when a reply arrived (whatever its status, in
 * x->status) or a stream's callback stopped it, else the transport error.
 */
static int
client_perform(struct mlxd_client *c, const char *method, const char *path,
    const void *body, size_t body_len, struct client_xfer *x)
{
	struct curl_slist	*hdrs = NULL, *h;
	char			*url = NULL;
	CURLcode		 cc;
	long			 status = 0;
	int			 rc;

	if ((rc = client_check_request(method, path, body, body_len)) != 0)
		return rc;
	if (asprintf(&url, "http://mlxd%s", path) < 0)
		return -ENOMEM;
	/* No "Expect: 100-continue" round trip for large bodies. */
	if ((h = curl_slist_append(hdrs, "Expect:")) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	hdrs = h;
	if (body != NULL) {
		if ((h = curl_slist_append(hdrs,
		    "Content-Type: application/json")) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		hdrs = h;
	}

	curl_easy_reset(c->curl);
	c->errbuf[0] = '\0';
	if ((rc = client_setup(c, method, url, body, body_len, hdrs, x)) != 0)
		goto out;
	if (x->cb != NULL)
		cc = client_run_multi(c, x);
	else
		cc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	c->last_status = (int)status;
	x->status = status;
	if (x->interrupted)
		rc = -EINTR;
	else if (x->stopped)
		rc = 0;
	else if (cc != CURLE_OK) {
		if (x->err != 0)
			rc = x->err;
		else if (x->timed_out)
			rc = -ETIMEDOUT;
		else
			rc = client_curl_error(c, cc);
	} else if (status < 100) {
		client_set_error(c, "no HTTP status in mlxd's reply");
		rc = MLXD_EPROTO;
	}
out:
	/* The handle must not keep pointers to what is freed here. */
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_slist_free_all(hdrs);
	free(url);
	return rc;
}

static bool
client_ok(long status)
{
	return status >= 200 && status <= 299;
}

/*
 * GET path and parse its 2xx reply as a JSON object into *rootp (a new
 * reference); the body text goes to *rawp when rawp is not NULL. No version
 * handshake: callers run client_begin() first.
 */
int
client_get(struct mlxd_client *c, const char *path, json_t **rootp,
    char **rawp)
{
	struct client_xfer	 x;
	json_error_t		 jerr;
	json_t			*root = NULL;
	char			 msg[256];
	int			 rc;

	memset(&x, 0, sizeof x);
	x.c = c;
	x.body.max = CLIENT_MAX_BODY;
	if ((rc = client_perform(c, "GET", path, NULL, 0, &x)) != 0)
		goto out;
	if (!client_ok(x.status)) {
		client_api_error(c, x.status, x.body.data, x.body.len);
		rc = MLXD_EAPI;
		goto out;
	}
	if (x.body.data == NULL ||
	    (root = json_loadb(x.body.data, x.body.len, 0, &jerr)) == NULL) {
		if (x.body.data != NULL &&
		    json_error_code(&jerr) == json_error_out_of_memory) {
			rc = -ENOMEM;
			goto out;
		}
		snprintf(msg, sizeof msg, "unparsable reply to GET %s", path);
		client_set_error(c, msg);
		rc = MLXD_EPROTO;
		goto out;
	}
	if (!json_is_object(root)) {
		snprintf(msg, sizeof msg, "reply to GET %s is not an object",
		    path);
		client_set_error(c, msg);
		json_decref(root);
		rc = MLXD_EPROTO;
		goto out;
	}
	*rootp = root;
	if (rawp != NULL) {
		*rawp = x.body.data;
		x.body.data = NULL;
	}
out:
	free(x.body.data);
	return rc;
}

/* Compare the api_version of a /v1/health reply with ours. */
int
client_check_version(struct mlxd_client *c, const json_t *health)
{
	char	 msg[128];
	int64_t	 v;

	if ((v = reply_int(health, "api_version")) == MLXD_NULL_INT64) {
		client_set_error(c, "mlxd's health reply has no api_version");
		return MLXD_EPROTO;
	}
	if (v != MLXD_API_VERSION) {
		snprintf(msg, sizeof msg, "mlxd speaks API version %lld, "
		    "this client speaks version %d", (long long)v,
		    MLXD_API_VERSION);
		client_set_error(c, msg);
		return MLXD_EVERSION;
	}
	c->checked = true;
	return 0;
}

/*
 * Start a call: forget the previous call's error and, when handshake is set
 * and it has not happened yet, check the daemon's API version.
 */
int
client_begin(struct mlxd_client *c, bool handshake)
{
	json_t	*health = NULL;
	int	 rc;

	client_reset_error(c);
	if (!handshake || c->checked)
		return 0;
	if ((rc = client_get(c, "/v1/health", &health, NULL)) != 0)
		return rc;
	rc = client_check_version(c, health);
	json_decref(health);
	return rc;
}

/* Describe an error code of this library. */
const char *
mlxd_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case MLXD_ENODAEMON:
		return "mlxd is not running";
	case MLXD_EAPI:
		return "mlxd answered with an error";
	case MLXD_EPROTO:
		return "unexpected reply from mlxd";
	case MLXD_EVERSION:
		return "mlxd speaks a different API version";
	default:
		break;
	}
	if (err < 0 && err > -1000)
		return strerror(-err);
	return "unknown error";
}

/* Allocate a client for socket_path (or the default path). */
int
mlxd_client_new(const char *socket_path, struct mlxd_client **cp)
{
	struct sockaddr_un	 sun;
	struct mlxd_client	*c;
	char			*path = NULL;
	int			 rc;

	if (cp == NULL)
		return -EINVAL;
	if (socket_path == NULL) {
		if ((rc = mlxd_default_socket_path(&path)) != 0)
			return rc;
	} else if ((path = strdup(socket_path)) == NULL)
		return -ENOMEM;
	if (*path == '\0' || strlen(path) >= sizeof sun.sun_path) {
		free(path);
		return -EINVAL;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		free(path);
		return -ENOMEM;
	}
	c->socket_path = path;
	c->timeout_ms = MLXD_DEFAULT_TIMEOUT_MS;
	atomic_init(&c->interrupted, false);
	if ((c->curl = curl_easy_init()) == NULL ||
	    (c->multi = curl_multi_init()) == NULL) {
		mlxd_client_free(c);
		return -ENOMEM;
	}
	*cp = c;
	return 0;
}

/* Free a client and close its connection. */
void
mlxd_client_free(struct mlxd_client *c)
{
	if (c == NULL)
		return;
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	free(c->socket_path);
	free(c->last_error);
	free(c->last_code);
	free(c);
}

/* The socket path of c. */
const char *
mlxd_client_socket_path(const struct mlxd_client *c)
{
	return c->socket_path;
}

/* Set the per-call timeout of c in milliseconds (0 = none). */
void
mlxd_client_set_timeout_ms(struct mlxd_client *c, long ms)
{
	c->timeout_ms = ms > 0 ? ms : 0;
}

/* The per-call timeout of c in milliseconds (0 = none). */
long
client_timeout_ms(const struct mlxd_client *c)
{
	return c->timeout_ms;
}

/* Wake and end the stream running on c (from any thread). */
void
mlxd_client_interrupt(struct mlxd_client *c)
{
	if (c == NULL)
		return;
	atomic_store(&c->interrupted, true);
	curl_multi_wakeup(c->multi);
}

/* The message of the last failed call on c, or NULL. */
const char *
mlxd_client_last_error(const struct mlxd_client *c)
{
	return c->last_error;
}

/* The daemon's error code of the last failed call on c, or NULL. */
const char *
mlxd_client_last_code(const struct mlxd_client *c)
{
	return c->last_code;
}

/* The HTTP status of the last reply on c, or 0. */
int
mlxd_client_last_status(const struct mlxd_client *c)
{
	return c->last_status;
}

/* Send one request and hand back the status and body of any reply. */
int
mlxd_request(struct mlxd_client *c, const char *method, const char *path,
    const void *body, size_t body_len, int *statusp, char **bodyp,
    size_t *lenp)
{
	struct client_xfer	 x;
	int			 rc;

	if (c == NULL)
		return -EINVAL;
	if ((rc = client_check_request(method, path, body, body_len)) != 0)
		return rc;
	if ((rc = client_begin(c, true)) != 0)
		return rc;
	memset(&x, 0, sizeof x);
	x.c = c;
	x.body.max = CLIENT_MAX_BODY;
	if ((rc = client_perform(c, method, path, body, body_len, &x)) != 0)
		goto out;
	if (!client_ok(x.status))
		client_api_error(c, x.status, x.body.data, x.body.len);
	if (bodyp != NULL && x.body.data == NULL &&
	    (x.body.data = calloc(1, 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (statusp != NULL)
		*statusp = (int)x.status;
	if (lenp != NULL)
		*lenp = x.body.len;
	if (bodyp != NULL) {
		*bodyp = x.body.data;
		x.body.data = NULL;
	}
out:
	free(x.body.data);
	return rc;
}

/* Send one request and hand each line of its reply to cb. */
int
mlxd_stream(struct mlxd_client *c, const char *method, const char *path,
    const void *body, size_t body_len, mlxd_line_cb cb, void *arg)
{
	struct client_xfer	 x;
	int			 rc;

	if (c == NULL || cb == NULL)
		return -EINVAL;
	if ((rc = client_check_request(method, path, body, body_len)) != 0)
		return rc;
	if ((rc = client_begin(c, true)) != 0)
		return rc;
	memset(&x, 0, sizeof x);
	x.c = c;
	x.body.max = CLIENT_MAX_ERROR_BODY;
	x.line.max = CLIENT_MAX_LINE;
	x.cb = cb;
	x.arg = arg;
	if ((rc = client_perform(c, method, path, body, body_len, &x)) != 0)
		goto out;
	if (!x.stopped && !client_ok(x.status)) {
		client_api_error(c, x.status, x.body.data, x.body.len);
		rc = MLXD_EAPI;
		goto out;
	}
	client_lines(&x, true);
	if (x.stopped)
		rc = x.cb_rc < 0 ? x.cb_rc : 0;
out:
	free(x.body.data);
	free(x.line.data);
	return rc;
}
