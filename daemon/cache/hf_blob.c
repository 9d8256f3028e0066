/* SPDX-License-Identifier: ISC */
/*
 * hf_blob.c: the hf:// downloader's work on the current file's blob.
 *
 * Owns what happens to one file of a download on disk: reusing a blob
 * already in blobs/, the .locks/ flock that keeps two processes off the same
 * blob, the .incomplete partial file, the threadpool jobs (hashing the bytes
 * of a file being resumed; making the blob from a local file of the same
 * sha256 by a hard link, a clone or a copy, and checking it; fsync and
 * rename into blobs/), the check against the etag and the relative
 * snapshot symlink, and resuming after a dropped connection: like
 * huggingface_hub, a transfer that breaks off is asked again from the byte
 * it reached (Range), after a backoff of 0.5 s doubled each time up to 8 s,
 * up to HF_BLOB_RETRIES times in a row without new bytes; any progress
 * starts the count again. The HTTP steps, progress, failure and the
 * download's lifetime are hf.c's. Everything here runs on
 * the loop thread except hf_blob_work_run(), which touches only the fd, the
 * hash and the paths of the file it was queued for.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <uv.h>

#include "hf.h"
#include "hf_int.h"
#include "log.h"
#include "mlxd.h"
#include "osdep.h"
#include "paths.h"
#include "where.h"
#include "xmalloc.h"

#define HF_BLOB_IO_CHUNK	(1024 * 1024)
#define HF_BLOB_RETRIES		5	/* tries in a row without progress */
#define HF_BLOB_BACKOFF_MS	500
#define HF_BLOB_BACKOFF_MAX_MS	8000

/* A backoff before resuming; the timer outlives nothing but itself. */
struct hf_retry {
	uv_timer_t		 timer;
	struct hf_download	*d;
};

enum hf_blob_work_kind {
	HF_BLOB_WORK_PREFIX,		/* hash the bytes already on disk */
	HF_BLOB_WORK_COMMIT,		/* fsync, rename into blobs/ */
	HF_BLOB_WORK_LOCAL,		/* clone or copy a local file, check */
};

struct hf_blob_work {
	uv_work_t		 req;
	struct hf_download	*d;
	enum hf_blob_work_kind	 kind;
	int			 err;
	char			**cands;	/* LOCAL: candidate paths */
	unsigned char		*links;		/* LOCAL: may hard-link each */
	size_t			 ncands;
	int			 made;		/* LOCAL: 1 copied, 2 cloned,
						   3 linked */
};

static void	hf_blob_link(struct hf_download *);
static void	hf_blob_strings_free(char **, size_t);
static void	hf_blob_work_start(struct hf_download *,
		    enum hf_blob_work_kind);
static void	hf_blob_retry_closed(uv_handle_t *);

/*
 * Close the current file's .incomplete and lock (dropping the flock), end
 * its hash and forget its paths. The .incomplete itself stays on disk.
 */
void
hf_blob_release(struct hf_download *d)
{
	if (d->fd != -1)
		close(d->fd);
	if (d->lock_fd != -1)
		close(d->lock_fd);	/* drops the flock */
	d->fd = d->lock_fd = -1;
	hf_hash_free(&d->hash);
	free(d->tmp_path);
	free(d->blob_path);
	d->tmp_path = d->blob_path = NULL;
}

/*
 * Ask the threadpool to drop the download's pending job, if any. Returns 1
 * when there is one: its after callback still runs and calls hf_leave()
 * again, so the download must not be freed yet. Returns 0 otherwise.
 */
int
hf_blob_cancel(struct hf_download *d)
{
	if (d->retry != NULL) {
		/* The close callback comes back through hf_leave(). */
		uv_timer_stop(&d->retry->timer);
		uv_close((uv_handle_t *)&d->retry->timer, hf_blob_retry_closed);
		d->retry = NULL;
		d->busy++;
		return 1;
	}
	if (d->work == NULL)
		return 0;
	(void)uv_cancel((uv_req_t *)&d->work->req);
	return 1;
}

/* The backoff timer is closed: free it; a cancelled download may go. */
static void
hf_blob_retry_closed(uv_handle_t *h)
{
	struct hf_retry		*r = h->data;
	struct hf_download	*d = r->d;

	free(r);
	if (d != NULL)
		hf_leave(d);	/* the hold hf_blob_cancel() took */
}

/* The backoff is over: ask for the rest of the file. */
static void
hf_blob_retry_fire(uv_timer_t *t)
{
	struct hf_retry		*r = t->data;
	struct hf_download	*d = r->d;

	d->retry = NULL;
	r->d = NULL;
	uv_close((uv_handle_t *)t, hf_blob_retry_closed);
	hf_enter(d);
	if (!d->cancelled)
		hf_get_start(d);
	hf_leave(d);
}

/*
 * The current file's transfer broke off (why says how). Returns 1 when a
 * resume from d->have is scheduled, 0 when the caller should fail: the
 * download was cancelled, or HF_BLOB_RETRIES tries in a row brought no new
 * byte. The .incomplete, its hash and the lock stay as they are.
 */
int
hf_blob_retry(struct hf_download *d, const char *why)
{
	const struct hf_file	*f = &d->files[d->cur];
	struct hf_retry		*r;
	uint64_t		 ms;
	int			 i;

	if (d->cancelled || d->fd == -1)
		return 0;
	if (d->have > d->retry_have)
		d->retries = 0;		/* it got further: a fresh count */
	d->retry_have = d->have;
	if (++d->retries > HF_BLOB_RETRIES)
		return 0;
	for (ms = HF_BLOB_BACKOFF_MS, i = 1; i < d->retries &&
	    ms < HF_BLOB_BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > HF_BLOB_BACKOFF_MAX_MS)
		ms = HF_BLOB_BACKOFF_MAX_MS;
	r = xcalloc(1, sizeof(*r));
	if (uv_timer_init(d->md->loop, &r->timer) != 0) {
		free(r);
		return 0;
	}
	r->d = d;
	r->timer.data = r;
	d->retry = r;
	log_info("hf: %s: %s: %s after %lld of %lld bytes; resuming in "
	    "%llu ms (try %d of %d)", d->repo, f->path, why,
	    (long long)d->have, (long long)f->size, (unsigned long long)ms,
	    d->retries, HF_BLOB_RETRIES);
	hf_report(d, NULL, f->path, 1);
	uv_timer_start(&r->timer, hf_blob_retry_fire, ms, 0);
	return 1;
}

/* Mark the cache with a CACHEDIR.TAG, once, so backups skip it. */
static void
hf_blob_cachedir_tag(struct hf_download *d)
{
	static const char	 tag[] =
	    "Signature: 8a477f597d28d172789f06886806bc55\n"
	    "# This file is a cache directory tag.\n"
	    "# For information about cache directory tags, see:\n"
	    "#\thttps://bford.info/cachedir/\n";
	char			*path = xasprintf("%s/CACHEDIR.TAG", d->cache);
	int			 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0666)) != -1) {
		if (write(fd, tag, sizeof(tag) - 1) < 0)
			log_debug("hf: %s: %s", path, strerror(errno));
		close(fd);
	}
	free(path);
}

/*
 * SHA-256 of fd's first size bytes (copying them to out_fd when it is not
 * -1) equals etag: 1, 0 when it differs or the file is short, -errno.
 */
static int
hf_blob_check_fd(int fd, int out_fd, const char *etag, int64_t size)
{
	struct hf_hash	 h;
	char		*buf, hex[65];
	int64_t		 off = 0;
	ssize_t		 n, w;
	size_t		 done;
	int		 rc = 0;

	if ((rc = hf_hash_init(&h, etag, size)) != 0)
		return rc;
	buf = xmalloc(HF_BLOB_IO_CHUNK);
	while (off < size) {
		n = pread(fd, buf, (size_t)(size - off > HF_BLOB_IO_CHUNK ?
		    HF_BLOB_IO_CHUNK : size - off), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		hf_hash_update(&h, buf, (size_t)n);
		for (done = 0; out_fd != -1 && done < (size_t)n;
		    done += (size_t)w) {
			w = pwrite(out_fd, buf + done, (size_t)n - done,
			    off + (off_t)done);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w <= 0) {
				rc = w < 0 ? -errno : -EIO;
				break;
			}
		}
		if (rc != 0)
			break;
		off += n;
	}
	free(buf);
	if (rc == 0 && off == size) {
		hf_hash_hex(&h, hex);
		rc = hex[0] != '\0' && strcasecmp(hex, etag) == 0;
	}
	hf_hash_free(&h);
	return rc;
}

/*
 * Make the .incomplete from the first candidate that verifies: a clone of
 * it (then read once to check) or else a copy checked while copying.
 * Leaves the .incomplete empty when none does.
 */
static void
hf_blob_local_run(struct hf_blob_work *w)
{
	struct hf_download	*d = w->d;
	struct hf_file		*f = &d->files[d->cur];
	struct stat		 sb;
	size_t			 i;
	int			 src, fd, rc;

	for (i = 0; i < w->ncands && w->made == 0; i++) {
		if ((src = open(w->cands[i], O_RDONLY | O_CLOEXEC |
		    O_NOFOLLOW)) == -1)
			continue;
		if (fstat(src, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    (int64_t)sb.st_size != f->size) {
			close(src);
			continue;
		}
		/* A hard link, where allowed, replaces the .incomplete. */
		if (w->links != NULL && w->links[i] && unlink(d->tmp_path) ==
		    0 && link(w->cands[i], d->tmp_path) == 0 &&
		    (fd = open(d->tmp_path, O_RDONLY | O_CLOEXEC)) != -1) {
			close(d->fd);
			d->fd = fd;
			if (hf_blob_check_fd(fd, -1, f->etag, f->size) == 1) {
				w->made = 3;
				close(src);
				break;
			}
			/* Not the bytes: drop our name, not the file. */
			close(d->fd);
			(void)unlink(d->tmp_path);
			if ((d->fd = open(d->tmp_path, O_RDWR | O_CREAT |
			    O_CLOEXEC, 0666)) == -1) {
				w->err = -errno;
				close(src);
				return;
			}
			close(src);
			log_info("hf: %s: %s does not hold %s; not used",
			    f->path, w->cands[i], f->etag);
			continue;
		}
		/* A clone replaces the empty .incomplete. */
		if ((unlink(d->tmp_path) == 0 || errno == ENOENT) &&
		    osdep_clone_file(src, AT_FDCWD, d->tmp_path) == 0 &&
		    (fd = open(d->tmp_path, O_RDWR | O_CLOEXEC)) != -1) {
			close(d->fd);
			d->fd = fd;
			(void)fchmod(fd, 0644);
			if ((rc = hf_blob_check_fd(fd, -1, f->etag,
			    f->size)) == 1)
				w->made = 2;
		} else {
			if (d->fd != -1)
				close(d->fd);
			d->fd = open(d->tmp_path, O_RDWR | O_CREAT |
			    O_CLOEXEC, 0666);
			if (d->fd == -1) {
				w->err = -errno;
				close(src);
				return;
			}
			if ((rc = hf_blob_check_fd(src, d->fd, f->etag,
			    f->size)) == 1)
				w->made = 1;
		}
		close(src);
		if (w->made == 0 && ftruncate(d->fd, 0) != 0) {
			w->err = -errno;
			return;
		}
		if (w->made == 0)
			log_info("hf: %s: %s does not hold %s; not used",
			    f->path, w->cands[i], f->etag);
	}
}

static void
hf_blob_work_run(uv_work_t *req)
{
	struct hf_blob_work		*w = req->data;
	struct hf_download	*d = w->d;
	char			*buf, *dir, *slash;
	int64_t			 off = 0;
	ssize_t			 n;
	int			 dfd;

	if (w->kind == HF_BLOB_WORK_LOCAL) {
		hf_blob_local_run(w);
		return;
	}
	if (w->kind == HF_BLOB_WORK_PREFIX) {
		buf = xmalloc(HF_BLOB_IO_CHUNK);
		while (off < d->have) {
			n = pread(d->fd, buf, (size_t)(d->have - off >
			    HF_BLOB_IO_CHUNK ? HF_BLOB_IO_CHUNK :
			    d->have - off), off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				w->err = n < 0 ? -errno : -EIO;
				break;
			}
			hf_hash_update(&d->hash, buf, (size_t)n);
			off += n;
		}
		free(buf);
		return;
	}
	if (fsync(d->fd) != 0 || rename(d->tmp_path, d->blob_path) != 0) {
		w->err = -errno;
		return;
	}
	dir = xstrdup(d->blob_path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(dir);
}

static void
hf_blob_work_after(uv_work_t *req, int status)
{
	struct hf_blob_work		*w = req->data;
	struct hf_download	*d = w->d;
	struct hf_file		*f = &d->files[d->cur];
	enum hf_blob_work_kind	 kind = w->kind;
	int			 err = status != 0 ? status : w->err;
	int			 made = w->made;

	d->work = NULL;
	hf_blob_strings_free(w->cands, w->ncands);
	free(w->links);
	free(w);
	hf_enter(d);
	if (d->cancelled || d->finished)
		goto out;
	if (kind == HF_BLOB_WORK_LOCAL) {
		if (err != 0) {
			hf_fail(d, err, "%s: cannot write %s: %s", f->path,
			    d->tmp_path, strerror(-err));
			goto out;
		}
		if (made == 0) {
			hf_get_start(d);	/* nothing local verified */
			goto out;
		}
		d->local++;
		d->bytes_reused += f->size;
		if (made == 2)
			d->bytes_cloned += f->size;
		else if (made == 3)
			d->bytes_linked += f->size;
		d->bytes_done += f->size;
		log_info("hf: %s: %s locally (%lld bytes), not downloaded",
		    f->path, made == 3 ? "linked" : made == 2 ? "cloned" :
		    "copied", (long long)f->size);
		hf_blob_work_start(d, HF_BLOB_WORK_COMMIT);
		goto out;
	}
	if (kind == HF_BLOB_WORK_PREFIX) {
		if (err != 0) {
			hf_fail(d, err, "%s: cannot read %s: %s", f->path,
			    d->tmp_path, strerror(-err));
			goto out;
		}
		d->bytes_done += d->have;
		if (d->have == f->size)
			hf_blob_verify(d);
		else
			hf_get_start(d);
		goto out;
	}
	if (err != 0) {
		hf_fail(d, err, "%s: cannot move the download into %s: %s",
		    f->path, d->blob_path, strerror(-err));
		goto out;
	}
	hf_blob_link(d);
out:
	hf_leave(d);
}

static void
hf_blob_work_queue(struct hf_download *d, enum hf_blob_work_kind kind,
    char **cands, unsigned char *links, size_t ncands)
{
	struct hf_blob_work	*w = xcalloc(1, sizeof(*w));
	int		 rc;

	w->d = d;
	w->kind = kind;
	w->cands = cands;
	w->links = links;
	w->ncands = ncands;
	w->req.data = w;
	if ((rc = uv_queue_work(d->md->loop, &w->req, hf_blob_work_run,
	    hf_blob_work_after)) != 0) {
		hf_blob_strings_free(cands, ncands);
		free(links);
		free(w);
		hf_fail(d, rc, "%s: cannot queue work: %s",
		    d->files[d->cur].path, uv_strerror(rc));
		return;
	}
	d->work = w;
}

static void
hf_blob_work_start(struct hf_download *d, enum hf_blob_work_kind kind)
{
	hf_blob_work_queue(d, kind, NULL, NULL, 0);
}

/* Free a lookup's answer. */
static void
hf_blob_strings_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Take the blob's .locks/ flock, or fail the download. */
static int
hf_blob_lock(struct hf_download *d, const struct hf_file *f)
{
	char	*path;
	int	 rc = 0;

	if ((rc = paths_mkdir_p(d->lock_dir, 0777)) != 0) {
		hf_fail(d, rc, "cannot create %s: %s", d->lock_dir,
		    strerror(-rc));
		return rc;
	}
	path = xasprintf("%s/%s.lock", d->lock_dir, f->etag);
	if ((d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
	    0664)) == -1) {
		rc = -errno;
		hf_fail(d, rc, "cannot open %s: %s", path, strerror(-rc));
	} else if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0 &&
	    errno != ENOLCK && errno != EOPNOTSUPP && errno != ENOSYS) {
		/*
		 * Where the file system has no flock (some network file
		 * systems), go on unlocked as huggingface_hub does: the
		 * rename into blobs/ is what keeps the cache consistent.
		 */
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (rc == -EBUSY)
			hf_fail(d, rc, "%s: blob %s is being downloaded by "
			    "another process (%s)", f->path, f->etag, path);
		else
			hf_fail(d, rc, "cannot lock %s: %s", path,
			    strerror(-rc));
	}
	free(path);
	return rc;
}

/* The blob is in place with the expected size. */
static int
hf_blob_present(const char *path, int64_t size)
{
	struct stat	sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (int64_t)sb.st_size == size;
}

/*
 * Go on with file d->cur, or finish when all are done: link a blob already
 * in the cache, or take its lock and open its .incomplete, then hash the
 * bytes already there on the threadpool (a resume) or start the download.
 */
void
hf_blob_next(struct hf_download *d)
{
	struct hf_file	*f;
	struct stat	 sb;
	char		*dir, **cands = NULL;
	unsigned char	*links = NULL;
	size_t		 ncands = 0;
	int		 rc;

	if (d->cur == d->nfiles) {
		hf_finish(d);
		return;
	}
	f = &d->files[d->cur];
	if (d->cur == 0) {
		/* First write to the cache: only now that all is known. */
		dir = xasprintf("%s/blobs", d->repo_dir);
		/* Nothing is written through a folder that links out of
		 * the hub cache (a user's folder behind it). */
		if ((rc = where_real_below(d->cache, dir)) != 0 ||
		    (rc = where_real_below(d->cache, d->lock_dir)) != 0 ||
		    (rc = where_real_below(d->cache, d->snapshot_dir)) != 0) {
			free(dir);
			hf_fail(d, rc, "%s: a folder on the way is a symlink; "
			    "mlxd writes only inside the hub cache",
			    d->repo_dir);
			return;
		}
		rc = paths_mkdir_p(dir, 0777);
		free(dir);
		if (rc != 0) {
			hf_fail(d, rc, "cannot create %s/blobs: %s",
			    d->repo_dir, strerror(-rc));
			return;
		}
		hf_blob_cachedir_tag(d);
	}
	hf_report(d, "download", f->path, 1);
	if (d->cancelled)
		return;
	d->blob_path = xasprintf("%s/blobs/%s", d->repo_dir, f->etag);
	if (hf_blob_present(d->blob_path, f->size)) {
		d->reused++;
		d->bytes_done += f->size;
		d->bytes_reused += f->size;
		hf_blob_link(d);
		return;
	}
	if (hf_blob_lock(d, f) != 0)
		return;
	if (hf_blob_present(d->blob_path, f->size)) {
		/* Another process finished it while we looked. */
		d->reused++;
		d->bytes_done += f->size;
		d->bytes_reused += f->size;
		hf_blob_link(d);
		return;
	}
	d->tmp_path = xasprintf("%s.incomplete", d->blob_path);
	if ((d->fd = open(d->tmp_path, O_RDWR | O_CREAT | O_CLOEXEC,
	    0666)) == -1 || fstat(d->fd, &sb) != 0) {
		rc = -errno;
		hf_fail(d, rc, "cannot open %s: %s", d->tmp_path,
		    strerror(-rc));
		return;
	}
	d->have = (int64_t)sb.st_size;
	if (d->have > f->size) {
		if (ftruncate(d->fd, 0) != 0) {
			rc = -errno;
			hf_fail(d, rc, "cannot truncate %s: %s", d->tmp_path,
			    strerror(-rc));
			return;
		}
		d->have = 0;
	}
	if ((rc = hf_hash_init(&d->hash, f->etag, f->size)) != 0) {
		hf_fail(d, rc, "cannot start hashing: %s", strerror(-rc));
		return;
	}
	if (d->have > 0) {
		d->resumed++;
		log_debug("hf: %s: resuming at %lld of %lld bytes", f->path,
		    (long long)d->have, (long long)f->size);
		hf_report(d, "verify", f->path, 1);
		if (!d->cancelled)
			hf_blob_work_start(d, HF_BLOB_WORK_PREFIX);
		return;
	}
	/* An LFS file the machine already holds is made locally. */
	if (d->lookup != NULL && d->hash.kind == HF_HASH_SHA256 &&
	    f->size > 0 && d->lookup(d->lookup_arg, f->etag, f->size, &cands,
	    &links, &ncands) == 0) {
		if (ncands > 0) {
			hf_report(d, "reuse", f->path, 1);
			if (!d->cancelled) {
				hf_blob_work_queue(d, HF_BLOB_WORK_LOCAL,
				    cands, links, ncands);
				return;
			}
		}
		hf_blob_strings_free(cands, ncands);
		free(links);
		if (d->cancelled)
			return;
	}
	hf_get_start(d);
}

/*
 * The whole file is in the .incomplete: check it against its etag, then
 * fsync and rename it into blobs/ on the threadpool.
 */
void
hf_blob_verify(struct hf_download *d)
{
	struct hf_file	*f = &d->files[d->cur];
	char		 hex[65];

	hf_report(d, "verify", f->path, 1);
	if (d->cancelled)
		return;
	hf_hash_hex(&d->hash, hex);
	if (hex[0] != '\0' && strcasecmp(hex, f->etag) != 0) {
		unlink(d->tmp_path);
		hf_fail(d, -EBADMSG, "%s: %s mismatch: expected %s, got %s; "
		    "the corrupt download was removed", f->path,
		    d->hash.kind == HF_HASH_SHA256 ? "sha256" : "git sha1",
		    f->etag, hex);
		return;
	}
	hf_blob_work_start(d, HF_BLOB_WORK_COMMIT);
}

/*
 * Point snapshots/<commit>/<path> at ../blobs/<etag> (relative, as
 * huggingface_hub does), then go on with the next file.
 */
static void
hf_blob_link(struct hf_download *d)
{
	struct hf_file	*f = &d->files[d->cur];
	char		*link = NULL, *tmp = NULL, *target = NULL, *dir;
	char		 cur[1024], *slash;
	const char	*p;
	size_t		 len, ups = 2, i;
	ssize_t		 n;
	int		 rc = 0;

	hf_report(d, "link", f->path, 1);
	if (d->cancelled)
		return;
	for (p = f->path; *p != '\0'; p++)
		if (*p == '/')
			ups++;
	/* "../" per level up to the repo folder, then blobs/<etag>. */
	len = ups * 3 + strlen("blobs/") + strlen(f->etag) + 1;
	target = xmalloc(len);
	for (i = 0; i < ups; i++)
		memcpy(target + 3 * i, "../", 3);
	snprintf(target + 3 * ups, len - 3 * ups, "blobs/%s", f->etag);

	link = xasprintf("%s/%s", d->snapshot_dir, f->path);
	dir = xstrdup(link);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if ((rc = where_real_below(d->cache, dir)) == 0 &&
	    (rc = paths_mkdir_p(dir, 0777)) == 0)
		rc = where_real_below(d->cache, dir);
	free(dir);
	if (rc != 0)
		goto out;
	n = readlink(link, cur, sizeof(cur) - 1);
	if (n >= 0 && (size_t)n == strlen(target) &&
	    memcmp(cur, target, (size_t)n) == 0)
		goto out;
	tmp = xasprintf("%s.%ld.tmp", link, (long)getpid());
	(void)unlink(tmp);
	if (symlink(target, tmp) != 0 || rename(tmp, link) != 0) {
		rc = -errno;
		(void)unlink(tmp);
	}
out:
	if (rc != 0) {
		hf_fail(d, rc, "%s: cannot link %s: %s", f->path, link,
		    strerror(-rc));
	} else {
		hf_blob_release(d);
		d->files_done++;
		d->cur++;
		hf_blob_next(d);
	}
	free(tmp);
	free(link);
	free(target);
}
