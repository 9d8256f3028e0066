// SPDX-License-Identifier: ISC
//
// Coding.swift: the JSON coders the SDK uses. Times in the API are
// RFC 3339 strings with any number of fractional digits ("...13.000Z",
// Ollama's "...13.131965551Z", offsets such as "-04:00").

import Foundation

enum MLXDJSON {
	static func decoder() -> JSONDecoder {
		let d = JSONDecoder()
		d.dateDecodingStrategy = .custom { dec in
			let c = try dec.singleValueContainer()
			let s = try c.decode(String.self)
			guard let date = parseTime(s) else {
				throw DecodingError.dataCorruptedError(in: c,
				    debugDescription: "not an RFC 3339 time: \(s)")
			}
			return date
		}
		return d
	}

	static func encoder() -> JSONEncoder {
		let e = JSONEncoder()
		e.outputFormatting = [.sortedKeys]
		e.dateEncodingStrategy = .custom { date, enc in
			var c = enc.singleValueContainer()
			try c.encode(formatTime(date))
		}
		return e
	}

	/// Parses "2026-11-28T03:00:00.000Z" and its variants.
	static func parseTime(_ s: String) -> Date? {
		let b = Array(s.utf8)
		func num(_ i: Int, _ n: Int) -> Int? {
			guard i + n <= b.count else { return nil }
			var v = 0
			for k in i..<(i + n) {
				guard b[k] >= 48, b[k] <= 57 else { return nil }
				v = v * 10 + Int(b[k] - 48)
			}
			return v
		}
		guard b.count >= 19, let y = num(0, 4), b[4] == 45, let mo = num(5, 2),
		    b[7] == 45, let d = num(8, 2), b[10] == 84 || b[10] == 116 || b[10] == 32,
		    let h = num(11, 2), b[13] == 58, let mi = num(14, 2), b[16] == 58,
		    let sec = num(17, 2), (1...12).contains(mo), (1...31).contains(d),
		    h < 24, mi < 60, sec < 61 else {
			return nil
		}
		var i = 19
		var frac = 0.0
		if i < b.count, b[i] == 46 {
			i += 1
			var scale = 0.1
			let start = i
			while i < b.count, b[i] >= 48, b[i] <= 57 {
				frac += Double(b[i] - 48) * scale
				scale /= 10
				i += 1
			}
			if i == start { return nil }
		}
		var offset = 0
		if i == b.count {
			offset = 0
		} else if b[i] == 90 || b[i] == 122 {
			i += 1
		} else if b[i] == 43 || b[i] == 45, let oh = num(i + 1, 2), b.count > i + 3,
		    b[i + 3] == 58, let om = num(i + 4, 2) {
			offset = (oh * 60 + om) * 60 * (b[i] == 45 ? -1 : 1)
			i += 6
		} else {
			return nil
		}
		guard i == b.count else { return nil }
		// Days from the civil date (Howard Hinnant's algorithm).
		let yy = mo <= 2 ? y - 1 : y
		let era = (yy >= 0 ? yy : yy - 399) / 400
		let yoe = yy - era * 400
		let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
		let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
		let days = era * 146097 + doe - 719468
		let t = Double(days * 86400 + h * 3600 + mi * 60 + sec - offset) + frac
		return Date(timeIntervalSince1970: t)
	}

	/// Formats a time as the API does ("2026-11-28T03:00:00.000Z").
	static func formatTime(_ date: Date) -> String {
		let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
		var days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
		let rem = ms - days * 86_400_000
		days += 719468
		let era = (days >= 0 ? days : days - 146096) / 146097
		let doe = days - era * 146097
		let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
		let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
		let mp = (5 * doy + 2) / 153
		let d = doy - (153 * mp + 2) / 5 + 1
		let m = mp < 10 ? mp + 3 : mp - 9
		let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
		func p(_ v: Int64, _ w: Int) -> String {
			let s = String(v)
			return String(repeating: "0", count: max(0, w - s.count)) + s
		}
		return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(rem / 3_600_000, 2)):" +
		    "\(p(rem / 60_000 % 60, 2)):\(p(rem / 1000 % 60, 2)).\(p(rem % 1000, 3))Z"
	}
}
