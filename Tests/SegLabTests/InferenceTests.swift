import SegTensor
import Testing
@testable import SegLab

@Suite struct InferenceTests {
    /// A "model" whose class-0 score is the red channel and class-1 score the pixel's x coordinate
    /// within the crop it is given: sliding windows show through the second class.
    static func model(_ image: Tensor) -> Tensor {
        let (h, w) = (image.shape[2], image.shape[3])
        let red = Array(image.scalars[0..<(h * w)])
        return Tensor(shape: [1, 2, h, w], scalars: red + (0..<(h * w)).map { Float($0 % w) })
    }

    @Test func slidingWindowAveragesOverlaps() {
        // 1×5 image, window 1×3, stride 1×2: windows at x 0–2 and 2–4 (x = 2 is seen twice).
        let image = Tensor(shape: [1, 3, 1, 5], scalars: (0..<15).map(Float.init))
        let scores = Inference.slidingWindow(image, window: (1, 3), stride: (1, 2), model: Self.model)
        #expect(scores.shape == [1, 2, 1, 5])
        // Class 0 (red) is position-independent: unchanged. Class 1: local x in each window;
        // x = 2 is x 2 in the first window and x 0 in the second, averaging 1.
        #expect(Array(scores.scalars[0..<5]) == [0, 1, 2, 3, 4])
        #expect(Array(scores.scalars[5..<10]) == [0, 1, 1, 1, 2])
        // A window larger than the image: padded, then cropped back.
        let big = Inference.slidingWindow(image, window: (2, 8), stride: (2, 8), model: Self.model)
        #expect(Array(big.scalars[5..<10]) == [0, 1, 2, 3, 4])
        #expect(Inference.whole(image, model: Self.model).scalars == Self.model(image).scalars)
    }

    @Test func flipAveragingCancelsAMirrorAsymmetricModel() {
        // With flip, class 1's x-ramp (softmax'ed) is averaged with its mirror: symmetric in x.
        let image = Tensor(shape: [1, 3, 2, 4], repeating: 0.5)
        let p = Inference.multiScaleFlip(image, scales: [1], flip: true) { Inference.whole($0, model: Self.model) }.scalars
        #expect(p.count == 16)
        for y in 0..<2 { for x in 0..<2 { #expect(abs(p[8 + y * 4 + x] - p[8 + y * 4 + 3 - x]) < 1e-6) } }
        // Probabilities sum to 1 per pixel.
        for i in 0..<8 { #expect(abs(p[i] + p[8 + i] - 1) < 1e-5) }
        #expect(Inference.flippedHorizontally(image).scalars == image.scalars)
    }
}
