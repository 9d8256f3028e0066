/* SPDX-License-Identifier: ISC */
/*
 * dedup_io.c: reading model files for dedup: whole-file SHA-256 through
 * OpenSSL's EVP interface (SHA-NI / ARMv8 SHA where the CPU has them),
 * head+tail samples, block compares that stop at the first difference,
 * and progress with throughput and ETA over the bytes read (shared by the
 * search's workers under pr->mtx). Without libcrypto, hashing answers
 * -ENOTSUP.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if HAVE_LIBCRYPTO
#include "evpapi.h"
#endif

#include "dedup.h"
#include "dedup_int.h"
#include "xmalloc.h"

/* At most one progress call per 100 ms. */
#define DEDUP_PROGRESS_NS	100000000LL

/* Monotonic clock in nanoseconds. */
int64_t
dedup_mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Start progress reporting to cb (may be NULL). */
void
dedup_prog_init(struct dedup_prog *pr, dedup_progress_cb cb, void *arg,
    const volatile int *cancel)
{
	memset(pr, 0, sizeof(*pr));
	pr->cb = cb;
	pr->arg = arg;
	pr->cancel = cancel;
	pr->p.eta_s = -1;
}

/* Start a phase: reset the per-phase counters and report once. */
void
dedup_prog_phase(struct dedup_prog *pr, enum dedup_phase phase,
    uint64_t files_total, uint64_t bytes_total)
{
	pr->p.phase = phase;
	pr->p.files_done = 0;
	pr->p.files_total = files_total;
	pr->p.bytes_done = 0;
	pr->p.bytes_total = bytes_total;
	pr->p.rate = 0;
	pr->p.eta_s = -1;
	pr->phase_start_ns = dedup_mono_ns();
	dedup_prog_update(pr, NULL, 1);
}

/* Recompute rate and ETA; call the callback at most every 100 ms. */
void
dedup_prog_update(struct dedup_prog *pr, const char *path, int force)
{
	int64_t	now, el;

	if (pr->cb == NULL)
		return;
	now = dedup_mono_ns();
	if (!force && now - pr->last_cb_ns < DEDUP_PROGRESS_NS)
		return;
	pr->last_cb_ns = now;
	el = now - pr->phase_start_ns;
	if (el > 0 && pr->p.bytes_done > 0) {
		pr->p.rate = (double)pr->p.bytes_done * 1e9 / (double)el;
		pr->p.eta_s = pr->p.bytes_total > pr->p.bytes_done ?
		    (int64_t)((double)(pr->p.bytes_total - pr->p.bytes_done) /
		    pr->p.rate + 0.5) : 0;
	}
	pr->p.path = path;
	pr->cb(pr->arg, &pr->p);
	pr->p.path = NULL;
}

/* Count bytes read by a worker; the callback runs under pr->mtx. */
void
dedup_prog_read(struct dedup_prog *pr, uint64_t n)
{
	if (pr == NULL)
		return;
	if (pr->mtx != NULL)
		pthread_mutex_lock(pr->mtx);
	pr->p.bytes_done += n;
	pr->p.bytes_read += n;
	dedup_prog_update(pr, NULL, 0);
	if (pr->mtx != NULL)
		pthread_mutex_unlock(pr->mtx);
}

/* Sequential, read-once access: large read-ahead. */
void
dedup_fadvise_seq(int fd)
{
#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
#endif
#ifdef F_RDAHEAD
	(void)fcntl(fd, F_RDAHEAD, 1);
#endif
}

/*
 * Read up to len bytes of fd from offset 0 (what pread answers). When they
 * all come from the page cache (RWF_NOWAIT), only the sequential hint is
 * given: asking for the whole file ahead (WILLNEED) walks every page of a
 * cached file, about 0.3 ms per 16 MiB, a tenth of a compare. Otherwise
 * both hints go first, as for any read from the disk.
 */
static ssize_t
read_head(int fd, unsigned char *buf, size_t len)
{
#ifdef RWF_NOWAIT
	struct iovec	iov;
	ssize_t		n;

	iov.iov_base = buf;
	iov.iov_len = len;
	if ((n = preadv2(fd, &iov, 1, 0, RWF_NOWAIT)) == (ssize_t)len) {
#ifdef POSIX_FADV_SEQUENTIAL
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
		return n;
	}
#endif
	dedup_fadvise_seq(fd);
	return pread(fd, buf, len, 0);
}

/* 1 once the caller set the cancel flag. */
int
dedup_cancelled(const struct dedup_prog *pr)
{
	return pr->cancel != NULL && *pr->cancel;
}

/* ---- SHA-256 ---- */

#if HAVE_LIBCRYPTO
struct dedup_sha {
	const struct evpapi	*ev;
	EVP_MD_CTX		*ctx;
};

static int
sha_init(struct dedup_sha *h)
{
	h->ctx = NULL;
	if ((h->ev = evpapi_get()) == NULL)
		return -ENOTSUP;
	if ((h->ctx = h->ev->md_ctx_new()) == NULL)
		return -ENOMEM;
	if (h->ev->digest_init_ex(h->ctx, h->ev->sha256(), NULL) != 1) {
		h->ev->md_ctx_free(h->ctx);
		h->ctx = NULL;
		return -EIO;
	}
	return 0;
}

static void
sha_update(struct dedup_sha *h, const void *buf, size_t n)
{
	(void)h->ev->digest_update(h->ctx, buf, n);
}

static void
sha_final(struct dedup_sha *h, unsigned char out[32])
{
	unsigned int	len = 32;

	(void)h->ev->digest_final_ex(h->ctx, out, &len);
	h->ev->md_ctx_free(h->ctx);
	h->ctx = NULL;
}

static void
sha_abort(struct dedup_sha *h)
{
	if (h->ctx != NULL)
		h->ev->md_ctx_free(h->ctx);
	h->ctx = NULL;
}
#else
struct dedup_sha {
	int	unused;
};

static int
sha_init(struct dedup_sha *h)
{
	(void)h;
	return -ENOTSUP;
}

static void
sha_update(struct dedup_sha *h, const void *buf, size_t n)
{
	(void)h;
	(void)buf;
	(void)n;
}

static void
sha_final(struct dedup_sha *h, unsigned char out[32])
{
	(void)h;
	memset(out, 0, 32);
}

static void
sha_abort(struct dedup_sha *h)
{
	(void)h;
}
#endif

static void
to_hex(const unsigned char *in, size_t n, char *out)
{
	static const	char	digits[] = "0123456789abcdef";
	size_t		i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * Read an open file from the start to EOF into a SHA-256, counting progress
 * (pr may be NULL). The file must have exactly expect bytes (UINT64_MAX: any);
 * -ESTALE otherwise, since that means it changed under us. iobuf is the
 * caller's DEDUP_HASH_IO_SIZE buffer, or NULL for one of our own.
 */
int
dedup_hash_fd(struct dedup_prog *pr, int fd, uint64_t expect, char hex[65],
    unsigned char *iobuf)
{
	struct dedup_sha	 h;
	unsigned char		*buf, md[32];
	uint64_t		 total = 0;
	ssize_t			 n;
	int			 rc;

	if ((rc = sha_init(&h)) != 0)
		return rc;
	buf = iobuf != NULL ? iobuf : xmalloc(DEDUP_HASH_IO_SIZE);
	for (;;) {
		if (pr != NULL && dedup_cancelled(pr)) {
			rc = -ECANCELED;
			break;
		}
		n = total == 0 ? read_head(fd, buf, expect > 0 &&
		    expect < DEDUP_HASH_IO_SIZE ? (size_t)expect :
		    DEDUP_HASH_IO_SIZE) :
		    pread(fd, buf, DEDUP_HASH_IO_SIZE, (off_t)total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		sha_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
		dedup_prog_read(pr, (uint64_t)n);
	}
	if (buf != iobuf)
		free(buf);
	if (rc == 0 && expect != UINT64_MAX && total != expect)
		rc = -ESTALE;
	if (rc != 0) {
		sha_abort(&h);
		return rc;
	}
	sha_final(&h, md);
	to_hex(md, sizeof(md), hex);
	return 0;
}

/*
 * Read exactly len bytes at off: 0, -ESTALE at an early EOF, -errno. The
 * first block of a file (off 0) goes through read_head().
 */
static int
read_full(int fd, unsigned char *buf, size_t len, uint64_t off)
{
	size_t	got = 0;
	ssize_t	n;

	if (off == 0 && len > 0) {
		while ((n = read_head(fd, buf, len)) < 0 && errno == EINTR)
			;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ESTALE;
		got = (size_t)n;
	}
	while (got < len) {
		n = pread(fd, buf + got, len - got, (off_t)(off + got));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ESTALE;
		got += (size_t)n;
	}
	return 0;
}

/*
 * Compare block by block. The first block is small so that files that
 * differ early cost little; blocks then grow to DEDUP_CMP_BLOCK (from the
 * page cache 1 MiB did best: smaller blocks cost more calls, 4 MiB ones
 * leave the CPU cache between the copy and the memcmp). The
 * buffers are the caller's (NULL: our own): fresh ones for every compare
 * cost page faults that, from the page cache, double the time.
 */
int
dedup_compare_fd(struct dedup_prog *pr, int fa, int fb, uint64_t size,
    uint64_t *readp, unsigned char *const iobuf[2])
{
	unsigned char	*a, *b, one;
	uint64_t	 off = 0;
	size_t		 blk = 64 * 1024, len;
	int		 rc = 0;

	a = iobuf != NULL ? iobuf[0] : xmalloc(DEDUP_CMP_BLOCK);
	b = iobuf != NULL ? iobuf[1] : xmalloc(DEDUP_CMP_BLOCK);
	while (off < size) {
		if (pr != NULL && dedup_cancelled(pr)) {
			rc = -ECANCELED;
			break;
		}
		len = size - off < blk ? (size_t)(size - off) : blk;
		if ((rc = read_full(fa, a, len, off)) != 0 ||
		    (rc = read_full(fb, b, len, off)) != 0)
			break;
		dedup_prog_read(pr, 2 * (uint64_t)len);
		*readp += 2 * (uint64_t)len;
		if (memcmp(a, b, len) != 0) {
			rc = DEDUP_EDIFFERS;
			break;
		}
		off += len;
		if (blk < DEDUP_CMP_BLOCK)
			blk *= 4;
	}
	/* Both must end here: a longer file changed since indexing. */
	if (rc == 0 && (pread(fa, &one, 1, (off_t)size) != 0 ||
	    pread(fb, &one, 1, (off_t)size) != 0))
		rc = -ESTALE;
	if (iobuf == NULL) {
		free(a);
		free(b);
	}
	return rc;
}

/* SHA-256 of a whole file as lowercase hex. */
int
dedup_sha256_path(const char *path, char hex[65])
{
	int	fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	rc = dedup_hash_fd(NULL, fd, UINT64_MAX, hex, NULL);
	close(fd);
	return rc;
}

/*
 * The sample key: four 64-bit lanes in the manner of xxHash64's rounds,
 * several times faster than SHA-256. A key only sorts files into
 * candidates, each of which is then compared or hashed in full, so a
 * collision costs a read and never a wrong group; equal bytes always make
 * equal keys. Keys live only for one search.
 */
#define KEY_P1	0x9E3779B185EBCA87ULL
#define KEY_P2	0xC2B2AE3D27D4EB4FULL
#define KEY_P3	0x165667B19E3779F9ULL

static uint64_t
key_rotl(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t
key_load(const unsigned char *p)
{
	uint64_t	w;

	memcpy(&w, p, sizeof(w));
	return w;
}

static void
key_update(uint64_t v[4], const unsigned char *p, size_t n)
{
	unsigned char	last[32];
	size_t		i;

	for (; n >= 32; p += 32, n -= 32)
		for (i = 0; i < 4; i++)
			v[i] = key_rotl(v[i] + key_load(p + 8 * i) * KEY_P2,
			    31) * KEY_P1;
	if (n > 0) {
		memset(last, 0, sizeof(last));
		memcpy(last, p, n);
		for (i = 0; i < 4; i++)
			v[i] = key_rotl(v[i] + key_load(last + 8 * i) *
			    KEY_P2, 31) * KEY_P1;
	}
}

static uint64_t
key_avalanche(uint64_t h)
{
	h ^= h >> 33;
	h *= KEY_P2;
	h ^= h >> 29;
	h *= KEY_P3;
	h ^= h >> 32;
	return h;
}

/*
 * The same construction over n bytes at buf: a 32-byte key for telling a
 * buffer from the one a key was made of before (not for digests anyone
 * else reads). Two different buffers get equal keys with odds of about
 * 2^-64 at worst.
 */
void
dedup_key_buf(const void *buf, size_t n, unsigned char key[32])
{
	uint64_t	v[4], h;
	size_t		i;

	for (i = 0; i < 4; i++)
		v[i] = (n + i) * KEY_P1;
	key_update(v, buf, n);
	for (i = 0; i < 4; i++) {
		h = key_avalanche(v[i] + key_rotl(v[(i + 1) % 4], 17) +
		    n * KEY_P3);
		memcpy(key + 8 * i, &h, sizeof(h));
	}
}

/* A 32-byte key from the first and last ss bytes and the size. */
int
dedup_sample_fd(struct dedup_prog *pr, int fd, uint64_t size, uint32_t ss,
    unsigned char key[32])
{
	uint64_t	 v[4], h;
	unsigned char	*buf;
	off_t		 offs[2];
	ssize_t		 n;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < 4; i++)
		v[i] = (size + i) * KEY_P1 + ss;
	buf = xmalloc(ss);
	offs[0] = 0;
	offs[1] = (off_t)(size - ss);
	for (i = 0; i < 2; i++) {
		n = pread(fd, buf, ss, offs[i]);
		if (n != (ssize_t)ss) {
			rc = n < 0 ? -errno : -ESTALE;
			break;
		}
		key_update(v, buf, ss);
		dedup_prog_read(pr, ss);
	}
	free(buf);
	if (rc != 0)
		return rc;
	for (i = 0; i < 4; i++) {
		h = key_avalanche(v[i] + key_rotl(v[(i + 1) % 4], 17) +
		    size * KEY_P3);
		memcpy(key + 8 * i, &h, sizeof(h));
	}
	return 0;
}
