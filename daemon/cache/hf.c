/* SPDX-License-Identifier: ISC */
/*
 * hf.c: the hf://org/repo[@rev] downloader.
 *
 * Writes the Hugging Face hub cache as huggingface_hub does (blobs named by
 * etag, relative snapshot symlinks, refs/<rev>, .locks/ flocks and
 * .incomplete partial files) so other tools share what we fetch. The steps
 * form a chain of callbacks on the loop: model info, one HEAD per file,
 * then per file reuse or download, verify, commit and link. A download is
 * hashed while it streams (SHA-256 for LFS etags, git's blob SHA-1 for
 * regular files); the bytes of a file being resumed are hashed on the
 * threadpool first, and fsync + rename run there too. Names, the
 * environment, URLs, etags and the hashes themselves are in hf_names.c;
 * the work on the current file's blob (reuse, lock, .incomplete, the
 * threadpool jobs, verify and the snapshot link) is in hf_blob.c.
 *
 * Lifetime: d->busy counts the callbacks of ours on the stack. Cancel and
 * completion only mark the download; it is freed by hf_leave() once no
 * callback, transfer or threadpool job can still reach it.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#include "hf.h"
#include "hf_int.h"
#include "httpc.h"
#include "log.h"
#include "mlxd.h"
#include "paths.h"
#include "where.h"
#include "xmalloc.h"

#define HF_PROGRESS_NS		200000000ULL	/* 200 ms between reports */
#define HF_RATE_NS		500000000ULL	/* rate sample window */
#define HF_META_TIMEOUT_MS	30000L
#define HF_CONNECT_TIMEOUT_MS	10000L
#define HF_STALL_S		30L		/* abort a silent transfer */
#define HF_MAX_HOPS		5

static void	hf_head_start(struct hf_download *, const char *);

/* ---- lifetime ---- */

static void
hf_free(struct hf_download *d)
{
	int	i;

	hf_blob_release(d);
	for (i = 0; i < d->nfiles; i++) {
		free(d->files[i].path);
		free(d->files[i].etag);
	}
	free(d->files);
	free(d->repo);
	free(d->rev);
	free(d->commit);
	free(d->cache);
	free(d->endpoint);
	free(d->auth);
	free(d->repo_dir);
	free(d->lock_dir);
	free(d->snapshot_dir);
	free(d);
}

/* Enter one of our callbacks: the download stays alive until hf_leave(). */
void
hf_enter(struct hf_download *d)
{
	d->busy++;
}

/*
 * Leave one of our callbacks. When it was the last one on the stack, carry
 * out a cancel requested meanwhile and free the download once nothing can
 * reach it any more.
 */
void
hf_leave(struct hf_download *d)
{
	if (--d->busy > 0)
		return;
	if (!d->cancelled && !d->finished)
		return;
	if (d->req != NULL) {
		httpc_cancel(d->req);
		d->req = NULL;
	}
	if (hf_blob_cancel(d))
		return;		/* the job's after callback comes back here */
	hf_free(d);
}

/* ---- progress ---- */

/*
 * Update the rate and, unless forced, at most every HF_PROGRESS_NS tell
 * progress_cb the phase (kept when NULL) and the file worked on. The
 * callback may cancel the download: callers check d->cancelled after.
 */
void
hf_report(struct hf_download *d, const char *phase, const char *file,
    int force)
{
	struct hf_progress	 p;
	uint64_t		 now = uv_hrtime();
	double			 inst, dt;

	if (phase != NULL)
		d->phase = phase;
	if (d->rate_t0 == 0) {
		d->rate_t0 = now;
		d->rate_b0 = d->net_bytes;
	} else if (now - d->rate_t0 >= HF_RATE_NS) {
		dt = (double)(now - d->rate_t0) / 1e9;
		inst = (double)(d->net_bytes - d->rate_b0) / dt;
		d->rate = isnan(d->rate) ? inst : 0.3 * inst + 0.7 * d->rate;
		d->rate_t0 = now;
		d->rate_b0 = d->net_bytes;
	}
	if (d->progress_cb == NULL || d->cancelled)
		return;
	if (!force && now - d->last_report_ns < HF_PROGRESS_NS)
		return;
	d->last_report_ns = now;
	memset(&p, 0, sizeof(p));
	p.phase = d->phase;
	p.file = file;
	p.files_done = d->files_done;
	p.files_total = d->nfiles;
	p.bytes_done = d->bytes_done;
	p.bytes_total = d->bytes_total;
	p.rate_bps = d->rate;
	p.eta_s = NAN;
	if (!isnan(d->rate) && d->rate > 0 && d->bytes_total >= 0)
		p.eta_s = d->bytes_total > d->bytes_done ?
		    (double)(d->bytes_total - d->bytes_done) / d->rate : 0;
	d->progress_cb(d->arg, &p);
}

/* ---- the end ---- */

/* Report failure; the current file's .incomplete stays for a resume. */
void
hf_fail(struct hf_download *d, int err, const char *fmt, ...)
{
	char	msg[2048];
	int	n;
	va_list	ap;

	n = snprintf(msg, sizeof(msg), "%s: ", d->repo);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	hf_blob_release(d);
	d->finished = 1;
	log_warnx("hf: %s", msg);
	if (!d->cancelled)
		d->done_cb(d->arg, err, msg, NULL);
}

/* Turn an HTTP error reply into an errno and message; 0 for 2xx/3xx. */
static int
hf_http_error(struct hf_download *d, const struct httpc_result *res,
    const char *what)
{
	const char	*code = httpc_header(res, "X-Error-Code", -1);
	const char	*emsg = httpc_header(res, "X-Error-Message", -1);
	char		 extra[512] = "";

	if (res->status >= 200 && res->status < 400)
		return 0;
	if (emsg != NULL)
		snprintf(extra, sizeof(extra), " (%s)", emsg);
	if (code != NULL && strcmp(code, "RepoNotFound") == 0) {
		hf_fail(d, -ENOENT, "repository not found%s%s", extra,
		    d->auth == NULL ? "; if it is private, set HF_TOKEN" : "");
		return -ENOENT;
	}
	if (res->status == 401 || res->status == 403) {
		hf_fail(d, -EACCES, "%s: access denied (HTTP %ld)%s; %s",
		    what, res->status, extra, d->auth == NULL ?
		    "the repository is gated or private: set HF_TOKEN" :
		    "the token was refused, or its owner has not been "
		    "granted access to this gated repository");
		return -EACCES;
	}
	if (res->status == 404) {
		if (code != NULL && strcmp(code, "RevisionNotFound") == 0)
			hf_fail(d, -ENOENT, "revision %s not found%s", d->rev,
			    extra);
		else if (code != NULL && strcmp(code, "EntryNotFound") == 0)
			hf_fail(d, -ENOENT, "%s: file not found at %s%s", what,
			    d->commit != NULL ? d->commit : d->rev, extra);
		else
			hf_fail(d, -ENOENT, "%s: not found (HTTP 404)%s",
			    what, extra);
		return -ENOENT;
	}
	hf_fail(d, -EIO, "%s: HTTP %ld from the hub%s", what, res->status,
	    extra);
	return -EIO;
}

/* Write refs/<rev> (temp + rename) unless rev is the commit itself. */
static int
hf_write_ref(struct hf_download *d)
{
	char	*path, *tmp, *dir, *slash;
	int	 fd, rc = 0;
	size_t	 n = strlen(d->commit);

	if (strcasecmp(d->rev, d->commit) == 0)
		return 0;
	path = xasprintf("%s/refs/%s", d->repo_dir, d->rev);
	tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	/* Never through a folder linked out of the hub cache. */
	if ((rc = where_real_below(d->cache, dir)) != 0 ||
	    (rc = paths_mkdir_p(dir, 0777)) != 0)
		goto out;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) == -1) {
		rc = -errno;
		goto out;
	}
	errno = 0;
	if (write(fd, d->commit, n) != (ssize_t)n)
		rc = errno != 0 ? -errno : -EIO;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
out:
	free(dir);
	free(tmp);
	free(path);
	return rc;
}

/*
 * Every file is linked: write refs/<rev> and report success through
 * done_cb, unless cancelled.
 */
void
hf_finish(struct hf_download *d)
{
	struct hf_result	 res;
	int			 rc, i;
	int64_t			 total = 0;

	if (d->cancelled)
		return;
	if ((rc = where_real_below(d->cache, d->snapshot_dir)) != 0 ||
	    (rc = paths_mkdir_p(d->snapshot_dir, 0777)) != 0 ||
	    (rc = hf_write_ref(d)) != 0) {
		hf_fail(d, rc, "cannot write the snapshot or refs/%s: %s",
		    d->rev, strerror(-rc));
		return;
	}
	for (i = 0; i < d->nfiles; i++)
		total += d->files[i].size;
	memset(&res, 0, sizeof(res));
	res.repo = d->repo;
	res.ref = d->rev;
	res.revision = d->commit;
	res.snapshot_dir = d->snapshot_dir;
	res.nfiles = d->nfiles;
	res.bytes = total;
	res.bytes_downloaded = d->net_bytes;
	res.reused_files = d->reused;
	res.resumed_files = d->resumed;
	res.local_files = d->local;
	res.bytes_reused = d->bytes_reused;
	res.bytes_cloned = d->bytes_cloned;
	res.bytes_linked = d->bytes_linked;
	d->finished = 1;
	log_info("hf: %s@%s: %d files, %lld bytes (%lld downloaded) in %s",
	    d->repo, d->rev, d->nfiles, (long long)total,
	    (long long)d->net_bytes, d->snapshot_dir);
	d->done_cb(d->arg, 0, NULL, &res);
}

/* ---- step 1: model info ---- */

static void
hf_info_done(void *arg, const struct httpc_result *res)
{
	struct hf_download	*d = arg;
	json_t			*j = NULL, *sib, *e, *v;
	json_error_t		 jerr;
	const char		*sha, *name;
	size_t			 i;
	int64_t			 total = 0;

	d->req = NULL;
	hf_enter(d);
	if (d->cancelled)
		goto out;
	if (res->err != 0) {
		hf_fail(d, res->err, "cannot reach %s: %s", d->endpoint,
		    res->errmsg != NULL ? res->errmsg : strerror(-res->err));
		goto out;
	}
	if (hf_http_error(d, res, "model info") != 0)
		goto out;
	if ((j = json_loadb(res->body, res->len, 0, &jerr)) == NULL ||
	    (sha = json_string_value(json_object_get(j, "sha"))) == NULL ||
	    !hf_is_hex(sha, 40) ||
	    !json_is_array(sib = json_object_get(j, "siblings"))) {
		hf_fail(d, -EPROTO, "the model info from %s has no commit "
		    "sha or file list", d->endpoint);
		goto out;
	}
	d->commit = xstrdup(sha);
	for (i = 0; d->commit[i] != '\0'; i++)
		d->commit[i] = (char)tolower((unsigned char)d->commit[i]);
	d->snapshot_dir = xasprintf("%s/snapshots/%s", d->repo_dir, d->commit);
	d->files = xcalloc(json_array_size(sib) + 1, sizeof(*d->files));
	json_array_foreach(sib, i, e) {
		name = json_string_value(json_object_get(e, "rfilename"));
		if (name == NULL || !hf_relpath_ok(name, 1024)) {
			hf_fail(d, -EPROTO, "unsafe file name in the model "
			    "info: %s", name != NULL ? name : "(none)");
			goto out;
		}
		d->files[d->nfiles].path = xstrdup(name);
		d->files[d->nfiles].size = -1;
		d->files[d->nfiles].list_size = -1;
		if (json_is_integer(v = json_object_get(e, "size")))
			d->files[d->nfiles].list_size = json_integer_value(v);
		if (d->files[d->nfiles].list_size < 0 || total < 0)
			total = -1;
		else
			total += d->files[d->nfiles].list_size;
		d->nfiles++;
	}
	d->bytes_total = total;
	hf_report(d, "metadata", NULL, 1);
	if (d->cancelled)
		goto out;
	d->cur = 0;
	if (d->nfiles == 0) {
		d->bytes_total = 0;
		hf_finish(d);
	} else
		hf_head_start(d, NULL);
out:
	json_decref(j);
	hf_leave(d);
}

/* ---- step 2: HEAD every file ---- */

static void
hf_head_done(void *arg, const struct httpc_result *res)
{
	struct hf_download	*d = arg;
	struct hf_file		*f = &d->files[d->cur];
	const char		*commit, *linked;
	int64_t			 total = 0;
	int			 i;

	d->req = NULL;
	hf_enter(d);
	if (d->cancelled)
		goto out;
	if (res->err != 0) {
		hf_fail(d, res->err, "%s: cannot reach %s: %s", f->path,
		    d->endpoint, res->errmsg != NULL ? res->errmsg :
		    strerror(-res->err));
		goto out;
	}
	if (hf_http_error(d, res, f->path) != 0)
		goto out;
	commit = httpc_header(res, "X-Repo-Commit", -1);
	linked = httpc_header(res, "X-Linked-Etag", -1);
	if (res->status >= 300 && commit == NULL && linked == NULL &&
	    res->redirect_url != NULL &&
	    hf_same_origin(res->redirect_url, d->endpoint) &&
	    d->hops < HF_MAX_HOPS) {
		/* A renamed repository: follow the hub's relative redirect. */
		d->hops++;
		hf_head_start(d, res->redirect_url);
		goto out;
	}
	if (commit == NULL) {
		hf_fail(d, -EPROTO, "%s: no X-Repo-Commit in the reply: %s is "
		    "not the Hugging Face Hub, or a proxy removed the header",
		    f->path, d->endpoint);
		goto out;
	}
	if (strcasecmp(commit, d->commit) != 0) {
		hf_fail(d, -EPROTO, "%s: the hub resolved commit %s to %s",
		    f->path, d->commit, commit);
		goto out;
	}
	free(f->etag);
	if ((f->etag = hf_etag(linked != NULL ? linked :
	    httpc_header(res, "ETag", -1))) == NULL) {
		hf_fail(d, -EPROTO, "%s: missing or unusable ETag", f->path);
		goto out;
	}
	if ((f->size = hf_parse_size(httpc_header(res, "X-Linked-Size",
	    -1))) < 0 && res->status < 300)
		f->size = hf_parse_size(httpc_header(res, "Content-Length",
		    -1));
	if (f->size < 0)
		f->size = f->list_size;
	if (f->size < 0) {
		hf_fail(d, -EPROTO, "%s: the hub did not say its size",
		    f->path);
		goto out;
	}
	if (f->size > HF_MAX_FILE_BYTES) {
		hf_fail(d, -EFBIG, "%s: %lld bytes is above the hub's plain "
		    "HTTP limit of 50 GB", f->path, (long long)f->size);
		goto out;
	}
	if (f->list_size >= 0 && f->list_size != f->size) {
		hf_fail(d, -EPROTO, "%s: the model info says %lld bytes, the "
		    "file %lld", f->path, (long long)f->list_size,
		    (long long)f->size);
		goto out;
	}
	if (++d->cur < d->nfiles) {
		hf_report(d, NULL, d->files[d->cur].path, 0);
		if (!d->cancelled)
			hf_head_start(d, NULL);
		goto out;
	}
	for (i = 0; i < d->nfiles; i++)
		total += d->files[i].size;
	d->bytes_total = total;
	d->cur = 0;
	hf_blob_next(d);
out:
	hf_leave(d);
}

static void
hf_head_start(struct hf_download *d, const char *url)
{
	struct httpc_opts	 o;
	const char		*hdrs[3];
	char			*own = NULL;
	int			 n = 0;

	if (url == NULL) {
		d->hops = 0;
		url = own = hf_resolve_url(d->endpoint, d->repo,
		    d->commit, d->files[d->cur].path);
	}
	if (d->auth != NULL)
		hdrs[n++] = d->auth;
	hdrs[n++] = "Accept-Encoding: identity";
	hdrs[n] = NULL;
	memset(&o, 0, sizeof(o));
	o.method = "HEAD";
	o.url = url;
	o.timeout_ms = HF_META_TIMEOUT_MS;
	o.connect_timeout_ms = HF_CONNECT_TIMEOUT_MS;
	o.headers = hdrs;
	o.want_headers = 1;
	o.done_cb = hf_head_done;
	o.arg = d;
	if ((d->req = httpc_start(d->md->httpc, &o)) == NULL)
		hf_fail(d, -EIO, "%s: cannot start a request",
		    d->files[d->cur].path);
	free(own);
}

/* ---- step 3: per file, download (reuse, verify and link: hf_blob.c) ---- */

/* The final response's head: decide whether the body appends. */
static void
hf_get_headers(void *arg, const struct httpc_result *res)
{
	struct hf_download	*d = arg;
	const char		*cr;
	char			 want[48];

	if (res->status == 206) {
		cr = httpc_header(res, "Content-Range", -1);
		snprintf(want, sizeof(want), "bytes %lld-", (long long)d->have);
		if (cr == NULL || strncmp(cr, want, strlen(want)) != 0)
			d->write_err = -EPROTO;
	} else if (res->status == 200 && d->have > 0) {
		/* The server ignored Range: start over. */
		if (ftruncate(d->fd, 0) != 0) {
			d->write_err = -errno;
			return;
		}
		hf_hash_free(&d->hash);
		d->bytes_done -= d->have;
		d->have = 0;
		d->write_err = hf_hash_init(&d->hash, d->files[d->cur].etag,
		    d->files[d->cur].size);
	} else if (res->status != 200)
		d->bad_status = 1;
}

static int
hf_get_data(void *arg, const char *buf, size_t len)
{
	struct hf_download	*d = arg;
	struct hf_file		*f = &d->files[d->cur];
	size_t			 off = 0;
	ssize_t			 n;
	int			 stop;

	if (d->cancelled || d->write_err != 0)
		return 1;
	if (d->bad_status)
		return 0;	/* an error page: not ours to keep */
	if (d->have + (int64_t)len > f->size) {
		d->write_err = -EMSGSIZE;
		return 1;
	}
	while (off < len) {
		n = pwrite(d->fd, buf + off, len - off, d->have + (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			d->write_err = n < 0 ? -errno : -EIO;
			return 1;
		}
		off += (size_t)n;
	}
	hf_hash_update(&d->hash, buf, len);
	d->have += (int64_t)len;
	d->net_bytes += (int64_t)len;
	d->bytes_done += (int64_t)len;
	/* Not hf_enter/hf_leave: we are inside the transfer's callback. */
	d->busy++;
	hf_report(d, NULL, f->path, 0);
	d->busy--;
	stop = d->cancelled;
	return stop;
}

static void
hf_get_done(void *arg, const struct httpc_result *res)
{
	struct hf_download	*d = arg;
	struct hf_file		*f = &d->files[d->cur];
	int			 rc;

	d->req = NULL;
	hf_enter(d);
	if (d->cancelled)
		goto out;
	if (d->write_err == -EMSGSIZE) {
		unlink(d->tmp_path);
		hf_fail(d, -EBADMSG, "%s: the server sent more than the "
		    "expected %lld bytes; the partial file was removed",
		    f->path, (long long)f->size);
		goto out;
	}
	if (d->write_err == -EPROTO) {
		hf_fail(d, -EPROTO, "%s: the reply does not continue at byte "
		    "%lld (Content-Range)", f->path, (long long)d->have);
		goto out;
	}
	if (d->write_err != 0) {
		hf_fail(d, d->write_err, "%s: cannot write %s: %s", f->path,
		    d->tmp_path, strerror(-d->write_err));
		goto out;
	}
	if (res->err != 0 && hf_blob_retry(d, res->errmsg != NULL ?
	    res->errmsg : strerror(-res->err)))
		goto out;
	if (res->err != 0) {
		hf_fail(d, res->err, "%s: download interrupted after %lld of "
		    "%lld bytes (%s); the partial file is kept and the next "
		    "download resumes it", f->path, (long long)d->have,
		    (long long)f->size, res->errmsg != NULL ? res->errmsg :
		    strerror(-res->err));
		goto out;
	}
	if (res->status == 416) {
		unlink(d->tmp_path);
		hf_fail(d, -EIO, "%s: the server refused to resume at byte "
		    "%lld (HTTP 416); the partial file was removed", f->path,
		    (long long)d->have);
		goto out;
	}
	if ((res->status == 500 || res->status == 502 || res->status == 503 ||
	    res->status == 504) && hf_blob_retry(d, "the server answered "
	    "with an error"))
		goto out;
	if ((rc = hf_http_error(d, res, f->path)) != 0)
		goto out;
	if (res->status != 200 && res->status != 206) {
		hf_fail(d, -EIO, "%s: unexpected HTTP %ld", f->path,
		    res->status);
		goto out;
	}
	if (d->have != f->size && hf_blob_retry(d, "the reply ended early"))
		goto out;
	if (d->have != f->size) {
		hf_fail(d, -ECONNRESET, "%s: download ended after %lld of "
		    "%lld bytes; the partial file is kept", f->path,
		    (long long)d->have, (long long)f->size);
		goto out;
	}
	hf_blob_verify(d);
out:
	hf_leave(d);
}

/*
 * Fetch the current file into its open .incomplete, from byte d->have on
 * (a Range request when that is not 0); hf_get_done() goes on from there.
 */
void
hf_get_start(struct hf_download *d)
{
	struct httpc_opts	 o;
	const char		*hdrs[4];
	char			*url, range[48];
	int			 n = 0;

	url = hf_resolve_url(d->endpoint, d->repo, d->commit,
	    d->files[d->cur].path);
	if (d->auth != NULL)
		hdrs[n++] = d->auth;
	hdrs[n++] = "Accept-Encoding: identity";
	if (d->have > 0) {
		snprintf(range, sizeof(range), "Range: bytes=%lld-",
		    (long long)d->have);
		hdrs[n++] = range;
	}
	hdrs[n] = NULL;
	d->bad_status = 0;
	d->write_err = 0;
	memset(&o, 0, sizeof(o));
	o.url = url;
	o.connect_timeout_ms = HF_CONNECT_TIMEOUT_MS;
	o.low_speed_s = HF_STALL_S;
	o.headers = hdrs;
	/*
	 * The canonical URL again rather than the HEAD's Location: signed
	 * storage URLs expire, and a resume must re-resolve. httpc's follow
	 * keeps the token on the hub's host only.
	 */
	o.follow = 1;
	o.headers_cb = hf_get_headers;
	o.data_cb = hf_get_data;
	o.done_cb = hf_get_done;
	o.arg = d;
	if ((d->req = httpc_start(d->md->httpc, &o)) == NULL)
		hf_fail(d, -EIO, "%s: cannot start a request",
		    d->files[d->cur].path);
	free(url);
}

/* ---- public ---- */

/* Start a download; see hf.h. */
int
hf_download_start(struct mlxd *md, const char *spec, const char *cache_dir,
    const char *endpoint, const char *token, hf_progress_cb progress_cb,
    hf_done_cb done_cb, void *arg, struct hf_download **dp)
{
	struct hf_download	*d;
	struct httpc_opts	 o;
	char			*repo = NULL, *rev = NULL, *cache = NULL;
	char			*tok = NULL, *url, *folder;
	const char		*hdrs[2] = { NULL, NULL };
	int			 rc;

#if !HAVE_LIBCRYPTO
	return -ENOTSUP;
#endif
	if ((rc = hf_parse_spec(spec, &repo, &rev)) != 0)
		return rc;
	if (cache_dir != NULL)
		cache = xstrdup(cache_dir);
	else if ((rc = hf_default_cache_dir(&cache)) != 0)
		goto fail;
	tok = token != NULL ? xstrdup(token) : hf_env_token();
	if (tok != NULL && strcspn(tok, "\r\n") != strlen(tok)) {
		rc = -EINVAL;
		goto fail;
	}

	d = xcalloc(1, sizeof(*d));
	d->md = md;
	d->repo = repo;
	d->rev = rev;
	d->cache = cache;
	d->endpoint = hf_endpoint_url(endpoint);
	if (tok != NULL && tok[0] != '\0')
		d->auth = xasprintf("Authorization: Bearer %s", tok);
	free(tok);
	folder = hf_repo_folder(repo);
	d->repo_dir = xasprintf("%s/%s", cache, folder);
	d->lock_dir = xasprintf("%s/.locks/%s", cache, folder);
	free(folder);
	d->progress_cb = progress_cb;
	d->done_cb = done_cb;
	d->arg = arg;
	d->fd = d->lock_fd = -1;
	d->bytes_total = -1;
	d->rate = NAN;
	d->phase = "metadata";

	url = hf_info_url(d->endpoint, repo, rev);
	hdrs[0] = d->auth;
	memset(&o, 0, sizeof(o));
	o.url = url;
	o.timeout_ms = HF_META_TIMEOUT_MS;
	o.connect_timeout_ms = HF_CONNECT_TIMEOUT_MS;
	o.headers = hdrs;
	o.follow = 1;		/* renamed repositories redirect */
	o.want_headers = 1;
	o.done_cb = hf_info_done;
	o.arg = d;
	d->req = httpc_start(md->httpc, &o);
	free(url);
	if (d->req == NULL) {
		hf_free(d);
		return -EIO;
	}
	log_debug("hf: %s@%s: started into %s", d->repo, d->rev, d->cache);
	*dp = d;
	return 0;
fail:
	free(tok);
	free(cache);
	free(repo);
	free(rev);
	return rc;
}

/* Where to look for local copies; see hf.h. */
void
hf_download_set_lookup(struct hf_download *d, hf_lookup_cb lookup, void *arg)
{
	d->lookup = lookup;
	d->lookup_arg = arg;
}

/* Stop a download with no further callbacks; see hf.h. */
void
hf_download_cancel(struct hf_download *d)
{
	if (d == NULL || d->finished || d->cancelled)
		return;
	d->cancelled = 1;
	log_debug("hf: %s@%s: cancelled", d->repo, d->rev);
	/* Inside one of our callbacks, the outermost hf_leave() cleans up. */
	d->busy++;
	hf_leave(d);
}
