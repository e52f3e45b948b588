import Foundation
import Testing

/// A chapter whose cell appends its name to `runs.log`, so the test sees every execution.
private func chapter(_ name: String, prose: String, value: Int) -> String {
    """
    ---
    title: Chapter \(name)
    ---
    \(prose) The value is `{swift} value`.

    ```swift
    import Foundation
    let log = FileHandle(forWritingAtPath: "runs.log")!
    log.seekToEndOfFile()
    log.write("\(name)\\n".data(using: .utf8)!)
    let value = \(value)
    value * 2
    ```
    """
}

private func runs(_ book: Sandbox) -> [String] {
    (book.read("runs.log") ?? "").split(separator: "\n").map(String.init)
}

@Test func proseEditsRenderFromCacheAndCodeEditsRerunOnlyThatChapter() throws {
    let book = Sandbox()
    book.write("runs.log", "")
    for (i, name) in ["a", "b", "c", "d"].enumerated() {
        book.write("chapters/\(name).md", chapter(name, prose: "First words of \(name).", value: i))
    }
    var outcome = try book.segbook("build")
    #expect(outcome.status == 0)
    #expect(runs(book).sorted() == ["a", "b", "c", "d"])
    #expect(outcome.stdout.contains("4 chapters built: 4 run, 0 from cache in"))

    // Prose only: nothing runs, the page changes.
    book.write("chapters/b.md", chapter("b", prose: "Rewritten prose,\nnow on two lines.", value: 1))
    outcome = try book.segbook("build")
    #expect(outcome.status == 0)
    #expect(runs(book).count == 4)
    #expect(outcome.stdout.contains("4 chapters built: 0 run, 4 from cache in"))
    #expect(book.read("output/b.html")?.contains("Rewritten prose") == true)
    print("prose-only rebuild of a 4-chapter book: \(String(format: "%.3f", outcome.seconds)) s (segbook process, wall clock)")
    #expect(outcome.seconds < 2)

    // Code: only that chapter runs.
    book.write("chapters/c.md", chapter("c", prose: "First words of c.", value: 42))
    outcome = try book.segbook("build")
    #expect(outcome.status == 0)
    #expect(runs(book).count == 5 && runs(book).last == "c")
    #expect(outcome.stdout.contains("4 chapters built: 1 run, 3 from cache in"))
    #expect(outcome.stdout.contains("▶ c\n"))
    #expect(book.read("output/c.html")?.contains("84") == true)

    // --force runs everything; a named chapter runs alone.
    outcome = try book.segbook("build", "--force", "a")
    #expect(runs(book).count == 6 && runs(book).last == "a")
    #expect(outcome.stdout.contains("1 chapter built: 1 run, 0 from cache in"))

    // The quick profile has its own cache entries.
    outcome = try book.segbook("build", "--quick")
    #expect(runs(book).count == 10)
}

@Test func aCorruptCacheEntryIsRebuilt() throws {
    let book = Sandbox()
    book.write("runs.log", "")
    book.write("chapters/a.md", chapter("a", prose: "Words.", value: 1))
    #expect(try book.segbook("build").status == 0)
    let entry = ".segbook-cache/results/a.full.json"
    let text = try #require(book.read(entry))
    book.write(entry, String(text.dropLast(10)))
    let outcome = try book.segbook("build")
    #expect(outcome.status == 0)
    #expect(outcome.stderr == ".segbook-cache/results/a.full.json: warning: corrupt cache entry; rebuilding it\n")
    #expect(runs(book) == ["a", "a"])
    #expect(try book.segbook("build").stdout.contains("0 run, 1 from cache"))
}
