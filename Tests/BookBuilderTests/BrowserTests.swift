import Foundation
import Testing
@testable import BookBuilder

/// Loads the rendered book in a real headless browser (Debian's chromium): no console message of
/// any kind (errors, failed loads, uncaught exceptions), the scripts ran (math typeset), and
/// screenshots of the front page and a chapter, light and dark, for a person to look at.
@Suite struct BrowserTests {
    static let chromium: String? = {
        if let path = ProcessInfo.processInfo.environment["CHROMIUM"], FileManager.default.isExecutableFile(atPath: path) { return path }
        return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs chromium headless on `url` with `arguments`; returns its stdout and stderr.
    /// `profile` keeps the browser's storage from one run to the next (a fresh one, removed after, by default).
    static func chromium(_ arguments: [String], url: URL) throws -> (stdout: String, stderr: String) {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("segbook-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium!)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                             "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0",
                             "--virtual-time-budget=3000"] + arguments + [url.absoluteString]
        // stderr goes to a file, so that reading stdout to its end can never block on a full pipe.
        let errFile = profile.appendingPathExtension("stderr")
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errData = (try? Data(contentsOf: errFile)) ?? Data()
        return (String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// The page's console messages, as chromium logs them (`INFO:CONSOLE...] "message", source: ...`).
    static func consoleMessages(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
    }

    static var screenshotFolder: URL {
        if let dir = ProcessInfo.processInfo.environment["SEGBOOK_SCREENSHOTS"] { return URL(fileURLWithPath: dir) }
        return FileManager.default.temporaryDirectory.appendingPathComponent("segbook-screenshots")
    }

    @Test(.enabled(if: BrowserTests.chromium != nil,
                   "chromium is not installed (apt-get install chromium): the headless-browser test is skipped"))
    func pagesLoadWithoutConsoleErrorsAndScreenshotsAreSaved() throws {
        let (dir, _) = try RenderFixture.renderSite()
        let shots = Self.screenshotFolder
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        for page in ["index.html", "01-intro.html", "02-unet.html"] {
            let url = dir.appendingPathComponent(page)
            let dom = try Self.chromium(["--dump-dom"], url: url)
            #expect(Self.consoleMessages(dom.stderr).isEmpty, "\(page): \(Self.consoleMessages(dom.stderr))")
            #expect(dom.stdout.contains("</html>"), "\(page) did not load")
            if page == "01-intro.html", FileManager.default.fileExists(atPath: "/usr/share/javascript/katex/katex.min.js") {
                #expect(dom.stdout.contains("class=\"math inline rendered\""), "KaTeX did not typeset the math")
                #expect(!dom.stdout.contains("class=\"math display\">"), "display math left untypeset")
            }
        }
        for (page, size) in [("index.html", "1280,900"), ("01-intro.html", "1280,1600")] {
            for dark in [false, true] {
                let name = "\(page.replacingOccurrences(of: ".html", with: ""))-\(dark ? "dark" : "light").png"
                let file = shots.appendingPathComponent(name)
                try? FileManager.default.removeItem(at: file)
                let run = try Self.chromium(["--screenshot=\(file.path)", "--window-size=\(size)"] + (dark ? ["--force-dark-mode"] : []),
                                            url: dir.appendingPathComponent(page))
                #expect(Self.consoleMessages(run.stderr).isEmpty, "\(name): \(Self.consoleMessages(run.stderr))")
                let png = try Data(contentsOf: file)
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(name) is not a PNG")
            }
        }
        // Paper: the print style sheet hides the navigation; the PDF must come out.
        let pdf = shots.appendingPathComponent("01-intro.pdf")
        try? FileManager.default.removeItem(at: pdf)
        _ = try Self.chromium(["--print-to-pdf=\(pdf.path)", "--no-pdf-header-footer"], url: dir.appendingPathComponent("01-intro.html"))
        #expect(((try? Data(contentsOf: pdf)) ?? Data()).starts(with: Array("%PDF".utf8)), "no PDF printed")
        let phone = shots.appendingPathComponent("01-intro-phone.png")
        _ = try Self.chromium(["--screenshot=\(phone.path)", "--window-size=400,860"], url: dir.appendingPathComponent("01-intro.html"))
        #expect(FileManager.default.fileExists(atPath: phone.path))
        print("segbook: browser screenshots are in \(shots.path)")
    }

    @Test(.enabled(if: BrowserTests.chromium != nil,
                   "chromium is not installed (apt-get install chromium): the headless-browser test is skipped"))
    func searchFindsAHeadingAndLinksToIt() throws {
        let (dir, _) = try RenderFixture.renderSite()
        // The chapter page as written, plus a line that types a query into the search box.
        var page = try RenderFixture.page("02-unet.html", in: dir)
        let typing = "<script>var q = document.getElementById('search-input'); q.value = 'toy scores'; q.dispatchEvent(new Event('input'));</script>\n"
        page = page.replacingOccurrences(of: "</body>", with: typing + "</body>")
        let probe = dir.appendingPathComponent("search-probe.html")
        try page.write(to: probe, atomically: true, encoding: .utf8)
        let dom = try Self.chromium(["--dump-dom"], url: probe)
        #expect(Self.consoleMessages(dom.stderr).isEmpty, "\(Self.consoleMessages(dom.stderr))")
        #expect(dom.stdout.contains("<ol id=\"search-results\" class=\"search-results\"><li><a href=\"01-intro.html#scores\">"),
                "the best match for 'toy scores' is the Scores section")
        #expect(dom.stdout.contains("<mark>Scores</mark>"))
    }

    @Test(.enabled(if: BrowserTests.chromium != nil,
                   "chromium is not installed (apt-get install chromium): the headless-browser test is skipped"))
    func themeToggleSwitchesAndIsRemembered() throws {
        let (dir, _) = try RenderFixture.renderSite()
        // One page clicks the toggle (the system is light in headless chromium, so it goes dark) and
        // shows what it stored. Chromium writes localStorage to disk lazily, so a second process may
        // not see it yet: the next page gets the stored choice set before the head's bootstrap
        // runs, and must start dark without a click.
        var page = try RenderFixture.page("02-unet.html", in: dir)
        page = page.replacingOccurrences(of: "</body>", with: """
            <script>document.querySelector('.theme-toggle').click();
            document.body.dataset.stored = localStorage.getItem('segbook-theme');</script>
            </body>
            """)
        try page.write(to: dir.appendingPathComponent("toggle-probe.html"), atomically: true, encoding: .utf8)
        let clicked = try Self.chromium(["--dump-dom"], url: dir.appendingPathComponent("toggle-probe.html"))
        #expect(clicked.stdout.contains("<html lang=\"en\" data-theme=\"dark\">"))
        #expect(clicked.stdout.contains("data-stored=\"dark\""), "the choice was not stored")
        var next = try RenderFixture.page("01-intro.html", in: dir)
        next = next.replacingOccurrences(of: "<head>", with: "<head><script>localStorage.setItem('segbook-theme','dark');</script>")
        try next.write(to: dir.appendingPathComponent("remember-probe.html"), atomically: true, encoding: .utf8)
        let opened = try Self.chromium(["--dump-dom"], url: dir.appendingPathComponent("remember-probe.html"))
        #expect(opened.stdout.contains("<html lang=\"en\" data-theme=\"dark\">"), "the stored choice was not applied")
    }

    /// With `SEGBOOK_SITE=output` (a built book), screenshots of its front page and first chapter too,
    /// light and dark, e.g. for the README.
    @Test(.enabled(if: BrowserTests.chromium != nil && ProcessInfo.processInfo.environment["SEGBOOK_SITE"] != nil,
                   "set SEGBOOK_SITE to a built book's folder to screenshot it"))
    func screenshotsOfABuiltBook() throws {
        let site = URL(fileURLWithPath: ProcessInfo.processInfo.environment["SEGBOOK_SITE"]!)
        let pages = try FileManager.default.contentsOfDirectory(atPath: site.path).filter { $0.hasSuffix(".html") }.sorted()
        let chapter = pages.first { $0 != "index.html" && $0.first?.isNumber == true } ?? pages.first { $0 != "index.html" }
        let shots = Self.screenshotFolder.appendingPathComponent("book")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        for page in ["index.html"] + (chapter.map { [$0] } ?? []) {
            for dark in [false, true] {
                let file = shots.appendingPathComponent(page.replacingOccurrences(of: ".html", with: dark ? "-dark.png" : "-light.png"))
                let run = try Self.chromium(["--screenshot=\(file.path)", "--window-size=1280,1000"] + (dark ? ["--force-dark-mode"] : []),
                                            url: site.appendingPathComponent(page))
                #expect(Self.consoleMessages(run.stderr).isEmpty, "\(page): \(Self.consoleMessages(run.stderr))")
            }
        }
        print("segbook: screenshots of \(site.path) are in \(shots.path)")
    }

    @Test(.enabled(if: BrowserTests.chromium != nil,
                   "chromium is not installed (apt-get install chromium): the headless-browser test is skipped"))
    func singleFileLoadsWithoutConsoleErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segbook-single-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("book.html")
        try renderSingleFile(RenderFixture.book, chapters: RenderFixture.chapters).html.write(to: file, atomically: true, encoding: .utf8)
        let dom = try Self.chromium(["--dump-dom"], url: file)
        #expect(Self.consoleMessages(dom.stderr).isEmpty, "\(Self.consoleMessages(dom.stderr))")
        if FileManager.default.fileExists(atPath: "/usr/share/javascript/katex/katex.min.js") {
            #expect(dom.stdout.contains("class=\"math inline rendered\""))
        }
    }
}
