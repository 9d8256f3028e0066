// SPDX-License-Identifier: ISC
//
// SocketPath.swift: where the daemon listens, worked out exactly as
// libmlxd's mlxd_default_socket_path() does (clients/sdk/paths.c).

import Foundation
#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension MLXDClient {
	/// The socket path used when none is given: `$MLXD_SOCKET` if set and
	/// not empty; on macOS `$HOME/Library/Application Support/mlxd/mlxd.sock`;
	/// elsewhere `$XDG_RUNTIME_DIR/mlxd/mlxd.sock` when `XDG_RUNTIME_DIR`
	/// is an absolute path, else `/tmp/mlxd-<uid>/mlxd.sock`.
	///
	/// - Parameter environment: the variables to use (the process's by default).
	/// - Throws: `MLXDError.invalidSocketPath` on macOS when `HOME` is unset
	///   or not absolute.
	public static func defaultSocketPath(
	    environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
		if let s = environment["MLXD_SOCKET"], !s.isEmpty {
			return s
		}
#if canImport(Darwin)
		guard let home = environment["HOME"], home.hasPrefix("/") else {
			throw MLXDError.invalidSocketPath("$HOME/Library/Application Support/mlxd/mlxd.sock")
		}
		return home + "/Library/Application Support/mlxd/mlxd.sock"
#else
		if let x = environment["XDG_RUNTIME_DIR"], x.hasPrefix("/") {
			return x + "/mlxd/mlxd.sock"
		}
		return "/tmp/mlxd-\(getuid())/mlxd.sock"
#endif
	}
}
