import Foundation
import Testing
@testable import BookBuilder

/// These tests compile and run chapter programs against the release-built engine
/// (`swift build -c release -Xswiftc -enable-testing` first: they need `.build/release/libBookRuntime.so`).
enum TestEngine {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let settings: Result<RunSettings, Diagnostic> = {
        do throws(Diagnostic) {
            let engine = try Engine.locate(nextTo: packageRoot + "/.build/release/segbook")
            let work = NSTemporaryDirectory() + "segbook-runner-tests-\(getpid())"
            return .success(RunSettings(engine: engine, profile: .full, workDirectory: work))
        } catch {
            return .failure(error)
        }
    }()

    static func run(_ text: String, name: String = "x", profile: Profile = .full) throws -> (Chapter, ChapterResult) {
        var settings = try TestEngine.settings.get()
        settings.profile = profile
        settings.workDirectory += "/" + UUID().uuidString
        let chapter = try ChapterParser.parse(path: "chapters/\(name).md", text: text)
        return (chapter, ChapterRunner.run(chapter, settings: settings))
    }
}

@Test func cellsShareStateShowLastValuesAndInlineValues() throws {
    let (_, result) = try TestEngine.run("""
        ---
        title: Basics
        ---
        The sum is `{swift} total`, the budget `{swift} Book.budget(full: 100, quick: 5)`.

        ```swift
        var total = 0
        for i in 1...4 { total += i }
        print("sum", total)
        ```

        ```swift
        total * 10
        ```

        ```swift
        //| eval: false
        total = -1
        ```

        ```swift
        import Foundation
        fputs("from stderr\\n", stderr)
        total += 1
        ```
        """)
    #expect(result.cells.map(\.status) == [.ok, .ok, .skipped, .ok])
    #expect(result.cells[0].output == "sum 10\n")
    #expect(result.cells[1].displays == [.text("100")])
    #expect(result.cells[1].output == "")
    #expect(result.cells[3].output == "from stderr\n")
    #expect(result.cells[3].displays == [])
    #expect(result.inlineValues == [0: "11", 1: "100"])
    #expect(result.inlineErrors.isEmpty)
    #expect(!result.failed)
}

@Test func richOutputsBecomeDisplays() throws {
    let (_, result) = try TestEngine.run("""
        ```swift
        show(Table(columns: ["n", "square"], rows: [[1, 1], [2, 4.5]]))
        show(BookOutput.svg("<svg xmlns='http://www.w3.org/2000/svg'/>"))
        show(BookOutput.png([0x89, 0x50, 0x4E, 0x47]))
        show(BookOutput.html("<b>bold</b>"))
        struct Figure: BookDisplayable { var bookDisplay: [BookOutput] { [.text("a figure")] } }
        Figure()
        ```
        """)
    #expect(result.cells[0].status == .ok)
    #expect(result.cells[0].displays == [
        .table(Table(columns: ["n", "square"], rows: [["1", "1"], ["2", "4.5"]])),
        .svg("<svg xmlns='http://www.w3.org/2000/svg'/>"),
        .png(Data([0x89, 0x50, 0x4E, 0x47])),
        .html("<b>bold</b>"),
        .text("a figure"),
    ])
}

@Test func compileErrorFailsItsCellAtTheChapterLineAndEarlierCellsRun() throws {
    let (_, result) = try TestEngine.run("""
        # Errors

        ```swift
        print("first")
        ```

        ```swift
        let fine = 1
        let wrong: Int = "text"
        ```

        ```swift
        print("never")
        ```
        Inline `{swift} fine`.
        """)
    #expect(result.cells[0] .status == .ok)
    #expect(result.cells[0].output == "first\n")
    #expect(result.cells[1].status == .failed(message: "error: cannot convert value of type 'String' to specified type 'Int'", line: 9))
    #expect(result.cells[1].output == "chapters/x.md:9:18: error: cannot convert value of type 'String' to specified type 'Int'")
    #expect(result.cells[2].status == .notRun)
    #expect(result.inlineValues.isEmpty)
}

@Test func trapFailsItsCellAtTheChapterLineAndLaterCellsDoNotRun() throws {
    let (_, result) = try TestEngine.run("""
        ```swift
        let numbers = [1, 2, 3]
        ```

        ```swift
        print("before the trap")
        func element(_ i: Int) -> Int {
            numbers[i]
        }
        element(7)
        ```

        ```swift
        print("never")
        ```
        """)
    #expect(result.cells[0].status == .ok)
    #expect(result.cells[1].status == .failed(message: "Fatal error: Index out of range", line: 8))
    #expect(result.cells[1].output.hasPrefix("before the trap\n"))
    #expect(result.cells[2].status == .notRun)
}

@Test func timeoutKillsTheCell() throws {
    let start = Date()
    let (_, result) = try TestEngine.run("""
        ```swift
        print("started")
        ```

        ```swift
        //| timeout: 1
        var spins = 0
        while true { spins &+= 1 }
        ```

        ```swift
        print("never")
        ```
        """)
    #expect(result.cells[0].status == .ok)
    #expect(result.cells[1].status == .failed(message: "timed out after 1 s", line: 7))
    #expect(result.cells[2].status == .notRun)
    #expect(Date().timeIntervalSince(start) < 30)
}

@Test func expectedErrorsAreShownAndTheChapterGoesOn() throws {
    let (_, result) = try TestEngine.run("""
        ```swift
        struct Oops: Error {}
        var log: [String] = []
        ```

        ```swift
        //| error: true
        log.append("thrown")
        throw Oops()
        ```

        ```swift
        //| error: true
        let n: Int = "not a number"
        ```

        ```swift
        //| error: true
        log.append("trapped")
        let empty: [Int] = []
        empty[0]
        ```

        ```swift
        log
        ```
        """)
    #expect(result.cells[1].status == .expectedFailure(message: "error: Oops()", line: nil))
    #expect(result.cells[2].status == .expectedFailure(message: "error: cannot convert value of type 'String' to specified type 'Int'", line: 14))
    #expect(result.cells[3].status == .expectedFailure(message: "Fatal error: Index out of range", line: 21))
    #expect(result.cells[4].status == .ok)
    // The trapping cell is left out of the final run, so its effects are not in the shared state.
    #expect(result.cells[4].displays == [.text(#"["thrown"]"#)])
    #expect(!result.failed)
}

@Test func runawayOutputIsCutAtTheLimit() throws {
    let (_, result) = try TestEngine.run("""
        ```swift
        let line = String(repeating: "x", count: 1023)
        for _ in 0..<3000 { print(line) }
        ```

        ```swift
        print("after")
        ```
        """)
    #expect(result.cells[0].status == .ok)
    #expect(result.cells[0].truncated)
    #expect(result.cells[0].output.utf8.count == 1 << 20)
    #expect(result.cells[1].output == "after\n")
    #expect(!result.cells[1].truncated)
}

@Test func exitAndKillAreReportedInTheirCell() throws {
    let (_, exited) = try TestEngine.run("""
        ```swift
        import Foundation
        print("bye")
        exit(3)
        ```
        """)
    #expect(exited.cells[0].status == .failed(message: "the program exited with status 3 before the end of the chapter", line: 2))
    #expect(exited.cells[0].output == "bye\n")

    let (_, killed) = try TestEngine.run("""
        ```swift
        import Foundation
        kill(getpid(), SIGKILL)
        ```
        """)
    #expect(killed.cells[0].status == .failed(message: "killed by SIGKILL (out of memory?)", line: 2))
}

@Test func quickProfileUsesTheQuickBudget() throws {
    let (_, result) = try TestEngine.run("Epochs: `{swift} Book.budget(full: 50, quick: 2)`, `{swift} Book.profile`.\n", profile: .quick)
    #expect(result.inlineValues == [0: "2", 1: "quick"])
}

@Test func inlineExpressionErrorsAreReported() throws {
    let (_, result) = try TestEngine.run("""
        ```swift
        let x = 2
        ```
        Good `{swift} x * 2`, bad `{swift} y`.
        """)
    #expect(result.cells[0].status == .ok)
    #expect(result.inlineValues == [0: "4"])
    #expect(result.inlineErrors == [1: "error: cannot find 'y' in scope"])
    #expect(result.failed)
}
