import SegModels
import Testing

/// Attention cost across input sizes 128…1024: global attention (ViT) grows with the square of the
/// token count, windowed attention (Swin) linearly.
struct TransformerFLOPsTests {
    static let sides = [128, 256, 512, 1024]

    @Test func vitAttentionGrowsQuadratically() {
        let vit = VisionTransformer(.base16)
        let tokens = Self.sides.map { 1 + ($0 / 16) * ($0 / 16) }
        let flops = Self.sides.map { vit.attentionFLOPs(height: $0, width: $0) }
        // f(T) = a·T + b·T² exactly: the cost per token f/T is affine in T with one positive slope b.
        let perToken: [Double] = zip(flops, tokens).map { f, t in Double(f) / Double(t) }
        var slopes: [Double] = []
        for i in 1..<tokens.count {
            let rise: Double = perToken[i] - perToken[i - 1]
            slopes.append(rise / Double(tokens[i] - tokens[i - 1]))
        }
        #expect(slopes.allSatisfy { $0 > 0 })
        #expect(slopes.allSatisfy { abs($0 - slopes[0]) <= 1e-6 * slopes[0] }, "slopes \(slopes)")
        // So the cost per token keeps growing with the token count (3.5× from 128 to 1024 for
        // ViT-B, where the projections' 4d² per token dominate small inputs), unlike Swin's.
        #expect(perToken[3] / perToken[0] > 3, "cost per token \(perToken)")
        print("ViT-B/16 attention FLOPs at \(Self.sides): \(flops)")
    }

    @Test func swinAttentionGrowsLinearly() {
        let swin = SwinTransformer(.tiny)
        let flops = Self.sides.map { swin.attentionFLOPs(height: $0, width: $0) }
        // Cost per token (of the unpadded 4×4-patch grid) does not grow: it only falls as the share of
        // padding to whole 7×7 windows shrinks, staying within a small constant factor.
        let perToken: [Double] = Self.sides.indices.map { i in Double(flops[i]) / Double((Self.sides[i] / 4) * (Self.sides[i] / 4)) }
        for i in 1..<perToken.count { #expect(perToken[i] <= perToken[i - 1], "per-token cost \(perToken)") }
        #expect(perToken[0] / perToken[3] < 2.5, "per-token cost \(perToken)")
        // At 1024, doubling the side costs about 4× (the tokens' growth), not 16×.
        let ratio = Double(flops[3]) / Double(flops[2])
        #expect(ratio > 3.5 && ratio < 4.5, "ratio \(ratio)")
        print("Swin attention FLOPs at \(Self.sides): \(flops)")
    }
}
