import Foundation
import Testing
@testable import BookBuilder

@Test func splitsOutputAtMarkersEvenAcrossChunks() {
    let splitter = OutputSplitter(token: "t0k", limit: 100)
    var seen: [OutputSplitter.Section] = []
    splitter.onSection = { seen.append($0) }
    let stream = "loading\n\u{1}SEGBOOK t0k cell 0\nhello\n\u{1}SEGBOOK t0k cell 1\nno newline\u{1}SEGBOOK t0k inline\n\u{1}SEGBOOK t0k end\n"
    let bytes = Array(stream.utf8)
    for size in [1, 2, 5, 1000] {
        let s = OutputSplitter(token: "t0k", limit: 100)
        var i = 0
        while i < bytes.count { s.feed(Array(bytes[i..<min(i + size, bytes.count)])); i += size }
        s.finish()
        #expect(s.order == [.prelude, .cell(0), .cell(1), .inline, .end], "chunks of \(size)")
        #expect(s.captured[.prelude].map { String(decoding: $0.bytes, as: UTF8.self) } == "loading\n")
        #expect(s.captured[.cell(0)].map { String(decoding: $0.bytes, as: UTF8.self) } == "hello\n")
        #expect(s.captured[.cell(1)].map { String(decoding: $0.bytes, as: UTF8.self) } == "no newline")
    }
    splitter.feed(bytes)
    #expect(seen == [.cell(0), .cell(1), .inline, .end])
}

@Test func aForeignMarkerIsOutputAndTheLimitCuts() {
    let s = OutputSplitter(token: "abc", limit: 10)
    s.feed(Array("\u{1}SEGBOOK xyz cell 5\n".utf8))
    s.feed(Array("\u{1}SEGBOOK abc cell 0\n0123456789ABCDEF".utf8))
    s.finish()
    #expect(s.captured[.prelude]?.bytes == Array("\u{1}SEGBOOK xyz".utf8).prefix(10).map { $0 })
    #expect(s.captured[.cell(0)]?.bytes == Array("0123456789".utf8))
    #expect(s.captured[.cell(0)]?.dropped == 6)
}

@Test func crashReportTakesTheFatalErrorAndTheChapterLine() {
    let output = """
        before the trap
        Swift/ContiguousArrayBuffer.swift:691: Fatal error: Index out of range

        💣 Program crashed: Illegal instruction at 0x00007f

        Thread 0 crashed:

        0 0x00007f in Array.subscript.getter at /swift/Array.swift:12
        1 0x000055 in main at chapters/x.md:14:7
        2 0x000055 in main at chapters/x.md:3:1
        """
    let report = CrashReport(output: output, termination: .signaled(SIGILL), timedOut: false, timeout: 600, chapterPath: "chapters/x.md")
    #expect(report.message == "Fatal error: Index out of range")
    #expect(report.line == 14)
    #expect(report.output == "before the trap\nSwift/ContiguousArrayBuffer.swift:691: Fatal error: Index out of range")

    let killed = CrashReport(output: "", termination: .signaled(SIGKILL), timedOut: false, timeout: 600, chapterPath: "chapters/x.md")
    #expect(killed.message == "killed by SIGKILL (out of memory?)")
    let segv = CrashReport(output: "", termination: .signaled(SIGSEGV), timedOut: false, timeout: 600, chapterPath: "chapters/x.md")
    #expect(segv.message == "crashed with SIGSEGV")
    let slow = CrashReport(output: "", termination: .signaled(SIGKILL), timedOut: true, timeout: 1.5, chapterPath: "chapters/x.md")
    #expect(slow.message == "timed out after 1.5 s")
}
