import Testing
@testable import SegTensor

/// Central finite differences against `backward()`.
///
/// The loss is Σ f(inputs)·R with a fixed random R (so every output element is checked), summed
/// in Double. An analytic gradient a passes against the numeric n when |a − n| ≤ atol + rtol·|n|,
/// where atol scales with the largest numeric gradient (Float32 finite differences).
struct GradientCheck {
    var eps: Float = 1e-2
    var rtol: Double = 1e-2
    var atol: Double = 2e-3

    struct Failure: CustomStringConvertible {
        let input: Int, index: Int, analytic: Double, numeric: Double
        var description: String { "input \(input)[\(index)]: analytic \(analytic), numeric \(numeric)" }
    }

    func failures(_ inputs: [Tensor], _ f: ([Tensor]) -> Tensor) -> [Failure] {
        let leaves = inputs.map { Tensor(shape: $0.shape, scalars: $0.scalars).requiringGrad() }
        let probe = noGrad { f(leaves) }
        var gen = SeededGenerator(seed: 99)
        let r = Tensor.randn(probe.shape, generator: &gen)
        let rs = r.scalars.map(Double.init)
        func loss(_ xs: [Tensor]) -> Double {
            let y = noGrad { f(xs) }.scalars
            var s = 0.0
            for i in 0..<y.count { s += Double(y[i]) * rs[i] }
            return s
        }
        let y = f(leaves)
        if y.requiresGrad { (y * r).sum().backward() }  // otherwise every analytic gradient is 0
        var out: [Failure] = []
        for (k, leaf) in leaves.enumerated() {
            let analytic = (leaf.grad?.scalars ?? [Float](repeating: 0, count: leaf.count)).map(Double.init)
            let base = leaf.scalars
            var numeric = [Double](repeating: 0, count: base.count)
            for i in 0..<base.count {
                var xs = leaves.map { $0.detached() }
                var plus = base; plus[i] += eps
                var minus = base; minus[i] -= eps
                xs[k] = Tensor(shape: leaf.shape, scalars: plus)
                let lp = loss(xs)
                xs[k] = Tensor(shape: leaf.shape, scalars: minus)
                let lm = loss(xs)
                numeric[i] = (lp - lm) / Double(2 * eps)
            }
            let scale = numeric.map { Swift.abs($0) }.max() ?? 0
            for i in 0..<base.count {
                if Swift.abs(analytic[i] - numeric[i]) > atol * Swift.max(1, scale) + rtol * Swift.abs(numeric[i]) {
                    out.append(Failure(input: k, index: i, analytic: analytic[i], numeric: numeric[i]))
                }
            }
        }
        return out
    }

    func check(_ inputs: [Tensor], _ f: ([Tensor]) -> Tensor, sourceLocation: SourceLocation = #_sourceLocation) {
        let fs = failures(inputs, f)
        if !fs.isEmpty {
            Issue.record("gradient check failed at \(fs.count) elements; first: \(fs.prefix(3).map(\.description).joined(separator: "; "))",
                         sourceLocation: sourceLocation)
        }
    }
}

func randn(_ shape: [Int], seed: UInt64 = 1, scale: Float = 1) -> Tensor {
    var g = SeededGenerator(seed: seed)
    return Tensor.randn(shape, generator: &g) * scale
}

/// Random values at least `gap` away from 0 (for ops with a kink there).
func awayFromZero(_ shape: [Int], seed: UInt64 = 1, gap: Float = 0.1) -> Tensor {
    randn(shape, seed: seed).map { $0 >= 0 ? $0 + gap : $0 - gap }
}

/// Distinct values spaced `step` apart in random order (max pooling must not flip its choice).
func distinct(_ shape: [Int], seed: UInt64 = 1, step: Float = 0.1) -> Tensor {
    let n = shape.reduce(1, *)
    var g = SeededGenerator(seed: seed)
    var v = (0..<n).map { Float($0) * step - Float(n) * step / 2 }
    v.shuffle(using: &g)
    return Tensor(shape: shape, scalars: v)
}

let check = GradientCheck()

@Suite struct CheckerIsSound {
    @Test func rejectsAWrongBackward() {
        // y = x², with a backward that forgets the factor 2.
        let wrong: ([Tensor]) -> Tensor = { xs in
            let x = xs[0]
            let s = TensorStorage(count: x.count)
            for i in 0..<x.count { s.pointer[i] = x.scalars[i] * x.scalars[i] }
            return Tensor.record("wrongSquare", s, shape: x.shape, inputs: [x]) { g, _ in [g * x] }
        }
        #expect(!check.failures([randn([5])], wrong).isEmpty)
        #expect(check.failures([randn([5])], { $0[0].square() }).isEmpty)
    }

    @Test func rejectsAMissingGradient() {
        #expect(!check.failures([randn([3])], { $0[0].detached() * 2 }).isEmpty)
    }
}

@Suite struct ElementwiseGradients {
    @Test func arithmeticWithBroadcasting() {
        let a = randn([2, 3, 4], seed: 1), b = randn([3, 1], seed: 2), c = randn([4], seed: 3).map { $0 + ($0 >= 0 ? 1 : -1) }
        check.check([a, b]) { $0[0] + $0[1] }
        check.check([a, b]) { $0[0] - $0[1] }
        check.check([a, b]) { $0[0] * $0[1] }
        check.check([a, c]) { $0[0] / $0[1] }
        check.check([b, a]) { $0[0] * $0[1] + 2 - $0[1] / 3 }
        check.check([a]) { 1 / ($0[0].square() + 1) }
        check.check([a]) { -$0[0] }
    }

    @Test func maximumAndMinimum() {
        let a = randn([3, 4], seed: 1), b = randn([4], seed: 2)
        check.check([a, b]) { Tensor.maximum($0[0], $0[1]) }
        check.check([a, b]) { Tensor.minimum($0[0], $0[1]) }
    }

    @Test func powers() {
        let pos = randn([2, 3], seed: 4).map { Swift.abs($0) + 0.5 }
        check.check([pos]) { $0[0].pow(2.5) }
        check.check([pos, randn([3], seed: 5)]) { $0[0].pow($0[1]) }
        check.check([pos]) { $0[0].sqrt() }
        check.check([pos]) { $0[0].rsqrt() }
        check.check([pos]) { $0[0].log() }
        check.check([pos]) { $0[0].reciprocal() }
    }

    @Test func unaryFunctions() {
        let x = awayFromZero([3, 4], seed: 6)
        check.check([x]) { $0[0].exp() }
        check.check([x]) { $0[0].abs() }
        check.check([x]) { $0[0].relu() }
        check.check([x]) { $0[0].leakyRelu(slope: 0.2) }
        check.check([x]) { $0[0].sigmoid() }
        check.check([x]) { $0[0].tanh() }
        check.check([x]) { $0[0].gelu() }
        check.check([x]) { $0[0].gelu(approximate: true) }
        check.check([x]) { $0[0].softplus() }
        check.check([x]) { $0[0].silu() }
        check.check([x]) { $0[0].square() }
        // Clamp bounds kept away from the samples.
        let y = Tensor(shape: [6], scalars: [-2, -0.7, -0.2, 0.3, 0.8, 2])
        check.check([y]) { $0[0].clamp(min: -0.5, max: 0.5) }
    }

    @Test func whereAndMaskedFill() {
        let mask = Tensor(shape: [2, 1, 3], scalars: [1, 0, 1, 0, 0, 1])
        check.check([randn([2, 4, 3], seed: 1), randn([4, 3], seed: 2)]) { Tensor.where(mask, $0[0], $0[1]) }
        check.check([randn([2, 4, 3], seed: 3)]) { $0[0].maskedFill(mask, value: 5) }
        check.check([randn([3], seed: 3)]) { $0[0].expanded(to: [2, 4, 3]) }
    }
}

@Suite struct ReductionGradients {
    @Test func sumsAndMeans() {
        let x = randn([2, 3, 4])
        check.check([x]) { $0[0].sum() }
        check.check([x]) { $0[0].sum(axes: [0, 2]) }
        check.check([x]) { $0[0].sum(axis: 1, keepDims: true) }
        check.check([x]) { $0[0].mean(axes: [-1]) }
        check.check([x]) { $0[0].variance(axes: [0, 2]) }
        check.check([x]) { $0[0].variance(axis: 1, unbiased: false, keepDims: true) }
        check.check([x]) { $0[0].logSumExp(axes: [2]) }
    }

    @Test func extrema() {
        let x = distinct([2, 3, 4])
        check.check([x]) { $0[0].max(axes: [1]) }
        check.check([x]) { $0[0].min(axes: [0, 2], keepDims: true) }
        check.check([x]) { $0[0].max() }
    }

    @Test func softmaxes() {
        let x = randn([2, 3, 4])
        check.check([x]) { $0[0].softmax(axis: -1) }
        check.check([x]) { $0[0].softmax(axis: 1) }
        check.check([x]) { $0[0].logSoftmax(axis: 0) }
        check.check([x]) { $0[0].logSoftmax(axis: 2) }
    }
}

@Suite struct LayoutGradients {
    @Test func reshapeAndPermute() {
        let x = randn([2, 3, 4])
        check.check([x]) { $0[0].reshaped([4, -1]) * $0[0].reshaped([4, 6]) }
        check.check([x]) { $0[0].permuted([2, 0, 1]) }
        check.check([x]) { $0[0].transposed(0, 2).flattened(startAxis: 1) }
        check.check([x]) { $0[0].unsqueezed(axis: 1).squeezed(axis: 1) }
    }

    @Test func slicingAndFlipping() {
        let x = randn([3, 7, 2])
        check.check([x]) { $0[0].sliced(axis: 1, range: 1..<6, stride: 2) }
        check.check([x]) { $0[0].sliced(axis: 0, range: 1..<3) }
        check.check([x]) { $0[0].flipped(axis: 1) }
    }

    @Test func joiningAndSplitting() {
        let a = randn([2, 3], seed: 1), b = randn([2, 1], seed: 2), c = randn([2, 3], seed: 3)
        check.check([a, b]) { Tensor.concat([$0[0], $0[1], $0[0]], axis: 1) }
        check.check([a, c]) { Tensor.stack([$0[0], $0[1]], axis: 1) }
        check.check([randn([2, 6])]) { xs in
            let parts = xs[0].split(sizes: [1, 2, 3], axis: 1)
            return parts[0] * parts[2].sum(axis: 1, keepDims: true) + parts[1].sum()
        }
        check.check([randn([4, 2])]) { $0[0].chunked(2, axis: 0)[1] }
    }

    @Test func paddingAndRolling() {
        let x = randn([1, 2, 4, 5])
        check.check([x]) { $0[0].padded([(1, 2), (2, 0)]) }
        check.check([x]) { $0[0].padded([(1, 2), (3, 1)], mode: .constant(1.5)) }
        check.check([x]) { $0[0].padded([(2, 1), (1, 3)], mode: .reflect) }
        check.check([x]) { $0[0].padded([(2, 1), (1, 3)], mode: .replicate) }
        check.check([x]) { $0[0].rolled(shifts: [-1, 2], axes: [2, 3]) }
    }
}

@Suite struct LinearAlgebraGradients {
    @Test func matmuls() {
        check.check([randn([3, 4], seed: 1), randn([4, 2], seed: 2)]) { $0[0].matmul($0[1]) }
        check.check([randn([2, 1, 3, 4], seed: 1), randn([3, 4, 5], seed: 2)]) { $0[0].matmul($0[1]) }
        check.check([randn([4], seed: 1), randn([2, 4, 3], seed: 2)]) { $0[0].matmul($0[1]) }
        check.check([randn([2, 3, 4], seed: 1), randn([4], seed: 2)]) { $0[0].matmul($0[1]) }
        check.check([randn([2, 4, 3], seed: 1), randn([2, 5, 4], seed: 2)]) {
            $0[0].matmul($0[1], transposeSelf: true, transposeOther: true)
        }
        check.check([randn([2, 3, 4], seed: 1), randn([5, 4], seed: 2)]) { $0[0].matmul($0[1], transposeOther: true) }
        check.check([randn([4, 3], seed: 1), randn([4, 5], seed: 2)]) { $0[0].matmul($0[1], transposeSelf: true) }
    }

    @Test func linear() {
        check.check([randn([2, 3, 4], seed: 1), randn([5, 4], seed: 2), randn([5], seed: 3)]) {
            $0[0].linear(weight: $0[1], bias: $0[2])
        }
        check.check([randn([3, 4], seed: 1), randn([2, 4], seed: 2)]) { $0[0].linear(weight: $0[1]) }
    }
}

@Suite struct VisionGradients {
    @Test func convolutions() {
        check.check([randn([2, 3, 5, 6], seed: 1), randn([4, 3, 3, 3], seed: 2, scale: 0.5), randn([4], seed: 3)]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1)
        }
        check.check([randn([1, 4, 7, 7], seed: 1), randn([6, 2, 3, 3], seed: 2, scale: 0.5)]) {
            $0[0].conv2d(weight: $0[1], stride: (2, 1), padding: (2, 1), dilation: (2, 1), groups: 2)
        }
        check.check([randn([1, 3, 6, 6], seed: 1), randn([3, 1, 3, 3], seed: 2, scale: 0.5), randn([3], seed: 4)]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], stride: 2, padding: 1, groups: 3)
        }
        check.check([randn([2, 3, 3, 3], seed: 1), randn([2, 3, 1, 1], seed: 2)]) { $0[0].conv2d(weight: $0[1]) }
    }

    @Test func transposedConvolutions() {
        check.check([randn([1, 4, 3, 3], seed: 1), randn([4, 2, 3, 3], seed: 2, scale: 0.5), randn([2], seed: 3)]) {
            $0[0].convTranspose2d(weight: $0[1], bias: $0[2], stride: 2, padding: 1, outputPadding: 1)
        }
        check.check([randn([1, 4, 3, 2], seed: 1), randn([4, 3, 2, 2], seed: 2, scale: 0.5)]) {
            $0[0].convTranspose2d(weight: $0[1], stride: (2, 2), padding: (0, 0), outputPadding: (0, 0), groups: 2, dilation: (1, 2))
        }
    }

    @Test func pooling() {
        let x = distinct([1, 2, 7, 6])
        check.check([x]) { $0[0].maxPool2d(kernelSize: 3, stride: 2, padding: 1) }
        check.check([x]) { $0[0].maxPool2d(kernelSize: 2, stride: 2, ceilMode: true) }
        check.check([x]) { $0[0].maxPool2d(kernelSize: 2, stride: 1, dilation: 2) }
        let x2 = randn([1, 2, 7, 6])
        check.check([x2]) { $0[0].avgPool2d(kernelSize: 3, stride: 2, padding: 1) }
        check.check([x2]) { $0[0].avgPool2d(kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false) }
        check.check([x2]) { $0[0].adaptiveAvgPool2d(outputSize: (3, 4)) }
        check.check([x2]) { $0[0].adaptiveAvgPool2d(outputSize: 1) }
    }

    @Test func unpooling() {
        let (_, idx) = distinct([1, 2, 5, 5]).maxPool2dWithIndices(kernelSize: 2, stride: 2)
        check.check([randn([1, 2, 2, 2])]) { $0[0].maxUnpool2d(indices: idx, kernelSize: 2, outputSize: (5, 5)) }
    }

    @Test func resizing() {
        let x = randn([1, 2, 3, 4])
        for mode: InterpolationMode in [.nearest, .bilinear(alignCorners: false), .bilinear(alignCorners: true),
                                        .bicubic(alignCorners: false), .bicubic(alignCorners: true)] {
            check.check([x]) { $0[0].resized(to: (5, 7), mode: mode) }
            check.check([x]) { $0[0].resized(to: (2, 3), mode: mode) }
        }
    }

    @Test func normalizations() {
        let x = randn([3, 2, 2, 3], seed: 1)
        let w = randn([2], seed: 2), b = randn([2], seed: 3)
        check.check([x, w, b]) { $0[0].batchNorm(runningMean: nil, runningVar: nil, weight: $0[1], bias: $0[2], training: true) }
        let rm = Tensor([0.1, -0.2]), rv = Tensor([0.8, 1.5])
        check.check([x, w, b]) { $0[0].batchNorm(runningMean: rm, runningVar: rv, weight: $0[1], bias: $0[2], training: false) }
        check.check([randn([2, 3, 4]), randn([4], seed: 2), randn([4], seed: 3)]) {
            $0[0].layerNorm(normalizedShape: [4], weight: $0[1], bias: $0[2])
        }
        check.check([randn([2, 3, 4])]) { $0[0].layerNorm(normalizedShape: [3, 4]) }
        check.check([randn([2, 4, 2, 2]), randn([4], seed: 2), randn([4], seed: 3)]) {
            $0[0].groupNorm(groups: 2, weight: $0[1], bias: $0[2])
        }
    }

    @Test func dropoutAndAttention() {
        check.check([randn([4, 5])]) { xs in
            var g = SeededGenerator(seed: 7)
            return xs[0].dropout(p: 0.3, training: true, generator: &g)
        }
        check.check([randn([6, 2, 3])]) { xs in
            var g = SeededGenerator(seed: 5)
            return xs[0].dropPath(p: 0.5, training: true, generator: &g)
        }
        var g = SeededGenerator(seed: 5)
        let kept = Tensor.ones([64, 3]).dropPath(p: 0.25, training: true, generator: &g).scalars
        for row in 0..<64 {
            let v = kept[row * 3]
            #expect(v == 0 || Swift.abs(v - 1 / 0.75) < 1e-6)
            #expect(kept[row * 3 + 1] == v && kept[row * 3 + 2] == v)
        }
        let mask = Tensor(shape: [1, 3, 4], scalars: [1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0])
        check.check([randn([2, 3, 5], seed: 1), randn([2, 4, 5], seed: 2), randn([2, 4, 2], seed: 3), randn([3, 4], seed: 4)]) {
            Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], bias: $0[3], mask: mask)
        }
    }
}

@Suite struct IndexingGradients {
    @Test func gatherAndIndexSelect() {
        let labels = Tensor(shape: [2, 1, 2, 2], scalars: [0, 2, 1, 1, 2, 0, 0, 1])
        check.check([randn([2, 3, 2, 2])]) { $0[0].gather(axis: 1, indices: labels) }
        check.check([randn([4, 3])]) { $0[0].indexSelect(axis: 0, indices: [3, 0, 3, 1]) }
        check.check([randn([2, 4, 3])]) { $0[0].indexSelect(axis: 2, indices: [2, 2]) }
    }

    @Test func indexingValues() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(x.gather(axis: 1, indices: Tensor(shape: [2, 2], scalars: [2, 0, 1, 1])).scalars == [3, 1, 5, 5])
        #expect(x.indexSelect(axis: 1, indices: [2, 0]).scalars == [3, 1, 6, 4])
        #expect(Tensor.oneHot(Tensor([2, 0, 5]), classes: 3).scalars == [0, 0, 1, 1, 0, 0, 0, 0, 0])
        #expect(Tensor.oneHot(Tensor(shape: [1, 2], scalars: [1, 0]), classes: 2, axis: 1).shape == [1, 2, 2])
        #expect(Tensor.linspace(from: 0, to: 1, count: 5).scalars == [0, 0.25, 0.5, 0.75, 1])
        #expect(Tensor([-1.5, 0, 2.5]).sign().scalars == [-1, 0, 1])
        #expect(Tensor([0.5, 1.5, 2.4]).rounded().scalars == [0, 2, 2])
    }
}

@Suite struct LossGradients {
    @Test func crossEntropy() {
        let labels = Tensor(shape: [2, 2, 3], scalars: [0, 2, 255, 1, 1, 0, 2, 2, 1, 255, 0, 1])
        let weight = Tensor([0.5, 1, 2])
        check.check([randn([2, 3, 2, 3])]) { $0[0].crossEntropy(labels: labels, ignoreIndex: 255) }
        check.check([randn([2, 3, 2, 3])]) { $0[0].crossEntropy(labels: labels, weight: weight, ignoreIndex: 255, reduction: .sum) }
        check.check([randn([2, 3, 2, 3])]) { $0[0].crossEntropy(labels: labels, weight: weight, ignoreIndex: 255, reduction: .none) }
        check.check([randn([4, 3])]) { $0[0].crossEntropy(labels: Tensor([2, 0, 1, 1])) }
    }

    @Test func crossEntropyEqualsComposedLogSoftmax() {
        let x = randn([2, 3, 4, 4])
        var g = SeededGenerator(seed: 11)
        let labels = Tensor.randn([2, 4, 4], generator: &g).map { Float(Int(Swift.abs($0) * 2) % 3) }
        let fused = x.crossEntropy(labels: labels).item()
        let composed = -(x.logSoftmax(axis: 1).gather(axis: 1, indices: labels.unsqueezed(axis: 1))).mean().item()
        #expect(Swift.abs(fused - composed) < 1e-5)
    }
}
