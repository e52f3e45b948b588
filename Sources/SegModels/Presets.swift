import SegNN
import SegTensor

/// A named model the CLI and the book can build: `segbook presets`, `--model fcn8s-vgg16`,
/// `Presets.named("unet")`.
public struct Preset: Sendable {
    /// The canonical name (`deeplabv3-resnet50`, `unet-book`).
    public let name: String
    /// The architecture's name as its paper gives it.
    public let architecture: String
    /// Where the structure, names and parameter count come from: a paper or a library call.
    public let reference: String
    public let defaultClasses: Int
    public let defaultInputChannels: Int
    /// A side its reference runs at (572 for U-Net), for summaries and examples.
    public let exampleInputSize: Int
    private let build: @Sendable (_ classes: Int, _ inputChannels: Int) -> any SegmentationModel

    public init(_ name: String, _ architecture: String, reference: String, classes: Int = 21, inputChannels: Int = 3,
                inputSize: Int = 512, _ build: @escaping @Sendable (_ classes: Int, _ inputChannels: Int) -> any SegmentationModel) {
        self.name = name
        self.architecture = architecture
        self.reference = reference
        self.defaultClasses = classes
        self.defaultInputChannels = inputChannels
        self.exampleInputSize = inputSize
        self.build = build
    }

    /// A new model with freshly initialised weights.
    public func make(classes: Int? = nil, inputChannels: Int? = nil) -> any SegmentationModel {
        build(classes ?? defaultClasses, inputChannels ?? defaultInputChannels)
    }

    /// Whether this is a small "book" size (trains on two cores in minutes).
    public var isBookSize: Bool { name.hasSuffix("-book") }
}

/// Every preset, in the book's order. Adding one is one entry here.
public enum Presets {
    public static let all: [Preset] = [
        // Convolutional (issue 5): the references' sizes.
        Preset("fcn32s-vgg16", "FCN-32s", reference: "Long et al. 2015; Caffe voc-fcn32s") { FCN.fcn32s(classes: $0, inputChannels: $1) },
        Preset("fcn16s-vgg16", "FCN-16s", reference: "Long et al. 2015; Caffe voc-fcn16s") { FCN.fcn16s(classes: $0, inputChannels: $1) },
        Preset("fcn8s-vgg16", "FCN-8s", reference: "Long et al. 2015; Caffe voc-fcn8s") { FCN.fcn8s(classes: $0, inputChannels: $1) },
        Preset("fcn-resnet50", "FCN (dilated ResNet-50)", reference: "torchvision fcn_resnet50(num_classes=21, aux_loss=True)") { DilatedFCN.resnet50(classes: $0, inputChannels: $1) },
        Preset("fcn-resnet101", "FCN (dilated ResNet-101)", reference: "torchvision fcn_resnet101(num_classes=21, aux_loss=True)") { DilatedFCN.resnet101(classes: $0, inputChannels: $1) },
        Preset("unet", "U-Net", reference: "Ronneberger et al. 2015", classes: 2, inputChannels: 1, inputSize: 572) { UNet.original(classes: $0, inputChannels: $1) },
        Preset("unet-padded", "U-Net (padded convs)", reference: "Ronneberger et al. 2015, padded", classes: 2, inputChannels: 1) { UNet.padded(classes: $0, inputChannels: $1) },
        Preset("segnet-vgg16", "SegNet", reference: "Badrinarayanan et al. 2017") { SegNet.vgg16(classes: $0, inputChannels: $1) },
        Preset("deeplabv1-vgg16", "DeepLab v1 (LargeFOV)", reference: "Chen et al. 2015") { DeepLabV1.vgg16(classes: $0, inputChannels: $1) },
        Preset("deeplabv2-resnet101", "DeepLab v2 (ASPP-L)", reference: "Chen et al. 2017 (TPAMI)") { DeepLabV2.resnet101(classes: $0, inputChannels: $1) },
        Preset("deeplabv3-resnet50", "DeepLab v3", reference: "torchvision deeplabv3_resnet50(num_classes=21, aux_loss=True)") { DeepLabV3.resnet50(classes: $0, inputChannels: $1) },
        Preset("deeplabv3-resnet101", "DeepLab v3", reference: "torchvision deeplabv3_resnet101(num_classes=21, aux_loss=True)") { DeepLabV3.resnet101(classes: $0, inputChannels: $1) },
        Preset("deeplabv3plus-resnet50", "DeepLab v3+", reference: "smp DeepLabV3Plus(\"resnet50\", classes=21)") { DeepLabV3Plus.resnet50(classes: $0, inputChannels: $1) },
        Preset("pspnet-resnet50", "PSPNet", reference: "Zhao et al. 2017") { PSPNet.resnet50(classes: $0, inputChannels: $1) },

        // Convolutional, book sizes.
        Preset("fcn32s-book", "FCN-32s", reference: "fcn32s-vgg16 at 1/8 width", classes: 4, inputSize: 64) { FCN.book(.fcn32s, classes: $0, inputChannels: $1) },
        Preset("fcn16s-book", "FCN-16s", reference: "fcn16s-vgg16 at 1/8 width", classes: 4, inputSize: 64) { FCN.book(.fcn16s, classes: $0, inputChannels: $1) },
        Preset("fcn8s-book", "FCN-8s", reference: "fcn8s-vgg16 at 1/8 width", classes: 4, inputSize: 64) { FCN.book(.fcn8s, classes: $0, inputChannels: $1) },
        Preset("unet-book", "U-Net", reference: "unet-padded, 8 channels, 3 poolings", classes: 4, inputSize: 64) { UNet.book(classes: $0, inputChannels: $1) },
        Preset("segnet-book", "SegNet", reference: "segnet-vgg16's first 3 blocks at 1/4 width", classes: 4, inputSize: 64) { SegNet.book(classes: $0, inputChannels: $1) },
        Preset("deeplabv1-book", "DeepLab v1 (LargeFOV)", reference: "deeplabv1-vgg16 at 1/8 width", classes: 4, inputSize: 64) { DeepLabV1.book(classes: $0, inputChannels: $1) },
        Preset("deeplabv2-book", "DeepLab v2", reference: "book ResNet (1 basic block per stage, width 8), OS 8", classes: 4, inputSize: 64) { DeepLabV2.book(classes: $0, inputChannels: $1) },
        Preset("deeplabv3-book", "DeepLab v3", reference: "book ResNet, OS 8, 32-channel ASPP", classes: 4, inputSize: 64) { DeepLabV3.book(classes: $0, inputChannels: $1) },
        Preset("deeplabv3plus-book", "DeepLab v3+", reference: "book ResNet, OS 16, 32-channel ASPP", classes: 4, inputSize: 64) { DeepLabV3Plus.book(classes: $0, inputChannels: $1) },
        Preset("pspnet-book", "PSPNet", reference: "book ResNet, OS 8, 32-channel head", classes: 4, inputSize: 64) { PSPNet.book(classes: $0, inputChannels: $1) },

        // Transformers (issue 6): the references' sizes.
        Preset("vit-b16", "ViT-B/16 (features)", reference: "timm vit_base_patch16_224(num_classes=0).forward_features", classes: 768, inputSize: 224) { _, _ in VisionTransformer(.base16) },
        Preset("swin-t-upernet", "Swin-T + UPerNet", reference: "HF UperNetForSemanticSegmentation(UperNetConfig(SwinConfig(embed_dim=96, depths=[2,2,6,2], num_heads=[3,6,12,24]), num_labels=150))", classes: 150) { c, _ in SwinUPerNet.tiny(classes: c) },
        Preset("swin-s-upernet", "Swin-S + UPerNet", reference: "HF UperNetForSemanticSegmentation(UperNetConfig(SwinConfig(embed_dim=96, depths=[2,2,18,2], num_heads=[3,6,12,24]), num_labels=150))", classes: 150) { c, _ in SwinUPerNet.small(classes: c) },
        Preset("swin-b-upernet", "Swin-B + UPerNet", reference: "HF UperNetForSemanticSegmentation(UperNetConfig(SwinConfig(embed_dim=128, depths=[2,2,18,2], num_heads=[4,8,16,32]), num_labels=150, auxiliary_in_channels=512))", classes: 150) { c, _ in SwinUPerNet.base(classes: c) },
        Preset("segformer-b0", "SegFormer-B0", reference: "HF SegformerForSemanticSegmentation(SegformerConfig(mit-b0 sizes, num_labels=150))", classes: 150) { c, _ in SegFormer.b0(classes: c) },
        Preset("segformer-b1", "SegFormer-B1", reference: "HF SegformerForSemanticSegmentation(SegformerConfig(mit-b1 sizes, num_labels=150))", classes: 150) { c, _ in SegFormer.b1(classes: c) },
        Preset("segformer-b2", "SegFormer-B2", reference: "HF SegformerForSemanticSegmentation(SegformerConfig(mit-b2 sizes, num_labels=150))", classes: 150) { c, _ in SegFormer.b2(classes: c) },
        Preset("segformer-b3", "SegFormer-B3", reference: "HF SegformerForSemanticSegmentation(SegformerConfig(mit-b3 sizes, num_labels=150))", classes: 150) { c, _ in SegFormer.b3(classes: c) },
        Preset("segformer-b4", "SegFormer-B4", reference: "HF SegformerForSemanticSegmentation(SegformerConfig(mit-b4 sizes, num_labels=150))", classes: 150) { c, _ in SegFormer.b4(classes: c) },
        Preset("segformer-b5", "SegFormer-B5", reference: "HF SegformerForSemanticSegmentation(SegformerConfig(mit-b5 sizes, num_labels=150))", classes: 150) { c, _ in SegFormer.b5(classes: c) },

        Preset("setr-naive-vitb16", "SETR-Naive (ViT-B/16)", reference: "Zheng et al. 2021; mmsegmentation SETRUPHead (1 conv, ×4)", classes: 150) { c, _ in SETR.vit(.base16, decoder: .naive, classes: c) },
        Preset("setr-pup-vitb16", "SETR-PUP (ViT-B/16)", reference: "Zheng et al. 2021; mmsegmentation SETRUPHead (4 convs, ×2 each)", classes: 150) { c, _ in SETR.vit(.base16, decoder: .pup, classes: c) },
        Preset("setr-mla-vitb16", "SETR-MLA (ViT-B/16)", reference: "Zheng et al. 2021; mmsegmentation MLANeck + SETRMLAHead", classes: 150) { c, _ in SETR.vit(.base16, decoder: .mla, classes: c) },
        Preset("setr-naive-vitl16", "SETR-Naive (ViT-L/16)", reference: "Zheng et al. 2021; mmsegmentation SETRUPHead (1 conv, ×4)", classes: 150) { c, _ in SETR.vit(.large16, decoder: .naive, classes: c) },
        Preset("setr-pup-vitl16", "SETR-PUP (ViT-L/16)", reference: "Zheng et al. 2021; mmsegmentation SETRUPHead (4 convs, ×2 each)", classes: 150) { c, _ in SETR.vit(.large16, decoder: .pup, classes: c) },
        Preset("setr-mla-vitl16", "SETR-MLA (ViT-L/16)", reference: "Zheng et al. 2021; mmsegmentation MLANeck + SETRMLAHead", classes: 150) { c, _ in SETR.vit(.large16, decoder: .mla, classes: c) },
        Preset("segmenter-vits16", "Segmenter (ViT-S/16, mask transformer)", reference: "Strudel et al. 2021, official implementation", classes: 150) { c, _ in Segmenter.vit(.small16, classes: c) },
        Preset("segmenter-vitb16", "Segmenter (ViT-B/16, mask transformer)", reference: "Strudel et al. 2021, official implementation", classes: 150) { c, _ in Segmenter.vit(.base16, classes: c) },

        // Transformers, book sizes.
        Preset("vit-book", "ViT + linear decoder", reference: "2 blocks of width 64, 4×4 patches", classes: 4, inputSize: 32) { c, _ in ViTLinearSegmenter.book(classes: c) },
        Preset("swin-book", "Swin + UPerNet", reference: "embed 16, window 2, UPerNet width 32", classes: 4, inputSize: 32) { c, _ in SwinUPerNet.book(classes: c) },
        Preset("setr-book", "SETR-PUP", reference: "ViT width 64, 4 blocks, 4×4 patches, 32-channel PUP head", classes: 4, inputSize: 32) { c, _ in SETR.book(classes: c) },
        Preset("segmenter-book", "Segmenter", reference: "ViT width 64, 2 blocks, 4×4 patches, 1 decoder layer", classes: 4, inputSize: 32) { c, _ in Segmenter.book(classes: c) },
        Preset("segformer-book", "SegFormer", reference: "MiT widths 16/32/40/64, one block per stage, decoder 32", classes: 4, inputSize: 32) { c, _ in SegFormer.book(classes: c) },
    ]

    /// The preset with this name, or nil.
    public static func named(_ name: String) -> Preset? { all.first { $0.name == name } }

    /// Every preset's name.
    public static var names: [String] { all.map(\.name) }
}
