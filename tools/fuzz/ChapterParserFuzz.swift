// libFuzzer entry point for the chapter parser (front matter, fences, cell options, inline
// expressions). Built by tools/fuzz/build.sh with `swiftc -sanitize=fuzzer,address`; see README.md.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChapterParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    do {
        let chapter = try ChapterParser.parse(path: "chapters/fuzz.md", data: bytes)
        // Invariants any parse must keep.
        var previous = 0
        for (i, cell) in chapter.cells.enumerated() {
            precondition(cell.index == i, "cell indices are 0, 1, 2…")
            precondition(cell.fenceLine > previous && cell.line > cell.fenceLine, "cells are in order, code after its fence")
            previous = cell.fenceLine
        }
        for (i, inline) in chapter.inlineExpressions.enumerated() {
            precondition(inline.id == i && !inline.expression.isEmpty && inline.line >= 1)
        }
    } catch {
        // A diagnostic names the file and reads as one line.
        precondition(error.file == "chapters/fuzz.md", "diagnostic for another file")
        precondition(!error.description.contains("\n"), "diagnostic on several lines: \(error.description)")
    }
    return 0
}
