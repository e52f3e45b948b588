import Foundation
import SegTensor

/// Parameters that share a learning-rate scale and a weight decay (PyTorch's param groups), e.g.
/// SegFormer's decode head at 10× the backbone's learning rate.
public struct ParameterGroup {
    public var parameters: [(String, Tensor)]
    /// Multiplies the optimizer's `learningRate` for this group.
    public var learningRateScale: Float
    /// This group's weight decay; nil takes the optimizer's.
    public var weightDecay: Float?

    public init(_ parameters: [(String, Tensor)], learningRateScale: Float = 1, weightDecay: Float? = nil) {
        self.parameters = parameters
        self.learningRateScale = learningRateScale
        self.weightDecay = weightDecay
    }
}

/// A parameter update rule over named parameters. Its state (momentum buffers, moments, step
/// counts) is a list of named tensors, saved and loaded with the model's for an exact resume.
public protocol Optimizer: AnyObject {
    /// The base learning rate; a schedule sets it before each `step()`.
    var learningRate: Float { get set }
    var groups: [ParameterGroup] { get }
    /// Updates every parameter that has a gradient, in place (visible to the model).
    func step()
    /// The optimizer's state by name: `<parameter key>.<state name>`.
    func stateDict() -> [(String, Tensor)]
    /// Restores state saved by `stateDict()`; throws `StateDictMismatch` for unknown keys or shapes.
    func loadStateDict(_ state: [String: Tensor]) throws
}

extension Optimizer {
    /// Every parameter of every group.
    public var parameters: [(String, Tensor)] { groups.flatMap(\.parameters) }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for (_, p) in parameters { p.zeroGrad() } }
}

/// Named optimizer state with shapes checked against the parameters it belongs to.
struct OptimizerState {
    /// For each state name (e.g. "exp_avg"): parameter key → tensor.
    var slots: [String: [String: Tensor]] = [:]

    func tensor(_ slot: String, _ key: String) -> Tensor? { slots[slot]?[key] }
    mutating func set(_ slot: String, _ key: String, _ t: Tensor) { slots[slot, default: [:]][key] = t }

    /// `<key>.<slot>` entries in parameter order, then slot order.
    func named(parameters: [(String, Tensor)], slotOrder: [String]) -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        for (key, _) in parameters {
            for slot in slotOrder { if let t = slots[slot]?[key] { result.append(("\(key).\(slot)", t)) } }
        }
        return result
    }

    /// Parses `<key>.<slot>` entries; every key must be a parameter, every shape right.
    static func parse(_ state: [String: Tensor], parameters: [(String, Tensor)], slotShapes: [String: ([Int]) -> [Int]])
        throws -> OptimizerState {
        let shapes = Dictionary(parameters.map { ($0.0, $0.1.shape) }, uniquingKeysWith: { a, _ in a })
        var result = OptimizerState()
        var mismatch = StateDictMismatch(missing: [], unexpected: [], wrongShape: [], path: nil)
        for (name, t) in state.sorted(by: { $0.key < $1.key }) {
            guard let dot = name.lastIndex(of: "."),
                  let shapeOf = slotShapes[String(name[name.index(after: dot)...])],
                  let shape = shapes[String(name[..<dot])] else {
                mismatch.unexpected.append(name)
                continue
            }
            let slot = String(name[name.index(after: dot)...])
            let key = String(name[..<dot])
            guard t.shape == shapeOf(shape) else {
                mismatch.wrongShape.append(.init(key: name, expected: shapeOf(shape), found: t.shape))
                continue
            }
            result.set(slot, key, copyOf(t))
        }
        if !mismatch.isEmpty { throw mismatch }
        return result
    }
}

/// A fresh tensor with the same values, not shared with `t`.
func copyOf(_ t: Tensor) -> Tensor {
    let storage = TensorStorage(count: t.count)
    t.withUnsafeBufferPointer { if $0.count > 0 { storage.pointer.update(from: $0.baseAddress!, count: $0.count) } }
    return Tensor(storage: storage, shape: t.shape)
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm`, as PyTorch's
/// `clip_grad_norm_` (coefficient `maxNorm / (norm + 1e-6)`, capped at 1). Returns the norm before
/// clipping. Parameters without a gradient are skipped.
@discardableResult
public func clipGradNorm(_ parameters: [(String, Tensor)], maxNorm: Float) -> Float {
    var sumOfSquares: Double = 0
    for (_, p) in parameters {
        guard let g = p.grad else { continue }
        var s: Double = 0
        g.withUnsafeBufferPointer { for v in $0 { s += Double(v) * Double(v) } }
        sumOfSquares += s
    }
    let total = Float(sumOfSquares.squareRoot())
    let coefficient = min(maxNorm / (total + 1e-6), 1)
    if coefficient < 1 {
        for (_, p) in parameters {
            guard let g = p.grad else { continue }
            let scaled = copyOf(g)
            scaled.update { for i in $0.indices { $0[i] *= coefficient } }
            p.grad = scaled
        }
    }
    return total
}
