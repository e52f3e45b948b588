import Foundation
/// SplitMix64 (Steele, Lea & Flood 2014): a small seedable generator whose stream depends only on
/// the seed, so every sample, crop and flip is reproducible on any machine and thread count.
///
/// Uniform floats are built from the top 24 bits here rather than with `Float.random(in:using:)`,
/// whose algorithm the standard library does not promise to keep.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// An independent stream for item `index` of the stream family `seed` (e.g. sample `index` of
    /// a dataset): the same (seed, index) gives the same stream whatever order items are made in.
    public init(seed: UInt64, stream index: UInt64) {
        var mixer = SplitMix64(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
        let base = mixer.next()
        state = base &+ index &* 0xD1B5_4A32_D192_ED03
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * uniform() }

    /// Log-uniform in [low, high): as many small values per octave as large ones.
    public mutating func logUniform(_ low: Float, _ high: Float) -> Float {
        low * exp(uniform() * log(high / low))
    }

    /// Uniform integer in `range` (by rejection, so unbiased).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        let limit = UInt64.max - UInt64.max % span
        var value = next()
        while value >= limit { value = next() }
        return range.lowerBound + Int(value % span)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Float) -> Bool { uniform() < p }

    /// Standard normal (Box–Muller).
    public mutating func gaussian() -> Float {
        let u1 = max(uniform(), 0x1p-25), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Float.pi * u2)
    }

    /// A uniformly random element.
    public mutating func pick<T>(_ items: [T]) -> T { items[int(in: 0...(items.count - 1))] }

    /// Fisher–Yates shuffle.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, int(in: 0...i))
        }
    }
}
