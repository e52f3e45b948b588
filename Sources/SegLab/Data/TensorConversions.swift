import SegTensor

/// Per-channel normalisation applied when images become network input.
public struct ImageNormalization: Sendable, Equatable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == 3 && std.count == 3, "ImageNormalization: 3 means and 3 stds, got \(mean.count) and \(std.count)")
        self.mean = mean
        self.std = std
    }

    /// torchvision's ImageNet statistics, for images in [0, 1] (what pretrained backbones expect).
    public static let imageNet = ImageNormalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    /// No change.
    public static let identity = ImageNormalization(mean: [0, 0, 0], std: [1, 1, 1])

    func apply(_ image: [Float], plane: Int) -> [Float] {
        if self == .identity { return image }
        var out = image
        for i in out.indices {
            let c = (i / plane) % 3
            out[i] = (out[i] - mean[c]) / std[c]
        }
        return out
    }
}

extension SegmentationSample {
    /// The image as [1, 3, H, W].
    public func imageTensor(normalization: ImageNormalization = .identity) -> Tensor {
        Tensor(shape: [1, 3, height, width], scalars: normalization.apply(image, plane: height * width))
    }

    /// The label map as [1, H, W], class ids as Float values (what `crossEntropy(labels:)` takes;
    /// 255 marks ignored pixels).
    public var labelTensor: Tensor { Tensor(shape: [1, height, width], scalars: label.map(Float.init)) }
}

extension SampleBatch {
    /// The images as [N, 3, H, W].
    public func imageTensor(normalization: ImageNormalization = .identity) -> Tensor {
        Tensor(shape: [count, 3, height, width], scalars: normalization.apply(images, plane: height * width))
    }

    /// The label maps as [N, H, W], class ids as Float values.
    public var labelTensor: Tensor { Tensor(shape: [count, height, width], scalars: labels.map(Float.init)) }
}

/// Per-image label maps ([H, W] each) from class scores [N, C, H, W]: the argmax over classes.
public func labelMaps(fromScores scores: Tensor) -> [[Int32]] {
    precondition(scores.rank == 4, "labelMaps: scores \(scores.shape), expected [N, C, H, W]")
    let (n, c, plane) = (scores.shape[0], scores.shape[1], scores.shape[2] * scores.shape[3])
    let values = scores.scalars
    return (0..<n).map { i in argmaxLabels(Array(values[(i * c * plane)..<((i + 1) * c * plane)]), classes: c) }
}

extension SegmentationMetrics {
    /// Adds a batch: predictions are the argmax of `scores` [N, C, H, W], truths the batch's labels.
    public mutating func add(scores: Tensor, truth batch: SampleBatch) {
        precondition(scores.shape.count == 4 && scores.shape[0] == batch.count && scores.shape[2] == batch.height
                     && scores.shape[3] == batch.width,
                     "SegmentationMetrics.add: scores \(scores.shape), batch [\(batch.count), \(batch.height), \(batch.width)]")
        let plane = batch.height * batch.width
        for (i, prediction) in labelMaps(fromScores: scores).enumerated() {
            add(prediction: prediction, truth: Array(batch.labels[(i * plane)..<((i + 1) * plane)]),
                height: batch.height, width: batch.width)
        }
    }
}

extension DenseCRF {
    /// The CRF's label map for one image: `logits` [1, C, H, W] or [C, H, W] from any model, and
    /// the sample whose image they were computed from.
    public func labels(logits: Tensor, image sample: SegmentationSample) -> [Int32] {
        let shape = logits.rank == 4 ? Array(logits.shape.dropFirst()) : logits.shape
        precondition(shape.count == 3 && (logits.rank == 3 || logits.shape[0] == 1)
                     && shape[1] == sample.height && shape[2] == sample.width,
                     "DenseCRF.labels: logits \(logits.shape), image \(sample.height)×\(sample.width)")
        return labels(logits: logits.scalars, classes: shape[0], height: sample.height, width: sample.width,
                      image: sample.image255)
    }
}
