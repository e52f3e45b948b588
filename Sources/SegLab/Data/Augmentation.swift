/// Geometric and photometric transforms of samples. Images are resized bilinearly (pixel centres at
/// +0.5, PyTorch's `align_corners=False`), labels by nearest neighbour, so labels stay class ids.
extension SegmentationSample {
    public func resized(height newHeight: Int, width newWidth: Int) -> SegmentationSample {
        precondition(newHeight > 0 && newWidth > 0, "resized: size \(newHeight)×\(newWidth)")
        let plane = height * width, newPlane = newHeight * newWidth
        var image = [Float](repeating: 0, count: 3 * newPlane)
        var label = [Int32](repeating: 0, count: newPlane)
        let sy = Float(height) / Float(newHeight), sx = Float(width) / Float(newWidth)
        for y in 0..<newHeight {
            let fy = max(0, min(Float(height - 1), (Float(y) + 0.5) * sy - 0.5))
            let y0 = Int(fy), y1 = min(y0 + 1, height - 1), wy = fy - Float(y0)
            let ny = min(Int((Float(y) + 0.5) * sy), height - 1)
            for x in 0..<newWidth {
                let fx = max(0, min(Float(width - 1), (Float(x) + 0.5) * sx - 0.5))
                let x0 = Int(fx), x1 = min(x0 + 1, width - 1), wx = fx - Float(x0)
                for c in 0..<3 {
                    let p = { (yy: Int, xx: Int) in self.image[c * plane + yy * self.width + xx] }
                    image[c * newPlane + y * newWidth + x] =
                        (1 - wy) * ((1 - wx) * p(y0, x0) + wx * p(y0, x1)) + wy * ((1 - wx) * p(y1, x0) + wx * p(y1, x1))
                }
                let nx = min(Int((Float(x) + 0.5) * sx), width - 1)
                label[y * newWidth + x] = self.label[ny * width + nx]
            }
        }
        return SegmentationSample(image: image, label: label, height: newHeight, width: newWidth)
    }

    /// Both sides scaled by `factor` (rounded, at least 1 pixel).
    public func scaled(by factor: Float) -> SegmentationSample {
        resized(height: max(1, Int((Float(height) * factor).rounded())), width: max(1, Int((Float(width) * factor).rounded())))
    }

    /// Padded at the bottom and right (as mmsegmentation's `Pad`) to at least the given size: image
    /// with `imageFill` per channel (0, or the mean), label with `labelFill` (ignore).
    public func padded(toHeight minHeight: Int, width minWidth: Int, imageFill: [Float] = [0, 0, 0],
                       labelFill: Int32 = SegmentationSample.ignoreIndex) -> SegmentationSample {
        let (h, w) = (max(height, minHeight), max(width, minWidth))
        if h == height && w == width { return self }
        var image = [Float](repeating: 0, count: 3 * h * w)
        var label = [Int32](repeating: labelFill, count: h * w)
        for c in 0..<3 {
            for y in 0..<h {
                for x in 0..<w {
                    image[c * h * w + y * w + x] = (y < height && x < width) ? self.image[c * height * width + y * width + x] : imageFill[c]
                }
            }
        }
        for y in 0..<height { for x in 0..<width { label[y * w + x] = self.label[y * width + x] } }
        return SegmentationSample(image: image, label: label, height: h, width: w)
    }

    /// The window of `cropHeight`×`cropWidth` at (top, left), inside the sample.
    public func cropped(top: Int, left: Int, height cropHeight: Int, width cropWidth: Int) -> SegmentationSample {
        precondition(top >= 0 && left >= 0 && top + cropHeight <= height && left + cropWidth <= width,
                     "cropped: window \(cropHeight)×\(cropWidth) at (\(top), \(left)) outside \(height)×\(width)")
        var image = [Float](repeating: 0, count: 3 * cropHeight * cropWidth)
        var label = [Int32](repeating: 0, count: cropHeight * cropWidth)
        for y in 0..<cropHeight {
            for x in 0..<cropWidth {
                let src = (top + y) * width + left + x, dst = y * cropWidth + x
                label[dst] = self.label[src]
                for c in 0..<3 { image[c * cropHeight * cropWidth + dst] = self.image[c * height * width + src] }
            }
        }
        return SegmentationSample(image: image, label: label, height: cropHeight, width: cropWidth)
    }

    /// Mirrored left–right.
    public func flippedHorizontally() -> SegmentationSample {
        var out = self
        for y in 0..<height {
            for x in 0..<width {
                let src = y * width + (width - 1 - x), dst = y * width + x
                out.label[dst] = label[src]
                for c in 0..<3 { out.image[c * height * width + dst] = image[c * height * width + src] }
            }
        }
        return out
    }

    /// Photometric jitter with torchvision's `ColorJitter` definitions (factors, 1 = unchanged):
    /// brightness scales the image; contrast blends with the mean grey level; saturation blends
    /// with the grey image (ITU-R 601 luma). Applied in that order, clamped to [0, 1].
    public func jittered(brightness: Float = 1, contrast: Float = 1, saturation: Float = 1) -> SegmentationSample {
        let plane = height * width
        var img = image.map { min(max($0 * brightness, 0), 1) }
        func grey(_ p: Int) -> Float { 0.299 * img[p] + 0.587 * img[plane + p] + 0.114 * img[2 * plane + p] }
        var meanGrey: Float = 0
        for p in 0..<plane { meanGrey += grey(p) }
        meanGrey /= Float(max(plane, 1))
        for i in img.indices { img[i] = min(max(contrast * img[i] + (1 - contrast) * meanGrey, 0), 1) }
        for p in 0..<plane {
            let g = grey(p)
            for c in 0..<3 { img[c * plane + p] = min(max(saturation * img[c * plane + p] + (1 - saturation) * g, 0), 1) }
        }
        var out = self
        out.image = img
        return out
    }
}

/// The training-time augmentation pipeline, in mmsegmentation's order: random scale, random crop
/// (padding first when the sample is smaller), horizontal flip, photometric jitter. All randomness
/// comes from the generator passed in, so (seed, epoch, index) fixes the result.
public struct Augmentation: Sendable, Equatable {
    /// Scale factor range (uniform), or nil for none.
    public var scaleRange: ClosedRange<Float>?
    /// Crop size (height, width), or nil for none.
    public var cropHeight: Int?
    public var cropWidth: Int?
    /// Pad images with their channel mean (true) or 0 (false); labels always with 255.
    public var padWithMean: Bool
    public var flipProbability: Float
    /// Jitter strengths s: each factor is drawn from [1 − s, 1 + s] (0 = off).
    public var brightness: Float
    public var contrast: Float
    public var saturation: Float

    public init(scaleRange: ClosedRange<Float>? = 0.5...2.0, crop: (height: Int, width: Int)? = nil,
                padWithMean: Bool = false, flipProbability: Float = 0.5,
                brightness: Float = 0, contrast: Float = 0, saturation: Float = 0) {
        self.scaleRange = scaleRange
        cropHeight = crop?.height
        cropWidth = crop?.width
        self.padWithMean = padWithMean
        self.flipProbability = flipProbability
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
    }

    /// No change at all.
    public static let none = Augmentation(scaleRange: nil, flipProbability: 0)

    public func callAsFunction(_ sample: SegmentationSample, using rng: inout SplitMix64) -> SegmentationSample {
        var s = sample
        if let range = scaleRange {
            s = s.scaled(by: rng.uniform(range.lowerBound, range.upperBound))
        }
        if let ch = cropHeight, let cw = cropWidth {
            s = s.padded(toHeight: ch, width: cw, imageFill: padWithMean ? s.channelMean : [0, 0, 0])
            let top = rng.int(in: 0...(s.height - ch)), left = rng.int(in: 0...(s.width - cw))
            s = s.cropped(top: top, left: left, height: ch, width: cw)
        }
        if rng.chance(flipProbability) { s = s.flippedHorizontally() }
        if brightness > 0 || contrast > 0 || saturation > 0 {
            let b = rng.uniform(1 - brightness, 1 + brightness)
            let c = rng.uniform(1 - contrast, 1 + contrast)
            let sat = rng.uniform(1 - saturation, 1 + saturation)
            s = s.jittered(brightness: b, contrast: c, saturation: sat)
        }
        return s
    }

    /// Augments sample `index` of epoch `epoch` from its own stream of `seed`.
    public func callAsFunction(_ sample: SegmentationSample, seed: UInt64, epoch: Int, index: Int) -> SegmentationSample {
        var rng = SplitMix64(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9, stream: UInt64(index))
        return self(sample, using: &rng)
    }
}
