-- 0005: what the user registers with the cache (store_cache.c): local
-- folders added with file:// (scanned as local roots), and app folders
-- linked with `mlxctl cache link`, with the models each app used at the last
-- scan. The usage rows are rewritten with the index on every scan.

-- Local folders added with POST /v1/cache/add {"uri": "file:///..."}.
CREATE TABLE cache_roots (
	id		INTEGER PRIMARY KEY,
	path		TEXT NOT NULL UNIQUE,	-- absolute, as given
	added_at	INTEGER NOT NULL	-- Unix seconds
);

-- App folders linked with POST /v1/cache/apps.
CREATE TABLE cache_user_apps (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	path		TEXT NOT NULL,		-- absolute, as given
	added_at	INTEGER NOT NULL	-- Unix seconds
);

-- Which model each linked app used at the last scan, and through which
-- path in the app folder (a symlink or a hard link).
CREATE TABLE cache_user_app_models (
	app_id		INTEGER NOT NULL REFERENCES cache_user_apps(id)
			ON DELETE CASCADE,
	model_id	INTEGER NOT NULL REFERENCES cache_models(id)
			ON DELETE CASCADE,
	via		TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (app_id, model_id)
);
CREATE INDEX cache_user_app_models_model ON cache_user_app_models (model_id);
