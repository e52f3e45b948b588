import Testing
import CDNNL
@testable import SegTensor

/// Tensor.conv2d and convTranspose2d on oneDNN (the default) against the im2col reference path.
@Suite("Conv2d backends")
struct DNNLConvBackendTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var input: [Int], weight: [Int], stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
        var groups: Int, bias: Bool
        var testDescription: String { "x\(input) w\(weight) s\(stride) p\(padding) d\(dilation) g\(groups) bias \(bias)" }
    }

    static let cases: [Case] = [
        Case(input: [2, 3, 9, 7], weight: [4, 3, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, bias: true),
        Case(input: [1, 4, 10, 11], weight: [6, 4, 1, 1], stride: (2, 2), padding: (0, 0), dilation: (1, 1), groups: 1, bias: false),
        Case(input: [1, 6, 12, 12], weight: [6, 2, 3, 3], stride: (1, 2), padding: (2, 1), dilation: (2, 1), groups: 3, bias: true),
        Case(input: [2, 16, 8, 8], weight: [16, 1, 3, 3], stride: (2, 2), padding: (1, 1), dilation: (1, 1), groups: 16, bias: true),
        Case(input: [1, 32, 10, 10], weight: [48, 32, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, bias: false),
        // 1×1 stride 1: training runs it on the NCHW tensors as they are (oneDNN's GEMM convolution).
        Case(input: [2, 48, 9, 7], weight: [40, 48, 1, 1], stride: (1, 1), padding: (0, 0), dilation: (1, 1), groups: 1, bias: true),
        // Winograd's algorithm in training (forward and both backward passes).
        Case(input: [2, 64, 13, 10], weight: [80, 64, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, bias: true),
        Case(input: [8, 64, 33, 33], weight: [64, 64, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, bias: true),
        Case(input: [8, 64, 17, 17], weight: [64, 64, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, bias: true),
        // Dilated: Winograd over the phases (`Tensor.phasedConv2d`).
        Case(input: [2, 64, 12, 10], weight: [80, 64, 3, 3], stride: (1, 1), padding: (2, 2), dilation: (2, 2), groups: 1, bias: true),
        Case(input: [1, 64, 8, 12], weight: [64, 64, 3, 3], stride: (1, 1), padding: (4, 4), dilation: (4, 4), groups: 1, bias: false),
        // Too wide for Winograd's scratchpad bound: in slices of the input channels
        // (`DNNLSlicedConvolution`), with and without bias.
        Case(input: [2, 1024, 7, 9], weight: [512, 1024, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, bias: true),
        Case(input: [1, 2048, 6, 6], weight: [256, 2048, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, bias: false),
    ]

    /// Output and the three gradients of Σ conv2d(x, w, b)·r, on one backend.
    static func run(_ c: Case, _ backend: ConvBackend) -> [Tensor] {
        var gen = SeededGenerator(seed: 42)
        let x = Tensor.randn(c.input, generator: &gen).requiringGrad()
        let w = Tensor.randn(c.weight, generator: &gen).requiringGrad()
        let b = c.bias ? Tensor.randn([c.weight[0]], generator: &gen).requiringGrad() : nil
        return Conv2dKernel.$backend.withValue(backend) {
            let y = x.conv2d(weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
            let r = Tensor.randn(y.shape, generator: &gen)
            (y * r).sum().backward()
            return [y.detached(), x.grad!, w.grad!] + (b.map { [$0.grad!] } ?? [])
        }
    }

    @Test("conv2d: oneDNN and the im2col reference agree, forward and backward", arguments: cases)
    func agree(_ c: Case) {
        let fast = Self.run(c, .oneDNN), reference = Self.run(c, .reference)
        for (i, name) in ["output", "grad input", "grad weight", "grad bias"].prefix(fast.count).enumerated() {
            expectConvClose(fast[i].scalars, reference[i].scalars, "\(name) \(c.testDescription)")
        }
    }

    /// Training's 1×1 stride-1 convolutions read and write the tensors' NCHW layout (no reorders);
    /// strided or padded ones, and inference ones, keep oneDNN's blocked choice.
    @Test func trainingPointwiseConvolutionsRunOnNCHW() {
        let pointwise = ConvolutionGeometry(batch: 2, inChannels: 48, height: 9, width: 7, outChannels: 40, kernel: (1, 1))
        #expect(DNNLConvolution.cached(pointwise).activationLayout == .nchw)
        #expect(DNNLConvolution.cached(pointwise, inference: true).activationLayout == .oneDNNChoice)
        let strided = ConvolutionGeometry(batch: 2, inChannels: 48, height: 9, width: 7, outChannels: 40, kernel: (1, 1),
                                          stride: (2, 2))
        #expect(DNNLConvolution.cached(strided).activationLayout == .oneDNNChoice)
    }

    @Test("convTranspose2d: oneDNN and the reference agree")
    func transpose() {
        func run(_ backend: ConvBackend) -> [Tensor] {
            var gen = SeededGenerator(seed: 3)
            let x = Tensor.randn([1, 8, 5, 6], generator: &gen).requiringGrad()
            let w = Tensor.randn([8, 4, 3, 3], generator: &gen).requiringGrad()
            return Conv2dKernel.$backend.withValue(backend) {
                let y = x.convTranspose2d(weight: w, stride: 2, padding: 1, outputPadding: 1)
                let r = Tensor.randn(y.shape, generator: &gen)
                (y * r).sum().backward()
                return [y.detached(), x.grad!, w.grad!]
            }
        }
        let fast = run(.oneDNN), reference = run(.reference)
        for i in 0..<3 { expectConvClose(fast[i].scalars, reference[i].scalars, "convTranspose2d \(i)") }
    }

    @Test("an in-place weight update is seen by the next oneDNN convolution")
    func weightUpdate() {
        var gen = SeededGenerator(seed: 8)
        let x = Tensor.randn([1, 32, 6, 6], generator: &gen)
        let w = Tensor.randn([32, 32, 3, 3], generator: &gen)
        let before = w.storage.contentVersion
        let y1 = x.conv2d(weight: w, padding: 1)
        w.update { buffer in for i in buffer.indices { buffer[i] *= -2 } }   // an optimizer step
        #expect(w.storage.contentVersion != before)
        let y2 = x.conv2d(weight: w, padding: 1)
        let expected = Conv2dKernel.$backend.withValue(.reference) { x.conv2d(weight: w, padding: 1) }
        expectConvClose(y2.scalars, expected.scalars, "after update")
        expectConvClose(y2.scalars, y1.scalars.map { -2 * $0 }, "scaled by -2")
    }
}

/// Inference convolutions keep oneDNN's layout between them (`TensorStorage.layout`): a chain of
/// them, a residual added in that layout, a reshape and an elementwise op reading the held buffer
/// give what the taped (row-major) path gives.
@Suite("Inference convolutions keep oneDNN's layout")
struct HeldLayoutTests {
    @Test func aChainMatchesTheTapedPath() {
        var gen = SeededGenerator(seed: 9)
        let x = Tensor.randn([1, 16, 12, 12], generator: &gen)
        let w1 = Tensor.randn([32, 16, 3, 3], generator: &gen) * 0.1
        let w2 = Tensor.randn([32, 32, 1, 1], generator: &gen) * 0.1
        let b2 = Tensor.randn([32], generator: &gen)
        func chain(_ inference: Bool) -> Tensor {
            let h = x.conv2d(weight: w1, padding: 1)
            let y = inference
                ? h.conv2dInference(weight: w2, bias: b2, stride: (1, 1), padding: (0, 0), dilation: (1, 1), adding: h, relu: true)
                : (h.conv2d(weight: w2, bias: b2) + h).relu()
            return (y.reshaped([1, 32, 144]) * 2).reshaped([1, 32, 12, 12])
        }
        let taped = chain(false)
        let inference = noGrad { chain(true) }
        expectConvClose(inference.scalars, taped.scalars, "held-layout chain")
        let reference = Conv2dKernel.$backend.withValue(.reference) { noGrad { chain(true) } }
        expectConvClose(reference.scalars, taped.scalars, "im2col reference with residual and ReLU")
        let held = noGrad { x.conv2d(weight: w1, padding: 1) }
        #expect(held.storage.layout != nil, "an inference convolution's output should stay in oneDNN's layout")
        let values = held.scalars   // reading converts in place
        #expect(held.storage.layout == nil)
        expectConvClose(values, x.conv2d(weight: w1, padding: 1).detached().scalars, "converted back")
    }

    /// Max pooling reads the held layout and leaves its result in it (`DNNLMaxPooling`), with
    /// PyTorch's output sizes: floor and ceil mode, padding, odd sides.
    @Test(arguments: [(2, 2, 0, false), (3, 2, 1, false), (3, 2, 1, true), (2, 2, 0, true), (3, 1, 1, false)])
    func maxPoolingStaysInTheLayout(_ window: (kernel: Int, stride: Int, padding: Int, ceil: Bool)) {
        var gen = SeededGenerator(seed: 10)
        let x = Tensor.randn([2, 16, 13, 11], generator: &gen)
        let w = Tensor.randn([32, 16, 3, 3], generator: &gen) * 0.1
        let next = Tensor.randn([16, 32, 3, 3], generator: &gen) * 0.1
        func pooled(_ h: Tensor) -> Tensor {
            h.maxPool2d(kernelSize: window.kernel, stride: window.stride, padding: window.padding, ceilMode: window.ceil)
        }
        let taped = pooled(x.conv2d(weight: w, padding: 1))
        let inference = noGrad { pooled(x.conv2d(weight: w, padding: 1)) }
        #expect(inference.shape == taped.shape)
        #expect(inference.storage.layout != nil, "the pooled map should stay in oneDNN's layout")
        // The next convolution reads it as it is.
        let after = noGrad { inference.conv2d(weight: next, padding: 1) }
        expectConvClose(after.scalars, taped.conv2d(weight: next, padding: 1).detached().scalars, "a convolution after the pooling")
        expectConvClose(inference.scalars, taped.detached().scalars, "pooled in the held layout")
    }

    /// Channel concat joins held and row-major inputs in oneDNN (`DNNLConcat`), and the next
    /// convolution reads the result as it is.
    @Test func concatJoinsHeldAndRowMajorInputs() {
        var gen = SeededGenerator(seed: 11)
        let x = Tensor.randn([2, 16, 9, 10], generator: &gen)
        let plain = Tensor.randn([2, 16, 9, 10], generator: &gen)
        let w = Tensor.randn([32, 16, 3, 3], generator: &gen) * 0.1
        let next = Tensor.randn([8, 80, 3, 3], generator: &gen) * 0.1
        func joined() -> Tensor {
            let held = x.conv2d(weight: w, padding: 1)
            return Tensor.concat([held, plain, held], axis: 1)
        }
        let taped = joined()
        let inference = noGrad { joined() }
        #expect(inference.shape == [2, 80, 9, 10])
        #expect(inference.storage.layout != nil, "the joined map should be in oneDNN's layout")
        let after = noGrad { inference.conv2d(weight: next, padding: 1) }
        expectConvClose(after.scalars, taped.conv2d(weight: next, padding: 1).detached().scalars, "a convolution after the concat")
        expectConvClose(inference.scalars, taped.detached().scalars, "joined in oneDNN")
    }

    /// Transposed convolutions run on oneDNN's deconvolution in inference (`DNNLDeconvolution`),
    /// reading a held input or a row-major one, bias included, with PyTorch's output sizes.
    @Test(arguments: [(2, 2, 0, 0), (3, 2, 1, 1), (4, 2, 1, 0), (3, 1, 1, 0)])
    func transposedConvolutionInInference(_ window: (kernel: Int, stride: Int, padding: Int, outputPadding: Int)) {
        var gen = SeededGenerator(seed: 12)
        let x = Tensor.randn([2, 16, 7, 6], generator: &gen)
        let w = Tensor.randn([32, 16, 3, 3], generator: &gen) * 0.1
        let up = Tensor.randn([32, 24, window.kernel, window.kernel], generator: &gen) * 0.1
        let bias = Tensor.randn([24], generator: &gen)
        func upsampled(_ h: Tensor) -> Tensor {
            h.convTranspose2d(weight: up, bias: bias, stride: window.stride, padding: window.padding,
                              outputPadding: window.outputPadding)
        }
        let taped = upsampled(x.conv2d(weight: w, padding: 1))
        let held = noGrad { upsampled(x.conv2d(weight: w, padding: 1)) }
        #expect(held.shape == taped.shape)
        expectConvClose(held.scalars, taped.detached().scalars, "from a held input")
        let rowMajorInput = x.conv2d(weight: w, padding: 1).detached()
        let rowMajor = noGrad { upsampled(rowMajorInput) }
        expectConvClose(rowMajor.scalars, taped.detached().scalars, "from a row-major input")
    }
}

/// 3×3 convolutions of 64+ channels run Winograd's algorithm, dilated ones over their phases
/// (`DNNLPhasedConvolution` in inference, `Tensor.phasedConv2d` in training): inference gives the
/// taped convolution's outputs from held and row-major inputs, with bias, ReLU and a residual, and
/// the layout the next layer reads.
@Suite("Winograd and phased convolutions")
struct WinogradInferenceTests {
    @Test func undilatedThreeByThreeRunsWinograd() {
        let g = ConvolutionGeometry(batch: 1, inChannels: 64, height: 16, width: 16, outChannels: 64,
                                    kernel: (3, 3), padding: (1, 1))
        let conv = DNNLConvolution(g, inference: true)
        #expect(conv.implementationNames["forward"]?.contains("wino") == DNNLConvolution.winogradEnabled,
                "chose \(conv.implementationNames)")
        let narrow = ConvolutionGeometry(batch: 1, inChannels: 32, height: 16, width: 16, outChannels: 64,
                                         kernel: (3, 3), padding: (1, 1))
        #expect(DNNLConvolution(narrow, inference: true).implementationNames["forward"]?.contains("wino") == false)
        // Training too: its gradients against the reference are `DNNLConvBackendTests.agree`'s last case.
        let training = DNNLConvolution(ConvolutionGeometry(batch: 2, inChannels: 64, height: 16, width: 16, outChannels: 64,
                                                           kernel: (3, 3), padding: (1, 1), hasBias: true))
        let x = [Float](repeating: 0.5, count: 2 * 64 * 16 * 16), w = [Float](repeating: 0.1, count: 64 * 64 * 9)
        var dx = x, dw = w, db = [Float](repeating: 0, count: 64)
        training.backward(input: x, gradOutput: x, weight: w, gradInput: &dx, gradWeight: &dw, gradBias: &db)
        for pass in ["forward", "backward_data", "backward_weights"] {
            #expect(training.implementationNames[pass]?.contains("wino") == DNNLConvolution.winogradEnabled,
                    "training \(pass) chose \(training.implementationNames)")
        }
    }

    @Test(arguments: [(1, false, false), (1, true, true), (2, true, false), (4, false, true), (2, false, false)])
    func agreesWithTheTapedConvolution(_ c: (dilation: Int, bias: Bool, residual: Bool)) {
        var gen = SeededGenerator(seed: 13)
        let x = Tensor.randn([2, 32, 16, 12], generator: &gen)
        let stem = Tensor.randn([64, 32, 1, 1], generator: &gen) * 0.2
        let w = Tensor.randn([80, 64, 3, 3], generator: &gen) * 0.05
        let b = c.bias ? Tensor.randn([80], generator: &gen) : nil
        let r = Tensor.randn([2, 80, 16, 12], generator: &gen)
        let d = c.dilation
        func layer(_ h: Tensor, inference: Bool) -> Tensor {
            inference
                ? h.conv2dInference(weight: w, bias: b, stride: (1, 1), padding: (d, d), dilation: (d, d),
                                    adding: c.residual ? r : nil, relu: true)
                : (c.residual ? h.conv2d(weight: w, bias: b, padding: d, dilation: d) + r
                              : h.conv2d(weight: w, bias: b, padding: d, dilation: d)).relu()
        }
        let taped = layer(x.conv2d(weight: stem), inference: false).detached()
        let held = noGrad { layer(x.conv2d(weight: stem), inference: true) }
        #expect(held.storage.layout != nil || !DNNLConvolution.winogradEnabled, "the result should stay in oneDNN's layout")
        // A 1×1 convolution after it reads that layout through one reorder into its own.
        let head = Tensor.randn([32, 80, 1, 1], generator: &gen) * 0.1
        let next = noGrad { held.conv2d(weight: head) }
        expectConvClose(next.scalars, taped.conv2d(weight: head).detached().scalars, "a 1×1 convolution after it")
        expectConvClose(held.scalars, taped.scalars, "from a held input")
        let rowMajorInput = x.conv2d(weight: stem).detached()
        let rowMajor = noGrad { layer(rowMajorInput, inference: true) }
        expectConvClose(rowMajor.scalars, taped.scalars, "from a row-major input")
        if d > 1, !c.residual, DNNLConvolution.winogradEnabled {
            let g = ConvolutionGeometry(batch: 2, inChannels: 64, height: 16, width: 12, outChannels: 80, kernel: (3, 3),
                                        padding: (d, d), dilation: (d, d), hasBias: c.bias)
            #expect(DNNLPhasedConvolution.cached(g, postOps: ConvolutionPostOps(addsResidual: false, relu: true)) != nil)
        }
    }

    /// Training's dilated 3×3 convolutions run over their phases too (their values and gradients
    /// against the reference are `DNNLConvBackendTests.agree`'s dilated cases); a diagram's trace
    /// still records the dilated convolution as written.
    @Test func dilatedTrainingRunsOverThePhases() {
        var gen = SeededGenerator(seed: 5)
        let x = Tensor.randn([1, 64, 8, 8], generator: &gen).requiringGrad()
        let w = Tensor.randn([64, 64, 3, 3], generator: &gen).requiringGrad()
        let y = x.conv2d(weight: w, padding: 2, dilation: 2)
        #expect(y.node.gradFunction.op == (DNNLConvolution.winogradEnabled ? "reshape" : "conv2d"))
        let traced = Trace.recording { x.conv2d(weight: w, padding: 2, dilation: 2) }
        #expect(traced.recorder.events.map(\.op) == ["conv2d"])
        expectConvClose(traced.value.scalars, y.scalars, "traced and phased")
        let odd = Tensor.randn([1, 64, 10, 10], generator: &gen).requiringGrad()
        #expect(odd.conv2d(weight: w, padding: 4, dilation: 4).node.gradFunction.op == "conv2d", "10 is no multiple of 4")
    }

    /// A training convolution too wide for Winograd's scratchpad bound runs it in slices of its
    /// input channels, each slice in all three passes (values and gradients against the reference:
    /// `DNNLConvBackendTests.agree`'s last cases); one within the bound runs whole.
    @Test func wideTrainingRunsWinogradInSlices() {
        let wide = ConvolutionGeometry(batch: 2, inChannels: 1024, height: 7, width: 9, outChannels: 512, kernel: (3, 3),
                                       padding: (1, 1), hasBias: true)
        let sliced = DNNLSlicedConvolution.cached(wide)
        #expect((sliced != nil) == DNNLConvolution.winogradEnabled)
        if let sliced {
            #expect(sliced.slices > 1 && 1024 % sliced.slices == 0)
            #expect(sliced.winogradInEveryPass)
            #expect(!DNNLConvolution.cached(wide).winogradInEveryPass, "whole, it fits the bound: nothing to slice")
        }
        let fits = ConvolutionGeometry(batch: 2, inChannels: 128, height: 7, width: 9, outChannels: 128, kernel: (3, 3),
                                       padding: (1, 1))
        #expect(DNNLSlicedConvolution.cached(fits) == nil)
    }

    @Test func sidesThatDoNotDivideTheDilationRunDirect() {
        let g = ConvolutionGeometry(batch: 1, inChannels: 64, height: 10, width: 12, outChannels: 64, kernel: (3, 3),
                                    padding: (4, 4), dilation: (4, 4))
        #expect(DNNLPhasedConvolution.cached(g, postOps: .none) == nil)
    }
}

/// Dilated depthwise convolutions in inference run the engine's own loops (`DepthwiseLoops`; oneDNN
/// would run im2col + GEMM per channel): the same outputs as the taped path, with taps that reach
/// past the map (DeepLab's rate 36 on a 16×16 map), strides, bias, a held input, ReLU and a residual.
@Suite("Depthwise dilated inference convolutions")
struct DepthwiseInferenceTests {
    @Test(arguments: [(12, 12, 1, 0), (36, 36, 1, 0), (2, 2, 2, 1), (3, 1, 1, 2), (2, 4, 2, 0)])
    func agreesWithTheTapedConvolution(_ c: (dilation: Int, padding: Int, stride: Int, case: Int)) {
        var gen = SeededGenerator(seed: 14)
        let x = Tensor.randn([2, 24, 16, 13], generator: &gen)
        let stem = Tensor.randn([24, 24, 1, 1], generator: &gen) * 0.3
        let w = Tensor.randn([24, 1, 3, 3], generator: &gen)
        let b = Tensor.randn([24], generator: &gen)
        let taped = x.conv2d(weight: stem).conv2d(weight: w, bias: b, stride: c.stride, padding: c.padding,
                                                  dilation: c.dilation, groups: 24).detached()
        let held = noGrad {
            x.conv2d(weight: stem).conv2d(weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: 24)
        }
        expectConvClose(held.scalars, taped.scalars, "depthwise, dilation \(c.dilation)")
        let fused = noGrad {
            x.conv2d(weight: stem).conv2dInference(weight: w, bias: b, stride: (c.stride, c.stride), padding: (c.padding, c.padding),
                                                   dilation: (c.dilation, c.dilation), groups: 24, adding: taped, relu: true)
        }
        expectConvClose(fused.scalars, (taped + taped).relu().scalars, "with a residual and ReLU")
    }

    /// On an input held in nChw16c or channels-last (what convolutions leave), 16 channels to a
    /// vector: the row-major loops' values exactly, the result left in the input's layout.
    @Test(arguments: [(12, false), (2, false), (1, false), (3, true)])
    func runsInTheHeldLayout(_ c: (dilation: Int, channelsLast: Bool)) {
        var gen = SeededGenerator(seed: 15)
        let x = Tensor.randn([2, 32, 9, 11], generator: &gen)
        let w = Tensor.randn([32, 1, 3, 3], generator: &gen)
        let b = Tensor.randn([32], generator: &gen)
        // x's values written in the layout by hand, the storage marked as holding it.
        let tag = c.channelsLast ? dnnl_acdb : dnnl_aBcd16b
        let s = TensorStorage(count: x.count), v = x.scalars
        for n in 0..<2 { for ch in 0..<32 { for y in 0..<9 { for i in 0..<11 {
            let offset = c.channelsLast ? ((n * 9 + y) * 11 + i) * 32 + ch : (((n * 2 + ch / 16) * 9 + y) * 11 + i) * 16 + ch % 16
            s.base[offset] = v[((n * 32 + ch) * 9 + y) * 11 + i]
        } } } }
        s.layout = DNNLHeldLayout(DNNLBoundary(user: dnnlDesc(x.shape, dnnl_abcd), inner: dnnlDesc(x.shape, tag), toInner: false, slot: 0))
        let input = Tensor(storage: s, shape: x.shape)
        let held = try! #require(input.storage.layout)
        let y = noGrad { input.conv2d(weight: w, bias: b, padding: c.dilation, dilation: c.dilation, groups: 32) }
        #expect(input.scalars == v, "the layout written by hand")   // reading converts it
        let rowMajor = noGrad {
            x.conv2d(weight: w, bias: b, padding: c.dilation, dilation: c.dilation, groups: 32)
        }
        if c.dilation > 1 {   // undilated ones are oneDNN's
            #expect(y.storage.layout === held, "the result should stay in the input's layout")
            #expect(y.scalars == rowMajor.scalars)
        }
        expectConvClose(y.scalars, rowMajor.scalars, "depthwise, dilation \(c.dilation)")
    }
}
