import Foundation
import SegTensor

/// Adam with decoupled weight decay (Loshchilov & Hutter, 2019), PyTorch's `torch.optim.AdamW` rule:
///
///     t = t + 1;  p = p · (1 − lr · weight_decay)
///     m = lerp(m, g, 1 − β1);  v = β2 · v + (1 − β2) · g²
///     p = p − lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
///
/// Scalar coefficients are computed in Double and rounded to Float where PyTorch rounds them.
/// State: `<parameter>.step` (a rank-0 tensor), `<parameter>.exp_avg`, `<parameter>.exp_avg_sq`.
public final class AdamW: Optimizer {
    public var learningRate: Float
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Float
    public private(set) var groups: [ParameterGroup]
    private var state = OptimizerState()

    public convenience init(_ parameters: [(String, Tensor)], learningRate: Float = 1e-3,
                            betas: (Double, Double) = (0.9, 0.999), epsilon: Double = 1e-8, weightDecay: Float = 1e-2) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, betas: betas,
                  epsilon: epsilon, weightDecay: weightDecay)
    }

    public init(groups: [ParameterGroup], learningRate: Float = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                epsilon: Double = 1e-8, weightDecay: Float = 1e-2) {
        precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "AdamW: betas \(betas) outside [0, 1)")
        precondition(learningRate >= 0 && epsilon >= 0 && weightDecay >= 0, "AdamW: negative learning rate, epsilon or weight decay")
        self.groups = groups
        self.learningRate = learningRate
        (beta1, beta2) = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public func step() {
        for group in groups {
            let lr = Double(learningRate * group.learningRateScale)
            let wd = Double(group.weightDecay ?? weightDecay)
            for (key, p) in group.parameters {
                guard let grad = p.grad else { continue }
                precondition(grad.shape == p.shape, "AdamW: gradient \(grad.shape) for parameter '\(key)' of shape \(p.shape)")
                let stepTensor = state.tensor("step", key) ?? {
                    let t = Tensor(shape: [], scalars: [0]); state.set("step", key, t); return t
                }()
                let expAvg = state.tensor("exp_avg", key) ?? {
                    let t = Tensor.zeros(p.shape); state.set("exp_avg", key, t); return t
                }()
                let expAvgSq = state.tensor("exp_avg_sq", key) ?? {
                    let t = Tensor.zeros(p.shape); state.set("exp_avg_sq", key, t); return t
                }()
                stepTensor.update { $0[0] += 1 }
                let t = Double(stepTensor.item())

                let decay = Float(1 - lr * wd)
                let weight = Float(1 - beta1)
                let b2 = Float(beta2)
                let oneMinusB2 = Float(1 - beta2)
                let stepSize = lr / (1 - Foundation.pow(beta1, t))
                let correction2Sqrt = Float((1 - Foundation.pow(beta2, t)).squareRoot())
                let eps = Float(epsilon)
                let negStepSize = Float(-stepSize)

                grad.withUnsafeBufferPointer { g in
                    expAvg.update { m in
                        expAvgSq.update { v in
                            p.update { w in
                                for i in 0..<g.count {
                                    if wd != 0 { w[i] *= decay }
                                    // torch.lerp: weight < 0.5 ? m + w·(g − m) : g − (g − m)·(1 − w)
                                    let diff = g[i] - m[i]
                                    m[i] = weight < 0.5 ? m[i].addingProduct(weight, diff) : g[i] - diff * (1 - weight)
                                    v[i] = (v[i] * b2) + oneMinusB2 * g[i] * g[i]
                                    let denom = v[i].squareRoot() / correction2Sqrt + eps
                                    w[i] = w[i] + negStepSize * m[i] / denom
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func stateDict() -> [(String, Tensor)] {
        state.named(parameters: parameters, slotOrder: ["step", "exp_avg", "exp_avg_sq"])
    }

    public func loadStateDict(_ saved: [String: Tensor]) throws {
        state = try OptimizerState.parse(saved, parameters: parameters,
                                         slotShapes: ["step": { _ in [] }, "exp_avg": { $0 }, "exp_avg_sq": { $0 }])
    }
}
