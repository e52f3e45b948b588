import SegTensor

/// How FLOPs are counted (the book's convention, written once):
/// - one multiply-add (MAC) is 2 FLOPs; `macs` and `flops` are both kept, and FLOPs = 2 · MACs for
///   the layers made of multiply-adds; bias additions are not counted (as fvcore);
/// - convolution: N·C_out·H_out·W_out · (C_in/groups)·k_h·k_w MACs (dilation changes nothing);
/// - transposed convolution: N·C_in·H_in·W_in · (C_out/groups)·k_h·k_w MACs (each input scatters a kernel);
/// - linear: (elements of the input / in) · in · out MACs; matmul [.., m, k]·[.., k, n]: batch·m·n·k MACs,
///   so attention costs 2 · B·heads·N²·d MACs for QKᵀ and AV together (quadratic in tokens N);
/// - max pooling: k_h·k_w comparisons per output, avg pooling k_h·k_w additions per output, adaptive
///   average pooling one addition per input element; counted as FLOPs, 0 MACs; unpooling 0;
/// - batch/layer/group norm: 2 FLOPs per element (scale and shift, the statistics folded in, as at
///   inference), 1 MAC; activations, add, sub, mul: 1 FLOP per output element; concat 0;
/// - softmax: 3 FLOPs per element (exp, sum, divide);
/// - interpolation: bilinear 4 MACs per output element (2×2 taps), bicubic 16, nearest 0.
public enum FlopCount {
    /// (MACs, FLOPs) of one traced node.
    static func count(_ node: ModelGraph.Node) -> (macs: Int, flops: Int) {
        let out = node.outputShape.reduce(1, *)
        let input = node.inputShapes.first ?? []
        let inCount = input.reduce(1, *)
        switch node.operation {
        case .input, .concat, .maxUnpool, .dropout, .other: return (0, 0)
        case .conv(let k, _, _, _, let groups):
            guard input.count == 4 else { return (0, 0) }
            let macs = out * (input[1] / groups) * k[0] * k[1]
            return (macs, 2 * macs)
        case .transposedConv(let k, _, _, let groups):
            guard input.count == 4, node.outputShape.count == 4 else { return (0, 0) }
            let macs = inCount * (node.outputShape[1] / groups) * k[0] * k[1]
            return (macs, 2 * macs)
        case .linear:
            let macs = out * (input.last ?? 0)
            return (macs, 2 * macs)
        case .matmul:
            // a is [.., m, k] (or [.., k, m] when transposed): k is the side that is not m.
            let a = node.inputShapes.first ?? [], o = node.outputShape
            guard a.count >= 2, o.count >= 2 else { return (0, 0) }
            let k = a[a.count - 2] == o[o.count - 2] ? a[a.count - 1] : a[a.count - 2]
            let macs = out * k
            return (macs, 2 * macs)
        case .maxPool(let k, _, _, _), .avgPool(let k, _, _):
            return (0, out * k[0] * k[1])
        case .adaptiveAvgPool: return (0, inCount)
        case .resample(let mode):
            let macs = mode == "bilinear" ? 4 * out : mode == "bicubic" ? 16 * out : 0
            return (macs, 2 * macs)
        case .batchNorm, .layerNorm, .groupNorm: return (out, 2 * out)
        case .activation, .add, .sub, .mul: return (0, out)
        case .softmax: return (0, 3 * out)
        }
    }
}
