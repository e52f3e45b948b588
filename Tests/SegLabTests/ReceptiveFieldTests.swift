import Testing
import SegModels
import SegNN
import SegTensor
@testable import SegLab

@Suite struct ReceptiveFieldTests {
    @Test func stackOfThree3x3ConvsSeesSevenPixels() {
        // Each 3×3 conv at stride 1 adds (3 − 1)·1 = 2: 1 + 2 + 2 + 2 = 7; padding 1 keeps start at 0.5.
        let stack = Sequential(Conv2d(1, 4, kernelSize: 3, padding: 1), Conv2d(4, 4, kernelSize: 3, padding: 1),
                               Conv2d(4, 4, kernelSize: 3, padding: 1))
        let g = stack.trace(input: [1, 1, 16, 16])
        let rf = g.outputReceptiveField
        #expect(rf.size == 7 && rf.jump == 1 && rf.start == 0.5)
    }

    @Test func strideMultipliesTheStepOfLaterLayers() {
        // conv 3×3 /2 (pad 1): rf 3, jump 2, start 0.5 + (1 − 1)·1 = 0.5; then conv 3×3: 3 + 2·2 = 7;
        // max pool 2×2 /2: 7 + 1·2 = 9, jump 4, start 0.5 + 0.5·2 = 1.5.
        let stack = Sequential(Conv2d(1, 2, kernelSize: 3, stride: 2, padding: 1), Conv2d(2, 2, kernelSize: 3, padding: 1),
                               MaxPool2d(kernelSize: 2))
        let rf = stack.trace(input: [1, 1, 32, 32]).outputReceptiveField
        #expect(rf.size == 9 && rf.jump == 4 && rf.start == 1.5)
    }

    @Test func dilationWidensTheKernelWithoutChangingTheStep() {
        // Rates 1, 2, 4 on 3×3 kernels: effective kernels 3, 5, 9: 1 + 2 + 4 + 8 = 15, jump 1.
        let stack = Sequential(Conv2d(1, 2, kernelSize: 3, padding: 1), Conv2d(2, 2, kernelSize: 3, padding: 2, dilation: 2),
                               Conv2d(2, 2, kernelSize: 3, padding: 4, dilation: 4))
        let rf = stack.trace(input: [1, 1, 32, 32]).outputReceptiveField
        #expect(rf.size == 15 && rf.jump == 1)
    }

    @Test func deepLabV1LargeFOVSeesFourHundredNineteenPixelsAtFc6() {
        // VGG-16 as DeepLab-LargeFOV (Caffe): step j and field r after each stage,
        //   conv1_1..2 (3×3):            r = 1 + 2 + 2 = 5,            j = 1
        //   pool1 3×3 /2:                r = 5 + 2·1 = 7,              j = 2
        //   conv2_1..2:                  r = 7 + 2·2·2 = 15
        //   pool2 3×3 /2:                r = 15 + 2·2 = 19,            j = 4
        //   conv3_1..3:                  r = 19 + 3·2·4 = 43
        //   pool3 3×3 /2:                r = 43 + 2·4 = 51,            j = 8
        //   conv4_1..3:                  r = 51 + 3·2·8 = 99
        //   pool4 3×3 /1:                r = 99 + 2·8 = 115
        //   conv5_1..3 rate 2 (k_eff 5): r = 115 + 3·4·8 = 211
        //   pool5 3×3 /1:                r = 211 + 2·8 = 227
        //   fc6 3×3 rate 12 (k_eff 25):  r = 227 + 24·8 = 419,         j = 8
        let model = DeepLabV1.vgg16(classes: 21)
        let g = model.trace(input: [1, 3, 64, 64])
        let fields = g.receptiveFields
        let fc6 = g.node(named: "fc6")!
        #expect(fields[fc6.id].height.size == 419)
        #expect(fields[fc6.id].height.jump == 8)
        #expect(fields[fc6.id].width.size == 419)
        // fc7 and fc8 are 1×1: the field stays. Caffe's ceil-mode pools take 64 → 33 → 17 → 9, and
        // the bilinear resize 9 → 64 adds one step of 8 (two taps) and makes the step 8 · 9/64 = 1.125.
        #expect(fields[g.node(named: "fc8")!.id].height.size == 419)
        #expect(g.outputReceptiveField.size == 427 && g.outputReceptiveField.jump == 1.125)
    }

    @Test func effectiveReceptiveFieldIsCentredAndInsideTheTheoreticalOne() {
        let stack = Sequential(Conv2d(1, 2, kernelSize: 3, padding: 1), ReLU(), Conv2d(2, 1, kernelSize: 3, padding: 1))
        let erf = stack.effectiveReceptiveField(input: [1, 1, 15, 15]) { stack($0) }
        #expect(erf.shape == [15, 15])
        // The centre output (7, 7) sees input 5...9 (rf 5): nothing outside, something inside.
        for y in 0..<15 {
            for x in 0..<15 where abs(y - 7) > 2 || abs(x - 7) > 2 { #expect(erf[y, x] == 0) }
        }
        #expect(erf[7, 7] > 0)
    }
}
