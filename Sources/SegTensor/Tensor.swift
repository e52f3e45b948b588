/// An n-dimensional array of Float32 with reverse-mode autodiff.
///
/// `Tensor` is a value: ops return new tensors and never change their inputs. Copies share one
/// autodiff node, so a parameter held by a module and its copies see the same `grad`,
/// `requiresGrad`, and the in-place updates an optimizer makes with `update(_:)`.
public struct Tensor: @unchecked Sendable {
    var node: TensorNode

    init(node: TensorNode) { self.node = node }

    /// A tensor on existing storage (no copy), not part of any graph.
    public init(storage: TensorStorage, shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        precondition(storage.count == shape.reduce(1, *),
                     "Tensor: storage has \(storage.count) scalars, shape \(shape) needs \(shape.reduce(1, *))")
        node = TensorNode(storage: storage, shape: shape)
    }

    public init(shape: [Int], scalars: [Float]) {
        let n = shape.reduce(1, *)
        precondition(scalars.count == n, "Tensor(shape:scalars:): \(scalars.count) scalars for shape \(shape), which needs \(n)")
        let s = TensorStorage(count: n)
        scalars.withUnsafeBufferPointer { if n > 0 { s.pointer.update(from: $0.baseAddress!, count: n) } }
        self.init(storage: s, shape: shape)
    }

    /// A rank-0 tensor.
    public init(_ scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// A rank-1 tensor.
    public init(_ scalars: [Float]) { self.init(shape: [scalars.count], scalars: scalars) }

    public init(shape: [Int], repeating value: Float) {
        self.init(storage: TensorStorage(repeating: value, count: shape.reduce(1, *)), shape: shape)
    }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }
    public static func full(_ shape: [Int], value: Float) -> Tensor { Tensor(shape: shape, repeating: value) }
    public static func zeros(like t: Tensor) -> Tensor { zeros(t.shape) }
    public static func ones(like t: Tensor) -> Tensor { ones(t.shape) }

    /// 0, 1, ..., n-1.
    public static func arange(_ n: Int) -> Tensor { Tensor(shape: [n], scalars: (0..<n).map(Float.init)) }
    /// start, start+step, ... below end.
    public static func arange(from start: Float, to end: Float, step: Float = 1) -> Tensor {
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [n], scalars: (0..<n).map { start + Float($0) * step })
    }

    // MARK: Properties

    public var shape: [Int] { node.shape }
    public var rank: Int { node.shape.count }
    public var count: Int { node.storage.count }
    public var storage: TensorStorage { node.storage }

    /// The scalars in row-major order (a copy).
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: node.storage.pointer, count: count))
    }

    /// The single scalar of a one-element tensor.
    public func item() -> Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, expected 1")
        return node.storage.pointer[0]
    }

    /// Read access to the contiguous scalars.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: node.storage.pointer, count: count))
    }

    var pointer: UnsafeMutablePointer<Float> { node.storage.pointer }

    /// Element at a multi-index; setting it changes only this value (copy-on-write) and
    /// detaches it from any graph.
    public subscript(_ index: Int...) -> Float {
        get { node.storage.pointer[flatIndex(index)] }
        set {
            let i = flatIndex(index)
            makeUniqueForWriting()
            node.storage.pointer[i] = newValue
            node.storage.contentsChanged()
        }
    }

    /// Replaces the scalars (copy-on-write: other copies keep their values).
    public mutating func setScalars(_ values: [Float]) {
        precondition(values.count == count, "setScalars: \(values.count) values for shape \(shape)")
        makeUniqueForWriting()
        values.withUnsafeBufferPointer { node.storage.pointer.update(from: $0.baseAddress!, count: count) }
        node.storage.contentsChanged()
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "subscript: \(index.count) indices for shape \(shape)")
        var flat = 0
        for (i, d) in zip(index, shape) {
            precondition(i >= 0 && i < d, "subscript: index \(index) out of range for shape \(shape)")
            flat = flat * d + i
        }
        return flat
    }

    private mutating func makeUniqueForWriting() {
        if !isKnownUniquelyReferenced(&node) || !isKnownUniquelyReferenced(&node.storage) || !node.isLeaf || node.requiresGrad {
            node = TensorNode(storage: node.storage.copy(), shape: node.shape)
        }
    }

    // MARK: Parameter updates

    /// Changes the values in place without recording, visible to every copy sharing this tensor's
    /// node (a module's parameter and the optimizer's handle on it). For optimizers.
    public func update(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        if !isKnownUniquelyReferenced(&node.storage) {
            node.storage = node.storage.copy()  // other views of the old values keep them
        }
        defer { node.storage.contentsChanged() }
        try body(node.storage.buffer)
    }

    /// Replaces the values in place with those of `other` (same shape), as `update` does.
    public func assign(_ other: Tensor) {
        precondition(other.shape == shape, "assign: shape \(other.shape) into tensor of shape \(shape)")
        update { $0.baseAddress!.update(from: other.pointer, count: count) }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = scalars.prefix(16).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(values)\(count > 16 ? ", ..." : "")])"
    }
}

import Foundation

/// Shape helpers.
extension Array where Element == Int {
    /// Row-major strides for this shape.
    var contiguousStrides: [Int] {
        var s = [Int](repeating: 1, count: count)
        var acc = 1
        for i in stride(from: count - 1, through: 0, by: -1) { s[i] = acc; acc *= self[i] }
        return s
    }
    var product: Int { reduce(1, *) }
}

/// Normalises a possibly negative axis for an op's message.
@inline(__always)
func normalizeAxis(_ axis: Int, rank: Int, op: String) -> Int {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < Swift.max(rank, 1), "\(op): axis \(axis) out of range for rank \(rank)")
    return a
}
