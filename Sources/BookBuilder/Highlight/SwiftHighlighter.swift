import SwiftIDEUtils
import SwiftParser
import SwiftSyntax

/// Swift source to highlighted HTML, classified by swift-syntax (`SwiftIDEUtils.classifications`),
/// the compiler's own parser, so highlighting never disagrees with what the code means.
public enum SwiftHighlighter {
    /// The HTML for `source`: every character escaped, classified ranges wrapped in
    /// `<span class="hl-KIND">`; unclassified text (whitespace, punctuation) left bare.
    public static func html(_ source: String) -> String {
        let tree = Parser.parse(source: source)
        let functionNames = FunctionNameFinder.offsets(in: tree)
        let bytes = Array(source.utf8)
        var out = ""
        out.reserveCapacity(bytes.count * 2)
        var cursor = 0
        for range in tree.classifications {
            let start = range.range.lowerBound.utf8Offset, end = range.range.upperBound.utf8Offset
            guard start >= cursor, end <= bytes.count, start < end else { continue }
            if start > cursor { out += HTML.escape(text(bytes[cursor..<start])) }
            let piece = HTML.escape(text(bytes[start..<end]))
            var kind = cssClass(range.kind)
            if range.kind == .identifier {
                // Names of functions (declared or called) and capitalised names (types used as values,
                // e.g. `UNet.original`) read better marked; the parser already says they are identifiers.
                if functionNames.contains(start) { kind = "function" }
                else if let first = bytes[start...].first, first >= 65, first <= 90 { kind = "type" }
            }
            if let kind { out += "<span class=\"hl-\(kind)\">\(piece)</span>" } else { out += piece }
            cursor = end
        }
        if cursor < bytes.count { out += HTML.escape(text(bytes[cursor...])) }
        return out
    }

    /// The CSS class suffix for a classification; `nil` for text left unstyled.
    static func cssClass(_ kind: SyntaxClassification) -> String? {
        switch kind {
        case .keyword: "keyword"
        case .type: "type"
        case .identifier, .dollarIdentifier: nil
        case .stringLiteral, .regexLiteral: "string"
        case .integerLiteral, .floatLiteral: "number"
        case .lineComment, .blockComment: "comment"
        case .docLineComment, .docBlockComment: "doc-comment"
        case .attribute: "attribute"
        case .ifConfigDirective: "directive"
        case .operator: "operator"
        case .argumentLabel: "label"
        case .editorPlaceholder: "placeholder"
        case .none: nil
        @unknown default: nil
        }
    }

    private static func text<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        String(decoding: Array(bytes), as: UTF8.self)
    }
}

/// Byte offsets of identifiers that name a function: declared (`func f`) or called (`f(...)`, `x.f(...)`).
private final class FunctionNameFinder: SyntaxVisitor {
    var offsets: Set<Int> = []

    static func offsets(in tree: SourceFileSyntax) -> Set<Int> {
        let finder = FunctionNameFinder(viewMode: .sourceAccurate)
        finder.walk(tree)
        return finder.offsets
    }

    override func visit(_ node: FunctionDeclSyntax) -> SyntaxVisitorContinueKind {
        offsets.insert(node.name.positionAfterSkippingLeadingTrivia.utf8Offset)
        return .visitChildren
    }

    override func visit(_ node: FunctionCallExprSyntax) -> SyntaxVisitorContinueKind {
        if let ref = node.calledExpression.as(DeclReferenceExprSyntax.self) {
            offsets.insert(ref.baseName.positionAfterSkippingLeadingTrivia.utf8Offset)
        } else if let member = node.calledExpression.as(MemberAccessExprSyntax.self) {
            offsets.insert(member.declName.baseName.positionAfterSkippingLeadingTrivia.utf8Offset)
        }
        return .visitChildren
    }
}
