/// Geometry of a 2-D convolution (NCHW input, [cOut, cIn/groups, kh, kw] weight), shared by
/// every convolution kernel (im2col reference, oneDNN).
public struct Conv2dGeometry: Hashable, Sendable {
    public var batch: Int, inChannels: Int, inHeight: Int, inWidth: Int
    public var outChannels: Int, kernelHeight: Int, kernelWidth: Int
    public var strideH: Int, strideW: Int, padH: Int, padW: Int, dilationH: Int, dilationW: Int
    public var groups: Int

    public init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int,
                outChannels: Int, kernelHeight: Int, kernelWidth: Int,
                strideH: Int = 1, strideW: Int = 1, padH: Int = 0, padW: Int = 0,
                dilationH: Int = 1, dilationW: Int = 1, groups: Int = 1) {
        self.batch = batch; self.inChannels = inChannels; self.inHeight = inHeight; self.inWidth = inWidth
        self.outChannels = outChannels; self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideH = strideH; self.strideW = strideW; self.padH = padH; self.padW = padW
        self.dilationH = dilationH; self.dilationW = dilationW; self.groups = groups
    }

    public var outHeight: Int { (inHeight + 2 * padH - dilationH * (kernelHeight - 1) - 1) / strideH + 1 }
    public var outWidth: Int { (inWidth + 2 * padW - dilationW * (kernelWidth - 1) - 1) / strideW + 1 }
    public var inChannelsPerGroup: Int { inChannels / groups }
    public var outChannelsPerGroup: Int { outChannels / groups }
    public var inputCount: Int { batch * inChannels * inHeight * inWidth }
    public var outputCount: Int { batch * outChannels * outHeight * outWidth }
    public var weightCount: Int { outChannels * inChannelsPerGroup * kernelHeight * kernelWidth }
    /// Multiply-adds × 2.
    public var flops: Double {
        2 * Double(batch * outChannels * outHeight * outWidth) * Double(inChannelsPerGroup * kernelHeight * kernelWidth)
    }
    /// A 1×1, stride-1, unpadded convolution is a plain matrix product (no im2col needed).
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0
    }
}

/// The reference convolution: im2col + `cblas_sgemm`, per image and group.
public enum Im2colConv2d {
    /// Unfolds one group of one image: col[(c·kh + i)·kw + j, oy·ow + ox].
    static func im2col(_ g: Conv2dGeometry, _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        let cg = g.inChannelsPerGroup
        Parallel.forChunks(cg * g.kernelHeight * g.kernelWidth, grain: max(1, 4096 / max(1, oh * ow))) { rows in
            for row in rows {
                let j = row % g.kernelWidth
                let i = (row / g.kernelWidth) % g.kernelHeight
                let c = row / (g.kernelWidth * g.kernelHeight)
                let plane = x + c * g.inHeight * g.inWidth
                let dst = col + row * oh * ow
                for oy in 0..<oh {
                    let iy = oy * g.strideH - g.padH + i * g.dilationH
                    let d = dst + oy * ow
                    if iy < 0 || iy >= g.inHeight { d.update(repeating: 0, count: ow); continue }
                    let src = plane + iy * g.inWidth
                    let x0 = j * g.dilationW - g.padW
                    for ox in 0..<ow {
                        let ix = ox * g.strideW + x0
                        d[ox] = (ix >= 0 && ix < g.inWidth) ? src[ix] : 0
                    }
                }
            }
        }
    }

    /// Folds columns back, adding into one group of one image (the adjoint of im2col).
    static func col2im(_ g: Conv2dGeometry, _ col: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        let cg = g.inChannelsPerGroup
        // Parallel over channels: rows of different channels touch different planes.
        Parallel.forChunks(cg, grain: max(1, 4096 / max(1, oh * ow * g.kernelHeight * g.kernelWidth))) { channels in
            for c in channels {
                let plane = x + c * g.inHeight * g.inWidth
                for i in 0..<g.kernelHeight {
                    for j in 0..<g.kernelWidth {
                        let src = col + ((c * g.kernelHeight + i) * g.kernelWidth + j) * oh * ow
                        for oy in 0..<oh {
                            let iy = oy * g.strideH - g.padH + i * g.dilationH
                            if iy < 0 || iy >= g.inHeight { continue }
                            let row = plane + iy * g.inWidth
                            let s = src + oy * ow
                            let x0 = j * g.dilationW - g.padW
                            for ox in 0..<ow {
                                let ix = ox * g.strideW + x0
                                if ix >= 0 && ix < g.inWidth { row[ix] += s[ox] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// y = conv(x, w) + bias.
    public static func forward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let (cg, og) = (g.inChannelsPerGroup, g.outChannelsPerGroup)
        let k = cg * g.kernelHeight * g.kernelWidth
        let spatial = g.outHeight * g.outWidth
        let col = g.isPointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * spatial)
        defer { col?.deallocate() }
        for n in 0..<g.batch {
            for grp in 0..<g.groups {
                let x = input + (n * g.inChannels + grp * cg) * g.inHeight * g.inWidth
                let y = output + (n * g.outChannels + grp * og) * spatial
                if let col { im2col(g, x, col) }
                GEMM.matmul(m: og, n: spatial, k: k, a: weight + grp * og * k, b: col.map { UnsafePointer($0) } ?? x, c: y, backend: .openBLAS)
            }
        }
        if let bias {
            for n in 0..<g.batch {
                for c in 0..<g.outChannels {
                    let y = output + (n * g.outChannels + c) * spatial
                    let b = bias[c]
                    for i in 0..<spatial { y[i] += b }
                }
            }
        }
    }

    /// dx = convᵀ(dy, w): overwrites gradInput.
    public static func backwardData(_ g: Conv2dGeometry, gradOutput: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                    gradInput: UnsafeMutablePointer<Float>) {
        let (cg, og) = (g.inChannelsPerGroup, g.outChannelsPerGroup)
        let k = cg * g.kernelHeight * g.kernelWidth
        let spatial = g.outHeight * g.outWidth
        if g.isPointwise {
            for n in 0..<g.batch {
                for grp in 0..<g.groups {
                    GEMM.matmul(transA: true, m: k, n: spatial, k: og, a: weight + grp * og * k,
                                b: gradOutput + (n * g.outChannels + grp * og) * spatial,
                                c: gradInput + (n * g.inChannels + grp * cg) * spatial, backend: .openBLAS)
                }
            }
            return
        }
        gradInput.update(repeating: 0, count: g.inputCount)
        let col = UnsafeMutablePointer<Float>.allocate(capacity: k * spatial)
        defer { col.deallocate() }
        for n in 0..<g.batch {
            for grp in 0..<g.groups {
                GEMM.matmul(transA: true, m: k, n: spatial, k: og, a: weight + grp * og * k,
                            b: gradOutput + (n * g.outChannels + grp * og) * spatial, c: col, backend: .openBLAS)
                col2im(g, col, gradInput + (n * g.inChannels + grp * cg) * g.inHeight * g.inWidth)
            }
        }
    }

    /// dw = Σ dy · colᵀ (overwrites gradWeight); db = Σ dy (overwrites gradBias when given).
    public static func backwardWeight(_ g: Conv2dGeometry, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                      gradWeight: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?) {
        let (cg, og) = (g.inChannelsPerGroup, g.outChannelsPerGroup)
        let k = cg * g.kernelHeight * g.kernelWidth
        let spatial = g.outHeight * g.outWidth
        let col = g.isPointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * spatial)
        defer { col?.deallocate() }
        for n in 0..<g.batch {
            for grp in 0..<g.groups {
                let x = input + (n * g.inChannels + grp * cg) * g.inHeight * g.inWidth
                if let col { im2col(g, x, col) }
                GEMM.matmul(transB: true, m: og, n: k, k: spatial,
                            a: gradOutput + (n * g.outChannels + grp * og) * spatial,
                            b: col.map { UnsafePointer($0) } ?? x, c: gradWeight + grp * og * k, accumulate: n > 0, backend: .openBLAS)
            }
        }
        if g.batch == 0 { gradWeight.update(repeating: 0, count: g.weightCount) }
        if let gradBias {
            for c in 0..<g.outChannels {
                var s: Float = 0
                for n in 0..<g.batch {
                    let y = gradOutput + (n * g.outChannels + c) * spatial
                    for i in 0..<spatial { s += y[i] }
                }
                gradBias[c] = s
            }
        }
    }
}

/// Which implementation runs convolutions.
public enum ConvBackend: Sendable {
    /// oneDNN (`DNNLConvolution`): preferred layouts inside, weights reordered once per version.
    case oneDNN
    /// im2col + `cblas_sgemm` (`Im2colConv2d`): the reference the tests compare against.
    case reference
}

/// The convolution kernels the ops call: oneDNN by default, the im2col reference when bound with
/// `Conv2dKernel.$backend.withValue(.reference) { ... }` (for the current task only).
public enum Conv2dKernel {
    @TaskLocal public static var backend: ConvBackend = .oneDNN

    /// Whether `g` runs on oneDNN: not when the reference is bound, nor with nothing to compute.
    private static func usesOneDNN(_ g: Conv2dGeometry) -> Bool { backend == .oneDNN && g.batch > 0 }

    /// oneDNN's convolution for `g`, or nil when the reference runs (or there is nothing to compute).
    private static func oneDNN(_ g: Conv2dGeometry, hasBias: Bool, postOps: ConvolutionPostOps = .none,
                               inference: Bool = false) -> DNNLConvolution? {
        guard usesOneDNN(g) else { return nil }
        return DNNLConvolution.cached(ConvolutionGeometry(g, hasBias: hasBias), postOps: postOps, inference: inference)
    }

    /// A training convolution too wide for Winograd's scratchpad bound, in slices that run it
    /// (`DNNLSlicedConvolution`), or nil.
    private static func sliced(_ g: Conv2dGeometry, hasBias: Bool) -> DNNLSlicedConvolution? {
        usesOneDNN(g) ? DNNLSlicedConvolution.cached(ConvolutionGeometry(g, hasBias: hasBias)) : nil
    }

    public static func forward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               weightsVersion: UInt64? = nil, bias: UnsafePointer<Float>?,
                               output: UnsafeMutablePointer<Float>) {
        if let sliced = sliced(g, hasBias: bias != nil) {
            sliced.forward(input: input, weight: weight, bias: bias, output: output)
        } else if let conv = oneDNN(g, hasBias: bias != nil) {
            conv.forward(input: input, weight: weight, weightsVersion: weightsVersion, bias: bias, output: output)
        } else {
            Im2colConv2d.forward(g, input: input, weight: weight, bias: bias, output: output)
        }
    }

    /// `relu?(conv(input, weight) + bias + residual)` for inference, on storages: on oneDNN one pass
    /// with post-ops, the activations staying in its layout from one convolution to the next
    /// (`DNNLConvolution.forward(input:...)`); the reference adds and clamps after.
    static func forwardInference(_ g: Conv2dGeometry, input: TensorStorage, weight: TensorStorage, bias: TensorStorage?,
                                 residual: TensorStorage?, relu: Bool, output: TensorStorage) {
        let postOps = ConvolutionPostOps(addsResidual: residual != nil, relu: relu)
        let b = bias.map { UnsafePointer($0.pointer) }
        // Dilated depthwise ones run the engine's loops (oneDNN has no kernel of its own for them):
        // in the input's oneDNN layout where they can, else row-major below.
        let depthwise = DepthwiseLoops.suits(g)
        if depthwise {
            if residual == nil, !relu, DepthwiseLoops.forward(g, heldInput: input, weight: weight.pointer, bias: b, output: output) {
                return
            }
        } else if usesOneDNN(g), let phased = DNNLPhasedConvolution.cached(ConvolutionGeometry(g, hasBias: bias != nil), postOps: postOps) {
            phased.forward(input: input, weight: weight.pointer, weightsVersion: weight.versionForDerivedCopy(), bias: b, output: output)
            return
        } else if let conv = oneDNN(g, hasBias: bias != nil, postOps: postOps, inference: true) {
            conv.forward(input: input, weight: weight.pointer, weightsVersion: weight.versionForDerivedCopy(),
                         bias: b, residual: residual, output: output)
            return
        }
        let y = output.pointer
        if depthwise {
            DepthwiseLoops.forward(g, input: input.pointer, weight: weight.pointer, bias: b, output: y)
        } else {
            Im2colConv2d.forward(g, input: input.pointer, weight: weight.pointer, bias: b, output: y)
        }
        if let r = residual?.pointer { for i in 0..<g.outputCount { y[i] += r[i] } }
        if relu { for i in 0..<g.outputCount { y[i] = max(y[i], 0) } }
    }
    /// Both gradients of a taped convolution (nil for one not needed; a bias gradient comes with the
    /// weights'): on oneDNN the output gradient is reordered into the primitives' layout once for
    /// the two passes.
    static func backward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                         weight: UnsafePointer<Float>, weightsVersion: UInt64?, gradInput: UnsafeMutablePointer<Float>?,
                         gradWeight: UnsafeMutablePointer<Float>?, gradBias: UnsafeMutablePointer<Float>?) {
        if let sliced = sliced(g, hasBias: gradBias != nil) {
            sliced.backward(input: input, gradOutput: gradOutput, weight: weight, gradInput: gradInput,
                            gradWeight: gradWeight, gradBias: gradBias)
            return
        }
        if let conv = oneDNN(g, hasBias: gradBias != nil) {
            conv.backward(input: input, gradOutput: gradOutput, weight: weight, weightsVersion: weightsVersion,
                          gradInput: gradInput, gradWeight: gradWeight, gradBias: gradBias)
            return
        }
        if let gradInput { Im2colConv2d.backwardData(g, gradOutput: gradOutput, weight: weight, gradInput: gradInput) }
        if let gradWeight {
            Im2colConv2d.backwardWeight(g, input: input, gradOutput: gradOutput, gradWeight: gradWeight, gradBias: gradBias)
        }
    }
    public static func backwardData(_ g: Conv2dGeometry, gradOutput: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                    weightsVersion: UInt64? = nil, keepWeights: Bool = false, gradInput: UnsafeMutablePointer<Float>) {
        if let conv = oneDNN(g, hasBias: false) {
            conv.backwardData(gradOutput: gradOutput, weight: weight, weightsVersion: weightsVersion, keepWeights: keepWeights,
                              gradInput: gradInput)
        } else {
            Im2colConv2d.backwardData(g, gradOutput: gradOutput, weight: weight, gradInput: gradInput)
        }
    }
    public static func backwardWeight(_ g: Conv2dGeometry, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                      gradWeight: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?) {
        if let conv = oneDNN(g, hasBias: gradBias != nil) {
            conv.backwardWeights(input: input, gradOutput: gradOutput, gradWeight: gradWeight, gradBias: gradBias)
        } else {
            Im2colConv2d.backwardWeight(g, input: input, gradOutput: gradOutput, gradWeight: gradWeight, gradBias: gradBias)
        }
    }
}
