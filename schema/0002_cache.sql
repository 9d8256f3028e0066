-- 0002: the model-store index (store_cache.c), hashes learned by dedup, and
-- the journal of replace operations that dedup_recover() replays at start.
-- The index tables are rewritten by every scan; cache_hashes and cache_ops
-- are kept across scans.

-- One row per scanned root.
CREATE TABLE cache_stores (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL
			CHECK (kind IN ('ollama', 'hf', 'lmstudio', 'local')),
	path		TEXT NOT NULL UNIQUE,	-- canonical
	present		INTEGER NOT NULL DEFAULT 1,
	scanned_at	INTEGER NOT NULL	-- Unix seconds
);

-- Programs that use models; one per store kind for now.
CREATE TABLE cache_apps (
	id	INTEGER PRIMARY KEY,
	name	TEXT NOT NULL UNIQUE
);
INSERT INTO cache_apps (name) VALUES ('ollama'), ('huggingface'),
    ('lmstudio'), ('local');

-- A model as its store sees it: an Ollama name, an HF repo at one commit,
-- an LM Studio publisher/model folder, a local folder.
CREATE TABLE cache_models (
	id		INTEGER PRIMARY KEY,
	store_id	INTEGER NOT NULL REFERENCES cache_stores(id)
			ON DELETE CASCADE,
	name		TEXT NOT NULL,
	revision	TEXT NOT NULL DEFAULT '',	-- HF commit
	refs		TEXT NOT NULL DEFAULT '',	-- HF refs, comma separated
	path		TEXT NOT NULL,
	size		INTEGER NOT NULL,		-- bytes, distinct files
	detached	INTEGER NOT NULL DEFAULT 0,	-- HF: no ref points here
	UNIQUE (store_id, name, revision)
);

-- Which app uses which model.
CREATE TABLE cache_app_models (
	app_id		INTEGER NOT NULL REFERENCES cache_apps(id),
	model_id	INTEGER NOT NULL REFERENCES cache_models(id)
			ON DELETE CASCADE,
	PRIMARY KEY (app_id, model_id)
);

-- Every real file once, by canonical path.
CREATE TABLE cache_files (
	id		INTEGER PRIMARY KEY,
	path		TEXT NOT NULL UNIQUE,
	store_id	INTEGER NOT NULL REFERENCES cache_stores(id)
			ON DELETE CASCADE,
	role		TEXT NOT NULL CHECK (role IN ('ollama_blob', 'hf_blob',
			    'hf_shared', 'lmstudio', 'local', 'external')),
	size		INTEGER NOT NULL,	-- st_size
	blocks		INTEGER NOT NULL,	-- st_blocks * 512
	dev		INTEGER NOT NULL,
	ino		INTEGER NOT NULL,
	nlink		INTEGER NOT NULL,
	mtime_ns	INTEGER NOT NULL,
	sha256		TEXT,			-- lowercase hex when known
	digest_source	TEXT CHECK (digest_source IN ('name', 'hf_blob', 'hash')),
	model_id	INTEGER REFERENCES cache_models(id) ON DELETE SET NULL
);
CREATE INDEX cache_files_size ON cache_files (size);
CREATE INDEX cache_files_inode ON cache_files (dev, ino);

-- A model's files under the model's own names for them (snapshot path,
-- Ollama media type, path in the model folder).
CREATE TABLE cache_model_files (
	model_id	INTEGER NOT NULL REFERENCES cache_models(id)
			ON DELETE CASCADE,
	file_id		INTEGER NOT NULL REFERENCES cache_files(id)
			ON DELETE CASCADE,
	name		TEXT NOT NULL
);
CREATE INDEX cache_model_files_model ON cache_model_files (model_id);
CREATE INDEX cache_model_files_file ON cache_model_files (file_id);

-- Hashes computed by dedup, valid while the inode's size and mtime stay.
CREATE TABLE cache_hashes (
	dev		INTEGER NOT NULL,
	ino		INTEGER NOT NULL,
	size		INTEGER NOT NULL,
	mtime_ns	INTEGER NOT NULL,
	sha256		TEXT NOT NULL,
	hashed_at	INTEGER NOT NULL,	-- Unix seconds
	PRIMARY KEY (dev, ino, size, mtime_ns)
) WITHOUT ROWID;

-- Things that could be deleted to free space (report only).
CREATE TABLE cache_cleanup (
	id		INTEGER PRIMARY KEY,
	store_id	INTEGER NOT NULL REFERENCES cache_stores(id)
			ON DELETE CASCADE,
	kind		TEXT NOT NULL CHECK (kind IN ('orphan_blob',
			    'detached_revision', 'stale_partial', 'stale_temp')),
	path		TEXT NOT NULL,
	size		INTEGER NOT NULL,
	mtime_ns	INTEGER NOT NULL,
	detail		TEXT NOT NULL DEFAULT ''
);

-- Problems met during the last scan.
CREATE TABLE cache_warnings (
	id		INTEGER PRIMARY KEY,
	store_id	INTEGER REFERENCES cache_stores(id) ON DELETE CASCADE,
	path		TEXT NOT NULL,
	message		TEXT NOT NULL
);

-- The replace journal. A row is written, and its state advanced, before the
-- step it names is done on disk (dedup.c), so dedup_recover() can always
-- tell what may have happened.
CREATE TABLE cache_ops (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL
			CHECK (kind IN ('clone', 'dedupe', 'hardlink', 'symlink')),
	state		TEXT NOT NULL CHECK (state IN ('planned', 'temp_created',
			    'renamed', 'done', 'rolled_back')),
	target_path	TEXT NOT NULL,
	temp_path	TEXT,
	source_path	TEXT NOT NULL,
	target_dev	INTEGER NOT NULL,
	target_ino	INTEGER NOT NULL,
	expected_size	INTEGER NOT NULL,
	expected_mtime_ns INTEGER NOT NULL,
	expected_sha256	TEXT,
	source_dev	INTEGER NOT NULL,
	source_ino	INTEGER NOT NULL,
	result_dev	INTEGER,
	result_ino	INTEGER,
	result_mtime_ns	INTEGER,
	bytes_reclaimed	INTEGER NOT NULL DEFAULT 0,
	error		TEXT,
	created_at	INTEGER NOT NULL,	-- Unix milliseconds
	updated_at	INTEGER NOT NULL
);
CREATE INDEX cache_ops_state ON cache_ops (state);
