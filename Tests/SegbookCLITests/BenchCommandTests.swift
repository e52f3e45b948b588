import Foundation
import Testing

/// `segbook bench PRESET ...` (issue 11): the JSON's shape and the values that do not depend on
/// timing. No timing is asserted beyond being positive and ordered.
@Suite struct BenchCommandTests {
    private func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    private func expectTiming(_ value: Any?, _ name: String) {
        guard let timing = value as? [String: Any], let median = timing["median"] as? Double,
              let min = timing["min"] as? Double, let max = timing["max"] as? Double else {
            Issue.record("\(name): not {median, min, max}: \(String(describing: value))")
            return
        }
        #expect(min > 0 && min <= median && median <= max, "\(name): \(timing)")
    }

    @Test func onePresetPrintsOneObject() throws {
        let outcome = try Sandbox().segbook("bench", "unet-book", "--size", "32", "--batch", "1", "--repeats", "1",
                                            "--threads", "1", "--json")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("bench: unet-book: training step [1, 3, 32, 32]"))
        let result = try object(outcome.stdout)
        #expect(result["preset"] as? String == "unet-book")
        #expect(result["size"] as? Int == 32)
        #expect(result["batch"] as? Int == 1)
        #expect(result["threads"] as? Int == 1)
        expectTiming(result["forward_ms"], "forward_ms")
        expectTiming(result["train_step_ms"], "train_step_ms")
        #expect((result["peak_bytes"] as? Int ?? 0) > 0)
        #expect((result["peak_gflops_per_s"] as? Double ?? 0) > 0)
        #expect((result["forward_gflops_per_s"] as? Double ?? 0) > 0)

        // unet-book: width 8, 3 poolings, padded, 3 → 4 channels. FLOPs of one 32×32 image, counted by
        // hand: 2 per multiply-add of each conv (pixels × C_out × C_in × 9), up-conv (input elements ×
        // C_out × 4) and the 1×1 classifier; 1 per ReLU output; 4 per 2×2 max-pool output.
        let encoder = 1024 * 8 * (3 * 9) + 1024 * 8 * (8 * 9) + 256 * 16 * (8 * 9) + 256 * 16 * (16 * 9)
            + 64 * 32 * (16 * 9) + 64 * 32 * (32 * 9) + 16 * 64 * (32 * 9) + 16 * 64 * (64 * 9)
        let decoder = (16 * 64) * 32 * 4 + 64 * 32 * (64 * 9) + 64 * 32 * (32 * 9)
            + (64 * 32) * 16 * 4 + 256 * 16 * (32 * 9) + 256 * 16 * (16 * 9)
            + (256 * 16) * 8 * 4 + 1024 * 8 * (16 * 9) + 1024 * 8 * (8 * 9)
        let classifier = 1024 * 4 * 8
        let relus = 2 * (1024 * 8 + 256 * 16 + 64 * 32 + 16 * 64) + 2 * (64 * 32 + 256 * 16 + 1024 * 8)
        let pools = 4 * (256 * 8 + 64 * 16 + 16 * 32)
        #expect(result["forward_flops"] as? Int == 2 * (encoder + decoder + classifier) + relus + pools)
    }

    @Test func severalPresetsPrintAnArray() throws {
        let outcome = try Sandbox().segbook("bench", "unet-book", "segformer-book", "--size", "32", "--batch", "2",
                                            "--repeats", "1", "--warmup", "0", "--json")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]])
        #expect(array.map { $0["preset"] as? String } == ["unet-book", "segformer-book"])
        for result in array {
            #expect(result["batch"] as? Int == 2)
            expectTiming(result["forward_ms"], "forward_ms")
            expectTiming(result["train_step_ms"], "train_step_ms")
            #expect((result["peak_bytes"] as? Int ?? 0) > 0)
        }
    }

    @Test func unknownPresetIsOneLineAndExit2() throws {
        let outcome = try Sandbox().segbook("bench", "unet-book", "no-such-net", "--json")
        #expect(outcome.status == 2)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr == "segbook bench: unknown preset 'no-such-net' (see `segbook presets`)\n")
    }

    @Test func opsWithPresetsIsBadUsage() throws {
        let outcome = try Sandbox().segbook("bench", "ops", "unet-book")
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("'ops' cannot be timed together with presets"))
    }
}
