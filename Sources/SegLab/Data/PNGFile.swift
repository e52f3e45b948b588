import CPNG
import Foundation

/// PNG files through libpng's simplified API (`png_image`), which reports errors as values, so a
/// corrupt file is a thrown `DatasetError`, never a `longjmp` through Swift frames.
///
/// Reads 8-bit grey, grey+alpha, RGB, RGBA and palette PNGs; writes RGB, grey and palette PNGs.
/// JPEG files are recognised by their signature and refused with a clear error.
public enum PNGFile {
    /// A decoded image: interleaved 8-bit RGB, [height, width, 3] (alpha is dropped).
    public struct RGBImage: Sendable, Equatable {
        public var width: Int, height: Int
        public var pixels: [UInt8]
    }

    /// A decoded label map: one byte per pixel, [height, width]. For a palette PNG these are the
    /// palette indices (Pascal VOC's class ids); for a grey PNG the grey levels (Cityscapes' ids).
    public struct LabelImage: Sendable, Equatable {
        public var width: Int, height: Int
        public var ids: [UInt8]
        /// The file's palette, when it has one.
        public var palette: [RGB8]?
    }

    /// Reads any 8-bit PNG as RGB.
    public static func readRGB(_ path: String) throws -> RGBImage {
        var image = try begin(path)
        defer { png_image_free(&image) }
        image.format = Format.rgba
        let (width, height) = (Int(image.width), Int(image.height))
        var rgba = [UInt8](repeating: 0, count: 4 * width * height)
        let ok = rgba.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, 0, nil)
        }
        guard ok != 0 else { throw DatasetError.corruptPNG(path: path, reason: message(image)) }
        var rgb = [UInt8](repeating: 0, count: 3 * width * height)
        for p in 0..<(width * height) {
            rgb[3 * p] = rgba[4 * p]; rgb[3 * p + 1] = rgba[4 * p + 1]; rgb[3 * p + 2] = rgba[4 * p + 2]
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }

    /// Reads a label PNG: palette indices for a palette PNG, grey levels for a grey PNG.
    /// An RGB label PNG is refused: its colours would need a palette to become ids.
    public static func readLabel(_ path: String) throws -> LabelImage {
        var image = try begin(path)
        defer { png_image_free(&image) }
        let (width, height) = (Int(image.width), Int(image.height))
        var ids = [UInt8](repeating: 0, count: width * height)
        let sourceFormat = image.format
        if sourceFormat & Format.colormapFlag != 0 {
            // Keep the file's palette order: the indices are the class ids.
            let hasAlpha = sourceFormat & Format.alphaFlag != 0
            image.format = hasAlpha ? Format.rgbaColormap : Format.rgbColormap
            let entryBytes = hasAlpha ? 4 : 3
            var colormap = [UInt8](repeating: 0, count: 256 * entryBytes)
            let ok = ids.withUnsafeMutableBytes { idBytes in
                colormap.withUnsafeMutableBytes { mapBytes in
                    png_image_finish_read(&image, nil, idBytes.baseAddress, 0, mapBytes.baseAddress)
                }
            }
            guard ok != 0 else { throw DatasetError.corruptPNG(path: path, reason: message(image)) }
            let entries = Int(image.colormap_entries)
            let palette = (0..<entries).map {
                RGB8(colormap[$0 * entryBytes], colormap[$0 * entryBytes + 1], colormap[$0 * entryBytes + 2])
            }
            return LabelImage(width: width, height: height, ids: ids, palette: palette)
        }
        guard sourceFormat & Format.colorFlag == 0 else {
            throw DatasetError.unsupportedImage(
                path: path, reason: "label PNG is RGB: expected a palette PNG (class ids as indices) or a grey id PNG")
        }
        image.format = Format.gray
        let ok = ids.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard ok != 0 else { throw DatasetError.corruptPNG(path: path, reason: message(image)) }
        return LabelImage(width: width, height: height, ids: ids, palette: nil)
    }

    /// Writes interleaved 8-bit RGB, [height, width, 3].
    public static func writeRGB(_ path: String, width: Int, height: Int, pixels: [UInt8]) throws {
        precondition(pixels.count == 3 * width * height, "PNGFile.writeRGB: \(pixels.count) bytes for \(width)×\(height)×3")
        try write(path, width: width, height: height, format: Format.rgb, pixels: pixels, colormap: nil)
    }

    /// Writes one grey byte per pixel (e.g. Cityscapes-style id maps).
    public static func writeGrey(_ path: String, width: Int, height: Int, pixels: [UInt8]) throws {
        precondition(pixels.count == width * height, "PNGFile.writeGrey: \(pixels.count) bytes for \(width)×\(height)")
        try write(path, width: width, height: height, format: Format.gray, pixels: pixels, colormap: nil)
    }

    /// Writes a palette PNG whose indices are `indices` (Pascal VOC's `SegmentationClass` style).
    /// The palette is padded to cover every index used (unused entries black).
    public static func writePalette(_ path: String, width: Int, height: Int, indices: [UInt8], palette: [RGB8]) throws {
        precondition(indices.count == width * height, "PNGFile.writePalette: \(indices.count) indices for \(width)×\(height)")
        let entries = max(palette.count, Int(indices.max() ?? 0) + 1)
        precondition(entries <= 256, "PNGFile.writePalette: \(entries) palette entries, at most 256")
        var colormap = [UInt8](repeating: 0, count: 3 * entries)
        for (i, c) in palette.enumerated() { colormap[3 * i] = c.r; colormap[3 * i + 1] = c.g; colormap[3 * i + 2] = c.b }
        try write(path, width: width, height: height, format: Format.rgbColormap,
                  pixels: indices, colormap: (colormap, entries))
    }

    /// Writes a label map as a palette PNG (ids are indices; 255 gets `ignoreColor`).
    public static func writeLabel(_ path: String, width: Int, height: Int, label: [Int32], palette: [RGB8],
                                  ignoreColor: RGB8 = RGB8(224, 224, 192)) throws {
        var full = palette
        if label.contains(SegmentationSample.ignoreIndex) {
            full += Array(repeating: RGB8(0, 0, 0), count: max(0, 255 - full.count))
            full.append(ignoreColor)
        }
        let indices = label.map { id -> UInt8 in
            precondition(id >= 0 && id < 256, "PNGFile.writeLabel: id \(id) does not fit a palette PNG")
            return UInt8(id)
        }
        try writePalette(path, width: width, height: height, indices: indices, palette: full)
    }

    // MARK: - libpng plumbing

    /// png.h's PNG_FORMAT_* values (its composite macros do not import into Swift).
    private enum Format {
        static let alphaFlag: UInt32 = 0x01, colorFlag: UInt32 = 0x02, colormapFlag: UInt32 = 0x08
        static let gray: UInt32 = 0, rgb = colorFlag, rgba = colorFlag | alphaFlag
        static let rgbColormap = rgb | colormapFlag, rgbaColormap = rgba | colormapFlag
    }

    private static func begin(_ path: String) throws -> png_image {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DatasetError.missingFile(path: path)
        }
        let head = handle.readData(ofLength: 8)
        try? handle.close()
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if head.starts(with: [0xFF, 0xD8, 0xFF]) {
            throw DatasetError.unsupportedImage(
                path: path, reason: "JPEG is not supported (segbook reads PNG only): convert the images to PNG")
        }
        guard Array(head) == signature else {
            throw DatasetError.corruptPNG(path: path, reason: "no PNG signature")
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            let reason = message(image)
            png_image_free(&image)
            throw DatasetError.corruptPNG(path: path, reason: reason)
        }
        return image
    }

    private static func write(_ path: String, width: Int, height: Int, format: UInt32, pixels: [UInt8],
                              colormap: ([UInt8], Int)?) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format
        var ok: Int32 = 0
        if let (map, entries) = colormap {
            image.colormap_entries = UInt32(entries)
            ok = pixels.withUnsafeBytes { px in
                map.withUnsafeBytes { cm in png_image_write_to_file(&image, path, 0, px.baseAddress, 0, cm.baseAddress) }
            }
        } else {
            ok = pixels.withUnsafeBytes { png_image_write_to_file(&image, path, 0, $0.baseAddress, 0, nil) }
        }
        guard ok != 0 else {
            let reason = message(image)
            png_image_free(&image)
            throw DatasetError.writeFailed(path: path, reason: reason)
        }
    }

    private static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
