// SPDX-License-Identifier: ISC
//
// ClientTests.swift: every public call of MLXDClient against the real
// daemon and the Ollama simulator, decoding what the daemon really sends.

import Foundation
import XCTest
@testable import MLXD

final class ClientTests: XCTestCase {
	func testDaemonDown() async throws {
		let path = NSTemporaryDirectory() + "mlxd-swift-none-\(getpid())/mlxd.sock"
		let mlxd = try MLXDClient(socketPath: path)
		do {
			_ = try await mlxd.status()
			XCTFail("status succeeded with no daemon")
		} catch let e as MLXDError {
			XCTAssertEqual(e, .notRunning(path: path))
			XCTAssertEqual(e.description, "mlxd is not running at \(path)")
		}
		var sawError = false
		do {
			for try await _ in mlxd.generate(GenerateRequest(model: "llama3.2", prompt: "hi")) {}
		} catch let e as MLXDError {
			XCTAssertEqual(e, .notRunning(path: path))
			sawError = true
		}
		XCTAssertTrue(sawError)
		// A daemon that went away is "not running" too, also for a client
		// holding a kept-alive connection.
		let w = try World()
		let c = try w.client()
		_ = try await c.health()
		XCTAssertEqual(w.stopDaemon(), 0)
		do {
			_ = try await c.health()
			XCTFail("health succeeded after the daemon stopped")
		} catch let e as MLXDError {
			XCTAssertEqual(e, .notRunning(path: w.socket))
		}
	}

	func testSocketPathMatchesLibmlxd() throws {
		XCTAssertEqual(try MLXDClient.defaultSocketPath(environment: ["MLXD_SOCKET": "/x/y.sock",
		    "XDG_RUNTIME_DIR": "/run/user/1"]), "/x/y.sock")
#if canImport(Darwin)
		XCTAssertEqual(try MLXDClient.defaultSocketPath(environment: ["HOME": "/Users/a"]),
		    "/Users/a/Library/Application Support/mlxd/mlxd.sock")
		XCTAssertThrowsError(try MLXDClient.defaultSocketPath(environment: ["HOME": "rel"]))
#else
		XCTAssertEqual(try MLXDClient.defaultSocketPath(environment: ["MLXD_SOCKET": "",
		    "XDG_RUNTIME_DIR": "/run/user/1"]), "/run/user/1/mlxd/mlxd.sock")
		XCTAssertEqual(try MLXDClient.defaultSocketPath(environment: ["XDG_RUNTIME_DIR": "rel"]),
		    "/tmp/mlxd-\(getuid())/mlxd.sock")
		XCTAssertEqual(try MLXDClient.defaultSocketPath(environment: [:]),
		    "/tmp/mlxd-\(getuid())/mlxd.sock")
#endif
	}

	/// The daemon started without --socket listens where the SDK looks.
	func testDefaultPathReachesDaemon() async throws {
		let bins = try TestBinaries.require()
		let dir = NSTemporaryDirectory() + "mlxd-swift-xdg-\(UUID().uuidString.prefix(8))"
		try FileManager.default.createDirectory(atPath: dir + "/xdg", withIntermediateDirectories: true)
		defer { try? FileManager.default.removeItem(atPath: dir) }
		let env = ["XDG_RUNTIME_DIR": dir + "/xdg", "HOME": dir, "PATH": "/usr/bin:/bin"]
		try "ollama:\n  url: http://127.0.0.1:9\n".write(toFile: dir + "/c.yaml",
		    atomically: true, encoding: .utf8)
		let p = try Child.spawn(bins.mlxd, ["--config", dir + "/c.yaml", "--data-dir", dir + "/data"],
		    env: env)
		defer { p.stop() }
		let mlxd = try MLXDClient(socketPath: MLXDClient.defaultSocketPath(environment: env))
		XCTAssertEqual(mlxd.socketPath, dir + "/xdg/mlxd/mlxd.sock")
		try await eventually(10, "the daemon on the default path") {
			try await mlxd.health().status == "ok"
		}
	}

	func testDaemonCalls() async throws {
		let w = try World(config: "metrics:\n  interval_ms: 250\n")
		let mlxd = try w.client()

		let h = try await mlxd.health()
		XCTAssertEqual(h.status, "ok")
		XCTAssertEqual(h.apiVersion, MLXDClient.apiVersion)
		XCTAssertEqual(h.pid, Int64(w.daemon.pid))

		try await eventually(10, "Ollama connected") {
			try await mlxd.status().ollama.connected
		}
		let st = try await mlxd.status()
		XCTAssertEqual(st.daemon.socket, w.socket)
		XCTAssertEqual(st.ollama.version, "0.32.15")
		XCTAssertNil(st.ollama.lastError)

		let models = try await mlxd.models()
		XCTAssertEqual(models.models.count, 5)
		let mistral = try XCTUnwrap(models.models.first { $0.name == "mistral:7b" })
		XCTAssertNil(mistral.contextLength, "unknown figures are nil, not 0")
		XCTAssertNil(mistral.capabilities)
		let bge = try XCTUnwrap(models.models.first { $0.name == "bge-m3:latest" })
		XCTAssertNil(bge.families)
		XCTAssertEqual(models.models.first { $0.name == "llama3.2:latest" }?.capabilities,
		    ["completion", "tools"])

		_ = try w.simRequest("POST", "/_sim/load", ["model": "qwen3:8b"])
		try await eventually(10, "qwen3 running") {
			try await mlxd.runningModels().models.contains { $0.name == "qwen3:8b" }
		}
		let qwen = try await mlxd.runningModels().models.first { $0.name == "qwen3:8b" }
		XCTAssertNotNil(qwen?.vramBytes)
		XCTAssertNotNil(qwen?.expiresAt)

		try await eventually(10, "a metrics sample") {
			(try? await mlxd.metrics()) != nil
		}
		let m = try await mlxd.metrics()
		XCTAssertNotNil(m.memory?.totalBytes)
		XCTAssertNil(m.powerWatts?.ane, "no ANE power on this machine: nil, not 0")
		let hist = try await mlxd.metricsHistory(window: "1m", step: "1s")
		XCTAssertEqual(hist.stepMs, 1000)
		do {
			_ = try await mlxd.metricsHistory(window: "banana")
			XCTFail("a bad window was accepted")
		} catch let e as MLXDError {
			XCTAssertEqual(e.code, "bad_request")
		}

		let sys = try await mlxd.system()
		XCTAssertNotNil(sys.cpu?.logical)
		XCTAssertNotNil(sys.memoryTotalBytes)

		let cfg = try await mlxd.config()
		XCTAssertEqual(cfg["socket"]?.value, .string(w.socket))
		XCTAssertEqual(cfg["ollama.poll_interval_ms"]?.value, 200)
		XCTAssertEqual(cfg["ollama.poll_interval_ms"]?.source, "file")

		var text = ""
		for try await c in mlxd.generate(GenerateRequest(model: "llama3.2", prompt: "hi",
		    options: ["num_predict": 3])) {
			text += c.response
		}
		XCTAssertFalse(text.isEmpty)
		let sessions = try await mlxd.sessions(model: "llama3.2", limit: 5)
		XCTAssertEqual(sessions.first?.evalCount, 3)
		XCTAssertEqual(sessions.first?.doneReason, "length")
		XCTAssertNotNil(sessions.first?.genTps)
		XCTAssertEqual(sessions.first?.kind, "generate")
		let got1 = try await mlxd.sessions(model: "nothing-like-it").count
		XCTAssertEqual(got1, 0)

		// Connections are kept alive between calls.
		XCTAssertEqual(mlxd.transport.pool.idleCount, 1)

		do {
			_ = try await mlxd.job("no-such-job")
			XCTFail("a missing job was found")
		} catch let e as MLXDError {
			guard case .api(let status, let code, let message) = e else {
				return XCTFail("wrong error \(e)")
			}
			XCTAssertEqual(status, 404)
			XCTAssertEqual(code, "not_found")
			XCTAssertFalse(message.isEmpty)
		}
		XCTAssertEqual(w.stop(), 0)
	}

	func testConfigChanges() async throws {
		let w = try World()
		let mlxd = try w.client()

		let set = try await mlxd.setConfig("retention_days", 12)
		XCTAssertEqual(set["retention_days"]?.value, 12)
		XCTAssertEqual(set["retention_days"]?.source, "api")
		XCTAssertEqual(set.restartRequired, [])
		let list = try await mlxd.setConfig("cache.dedup.methods", .array(["hardlink"]))
		XCTAssertEqual(list["cache.dedup.methods"]?.value, .array(["hardlink"]))
		let later = try await mlxd.setConfig("metrics.interval_ms", 2000)
		XCTAssertEqual(later.restartRequired, ["metrics.interval_ms"])
		let now = try await mlxd.config()
		XCTAssertEqual(now["retention_days"]?.value, 12, "the daemon keeps it")
		XCTAssertNil(now.restartRequired)

		do {
			try await mlxd.setConfig("retention_days", 0)
			XCTFail("an out-of-range value was taken")
		} catch let MLXDError.api(status, code, message) {
			XCTAssertEqual(status, 400)
			XCTAssertEqual(code, "bad_request")
			XCTAssertTrue(message.contains("out of range"), message)
		}
		do {
			try await mlxd.setConfig("retention_days", "7")
			XCTFail("a string was taken for an integer")
		} catch let e as MLXDError {
			XCTAssertEqual(e.code, "bad_request")
		}

		let back = try await mlxd.unsetConfig("retention_days")
		XCTAssertEqual(back["retention_days"]?.source, "default")
		let again = try await mlxd.config()
		XCTAssertEqual(again["retention_days"]?.source, "default")
		XCTAssertEqual(w.stop(), 0)
	}

	func testBenchmarks() async throws {
		let w = try World(simArgs: ["--tps", "400", "--ttft-ms", "5", "--load-ms", "5"])
		let mlxd = try w.client()
		try await eventually(10, "Ollama connected") {
			try await mlxd.status().ollama.connected
		}
		// A long run to cancel.
		let long = try await mlxd.startBenchmark(BenchmarkRequest(model: "llama3.2",
		    suite: "quick", repetitions: 20, warmup: 0))
		XCTAssertEqual(long.state, "running")
		do {
			_ = try await mlxd.startBenchmark(BenchmarkRequest(model: "llama3.2"))
			XCTFail("a second benchmark started")
		} catch let e as MLXDError {
			XCTAssertEqual(e.code, "busy")
		}
		let p = try await mlxd.benchmarkProgress(long.id)
		XCTAssertEqual(p?.job, long.job)
		XCTAssertNotNil(p?.stepsTotal)
		let cancelled = try await mlxd.cancelBenchmark(long.id)
		XCTAssertEqual(cancelled.id, long.job)
		let ended = try await mlxd.waitForJob(long.job)
		XCTAssertEqual(ended.state, "cancelled")
		let got2 = try await mlxd.benchmarkProgress(long.id)
		XCTAssertNil(got2)

		var ids: [String] = []
		for _ in 0..<2 {
			let r = try await mlxd.startBenchmark(BenchmarkRequest(model: "llama3.2",
			    suite: "quick", repetitions: 2, warmup: 0, numPredict: 4))
			let j = try await mlxd.waitForJob(r.job)
			XCTAssertEqual(j.state, "done")
			ids.append(r.id)
		}
		let run = try await mlxd.benchmark(ids[0])
		XCTAssertEqual(run.state, "done")
		XCTAssertEqual(run.tests?.map(\.name), ["pp512", "tg128"])
		XCTAssertNotNil(run.tests?.first?.genTps?.mean)
		let list = try await mlxd.benchmarks(model: "llama3.2")
		XCTAssertEqual(Set(list.map(\.id)), Set(ids + [long.id]))
		let csv = try await mlxd.exportBenchmark(ids[0], format: .csv)
		XCTAssertTrue(csv.hasPrefix("run_id,"))
		let md = try await mlxd.exportBenchmark(ids[0], format: .markdown)
		XCTAssertTrue(md.contains("|"))
		let json = try await mlxd.exportBenchmark(ids[0])
		XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(json.utf8)))
		let cmp = try await mlxd.compareBenchmarks(base: ids[0], candidate: ids[1])
		XCTAssertEqual(cmp.tests.map(\.name), ["pp512", "tg128"])
		XCTAssertNotNil(cmp.tests.first?.metrics?["gen_tps"])
		try await mlxd.deleteBenchmark(ids[1])
		let got3 = try await mlxd.benchmarks().count
		XCTAssertEqual(got3, 2)
		XCTAssertEqual(w.stop(), 0)
	}

	func testCache() async throws {
		let w = try World(config: "cache:\n  min_size_bytes: 1024\n")
		let mlxd = try w.client()
		let folder = w.dir.appendingPathComponent("weights")
		let fm = FileManager.default
		try fm.createDirectory(at: folder.appendingPathComponent("a"),
		    withIntermediateDirectories: true)
		try fm.createDirectory(at: folder.appendingPathComponent("b"),
		    withIntermediateDirectories: true)
		let blob = Data((0..<65536).map { UInt8($0 % 251) })
		try blob.write(to: folder.appendingPathComponent("a/model.safetensors"))
		try blob.write(to: folder.appendingPathComponent("b/model.safetensors"))
		try "{}".write(to: folder.appendingPathComponent("a/config.json"), atomically: true, encoding: .utf8)
		try "{}".write(to: folder.appendingPathComponent("b/config.json"), atomically: true, encoding: .utf8)

		let add = try await mlxd.cacheAdd("file://" + folder.path)
		let got4 = try await mlxd.waitForJob(add.job).state
		XCTAssertEqual(got4, "done")
		let idx = try await mlxd.cacheStatus()
		XCTAssertFalse(idx.models.isEmpty)
		XCTAssertFalse(idx.scanning)
		let addJobs = try await mlxd.jobs(kind: "cache.add")
		XCTAssertEqual(addJobs.map(\.id), [add.job])
		XCTAssertNotNil(addJobs.first?.result?["root"]?.stringValue)
		do {
			try await mlxd.cancelJob(add.job)
			XCTFail("cancelled a finished job")
		} catch let e as MLXDError {
			XCTAssertEqual(e.code, "finished")
		}
		let opts = try await mlxd.cacheDedup(DedupOptions(dryRun: true, rescan: false))
		let optsJob = try await mlxd.waitForJob(opts.job)
		XCTAssertEqual(optsJob.state, "done")
		let sync = try await mlxd.cacheSync()
		let got5 = try await mlxd.waitForJob(sync.job).state
		XCTAssertEqual(got5, "done")

		let dry = try await mlxd.cacheDedupDryRun()
		let dj = try await mlxd.waitForJob(dry.job)
		XCTAssertEqual(dj.state, "done")
		XCTAssertNotNil(dj.result)
		let before = try await mlxd.cacheStats()
		XCTAssertEqual(before.logicalBytes, before.uniqueBytes)
		let apply = try await mlxd.cacheDedupApply(methods: ["hardlink"], linkUserFiles: true)
		let got6 = try await mlxd.waitForJob(apply.job).state
		XCTAssertEqual(got6, "done")
		let after = try await mlxd.cacheStats()
		XCTAssertLessThan(after.uniqueBytes, after.logicalBytes, "dedup made files share storage")

		let app = w.dir.appendingPathComponent("app")
		try fm.createDirectory(at: app, withIntermediateDirectories: true)
		let linked = try await mlxd.cacheLinkApp(path: app.path, name: "myapp")
		XCTAssertEqual(linked.name, "myapp")
		_ = try await mlxd.waitForJob(try XCTUnwrap(linked.job))
		let got7 = try await mlxd.cacheApps().map(\.name)
		XCTAssertEqual(got7, ["myapp"])
		let unlinked = try await mlxd.cacheUnlinkApp("myapp")
		// With no scan running or queued, an unknown model is refused at once.
		_ = try await mlxd.waitForJob(try XCTUnwrap(unlinked.job))
		let got8 = try await mlxd.cacheApps().count
		XCTAssertEqual(got8, 0)

		do {
			_ = try await mlxd.cacheRemove("no-such-model")
			XCTFail("removed a missing model")
		} catch let e as MLXDError {
			XCTAssertEqual(e.code, "not_found")
		}
		let rm = try await mlxd.cacheRemove("file://" + folder.path)
		let got9 = try await mlxd.waitForJob(rm.job).state
		XCTAssertEqual(got9, "done")
		XCTAssertTrue(fm.fileExists(atPath: folder.appendingPathComponent("a/config.json").path),
		    "forgetting a folder leaves its files")
		XCTAssertEqual(w.stop(), 0)
	}
}
