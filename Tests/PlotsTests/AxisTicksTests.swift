import Foundation
import Plots
import Testing

@Suite struct AxisTicksTests {
    @Test func linearTicksUseNiceSteps() {
        let ticks = AxisTicks.linear(from: 0, to: 0.93)
        #expect(ticks.major == [0, 0.2, 0.4, 0.6, 0.8])
        #expect(ticks.labels == ["0", "0.2", "0.4", "0.6", "0.8"])
        #expect(AxisTicks.linear(from: 0, to: 1).labels == ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    }

    @Test(arguments: [(0.0, 0.93), (-3.7, 12.1), (0.001, 0.0042), (17, 18.5), (-1e5, 3e5), (0, 31), (1e-9, 5e-9)])
    func linearTicksAreFiveToEightMultiplesOfOneTwoFive(lo: Double, hi: Double) throws {
        let ticks = AxisTicks.linear(from: lo, to: hi)
        #expect((4...8).contains(ticks.major.count), "\(ticks.major)")
        #expect(ticks.major.allSatisfy { $0 >= lo - 1e-12 && $0 <= hi + 1e-12 })
        let step = ticks.major[1] - ticks.major[0]
        let mantissa = step / pow(10, floor(log10(step)))
        #expect([1.0, 2, 5, 10].contains { abs(mantissa - $0) < 1e-6 }, "step \(step)")
        #expect(ticks.labels.count == ticks.major.count)
        #expect(Set(ticks.labels).count == ticks.labels.count, "labels must be distinct: \(ticks.labels)")
    }

    @Test func linearLabelsAreCompact() {
        #expect(AxisTicks.linear(from: 0, to: 50_000).labels == ["0", "10k", "20k", "30k", "40k", "50k"])
        #expect(AxisTicks.linear(from: 0, to: 0.005).labels == ["0", "1e-3", "2e-3", "3e-3", "4e-3", "5e-3"])
        #expect(AxisTicks.linear(from: -1, to: 1).labels.first == "−1.0")
    }

    @Test func logTicksAreDecadesWithMinorTicks() {
        let ticks = AxisTicks.log10(from: 1e-4, to: 3)
        #expect(ticks.major.count == 5)
        for (tick, expected) in zip(ticks.major, [1e-4, 1e-3, 1e-2, 1e-1, 1]) {
            #expect(abs(tick - expected) < expected * 1e-12)
        }
        #expect(ticks.labels == ["1e-4", "1e-3", "1e-2", "1e-1", "1"])
        #expect(ticks.minor.contains { abs($0 - 2e-4) < 1e-15 })
        #expect(ticks.minor.contains { abs($0 - 3) < 1e-12 })
        #expect(ticks.minor.allSatisfy { $0 >= 1e-4 && $0 <= 3 + 1e-12 })
        #expect(AxisTicks.log10(from: 0.5, to: 2000).labels == ["1", "10", "100", "1000"])
    }

    @Test func wideLogRangesThinTheDecades() {
        let ticks = AxisTicks.log10(from: 1e-12, to: 1e12, maxMajor: 8)
        #expect(ticks.major.count <= 8 && ticks.major.count >= 4)
        #expect(ticks.labels.first == "1e-12")
    }

    @Test func narrowLogRangesLabelIntermediateValues() {
        #expect(AxisTicks.log10(from: 2, to: 8).labels == ["2", "3", "4", "5", "6", "7", "8"])
        let ticks = AxisTicks.log10(from: 0.015, to: 3.3)
        #expect(ticks.labels == ["0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"])
    }
}

@Suite struct NumberFormatTests {
    @Test func automaticIsCompact() {
        let format = NumberFormat.automatic
        #expect(format.string(for: 0.25) == "0.25")
        #expect(format.string(for: 0.62) == "0.62")
        #expect(format.string(for: 0.001) == "1e-3")
        #expect(format.string(for: 0.00123) == "1.23e-3")
        #expect(format.string(for: 12.345) == "12.3")
        #expect(format.string(for: 1000) == "1000")
        #expect(format.string(for: 12_345) == "12.3k")
        #expect(format.string(for: 1_000_000) == "1M")
        #expect(format.string(for: -0.5) == "−0.5")
        #expect(format.string(for: 0) == "0")
        #expect(format.string(for: .nan) == "–")
    }

    @Test func fixedAndPercent() {
        #expect(NumberFormat.fixed(2).string(for: 0.5) == "0.50")
        #expect(NumberFormat.fixed(0).string(for: -3.4) == "−3")
        #expect(NumberFormat.percent(1).string(for: 0.253) == "25.3%")
    }
}
