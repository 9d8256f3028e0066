/* SPDX-License-Identifier: ISC */
/*
 * dedup_int.h: what the dedup*.c files share and nobody else uses:
 * dedup.c (finding), dedup_io.c (reading and hashing), dedup_apply.c and
 * dedup_replace.c (replacing), dedup_recover.c (finishing interrupted
 * replacements). Progress bookkeeping, whole-file SHA-256, the keeper
 * ranking and the steps of one replacement.
 */
#ifndef MLXD_DEDUP_INT_H
#define MLXD_DEDUP_INT_H

#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include "dedup.h"
#include "modelstore.h"

#define DEDUP_IO_SIZE	(1024 * 1024)	/* read chunk: hashing, compares */
#define DEDUP_HASH_IO_SIZE (4 * 1024 * 1024) /* read chunk of the search */
#define DEDUP_CMP_BLOCK	(1024 * 1024)	/* largest block of a compare */

/* Progress state behind the public struct dedup_progress. */
struct dedup_prog {
	dedup_progress_cb	 cb;
	void			*arg;
	const volatile int	*cancel;
	struct dedup_progress	 p;
	int64_t			 phase_start_ns;
	int64_t			 last_cb_ns;
	pthread_mutex_t		*mtx;	/* set when workers share it */
};

int64_t	dedup_mono_ns(void);
void	dedup_prog_init(struct dedup_prog *pr, dedup_progress_cb cb,
	    void *arg, const volatile int *cancel);
/* Begin a phase with its totals (0 = unknown) and report it. */
void	dedup_prog_phase(struct dedup_prog *pr, enum dedup_phase phase,
	    uint64_t files_total, uint64_t bytes_total);
/* Update rate/ETA and call back, at most every 100 ms unless force. */
void	dedup_prog_update(struct dedup_prog *pr, const char *path, int force);
int	dedup_cancelled(const struct dedup_prog *pr);
/* Count n bytes read (of the phase's work too) and maybe call back. */
void	dedup_prog_read(struct dedup_prog *pr, uint64_t n);
/* Hint the kernel that fd is about to be read once, start to end. */
void	dedup_fadvise_seq(int fd);

/*
 * SHA-256 of an open file read from offset 0 to EOF, as hex; -ESTALE if its
 * length is not expect (UINT64_MAX accepts any), -ECANCELED, -ENOTSUP
 * without libcrypto. pr (may be NULL) gets bytes and cancel checks.
 * iobuf: a DEDUP_HASH_IO_SIZE buffer to read into, or NULL.
 */
int	dedup_hash_fd(struct dedup_prog *pr, int fd, uint64_t expect,
	    char hex[65], unsigned char *iobuf);

/*
 * Key of a file's size and its first and last ss bytes (size > 2 * ss);
 * counts the bytes read in pr. -ESTALE if the file is shorter than size.
 */
int	dedup_sample_fd(struct dedup_prog *pr, int fd, uint64_t size,
	    uint32_t ss, unsigned char key[32]);

/*
 * Compare two open files of size bytes block by block from the start,
 * stopping at the first block that differs: 0 if identical,
 * DEDUP_EDIFFERS, -ESTALE if either is not size bytes long, -ECANCELED.
 * Counts the bytes read in pr and adds them to *readp. iobuf: two
 * DEDUP_CMP_BLOCK buffers to read into, reused across calls, or NULL.
 */
int	dedup_compare_fd(struct dedup_prog *pr, int fa, int fb, uint64_t size,
	    uint64_t *readp, unsigned char *const iobuf[2]);

/* Keeper preference: lower is better (Ollama blob, HF, LM Studio, local). */
int	dedup_role_rank(enum modelstore_role role);

#define DEDUP_EDIFFERS	(-EILSEQ)	/* internal: bytes differ */

struct dedup_unsup;
struct dedup_busydir;
struct store;

/* One dedup_apply() run. */
struct dedup_applier {
	struct store			*st;
	const struct dedup_options	*o;
	struct dedup_prog		 pr;
	struct dedup_result		*res;
	unsigned			 steps;
	int				 crashed;
	int				 no_inplace;	/* no FIDEDUPERANGE */
	int				 dberr;		/* journal failed */
	long				 pid;
	struct dedup_unsup		*unsup;
	size_t				 nunsup;
	struct dedup_busydir		*busy;
	size_t				 nbusy;
	uint64_t			*deduped;	/* (dev, ino) pairs */
	size_t				 ndeduped;
	unsigned char			*buf[2];
};

/* The copy that stays: open, identity checked against the index. */
struct dedup_keeper {
	const struct dedup_member	*m;
	int				 fd;
	struct stat			 sb;
};

/* A duplicate being replaced. */
struct dedup_target {
	const struct dedup_group	*g;
	const struct dedup_member	*m;
	struct dedup_action		*act;
	struct stat			 sb;	/* lstat when we started */
	char				*dir;
	const char			*base;
	int				 dirfd;
	int				 lockfd;
	int				 verified;
	uint64_t			 bytes;	/* freed by replacing it */
};

/* 1 if sb is the indexed file m with this size (dev, inode, size, mtime). */
int	dedup_same_identity(const struct stat *sb, const struct dedup_member *m,
	    uint64_t size);
/* Full compare of keeper and target; 0, DEDUP_EDIFFERS, -ESTALE, -errno. */
int	dedup_verify_bytes(struct dedup_applier *a, struct dedup_keeper *k,
	    struct dedup_target *t);
/* Share storage in place with FIDEDUPERANGE; -ENOSYS if unavailable. */
int	dedup_replace_inplace(struct dedup_applier *a, struct dedup_keeper *k,
	    struct dedup_target *t);
/* Replace through a temp name and rename (clone, hard link or symlink). */
int	dedup_replace_temp(struct dedup_applier *a, struct dedup_keeper *k,
	    struct dedup_target *t, enum dedup_method method);

#endif
