// SPDX-License-Identifier: ISC
//
// HTTP.swift: the small HTTP/1.1 client the SDK speaks over the Unix
// socket: requests with Content-Length, replies framed by Content-Length,
// chunked transfer coding or end of connection, kept-alive connections in a
// pool, and bodies read piece by piece as the caller asks for them (so a
// slow consumer slows the reads: back-pressure).

import Foundation
import Dispatch

/// Status line and headers of a reply (header names lower-cased).
struct HTTPHead: Sendable {
	var status: Int
	var headers: [String: String]
	var keepAlive: Bool
}

/// Reads one reply from a connection: the head, then the body piece by
/// piece. Used by one thread at a time.
final class HTTPResponseReader: @unchecked Sendable {
	let socket: UnixSocket
	private var buffer: [UInt8] = []
	private var eof = false
	private enum Framing {
		case length(Int)
		case chunked(remaining: Int, finished: Bool)
		case untilClose
	}
	private var framing: Framing = .length(0)
	private(set) var head: HTTPHead?
	/// True once the whole body has been read.
	private(set) var complete = false

	init(socket: UnixSocket) {
		self.socket = socket
	}

	private func fill() throws -> Bool {
		if eof {
			return false
		}
		let got = try socket.read()
		if got.isEmpty {
			eof = true
			return false
		}
		buffer.append(contentsOf: got)
		return true
	}

	private func readLine() throws -> String {
		while true {
			if let i = buffer.firstIndex(of: 0x0A) {
				var line = Array(buffer[..<i])
				buffer.removeSubrange(...i)
				if line.last == 0x0D {
					line.removeLast()
				}
				return String(decoding: line, as: UTF8.self)
			}
			if buffer.count > 65536 {
				throw MLXDError.protocolError("header line too long")
			}
			if try !fill() {
				throw MLXDError.protocolError("connection closed in the reply's head")
			}
		}
	}

	/// True when no byte of a reply has arrived (a stale kept-alive
	/// connection the daemon closed; the request may be retried).
	var nothingReceived: Bool { head == nil && buffer.isEmpty }

	/// Reads the status line and headers.
	func readHead(method: String) throws -> HTTPHead {
		var status = 0
		var version = ""
		repeat {
			let line = try readLine()
			let parts = line.split(separator: " ", maxSplits: 2)
			guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."),
			    let st = Int(parts[1]) else {
				throw MLXDError.protocolError("not an HTTP reply: \(line.prefix(80))")
			}
			version = String(parts[0])
			status = st
			var headers: [String: String] = [:]
			while true {
				let h = try readLine()
				if h.isEmpty {
					break
				}
				guard let c = h.firstIndex(of: ":") else {
					throw MLXDError.protocolError("bad header line")
				}
				let name = h[..<c].lowercased()
				let value = h[h.index(after: c)...].trimmingCharacters(in: .whitespaces)
				headers[name] = value
			}
			if status >= 200 || status == 101 {
				let conn = headers["connection"]?.lowercased() ?? ""
				let keep = version == "HTTP/1.1" ? !conn.contains("close") :
				    conn.contains("keep-alive")
				var h = HTTPHead(status: status, headers: headers, keepAlive: keep)
				if method == "HEAD" || status == 204 || status == 304 {
					framing = .length(0)
				} else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
					framing = .chunked(remaining: 0, finished: false)
				} else if let l = headers["content-length"], let n = Int(l), n >= 0 {
					framing = .length(n)
				} else {
					framing = .untilClose
					h.keepAlive = false
				}
				head = h
				if case .length(0) = framing {
					complete = true
				}
				return h
			}
		} while true
	}

	/// The next piece of the body, or nil at its end.
	func readBody() throws -> [UInt8]? {
		if complete {
			return nil
		}
		switch framing {
		case .length(let left):
			if buffer.isEmpty, try !fill() {
				throw MLXDError.protocolError("connection closed in the reply's body")
			}
			let n = min(left, buffer.count)
			let out = Array(buffer[..<n])
			buffer.removeSubrange(..<n)
			framing = .length(left - n)
			if left - n == 0 {
				complete = true
			}
			return out
		case .untilClose:
			if buffer.isEmpty, try !fill() {
				complete = true
				return nil
			}
			let out = buffer
			buffer.removeAll()
			return out
		case .chunked(var remaining, _):
			if remaining == 0 {
				let line = try readLine()
				let hex = line.split(separator: ";").first.map(String.init) ?? ""
				guard let size = Int(hex.trimmingCharacters(in: .whitespaces), radix: 16),
				    size >= 0 else {
					throw MLXDError.protocolError("bad chunk size")
				}
				if size == 0 {
					// Trailers up to the empty line.
					while try !readLine().isEmpty {}
					complete = true
					return nil
				}
				remaining = size
			}
			if buffer.isEmpty, try !fill() {
				throw MLXDError.protocolError("connection closed inside a chunk")
			}
			let n = min(remaining, buffer.count)
			let out = Array(buffer[..<n])
			buffer.removeSubrange(..<n)
			remaining -= n
			if remaining == 0 {
				// The CRLF after the chunk's data.
				if try !readLine().isEmpty {
					throw MLXDError.protocolError("chunk not followed by CRLF")
				}
			}
			framing = .chunked(remaining: remaining, finished: false)
			return out
		}
	}

	/// Reads the rest of the body.
	func readAll() throws -> Data {
		var d = Data()
		while let piece = try readBody() {
			d.append(contentsOf: piece)
		}
		return d
	}

	/// True when the connection can carry another request.
	var reusable: Bool {
		complete && buffer.isEmpty && !eof && (head?.keepAlive ?? false) &&
		    !socket.isInterrupted
	}
}

/// Idle kept-alive connections to one socket path.
final class ConnectionPool: @unchecked Sendable {
	private let lock = NSLock()
	private var idle: [UnixSocket] = []
	private let limit = 4

	func take() -> UnixSocket? {
		lock.lock()
		defer { lock.unlock() }
		return idle.popLast()
	}

	func put(_ s: UnixSocket) {
		lock.lock()
		defer { lock.unlock() }
		if idle.count < limit {
			idle.append(s)
		} else {
			s.close()
		}
	}

	func drain() {
		lock.lock()
		let all = idle
		idle.removeAll()
		lock.unlock()
		all.forEach { $0.close() }
	}

	var idleCount: Int {
		lock.lock()
		defer { lock.unlock() }
		return idle.count
	}
}

/// What cancellation of a Task reaches: the connection a request is
/// using, interrupted when the task is cancelled.
final class CancelHandle: @unchecked Sendable {
	private let lock = NSLock()
	private var socket: UnixSocket?
	private var cancelled = false

	func attach(_ s: UnixSocket?) throws {
		lock.lock()
		defer { lock.unlock() }
		socket = s
		if cancelled {
			s?.interrupt()
			throw CancellationError()
		}
	}

	func cancel() {
		lock.lock()
		let s = socket
		cancelled = true
		lock.unlock()
		s?.interrupt()
	}

	var isCancelled: Bool {
		lock.lock()
		defer { lock.unlock() }
		return cancelled
	}
}

/// One HTTP/1.1 request.
struct HTTPRequest: Sendable {
	var method: String
	var path: String
	var body: Data?
	var accept: String = "application/json"

	func serialized() -> [UInt8] {
		var s = "\(method) \(path) HTTP/1.1\r\nHost: mlxd\r\n" +
		    "User-Agent: mlxd-swift/\(MLXDClient.version)\r\nAccept: \(accept)\r\n"
		if let b = body {
			s += "Content-Type: application/json\r\nContent-Length: \(b.count)\r\n"
		} else if method == "POST" || method == "PUT" {
			s += "Content-Length: 0\r\n"
		}
		s += "\r\n"
		var bytes = Array(s.utf8)
		if let b = body {
			bytes.append(contentsOf: b)
		}
		return bytes
	}
}

/// The blocking side of the transport: sends a request on a pooled or new
/// connection and reads the reply's head. Runs on a Dispatch queue.
struct Transport: Sendable {
	let path: String
	let timeout: TimeInterval?
	let pool: ConnectionPool

	/// Sends `req` and returns a reader positioned at the reply's body.
	/// A kept-alive connection the daemon closed meanwhile is replaced once.
	func open(_ req: HTTPRequest, handle: CancelHandle, streaming: Bool) throws -> HTTPResponseReader {
		let bytes = req.serialized()
		var attempt = 0
		while true {
			attempt += 1
			let reused = attempt == 1 ? pool.take() : nil
			let s = try reused ?? UnixSocket.connect(path: path, timeout: timeout)
			if reused != nil {
				try s.setTimeout(timeout)
			}
			try handle.attach(s)
			let reader = HTTPResponseReader(socket: s)
			do {
				try s.write(bytes)
				_ = try reader.readHead(method: req.method)
			} catch let e as MLXDError where reused != nil && reader.nothingReceived {
				_ = e
				s.close()
				continue
			}
			if streaming {
				try s.setTimeout(nil)
			}
			return reader
		}
	}

	/// Returns the connection to the pool when its reply was read whole.
	func finish(_ reader: HTTPResponseReader) {
		if reader.reusable {
			pool.put(reader.socket)
		} else {
			reader.socket.close()
		}
	}
}

/// Runs blocking `work` on a Dispatch queue; cancelling the calling task
/// calls `handle.cancel()`, which interrupts the connection in use.
func runBlocking<T: Sendable>(_ handle: CancelHandle,
    _ work: @escaping @Sendable () throws -> T) async throws -> T {
	try await withTaskCancellationHandler {
		try await withCheckedThrowingContinuation { (k: CheckedContinuation<T, Error>) in
			DispatchQueue.global().async {
				k.resume(with: Result { try work() })
			}
		}
	} onCancel: {
		handle.cancel()
	}
}
