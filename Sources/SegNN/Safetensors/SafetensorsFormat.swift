// The safetensors format (https://huggingface.co/docs/safetensors): 8 bytes of little-endian
// header length N, N bytes of JSON header {"name": {"dtype", "shape", "data_offsets": [begin, end]},
// "__metadata__": {string: string}}, then the little-endian data; offsets are relative to the data.
//
// This file and HeaderJSON.swift are the whole reader and use no Foundation, so the fuzz target
// (tools/fuzz/safetensors) compiles them alone. Every size is checked against the bytes present
// before anything is allocated: a header claiming a huge tensor is refused, not allocated.

/// Element types of safetensors. Reading widens the float types to Float32 and converts integers.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    public var byteSize: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }
}

/// One tensor's entry in the header.
public struct SafetensorsEntry: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// Byte range in the whole file (header length and header included).
    public let byteRange: Range<Int>

    public var count: Int { shape.reduce(1, *) }
}

/// A safetensors file that could not be read, naming the file and what is wrong with it.
public struct SafetensorsError: Error, Equatable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// Fewer bytes than the header length says.
        case truncated(String)
        /// Header length above the format's 100 MB limit.
        case headerTooLarge(Int)
        /// Header is not JSON, or not the format's structure.
        case badHeader(String)
        /// A tensor whose dtype this reader does not convert.
        case unsupportedDType(tensor: String, dtype: String)
        /// `data_offsets` outside the data, overlapping, or not matching dtype × shape.
        case badOffsets(tensor: String, String)
        /// The file could not be opened or read.
        case unreadable(String)
    }

    public let path: String
    public let reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        let what: String = switch reason {
        case .truncated(let s): "truncated: \(s)"
        case .headerTooLarge(let n): "header of \(n) bytes is larger than the 100000000 allowed"
        case .badHeader(let s): "bad header: \(s)"
        case .unsupportedDType(let t, let d): "tensor '\(t)' has unsupported dtype \(d)"
        case .badOffsets(let t, let s): "tensor '\(t)': \(s)"
        case .unreadable(let s): "cannot read: \(s)"
        }
        return "\(path): safetensors \(what)"
    }
}

/// The parsed header of a safetensors buffer.
public struct SafetensorsHeader: Sendable {
    public static let maxHeaderBytes = 100_000_000

    /// Tensors in header order.
    public let entries: [SafetensorsEntry]
    /// The `__metadata__` strings.
    public let metadata: [String: String]

    /// Parses and validates the header of a complete safetensors buffer.
    public init(parsing bytes: UnsafeRawBufferPointer, path: String) throws(SafetensorsError) {
        func fail(_ reason: SafetensorsError.Reason) -> SafetensorsError { SafetensorsError(path: path, reason: reason) }
        guard bytes.count >= 8 else { throw fail(.truncated("\(bytes.count) bytes, the header length alone takes 8")) }
        let n = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard n <= UInt64(Self.maxHeaderBytes) else { throw fail(.headerTooLarge(Int(clamping: n))) }
        let headerLength = Int(n)
        guard headerLength <= bytes.count - 8 else {
            throw fail(.truncated("header of \(headerLength) bytes, only \(bytes.count - 8) follow the length"))
        }
        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        let json: HeaderJSON
        do {
            json = try HeaderJSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]))
        } catch {
            throw fail(.badHeader("\(error.message) at byte \(8 + error.offset)"))
        }
        guard case .object(let members) = json else { throw fail(.badHeader("not a JSON object")) }

        var entries: [SafetensorsEntry] = []
        var metadata: [String: String] = [:]
        var seen = Set<String>()
        for (name, value) in members {
            guard seen.insert(name).inserted else { throw fail(.badHeader("key '\(name)' appears twice")) }
            if name == "__metadata__" {
                guard case .object(let pairs) = value else { throw fail(.badHeader("__metadata__ is not an object")) }
                for (k, v) in pairs {
                    guard case .string(let s) = v else { throw fail(.badHeader("__metadata__ value for '\(k)' is not a string")) }
                    metadata[k] = s
                }
                continue
            }
            entries.append(try Self.entry(name: name, value: value, dataStart: dataStart, dataLength: dataLength, path: path))
        }
        // Tensors must not overlap (the format also forbids holes; we tolerate them).
        let sorted = entries.sorted { ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.byteRange.lowerBound < a.byteRange.upperBound {
            throw fail(.badOffsets(tensor: b.name, "data overlaps tensor '\(a.name)'"))
        }
        self.entries = entries
        self.metadata = metadata
    }

    private static func entry(name: String, value: HeaderJSON, dataStart: Int, dataLength: Int,
                              path: String) throws(SafetensorsError) -> SafetensorsEntry {
        func fail(_ reason: SafetensorsError.Reason) -> SafetensorsError { SafetensorsError(path: path, reason: reason) }
        guard case .object(let fields) = value else { throw fail(.badHeader("entry '\(name)' is not an object")) }
        var dtypeText: String?
        var shape: [Int]?
        var offsets: [Int]?
        for (key, field) in fields {
            switch key {
            case "dtype":
                guard case .string(let s) = field else { throw fail(.badHeader("'\(name)'.dtype is not a string")) }
                dtypeText = s
            case "shape":
                guard case .array(let dims) = field else { throw fail(.badHeader("'\(name)'.shape is not an array")) }
                var s: [Int] = []
                for d in dims {
                    guard let v = d.nonNegativeInt else { throw fail(.badHeader("'\(name)'.shape has a non-integer or negative dimension")) }
                    s.append(v)
                }
                shape = s
            case "data_offsets":
                guard case .array(let pair) = field, pair.count == 2,
                      let b = pair[0].nonNegativeInt, let e = pair[1].nonNegativeInt else {
                    throw fail(.badHeader("'\(name)'.data_offsets is not two non-negative integers"))
                }
                offsets = [b, e]
            default:
                throw fail(.badHeader("'\(name)' has unknown field '\(key)'"))
            }
        }
        guard let dtypeText, let shape, let offsets else {
            throw fail(.badHeader("'\(name)' lacks dtype, shape or data_offsets"))
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeText) else {
            throw fail(.unsupportedDType(tensor: name, dtype: dtypeText))
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end, end <= dataLength else {
            throw fail(.badOffsets(tensor: name, "data_offsets [\(begin), \(end)] outside the \(dataLength) data bytes"))
        }
        // Element count × size without overflow, compared with the bytes the offsets cover.
        var bytesNeeded = dtype.byteSize
        for d in shape {
            let (p, overflow) = bytesNeeded.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail(.badOffsets(tensor: name, "shape \(shape) is too large")) }
            bytesNeeded = p
        }
        guard bytesNeeded == end - begin else {
            throw fail(.badOffsets(tensor: name, "\(dtype.rawValue) \(shape) needs \(bytesNeeded) bytes, data_offsets cover \(end - begin)"))
        }
        return SafetensorsEntry(name: name, dtype: dtype, shape: shape,
                                byteRange: (dataStart + begin)..<(dataStart + end))
    }
}

extension SafetensorsEntry {
    /// Converts this entry's data to Float32 into `out` (room for `count` floats).
    /// `bytes` is the whole buffer the header was parsed from.
    public func decode(from bytes: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<Float>) {
        precondition(byteRange.upperBound <= bytes.count, "SafetensorsEntry.decode: buffer smaller than the header said")
        let base = byteRange.lowerBound
        let n = count
        switch dtype {
        case .f32:
            #if _endian(little)
            if n > 0, let start = bytes.baseAddress {
                UnsafeMutableRawPointer(out).copyMemory(from: start + base, byteCount: 4 * n)
            }
            #else
            for i in 0..<n { out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self))) }
            #endif
        case .f64:
            for i in 0..<n { out[i] = Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: base + 8 * i, as: UInt64.self)))) }
        case .f16:
            for i in 0..<n { out[i] = floatFromHalf(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self))) }
        case .bf16:
            for i in 0..<n { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self))) << 16) }
        case .i64:
            for i in 0..<n { out[i] = Float(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: base + 8 * i, as: Int64.self))) }
        case .i32:
            for i in 0..<n { out[i] = Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: base + 4 * i, as: Int32.self))) }
        case .i16:
            for i in 0..<n { out[i] = Float(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: base + 2 * i, as: Int16.self))) }
        case .i8:
            for i in 0..<n { out[i] = Float(Int8(bitPattern: bytes[base + i])) }
        case .u8:
            for i in 0..<n { out[i] = Float(bytes[base + i]) }
        case .bool:
            for i in 0..<n { out[i] = bytes[base + i] != 0 ? 1 : 0 }
        }
    }
}

/// IEEE 754 binary16 to binary32, exact (subnormals, infinities and NaN included).
func floatFromHalf(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = Int((h >> 10) & 0x1F)
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0x1F {
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    if exponent == 0 {
        // ±0 or subnormal: mantissa × 2^-24, exact in Float.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign != 0 ? -magnitude : magnitude
    }
    return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
}
