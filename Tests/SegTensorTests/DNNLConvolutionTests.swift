import Testing
@testable import SegTensor

/// oneDNN convolution against a direct convolution written here (loops, Double accumulation).
@Suite("DNNLConvolution")
struct DNNLConvolutionTests {
    static let geometries: [ConvolutionGeometry] = [
        // 1×1, batch 2, non-square input.
        ConvolutionGeometry(batch: 2, inChannels: 3, height: 5, width: 7, outChannels: 4, kernel: (1, 1)),
        // 3×3 "same" with bias.
        ConvolutionGeometry(batch: 1, inChannels: 5, height: 8, width: 8, outChannels: 6, kernel: (3, 3),
                            padding: (1, 1), hasBias: true),
        // Stride 2, non-square kernel and input, padding.
        ConvolutionGeometry(batch: 2, inChannels: 4, height: 9, width: 7, outChannels: 3, kernel: (3, 2),
                            stride: (2, 2), padding: (1, 1), hasBias: true),
        // Stride 2 where the output floors (right padding below the left one).
        ConvolutionGeometry(batch: 1, inChannels: 3, height: 8, width: 10, outChannels: 5, kernel: (3, 3),
                            stride: (2, 2)),
        // Different strides and paddings per axis.
        ConvolutionGeometry(batch: 1, inChannels: 2, height: 7, width: 6, outChannels: 4, kernel: (3, 3),
                            stride: (2, 1), padding: (0, 2)),
        // Dilation 2 (atrous).
        ConvolutionGeometry(batch: 1, inChannels: 4, height: 11, width: 10, outChannels: 5, kernel: (3, 3),
                            padding: (2, 2), dilation: (2, 2), hasBias: true),
        // Groups with dilation.
        ConvolutionGeometry(batch: 2, inChannels: 6, height: 9, width: 9, outChannels: 4, kernel: (3, 3),
                            padding: (3, 1), dilation: (3, 1), groups: 2),
        // Depthwise 3×3 (16 channels: oneDNN's blocked depthwise path), stride 2.
        ConvolutionGeometry(batch: 1, inChannels: 16, height: 10, width: 10, outChannels: 16, kernel: (3, 3),
                            stride: (2, 2), padding: (1, 1), groups: 16, hasBias: true),
        // Depthwise with channel multiplier 2, small odd channel count.
        ConvolutionGeometry(batch: 2, inChannels: 3, height: 6, width: 5, outChannels: 6, kernel: (3, 3),
                            padding: (1, 1), groups: 3),
        // Wider layer, where oneDNN picks a blocked / NHWC implementation.
        ConvolutionGeometry(batch: 1, inChannels: 32, height: 12, width: 12, outChannels: 48, kernel: (3, 3),
                            padding: (1, 1), hasBias: true),
        ConvolutionGeometry(batch: 2, inChannels: 64, height: 6, width: 6, outChannels: 32, kernel: (1, 1)),
    ]

    @Test("forward matches a direct convolution", arguments: geometries)
    func forward(_ g: ConvolutionGeometry) {
        let data = ConvData(g, seed: 11)
        var output = [Float](repeating: .nan, count: g.outputCount)
        let conv = DNNLConvolution(g)
        data.withPointers { x, w, b, _ in
            output.withUnsafeMutableBufferPointer {
                conv.forward(input: x, weight: w, weightsVersion: data.version, bias: g.hasBias ? b : nil, output: $0.baseAddress!)
            }
        }
        expectConvClose(output, DirectConvolution.forward(g, data), "forward \(g)")
    }

    @Test("backward data and weights match a direct convolution", arguments: geometries)
    func backward(_ g: ConvolutionGeometry) {
        let data = ConvData(g, seed: 23)
        let conv = DNNLConvolution(g)
        let expected = DirectConvolution.backward(g, data)
        // Separately...
        var gradInput = [Float](repeating: .nan, count: g.inputCount)
        var gradWeight = [Float](repeating: .nan, count: g.weightCount)
        var gradBias = [Float](repeating: .nan, count: g.outChannels)
        data.withPointers { x, w, _, dy in
            gradInput.withUnsafeMutableBufferPointer {
                conv.backwardData(gradOutput: dy, weight: w, weightsVersion: data.version, gradInput: $0.baseAddress!)
            }
            gradWeight.withUnsafeMutableBufferPointer { gw in
                gradBias.withUnsafeMutableBufferPointer { gb in
                    conv.backwardWeights(input: x, gradOutput: dy, gradWeight: gw.baseAddress!,
                                         gradBias: g.hasBias ? gb.baseAddress! : nil)
                }
            }
        }
        expectConvClose(gradInput, expected.input, "backward data \(g)")
        expectConvClose(gradWeight, expected.weight, "backward weights \(g)")
        if g.hasBias { expectConvClose(gradBias, expected.bias, "backward bias \(g)") }

        // ...and in one call.
        var gradInput2 = [Float](repeating: .nan, count: g.inputCount)
        var gradWeight2 = [Float](repeating: .nan, count: g.weightCount)
        var gradBias2 = [Float](repeating: .nan, count: g.outChannels)
        data.withPointers { x, w, _, dy in
            gradInput2.withUnsafeMutableBufferPointer { gi in
                gradWeight2.withUnsafeMutableBufferPointer { gw in
                    gradBias2.withUnsafeMutableBufferPointer { gb in
                        conv.backward(input: x, gradOutput: dy, weight: w, weightsVersion: data.version,
                                      gradInput: gi.baseAddress!, gradWeight: gw.baseAddress!,
                                      gradBias: g.hasBias ? gb.baseAddress! : nil)
                    }
                }
            }
        }
        expectConvClose(gradInput2, expected.input, "backward (both) data \(g)")
        expectConvClose(gradWeight2, expected.weight, "backward (both) weights \(g)")
        if g.hasBias { expectConvClose(gradBias2, expected.bias, "backward (both) bias \(g)") }
    }

    @Test("a new weights version is reordered again; nil always is")
    func weightsVersion() {
        let g = ConvolutionGeometry(batch: 1, inChannels: 32, height: 8, width: 8, outChannels: 32, kernel: (3, 3),
                                    padding: (1, 1))
        var data = ConvData(g, seed: 5)
        let conv = DNNLConvolution(g)
        var output = [Float](repeating: 0, count: g.outputCount)
        func run(_ version: UInt64?) {
            data.withPointers { x, w, _, _ in
                output.withUnsafeMutableBufferPointer {
                    conv.forward(input: x, weight: w, weightsVersion: version, output: $0.baseAddress!)
                }
            }
        }
        run(data.version)
        expectConvClose(output, DirectConvolution.forward(g, data), "version 1")
        for i in data.weight.indices { data.weight[i] *= -0.5 }   // in place: same buffer
        run(TensorStorage.nextContentVersion())
        expectConvClose(output, DirectConvolution.forward(g, data), "version 2")
        for i in data.weight.indices { data.weight[i] += 0.25 }
        run(nil)
        expectConvClose(output, DirectConvolution.forward(g, data), "no version")
    }

    @Test("a buffer's newer version refreshes its reordered copy, which primitives of one layout share")
    func newVersionReplacesTheCopy() {
        let g = ConvolutionGeometry(batch: 1, inChannels: 32, height: 8, width: 8, outChannels: 64, kernel: (3, 3),
                                    padding: (1, 1))
        let layers = [ConvData(g, seed: 11), ConvData(g, seed: 12)]
        let conv = DNNLConvolution(g)
        let other = DNNLConvolution(ConvolutionGeometry(batch: 2, inChannels: 32, height: 8, width: 8, outChannels: 64,
                                                        kernel: (3, 3), padding: (1, 1)))
        var addresses: [UInt] = []
        for _ in 0..<5 {                                      // five optimizer steps, two layers, two batch sizes
            for data in layers {
                let version = TensorStorage.nextContentVersion()
                for conv in [conv, other] {
                    data.withPointers { x, w, _, _ in
                        addresses.append(UInt(bitPattern: w))
                        let input = [Float](repeating: 1, count: conv.geometry.inputCount)
                        var output = [Float](repeating: 0, count: conv.geometry.outputCount)
                        output.withUnsafeMutableBufferPointer {
                            conv.forward(input: input, weight: w, weightsVersion: version, output: $0.baseAddress!)
                        }
                    }
                }
            }
        }
        // One copy per layer, shared by both batch sizes (per primitive and version, 8 were kept each).
        for address in Set(addresses) { #expect(DNNLWeightCopies.count(of: address) == 1) }
    }

    @Test("layers sharing a geometry keep their own reordered weights")
    func sharedGeometry() {
        let g = ConvolutionGeometry(batch: 1, inChannels: 32, height: 6, width: 6, outChannels: 32, kernel: (3, 3),
                                    padding: (1, 1))
        let layers = [ConvData(g, seed: 7), ConvData(g, seed: 8), ConvData(g, seed: 9)]
        let conv = DNNLConvolution(g)
        for round in 0..<3 {
            for (i, data) in layers.enumerated() {
                var output = [Float](repeating: .nan, count: g.outputCount)
                data.withPointers { x, w, _, _ in
                    output.withUnsafeMutableBufferPointer {
                        conv.forward(input: x, weight: w, weightsVersion: data.version, output: $0.baseAddress!)
                    }
                }
                expectConvClose(output, DirectConvolution.forward(g, data), "round \(round), layer \(i)")
            }
        }
    }

    @Test("cached(_:) returns one convolution per geometry")
    func cache() {
        let a = ConvolutionGeometry(batch: 1, inChannels: 7, height: 5, width: 5, outChannels: 3, kernel: (3, 3))
        var b = a
        b.padHeight = 1
        #expect(DNNLConvolution.cached(a) === DNNLConvolution.cached(a))
        #expect(DNNLConvolution.cached(a) !== DNNLConvolution.cached(b))
    }

    @Test("output size floors like PyTorch's")
    func outputSize() {
        let g = ConvolutionGeometry(batch: 1, inChannels: 1, height: 8, width: 7, outChannels: 1, kernel: (3, 3),
                                    stride: (2, 3), padding: (1, 0), dilation: (1, 2))
        // (8 + 2 - 2 - 1) / 2 + 1 = 4; (7 - 4 - 1) / 3 + 1 = 1.
        #expect(g.outHeight == 4)
        #expect(g.outWidth == 1)
        #expect(g.weightShape == [1, 1, 3, 3])
    }
}

/// Inputs for one geometry, from a seeded generator.
struct ConvData {
    var input: [Float]
    var weight: [Float]
    var bias: [Float]
    var gradOutput: [Float]
    /// The weights' contents version, unique in the process as a storage's is (reordered copies
    /// are kept per buffer address and version, and a freed array's address comes back).
    let version = TensorStorage.nextContentVersion()

    init(_ g: ConvolutionGeometry, seed: UInt64) {
        var state = seed
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int32(truncatingIfNeeded: state >> 32)) / Float(Int32.max)
        }
        input = (0..<g.inputCount).map { _ in next() }
        weight = (0..<g.weightCount).map { _ in next() }
        bias = (0..<g.outChannels).map { _ in next() }
        gradOutput = (0..<g.outputCount).map { _ in next() }
    }

    func withPointers<R>(_ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?, UnsafePointer<Float>) -> R) -> R {
        input.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    gradOutput.withUnsafeBufferPointer { dy in
                        body(x.baseAddress!, w.baseAddress!, b.baseAddress!, dy.baseAddress!)
                    }
                }
            }
        }
    }
}

/// The textbook definition of a grouped, strided, padded, dilated convolution, in Double.
enum DirectConvolution {
    /// Calls `body(n, o, oh, ow, c, kh, kw, ih, iw)` for every (output, tap) pair that reads a real input pixel,
    /// with `c` the input channel and `kh, kw` the tap within the weight's group slice.
    static func forEachTap(_ g: ConvolutionGeometry, _ body: (Int, Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        let inPerGroup = g.inChannels / g.groups
        for n in 0..<g.batch {
            for o in 0..<g.outChannels {
                for oh in 0..<g.outHeight {
                    for ow in 0..<g.outWidth {
                        for ci in 0..<inPerGroup {
                            for kh in 0..<g.kernelHeight {
                                let ih = oh * g.strideHeight - g.padHeight + kh * g.dilationHeight
                                if ih < 0 || ih >= g.height { continue }
                                for kw in 0..<g.kernelWidth {
                                    let iw = ow * g.strideWidth - g.padWidth + kw * g.dilationWidth
                                    if iw < 0 || iw >= g.width { continue }
                                    body(n, o, oh, ow, ci, kh, kw, ih, iw)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func indices(_ g: ConvolutionGeometry) -> (x: (Int, Int, Int, Int) -> Int, w: (Int, Int, Int, Int) -> Int, y: (Int, Int, Int, Int) -> Int) {
        let inPerGroup = g.inChannels / g.groups
        return (
            { n, c, h, w in ((n * g.inChannels + c) * g.height + h) * g.width + w },
            { o, ci, kh, kw in ((o * inPerGroup + ci) * g.kernelHeight + kh) * g.kernelWidth + kw },
            { n, o, h, w in ((n * g.outChannels + o) * g.outHeight + h) * g.outWidth + w }
        )
    }

    static func inputChannel(_ g: ConvolutionGeometry, out o: Int, _ ci: Int) -> Int {
        (o / (g.outChannels / g.groups)) * (g.inChannels / g.groups) + ci
    }

    static func forward(_ g: ConvolutionGeometry, _ d: ConvData) -> [Float] {
        let (xi, wi, yi) = indices(g)
        var y = [Double](repeating: 0, count: g.outputCount)
        forEachTap(g) { n, o, oh, ow, ci, kh, kw, ih, iw in
            let c = inputChannel(g, out: o, ci)
            y[yi(n, o, oh, ow)] += Double(d.input[xi(n, c, ih, iw)]) * Double(d.weight[wi(o, ci, kh, kw)])
        }
        if g.hasBias {
            for n in 0..<g.batch { for o in 0..<g.outChannels { for h in 0..<g.outHeight { for w in 0..<g.outWidth {
                y[yi(n, o, h, w)] += Double(d.bias[o])
            } } } }
        }
        return y.map { Float($0) }
    }

    static func backward(_ g: ConvolutionGeometry, _ d: ConvData) -> (input: [Float], weight: [Float], bias: [Float]) {
        let (xi, wi, yi) = indices(g)
        var gx = [Double](repeating: 0, count: g.inputCount)
        var gw = [Double](repeating: 0, count: g.weightCount)
        var gb = [Double](repeating: 0, count: g.outChannels)
        forEachTap(g) { n, o, oh, ow, ci, kh, kw, ih, iw in
            let c = inputChannel(g, out: o, ci)
            let dy = Double(d.gradOutput[yi(n, o, oh, ow)])
            gx[xi(n, c, ih, iw)] += dy * Double(d.weight[wi(o, ci, kh, kw)])
            gw[wi(o, ci, kh, kw)] += dy * Double(d.input[xi(n, c, ih, iw)])
        }
        for n in 0..<g.batch { for o in 0..<g.outChannels { for h in 0..<g.outHeight { for w in 0..<g.outWidth {
            gb[o] += Double(d.gradOutput[yi(n, o, h, w)])
        } } } }
        return (gx.map { Float($0) }, gw.map { Float($0) }, gb.map { Float($0) })
    }
}

/// max |actual − expected| ≤ 1e-4 × max |expected| (relative to the tensor's scale), and no NaN.
func expectConvClose(_ actual: [Float], _ expected: [Float], _ what: String,
                 tolerance: Float = 1e-4, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)",
            sourceLocation: sourceLocation)
    let scale = max(expected.map { abs($0) }.max() ?? 0, 1e-6)
    var worst: Float = 0, worstIndex = 0
    for i in 0..<min(actual.count, expected.count) {
        let e = abs(actual[i] - expected[i])
        if e.isNaN { worst = .nan; worstIndex = i; break }
        if e > worst { worst = e; worstIndex = i }
    }
    #expect(worst <= tolerance * scale,
            "\(what): max error \(worst) at \(worstIndex) (got \(actual[worstIndex]), expected \(expected[worstIndex])), scale \(scale)",
            sourceLocation: sourceLocation)
}
