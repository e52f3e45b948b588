import Foundation

/// One tensor's value, its gradient, and its place on the tape.
final class TensorNode {
    var storage: TensorStorage
    let shape: [Int]
    var requiresGrad: Bool
    var grad: Tensor?
    /// True for tensors the user made; false for an op's output (its grad is not kept).
    let isLeaf: Bool
    /// The op that made this tensor (op outputs), or the accumulator into `grad` (leaves, made
    /// on first use).
    private var function: GradFunction?

    init(storage: TensorStorage, shape: [Int]) {
        self.storage = storage
        self.shape = shape
        requiresGrad = false
        isLeaf = true
    }

    init(storage: TensorStorage, shape: [Int], function: GradFunction) {
        self.storage = storage
        self.shape = shape
        requiresGrad = true
        isLeaf = false
        self.function = function
    }

    var gradFunction: GradFunction {
        if let function { return function }
        let f = GradFunction(accumulatingInto: self)
        function = f
        return f
    }
}

/// A node of the tape. It references the grad functions of its inputs, not their values, so an
/// intermediate value lives only as long as a backward that needs it has captured it (as
/// PyTorch's saved tensors): `a + b` keeps neither a nor b alive.
final class GradFunction {
    let op: String
    /// Input grad functions (nil for inputs that need no gradient) and their shapes.
    var inputs: [GradFunction?]
    let inputShapes: [[Int]]
    /// Upstream grad and (when saved) the op's output in, one grad per input out.
    var backward: ((_ grad: Tensor, _ output: Tensor) -> [Tensor?])?
    /// The output, for ops whose backward reads it (exp, softmax, ...).
    var savedOutput: Tensor?
    /// For a leaf: the node whose `grad` receives the gradient (weak: no cycle with the node).
    weak var leaf: TensorNode?
    let isAccumulator: Bool

    init(op: String, inputs: [GradFunction?], inputShapes: [[Int]], savedOutput: Tensor?,
         backward: @escaping (Tensor, Tensor) -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.inputShapes = inputShapes
        self.savedOutput = savedOutput
        self.backward = backward
        isAccumulator = false
    }

    init(accumulatingInto node: TensorNode) {
        op = "accumulateGrad"
        inputs = []
        inputShapes = []
        leaf = node
        isAccumulator = true
    }

    /// Set once the backward has run and the graph below was freed.
    private(set) var isReleased = false

    /// Drops the captured values and the edges once the backward has run.
    func release() {
        isReleased = true
        backward = nil
        inputs = []
        savedOutput = nil
    }
}

/// Depth of nested `noGrad` blocks, per thread (a pthread key: tests and programs may run
/// training and inference on several threads at once).
enum GradMode {
    static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()
    static var disabledDepth: Int {
        get { Int(bitPattern: pthread_getspecific(key)) }
        set { pthread_setspecific(key, UnsafeRawPointer(bitPattern: newValue)) }
    }
    static var isEnabled: Bool { disabledDepth == 0 }
}

/// Runs `body` without recording ops on the tape (inference, optimizer steps, backward itself).
public func noGrad<T>(_ body: () throws -> T) rethrows -> T {
    GradMode.disabledDepth += 1
    defer { GradMode.disabledDepth -= 1 }
    return try body()
}

/// Whether ops are being recorded now (false inside `noGrad`).
public var isGradEnabled: Bool { GradMode.isEnabled }

extension Tensor {
    /// Whether gradients flow to this tensor. Set it on leaves (parameters); op outputs have it when
    /// any input does.
    public var requiresGrad: Bool {
        get { node.requiresGrad }
        nonmutating set {
            precondition(node.isLeaf || newValue, "requiresGrad: cannot turn off on an op's output; use detached()")
            node.requiresGrad = newValue
        }
    }

    /// Returns self with `requiresGrad` set (builder style).
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }

    /// The gradient accumulated by `backward()` (leaves only), shared by copies.
    public var grad: Tensor? {
        get { node.grad }
        nonmutating set { node.grad = newValue }
    }

    public func zeroGrad() { node.grad = nil }

    /// Whether this tensor is a user-made leaf (not an op's output).
    public var isLeaf: Bool { node.isLeaf }

    /// The same values, cut from the graph (shares storage; values are immutable).
    public func detached() -> Tensor { Tensor(storage: node.storage, shape: node.shape) }

    /// An empty stand-in for values a backward does not need.
    static let placeholder = Tensor(shape: [0], scalars: [])

    /// Records an op's output: `backward` gets the upstream grad and the output value (only when
    /// `savesOutput`; otherwise an empty placeholder) and returns one grad per input (nil where an
    /// input needs none). Records nothing inside `noGrad` or when no input requires grad. A
    /// backward captures exactly the values it needs, and never the output tensor (a cycle).
    static func record(_ op: String, _ storage: TensorStorage, shape: [Int], inputs: [Tensor], savesOutput: Bool = false,
                       backward: @escaping (_ grad: Tensor, _ output: Tensor) -> [Tensor?]) -> Tensor {
        if inputs.contains(where: { $0.node.requiresGrad }) && GradMode.isEnabled {
            let function = GradFunction(op: op, inputs: inputs.map { $0.node.requiresGrad ? $0.node.gradFunction : nil },
                                        inputShapes: inputs.map(\.shape),
                                        savedOutput: savesOutput ? Tensor(storage: storage, shape: shape) : nil,
                                        backward: backward)
            return Tensor(node: TensorNode(storage: storage, shape: shape, function: function))
        }
        return Tensor(storage: storage, shape: shape)
    }

    /// Reverse-mode autodiff from this scalar (or from any tensor, given `gradient` of its shape).
    /// Accumulates into the `grad` of every leaf that requires grad, then frees the graph.
    public func backward(_ gradient: Tensor? = nil) {
        precondition(node.requiresGrad, "backward: tensor of shape \(shape) does not require grad")
        let seed: Tensor
        if let gradient {
            precondition(gradient.shape == shape, "backward: gradient shape \(gradient.shape) for tensor of shape \(shape)")
            seed = gradient.detached()
        } else {
            precondition(count == 1, "backward: tensor of shape \(shape) is not a scalar; pass a gradient")
            seed = Tensor.ones(shape)
        }
        let root = node.gradFunction
        precondition(!root.isReleased, "backward: the graph of this \(root.op) output was already freed by an earlier backward; run the forward again")
        // Topological order by iterative depth-first search (deep graphs must not overflow the stack).
        var order: [GradFunction] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradFunction, Bool)] = [(root, false)]
        while let (f, expanded) = stack.popLast() {
            if expanded { order.append(f); continue }
            if !visited.insert(ObjectIdentifier(f)).inserted { continue }
            stack.append((f, true))
            for case let input? in f.inputs where !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        noGrad {
            for f in order.reversed() {
                defer { if !f.isAccumulator { f.release() } }
                guard let g = grads.removeValue(forKey: ObjectIdentifier(f)) else { continue }
                if f.isAccumulator {
                    if let leaf = f.leaf, leaf.requiresGrad { leaf.grad = leaf.grad.map { $0 + g } ?? g.detached() }
                    continue
                }
                guard let backward = f.backward else { continue }
                let inputGrads = backward(g, f.savedOutput ?? Tensor.placeholder)
                precondition(inputGrads.count == f.inputs.count, "backward of \(f.op): \(inputGrads.count) grads for \(f.inputs.count) inputs")
                for (k, input) in f.inputs.enumerated() {
                    guard let input, let ig = inputGrads[k] else { continue }
                    precondition(ig.shape == f.inputShapes[k], "backward of \(f.op): grad shape \(ig.shape) for input of shape \(f.inputShapes[k])")
                    let key = ObjectIdentifier(input)
                    grads[key] = grads[key].map { $0 + ig } ?? ig
                }
            }
        }
    }
}
