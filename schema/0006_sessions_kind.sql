-- 0006: every metered request through mlxd is a session: generations and
-- embedding calls (kind), where the counters came from (Ollama's own
-- figures, or the OpenAI "usage" object when that is all a route gives),
-- and how many inputs an embedding call had.
ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'generate';
ALTER TABLE sessions ADD COLUMN counts_source TEXT;
ALTER TABLE sessions ADD COLUMN input_count INTEGER;
CREATE INDEX sessions_kind ON sessions (kind, start_ns);
