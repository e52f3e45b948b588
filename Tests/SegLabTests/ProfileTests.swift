import Testing
import SegModels
import SegNN
import SegTensor
@testable import SegLab

/// Multi-head self-attention on tokens [B, N, D] written with the engine's ops (as a ViT block does):
/// QKᵀ and AV are matmuls the tracer sees.
final class TestAttention: Module, Layer {
    let qkv: Linear
    let heads: Int
    init(dim: Int, heads: Int) {
        qkv = Linear(dim, 3 * dim)
        self.heads = heads
        super.init()
    }
    func callAsFunction(_ x: Tensor) -> Tensor {
        let (b, n, d) = (x.shape[0], x.shape[1], x.shape[2])
        let h = d / heads
        let t = qkv(x).reshaped([b, n, 3, heads, h]).permuted([2, 0, 3, 1, 4])
        let q = t.sliced(axis: 0, range: 0..<1).reshaped([b, heads, n, h])
        let k = t.sliced(axis: 0, range: 1..<2).reshaped([b, heads, n, h])
        let v = t.sliced(axis: 0, range: 2..<3).reshaped([b, heads, n, h])
        let attention = q.matmul(k, transposeOther: true).softmax(axis: -1)
        return attention.matmul(v).permuted([0, 2, 1, 3]).reshaped([b, n, d])
    }
}

@Suite struct ProfileTests {
    @Test func convolutionFlopsFollowTheFormula() {
        // Conv2d(16 → 32, 3×3, stride 2, pad 1, groups 2) on 16×20×20: output 32×10×10;
        // MACs = 32·10·10 · (16/2)·3·3 = 230,400; FLOPs = 2·MACs = 460,800. Dilation changes nothing.
        for dilation in [1, 3] {
            let conv = Conv2d(16, 32, kernelSize: 3, stride: 2, padding: dilation, dilation: dilation, groups: 2)
            let g = conv.trace(input: [1, 16, 20, 20])
            #expect(g.nodes[1].outputShape == [1, 32, 10, 10])
            #expect(g.macs == 230_400 && g.flops == 460_800)
            #expect(g.params == 32 * 8 * 9 + 32)
        }
    }

    @Test func transposedConvLinearNormAndResizeFlops() {
        // ConvTranspose2d(8 → 4, 2×2, stride 2) on 8×5×5: each input scatters a kernel:
        // MACs = 8·5·5 · 4·2·2 = 3,200.
        #expect(ConvTranspose2d(8, 4, kernelSize: 2, stride: 2).trace(input: [1, 8, 5, 5]).macs == 3_200)
        // Linear(10 → 7) on [3, 10]: 3·10·7 = 210 MACs.
        #expect(Linear(10, 7).trace(input: [3, 10]).macs == 210)
        // BatchNorm on 2×3×4×4 = 96 elements: 2 FLOPs each = 192.
        let bn = BatchNorm2d(3)
        bn.eval()
        #expect(bn.trace(input: [2, 3, 4, 4]).flops == 192)
        // Bilinear ×2 to 1×3×8×8 = 192 outputs: 4 MACs each = 768 MACs, 1,536 FLOPs.
        let up = Upsample(scaleFactor: 2, mode: .bilinear(alignCorners: false))
        let g = up.trace(input: [1, 3, 4, 4])
        #expect(g.macs == 768 && g.flops == 1_536)
        // Max pool 2×2 to 1×3×2×2: 4 comparisons per output = 48 FLOPs, no MACs.
        let p = MaxPool2d(kernelSize: 2).trace(input: [1, 3, 4, 4])
        #expect(p.flops == 48 && p.macs == 0)
    }

    @Test func attentionFlopsAreQuadraticInTokens() {
        // Per matmul: B·heads·N·N·(D/heads) MACs; QKᵀ and AV: 2·N²·D for B = 1.
        // The qkv projection is linear in N: N·D·3D. Softmax: 3 FLOPs per score (heads·N²).
        let dim = 32, heads = 4
        let attn = TestAttention(dim: dim, heads: heads)
        func matmulMacs(_ n: Int) -> Int {
            attn.trace(input: [1, n, dim]).nodes.filter { $0.operation == .matmul }.reduce(0) { $0 + $1.macs }
        }
        #expect(matmulMacs(16) == 2 * 16 * 16 * dim)
        #expect(matmulMacs(64) == 2 * 64 * 64 * dim)
        #expect(matmulMacs(64) == 16 * matmulMacs(16))   // 4× the tokens, 16× the attention
        let g = attn.trace(input: [1, 16, dim])
        #expect(g.nodes.filter { $0.operation == .softmax }.map(\.flops) == [3 * heads * 16 * 16])
        #expect(g.nodes.filter { $0.operation == .linear }.map(\.macs) == [16 * dim * 3 * dim])
        // Swin's windowed attention (linear in N) is not in the engine yet: no Swin test.
    }

    @Test func latencyReportsOrderedStatistics() {
        var calls = 0
        let l = measure(warmup: 2, repeats: 5, images: 4) { calls += 1 }
        #expect(calls == 7 && l.seconds.count == 5)
        #expect(l.min <= l.median && l.median <= l.max && l.threads >= 1)
    }

    @Test func modelLatencyTimesForwardPasses() {
        let l = UNet.book(classes: 4).latency(input: [2, 3, 32, 32], warmup: 1, repeats: 3)
        #expect(l.seconds.count == 3 && l.imagesPerRun == 2 && l.median > 0)
        #expect(abs(l.imagesPerSecond - 2 / l.median) < 1e-9)
    }

    @Test func summaryRowsAndJSONKeys() {
        let model = UNet.book(classes: 4)
        let s = model.summary(input: [1, 3, 32, 32], memory: true)
        #expect(s.rows.count == s.graph.nodes.count - 1)
        #expect(s.graph.params == model.totalParameterCount)
        let json = s.json
        for key in ["params", "trainable_params", "flops", "output_shape", "receptive_field", "memory", "layers"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        let memory = json["memory"] as! [String: Any]
        #expect(memory["peak_forward"] as! Int > 0 && memory["peak_train_step"] as! Int > memory["peak_forward"] as! Int)
        let layer = (json["layers"] as! [[String: Any]])[0]
        #expect(Set(layer.keys) == ["name", "type", "output_shape", "params", "flops", "rf", "jump"])
    }
}
