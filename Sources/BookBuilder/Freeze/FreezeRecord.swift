import Foundation

/// `chapters/_freeze/NAME.json`: the text results recorded by `segbook freeze`, one record per profile,
/// that `segbook check` compares fresh results with.
public struct FreezeRecord: Codable, Equatable, Sendable {
    public struct CellRecord: Codable, Equatable, Sendable {
        public var index: Int
        /// Output, text and table displays, and an expected failure's message (see `recordedText`).
        public var text: String
        public var volatile: Bool
    }

    public struct ProfileRecord: Codable, Equatable, Sendable {
        public var cells: [CellRecord]
        /// Inline values by id (as text keys, for readable JSON).
        public var inline: [String: String]
        /// How long the chapter ran when frozen: the runner starts the longest chapters first.
        public var seconds: Double?
    }

    public var chapter: String
    public var profiles: [String: ProfileRecord]

    public init(chapter: String, profiles: [String: ProfileRecord] = [:]) {
        self.chapter = chapter; self.profiles = profiles
    }

    /// The text `check` compares for a cell: everything printed, the text and table displays, and
    /// the message of an expected failure. Images are not compared.
    public static func recordedText(_ result: CellResult) -> String {
        var parts: [String] = []
        if !result.output.isEmpty { parts.append(result.output) }
        for display in result.displays {
            switch display {
            case .text(let text): parts.append(text)
            case .table(let table):
                parts.append(([table.columns] + table.rows).map { $0.joined(separator: "\t") }.joined(separator: "\n"))
            case .svg, .png, .html: break
            }
        }
        if case .expectedFailure(let message, _) = result.status { parts.append(message) }
        return parts.joined(separator: "\n")
    }

    public static func profileRecord(_ chapter: Chapter, _ result: ChapterResult) -> ProfileRecord {
        ProfileRecord(
            cells: result.cells.map { cell in
                CellRecord(index: cell.index, text: recordedText(cell),
                           volatile: cell.index < chapter.cells.count && chapter.cells[cell.index].options.volatile)
            },
            inline: Dictionary(uniqueKeysWithValues: result.inlineValues.map { (String($0.key), $0.value) }),
            seconds: (result.seconds * 10).rounded() / 10)
    }

    /// The seconds `chapter` took in `profile` when it was frozen, if recorded.
    public static func recordedSeconds(_ chapter: Chapter, chaptersDirectory: String, profile: Profile) -> Double? {
        (try? load(path(for: chapter, chaptersDirectory: chaptersDirectory)))??.profiles[profile.rawValue]?.seconds
    }

    public static func path(for chapter: Chapter, chaptersDirectory: String) -> String {
        "\(chaptersDirectory)/_freeze/\(chapter.name).json"
    }

    public static func load(_ path: String) throws(Diagnostic) -> FreezeRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do { return try JSONDecoder().decode(FreezeRecord.self, from: data) } catch {
            throw Diagnostic(file: path, line: nil, message: "not a freeze record (\(error)); run segbook freeze")
        }
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        try AtomicFile.write(data, to: path)
    }
}
