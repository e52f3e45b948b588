import Testing
import SegDraw
import SegModels
import SegNN
import SegTensor
@testable import SegLab

@Suite struct GraphTests {
    @Test func residualBlockHasNamedLayersAnAddAndItsEdges() {
        let model = DeepLabV3.book(classes: 4)
        let g = model.trace(input: [1, 3, 32, 32])
        let add = g.node(named: "backbone.layer1.0.add") ?? g.nodes.first { $0.type == "add" }!
        #expect(add.inputSources.count == 2)
        // Residual additions are not skips: nothing coarser runs between the block's input and its add.
        #expect(!g.edges.contains { $0.to == add.id && $0.kind == .skip })
        #expect(g.edges.contains { $0.to == add.id && $0.kind == .add })
        #expect(g.nodes.contains { $0.name.hasSuffix("conv1") && $0.type == "Conv2d" })
    }

    @Test func aStackTappedInTheMiddleSplitsAtTheTaps() {
        // SETR-MLA reads ViT-B's blocks 2, 5, 8 and 11: four runs of three, each feeding the neck;
        // the neck's four parallel projections are not a stack.
        let d = Presets.named("setr-mla-vitb16")!.make().trace(input: [1, 3, 32, 32]).diagram()
        let runs = d.groups.filter { $0.label.contains("–") }
        #expect(runs.map(\.label).map { $0.split(separator: " ").last! } == ["0–2", "3–5", "6–8", "9–11"])
        #expect(runs.allSatisfy { $0.repeatCount == 3 })
        // U-Net's levels are each read by a skip: nothing to split.
        #expect(!UNet.book(classes: 4).trace(input: [1, 3, 32, 32]).diagram().groups.contains { $0.label.contains("–") })
    }

    @Test func anL2NormalisationIsOneNode() {
        let g = Presets.named("segmenter-book")!.make().trace(input: [1, 3, 32, 32])
        #expect(g.nodes.filter { $0.type == "L2 norm" }.count == 2)    // patch and class embeddings
        #expect(!g.nodes.contains { ["sqrt", "clamp", "square"].contains($0.type) })
    }

    @Test func unetSkipsAndSegNetIndicesBecomeTheirEdges() {
        let unet = UNet.book(classes: 4).trace(input: [1, 3, 32, 32])
        #expect(unet.edges.filter { $0.kind == .skip }.count == 3)        // depth 3: three skips
        let segnet = SegNet.book(classes: 4).trace(input: [1, 3, 32, 32])
        #expect(segnet.edges.filter { $0.kind == .poolingIndices }.count == 3)  // three poolings
        #expect(segnet.edges.filter { $0.kind == .skip }.isEmpty)
        let d = segnet.diagram(depth: nil)
        #expect(d.edges.filter { $0.kind == .poolingIndices }.count == 3)
        #expect(unet.diagram(depth: nil).edges.filter { $0.kind == .skip }.count == 3)
    }

    /// `Trace.isActive` is process-wide (other tests may be tracing on other threads); the recorder
    /// is per thread, so this thread records nothing outside `Trace.recording`.
    @Test func tracingIsOffOutsideRecording() {
        #expect(Trace.current == nil)
        let conv = Conv2d(1, 1, kernelSize: 1)
        let (_, recorder) = Trace.recording { conv(Tensor.ones([1, 1, 2, 2])) }
        #expect(recorder.events.count == 1)
        #expect(recorder.events[0].module === conv)
        #expect(Trace.current == nil)
    }

    /// U-Net (valid convolutions, 3 input channels) keeps its four encoder maps for the decoder;
    /// SegNet keeps only its five poolings' indices. Both at 1×3×360×480 (CamVid), Float32 = 4 bytes.
    @Test func unetSkipMemoryVersusSegNetIndexMemoryAtCamVidSize() {
        let unet = UNet.original(classes: 12, inputChannels: 3).trace(input: [1, 3, 360, 480])
        // Encoder level outputs (two unpadded 3×3 convs take 4 off each side length; pools halve, floor):
        //   level 0: 360−4 = 356, 480−4 = 476                 → 64 × 356 × 476
        //   level 1: 178−4 = 174, 238−4 = 234                 → 128 × 174 × 234
        //   level 2: 87−4 = 83,  117−4 = 113                  → 256 × 83 × 113
        //   level 3: 41−4 = 37,  56−4 = 52                    → 512 × 37 × 52
        let unetSkips = 4 * (64 * 356 * 476 + 128 * 174 * 234 + 256 * 83 * 113 + 512 * 37 * 52)
        #expect(unet.savedForBackward.skips == unetSkips)                  // 77,771,776 bytes ≈ 74.2 MiB
        #expect(unetSkips == 77_771_776)
        // U-Net's own max pools keep indices for their backward too (2×2 on each level's output):
        //   64 × 178 × 238, 128 × 87 × 117, 256 × 41 × 56, 512 × 18 × 26
        #expect(unet.savedForBackward.indices == 4 * (64 * 178 * 238 + 128 * 87 * 117 + 256 * 41 * 56 + 512 * 18 * 26))

        let segnet = SegNet.vgg16(classes: 12).trace(input: [1, 3, 360, 480])
        // Five 2×2 poolings (floor): 180×240, 90×120, 45×60, 22×30, 11×15 with 64, 128, 256, 512, 512 channels.
        let segnetIndices = 4 * (64 * 180 * 240 + 128 * 90 * 120 + 256 * 45 * 60 + 512 * 22 * 30 + 512 * 11 * 15)
        #expect(segnet.savedForBackward.indices == segnetIndices)          // 21,043,200 bytes ≈ 20.1 MiB
        #expect(segnetIndices == 21_043_200)
        #expect(segnet.savedForBackward.indicesInt64 == 2 * segnetIndices) // PyTorch's int64 indices
        #expect(segnet.savedForBackward.skips == 0)
    }
}
