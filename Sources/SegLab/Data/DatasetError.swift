/// Bad input from outside (a dataset folder, a PNG): one line naming the file. The command line
/// prints `description` and exits with `exitCode` (2), as for every input error in segbook.
public enum DatasetError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A folder the dataset layout requires is not there.
    case missingFolder(path: String)
    /// A file the dataset layout (or a split list) names is not there.
    case missingFile(path: String)
    /// libpng could not decode the file.
    case corruptPNG(path: String, reason: String)
    /// The file is an image format segbook does not read (JPEG), or a PNG of a kind a label cannot be.
    case unsupportedImage(path: String, reason: String)
    /// A label PNG whose size differs from its image.
    case sizeMismatch(labelPath: String, labelWidth: Int, labelHeight: Int, imageWidth: Int, imageHeight: Int)
    /// A label id that is neither a class (0..<classes) nor the ignore index 255.
    case labelOutOfRange(path: String, id: Int, classes: Int)
    /// A PNG could not be written.
    case writeFailed(path: String, reason: String)

    /// The process exit status the command line uses for bad input.
    public var exitCode: Int32 { 2 }

    /// The file the error is about.
    public var path: String {
        switch self {
        case .missingFolder(let path), .missingFile(let path), .corruptPNG(let path, _),
             .unsupportedImage(let path, _), .labelOutOfRange(let path, _, _), .writeFailed(let path, _):
            return path
        case .sizeMismatch(let labelPath, _, _, _, _):
            return labelPath
        }
    }

    public var description: String {
        switch self {
        case .missingFolder(let path):
            return "\(path): dataset folder not found"
        case .missingFile(let path):
            return "\(path): file not found"
        case .corruptPNG(let path, let reason):
            return "\(path): not a readable PNG (\(reason))"
        case .unsupportedImage(let path, let reason):
            return "\(path): \(reason)"
        case .sizeMismatch(let labelPath, let lw, let lh, let iw, let ih):
            return "\(labelPath): label is \(lw)×\(lh) but its image is \(iw)×\(ih)"
        case .labelOutOfRange(let path, let id, let classes):
            return "\(path): label id \(id) is not a class (0–\(classes - 1)) nor ignore (255)"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write PNG (\(reason))"
        }
    }
}
