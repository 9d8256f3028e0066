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

#include "modelstore.h"

struct store;

enum dedup_phase {
	DEDUP_PHASE_SCAN = 0,	/* modelstore_scan walking the stores */
	DEDUP_PHASE_GROUP,	/* grouping by size and known digest */
	DEDUP_PHASE_SAMPLE,	/* reading head+tail samples */
	DEDUP_PHASE_HASH,	/* full SHA-256 of unknown candidates */
	DEDUP_PHASE_APPLY,	/* verifying and replacing */
	DEDUP_PHASE_DONE,
};

struct dedup_progress {
	enum dedup_phase	 phase;
	uint64_t		 bytes_done;	/* in this phase */
	uint64_t		 bytes_total;	/* in this phase, 0 if unknown */
	uint64_t		 files_done;
	uint64_t		 files_total;	/* 0 if unknown */
	uint64_t		 files_sampled;	/* head+tail samples read so far */
	uint64_t		 files_hashed;	/* full SHA-256 computations so far */
	uint64_t		 files_compared; /* full byte compares so far */
	uint64_t		 bytes_read;	/* every byte read from model files */
	double			 rate;		/* bytes/s over this phase, 0 if unknown */
	int64_t			 eta_s;		/* seconds left in this phase, -1 if unknown */
	const char		*path;		/* current file; valid during the call only */
};

typedef void (*dedup_progress_cb)(void *arg, const struct dedup_progress *);

/* Ways to make two names share storage, tried in the caller's order. */
enum dedup_method {
	DEDUP_CLONE = 0,	/* copy-on-write: FIDEDUPERANGE / FICLONE / clonefile */
	DEDUP_HARDLINK,		/* one inode, two names */
	DEDUP_SYMLINK,		/* absolute symlink to the kept copy */
};
#define DEDUP_NMETHODS	3

struct dedup_options {
	uint64_t		 min_size;	/* ignore smaller files; default 1 MiB */
	uint32_t		 sample_size;	/* head and tail sample; default 64 KiB */
	enum dedup_method	 methods[DEDUP_NMETHODS];
	size_t			 nmethods;	/* default 1: clone only */
	int			 dry_run;	/* default 1: report, change nothing */
	int			 link_user_files; /* allow hard links on LM Studio/local files; default 0 */
	unsigned		 test_stop_after; /* tests: simulate a crash after N journal steps; 0 = off */
	int			 test_no_inplace; /* tests: skip FIDEDUPERANGE, clone through a temp */
};

/* One name in a group of identical files. */
struct dedup_member {
	char			*path;
	enum modelstore_role	 role;
	enum modelstore_digest	 digest;	/* how the group's sha256 is known for it */
	uint64_t		 dev;
	uint64_t		 ino;
	uint64_t		 blocks;	/* bytes allocated */
	uint64_t		 nlink;
	int64_t			 mtime_ns;
	size_t			 share;		/* equal values already share storage */
};

struct dedup_group {
	char			 sha256[65];
	uint64_t		 size;		/* of each member */
	size_t			 nshares;	/* distinct storage among members */
	uint64_t		 wasted;	/* size * (nshares - 1) */
	struct dedup_member	*members;
	size_t			 nmembers;
};

struct dedup_report {
	struct dedup_group	*groups;
	size_t			 ngroups;
	uint64_t		 wasted;	/* sum over groups */
	uint64_t		 files_considered; /* indexed files >= min_size */
	uint64_t		 files_sampled;
	uint64_t		 files_hashed;
	uint64_t		 bytes_hashed;
	uint64_t		 bytes_read;
	double			 hash_rate;	/* bytes/s while hashing; 0 if nothing hashed */
	char			**warnings;
	size_t			 nwarnings;
};

enum dedup_outcome {
	DEDUP_OUTCOME_PLANNED = 0,	/* dry run: would try .method first */
	DEDUP_OUTCOME_DONE,		/* replaced, verified, journaled */
	DEDUP_OUTCOME_SKIPPED,		/* changed, in use, or no method allowed */
	DEDUP_OUTCOME_UNSUPPORTED,	/* no allowed method works on this filesystem */
	DEDUP_OUTCOME_DIFFERS,		/* bytes differ from the keeper: untouched */
	DEDUP_OUTCOME_FAILED,		/* an error; the file is unchanged */
};

struct dedup_action {
	char			*target;	/* the duplicate to replace */
	char			*keeper;	/* the copy that stays */
	enum dedup_outcome	 outcome;
	enum dedup_method	 method;	/* used (DONE) or first to try (PLANNED) */
	int			 err;		/* negative errno behind FAILED/UNSUPPORTED, else 0 */
	char			*reason;	/* human text, never NULL */
	uint64_t		 bytes;		/* reclaimed (DONE) or reclaimable (PLANNED) */
	int64_t			 op_id;		/* journal row of the last attempt, 0 if none */
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
	char			 sha256[65];	/* expected content, "" if unknown */
	uint64_t		 source_dev;
	uint64_t		 source_ino;
	uint64_t		 result_dev;	/* the target's identity once DONE */
	uint64_t		 result_ino;
	int64_t			 result_mtime_ns;
	uint64_t		 bytes;		/* reclaimed once DONE */
	char			*error;		/* why it was rolled back, or NULL */
};

struct dedup_stats {
	uint64_t		 files;		/* indexed paths */
	uint64_t		 inodes;	/* distinct (dev, inode) */
	uint64_t		 logical;	/* sum of st_size over paths */
	uint64_t		 unique;	/* sum of st_size over distinct inodes */
	uint64_t		 physical;	/* sum of st_blocks*512 over distinct inodes */
	uint64_t		 clone_shared;	/* clone/dedupe savings still in place (journal) */
	uint64_t		 physical_est;	/* physical - clone_shared */
	uint64_t		 reclaimed;	/* every DONE op */
	uint64_t		 reclaimed_by[DEDUP_NMETHODS];
	uint64_t		 ops_done;
	uint64_t		 ops_rolled_back;
	uint64_t		 ops_pending;	/* unfinished: dedup_recover() not run */
	uint64_t		 cleanup_bytes;	/* sum over cleanup candidates */
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

/* SHA-256 of a whole file as lowercase hex; 0, -ENOTSUP without libcrypto, or -errno. */
int	dedup_sha256_path(const char *path, char hex[65]);

const char *dedup_method_name(enum dedup_method method);
int	dedup_method_parse(const char *s, enum dedup_method *methodp);
const char *dedup_outcome_name(enum dedup_outcome outcome);
const char *dedup_op_kind_name(enum dedup_op_kind kind);
int	dedup_op_kind_parse(const char *s, enum dedup_op_kind *kindp);
const char *dedup_op_state_name(enum dedup_op_state state);
int	dedup_op_state_parse(const char *s, enum dedup_op_state *statep);

#endif
