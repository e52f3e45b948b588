import Foundation

/// A learning rate as a function of the iteration (0-based), set on the optimizer before each step:
/// `optimizer.learningRate = schedule(step)`.
public protocol LearningRateSchedule: Sendable {
    func learningRate(at step: Int) -> Float
}

extension LearningRateSchedule {
    public func callAsFunction(_ step: Int) -> Float { learningRate(at: step) }
}

/// The "poly" policy of DeepLab and PSPNet: `(base − min) · (1 − step / maxSteps)^power + min`,
/// power 0.9 (mmsegmentation's `PolyLR` form; min 0 gives DeepLab's).
public struct PolySchedule: LearningRateSchedule {
    public var base: Float
    public var maxSteps: Int
    public var power: Double
    public var minimum: Float

    public init(base: Float, maxSteps: Int, power: Double = 0.9, minimum: Float = 0) {
        precondition(maxSteps > 0, "PolySchedule: maxSteps must be positive")
        self.base = base; self.maxSteps = maxSteps; self.power = power; self.minimum = minimum
    }

    public func learningRate(at step: Int) -> Float {
        let progress = Double(min(max(step, 0), maxSteps)) / Double(maxSteps)
        return Float(Double(base - minimum) * Foundation.pow(1 - progress, power) + Double(minimum))
    }
}

/// Cosine annealing from `base` to `minimum` over `maxSteps`: `min + (base − min) · (1 + cos(π·step/maxSteps)) / 2`.
public struct CosineSchedule: LearningRateSchedule {
    public var base: Float
    public var maxSteps: Int
    public var minimum: Float

    public init(base: Float, maxSteps: Int, minimum: Float = 0) {
        precondition(maxSteps > 0, "CosineSchedule: maxSteps must be positive")
        self.base = base; self.maxSteps = maxSteps; self.minimum = minimum
    }

    public func learningRate(at step: Int) -> Float {
        let progress = Double(min(max(step, 0), maxSteps)) / Double(maxSteps)
        return Float(Double(minimum) + Double(base - minimum) * (1 + Foundation.cos(Double.pi * progress)) / 2)
    }
}

/// A linear warmup over the first `steps` iterations in front of another schedule, as mmcv's
/// `warmup='linear'`: `lr = after(step) · (1 − (1 − step/steps) · (1 − ratio))`, so it starts at
/// `ratio` times the schedule and meets it at `steps`.
public struct LinearWarmup<After: LearningRateSchedule>: LearningRateSchedule {
    public var steps: Int
    public var ratio: Double
    public var after: After

    public init(steps: Int, ratio: Double = 1e-6, then after: After) {
        precondition(steps >= 0, "LinearWarmup: negative steps")
        self.steps = steps; self.ratio = ratio; self.after = after
    }

    public func learningRate(at step: Int) -> Float {
        let regular = after.learningRate(at: step)
        guard step < steps else { return regular }
        let k = (1 - Double(step) / Double(steps)) * (1 - ratio)
        return Float(Double(regular) * (1 - k))
    }
}

extension LinearWarmup where After == PolySchedule {
    /// SegFormer's schedule (mmsegmentation config): linear warmup for 1500 iterations from
    /// 1e-6 × the rate, then poly with power 1.
    public static func segformer(base: Float = 6e-5, maxSteps: Int = 160_000, warmupSteps: Int = 1500)
        -> LinearWarmup<PolySchedule> {
        LinearWarmup(steps: warmupSteps, ratio: 1e-6, then: PolySchedule(base: base, maxSteps: maxSteps, power: 1))
    }
}

/// A constant learning rate.
public struct ConstantSchedule: LearningRateSchedule {
    public var value: Float
    public init(_ value: Float) { self.value = value }
    public func learningRate(at step: Int) -> Float { value }
}
