-- 0001: bookkeeping tables shared by every later feature.
CREATE TABLE daemon_meta (
	key	TEXT PRIMARY KEY,
	value	TEXT NOT NULL
);

-- One row per Ollama version seen, so history can say what served it.
CREATE TABLE ollama_seen (
	id		INTEGER PRIMARY KEY,
	url		TEXT NOT NULL,
	version		TEXT NOT NULL,
	first_seen	INTEGER NOT NULL,
	last_seen	INTEGER NOT NULL,
	UNIQUE (url, version)
);
