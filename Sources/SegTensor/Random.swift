import Foundation

/// A deterministic random generator (xoshiro256**, seeded by SplitMix64), with Box–Muller normals.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    private var spareNormal: Float?

    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Standard normal (Box–Muller, computed in Double).
    public mutating func nextNormal() -> Float {
        if let z = spareNormal { spareNormal = nil; return z }
        var u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let r = (-2 * Foundation.log(u1)).squareRoot()
        spareNormal = Float(r * Foundation.sin(2 * .pi * u2))
        return Float(r * Foundation.cos(2 * .pi * u2))
    }
}

/// Fan mode for Kaiming initialisation (PyTorch's `mode`).
public enum FanMode: Sendable { case fanIn, fanOut }

extension Tensor {
    /// Standard normal samples scaled: mean + std * N(0, 1).
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: inout SeededGenerator) -> Tensor {
        let n = shape.product
        let s = TensorStorage(count: n)
        for i in 0..<n { s.pointer[i] = mean + std * generator.nextNormal() }
        return Tensor(storage: s, shape: shape)
    }

    /// Uniform samples in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, generator: inout SeededGenerator) -> Tensor {
        let n = shape.product
        let s = TensorStorage(count: n)
        for i in 0..<n { s.pointer[i] = low + (high - low) * generator.nextUniform() }
        return Tensor(storage: s, shape: shape)
    }

    /// Bernoulli(p) samples as 0/1.
    public static func bernoulli(_ shape: [Int], p: Float, generator: inout SeededGenerator) -> Tensor {
        let n = shape.product
        let s = TensorStorage(count: n)
        for i in 0..<n { s.pointer[i] = generator.nextUniform() < p ? 1 : 0 }
        return Tensor(storage: s, shape: shape)
    }

    /// PyTorch's `_calculate_fan_in_and_fan_out`: dim 1 is fan-in, dim 0 fan-out, times the
    /// receptive field (the product of the remaining dims).
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "fans: shape \(shape) needs at least 2 dimensions")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// PyTorch's `calculate_gain` for "relu" is √2, for "leaky_relu" √(2 / (1 + slope²)).
    public static func leakyReluGain(slope: Float) -> Float { (2 / (1 + slope * slope)).squareRoot() }

    /// `torch.nn.init.kaiming_normal_`: N(0, gain / √fan), gain for leaky ReLU with `slope` (0: ReLU).
    public static func kaimingNormal(_ shape: [Int], slope: Float = 0, mode: FanMode = .fanIn,
                                     generator: inout SeededGenerator) -> Tensor {
        let (fi, fo) = fans(shape)
        let std = leakyReluGain(slope: slope) / Float(mode == .fanIn ? fi : fo).squareRoot()
        return randn(shape, std: std, generator: &generator)
    }

    /// `torch.nn.init.kaiming_uniform_`: U(-b, b), b = gain · √(3 / fan). `nn.Conv2d` and `nn.Linear`
    /// reset weights with slope √5, which gives b = 1/√fan_in.
    public static func kaimingUniform(_ shape: [Int], slope: Float = 0, mode: FanMode = .fanIn,
                                      generator: inout SeededGenerator) -> Tensor {
        let (fi, fo) = fans(shape)
        let bound = leakyReluGain(slope: slope) * (3 / Float(mode == .fanIn ? fi : fo)).squareRoot()
        return uniform(shape, low: -bound, high: bound, generator: &generator)
    }

    /// `torch.nn.init.xavier_uniform_`: U(-b, b), b = gain · √(6 / (fan_in + fan_out)).
    public static func xavierUniform(_ shape: [Int], gain: Float = 1, generator: inout SeededGenerator) -> Tensor {
        let (fi, fo) = fans(shape)
        let bound = gain * (6 / Float(fi + fo)).squareRoot()
        return uniform(shape, low: -bound, high: bound, generator: &generator)
    }

    /// `torch.nn.init.xavier_normal_`: N(0, gain · √(2 / (fan_in + fan_out))).
    public static func xavierNormal(_ shape: [Int], gain: Float = 1, generator: inout SeededGenerator) -> Tensor {
        let (fi, fo) = fans(shape)
        return randn(shape, std: gain * (2 / Float(fi + fo)).squareRoot(), generator: &generator)
    }

    /// `torch.nn.init.trunc_normal_` (timm's ViT init): N(mean, std) restricted to [a, b], by
    /// rejection of samples outside the interval.
    public static func truncatedNormal(_ shape: [Int], mean: Float = 0, std: Float = 1, a: Float = -2, b: Float = 2,
                                       generator: inout SeededGenerator) -> Tensor {
        precondition(a < b, "truncatedNormal: a = \(a) must be below b = \(b)")
        let n = shape.product
        let s = TensorStorage(count: n)
        for i in 0..<n {
            var v: Float
            var tries = 0
            repeat {
                v = mean + std * generator.nextNormal()
                tries += 1
            } while (v < a || v > b) && tries < 1000
            s.pointer[i] = Swift.min(Swift.max(v, a), b)
        }
        return Tensor(storage: s, shape: shape)
    }
}
