// SPDX-License-Identifier: ISC
//
// Models.swift: the replies of mlxd's API as Codable values. Property
// names are the API's in camelCase; figures the daemon may not know are
// optionals (nil, never 0). Unknown keys are ignored, so an SDK keeps
// working against a newer daemon of the same API version.

import Foundation

/// `GET /v1/health`: liveness and version.
public struct Health: Codable, Sendable, Equatable {
	/// Always `"ok"`.
	public let status: String
	/// mlxd's version, such as `"0.1.0"`.
	public let version: String
	/// The API version the daemon speaks.
	public let apiVersion: Int
	/// Seconds since the daemon started.
	public let uptimeS: Int64
	/// The daemon's process id.
	public let pid: Int64

	enum CodingKeys: String, CodingKey {
		case status, version, pid
		case apiVersion = "api_version"
		case uptimeS = "uptime_s"
	}
}

/// The daemon section of `Status`.
public struct DaemonInfo: Codable, Sendable, Equatable {
	/// mlxd's version.
	public let version: String
	/// The API version the daemon speaks.
	public let apiVersion: Int
	/// The daemon's process id.
	public let pid: Int64
	/// Seconds since the daemon started.
	public let uptimeS: Int64
	/// When the daemon started.
	public let startedAt: Date
	/// The socket it listens on.
	public let socket: String
	/// Its data directory.
	public let dataDir: String

	enum CodingKeys: String, CodingKey {
		case version, pid, socket
		case apiVersion = "api_version"
		case uptimeS = "uptime_s"
		case startedAt = "started_at"
		case dataDir = "data_dir"
	}
}

/// The Ollama section of `Status`.
public struct OllamaStatus: Codable, Sendable, Equatable {
	/// Where Ollama is expected.
	public let url: String
	/// Whether the last poll reached it.
	public let connected: Bool
	/// Ollama's version, when known.
	public let version: String?
	/// The last error talking to Ollama, if any.
	public let lastError: String?
	/// When Ollama last answered.
	public let lastOkAt: Date?
	/// The models loaded in memory.
	public let running: [RunningModel]

	enum CodingKeys: String, CodingKey {
		case url, connected, version, running
		case lastError = "last_error"
		case lastOkAt = "last_ok_at"
	}
}

/// One generation through mlxd, live or finished (`Status.generation`).
public struct GenerationInfo: Codable, Sendable, Equatable {
	/// The session id, once stored.
	public let id: Int64?
	/// The model asked for.
	public let model: String?
	/// The route used (`/v1/generate`, `/v1/chat`, `/api/...`).
	public let route: String?
	/// The client's User-Agent, when it sent one.
	public let client: String?
	/// When the request arrived.
	public let startedAt: Date?
	/// When it ended; nil while it runs.
	public let endedAt: Date?
	/// Time to the first token, in milliseconds.
	public let ttftMs: Double?
	/// Prompt tokens evaluated.
	public let promptTokens: Int64?
	/// Prompt evaluation rate.
	public let promptTokensPerS: Double?
	/// Tokens generated so far.
	public let tokens: Int64?
	/// Generation rate (live while it runs).
	public let tokensPerS: Double?
	/// Time spent loading the model, in milliseconds.
	public let loadMs: Double?
	/// Total time, in milliseconds.
	public let totalMs: Double?
	/// Why it stopped (`"stop"`, `"length"`, ...).
	public let doneReason: String?
	/// The error it ended with, if any.
	public let error: String?
	/// Content chunks received so far (while it runs).
	public let chunks: Int64?

	enum CodingKeys: String, CodingKey {
		case id, model, route, client, tokens, error, chunks
		case startedAt = "started_at"
		case endedAt = "ended_at"
		case ttftMs = "ttft_ms"
		case promptTokens = "prompt_tokens"
		case promptTokensPerS = "prompt_tokens_per_s"
		case tokensPerS = "tokens_per_s"
		case loadMs = "load_ms"
		case totalMs = "total_ms"
		case doneReason = "done_reason"
	}
}

/// The generation section of `Status`.
public struct GenerationStatus: Codable, Sendable, Equatable {
	/// Generations running now.
	public let active: [GenerationInfo]
	/// The last one that ended.
	public let last: GenerationInfo?
}

/// The benchmark section of `Status`.
public struct BenchmarkStatus: Codable, Sendable, Equatable {
	/// The running benchmark's progress, if one runs.
	public let active: BenchmarkProgress?
}

/// `GET /v1/status`: one snapshot of everything a client shows.
public struct Status: Codable, Sendable, Equatable {
	/// The API version.
	public let apiVersion: Int
	/// The daemon.
	public let daemon: DaemonInfo
	/// Ollama as last seen.
	public let ollama: OllamaStatus
	/// The latest system sample, when metrics run.
	public let system: MetricsSample?
	/// Generations, when known.
	public let generation: GenerationStatus?
	/// The running benchmark, when known.
	public let benchmark: BenchmarkStatus?
	/// The model cache's figures, when the cache module runs.
	public let cache: CacheStatus?

	enum CodingKeys: String, CodingKey {
		case daemon, ollama, system, generation, benchmark, cache
		case apiVersion = "api_version"
	}
}

/// A model installed in Ollama (`GET /v1/models`).
public struct Model: Codable, Sendable, Equatable, Identifiable {
	/// The model's name, such as `"llama3.2:latest"`.
	public let name: String
	/// Ollama's model field (usually the name).
	public let model: String
	/// The manifest digest.
	public let digest: String?
	/// Size on disk in bytes.
	public let sizeBytes: Int64?
	/// Weight format, such as `"gguf"`.
	public let format: String?
	/// Model family.
	public let family: String?
	/// All families.
	public let families: [String]?
	/// Parameter count as Ollama writes it (`"3.2B"`).
	public let parameterSize: String?
	/// Quantisation, such as `"Q4_K_M"`.
	public let quantizationLevel: String?
	/// When it was last modified.
	public let modifiedAt: Date?
	/// Context length it supports.
	public let contextLength: Int64?
	/// Embedding size.
	public let embeddingLength: Int64?
	/// What it can do (`"completion"`, `"vision"`, `"tools"`, ...).
	public let capabilities: [String]?

	/// The name, as identity.
	public var id: String { name }

	enum CodingKeys: String, CodingKey {
		case name, model, digest, format, family, families, capabilities
		case sizeBytes = "size_bytes"
		case parameterSize = "parameter_size"
		case quantizationLevel = "quantization_level"
		case modifiedAt = "modified_at"
		case contextLength = "context_length"
		case embeddingLength = "embedding_length"
	}
}

/// A model loaded in memory (`GET /v1/models/running`).
public struct RunningModel: Codable, Sendable, Equatable, Identifiable {
	/// The model's name.
	public let name: String
	/// Ollama's model field.
	public let model: String
	/// The manifest digest.
	public let digest: String?
	/// Memory it takes, in bytes.
	public let sizeBytes: Int64?
	/// Weight format.
	public let format: String?
	/// Model family.
	public let family: String?
	/// All families.
	public let families: [String]?
	/// Parameter count as Ollama writes it.
	public let parameterSize: String?
	/// Quantisation.
	public let quantizationLevel: String?
	/// Part of `sizeBytes` resident in GPU memory.
	public let vramBytes: Int64?
	/// When Ollama unloads it.
	public let expiresAt: Date?
	/// The context length it was loaded with.
	public let contextLength: Int64?

	/// The name, as identity.
	public var id: String { name }

	enum CodingKeys: String, CodingKey {
		case name, model, digest, format, family, families
		case sizeBytes = "size_bytes"
		case parameterSize = "parameter_size"
		case quantizationLevel = "quantization_level"
		case vramBytes = "vram_bytes"
		case expiresAt = "expires_at"
		case contextLength = "context_length"
	}
}

/// `GET /v1/models`.
public struct ModelList: Codable, Sendable, Equatable {
	/// When the list was read from Ollama.
	public let fetchedAt: Date?
	/// The models.
	public let models: [Model]

	enum CodingKeys: String, CodingKey {
		case models
		case fetchedAt = "fetched_at"
	}
}

/// `GET /v1/models/running`.
public struct RunningList: Codable, Sendable, Equatable {
	/// When the list was read from Ollama.
	public let fetchedAt: Date?
	/// The loaded models.
	public let models: [RunningModel]

	enum CodingKeys: String, CodingKey {
		case models
		case fetchedAt = "fetched_at"
	}
}

/// One option of `Config`.
public struct ConfigOption: Codable, Sendable, Equatable {
	/// Its name, such as `"ollama.url"`.
	public let name: String
	/// Its value.
	public let value: JSONValue
	/// Where it came from: `default`, `file`, `api`, `env` or `flag`.
	public let source: String
	/// The environment variable that sets it, if any.
	public let env: String?
	/// Whether a reload (SIGHUP) applies a change.
	public let reloadable: Bool
	/// What it does.
	public let help: String
}

/// `GET /v1/config`: the effective configuration; also the reply of
/// `MLXDClient.setConfig(_:_:)` and `MLXDClient.unsetConfig(_:)`.
public struct Config: Codable, Sendable, Equatable {
	/// The configuration file read, if any.
	public let file: String?
	/// Every option.
	public let options: [ConfigOption]
	/// After a change: the options changed that apply only when mlxd
	/// restarts (nil for `MLXDClient.config()`).
	public let restartRequired: [String]?

	enum CodingKeys: String, CodingKey {
		case file, options
		case restartRequired = "restart_required"
	}

	/// The option called `name`.
	public subscript(name: String) -> ConfigOption? {
		options.first { $0.name == name }
	}
}

/// Memory figures of a `MetricsSample`.
public struct MemoryMetrics: Codable, Sendable, Equatable {
	/// Physical memory.
	public let totalBytes: Int64?
	/// Memory in use.
	public let usedBytes: Int64?
	/// Memory available to programs.
	public let availableBytes: Int64?
	/// Wired memory (macOS).
	public let wiredBytes: Int64?
	/// Compressed memory.
	public let compressedBytes: Int64?
	/// Swap size.
	public let swapTotalBytes: Int64?
	/// Swap in use.
	public let swapUsedBytes: Int64?
	/// 0 normal, 1 warning, 2 critical.
	public let pressureLevel: Int?
	/// `"normal"`, `"warning"` or `"critical"`.
	public let pressure: String?
	/// Linux PSI "some", percent.
	public let psiSomePct: Double?
	/// Linux PSI "full", percent.
	public let psiFullPct: Double?

	enum CodingKeys: String, CodingKey {
		case pressure
		case totalBytes = "total_bytes"
		case usedBytes = "used_bytes"
		case availableBytes = "available_bytes"
		case wiredBytes = "wired_bytes"
		case compressedBytes = "compressed_bytes"
		case swapTotalBytes = "swap_total_bytes"
		case swapUsedBytes = "swap_used_bytes"
		case pressureLevel = "pressure_level"
		case psiSomePct = "psi_some_pct"
		case psiFullPct = "psi_full_pct"
	}
}

/// Load averages.
public struct LoadAverage: Codable, Sendable, Equatable {
	/// Over one minute.
	public let oneMinute: Double?
	/// Over five minutes.
	public let fiveMinutes: Double?
	/// Over fifteen minutes.
	public let fifteenMinutes: Double?

	enum CodingKeys: String, CodingKey {
		case oneMinute = "1m"
		case fiveMinutes = "5m"
		case fifteenMinutes = "15m"
	}
}

/// CPU figures of a `MetricsSample`.
public struct CPUMetrics: Codable, Sendable, Equatable {
	/// Busy share of all cores, percent.
	public let utilizationPct: Double?
	/// Linux PSI "some", percent.
	public let psiSomePct: Double?
	/// Load averages.
	public let loadAverage: LoadAverage?
	/// Busy share per core cluster, percent, keyed by its label (E, P, S).
	public let clusters: JSONValue?

	enum CodingKeys: String, CodingKey {
		case clusters
		case utilizationPct = "utilization_pct"
		case psiSomePct = "psi_some_pct"
		case loadAverage = "load_average"
	}
}

/// GPU figures of a `MetricsSample`.
public struct GPUMetrics: Codable, Sendable, Equatable {
	/// Busy share, percent.
	public let utilizationPct: Double?
	/// GPU memory in use.
	public let memoryUsedBytes: Int64?
	/// GPU memory size.
	public let memoryTotalBytes: Int64?
	/// Clock in MHz.
	public let frequencyMhz: Double?

	enum CodingKeys: String, CodingKey {
		case utilizationPct = "utilization_pct"
		case memoryUsedBytes = "memory_used_bytes"
		case memoryTotalBytes = "memory_total_bytes"
		case frequencyMhz = "frequency_mhz"
	}
}

/// Power draw in watts (Apple Silicon).
public struct PowerMetrics: Codable, Sendable, Equatable {
	/// CPU.
	public let cpu: Double?
	/// GPU.
	public let gpu: Double?
	/// Neural Engine.
	public let ane: Double?
	/// Memory.
	public let dram: Double?
	/// Whole system.
	public let system: Double?
}

/// Thermal state.
public struct ThermalMetrics: Codable, Sendable, Equatable {
	/// 0 nominal ... 3 critical.
	public let pressureLevel: Int?
	/// The level's name.
	public let pressure: String?
	/// CPU temperature.
	public let cpuCelsius: Double?
	/// GPU temperature.
	public let gpuCelsius: Double?

	enum CodingKeys: String, CodingKey {
		case pressure
		case pressureLevel = "pressure_level"
		case cpuCelsius = "cpu_celsius"
		case gpuCelsius = "gpu_celsius"
	}
}

/// `GET /v1/metrics`: one system sample; unavailable figures are nil.
public struct MetricsSample: Codable, Sendable, Equatable {
	/// When it was taken.
	public let t: Date
	/// Memory.
	public let memory: MemoryMetrics?
	/// CPU.
	public let cpu: CPUMetrics?
	/// GPU.
	public let gpu: GPUMetrics?
	/// Power draw.
	public let powerWatts: PowerMetrics?
	/// Thermal state.
	public let thermal: ThermalMetrics?

	enum CodingKeys: String, CodingKey {
		case t, memory, cpu, gpu, thermal
		case powerWatts = "power_watts"
	}
}

/// `GET /v1/metrics/history`: samples over a window.
public struct MetricsHistory: Codable, Sendable, Equatable {
	/// The sampling interval.
	public let intervalMs: Int64?
	/// The width of each point.
	public let stepMs: Int64
	/// `"minutes"` when the points come from the stored aggregates.
	public let source: String?
	/// The points, oldest first (`t` plus one key per figure).
	public let points: [[String: JSONValue]]

	enum CodingKeys: String, CodingKey {
		case source, points
		case intervalMs = "interval_ms"
		case stepMs = "step_ms"
	}
}

/// A CPU cluster (performance or efficiency cores).
public struct CPUCluster: Codable, Sendable, Equatable {
	/// `"P"` or `"E"`.
	public let label: String?
	/// Its name.
	public let name: String?
	/// Its core count.
	public let cpus: Int?
}

/// The machine's CPUs.
public struct SystemCPU: Codable, Sendable, Equatable {
	/// Logical CPUs.
	public let logical: Int?
	/// Physical cores.
	public let physical: Int?
	/// Clusters, on Apple Silicon.
	public let clusters: [CPUCluster]?
}

/// The machine's GPU.
public struct SystemGPU: Codable, Sendable, Equatable {
	/// Its name.
	public let name: String?
	/// Its core count.
	public let cores: Int?
}

/// The operating system.
public struct SystemOS: Codable, Sendable, Equatable {
	/// Its name.
	public let name: String?
	/// Its version.
	public let version: String?
	/// The kernel's version.
	public let kernel: String?
}

/// `GET /v1/system`: the machine; fields that cannot be read are nil.
public struct SystemInfo: Codable, Sendable, Equatable {
	/// The chip, such as `"Apple M3 Pro"`.
	public let chip: String?
	/// The machine model.
	public let model: String?
	/// CPUs.
	public let cpu: SystemCPU?
	/// GPU.
	public let gpu: SystemGPU?
	/// Physical memory.
	public let memoryTotalBytes: Int64?
	/// Operating system.
	public let os: SystemOS?
	/// Host name.
	public let hostname: String?
	/// CPU architecture.
	public let arch: String?

	enum CodingKeys: String, CodingKey {
		case chip, model, cpu, gpu, os, hostname, arch
		case memoryTotalBytes = "memory_total_bytes"
	}
}

/// A stored generation (`GET /v1/sessions`).
public struct Session: Codable, Sendable, Equatable, Identifiable {
	/// Its id.
	public let id: Int64
	/// The model asked for.
	public let model: String
	/// The model's digest, when known.
	public let digest: String?
	/// The route used.
	public let route: String?
	/// The client's User-Agent.
	public let userAgent: String?
	/// Start, ns since the epoch.
	public let startNs: Int64?
	/// End, ns since the epoch.
	public let endNs: Int64?
	/// Time to first token, ns.
	public let ttftNs: Int64?
	/// Ollama's prompt_eval_count.
	public let promptEvalCount: Int64?
	/// Ollama's prompt_eval_duration, ns.
	public let promptEvalDurationNs: Int64?
	/// Ollama's eval_count.
	public let evalCount: Int64?
	/// Ollama's eval_duration, ns.
	public let evalDurationNs: Int64?
	/// Load time, ns.
	public let loadNs: Int64?
	/// Why it stopped.
	public let doneReason: String?
	/// The error it ended with.
	public let error: String?
	/// Peak memory in use during it.
	public let peakMemoryBytes: Int64?
	/// The prompt, when `sessions.store_text` is on.
	public let promptText: String?
	/// The answer, when `sessions.store_text` is on.
	public let outputText: String?
	/// Generation rate, tokens per second.
	public let genTps: Double?
	/// Prompt rate, tokens per second.
	public let promptTps: Double?
	/// Start time.
	public let startAt: Date?
	/// `"generate"` or `"embed"`.
	public let kind: String?
	/// Where the counters came from: `"ollama"`, `"openai_usage"` (an
	/// OpenAI-compatible reply's `usage`), or nil.
	public let countsSource: String?
	/// The number of inputs of an embedding call.
	public let inputCount: Int64?

	enum CodingKeys: String, CodingKey {
		case id, model, digest, route, error, kind
		case countsSource = "counts_source"
		case inputCount = "input_count"
		case userAgent = "user_agent"
		case startNs = "start_ns"
		case endNs = "end_ns"
		case ttftNs = "ttft_ns"
		case promptEvalCount = "prompt_eval_count"
		case promptEvalDurationNs = "prompt_eval_duration_ns"
		case evalCount = "eval_count"
		case evalDurationNs = "eval_duration_ns"
		case loadNs = "load_ns"
		case doneReason = "done_reason"
		case peakMemoryBytes = "peak_memory_bytes"
		case promptText = "prompt_text"
		case outputText = "output_text"
		case genTps = "gen_tps"
		case promptTps = "prompt_tps"
		case startAt = "start_at"
	}
}

struct SessionList: Codable, Sendable {
	let sessions: [Session]
}

/// A long-running job (`GET /v1/jobs/{id}`).
public struct Job: Codable, Sendable, Equatable, Identifiable {
	/// Its id, such as `"cache.dedup-4"`.
	public let id: String
	/// Its kind, such as `"benchmark"` or `"cache.dedup"`.
	public let kind: String
	/// What it works on.
	public let target: String?
	/// `running`, `done`, `failed` or `cancelled`.
	public let state: String
	/// Whether a cancel was asked for.
	public let cancelRequested: Bool?
	/// Its progress (shape depends on the kind).
	public let progress: JSONValue?
	/// Its result once done (shape depends on the kind).
	public let result: JSONValue?
	/// The error it failed with.
	public let error: String?
	/// When it was created.
	public let createdAt: Date
	/// When it ended.
	public let finishedAt: Date?

	/// True once the job has ended.
	public var isFinished: Bool { state != "running" }

	enum CodingKeys: String, CodingKey {
		case id, kind, target, state, progress, result, error
		case cancelRequested = "cancel_requested"
		case createdAt = "created_at"
		case finishedAt = "finished_at"
	}
}

struct JobList: Codable, Sendable {
	let jobs: [Job]
}

/// The reply of a call that starts a job.
public struct JobStarted: Codable, Sendable, Equatable {
	/// The job's id.
	public let job: String
	/// Its state (`"running"`).
	public let state: String
}

/// What to benchmark (`POST /v1/benchmarks`).
public struct BenchmarkRequest: Codable, Sendable, Equatable {
	/// The model.
	public var model: String
	/// `quick`, `standard`, `long`, `cold` or `custom`.
	public var suite: String?
	/// Measured repetitions per test (default 5).
	public var repetitions: Int?
	/// Warm-up runs per test (default 1).
	public var warmup: Int?
	/// Tokens to generate per run.
	public var numPredict: Int?
	/// Context length.
	public var numCtx: Int?
	/// Sampling seed (default 42).
	public var seed: Int?
	/// Prompts of a custom suite.
	public var prompts: [String]?

	/// A benchmark of `model` with the daemon's defaults for the rest.
	public init(model: String, suite: String? = nil, repetitions: Int? = nil,
	    warmup: Int? = nil, numPredict: Int? = nil, numCtx: Int? = nil,
	    seed: Int? = nil, prompts: [String]? = nil) {
		self.model = model
		self.suite = suite
		self.repetitions = repetitions
		self.warmup = warmup
		self.numPredict = numPredict
		self.numCtx = numCtx
		self.seed = seed
		self.prompts = prompts
	}

	enum CodingKeys: String, CodingKey {
		case model, suite, repetitions, warmup, seed, prompts
		case numPredict = "num_predict"
		case numCtx = "num_ctx"
	}
}

/// The reply of `POST /v1/benchmarks`.
public struct BenchmarkStarted: Codable, Sendable, Equatable {
	/// The run's id.
	public let id: String
	/// Its job's id.
	public let job: String
	/// `"running"`.
	public let state: String
}

/// Live progress of a running benchmark.
public struct BenchmarkProgress: Codable, Sendable, Equatable {
	/// The run's id.
	public let id: String
	/// Its job's id.
	public let job: String?
	/// The model.
	public let model: String?
	/// The suite.
	public let suite: String?
	/// `running` or `cancelling`.
	public let state: String?
	/// What runs now.
	public let step: String?
	/// The test running now.
	public let test: String?
	/// Its repetition.
	public let repetition: Int?
	/// Steps done.
	public let stepsDone: Int?
	/// Steps in all.
	public let stepsTotal: Int?
	/// Percent done.
	public let percent: Double?
	/// Estimated seconds left.
	public let etaS: Double?
	/// Seconds since it started.
	public let elapsedS: Double?

	enum CodingKeys: String, CodingKey {
		case id, job, model, suite, state, step, test, repetition, percent
		case stepsDone = "steps_done"
		case stepsTotal = "steps_total"
		case etaS = "eta_s"
		case elapsedS = "elapsed_s"
	}
}

/// Summary statistics of one figure over a test's samples.
public struct BenchmarkStat: Codable, Sendable, Equatable {
	/// Samples.
	public let n: Int?
	/// Mean.
	public let mean: Double?
	/// Standard deviation.
	public let sd: Double?
	/// Median.
	public let median: Double?
	/// Minimum.
	public let min: Double?
	/// Maximum.
	public let max: Double?
	/// 95th percentile.
	public let p95: Double?
	/// Coefficient of variation.
	public let cv: Double?
}

/// One test of a run (`pp512`, `tg128`, ...).
public struct BenchmarkTest: Codable, Sendable, Equatable {
	/// Its name.
	public let name: String
	/// `pp`, `tg`, ...
	public let kind: String?
	/// Prompt tokens asked for.
	public let nPrompt: Int?
	/// Tokens to generate.
	public let nGen: Int?
	/// Valid samples.
	public let n: Int?
	/// Samples flagged as outliers.
	public let nFlagged: Int?
	/// Samples that failed.
	public let nErrors: Int?
	/// Generation rate.
	public let genTps: BenchmarkStat?
	/// Prompt rate.
	public let promptTps: BenchmarkStat?
	/// Time to first token, ms.
	public let ttftMs: BenchmarkStat?
	/// Inter-token latency, ms.
	public let itlMs: BenchmarkStat?
	/// Load time, s.
	public let loadS: BenchmarkStat?
	/// End-to-end time, s.
	public let e2eS: BenchmarkStat?
	/// Its place in the suite.
	public let position: Int?
	/// Samples taken.
	public let nSamples: Int?
	/// Mean prompt tokens Ollama evaluated.
	public let avgPromptTokens: Double?
	/// Mean tokens generated.
	public let avgEvalTokens: Double?
	/// The raw samples.
	public let samples: [JSONValue]?

	enum CodingKeys: String, CodingKey {
		case name, kind, n, position, samples
		case nSamples = "n_samples"
		case avgPromptTokens = "avg_prompt_tokens"
		case avgEvalTokens = "avg_eval_tokens"
		case nPrompt = "n_prompt"
		case nGen = "n_gen"
		case nFlagged = "n_flagged"
		case nErrors = "n_errors"
		case genTps = "gen_tps"
		case promptTps = "prompt_tps"
		case ttftMs = "ttft_ms"
		case itlMs = "itl_ms"
		case loadS = "load_s"
		case e2eS = "e2e_s"
	}
}

/// A benchmark run (`GET /v1/benchmarks`, `GET /v1/benchmarks/{id}`).
public struct BenchmarkRun: Codable, Sendable, Equatable, Identifiable {
	/// Its id.
	public let id: String
	/// The model.
	public let model: String
	/// Its digest.
	public let digest: String?
	/// Its quantisation.
	public let quantization: String?
	/// The suite.
	public let suite: String?
	/// `queued`, `running`, `done`, `failed`, `cancelled`, or
	/// `interrupted` when mlxd stopped during the run.
	public let state: String
	/// The error it failed with.
	public let error: String?
	/// Ollama's version during the run.
	public let ollamaVersion: String?
	/// mlxd's version during the run.
	public let mlxdVersion: String?
	/// The chip.
	public let chip: String?
	/// When it was created.
	public let createdAt: Date?
	/// When it finished.
	public let finishedAt: Date?
	/// Its tests.
	public let tests: [BenchmarkTest]?
	/// Live progress; nil unless it is running (one run's detail only).
	public let progress: BenchmarkProgress?
	/// The model's family.
	public let family: String?
	/// Its parameter size as Ollama spells it (`8.0B`).
	public let parameterSize: String?
	/// Its parameter count.
	public let nParams: Int64?
	/// Its file format.
	public let format: String?
	/// Its size on disk.
	public let modelSizeBytes: Int64?
	/// Its size once loaded (Ollama's /api/ps).
	public let psSizeBytes: Int64?
	/// The part of it in GPU memory.
	public let psVramBytes: Int64?
	/// The options the run used.
	public let options: JSONValue?
	/// The machine's memory.
	public let memoryBytes: Int64?
	/// The operating system.
	public let os: String?
	/// Thermal state at the start.
	public let thermalStart: String?
	/// Thermal state at the end.
	public let thermalEnd: String?
	/// Power source at the start.
	public let powerStart: String?
	/// Power source at the end.
	public let powerEnd: String?
	/// Peak memory in use during it.
	public let peakMemoryBytes: Int64?
	/// Created, ns since the epoch.
	public let createdNs: Int64?
	/// Started, ns since the epoch.
	public let startedNs: Int64?
	/// Finished, ns since the epoch.
	public let finishedNs: Int64?
	/// When it started.
	public let startedAt: Date?

	enum CodingKeys: String, CodingKey {
		case id, model, digest, quantization, suite, state, error, chip, tests, progress
		case family, format, options, os
		case parameterSize = "parameter_size"
		case nParams = "n_params"
		case modelSizeBytes = "model_size_bytes"
		case psSizeBytes = "ps_size_bytes"
		case psVramBytes = "ps_vram_bytes"
		case memoryBytes = "memory_bytes"
		case thermalStart = "thermal_start"
		case thermalEnd = "thermal_end"
		case powerStart = "power_start"
		case powerEnd = "power_end"
		case peakMemoryBytes = "peak_memory_bytes"
		case createdNs = "created_ns"
		case startedNs = "started_ns"
		case finishedNs = "finished_ns"
		case startedAt = "started_at"
		case ollamaVersion = "ollama_version"
		case mlxdVersion = "mlxd_version"
		case createdAt = "created_at"
		case finishedAt = "finished_at"
	}
}

struct BenchmarkList: Codable, Sendable {
	let benchmarks: [BenchmarkRun]
}

/// One figure compared between two runs.
public struct ComparedMetric: Codable, Sendable, Equatable {
	/// `higher` or `lower` is better.
	public let better: String?
	/// Base mean.
	public let aMean: Double?
	/// Base standard deviation.
	public let aSd: Double?
	/// Base samples.
	public let aN: Int?
	/// Candidate mean.
	public let bMean: Double?
	/// Candidate standard deviation.
	public let bSd: Double?
	/// Candidate samples.
	public let bN: Int?
	/// Change in percent.
	public let deltaPct: Double?
	/// z score of the change.
	public let z: Double?
	/// `regression`, `improvement`, `no change`, `insufficient data`, ...
	public let verdict: String

	enum CodingKeys: String, CodingKey {
		case better, z, verdict
		case aMean = "a_mean"
		case aSd = "a_sd"
		case aN = "a_n"
		case bMean = "b_mean"
		case bSd = "b_sd"
		case bN = "b_n"
		case deltaPct = "delta_pct"
	}
}

/// One test compared between two runs.
public struct ComparedTest: Codable, Sendable, Equatable {
	/// The test.
	public let name: String
	/// Its kind.
	public let kind: String?
	/// Its headline figure.
	public let metric: String?
	/// Every figure.
	public let metrics: [String: ComparedMetric]?
	/// The test's verdict.
	public let verdict: String
}

/// `GET /v1/benchmarks/compare`.
public struct BenchmarkComparison: Codable, Sendable, Equatable {
	/// `regression` if any test regressed.
	public let verdict: String
	/// Whether the two runs are comparable (same model, machine, ...).
	public let comparable: Bool?
	/// What differs between the runs.
	public let changed: [JSONValue]?
	/// Test by test.
	public let tests: [ComparedTest]
	/// The base run.
	public let a: BenchmarkBrief?
	/// The run compared with it.
	public let b: BenchmarkBrief?
	/// The thresholds of a change.
	public let rule: ComparisonRule?
}

/// What a comparison says of each run.
public struct BenchmarkBrief: Codable, Sendable, Equatable {
	/// Its id.
	public let id: String
	/// The model.
	public let model: String
	/// The suite.
	public let suite: String?
	/// The model's digest.
	public let digest: String?
	/// Its quantisation.
	public let quantization: String?
	/// Ollama's version during the run.
	public let ollamaVersion: String?
	/// mlxd's version during the run.
	public let mlxdVersion: String?
	/// The chip.
	public let chip: String?
	/// The machine's memory.
	public let memoryBytes: Int64?
	/// The operating system.
	public let os: String?
	/// Power source at the start.
	public let powerStart: String?
	/// Thermal state at the start.
	public let thermalStart: String?
	/// Created, ns since the epoch.
	public let createdNs: Int64?

	enum CodingKeys: String, CodingKey {
		case id, model, suite, digest, quantization, chip, os
		case ollamaVersion = "ollama_version"
		case mlxdVersion = "mlxd_version"
		case memoryBytes = "memory_bytes"
		case powerStart = "power_start"
		case thermalStart = "thermal_start"
		case createdNs = "created_ns"
	}
}

/// The thresholds a comparison applied.
public struct ComparisonRule: Codable, Sendable, Equatable {
	/// Smallest change of the mean that counts, percent.
	public let minPct: Double?
	/// Smallest z-score that counts.
	public let minZ: Double?

	enum CodingKeys: String, CodingKey {
		case minPct = "min_pct"
		case minZ = "min_z"
	}
}

/// Formats of `GET /v1/benchmarks/{id}/export`.
public enum BenchmarkExportFormat: String, Sendable, CaseIterable {
	/// JSON with llama-bench's field names.
	case json
	/// CSV.
	case csv
	/// A Markdown table.
	case markdown = "md"
}

/// The cache's headline figures (`Status.cache`).
public struct CacheStatus: Codable, Sendable, Equatable {
	/// Models indexed.
	public let models: Int64
	/// Files indexed.
	public let files: Int64
	/// Bytes as the files' sizes add up.
	public let logicalBytes: Int64
	/// Bytes actually allocated.
	public let physicalBytes: Int64
	/// Wasted bytes the last duplicate search found and that are still there.
	public let reclaimableBytes: Int64?
	/// Bytes a clean would free.
	public let cleanupBytes: Int64?
	/// When the last scan ended.
	public let lastScanAt: Date?
	/// Whether a scan runs.
	public let scanning: Bool
	/// The running cache job.
	public let job: String?
	/// The last scan's error.
	public let error: String?

	enum CodingKeys: String, CodingKey {
		case models, files, scanning, job, error
		case logicalBytes = "logical_bytes"
		case physicalBytes = "physical_bytes"
		case reclaimableBytes = "reclaimable_bytes"
		case cleanupBytes = "cleanup_bytes"
		case lastScanAt = "last_scan_at"
	}
}

/// A model on disk, whichever tool stored it.
public struct CacheModel: Codable, Sendable, Equatable, Identifiable {
	/// How other cache calls name it (`"ollama:llama3.2:latest"`).
	public let ref: String
	/// Its name.
	public let name: String
	/// `ollama`, `hf`, `lmstudio` or `local`.
	public let store: String
	/// The store's root.
	public let storePath: String
	/// Its revision.
	public let revision: String
	/// Hugging Face refs pointing at it.
	public let refs: String?
	/// A revision no ref points to.
	public let detached: Bool?
	/// Where it is.
	public let path: String
	/// Its size.
	public let sizeBytes: Int64
	/// Its file count.
	public let files: Int64
	/// Who uses it.
	public let apps: [String]
	/// Linked apps that use it.
	public let registeredApps: [String]
	/// Whether it shares storage with another model's copy.
	public let sharesBytes: Bool
	/// The models it shares storage with.
	public let sharedWith: [String]

	/// The ref, as identity.
	public var id: String { ref }

	enum CodingKeys: String, CodingKey {
		case ref, name, store, revision, refs, detached, path, files, apps
		case storePath = "store_path"
		case sizeBytes = "size_bytes"
		case registeredApps = "registered_apps"
		case sharesBytes = "shares_bytes"
		case sharedWith = "shared_with"
	}
}

/// `GET /v1/cache`: the cache index.
public struct CacheIndex: Codable, Sendable, Equatable {
	/// Every model.
	public let models: [CacheModel]
	/// The stores found.
	public let stores: [JSONValue]
	/// Warnings of the last scan.
	public let warnings: [JSONValue]
	/// All warnings, when more than listed.
	public let warningsTotal: Int64?
	/// When the last scan ended.
	public let lastScanAt: Date?
	/// Whether a scan runs.
	public let scanning: Bool

	enum CodingKeys: String, CodingKey {
		case models, stores, warnings, scanning
		case warningsTotal = "warnings_total"
		case lastScanAt = "last_scan_at"
	}
}

/// `GET /v1/cache/stats`: logical vs physical bytes, and what dedup reclaimed.
public struct CacheStats: Codable, Sendable, Equatable {
	/// Indexed files.
	public let files: Int64
	/// Distinct inodes.
	public let inodes: Int64
	/// Size over indexed paths.
	public let logicalBytes: Int64
	/// Size over distinct inodes.
	public let uniqueBytes: Int64
	/// Allocated blocks over distinct inodes.
	public let physicalBytes: Int64
	/// Bytes shared by clones.
	public let cloneSharedBytes: Int64?
	/// Estimated physical bytes.
	public let physicalEstBytes: Int64
	/// Bytes saved by sharing.
	public let savedBytes: Int64
	/// Bytes mlxd's dedup reclaimed.
	public let reclaimedBytes: Int64
	/// Reclaimed bytes per method.
	public let reclaimedByMethod: [String: Int64]
	/// Bytes a clean would free.
	public let cleanupBytes: Int64?
	/// Wasted bytes known from the last duplicate search.
	public let reclaimableBytes: Int64?
	/// Dedup operations done.
	public let opsDone: Int64?
	/// Dedup operations rolled back.
	public let opsRolledBack: Int64?
	/// Dedup operations pending (journalled, not finished).
	public let opsPending: Int64?
	/// Files a clean would remove.
	public let cleanupCandidates: Int64?
	/// When the last scan ended.
	public let lastScanAt: Date?
	/// When the last duplicate search ended.
	public let lastDedupAt: Date?

	enum CodingKeys: String, CodingKey {
		case files, inodes
		case opsDone = "ops_done"
		case opsRolledBack = "ops_rolled_back"
		case opsPending = "ops_pending"
		case cleanupCandidates = "cleanup_candidates"
		case lastScanAt = "last_scan_at"
		case lastDedupAt = "last_dedup_at"
		case logicalBytes = "logical_bytes"
		case uniqueBytes = "unique_bytes"
		case physicalBytes = "physical_bytes"
		case cloneSharedBytes = "clone_shared_bytes"
		case physicalEstBytes = "physical_est_bytes"
		case savedBytes = "saved_bytes"
		case reclaimedBytes = "reclaimed_bytes"
		case reclaimedByMethod = "reclaimed_by_method"
		case cleanupBytes = "cleanup_bytes"
		case reclaimableBytes = "reclaimable_bytes"
	}
}

/// Options of a duplicate search (`POST /v1/cache/dedup`).
public struct DedupOptions: Codable, Sendable, Equatable {
	/// Only report (the default); false makes files share storage.
	public var dryRun: Bool
	/// Methods to use (`clone`, `hardlink`, `symlink`); nil: the configured ones.
	public var methods: [String]?
	/// Scan before searching (default true).
	public var rescan: Bool?
	/// Allow hard links on LM Studio and local files.
	public var linkUserFiles: Bool?

	/// A dry run unless `dryRun` is false.
	public init(dryRun: Bool = true, methods: [String]? = nil, rescan: Bool? = nil,
	    linkUserFiles: Bool? = nil) {
		self.dryRun = dryRun
		self.methods = methods
		self.rescan = rescan
		self.linkUserFiles = linkUserFiles
	}

	enum CodingKeys: String, CodingKey {
		case methods, rescan
		case dryRun = "dry_run"
		case linkUserFiles = "link_user_files"
	}
}

/// A model a linked app uses.
public struct CacheAppModel: Codable, Sendable, Equatable {
	/// The model's ref.
	public let ref: String?
	/// How the app reaches it (symlink, hardlink, inside, ...).
	public let via: String?
}

/// A linked app (`GET /v1/cache/apps`).
public struct CacheApp: Codable, Sendable, Equatable, Identifiable {
	/// Its name.
	public let name: String
	/// Its folder.
	public let path: String
	/// When it was linked.
	public let addedAt: Date?
	/// The models it uses.
	public let models: [CacheAppModel]

	/// The name, as identity.
	public var id: String { name }

	enum CodingKeys: String, CodingKey {
		case name, path, models
		case addedAt = "added_at"
	}
}

struct CacheAppList: Codable, Sendable {
	let apps: [CacheApp]
}

/// The reply of linking or unlinking an app.
public struct CacheAppLinked: Codable, Sendable, Equatable {
	/// The app's name.
	public let name: String
	/// Its folder (when linking).
	public let path: String?
	/// The rescan job.
	public let job: String?
}

/// The error body of the API.
struct APIErrorBody: Decodable {
	struct Inner: Decodable {
		let code: String?
		let message: String?
	}
	let error: Inner?

	init(from decoder: Decoder) throws {
		let c = try decoder.container(keyedBy: CodingKeys.self)
		if let s = try? c.decode(String.self, forKey: .error) {
			error = Inner(code: nil, message: s)
		} else {
			error = try c.decodeIfPresent(Inner.self, forKey: .error)
		}
	}

	enum CodingKeys: String, CodingKey {
		case error
	}
}
