// SPDX-License-Identifier: ISC
//
// StreamTests.swift: generate, chat (with images) and events; cancelling
// the consuming task or leaving the loop cancels the request upstream.

import Foundation
import XCTest
@testable import MLXD

final class StreamTests: XCTestCase {
	func testGenerateStreams() async throws {
		let w = try World()
		let mlxd = try w.client()
		var chunks: [GenerateChunk] = []
		for try await c in mlxd.generate(GenerateRequest(model: "llama3.2",
		    prompt: "Why is the sky blue?", options: ["num_predict": 8])) {
			chunks.append(c)
		}
		XCTAssertEqual(chunks.count, 9)
		XCTAssertTrue(chunks.last!.done)
		XCTAssertNil(chunks.first!.metrics)
		let m = try XCTUnwrap(chunks.last?.metrics)
		XCTAssertEqual(m.evalCount, 8)
		XCTAssertEqual(m.doneReason, "length")
		XCTAssertEqual(try XCTUnwrap(m.tokensPerSecond), 200, accuracy: 1)
		XCTAssertNotNil(chunks.last?.context)
		XCTAssertNotNil(chunks.first?.createdAt)
		// The connection went back to the pool after the whole reply.
		XCTAssertEqual(mlxd.transport.pool.idleCount, 1)
		XCTAssertEqual(w.stop(), 0)
	}

	func testChatWithImages() async throws {
		let w = try World()
		let mlxd = try w.client()
		let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3])
		let file = w.dir.appendingPathComponent("photo.jpg")
		let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 9, 8, 7])
		try jpeg.write(to: file)
		XCTAssertEqual(try ImageAttachment.file(file).bytes(), jpeg)
		var answer = ""
		var rate: Double?
		for try await c in mlxd.chat(ChatRequest(model: "llama3.2", messages: [
		    .system("Be brief."),
		    .user("What is in these?", images: [.data(png), .file(file)])],
		    options: ["num_predict": 5])) {
			answer += c.message.content
			XCTAssertEqual(c.message.role, .assistant)
			if c.done {
				rate = c.metrics?.tokensPerSecond
			}
		}
		XCTAssertFalse(answer.isEmpty)
		XCTAssertNotNil(rate)
		let log = try w.simRequests()
		let body = try XCTUnwrap(log.last?["body"] as? [String: Any])
		let msgs = try XCTUnwrap(body["messages"] as? [[String: Any]])
		XCTAssertEqual(msgs.count, 2)
		XCTAssertEqual(msgs[1]["images"] as? [String],
		    [png.base64EncodedString(), jpeg.base64EncodedString()])
		XCTAssertNil(msgs[0]["images"])
		XCTAssertEqual(body["stream"] as? Bool, true)
		XCTAssertEqual(w.stop(), 0)
	}

	func testGenerateErrors() async throws {
		let w = try World()
		let mlxd = try w.client()
		do {
			for try await _ in mlxd.generate(GenerateRequest(model: "nope", prompt: "hi")) {}
			XCTFail("an unknown model generated")
		} catch let e as MLXDError {
			guard case .api(let status, _, let message) = e else {
				return XCTFail("wrong error \(e)")
			}
			XCTAssertEqual(status, 404)
			XCTAssertEqual(message, "model 'nope' not found")
		}
		_ = try w.simRequest("POST", "/_sim/config", ["mode": "midstream_error"])
		var got = 0
		do {
			for try await _ in mlxd.chat(ChatRequest(model: "llama3.2",
			    messages: [.user("hi")])) {
				got += 1
			}
			XCTFail("a failing stream ended cleanly")
		} catch let e as MLXDError {
			guard case .api(_, _, let message) = e else {
				return XCTFail("wrong error \(e)")
			}
			XCTAssertTrue(message.contains("unexpected EOF"), message)
		}
		XCTAssertEqual(got, 3, "the chunks before the error arrive")
		XCTAssertEqual(w.stop(), 0)
	}

	/// Waits for the simulator's last request to end and returns its outcome.
	private func lastOutcome(_ w: World) async throws -> [String: Any] {
		var last: [String: Any] = [:]
		try await eventually(10, "the simulator's request to end") {
			last = try w.simRequests().last ?? [:]
			return (last["outcome"] as? String) != "running" && !last.isEmpty
		}
		return last
	}

	func testCancellingTheTaskCancelsUpstream() async throws {
		let w = try World(simArgs: ["--tps", "20", "--ttft-ms", "10", "--load-ms", "10"])
		let mlxd = try w.client()
		let got = Counter()
		let task = Task {
			for try await _ in mlxd.generate(GenerateRequest(model: "llama3.2",
			    prompt: "long", options: ["num_predict": 1000])) {
				got.increment()
			}
		}
		try await eventually(10, "the first chunks") { got.value >= 2 }
		let t0 = Date()
		task.cancel()
		let result = await task.result
		XCTAssertLessThan(Date().timeIntervalSince(t0), 2, "cancellation is prompt")
		if case .success = result {
			XCTFail("a cancelled stream ended normally")
		}
		let last = try await lastOutcome(w)
		XCTAssertEqual(last["outcome"] as? String, "cancelled")
		XCTAssertEqual(last["cancelled"] as? Bool, true)
		XCTAssertLessThan(last["tokens_sent"] as? Int ?? 1000, 100)
		// The daemon recorded the generation as ended.
		try await eventually(10, "no active generation") {
			try await mlxd.status().generation?.active.isEmpty == true
		}
		XCTAssertEqual(w.stop(), 0)
	}

	func testLeavingTheLoopCancelsUpstream() async throws {
		let w = try World(simArgs: ["--tps", "20", "--ttft-ms", "10", "--load-ms", "10"])
		let mlxd = try w.client()
		var n = 0
		for try await _ in mlxd.chat(ChatRequest(model: "llama3.2", messages: [.user("go")],
		    options: ["num_predict": 1000])) {
			n += 1
			if n == 2 {
				break
			}
		}
		let last = try await lastOutcome(w)
		XCTAssertEqual(last["outcome"] as? String, "cancelled")
		XCTAssertEqual(w.stop(), 0)
	}

	func testCancellingBeforeTheReply() async throws {
		// Cancelled while mlxd waits for Ollama to load the model.
		let w = try World(simArgs: ["--load-ms", "3000", "--ttft-ms", "10"])
		let mlxd = try w.client()
		let task = Task {
			for try await _ in mlxd.generate(GenerateRequest(model: "qwen3:8b", prompt: "x")) {}
		}
		try await eventually(10, "the request to reach Ollama") {
			try w.simRequests().count == 1
		}
		task.cancel()
		if case .success = await task.result {
			XCTFail("a cancelled stream ended normally")
		}
		let last = try await lastOutcome(w)
		XCTAssertEqual(last["outcome"] as? String, "cancelled")
		XCTAssertEqual(w.stop(), 0)
	}

	func testBackPressure() async throws {
		// A consumer that does not read keeps the reply in the socket: the
		// SDK reads only as chunks are asked for.
		let w = try World(simArgs: ["--tps", "2000", "--ttft-ms", "1", "--load-ms", "1"])
		let mlxd = try w.client()
		var it = mlxd.generate(GenerateRequest(model: "llama3.2", prompt: "x",
		    options: ["num_predict": 200])).makeAsyncIterator()
		let first = try await it.next()
		XCTAssertNotNil(first)
		try await Task.sleep(nanoseconds: 300_000_000)
		var n = 1
		var done = false
		while let c = try await it.next() {
			n += 1
			done = c.done
		}
		XCTAssertTrue(done)
		XCTAssertEqual(n, 201, "every chunk arrives, none lost while not reading")
		XCTAssertEqual(w.stop(), 0)
	}

	func testEvents() async throws {
		let w = try World(config: "metrics:\n  interval_ms: 250\n")
		let mlxd = try w.client()
		var names: [String] = []
		var firstStatus: Status?
		var sample: MetricsSample?
		for try await e in mlxd.events() {
			names.append(e.name)
			if names.count == 1 {
				firstStatus = try e.decode(Status.self)
			}
			if let m = e.metrics {
				sample = m
				break
			}
		}
		XCTAssertEqual(names.first, "status")
		XCTAssertEqual(firstStatus?.daemon.socket, w.socket)
		XCTAssertNotNil(sample?.memory?.totalBytes)

		// Cancelling the consumer closes the event stream.
		let task = Task {
			for try await _ in mlxd.events() {}
		}
		try await Task.sleep(nanoseconds: 200_000_000)
		task.cancel()
		if case .success = await task.result {
			XCTFail("a cancelled event stream ended normally")
		}
		XCTAssertEqual(w.stop(), 0)
	}
}

final class Counter: @unchecked Sendable {
	private let lock = NSLock()
	private var n = 0
	func increment() {
		lock.lock()
		n += 1
		lock.unlock()
	}
	var value: Int {
		lock.lock()
		defer { lock.unlock() }
		return n
	}
}
