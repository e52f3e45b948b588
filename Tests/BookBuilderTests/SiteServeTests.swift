import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import FlyingSocks
import Testing
@testable import BookBuilder

/// The live preview: a chapter edited while the server runs shows in the served page within seconds,
/// and only the edited chapter is rebuilt.
@Suite struct SiteServeTests {
    /// A stand-in for the runner's build: each `chapters/*.md` becomes a chapter of one prose block
    /// (no cells), rendered into `output`; counts how often each chapter was rebuilt (changed content only).
    final class FakeBuild: @unchecked Sendable {
        let chapters: URL, output: URL
        private let lock = NSLock()
        private var lastContent: [String: String] = [:]
        private(set) var rebuilt: [String: Int] = [:]

        init(chapters: URL, output: URL) { self.chapters = chapters; self.output = output }

        func run() -> [String] {
            lock.lock(); defer { lock.unlock() }
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: chapters.path)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
            var book: [(Chapter, ChapterResult)] = []
            for file in files {
                let name = String(file.dropLast(3))
                let text = (try? String(contentsOf: chapters.appendingPathComponent(file), encoding: .utf8)) ?? ""
                if text.contains("BROKEN") { return ["chapters/\(file):1: the chapter cannot be parsed"] }
                if lastContent[name] != text { rebuilt[name, default: 0] += 1; lastContent[name] = text }
                book.append((Chapter(path: "chapters/\(file)", name: name, frontMatter: FrontMatter(title: name),
                                     blocks: [.prose(Prose(markdown: text, line: 1, inlines: []))]),
                             ChapterResult(name: name, cells: [])))
            }
            do { _ = try renderBook(BookInfo(title: "Live"), chapters: book, to: output) } catch { return ["\(error)"] }
            return []
        }
    }

    static func get(_ url: URL) async -> (status: Int, body: String) {
        var request = URLRequest(url: url)
        request.cachePolicy = .reloadIgnoringLocalCacheData
        request.timeoutInterval = 2
        guard let (data, response) = try? await URLSession.shared.data(for: request) else { return (0, "") }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Polls `url` until its body satisfies `condition`, for at most `seconds`; returns the seconds it took.
    static func waitFor(_ url: URL, seconds: Double, _ condition: (String) -> Bool) async -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if condition(await get(url).body) { return Date().timeIntervalSince(start) }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    @Test func editingAChapterWhileServingChangesThePageWithinSeconds() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("segbook-serve-\(UUID().uuidString)")
        let chapters = root.appendingPathComponent("chapters"), output = root.appendingPathComponent("output")
        try FileManager.default.createDirectory(at: chapters, withIntermediateDirectories: true)
        try "# One\n\nThe first version.\n".write(to: chapters.appendingPathComponent("01-one.md"), atomically: true, encoding: .utf8)
        try "# Two\n\nUntouched.\n".write(to: chapters.appendingPathComponent("02-two.md"), atomically: true, encoding: .utf8)
        let build = FakeBuild(chapters: chapters, output: output)
        let port = UInt16.random(in: 20000...40000)
        let preview = LivePreview(output: output, watched: [chapters], port: port, log: { _ in }) { build.run() }
        let server = Task { try await preview.run(pollInterval: .milliseconds(200)) }
        defer { server.cancel() }

        let page = URL(string: "http://127.0.0.1:\(port)/01-one.html")!
        let first = await Self.waitFor(page, seconds: 10) { $0.contains("The first version.") }
        #expect(first != nil, "the server never served the first build")
        let served = await Self.get(page).body
        #expect(served.contains("<script src=\"/__segbook/live.js\"></script>\n</body>"), "the live-reload script is injected")
        let onDisk = try String(contentsOf: output.appendingPathComponent("01-one.html"), encoding: .utf8)
        #expect(!onDisk.contains("__segbook"), "files on disk stay clean")
        #expect(await Self.get(URL(string: "http://127.0.0.1:\(port)/")!).body.contains("<title>Live</title>"))
        #expect(await Self.get(URL(string: "http://127.0.0.1:\(port)/__segbook/live.js")!).body.contains("WebSocket"))
        #expect(await Self.get(URL(string: "http://127.0.0.1:\(port)/missing.html")!).status == 404)
        #expect(await Self.get(URL(string: "http://127.0.0.1:\(port)/../etc/passwd")!).status != 200)

        try "# One\n\nThe second version.\n".write(to: chapters.appendingPathComponent("01-one.md"), atomically: true, encoding: .utf8)
        let seconds = await Self.waitFor(page, seconds: 5) { $0.contains("The second version.") }
        #expect(seconds != nil, "the edit did not show within 5 s")
        if let seconds { print("segbook serve: the edit showed after \(String(format: "%.2f", seconds)) s") }
        #expect(build.rebuilt == ["01-one": 2, "02-two": 1], "only the edited chapter was rebuilt")
        // Open pages are told to reload once the build has finished (just after the page is written).
        for _ in 0..<20 where await preview.reloads.sent < 2 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(await preview.reloads.sent >= 2, "open pages were told to reload")

        // A build that fails leaves the server up and the last good page served.
        try "BROKEN".write(to: chapters.appendingPathComponent("02-two.md"), atomically: true, encoding: .utf8)
        try await Task.sleep(for: .seconds(1.5))
        #expect(await Self.get(page).body.contains("The second version."))
        // A page that does not exist says why the build failed, rather than "not found".
        let missing = await Self.get(URL(string: "http://127.0.0.1:\(port)/03-three.html")!).body
        #expect(missing.contains("The book could not be built") && missing.contains("chapters/02-two.md:1: the chapter cannot be parsed"))
    }

    @Test func openPagesHearReloadOverTheWebSocket() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("segbook-ws-\(UUID().uuidString)")
        let chapters = root.appendingPathComponent("chapters"), output = root.appendingPathComponent("output")
        try FileManager.default.createDirectory(at: chapters, withIntermediateDirectories: true)
        let file = chapters.appendingPathComponent("01-one.md")
        try "First.\n".write(to: file, atomically: true, encoding: .utf8)
        let build = FakeBuild(chapters: chapters, output: output)
        let port = UInt16.random(in: 40001...60000)
        let preview = LivePreview(output: output, watched: [chapters], port: port, log: { _ in }) { build.run() }
        let server = Task { try await preview.run(pollInterval: .milliseconds(200)) }
        defer { server.cancel() }
        #expect(await Self.waitFor(URL(string: "http://127.0.0.1:\(port)/01-one.html")!, seconds: 10) { $0.contains("First.") } != nil)

        // A WebSocket client as a page opens it (Foundation's needs a libcurl with WebSockets): the
        // upgrade handshake, then one unmasked text frame from the server.
        let socket = try await AsyncSocket.connected(to: .inet(ip4: "127.0.0.1", port: port))
        defer { try? socket.close() }
        let handshake = "GET /__segbook/live HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try await socket.write(Data(handshake.utf8))
        var head = ""
        while !head.hasSuffix("\r\n\r\n") { head.append(Character(UnicodeScalar(try await socket.read()))) }
        #expect(head.hasPrefix("HTTP/1.1 101"), "\(head)")
        #expect(head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "the accept key of RFC 6455's example")
        for _ in 0..<50 where await preview.reloads.clientCount == 0 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(await preview.reloads.clientCount == 1, "the page's socket is registered")

        try "Second.\n".write(to: file, atomically: true, encoding: .utf8)
        let frame = try await socket.read(bytes: 2)
        #expect(frame == [0x81, 6], "one final text frame of 6 bytes")
        #expect(try await socket.read(bytes: 6) == Array("reload".utf8))
    }

    @Test func reloadScriptIsAddedBeforeTheBodyEnds() {
        #expect(LivePreview.injectLiveScript("<html><body><p>x</p></body></html>")
                == "<html><body><p>x</p><script src=\"/__segbook/live.js\"></script>\n</body></html>")
    }
}
