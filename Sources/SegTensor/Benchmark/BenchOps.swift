// `segbook bench ops`: conv2d GFLOP/s on ResNet-50's convolution shapes, next to the CPU's measured
// FMA peak and OpenBLAS sgemm. tools/reference/bench_ops.py times the same list in PyTorch.
import Foundation

/// The operator benchmark: shapes, timing, and its report.
public enum OpsBenchmark {
    /// One benchmarked convolution: a ResNet-50 layer's kernel and channels at a given input size.
    public struct Shape: Sendable {
        public var geometry: ConvolutionGeometry
        /// `"3x3 64->64 1x64x64x64"`: kernel, channels, input tensor (the same string as bench_ops.py).
        public var name: String {
            let g = geometry
            return "\(g.kernelHeight)x\(g.kernelWidth) \(g.inChannels)->\(g.outChannels) \(g.batch)x\(g.inChannels)x\(g.height)x\(g.width)"
        }
    }

    /// The stride-1 convolutions of ResNet-50's bottleneck stages (torchvision's `resnet50`), per
    /// stage: the 3×3 (`conv2`), the 1×1 reduce from the stage's output width (`conv1`, 4C→C) and the
    /// 1×1 expand (`conv3`, C→4C), for C = 64, 128, 256, 512. (The first block of a stage reduces
    /// from the previous stage's width instead, 64→64, 256→128, 512→256, 1024→512, and strided
    /// 3×3/downsample convs appear once per stage; they are left out.)
    public static let resnet50Layers: [(kernel: Int, inChannels: Int, outChannels: Int)] = [
        (3, 64, 64), (3, 128, 128), (3, 256, 256), (3, 512, 512),
        (1, 256, 64), (1, 64, 256),
        (1, 512, 128), (1, 128, 512),
        (1, 1024, 256), (1, 256, 1024),
        (1, 2048, 512), (1, 512, 2048),
    ]

    /// Input sizes: every layer at 1×C×64×64 and at 1×C×128×128, "same" padding, stride 1, no bias.
    public static let inputSizes = [64, 128]

    public static var shapes: [Shape] {
        inputSizes.flatMap { size in
            resnet50Layers.map { layer in
                Shape(geometry: ConvolutionGeometry(
                    batch: 1, inChannels: layer.inChannels, height: size, width: size, outChannels: layer.outChannels,
                    kernel: (layer.kernel, layer.kernel), padding: (layer.kernel / 2, layer.kernel / 2)))
            }
        }
    }

    public enum Direction: String, Codable, Sendable {
        /// `output = conv(input, weight)`.
        case forward
        /// Backward data and backward weights of one step (twice the forward FLOPs).
        case backward
    }

    public struct Measurement: Codable, Sendable {
        public var shape: String
        public var direction: Direction
        public var gflops: Double
        public var ms: Double
        /// Forward only: the same convolution on row-major input and output (reorders included).
        public var rowMajorMs: Double? = nil
        /// oneDNN's implementation (shown in the table, not in the JSON).
        public var implementation: String = ""

        enum CodingKeys: String, CodingKey { case shape, direction, gflops, ms, rowMajorMs = "row_major_ms" }
    }

    public struct Report: Codable, Sendable {
        public var peakGFLOPS: Double
        /// OpenBLAS sgemm at 1024³ (bench_ops.py reports torch.mm here).
        public var sgemmGFLOPS: Double
        /// oneDNN's sgemm at 1024³, the engine's GEMM (absent from PyTorch's report).
        public var engineSGEMMGFLOPS: Double?
        public var conv2d: [Measurement]

        enum CodingKeys: String, CodingKey {
            case peakGFLOPS = "peak_gflops"
            case sgemmGFLOPS = "sgemm_gflops"
            case engineSGEMMGFLOPS = "onednn_sgemm_gflops"
            case conv2d
        }
    }

    /// Runs the whole benchmark on `threads` threads (oneDNN's come from OMP_NUM_THREADS, which the
    /// caller must have set to `threads` before the process started). Each timing is the median of
    /// `repeats` runs after warm-up; `progress` sees each measurement as it is made.
    public static func run(threads: Int, repeats: Int, shapes: [Shape] = shapes,
                           progress: (Measurement) -> Void = { _ in },
                           prologue: (_ peak: Double, _ openBLAS: Double, _ oneDNN: Double) -> Void = { _, _, _ in }) -> Report {
        // Let OpenMP's threads start and settle before anything is timed.
        warmUp()
        let peak = PeakFLOPS.fmaGFLOPS(threads: threads)
        let openBLAS = PeakFLOPS.sgemmGFLOPS(threads: threads, openBLAS: true)
        let oneDNN = PeakFLOPS.sgemmGFLOPS(threads: threads)
        prologue(peak, openBLAS, oneDNN)
        var results: [Measurement] = []
        for shape in shapes {
            for m in measure(shape, repeats: repeats) {
                results.append(m)
                progress(m)
            }
        }
        return Report(peakGFLOPS: peak, sgemmGFLOPS: openBLAS, engineSGEMMGFLOPS: oneDNN, conv2d: results)
    }

    /// Forward and backward timings of one shape, weights reordered once (the engine's steady
    /// state: the weights' version does not change between calls). Forward is the engine's inference
    /// convolution as it runs inside a network: its input already in the layout the previous
    /// convolution left (`TensorStorage.layout`), its output left in its own; `rowMajorMs` is the
    /// same call on row-major tensors, reorders at both edges included. Backward (data + weights)
    /// is the training path, on row-major tensors.
    public static func measure(_ shape: Shape, repeats: Int) -> [Measurement] {
        let g = shape.geometry
        let inference = DNNLConvolution(g, inference: true)
        let training = DNNLConvolution(g)
        let input = filled(g.inputCount, seed: 1)
        let weight = filled(g.weightCount, seed: 2)
        let weightsVersion = TensorStorage.nextContentVersion()
        defer { DNNLWeightCopies.forget(address: UInt(bitPattern: weight)) }
        let gradOutput = filled(g.outputCount, seed: 3)
        let gradInput = UnsafeMutablePointer<Float>.allocate(capacity: g.inputCount)
        let gradWeight = UnsafeMutablePointer<Float>.allocate(capacity: g.weightCount)
        defer {
            for p in [input, weight, gradOutput] { p.deallocate() }
            gradInput.deallocate(); gradWeight.deallocate()
        }
        let heldInput = TensorStorage(copying: input, count: g.inputCount)
        let rowMajorInput = TensorStorage(copying: input, count: g.inputCount)
        let output = TensorStorage(count: g.outputCount)
        inference.markHoldingSourceLayout(heldInput)
        let forwardSeconds = time({
            inference.forward(input: heldInput, weight: weight, weightsVersion: weightsVersion, bias: nil, residual: nil, output: output)
        }, repeats: repeats)
        let rowMajorSeconds = time({
            inference.forward(input: rowMajorInput, weight: weight, weightsVersion: weightsVersion, bias: nil, residual: nil, output: output)
            _ = output.pointer   // the reorder back to row-major
        }, repeats: repeats)
        let backwardSeconds = time({
            training.backward(input: input, gradOutput: gradOutput, weight: weight, weightsVersion: weightsVersion,
                              gradInput: gradInput, gradWeight: gradWeight)
        }, repeats: repeats)
        let flops = g.forwardFLOPs
        let backwardNames = training.implementationNames
        return [
            Measurement(shape: shape.name, direction: .forward, gflops: flops / forwardSeconds / 1e9,
                        ms: forwardSeconds * 1e3, rowMajorMs: rowMajorSeconds * 1e3,
                        implementation: inference.implementationNames["forward"] ?? ""),
            Measurement(shape: shape.name, direction: .backward, gflops: 2 * flops / backwardSeconds / 1e9,
                        ms: backwardSeconds * 1e3,
                        implementation: "\(backwardNames["backward_data"] ?? "") + \(backwardNames["backward_weights"] ?? "")"),
        ]
    }

    /// Median seconds of `repeats` calls after two warm-up calls.
    static func time(_ body: () -> Void, repeats: Int) -> Double {
        body(); body()
        var times: [Double] = []
        for _ in 0..<max(1, repeats) {
            let t = PeakFLOPS.now()
            body()
            times.append(PeakFLOPS.now() - t)
        }
        return PeakFLOPS.median(times)
    }

    /// About 0.3 s of small convolutions, so that OpenMP's thread pool is up and clocks have settled.
    static func warmUp() {
        let shape = Shape(geometry: ConvolutionGeometry(batch: 1, inChannels: 64, height: 32, width: 32,
                                                        outChannels: 64, kernel: (3, 3), padding: (1, 1)))
        let start = PeakFLOPS.now()
        while PeakFLOPS.now() - start < 0.3 { _ = measure(shape, repeats: 1) }
    }

    static func filled(_ count: Int, seed: UInt64) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        for i in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            p[i] = Float(Int32(truncatingIfNeeded: state >> 32)) / Float(Int32.max)
        }
        return p
    }
}
