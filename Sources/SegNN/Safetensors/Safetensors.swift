import Foundation
import SegTensor

/// A safetensors file read into memory (mapped), its header validated.
public struct SafetensorsFile {
    public let path: String
    public let header: SafetensorsHeader
    private let data: Data

    public var entries: [SafetensorsEntry] { header.entries }
    public var metadata: [String: String] { header.metadata }

    /// Reads and validates a file; throws `SafetensorsError` naming it.
    public init(contentsOf url: URL) throws(SafetensorsError) {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw SafetensorsError(path: url.path, reason: .unreadable(error.localizedDescription))
        }
        try self.init(data: data, path: url.path)
    }

    /// Validates bytes already in memory; `path` names them in errors.
    public init(data: Data, path: String) throws(SafetensorsError) {
        self.path = path
        self.data = data
        // Data.withUnsafeBytes rethrows untyped errors: carry the typed one out in a Result.
        let parsed = data.withUnsafeBytes { bytes in
            Result { () throws(SafetensorsError) in try SafetensorsHeader(parsing: bytes, path: path) }
        }
        header = try parsed.get()
    }

    /// One tensor as Float32.
    public func tensor(_ entry: SafetensorsEntry) -> Tensor {
        let storage = TensorStorage(count: entry.count)
        data.withUnsafeBytes { entry.decode(from: $0, into: storage.pointer) }
        return Tensor(storage: storage, shape: entry.shape)
    }

    /// One tensor by name, or nil.
    public func tensor(named name: String) -> Tensor? {
        entries.first { $0.name == name }.map(tensor)
    }

    /// Every tensor by name, as Float32.
    public func tensors() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: entries.map { ($0.name, tensor($0)) })
    }
}

/// safetensors reading and writing.
public enum Safetensors {
    /// Every tensor of a file, as Float32.
    public static func read(contentsOf url: URL) throws(SafetensorsError) -> [String: Tensor] {
        try SafetensorsFile(contentsOf: url).tensors()
    }

    /// The bytes of a safetensors file holding `tensors` as F32, in the order given, with the header
    /// padded with spaces to a multiple of 8 bytes (as the reference library writes it).
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String] = [:]) -> Data {
        var seen = Set<String>()
        for (name, _) in tensors {
            precondition(seen.insert(name).inserted, "Safetensors.encode: tensor name '\(name)' appears twice")
            precondition(name != "__metadata__", "Safetensors.encode: '__metadata__' is not a tensor name")
        }
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonQuoted($0.key)):\(jsonQuoted($0.value))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, t) in tensors {
            let end = offset + t.count * 4
            let shape = t.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonQuoted(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(fields.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for (_, t) in tensors {
            t.withUnsafeBufferPointer { buffer in
                #if _endian(little)
                data.append(UnsafeBufferPointer(start: buffer.baseAddress, count: buffer.count))
                #else
                for v in buffer { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                #endif
            }
        }
        return data
    }

    /// Writes `tensors` as an F32 safetensors file (atomically).
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        try encode(tensors, metadata: metadata).write(to: url, options: .atomic)
    }
}
