import SegModels
import SegNN
import SegTensor

/// Held-out evaluation of a model: each image through `Inference.whole` (or a sliding window when
/// it is larger than `window` on a side), optionally the dense CRF on the logits, then the
/// metrics. The model runs in eval mode under `noGrad`; its mode is restored afterwards.
public enum Evaluation {
    public static func evaluate(_ model: any SegmentationModel, on dataset: any SegmentationDataset, count: Int? = nil,
                                normalization: ImageNormalization = .imageNet, crf: DenseCRF? = nil,
                                window: Int? = nil) throws -> MetricsReport {
        var metrics = SegmentationMetrics(classes: dataset.classCount)
        for index in 0..<min(count ?? dataset.count, dataset.count) {
            let sample = try dataset.sample(index)
            let prediction = predict(model, sample, normalization: normalization, crf: crf, window: window)
            metrics.add(prediction: prediction, truth: sample.label, height: sample.height, width: sample.width)
        }
        return metrics.report
    }

    /// The label map of one sample.
    public static func predict(_ model: any SegmentationModel, _ sample: SegmentationSample,
                               normalization: ImageNormalization = .imageNet, crf: DenseCRF? = nil,
                               window: Int? = nil) -> [Int32] {
        let logits = scores(model, sample, normalization: normalization, window: window)
        if let crf { return crf.labels(logits: logits, image: sample) }
        return argmaxLabels(logits.scalars, classes: logits.shape[1])
    }

    /// The class scores [1, C, H, W] of one sample, in eval mode.
    public static func scores(_ model: any SegmentationModel, _ sample: SegmentationSample,
                              normalization: ImageNormalization = .imageNet, window: Int? = nil) -> Tensor {
        let previous = model.mode
        model.mode = .eval
        defer { model.mode = previous }
        let image = sample.imageTensor(normalization: normalization)
        if let window, sample.height > window || sample.width > window {
            let stride = max(1, window * 2 / 3)
            return Inference.slidingWindow(image, window: (window, window), stride: (stride, stride)) { model.logitsAtAnySize($0) }
        }
        return Inference.whole(image) { model.logitsAtAnySize($0) }
    }
}

/// Label maps ([H·W] class ids, row-major) predicted for `samples`, for mask grids.
public func predict(_ model: any SegmentationModel, _ samples: [SegmentationSample],
                    normalization: ImageNormalization = .imageNet) -> [[Int32]] {
    samples.map { Evaluation.predict(model, $0, normalization: normalization) }
}
