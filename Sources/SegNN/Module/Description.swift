/// A module prints as PyTorch prints it, one line per sub-module with its key and settings:
///
///     TinyNet(
///       (features): Sequential(
///         (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
///         ...
extension Module: CustomStringConvertible {
    public var description: String {
        let children = namedChildren()
        let head = "\(typeName)(\(settingsDescription)"
        if children.isEmpty { return head + ")" }
        var lines = [head]
        for (key, child) in children {
            let nested = child.description.split(separator: "\n", omittingEmptySubsequences: false)
            lines.append("  (\(key)): " + nested[0])
            lines += nested.dropFirst().map { "  " + $0 }
        }
        return lines.joined(separator: "\n") + "\n)"
    }

    /// The class name without module prefix or generic arguments.
    public var typeName: String {
        let full = String(describing: type(of: self))
        return String(full.prefix { $0 != "<" })
    }
}

/// PyTorch's spelling of a pair: `(3, 3)`.
func pairDescription(_ p: (Int, Int)) -> String { "(\(p.0), \(p.1))" }
