import Testing
@testable import SegLab

/// Reference numbers are worked out by hand in the comments (mmsegmentation's definitions).
@Suite struct MetricsTests {
    // truth            prediction
    // 0 0 1 1          0 1 1 1
    // 0 2 1 255        0 2 2 0      (255: ignored, its prediction 0 not counted)
    // 0 0 1 1          0 0 1 2
    // with 4 classes: class 3 appears in neither map.
    let truth: [Int32] = [0, 0, 1, 1, 0, 2, 1, 255, 0, 0, 1, 1]
    let prediction: [Int32] = [0, 1, 1, 1, 0, 2, 2, 0, 0, 0, 1, 2]

    @Test func confusionCountsExcludeIgnore() {
        var m = ConfusionMatrix(classes: 4)
        m.add(prediction: prediction, truth: truth)
        // truth 0 (5 px): predicted 0 four times, 1 once; truth 1 (5 px): 1 three times, 2 twice;
        // truth 2 (1 px): 2 once. 11 counted pixels (12 minus the ignored one).
        #expect(m[0, 0] == 4 && m[0, 1] == 1)
        #expect(m[1, 1] == 3 && m[1, 2] == 2)
        #expect(m[2, 2] == 1)
        #expect(m.total == 11)
        #expect(m.labelled == [5, 5, 1, 0])
        #expect(m.predicted == [4, 4, 3, 0])
    }

    @Test func iouAccuracyAndFrequencyWeightedIoU() {
        var m = ConfusionMatrix(classes: 4)
        m.add(prediction: prediction, truth: truth)
        let iou = m.perClassIoU
        // IoU_0 = 4 / (5 + 4 − 4) = 0.8; IoU_1 = 3 / (5 + 4 − 3) = 0.5; IoU_2 = 1 / (1 + 3 − 1) = 1/3;
        // class 3 is in neither map: NaN, and left out of the mean.
        #expect(abs(iou[0] - 0.8) < 1e-12)
        #expect(abs(iou[1] - 0.5) < 1e-12)
        #expect(abs(iou[2] - 1.0 / 3) < 1e-12)
        #expect(iou[3].isNaN)
        // mIoU = (0.8 + 0.5 + 1/3) / 3 = 0.5444…
        #expect(abs(m.meanIoU - (0.8 + 0.5 + 1.0 / 3) / 3) < 1e-12)
        // aAcc = (4 + 3 + 1) / 11
        #expect(abs(m.pixelAccuracy - 8.0 / 11) < 1e-12)
        // Acc: 4/5, 3/5, 1/1, NaN → mAcc = (0.8 + 0.6 + 1) / 3 = 0.8
        #expect(abs(m.meanAccuracy - 0.8) < 1e-12)
        #expect(m.perClassAccuracy[3].isNaN)
        // FWIoU = 5/11 · 0.8 + 5/11 · 0.5 + 1/11 · 1/3 = 6.8333… / 11
        #expect(abs(m.frequencyWeightedIoU - (4 + 2.5 + 1.0 / 3) / 11) < 1e-12)
    }

    @Test func classPredictedButAbsentFromTruthCountsAsZero() {
        // truth 0 0 / 0 0; prediction 0 3 / 0 0; 4 classes.
        var m = ConfusionMatrix(classes: 4)
        m.add(prediction: [0, 3, 0, 0], truth: [0, 0, 0, 0])
        // IoU_0 = 3 / (4 + 3 − 3) = 0.75; IoU_3 = 0 / (0 + 1 − 0) = 0 (in the mean);
        // classes 1 and 2 in neither map: NaN. mIoU = (0.75 + 0) / 2 = 0.375.
        #expect(abs(m.meanIoU - 0.375) < 1e-12)
        #expect(m.perClassIoU[1].isNaN && m.perClassIoU[2].isNaN && m.perClassIoU[3] == 0)
        // Accuracy of class 3 is NaN (no true pixels): mAcc = 3/4.
        #expect(abs(m.meanAccuracy - 0.75) < 1e-12)
    }

    @Test func accumulatesOverImages() {
        var once = ConfusionMatrix(classes: 4)
        once.add(prediction: prediction + prediction, truth: truth + truth)
        var twice = ConfusionMatrix(classes: 4)
        twice.add(prediction: prediction, truth: truth)
        twice.add(prediction: prediction, truth: truth)
        #expect(once == twice)
        #expect(twice.total == 22)
    }

    // Boundary F-score, 4×6, two classes. truth: columns 0–2 class 0, 3–5 class 1.
    // prediction: rows 0–1 split after column 3, rows 2–3 after column 4:
    //   truth          prediction
    //   0 0 0 1 1 1    0 0 0 0 1 1
    //   0 0 0 1 1 1    0 0 0 0 1 1
    //   0 0 0 1 1 1    0 0 0 0 0 1
    //   0 0 0 1 1 1    0 0 0 0 0 1
    let bTruth: [Int32] = Array(repeating: [0, 0, 0, 1, 1, 1] as [Int32], count: 4).flatMap { $0 }
    let bPrediction: [Int32] = [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]

    @Test func boundaryFWithinOnePixel() {
        var f = BoundaryFScore(classes: 2, tolerance: 1)
        f.add(prediction: bPrediction, truth: bTruth, height: 4, width: 6)
        // Class 0: predicted boundary {(0,3), (1,3), (2,4), (3,4)}, true boundary column 2.
        // Within distance 1: (0,3), (1,3) match → P = 2/4; true (0,2), (1,2) match ((2,2) is
        // √2 from (1,3)) → R = 2/4; F = 0.5. Class 1: predicted {(0,4), (1,4), (2,5), (3,5)}, true
        // column 3: the same counts, F = 0.5.
        #expect(f.predictedBoundary == [4, 4] && f.predictedMatched == [2, 2])
        #expect(f.trueBoundary == [4, 4] && f.trueMatched == [2, 2])
        #expect(abs(f.meanF - 0.5) < 1e-12)
        // Within 2 pixels every boundary pixel matches: F = 1.
        var loose = BoundaryFScore(classes: 2, tolerance: 2)
        loose.add(prediction: bPrediction, truth: bTruth, height: 4, width: 6)
        #expect(loose.meanF == 1)
        // Within 0 pixels nothing matches: F = 0.
        var strict = BoundaryFScore(classes: 2, tolerance: 0)
        strict.add(prediction: bPrediction, truth: bTruth, height: 4, width: 6)
        #expect(strict.meanF == 0)
    }

    @Test func boundaryFIgnoresIgnoredPixelsAndAbsentClasses() {
        // The same maps with the truth's last row ignored, and a third class absent from both.
        var truth = bTruth
        for x in 0..<6 { truth[18 + x] = 255 }
        var f = BoundaryFScore(classes: 3, tolerance: 1)
        f.add(prediction: bPrediction, truth: truth, height: 4, width: 6)
        // Class 0: predicted {(0,3), (1,3), (2,4)} ((3,4) is ignored; the ignored row draws no
        // boundary), true {(0,2), (1,2), (2,2)}: P = R = 2/3. Class 1 likewise. Class 2: NaN.
        #expect(f.predictedBoundary == [3, 3, 0] && f.trueBoundary == [3, 3, 0])
        #expect(abs(f.perClassF[0] - 2.0 / 3) < 1e-12 && abs(f.perClassF[1] - 2.0 / 3) < 1e-12)
        #expect(f.perClassF[2].isNaN)
        #expect(abs(f.meanF - 2.0 / 3) < 1e-12)
    }

    @Test func reportAndArgmax() {
        // scores [2 classes, 1×3]: class 1 wins at pixels 1 and 2.
        #expect(argmaxLabels([0.9, 0.1, 0.2, 0.1, 0.8, 0.7], classes: 2) == [0, 1, 1])
        var metrics = SegmentationMetrics(classes: 4, boundaryTolerance: 1)
        metrics.add(prediction: prediction, truth: truth, height: 3, width: 4)
        let report = metrics.report
        #expect(abs(report.miou - (0.8 + 0.5 + 1.0 / 3) / 3) < 1e-12)
        #expect(report.perClassIoU[3].isNaN)
    }
}
