import Foundation
import Testing

@Test func checkComparesWithTheFreezeRecord() throws {
    let book = Sandbox()
    book.write("chapters/m.md", """
        ---
        title: Measures
        ---
        Epochs: `{swift} Book.budget(full: 40, quick: 2)`.

        ```swift
        let accuracy = 0.91234
        print("accuracy", accuracy)
        ```

        ```swift
        //| volatile: true
        import Foundation
        print("took", Date().timeIntervalSince1970)
        ```
        """)
    var outcome = try book.segbook("check", "--quick")
    #expect(outcome.status == 1)
    #expect(outcome.stderr == "chapters/m.md: no recorded result for the quick profile; run `segbook freeze --quick`\n")

    outcome = try book.segbook("freeze", "--quick")
    #expect(outcome.status == 0)
    #expect(outcome.stdout.contains("segbook: recorded chapters/_freeze/m.json (quick)"))
    let record = try #require(book.read("chapters/_freeze/m.json"))
    #expect(record.contains("\"quick\"") && record.contains("accuracy 0.91234") && !record.contains("\"full\""))

    outcome = try book.segbook("check", "--quick")
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdout.contains("segbook: check passed"))

    // A recorded number off by less than the tolerance still passes; a larger change fails with a diff.
    book.write("chapters/_freeze/m.json", record.replacingOccurrences(of: "accuracy 0.91234", with: "accuracy 0.9125"))
    #expect(try book.segbook("check", "--quick").status == 0)
    book.write("chapters/_freeze/m.json", record.replacingOccurrences(of: "accuracy 0.91234", with: "accuracy 0.95"))
    outcome = try book.segbook("check", "--quick")
    #expect(outcome.status == 1)
    #expect(outcome.stderr == """
        chapters/m.md:7: output differs from the freeze record; run `segbook freeze --quick` if the change is intended
          - accuracy 0.95
          + accuracy 0.91234

        """)

    // The full profile has its own record.
    outcome = try book.segbook("check")
    #expect(outcome.status == 1)
    #expect(outcome.stderr == "chapters/m.md: no recorded result for the full profile; run `segbook freeze`\n")
}

@Test func checkFailsOnErrorsAndOnErrorCellsThatSucceed() throws {
    let book = Sandbox()
    book.write("chapters/e.md", """
        ```swift
        //| error: true
        print("no error here")
        ```

        ```swift
        let r: [Int] = []
        r[1]
        ```
        """)
    let outcome = try book.segbook("check")
    #expect(outcome.status == 1)
    #expect(outcome.stderr.split(separator: "\n").map(String.init) == [
        "chapters/e.md:8: Fatal error: Index out of range",
        "chapters/e.md:3: the cell is marked 'error: true' but ran without an error",
        "chapters/e.md: no recorded result for the full profile; run `segbook freeze`",
    ])
}

@Test func theLongestChapterByItsFreezeRecordStartsFirst() throws {
    let book = Sandbox()
    for name in ["a", "b", "c"] { book.write("chapters/\(name).md", "```swift\nprint(\"\(name)\")\n```\n") }
    // b took longest when frozen, c has no record: b, then a, then c (book order among the rest).
    book.write("chapters/_freeze/a.json", #"{"chapter": "a", "profiles": {"quick": {"cells": [], "inline": {}, "seconds": 5}}}"#)
    book.write("chapters/_freeze/b.json", #"{"chapter": "b", "profiles": {"quick": {"cells": [], "inline": {}, "seconds": 50}}}"#)
    let outcome = try book.segbook("build", "--quick", "--jobs", "1")
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let started = (outcome.stdout + outcome.stderr).split(separator: "\n").filter { $0.hasPrefix("▶ ") }
    #expect(started == ["▶ b", "▶ a", "▶ c"], "\(started)")
}
