import SegTensor

/// Max pooling (torch.nn.MaxPool2d); `withIndices` also returns each maximum's flat index in its
/// input plane, for `MaxUnpool2d` (SegNet). Stride defaults to the kernel size.
public final class MaxPool2d: Module, Layer {
    override public var settingsDescription: String {
        "kernel_size=\(pairDescription(kernelSize)), stride=\(pairDescription(stride)), padding=\(pairDescription(padding)), dilation=\(pairDescription(dilation)), ceil_mode=\(ceilMode ? "True" : "False")"
    }

    public let kernelSize: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let ceilMode: Bool
    /// Whether the model uses the indices (PyTorch's `return_indices`); `callAsFunction` returns the
    /// values either way, `withIndices` both.
    public let returnIndices: Bool

    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                dilation: (Int, Int) = (1, 1), ceilMode: Bool = false, returnIndices: Bool = false) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
        self.returnIndices = returnIndices
    }

    public convenience init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
                            ceilMode: Bool = false, returnIndices: Bool = false) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
                  dilation: (dilation, dilation), ceilMode: ceilMode, returnIndices: returnIndices)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        // Inference, where fusion may run: the values alone, pooled in the oneDNN layout a
        // convolution left them in (`Tensor.maxPool2d`), not converted to row-major for indices.
        if fusionAllowed, kernelSize.0 == kernelSize.1, stride.0 == stride.1, padding.0 == padding.1, dilation.0 == dilation.1 {
            return Trace.layer(self, inputs: [input]) {
                [input.maxPool2d(kernelSize: kernelSize.0, stride: stride.0, padding: padding.0, dilation: dilation.0, ceilMode: ceilMode)]
            }[0]
        }
        return withIndices(input).output
    }

    /// The pooled values and the flat (y·W + x) index of each maximum in its input plane.
    public func withIndices(_ input: Tensor) -> (output: Tensor, indices: Tensor) {
        let r = Trace.layer(self, inputs: [input]) { let p = input.maxPool2dWithIndices(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode); return [p.output, p.indices] }
        return (r[0], r[1])
    }
}

/// Places values back at their max-pooling positions, zeros elsewhere (torch.nn.MaxUnpool2d).
public final class MaxUnpool2d: Module {
    override public var settingsDescription: String {
        "kernel_size=\(pairDescription((kernelSize, kernelSize))), stride=\(pairDescription((stride, stride))), padding=\(pairDescription((padding, padding)))"
    }

    public let kernelSize: Int
    public let stride: Int
    public let padding: Int

    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    /// `outputSize` (H, W) restores sizes that pooling rounded down; default (H−1)·s − 2p + k.
    public func callAsFunction(_ input: Tensor, indices: Tensor, outputSize: (Int, Int)? = nil) -> Tensor {
        Trace.layer(self, inputs: [input, indices]) { [input.maxUnpool2d(indices: indices, kernelSize: kernelSize, stride: stride, padding: padding, outputSize: outputSize)] }[0]
    }
}

/// Average pooling (torch.nn.AvgPool2d).
public final class AvgPool2d: Module, Layer {
    override public var settingsDescription: String {
        "kernel_size=\(pairDescription(kernelSize)), stride=\(pairDescription(stride)), padding=\(pairDescription(padding))"
    }

    public let kernelSize: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let ceilMode: Bool
    public let countIncludePad: Bool

    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                ceilMode: Bool = false, countIncludePad: Bool = true) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }

    public convenience init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                            countIncludePad: Bool = true) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
                  ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        traced(input) { input.avgPool2d(kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                                        countIncludePad: countIncludePad) }
    }
}

/// Average pooling to a fixed output size with PyTorch's bins (torch.nn.AdaptiveAvgPool2d); PSPNet's
/// pyramid and ASPP's image pooling.
public final class AdaptiveAvgPool2d: Module, Layer {
    override public var settingsDescription: String { "output_size=\(pairDescription(outputSize))" }

    public let outputSize: (Int, Int)

    public init(outputSize: (Int, Int)) { self.outputSize = outputSize }
    public convenience init(_ outputSize: Int) { self.init(outputSize: (outputSize, outputSize)) }

    public func callAsFunction(_ input: Tensor) -> Tensor { traced(input) { input.adaptiveAvgPool2d(outputSize: outputSize) } }
}

/// Resampling to a size or by a factor (torch.nn.Upsample): `.nearest`, `.bilinear(alignCorners:)`,
/// `.bicubic(alignCorners:)`. With a scale factor the output is ⌊in · factor⌋ and the source scale
/// in/out, which equals PyTorch's for integer factors.
public final class Upsample: Module, Layer {
    override public var settingsDescription: String {
        let target = switch target {
        case .size(let h, let w): "size=(\(h), \(w))"
        case .scaleFactor(let f): "scale_factor=\(f)"
        }
        let mode = switch interpolation {
        case .nearest: "mode='nearest'"
        case .bilinear(let ac): "mode='bilinear', align_corners=\(ac ? "True" : "False")"
        case .bicubic(let ac): "mode='bicubic', align_corners=\(ac ? "True" : "False")"
        }
        return target + ", " + mode
    }

    public enum Target: Sendable {
        case size(Int, Int)
        case scaleFactor(Float)
    }

    public let target: Target
    public let interpolation: InterpolationMode

    public init(size: (Int, Int), mode: InterpolationMode = .nearest) {
        target = .size(size.0, size.1)
        interpolation = mode
    }

    public init(scaleFactor: Float, mode: InterpolationMode = .nearest) {
        precondition(scaleFactor > 0, "Upsample: scale factor \(scaleFactor) must be positive")
        target = .scaleFactor(scaleFactor)
        interpolation = mode
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        traced(input) {
            switch target {
            case .size(let h, let w): input.resized(to: (h, w), mode: interpolation)
            case .scaleFactor(let f): input.upsampled(scaleFactor: f, mode: interpolation)
            }
        }
    }
}

/// Flattens axes `startAxis...endAxis` into one (torch.nn.Flatten: from axis 1 by default).
public final class Flatten: Module, Layer {
    public let startAxis: Int
    public let endAxis: Int

    public init(startAxis: Int = 1, endAxis: Int = -1) {
        self.startAxis = startAxis
        self.endAxis = endAxis
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.flattened(startAxis: startAxis, endAxis: endAxis) }
}
