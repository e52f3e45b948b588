import CDNNL

/// A dilated 3×3 convolution for inference, run as one undilated convolution over its phases so
/// that Winograd's algorithm applies (oneDNN has none for dilated kernels). With dilation d and
/// padding d, output pixel (d·a + p, d·b + q) reads only input pixels of the same phase (p, q),
/// and a tap beyond the border of the map is beyond the border of the phase: phase (p, q) of the
/// output is exactly the 3×3, padding-1 convolution of phase (p, q) of the input. The d² phases
/// become the batch: gather them (one strided reorder each), convolve once, scatter them back
/// into the layout the dilated convolution would have left. The dilated stages of FCN's, DeepLab's
/// and PSPNet's ResNets (d = 2 and 4) are most of their FLOPs.
final class DNNLPhasedConvolution {
    let geometry: ConvolutionGeometry
    private let dilation: Int
    /// The convolution of the phases: batch d²·N, H/d × W/d, padding 1, no dilation (Winograd).
    private let phases: DNNLConvolution
    /// Its source and destination layouts for one phase (batch N).
    private let phaseSource: DNNLMemory, phaseResult: DNNLMemory
    /// Where results go: a view of the output in the layout the dilated convolution leaves.
    private let outputView: DNNLMemory
    private let outputLayout: DNNLHeldLayout?
    private let scatter: DNNLPrimitive
    /// Gathers from each input layout seen so far: (view of that layout, its reorder).
    private var gathers: [(view: DNNLMemory, reorder: DNNLPrimitive)] = []

    private init?(_ g: ConvolutionGeometry, postOps: ConvolutionPostOps) {
        let d = g.dilationHeight
        let phased = g.phases
        let phases = DNNLConvolution.cached(phased, postOps: postOps, inference: true)
        // Without Winograd the phases are only extra copies; a layout wider than row-major would not
        // fit the buffers the phases travel in.
        guard phases.implementationNames["forward"]?.contains("wino") == true,
              let source = phases.sourceLayout, let result = phases.keptOutputLayout?.desc,
              dnnlSize(source) == phased.inputShape.product * 4 else { return nil }
        geometry = g
        dilation = d
        self.phases = phases
        phaseSource = DNNLMemory(external: dnnlBatchSlice(source, batch: g.batch))
        phaseResult = DNNLMemory(external: dnnlBatchSlice(result, batch: g.batch))
        // The layout the dilated convolution itself would leave, which the next layer expects.
        let direct = DNNLConvolution(g, postOps: postOps, inference: true)
        outputLayout = direct.keptOutputLayout
        let outputDesc = outputLayout?.desc ?? dnnlDesc(g.outputShape, dnnl_abcd)
        guard let view = dnnlEveryNth(outputDesc, step: d) else { return nil }
        outputView = DNNLMemory(external: view)
        scatter = DNNLPrimitive(reorderFrom: phaseResult.desc, to: view)
    }

    private struct CacheKey: Hashable {
        var geometry: ConvolutionGeometry
        var postOps: ConvolutionPostOps
    }
    nonisolated(unsafe) private static var cache: [CacheKey: DNNLPhasedConvolution?] = [:]

    /// The phased convolution for `g`, or nil where it does not apply: Winograd off, not a 3×3
    /// stride-1 kernel with equal dilation d > 1 and padding d, sides not multiples of d, under
    /// 64 channels, channels not whole 16-blocks, or a residual to add.
    static func cached(_ g: ConvolutionGeometry, postOps: ConvolutionPostOps) -> DNNLPhasedConvolution? {
        guard suits(g), !postOps.addsResidual, g.inChannels % 16 == 0, g.outChannels % 16 == 0 else { return nil }
        return DNNLRuntime.shared.locked {
            let key = CacheKey(geometry: g, postOps: postOps)
            if let known = cache[key] { return known }
            if cache.count >= DNNLConvolution.maximumCachedCount { cache.removeAll() }
            let phased = DNNLPhasedConvolution(g, postOps: postOps)
            cache[key] = phased
            return phased
        }
    }

    static func clearCache() { DNNLRuntime.shared.locked { cache.removeAll() } }

    /// Whether `g` is a dilated 3×3 convolution whose phases would run Winograd's algorithm (it is
    /// on, equal dilation d > 1 and padding d, stride 1, sides multiples of d, 64+ channels, no
    /// groups): inference takes this class, training `Tensor.conv2d`'s phases of tensors.
    static func suits(_ g: ConvolutionGeometry) -> Bool {
        let d = g.dilationHeight
        return DNNLConvolution.winogradEnabled && d > 1 && g.dilationWidth == d
            && g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
            && g.padHeight == d && g.padWidth == d && g.height % d == 0 && g.width % d == 0 && g.groups == 1
            && g.inChannels >= 64 && g.outChannels >= 64
    }

    /// `relu?(conv(input, weight) + bias)`, leaving `output` in the dilated convolution's layout.
    func forward(input: TensorStorage, weight: UnsafePointer<Float>, weightsVersion: UInt64?,
                 bias: UnsafePointer<Float>?, output: TensorStorage) {
        DNNLRuntime.shared.locked {
            let g = geometry, d = dilation
            // A layout that blocks the spatial dims has no phase view: such an input is read row-major.
            let gather = input.layout.flatMap { gatherReorder(from: $0.desc) } ?? {
                DNNLHeldLayout.makeRowMajor(input)
                return gatherReorder(from: dnnlDesc(g.inputShape, dnnl_abcd))!
            }()
            let packed = TensorStorage(count: phases.geometry.inputShape.product)
            let convolved = TensorStorage(count: phases.geometry.outputShape.product)
            let phaseBytes = (source: packed.count / (d * d) * 4, result: convolved.count / (d * d) * 4)
            for p in 0..<d {
                for q in 0..<d {
                    gather.view.bind(UnsafeRawPointer(input.base) + dnnlPhaseOffset(gather.view.desc, step: d, p, q))
                    phaseSource.bind(UnsafeRawPointer(packed.base) + (p * d + q) * phaseBytes.source)
                    DNNLRuntime.shared.execute(gather.reorder, [(DNNLArg.from, gather.view.handle), (DNNLArg.to, phaseSource.handle)],
                                               "phase gather \(g)")
                }
            }
            phases.markHoldingSourceLayout(packed)
            phases.forward(input: packed, weight: weight, weightsVersion: weightsVersion, bias: bias, residual: nil,
                           output: convolved)
            precondition(convolved.layout.map { dnnlEqual($0.desc, phases.keptOutputLayout!.desc) } ?? false,
                         "phased convolution: the phases' result left row-major")
            for p in 0..<d {
                for q in 0..<d {
                    phaseResult.bind(UnsafeRawPointer(convolved.base) + (p * d + q) * phaseBytes.result)
                    outputView.bind(UnsafeRawPointer(output.base) + dnnlPhaseOffset(outputView.desc, step: d, p, q))
                    DNNLRuntime.shared.execute(scatter, [(DNNLArg.from, phaseResult.handle), (DNNLArg.to, outputView.handle)],
                                               "phase scatter \(g)")
                }
            }
            output.layout = outputLayout
        }
    }

    /// The gather from inputs in layout `desc` (created on first use); nil where that layout
    /// blocks the spatial dims.
    private func gatherReorder(from desc: dnnl_memory_desc_t) -> (view: DNNLMemory, reorder: DNNLPrimitive)? {
        guard let view = dnnlEveryNth(desc, step: dilation) else { return nil }
        if let known = gathers.first(where: { dnnlEqual($0.view.desc, view) }) { return known }
        let gather = (view: DNNLMemory(external: view), reorder: DNNLPrimitive(reorderFrom: view, to: phaseSource.desc))
        gathers.append(gather)
        return gather
    }
}

extension ConvolutionGeometry {
    /// The undilated padding-1 convolution over the d² phases of this dilated one, stacked as the
    /// batch (`DNNLPhasedConvolution` in inference, `Tensor.phasedConv2d` in training).
    var phases: ConvolutionGeometry {
        ConvolutionGeometry(batch: batch * dilationHeight * dilationWidth, inChannels: inChannels,
                            height: height / dilationHeight, width: width / dilationWidth, outChannels: outChannels,
                            kernel: (kernelHeight, kernelWidth), padding: (1, 1), groups: groups, hasBias: hasBias)
    }
}

/// `md` (N×C×H×W, H and W not blocked) seen at every `step`-th row and column from its start: an
/// H/step × W/step map with `step`-times strides. Bind it at `dnnlPhaseOffset` to start at a phase.
func dnnlEveryNth(_ md: dnnl_memory_desc_t, step: Int) -> dnnl_memory_desc_t? {
    guard md.ndims == 4, md.format_kind == dnnl_blocked else { return nil }
    var view = md
    let blocking = md.format_desc.blocking
    let blockedDims = withUnsafeBytes(of: blocking.inner_idxs) { Array($0.bindMemory(to: Int64.self).prefix(Int(blocking.inner_nblks))) }
    guard !blockedDims.contains(2), !blockedDims.contains(3) else { return nil }
    withUnsafeMutableBytes(of: &view.dims) { let d = $0.bindMemory(to: Int64.self); d[2] /= Int64(step); d[3] /= Int64(step) }
    withUnsafeMutableBytes(of: &view.padded_dims) { let d = $0.bindMemory(to: Int64.self); d[2] /= Int64(step); d[3] /= Int64(step) }
    withUnsafeMutableBytes(of: &view.format_desc.blocking.strides) {
        let s = $0.bindMemory(to: Int64.self); s[2] *= Int64(step); s[3] *= Int64(step)
    }
    return view
}

/// Bytes from the start of a map to phase (p, q) of its `dnnlEveryNth(_, step:)` view.
func dnnlPhaseOffset(_ view: dnnl_memory_desc_t, step: Int, _ p: Int, _ q: Int) -> Int {
    let strides = withUnsafeBytes(of: view.format_desc.blocking.strides) { Array($0.bindMemory(to: Int64.self).prefix(4)) }
    return (Int(strides[2]) * p + Int(strides[3]) * q) / step * MemoryLayout<Float>.size
}

/// The first `batch` images of `md`, a layout whose batch dim is outermost.
func dnnlBatchSlice(_ md: dnnl_memory_desc_t, batch: Int) -> dnnl_memory_desc_t {
    var slice = md
    withUnsafeMutableBytes(of: &slice.dims) { $0.bindMemory(to: Int64.self)[0] = Int64(batch) }
    withUnsafeMutableBytes(of: &slice.padded_dims) { $0.bindMemory(to: Int64.self)[0] = Int64(batch) }
    return slice
}
