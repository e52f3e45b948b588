import Foundation
import Testing
@testable import SegTensor

@Suite struct TensorBasics {
    @Test func valueSemantics() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        var b = a
        b[0, 1] = 20
        #expect(a.scalars == [1, 2, 3, 4])
        #expect(b.scalars == [1, 20, 3, 4])
        var c = a.reshaped([4])
        c.setScalars([9, 9, 9, 9])
        #expect(a.scalars == [1, 2, 3, 4])
    }

    @Test func creation() {
        #expect(Tensor.zeros([2, 3]).scalars == [Float](repeating: 0, count: 6))
        #expect(Tensor.full([2], value: 7).scalars == [7, 7])
        #expect(Tensor.arange(4).scalars == [0, 1, 2, 3])
        #expect(Tensor(3).item() == 3)
        #expect(Tensor.ones([3]).rank == 1)
    }

    @Test func broadcastingArithmetic() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3], scalars: [10, 20, 30])
        #expect((a + b).scalars == [11, 22, 33, 14, 25, 36])
        let c = Tensor(shape: [2, 1], scalars: [1, 2])
        #expect((a * c).scalars == [1, 2, 3, 8, 10, 12])
        #expect((a - 1).scalars == [0, 1, 2, 3, 4, 5])
        #expect((2 / Tensor([1, 4])).scalars == [2, 0.5])
    }

    /// Permutes between [N, C, H, W] and [N, H, W, C] run as tiled transposes: sides that are not
    /// multiples of the tile, and a batch, against the index arithmetic.
    @Test func permuteToAndFromChannelsLast() {
        let (n, c, h, w) = (2, 37, 5, 9)
        let x = Tensor(shape: [n, c, h, w], scalars: (0..<(n * c * h * w)).map(Float.init))
        let last = x.permuted(0, 2, 3, 1)
        #expect(last.shape == [n, h, w, c])
        var expected: [Float] = []
        for b in 0..<n { for i in 0..<h { for j in 0..<w { for k in 0..<c { expected.append(Float(((b * c + k) * h + i) * w + j)) } } } }
        #expect(last.scalars == expected)
        #expect(last.permuted(0, 3, 1, 2).scalars == x.scalars)
    }

    @Test func seededGeneratorIsDeterministic() {
        var g1 = SeededGenerator(seed: 42), g2 = SeededGenerator(seed: 42)
        #expect(Tensor.randn([10], generator: &g1).scalars == Tensor.randn([10], generator: &g2).scalars)
        var g = SeededGenerator(seed: 1)
        let x = Tensor.randn([20000], generator: &g)
        let mean = x.mean().item(), variance = x.variance().item()
        #expect(Swift.abs(mean) < 0.03)
        #expect(Swift.abs(variance - 1) < 0.05)
        let u = Tensor.uniform([20000], low: -2, high: 2, generator: &g)
        #expect(u.min().item() >= -2 && u.max().item() < 2)
    }
}

@Suite struct AutodiffBasics {
    @Test func simpleGradient() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        let y = (x * x).sum()
        y.backward()
        #expect(x.grad?.scalars == [2, 4, 6])
    }

    @Test func gradientsAccumulateUntilZeroed() {
        let x = Tensor([1, 2]).requiringGrad()
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        #expect(x.grad?.scalars == [6, 6])
        x.zeroGrad()
        #expect(x.grad == nil)
    }

    @Test func copiesShareGradAndUpdates() {
        let w = Tensor([1, 2]).requiringGrad()
        let copy = w
        (copy * 2).sum().backward()
        #expect(w.grad?.scalars == [2, 2])
        w.update { p in for i in p.indices { p[i] -= 1 } }
        #expect(copy.scalars == [0, 1])
    }

    @Test func noGradRecordsNothing() {
        let x = Tensor([1, 2]).requiringGrad()
        let y = noGrad { x * 2 }
        #expect(!y.requiresGrad)
        #expect((x * 2).requiresGrad)
        #expect(isGradEnabled)
    }

    @Test func detachedStopsGradient() {
        let x = Tensor([3]).requiringGrad()
        let y = (x * x.detached()).sum()
        y.backward()
        #expect(x.grad?.scalars == [3])
    }

    @Test func sharedSubexpressionGetsBothPaths() {
        let x = Tensor([2]).requiringGrad()
        let y = x * 3
        let z = (y * y + y).sum()   // 9x² + 3x → 18x + 3 = 39
        z.backward()
        #expect(x.grad?.scalars == [39])
    }
}

@Suite struct VectorMath {
    @Test func vectorExpMatchesLibm() {
        let xs = (0..<4000).map { Float(-100) + Float($0) * 0.05 } + [-.infinity, .infinity, 0, -87, 88]
        let y = Tensor(xs).exp().scalars
        for (x, v) in zip(xs, y) {
            let e = Foundation.exp(x)
            // Below the normal range the vector form flushes to 0 (no denormals).
            if e < Float.leastNormalMagnitude || e.isInfinite { #expect(v == e || v < Float.leastNormalMagnitude, "exp(\(x))"); continue }
            #expect(Swift.abs(v - e) <= 4 * e.ulp, "exp(\(x)) = \(v), libm \(e)")
        }
        #expect(Tensor([.nan]).exp().item().isNaN)
    }

    @Test func softmaxOfMaskedRowsAndLargeValues() {
        let x = Tensor(shape: [2, 3], scalars: [1000, 1001, 1002, -.infinity, 0, -.infinity])
        let y = x.softmax(axis: 1).scalars
        #expect(Swift.abs(y[2] - 0.66524096) < 1e-6)
        #expect(y[3] == 0 && y[4] == 1 && y[5] == 0)
    }
}

@Suite struct VectorGELU {
    /// The 16-lane GELU (A&S erf) against the libm erf form, forward and derivative.
    @Test func matchesErfForm() {
        let xs = (0..<3200).map { Float(-8) + Float($0) * 0.005 }
        let x = Tensor(xs).requiringGrad()
        let y = x.gelu()
        y.sum().backward()
        for (i, v) in xs.enumerated() {
            let d = Double(v)
            let phi2 = 1 + Foundation.erf(d / 2.0.squareRoot())
            let expected = 0.5 * d * phi2
            let slope = 0.5 * phi2 + d * Foundation.exp(-0.5 * d * d) / (2 * Double.pi).squareRoot()
            #expect(Swift.abs(Double(y.scalars[i]) - expected) <= 2e-7 * Swift.max(1, Swift.abs(d)), "gelu(\(v))")
            #expect(Swift.abs(Double(x.grad!.scalars[i]) - slope) <= 1e-6 * Swift.max(1, Swift.abs(d)), "gelu'(\(v))")
        }
    }

    @Test func normalizeAndCloseness() {
        let v = Tensor(shape: [2, 2], scalars: [3, 4, 0, 0]).normalized(axis: 1)
        #expect(v.isClose(to: Tensor(shape: [2, 2], scalars: [0.6, 0.8, 0, 0])))
        #expect(!v.isClose(to: Tensor(shape: [2, 2], scalars: [0.6, 0.8, 0, 0.01])))
        #expect(v.maxAbsDifference(Tensor(shape: [2, 2], scalars: [0.6, 0.8, 0, 0.5])) == 0.5)
        check.check([randn([2, 3])]) { $0[0].normalized(axis: 1) }
    }
}
