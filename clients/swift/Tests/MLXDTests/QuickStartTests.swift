// SPDX-License-Identifier: ISC
//
// QuickStartTests.swift: the code of docs/swift.md compiles (it is below,
// character for character up to indentation) and runs against the daemon;
// the example programs work.

import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
import MLXD

// BEGIN DOC CODE
func overview() async throws {
    let mlxd = try MLXDClient()          // $MLXD_SOCKET, or the default socket
    let status = try await mlxd.status()
    print("mlxd \(status.daemon.version), Ollama",
          status.ollama.connected ? "connected" : "not reachable")
    for model in try await mlxd.models().models {
        print(model.name, model.parameterSize ?? "?", model.capabilities ?? [])
    }
}

func describe(_ photo: URL, with model: String, using mlxd: MLXDClient) async throws {
    let request = ChatRequest(model: model, messages: [
        .user("What is in this picture?", images: [.file(photo)])
    ])
    for try await chunk in mlxd.chat(request) {
        print(chunk.message.content, terminator: "")
        if let rate = chunk.metrics?.tokensPerSecond {
            print("\n\(rate) tok/s")
        }
    }
}

func errors() async {
    do {
        let mlxd = try MLXDClient(socketPath: "/nowhere/mlxd.sock")
        _ = try await mlxd.health()
    } catch MLXDError.notRunning(let path) {
        print("start mlxd first (nothing at \(path))")
    } catch let error as MLXDError {
        print(error.code ?? "-", error.description)
    } catch {
        print(error)
    }
}

func watch() async throws {
    let mlxd = try MLXDClient()
    let task = Task {
        for try await event in mlxd.events() {
            if let sample = event.metrics {
                print("memory used:", sample.memory?.usedBytes.map(String.init) ?? "unknown")
            }
        }
    }
    try await Task.sleep(nanoseconds: 2_000_000_000)
    task.cancel()                        // closes the connection
}
// END DOC CODE

final class QuickStartTests: XCTestCase {
	private func normalized(_ s: some StringProtocol) -> [String] {
		s.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
		    .filter { !$0.isEmpty }
	}

	func testDocCodeIsHere() throws {
		let root = TestBinaries.sourceRoot
		let doc = try String(contentsOf: root.appendingPathComponent("docs/swift.md"), encoding: .utf8)
		let me = try String(contentsOf: root.appendingPathComponent(
		    "clients/swift/Tests/MLXDTests/QuickStartTests.swift"), encoding: .utf8)
		let start = try XCTUnwrap(me.range(of: "// BEGIN DOC CODE\n"))
		let end = try XCTUnwrap(me.range(of: "// END DOC CODE"))
		let here = normalized(me[start.upperBound..<end.lowerBound]).joined(separator: "\n")
		let blocks = doc.components(separatedBy: "```swift\n").dropFirst()
		    .map { $0.components(separatedBy: "```")[0] }
		XCTAssertGreaterThanOrEqual(blocks.count, 4)
		for b in blocks where !b.contains("// not compiled") {
			let code = normalized(b).filter { !$0.hasPrefix("import ") }.joined(separator: "\n")
			XCTAssertTrue(here.contains(code), "docs/swift.md block not in the tests:\n\(code)")
		}
	}

	func testDocCodeRuns() async throws {
		let w = try World()
		setenv("MLXD_SOCKET", w.socket, 1)
		defer { unsetenv("MLXD_SOCKET") }
		try await overview()
		let photo = w.dir.appendingPathComponent("photo.jpg")
		try Data([0xFF, 0xD8, 0xFF]).write(to: photo)
		try await describe(photo, with: "llama3.2", using: w.client())
		let body = try XCTUnwrap(w.simRequests().last?["body"] as? [String: Any])
		let msgs = try XCTUnwrap(body["messages"] as? [[String: Any]])
		XCTAssertEqual(msgs.first?["images"] as? [String], ["/9j/"])
		await errors()
		try await watch()
		XCTAssertEqual(w.stop(), 0)
	}

	private func example(_ name: String) throws -> String {
		let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
		let candidates = [dir, dir.deletingLastPathComponent()].map {
			$0.appendingPathComponent(name).path
		}
		guard let p = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
			throw XCTSkip("\(name) was not built beside the tests")
		}
		return p
	}

	private func run(_ path: String, _ args: [String], input: String, in w: World) throws -> (Int32, String) {
		let inFile = w.dir.appendingPathComponent("stdin").path
		let outFile = w.dir.appendingPathComponent("stdout").path
		try input.write(toFile: inFile, atomically: true, encoding: .utf8)
		_ = FileManager.default.createFile(atPath: outFile, contents: nil)
		let i = open(inFile, O_RDONLY)
		let o = open(outFile, O_WRONLY)
		defer {
			close(i)
			close(o)
		}
		let c = try Child.spawn(path, args, env: w.env, stdin: i, stdout: o, stderr: o)
		let st = c.wait()
		return (st, try String(contentsOfFile: outFile, encoding: .utf8))
	}

	func testChatExample() throws {
		let w = try World()
		let (st, out) = try run(try example("mlxd-chat"), ["--socket", w.socket, "llama3.2"],
		    input: "hello\nand again\n", in: w)
		XCTAssertEqual(st, 0, out)
		XCTAssertEqual(out.components(separatedBy: "tok/s]").count, 3, out)
		// The second question carries the first exchange (history).
		let body = try XCTUnwrap(w.simRequests().last?["body"] as? [String: Any])
		XCTAssertEqual((body["messages"] as? [Any])?.count, 3)
		XCTAssertEqual(w.stop(), 0)
	}

	func testCaptionExample() throws {
		let w = try World()
		let a = w.dir.appendingPathComponent("a.png")
		let b = w.dir.appendingPathComponent("b.png")
		try Data([1, 2, 3]).write(to: a)
		try Data([4, 5, 6]).write(to: b)
		let (st, out) = try run(try example("mlxd-caption"),
		    ["--socket", w.socket, "--model", "llama3.2", a.path, b.path], input: "", in: w)
		XCTAssertEqual(st, 0, out)
		let lines = out.split(separator: "\n")
		XCTAssertEqual(lines.count, 2, out)
		XCTAssertTrue(lines[0].hasPrefix(a.path + ": "))
		XCTAssertTrue(lines[1].hasPrefix(b.path + ": "))
		let (st2, out2) = try run(try example("mlxd-caption"),
		    ["--socket", w.dir.appendingPathComponent("none.sock").path, a.path], input: "", in: w)
		XCTAssertEqual(st2, 1)
		XCTAssertTrue(out2.contains("mlxd is not running at"), out2)
		XCTAssertEqual(w.stop(), 0)
	}
}
