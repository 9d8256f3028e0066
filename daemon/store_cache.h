/* SPDX-License-Identifier: ISC */
/*
 * store_cache.h: the SQLite side of the model-store index and the dedup
 * journal (tables from schema/0002_cache.sql). Only store_cache.c touches
 * those tables; modelstore.c and dedup.c go through these calls. Every
 * function returns 0 or a negative errno and copies everything it returns.
 */
#ifndef MLXD_STORE_CACHE_H
#define MLXD_STORE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dedup.h"
#include "modelstore.h"

struct store;

/* One indexed file as dedup needs it. */
struct store_cache_file {
	char			*path;
	enum modelstore_role	 role;
	uint64_t		 size;
	uint64_t		 blocks;
	uint64_t		 dev;
	uint64_t		 ino;
	uint64_t		 nlink;
	int64_t			 mtime_ns;
	char			 sha256[65];	/* "" when unknown */
	enum modelstore_digest	 digest;
};

/* Which journal rows store_cache_ops_load() returns. */
enum store_cache_ops_filter {
	STORE_CACHE_OPS_UNFINISHED = 0,	/* planned, temp_created, renamed */
	STORE_CACHE_OPS_SHARING,	/* done clone/dedupe ops */
	STORE_CACHE_OPS_ALL,
};

/*
 * Replace the whole index (stores, models, files, cleanup candidates,
 * warnings) with idx in one transaction. Learned hashes and the journal are
 * kept; a file whose (dev, inode, size, mtime) has a learned hash gets it.
 */
int	store_cache_save_index(struct store *st,
	    const struct modelstore_index *idx);

/*
 * Load every indexed file of at least min_size, sorted by size, then dev,
 * then inode, then path, into *filesp and *np (free them with
 * store_cache_files_free).
 * A file without a digest gets its learned hash when one is valid.
 */
int	store_cache_files_load(struct store *st, uint64_t min_size,
	    struct store_cache_file **filesp, size_t *np);
void	store_cache_files_free(struct store_cache_file *files, size_t n);

/*
 * Remember that the inode (dev, ino) with this size and mtime hashes to
 * sha256, and give every indexed path of that inode the digest.
 */
int	store_cache_hash_put(struct store *st, uint64_t dev, uint64_t ino,
	    uint64_t size, int64_t mtime_ns, const char *sha256);

/* Insert a journal row for op (state and fields as given); its id in *idp. */
int	store_cache_op_insert(struct store *st, const struct dedup_op *op,
	    int64_t *idp);

/*
 * Write op's state, temp path, result identity, bytes and error to its row
 * (op->id). Durable before it returns when store_cache_durable() is on.
 */
int	store_cache_op_update(struct store *st, const struct dedup_op *op);

/* Load journal rows, oldest first (free with store_cache_ops_free). */
int	store_cache_ops_load(struct store *st,
	    enum store_cache_ops_filter filter, struct dedup_op **opsp,
	    size_t *np);
void	store_cache_ops_free(struct dedup_op *ops, size_t n);

/*
 * Make commits durable (PRAGMA synchronous=FULL) while on is 1, so a journal
 * row reaches the disk before the step it names; put the previous setting in
 * *prevp and pass it back with on = 0 to restore it.
 */
int	store_cache_durable(struct store *st, int on, int *prevp);

/* Fill the figures of struct dedup_stats. */
int	store_cache_stats(struct store *st, struct dedup_stats *statsp);

#endif
