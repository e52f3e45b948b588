import Foundation
import Testing
@testable import BookBuilder

/// Checks over the whole written site: links, assets, the search index, the single file.
@Suite struct SiteTests {
    /// Every `href="..."` and `src="..."` in `html`, in order.
    static func references(in html: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: "\\b(?:href|src)=\"([^\"]*)\"")
        let ns = html as NSString
        return regex.matches(in: html, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
    }

    /// Every `id="..."` in `html`.
    static func ids(in html: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: "\\bid=\"([^\"]*)\"")
        let ns = html as NSString
        return Set(regex.matches(in: html, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) })
    }

    static func isExternal(_ ref: String) -> Bool {
        ref.hasPrefix("http:") || ref.hasPrefix("https:") || ref.hasPrefix("//") || ref.hasPrefix("mailto:")
    }

    /// All HTML pages under `dir`, by relative path.
    static func pages(in dir: URL) throws -> [String: String] {
        var pages: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".html") {
            pages[name] = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        }
        return pages
    }

    @Test func everyInternalLinkResolves() throws {
        let (dir, _) = try RenderFixture.renderSite()
        let pages = try Self.pages(in: dir)
        #expect(Set(pages.keys) == ["index.html", "01-intro.html", "02-unet.html"])
        var checked = 0
        for (name, html) in pages {
            let ownIDs = Self.ids(in: html)
            for ref in Self.references(in: html) where !Self.isExternal(ref) && !ref.hasPrefix("data:") {
                let parts = ref.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let file = parts[0], fragment = parts.count > 1 ? parts[1] : nil
                if !file.isEmpty {
                    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "\(name): \(ref) names no file")
                }
                if let fragment {
                    let targetIDs = file.isEmpty ? ownIDs : Self.ids(in: pages[file] ?? "")
                    #expect(targetIDs.contains(fragment), "\(name): \(ref) names no anchor")
                }
                checked += 1
            }
        }
        #expect(checked > 40)
        // The search index's links resolve too.
        let index = try String(contentsOf: dir.appendingPathComponent("assets/search-index.js"), encoding: .utf8)
        let hrefs = try NSRegularExpression(pattern: "\"href\":\"([^\"]*)\"")
        let ns = index as NSString
        let found = hrefs.matches(in: index, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
        #expect(found.count >= 5)
        for ref in found {
            let parts = ref.split(separator: "#", maxSplits: 1).map(String.init)
            let page = try #require(pages[parts[0]], "search index names \(ref)")
            if parts.count > 1 { #expect(Self.ids(in: page).contains(parts[1]), "search index: \(ref)") }
        }
    }

    @Test func noPageOrAssetLoadsAnythingFromTheNetwork() throws {
        let (dir, _) = try RenderFixture.renderSite()
        for (name, html) in try Self.pages(in: dir) {
            // Only anchors (<a href>) may point outside; src= and <link href> never do.
            let srcRegex = try NSRegularExpression(pattern: "<(?:script|img|link|iframe|source|video|audio)\\b[^>]*\\b(?:src|href)=\"([^\"]*)\"")
            let ns = html as NSString
            for match in srcRegex.matches(in: html, range: NSRange(location: 0, length: ns.length)) {
                let ref = ns.substring(with: match.range(at: 1))
                #expect(!Self.isExternal(ref), "\(name) loads \(ref)")
            }
            #expect(!html.contains("@import"))
        }
        for asset in ["assets/segbook.css", "assets/segbook.js"] {
            let text = try String(contentsOf: dir.appendingPathComponent(asset), encoding: .utf8)
            #expect(!text.contains("http://") && !text.contains("https://"), "\(asset) names a URL")
        }
    }

    @Test func mathPagesGetKaTeXCopiedLocally() throws {
        let katex = URL(fileURLWithPath: "/usr/share/javascript/katex")
        let (dir, _) = try RenderFixture.renderSite()
        let intro = try RenderFixture.page("01-intro.html", in: dir)
        let unet = try RenderFixture.page("02-unet.html", in: dir)
        #expect(!unet.contains("katex"), "a page without math loads no KaTeX")
        if FileManager.default.fileExists(atPath: katex.appendingPathComponent("katex.min.js").path) {
            #expect(intro.contains("<script src=\"assets/katex/katex.min.js\"></script>"))
            #expect(intro.contains("<link rel=\"stylesheet\" href=\"assets/katex/katex.min.css\">"))
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("assets/katex/fonts/KaTeX_Main-Regular.woff2").path))
        } else {
            print("KaTeX is not installed (apt-get install libjs-katex fonts-katex): math shows as TeX")
        }
        // Without KaTeX, the TeX shows as it is written and nothing points at a missing file.
        let bare = FileManager.default.temporaryDirectory.appendingPathComponent("segbook-nokatex-\(UUID().uuidString)")
        _ = try renderBook(RenderFixture.book, chapters: RenderFixture.chapters, to: bare,
                           options: RenderOptions(katexDirectory: nil))
        let plain = try RenderFixture.page("01-intro.html", in: bare)
        #expect(!plain.contains("katex"))
        #expect(plain.contains("\\(\\mathcal{L} = -\\sum_i y_i \\log p_i\\)"))
    }

    @Test func indexHasTitleIntroductionAndContentsWithSummaries() throws {
        let index = try RenderFixture.page("index.html", in: RenderFixture.renderSite().0)
        #expect(index.contains("<h1 class=\"book-name\" id=\"top\">Segmentation, Executed</h1>"))
        #expect(index.contains("Every number here is <strong>measured</strong>"))
        #expect(index.contains("<a href=\"01-intro.html\"><span class=\"toc-num\">1</span><span class=\"chapter-list-title\">Introduction to segmentation</span></a><p class=\"chapter-list-summary\">What a pixel&#39;s label is.</p>"))
        #expect(index.contains("<a href=\"02-unet.html\"><span class=\"toc-num\">2</span><span class=\"chapter-list-title\">U-Net</span></a>"))
    }

    @Test func sidebarMarksTheCurrentChapterAndPagerLinksNeighbours() throws {
        let (dir, _) = try RenderFixture.renderSite()
        let unet = try RenderFixture.page("02-unet.html", in: dir)
        #expect(unet.contains("<li class=\"current\" aria-current=\"page\"><a href=\"02-unet.html\"><span class=\"toc-num\">2</span>U-Net</a></li>"))
        #expect(unet.contains("<a href=\"01-intro.html\"><span class=\"toc-num\">1</span>Introduction to segmentation <span class=\"toc-failed\""))
        #expect(unet.contains("<a class=\"pager-prev\" rel=\"prev\" href=\"01-intro.html\">"))
        #expect(!unet.contains("pager-next"))
        let intro = try RenderFixture.page("01-intro.html", in: dir)
        #expect(intro.contains("<a class=\"pager-next\" rel=\"next\" href=\"02-unet.html\">"))
        #expect(intro.contains("<a class=\"pager-prev\" rel=\"prev\" href=\"index.html\">"))
    }

    @Test func searchIndexHoldsTitlesHeadingsAndProse() throws {
        let (dir, _) = try RenderFixture.renderSite()
        let script = try String(contentsOf: dir.appendingPathComponent("assets/search-index.js"), encoding: .utf8)
        #expect(script.hasPrefix("window.segbookSearch = ["))
        let json = String(script.dropFirst("window.segbookSearch = ".count)).trimmingCharacters(in: CharacterSet(charactersIn: ";\n"))
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: String]])
        let scores = try #require(entries.first { $0["heading"] == "Scores" })
        #expect(scores["page"] == "1 Introduction to segmentation")
        #expect(scores["href"] == "01-intro.html#scores")
        #expect(scores["text"] == "The table follows. Table 1.1: Scores on the toy set", "prose and captions")
        #expect(entries.contains { $0["heading"] == "The idea" && $0["text"]!.contains("U-Net has 31,031,745 parameters") })
    }

    @Test func stalePagesOfRemovedChaptersAreDeleted() throws {
        let (dir, _) = try RenderFixture.renderSite()
        try "<p>mine</p>".write(to: dir.appendingPathComponent("notes.html"), atomically: true, encoding: .utf8)
        _ = try renderBook(RenderFixture.book, chapters: [RenderFixture.unet], to: dir)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(!names.contains("01-intro.html"))
        #expect(names.contains("02-unet.html") && names.contains("notes.html"))
    }

    @Test func singleFileIsSelfContainedAndItsLinksResolve() throws {
        let (html, diagnostics) = renderSingleFile(RenderFixture.book, chapters: RenderFixture.chapters)
        #expect(diagnostics.count == 1)
        #expect(!html.contains("<link rel=\"stylesheet\""))
        #expect(!html.contains("<script src="))
        let ids = Self.ids(in: html)
        for ref in Self.references(in: html) where !Self.isExternal(ref) {
            if ref.hasPrefix("data:") { continue }
            #expect(ref.hasPrefix("#"), "single file links to \(ref)")
            #expect(ids.contains(String(ref.dropFirst())), "single file: \(ref) names no anchor")
        }
        #expect(html.contains("<a class=\"xref\" href=\"#01-intro--fig-arch\">Figure 1.1</a>"))
        if FileManager.default.fileExists(atPath: "/usr/share/javascript/katex/katex.min.js") {
            #expect(html.contains("url(data:font/woff2;base64,"))
            #expect(!html.contains("url(fonts/"))
        }
        // Written next to the site on request.
        let (dir, _) = try RenderFixture.renderSite(options: RenderOptions(singleFile: true))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("book.html").path))
    }
}
