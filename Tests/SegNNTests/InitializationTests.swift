import Foundation
import Testing
import SegTensor
import SegNN

@Suite("Initialisation")
struct InitializationTests {
    private func standardDeviation(_ values: [Float]) -> Float {
        let mean = values.reduce(0, +) / Float(values.count)
        return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)).squareRoot()
    }

    @Test("He initialisation: weights N(0, √(2/fan)) for the fan asked for, biases zero")
    func heInitialisation() {
        let net = DefaultGenerator.seeded(3) { Sequential(Conv2d(16, 64, kernelSize: 3), ReLU(), Conv2d(64, 32, kernelSize: 1)) }
        net.initializeConvolutionsForReLU(mode: .fanOut)
        let convs = net.modules(ofType: Conv2d.self).map(\.1)
        #expect(abs(standardDeviation(convs[0].weight.scalars) / (2 / Float(64 * 9)).squareRoot() - 1) < 0.05)
        #expect(abs(standardDeviation(convs[1].weight.scalars) / (2 / Float(32)).squareRoot() - 1) < 0.05)
        net.initializeConvolutionsForReLU(mode: .fanIn)
        #expect(abs(standardDeviation(convs[0].weight.scalars) / (2 / Float(16 * 9)).squareRoot() - 1) < 0.05)
        #expect(convs.allSatisfy { $0.bias!.scalars.allSatisfy { $0 == 0 } && $0.weight.requiresGrad })
    }

    @Test("He initialisation keeps a deep plain conv + ReLU stack's signal; PyTorch's default shrinks it")
    func signalThroughDepth() {
        func outputScale(he: Bool) -> Float {
            DefaultGenerator.seeded(5) {
                let layers: [any Layer] = (0..<12).flatMap { i -> [any Layer] in [Conv2d(i == 0 ? 3 : 16, 16, kernelSize: 3, padding: 1, bias: false), ReLU()] }
                let net = Sequential(layers)
                if he { net.initializeConvolutionsForReLU(mode: .fanIn) }
                let x = DefaultGenerator.with { Tensor.randn([2, 3, 16, 16], generator: &$0) }
                let y = net(x).scalars
                return (y.map { $0 * $0 }.reduce(0, +) / Float(y.count)).squareRoot()
            }
        }
        #expect(outputScale(he: true) > 0.1)
        #expect(outputScale(he: false) < 1e-3)
    }

    @Test("Bilinear transposed convolution: FCN's kernel, each channel to itself, constant in → constant out")
    func bilinear() {
        let up = ConvTranspose2d(2, 2, kernelSize: 4, stride: 2, bias: false)
        up.initializeBilinear()
        let w = up.weight.scalars
        let taps: [Float] = [0.25, 0.75, 0.75, 0.25]
        for y in 0..<4 { for x in 0..<4 { #expect(w[y * 4 + x] == taps[y] * taps[x]) } }   // channel 0 → 0
        #expect(w[16..<48].allSatisfy { $0 == 0 })                                          // 0 → 1 and 1 → 0
        #expect(w[48..<64].elementsEqual(w[0..<16]))                                       // 1 → 1
        let out = up(Tensor(shape: [1, 2, 5, 5], repeating: 3))                             // [1, 2, 12, 12]
        for y in 2..<10 { for x in 2..<10 { #expect(abs(out.scalars[y * 12 + x] - 3) < 1e-6) } }
        let odd = ConvTranspose2d(1, 1, kernelSize: 3, stride: 2)
        odd.initializeBilinear()
        #expect(odd.weight.scalars == [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25])
    }
}
