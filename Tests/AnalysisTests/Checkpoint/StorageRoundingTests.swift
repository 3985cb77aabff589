import Foundation
import Testing
@testable import Analysis

/// Invariants of ``StorageRounding``: E_round = Σ ulp²/12 with ulp from the stored dtype's mantissa width, so
/// the same values give energies in the exact ratios of the widths, zeros and subnormals take the smallest
/// ulp, ρ scales as 1/‖ΔW‖², and the fused pass returns ΔW itself.
struct StorageRoundingTests {
    /// BF16-representable values within F16's normal range (|x| in [2⁻¹⁴, 65504]), of mixed exponents.
    static let values: [Float] = (0..<64).map { i in
        let magnitude = Float(sign: .plus, exponent: (i % 12) - 8, significand: 1 + Float(i % 7) / 8)
        return i % 3 == 0 ? -magnitude : magnitude
    }

    static func energy(_ values: [Float], _ dtype: DType) throws -> Double {
        try #require(StorageRounding.difference(fineTuned: values, base: values.map { $0 / 2 }, storedAs: dtype, baseStoredAs: dtype).rounding).energy
    }

    @Test func sameValuesGiveEnergiesInTheRatioOfTheMantissaWidths() throws {
        // ulp ratio 2^(23−7) = 2¹⁶ for F32 → BF16 and 2^(10−7) = 2³ for F16 → BF16: energy ratios 2³² and 2⁶.
        let bf16 = try Self.energy(Self.values, .bf16), f16 = try Self.energy(Self.values, .f16), f32 = try Self.energy(Self.values, .f32)
        #expect(bf16 / f16 == 64)
        #expect(bf16 / f32 == 0x1p32)
    }

    @Test func anF32FineTuneRoundsAtTwoToTheMinus46OfItsEnergy() throws {
        // ulp(x)² ∈ (2⁻⁴⁸ x², 2⁻⁴⁶ x²]: E_round / Σx² lies in (2⁻⁴⁸/12, 2⁻⁴⁶/12]; values in [1, 2) have ulp 2⁻²³.
        let sumOfSquares = Self.values.reduce(0.0) { $0 + Double($1) * Double($1) }
        let ratio = try Self.energy(Self.values, .f32) / sumOfSquares
        #expect(ratio > 0x1p-48 / 12 && ratio <= 0x1p-46 / 12)
        #expect(try Self.energy([1, 1.5, -1.75], .f32) == 3 * 0x1p-46 / 12)
    }

    @Test func zerosAndSubnormalsTakeTheSmallestUlp() throws {
        let tiny: [Float] = [0, -0, 0x1p-130, .leastNonzeroMagnitude]
        #expect(StorageRounding.difference(fineTuned: tiny, base: tiny, storedAs: .f32, baseStoredAs: .f32).rounding?.energy == 4 * 0x1p-298 / 12)
        #expect(StorageRounding.difference(fineTuned: tiny, base: tiny, storedAs: .bf16, baseStoredAs: .bf16).rounding?.energy == 4 * 0x1p-266 / 12)
        // F16: 2⁻²⁴ (its smallest subnormal) and 3·2⁻²⁰ (subnormal) have ulp 2⁻²⁴, as zero does.
        let half: [Float] = [0, 0x1p-24, 3 * 0x1p-20, 0x1p-14]
        #expect(StorageRounding.difference(fineTuned: half, base: half, storedAs: .f16, baseStoredAs: .f16).rounding?.energy == (3 * 0x1p-48 + 0x1p-48) / 12)
    }

    @Test func theShareScalesAsOneOverTheUpdateEnergy() throws {
        // W_ft fixed (so E_round is), W_pre = W_ft − c·D: ρ(1) / ρ(2) = 4.
        let direction: [Float] = Self.values.indices.map { Float(($0 * 7) % 5) * 0x1p-12 }
        func share(_ c: Float) throws -> Double {
            let base = zip(Self.values, direction).map { $0 - c * $1 }
            let (delta, rounding) = StorageRounding.difference(fineTuned: Self.values, base: base, storedAs: .bf16, baseStoredAs: .bf16)
            let measured = try #require(rounding)
            return try #require(measured.sharing(of: delta.reduce(0.0) { $0 + Double($1) * Double($1) }).share)
        }
        #expect(abs(try share(1) / share(2) - 4) < 1e-6)
    }

    @Test func thePassReturnsTheDifferenceAndCountsUnchangedEntries() throws {
        let base: [Float] = [1, 2, 3, 4, -0.5, 0]
        let fineTuned: [Float] = [1, 2.5, 3, 3.75, -0.5, 0x1p-20]
        let (delta, rounding) = StorageRounding.difference(fineTuned: fineTuned, base: base, storedAs: .bf16, baseStoredAs: .bf16)
        #expect(delta == zip(fineTuned, base).map { $0 - $1 })
        #expect(rounding?.unchangedEntries == 3)
        #expect(rounding?.share == nil, "set by sharing(of:)")
        #expect(rounding?.sharing(of: 0).share == nil, "no share of a zero update")
        // W_pre's rounding is W_pre measured as a fine-tune would be.
        let swapped = StorageRounding.difference(fineTuned: base, base: fineTuned, storedAs: .bf16, baseStoredAs: .f16).rounding
        #expect(rounding?.baseEnergy == swapped?.energy)
        #expect(swapped?.baseEnergy == StorageRounding.difference(fineTuned: fineTuned, base: base, storedAs: .f16, baseStoredAs: .f16).rounding?.energy)
        #expect(rounding?.sharing(of: 2).baseShare == rounding!.baseEnergy! / 2)
        let other = StorageRounding.difference(fineTuned: fineTuned, base: base, storedAs: .f64, baseStoredAs: .f64)
        #expect(other.delta == delta && other.rounding == nil, "measured for F32, F16 and BF16 only")
    }
}
