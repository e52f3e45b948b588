/// A training convolution too wide for Winograd's scratchpad bound, run as a sum over slices of
/// its input channels so that every slice runs Winograd's algorithm within it. oneDNN's Winograd
/// keeps the weights transformed in the scratchpad, C_in·C_out·36 floats: FCN-ResNet50's
/// 2048 → 512 head asks 204 MB forward and 508 MB backward-weights, and runs direct at 474 ms a
/// step; as 16 slices of 128 channels it runs Winograd in all three passes, 2.2× faster.
/// The forward sums the slices' outputs (`conv(x, W) = Σₖ conv(xₖ, Wₖ)`); backward-data and
/// backward-weights of slice k are the gradients' slices k, written in place through strided
/// views of the caller's buffers (`DNNLConvolution(sourceChannels:)`). The bias goes with slice 0.
final class DNNLSlicedConvolution {
    let geometry: ConvolutionGeometry
    /// How many slices of `geometry.inChannels / slices` channels.
    let slices: Int
    /// Slice 0, with the bias (if any), and every other slice: one convolution over strided views.
    private let first: DNNLConvolution
    private let rest: DNNLConvolution

    private init(_ g: ConvolutionGeometry, slices: Int, first: DNNLConvolution) {
        geometry = g
        self.slices = slices
        self.first = first
        var plain = first.geometry
        plain.hasBias = false
        rest = g.hasBias ? DNNLConvolution(plain, sourceChannels: g.inChannels) : first
    }

    nonisolated(unsafe) private static var cache: [ConvolutionGeometry: DNNLSlicedConvolution?] = [:]

    /// The sliced convolution for training `g`, or nil where it does not apply: Winograd off or
    /// unsuited, `g` runs it whole in every pass, or no slicing into ≥ 64 channels (whole
    /// 16-blocks) runs it in every pass.
    static func cached(_ g: ConvolutionGeometry) -> DNNLSlicedConvolution? {
        guard DNNLConvolution.winogradEnabled, DNNLConvolution.suitsWinograd(g), g.inChannels >= 128 else { return nil }
        return DNNLRuntime.shared.locked {
            if let known = cache[g] { return known }
            if cache.count >= DNNLConvolution.maximumCachedCount { cache.removeAll() }
            var sliced: DNNLSlicedConvolution?
            if !DNNLConvolution.cached(g).winogradInEveryPass {
                var count = 2
                while g.inChannels % count == 0, case let c = g.inChannels / count, c >= 64, c % 16 == 0 {
                    var slice = g
                    slice.inChannels = c
                    let first = DNNLConvolution(slice, sourceChannels: g.inChannels)
                    if first.winogradInEveryPass {
                        sliced = DNNLSlicedConvolution(g, slices: count, first: first)
                        break
                    }
                    count *= 2
                }
            }
            cache[g] = sliced
            return sliced
        }
    }

    /// Whether every slice runs Winograd's algorithm in all three passes (as `cached` checked).
    var winogradInEveryPass: Bool { first.winogradInEveryPass && rest.winogradInEveryPass }

    static func clearCache() { DNNLRuntime.shared.locked { cache.removeAll() } }

    /// Element offsets of slice k in the input (and its gradient) and in the weights (and theirs).
    private func offsets(_ k: Int) -> (input: Int, weight: Int) {
        let c = geometry.inChannels / slices
        return (k * c * geometry.height * geometry.width, k * c * geometry.kernelHeight * geometry.kernelWidth)
    }

    /// `output = conv(input, weight) + bias` on row-major buffers, as `DNNLConvolution.forward`.
    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 output: UnsafeMutablePointer<Float>) {
        first.forward(input: input, weight: weight, bias: bias, output: output)
        let n = geometry.outputCount
        let partial = TensorStorage(count: n)
        for k in 1..<slices {
            let (x, w) = offsets(k)
            rest.forward(input: input + x, weight: weight + w, output: partial.pointer)
            binaryInner(AddFunction.self, output, 1, partial.pointer, 1, output, n)
        }
    }

    /// Both gradients, as `DNNLConvolution.backward` (nil for one not needed), slice by slice.
    func backward(input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                  gradInput: UnsafeMutablePointer<Float>?, gradWeight: UnsafeMutablePointer<Float>?,
                  gradBias: UnsafeMutablePointer<Float>?) {
        for k in 0..<slices {
            let (x, w) = offsets(k)
            (k == 0 ? first : rest).backward(input: input + x, gradOutput: gradOutput, weight: weight + w,
                                             gradInput: gradInput.map { $0 + x }, gradWeight: gradWeight.map { $0 + w },
                                             gradBias: k == 0 ? gradBias : nil)
        }
    }
}
