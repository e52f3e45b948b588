import Foundation
import Testing
@testable import SegNN

@Suite struct Schedules {
    @Test func poly() {
        let s = PolySchedule(base: 0.01, maxSteps: 100, power: 0.9)
        #expect(s(0) == 0.01)
        // 0.01 · (1 − 50/100)^0.9 = 0.01 · 0.5^0.9 = 0.005358867...
        #expect(abs(s(50) - 0.0053588673) < 1e-9)
        #expect(s(100) == 0)
        #expect(s(150) == 0)
        let floor = PolySchedule(base: 1, maxSteps: 10, power: 1, minimum: 0.1)
        #expect(abs(floor(5) - 0.55) < 1e-7)  // 0.9 · 0.5 + 0.1
    }

    @Test func cosine() {
        let s = CosineSchedule(base: 0.1, maxSteps: 200, minimum: 0.001)
        #expect(abs(s(0) - 0.1) < 1e-9)
        #expect(abs(s(100) - 0.0505) < 1e-8)           // midpoint: (0.1 + 0.001) / 2
        let quarter: Double = 0.001 + 0.099 * (1 + 0.5.squareRoot()) / 2  // cos(π/4) = √½
        #expect(abs(Double(s(50)) - quarter) < 1e-8)
        #expect(abs(s(200) - 0.001) < 1e-9)
    }

    @Test func warmupThenPoly() {
        let s = LinearWarmup.segformer(base: 6e-5, maxSteps: 1000, warmupSteps: 100)
        // Step 0: regular 6e-5 · 1, times 1 − (1 − 0)(1 − 1e-6) = 1e-6.
        #expect(abs(s(0) - 6e-11) < 1e-15)
        // Step 50: regular 6e-5 · (1 − 0.05) = 5.7e-5; factor 1 − 0.5 · (1 − 1e-6) = 0.5000005.
        #expect(abs(s(50) - Float(5.7e-5 * 0.5000005)) < 1e-12)
        // After warmup it is the poly schedule (power 1).
        #expect(abs(s(100) - 5.4e-5) < 1e-11)
        #expect(abs(s(500) - 3.0e-5) < 1e-11)
    }
}
