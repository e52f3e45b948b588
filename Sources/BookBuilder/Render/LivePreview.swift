import FlyingFox
import FlyingSocks
import Foundation

/// `segbook serve`: serves the built book on 127.0.0.1, watches the chapters, rebuilds on save and
/// reloads open pages (a WebSocket tells them). A failing build or cell never stops the server: the
/// page shows the failure, and a build that throws shows its message in a banner.
public final class LivePreview: Sendable {
    /// What one rebuild reports: problems that kept the book from being written, shown in a banner on
    /// open pages (empty when the pages were written; failing cells show in the pages themselves).
    public typealias Rebuild = @Sendable () async -> [String]

    public let output: URL
    public let watched: [URL]
    public let port: UInt16
    let rebuild: Rebuild
    let reloads = ReloadBroadcaster()
    let log: @Sendable (String) -> Void

    /// - Parameters:
    ///   - output: the folder `rebuild` writes the book into, served as the site's root.
    ///   - watched: folders (or files) whose changes trigger a rebuild (the chapters, the engine's build products).
    ///   - rebuild: builds the book (the runner's build: cached, so only what changed re-runs).
    public init(output: URL, watched: [URL], port: UInt16 = 8000, log: @escaping @Sendable (String) -> Void = { print($0) },
                rebuild: @escaping Rebuild) {
        self.output = output; self.watched = watched; self.port = port; self.log = log; self.rebuild = rebuild
    }

    /// Serves at once (the last build's pages, if any), builds, then watches until the task is cancelled.
    /// Throws `LivePreview.CannotListen` when the port cannot be had.
    public func run(pollInterval: Duration = .milliseconds(300)) async throws {
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: port), logger: .disabled, handler: handler())
        let port = self.port
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do { try await server.run() } catch where !(error is CancellationError) {
                    throw CannotListen(port: port, reason: "\(error)")
                }
            }
            group.addTask {
                try await server.waitUntilListening()
                self.log("segbook: serving \(self.output.path) at http://127.0.0.1:\(port)/ (Ctrl-C to stop)")
                await self.rebuildAndNotify()
                try await self.watch(pollInterval: pollInterval)
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// The server could not listen on its port (most often: another server has it).
    public struct CannotListen: Error, CustomStringConvertible {
        public var port: UInt16
        public var reason: String
        public var description: String { "127.0.0.1:\(port): cannot listen (\(reason)); is another server using it? Try --port" }
    }

    /// The routes: the live-reload socket and script, and the files of `output` (pages with the script added).
    func handler() -> RoutedHTTPHandler {
        var routes = RoutedHTTPHandler()
        routes.appendRoute("GET /__segbook/live", to: WebSocketHTTPHandler(handler: MessageFrameWSHandler(handler: reloads)))
        routes.appendRoute("GET /__segbook/live.js") { _ in
            HTTPResponse(statusCode: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-store"],
                         body: Data(Self.liveScript.utf8))
        }
        let output = self.output, reloads = self.reloads
        routes.appendRoute("GET *") { request in
            let response = Self.serveFile(request.path, from: output)
            // Before a first good build there is no page: say why, and reload once there is.
            if response.statusCode == .notFound, request.path.hasSuffix("/") || request.path.hasSuffix(".html") {
                let problems = await reloads.lastProblems
                if !problems.isEmpty { return Self.problemPage(problems) }
            }
            return response
        }
        return routes
    }

    /// Polls modification times of everything under `watched`; a change (after a short quiet spell,
    /// so an editor's several writes make one rebuild) rebuilds and reloads the open pages.
    func watch(pollInterval: Duration) async throws {
        var last = Self.snapshot(watched)
        while !Task.isCancelled {
            try await Task.sleep(for: pollInterval)
            var now = Self.snapshot(watched)
            guard now != last else { continue }
            // Let the editor finish writing.
            repeat {
                last = now
                try await Task.sleep(for: .milliseconds(150))
                now = Self.snapshot(watched)
            } while now != last
            log("segbook: change seen, rebuilding")
            await rebuildAndNotify()
        }
    }

    func rebuildAndNotify() async {
        let start = Date()
        let problems = await rebuild()
        for problem in problems { log(problem) }
        log(String(format: "segbook: rebuilt in %.2f s", Date().timeIntervalSince(start)))
        await reloads.finished(problems)
    }

    /// Path → (modification time, size) of every non-hidden file under `roots`.
    static func snapshot(_ roots: [URL]) -> [String: [Double]] {
        let fm = FileManager.default
        var result: [String: [Double]] = [:]
        func record(_ url: URL) {
            guard let attributes = try? fm.attributesOfItem(atPath: url.path) else { return }
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let size = (attributes[.size] as? NSNumber)?.doubleValue ?? 0
            result[url.path] = [modified, size]
        }
        for root in roots {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory) else { continue }
            if !isDirectory.boolValue { record(root); continue }
            let keys: [URLResourceKey] = [.isRegularFileKey]
            guard let walker = fm.enumerator(at: root, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles]) else { continue }
            for case let url as URL in walker {
                if url.lastPathComponent == "_freeze" { walker.skipDescendants(); continue }
                if (try? url.resourceValues(forKeys: Set(keys)).isRegularFile) == true { record(url) }
            }
        }
        return result
    }

    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
        "json": "application/json", "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg",
        "woff2": "font/woff2", "woff": "font/woff", "ttf": "font/ttf", "txt": "text/plain; charset=utf-8",
    ]

    /// A file of `root` for a request path (`/` is `index.html`); HTML pages get the live-reload script.
    static func serveFile(_ requestPath: String, from root: URL) -> HTTPResponse {
        var path = requestPath.removingPercentEncoding ?? requestPath
        if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
        if path.hasSuffix("/") { path += "index.html" }
        let components = path.split(separator: "/").map(String.init)
        guard !components.contains(where: { $0 == ".." || $0.hasPrefix(".") }) else {
            return HTTPResponse(statusCode: .forbidden)
        }
        let file = components.reduce(root) { $0.appendingPathComponent($1) }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            return HTTPResponse(statusCode: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: Data("Not found: \(path)\n".utf8))
        }
        let ext = file.pathExtension.lowercased()
        var body = data
        if ext == "html", let html = String(data: data, encoding: .utf8) {
            body = Data(injectLiveScript(html).utf8)
        }
        return HTTPResponse(statusCode: .ok,
                            headers: [.contentType: contentTypes[ext] ?? "application/octet-stream", .cacheControl: "no-store"],
                            body: body)
    }

    /// A page that shows why the book could not be built (and reloads when it can).
    static func problemPage(_ problems: [String]) -> HTTPResponse {
        let list = problems.map { HTML.escape($0) }.joined(separator: "\n")
        let html = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>segbook: the book could not be built</title></head>
        <body style="font: 15px/1.5 system-ui, sans-serif; margin: 2rem;"><h1>The book could not be built</h1>
        <pre style="white-space: pre-wrap; background: #fdf0ee; border: 1px solid #b42318; padding: 1rem; border-radius: 8px;">\(list)</pre>
        <p>This page reloads when the next build succeeds.</p></body></html>
        """
        return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                            body: Data(injectLiveScript(html).utf8))
    }

    /// The page with the live-reload script before `</body>` (only when served; files on disk stay clean).
    static func injectLiveScript(_ html: String) -> String {
        let tag = "<script src=\"/__segbook/live.js\"></script>\n"
        guard let end = html.range(of: "</body>", options: .backwards) else { return html + tag }
        return html.replacingCharacters(in: end.lowerBound..<end.lowerBound, with: tag)
    }

    /// Reloads the page when the server says "reload"; shows problems in a banner; reconnects (and
    /// reloads) when the server comes back after a restart.
    static let liveScript = #"""
(function () {
  "use strict";
  var wasClosed = false;
  function banner(text) {
    var el = document.getElementById("segbook-live-banner");
    if (!el) {
      el = document.createElement("pre");
      el.id = "segbook-live-banner";
      el.style.cssText = "position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:100;margin:0;padding:.8rem 1rem;" +
        "max-height:40vh;overflow:auto;white-space:pre-wrap;background:#3a1d1d;color:#ffd7d2;border:1px solid #ff8a80;" +
        "border-radius:8px;font:13px/1.45 ui-monospace,monospace;box-shadow:0 4px 24px rgba(0,0,0,.3)";
      document.body.appendChild(el);
    }
    el.textContent = text;
  }
  function connect() {
    var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/__segbook/live");
    socket.onopen = function () { if (wasClosed) location.reload(); };
    socket.onmessage = function (event) {
      var data = String(event.data);
      if (data === "reload") location.reload();
      else if (data.indexOf("problems:") === 0) banner(data.slice(9));
    };
    socket.onclose = function () { wasClosed = true; setTimeout(connect, 1000); };
  }
  connect();
})();
"""#
}

/// The open pages' sockets: each gets every message sent after it connected.
actor ReloadBroadcaster: WSMessageHandler {
    private var clients: [UUID: AsyncStream<WSMessage>.Continuation] = [:]
    private(set) var sent = 0
    /// What kept the last build from writing the book (empty when it wrote it).
    private(set) var lastProblems: [String] = []

    nonisolated func makeMessages(for client: AsyncStream<WSMessage>) async throws -> AsyncStream<WSMessage> {
        let (stream, continuation) = AsyncStream<WSMessage>.makeStream()
        let id = UUID()
        await add(id, continuation)
        continuation.onTermination = { _ in Task { await self.remove(id) } }
        // When the page goes away, its stream of messages ends: forget it.
        Task {
            for await _ in client {}
            continuation.finish()
        }
        return stream
    }

    private func add(_ id: UUID, _ continuation: AsyncStream<WSMessage>.Continuation) { clients[id] = continuation }
    private func remove(_ id: UUID) { clients[id] = nil }

    var clientCount: Int { clients.count }

    /// A build ended: open pages reload, or show the problems.
    func finished(_ problems: [String]) {
        lastProblems = problems
        send(problems.isEmpty ? "reload" : "problems:" + problems.joined(separator: "\n"))
    }

    func send(_ text: String) {
        sent += 1
        for continuation in clients.values { continuation.yield(.text(text)) }
    }
}
