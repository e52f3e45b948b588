import Foundation
import Testing
@testable import BookBuilder

/// A small book built in code: two chapters whose cells cover every way a cell can end.
enum RenderFixture {
    static let svg = """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="120" height="40" viewBox="0 0 120 40">
    <defs><g id="glyph-0-1"><path d="M0 0h5v5z"/></g></defs>
    <rect x="1" y="1" width="118" height="38" fill="#cde" stroke="#345"/><use xlink:href="#glyph-0-1" x="10" y="10"/>
    </svg>
    """
    /// A 1×1 PNG.
    static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")!

    static func cell(_ index: Int, _ code: String, line: Int, _ configure: (inout CellOptions) -> Void = { _ in }) -> Cell {
        var options = CellOptions()
        configure(&options)
        return Cell(index: index, code: code, line: line, fenceLine: line - 1, options: options)
    }

    static var intro: (Chapter, ChapterResult) {
        let prose0 = Prose(markdown: """
            ## The idea

            U-Net has `{swift} unet.parameterCount` parameters and `{swift} missing.value` layers.
            Its loss is $\\mathcal{L} = -\\sum_i y_i \\log p_i$ and costs $5 or $10, not math.

            $$
            a_1 * b_2 = c_3 * d_4
            $$

            See @fig-arch and @tbl-scores; @fig-nope is not a figure. Mail me@fig-x.org.
            A code span keeps `$x$` and `@fig-arch` as written.

            | model | mIoU |
            |---|---|
            | FCN | 62.2 |

            ~~old~~ and https://example.org/paper
            """, line: 5, inlines: [InlineExpression(id: 0, expression: "unet.parameterCount", line: 7),
                                    InlineExpression(id: 1, expression: "missing.value", line: 7)])
        let cells = [
            cell(0, "let unet = UNet.original(classes: 2)\nprint(\"<script>alert(1)</script>\")", line: 24),
            cell(1, "unet.diagram(input: [1, 1, 572, 572])", line: 30) {
                $0.label = "fig-arch"; $0.figCap = "U-Net, traced from the *engine*" },
            cell(2, "let secretCode = 42", line: 36) { $0.echo = false },
            cell(3, "for i in 1...100 { print(i) }", line: 40),
            cell(4, "scores.table()", line: 44) { $0.label = "tbl-scores"; $0.tblCap = "Scores on the toy set" },
            cell(5, "let x: Int = \"no\"", line: 48) { $0.error = true },
            cell(6, "let y = [1][3]", line: 52),
            cell(7, "print(\"after\")", line: 56),
            cell(8, "print(\"quiet\")", line: 60) { $0.output = false },
        ]
        var blocks: [Block] = [.prose(prose0)]
        for c in cells {
            blocks.append(.cell(c))
            if c.index == 3 { blocks.append(.prose(Prose(markdown: "### Scores\n\nThe table follows.", line: 42, inlines: []))) }
        }
        let chapter = Chapter(path: "chapters/01-intro.md", name: "01-intro",
                              frontMatter: FrontMatter(title: "Introduction to segmentation", summary: "What a pixel's label is."),
                              blocks: blocks)
        let result = ChapterResult(name: "01-intro", cells: [
            CellResult(index: 0, status: .ok, output: "<script>alert(1)</script>\n"),
            CellResult(index: 1, status: .ok, displays: [.svg(svg)]),
            CellResult(index: 2, status: .ok, output: "hidden echo output\n"),
            CellResult(index: 3, status: .ok, output: (1...100).map(String.init).joined(separator: "\n") + "\n"),
            CellResult(index: 4, status: .ok, displays: [.table(Table(columns: ["model", "mIoU"], rows: [["FCN", "62.2"], ["U-Net <b>", "70.1"]]))]),
            CellResult(index: 5, status: .expectedFailure(message: "cannot convert value of type 'String' to 'Int'", line: 48)),
            CellResult(index: 6, status: .failed(message: "Fatal error: Index out of range <here>", line: 52)),
            CellResult(index: 7, status: .notRun),
            CellResult(index: 8, status: .ok, output: "quiet output\n"),
        ], inlineValues: [0: "31,031,745"])
        return (chapter, result)
    }

    static var unet: (Chapter, ChapterResult) {
        let chapter = Chapter(path: "chapters/02-unet.md", name: "02-unet",
                              frontMatter: FrontMatter(title: "U-Net", summary: "An encoder, a decoder, and skips."),
                              blocks: [
                                .prose(Prose(markdown: "# Skip connections\n\nAs @fig-arch showed, and @fig-mask shows.\n", line: 4, inlines: [])),
                                .cell(cell(0, "mask.png()", line: 9) { $0.label = "fig-mask"; $0.figCap = "A predicted mask" }),
                                .cell(cell(1, "plot()", line: 14) { $0.label = "fig-second" }),
                              ])
        let result = ChapterResult(name: "02-unet", cells: [
            CellResult(index: 0, status: .ok, displays: [.png(png)]),
            CellResult(index: 1, status: .ok, displays: [.svg(svg), .html("<p class=\"given\">given <em>HTML</em></p>")]),
        ])
        return (chapter, result)
    }

    static var book: BookInfo {
        BookInfo(title: "Segmentation, Executed", subtitle: "A review you can rerun",
                 introduction: "Every number here is **measured**; see @fig-arch.")
    }

    static var chapters: [(Chapter, ChapterResult)] { [intro, unet] }

    /// Renders the fixture book into a fresh temporary folder.
    static func renderSite(options: RenderOptions = RenderOptions()) throws -> (URL, [Diagnostic]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segbook-render-\(UUID().uuidString)")
        let diagnostics = try renderBook(book, chapters: chapters, to: dir, options: options)
        return (dir, diagnostics)
    }

    static func page(_ name: String, in dir: URL) throws -> String {
        try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
    }
}

@Suite struct RenderTests {
    @Test func inlineSVGLosesItsPrologAndPrefixesEveryIDAndReference() {
        let svg = """
        <?xml version="1.0"?>
        <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">
        <svg data-id="a"><clipPath id="clip1"/><g id="glyph-0-1"/><use xlink:href="#glyph-0-1"/><rect grid="x" clip-path="url(#clip1)"/></svg>
        """
        #expect(SVG.inlined(svg, idPrefix: "p") == """
            <svg data-id="p-a"><clipPath id="p-clip1"/><g id="p-glyph-0-1"/><use xlink:href="#p-glyph-0-1"/><rect grid="x" clip-path="url(#p-clip1)"/></svg>
            """)
    }

    @Test func figuresAndTablesAreNumberedPerChapter() throws {
        let (dir, _) = try RenderFixture.renderSite()
        let intro = try RenderFixture.page("01-intro.html", in: dir)
        let unet = try RenderFixture.page("02-unet.html", in: dir)
        #expect(intro.contains("<figure class=\"cell-output figure\" id=\"fig-arch\">"))
        #expect(intro.contains("<span class=\"caption-number\">Figure 1.1</span>: U-Net, traced from the <em>engine</em>"))
        #expect(intro.contains("<span class=\"caption-number\">Table 1.1</span>: Scores on the toy set"))
        // Chapter 2's figures restart at 2.1; a figure without caption still gets its number.
        #expect(unet.contains("<span class=\"caption-number\">Figure 2.1</span>: A predicted mask"))
        #expect(unet.contains("<span class=\"caption-number\">Figure 2.2</span></figcaption>"))
    }

    @Test func chapterNumberComesFromTheFileNameElseTheOrder() {
        #expect(Numbering.chapterNumber(name: "04-unet", position: 1) == 4)
        #expect(Numbering.chapterNumber(name: "12_vit", position: 1) == 12)
        #expect(Numbering.chapterNumber(name: "appendix", position: 7) == 7)
    }

    @Test func referencesBecomeNumberedLinksAcrossChapters() throws {
        let (dir, _) = try RenderFixture.renderSite()
        let intro = try RenderFixture.page("01-intro.html", in: dir)
        let unet = try RenderFixture.page("02-unet.html", in: dir)
        let index = try RenderFixture.page("index.html", in: dir)
        #expect(intro.contains("See <a class=\"xref\" href=\"#fig-arch\">Figure 1.1</a> and <a class=\"xref\" href=\"#tbl-scores\">Table 1.1</a>"))
        #expect(unet.contains("As <a class=\"xref\" href=\"01-intro.html#fig-arch\">Figure 1.1</a> showed, and <a class=\"xref\" href=\"#fig-mask\">Figure 2.1</a> shows."))
        #expect(index.contains("<a class=\"xref\" href=\"01-intro.html#fig-arch\">Figure 1.1</a>"))
        // Not references: an e-mail-like word, and code spans.
        #expect(intro.contains("me@fig-x.org"))
        #expect(intro.contains("<code>$x$</code> and <code>@fig-arch</code>"))
    }

    @Test func unknownReferenceIsAWarningInBuildAndAnErrorInCheck() throws {
        let (dir, warnings) = try RenderFixture.renderSite()
        #expect(warnings.map(\.description) == ["chapters/01-intro.md:14: warning: unknown reference '@fig-nope'"])
        #expect(try RenderFixture.page("01-intro.html", in: dir).contains("<span class=\"xref-missing\""))
        let (_, errors) = try RenderFixture.renderSite(options: RenderOptions(strictReferences: true))
        #expect(errors.map(\.description) == ["chapters/01-intro.md:14: unknown reference '@fig-nope'"])
        #expect(errors.allSatisfy { $0.severity == .error })
    }

    @Test func everythingACellPrintsIsEscaped() throws {
        let (dir, _) = try RenderFixture.renderSite()
        let intro = try RenderFixture.page("01-intro.html", in: dir)
        #expect(!intro.contains("<script>alert(1)</script>"))
        #expect(intro.contains("<pre class=\"output output-stream\">&lt;script&gt;alert(1)&lt;/script&gt;</pre>"))
        #expect(intro.contains("<td>U-Net &lt;b&gt;</td>"))
        #expect(intro.contains("Index out of range &lt;here&gt;"))
    }

    @Test func echoFalseHidesTheCodeAndKeepsTheOutput() throws {
        let intro = try RenderFixture.page("01-intro.html", in: RenderFixture.renderSite().0)
        #expect(!intro.contains("secretCode"))
        #expect(intro.contains("hidden echo output"))
    }

    @Test func outputFalseHidesTheOutputAndKeepsTheCode() throws {
        let intro = try RenderFixture.page("01-intro.html", in: RenderFixture.renderSite().0)
        #expect(intro.contains("quiet"))
        #expect(!intro.contains("quiet output"))
    }

    @Test func longOutputShowsItsBeginningAndAShowAll() throws {
        let intro = try RenderFixture.page("01-intro.html", in: RenderFixture.renderSite().0)
        let head = (1...20).map(String.init).joined(separator: "\n")
        let rest = (21...100).map(String.init).joined(separator: "\n")
        #expect(intro.contains("<pre class=\"output output-stream output-head\">\(head)</pre>"))
        #expect(intro.contains("<summary>Show all 100 lines</summary><pre class=\"output output-stream output-rest\">\(rest)</pre>"))
    }

    @Test func failedExpectedAndNotRunCellsAreMarkedInPlace() throws {
        let intro = try RenderFixture.page("01-intro.html", in: RenderFixture.renderSite().0)
        #expect(intro.contains("<div class=\"cell cell-failed\" id=\"cell-7\" data-line=\"52\">"))
        #expect(intro.contains("<div class=\"error-title\">Error <span class=\"error-location\">chapters/01-intro.md:52</span></div>"))
        #expect(intro.contains("<div class=\"cell-error expected\" role=\"note\"><div class=\"error-title\">Expected error <span class=\"error-location\">chapters/01-intro.md:48</span>"))
        #expect(intro.contains("<div class=\"cell cell-not-run\" id=\"cell-8\""))
        #expect(intro.contains("Not run: an earlier cell of this chapter failed."))
        // The error shows in place: after the failed cell's code, before the next cell.
        let cell = try #require(intro.range(of: "id=\"cell-7\""))
        let code = try #require(intro.range(of: "<span class=\"hl-keyword\">let</span> y"))
        let error = try #require(intro.range(of: "Index out of range"))
        let next = try #require(intro.range(of: "id=\"cell-8\""))
        #expect(cell.lowerBound < code.lowerBound && code.lowerBound < error.lowerBound && error.lowerBound < next.lowerBound)
    }

    @Test func inlineValuesAppearAndMissingOnesAreMarked() throws {
        let intro = try RenderFixture.page("01-intro.html", in: RenderFixture.renderSite().0)
        #expect(intro.contains("U-Net has <span class=\"inline-value\" title=\"unet.parameterCount\">31,031,745</span> parameters"))
        #expect(intro.contains("<code class=\"inline-missing\" title=\"This value was not computed\">{swift} missing.value</code>"))
    }

    @Test func mathIsProtectedFromMarkdown() throws {
        let intro = try RenderFixture.page("01-intro.html", in: RenderFixture.renderSite().0)
        #expect(intro.contains("<span class=\"math inline\">\\(\\mathcal{L} = -\\sum_i y_i \\log p_i\\)</span>"))
        #expect(intro.contains("<span class=\"math display\">\\[a_1 * b_2 = c_3 * d_4\\]</span>"))
        #expect(intro.contains("costs $5 or $10, not math"))
        #expect(!intro.contains("<em>"+"2 = c"))
    }

    @Test func gitHubMarkdownExtensionsAreOn() throws {
        let intro = try RenderFixture.page("01-intro.html", in: RenderFixture.renderSite().0)
        #expect(intro.contains("<th>model</th>"))
        #expect(intro.contains("<del>old</del>"))
        #expect(intro.contains("<a href=\"https://example.org/paper\">https://example.org/paper</a>"))
    }

    @Test func everyHeadingHasAnAnchorAndTheOutlineListsThem() throws {
        let intro = try RenderFixture.page("01-intro.html", in: RenderFixture.renderSite().0)
        #expect(intro.contains("<h2 id=\"the-idea\">The idea<a class=\"anchor\" href=\"#the-idea\""))
        #expect(intro.contains("<h3 id=\"scores\">Scores<a class=\"anchor\" href=\"#scores\""))
        #expect(intro.contains("<li class=\"outline-h2\"><a href=\"#the-idea\">The idea</a></li>"))
        #expect(intro.contains("<li class=\"outline-h3\"><a href=\"#scores\">Scores</a></li>"))
    }

    @Test func codeIsHighlightedWithACopyButton() throws {
        let intro = try RenderFixture.page("01-intro.html", in: RenderFixture.renderSite().0)
        #expect(intro.contains("<button class=\"copy-button\""))
        #expect(intro.contains("<span class=\"hl-keyword\">let</span> unet = <span class=\"hl-type\">UNet</span>.<span class=\"hl-function\">original</span>(<span class=\"hl-label\">classes</span>: <span class=\"hl-number\">2</span>)"))
    }

    @Test func richOutputsRender() throws {
        let unet = try RenderFixture.page("02-unet.html", in: RenderFixture.renderSite().0)
        #expect(unet.contains("<img alt=\"\" src=\"data:image/png;base64,\(RenderFixture.png.base64EncodedString())\">"))
        #expect(unet.contains("<p class=\"given\">given <em>HTML</em></p>"))
        // Inline SVG: prolog dropped, ids made unique per output.
        #expect(!unet.contains("<?xml"))
        #expect(unet.contains("<g id=\"cell-2-d1-glyph-0-1\">"))
        #expect(unet.contains("xlink:href=\"#cell-2-d1-glyph-0-1\""))
    }

    @Test func aLabelUsedTwiceInAChapterIsReported() throws {
        let cells = [RenderFixture.cell(0, "a()", line: 3) { $0.label = "fig-a" }, RenderFixture.cell(1, "b()", line: 8) { $0.label = "fig-a" }]
        let chapter = Chapter(path: "chapters/appendix.md", name: "appendix", frontMatter: FrontMatter(), blocks: cells.map { .cell($0) })
        let numbering = Numbering(chapters: [chapter], strict: false)
        #expect(numbering.diagnostics.map(\.description) == ["chapters/appendix.md:7: warning: label 'fig-a' is used twice in this chapter"])
        // No number prefix in the file name: the chapter takes its place in the book.
        #expect(numbering.labels["fig-a"]?.text == "Figure 1.1")
    }

    @Test func bookMetadataLoadsFromYAML() throws {
        let info = try BookInfo.parse("title: Seg\nintroduction: |\n  Hello *there*.\n", path: "chapters/_book.yml")
        #expect(info == BookInfo(title: "Seg", introduction: "Hello *there*.\n"))
        #expect(throws: Diagnostic(file: "chapters/_book.yml", line: 2, message: "unknown key 'titel' (known: author, introduction, subtitle, title)")) {
            try BookInfo.parse("title: a\ntitel: b\n", path: "chapters/_book.yml")
        }
        let missing = try BookInfo.load(chaptersDirectory: URL(fileURLWithPath: "/nonexistent-\(UUID())"))
        #expect(missing.title == "segbook")
    }

    @Test func scannerLeavesFencedCodeAlone() {
        let scanned = ProseScanner.scan("a $x$\n```\n$y$ @fig-z `{swift} q`\n```\nb")
        #expect(scanned.markdown == "a \(ProseScanner.placeholder(0))\n```\n$y$ @fig-z `{swift} q`\n```\nb")
        #expect(scanned.tokens.map(\.token) == [.inlineMath("x")])
    }
}
