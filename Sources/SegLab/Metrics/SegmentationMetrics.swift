/// Everything `segbook eval` reports, accumulated image by image: the confusion matrix
/// (mmsegmentation's IoU/accuracy definitions) and the boundary F-score.
public struct SegmentationMetrics: Sendable {
    public private(set) var confusion: ConfusionMatrix
    public private(set) var boundary: BoundaryFScore

    public init(classes: Int, boundaryTolerance: Int = 2, ignoreIndex: Int32 = SegmentationSample.ignoreIndex) {
        confusion = ConfusionMatrix(classes: classes, ignoreIndex: ignoreIndex)
        boundary = BoundaryFScore(classes: classes, tolerance: boundaryTolerance, ignoreIndex: ignoreIndex)
    }

    public mutating func add(prediction: [Int32], truth: [Int32], height: Int, width: Int) {
        confusion.add(prediction: prediction, truth: truth)
        boundary.add(prediction: prediction, truth: truth, height: height, width: width)
    }

    public var report: MetricsReport {
        MetricsReport(miou: confusion.meanIoU, perClassIoU: confusion.perClassIoU,
                      pixelAccuracy: confusion.pixelAccuracy, meanAccuracy: confusion.meanAccuracy,
                      fwiou: confusion.frequencyWeightedIoU, boundaryF: boundary.meanF,
                      perClassBoundaryF: boundary.perClassF)
    }
}

/// The numbers `segbook eval --json` prints (NaN, for a class absent from both maps, as null).
public struct MetricsReport: Sendable, Equatable, Encodable {
    public var miou: Double
    public var perClassIoU: [Double]
    public var pixelAccuracy: Double
    public var meanAccuracy: Double
    public var fwiou: Double
    public var boundaryF: Double
    public var perClassBoundaryF: [Double]

    enum CodingKeys: String, CodingKey {
        case miou, perClassIoU = "per_class_iou", pixelAccuracy = "pixel_accuracy", meanAccuracy = "mean_accuracy"
        case fwiou, boundaryF = "boundary_f", perClassBoundaryF = "per_class_boundary_f"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func opt(_ v: Double) -> Double? { v.isNaN ? nil : v }
        try c.encode(opt(miou), forKey: .miou)
        try c.encode(perClassIoU.map(opt), forKey: .perClassIoU)
        try c.encode(opt(pixelAccuracy), forKey: .pixelAccuracy)
        try c.encode(opt(meanAccuracy), forKey: .meanAccuracy)
        try c.encode(opt(fwiou), forKey: .fwiou)
        try c.encode(opt(boundaryF), forKey: .boundaryF)
        try c.encode(perClassBoundaryF.map(opt), forKey: .perClassBoundaryF)
    }
}

/// Per-pixel argmax over classes of scores [C, H, W] (logits or probabilities) → [H, W].
public func argmaxLabels(_ scores: [Float], classes: Int) -> [Int32] {
    precondition(classes > 0 && scores.count % classes == 0, "argmaxLabels: \(scores.count) scores, \(classes) classes")
    let plane = scores.count / classes
    var best = [Int32](repeating: 0, count: plane)
    var bestScore = Array(scores[0..<plane])
    for c in 1..<max(classes, 1) {
        for p in 0..<plane where scores[c * plane + p] > bestScore[p] {
            bestScore[p] = scores[c * plane + p]
            best[p] = Int32(c)
        }
    }
    return best
}
