import SegDraw
import SegLab
import SegModels

// Conveniences that keep chapter cells short: each turns engine results into a figure or a
// table in one call. Everything they show is computed from their arguments.

extension Scenes {
    /// The variant's class colours as SegDraw wants them (255, the ignore index, in white).
    public var classColor: @Sendable (Int) -> Color {
        let palette = self.palette
        return { k in
            guard k >= 0 && k < palette.count else { return Color(r: 1, g: 1, b: 1) }
            return Color(r: Double(palette[k].r) / 255, g: Double(palette[k].g) / 255, b: Double(palette[k].b) / 255)
        }
    }

    /// A grid of the first `count` samples: image above its label map, with the class legend.
    public func gallery(count: Int = 4, cellSize: Double = 120) -> ImageGrid {
        let samples = self.samples(0..<count)
        let color = classColor
        return ImageGrid(columnTitles: samples.indices.map { "sample \($0)" },
                         rows: [samples.map { RasterImage(float: $0.image, width: $0.width, height: $0.height) },
                                samples.map { RasterImage(labels: $0.label, width: $0.width, height: $0.height, color: color) }],
                         rowTitles: ["image", "labels"], cellSize: Size(cellSize, cellSize),
                         classes: Array(classNames.enumerated()).map { ($0.offset, $0.element) }, classColor: color)
    }
}

/// Input | ground truth | each run's prediction, for `count` held-out samples of `scenes`.
public func predictionGrid(_ runs: [TrainingResult], on scenes: Scenes, count: Int = 3, cellSize: Double = 110) -> ImageGrid {
    let samples = scenes.validation.samples(0..<count)
    let color = scenes.classColor
    let predictions = runs.map { predict($0.model, samples) }
    let rows = samples.indices.map { i -> [RasterImage] in
        let s = samples[i]
        return [RasterImage(float: s.image, width: s.width, height: s.height),
                RasterImage(labels: s.label, width: s.width, height: s.height, color: color)]
            + predictions.map { RasterImage(labels: $0[i], width: s.width, height: s.height, color: color) }
    }
    return ImageGrid(columnTitles: ["image", "truth"] + runs.map { $0.preset ?? "model" }, rows: rows,
                     cellSize: Size(cellSize, cellSize),
                     classes: Array(scenes.classNames.enumerated()).map { ($0.offset, $0.element) }, classColor: color)
}

/// Training-loss curves of several runs on one chart.
public func lossCurves(_ runs: [TrainingResult], title: String? = nil) -> LineChart {
    LineChart(title: title, x: Axis("step"), y: Axis("training loss", scale: .log),
              series: runs.map { Series($0.preset ?? "model", y: $0.losses.map(Double.init)) })
}

extension Int {
    /// A count in millions with two decimals: `31.03 M`.
    public var millions: String { String(format: "%.2f M", Double(self) / 1e6) }
    /// A FLOP count in GFLOPs with one decimal.
    public var gflops: String { String(format: "%.1f GFLOPs", Double(self) / 1e9) }
    /// A byte count in MiB with one decimal.
    public var mib: String { String(format: "%.1f MiB", Double(self) / 1_048_576) }
}
