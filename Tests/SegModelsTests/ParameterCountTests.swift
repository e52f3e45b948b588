import SegModels
import SegNN
import Testing

/// Parameters of a k×k conv from i to o channels (with or without bias), and of a batch norm.
private func conv(_ i: Int, _ o: Int, k: Int = 3, bias: Bool = true) -> Int { i * o * k * k + (bias ? o : 0) }
private func bn(_ c: Int) -> Int { 2 * c }

/// VGG-16's 13 convs (Simonyan & Zisserman, Table 1, configuration D).
private let vgg16Convs = conv(3, 64) + conv(64, 64) + conv(64, 128) + conv(128, 128)
    + conv(128, 256) + 2 * conv(256, 256) + conv(256, 512) + 5 * conv(512, 512)
/// ... and the BN after each of them (VGG-16-BN).
private let vgg16BNs = bn(64) * 2 + bn(128) * 2 + bn(256) * 3 + bn(512) * 6

private func count(_ preset: String) -> Int { Presets.named(preset)!.make().parameterCount }

@Suite struct BackboneParameterCounts {
    // The numbers tools/reference/make_cnn_fixtures.py printed: torchvision.models.X(weights=None)
    // without its ImageNet head (fc / classifier).
    @Test func resnets() {
        #expect(ResNet.resnet18().parameterCount == 11_176_512)
        #expect(ResNet.resnet34().parameterCount == 21_284_672)
        #expect(ResNet.resnet50().parameterCount == 23_508_032)
        #expect(ResNet.resnet101().parameterCount == 42_500_160)
    }

    @Test func vggs() {
        #expect(VGG.vgg16().parameterCount == 14_714_688)
        #expect(vgg16Convs == 14_714_688)
        #expect(VGG.vgg16BN().parameterCount == 14_723_136)
        #expect(vgg16Convs + vgg16BNs == 14_723_136)
    }

    @Test func dilationKeepsTheCount() {
        #expect(ResNet(ResNet.Config.resnet50.dilated(outputStride: 8)).parameterCount == 23_508_032)
    }
}

@Suite struct LibraryPresetParameterCounts {
    @Test func fcnResNet() {
        // torchvision.models.segmentation.fcn_resnet50(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)
        #expect(count("fcn-resnet50") == 35_322_218)
        // torchvision.models.segmentation.fcn_resnet101(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)
        #expect(count("fcn-resnet101") == 54_314_346)
    }

    @Test func deepLabV3() {
        // torchvision.models.segmentation.deeplabv3_resnet50(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)
        #expect(count("deeplabv3-resnet50") == 42_004_074)
        // torchvision.models.segmentation.deeplabv3_resnet101(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)
        #expect(count("deeplabv3-resnet101") == 60_996_202)
    }

    @Test func deepLabV3Plus() {
        // segmentation_models_pytorch.DeepLabV3Plus("resnet50", encoder_weights=None, classes=21)
        #expect(count("deeplabv3plus-resnet50") == 26_682_725)
    }
}

@Suite struct PaperPresetParameterCounts {
    // FCN (Long et al. 2015) as the official Caffe models: VGG-16's convs, fc6 (7×7, 4096),
    // fc7 (1×1, 4096), score_fr, the skips' score layers, and bias-free transposed convs of
    // kernel 2f and stride f for each f× upsampling. Table 1's "134M" for FCN-VGG16 is the
    // classifier net without the upsampling: 134,346,581.
    static let fcnCommon = vgg16Convs + conv(512, 4096, k: 7) + conv(4096, 4096, k: 1) + conv(4096, 21, k: 1)
    static func upsampling(_ f: Int) -> Int { conv(21, 21, k: 2 * f, bias: false) }

    @Test func fcn32s() {
        #expect(Self.fcnCommon == 134_346_581)
        #expect(count("fcn32s-vgg16") == Self.fcnCommon + Self.upsampling(32))   // upscore
        #expect(count("fcn32s-vgg16") == 136_152_917)
    }

    @Test func fcn16s() {
        let expected = Self.fcnCommon + Self.upsampling(2) + conv(512, 21, k: 1) + Self.upsampling(16)
        #expect(count("fcn16s-vgg16") == expected)          // upscore2, score_pool4, upscore16
    }

    @Test func fcn8s() {
        let expected = Self.fcnCommon + Self.upsampling(2) + conv(512, 21, k: 1) + Self.upsampling(2)
            + conv(256, 21, k: 1) + Self.upsampling(8)      // upscore2, score_pool4, upscore_pool4, score_pool3, upscore8
        #expect(count("fcn8s-vgg16") == expected)
    }

    // U-Net (Ronneberger et al. 2015, Fig. 1): two 3×3 convs per level (64 ... 1024), 2×2
    // up-convs halving the channels, two 3×3 convs after each concatenation, a 1×1 conv to 2
    // classes. Padding changes no parameter.
    static let unet: Int = {
        let widths = [64, 128, 256, 512, 1024]
        var total = conv(1, 64) + conv(64, 64)
        for i in 1..<5 { total += conv(widths[i - 1], widths[i]) + conv(widths[i], widths[i]) }
        for i in (1..<5).reversed() {
            total += conv(widths[i], widths[i - 1], k: 2)                                     // up-conv
            total += conv(2 * widths[i - 1], widths[i - 1]) + conv(widths[i - 1], widths[i - 1])
        }
        return total + conv(64, 2, k: 1)
    }()

    @Test func unet() {
        #expect(Self.unet == 31_030_658)
        #expect(count("unet") == Self.unet)
        #expect(count("unet-padded") == Self.unet)
    }

    // SegNet (Badrinarayanan et al. 2017): VGG-16-BN's encoder, a mirrored decoder of 3×3 conv +
    // BN per encoder conv (the last of each stage narrowing to the next stage's width; the first
    // stage's last conv is the classifier), Table 6's "29.5M".
    @Test func segnet() {
        let decoder = 3 * (conv(512, 512) + bn(512))
            + 2 * (conv(512, 512) + bn(512)) + conv(512, 256) + bn(256)
            + 2 * (conv(256, 256) + bn(256)) + conv(256, 128) + bn(128)
            + (conv(128, 128) + bn(128)) + conv(128, 64) + bn(64)
            + (conv(64, 64) + bn(64)) + conv(64, 21)
        #expect(count("segnet-vgg16") == vgg16Convs + vgg16BNs + decoder)
        #expect((29_400_000..<29_500_000).contains(count("segnet-vgg16")))
    }

    // DeepLab-LargeFOV (Chen et al. 2015): VGG-16's convs, fc6 3×3 with 1024 channels, fc7 1×1,
    // fc8 to 21 classes: "20.5M" (Table 2 of the paper, DeepLab-LargeFOV).
    @Test func deeplabV1() {
        let expected = vgg16Convs + conv(512, 1024) + conv(1024, 1024, k: 1) + conv(1024, 21, k: 1)
        #expect(expected == 20_505_429)
        #expect(count("deeplabv1-vgg16") == expected)
    }

    // DeepLab v2 (Chen et al. 2017): ResNet-101 (torchvision's count without fc, 42,500,160) and
    // four 3×3 atrous classifiers with bias.
    @Test func deeplabV2() {
        #expect(count("deeplabv2-resnet101") == 42_500_160 + 4 * conv(2048, 21))
    }

    // PSPNet (Zhao et al. 2017) on ResNet-50 (23,508,032): four 1×1 convs 2048 → 512 + BN, a
    // 3×3 conv (2048 + 4·512 → 512) + BN, a 1×1 classifier; aux: 3×3 conv 1024 → 256 + BN, 1×1
    // classifier.
    @Test func pspnet() {
        let ppm = 4 * (conv(2048, 512, k: 1, bias: false) + bn(512))
        let head = conv(4096, 512, bias: false) + bn(512) + conv(512, 21, k: 1)
        let aux = conv(1024, 256, bias: false) + bn(256) + conv(256, 21, k: 1)
        #expect(count("pspnet-resnet50") == 23_508_032 + ppm + head + aux)
    }
}
