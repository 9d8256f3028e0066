// SPDX-License-Identifier: ISC
//
// JSONValue.swift: any JSON value, for the parts of replies whose shape
// depends on the job or option (job progress and results, option values).

import Foundation

/// Any JSON value.
public enum JSONValue: Codable, Sendable, Equatable, Hashable {
	/// `null`.
	case null
	/// `true` or `false`.
	case bool(Bool)
	/// A number.
	case number(Double)
	/// A string.
	case string(String)
	/// An array.
	case array([JSONValue])
	/// An object.
	case object([String: JSONValue])

	/// Decodes any JSON value.
	public init(from decoder: Decoder) throws {
		let c = try decoder.singleValueContainer()
		if c.decodeNil() {
			self = .null
		} else if let b = try? c.decode(Bool.self) {
			self = .bool(b)
		} else if let n = try? c.decode(Double.self) {
			self = .number(n)
		} else if let s = try? c.decode(String.self) {
			self = .string(s)
		} else if let a = try? c.decode([JSONValue].self) {
			self = .array(a)
		} else {
			self = .object(try c.decode([String: JSONValue].self))
		}
	}

	/// Encodes the value as it was; a whole number as an integer (`7`,
	/// not `7.0`), which options of integer type require.
	public func encode(to encoder: Encoder) throws {
		var c = encoder.singleValueContainer()
		switch self {
		case .null: try c.encodeNil()
		case .bool(let b): try c.encode(b)
		case .number(let n) where n.rounded() == n && abs(n) < 9.0e15:
			try c.encode(Int64(n))
		case .number(let n): try c.encode(n)
		case .string(let s): try c.encode(s)
		case .array(let a): try c.encode(a)
		case .object(let o): try c.encode(o)
		}
	}

	/// The member `key` of an object, else nil.
	public subscript(key: String) -> JSONValue? {
		if case .object(let o) = self {
			return o[key]
		}
		return nil
	}

	/// The string, if this is one.
	public var stringValue: String? {
		if case .string(let s) = self { return s }
		return nil
	}

	/// The number, if this is one.
	public var doubleValue: Double? {
		if case .number(let n) = self { return n }
		return nil
	}

	/// The number as an integer, if this is a number.
	public var intValue: Int? {
		if case .number(let n) = self { return Int(exactly: n.rounded()) }
		return nil
	}

	/// The Boolean, if this is one.
	public var boolValue: Bool? {
		if case .bool(let b) = self { return b }
		return nil
	}

	/// The elements, if this is an array.
	public var arrayValue: [JSONValue]? {
		if case .array(let a) = self { return a }
		return nil
	}
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral {
	/// A string value from a literal.
	public init(stringLiteral value: String) { self = .string(value) }
	/// A number from an integer literal.
	public init(integerLiteral value: Int) { self = .number(Double(value)) }
	/// A number from a floating-point literal.
	public init(floatLiteral value: Double) { self = .number(value) }
	/// A Boolean from a literal.
	public init(booleanLiteral value: Bool) { self = .bool(value) }
}
