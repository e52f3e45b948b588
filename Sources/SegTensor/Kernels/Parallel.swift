import Foundation

/// Splits loops over the machine's cores with Dispatch.
public enum Parallel {
    /// Threads used by the engine's own loops: `SEGBOOK_THREADS`, else the active core count.
    public static let threadCount: Int = {
        if let s = ProcessInfo.processInfo.environment["SEGBOOK_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Calls `body` on disjoint chunks covering 0..<n, in parallel when each chunk gets at least
    /// `grain` iterations.
    @inline(__always)
    public static func forChunks(_ n: Int, grain: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
        let t = min(threadCount, n / max(grain, 1))
        if t <= 1 {
            if n > 0 { body(0..<n) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: t) { i in
                box.value((n * i / t)..<(n * (i + 1) / t))
            }
        }
    }
}

/// Lets a loop body, or the raw pointers it captures, cross into Dispatch's worker threads; the
/// chunks each gets are disjoint.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
