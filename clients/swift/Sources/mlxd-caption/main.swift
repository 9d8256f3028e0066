// SPDX-License-Identifier: ISC
//
// mlxd-caption: captions image files with a vision model through mlxd,
// one line per image ("file: caption").
//
//	mlxd-caption [--socket PATH] [--model MODEL] IMAGE...

import Foundation
import MLXD

@main
struct Caption {
	static func main() async {
		var args = Array(CommandLine.arguments.dropFirst())
		var socket: String?
		var model = "llava"
		if let i = args.firstIndex(of: "--socket"), i + 1 < args.count {
			socket = args[i + 1]
			args.removeSubrange(i...(i + 1))
		}
		if let i = args.firstIndex(of: "--model"), i + 1 < args.count {
			model = args[i + 1]
			args.removeSubrange(i...(i + 1))
		}
		guard !args.isEmpty else {
			FileHandle.standardError.write(Data(
			    "usage: mlxd-caption [--socket PATH] [--model MODEL] IMAGE...\n".utf8))
			exit(2)
		}
		var failed = false
		do {
			let mlxd = try MLXDClient(socketPath: socket)
			for path in args {
				let url = URL(fileURLWithPath: path)
				let request = ChatRequest(model: model, messages: [
				    .user("Describe this image in one short sentence.",
				        images: [.file(url)])])
				do {
					var caption = ""
					for try await chunk in mlxd.chat(request) {
						caption += chunk.message.content
					}
					let oneLine = caption.split(whereSeparator: \.isNewline)
					    .joined(separator: " ").trimmingCharacters(in: .whitespaces)
					print("\(path): \(oneLine)")
				} catch let e as MLXDError {
					if case .notRunning = e {
						throw e
					}
					FileHandle.standardError.write(Data("mlxd-caption: \(path): \(e)\n".utf8))
					failed = true
				} catch {
					FileHandle.standardError.write(Data("mlxd-caption: \(path): \(error)\n".utf8))
					failed = true
				}
			}
		} catch {
			FileHandle.standardError.write(Data("mlxd-caption: \(error)\n".utf8))
			exit(1)
		}
		exit(failed ? 1 : 0)
	}
}
