import Foundation
import Yams

/// The YAML between a chapter's `---` lines → `FrontMatter`. Unknown keys are kept as text in `extra`.
enum FrontMatterParser {
    /// `firstLine` is the chapter line of the YAML's first line (diagnostics name chapter lines).
    static func parse(_ yaml: String, path: String, firstLine: Int) throws(Diagnostic) -> FrontMatter {
        var frontMatter = FrontMatter()
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            let (line, problem) = describe(error)
            throw Diagnostic(file: path, line: line.map { $0 + firstLine - 1 } ?? firstLine,
                             message: "malformed front matter: \(problem)")
        } catch {
            throw Diagnostic(file: path, line: firstLine, message: "malformed front matter: \(error)")
        }
        guard let root else { return frontMatter }
        guard case .mapping(let mapping) = root else {
            throw Diagnostic(file: path, line: firstLine, message: "malformed front matter: expected 'key: value' lines")
        }
        for (keyNode, value) in mapping {
            let line = (keyNode.mark?.line).map { $0 + firstLine - 1 }
            guard let key = keyNode.string else {
                throw Diagnostic(file: path, line: line, message: "malformed front matter: a key must be text")
            }
            switch key {
            case "title", "summary":
                guard case .scalar(let scalar) = value else {
                    throw Diagnostic(file: path, line: line, message: "front matter '\(key)' must be text")
                }
                if key == "title" { frontMatter.title = scalar.string } else { frontMatter.summary = scalar.string }
            case "timeout":
                guard case .scalar(let scalar) = value, let seconds = Double(scalar.string), seconds > 0, seconds.isFinite else {
                    throw Diagnostic(file: path, line: line, message: "front matter 'timeout' must be a positive number of seconds")
                }
                frontMatter.timeout = seconds
            default:
                if case .scalar(let scalar) = value {
                    frontMatter.extra[key] = scalar.string
                } else if case .sequence(let items) = value, items.allSatisfy({ $0.scalar != nil }) {
                    frontMatter.extra[key] = items.compactMap(\.string).joined(separator: ", ")
                } else {
                    frontMatter.extra[key] = ((try? Yams.serialize(node: value)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
        }
        return frontMatter
    }

    /// The 1-based line in the YAML text and the problem, from a Yams error.
    private static func describe(_ error: YamlError) -> (Int?, String) {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return (mark.line, problem)
        case .reader(let problem, _, _, _):
            return (nil, problem)
        default:
            return (nil, "\(error)")
        }
    }
}
