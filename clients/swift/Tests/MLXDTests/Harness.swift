// SPDX-License-Identifier: ISC
//
// Harness.swift: the real mlxd on a private socket against the Ollama
// simulator, as tests/integration/harness.py does. The binaries come from
// MLXD_BIN and SIM_BIN (set by `make test`); without them the tests skip.

import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import MLXD

enum TestBinaries {
	static var mlxd: String? { existing("MLXD_BIN") }
	static var sim: String? { existing("SIM_BIN") }

	private static func existing(_ name: String) -> String? {
		guard let p = ProcessInfo.processInfo.environment[name], !p.isEmpty,
		    FileManager.default.isExecutableFile(atPath: p) else {
			return nil
		}
		return p
	}

	static func require() throws -> (mlxd: String, sim: String) {
		guard let m = mlxd, let s = sim else {
			throw XCTSkip("MLXD_BIN and SIM_BIN are not set (run through `make test`)")
		}
		return (m, s)
	}

	/// The repository's root (for schema/openapi.yaml and docs/).
	static var sourceRoot: URL {
		if let r = ProcessInfo.processInfo.environment["MLXD_SOURCE_ROOT"], !r.isEmpty {
			return URL(fileURLWithPath: r)
		}
		// clients/swift/Tests/MLXDTests/Harness.swift -> repository root
		return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
		    .deletingLastPathComponent().deletingLastPathComponent()
		    .deletingLastPathComponent().deletingLastPathComponent()
	}
}

/// Reads lines from a pipe (the simulator's "PORT n").
private func readLine(from h: FileHandle) -> String {
	var bytes: [UInt8] = []
	while true {
		let d = h.readData(ofLength: 1)
		if d.isEmpty || d.first == 0x0A {
			break
		}
		bytes.append(d.first!)
	}
	return String(decoding: bytes, as: UTF8.self)
}

/// One test's private world: a temp dir, the simulator and the daemon.
final class World: @unchecked Sendable {
	let dir: URL
	let socket: String
	private(set) var sim: Child!
	private(set) var daemon: Child!
	private(set) var simPort = 0
	let env: [String: String]
	private var simOut: FileHandle?

	init(config: String = "", simArgs: [String] = ["--tps", "200", "--ttft-ms", "10",
	    "--load-ms", "10"]) throws {
		let bins = try TestBinaries.require()
		dir = URL(fileURLWithPath: NSTemporaryDirectory())
		    .appendingPathComponent("mlxd-swift-\(UUID().uuidString.prefix(8))")
		let fm = FileManager.default
		try fm.createDirectory(at: dir.appendingPathComponent("home"),
		    withIntermediateDirectories: true)
		try fm.createDirectory(at: dir.appendingPathComponent("xdg"),
		    withIntermediateDirectories: true)
		socket = dir.appendingPathComponent("run/mlxd.sock").path
		var e: [String: String] = [
			"PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
			"HOME": dir.appendingPathComponent("home").path,
			"XDG_RUNTIME_DIR": dir.appendingPathComponent("xdg").path,
			"XDG_CONFIG_HOME": dir.appendingPathComponent("home/.config").path,
			"XDG_DATA_HOME": dir.appendingPathComponent("home/.local/share").path,
			"NO_COLOR": "1",
		]
		for k in ["ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"] {
			if let v = ProcessInfo.processInfo.environment[k] {
				e[k] = v
			}
		}
		env = e

		var fds: [Int32] = [0, 0]
		guard pipe(&fds) == 0 else {
			throw MLXDError.io(errno: errno, "pipe")
		}
		sim = try Child.spawn(bins.sim, ["--port", "0"] + simArgs, env: env, stdout: fds[1])
		close(fds[1])
		let out = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
		let line = readLine(from: out)
		guard line.hasPrefix("PORT "), let p = Int(line.dropFirst(5)) else {
			throw MLXDError.protocolError("simulator did not print its port: \(line)")
		}
		simPort = p
		simOut = out

		let cfg = dir.appendingPathComponent("config.yaml")
		try ("ollama:\n  url: http://127.0.0.1:\(p)\n  poll_interval_ms: 200\n" +
		    "  timeout_ms: 1000\n" + config).write(to: cfg, atomically: true, encoding: .utf8)
		let log = dir.appendingPathComponent("mlxd.log")
		_ = fm.createFile(atPath: log.path, contents: nil)
		let logFD = open(log.path, O_WRONLY | O_APPEND)
		defer { close(logFD) }
		daemon = try Child.spawn(bins.mlxd, ["--config", cfg.path, "--socket", socket,
		    "--data-dir", dir.appendingPathComponent("data").path], env: env,
		    stdout: logFD, stderr: logFD)
		let deadline = Date().addingTimeInterval(20)
		while Date() < deadline {
			if fm.fileExists(atPath: socket), (try? rawGet("/v1/health")) != nil {
				return
			}
			guard daemon.isRunning else {
				throw MLXDError.protocolError("mlxd exited: \(daemonLog)")
			}
			usleep(50_000)
		}
		throw MLXDError.protocolError("mlxd did not answer: \(daemonLog)")
	}

	var daemonLog: String {
		(try? String(contentsOf: dir.appendingPathComponent("mlxd.log"), encoding: .utf8)) ?? ""
	}

	/// A GET over the socket with curl-free plumbing: the SDK's own transport.
	func rawGet(_ path: String) throws -> Data {
		let t = Transport(path: socket, timeout: 5, pool: ConnectionPool())
		let r = try t.open(HTTPRequest(method: "GET", path: path, body: nil),
		    handle: CancelHandle(), streaming: false)
		let body = try r.readAll()
		guard r.head?.status == 200 else {
			throw MLXDError.api(status: r.head?.status ?? 0, code: nil, message: "")
		}
		return body
	}

	func client(timeout: TimeInterval? = 30) throws -> MLXDClient {
		try MLXDClient(socketPath: socket, timeout: timeout)
	}

	/// A request to the simulator's control API.
	func simRequest(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any {
		var req = URLRequest(url: URL(string: "http://127.0.0.1:\(simPort)\(path)")!)
		req.httpMethod = method
		if let body {
			req.httpBody = try JSONSerialization.data(withJSONObject: body)
		}
		let sem = DispatchSemaphore(value: 0)
		let box = ResultBox()
		let task = URLSession.shared.dataTask(with: req) { d, _, e in
			box.data = d
			box.error = e
			sem.signal()
		}
		task.resume()
		sem.wait()
		if let e = box.error {
			throw e
		}
		return try JSONSerialization.jsonObject(with: box.data ?? Data())
	}

	/// The simulator's request log.
	func simRequests() throws -> [[String: Any]] {
		let o = try simRequest("GET", "/_sim/requests") as? [String: Any]
		return o?["requests"] as? [[String: Any]] ?? []
	}

	/// Stops both processes and returns mlxd's exit status (0 expected).
	func stop() -> Int32 {
		let status = daemon?.stop() ?? -1
		sim?.stop()
		try? FileManager.default.removeItem(at: dir)
		return status
	}

	/// Stops only the daemon.
	func stopDaemon() -> Int32 {
		daemon.stop()
	}

	deinit {
		_ = stop()
	}
}

final class ResultBox: @unchecked Sendable {
	var data: Data?
	var error: Error?
}

/// Polls `f` until it returns true or `seconds` pass.
func eventually(_ seconds: Double = 10, _ what: String,
    _ f: () async throws -> Bool) async throws {
	let slow = Double(ProcessInfo.processInfo.environment["MLXD_TEST_SLOW"] ?? "1") ?? 1
	let deadline = Date().addingTimeInterval(seconds * slow)
	while Date() < deadline {
		if (try? await f()) == true {
			return
		}
		try await Task.sleep(nanoseconds: 50_000_000)
	}
	XCTFail("timed out waiting for \(what)")
}
