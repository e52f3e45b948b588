// A small strict JSON reader for safetensors headers: no Foundation, a depth limit, integers
// parsed exactly (shapes and offsets must not pass through Double). Part of the fuzzed reader.

enum HeaderJSON: Equatable {
    case object([(String, HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    /// The number's text, converted where it is used.
    case number(String)
    case bool(Bool)
    case null

    static func == (a: HeaderJSON, b: HeaderJSON) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(x), .array(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.bool(x), .bool(y)): x == y
        case (.null, .null): true
        default: false
        }
    }

    /// A non-negative integer without sign, fraction or exponent, that fits in `Int`.
    var nonNegativeInt: Int? {
        guard case .number(let text) = self, !text.isEmpty else { return nil }
        var value = 0
        for c in text.utf8 {
            guard c >= 48 && c <= 57 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(c - 48))
            if o1 || o2 { return nil }
            value = s
        }
        return value
    }
}

struct HeaderJSONError: Error {
    let message: String
    let offset: Int
}

struct HeaderJSONParser {
    private let bytes: UnsafeRawBufferPointer
    private var i = 0
    private let maxDepth = 32

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Parses one JSON value filling the buffer (surrounding whitespace allowed).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(HeaderJSONError) -> HeaderJSON {
        var p = HeaderJSONParser(bytes)
        p.skipWhitespace()
        let value = try p.value(depth: 0)
        p.skipWhitespace()
        if p.i != bytes.count { throw p.error("trailing characters after the JSON value") }
        return value
    }

    private func error(_ message: String) -> HeaderJSONError { HeaderJSONError(message: message, offset: i) }

    private var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func skipWhitespace() {
        while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 }
    }

    private mutating func expect(_ c: UInt8) throws(HeaderJSONError) {
        guard peek == c else { throw error("expected '\(Character(Unicode.Scalar(c)))'") }
        i += 1
    }

    private mutating func literal(_ text: String, _ value: HeaderJSON) throws(HeaderJSONError) -> HeaderJSON {
        for c in text.utf8 { try expect(c) }
        return value
    }

    private mutating func value(depth: Int) throws(HeaderJSONError) -> HeaderJSON {
        guard depth < maxDepth else { throw error("nested deeper than \(maxDepth)") }
        guard let c = peek else { throw error("unexpected end of JSON") }
        switch c {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character")
        }
    }

    private mutating func object(depth: Int) throws(HeaderJSONError) -> HeaderJSON {
        try expect(UInt8(ascii: "{"))
        var members: [(String, HeaderJSON)] = []
        skipWhitespace()
        if peek == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipWhitespace()
            let key = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { i += 1; continue }
            try expect(UInt8(ascii: "}"))
            return .object(members)
        }
    }

    private mutating func array(depth: Int) throws(HeaderJSONError) -> HeaderJSON {
        try expect(UInt8(ascii: "["))
        var items: [HeaderJSON] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { i += 1; continue }
            try expect(UInt8(ascii: "]"))
            return .array(items)
        }
    }

    private mutating func number() throws(HeaderJSONError) -> HeaderJSON {
        let start = i
        if peek == UInt8(ascii: "-") { i += 1 }
        guard let first = peek, first >= 48 && first <= 57 else { throw error("bad number") }
        if first == 48 { i += 1 } else { while let c = peek, c >= 48 && c <= 57 { i += 1 } }
        if peek == UInt8(ascii: ".") {
            i += 1
            guard let c = peek, c >= 48 && c <= 57 else { throw error("bad number") }
            while let c = peek, c >= 48 && c <= 57 { i += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            i += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
            guard let c = peek, c >= 48 && c <= 57 else { throw error("bad number") }
            while let c = peek, c >= 48 && c <= 57 { i += 1 }
        }
        return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
    }

    private mutating func hex4() throws(HeaderJSONError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let c = peek else { throw error("unexpected end in \\u escape") }
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: throw error("bad \\u escape")
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    private mutating func string() throws(HeaderJSONError) -> String {
        try expect(UInt8(ascii: "\""))
        var utf8: [UInt8] = []
        while true {
            guard let c = peek else { throw error("unterminated string") }
            i += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let s = String(validating: utf8, as: UTF8.self) else { throw error("string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                guard let e = peek else { throw error("unterminated escape") }
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        try expect(UInt8(ascii: "\\"))
                        try expect(UInt8(ascii: "u"))
                        let low = try hex4()
                        guard low >= 0xDC00 && low < 0xE000 else { throw error("bad surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("bad \\u escape") }
                    utf8.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw error("bad escape")
                }
            case 0..<0x20: throw error("control character in string")
            default: utf8.append(c)
            }
        }
    }
}

/// JSON text for a string, with the escapes JSON requires.
func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
