import SegModels
import SegNN
import Testing

/// Parameter counts of the transformer presets. Library numbers were printed by
/// tools/reference/make_transformer_fixtures.py (`sum(p.numel() for p in model.parameters())`);
/// paper presets are counted by arithmetic written next to the assertion.
struct TransformerParameterCountTests {
    /// (preset, the library's count, the call that printed it)
    static let library: [(String, Int, String)] = [
        ("vit-b16", 85_798_656, "timm.create_model('vit_base_patch16_224', num_classes=0)"),
        ("swin-t-upernet", 59_943_398, "UperNetForSemanticSegmentation(UperNetConfig(SwinConfig(embed_dim=96, depths=[2,2,6,2], num_heads=[3,6,12,24]), num_labels=150, auxiliary_in_channels=384))"),
        ("swin-s-upernet", 81_261_302, "UperNetForSemanticSegmentation(UperNetConfig(SwinConfig(embed_dim=96, depths=[2,2,18,2], num_heads=[3,6,12,24]), num_labels=150, auxiliary_in_channels=384))"),
        ("swin-b-upernet", 121_281_764, "UperNetForSemanticSegmentation(UperNetConfig(SwinConfig(embed_dim=128, depths=[2,2,18,2], num_heads=[4,8,16,32]), num_labels=150, auxiliary_in_channels=512))"),
        ("segformer-b0", 3_752_694, "SegformerForSemanticSegmentation(SegformerConfig(hidden_sizes=[32,64,160,256], depths=[2,2,2,2], decoder_hidden_size=256, num_labels=150))"),
        ("segformer-b1", 13_715_798, "SegformerForSemanticSegmentation(SegformerConfig(hidden_sizes=[64,128,320,512], depths=[2,2,2,2], decoder_hidden_size=256, num_labels=150))"),
        ("segformer-b2", 27_461_974, "SegformerForSemanticSegmentation(SegformerConfig(hidden_sizes=[64,128,320,512], depths=[3,4,6,3], decoder_hidden_size=768, num_labels=150))"),
        ("segformer-b3", 47_337_814, "SegformerForSemanticSegmentation(SegformerConfig(hidden_sizes=[64,128,320,512], depths=[3,4,18,3], decoder_hidden_size=768, num_labels=150))"),
        ("segformer-b4", 64_108_374, "SegformerForSemanticSegmentation(SegformerConfig(hidden_sizes=[64,128,320,512], depths=[3,8,27,3], decoder_hidden_size=768, num_labels=150))"),
        ("segformer-b5", 84_708_694, "SegformerForSemanticSegmentation(SegformerConfig(hidden_sizes=[64,128,320,512], depths=[3,6,40,3], decoder_hidden_size=768, num_labels=150))"),
    ]

    @Test(arguments: library.map(\.0))
    func libraryPresetsCountLikeTheLibrary(preset: String) throws {
        let (_, expected, call) = Self.library.first { $0.0 == preset }!
        let model = try #require(Presets.named(preset)).make()
        #expect(model.parameterCount == expected, "\(preset): ours \(model.parameterCount), \(call) has \(expected)")
    }
}

/// Paper-referenced presets, counted by arithmetic from their definitions.
struct TransformerArithmeticCountTests {
    /// A ViT of width d, depth l, on a g×g patch grid (16×16 patches of 3 channels): class token d,
    /// positions (1 + g²)d, patch conv 768d + d, per block two norms 4d, qkv 3d² + 3d, proj d² + d,
    /// MLP 4d² + 4d + 4d² + d = 12d² + 13d; a final norm 2d where there is one.
    static func vit(d: Int, l: Int, g: Int, finalNorm: Bool) -> Int {
        d + (1 + g * g) * d + (16 * 16 * 3 * d + d) + l * (12 * d * d + 13 * d) + (finalNorm ? 2 * d : 0)
    }
    static func convBN(_ i: Int, _ o: Int, k: Int) -> Int { i * o * k * k + 2 * o }

    @Test func setr() throws {
        let c = 150
        for (name, d, l) in [("vitb16", 768, 12), ("vitl16", 1024, 24)] {
            let encoder = Self.vit(d: d, l: l, g: 32, finalNorm: false)      // 512×512 input, no final norm (mmseg)
            let naive = 2 * d + Self.convBN(d, 256, k: 1) + (256 * c + c)
            let pup = 2 * d + Self.convBN(d, 256, k: 3) + 3 * Self.convBN(256, 256, k: 3) + (256 * c + c)
            let neck = 4 * 2 * d + 4 * Self.convBN(d, 256, k: 1) + 4 * Self.convBN(256, 256, k: 3)
            let mla = neck + 4 * (Self.convBN(256, 128, k: 3) + Self.convBN(128, 128, k: 3)) + (512 * c + c)
            for (decoder, head) in [("naive", naive), ("pup", pup), ("mla", mla)] {
                let model = try #require(Presets.named("setr-\(decoder)-\(name)")).make()
                #expect(model.parameterCount == encoder + head, "setr-\(decoder)-\(name)")
                print("setr-\(decoder)-\(name): \(model.parameterCount) (arithmetic \(encoder + head))")
            }
        }
    }

    @Test func segmenter() throws {
        let c = 150
        for (name, d) in [("vits16", 384), ("vitb16", 768)] {
            let encoder = Self.vit(d: d, l: 12, g: 32, finalNorm: true)       // 512×512 input
            // proj_dec d² + d, two blocks, class embeddings c·d, proj_patch and proj_classes d² each,
            // decoder norm 2d, mask norm 2c.
            let decoder = (d * d + d) + 2 * (12 * d * d + 13 * d) + c * d + 2 * d * d + 2 * d + 2 * c
            let model = try #require(Presets.named("segmenter-\(name)")).make()
            #expect(model.parameterCount == encoder + decoder, "segmenter-\(name)")
            print("segmenter-\(name): \(model.parameterCount) (arithmetic \(encoder + decoder))")
        }
    }
}
