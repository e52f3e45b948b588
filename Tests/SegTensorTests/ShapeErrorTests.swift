import Testing
import SegTensor

/// A shape mismatch traps with the op, the shapes and what was expected (run in a child process).
@Suite struct ShapeErrors {
    func stderr(of result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func conv2dChannelMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([1, 64, 8, 8]).conv2d(weight: Tensor.zeros([128, 3, 3, 3]))
        }
        #expect(stderr(of: result).contains("conv2d: input has 64 channels, weight [128, 3, 3, 3] expects 3"))
    }

    @Test func broadcastMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }
        #expect(stderr(of: result).contains("add: shapes [2, 3] and [4] do not broadcast"))
    }

    @Test func matmulMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        #expect(stderr(of: result).contains("matmul: shapes [2, 3] and [4, 5] do not multiply"))
    }

    @Test func secondBackwardThroughAFreedGraph() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, 2]).requiringGrad()
            let y = (x * x).sum()
            y.backward()
            y.backward()
        }
        #expect(stderr(of: result).contains("already freed by an earlier backward"))
    }
}
