/// Samples of one size stacked on plain arrays: images [N, 3, H, W], labels [N, H, W].
public struct SampleBatch: Sendable, Equatable {
    public var images: [Float]
    public var labels: [Int32]
    public var count: Int
    public var height: Int
    public var width: Int

    public init(_ samples: [SegmentationSample]) {
        precondition(!samples.isEmpty, "SampleBatch: no samples")
        let (h, w) = (samples[0].height, samples[0].width)
        for (i, s) in samples.enumerated() where s.height != h || s.width != w {
            preconditionFailure("SampleBatch: sample \(i) is \(s.height)×\(s.width), sample 0 is \(h)×\(w)")
        }
        images = samples.flatMap(\.image)
        labels = samples.flatMap(\.label)
        count = samples.count
        height = h
        width = w
    }

    /// Sample `i` back out.
    public subscript(i: Int) -> SegmentationSample {
        let plane = height * width
        return SegmentationSample(image: Array(images[(3 * plane * i)..<(3 * plane * (i + 1))]),
                                  label: Array(labels[(plane * i)..<(plane * (i + 1))]), height: height, width: width)
    }
}

/// The order samples are visited in: a seeded shuffle per epoch, cut into batches.
public struct BatchOrder: Sendable {
    public let count: Int
    public let batchSize: Int
    public let seed: UInt64
    public let shuffle: Bool
    /// Drop the last, smaller batch (as training loaders usually do).
    public let dropLast: Bool

    public init(count: Int, batchSize: Int, seed: UInt64 = 0, shuffle: Bool = true, dropLast: Bool = true) {
        precondition(count > 0 && batchSize > 0, "BatchOrder: \(count) samples, batch \(batchSize)")
        self.count = count
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
        self.dropLast = dropLast
    }

    public var batchesPerEpoch: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

    /// The batches (sample indices) of `epoch`; the same (seed, epoch) gives the same batches.
    public func batches(epoch: Int) -> [[Int]] {
        var order = Array(0..<count)
        if shuffle {
            var rng = SplitMix64(seed: seed, stream: UInt64(epoch))
            rng.shuffle(&order)
        }
        return (0..<batchesPerEpoch).map { b in Array(order[(b * batchSize)..<min((b + 1) * batchSize, count)]) }
    }
}
