// SPDX-License-Identifier: ISC
//
// Generation.swift: the bodies and replies of /v1/generate and /v1/chat,
// which are Ollama's (see Ollama's api/types.go): images travel as base64
// strings, durations are nanoseconds.

import Foundation

/// An image to send with a prompt or a chat message.
public enum ImageAttachment: Sendable, Equatable {
	/// The image's bytes (PNG, JPEG, ...).
	case data(Data)
	/// A file to read when the request is sent.
	case file(URL)

	/// The bytes, reading the file if need be.
	public func bytes() throws -> Data {
		switch self {
		case .data(let d):
			return d
		case .file(let url):
			return try Data(contentsOf: url)
		}
	}
}

/// Sampling and runtime options (Ollama's `options`), such as
/// `["temperature": 0.2, "num_predict": 64]`.
public typealias GenerationOptions = [String: JSONValue]

/// A generation request (`POST /v1/generate`).
public struct GenerateRequest: Sendable, Equatable {
	/// The model.
	public var model: String
	/// The prompt.
	public var prompt: String
	/// A system prompt.
	public var system: String?
	/// Images for a vision model.
	public var images: [ImageAttachment]
	/// Options such as `temperature` or `num_predict`.
	public var options: GenerationOptions?
	/// Whether a thinking model thinks.
	public var think: Bool?
	/// How long the model stays loaded (`"5m"`, `"-1"`, ...).
	public var keepAlive: String?
	/// `"json"` for JSON output.
	public var format: String?
	/// Send the prompt without the model's template.
	public var raw: Bool?

	/// A request for `model` to answer `prompt`.
	public init(model: String, prompt: String, system: String? = nil,
	    images: [ImageAttachment] = [], options: GenerationOptions? = nil,
	    think: Bool? = nil, keepAlive: String? = nil, format: String? = nil,
	    raw: Bool? = nil) {
		self.model = model
		self.prompt = prompt
		self.system = system
		self.images = images
		self.options = options
		self.think = think
		self.keepAlive = keepAlive
		self.format = format
		self.raw = raw
	}

	func body() throws -> Data {
		var o: [String: JSONValue] = ["model": .string(model), "prompt": .string(prompt),
		    "stream": true]
		if let s = system { o["system"] = .string(s) }
		if !images.isEmpty {
			o["images"] = .array(try images.map { .string(try $0.bytes().base64EncodedString()) })
		}
		if let x = options { o["options"] = .object(x) }
		if let x = think { o["think"] = .bool(x) }
		if let x = keepAlive { o["keep_alive"] = .string(x) }
		if let x = format { o["format"] = .string(x) }
		if let x = raw { o["raw"] = .bool(x) }
		return try MLXDJSON.encoder().encode(JSONValue.object(o))
	}
}

/// Who wrote a chat message.
public enum ChatRole: String, Codable, Sendable {
	/// The system prompt.
	case system
	/// The user.
	case user
	/// The model.
	case assistant
	/// A tool's result.
	case tool
}

/// One message of a chat.
public struct ChatMessage: Codable, Sendable, Equatable {
	/// Who wrote it.
	public var role: ChatRole
	/// Its text.
	public var content: String
	/// Images sent with it.
	public var images: [ImageAttachment]
	/// A thinking model's reasoning (in replies).
	public var thinking: String?

	/// A message.
	public init(role: ChatRole, content: String, images: [ImageAttachment] = [],
	    thinking: String? = nil) {
		self.role = role
		self.content = content
		self.images = images
		self.thinking = thinking
	}

	/// A user message, optionally with images.
	public static func user(_ content: String, images: [ImageAttachment] = []) -> ChatMessage {
		ChatMessage(role: .user, content: content, images: images)
	}

	/// A system prompt.
	public static func system(_ content: String) -> ChatMessage {
		ChatMessage(role: .system, content: content)
	}

	/// A message of the model.
	public static func assistant(_ content: String) -> ChatMessage {
		ChatMessage(role: .assistant, content: content)
	}

	enum CodingKeys: String, CodingKey {
		case role, content, images, thinking
	}

	/// Decodes a message as Ollama sends it.
	public init(from decoder: Decoder) throws {
		let c = try decoder.container(keyedBy: CodingKeys.self)
		role = (try? c.decode(ChatRole.self, forKey: .role)) ?? .assistant
		content = try c.decodeIfPresent(String.self, forKey: .content) ?? ""
		thinking = try c.decodeIfPresent(String.self, forKey: .thinking)
		let b64 = try c.decodeIfPresent([String].self, forKey: .images) ?? []
		images = b64.compactMap { Data(base64Encoded: $0).map(ImageAttachment.data) }
	}

	/// Encodes the message as Ollama expects it (images as base64; files
	/// are read here).
	public func encode(to encoder: Encoder) throws {
		var c = encoder.container(keyedBy: CodingKeys.self)
		try c.encode(role, forKey: .role)
		try c.encode(content, forKey: .content)
		if !images.isEmpty {
			try c.encode(try images.map { try $0.bytes().base64EncodedString() },
			    forKey: .images)
		}
		try c.encodeIfPresent(thinking, forKey: .thinking)
	}
}

/// A chat request (`POST /v1/chat`).
public struct ChatRequest: Sendable, Equatable {
	/// The model.
	public var model: String
	/// The conversation so far.
	public var messages: [ChatMessage]
	/// Options such as `temperature` or `num_predict`.
	public var options: GenerationOptions?
	/// Whether a thinking model thinks.
	public var think: Bool?
	/// How long the model stays loaded.
	public var keepAlive: String?
	/// `"json"` for JSON output.
	public var format: String?

	/// A chat with `model`.
	public init(model: String, messages: [ChatMessage], options: GenerationOptions? = nil,
	    think: Bool? = nil, keepAlive: String? = nil, format: String? = nil) {
		self.model = model
		self.messages = messages
		self.options = options
		self.think = think
		self.keepAlive = keepAlive
		self.format = format
	}

	func body() throws -> Data {
		let enc = MLXDJSON.encoder()
		let msgs = try JSONDecoder().decode(JSONValue.self, from: enc.encode(messages))
		var o: [String: JSONValue] = ["model": .string(model), "messages": msgs,
		    "stream": true]
		if let x = options { o["options"] = .object(x) }
		if let x = think { o["think"] = .bool(x) }
		if let x = keepAlive { o["keep_alive"] = .string(x) }
		if let x = format { o["format"] = .string(x) }
		return try enc.encode(JSONValue.object(o))
	}
}

/// Ollama's counters, sent with the last chunk of a reply.
public struct GenerationMetrics: Codable, Sendable, Equatable {
	/// Why it stopped (`"stop"`, `"length"`, ...).
	public let doneReason: String?
	/// Whole request, ns.
	public let totalDuration: Int64?
	/// Loading the model, ns.
	public let loadDuration: Int64?
	/// Prompt tokens.
	public let promptEvalCount: Int64?
	/// Prompt evaluation, ns.
	public let promptEvalDuration: Int64?
	/// Generated tokens.
	public let evalCount: Int64?
	/// Generation, ns.
	public let evalDuration: Int64?

	/// Generated tokens per second, when Ollama reported both figures.
	public var tokensPerSecond: Double? {
		guard let n = evalCount, let d = evalDuration, d > 0 else { return nil }
		return Double(n) / (Double(d) / 1e9)
	}

	/// Prompt tokens per second, when known.
	public var promptTokensPerSecond: Double? {
		guard let n = promptEvalCount, let d = promptEvalDuration, d > 0 else { return nil }
		return Double(n) / (Double(d) / 1e9)
	}

	enum CodingKeys: String, CodingKey {
		case doneReason = "done_reason"
		case totalDuration = "total_duration"
		case loadDuration = "load_duration"
		case promptEvalCount = "prompt_eval_count"
		case promptEvalDuration = "prompt_eval_duration"
		case evalCount = "eval_count"
		case evalDuration = "eval_duration"
	}
}

/// One chunk of a generation reply.
public struct GenerateChunk: Decodable, Sendable, Equatable {
	/// The model.
	public let model: String
	/// When Ollama sent it.
	public let createdAt: Date?
	/// The next piece of text.
	public let response: String
	/// The next piece of reasoning, for thinking models.
	public let thinking: String?
	/// True on the last chunk.
	public let done: Bool
	/// Ollama's counters (on the last chunk).
	public let metrics: GenerationMetrics?
	/// The context to continue from (on the last chunk).
	public let context: [Int]?

	enum CodingKeys: String, CodingKey {
		case model, response, thinking, done, context
		case createdAt = "created_at"
	}

	/// Decodes a chunk.
	public init(from decoder: Decoder) throws {
		let c = try decoder.container(keyedBy: CodingKeys.self)
		model = try c.decodeIfPresent(String.self, forKey: .model) ?? ""
		createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt)
		response = try c.decodeIfPresent(String.self, forKey: .response) ?? ""
		thinking = try c.decodeIfPresent(String.self, forKey: .thinking)
		done = try c.decodeIfPresent(Bool.self, forKey: .done) ?? false
		context = try c.decodeIfPresent([Int].self, forKey: .context)
		metrics = done ? try GenerationMetrics(from: decoder) : nil
	}
}

/// One chunk of a chat reply.
public struct ChatChunk: Decodable, Sendable, Equatable {
	/// The model.
	public let model: String
	/// When Ollama sent it.
	public let createdAt: Date?
	/// The next piece of the answer (role `assistant`).
	public let message: ChatMessage
	/// True on the last chunk.
	public let done: Bool
	/// Ollama's counters (on the last chunk).
	public let metrics: GenerationMetrics?

	enum CodingKeys: String, CodingKey {
		case model, message, done
		case createdAt = "created_at"
	}

	/// Decodes a chunk.
	public init(from decoder: Decoder) throws {
		let c = try decoder.container(keyedBy: CodingKeys.self)
		model = try c.decodeIfPresent(String.self, forKey: .model) ?? ""
		createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt)
		message = try c.decodeIfPresent(ChatMessage.self, forKey: .message) ??
		    ChatMessage(role: .assistant, content: "")
		done = try c.decodeIfPresent(Bool.self, forKey: .done) ?? false
		metrics = done ? try GenerationMetrics(from: decoder) : nil
	}
}

/// One Server-Sent Event of `GET /v1/events`.
public struct ServerEvent: Sendable, Equatable {
	/// The event's name: `status`, `metrics`, `job`, ...
	public let name: String
	/// Its data (JSON text).
	public let data: String
	/// Its id, if it had one.
	public let id: String?

	/// A parsed event.
	public init(name: String, data: String, id: String? = nil) {
		self.name = name
		self.data = data
		self.id = id
	}

	/// Decodes the data as `type`.
	public func decode<T: Decodable>(_ type: T.Type) throws -> T {
		do {
			return try MLXDJSON.decoder().decode(type, from: Data(data.utf8))
		} catch {
			throw MLXDError.protocolError("event \(name): \(error)")
		}
	}

	/// The snapshot of a `status` event.
	public var status: Status? { name == "status" ? try? decode(Status.self) : nil }
	/// The sample of a `metrics` event.
	public var metrics: MetricsSample? { name == "metrics" ? try? decode(MetricsSample.self) : nil }
	/// The job of a `job` event.
	public var job: Job? { name == "job" ? try? decode(Job.self) : nil }
}
