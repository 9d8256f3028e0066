/* SPDX-License-Identifier: ISC */
/*
 * dedup.h: finding byte-identical model files across stores and replacing
 * duplicates by clones or links without ever losing a byte.
 *
 * Every function here is blocking (the daemon runs them on the uv
 * threadpool), takes a progress callback (may be NULL) and a cancel flag
 * (may be NULL) that is checked between files and between read chunks, and
 * uses the struct store it is given from the calling thread only. The files
 * come from the index that store_cache_save_index() wrote; the journal of
 * replace operations lives in the same database (schema/0002_cache.sql) and
 * dedup_recover() must run at start-up before anything else touches it.
 */
#ifndef MLXD_DEDUP_H
#define MLXD_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "modelstore.h"

struct store;

enum dedup_phase {
	DEDUP_PHASE_SCAN = 0,	/* modelstore_scan walking the stores */
	DEDUP_PHASE_GROUP,	/* grouping by size and known digest */
	DEDUP_PHASE_SAMPLE,	/* reading head+tail samples */
	DEDUP_PHASE_HASH,	/* full SHA-256 of unknown candidates */
	DEDUP_PHASE_COMPARE,	/* unknown files vs their lone known twin */
	DEDUP_PHASE_APPLY,	/* verifying and replacing */
	DEDUP_PHASE_DONE,
};

/*
 * Progress of the current phase. Totals are 0 and eta_s is -1 while
 * unknown; rate is bytes per second over the phase so far. The counters of
 * samples, hashes, compares and bytes read run over the whole call. path is
 * valid during the callback only.
 */
struct dedup_progress {
	enum dedup_phase	 phase;
	uint64_t		 bytes_done;
	uint64_t		 bytes_total;
	uint64_t		 files_done;
	uint64_t		 files_total;
	uint64_t		 files_sampled;	/* head+tail samples read */
	uint64_t		 files_hashed;	/* full SHA-256 computations */
	uint64_t		 files_compared; /* full byte compares */
	uint64_t		 bytes_read;	/* all reads of model files */
	double			 rate;
	int64_t			 eta_s;
	const char		*path;
};

typedef void (*dedup_progress_cb)(void *arg, const struct dedup_progress *);

/* enum dedup_method and DEDUP_NMETHODS are in cache.h (the API's). */

struct dedup_options {
	/* Files smaller than this are ignored; default 1 MiB. */
	uint64_t		 min_size;
	/* Bytes read from the head and from the tail; default 64 KiB. */
	uint32_t		 sample_size;
	/* Methods to try, in order; default { DEDUP_CLONE }. */
	enum dedup_method	 methods[DEDUP_NMETHODS];
	size_t			 nmethods;
	/* Default 1: report what would be done, change nothing. */
	int			 dry_run;
	/* Allow hard links on LM Studio and local files; default 0. */
	int			 link_user_files;
	/* Search workers; 0 = one per online core, at most 8. */
	unsigned		 threads;
	/* Tests only: simulate a crash after N journal steps (0 = off). */
	unsigned		 test_stop_after;
	/* Tests only: skip FIDEDUPERANGE, clone through a temp name. */
	int			 test_no_inplace;
};

/*
 * One name in a group of identical files. Members with equal share already
 * share storage (one inode, or a clone made earlier that is unchanged).
 */
struct dedup_member {
	char			*path;
	enum modelstore_role	 role;
	enum modelstore_digest	 digest;	/* how its sha256 is known */
	uint64_t		 dev;
	uint64_t		 ino;
	uint64_t		 blocks;	/* bytes allocated */
	uint64_t		 nlink;
	int64_t			 mtime_ns;
	size_t			 share;
};

/* Members are sorted best keeper first. */
struct dedup_group {
	char			 sha256[65];
	uint64_t		 size;		/* of each member */
	size_t			 nshares;	/* distinct storage */
	uint64_t		 wasted;	/* size * (nshares - 1) */
	struct dedup_member	*members;
	size_t			 nmembers;
};

struct dedup_report {
	struct dedup_group	*groups;
	size_t			 ngroups;
	uint64_t		 wasted;	/* sum over groups */
	uint64_t		 files_considered; /* indexed, >= min_size */
	uint64_t		 files_sampled;
	uint64_t		 files_hashed;
	uint64_t		 bytes_hashed;
	uint64_t		 bytes_read;
	double			 hash_rate;	/* bytes/s; 0 if none hashed */
	uint64_t		 files_compared; /* unknown vs a known twin */
	uint64_t		 bytes_compared;
	unsigned		 threads;	/* search workers used */
	/* Where the search's time went, in seconds of wall clock. */
	double			 stat_s;	/* index load, inodes */
	double			 sample_s;	/* head+tail samples */
	double			 compare_s;	/* byte compares */
	double			 hash_s;	/* full SHA-256 */
	double			 plan_s;	/* deciding reads, grouping */
	char			**warnings;
	size_t			 nwarnings;
};

enum dedup_outcome {
	DEDUP_OUTCOME_PLANNED = 0,	/* dry run: would try .method */
	DEDUP_OUTCOME_DONE,		/* replaced, verified, journaled */
	DEDUP_OUTCOME_SKIPPED,		/* changed, busy, or not allowed */
	DEDUP_OUTCOME_UNSUPPORTED,	/* no allowed method works here */
	DEDUP_OUTCOME_DIFFERS,		/* bytes differ: left alone */
	DEDUP_OUTCOME_FAILED,		/* an error; file unchanged */
};

/*
 * What happened to one duplicate. method is the one used (DONE) or that
 * would be tried first (PLANNED); err is the negative errno behind FAILED
 * or UNSUPPORTED, else 0; bytes were reclaimed (DONE) or would be
 * (PLANNED); op_id is the journal row of the last attempt, 0 if none.
 */
struct dedup_action {
	char			*target;	/* the duplicate */
	char			*keeper;	/* the copy that stays */
	enum dedup_outcome	 outcome;
	enum dedup_method	 method;
	int			 err;
	char			*reason;	/* human text, never NULL */
	uint64_t		 bytes;
	int64_t			 op_id;
};

struct dedup_result {
	struct dedup_action	*actions;
	size_t			 nactions;
	uint64_t		 reclaimed;	/* DONE bytes */
	uint64_t		 reclaimable;	/* PLANNED bytes (dry run) */
	size_t			 ndone;
	size_t			 nskipped;	/* SKIPPED + DIFFERS */
	size_t			 nunsupported;
	size_t			 nfailed;
};

/* Journal rows (cache_ops). */
enum dedup_op_kind {
	DEDUP_OP_CLONE = 0,	/* clone to temp + rename */
	DEDUP_OP_DEDUPE,	/* in-place FIDEDUPERANGE */
	DEDUP_OP_HARDLINK,
	DEDUP_OP_SYMLINK,
};

enum dedup_op_state {
	DEDUP_OP_PLANNED = 0,	/* nothing on disk changed yet */
	DEDUP_OP_TEMP_CREATED,	/* the temp name may exist */
	DEDUP_OP_RENAMED,	/* the temp may have replaced the target */
	DEDUP_OP_DONE,
	DEDUP_OP_ROLLED_BACK,	/* abandoned; target untouched */
};

/*
 * A journal row: the target's identity and content before (expected_*),
 * the keeper, and once DONE the target's new identity (result_*), which
 * dedup_find() uses to recognise clones still in place.
 */
struct dedup_op {
	int64_t			 id;
	enum dedup_op_kind	 kind;
	enum dedup_op_state	 state;
	char			*target;
	char			*temp;		/* NULL until TEMP_CREATED */
	char			*source;	/* the keeper */
	uint64_t		 target_dev;
	uint64_t		 target_ino;
	uint64_t		 size;		/* expected target size */
	int64_t			 mtime_ns;	/* expected target mtime */
	char			 sha256[65];	/* expected content or "" */
	uint64_t		 source_dev;
	uint64_t		 source_ino;
	uint64_t		 result_dev;
	uint64_t		 result_ino;
	int64_t			 result_mtime_ns;
	uint64_t		 bytes;		/* reclaimed once DONE */
	char			*error;		/* why rolled back, or NULL */
};

/*
 * Storage figures (docs/cache.md "Stats"). physical counts every inode's
 * allocated blocks once, so a reflink clone still counts in full (Linux has
 * no cheap per-file measure of shared extents); clone_shared is what the
 * journal says clones and in-place dedupes still in place saved, and
 * physical_est = physical - clone_shared.
 */
struct dedup_stats {
	uint64_t		 files;		/* indexed paths */
	uint64_t		 inodes;	/* distinct (dev, inode) */
	uint64_t		 logical;	/* sum of st_size over paths */
	uint64_t		 unique;	/* st_size, distinct inodes */
	uint64_t		 physical;	/* st_blocks*512, distinct */
	uint64_t		 clone_shared;
	uint64_t		 physical_est;
	uint64_t		 reclaimed;	/* every DONE op */
	uint64_t		 reclaimed_by[DEDUP_NMETHODS];
	uint64_t		 ops_done;
	uint64_t		 ops_rolled_back;
	uint64_t		 ops_pending;	/* dedup_recover() not run */
	uint64_t		 cleanup_bytes;	/* cleanup candidates' sizes */
	uint64_t		 ncleanup;
};

/* Defaults: 1 MiB minimum, 64 KiB samples, clone only, dry run. */
void	dedup_options_init(struct dedup_options *opts);

/*
 * Group the indexed files of at least opts->min_size into sets of identical
 * content. Known digests (Ollama and HF blob names, hashes learned earlier)
 * are used without reading; a file of unknown digest whose size matches
 * another file is sampled (head+tail) and, if still ambiguous, hashed in
 * full; known-digest files are never hashed. Learned hashes are stored keyed
 * by (dev, inode, size, mtime). Names already sharing storage (same inode,
 * or a clone this engine made that is still in place) count once.
 * Returns 0 with *reportp (free with dedup_report_free), -ECANCELED, or a
 * negative errno from the database.
 */
int	dedup_find(struct store *st, const struct dedup_options *opts,
	    dedup_progress_cb cb, void *arg, const volatile int *cancel,
	    struct dedup_report **reportp);
void	dedup_report_free(struct dedup_report *report);

/*
 * Replace duplicates of report by clones or links of one kept copy per
 * group, trying opts->methods in order for each. With opts->dry_run, only
 * report what would be tried. Each replacement is journaled before every
 * step, re-checks that both files are unchanged since indexing, verifies the
 * bytes (in-kernel with FIDEDUPERANGE, else by a full compare), works through
 * a temp name in the target's directory and an atomic rename, and fsyncs.
 * Returns 0 with *resultp (free with dedup_result_free) even when some
 * files were skipped; -ECANCELED (with *resultp for the work done) when
 * cancelled; a negative errno from the database otherwise.
 */
int	dedup_apply(struct store *st, const struct dedup_report *report,
	    const struct dedup_options *opts, dedup_progress_cb cb, void *arg,
	    const volatile int *cancel, struct dedup_result **resultp);
void	dedup_result_free(struct dedup_result *result);

/*
 * Finish or roll back every journaled operation left unfinished by a crash,
 * so each target is present with its original content and no temp file
 * remains. Run once at start-up, before any scan or apply. Returns 0 or a
 * negative errno from the database.
 */
int	dedup_recover(struct store *st);

/* Storage figures from the index and the journal (docs/cache.md "Stats"). */
int	dedup_stats(struct store *st, struct dedup_stats *statsp);

/* SHA-256 of a whole file as lowercase hex; 0, -ENOTSUP without libcrypto,
 * or -errno.
 */
int	dedup_sha256_path(const char *path, char hex[65]);

/*
 * A fast 32-byte key of n bytes at buf (the sample key's construction; not
 * a digest): equal bytes, equal keys; different bytes collide with odds of
 * about 2^-64.
 */
void	dedup_key_buf(const void *buf, size_t n, unsigned char key[32]);

const char *dedup_outcome_name(enum dedup_outcome outcome);
const char *dedup_op_kind_name(enum dedup_op_kind kind);
int	dedup_op_kind_parse(const char *s, enum dedup_op_kind *kindp);
const char *dedup_op_state_name(enum dedup_op_state state);
int	dedup_op_state_parse(const char *s, enum dedup_op_state *statep);

#endif
