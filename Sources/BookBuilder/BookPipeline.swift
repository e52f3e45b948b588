import Foundation

/// Where the book is and how to build it (the command line's options, as a value).
public struct BookOptions: Sendable {
    public var chaptersDirectory = "chapters"
    public var outputDirectory = "output"
    public var cacheDirectory = ".segbook-cache"
    public var profile: Profile = .full
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    /// Run every chapter, cached or not.
    public var force = false
    /// Only these chapters (names, file names or paths); all when empty.
    public var selection: [String] = []

    public init() {}
}

/// What happened while running a book, for progress lines.
public enum BookEvent: Sendable {
    case started(Chapter)
    case finished(Chapter, ChapterResult)
    case fromCache(Chapter, ChapterResult)
    case warning(Diagnostic)
}

/// A book run: every chapter in book order, with its result.
public struct BookRun: Sendable {
    public var chapters: [Chapter]
    public var results: [ChapterResult]
    public var seconds: Double
    /// Names of the chapters that were executed, and of the chapters asked for that came from the cache.
    public var executed: Set<String> = []
    public var cached: Set<String> = []

    public var ran: Int { executed.count }
    public var fromCache: Int { cached.count }
    /// Chapters run or taken from the cache in this run that have a failure.
    public var failed: Int {
        zip(chapters, results).filter { executed.contains($0.0.name) || cached.contains($0.0.name) }.filter { $0.1.failed }.count
    }

    /// Every unexpected failure as `FILE:LINE: message`, in book order.
    public var failures: [Diagnostic] {
        zip(chapters, results).flatMap { chapter, result in
            var problems: [Diagnostic] = result.cells.compactMap { cell in
                guard case .failed(let message, let line) = cell.status else { return nil }
                return Diagnostic(file: chapter.path, line: line, message: message)
            }
            for inline in chapter.inlineExpressions {
                if let error = result.inlineErrors[inline.id] {
                    problems.append(Diagnostic(file: chapter.path, line: inline.line, message: "inline `\(inline.expression)`: \(error)"))
                }
            }
            return problems
        }
    }
}

/// The stages put together: discover and parse the chapters, plan against the cache, run what must run
/// (in parallel), store fresh results.
public enum BookPipeline {
    /// The chapter files in book order: `*.md` in the chapters folder, not starting with `_` or `.`.
    public static func discover(_ options: BookOptions) throws(Diagnostic) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: options.chaptersDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Diagnostic(file: options.chaptersDirectory, line: nil, message: "no such folder (the chapters folder; see --chapters)")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: options.chaptersDirectory)) ?? [])
            .filter { $0.hasSuffix(".md") && !$0.hasPrefix("_") && !$0.hasPrefix(".") }
            .sorted()
        guard !names.isEmpty else {
            throw Diagnostic(file: options.chaptersDirectory, line: nil, message: "no chapters (*.md files) in this folder")
        }
        let prefix = options.chaptersDirectory.hasSuffix("/") ? options.chaptersDirectory : options.chaptersDirectory + "/"
        return names.map { prefix + $0 }
    }

    /// Parses every chapter; all the problems, not just the first.
    public static func parse(_ paths: [String]) -> (chapters: [Chapter], problems: [Diagnostic]) {
        var chapters: [Chapter] = []
        var problems: [Diagnostic] = []
        for path in paths {
            do { chapters.append(try ChapterParser.load(path: path)) } catch { problems.append(error) }
        }
        return (chapters, problems)
    }

    /// The chapters named in `selection` (by name, file name or path); all when it is empty.
    public static func select(_ chapters: [Chapter], _ selection: [String], chaptersDirectory: String) throws(Diagnostic) -> [Chapter] {
        guard !selection.isEmpty else { return chapters }
        var selected: [Chapter] = []
        for wanted in selection {
            let name = ((wanted as NSString).lastPathComponent as NSString).deletingPathExtension
            guard let chapter = chapters.first(where: { $0.name == name }) else {
                throw Diagnostic(file: chaptersDirectory, line: nil, message: "no chapter named '\(wanted)'")
            }
            if !selected.contains(where: { $0.name == chapter.name }) { selected.append(chapter) }
        }
        return selected
    }

    /// Plans and runs `chapters`; those not in `run` come from the cache when it holds them (else their
    /// cells are marked not run). `useCache: false` re-executes everything in `run`.
    public static func run(_ chapters: [Chapter], only run: [Chapter]? = nil, options: BookOptions, engine: Engine,
                           useCache: Bool, progress: @escaping @Sendable (BookEvent) -> Void) -> BookRun {
        let started = Date()
        let cache = ResultCache(directory: options.cacheDirectory)
        let fingerprint = engine.fingerprint()
        let toRun = Set((run ?? chapters).map(\.name))

        var results = [ChapterResult?](repeating: nil, count: chapters.count)
        var cachedNames: Set<String> = []
        var pending: [(Int, ChapterPlan)] = []
        for (i, chapter) in chapters.enumerated() {
            let plan = Planner.plan(chapter, cache: cache, fingerprint: fingerprint, profile: options.profile,
                                    useCache: useCache || !toRun.contains(chapter.name))
            plan.warnings.forEach { progress(.warning($0)) }
            if plan.corrupt {
                progress(.warning(Diagnostic(file: cache.path(chapter.name, options.profile), line: nil,
                                             message: "corrupt cache entry; rebuilding it", severity: .warning)))
            }
            if let cached = plan.cached {
                results[i] = cached
                if toRun.contains(chapter.name) {
                    cachedNames.insert(chapter.name)
                    progress(.fromCache(chapter, cached))
                }
            } else if toRun.contains(chapter.name) {
                pending.append((i, plan))
            } else {
                results[i] = ChapterResult(name: chapter.name, cells: chapter.cells.map { CellResult(index: $0.index, status: .notRun) })
            }
        }

        if !pending.isEmpty {
            // Longest first, by the time each took when frozen: the long pole starts at once
            // instead of running alone at the end (chapters without a record keep book order).
            let expected = pending.map {
                FreezeRecord.recordedSeconds($0.1.chapter, chaptersDirectory: options.chaptersDirectory, profile: options.profile) ?? 0
            }
            let pending = pending.indices.sorted { (expected[$0], $1) > (expected[$1], $0) }.map { pending[$0] }
            let threads = ProcessInfo.processInfo.environment["OMP_NUM_THREADS"].flatMap { Int($0) }
                ?? ProcessInfo.processInfo.activeProcessorCount
            let settings = RunSettings(engine: engine, profile: options.profile, workDirectory: options.cacheDirectory + "/build",
                                       threadsPerChapter: max(1, threads / min(max(1, options.jobs), pending.count)))
            let lock = NSLock()
            let box = ResultsBox(results)
            concurrentlyRun(pending.count, jobs: max(1, options.jobs)) { n in
                let (i, plan) = pending[n]
                progress(.started(plan.chapter))
                let result = ChapterRunner.run(plan.chapter, settings: settings)
                if !result.failed {
                    do { try cache.store(result, for: plan.chapter, profile: options.profile, key: plan.key) } catch {
                        progress(.warning(Diagnostic(file: options.cacheDirectory, line: nil,
                                                     message: "cannot store the result of \(plan.chapter.name): \(error)", severity: .warning)))
                    }
                }
                lock.lock(); box.results[i] = result; lock.unlock()
                progress(.finished(plan.chapter, result))
            }
            results = box.results
        }
        return BookRun(chapters: chapters, results: results.map { $0! }, seconds: Date().timeIntervalSince(started),
                       executed: Set(pending.map(\.1.chapter.name)), cached: cachedNames)
    }

    /// Runs `body(0..<count)` on up to `jobs` threads at once, and waits for all.
    static func concurrentlyRun(_ count: Int, jobs: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let lock = NSLock()
        let counter = Counter()
        let group = DispatchGroup()
        for _ in 0..<min(jobs, count) {
            group.enter()
            let thread = Thread {
                while true {
                    lock.lock()
                    let n = counter.value
                    counter.value += 1
                    lock.unlock()
                    if n >= count { break }
                    body(n)
                }
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
    }
}

private final class ResultsBox: @unchecked Sendable {
    var results: [ChapterResult?]
    init(_ results: [ChapterResult?]) { self.results = results }
}

private final class Counter: @unchecked Sendable {
    var value = 0
}

extension BookPipeline {
    /// The render stage: the whole book (every chapter, run or cached) into `directory`, with the
    /// book's metadata from `chapters/_book.yml`. Returns unknown references and repeated labels,
    /// as errors when `strict` (check) and warnings otherwise (build).
    public static func render(_ run: BookRun, options: BookOptions, to directory: String,
                              singleFile: Bool = false, strict: Bool = false) throws -> [Diagnostic] {
        let info = try BookInfo.load(chaptersDirectory: URL(fileURLWithPath: options.chaptersDirectory))
        return try renderBook(info, chapters: Array(zip(run.chapters, run.results)),
                              to: URL(fileURLWithPath: directory),
                              options: RenderOptions(singleFile: singleFile, strictReferences: strict))
    }
}
