import Foundation
import SegTensor

/// Why a state dict did not fit a module: every offending key, by name.
public struct StateDictMismatch: Error, Equatable, CustomStringConvertible {
    public struct WrongShape: Equatable, Sendable {
        public let key: String
        public let expected: [Int]
        public let found: [Int]
    }

    /// Keys the module has and the state dict lacks.
    public var missing: [String]
    /// Keys the state dict has and the module lacks.
    public var unexpected: [String]
    /// Keys in both with different shapes.
    public var wrongShape: [WrongShape]
    /// The file the state dict came from, if any.
    public var path: String?

    public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty && wrongShape.isEmpty }

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing keys: \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { parts.append("unexpected keys: \(unexpected.joined(separator: ", "))") }
        if !wrongShape.isEmpty {
            parts.append("wrong shapes: " + wrongShape.map { "\($0.key) is \($0.found), expected \($0.expected)" }
                .joined(separator: ", "))
        }
        return (path.map { "\($0): " } ?? "") + "state dict does not match the module: " + parts.joined(separator: "; ")
    }
}

/// What a non-strict load skipped.
public struct LoadReport: Sendable, Equatable {
    public var missing: [String]
    public var unexpected: [String]
}

extension Module {
    /// Parameters and persistent buffers by dotted key, in PyTorch's `state_dict()` order: each
    /// module's parameters, then its buffers, then its children's entries.
    public func stateDict() -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        appendState(prefix: "", into: &result)
        return result
    }

    private func appendState(prefix: String, into result: inout [(String, Tensor)]) {
        let own = members()
        for (key, member) in own { if case .parameter(let t) = member { result.append((prefix + key, t)) } }
        for (key, member) in own {
            if case .buffer(let t, let persistent) = member, persistent { result.append((prefix + key, t)) }
        }
        for (key, member) in own { if case .module(let m) = member { m.appendState(prefix: prefix + key + ".", into: &result) } }
    }

    /// Copies values into this module's parameters and buffers, in place (every holder of a
    /// parameter sees the new values). Shapes must match exactly. With `strict`, a missing or
    /// unexpected key is an error too; without it they are skipped and returned.
    /// Nothing is changed when it throws.
    @discardableResult
    public func load(_ tensors: [String: Tensor], strict: Bool = true, path: String? = nil) throws -> LoadReport {
        let state = stateDict()
        var mismatch = StateDictMismatch(missing: [], unexpected: [], wrongShape: [], path: path)
        var own = Set<String>()
        for (key, t) in state {
            own.insert(key)
            guard let value = tensors[key] else { mismatch.missing.append(key); continue }
            if value.shape != t.shape {
                mismatch.wrongShape.append(.init(key: key, expected: t.shape, found: value.shape))
            }
        }
        mismatch.unexpected = tensors.keys.filter { !own.contains($0) }.sorted()
        if !mismatch.wrongShape.isEmpty || (strict && !mismatch.isEmpty) { throw mismatch }
        for (key, t) in state {
            if let value = tensors[key] { t.assign(value) }
        }
        return LoadReport(missing: mismatch.missing, unexpected: mismatch.unexpected)
    }

    /// Loads a safetensors file (F32, F16, BF16 widened; integer tensors converted to Float).
    @discardableResult
    public func load(contentsOf url: URL, strict: Bool = true) throws -> LoadReport {
        let file = try SafetensorsFile(contentsOf: url)
        return try load(file.tensors(), strict: strict, path: url.path)
    }

    /// Writes `stateDict()` as a safetensors file (F32).
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try Safetensors.write(stateDict(), metadata: metadata, to: url)
    }
}
