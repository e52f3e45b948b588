import Testing
@testable import SegLab

@Suite struct AugmentationTests {
    /// 2×3 sample: image channel c at (y, x) = (c + 1)·0.1 + 0.01·(3y + x); label 3y + x.
    let sample = SegmentationSample(
        image: (0..<3).flatMap { c in (0..<6).map { Float(c + 1) * 0.1 + 0.01 * Float($0) } },
        label: [0, 1, 2, 3, 4, 5], height: 2, width: 3)

    @Test func flipMirrorsImageAndLabel() {
        let f = sample.flippedHorizontally()
        #expect(f.label == [2, 1, 0, 5, 4, 3])
        #expect(f.image[0] == sample.image[2] && f.image[6 + 3] == sample.image[6 + 5])
        #expect(f.flippedHorizontally() == sample)
    }

    @Test func resizeIsBilinearForImagesNearestForLabels() {
        // Doubling: output pixel x samples input x/2 − 0.25 (half-pixel centres), so output 1 is
        // 0.75·in0 + 0.25·in1 and output 0 clamps to in0.
        let r = sample.resized(height: 4, width: 6)
        #expect(abs(r.image[0] - sample.image[0]) < 1e-6)
        #expect(abs(r.image[1] - (0.75 * sample.image[0] + 0.25 * sample.image[1])) < 1e-6)
        // Labels are nearest: each input pixel becomes a 2×2 block.
        #expect(r.label == [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 3, 3, 4, 4, 5, 5])
        #expect(sample.scaled(by: 1) == sample)
    }

    @Test func padWithIgnoreAndCrop() {
        let p = sample.padded(toHeight: 3, width: 4, imageFill: [0.5, 0.5, 0.5])
        #expect(p.label == [0, 1, 2, 255, 3, 4, 5, 255, 255, 255, 255, 255])
        #expect(p.image[3] == 0.5 && p.image[0] == sample.image[0])
        let c = p.cropped(top: 1, left: 1, height: 2, width: 2)
        #expect(c.label == [4, 5, 255, 255])
    }

    @Test func jitterFollowsColorJitter() {
        // Brightness 2 doubles (then clamps); saturation 0 gives the grey image.
        let b = sample.jittered(brightness: 2)
        #expect(abs(b.image[0] - 0.2) < 1e-6)
        let g = sample.jittered(saturation: 0)
        #expect(abs(g.image[0] - g.image[6]) < 1e-6 && abs(g.image[6] - g.image[12]) < 1e-6)
        // Contrast 0 gives the mean grey everywhere.
        let flat = sample.jittered(contrast: 0)
        #expect(Set(flat.image).count == 1)
    }

    @Test func pipelineIsSeeded() {
        let scene = Scenes(.shapes, size: 40, seed: 1).sample(0)
        let aug = Augmentation(scaleRange: 0.5...1.5, crop: (32, 32), padWithMean: true, brightness: 0.2,
                               contrast: 0.2, saturation: 0.2)
        let a = aug(scene, seed: 9, epoch: 2, index: 5), b = aug(scene, seed: 9, epoch: 2, index: 5)
        #expect(a == b && a.height == 32 && a.width == 32)
        #expect(aug(scene, seed: 9, epoch: 3, index: 5) != a)
        // Labels stay class ids or ignore.
        #expect(a.label.allSatisfy { ($0 >= 0 && $0 < 6) || $0 == 255 })
        #expect(Augmentation.none(scene, seed: 1, epoch: 0, index: 0) == scene)
    }

    @Test func batchingAndOrder() {
        let scenes = Scenes(.thin, size: 16, seed: 0)
        let batch = SampleBatch([scenes.sample(0), scenes.sample(1)])
        #expect(batch.images.count == 2 * 3 * 16 * 16 && batch.labels.count == 2 * 16 * 16)
        #expect(batch[1] == scenes.sample(1))
        let order = BatchOrder(count: 10, batchSize: 3, seed: 4)
        let epoch0 = order.batches(epoch: 0)
        #expect(epoch0.count == 3 && epoch0.allSatisfy { $0.count == 3 })
        #expect(epoch0 == order.batches(epoch: 0) && epoch0 != order.batches(epoch: 1))
        #expect(Set(epoch0.flatMap { $0 }).count == 9)
        #expect(BatchOrder(count: 10, batchSize: 3, shuffle: false, dropLast: false).batches(epoch: 0).last == [9])
    }
}
