import Foundation
import SegModels
import SegNN
import SegTensor

/// The theoretical receptive field of a layer's output along one axis (Araujo, Norris & Sim,
/// "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019): its `size` in input
/// pixels, the `jump` (input pixels between neighbouring outputs) and the `start` (input position of
/// the centre of output 0; the input's first pixel centre is 0.5).
public struct ReceptiveField: Sendable, Equatable, CustomStringConvertible {
    public var size: Double
    public var jump: Double
    public var start: Double

    public static let input = ReceptiveField(size: 1, jump: 1, start: 0.5)

    /// Through a kernel k (dilation d, so an effective kernel d·(k−1)+1), stride s, padding p:
    /// r' = r + (k_eff − 1)·j, j' = j·s, start' = start + ((k_eff − 1)/2 − p)·j.
    public func through(kernel k: Int, stride s: Double, padding p: Int, dilation d: Int = 1) -> ReceptiveField {
        let keff = Double(d * (k - 1) + 1)
        return ReceptiveField(size: size + (keff - 1) * jump, jump: jump * s, start: start + ((keff - 1) / 2 - Double(p)) * jump)
    }

    public var description: String { "rf \(Self.format(size)), jump \(Self.format(jump)), start \(Self.format(start))" }
    static func format(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.2f", v) }
}

extension ModelGraph {
    /// Receptive field (height axis, width axis) of each node's first output, by node id.
    ///
    /// Rules: convolutions and poolings by the formula above; a transposed conv with kernel k and
    /// stride s divides the jump by s and adds (⌈k/s⌉ − 1) input steps; resampling by a factor f
    /// divides the jump by f and, bilinear, adds one input step (two taps), nearest and unpooling add
    /// none; adaptive average pooling to o bins over n uses ⌈n/o⌉-wide windows n/o apart (global
    /// pooling covers everything); merges (add, concat) take the input with the largest field;
    /// normalisation, activations, linear layers and token ops leave it unchanged.
    public var receptiveFields: [(height: ReceptiveField, width: ReceptiveField)] {
        var fields: [(height: ReceptiveField, width: ReceptiveField)] = []
        for node in nodes {
            if node.operation == .input { fields.append((.input, .input)); continue }
            let sources = node.inputSources.filter { $0.node >= 0 && !nodes[$0.node].indexOutputs.contains($0.output) }
            guard !sources.isEmpty else { fields.append((.input, .input)); continue }
            let best = sources.max { fields[$0.node].height.size < fields[$1.node].height.size }!
            let r = fields[best.node]
            let inShape = nodes[best.node].outputShapes[best.output]
            let outShape = node.outputShape
            func axis(_ f: ReceptiveField, _ a: Int) -> ReceptiveField {
                let inSize = inShape.count == 4 ? inShape[2 + a] : 1, outSize = outShape.count == 4 ? outShape[2 + a] : 1
                switch node.operation {
                case .conv(let k, let s, let p, let d, _):
                    return f.through(kernel: k[a], stride: Double(s[a]), padding: p[a], dilation: d[a])
                case .maxPool(let k, let s, let p, let d):
                    return f.through(kernel: k[a], stride: Double(s[a]), padding: p[a], dilation: d[a])
                case .avgPool(let k, let s, let p):
                    return f.through(kernel: k[a], stride: Double(s[a]), padding: p[a])
                case .transposedConv(let k, let s, let p, _):
                    let taps = Double((k[a] + s[a] - 1) / s[a])
                    return ReceptiveField(size: f.size + (taps - 1) * f.jump, jump: f.jump / Double(s[a]),
                                          start: f.start + (Double(p[a]) - Double(k[a] - 1) / 2) / Double(s[a]) * f.jump)
                case .resample(let mode):
                    guard inSize > 0, outSize > 0 else { return f }
                    let factor = Double(outSize) / Double(inSize)
                    let taps = mode == "bilinear" ? 1.0 : mode == "bicubic" ? 3.0 : 0
                    return ReceptiveField(size: f.size + taps * f.jump, jump: f.jump / factor, start: f.start + (0.5 / factor - 0.5) * f.jump)
                case .maxUnpool:
                    guard inSize > 0, outSize > 0 else { return f }
                    let factor = Double(outSize) / Double(inSize)
                    return ReceptiveField(size: f.size, jump: f.jump / factor, start: f.start + (0.5 / factor - 0.5) * f.jump)
                case .adaptiveAvgPool:
                    guard outSize > 0 else { return f }
                    let k = (inSize + outSize - 1) / outSize
                    return f.through(kernel: k, stride: Double(inSize) / Double(outSize), padding: 0)
                default:
                    return f
                }
            }
            fields.append((axis(r.height, 0), axis(r.width, 1)))
        }
        return fields
    }

    /// The receptive field of the model's output (height axis).
    public var outputReceptiveField: ReceptiveField { receptiveFields[outputNode].height }
}

extension Module {
    /// Effective receptive field (Luo et al., NeurIPS 2016): |∂(centre output pixel, summed over
    /// channels)/∂input|, summed over input channels, as an [H, W] heat map of the first image, for
    /// `forward` on a deterministic input of `shape`. Uses the model's current mode (set `.eval`
    /// for batch norm's running statistics).
    public func effectiveReceptiveField(input shape: [Int], _ forward: (Tensor) -> Tensor) -> Tensor {
        precondition(shape.count == 4, "effectiveReceptiveField: input \(shape) is not NCHW")
        var generator = SeededGenerator(seed: 0)
        let x = Tensor.randn(shape, generator: &generator).requiringGrad()
        let out = forward(x)
        precondition(out.rank == 4, "effectiveReceptiveField: output \(out.shape) is not NCHW")
        let (c, h, w) = (out.shape[1], out.shape[2], out.shape[3])
        var seed = [Float](repeating: 0, count: out.count)
        for ch in 0..<c { seed[(ch * h + h / 2) * w + w / 2] = 1 }
        out.backward(Tensor(shape: out.shape, scalars: seed))
        let grad = x.grad ?? Tensor.zeros(shape)
        return noGrad { grad.abs().sliced(axis: 0, range: 0..<1).sum(axes: [0, 1]) }
    }
}

extension SegmentationModel {
    /// Effective receptive field of `self(image)` in eval mode (the mode is restored); see
    /// `Module.effectiveReceptiveField(input:_:)`. Parameter gradients are cleared afterwards.
    public func effectiveReceptiveField(input shape: [Int]) -> Tensor {
        let savedMode = mode
        mode = .eval
        defer { mode = savedMode; zeroGrad() }
        return effectiveReceptiveField(input: shape) { self($0) }
    }
}
