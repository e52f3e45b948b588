/// An 8-bit RGBA raster (row-major, not premultiplied): images, label maps, overlays.
/// As a `Figure` it is drawn one figure unit per pixel, so `png(scale: 1)` gives its exact pixels.
public struct RasterImage: Figure, Sendable, Equatable {
    public var width: Int, height: Int
    /// width × height × 4 bytes, R G B A.
    public var rgba: [UInt8]
    public var size: Size { Size(Double(width), Double(height)) }

    public init(width: Int, height: Int, rgba: [UInt8]) {
        precondition(rgba.count == width * height * 4, "RasterImage: \(rgba.count) bytes for \(width)×\(height) RGBA")
        self.width = width; self.height = height; self.rgba = rgba
    }

    /// Channel order of float and byte image buffers.
    public enum Layout: Sendable { case hwc, chw }

    /// From 8-bit RGB values (3 channels) in `layout` order.
    public init(rgb: [UInt8], width: Int, height: Int, layout: Layout = .hwc) {
        precondition(rgb.count == width * height * 3, "RasterImage(rgb:): \(rgb.count) values for 3×\(height)×\(width)")
        var out = [UInt8](repeating: 255, count: width * height * 4)
        let plane = width * height
        for i in 0..<plane { for ch in 0..<3 { out[i * 4 + ch] = layout == .hwc ? rgb[i * 3 + ch] : rgb[ch * plane + i] } }
        self.init(width: width, height: height, rgba: out)
    }

    /// From float RGB values (3 channels, or 1 for grey) in `layout` order. Values are first
    /// de-normalised (`v * std + mean`, per channel; ImageNet statistics undo a model's input
    /// normalisation), then mapped from 0...1 to 0...255 and clamped.
    public init(float values: [Float], width: Int, height: Int, channels: Int = 3, layout: Layout = .chw,
                mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1]) {
        precondition(channels == 1 || channels == 3, "RasterImage(float:): \(channels) channels, expected 1 or 3")
        precondition(values.count == width * height * channels,
                     "RasterImage(float:): \(values.count) values for \(channels)×\(height)×\(width)")
        var out = [UInt8](repeating: 255, count: width * height * 4)
        let plane = width * height
        for i in 0..<plane { for ch in 0..<3 {
            let c = channels == 1 ? 0 : ch
            let v = layout == .hwc ? values[i * channels + c] : values[c * plane + i]
            let u = v * std[min(c, std.count - 1)] + mean[min(c, mean.count - 1)]
            out[i * 4 + ch] = UInt8(max(0, min(255, (u * 255).rounded())))
        } }
        self.init(width: width, height: height, rgba: out)
    }

    /// A label map (class index per pixel, row-major H×W) coloured with `color` (Pascal VOC's palette by default).
    public init(labels: [Int32], width: Int, height: Int, color: (Int) -> Color = Palette.voc) {
        precondition(labels.count == width * height, "RasterImage(labels:): \(labels.count) labels for \(height)×\(width)")
        var cache: [Int32: (UInt8, UInt8, UInt8)] = [:]
        var out = [UInt8](repeating: 255, count: width * height * 4)
        for (i, l) in labels.enumerated() {
            let c: (UInt8, UInt8, UInt8)
            if let hit = cache[l] { c = hit } else {
                let k = color(Int(l))
                c = (UInt8((k.r * 255).rounded()), UInt8((k.g * 255).rounded()), UInt8((k.b * 255).rounded()))
                cache[l] = c
            }
            out[i * 4] = c.0; out[i * 4 + 1] = c.1; out[i * 4 + 2] = c.2
        }
        self.init(width: width, height: height, rgba: out)
    }

    public init(labels: [UInt8], width: Int, height: Int, color: (Int) -> Color = Palette.voc) {
        self.init(labels: labels.map(Int32.init), width: width, height: height, color: color)
    }

    /// A heat map of a scalar field (row-major H×W) with the viridis colour map, scaled to its min...max
    /// unless `range` is given.
    public init(scalars: [Double], width: Int, height: Int, range: ClosedRange<Double>? = nil) {
        precondition(scalars.count == width * height, "RasterImage(scalars:): \(scalars.count) values for \(height)×\(width)")
        let lo = range?.lowerBound ?? scalars.min() ?? 0, hi = range?.upperBound ?? scalars.max() ?? 1
        var out = [UInt8](repeating: 255, count: width * height * 4)
        for (i, v) in scalars.enumerated() {
            let c = Palette.viridis(hi > lo ? (v - lo) / (hi - lo) : 0)
            out[i * 4] = UInt8((c.r * 255).rounded()); out[i * 4 + 1] = UInt8((c.g * 255).rounded()); out[i * 4 + 2] = UInt8((c.b * 255).rounded())
        }
        self.init(width: width, height: height, rgba: out)
    }

    /// This image with `mask` blended over it at `alpha`; pixels where `keep` says false (e.g. the
    /// background class) are left as they are.
    public func overlaid(with mask: RasterImage, alpha: Double = 0.5, where keep: ((Int) -> Bool)? = nil) -> RasterImage {
        precondition(mask.width == width && mask.height == height, "overlaid: mask \(mask.width)×\(mask.height) on image \(width)×\(height)")
        var out = rgba
        for i in 0..<(width * height) where keep?(i) ?? true {
            for ch in 0..<3 {
                let a = Double(rgba[i * 4 + ch]), b = Double(mask.rgba[i * 4 + ch])
                out[i * 4 + ch] = UInt8((a * (1 - alpha) + b * alpha).rounded())
            }
        }
        return RasterImage(width: width, height: height, rgba: out)
    }

    /// This image with a label map overlaid in its class colours; label 0 (background) stays unpainted.
    public func overlaid(labels: [Int32], alpha: Double = 0.5, color: (Int) -> Color = Palette.voc) -> RasterImage {
        overlaid(with: RasterImage(labels: labels, width: width, height: height, color: color), alpha: alpha) { labels[$0] != 0 }
    }

    public func draw(on canvas: Canvas) {
        canvas.image(rgba: rgba, width: width, height: height, in: Rect(x: 0, y: 0, width: size.width, height: size.height))
    }
}

/// A grid of images with column titles (e.g. image | ground truth | model A | model B) and optional
/// row titles, each cell scaled to `cellSize` (pixels kept sharp), and an optional class legend.
public struct ImageGrid: Figure, Sendable {
    public var columnTitles: [String]
    public var rowTitles: [String]?
    public var rows: [[RasterImage]]
    public var cellSize: Size
    /// (label, name) pairs drawn as a legend under the grid, in the class palette.
    public var classes: [(Int, String)]
    public var classColor: @Sendable (Int) -> Color

    public init(columnTitles: [String], rows: [[RasterImage]], rowTitles: [String]? = nil, cellSize: Size = Size(150, 150),
                classes: [(Int, String)] = [], classColor: @escaping @Sendable (Int) -> Color = Palette.voc) {
        self.columnTitles = columnTitles; self.rows = rows; self.rowTitles = rowTitles; self.cellSize = cellSize
        self.classes = classes; self.classColor = classColor
    }

    private static let font = Font(size: 11)
    private static let gap = 6.0, margin = 10.0

    private func metrics(_ m: TextMeasurer) -> (left: Double, top: Double, legendH: Double, width: Double) {
        let left = (rowTitles ?? []).map { m.measure($0, font: Self.font).height }.max().map { $0 + 8 } ?? 0
        let top = columnTitles.map { m.measure($0, font: Self.font, maxWidth: cellSize.width).height }.max().map { $0 + 6 } ?? 0
        let cols = rows.map(\.count).max() ?? 0
        let width = Self.margin * 2 + left + Double(cols) * cellSize.width + Double(max(cols - 1, 0)) * Self.gap
        var legendH = 0.0
        if !classes.isEmpty {
            var x = 0.0, lines = 1
            for (_, name) in classes {
                let w = 18 + m.measure(name, font: Font(size: 10)).width + 12
                if x > 0 && x + w > width - 2 * Self.margin { lines += 1; x = 0 }
                x += w
            }
            legendH = Double(lines) * 16 + 6
        }
        return (left, top, legendH, width)
    }

    public var size: Size {
        let mt = metrics(TextMeasurer())
        let h = Self.margin * 2 + mt.top + Double(rows.count) * cellSize.height + Double(max(rows.count - 1, 0)) * Self.gap + mt.legendH
        return Size(mt.width, h)
    }

    public func draw(on c: Canvas) {
        let mt = metrics(TextMeasurer())
        let x0 = Self.margin + mt.left, y0 = Self.margin + mt.top
        for (k, t) in columnTitles.enumerated() {
            c.text(t, at: Point(x0 + Double(k) * (cellSize.width + Self.gap) + cellSize.width / 2, y0 - 4), font: Self.font,
                   anchor: Point(0.5, 1), maxWidth: cellSize.width)
        }
        for (r, row) in rows.enumerated() {
            let y = y0 + Double(r) * (cellSize.height + Self.gap)
            if let t = rowTitles, r < t.count {
                c.text(t[r], at: Point(Self.margin, y + cellSize.height / 2), font: Self.font, anchor: Point(0.5, 0), rotation: 90)
            }
            for (k, img) in row.enumerated() {
                let cell = Rect(x: x0 + Double(k) * (cellSize.width + Self.gap), y: y, width: cellSize.width, height: cellSize.height)
                // Keep the aspect ratio inside the cell.
                let s = min(cell.width / Double(img.width), cell.height / Double(img.height))
                let r = Rect(center: cell.center, size: Size(Double(img.width) * s, Double(img.height) * s))
                c.image(rgba: img.rgba, width: img.width, height: img.height, in: r)
            }
        }
        if !classes.isEmpty {
            var x = Self.margin, y = y0 + Double(rows.count) * (cellSize.height + Self.gap)
            let width = mt.width
            for (label, name) in classes {
                let w = 18 + c.measure(name, font: Font(size: 10)).width + 12
                if x > Self.margin && x + w > width - Self.margin { x = Self.margin; y += 16 }
                c.rect(Rect(x: x, y: y + 3, width: 12, height: 10), fill: classColor(label), stroke: Stroke(.axis, width: 0.5))
                c.text(name, at: Point(x + 16, y + 8), font: Font(size: 10), anchor: Point(0, 0.5))
                x += w
            }
        }
    }
}

import CCairo

extension RasterImage {
    /// Decodes a PNG file (as written by `png()`), or nil if it is not one. Used by tests to compare pixels.
    public init?(png: [UInt8]) {
        final class Reader { var bytes: [UInt8]; var offset = 0; init(_ b: [UInt8]) { bytes = b } }
        let reader = Reader(png)
        let read: cairo_read_func_t = { closure, data, length in
            let r = Unmanaged<Reader>.fromOpaque(closure!).takeUnretainedValue()
            let n = Int(length)
            guard r.offset + n <= r.bytes.count, let data else { return CAIRO_STATUS_READ_ERROR }
            r.bytes.withUnsafeBufferPointer { data.update(from: $0.baseAddress! + r.offset, count: n) }
            r.offset += n
            return CAIRO_STATUS_SUCCESS
        }
        let surface = withExtendedLifetime(reader) {
            cairo_image_surface_create_from_png_stream(read, Unmanaged.passUnretained(reader).toOpaque())
        }
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else { return nil }
        cairo_surface_flush(surface)
        let w = Int(cairo_image_surface_get_width(surface)), h = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else { return nil }
        var out = [UInt8](repeating: 0, count: w * h * 4)
        for y in 0..<h {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<w {
                let p = row[x], a = p >> 24
                let un = { (v: UInt32) -> UInt8 in a == 0 ? 0 : UInt8(min(255, (v * 255 + a / 2) / a)) }
                out[(y * w + x) * 4] = un((p >> 16) & 0xFF); out[(y * w + x) * 4 + 1] = un((p >> 8) & 0xFF)
                out[(y * w + x) * 4 + 2] = un(p & 0xFF); out[(y * w + x) * 4 + 3] = UInt8(a)
            }
        }
        self.init(width: w, height: h, rgba: out)
    }
}
