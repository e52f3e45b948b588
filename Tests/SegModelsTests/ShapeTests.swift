@testable import SegModels
import SegNN
import SegTensor
import Testing

/// Output shapes per stage, as the papers' figures give them.
@Suite struct ShapeTests {
    @Test func unetFollowsFigure1() {
        // Fig. 1: 572 → 570 → 568 (64), 284 → 280 (128), 140 → 136 (256), 68 → 64 (512),
        // 32 → 28 (1024); up: 56 → 52 (512), 104 → 100 (256), 200 → 196 (128), 392 → 388 (64); 388 × 2.
        let unet = UNet.original()
        let stages = noGrad { unet.eval().stages(Tensor.zeros([1, 1, 572, 572])) }
        let expected: [[Int]] = [
            [1, 64, 568, 568], [1, 128, 280, 280], [1, 256, 136, 136], [1, 512, 64, 64], [1, 1024, 28, 28],
            [1, 512, 52, 52], [1, 256, 100, 100], [1, 128, 196, 196], [1, 64, 388, 388], [1, 2, 388, 388],
        ]
        #expect(stages.map(\.shape) == expected)
    }

    @Test func paddedUNetKeepsTheInputSize() {
        let out = noGrad { UNet.padded().eval()(Tensor.zeros([1, 1, 64, 64])) }
        #expect(out.shape == [1, 2, 64, 64])
    }

    @Test func resnetStrides() {
        // torchvision's replace_stride_with_dilation: stride 32, 16 or 8 at the last stage.
        let x = Tensor.zeros([1, 3, 64, 64])
        for (outputStride, sizes) in [(32, [32, 16, 8, 4, 2]), (16, [32, 16, 8, 4, 4]), (8, [32, 16, 8, 8, 8])] {
            let net = ResNet(ResNet.Config.resnet18.dilated(outputStride: outputStride)).eval()
            let pyramid = noGrad { net(x) }
            #expect(pyramid.levels.map { $0.tensor.shape[2] } == sizes)
            #expect(pyramid.levels.map(\.stride) == sizes.map { 64 / $0 })
            #expect(net.featureInfo.map(\.channels) == [64, 64, 128, 256, 512])
        }
    }

    /// The 3×3 dilations of a stage's blocks (conv2 of each unit).
    private func dilations(_ stage: Sequential) -> [Int] {
        stage.layers.map { block in
            if let b = block as? Bottleneck { return b.conv2.dilation.0 }
            return (block as! BasicBlock).conv1.dilation.0
        }
    }

    @Test func dilationStylesAndMultiGrid() {
        // torchvision, output stride 8: a dilated stage's first block keeps the previous rate.
        let torchvision = ResNet(ResNet.Config.resnet50.dilated(outputStride: 8))
        #expect(dilations(torchvision.layer3) == [1, 2, 2, 2, 2, 2])
        #expect(dilations(torchvision.layer4) == [2, 4, 4])
        #expect(torchvision.layer4[0] is Bottleneck && (torchvision.layer4[0] as! Bottleneck).conv2.stride.0 == 1)
        // smp's make_dilated, output stride 16: every block of layer4 at rate 2.
        let smp = ResNet(ResNet.Config.resnet50.dilated(outputStride: 16, style: .uniform))
        #expect(dilations(smp.layer3) == [1, 1, 1, 1, 1, 1])
        #expect(dilations(smp.layer4) == [2, 2, 2])
        // DeepLab v3's multi-grid (1, 2, 4) at output stride 16: rates 2, 4, 8.
        let multiGrid = ResNet(ResNet.Config.resnet101.dilated(outputStride: 16, multiGrid: [1, 2, 4]))
        #expect(dilations(multiGrid.layer4) == [2, 4, 8])
    }

    @Test func vggPoolsAtStrides2To32() {
        let pyramid = noGrad { VGG.vgg16().eval()(Tensor.zeros([1, 3, 64, 64])) }
        #expect(pyramid.levels.map(\.tensor.shape) == [[1, 64, 32, 32], [1, 128, 16, 16], [1, 256, 8, 8], [1, 512, 4, 4], [1, 512, 2, 2]])
        #expect(pyramid.stride(8).shape == [1, 256, 8, 8])
    }

    @Test func deepLabV1ScoresAtStride8() {
        // DeepLab-LargeFOV on a 321×321 crop: pool1–3 (3×3, stride 2, pad 1) give 161, 81, 41;
        // pool4 and pool5 keep 41.
        let model = DeepLabV1.book(classes: 21).eval()
        let pyramid = noGrad { model.backbone(Tensor.zeros([1, 3, 321, 321])) }
        #expect(pyramid.levels.map { $0.tensor.shape[2] } == [161, 81, 41, 41, 41])
    }

    @Test(arguments: Presets.all.filter(\.isBookSize).map(\.name))
    func bookPresetsGiveLogitsAtInputResolution(name: String) {
        let preset = Presets.named(name)!
        let model = preset.make(classes: 5).eval()
        let out = noGrad { model(Tensor.zeros([2, 3, 64, 64])) }
        #expect(out.shape == [2, 5, 64, 64])
    }

    @Test func fcnCropsBackToTheInputSize() {
        // The Caffe offsets (19, 27, 31) must give the input's size whatever it is.
        for variant in [FCN.Variant.fcn32s, .fcn16s, .fcn8s] {
            for side in [32, 47, 64] {
                let out = noGrad { FCN.book(variant, classes: 3).eval()(Tensor.zeros([1, 3, side, side + 5])) }
                #expect(out.shape == [1, 3, side, side + 5])
            }
        }
    }
}
