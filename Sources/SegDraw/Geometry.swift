// SegDraw: figures drawn from data with Cairo and Pango (see ../shared/DESIGN.md). No tensors here.

/// A point in figure units (1 unit = 1 CSS pixel at scale 1).
public struct Point: Sendable, Hashable {
    public var x: Double, y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// A width and a height in figure units.
public struct Size: Sendable, Hashable {
    public var width: Double, height: Double
    public init(_ width: Double, _ height: Double) { self.width = width; self.height = height }
}

/// An axis-aligned rectangle; y grows downwards.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    /// A rectangle of `size` centred on `center`.
    public init(center: Point, size: Size) {
        self.init(x: center.x - size.width / 2, y: center.y - size.height / 2, width: size.width, height: size.height)
    }
    public var minX: Double { x }
    public var maxX: Double { x + width }
    public var minY: Double { y }
    public var maxY: Double { y + height }
    public var midX: Double { x + width / 2 }
    public var midY: Double { y + height / 2 }
    public var center: Point { Point(midX, midY) }
    /// True when the interiors overlap (touching edges do not count).
    public func intersects(_ o: Rect) -> Bool {
        minX < o.maxX - 1e-6 && o.minX < maxX - 1e-6 && minY < o.maxY - 1e-6 && o.minY < maxY - 1e-6
    }
    public func insetBy(_ dx: Double, _ dy: Double) -> Rect {
        Rect(x: x + dx, y: y + dy, width: width - 2 * dx, height: height - 2 * dy)
    }
    public func offsetBy(_ dx: Double, _ dy: Double) -> Rect {
        Rect(x: x + dx, y: y + dy, width: width, height: height)
    }
    public func union(_ o: Rect) -> Rect {
        let x0 = min(minX, o.minX), y0 = min(minY, o.minY)
        return Rect(x: x0, y: y0, width: max(maxX, o.maxX) - x0, height: max(maxY, o.maxY) - y0)
    }
    public func contains(_ p: Point) -> Bool { p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY }
    public var description: String { "Rect(\(x), \(y), \(width)×\(height))" }
}

/// An RGBA colour with components in 0...1.
public struct Color: Sendable, Hashable {
    public var r: Double, g: Double, b: Double, a: Double
    public init(r: Double, g: Double, b: Double, a: Double = 1) { self.r = r; self.g = g; self.b = b; self.a = a }
    /// From 0xRRGGBB.
    public init(hex: UInt32, alpha: Double = 1) {
        self.init(r: Double((hex >> 16) & 0xFF) / 255, g: Double((hex >> 8) & 0xFF) / 255,
                  b: Double(hex & 0xFF) / 255, a: alpha)
    }
    /// This colour mixed with white: `amount` 0 keeps it, 1 gives white. Used for block fills.
    public func tint(_ amount: Double) -> Color {
        Color(r: r + (1 - r) * amount, g: g + (1 - g) * amount, b: b + (1 - b) * amount, a: a)
    }
    /// This colour mixed with black.
    public func shade(_ amount: Double) -> Color {
        Color(r: r * (1 - amount), g: g * (1 - amount), b: b * (1 - amount), a: a)
    }
    public func withAlpha(_ alpha: Double) -> Color { Color(r: r, g: g, b: b, a: alpha) }
    /// Relative luminance (sRGB approximation), to choose dark or light text on a fill.
    public var luminance: Double { 0.2126 * r + 0.7152 * g + 0.0722 * b }

    public static let black = Color(hex: 0x000000)
    public static let white = Color(hex: 0xFFFFFF)
    public static let text = Color(hex: 0x222222)
    public static let grid = Color(hex: 0xDDDDDD)
    public static let axis = Color(hex: 0x555555)
}
