import CDNNL

/// A transposed convolution on oneDNN for inference (its `deconvolution` primitive with the bias
/// in the same pass), reading an input a convolution left in its own layout and leaving the result
/// in oneDNN's layout, as the inference convolutions do. The training path runs a transposed
/// convolution as a convolution's backward-data pass on NCHW tensors (`Conv2dKernel.backwardData`):
/// in inference that converted the held input back, reordered it again and added the bias in a
/// pass of its own (U-Net's four up-convolutions: 35 ms of a 400 ms forward).
final class DNNLDeconvolution {
    /// One shape: input [N, C, H, W] → output [N, outChannels, outHeight, outWidth].
    struct Geometry: Hashable {
        var input: [Int]
        var output: [Int]
        var kernel: [Int], stride: [Int], dilation: [Int], paddingLeft: [Int], paddingRight: [Int]
        var hasBias: Bool
        /// PyTorch's weight shape, [C_in, C_out, kH, kW].
        var weightShape: [Int] { [input[1], output[1], kernel[0], kernel[1]] }
    }

    private let primitive: DNNLPrimitive
    private let source: DNNLBoundary
    private let weights: DNNLBoundary
    private let bias: DNNLBoundary?
    private let destination: DNNLBoundary
    private let heldOutput: DNNLHeldLayout?

    private init(_ g: Geometry) {
        var src = dnnlDesc(g.input, dnnl_format_tag_any), dst = dnnlDesc(g.output, dnnl_format_tag_any)
        // oneDNN's weights are [C_out, C_in, kH, kW]; PyTorch's buffer holds them C_in outermost (`bacd`).
        let oneDNNWeights = [g.output[1], g.input[1], g.kernel[0], g.kernel[1]]
        var w = dnnlDesc(oneDNNWeights, dnnl_format_tag_any), b = dnnlDesc([g.output[1]], dnnl_a)
        var opDesc = dnnl_deconvolution_desc_t()
        let status = withUnsafePointer(to: &b) { biasDesc in
            dnnl_dilated_deconvolution_forward_desc_init(
                &opDesc, dnnl_forward_inference, dnnl_deconvolution_direct, &src, &w, g.hasBias ? biasDesc : nil, &dst,
                g.stride.map(Int64.init), g.dilation.map { Int64($0 - 1) }, g.paddingLeft.map(Int64.init), g.paddingRight.map(Int64.init))
        }
        dnnlCheck(status, "dnnl_dilated_deconvolution_forward_desc_init(\(g))")
        primitive = withUnsafePointer(to: &opDesc) { DNNLPrimitive(opDesc: UnsafeRawPointer($0), "transposed convolution \(g)") }
        source = DNNLBoundary(user: dnnlDesc(g.input, dnnl_abcd), inner: primitive.query(dnnl_query_src_md), toInner: true, slot: 0)
        weights = DNNLBoundary(user: dnnlDesc(oneDNNWeights, dnnl_bacd), inner: primitive.query(dnnl_query_weights_md), toInner: true,
                               slot: DNNLRuntime.weightsSlot)
        bias = g.hasBias ? DNNLBoundary(user: b, inner: dnnlQueryDesc(primitive.desc, dnnl_query_weights_md, 1), toInner: true) : nil
        let plain = dnnlDesc(g.output, dnnl_abcd), inner = primitive.query(dnnl_query_dst_md)
        destination = DNNLBoundary(user: plain, inner: inner, toInner: false, slot: 1)
        heldOutput = DNNLHeldLayout.result(plain: plain, inner: inner)
    }

    nonisolated(unsafe) private static var cache: [Geometry: DNNLDeconvolution] = [:]

    /// `output = convTranspose(input, weight) + bias`, reading `input` in the layout it holds.
    static func forward(_ g: Geometry, input: TensorStorage, weight: TensorStorage, bias biasValues: TensorStorage?,
                        output: TensorStorage) {
        DNNLRuntime.shared.locked {
            let deconv = cache[g] ?? {
                let made = DNNLDeconvolution(g)
                if cache.count >= 64 { cache.removeAll() }
                cache[g] = made
                return made
            }()
            let src: dnnl_memory_t
            if let inner = deconv.source.inner, let held = input.layout, dnnlEqual(held.desc, inner.desc) {
                inner.bind(input.base)
                src = inner.handle
            } else {
                src = deconv.source.bind(input.pointer)
                deconv.source.importUser()
            }
            let w = DNNLWeightCopies.memory(for: weight.pointer,
                                            identity: DNNLWeightsIdentity(weight.pointer, version: weight.versionForDerivedCopy()),
                                            boundary: deconv.weights)
            let dst: dnnl_memory_t
            if let held = deconv.heldOutput {
                held.boundary.inner!.bind(output.base)
                dst = held.boundary.inner!.handle
            } else {
                dst = deconv.destination.bind(output.base)
            }
            var args: [(Int32, dnnl_memory_t)] = [(DNNLArg.src, src), (DNNLArg.weights, w), (DNNLArg.dst, dst)]
            if let bias = deconv.bias, let biasValues {
                args.append((DNNLArg.bias, bias.bind(biasValues.pointer)))
                bias.importUser()
            }
            DNNLRuntime.shared.execute(deconv.primitive, args, "transposed convolution \(g)")
            if let held = deconv.heldOutput {
                output.layout = held
            } else {
                deconv.destination.exportUser()
            }
        }
    }
}
