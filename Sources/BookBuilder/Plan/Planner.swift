import Foundation

/// A chapter, its cache key, and what the cache holds for it.
public struct ChapterPlan: Sendable {
    public var chapter: Chapter
    public var key: String
    /// The cached result to use instead of running the chapter.
    public var cached: ChapterResult?
    /// The entry on disk was corrupt (it will be rebuilt).
    public var corrupt: Bool
    /// Problems found while planning (a declared input that does not exist).
    public var warnings: [Diagnostic]

    public var needsRun: Bool { cached == nil }
}

/// plan: decides, per chapter, whether its cached result still holds.
///
/// The key is a SHA-256 of everything a chapter's results depend on: its path, cells (code and options),
/// inline expressions, front-matter timeout, the engine's build fingerprint (which includes the
/// compiler), the profile, and the contents of files declared with `//| inputs:`. Prose is not in
/// it, so a prose-only edit re-renders from the cache.
public enum Planner {
    /// Bumped when the format of results or of the generated program changes.
    static let version = "segbook-cache-1"

    public static func key(for chapter: Chapter, fingerprint: String, profile: Profile,
                           inputRoot: String = ".") -> (key: String, warnings: [Diagnostic]) {
        var hasher = SHA256()
        var warnings: [Diagnostic] = []
        func add(_ field: String) {
            hasher.update("\(field.utf8.count):")
            hasher.update(field)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        add(version); add(fingerprint); add(profile.rawValue); add(chapter.path)
        add(chapter.frontMatter.timeout.map { "\($0)" } ?? "-")
        for cell in chapter.cells {
            add("cell \(cell.index)")
            add(cell.code)
            add(String(decoding: (try? encoder.encode(cell.options)) ?? Data(), as: UTF8.self))
            for input in cell.options.inputs {
                let path = input.hasPrefix("/") ? input : inputRoot + "/" + input
                if let data = FileManager.default.contents(atPath: path) {
                    add("input \(input) \(SHA256.hex(data))")
                } else {
                    add("input \(input) missing")
                    warnings.append(Diagnostic(file: chapter.path, line: cell.fenceLine,
                                               message: "input '\(input)' does not exist", severity: .warning))
                }
            }
        }
        for inline in chapter.inlineExpressions {
            add("inline \(inline.id)")
            add(inline.expression)
        }
        return (hasher.finalize().hexString, warnings)
    }

    public static func plan(_ chapter: Chapter, cache: ResultCache, fingerprint: String, profile: Profile,
                            useCache: Bool, inputRoot: String = ".") -> ChapterPlan {
        let (key, warnings) = key(for: chapter, fingerprint: fingerprint, profile: profile, inputRoot: inputRoot)
        var plan = ChapterPlan(chapter: chapter, key: key, cached: nil, corrupt: false, warnings: warnings)
        guard useCache else { return plan }
        switch cache.lookup(chapter, profile: profile, key: key) {
        case .hit(let result): plan.cached = result
        case .corrupt: plan.corrupt = true
        case .miss: break
        }
        return plan
    }
}
