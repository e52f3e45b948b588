import CCairo
import Foundation

/// A font: DejaVu Sans (text) or DejaVu Sans Mono (numbers in matrices, code), size in figure units.
public struct Font: Sendable, Hashable {
    public enum Family: String, Sendable { case sans = "DejaVu Sans", mono = "DejaVu Sans Mono" }
    public var family: Family, size: Double, bold: Bool, italic: Bool
    public init(_ family: Family = .sans, size: Double = 11, bold: Bool = false, italic: Bool = false) {
        self.family = family; self.size = size; self.bold = bold; self.italic = italic
    }
    public static let body = Font(size: 11)
    public static let small = Font(size: 9.5)
    public static let title = Font(size: 13, bold: true)
    public func sized(_ s: Double) -> Font { var f = self; f.size = s; return f }
}

/// How a line is stroked.
public struct Stroke: Sendable, Hashable {
    public enum Dash: Sendable, Hashable { case solid, dashed, dotted, pattern([Double]) }
    public var color: Color, width: Double, dash: Dash
    public init(_ color: Color = .text, width: Double = 1, dash: Dash = .solid) {
        self.color = color; self.width = width; self.dash = dash
    }
}

/// Horizontal text alignment of wrapped lines.
public enum TextAlignment: Sendable { case left, center, right }

/// A text drawn on a canvas, with its box in figure units (after rotation): used by layout tests.
public struct PlacedText: Sendable, Hashable {
    public var text: String
    public var box: Rect
}

/// A drawing surface: SVG (in memory) or PNG (an image surface at `scale` pixels per unit).
/// Coordinates are figure units with y down. Text is laid out with Pango, so measured sizes are
/// the sizes drawn.
public final class Canvas {
    public enum Format: Sendable, Equatable { case svg, png(scale: Double) }
    public let size: Size
    public let format: Format
    /// Every text drawn so far, with its box (for tests and overlap checks).
    public private(set) var texts: [PlacedText] = []

    let surface: OpaquePointer
    let cr: OpaquePointer
    let pango: OpaquePointer
    private let sink: ByteSink
    private var finished = false

    /// A blank canvas of `size` figure units, filled with `background` (nil: transparent).
    public init(size: Size, format: Format, background: Color? = .white) {
        self.size = size; self.format = format
        let sink = ByteSink(); self.sink = sink
        switch format {
        case .svg:
            surface = cairo_svg_surface_create_for_stream(writeToSink, Unmanaged.passUnretained(sink).toOpaque(),
                                                          size.width, size.height)
            cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX)
        case .png(let scale):
            surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32((size.width * scale).rounded(.up)),
                                                 Int32((size.height * scale).rounded(.up)))
        }
        cr = cairo_create(surface)
        if case .png(let scale) = format { cairo_scale(cr, scale, scale) }
        pango = TextEngine.makeContext(cr)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        if let bg = background { rect(Rect(x: 0, y: 0, width: size.width, height: size.height), fill: bg) }
    }

    deinit {
        g_object_unref(UnsafeMutableRawPointer(pango))
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    // MARK: output

    /// Finishes an SVG canvas and returns the document.
    public func svgString() -> String {
        precondition(format == .svg, "Canvas.svgString: this canvas is \(format), not SVG")
        finish()
        return String(decoding: sink.bytes, as: UTF8.self)
    }

    /// Finishes a PNG canvas and returns the encoded PNG file.
    public func pngData() -> [UInt8] {
        guard case .png = format else { preconditionFailure("Canvas.pngData: this canvas is SVG, not PNG") }
        if !finished {
            cairo_surface_flush(surface)
            cairo_surface_write_to_png_stream(surface, writeToSink, Unmanaged.passUnretained(sink).toOpaque())
            finished = true
        }
        return sink.bytes
    }

    private func finish() {
        if !finished { cairo_surface_finish(surface); finished = true }
    }

    // MARK: state

    /// Runs `body` with drawing clipped to `rect`.
    public func clipped(to rect: Rect, _ body: () -> Void) {
        cairo_save(cr)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cr)
        body()
        cairo_restore(cr)
    }

    /// Runs `body` translated by (dx, dy).
    public func translated(_ dx: Double, _ dy: Double, _ body: () -> Void) {
        cairo_save(cr); cairo_translate(cr, dx, dy); body(); cairo_restore(cr)
    }

    private func setColor(_ c: Color) { cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a) }

    private func apply(_ s: Stroke) {
        setColor(s.color)
        cairo_set_line_width(cr, s.width)
        let pattern: [Double]
        switch s.dash {
        case .solid: pattern = []
        case .dashed: pattern = [4 * s.width + 2, 2.5 * s.width + 1.5]
        case .dotted: pattern = [0.01, 2.5 * s.width + 1]
        case .pattern(let p): pattern = p
        }
        cairo_set_line_cap(cr, s.dash == .dotted ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT)
        pattern.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32($0.count), 0) }
    }

    private func fillAndStroke(fill: Color?, stroke: Stroke?) {
        if let f = fill { setColor(f); stroke == nil ? cairo_fill(cr) : cairo_fill_preserve(cr) }
        if let s = stroke { apply(s); cairo_stroke(cr) }
        cairo_new_path(cr)
    }

    // MARK: shapes

    public func rect(_ r: Rect, fill: Color? = nil, stroke: Stroke? = nil) {
        cairo_rectangle(cr, r.x, r.y, r.width, r.height)
        fillAndStroke(fill: fill, stroke: stroke)
    }

    public func roundedRect(_ r: Rect, radius: Double, fill: Color? = nil, stroke: Stroke? = nil) {
        let rad = max(0, min(radius, r.width / 2, r.height / 2))
        cairo_new_sub_path(cr)
        cairo_arc(cr, r.maxX - rad, r.minY + rad, rad, -.pi / 2, 0)
        cairo_arc(cr, r.maxX - rad, r.maxY - rad, rad, 0, .pi / 2)
        cairo_arc(cr, r.minX + rad, r.maxY - rad, rad, .pi / 2, .pi)
        cairo_arc(cr, r.minX + rad, r.minY + rad, rad, .pi, 1.5 * .pi)
        cairo_close_path(cr)
        fillAndStroke(fill: fill, stroke: stroke)
    }

    public func circle(center: Point, radius: Double, fill: Color? = nil, stroke: Stroke? = nil) {
        cairo_new_sub_path(cr)
        cairo_arc(cr, center.x, center.y, radius, 0, 2 * .pi)
        fillAndStroke(fill: fill, stroke: stroke)
    }

    public func line(from a: Point, to b: Point, stroke: Stroke = Stroke()) {
        polyline([a, b], stroke: stroke)
    }

    public func polyline(_ points: [Point], stroke: Stroke = Stroke()) {
        guard let first = points.first else { return }
        cairo_move_to(cr, first.x, first.y)
        for p in points.dropFirst() { cairo_line_to(cr, p.x, p.y) }
        fillAndStroke(fill: nil, stroke: stroke)
    }

    public func polygon(_ points: [Point], fill: Color? = nil, stroke: Stroke? = nil) {
        guard let first = points.first else { return }
        cairo_move_to(cr, first.x, first.y)
        for p in points.dropFirst() { cairo_line_to(cr, p.x, p.y) }
        cairo_close_path(cr)
        fillAndStroke(fill: fill, stroke: stroke)
    }

    /// A path of straight segments (`.move`/`.line`) and cubic curves, filled and/or stroked.
    public enum PathElement: Sendable { case move(Point), line(Point), curve(Point, Point, Point), close }
    public func path(_ elements: [PathElement], fill: Color? = nil, stroke: Stroke? = nil) {
        for e in elements {
            switch e {
            case .move(let p): cairo_move_to(cr, p.x, p.y)
            case .line(let p): cairo_line_to(cr, p.x, p.y)
            case .curve(let a, let b, let c): cairo_curve_to(cr, a.x, a.y, b.x, b.y, c.x, c.y)
            case .close: cairo_close_path(cr)
            }
        }
        fillAndStroke(fill: fill, stroke: stroke)
    }

    /// A polyline ending (and optionally starting) in a filled arrow head of length `head`.
    public func arrow(_ points: [Point], stroke: Stroke = Stroke(), head: Double = 7, bothEnds: Bool = false) {
        guard points.count >= 2 else { return }
        var pts = points
        // Shorten the line under the head so a thick line does not poke through its tip.
        func shortened(_ tip: Point, _ from: Point) -> Point {
            let dx = tip.x - from.x, dy = tip.y - from.y, len = max((dx * dx + dy * dy).squareRoot(), 1e-9)
            let k = min(head * 0.7, len) / len
            return Point(tip.x - dx * k, tip.y - dy * k)
        }
        let n = pts.count
        pts[n - 1] = shortened(points[n - 1], points[n - 2])
        if bothEnds { pts[0] = shortened(points[0], points[1]) }
        polyline(pts, stroke: stroke)
        arrowHead(tip: points[n - 1], from: points[n - 2], length: head, color: stroke.color)
        if bothEnds { arrowHead(tip: points[0], from: points[1], length: head, color: stroke.color) }
    }

    public func arrow(from a: Point, to b: Point, stroke: Stroke = Stroke(), head: Double = 7) {
        arrow([a, b], stroke: stroke, head: head)
    }

    private func arrowHead(tip: Point, from: Point, length: Double, color: Color) {
        let dx = tip.x - from.x, dy = tip.y - from.y, len = max((dx * dx + dy * dy).squareRoot(), 1e-9)
        let ux = dx / len, uy = dy / len, w = length * 0.42
        let base = Point(tip.x - ux * length, tip.y - uy * length)
        polygon([tip, Point(base.x - uy * w, base.y + ux * w), Point(base.x + uy * w, base.y - ux * w)], fill: color)
    }

    // MARK: text

    /// Draws `text` so that the point `anchor` (in 0...1 of the text box: (0,0) top left, (0.5,0.5)
    /// centre) of its box lies at `at`, rotated by `rotation` degrees (counter-clockwise, about `at`).
    /// Wraps at `maxWidth` when given. Returns the drawn box (axis-aligned, after rotation).
    @discardableResult
    public func text(_ text: String, at: Point, font: Font = .body, color: Color = .text,
                     anchor: Point = Point(0.5, 0.5), rotation: Double = 0, maxWidth: Double? = nil,
                     alignment: TextAlignment = .center) -> Rect {
        let layout = TextEngine.layout(pango, text, font: font, maxWidth: maxWidth, alignment: alignment)
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        let s = TextEngine.logicalSize(layout)
        cairo_save(cr)
        cairo_translate(cr, at.x, at.y)
        cairo_rotate(cr, -rotation * .pi / 180)
        cairo_move_to(cr, -anchor.x * s.width, -anchor.y * s.height)
        setColor(color)
        pango_cairo_update_context(cr, pango)
        pango_layout_context_changed(layout)
        pango_cairo_show_layout(cr, layout)
        cairo_restore(cr)
        let box = TextEngine.rotatedBox(size: s, at: at, anchor: anchor, rotation: rotation)
        texts.append(PlacedText(text: text, box: box))
        return box
    }

    /// The size `text` would take (before rotation).
    public func measure(_ text: String, font: Font = .body, maxWidth: Double? = nil) -> Size {
        let layout = TextEngine.layout(pango, text, font: font, maxWidth: maxWidth, alignment: .center)
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        return TextEngine.logicalSize(layout)
    }

    // MARK: images

    /// Draws an RGBA image (8 bits per channel, row-major, not premultiplied) into `rect`;
    /// `smooth` false keeps pixels sharp (masks, small matrices).
    public func image(rgba: [UInt8], width: Int, height: Int, in rect: Rect, smooth: Bool = false) {
        precondition(rgba.count == width * height * 4, "Canvas.image: \(rgba.count) bytes for \(width)×\(height) RGBA")
        guard width > 0, height > 0 else { return }
        let img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        defer { cairo_surface_destroy(img) }
        cairo_surface_flush(img)
        let stride = Int(cairo_image_surface_get_stride(img))
        let data = cairo_image_surface_get_data(img)!
        for y in 0..<height {
            let row = data.advanced(by: y * stride).withMemoryRebound(to: UInt32.self, capacity: width) { $0 }
            for x in 0..<width {
                let i = (y * width + x) * 4
                let a = UInt32(rgba[i + 3])
                let r = UInt32(rgba[i]) * a / 255, g = UInt32(rgba[i + 1]) * a / 255, b = UInt32(rgba[i + 2]) * a / 255
                row[x] = (a << 24) | (r << 16) | (g << 8) | b
            }
        }
        cairo_surface_mark_dirty(img)
        cairo_save(cr)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cr)
        cairo_translate(cr, rect.x, rect.y)
        cairo_scale(cr, rect.width / Double(width), rect.height / Double(height))
        cairo_set_source_surface(cr, img, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), smooth ? CAIRO_FILTER_GOOD : CAIRO_FILTER_NEAREST)
        cairo_paint(cr)
        cairo_restore(cr)
    }
}

/// Collects bytes written by Cairo's stream callbacks.
final class ByteSink { var bytes: [UInt8] = [] }

private let writeToSink: cairo_write_func_t = { closure, data, length in
    let sink = Unmanaged<ByteSink>.fromOpaque(closure!).takeUnretainedValue()
    if let data { sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length))) }
    return CAIRO_STATUS_SUCCESS
}

/// Pango layout shared by drawing and measuring: unhinted metrics, so SVG and PNG text take the
/// same space and measurements made before drawing hold.
enum TextEngine {
    static func makeContext(_ cr: OpaquePointer) -> OpaquePointer {
        let ctx = pango_cairo_create_context(cr)!
        let fo = cairo_font_options_create()
        cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY)
        pango_cairo_context_set_font_options(ctx, fo)
        cairo_font_options_destroy(fo)
        return ctx
    }

    static func layout(_ ctx: OpaquePointer, _ text: String, font: Font, maxWidth: Double?,
                       alignment: TextAlignment) -> OpaquePointer {
        let layout = pango_layout_new(ctx)!
        let desc = pango_font_description_new()
        pango_font_description_set_family(desc, font.family.rawValue)
        pango_font_description_set_absolute_size(desc, font.size * Double(PANGO_SCALE))
        pango_font_description_set_weight(desc, font.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
        pango_font_description_set_style(desc, font.italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL)
        pango_layout_set_font_description(layout, desc)
        pango_font_description_free(desc)
        pango_layout_set_text(layout, text, -1)
        if let w = maxWidth {
            pango_layout_set_width(layout, Int32(w * Double(PANGO_SCALE)))
            pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
            // Shrink the box to the widest line, so alignment is relative to the text actually used.
            let used = logicalSize(layout).width
            pango_layout_set_width(layout, Int32((used + 0.5) * Double(PANGO_SCALE)))
        }
        switch alignment {
        case .left: pango_layout_set_alignment(layout, PANGO_ALIGN_LEFT)
        case .center: pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER)
        case .right: pango_layout_set_alignment(layout, PANGO_ALIGN_RIGHT)
        }
        return layout
    }

    /// The logical extent of the laid-out lines (the width actually used, not `maxWidth`).
    static func logicalSize(_ layout: OpaquePointer) -> Size {
        var ink = PangoRectangle(), logical = PangoRectangle()
        pango_layout_get_extents(layout, &ink, &logical)
        let s = Double(PANGO_SCALE)
        // With a set width, the logical rect spans it; the used width is the union of the lines.
        var used = 0.0
        let n = pango_layout_get_line_count(layout)
        for i in 0..<n {
            var lInk = PangoRectangle(), lLog = PangoRectangle()
            pango_layout_line_get_extents(pango_layout_get_line_readonly(layout, i), &lInk, &lLog)
            used = max(used, Double(lLog.width) / s)
        }
        if pango_layout_get_width(layout) < 0 { used = Double(logical.width) / s }
        return Size(used, Double(logical.height) / s)
    }

    static func rotatedBox(size s: Size, at: Point, anchor: Point, rotation: Double) -> Rect {
        let th = -rotation * .pi / 180, c = cos(th), sn = sin(th)
        let x0 = -anchor.x * s.width, y0 = -anchor.y * s.height
        let corners = [(x0, y0), (x0 + s.width, y0), (x0, y0 + s.height), (x0 + s.width, y0 + s.height)]
            .map { Point(at.x + $0.0 * c - $0.1 * sn, at.y + $0.0 * sn + $0.1 * c) }
        let xs = corners.map(\.x), ys = corners.map(\.y)
        return Rect(x: xs.min()!, y: ys.min()!, width: xs.max()! - xs.min()!, height: ys.max()! - ys.min()!)
    }
}

/// Measures text exactly as a `Canvas` draws it, before any canvas exists (layout code).
public final class TextMeasurer {
    private let surface: OpaquePointer
    private let cr: OpaquePointer
    private let ctx: OpaquePointer
    public init() {
        surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1)
        cr = cairo_create(surface)
        ctx = TextEngine.makeContext(cr)
    }
    deinit {
        g_object_unref(UnsafeMutableRawPointer(ctx)); cairo_destroy(cr); cairo_surface_destroy(surface)
    }
    /// The size of `text` in `font`, wrapped at `maxWidth` when given.
    public func measure(_ text: String, font: Font = .body, maxWidth: Double? = nil) -> Size {
        let layout = TextEngine.layout(ctx, text, font: font, maxWidth: maxWidth, alignment: .center)
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        return TextEngine.logicalSize(layout)
    }
}
