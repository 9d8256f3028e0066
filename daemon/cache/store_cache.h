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

#include <jansson.h>

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

/* A linked app used model (an index into the scanned index's models). */
struct store_cache_usage {
	int64_t			 app_id;	/* cache_user_apps row */
	size_t			 model;		/* index in idx->models */
	char			*via;		/* path in the app folder */
};

/*
 * As store_cache_save_index(), and record which linked app uses which of
 * idx's models, in the same transaction (nusage may be 0).
 */
int	store_cache_save_scan(struct store *st,
	    const struct modelstore_index *idx,
	    const struct store_cache_usage *usage, size_t nusage);

/*
 * What a saved index said: a 32-byte key over every row the save writes
 * (stores, models and their files, files, cleanup, warnings, usage). valid
 * 0: not known (nothing saved yet, or a save that failed).
 */
struct store_cache_sig {
	unsigned char	md[32];
	int		valid;
};

/*
 * As store_cache_save_scan(), unless *sig is valid and idx and usage are
 * exactly what it describes: then the index tables already hold them and
 * only the stores' scan times are written (*rewrotep 0). *sig becomes the
 * signature of what the tables now hold. The caller keeps *sig only while
 * nothing but this call and store_cache_hash_put() writes the index tables
 * (a learned hash leaves them as a rewrite would); store_cache_app_remove()
 * drops usage rows, so *sig is forgotten then.
 */
int	store_cache_save_scan_sig(struct store *st,
	    const struct modelstore_index *idx,
	    const struct store_cache_usage *usage, size_t nusage,
	    struct store_cache_sig *sig, int *rewrotep);

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
 * Up to 8 indexed paths of this size whose content is sha256 (a digest in
 * the name first, Ollama blobs first), into *pathsp (free with
 * store_cache_strings_free), their roles into *rolesp (free()) and *np.
 */
int	store_cache_find_sha(struct store *st, const char *sha256,
	    uint64_t size, char ***pathsp, enum modelstore_role **rolesp,
	    size_t *np);

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

/* ---- store_cache_user.c: what the user registers, and API readers ---- */

/* A linked app folder (cache_user_apps). */
struct store_cache_app {
	int64_t			 id;
	char			*name;
	char			*path;
	int64_t			 added_at;	/* Unix seconds */
};

/* A model of the index, as the API names it. */
struct store_cache_model {
	int64_t			 id;
	enum modelstore_kind	 kind;
	char			*ref;		/* "<kind>:<name>[@<revision>]" */
	char			*name;
	char			*revision;	/* "" outside HF */
	char			*refs;		/* HF refs, comma separated */
	char			*path;
	char			*apps;		/* linked apps using it, "a,b" */
};

/* Local folders added with file:// (caller frees with the _free call). */
int	store_cache_roots_list(struct store *st, char ***pathsp, size_t *np);
void	store_cache_strings_free(char **v, size_t n);
/* Register a folder; -EEXIST if it is already registered. */
int	store_cache_root_add(struct store *st, const char *path);
/* Forget a folder; -ENOENT if it was not registered. */
int	store_cache_root_remove(struct store *st, const char *path);

/* Linked apps, by name. */
int	store_cache_apps_list(struct store *st, struct store_cache_app **appsp,
	    size_t *np);
void	store_cache_apps_free(struct store_cache_app *apps, size_t n);
/* Link an app folder; -EEXIST if the name is taken. */
int	store_cache_app_add(struct store *st, const char *name,
	    const char *path);
/* Unlink an app; -ENOENT if there is none of that name. */
int	store_cache_app_remove(struct store *st, const char *name);

/* Every model of the index (for lookups by name). */
int	store_cache_models_list(struct store *st,
	    struct store_cache_model **modelsp, size_t *np);
void	store_cache_models_free(struct store_cache_model *models, size_t n);

/*
 * GET /v1/cache body parts: every model with its store, size, apps, and the
 * models it shares storage with (one inode, one file, or a clone recorded in
 * the journal and still in place); the stores; the last scan's warnings.
 */
int	store_cache_models_json(struct store *st, json_t **outp);
/* GET /v1/cache/apps: every linked app with the models it uses. */
int	store_cache_apps_json(struct store *st, json_t **outp);
/* Model count of the index. */
int	store_cache_count_models(struct store *st, int64_t *np);

/* "<kind>:<name>[@<revision>]", the API's name for a model. Caller frees. */
char	*store_cache_model_ref(enum modelstore_kind kind, const char *name,
	    const char *revision);

#endif
