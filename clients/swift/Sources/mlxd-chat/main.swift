// SPDX-License-Identifier: ISC
//
// mlxd-chat: a terminal chat through mlxd. It keeps the conversation's
// history and prints the generation rate after each answer.
//
//	mlxd-chat [--socket PATH] [MODEL]
//
// Type a message and press Return; an empty line or end of input quits.

import Foundation
import MLXD

/// Writes s to standard output at once (no buffering between tokens).
func say(_ s: String) {
	FileHandle.standardOutput.write(Data(s.utf8))
}

@main
struct Chat {
	static func main() async {
		var args = Array(CommandLine.arguments.dropFirst())
		var socket: String?
		if let i = args.firstIndex(of: "--socket"), i + 1 < args.count {
			socket = args[i + 1]
			args.removeSubrange(i...(i + 1))
		}
		let model = args.first ?? "llama3.2"
		do {
			let mlxd = try MLXDClient(socketPath: socket)
			var history: [ChatMessage] = []
			while true {
				say("> ")
				guard let line = readLine(), !line.isEmpty else {
					break
				}
				history.append(.user(line))
				var answer = ""
				var rate: Double?
				for try await chunk in mlxd.chat(ChatRequest(model: model, messages: history)) {
					answer += chunk.message.content
					say(chunk.message.content)
					if chunk.done {
						rate = chunk.metrics?.tokensPerSecond
					}
				}
				history.append(.assistant(answer))
				if let rate {
					say(String(format: "\n[%.1f tok/s]\n", rate))
				} else {
					say("\n[tok/s unknown]\n")
				}
			}
		} catch {
			FileHandle.standardError.write(Data("mlxd-chat: \(error)\n".utf8))
			exit(1)
		}
	}
}
