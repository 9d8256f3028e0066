// SPDX-License-Identifier: ISC
//
// Client.swift: MLXDClient, the entry point of the SDK: one async call per
// resource of mlxd's API, and streams for generation, chat and events.

import Foundation
import Dispatch

/// A client of one mlxd daemon.
///
/// The client is `Sendable`: share one instance across tasks. Calls open
/// connections on demand and keep idle ones alive for the next call.
/// Cancelling the task that awaits a call, or that consumes a stream,
/// closes the connection, which makes mlxd cancel the work upstream (for
/// generation: the request to Ollama).
///
/// ```swift
/// let mlxd = try MLXDClient()
/// let status = try await mlxd.status()
/// for try await chunk in mlxd.chat(ChatRequest(model: "llava",
///     messages: [.user("What is this?", images: [.file(photoURL)])])) {
///     print(chunk.message.content, terminator: "")
/// }
/// ```
public final class MLXDClient: Sendable {
	/// The API version this SDK speaks; the first call fails with
	/// `MLXDError.versionMismatch` against a daemon speaking another.
	public static let apiVersion = 1
	/// The SDK's version.
	public static let version = "0.2.0"

	/// The socket the client connects to.
	public let socketPath: String
	/// The limit of each call (connecting and reading a whole reply);
	/// nil for none. Streams limit only connecting and the reply's head.
	public let timeout: TimeInterval?

	let transport: Transport
	private let checked = VersionFlag()

	/// A client of the daemon at `socketPath`, or at
	/// `MLXDClient.defaultSocketPath()` when nil. Nothing is sent yet: a
	/// client can be made while mlxd is down and the first call finds out.
	///
	/// - Parameters:
	///   - socketPath: the Unix socket of the daemon.
	///   - timeout: seconds each call may take (default 30; nil for none).
	/// - Throws: `MLXDError.invalidSocketPath` when no path can be worked out.
	public init(socketPath: String? = nil, timeout: TimeInterval? = 30) throws {
		let path = try socketPath ?? MLXDClient.defaultSocketPath()
		guard !path.isEmpty else {
			throw MLXDError.invalidSocketPath(path)
		}
		self.socketPath = path
		self.timeout = timeout
		self.transport = Transport(path: path, timeout: timeout, pool: ConnectionPool())
	}

	deinit {
		transport.pool.drain()
	}

	// MARK: Plumbing

	struct Reply: Sendable {
		let head: HTTPHead
		let body: Data
	}

	/// Sends one request and reads its whole reply.
	func exchange(_ req: HTTPRequest) async throws -> Reply {
		let handle = CancelHandle()
		let t = transport
		return try await runBlocking(handle) {
			let r = try t.open(req, handle: handle, streaming: false)
			let body = try r.readAll()
			t.finish(r)
			return Reply(head: r.head!, body: body)
		}
	}

	func checkVersion() async throws {
		if checked.isSet {
			return
		}
		let r = try await exchange(HTTPRequest(method: "GET", path: "/v1/health", body: nil))
		let h: Health = try decode(Health.self, r)
		guard h.apiVersion == MLXDClient.apiVersion else {
			throw MLXDError.versionMismatch(daemon: h.apiVersion, client: MLXDClient.apiVersion)
		}
		checked.set()
	}

	static func apiError(status: Int, body: Data) -> MLXDError {
		let e = try? JSONDecoder().decode(APIErrorBody.self, from: body)
		let msg = e?.error?.message ?? "mlxd answered HTTP \(status)"
		return .api(status: status, code: e?.error?.code, message: msg)
	}

	func decode<T: Decodable>(_ type: T.Type, _ r: Reply) throws -> T {
		guard (200..<300).contains(r.head.status) else {
			throw MLXDClient.apiError(status: r.head.status, body: r.body)
		}
		do {
			return try MLXDJSON.decoder().decode(type, from: r.body)
		} catch {
			throw MLXDError.protocolError("\(T.self): \(error)")
		}
	}

	/// Sends a request and returns the whole reply after checking its status.
	func raw(_ method: String, _ path: String, body: Data? = nil,
	    accept: String = "application/json") async throws -> Reply {
		try await checkVersion()
		let r = try await exchange(HTTPRequest(method: method, path: path, body: body,
		    accept: accept))
		guard (200..<300).contains(r.head.status) else {
			throw MLXDClient.apiError(status: r.head.status, body: r.body)
		}
		return r
	}

	/// The typed call every resource goes through.
	func call<T: Decodable>(_ type: T.Type, _ method: String, _ path: String,
	    body: (any Encodable & Sendable)? = nil) async throws -> T {
		let data = try body.map { try MLXDJSON.encoder().encode($0) }
		try await checkVersion()
		let r = try await exchange(HTTPRequest(method: method, path: path, body: data))
		return try decode(type, r)
	}

	static func query(_ items: [(String, String?)]) -> String {
		var allowed = CharacterSet.alphanumerics
		allowed.insert(charactersIn: "-._~")
		let parts = items.compactMap { k, v -> String? in
			guard let v else { return nil }
			return k + "=" + (v.addingPercentEncoding(withAllowedCharacters: allowed) ?? v)
		}
		return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
	}

	static func segment(_ s: String) -> String {
		var allowed = CharacterSet.alphanumerics
		allowed.insert(charactersIn: "-._~:@")
		return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
	}

	// MARK: Daemon

	/// Liveness and version (`GET /v1/health`). Does not check the API version.
	public func health() async throws -> Health {
		try decode(Health.self,
		    try await exchange(HTTPRequest(method: "GET", path: "/v1/health", body: nil)))
	}

	/// One snapshot of everything a client shows (`GET /v1/status`).
	public func status() async throws -> Status {
		try await call(Status.self, "GET", "/v1/status")
	}

	/// The models installed in Ollama (`GET /v1/models`). Throws
	/// `.api(503, "ollama_unavailable", ...)` before Ollama was reached.
	public func models() async throws -> ModelList {
		try await call(ModelList.self, "GET", "/v1/models")
	}

	/// The models loaded in memory (`GET /v1/models/running`).
	public func runningModels() async throws -> RunningList {
		try await call(RunningList.self, "GET", "/v1/models/running")
	}

	/// The latest system sample (`GET /v1/metrics`).
	public func metrics() async throws -> MetricsSample {
		try await call(MetricsSample.self, "GET", "/v1/metrics")
	}

	/// Samples over a window (`GET /v1/metrics/history`).
	///
	/// - Parameters:
	///   - window: a duration such as `"90s"`, `"15m"`, `"2h"` or `"7d"` (default 1h).
	///   - step: the width of each point (default: the sampling interval).
	public func metricsHistory(window: String? = nil, step: String? = nil) async throws -> MetricsHistory {
		try await call(MetricsHistory.self, "GET", "/v1/metrics/history" +
		    MLXDClient.query([("window", window), ("step", step)]))
	}

	/// The machine: chip, cores, GPU, memory, OS (`GET /v1/system`).
	public func system() async throws -> SystemInfo {
		try await call(SystemInfo.self, "GET", "/v1/system")
	}

	/// The effective configuration (`GET /v1/config`).
	public func config() async throws -> Config {
		try await call(Config.self, "GET", "/v1/config")
	}

	/// Changes an option at run time (`PATCH /v1/config`): the daemon
	/// checks the value as it checks the config file's, keeps it in its
	/// overlay file and applies it at once when the option is reloadable.
	///
	///     try await client.setConfig("retention_days", 14)
	///     try await client.setConfig("cache.dedup.methods", .array(["clone"]))
	///
	/// - Parameters:
	///   - name: the option, such as `"ollama.url"`.
	///   - value: its new value, of the option's type.
	/// - Returns: the configuration now in effect; `restartRequired` lists
	///   the option when it applies only at the next start.
	/// - Throws: `.api(400, ...)` for a value the daemon refuses,
	///   `.api(409, ...)` for an option the environment or a flag sets.
	@discardableResult
	public func setConfig(_ name: String, _ value: JSONValue) async throws -> Config {
		try await call(Config.self, "PATCH", "/v1/config", body: [name: value])
	}

	/// Drops the change made through the API to an option
	/// (`PATCH /v1/config` with null): back to the file's value or the
	/// default. Throws as `setConfig(_:_:)`.
	@discardableResult
	public func unsetConfig(_ name: String) async throws -> Config {
		try await call(Config.self, "PATCH", "/v1/config", body: [name: JSONValue.null])
	}

	/// Stored generations, newest first (`GET /v1/sessions`).
	///
	/// - Parameters:
	///   - model: only this model's.
	///   - since: only those started at or after this time.
	///   - limit: at most this many (the daemon's default is 50).
	public func sessions(model: String? = nil, since: Date? = nil, limit: Int? = nil) async throws -> [Session] {
		try await call(SessionList.self, "GET", "/v1/sessions" + MLXDClient.query([
		    ("model", model), ("since", since.map(MLXDJSON.formatTime)),
		    ("limit", limit.map(String.init))])).sessions
	}

	// MARK: Jobs

	/// Long-running work, newest first (`GET /v1/jobs`).
	public func jobs(kind: String? = nil) async throws -> [Job] {
		try await call(JobList.self, "GET", "/v1/jobs" + MLXDClient.query([("kind", kind)])).jobs
	}

	/// One job (`GET /v1/jobs/{id}`).
	public func job(_ id: String) async throws -> Job {
		try await call(Job.self, "GET", "/v1/jobs/" + MLXDClient.segment(id))
	}

	/// Asks a job to cancel (`DELETE /v1/jobs/{id}`); it ends as cancelled.
	/// Throws `.api(409, ...)` when it has already ended.
	@discardableResult
	public func cancelJob(_ id: String) async throws -> Job {
		try await call(Job.self, "DELETE", "/v1/jobs/" + MLXDClient.segment(id))
	}

	/// Waits until a job ends and returns it.
	///
	/// - Parameter interval: seconds between two looks (default 0.2).
	public func waitForJob(_ id: String, interval: TimeInterval = 0.2) async throws -> Job {
		while true {
			let j = try await job(id)
			if j.isFinished {
				return j
			}
			try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
		}
	}

	// MARK: Benchmarks

	/// Starts a benchmark (`POST /v1/benchmarks`); one runs at a time
	/// (`.api(409, ...)` otherwise).
	public func startBenchmark(_ request: BenchmarkRequest) async throws -> BenchmarkStarted {
		try await call(BenchmarkStarted.self, "POST", "/v1/benchmarks", body: request)
	}

	/// Stored runs, newest first (`GET /v1/benchmarks`).
	public func benchmarks(model: String? = nil, limit: Int? = nil) async throws -> [BenchmarkRun] {
		try await call(BenchmarkList.self, "GET", "/v1/benchmarks" + MLXDClient.query([
		    ("model", model), ("limit", limit.map(String.init))])).benchmarks
	}

	/// One run with its tests and, while it runs, its progress
	/// (`GET /v1/benchmarks/{id}`).
	public func benchmark(_ id: String) async throws -> BenchmarkRun {
		try await call(BenchmarkRun.self, "GET", "/v1/benchmarks/" + MLXDClient.segment(id))
	}

	/// The live progress of a run; nil once it has ended.
	public func benchmarkProgress(_ id: String) async throws -> BenchmarkProgress? {
		try await benchmark(id).progress
	}

	/// Cancels a running benchmark through its job and returns the job.
	/// Throws `.api(409, ...)` when the run is not running.
	@discardableResult
	public func cancelBenchmark(_ id: String) async throws -> Job {
		guard let job = try await benchmarkProgress(id)?.job else {
			throw MLXDError.api(status: 409, code: "conflict",
			    message: "benchmark \(id) is not running")
		}
		return try await cancelJob(job)
	}

	/// Deletes a stored run (`DELETE /v1/benchmarks/{id}`).
	public func deleteBenchmark(_ id: String) async throws {
		_ = try await raw("DELETE", "/v1/benchmarks/" + MLXDClient.segment(id))
	}

	/// A run as JSON (llama-bench field names), CSV or Markdown
	/// (`GET /v1/benchmarks/{id}/export`).
	public func exportBenchmark(_ id: String, format: BenchmarkExportFormat = .json) async throws -> String {
		let r = try await raw("GET", "/v1/benchmarks/" + MLXDClient.segment(id) + "/export" +
		    MLXDClient.query([("format", format.rawValue)]), accept: "*/*")
		return String(decoding: r.body, as: UTF8.self)
	}

	/// Compares two runs test by test (`GET /v1/benchmarks/compare`).
	public func compareBenchmarks(base: String, candidate: String) async throws -> BenchmarkComparison {
		try await call(BenchmarkComparison.self, "GET", "/v1/benchmarks/compare" +
		    MLXDClient.query([("base", base), ("candidate", candidate)]))
	}

	// MARK: Cache

	/// Every model on disk, whichever tool stored it (`GET /v1/cache`).
	public func cacheStatus() async throws -> CacheIndex {
		try await call(CacheIndex.self, "GET", "/v1/cache")
	}

	/// Logical vs physical bytes and what dedup reclaimed (`GET /v1/cache/stats`).
	public func cacheStats() async throws -> CacheStats {
		try await call(CacheStats.self, "GET", "/v1/cache/stats")
	}

	/// Rescans every root (`POST /v1/cache/sync`, a job).
	public func cacheSync() async throws -> JobStarted {
		try await call(JobStarted.self, "POST", "/v1/cache/sync")
	}

	/// Finds identical files and, unless a dry run, makes them share
	/// storage (`POST /v1/cache/dedup`, a job whose result lists the groups).
	public func cacheDedup(_ options: DedupOptions = DedupOptions()) async throws -> JobStarted {
		try await call(JobStarted.self, "POST", "/v1/cache/dedup", body: options)
	}

	/// A dry-run duplicate search: what `cacheDedupApply()` would do.
	public func cacheDedupDryRun(methods: [String]? = nil) async throws -> JobStarted {
		try await cacheDedup(DedupOptions(dryRun: true, methods: methods))
	}

	/// Makes identical files share storage.
	///
	/// - Parameters:
	///   - methods: `clone`, `hardlink`, `symlink` (nil: the configured ones).
	///   - linkUserFiles: allow hard links on LM Studio and local files.
	public func cacheDedupApply(methods: [String]? = nil, linkUserFiles: Bool? = nil) async throws -> JobStarted {
		try await cacheDedup(DedupOptions(dryRun: false, methods: methods,
		    linkUserFiles: linkUserFiles))
	}

	/// Adds a model: `hf://org/repo[@rev]` downloads, `ollama://name[:tag]`
	/// links, `file:///folder` registers (`POST /v1/cache/add`, a job).
	public func cacheAdd(_ uri: String) async throws -> JobStarted {
		try await call(JobStarted.self, "POST", "/v1/cache/add", body: ["uri": uri])
	}

	/// Deletes a model's files, or forgets a `file://` folder
	/// (`POST /v1/cache/remove`, a job). `force` deletes a model a linked
	/// app uses.
	public func cacheRemove(_ model: String, force: Bool = false) async throws -> JobStarted {
		try await call(JobStarted.self, "POST", "/v1/cache/remove",
		    body: CacheRemoveBody(model: model, force: force))
	}

	/// Linked apps and the models each uses (`GET /v1/cache/apps`).
	public func cacheApps() async throws -> [CacheApp] {
		try await call(CacheAppList.self, "GET", "/v1/cache/apps").apps
	}

	/// Links an app folder (`POST /v1/cache/apps`); a rescan finds what it uses.
	public func cacheLinkApp(path: String, name: String? = nil) async throws -> CacheAppLinked {
		try await call(CacheAppLinked.self, "POST", "/v1/cache/apps",
		    body: CacheLinkBody(path: path, name: name))
	}

	/// Unlinks an app (`DELETE /v1/cache/apps/{name}`); its folder is left alone.
	@discardableResult
	public func cacheUnlinkApp(_ name: String) async throws -> CacheAppLinked {
		try await call(CacheAppLinked.self, "DELETE", "/v1/cache/apps/" + MLXDClient.segment(name))
	}

	// MARK: Streams

	/// Generates text, chunk by chunk as Ollama produces it
	/// (`POST /v1/generate`). The last chunk has `done` set and carries
	/// Ollama's counters in `metrics`. Cancelling the consuming task, or
	/// leaving the loop, cancels the generation upstream.
	public func generate(_ request: GenerateRequest) -> AsyncThrowingStream<GenerateChunk, Error> {
		ndjson(GenerateChunk.self, path: "/v1/generate") { try request.body() }
	}

	/// Chats, chunk by chunk (`POST /v1/chat`); see `generate(_:)`.
	public func chat(_ request: ChatRequest) -> AsyncThrowingStream<ChatChunk, Error> {
		ndjson(ChatChunk.self, path: "/v1/chat") { try request.body() }
	}

	/// Everything that changes, as Server-Sent Events (`GET /v1/events`):
	/// a `status` snapshot first, then `status`, `metrics` and `job` events.
	/// The stream ends only when the daemon closes it (then reconnect).
	public func events() -> AsyncThrowingStream<ServerEvent, Error> {
		let lines = LineStream(client: self, method: "GET", path: "/v1/events",
		    accept: "text/event-stream") { nil }
		return AsyncThrowingStream(unfolding: {
			var name = "", data: [String] = [], id: String?
			while let raw = try await lines.next() {
				let line = String(decoding: raw, as: UTF8.self)
				if line.isEmpty {
					if !data.isEmpty || !name.isEmpty {
						return ServerEvent(name: name.isEmpty ? "message" : name,
						    data: data.joined(separator: "\n"), id: id)
					}
					continue
				}
				if line.hasPrefix(":") {
					continue
				}
				let (field, value) = LineStream.field(line)
				switch field {
				case "event": name = value
				case "data": data.append(value)
				case "id": id = value
				default: break
				}
			}
			return nil
		})
	}

	private func ndjson<T: Decodable & Sendable>(_ type: T.Type, path: String,
	    body: @escaping @Sendable () throws -> Data?) -> AsyncThrowingStream<T, Error> {
		let lines = LineStream(client: self, method: "POST", path: path,
		    accept: "application/x-ndjson", body: body)
		return AsyncThrowingStream(unfolding: {
			while let raw = try await lines.next() {
				if raw.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
					continue
				}
				let data = Data(raw)
				if let e = try? JSONDecoder().decode(APIErrorBody.self, from: data),
				    let inner = e.error {
					throw MLXDError.api(status: lines.status, code: inner.code,
					    message: inner.message ?? "generation failed")
				}
				do {
					return try MLXDJSON.decoder().decode(type, from: data)
				} catch {
					throw MLXDError.protocolError("\(T.self): \(error)")
				}
			}
			return nil
		})
	}
}

private struct CacheRemoveBody: Encodable, Sendable {
	let model: String
	let force: Bool
}

private struct CacheLinkBody: Encodable, Sendable {
	let path: String
	let name: String?
}

final class VersionFlag: @unchecked Sendable {
	private let lock = NSLock()
	private var value = false
	var isSet: Bool {
		lock.lock()
		defer { lock.unlock() }
		return value
	}
	func set() {
		lock.lock()
		value = true
		lock.unlock()
	}
}

/// The lines of a streamed reply, read from the socket only as they are
/// asked for. `next()` is called by one task at a time (the stream's
/// consumer); cancellation of that task interrupts the connection.
final class LineStream: @unchecked Sendable {
	private let client: MLXDClient
	private let request: @Sendable () throws -> HTTPRequest
	private let handle = CancelHandle()
	private var reader: HTTPResponseReader?
	private var pending: [UInt8] = []
	private var ended = false
	private(set) var status = 0

	init(client: MLXDClient, method: String, path: String, accept: String,
	    body: @escaping @Sendable () throws -> Data?) {
		self.client = client
		self.request = {
			HTTPRequest(method: method, path: path, body: try body(), accept: accept)
		}
	}

	deinit {
		if let r = reader {
			if r.reusable {
				client.transport.finish(r)
			} else {
				r.socket.interrupt()
				r.socket.close()
			}
		}
	}

	static func field(_ line: String) -> (String, String) {
		guard let c = line.firstIndex(of: ":") else {
			return (line, "")
		}
		var v = line[line.index(after: c)...]
		if v.first == " " {
			v = v.dropFirst()
		}
		return (String(line[..<c]), String(v))
	}

	/// The next line without its end (CRLF or LF), or nil at the end.
	func next() async throws -> [UInt8]? {
		if reader == nil {
			try Task.checkCancellation()
			try await client.checkVersion()
			let req = try request()
			let t = client.transport
			let h = handle
			let r = try await runBlocking(h) {
				try t.open(req, handle: h, streaming: true)
			}
			reader = r
			status = r.head?.status ?? 0
			if !(200..<300).contains(status) {
				let body = try await runBlocking(h) { try r.readAll() }
				throw MLXDClient.apiError(status: status, body: body)
			}
		}
		while true {
			if let i = pending.firstIndex(of: 0x0A) {
				var line = Array(pending[..<i])
				pending.removeSubrange(...i)
				if line.last == 0x0D {
					line.removeLast()
				}
				return line
			}
			if ended {
				if pending.isEmpty {
					return nil
				}
				let line = pending
				pending.removeAll()
				return line
			}
			let r = reader!
			let piece = try await runBlocking(handle) { try r.readBody() }
			if let piece {
				pending.append(contentsOf: piece)
			} else {
				ended = true
			}
		}
	}
}
