import Foundation

/// The training progress line on stderr: `step 120/600  loss 0.4321  lr 0.00812  23.5 img/s  ETA 1m32s`.
/// On a terminal it is rewritten in place with `\r`; otherwise a plain line every `every` steps
/// (and at the last step), so logs stay readable.
public final class ProgressLine {
    public let total: Int
    public let every: Int
    let isTerminal: Bool
    private var lastWidth = 0

    public init(total: Int, every: Int = 10, isTerminal: Bool = isatty(STDERR_FILENO) != 0) {
        self.total = total
        self.every = max(every, 1)
        self.isTerminal = isTerminal
    }

    /// The line's text for a step (1-based count of steps done).
    public static func text(step: Int, total: Int, loss: Float, learningRate: Float, imagesPerSecond: Double,
                            secondsLeft: Double) -> String {
        let width = String(total).count
        let stepText = String(repeating: " ", count: max(0, width - String(step).count)) + String(step)
        return "step \(stepText)/\(total)  loss \(String(format: "%.4f", loss))  lr \(String(format: "%.3g", learningRate))  "
            + "\(String(format: "%.1f", imagesPerSecond)) img/s  ETA \(duration(secondsLeft))"
    }

    /// `42s`, `3m07s`, `1h02m`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }

    public func update(step: Int, loss: Float, learningRate: Float, imagesPerSecond: Double, secondsLeft: Double) {
        let line = Self.text(step: step, total: total, loss: loss, learningRate: learningRate,
                             imagesPerSecond: imagesPerSecond, secondsLeft: secondsLeft)
        if isTerminal {
            let padding = String(repeating: " ", count: max(0, lastWidth - line.count))
            lastWidth = line.count
            write("\r" + line + padding + (step == total ? "\n" : ""))
        } else if step % every == 0 || step == total || step == 1 {
            write(line + "\n")
        }
    }

    /// A message on its own line (e.g. an evaluation), not overwritten by the next update.
    public func message(_ text: String) {
        if isTerminal && lastWidth > 0 { write("\r" + String(repeating: " ", count: lastWidth) + "\r") }
        write(text + "\n")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
