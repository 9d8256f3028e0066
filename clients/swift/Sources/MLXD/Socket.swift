// SPDX-License-Identifier: ISC
//
// Socket.swift: a blocking POSIX Unix-domain stream socket that another
// thread can interrupt (cancellation shuts it down, which wakes a blocked
// read or write at once).

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// One connection to the daemon. Reads and writes block the calling thread;
/// `interrupt()` may be called from any thread. The descriptor is closed
/// only by `close()` or `deinit`, never while another thread may use it.
final class UnixSocket: @unchecked Sendable {
	private let lock = NSLock()
	private var fd: Int32
	private var interrupted = false
	let path: String

	private init(fd: Int32, path: String) {
		self.fd = fd
		self.path = path
	}

	deinit {
		if fd >= 0 {
			_ = systemClose(fd)
		}
	}

	/// Connects to the socket at `path`. A missing socket or one nobody
	/// listens on is `MLXDError.notRunning(path:)`.
	static func connect(path: String, timeout: TimeInterval?) throws -> UnixSocket {
		var addr = sockaddr_un()
		let bytes = Array(path.utf8)
		let capacity = MemoryLayout.size(ofValue: addr.sun_path)
		guard !bytes.isEmpty, bytes.count < capacity else {
			throw MLXDError.invalidSocketPath(path)
		}
#if canImport(Darwin)
		let fd = socket(AF_UNIX, SOCK_STREAM, 0)
#else
		let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
#endif
		guard fd >= 0 else {
			throw MLXDError.io(errno: errno, "socket")
		}
		let s = UnixSocket(fd: fd, path: path)
#if canImport(Darwin)
		var one: Int32 = 1
		_ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one,
		    socklen_t(MemoryLayout<Int32>.size))
#endif
		addr.sun_family = sa_family_t(AF_UNIX)
		withUnsafeMutableBytes(of: &addr.sun_path) { raw in
			raw.copyBytes(from: bytes)
			raw[bytes.count] = 0
		}
		let len = socklen_t(MemoryLayout<sockaddr_un>.size)
		let rc = withUnsafePointer(to: &addr) {
			$0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
				systemConnect(fd, $0, len)
			}
		}
		if rc != 0 {
			let e = errno
			if e == ENOENT || e == ECONNREFUSED || e == ENOTDIR {
				throw MLXDError.notRunning(path: path)
			}
			throw MLXDError.io(errno: e, "connect to \(path)")
		}
		try s.setTimeout(timeout)
		return s
	}

	/// Limits each later read and write to `timeout` seconds (nil: none).
	func setTimeout(_ timeout: TimeInterval?) throws {
		var tv = timeval()
		if let t = timeout, t > 0 {
			tv.tv_sec = Int(t)
			tv.tv_usec = .init((t - Double(Int(t))) * 1_000_000)
		}
		let size = socklen_t(MemoryLayout<timeval>.size)
		if setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, size) != 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, size) != 0 {
			throw MLXDError.io(errno: errno, "setsockopt")
		}
	}

	/// Wakes any blocked read or write; later ones fail with
	/// `CancellationError`. Safe from any thread, any number of times.
	func interrupt() {
		lock.lock()
		defer { lock.unlock() }
		interrupted = true
		if fd >= 0 {
			_ = shutdown(fd, Int32(SHUT_RDWR))
		}
	}

	var isInterrupted: Bool {
		lock.lock()
		defer { lock.unlock() }
		return interrupted
	}

	/// Closes the descriptor now (the owner is done with it).
	func close() {
		lock.lock()
		defer { lock.unlock() }
		if fd >= 0 {
			_ = systemClose(fd)
			fd = -1
		}
	}

	private func failure(_ e: Int32, _ what: String) -> Error {
		if isInterrupted {
			return CancellationError()
		}
		if e == EAGAIN || e == EWOULDBLOCK {
			return MLXDError.timedOut
		}
		return MLXDError.io(errno: e, what)
	}

	/// Writes all of `data`.
	func write(_ data: [UInt8]) throws {
		var off = 0
		while off < data.count {
			if isInterrupted {
				throw CancellationError()
			}
			let n = data.withUnsafeBytes { raw in
				systemSend(fd, raw.baseAddress! + off, data.count - off)
			}
			if n < 0 {
				let e = errno
				if e == EINTR {
					continue
				}
				throw failure(e, "write")
			}
			off += n
		}
	}

	/// Reads at most `max` bytes; an empty array means end of stream.
	func read(max: Int = 65536) throws -> [UInt8] {
		var buf = [UInt8](repeating: 0, count: max)
		while true {
			if isInterrupted {
				throw CancellationError()
			}
			let n = buf.withUnsafeMutableBytes { raw in
				recv(fd, raw.baseAddress, max, 0)
			}
			if n < 0 {
				let e = errno
				if e == EINTR {
					continue
				}
				throw failure(e, "read")
			}
			if n == 0 && isInterrupted {
				throw CancellationError()
			}
			buf.removeSubrange(n...)
			return buf
		}
	}
}

private func systemClose(_ fd: Int32) -> Int32 {
#if canImport(Darwin)
	return Darwin.close(fd)
#elseif canImport(Glibc)
	return Glibc.close(fd)
#else
	return Musl.close(fd)
#endif
}

private func systemConnect(_ fd: Int32, _ addr: UnsafePointer<sockaddr>,
    _ len: socklen_t) -> Int32 {
#if canImport(Darwin)
	return Darwin.connect(fd, addr, len)
#elseif canImport(Glibc)
	return Glibc.connect(fd, addr, len)
#else
	return Musl.connect(fd, addr, len)
#endif
}

private func systemSend(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
#if canImport(Darwin)
	return send(fd, p, n, 0)
#else
	return send(fd, p, n, Int32(MSG_NOSIGNAL))
#endif
}
