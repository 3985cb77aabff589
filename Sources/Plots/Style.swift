/// The fixed look shared by all charts: font sizes, paddings and neutral colours, in points.
enum Style {
    static let figureTitleFont = Font(size: 16, bold: true)
    static let titleFont = Font(size: 14)
    static let labelFont = Font(size: 12.5)
    static let tickFont = Font(size: 11.5)
    static let legendFont = Font(size: 11.5)
    static let inlineLabelFont = Font(size: 11)
    static let tileTitleFont = Font(size: 12.5)

    /// Space kept free around a panel's content.
    static let padding = 8.0
    /// Length of a major tick mark; minor ticks are 60% of it.
    static let tickLength = 4.5
    /// Gap between a tick mark and its label.
    static let tickPad = 3.5
    /// Gap between tick labels and the axis label, and between a title and the plot.
    static let labelPad = 7.0
    /// Gap between the plot area and an outside legend or colour bar.
    static let sideGap = 16.0

    static let text = Color(hex: 0x262626)
    static let spine = Color(hex: 0x4d4d4d)
    static let grid = Color(hex: 0xe3e3e3)
    static let minorGrid = Color(hex: 0xf1f1f1)
    static let missing = Color(hex: 0xd9d9d9)
}
