import Foundation
import SegModels
import SegNN
import SegTensor

/// The weights `tools/reference/make_cnn_fixtures.py` gives the library models, bit for bit: every
/// state-dict entry filled from a SplitMix64 stream seeded with the FNV-1a hash of its key. So a
/// fixture's output is reproduced only if every key names the tensor the library's key names.
enum DeterministicWeights {
    static func fnv1a64(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// n values in [0, 1): SplitMix64 for counters 1...n, top 24 bits.
    static func uniform(key: String, count n: Int) -> [Double] {
        let seed = fnv1a64(key)
        return (1...max(n, 1)).prefix(n).map { i in
            var z = seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z = z ^ (z >> 31)
            return Double(z >> 40) / 16_777_216.0
        }
    }

    /// The rule of the script's `deterministic_fill`.
    static func values(key: String, shape: [Int]) -> [Float] {
        let n = shape.reduce(1, *)
        let leaf = key.split(separator: ".").last.map(String.init) ?? key
        let fanIn = shape.dropFirst().reduce(1, *)
        return uniform(key: key, count: n).map { u -> Float in
            let v = 2.0 * u - 1.0
            switch leaf {
            case "running_var": return Float(0.5 + u)
            case "running_mean": return Float(0.1 * v)
            case "num_batches_tracked": return 0
            default:
                if shape.count >= 2 { return Float(v * (3.0 / Double(fanIn)).squareRoot()) }
                if leaf == "weight" { return Float(1.0 + 0.1 * v) }
                return Float(0.01 * v)
            }
        }
    }

    /// Fills every parameter and persistent buffer of `model` by its key.
    static func fill(_ model: Module) {
        for (key, tensor) in model.stateDict() {
            tensor.assign(Tensor(shape: tensor.shape, scalars: values(key: key, shape: tensor.shape)))
        }
    }
}

enum Fixtures {
    static func url(_ name: String) -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            fatalError("fixture \(name) is missing: run tools/reference/make_cnn_fixtures.py")
        }
        return url
    }

    /// The library's state dict as (key, shape) from `<preset>.keys.txt`.
    static func keys(_ preset: String) throws -> [(String, [Int])] {
        let text = try String(contentsOf: url("\(preset).keys.txt"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let parts = line.split(separator: " ")
            let shape = parts[1] == "-" ? [] : parts[1].split(separator: "x").map { Int($0)! }
            return (String(parts[0]), shape)
        }
    }

    static func tensors(_ name: String) throws -> [String: Tensor] {
        try Safetensors.read(contentsOf: url(name))
    }
}

/// max |a − b| / max |b|: the parity measure of the issue.
func relativeMaxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "relativeMaxDifference: \(a.shape) vs \(b.shape)")
    let x = a.scalars, y = b.scalars
    var diff: Float = 0, scale: Float = 0
    for i in x.indices {
        diff = max(diff, abs(x[i] - y[i]))
        scale = max(scale, abs(y[i]))
    }
    return diff / max(scale, .leastNormalMagnitude)
}
