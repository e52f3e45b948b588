import Testing
@testable import BookBuilder

@Suite struct HighlightTests {
    @Test func keywordsLiteralsCommentsAndTypesAreClassified() {
        let html = SwiftHighlighter.html("let n: Int = 42 // answer\nvar s = \"hi\"")
        #expect(html.contains("<span class=\"hl-keyword\">let</span>"))
        #expect(html.contains("<span class=\"hl-type\">Int</span>"))
        #expect(html.contains("<span class=\"hl-number\">42</span>"))
        #expect(html.contains("<span class=\"hl-comment\">// answer</span>"))
        #expect(html.contains("<span class=\"hl-string\">&quot;hi&quot;</span>"))
    }

    @Test func theTextIsKeptExactlyAndEscaped() {
        let source = "if a < b && c > d { print(\"<script>\") } /* é ✓ */\n\tlet 🐱 = 1"
        let html = SwiftHighlighter.html(source)
        #expect(!html.contains("<script>"))
        #expect(HTML.plainText(html) == source)
    }

    @Test func functionNamesAreMarkedWhereDeclaredAndCalled() {
        let html = SwiftHighlighter.html("func train(steps: Int) {}\ntrain(steps: 3)\nmodel.forward(x)")
        #expect(html.contains("<span class=\"hl-keyword\">func</span> <span class=\"hl-function\">train</span>"))
        #expect(html.contains("\n<span class=\"hl-function\">train</span>(<span class=\"hl-label\">steps</span>: <span class=\"hl-number\">3</span>)"))
        #expect(html.contains("model.<span class=\"hl-function\">forward</span>(x)"))
    }

    @Test func invalidCodeStillRendersEveryCharacter() {
        let source = "let = = {{ \"unterminated"
        #expect(HTML.plainText(SwiftHighlighter.html(source)) == source)
    }
}
