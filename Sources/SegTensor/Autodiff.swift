import Foundation

/// One tensor's value and its place on the tape.
final class TensorNode {
    var storage: TensorStorage
    let shape: [Int]
    var requiresGrad: Bool
    var grad: Tensor?
    /// True for tensors the user made; false for an op's output (its grad is not kept).
    let isLeaf: Bool
    /// An op's inputs and its backward: upstream grad and this node's value in, grads for inputs out.
    var inputs: [TensorNode]
    var backward: ((_ grad: Tensor, _ output: Tensor) -> [Tensor?])?
    let op: String

    init(storage: TensorStorage, shape: [Int]) {
        self.storage = storage
        self.shape = shape
        requiresGrad = false
        isLeaf = true
        inputs = []
        op = "leaf"
    }

    init(storage: TensorStorage, shape: [Int], op: String, inputs: [TensorNode],
         backward: @escaping (Tensor, Tensor) -> [Tensor?]) {
        self.storage = storage
        self.shape = shape
        requiresGrad = true
        isLeaf = false
        self.inputs = inputs
        self.backward = backward
        self.op = op
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

    /// Records an op's output: `backward` gets the upstream grad and the output value and returns
    /// one grad per input (nil where an input needs none). Records nothing inside `noGrad` or when no
    /// input requires grad. `backward` must not capture the output tensor (that would be a cycle).
    static func record(_ op: String, _ storage: TensorStorage, shape: [Int], inputs: [Tensor],
                       backward: @escaping (_ grad: Tensor, _ output: Tensor) -> [Tensor?]) -> Tensor {
        if inputs.contains(where: { $0.node.requiresGrad }) && GradMode.isEnabled {
            return Tensor(node: TensorNode(storage: storage, shape: shape, op: op,
                                           inputs: inputs.map(\.node), backward: backward))
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
        // Topological order by iterative depth-first search (deep graphs must not overflow the stack).
        var order: [TensorNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(TensorNode, Bool)] = [(node, false)]
        while let (n, expanded) = stack.popLast() {
            if expanded { order.append(n); continue }
            if !visited.insert(ObjectIdentifier(n)).inserted { continue }
            stack.append((n, true))
            for input in n.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(node): seed]
        noGrad {
            for n in order.reversed() {
                defer { if !n.isLeaf { n.backward = nil; n.inputs = [] } }
                guard let g = grads.removeValue(forKey: ObjectIdentifier(n)) else { continue }
                if n.isLeaf {
                    n.grad = n.grad.map { $0 + g } ?? g.detached()
                    continue
                }
                guard let backward = n.backward else { continue }
                let inputGrads = backward(g, Tensor(storage: n.storage, shape: n.shape))
                precondition(inputGrads.count == n.inputs.count, "backward of \(n.op): \(inputGrads.count) grads for \(n.inputs.count) inputs")
                for (input, ig) in zip(n.inputs, inputGrads) where input.requiresGrad {
                    guard let ig else { continue }
                    precondition(ig.shape == input.shape, "backward of \(n.op): grad shape \(ig.shape) for input of shape \(input.shape)")
                    let key = ObjectIdentifier(input)
                    grads[key] = grads[key].map { $0 + ig } ?? ig
                }
            }
        }
    }
}
