/// Colours used by every figure: Okabe & Ito's colour-blind-safe set (Okabe & Ito 2008), and
/// Pascal VOC's class palette for label maps.
public enum Palette {
    public static let orange = Color(hex: 0xE69F00)
    public static let skyBlue = Color(hex: 0x56B4E9)
    public static let bluishGreen = Color(hex: 0x009E73)
    public static let yellow = Color(hex: 0xF0E442)
    public static let blue = Color(hex: 0x0072B2)
    public static let vermillion = Color(hex: 0xD55E00)
    public static let reddishPurple = Color(hex: 0xCC79A7)
    public static let grey = Color(hex: 0x8C8C8C)

    /// Series colours for charts, in order (black is kept for axes and text).
    public static let series: [Color] = [blue, orange, bluishGreen, vermillion, reddishPurple, skyBlue, yellow, grey]

    /// The colour of series `i`, cycling.
    public static func series(_ i: Int) -> Color { series[((i % series.count) + series.count) % series.count] }

    /// Pascal VOC's palette for class `label` (0 background black, 255 "void" drawn white):
    /// the bit-interleaving scheme of the VOC devkit's `labelcolormap`.
    public static func voc(_ label: Int) -> Color {
        if label == 255 { return Color(hex: 0xE0E0C0) }
        var r = 0, g = 0, b = 0, c = label
        for j in 0..<8 {
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        }
        return Color(r: Double(r) / 255, g: Double(g) / 255, b: Double(b) / 255)
    }

    /// A perceptually ordered sequential colour map (viridis, sampled at 9 stops and interpolated)
    /// for heat maps; readable in grey and by colour-blind readers.
    public static func viridis(_ t: Double) -> Color {
        let stops: [UInt32] = [0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21918C, 0x28AE80, 0x5EC962, 0xADDC30, 0xFDE725]
        let u = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let i = min(Int(u), stops.count - 2), f = u - Double(i)
        let a = Color(hex: stops[i]), b = Color(hex: stops[i + 1])
        return Color(r: a.r + (b.r - a.r) * f, g: a.g + (b.g - a.g) * f, b: a.b + (b.b - a.b) * f)
    }
}
