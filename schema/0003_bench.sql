-- 0003: benchmark runs with their per-test aggregates and raw samples, and
-- the generation sessions mlxd proxied. Times are INTEGER nanoseconds
-- (wall clock since the epoch for *_ns timestamps, durations otherwise),
-- rates REAL; NULL means unknown, never 0.

CREATE TABLE bench_runs (
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
				    'failed', 'cancelled')),
	error			TEXT,
	created_ns		INTEGER NOT NULL,
	started_ns		INTEGER,
	finished_ns		INTEGER
);
CREATE INDEX bench_runs_created ON bench_runs (created_ns);
CREATE INDEX bench_runs_model ON bench_runs (model, created_ns);
CREATE INDEX bench_runs_digest ON bench_runs (digest, suite, created_ns);

-- One row per test of a run; per metric: n (known values), mean, sample sd,
-- median, min, max and p95 (NULL below 20 values).
CREATE TABLE bench_tests (
	run_id			TEXT NOT NULL
				REFERENCES bench_runs (id) ON DELETE CASCADE,
	name			TEXT NOT NULL,
	kind			TEXT NOT NULL,
	position		INTEGER NOT NULL,
	n_prompt		INTEGER,
	n_gen			INTEGER,
	n_samples		INTEGER NOT NULL DEFAULT 0,
	n			INTEGER NOT NULL DEFAULT 0,
	n_flagged		INTEGER NOT NULL DEFAULT 0,
	n_errors		INTEGER NOT NULL DEFAULT 0,
	avg_prompt_tokens	REAL,
	avg_eval_tokens		REAL,
	gen_tps_n		INTEGER NOT NULL DEFAULT 0,
	gen_tps_mean		REAL,
	gen_tps_sd		REAL,
	gen_tps_median		REAL,
	gen_tps_min		REAL,
	gen_tps_max		REAL,
	gen_tps_p95		REAL,
	prompt_tps_n		INTEGER NOT NULL DEFAULT 0,
	prompt_tps_mean		REAL,
	prompt_tps_sd		REAL,
	prompt_tps_median	REAL,
	prompt_tps_min		REAL,
	prompt_tps_max		REAL,
	prompt_tps_p95		REAL,
	ttft_ms_n		INTEGER NOT NULL DEFAULT 0,
	ttft_ms_mean		REAL,
	ttft_ms_sd		REAL,
	ttft_ms_median		REAL,
	ttft_ms_min		REAL,
	ttft_ms_max		REAL,
	ttft_ms_p95		REAL,
	itl_ms_n		INTEGER NOT NULL DEFAULT 0,
	itl_ms_mean		REAL,
	itl_ms_sd		REAL,
	itl_ms_median		REAL,
	itl_ms_min		REAL,
	itl_ms_max		REAL,
	itl_ms_p95		REAL,
	load_s_n		INTEGER NOT NULL DEFAULT 0,
	load_s_mean		REAL,
	load_s_sd		REAL,
	load_s_median		REAL,
	load_s_min		REAL,
	load_s_max		REAL,
	load_s_p95		REAL,
	e2e_s_n			INTEGER NOT NULL DEFAULT 0,
	e2e_s_mean		REAL,
	e2e_s_sd		REAL,
	e2e_s_median		REAL,
	e2e_s_min		REAL,
	e2e_s_max		REAL,
	e2e_s_p95		REAL,
	PRIMARY KEY (run_id, name)
);

-- One row per request, warm-ups and retries included. Client times are
-- offsets from sending the request (monotonic clock).
CREATE TABLE bench_samples (
	id			INTEGER PRIMARY KEY,
	run_id			TEXT NOT NULL
				REFERENCES bench_runs (id) ON DELETE CASCADE,
	test			TEXT NOT NULL,
	repetition		INTEGER NOT NULL,
	attempt			INTEGER NOT NULL DEFAULT 0,
	is_warmup		INTEGER NOT NULL DEFAULT 0,
	started_ns		INTEGER,
	ttft_ns			INTEGER,
	last_token_ns		INTEGER,
	e2e_ns			INTEGER,
	chunks			INTEGER,
	prompt_eval_count	INTEGER,
	prompt_eval_duration_ns	INTEGER,
	prompt_cached_count	INTEGER,
	eval_count		INTEGER,
	eval_duration_ns	INTEGER,
	load_ns			INTEGER,
	total_ns		INTEGER,
	done_reason		TEXT,
	flags			INTEGER NOT NULL DEFAULT 0,
	error			TEXT
);
CREATE INDEX bench_samples_run ON bench_samples (run_id, test, id);

-- Generations proxied through mlxd, with Ollama's counters.
CREATE TABLE sessions (
	id			INTEGER PRIMARY KEY,
	model			TEXT NOT NULL,
	digest			TEXT,
	route			TEXT NOT NULL,
	user_agent		TEXT,
	start_ns		INTEGER NOT NULL,
	end_ns			INTEGER,
	ttft_ns			INTEGER,
	prompt_eval_count	INTEGER,
	prompt_eval_duration_ns	INTEGER,
	eval_count		INTEGER,
	eval_duration_ns	INTEGER,
	load_ns			INTEGER,
	done_reason		TEXT,
	error			TEXT,
	peak_memory_bytes	INTEGER,
	prompt_text		TEXT,
	output_text		TEXT
);
CREATE INDEX sessions_start ON sessions (start_ns);
CREATE INDEX sessions_model ON sessions (model, start_ns);
