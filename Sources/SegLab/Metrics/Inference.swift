import SegTensor

/// Test-time inference around any model, as mmsegmentation's `EncoderDecoder` does it: whole-image
/// or sliding-window, and multi-scale + flip augmentation. The model maps an image [1, 3, h, w] to
/// class scores [1, C, h', w']; scores are resized back to the input size bilinearly. Runs under
/// `noGrad`.
public enum Inference {
    /// Scores [1, C, H, W] for the whole image at once.
    public static func whole(_ image: Tensor, model: (Tensor) -> Tensor) -> Tensor {
        precondition(image.rank == 4 && image.shape[0] == 1, "Inference.whole: image \(image.shape), expected [1, 3, H, W]")
        return noGrad {
            let scores = model(image)
            let (h, w) = (image.shape[2], image.shape[3])
            return scores.shape[2] == h && scores.shape[3] == w ? scores : scores.resized(to: (h, w))
        }
    }

    /// Scores [1, C, H, W] from overlapping `window` crops taken every `stride` pixels, averaged
    /// where they overlap (mmsegmentation's `slide_inference`: the last window in each direction
    /// is moved back to end at the border; images smaller than the window are padded with 0).
    public static func slidingWindow(_ image: Tensor, window: (height: Int, width: Int), stride: (height: Int, width: Int),
                                     model: (Tensor) -> Tensor) -> Tensor {
        precondition(image.rank == 4 && image.shape[0] == 1, "Inference.slidingWindow: image \(image.shape), expected [1, 3, H, W]")
        precondition(window.height > 0 && window.width > 0 && stride.height > 0 && stride.width > 0,
                     "Inference.slidingWindow: window \(window), stride \(stride)")
        let (h, w) = (image.shape[2], image.shape[3])
        let pixels = image.scalars
        let rows = max(h - window.height + stride.height - 1, 0) / stride.height + 1
        let cols = max(w - window.width + stride.width - 1, 0) / stride.width + 1
        var sum: [Float] = [], count = [Float](repeating: 0, count: h * w)
        var classes = 0
        noGrad {
            for r in 0..<rows {
                for c in 0..<cols {
                    let y2 = min(r * stride.height + window.height, h), x2 = min(c * stride.width + window.width, w)
                    let y1 = max(y2 - window.height, 0), x1 = max(x2 - window.width, 0)
                    let (ch, cw) = (max(y2 - y1, window.height), max(x2 - x1, window.width))
                    // The crop, padded at the bottom/right to the window when the image is smaller.
                    var crop = [Float](repeating: 0, count: 3 * ch * cw)
                    for k in 0..<3 {
                        for y in y1..<y2 {
                            for x in x1..<x2 { crop[k * ch * cw + (y - y1) * cw + (x - x1)] = pixels[k * h * w + y * w + x] }
                        }
                    }
                    var scores = model(Tensor(shape: [1, 3, ch, cw], scalars: crop))
                    if scores.shape[2] != ch || scores.shape[3] != cw { scores = scores.resized(to: (ch, cw)) }
                    if classes == 0 {
                        classes = scores.shape[1]
                        sum = [Float](repeating: 0, count: classes * h * w)
                    }
                    let s = scores.scalars
                    for k in 0..<classes {
                        for y in y1..<y2 {
                            for x in x1..<x2 { sum[k * h * w + y * w + x] += s[k * ch * cw + (y - y1) * cw + (x - x1)] }
                        }
                    }
                    for y in y1..<y2 { for x in x1..<x2 { count[y * w + x] += 1 } }
                }
            }
        }
        for k in 0..<classes { for p in 0..<(h * w) { sum[k * h * w + p] /= count[p] } }
        return Tensor(shape: [1, classes, h, w], scalars: sum)
    }

    /// Class probabilities [1, C, H, W] averaged over `scales` (image resized by each factor) and,
    /// with `flip`, over horizontally mirrored copies (mmsegmentation's `aug_test`, which averages
    /// softmax outputs). `infer` is `whole` or a `slidingWindow` with the model bound.
    public static func multiScaleFlip(_ image: Tensor, scales: [Float] = [0.5, 0.75, 1, 1.25, 1.5, 1.75], flip: Bool = true,
                                      infer: (Tensor) -> Tensor) -> Tensor {
        precondition(!scales.isEmpty, "Inference.multiScaleFlip: no scales")
        let (h, w) = (image.shape[2], image.shape[3])
        var total: [Float] = []
        var runs = 0
        noGrad {
            for scale in scales {
                let size = (max(1, Int((Float(h) * scale).rounded())), max(1, Int((Float(w) * scale).rounded())))
                let scaled = size == (h, w) ? image : image.resized(to: size)
                for mirrored in flip ? [false, true] : [false] {
                    let input = mirrored ? flippedHorizontally(scaled) : scaled
                    var probabilities = infer(input).softmax(axis: 1)
                    if mirrored { probabilities = flippedHorizontally(probabilities) }
                    if probabilities.shape[2] != h || probabilities.shape[3] != w { probabilities = probabilities.resized(to: (h, w)) }
                    let p = probabilities.scalars
                    if total.isEmpty { total = p } else { for i in total.indices { total[i] += p[i] } }
                    runs += 1
                }
            }
        }
        return Tensor(shape: [1, total.count / (h * w), h, w], scalars: total.map { $0 / Float(runs) })
    }

    /// A [N, C, H, W] tensor mirrored along W.
    public static func flippedHorizontally(_ t: Tensor) -> Tensor {
        precondition(t.rank == 4, "Inference.flippedHorizontally: \(t.shape), expected [N, C, H, W]")
        let w = t.shape[3]
        let s = t.scalars
        var out = s
        for row in 0..<(s.count / w) {
            for x in 0..<w { out[row * w + x] = s[row * w + (w - 1 - x)] }
        }
        return Tensor(shape: t.shape, scalars: out)
    }
}
