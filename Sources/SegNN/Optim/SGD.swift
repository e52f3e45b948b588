import SegTensor

/// Stochastic gradient descent with momentum, PyTorch's `torch.optim.SGD` rule exactly:
///
///     d = g + weight_decay · p
///     buf = d (first step), else buf = momentum · buf + (1 − dampening) · d
///     d = d + momentum · buf (Nesterov), else d = buf
///     p = p − lr · d
///
/// State: `<parameter>.momentum_buffer` for each parameter that has taken a step with momentum.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float
    public let dampening: Float
    public let weightDecay: Float
    public let nesterov: Bool
    public private(set) var groups: [ParameterGroup]
    private var state = OptimizerState()

    public convenience init(_ parameters: [(String, Tensor)], learningRate: Float, momentum: Float = 0,
                            dampening: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, momentum: momentum,
                  dampening: dampening, weightDecay: weightDecay, nesterov: nesterov)
    }

    public init(groups: [ParameterGroup], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) {
        precondition(learningRate >= 0 && momentum >= 0 && weightDecay >= 0, "SGD: negative learning rate, momentum or weight decay")
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum requires a momentum and zero dampening")
        self.groups = groups
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    public func step() {
        for group in groups {
            let lr = learningRate * group.learningRateScale
            let wd = group.weightDecay ?? weightDecay
            for (key, p) in group.parameters {
                guard let grad = p.grad else { continue }
                precondition(grad.shape == p.shape, "SGD: gradient \(grad.shape) for parameter '\(key)' of shape \(p.shape)")
                var d = grad.scalars
                if wd != 0 {
                    p.withUnsafeBufferPointer { pb in for i in d.indices { d[i] = d[i].addingProduct(pb[i], wd) } }
                }
                if momentum != 0 {
                    if let buf = state.tensor("momentum_buffer", key) {
                        let (m, keep) = (momentum, 1 - dampening)
                        buf.update { b in for i in d.indices { b[i] = (b[i] * m).addingProduct(d[i], keep) } }
                        buf.withUnsafeBufferPointer { b in
                            if nesterov { for i in d.indices { d[i] = d[i].addingProduct(b[i], momentum) } }
                            else { for i in d.indices { d[i] = b[i] } }
                        }
                    } else {
                        let buf = Tensor(shape: p.shape, scalars: d)
                        state.set("momentum_buffer", key, buf)
                        if nesterov { for i in d.indices { d[i] = d[i].addingProduct(d[i], momentum) } }
                    }
                }
                p.update { pb in for i in d.indices { pb[i] = pb[i].addingProduct(d[i], -lr) } }
            }
        }
    }

    public func stateDict() -> [(String, Tensor)] {
        state.named(parameters: parameters, slotOrder: ["momentum_buffer"])
    }

    public func loadStateDict(_ saved: [String: Tensor]) throws {
        state = try OptimizerState.parse(saved, parameters: parameters, slotShapes: ["momentum_buffer": { $0 }])
    }
}
