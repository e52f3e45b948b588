import Foundation
import SegDraw

/// One example of every figure type, built from small data computed here.
enum Examples {
    static func trainingCurves() -> LineChart {
        let epochs = (0..<40).map(Double.init)
        func curve(_ a: Double, _ k: Double) -> [Double] { epochs.map { a * (1 - exp(-$0 / k)) } }
        let unet = curve(0.78, 8), fcn = curve(0.71, 6)
        return LineChart(title: "Validation mIoU", x: Axis("epoch"), y: Axis("mIoU", min: 0, max: 1),
                         series: [Series("U-Net", x: epochs, y: unet, low: unet.map { $0 - 0.03 }, high: unet.map { $0 + 0.02 }),
                                  Series("FCN-8s", x: epochs, y: fcn, dash: .dashed)])
    }
    static func scalingCurve() -> LineChart {
        let sizes = [1e5, 3e5, 1e6, 3e6, 1e7, 3e7]
        return LineChart(title: "Loss vs parameters", x: Axis("parameters", scale: .log), y: Axis("loss", scale: .log),
                         series: [Series("SegFormer", x: sizes, y: sizes.map { 3 * pow($0, -0.12) }),
                                  Series("DeepLab v3+", x: sizes, y: sizes.map { 3.4 * pow($0, -0.11) },
                                         low: sizes.map { 3.2 * pow($0, -0.11) }, high: sizes.map { 3.6 * pow($0, -0.11) })],
                         showsMarkers: true)
    }
    static func bars() -> BarChart {
        BarChart(title: "Per-class IoU", categories: ["background", "person", "car", "cat", "very long class name"],
                 series: [Series("FCN-8s", y: [0.91, 0.62, 0.55, 0.58, 0.4], low: [0.9, 0.6, 0.52, 0.55, 0.35], high: [0.92, 0.65, 0.57, 0.6, 0.43]),
                          Series("DeepLab v3+", y: [0.94, 0.78, 0.74, 0.81, 0.6]),
                          Series("SegFormer-B0", y: [0.93, 0.74, 0.70, 0.77, 0.55])],
                 y: Axis("IoU", min: 0, max: 1))
    }
    static func scatter() -> ScatterChart {
        let models: [(String, Double, Double, Int)] = [("FCN-8s", 102, 62.2, 0), ("U-Net", 65, 63.0, 0), ("SegNet", 60, 59.9, 0),
            ("DeepLab v1", 80, 66.4, 0), ("DeepLab v3", 140, 77.2, 0), ("DeepLab v3+", 139, 78.9, 0), ("PSPNet", 150, 78.4, 0),
            ("SETR", 214, 79.3, 1), ("SegFormer-B0", 8.4, 71.9, 1), ("SegFormer-B2", 62, 81.0, 1), ("Segmenter", 180, 79.1, 1), ("Swin-T UPerNet", 237, 80.0, 1)]
        return ScatterChart(title: "mIoU vs compute", x: Axis("GFLOPs", scale: .log), y: Axis("mIoU (%)"),
                            items: models.map { .init(x: $0.1, y: $0.2, label: $0.0, group: $0.3) }, groups: ["CNN", "transformer"])
    }
    static func heat() -> HeatMap {
        let n = 8
        let v = (0..<(n * n)).map { i -> Double in let r = i / n, c = i % n; return exp(-Double((r - c) * (r - c)) / 4) }
        return HeatMap(title: "Attention", values: v, rows: n, cols: n, rowLabels: (0..<n).map { "q\($0)" },
                       colLabels: (0..<n).map { "k\($0)" }, colorBarTitle: "weight", showsValues: true)
    }
    static func erf() -> HeatMap {
        let n = 48
        let v = (0..<(n * n)).map { i -> Double in let r = Double(i / n - n / 2), c = Double(i % n - n / 2); return exp(-(r * r + c * c) / 60) }
        return HeatMap(title: "Effective receptive field", values: v, rows: n, cols: n, colorBarTitle: "|∂y/∂x|")
    }
    static func photo(_ w: Int = 64, _ h: Int = 48) -> RasterImage {
        var rgb = [Float](repeating: 0, count: 3 * w * h)
        for y in 0..<h { for x in 0..<w {
            rgb[y * w + x] = Float(x) / Float(w); rgb[w * h + y * w + x] = Float(y) / Float(h); rgb[2 * w * h + y * w + x] = 0.5
        } }
        return RasterImage(float: rgb, width: w, height: h, layout: .chw)
    }
    static func labels(_ w: Int = 64, _ h: Int = 48, shift: Int = 0) -> [Int32] {
        (0..<(w * h)).map { i in
            let y = i / w, x = i % w
            if (x - 20 - shift) * (x - 20 - shift) + (y - 24) * (y - 24) < 100 { return 15 }
            if x > 40 && y > 20 + shift / 2 { return 7 }
            return 0
        }
    }
    static func grid() -> ImageGrid {
        let img = photo(), gt = labels()
        let cells = [img, RasterImage(labels: gt, width: 64, height: 48), RasterImage(labels: labels(shift: 3), width: 64, height: 48),
                     img.overlaid(labels: labels(shift: 1), alpha: 0.6)]
        return ImageGrid(columnTitles: ["image", "ground truth", "FCN-8s", "U-Net (overlay)"], rows: [cells, cells],
                         rowTitles: ["scene 1", "scene 2"], cellSize: Size(150, 112), classes: [(0, "background"), (7, "car"), (15, "person")])
    }
    /// An attention map (one query's weights over the image) as a heat map and over the image.
    static func attentionOverlay() -> ImageGrid {
        let img = photo()
        let weights = (0..<(64 * 48)).map { i -> Double in
            let x = Double(i % 64 - 20), y = Double(i / 64 - 24); return exp(-(x * x + y * y) / 80) }
        let heat = RasterImage(scalars: weights, width: 64, height: 48)
        return ImageGrid(columnTitles: ["image", "attention of one query", "overlay"],
                         rows: [[img, heat, img.overlaid(with: heat, alpha: 0.6)]], cellSize: Size(200, 150))
    }

    static var figures: [(String, any Figure)] {
        var deeplab = ExampleDiagrams.deeplabv3(); deeplab.depth = 1
        var vit = ExampleDiagrams.vit(); vit.depth = 0
        return [
            ("diagram-unet", ExampleDiagrams.unet()), ("diagram-segnet", ExampleDiagrams.segnet()),
            ("diagram-deeplabv3", deeplab), ("diagram-vit", vit),
            ("line-training", trainingCurves()), ("line-scaling", scalingCurve()), ("bar", bars()), ("scatter", scatter()),
            ("heatmap-attention", heat()), ("heatmap-erf", erf()),
            ("image-photo", photo()), ("image-labels", RasterImage(labels: labels(), width: 64, height: 48)), ("image-grid", grid()), ("attention-overlay", attentionOverlay()),
            ("atrous", AtrousSamplingFigure()),
            ("receptive-field", ReceptiveFieldFigure(layers: ["conv1", "conv2", "pool1", "conv3", "conv4", "pool2", "conv5"],
                                                     fields: [3, 5, 6, 10, 14, 16, 24], inputSize: 32)),
            ("pooling-indices", PoolingIndicesFigure(input: [[1, 5, 2, 0], [3, 2, 8, 4], [7, 1, 3, 3], [0, 6, 9, 2]])),
            ("crop-concat", CropAndConcatFigure(encoder: (channels: 512, size: 64), decoder: (channels: 512, size: 56))),
            ("pyramid-pooling", PyramidPoolingFigure()), ("aspp", ASPPRatesFigure()),
            ("patch-embedding", PatchEmbeddingFigure()), ("swin-windows", SwinWindowsFigure()),
            ("sequence-reduction", SequenceReductionFigure()),
        ]
    }
}
