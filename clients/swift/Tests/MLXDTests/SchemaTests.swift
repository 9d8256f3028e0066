// SPDX-License-Identifier: ISC
//
// SchemaTests.swift: the SDK's models against schema/openapi.yaml, so the
// two cannot drift. For each component schema a sample object is built
// with every property the schema lists (nested objects too); it is decoded
// into the SDK's type and encoded again, and every property must survive:
// a property the schema has and the model lacks fails here.

import Foundation
import XCTest
@testable import MLXD

/// A node of the YAML subset openapi.yaml uses: block mappings and
/// lists whose leaves are scalars or flow collections kept as text.
final class YNode {
	var key: String
	var value: String
	var children: [YNode] = []

	init(_ key: String, _ value: String) {
		self.key = key
		self.value = value
	}

	subscript(_ k: String) -> YNode? { children.first { $0.key == k } }

	static func parse(_ text: String) -> YNode {
		let root = YNode("", "")
		var stack: [(Int, YNode)] = [(-1, root)]
		var skipDeeperThan: Int?
		for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
			let line = String(raw)
			let trimmed = line.trimmingCharacters(in: .whitespaces)
			if trimmed.isEmpty || trimmed.hasPrefix("#") {
				continue
			}
			var indent = line.prefix { $0 == " " }.count
			if let s = skipDeeperThan {
				if indent > s { continue }
				skipDeeperThan = nil
			}
			var body = trimmed
			var isItem = false
			if body.hasPrefix("- ") {
				isItem = true
				body = String(body.dropFirst(2))
			}
			while let top = stack.last, top.0 >= indent {
				stack.removeLast()
			}
			var parent = stack.last!.1
			if isItem {
				let item = YNode("-", "")
				parent.children.append(item)
				stack.append((indent, item))
				parent = item
				indent += 2
			}
			guard let c = body.range(of: ":") else {
				continue
			}
			let k = String(body[..<c.lowerBound]).trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
			let v = String(body[c.upperBound...]).trimmingCharacters(in: .whitespaces)
			let n = YNode(k, v)
			parent.children.append(n)
			if v == "|" || v == ">" {
				skipDeeperThan = indent
			} else {
				stack.append((indent, n))
			}
		}
		return root
	}
}

final class SchemaTests: XCTestCase {
	var schemas: YNode!

	override func setUpWithError() throws {
		let url = TestBinaries.sourceRoot.appendingPathComponent("schema/openapi.yaml")
		let text = try String(contentsOf: url, encoding: .utf8)
		schemas = try XCTUnwrap(YNode.parse(text)["components"]?["schemas"])
	}

	/// A sample for a flow schema such as `{type: array, items: {type: string}}`.
	private func sample(flow: String) throws -> Any {
		if let r = flow.range(of: ##"\$ref: "#/components/schemas/(\w+)""##, options: .regularExpression) {
			let name = flow[r].split(separator: "/").last!.dropLast()
			let s = try sample(schema: String(name))
			return flow.contains("type: array") ? [s] : s
		}
		if flow.contains("type: array") {
			if let i = flow.range(of: "items:") {
				return [try sample(flow: String(flow[i.upperBound...]))]
			}
			return []
		}
		if let e = flow.range(of: #"enum: \[([^\]]*)\]"#, options: .regularExpression) {
			let inner = flow[e].dropFirst(7).dropLast()
			return String(inner.split(separator: ",").first!).trimmingCharacters(in: .whitespaces)
		}
		if flow.contains("format: date-time") { return "2026-11-28T03:00:00.000Z" }
		if flow.contains("type: integer") { return 7 }
		if flow.contains("type: number") { return 1.5 }
		if flow.contains("type: boolean") { return true }
		if flow.contains("type: object") { return [String: Any]() }
		return "x"
	}

	/// A sample for a block schema node.
	private func sample(node: YNode) throws -> Any {
		if !node.value.isEmpty {
			return try sample(flow: node.value)
		}
		if let r = node["$ref"] {
			return try sample(schema: String(r.value.split(separator: "/").last!.dropLast()))
		}
		if let all = node["allOf"] {
			var merged: [String: Any] = [:]
			for part in all.children {
				let s = try sample(node: part)
				if let o = s as? [String: Any] {
					merged.merge(o) { a, _ in a }
				}
			}
			return merged
		}
		let type = node["type"]?.value ?? ""
		if type == "array", let items = node["items"] {
			return [try sample(node: items)]
		}
		if let props = node["properties"] {
			var o: [String: Any] = [:]
			for p in props.children {
				o[p.key] = try sample(node: p)
			}
			return o
		}
		var flow = "{"
		for c in node.children where !c.value.isEmpty {
			flow += "\(c.key): \(c.value), "
		}
		return try sample(flow: flow + "}")
	}

	private func sample(schema name: String) throws -> Any {
		try sample(node: try XCTUnwrap(schemas[name], "schema \(name)"))
	}

	/// Paths of every key in a JSON tree ("a.b", "a[].c").
	private func keyPaths(_ v: Any, _ prefix: String = "") -> Set<String> {
		var out = Set<String>()
		if let o = v as? [String: Any] {
			for (k, x) in o {
				out.insert(prefix + k)
				out.formUnion(keyPaths(x, prefix + k + "."))
			}
		} else if let a = v as? [Any], let first = a.first {
			out.formUnion(keyPaths(first, prefix + "[]."))
		}
		return out
	}

	private func check<T: Codable>(_ type: T.Type, _ schema: String,
	    file: StaticString = #filePath, line: UInt = #line) throws {
		let s = try sample(schema: schema)
		let data = try JSONSerialization.data(withJSONObject: s)
		let value: T
		do {
			value = try MLXDJSON.decoder().decode(type, from: data)
		} catch {
			return XCTFail("\(T.self) cannot decode a \(schema) sample: \(error)", file: file, line: line)
		}
		let back = try JSONSerialization.jsonObject(with: MLXDJSON.encoder().encode(value))
		// Free-form objects (type: object without properties) stay free-form.
		let missing = keyPaths(s).subtracting(keyPaths(back))
		XCTAssertEqual(missing, [], "\(T.self) lacks properties of \(schema)", file: file, line: line)
	}

	func testModelsMatchTheSchema() throws {
		// The samples reach nested and referenced schemas.
		let st = keyPaths(try sample(schema: "Status"))
		XCTAssertTrue(st.isSuperset(of: ["daemon.socket", "ollama.running.[].vram_bytes",
		    "ollama.running.[].quantization_level", "cache.reclaimable_bytes"]), "\(st)")
		try check(Health.self, "Health")
		try check(Status.self, "Status")
		try check(Model.self, "Model")
		try check(RunningModel.self, "RunningModel")
		try check(ModelList.self, "ModelList")
		try check(RunningList.self, "RunningList")
		try check(Job.self, "Job")
		try check(MetricsSample.self, "MetricsSample")
		try check(MetricsHistory.self, "MetricsHistory")
		try check(Config.self, "Config")
		try check(JobStarted.self, "JobStarted")
		try check(CacheStatus.self, "CacheStatus")
		try check(CacheModel.self, "CacheModel")
		try check(CacheIndex.self, "CacheIndex")
		try check(CacheStats.self, "CacheStats")
		try check(Session.self, "Session")
		try check(SystemInfo.self, "SystemInfo")
		try check(GenerationStatus.self, "GenerationStatus")
		try check(BenchmarkStat.self, "Stat")
		try check(BenchmarkProgress.self, "BenchmarkProgress")
		try check(BenchmarkRun.self, "BenchmarkRun")
		try check(BenchmarkComparison.self, "BenchmarkComparison")
	}

	/// The check itself catches drift: a schema with a property the model
	/// lacks fails.
	func testDriftIsCaught() throws {
		let extra = YNode("added_later", "{type: integer}")
		schemas["Health"]!["properties"]!.children.append(extra)
		let s = try sample(schema: "Health")
		let v = try MLXDJSON.decoder().decode(Health.self,
		    from: JSONSerialization.data(withJSONObject: s))
		let back = try JSONSerialization.jsonObject(with: MLXDJSON.encoder().encode(v))
		XCTAssertEqual(keyPaths(s).subtracting(keyPaths(back)), ["added_later"])
	}

	/// Every schema in the spec is checked above or deliberately left out.
	func testEverySchemaIsCovered() {
		let checked: Set<String> = ["Health", "Status", "Model", "RunningModel", "ModelList",
		    "RunningList", "Job", "MetricsSample", "MetricsHistory", "Config", "JobStarted",
		    "CacheStatus", "CacheModel", "CacheIndex", "CacheStats", "Session", "SystemInfo",
		    "GenerationStatus", "Stat", "BenchmarkProgress", "BenchmarkRun",
		    "BenchmarkComparison"]
		// Error and ErrorDetail are MLXDError; ModelCommon is part of Model and
		// RunningModel; Verdict and BenchmarkBrief are parts of
		// BenchmarkComparison; deleteBenchmark() returns nothing of
		// BenchmarkDeleted.
		let left: Set<String> = ["Error", "ErrorDetail", "ModelCommon", "Verdict",
		    "BenchmarkBrief", "BenchmarkDeleted"]
		let all = Set(schemas.children.map(\.key))
		XCTAssertEqual(all.subtracting(checked).subtracting(left), [],
		    "schemas without a model in the SDK")
	}

	func testTimes() {
		let t = MLXDJSON.parseTime("2026-12-06T19:44:13.131965551Z")!
		XCTAssertEqual(t.timeIntervalSince1970, 1796586253.131965551, accuracy: 1e-6)
		XCTAssertEqual(MLXDJSON.parseTime("2026-05-02T08:31:09.4418-04:00")!.timeIntervalSince1970,
		    MLXDJSON.parseTime("2026-05-02T12:31:09.4418Z")!.timeIntervalSince1970)
		XCTAssertNil(MLXDJSON.parseTime("2026-05-02 nonsense"))
		XCTAssertEqual(MLXDJSON.formatTime(t), "2026-12-06T19:44:13.131Z")
	}
}
