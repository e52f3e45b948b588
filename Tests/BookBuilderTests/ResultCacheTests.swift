import Foundation
import Testing
@testable import BookBuilder

private func chapter(prose: String = "Intro.", code: String = "let x = 1\nx", inline: String = "x") throws -> Chapter {
    try ChapterParser.parse(path: "chapters/c.md", text: "\(prose)\n\n```swift\n\(code)\n```\nValue `{swift} \(inline)`.\n")
}

private func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "segbook-cache-test-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Test func keyIgnoresProseAndFollowsCodeOptionsInlinesEngineAndProfile() throws {
    let base = Planner.key(for: try chapter(), fingerprint: "engine-1", profile: .full).key
    #expect(Planner.key(for: try chapter(prose: "Another intro,\nlonger."), fingerprint: "engine-1", profile: .full).key == base)
    #expect(Planner.key(for: try chapter(code: "let x = 2\nx"), fingerprint: "engine-1", profile: .full).key != base)
    #expect(Planner.key(for: try chapter(code: "//| echo: false\nlet x = 1\nx"), fingerprint: "engine-1", profile: .full).key != base)
    #expect(Planner.key(for: try chapter(inline: "x + 1"), fingerprint: "engine-1", profile: .full).key != base)
    #expect(Planner.key(for: try chapter(), fingerprint: "engine-2", profile: .full).key != base)
    #expect(Planner.key(for: try chapter(), fingerprint: "engine-1", profile: .quick).key != base)
}

@Test func keyFollowsTheContentsOfDeclaredInputs() throws {
    let root = temporaryDirectory()
    let input = root + "/data.csv"
    try "a,b\n1,2\n".write(toFile: input, atomically: true, encoding: .utf8)
    let c = try chapter(code: "//| inputs: data.csv\nread()")
    let first = Planner.key(for: c, fingerprint: "e", profile: .full, inputRoot: root)
    #expect(first.warnings.isEmpty)
    try "a,b\n1,3\n".write(toFile: input, atomically: true, encoding: .utf8)
    #expect(Planner.key(for: c, fingerprint: "e", profile: .full, inputRoot: root).key != first.key)
    try FileManager.default.removeItem(atPath: input)
    #expect(Planner.key(for: c, fingerprint: "e", profile: .full, inputRoot: root).warnings.map(\.description)
        == ["chapters/c.md:3: warning: input 'data.csv' does not exist"])
}

@Test func cacheStoresLooksUpAndDetectsCorruption() throws {
    let cache = ResultCache(directory: temporaryDirectory())
    let c = try chapter()
    let result = ChapterResult(name: "c", cells: [
        CellResult(index: 0, status: .ok, output: "hi\n", displays: [.png(Data([0x89, 0x50])), .table(Table(columns: ["a"], rows: [["1"]]))]),
    ], inlineValues: [0: "1"], seconds: 0.5)
    #expect(cache.lookup(c, profile: .full, key: "k1") == .miss)
    try cache.store(result, for: c, profile: .full, key: "k1")
    var expected = result
    expected.fromCache = true
    #expect(cache.lookup(c, profile: .full, key: "k1") == .hit(expected))
    #expect(cache.lookup(c, profile: .full, key: "k2") == .miss)
    #expect(cache.lookup(c, profile: .quick, key: "k1") == .miss)

    // Flip one byte of the stored result: the checksum no longer matches.
    let path = cache.path("c", .full)
    var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
    bytes[bytes.count - 3] ^= 0x01
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    #expect(cache.lookup(c, profile: .full, key: "k1") == .corrupt)
    // A truncated entry (what a killed non-atomic write would leave) is corrupt too.
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes.prefix(20)))
    #expect(cache.lookup(c, profile: .full, key: "k1") == .corrupt)
    #expect(!((try? FileManager.default.contentsOfDirectory(atPath: cache.directory + "/results")) ?? []).contains { $0.contains(".tmp-") })
}

@Test func cachedFailureLinesFollowTheCellWhenProseAboveGrows() throws {
    let cache = ResultCache(directory: temporaryDirectory())
    let before = try chapter()
    let failing = ChapterResult(name: "c", cells: [CellResult(index: 0, status: .expectedFailure(message: "error: x", line: before.cells[0].line + 1))])
    try cache.store(failing, for: before, profile: .full, key: "k")
    let after = try chapter(prose: "Intro.\n\nTwo more\nlines.")
    guard case .hit(let result) = cache.lookup(after, profile: .full, key: "k") else { Issue.record("expected a hit"); return }
    #expect(result.cells[0].status == .expectedFailure(message: "error: x", line: after.cells[0].line + 1))
    #expect(after.cells[0].line == before.cells[0].line + 3)
}
