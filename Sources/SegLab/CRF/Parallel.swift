import Foundation

/// A pointer handed to the iterations of `parallelChunks`, which write disjoint ranges.
struct SharedBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// Runs `body` over `0..<count` split into contiguous chunks, on all cores. Each chunk's result
/// depends only on its range, so the output is the same whatever the scheduling.
func parallelChunks(_ count: Int, minimumChunk: Int = 1024, _ body: @Sendable (Range<Int>) -> Void) {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let chunks = max(1, min(cores * 4, count / max(minimumChunk, 1)))
    if chunks == 1 { body(0..<count); return }
    DispatchQueue.concurrentPerform(iterations: chunks) { k in
        body((count * k / chunks)..<(count * (k + 1) / chunks))
    }
}
