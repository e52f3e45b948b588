import Testing
@testable import SegTensor

@Suite struct Memory {
    /// 100 steps of forward, backward and an in-place SGD update of a small conv net: the tape is
    /// freed every step, so each step's peak is the same and only the parameters stay alive.
    @Test func trainingLoopKeepsAFlatPeak() {
        TensorMemory.withScope { scope in
            var g = SeededGenerator(seed: 3)
            let w1 = Tensor.kaimingNormal([8, 3, 3, 3], generator: &g).requiringGrad()
            let b1 = Tensor.zeros([8]).requiringGrad()
            let w2 = Tensor.kaimingNormal([4, 8, 3, 3], generator: &g).requiringGrad()
            let params = [w1, b1, w2]
            let image = Tensor.randn([2, 3, 16, 16], generator: &g)
            let target = Tensor.randn([2, 4, 8, 8], generator: &g)
            let paramBytes = scope.liveBytes - (image.count + target.count) * 4
            var peaks: [Int] = [], lives: [Int] = [], losses: [Float] = []
            for _ in 0..<100 {
                scope.resetPeak()
                do {
                let h = image.conv2d(weight: w1, bias: b1, padding: 1).relu().maxPool2d(kernelSize: 2)
                let y = h.conv2d(weight: w2, padding: 1).batchNorm(runningMean: nil, runningVar: nil, weight: nil, bias: nil, training: true)
                let loss = (y - target).square().mean()
                loss.backward()
                losses.append(loss.item())
                for p in params {
                    let grad = p.grad!.scalars
                    p.update { v in for i in v.indices { v[i] -= 0.05 * grad[i] } }
                    p.zeroGrad()
                }
                }  // the step's activations die here
                peaks.append(scope.peakBytes)
                lives.append(scope.liveBytes)
            }
            #expect(paramBytes == (8 * 27 + 8 + 4 * 72) * 4)
            // Everything but the parameters and data is freed after each step.
            #expect(Set(lives).count == 1, "live bytes drift: \(Set(lives).sorted())")
            #expect(lives.last! == paramBytes + (image.count + target.count) * 4)
            #expect(Set(peaks.dropFirst()).count == 1, "peak bytes drift: \(Set(peaks).sorted())")
            #expect(losses.last! < losses.first!)
        }
    }

    @Test func graphIsFreedWithoutBackward() {
        TensorMemory.withScope { scope in
            let w = Tensor.ones([100]).requiringGrad()
            let base = scope.liveBytes
            do {
                let y = (w * 2).exp().sum()
                #expect(y.requiresGrad)
                #expect(scope.liveBytes > base)
            }
            #expect(scope.liveBytes == base)
        }
    }

    /// The tape keeps only what a backward needs: a chain of additions saves no values, so its
    /// intermediates die during the forward pass (PyTorch's saved-tensor rule).
    @Test func additionsSaveNoValues() {
        TensorMemory.withScope { scope in
            let x = Tensor.zeros([1000]).requiringGrad()
            var y = x
            for _ in 0..<50 { y = y + 1 }
            #expect(scope.liveBytes <= 2 * 4000 + 64, "live \(scope.liveBytes) bytes: intermediates kept")
            y.sum().backward()
            #expect(x.grad?.scalars == [Float](repeating: 1, count: 1000))
        }
        TensorMemory.withScope { scope in
            // exp saves its output for the backward: all 50 stay alive until then.
            let x = Tensor.zeros([1000]).requiringGrad()
            var y = x
            for _ in 0..<50 { y = (y * 0.01).exp() }
            #expect(scope.liveBytes >= 50 * 4000)
        }
    }
}

@Suite struct DeepGraphs {
    /// A long chain (a running total kept with its graph) is freed without overflowing the stack,
    /// with and without a backward.
    @Test func longChainsAreFreed() {
        TensorMemory.withScope { scope in
            let x = Tensor([1]).requiringGrad()
            do {
                var total = Tensor(0)
                for _ in 0..<50_000 { total = total + x }
                #expect(total.item() == 50_000)
            }
            do {
                var total = Tensor(0)
                for _ in 0..<50_000 { total = total + x }
                total.backward()
                #expect(x.grad?.item() == 50_000)
            }
            #expect(scope.liveBytes <= 8)  // x and its grad
        }
    }
}

@Suite("Large blocks and reordered weights")
struct LargeBlocks {
    @Test("a freed block is reused for its size; past the capacity the longest-held are unmapped first")
    func cacheKeepsTheRecentBlocksUpToItsCapacity() {
        let page = 4096, base = 1 << 20
        let cache = LargeBlockCache(capacity: 3 * base + 9 * page)   // the last three fit
        let sizes = (1...4).map { base + $0 * page }
        let blocks = sizes.map { cache.allocate(bytes: $0)! }
        for (p, size) in zip(blocks, sizes) { #expect(cache.free(p, bytes: size)) }
        #expect(cache.heldSizes == Array(sizes.dropFirst()))   // the first freed went
        #expect(cache.heldBytes <= cache.capacity)
        #expect(cache.allocate(bytes: sizes[3]) == blocks[3])
        #expect(cache.allocate(bytes: base - 1) == nil)         // small blocks are malloc's
    }

    @Test("a shared oneDNN slot's outgrown buffer is unmapped, not kept in the block cache")
    func outgrownSlotsAreNotHeld() {
        let sizes = [(3 << 20) + 1234, (5 << 20) + 1234]   // sizes no tensor asks for
        DNNLRuntime.shared.locked {
            for bytes in sizes { _ = DNNLRuntime.shared.slot(9, bytes: bytes) }   // the second outgrows the first
        }
        #expect(!LargeBlockCache.shared.heldSizes.contains(sizes[0]))
        var raw: UnsafeMutableRawPointer?
        do { raw = DNNLAlignedBuffer(byteCount: sizes[0]).raw }   // other buffers do go back to it
        let reused = LargeBlockCache.shared.allocate(bytes: sizes[0])
        #expect(reused == raw)
        if let reused { #expect(LargeBlockCache.shared.free(reused, bytes: sizes[0])) }
    }

    @Test("reordered weights are dropped with the weights' storage")
    func weightCopiesGoWithTheirTensor() {
        var address: UInt = 0
        do {
            var g = SeededGenerator(seed: 4)
            let w = Tensor.randn([64, 32, 3, 3], generator: &g)
            _ = Tensor.randn([1, 32, 8, 8], generator: &g).conv2d(weight: w, padding: 1)
            address = UInt(bitPattern: w.storage.base)
            #expect(DNNLWeightCopies.count(of: address) == 1)   // avx512: blocked, not the caller's layout
        }
        #expect(DNNLWeightCopies.count(of: address) == 0)
    }

    @Test("a change of phase drops the weights reordered for Winograd, and inference makes them again")
    func winogradCopiesGoWithAPhaseChange() {
        var g = SeededGenerator(seed: 5)
        let w = Tensor.randn([64, 64, 3, 3], generator: &g) * 0.05
        let x = Tensor.randn([1, 64, 8, 8], generator: &g)
        let address = UInt(bitPattern: w.storage.base)
        let before = noGrad { x.conv2d(weight: w, padding: 1) }.scalars
        // Another test's model changing mode may already have dropped it; if not, this must.
        if DNNLConvolution.winogradEnabled, DNNLWeightCopies.count(of: address) == 1 {
            releaseEngineBuffers()
            #expect(DNNLWeightCopies.count(of: address) == 0)
        }
        #expect(noGrad { x.conv2d(weight: w, padding: 1) }.scalars == before)
    }
}
