import SegModels
import SegNN
import SegTensor
import Testing

/// Output shapes of the transformer models at sizes other than their training size.
struct TransformerShapeTests {
    @Test(arguments: [SETR.Decoder.naive, .pup, .mla])
    func setrDecodersGiveLogitsAtInputResolution(decoder: SETR.Decoder) {
        let model = SETR.book(decoder: decoder, classes: 3).eval()
        for (h, w) in [(32, 32), (48, 40)] {
            let out = noGrad { model(Tensor.zeros([1, 3, h, w])) }
            #expect(out.shape == [1, 3, h, w])
        }
    }

    @Test func segmenterMasksAtInputResolution() {
        let out = noGrad { Segmenter.book(classes: 3).eval()(Tensor.zeros([1, 3, 48, 40])) }
        #expect(out.shape == [1, 3, 48, 40])
    }

    @Test func swinPyramidHasStrides4To32AndPadsOddSizes() {
        let swin = SwinTransformer(.init(embedDim: 8, depths: [2, 2, 2, 2], heads: [1, 1, 2, 2], windowSize: 7)).eval()
        // 100×60: 25×15 tokens (padded to 28×21 in the blocks), merged to 13×8, 7×4, 4×2.
        let pyramid = noGrad { swin(Tensor.zeros([1, 3, 100, 60])) }
        #expect(pyramid.levels.map(\.tensor.shape) == [[1, 8, 25, 15], [1, 16, 13, 8], [1, 32, 7, 4], [1, 64, 4, 2]])
        #expect(pyramid.levels.map(\.stride) == [4, 8, 16, 32])
    }

    @Test func vitB16ReturnsTimmForwardFeatures() {
        // 224×224 → 14×14 patches + the class token.
        let vit = VisionTransformer(.init(imageSize: 224, patchSize: 16, embedDim: 32, depth: 1, heads: 2)).eval()
        #expect(noGrad { vit(Tensor.zeros([1, 3, 224, 224]) ) }.shape == [1, 197, 32])
        #expect(noGrad { vit(Tensor.zeros([1, 3, 256, 192]) ) }.shape == [1, 1 + 16 * 12, 32])
    }
}
