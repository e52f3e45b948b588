import Foundation
import Testing
import SegTensor
@testable import SegNN

/// loss = mean((x Wᵀ + b − y)²), the fixture script's problem.
private func loss(_ w: Tensor, _ b: Tensor, _ x: Tensor, _ y: Tensor) -> Tensor {
    (x.linear(weight: w, bias: b) - y).square().mean()
}

@Suite struct Optimizers {
    func run(_ name: String, steps: Int = 5, make: ([(String, Tensor)]) -> any Optimizer) throws {
        let f = try fixture("optim.safetensors")
        let w = copyOf(f["w0"]!).requiringGrad(), b = copyOf(f["b0"]!).requiringGrad()
        let optimizer = make([("w", w), ("b", b)])
        for step in 0..<steps {
            optimizer.zeroGrad()
            loss(w, b, f["x"]!, f["y"]!).backward()
            optimizer.step()
            let ew = f["\(name).w.\(step)"]!, eb = f["\(name).b.\(step)"]!
            #expect(relativeError(w, ew) < 2e-6, "\(name) step \(step): W off by \(relativeError(w, ew))")
            #expect(relativeError(b, eb) < 2e-6, "\(name) step \(step): b off by \(relativeError(b, eb))")
        }
        // The optimizer's state matches PyTorch's, by name.
        let state = Dictionary(uniqueKeysWithValues: optimizer.stateDict())
        for (key, value) in f where key.hasPrefix("\(name).state.w.") {
            let slot = String(key.dropFirst("\(name).state.w.".count))
            let mine = try #require(state["w.\(slot)"], "no state w.\(slot)")
            #expect(mine.shape == value.shape)
            #expect(relativeError(mine, value) < 2e-6, "\(name) state \(slot)")
        }
    }

    @Test func sgd() throws { try run("sgd") { SGD($0, learningRate: 0.1) } }
    @Test func sgdMomentumWeightDecay() throws {
        try run("sgd_momentum") { SGD($0, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-2) }
    }
    @Test func sgdNesterov() throws {
        try run("sgd_nesterov") { SGD($0, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true) }
    }
    @Test func sgdDampening() throws {
        try run("sgd_dampening") { SGD($0, learningRate: 0.05, momentum: 0.5, dampening: 0.3) }
    }
    @Test func adamW() throws {
        try run("adamw") { AdamW($0, learningRate: 0.01, betas: (0.9, 0.999), epsilon: 1e-8, weightDecay: 0.01) }
    }
    @Test func adamWWithoutDecay() throws {
        try run("adamw_nowd") { AdamW($0, learningRate: 0.02, betas: (0.8, 0.99), epsilon: 1e-6, weightDecay: 0) }
    }

    /// Saving the optimizer's state after 3 steps and resuming in a fresh optimizer gives the
    /// same parameters, bit for bit, as 5 uninterrupted steps.
    @Test(arguments: ["sgd", "adamw"]) func resumeIsExact(kind: String) throws {
        let f = try fixture("optim.safetensors")
        func make(_ p: [(String, Tensor)]) -> any Optimizer {
            kind == "sgd" ? SGD(p, learningRate: 0.05, momentum: 0.9, nesterov: true) : AdamW(p, learningRate: 0.01)
        }
        func train(_ w: Tensor, _ b: Tensor, _ opt: any Optimizer, steps: Int) {
            for _ in 0..<steps { opt.zeroGrad(); loss(w, b, f["x"]!, f["y"]!).backward(); opt.step() }
        }
        let w1 = copyOf(f["w0"]!).requiringGrad(), b1 = copyOf(f["b0"]!).requiringGrad()
        train(w1, b1, make([("w", w1), ("b", b1)]), steps: 5)

        let w2 = copyOf(f["w0"]!).requiringGrad(), b2 = copyOf(f["b0"]!).requiringGrad()
        let first = make([("w", w2), ("b", b2)])
        train(w2, b2, first, steps: 3)
        let url = temporaryURL("opt.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write(first.stateDict() + [("w", w2), ("b", b2)], to: url)

        let saved = try Safetensors.read(contentsOf: url)
        let w3 = copyOf(saved["w"]!).requiringGrad(), b3 = copyOf(saved["b"]!).requiringGrad()
        let resumed = make([("w", w3), ("b", b3)])
        try resumed.loadStateDict(saved.filter { $0.key != "w" && $0.key != "b" })
        train(w3, b3, resumed, steps: 2)
        #expect(w3.scalars == w1.scalars)
        #expect(b3.scalars == b1.scalars)
    }

    @Test func loadStateDictRejectsUnknownKeysAndShapes() {
        let w = Tensor.zeros([2, 2]).requiringGrad()
        let opt = SGD([("w", w)], learningRate: 0.1, momentum: 0.9)
        #expect(throws: StateDictMismatch.self) { try opt.loadStateDict(["v.momentum_buffer": .zeros([2, 2])]) }
        #expect(throws: StateDictMismatch.self) { try opt.loadStateDict(["w.momentum_buffer": .zeros([3])]) }
        #expect(throws: Never.self) { try opt.loadStateDict(["w.momentum_buffer": .zeros([2, 2])]) }
    }

    @Test func parameterGroupsScaleTheRate() {
        let a = Tensor(shape: [1], scalars: [1]).requiringGrad(), b = Tensor(shape: [1], scalars: [1]).requiringGrad()
        a.grad = Tensor(shape: [1], scalars: [1]); b.grad = Tensor(shape: [1], scalars: [1])
        let opt = SGD(groups: [ParameterGroup([("a", a)]), ParameterGroup([("b", b)], learningRateScale: 10)], learningRate: 0.01)
        opt.step()
        #expect(a.scalars == [0.99])
        #expect(b.scalars == [0.9])
    }

    @Test func clipByGlobalNorm() {
        let a = Tensor.zeros([2]).requiringGrad(), b = Tensor.zeros([1]).requiringGrad()
        a.grad = Tensor(shape: [2], scalars: [3, 0]); b.grad = Tensor(shape: [1], scalars: [4])
        let norm = clipGradNorm([("a", a), ("b", b)], maxNorm: 1)
        #expect(norm == 5)  // √(9 + 16)
        let c = 1 / (5 + Float(1e-6))
        #expect(a.grad!.scalars == [3 * c, 0])
        #expect(b.grad!.scalars == [4 * c])
        // Below the limit nothing changes.
        #expect(clipGradNorm([("a", a), ("b", b)], maxNorm: 10) < 1.0001)
        #expect(b.grad!.scalars == [4 * c])
    }
}
