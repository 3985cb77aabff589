/// Categorical colours for series, tasks and bar segments.
public enum Palette {
    /// matplotlib's / Tableau's `tab10`: ten colours that stay distinguishable side by side.
    public static let tab10: [Color] = [
        0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
        0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf,
    ].map { Color(hex: $0) }

    /// The `index`-th colour of ``tab10``, cycling past the tenth.
    public static func color(_ index: Int) -> Color {
        tab10[((index % tab10.count) + tab10.count) % tab10.count]
    }
}
