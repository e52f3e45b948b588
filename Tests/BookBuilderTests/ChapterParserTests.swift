import Foundation
import Testing
@testable import BookBuilder

private func parse(_ text: String, path: String = "chapters/04-unet.md") throws(Diagnostic) -> Chapter {
    try ChapterParser.parse(path: path, text: text)
}

/// The diagnostic `parse` throws for `text`.
private func problem(_ text: String, path: String = "chapters/04-unet.md") -> String? {
    do throws(Diagnostic) { _ = try parse(text, path: path); return nil } catch { return error.description }
}

@Test func parsesFrontMatterProseCellsAndLines() throws {
    let chapter = try parse("""
        ---
        title: U-Net
        summary: The encoder-decoder with skips.
        timeout: 30
        authors: [Ronneberger, Fischer]
        ---
        Intro with `{swift} unet.parameterCount` parameters.

        ```swift
        //| label: fig-unet
        //| echo: false
        let unet = 1
        unet + 1
        ```
        Between, `{swift} 1 + 1` and `{swift} "x"`.
        ```python
        not a cell
        ```
        ```swift
        print(unet)
        ```
        """)
    #expect(chapter.name == "04-unet")
    #expect(chapter.frontMatter.title == "U-Net")
    #expect(chapter.frontMatter.summary == "The encoder-decoder with skips.")
    #expect(chapter.frontMatter.timeout == 30)
    #expect(chapter.frontMatter.extra["authors"] == "Ronneberger, Fischer")

    let cells = chapter.cells
    #expect(cells.count == 2)
    #expect(cells[0].fenceLine == 9)
    #expect(cells[0].line == 12)  // after the fence and two option lines
    #expect(cells[0].code == "let unet = 1\nunet + 1")
    #expect(cells[0].options.label == "fig-unet")
    #expect(cells[0].options.echo == false)
    #expect(cells[1].index == 1 && cells[1].fenceLine == 19 && cells[1].line == 20)
    #expect(cells[1].code == "print(unet)")

    #expect(chapter.inlineExpressions == [
        InlineExpression(id: 0, expression: "unet.parameterCount", line: 7),
        InlineExpression(id: 1, expression: "1 + 1", line: 15),
        InlineExpression(id: 2, expression: "\"x\"", line: 15),
    ])
    guard case .prose(let between) = chapter.blocks[2] else { Issue.record("expected prose"); return }
    #expect(between.line == 15)
    #expect(between.markdown == "Between, `{swift} 1 + 1` and `{swift} \"x\"`.\n```python\nnot a cell\n```")
    #expect(between.inlines.map(\.id) == [1, 2])
}

@Test func fencesNestedInListsAndQuotesAreShownNotRun() throws {
    let chapter = try parse("""
        - a list item
          ```swift
          let nested = 1
          ```
        > ```swift
        > quoted()
        > ```

            ```swift
            indented code, not a fence
            ```
        ~~~swift
        let tilde = 2
        ~~~
        """)
    #expect(chapter.cells.map(\.code) == ["let tilde = 2"])
    #expect(chapter.cells[0].line == 13)
}

@Test func unclosedFenceRunsToTheEndAndCRLFIsAccepted() throws {
    let chapter = try parse("Text\r\n```swift\r\nlet a = 1\r\nlet b = 2\r\n")
    #expect(chapter.cells.count == 1)
    #expect(chapter.cells[0].code == "let a = 1\nlet b = 2")
    #expect(chapter.cells[0].line == 3)
}

/// cmark ends a line at a lone CR too; so must the parser, or its line numbers and cmark's disagree
/// (found by the fuzzer: a cell's line pointed past the end of the file).
@Test func aLoneCarriageReturnEndsALine() throws {
    let chapter = try parse("Text\r\r```swift\rlet a = 1\r```\rMore `{swift} a` here.\n")
    #expect(chapter.cells.count == 1)
    #expect(chapter.cells[0].code == "let a = 1")
    #expect(chapter.cells[0].line == 4)
    #expect(chapter.inlineExpressions.map(\.line) == [6])
}

@Test func cellOptionsAreParsedWithTheirValues() throws {
    let chapter = try parse("""
        ```swift
        //| eval: false
        //| output: false
        //| error: true
        //| fig-cap: "A figure: with a colon"
        //| tbl-cap: Results
        //| timeout: 2.5
        //| volatile: true
        //| tolerance: 0.05
        //| inputs: data/a.png data/b.csv
        x
        ```
        """)
    let options = chapter.cells[0].options
    #expect(!options.eval && !options.output && options.error && options.volatile)
    #expect(options.figCap == "A figure: with a colon")
    #expect(options.tblCap == "Results")
    #expect(options.timeout == 2.5)
    #expect(options.tolerance == 0.05)
    #expect(options.inputs == ["data/a.png", "data/b.csv"])
    #expect(chapter.cells[0].line == 11)
}

@Test func badCellOptionsNameTheFileAndLine() {
    #expect(problem("Text\n\n```swift\n//| echo: false\n//| ech: true\nx\n```\n") == "chapters/04-unet.md:5: unknown cell option 'ech'")
    #expect(problem("```swift\n//| echo: maybe\n```\n") == "chapters/04-unet.md:2: cell option 'echo' must be true or false, not 'maybe'")
    #expect(problem("```swift\n//| timeout: -1\n```\n") == "chapters/04-unet.md:2: cell option 'timeout' must be a positive number, not '-1'")
    #expect(problem("```swift\n//| echo\n```\n") == "chapters/04-unet.md:2: malformed cell option 'echo': expected '//| key: value'")
    #expect(problem("```swift\n//| echo: true\n//| echo: false\n```\n") == "chapters/04-unet.md:3: cell option 'echo' is given twice")
    #expect(problem("```swift\n//| label: fig x\n```\n") == "chapters/04-unet.md:2: cell option 'label' must be letters, digits, '-' or '_', not 'fig x'")
}

@Test func malformedFrontMatterNamesTheLine() {
    #expect(problem("---\ntitle: A\nsummary: [unclosed\n---\nText\n")
        == "chapters/04-unet.md:4: malformed front matter: did not find expected ',' or ']'")
    #expect(problem("---\ntitle: A\n  bad: indent\n---\n") == "chapters/04-unet.md:3: malformed front matter: mapping values are not allowed in this context")
    #expect(problem("---\ntitle: A\nText without an end\n") == "chapters/04-unet.md:1: front matter is not closed: expected a line '---'")
    #expect(problem("---\ntimeout: soon\n---\n") == "chapters/04-unet.md:2: front matter 'timeout' must be a positive number of seconds")
    #expect(problem("---\n- a list\n---\n") == "chapters/04-unet.md:2: malformed front matter: expected 'key: value' lines")
}

@Test func nonUTF8FileIsOneLineNamingTheFile() {
    var bytes = Array("Line one\nLine two \u{e9}\n".utf8)
    bytes += [0x61, 0xFF, 0x62, 0x0A]
    do throws(Diagnostic) {
        _ = try ChapterParser.parse(path: "chapters/bad.md", data: Data(bytes))
        Issue.record("expected an error")
    } catch {
        #expect(error.description == "chapters/bad.md:3: the file is not valid UTF-8 text")
    }
}

@Test func emptyInlineExpressionIsAnError() {
    #expect(problem("A `{swift}` here.\n") == "chapters/04-unet.md:1: empty inline expression `{swift}`")
}

@Test func chapterWithoutFrontMatterOrCellsIsProse() throws {
    let chapter = try parse("# Title\n\nJust prose with `code`.\n")
    #expect(chapter.frontMatter == FrontMatter())
    #expect(chapter.cells.isEmpty)
    #expect(chapter.blocks == [.prose(Prose(markdown: "# Title\n\nJust prose with `code`.\n", line: 1, inlines: []))])
}
