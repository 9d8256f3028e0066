// SPDX-License-Identifier: ISC
//
// Errors.swift: the one error type of the SDK.

import Foundation

/// Everything that can go wrong talking to mlxd.
///
/// Cancelling the task that awaits a call throws `CancellationError`
/// instead, as Swift concurrency expects.
public enum MLXDError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
	/// Nothing listens at the socket path: mlxd is not running there.
	case notRunning(path: String)
	/// The daemon answered with an error status. `code` is the API's
	/// error code (such as `"not_found"`); it is nil for the errors of
	/// Ollama that generation relays as they are.
	case api(status: Int, code: String?, message: String)
	/// The daemon speaks another API version than this SDK.
	case versionMismatch(daemon: Int, client: Int)
	/// The reply could not be understood (not HTTP, or not the JSON expected).
	case protocolError(String)
	/// The socket path is empty or too long for a Unix socket, or no
	/// default path can be worked out (macOS without an absolute `HOME`).
	case invalidSocketPath(String)
	/// The call took longer than the client's timeout.
	case timedOut
	/// A system call failed with `errno`.
	case io(errno: Int32, String)

	/// A sentence describing the error.
	public var description: String {
		switch self {
		case .notRunning(let path):
			return "mlxd is not running at \(path)"
		case .api(let status, let code, let message):
			return code.map { "\(message) (\($0), HTTP \(status))" } ??
			    "\(message) (HTTP \(status))"
		case .versionMismatch(let d, let c):
			return "mlxd speaks API version \(d), this SDK speaks \(c)"
		case .protocolError(let m):
			return "unexpected reply from mlxd: \(m)"
		case .invalidSocketPath(let p):
			return "not a usable socket path: \"\(p)\""
		case .timedOut:
			return "mlxd did not answer in time"
		case .io(let e, let what):
			return "\(what): \(String(cString: strerror(e)))"
		}
	}

	/// Same as `description`, for `localizedDescription`.
	public var errorDescription: String? { description }

	/// The API's error code after `.api`, else nil.
	public var code: String? {
		if case .api(_, let c, _) = self {
			return c
		}
		return nil
	}
}
