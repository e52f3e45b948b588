import CCairo
import Foundation

/// What the synthetic scenes are made of: shapes in pixel coordinates, each with a texture and a
/// class id, drawn in order (later ones occlude earlier ones).
struct SceneObject {
    enum Shape {
        case disc(cx: Double, cy: Double, r: Double)
        /// A disc with a hole (even–odd fill): what is under the hole shows through.
        case ring(cx: Double, cy: Double, outer: Double, inner: Double)
        case polygon([Point])
        /// A polyline of the given width (round joins), e.g. a crack or a bar.
        case polyline([Point], width: Double)
        /// A chain of cubic Bézier segments (points: start, then 3 per segment), e.g. a wire.
        case curve([Point], width: Double)
    }
    var shape: Shape
    var paint: Paint
    var classId: Int32
}

struct Point { var x: Double, y: Double }

/// A colour with components in [0, 1].
struct Colour {
    var r: Double, g: Double, b: Double

    /// From hue, saturation, value, each in [0, 1].
    static func hsv(_ h: Double, _ s: Double, _ v: Double) -> Colour {
        let h6 = (h - h.rounded(.down)) * 6
        let i = Int(h6) % 6, f = h6 - Double(Int(h6))
        let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
        switch i {
        case 0: return Colour(r: v, g: t, b: p)
        case 1: return Colour(r: q, g: v, b: p)
        case 2: return Colour(r: p, g: v, b: t)
        case 3: return Colour(r: p, g: q, b: v)
        case 4: return Colour(r: t, g: p, b: v)
        default: return Colour(r: v, g: p, b: q)
        }
    }
}

/// Textures, drawn over the whole canvas inside a clip of the shape.
enum Paint {
    case solid(Colour)
    case gradient(Colour, Colour, angle: Double)
    case stripes(Colour, Colour, period: Double, duty: Double, angle: Double)
    case checker(Colour, Colour, cell: Double, angle: Double)
    /// Sinusoidal crests over a base colour ("water").
    case waves(base: Colour, crest: Colour, period: Double, wavelength: Double, angle: Double)
    /// A base colour with dashed lane markings ("road").
    case lanes(base: Colour, marking: Colour, spacing: Double, dash: Double, angle: Double)
    /// A base colour with discs scattered over it (x, y, r, colour).
    case blotches(base: Colour, [(Point, Double, Colour)])
}

/// An anti-aliased RGB rendering and an exact label rendering of the same objects, with Cairo.
/// The label map is drawn with antialiasing off, each object filled with its class id as red
/// level, so every pixel gets the class of the topmost object covering its centre.
struct SceneCanvas {
    let width: Int, height: Int

    /// Interleaved 8-bit RGB [H, W, 3] of the anti-aliased image.
    func renderImage(_ objects: [SceneObject]) -> [UInt8] {
        let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
        let cr = cairo_create(surface)
        defer { cairo_destroy(cr); cairo_surface_destroy(surface) }
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_GOOD)
        cairo_set_source_rgb(cr, 0, 0, 0)
        cairo_paint(cr)
        for object in objects {
            cairo_save(cr)
            addPath(cr, object.shape)
            cairo_clip(cr)
            fillTexture(cr, object.paint)
            cairo_restore(cr)
        }
        cairo_surface_flush(surface)
        return readPixels(surface) { [UInt8(($0 >> 16) & 0xFF), UInt8(($0 >> 8) & 0xFF), UInt8($0 & 0xFF)] }
    }

    /// Class ids [H, W], exact per pixel (no antialiasing), occlusion in drawing order.
    func renderLabel(_ objects: [SceneObject], background: Int32 = 0) -> [Int32] {
        let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
        let cr = cairo_create(surface)
        defer { cairo_destroy(cr); cairo_surface_destroy(surface) }
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE)
        cairo_set_source_rgb(cr, Double(background) / 255, 0, 0)
        cairo_paint(cr)
        for object in objects {
            // id/255 becomes the 16-bit level id·257, whose top byte is exactly id.
            cairo_set_source_rgb(cr, Double(object.classId) / 255, 0, 0)
            addPath(cr, object.shape)
            cairo_fill(cr)
        }
        cairo_surface_flush(surface)
        return readPixels(surface) { [Int32(($0 >> 16) & 0xFF)] }
    }

    private func readPixels<T>(_ surface: OpaquePointer?, _ decode: (UInt32) -> [T]) -> [T] {
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else { fatalError("SceneCanvas: no surface data") }
        var out: [T] = []
        out.reserveCapacity(width * height * 3)
        for y in 0..<height {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width { out.append(contentsOf: decode(row[x])) }
        }
        return out
    }

    /// The shape's outline as the current path (strokes become their outline, so they can be
    /// clipped to and filled like areas).
    private func addPath(_ cr: OpaquePointer?, _ shape: SceneObject.Shape) {
        cairo_new_path(cr)
        switch shape {
        case .disc(let cx, let cy, let r):
            cairo_arc(cr, cx, cy, r, 0, 2 * Double.pi)
            cairo_close_path(cr)
            cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING)
        case .ring(let cx, let cy, let outer, let inner):
            cairo_arc(cr, cx, cy, outer, 0, 2 * Double.pi)
            cairo_close_path(cr)
            cairo_new_sub_path(cr)
            cairo_arc(cr, cx, cy, inner, 0, 2 * Double.pi)
            cairo_close_path(cr)
            cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD)
        case .polygon(let points):
            for (i, p) in points.enumerated() {
                if i == 0 { cairo_move_to(cr, p.x, p.y) } else { cairo_line_to(cr, p.x, p.y) }
            }
            cairo_close_path(cr)
            cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING)
        case .polyline(let points, let width):
            for (i, p) in points.enumerated() {
                if i == 0 { cairo_move_to(cr, p.x, p.y) } else { cairo_line_to(cr, p.x, p.y) }
            }
            strokeToPath(cr, width: width)
        case .curve(let points, let width):
            cairo_move_to(cr, points[0].x, points[0].y)
            var i = 1
            while i + 2 < points.count {
                cairo_curve_to(cr, points[i].x, points[i].y, points[i + 1].x, points[i + 1].y,
                               points[i + 2].x, points[i + 2].y)
                i += 3
            }
            strokeToPath(cr, width: width)
        }
    }

    /// Replaces the current (open) path by the outline of its stroke. Cairo has no stroke-to-path,
    /// so the stroke is approximated by a polygon: flatten, then offset each segment by ±width/2
    /// and add a round joint at every vertex.
    private func strokeToPath(_ cr: OpaquePointer?, width: Double) {
        cairo_set_tolerance(cr, 0.05)
        guard let flat = cairo_copy_path_flat(cr) else { return }
        defer { cairo_path_destroy(flat) }
        var points: [Point] = []
        var i = 0
        while i < Int(flat.pointee.num_data) {
            let header = flat.pointee.data[i].header
            if header.type == CAIRO_PATH_MOVE_TO || header.type == CAIRO_PATH_LINE_TO {
                let p = flat.pointee.data[i + 1].point
                points.append(Point(x: p.x, y: p.y))
            }
            i += Int(header.length)
        }
        cairo_new_path(cr)
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING)
        let h = width / 2
        for k in 0..<max(points.count - 1, 0) {
            let a = points[k], b = points[k + 1]
            let dx = b.x - a.x, dy = b.y - a.y
            let length = (dx * dx + dy * dy).squareRoot()
            guard length > 1e-9 else { continue }
            // Every piece is wound the same way (positive), so overlaps union under WINDING.
            var nx = -dy / length * h, ny = dx / length * h
            var quad = [Point(x: a.x + nx, y: a.y + ny), Point(x: b.x + nx, y: b.y + ny),
                        Point(x: b.x - nx, y: b.y - ny), Point(x: a.x - nx, y: a.y - ny)]
            if signedArea(quad) < 0 { quad.reverse(); nx = -nx; ny = -ny }
            cairo_move_to(cr, quad[0].x, quad[0].y)
            for q in quad.dropFirst() { cairo_line_to(cr, q.x, q.y) }
            cairo_close_path(cr)
        }
        for p in points.dropFirst().dropLast() {
            cairo_new_sub_path(cr)
            cairo_arc(cr, p.x, p.y, h, 0, 2 * Double.pi)
            cairo_close_path(cr)
        }
    }

    private func signedArea(_ polygon: [Point]) -> Double {
        var area = 0.0
        for i in polygon.indices {
            let a = polygon[i], b = polygon[(i + 1) % polygon.count]
            area += a.x * b.y - b.x * a.y
        }
        return area / 2
    }

    private func setColour(_ cr: OpaquePointer?, _ c: Colour) { cairo_set_source_rgb(cr, c.r, c.g, c.b) }

    private func fillTexture(_ cr: OpaquePointer?, _ paint: Paint) {
        let w = Double(width), h = Double(height)
        let reach = (w * w + h * h).squareRoot()  // covers the canvas whatever the rotation
        func rotated(_ angle: Double, _ draw: () -> Void) {
            cairo_save(cr)
            cairo_translate(cr, w / 2, h / 2)
            cairo_rotate(cr, angle)
            draw()
            cairo_restore(cr)
        }
        switch paint {
        case .solid(let c):
            setColour(cr, c)
            cairo_paint(cr)
        case .gradient(let a, let b, let angle):
            let dx = cos(angle) * reach / 2, dy = sin(angle) * reach / 2
            let pattern = cairo_pattern_create_linear(w / 2 - dx, h / 2 - dy, w / 2 + dx, h / 2 + dy)
            cairo_pattern_add_color_stop_rgb(pattern, 0, a.r, a.g, a.b)
            cairo_pattern_add_color_stop_rgb(pattern, 1, b.r, b.g, b.b)
            cairo_set_source(cr, pattern)
            cairo_paint(cr)
            cairo_pattern_destroy(pattern)
        case .stripes(let a, let b, let period, let duty, let angle):
            setColour(cr, a)
            cairo_paint(cr)
            rotated(angle) {
                setColour(cr, b)
                var y = -reach
                while y < reach {
                    cairo_rectangle(cr, -reach, y, 2 * reach, period * duty)
                    y += period
                }
                cairo_fill(cr)
            }
        case .checker(let a, let b, let cell, let angle):
            setColour(cr, a)
            cairo_paint(cr)
            rotated(angle) {
                setColour(cr, b)
                let n = Int(reach / cell) + 1
                for i in -n...n {
                    for j in -n...n where (i + j) & 1 == 0 {
                        cairo_rectangle(cr, Double(i) * cell, Double(j) * cell, cell, cell)
                    }
                }
                cairo_fill(cr)
            }
        case .waves(let base, let crest, let period, let wavelength, let angle):
            setColour(cr, base)
            cairo_paint(cr)
            rotated(angle) {
                setColour(cr, crest)
                cairo_set_line_width(cr, max(period * 0.22, 0.8))
                var y = -reach
                while y < reach {
                    var x = -reach
                    cairo_move_to(cr, x, y)
                    while x < reach {
                        x += 1.5
                        cairo_line_to(cr, x, y + period * 0.25 * sin(2 * Double.pi * x / wavelength))
                    }
                    cairo_stroke(cr)
                    y += period
                }
            }
        case .lanes(let base, let marking, let spacing, let dash, let angle):
            setColour(cr, base)
            cairo_paint(cr)
            rotated(angle) {
                setColour(cr, marking)
                var y = -reach
                while y < reach {
                    var x = -reach
                    while x < reach {
                        cairo_rectangle(cr, x, y, dash, max(spacing * 0.06, 1.2))
                        x += 2 * dash
                    }
                    y += spacing
                }
                cairo_fill(cr)
            }
        case .blotches(let base, let discs):
            setColour(cr, base)
            cairo_paint(cr)
            for (p, r, c) in discs {
                setColour(cr, c)
                cairo_new_path(cr)
                cairo_arc(cr, p.x, p.y, r, 0, 2 * Double.pi)
                cairo_fill(cr)
            }
        }
    }
}
