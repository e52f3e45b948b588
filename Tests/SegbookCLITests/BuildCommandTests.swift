import Foundation
import Testing

@Test func buildRunsChaptersAndReportsFailuresAtTheirLines() throws {
    let book = Sandbox()
    book.write("chapters/01-ok.md", """
        ---
        title: Fine
        ---
        Two is `{swift} 1 + 1`.

        ```swift
        print("hello")
        ```
        """)
    book.write("chapters/02-compile.md", """
        # Compile error

        ```swift
        let a = 1
        let b = missing + a
        ```
        """)
    book.write("chapters/03-trap.md", """
        ```swift
        let xs = [1]
        print(xs.count)
        xs[4]
        ```

        ```swift
        print("never")
        ```
        """)
    let outcome = try book.segbook("build", "--jobs", "2")
    #expect(outcome.status == 1)
    let errors = outcome.stderr.split(separator: "\n").map(String.init)
    #expect(errors == [
        "chapters/02-compile.md:5: error: cannot find 'missing' in scope",
        "chapters/03-trap.md:4: Fatal error: Index out of range",
    ])
    #expect(outcome.stdout.contains("✓ 01-ok: 1 cell, "))
    #expect(outcome.stdout.contains("✗ 02-compile: 1 cell, 1 failed, "))
    #expect(outcome.stdout.contains("✗ 03-trap: 2 cells, 1 failed, "))
    #expect(outcome.stdout.contains("segbook: 3 chapters built: 3 run, 0 from cache, 2 failed in "))
    // Every page renders, failing ones included.
    #expect(book.exists("output/index.html") && book.exists("output/02-compile.html") && book.exists("output/03-trap.html"))
}

@Test func timeoutFromFrontMatterFailsTheBuild() throws {
    let book = Sandbox()
    book.write("chapters/slow.md", """
        ---
        timeout: 1
        ---
        ```swift
        while true {}
        ```
        """)
    let outcome = try book.segbook("build")
    #expect(outcome.status == 1)
    #expect(outcome.stderr == "chapters/slow.md:5: timed out after 1 s\n")
}

@Test func userMistakesAreOneLineAndExit2() throws {
    let book = Sandbox()
    book.write("chapters/a.md", "```swift\n//| ech: true\nprint(1)\n```\n")
    var outcome = try book.segbook("build")
    #expect(outcome.status == 2)
    #expect(outcome.stderr == "chapters/a.md:2: unknown cell option 'ech'\n")

    book.write("chapters/a.md", "---\ntitle: [oops\n---\n")
    outcome = try book.segbook("build")
    #expect(outcome.status == 2)
    #expect(outcome.stderr == "chapters/a.md:3: malformed front matter: did not find expected ',' or ']'\n")

    book.write("chapters/a.md", Data([0x23, 0x20, 0xC3, 0x28, 0x0A]))
    outcome = try book.segbook("check")
    #expect(outcome.status == 2)
    #expect(outcome.stderr == "chapters/a.md:1: the file is not valid UTF-8 text\n")

    outcome = try book.segbook("build", "--chapters", "nowhere")
    #expect(outcome.status == 2)
    #expect(outcome.stderr == "nowhere: no such folder (the chapters folder; see --chapters)\n")

    book.write("chapters/a.md", "Fine.\n")
    outcome = try book.segbook("build", "zzz")
    #expect(outcome.status == 2)
    #expect(outcome.stderr == "chapters: no chapter named 'zzz'\n")

    outcome = try book.segbook("build", "--jobs", "0")
    #expect(outcome.status == 2)
    #expect(outcome.stderr.hasPrefix("Error: --jobs must be at least 1"))

    outcome = try book.segbook("build", "--bogus")
    #expect(outcome.status == 2)
    #expect(outcome.stderr.hasPrefix("Error: Unknown option '--bogus'"))
    #expect(!outcome.stderr.contains("Stack") && !outcome.stderr.contains("0x0"))
}

@Test func cleanRemovesTheCacheAndTheBook() throws {
    let book = Sandbox()
    book.write("chapters/a.md", "Prose only.\n")
    #expect(try book.segbook("build").status == 0)
    #expect(book.exists("output/a.html") && book.exists(".segbook-cache"))
    let outcome = try book.segbook("clean")
    #expect(outcome.status == 0)
    #expect(!book.exists("output/a.html") && !book.exists(".segbook-cache"))
}
