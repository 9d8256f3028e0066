// SPDX-License-Identifier: ISC
//
// Child.swift: starting the daemon and the simulator with posix_spawn and
// a clean signal mask. Dispatch's worker threads block most signals and
// a child inherits its parent thread's mask, so a process started with
// Foundation's Process from a test would never see SIGTERM.

import Foundation
#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif

final class Child: @unchecked Sendable {
	let pid: pid_t
	private var status: Int32?

	private init(pid: pid_t) {
		self.pid = pid
	}

	/// Starts `path` with `args`; `stdout`/`stderr` are descriptors to
	/// give the child (nil: /dev/null).
	static func spawn(_ path: String, _ args: [String], env: [String: String]? = nil,
	    stdin: Int32? = nil, stdout: Int32? = nil, stderr: Int32? = nil) throws -> Child {
#if canImport(Darwin)
		var attr: posix_spawnattr_t? = nil
		var fa: posix_spawn_file_actions_t? = nil
#else
		var attr = posix_spawnattr_t()
		var fa = posix_spawn_file_actions_t()
#endif
		posix_spawnattr_init(&attr)
		posix_spawn_file_actions_init(&fa)
		defer {
			posix_spawnattr_destroy(&attr)
			posix_spawn_file_actions_destroy(&fa)
		}
		var none = sigset_t()
		sigemptyset(&none)
		posix_spawnattr_setsigmask(&attr, &none)
		var defaults = sigset_t()
		sigemptyset(&defaults)
		for s in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1] {
			sigaddset(&defaults, s)
		}
		posix_spawnattr_setsigdefault(&attr, &defaults)
		posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
		if let i = stdin {
			posix_spawn_file_actions_adddup2(&fa, i, 0)
		} else {
			posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
		}
		if let o = stdout {
			posix_spawn_file_actions_adddup2(&fa, o, 1)
		} else {
			posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)
		}
		if let e = stderr {
			posix_spawn_file_actions_adddup2(&fa, e, 2)
		} else {
			posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)
		}
		let argv = ([path] + args).map { strdup($0) } + [nil]
		let envList = (env ?? ProcessInfo.processInfo.environment).map { strdup("\($0)=\($1)") } + [nil]
		defer {
			argv.forEach { free($0) }
			envList.forEach { free($0) }
		}
		var pid: pid_t = 0
		let rc = posix_spawn(&pid, path, &fa, &attr, argv, envList)
		guard rc == 0 else {
			throw NSError(domain: NSPOSIXErrorDomain, code: Int(rc))
		}
		return Child(pid: pid)
	}

	/// True until the child has been reaped.
	var isRunning: Bool {
		poll()
		return status == nil
	}

	private func poll() {
		guard status == nil else { return }
		var st: Int32 = 0
		if waitpid(pid, &st, WNOHANG) == pid {
			// WIFEXITED / WEXITSTATUS, spelled out (they are macros).
			status = (st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f)
		}
	}

	/// Sends SIGTERM and waits up to `seconds` (then SIGKILL); returns the
	/// exit status (128 + signal when killed by one).
	@discardableResult
	func stop(_ seconds: Double = 15) -> Int32 {
		if isRunning {
			kill(pid, SIGTERM)
		}
		let deadline = Date().addingTimeInterval(seconds)
		while isRunning && Date() < deadline {
			usleep(10_000)
		}
		if isRunning {
			kill(pid, SIGKILL)
			while isRunning {
				usleep(10_000)
			}
		}
		return status ?? -1
	}

	/// Waits for the child to exit by itself.
	func wait() -> Int32 {
		while isRunning {
			usleep(10_000)
		}
		return status ?? -1
	}
}
