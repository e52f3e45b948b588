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
                // One pass per parameter: d = g + wd·p; buf = m·buf + (1 − dampening)·d (buf = d on the
                // first step, as PyTorch); d = nesterov ? d + m·buf : buf; p −= lr·d.
                let buffer = momentum == 0 ? nil : state.tensor("momentum_buffer", key)
                let firstStep = momentum != 0 && buffer == nil
                let buf = buffer ?? (firstStep ? Tensor.zeros(p.shape) : nil)
                if firstStep, let buf { state.set("momentum_buffer", key, buf) }
                let (m, keep, nesterov) = (momentum, 1 - dampening, nesterov)
                grad.withUnsafeBufferPointer { g in
                    p.update { pb in
                        let pp = UncheckedSendable(pb.baseAddress!), gp = UncheckedSendable(g.baseAddress!)
                        func run(_ bp: UncheckedSendable<UnsafeMutablePointer<Float>>?) {
                            Parallel.forChunks(pb.count, grain: 1 << 16) { range in
                                let (p, g) = (pp.value, gp.value)
                                for i in range {
                                    var d = g[i].addingProduct(p[i], wd)
                                    if let bp {
                                        let b = bp.value
                                        b[i] = firstStep ? d : (b[i] * m).addingProduct(d, keep)
                                        d = nesterov ? d.addingProduct(b[i], m) : b[i]
                                    }
                                    p[i] = p[i].addingProduct(d, -lr)
                                }
                            }
                        }
                        if let buf { buf.update { run(UncheckedSendable($0.baseAddress!)) } } else { run(nil) }
                    }
                }
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

