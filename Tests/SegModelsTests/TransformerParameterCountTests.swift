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
