// Convolution on oneDNN: forward, backward-data and backward-weights (+ bias) for one geometry, over
// plain contiguous NCHW Float32 buffers at the API, with oneDNN's preferred layouts inside
// (`dnnl_format_tag_any`), reorders at the edges, and weights reordered once per weights version.
import CDNNL
import Foundation

/// Everything that fixes a 2-D convolution's primitives: shapes, stride, padding, dilation, groups.
/// Padding is symmetric (PyTorch's `padding=(ph, pw)`); the output size floors like PyTorch's.
public struct ConvolutionGeometry: Hashable, Sendable, CustomStringConvertible {
    public var batch: Int
    public var inChannels: Int
    public var height: Int
    public var width: Int
    public var outChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight: Int
    public var strideWidth: Int
    public var padHeight: Int
    public var padWidth: Int
    public var dilationHeight: Int
    public var dilationWidth: Int
    public var groups: Int
    public var hasBias: Bool

    public init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
                kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                dilation: (Int, Int) = (1, 1), groups: Int = 1, hasBias: Bool = false) {
        self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
        self.outChannels = outChannels
        self.kernelHeight = kernel.0; self.kernelWidth = kernel.1
        self.strideHeight = stride.0; self.strideWidth = stride.1
        self.padHeight = padding.0; self.padWidth = padding.1
        self.dilationHeight = dilation.0; self.dilationWidth = dilation.1
        self.groups = groups; self.hasBias = hasBias
        precondition(batch > 0 && inChannels > 0 && height > 0 && width > 0 && outChannels > 0,
                     "conv2d: sizes must be positive, got \(self)")
        precondition(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0
                     && dilation.0 > 0 && dilation.1 > 0 && padding.0 >= 0 && padding.1 >= 0,
                     "conv2d: kernel, stride and dilation must be positive and padding non-negative, got \(self)")
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "conv2d: groups \(groups) must divide in channels \(inChannels) and out channels \(outChannels)")
        precondition(outHeight > 0 && outWidth > 0, "conv2d: empty output for \(self)")
    }

    public var outHeight: Int {
        (height + 2 * padHeight - dilationHeight * (kernelHeight - 1) - 1) / strideHeight + 1
    }
    public var outWidth: Int {
        (width + 2 * padWidth - dilationWidth * (kernelWidth - 1) - 1) / strideWidth + 1
    }
    public var inputShape: [Int] { [batch, inChannels, height, width] }
    public var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }
    /// PyTorch's weight shape: `[C_out, C_in / groups, kH, kW]`.
    public var weightShape: [Int] { [outChannels, inChannels / groups, kernelHeight, kernelWidth] }
    public var inputCount: Int { inputShape.reduce(1, *) }
    public var outputCount: Int { outputShape.reduce(1, *) }
    public var weightCount: Int { weightShape.reduce(1, *) }

    /// Multiply-adds × 2 of the forward pass (the same count for backward data and backward weights).
    public var forwardFLOPs: Double {
        2.0 * Double(batch * outChannels * outHeight * outWidth) * Double(inChannels / groups * kernelHeight * kernelWidth)
    }

    public var description: String {
        var s = "\(batch)x\(inChannels)x\(height)x\(width) -> \(outChannels), k\(kernelHeight)x\(kernelWidth)"
        if strideHeight != 1 || strideWidth != 1 { s += " s\(strideHeight)x\(strideWidth)" }
        if padHeight != 0 || padWidth != 0 { s += " p\(padHeight)x\(padWidth)" }
        if dilationHeight != 1 || dilationWidth != 1 { s += " d\(dilationHeight)x\(dilationWidth)" }
        if groups != 1 { s += " g\(groups)" }
        if hasBias { s += " +bias" }
        return s
    }
}

/// Which caller weights a cached reorder was made from: the buffer and the caller's version of its
/// contents. A caller gives new contents a new version (an optimizer step, a checkpoint load), so an
/// unchanged pair means the reordered copy is still valid (`DNNLWeightCopies`).
public struct DNNLWeightsIdentity: Hashable, Sendable {
    public var address: UInt
    public var version: UInt64
    public init(_ pointer: UnsafePointer<Float>, version: UInt64) {
        self.address = UInt(bitPattern: pointer)
        self.version = version
    }
}

/// What an inference convolution applies to its result in the same pass (oneDNN post-ops), in
/// this order: `relu(conv + bias + residual)`. Fusing them saves a pass over the output each.
public struct ConvolutionPostOps: Hashable, Sendable {
    /// Adds a same-shaped tensor (a residual branch) to the result.
    public var addsResidual: Bool
    /// Then max(·, 0).
    public var relu: Bool

    public init(addsResidual: Bool = false, relu: Bool = false) {
        self.addsResidual = addsResidual
        self.relu = relu
    }

    public static let none = ConvolutionPostOps()
    public var isEmpty: Bool { !addsResidual && !relu }
}

/// A convolution on oneDNN for one geometry. Primitives are created once (backward ones on first
/// use); get one with `DNNLConvolution.cached(geometry)`. All buffers at the API are plain,
/// contiguous, NCHW (weights `[C_out, C_in/groups, kH, kW]`), and outputs are overwritten.
/// With post-ops it is an inference convolution: forward only.
public final class DNNLConvolution: @unchecked Sendable {
    public let geometry: ConvolutionGeometry
    public let postOps: ConvolutionPostOps
    /// Forward only (no backward primitives from it).
    public let isInference: Bool
    /// Copies the residual into the primitive's destination layout before a fused add.
    private let residualSource: DNNLBoundary?

    private let forwardPrimitive: DNNLPrimitive
    /// Whether the forward runs Winograd's algorithm; the backward ones then try it first too.
    public let usesWinograd: Bool
    private let forwardSource: DNNLBoundary
    /// The weights' crossing into the forward primitive's layout (copies kept in `DNNLWeightCopies`).
    private let forwardWeights: DNNLBoundary
    private let forwardBias: DNNLBoundary?
    private let forwardDestination: DNNLBoundary

    private var backwardDataState: BackwardData?
    private var backwardWeightsState: BackwardWeights?

    // MARK: Cache

    private struct CacheKey: Hashable {
        var geometry: ConvolutionGeometry
        var postOps: ConvolutionPostOps
        var inference: Bool
    }
    nonisolated(unsafe) private static var cache: [CacheKey: DNNLConvolution] = [:]

    /// How many geometries `cached(_:)` keeps before starting over.
    public static let maximumCachedCount = 256

    /// The process's convolution for `geometry` (and `postOps`, which imply `inference`), created
    /// on first request.
    public static func cached(_ geometry: ConvolutionGeometry, postOps: ConvolutionPostOps = .none,
                              inference: Bool = false) -> DNNLConvolution {
        DNNLRuntime.shared.locked {
            let key = CacheKey(geometry: geometry, postOps: postOps, inference: inference || !postOps.isEmpty)
            if let conv = cache[key] { return conv }
            // Each entry holds primitives and reordered weights: bound the total.
            if cache.count >= maximumCachedCount { cache.removeAll() }
            let conv = DNNLConvolution(geometry, activations: activationLayout(for: geometry, inference: key.inference),
                                       postOps: postOps, inference: key.inference)
            cache[key] = conv
            return conv
        }
    }

    /// The layout `cached(_:)` gives a convolution's activations: the tensors' own row-major NCHW
    /// for training's 1×1 stride-1 convolutions, a matrix product per image that oneDNN runs as a
    /// GEMM on it, so their four reorders a step (source, result, and both gradients) go: training
    /// steps of FCN-ResNet50 and DeepLab v3+ measured 3–5 % shorter and 35–60 MiB lower at the
    /// peak. Everything else takes `defaultActivationLayout` (inference keeps it from one
    /// convolution to the next, so its 1×1 layers reorder nothing either).
    static func activationLayout(for g: ConvolutionGeometry, inference: Bool) -> ActivationLayout {
        let pointwise = g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1
            && g.padHeight == 0 && g.padWidth == 0 && g.groups == 1
        return !inference && pointwise ? .nchw : defaultActivationLayout
    }

    /// Drops every cached convolution (their primitives and reordered weights).
    public static func clearCache() {
        DNNLRuntime.shared.locked { cache.removeAll() }
        DNNLPhasedConvolution.clearCache()
        DNNLSlicedConvolution.clearCache()
    }

    public static var cachedCount: Int { DNNLRuntime.shared.locked { cache.count } }

    // MARK: Descriptors

    /// Stride, dilation and padding as oneDNN takes them.
    private struct Window {
        var strides: [Int64]
        /// oneDNN counts dilation from zero: 0 is a dense kernel.
        var dilates: [Int64]
        var paddingLeft: [Int64]
        /// Right/bottom padding that makes oneDNN's size rule give PyTorch's floored output size.
        var paddingRight: [Int64]

        init(_ g: ConvolutionGeometry) {
            strides = [Int64(g.strideHeight), Int64(g.strideWidth)]
            dilates = [Int64(g.dilationHeight - 1), Int64(g.dilationWidth - 1)]
            paddingLeft = [Int64(g.padHeight), Int64(g.padWidth)]
            let rh = (g.outHeight - 1) * g.strideHeight + g.dilationHeight * (g.kernelHeight - 1) + 1 - g.height - g.padHeight
            let rw = (g.outWidth - 1) * g.strideWidth + g.dilationWidth * (g.kernelWidth - 1) + 1 - g.width - g.padWidth
            paddingRight = [Int64(rh), Int64(rw)]
        }
    }

    /// Weight dims as oneDNN wants them: grouped convolutions take `[G, O/G, I/G, kH, kW]`, which is
    /// the same memory as PyTorch's `[O, I/G, kH, kW]`.
    private static func weightDims(_ g: ConvolutionGeometry) -> [Int] {
        g.groups == 1
            ? g.weightShape
            : [g.groups, g.outChannels / g.groups, g.inChannels / g.groups, g.kernelHeight, g.kernelWidth]
    }

    private struct Descs {
        var src, weights, bias, dst: dnnl_memory_desc_t
    }

    /// The caller's row-major buffers. `sourceChannels` > `g.inChannels`: the input and the
    /// weights are slices of tensors with that many input channels (`DNNLSlicedConvolution`).
    private static func plainDescs(_ g: ConvolutionGeometry, sourceChannels: Int) -> Descs {
        let w = weightDims(g)
        let (c, plane, taps) = (sourceChannels, g.height * g.width, g.kernelHeight * g.kernelWidth)
        let sliced = c != g.inChannels
        precondition(!sliced || (g.groups == 1 && c > g.inChannels), "conv2d: a slice of \(c) channels for \(g)")
        return Descs(src: sliced ? dnnlDesc(g.inputShape, strides: [c * plane, plane, g.width, 1]) : dnnlDesc(g.inputShape, dnnl_abcd),
                     weights: sliced ? dnnlDesc(w, strides: [c * taps, taps, g.kernelWidth, 1]) : dnnlDesc(w, dnnlPlainTag(rank: w.count)),
                     bias: dnnlDesc([g.outChannels], dnnl_a),
                     dst: dnnlDesc(g.outputShape, dnnl_abcd))
    }

    /// The layouts the primitives are created with: weights always oneDNN's choice, activations as
    /// `activations` says.
    private static func innerDescs(_ g: ConvolutionGeometry, _ activations: ActivationLayout) -> Descs {
        Descs(src: dnnlDesc(g.inputShape, activations.tag),
              weights: dnnlDesc(weightDims(g), dnnl_format_tag_any),
              bias: dnnlDesc([g.outChannels], dnnl_a),
              dst: dnnlDesc(g.outputShape, activations.tag))
    }

    /// The activation layout inside the primitives.
    public enum ActivationLayout: Sendable {
        /// oneDNN's choice (`dnnl_format_tag_any`): on AVX-512, blocked nChw16c with `jit:avx512_core`.
        case oneDNNChoice
        /// Channels-last (`nhwc`), where oneDNN 2.6 picks `brgconv:avx512_core`.
        case nhwc
        /// Row-major NCHW, the tensors' own layout: no reorders.
        case nchw

        var tag: dnnl_format_tag_t {
            switch self {
            case .oneDNNChoice: return dnnl_format_tag_any
            case .nhwc: return dnnl_acdb
            case .nchw: return dnnl_abcd
            }
        }
    }

    /// The layout `cached(_:)` uses but for training's 1×1 convolutions (`activationLayout(for:inference:)`).
    public static let defaultActivationLayout = ActivationLayout.oneDNNChoice
    public let activationLayout: ActivationLayout

    /// Input channels of the tensors the caller's input and weights are slices of
    /// (`geometry.inChannels` unless sliced).
    let sourceChannels: Int

    /// `inference`: a forward-only primitive (oneDNN's `forward_inference`, which may choose other
    /// kernels and layouts); post-ops imply it. `sourceChannels`: the input and weights the caller
    /// passes are the first `geometry.inChannels` channels of tensors with this many.
    public init(_ geometry: ConvolutionGeometry, activations: ActivationLayout = defaultActivationLayout,
                postOps: ConvolutionPostOps = .none, inference: Bool = false, sourceChannels: Int? = nil) {
        self.geometry = geometry
        self.activationLayout = activations
        self.postOps = postOps
        self.isInference = inference || !postOps.isEmpty
        self.sourceChannels = sourceChannels ?? geometry.inChannels
        let plain = Self.plainDescs(geometry, sourceChannels: self.sourceChannels)
        let any = Self.innerDescs(geometry, activations)
        var src = any.src, weights = any.weights, bias = any.bias, dst = any.dst
        let window = Window(geometry)
        let propagation = isInference ? dnnl_forward_inference : dnnl_forward_training
        func opDesc(_ algorithm: dnnl_alg_kind_t) -> dnnl_convolution_desc_t {
            var opDesc = dnnl_convolution_desc_t()
            let status = withUnsafePointer(to: &bias) { biasDesc in
                dnnl_dilated_convolution_forward_desc_init(
                    &opDesc, propagation, algorithm,
                    &src, &weights, geometry.hasBias ? biasDesc : nil, &dst,
                    window.strides, window.dilates, window.paddingLeft, window.paddingRight)
            }
            dnnlCheck(status, "dnnl_dilated_convolution_forward_desc_init(\(geometry))")
            return opDesc
        }
        var ops: dnnl_post_ops_t?
        if !postOps.isEmpty {
            dnnlCheck(dnnl_post_ops_create(&ops), "dnnl_post_ops_create")
            if postOps.addsResidual { dnnlCheck(dnnl_post_ops_append_sum(ops, 1), "dnnl_post_ops_append_sum") }
            if postOps.relu { dnnlCheck(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_relu, 0, 0), "dnnl_post_ops_append_eltwise") }
        }
        defer { if let ops { dnnl_post_ops_destroy(ops) } }
        let what = "convolution forward \(geometry)"
        // Winograd where it suits and oneDNN implements it, else the direct algorithm.
        func winograd() -> DNNLPrimitive? {
            guard Self.winogradEnabled && Self.suitsWinograd(geometry) else { return nil }
            var desc = opDesc(dnnl_convolution_winograd)
            let primitive = withUnsafePointer(to: &desc) { DNNLPrimitive(ifImplemented: UnsafeRawPointer($0), postOps: ops, what) }
            return propagation == dnnl_forward_inference
                || (primitive?.scratchpadBytes ?? 0) <= Self.maximumTrainingWinogradScratchpad ? primitive : nil
        }
        func direct() -> DNNLPrimitive {
            var desc = opDesc(dnnl_convolution_direct)
            return withUnsafePointer(to: &desc) { DNNLPrimitive(opDesc: UnsafeRawPointer($0), postOps: ops, what) }
        }
        let fast = winograd()
        let primitive = fast ?? direct()
        forwardPrimitive = primitive
        usesWinograd = fast != nil
        forwardSource = DNNLBoundary(user: plain.src, inner: primitive.query(dnnl_query_src_md), toInner: true, slot: 0)
        forwardWeights = DNNLBoundary(user: plain.weights, inner: primitive.query(dnnl_query_weights_md), toInner: true,
                                      slot: DNNLRuntime.weightsSlot)
        forwardBias = geometry.hasBias
            ? DNNLBoundary(user: plain.bias, inner: dnnlQueryDesc(primitive.desc, dnnl_query_weights_md, 1), toInner: true)
            : nil
        forwardDestination = DNNLBoundary(user: plain.dst, inner: primitive.query(dnnl_query_dst_md), toInner: false, slot: 1)
        residualSource = postOps.addsResidual
            ? DNNLBoundary(user: plain.dst, inner: primitive.query(dnnl_query_dst_md), toInner: true, slot: 1)
            : nil
    }

    /// Whether convolutions may run Winograd's algorithm (`SEGBOOK_WINOGRAD=0` turns it off, to
    /// compare).
    public static let winogradEnabled = ProcessInfo.processInfo.environment["SEGBOOK_WINOGRAD"] != "0"

    /// 3×3 convolutions with stride 1, no dilation and at least 64 channels in and out run
    /// Winograd's algorithm (oneDNN's F(2×2, 3×3) or F(4×4, 3×3)): 2.25–4× fewer multiplications,
    /// measured 1.5–2.8× faster than the direct kernel on ResNet and U-Net shapes here, and slower
    /// below 64 channels. Its transforms round differently: outputs move by ~1e-6 of their scale.
    /// Training runs it too, forward and both backward passes (oneDNN's `jit_wino_4x3` has all
    /// three): 2–2.4× faster than direct on FCN-ResNet50's 3×3 layers at batch 2.
    static func suitsWinograd(_ g: ConvolutionGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
            && g.dilationHeight == 1 && g.dilationWidth == 1 && g.groups == 1
            && g.inChannels >= 64 && g.outChannels >= 64
    }

    /// The largest scratchpad a training pass may take Winograd's algorithm with (64 MiB), else it
    /// runs direct. The scratchpad is one buffer shared by every primitive, grown to the largest
    /// and kept, so what one pass asks for stays resident at the step's peak; oneDNN's Winograd
    /// keeps every transformed tile and the transformed weights there. Unbounded, U-Net's
    /// full-resolution layers (~150 MB) and FCN's head (204 MB forward, 508 MB backward-weights)
    /// put U-Net's and Swin-UperNet's peak RSS above PyTorch's. A wider training convolution runs
    /// in slices of its input channels that fit (`DNNLSlicedConvolution`).
    static let maximumTrainingWinogradScratchpad = 64 << 20

    /// Whether the forward and both backward passes run Winograd's algorithm (this makes the
    /// backward primitives).
    var winogradInEveryPass: Bool {
        DNNLRuntime.shared.locked {
            usesWinograd && [backwardData().primitive, backwardWeights().primitive].allSatisfy {
                $0.implementationName.contains("wino")
            }
        }
    }

    /// The implementations oneDNN chose, e.g. `forward: brgconv:avx512_core`.
    public var implementationNames: [String: String] {
        DNNLRuntime.shared.locked {
            var names = ["forward": forwardPrimitive.implementationName]
            if let b = backwardDataState { names["backward_data"] = b.primitive.implementationName }
            if let b = backwardWeightsState { names["backward_weights"] = b.primitive.implementationName }
            return names
        }
    }

    // MARK: Forward

    /// `output = conv(input, weight) + bias`, on row-major buffers (a convolution without
    /// post-ops). `weightsVersion`: the caller's version of `weight`'s contents; a reordered copy is
    /// reused while (pointer, version) is unchanged (the last 8 are kept). Pass nil to reorder on
    /// every call.
    public func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, weightsVersion: UInt64? = nil,
                        bias: UnsafePointer<Float>? = nil, output: UnsafeMutablePointer<Float>) {
        precondition(postOps.isEmpty, "conv2d: a convolution with post-ops \(postOps) runs on storages (forward(input:...))")
        DNNLRuntime.shared.locked {
            let src = forwardSource.bind(input)
            forwardSource.importUser()
            let dst = forwardDestination.bind(output)
            execute(source: src, weight: weight, weightsVersion: weightsVersion, bias: bias, destination: dst)
            forwardDestination.exportUser()
        }
    }

    /// Runs the forward primitive on bound source and destination memories (under the lock).
    private func execute(source: dnnl_memory_t, weight: UnsafePointer<Float>, weightsVersion: UInt64?,
                         bias: UnsafePointer<Float>?, destination: dnnl_memory_t) {
        precondition((bias != nil) == geometry.hasBias,
                     "conv2d: geometry \(geometry) \(geometry.hasBias ? "needs" : "has no") bias")
        let weights = DNNLWeightCopies.memory(for: weight, identity: weightsVersion.map { DNNLWeightsIdentity(weight, version: $0) },
                                              boundary: forwardWeights)
        var args: [(Int32, dnnl_memory_t)] = [(DNNLArg.src, source), (DNNLArg.weights, weights), (DNNLArg.dst, destination)]
        if let bias, let forwardBias {
            let b = forwardBias.bind(bias)
            forwardBias.importUser()
            args.append((DNNLArg.bias, b))
        }
        DNNLRuntime.shared.execute(forwardPrimitive, args, "convolution forward \(geometry)")
    }

    /// The inference forward over storages, keeping oneDNN's layout between convolutions: reads
    /// `input` as it is when it holds this primitive's source layout (a previous convolution's
    /// output), and leaves the result in the primitive's destination layout (`output.layout` set)
    /// when that takes no more room than row-major; whoever reads `output.pointer` converts it.
    func forward(input: TensorStorage, weight: UnsafePointer<Float>, weightsVersion: UInt64?,
                 bias: UnsafePointer<Float>?, residual: TensorStorage?, output: TensorStorage) {
        precondition((residual != nil) == postOps.addsResidual,
                     "conv2d: post-ops \(postOps) \(postOps.addsResidual ? "need" : "take no") residual")
        DNNLRuntime.shared.locked {
            let src: dnnl_memory_t
            if let inner = forwardSource.inner, let held = input.layout, dnnlEqual(held.desc, inner.desc) {
                inner.bind(input.base)
                src = inner.handle
            } else if let inner = forwardSource.inner, let held = input.layout {
                // Another oneDNN layout (a Winograd convolution's blocked one before a channels-last
                // one): one reorder straight into ours, not two through row-major.
                src = forwardSource.bind(input.base)
                held.reorder(input, into: inner)
            } else {
                let rowMajor = input.pointer
                src = forwardSource.bind(rowMajor)
                forwardSource.importUser()
            }
            let kept = heldOutputLayout
            let dst: dnnl_memory_t
            if kept != nil, let inner = forwardDestination.inner {
                inner.bind(output.base)
                dst = inner.handle
            } else {
                dst = forwardDestination.bind(output.base)
            }
            // The sum post-op adds to what the destination holds: put the residual there first.
            if let residual, let residualSource {
                if let inner = forwardDestination.inner {
                    if kept != nil, let held = residual.layout, dnnlEqual(held.desc, inner.desc) {
                        UnsafeMutableRawPointer(output.base).copyMemory(from: residual.base, byteCount: output.count * 4)
                    } else {
                        _ = residualSource.bind(residual.pointer)
                        residualSource.importUser(into: inner)
                    }
                } else {
                    output.base.update(from: residual.pointer, count: output.count)
                }
            }
            execute(source: src, weight: weight, weightsVersion: weightsVersion, bias: bias, destination: dst)
            if let kept {
                output.layout = kept
            } else {
                forwardDestination.exportUser()
            }
        }
    }

    /// The layout `forward(input:...)` leaves its results in: the primitive's own destination
    /// layout where it fits a row-major buffer (nil: results are converted to row-major).
    private lazy var heldOutputLayout = forwardDestination.inner.flatMap {
        DNNLHeldLayout.result(plain: forwardDestination.user.desc, inner: $0.desc)
    }

    /// `heldOutputLayout`, read under the runtime's lock.
    var keptOutputLayout: DNNLHeldLayout? { DNNLRuntime.shared.locked { heldOutputLayout } }

    /// The layout the forward primitive reads its source in, where not row-major.
    var sourceLayout: dnnl_memory_desc_t? { forwardSource.inner?.desc }

    /// Marks `storage` as holding this convolution's source layout, its contents taken as they are:
    /// what a previous inference convolution leaves (for benchmarks of a layer inside a network).
    func markHoldingSourceLayout(_ storage: TensorStorage) {
        DNNLRuntime.shared.locked {
            guard let inner = forwardSource.inner else { return }
            storage.layout = DNNLHeldLayout(DNNLBoundary(user: forwardSource.user.desc, inner: inner.desc, toInner: false, slot: 0))
        }
    }

    // MARK: Backward data

    private final class BackwardData {
        let primitive: DNNLPrimitive
        let diffDst: DNNLBoundary
        let weights: DNNLBoundary
        let diffSrc: DNNLBoundary
        init(primitive: DNNLPrimitive, diffDst: DNNLBoundary, weights: DNNLBoundary, diffSrc: DNNLBoundary) {
            self.primitive = primitive; self.diffDst = diffDst; self.weights = weights; self.diffSrc = diffSrc
        }
    }

    private func backwardData() -> BackwardData {
        if let state = backwardDataState { return state }
        precondition(!isInference, "conv2d: an inference convolution has no backward (\(geometry))")
        let plain = Self.plainDescs(geometry, sourceChannels: sourceChannels)
        let any = Self.innerDescs(geometry, activationLayout)
        var src = any.src, weights = any.weights, dst = any.dst
        let window = Window(geometry)
        let what = "convolution backward data \(geometry)"
        func opDesc(_ algorithm: dnnl_alg_kind_t) -> dnnl_convolution_desc_t {
            var opDesc = dnnl_convolution_desc_t()
            dnnlCheck(dnnl_dilated_convolution_backward_data_desc_init(
                &opDesc, algorithm, &src, &weights, &dst,
                window.strides, window.dilates, window.paddingLeft, window.paddingRight),
                "dnnl_dilated_convolution_backward_data_desc_init(\(geometry))")
            return opDesc
        }
        let primitive = backwardPrimitive(what, opDesc)
        let state = BackwardData(
            primitive: primitive,
            diffDst: DNNLBoundary(user: plain.dst, inner: primitive.query(dnnl_query_diff_dst_md), toInner: true, slot: 0),
            weights: DNNLBoundary(user: plain.weights, inner: primitive.query(dnnl_query_weights_md), toInner: true,
                                  slot: DNNLRuntime.weightsSlot),
            diffSrc: DNNLBoundary(user: plain.src, inner: primitive.query(dnnl_query_diff_src_md), toInner: false, slot: 1))
        backwardDataState = state
        return state
    }

    /// A backward primitive hinted by the forward: Winograd's algorithm when the forward runs it and
    /// oneDNN implements this pass, else the direct one.
    private func backwardPrimitive(_ what: String, _ opDesc: (dnnl_alg_kind_t) -> dnnl_convolution_desc_t) -> DNNLPrimitive {
        if usesWinograd {
            var desc = opDesc(dnnl_convolution_winograd)
            if let primitive = withUnsafePointer(to: &desc, { DNNLPrimitive(ifImplemented: UnsafeRawPointer($0), hint: forwardPrimitive, what) }),
               primitive.scratchpadBytes <= Self.maximumTrainingWinogradScratchpad {
                return primitive
            }
        }
        var desc = opDesc(dnnl_convolution_direct)
        return withUnsafePointer(to: &desc) { DNNLPrimitive(opDesc: UnsafeRawPointer($0), hint: forwardPrimitive, what) }
    }

    /// `gradInput = ∂L/∂input` given `gradOutput = ∂L/∂output` (overwritten, not accumulated).
    /// `keepWeights`: keep the weights reordered for the next call (a transposed convolution's
    /// forward, which is this); a training backward reorders them per call instead.
    public func backwardData(gradOutput: UnsafePointer<Float>, weight: UnsafePointer<Float>, weightsVersion: UInt64? = nil,
                             keepWeights: Bool = false, gradInput: UnsafeMutablePointer<Float>) {
        DNNLRuntime.shared.locked {
            let state = backwardData()
            let diffDst = state.diffDst.bind(gradOutput)
            state.diffDst.importUser()
            runBackwardData(state, diffDst: diffDst, weight: weight, weightsVersion: weightsVersion, keepWeights: keepWeights,
                            gradInput: gradInput)
        }
    }

    private func runBackwardData(_ state: BackwardData, diffDst: dnnl_memory_t, weight: UnsafePointer<Float>,
                                 weightsVersion: UInt64?, keepWeights: Bool = false, gradInput: UnsafeMutablePointer<Float>) {
        let weights = DNNLWeightCopies.memory(for: weight, identity: weightsVersion.map { DNNLWeightsIdentity(weight, version: $0) },
                                              keep: keepWeights, boundary: state.weights)
        let diffSrc = state.diffSrc.bind(gradInput)
        DNNLRuntime.shared.execute(state.primitive,
                                   [(DNNLArg.diffDst, diffDst), (DNNLArg.weights, weights), (DNNLArg.diffSrc, diffSrc)],
                                   "convolution backward data \(geometry)")
        state.diffSrc.exportUser()
    }

    // MARK: Backward weights

    private final class BackwardWeights {
        let primitive: DNNLPrimitive
        let src: DNNLBoundary
        let diffDst: DNNLBoundary
        let diffWeights: DNNLBoundary
        let diffBias: DNNLBoundary?
        init(primitive: DNNLPrimitive, src: DNNLBoundary, diffDst: DNNLBoundary, diffWeights: DNNLBoundary, diffBias: DNNLBoundary?) {
            self.primitive = primitive; self.src = src; self.diffDst = diffDst
            self.diffWeights = diffWeights; self.diffBias = diffBias
        }
    }

    private func backwardWeights() -> BackwardWeights {
        if let state = backwardWeightsState { return state }
        precondition(!isInference, "conv2d: an inference convolution has no backward (\(geometry))")
        let plain = Self.plainDescs(geometry, sourceChannels: sourceChannels)
        let any = Self.innerDescs(geometry, activationLayout)
        var src = any.src, weights = any.weights, bias = any.bias, dst = any.dst
        let window = Window(geometry)
        func opDesc(_ algorithm: dnnl_alg_kind_t) -> dnnl_convolution_desc_t {
            var opDesc = dnnl_convolution_desc_t()
            let status = withUnsafePointer(to: &bias) { biasDesc in
                dnnl_dilated_convolution_backward_weights_desc_init(
                    &opDesc, algorithm, &src, &weights,
                    geometry.hasBias ? biasDesc : nil, &dst,
                    window.strides, window.dilates, window.paddingLeft, window.paddingRight)
            }
            dnnlCheck(status, "dnnl_dilated_convolution_backward_weights_desc_init(\(geometry))")
            return opDesc
        }
        let primitive = backwardPrimitive("convolution backward weights \(geometry)", opDesc)
        let state = BackwardWeights(
            primitive: primitive,
            // Slot 0 is diffDst's in both backward primitives: `backward` may hand backward data's
            // reordered gradient to this one, so the input goes elsewhere.
            src: DNNLBoundary(user: plain.src, inner: primitive.query(dnnl_query_src_md), toInner: true, slot: 2),
            diffDst: DNNLBoundary(user: plain.dst, inner: primitive.query(dnnl_query_diff_dst_md), toInner: true, slot: 0),
            diffWeights: DNNLBoundary(user: plain.weights, inner: primitive.query(dnnl_query_diff_weights_md), toInner: false,
                                      slot: DNNLRuntime.weightsSlot),
            diffBias: geometry.hasBias
                ? DNNLBoundary(user: plain.bias, inner: dnnlQueryDesc(primitive.desc, dnnl_query_diff_weights_md, 1), toInner: false)
                : nil)
        backwardWeightsState = state
        return state
    }

    /// `gradWeight = ∂L/∂weight` (and `gradBias = ∂L/∂bias` when the geometry has a bias), overwritten.
    public func backwardWeights(input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                gradWeight: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>? = nil) {
        DNNLRuntime.shared.locked {
            let state = backwardWeights()
            let diffDst = state.diffDst.bind(gradOutput)
            state.diffDst.importUser()
            runBackwardWeights(state, input: input, diffDst: diffDst, gradWeight: gradWeight, gradBias: gradBias)
        }
    }

    private func runBackwardWeights(_ state: BackwardWeights, input: UnsafePointer<Float>, diffDst: dnnl_memory_t,
                                    gradWeight: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?) {
        precondition((gradBias != nil) == geometry.hasBias,
                     "conv2d backward: geometry \(geometry) \(geometry.hasBias ? "needs" : "has no") bias gradient")
        let src = state.src.bind(input)
        state.src.importUser()
        let diffWeights = state.diffWeights.bind(gradWeight)
        var args: [(Int32, dnnl_memory_t)] = [(DNNLArg.src, src), (DNNLArg.diffDst, diffDst), (DNNLArg.diffWeights, diffWeights)]
        if let gradBias, let diffBias = state.diffBias {
            args.append((DNNLArg.diffBias, diffBias.bind(gradBias)))
        }
        DNNLRuntime.shared.execute(state.primitive, args, "convolution backward weights \(geometry)")
        state.diffWeights.exportUser()
        state.diffBias?.exportUser()
    }

    // MARK: Backward (both)

    /// Both gradients of one backward step; `gradOutput` is reordered once when both primitives
    /// want it in the same layout. Pass nil for a gradient that is not needed.
    public func backward(input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                         weight: UnsafePointer<Float>, weightsVersion: UInt64? = nil,
                         gradInput: UnsafeMutablePointer<Float>?,
                         gradWeight: UnsafeMutablePointer<Float>?, gradBias: UnsafeMutablePointer<Float>? = nil) {
        DNNLRuntime.shared.locked {
            var shared: (desc: dnnl_memory_desc_t, memory: dnnl_memory_t)?
            if let gradInput {
                let state = backwardData()
                let diffDst = state.diffDst.bind(gradOutput)
                state.diffDst.importUser()
                shared = (state.diffDst.inner?.desc ?? state.diffDst.user.desc, diffDst)
                runBackwardData(state, diffDst: diffDst, weight: weight, weightsVersion: weightsVersion, gradInput: gradInput)
            }
            if let gradWeight {
                let state = backwardWeights()
                let wanted = state.diffDst.inner?.desc ?? state.diffDst.user.desc
                let diffDst: dnnl_memory_t
                if let shared, dnnlEqual(shared.desc, wanted) {
                    diffDst = shared.memory
                } else {
                    diffDst = state.diffDst.bind(gradOutput)
                    state.diffDst.importUser()
                }
                runBackwardWeights(state, input: input, diffDst: diffDst, gradWeight: gradWeight, gradBias: gradBias)
            } else {
                precondition(gradBias == nil, "conv2d backward: a bias gradient needs gradWeight too")
            }
        }
    }
}

extension ConvolutionGeometry {
    /// The oneDNN geometry of the engine's convolution `g`.
    public init(_ g: Conv2dGeometry, hasBias: Bool) {
        self.init(batch: g.batch, inChannels: g.inChannels, height: g.inHeight, width: g.inWidth,
                  outChannels: g.outChannels, kernel: (g.kernelHeight, g.kernelWidth), stride: (g.strideH, g.strideW),
                  padding: (g.padH, g.padW), dilation: (g.dilationH, g.dilationW), groups: g.groups, hasBias: hasBias)
    }
}
