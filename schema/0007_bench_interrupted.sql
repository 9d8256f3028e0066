-- 0007: a run that a crash or kill cut off is 'interrupted' (start-up
-- reconciliation), not 'failed'. A CHECK constraint cannot be altered, so
-- bench_runs is rebuilt the way SQLite documents it (ALTER TABLE, "making
-- other kinds of table schema changes"): store.c runs every migration with
-- foreign keys off and checks them before committing, so dropping the old
-- table does not cascade into bench_tests and bench_samples, whose
-- REFERENCES bench_runs name the rebuilt table once it is renamed.
-- Runs marked failed with the reconciliation's error become interrupted.

CREATE TABLE new_bench_runs (
	id			TEXT PRIMARY KEY,	-- UUID-shaped
	model			TEXT NOT NULL,
	digest			TEXT,
	quantization		TEXT,
	family			TEXT,
	parameter_size		TEXT,			-- Ollama's "8.0B"
	n_params		INTEGER,
	format			TEXT,			-- gguf, safetensors
	model_size_bytes	INTEGER,		-- on disk (/api/tags)
	ps_size_bytes		INTEGER,		-- in memory (/api/ps)
	ps_vram_bytes		INTEGER,
	suite			TEXT NOT NULL,
	options			TEXT NOT NULL DEFAULT '{}',	-- JSON
	ollama_version		TEXT,
	mlxd_version		TEXT,
	chip			TEXT,
	memory_bytes		INTEGER,
	os			TEXT,
	thermal_start		TEXT,
	thermal_end		TEXT,
	power_start		TEXT,
	power_end		TEXT,
	peak_memory_bytes	INTEGER,
	state			TEXT NOT NULL DEFAULT 'queued'
				CHECK (state IN ('queued', 'running', 'done',
				    'failed', 'cancelled', 'interrupted')),
	error			TEXT,
	created_ns		INTEGER NOT NULL,
	started_ns		INTEGER,
	finished_ns		INTEGER
);
INSERT INTO new_bench_runs (
	id, model, digest, quantization,
	family, parameter_size, n_params, format,
	model_size_bytes, ps_size_bytes, ps_vram_bytes, suite,
	options, ollama_version, mlxd_version, chip,
	memory_bytes, os, thermal_start, thermal_end,
	power_start, power_end, peak_memory_bytes, state,
	error, created_ns, started_ns, finished_ns)
SELECT
	id, model, digest, quantization,
	family, parameter_size, n_params, format,
	model_size_bytes, ps_size_bytes, ps_vram_bytes, suite,
	options, ollama_version, mlxd_version, chip,
	memory_bytes, os, thermal_start, thermal_end,
	power_start, power_end, peak_memory_bytes, state,
	error, created_ns, started_ns, finished_ns
FROM bench_runs;
DROP TABLE bench_runs;
ALTER TABLE new_bench_runs RENAME TO bench_runs;
CREATE INDEX bench_runs_created ON bench_runs (created_ns);
CREATE INDEX bench_runs_model ON bench_runs (model, created_ns);
CREATE INDEX bench_runs_digest ON bench_runs (digest, suite, created_ns);
UPDATE bench_runs SET state = 'interrupted'
	WHERE state = 'failed' AND
	    error = 'interrupted: mlxd stopped before the run finished';
