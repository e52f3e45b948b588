import Testing
import SegModels
@testable import SegLab

/// Our FLOP counts against fvcore's for the torchvision models our presets reproduce, at 1×3×256×256.
/// Figures from tools/reference/flops_reference.py (torchvision, aux_loss=True as our presets; fvcore
/// 0.1.5). fvcore's units per operator: convolution in multiply-adds (our conv `macs`), eval batch
/// norm 2 per element (our `flops`), bilinear upsampling 4 per output (our `macs`), adaptive average
/// pooling 1 per input element (our `flops`).
@Suite struct ProfileReferenceTests {
    struct Reference {
        var preset: String, params: Int, conv: Int, batchNorm: Int, bilinear: Int, adaptivePool: Int
    }

    static let references = [
        Reference(preset: "fcn-resnet50", params: 35_322_218, conv: 37_013_422_080, batchNorm: 67_371_008,
                  bilinear: 11_010_048, adaptivePool: 0),
        Reference(preset: "deeplabv3-resnet50", params: 42_004_074, conv: 43_316_674_560, batchNorm: 69_468_672,
                  bilinear: 12_058_624, adaptivePool: 2_097_152),
    ]

    @Test(arguments: references.map(\.preset))
    func operatorTotalsEqualFvcore(preset: String) {
        let ref = Self.references.first { $0.preset == preset }!
        let g = Presets.named(preset)!.make().trace(input: [1, 3, 256, 256])
        func sum(_ pick: (ModelGraph.Node) -> Int?) -> Int { g.nodes.compactMap(pick).reduce(0, +) }
        #expect(g.params == ref.params)
        #expect(sum { if case .conv = $0.operation { $0.macs } else { nil } } == ref.conv)
        #expect(sum { $0.operation == .batchNorm ? $0.flops : nil } == ref.batchNorm)
        #expect(sum { $0.operation == .resample(mode: "bilinear") ? $0.macs : nil } == ref.bilinear)
        #expect(sum { $0.operation == .adaptiveAvgPool ? $0.flops : nil } == ref.adaptivePool)
    }
}
