/// One segmentation example on plain arrays: an RGB image [3, H, W] with values in [0, 1] and a
/// label map [H, W] of class ids, where `ignoreIndex` (255) marks pixels excluded from losses and
/// metrics.
public struct SegmentationSample: Sendable, Equatable {
    /// Channel-major RGB, [3, height, width], values in [0, 1].
    public var image: [Float]
    /// Row-major class ids, [height, width]; `ignoreIndex` = not labelled.
    public var label: [Int32]
    public var height: Int
    public var width: Int

    /// The label of pixels that count for nothing (Pascal VOC's and Cityscapes' 255).
    public static let ignoreIndex: Int32 = 255

    public init(image: [Float], label: [Int32], height: Int, width: Int) {
        precondition(image.count == 3 * height * width,
                     "SegmentationSample: image has \(image.count) values, expected [3, \(height), \(width)]")
        precondition(label.count == height * width,
                     "SegmentationSample: label has \(label.count) values, expected [\(height), \(width)]")
        self.image = image
        self.label = label
        self.height = height
        self.width = width
    }

    /// The image on the 0–255 scale, [3, H, W] (what the dense CRF's colour kernel expects).
    public var image255: [Float] { image.map { $0 * 255 } }

    /// Interleaved 8-bit RGB, [H, W, 3] (what PNG files hold).
    public var imageBytes: [UInt8] {
        let plane = height * width
        var bytes = [UInt8](repeating: 0, count: 3 * plane)
        for p in 0..<plane {
            for c in 0..<3 {
                bytes[3 * p + c] = UInt8((min(max(image[c * plane + p], 0), 1) * 255).rounded())
            }
        }
        return bytes
    }

    /// A sample from interleaved 8-bit RGB, [H, W, 3].
    public init(imageBytes bytes: [UInt8], label: [Int32], height: Int, width: Int) {
        let plane = height * width
        precondition(bytes.count == 3 * plane, "SegmentationSample: \(bytes.count) bytes, expected [\(height), \(width), 3]")
        var image = [Float](repeating: 0, count: 3 * plane)
        for p in 0..<plane {
            for c in 0..<3 { image[c * plane + p] = Float(bytes[3 * p + c]) / 255 }
        }
        self.init(image: image, label: label, height: height, width: width)
    }

    /// Per-channel mean of the image (the "mean" padding value for crops).
    public var channelMean: [Float] {
        let plane = height * width
        return (0..<3).map { c in
            var sum: Double = 0
            for p in 0..<plane { sum += Double(image[c * plane + p]) }
            return Float(sum / Double(max(plane, 1)))
        }
    }
}

/// An 8-bit sRGB colour (palettes, PNG files).
public struct RGB8: Sendable, Hashable, CustomStringConvertible {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public var description: String { "(\(r), \(g), \(b))" }
}

/// A colour for each class id; ids outside the palette (255, ignore) get `ignoreColor`.
public func colorize(label: [Int32], palette: [RGB8], ignoreColor: RGB8 = RGB8(224, 224, 192)) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 3 * label.count)
    for (p, id) in label.enumerated() {
        let color = (id >= 0 && Int(id) < palette.count) ? palette[Int(id)] : ignoreColor
        bytes[3 * p] = color.r; bytes[3 * p + 1] = color.g; bytes[3 * p + 2] = color.b
    }
    return bytes
}
