import Foundation
import Testing
@testable import Analysis

extension Hardening {
    /// NaN and Inf in real checkpoint files, and the single-model family, through ``FamilyAnalyzer``: every
    /// poisoned tensor is listed in `nonFinite`, the verdict is "not mergeable", and no NaN or Inf reaches
    /// the encoded report (`JSONEncoder` refuses non-finite numbers, so encoding at all proves it).
    struct NonFiniteFamilyTests {
        private let family = SmallFamily()

        /// Encodes `report` (which fails on a NaN or infinite number) and checks that no sentence in it
        /// prints one (Swift spells them `nan`, `inf`).
        private func expectFiniteJSON(_ report: FamilyReport) throws {
            let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
            #expect(json.firstMatch(of: /\b-?(nan|inf)\b/) == nil)
        }

        @Test func poisonedTensorsAreListedAndBlockTheMerge() throws {
            var fullA = family.fullFineTune(seed: 10), fullB = family.fullFineTune(seed: 20), lora = family.loraFactors(seed: 30)
            fullA["enc.0.query.weight"] = SmallFamily.poisoned(fullA["enc.0.query.weight"], at: 5, with: .nan)
            fullA["conv.weight"] = SmallFamily.poisoned(fullA["conv.weight"], at: 3, with: -.infinity)
            fullB["enc.0.query.bias"] = SmallFamily.poisoned(fullB["enc.0.query.bias"], at: 0, with: .infinity)
            lora["base_model.model.enc.1.value.lora_B.weight"] = SmallFamily.poisoned(lora["base_model.model.enc.1.value.lora_B.weight"], at: 1, with: .nan)
            var poisonedBase = family
            poisonedBase.base["enc.1.query.weight"] = SmallFamily.poisoned(family.base["enc.1.query.weight"], at: 7, with: .infinity)
            let opened = try poisonedBase.open(models: [("full-a", fullA), ("full-b", fullB), ("lora-c", lora)])
            let report = try FamilyAnalyzer().analyze(opened)
            #expect(Set(report.nonFinite.map(\.tensor)) == ["enc.0.query.weight", "conv.weight", "enc.0.query.bias", "enc.1.value.weight", "enc.1.query.weight"])
            #expect(report.layers.map(\.name) == ["enc.0.value.weight"])
            #expect(report.summary.verdict?.level == .notMergeable)
            #expect(report.summary.verdict?.signals.first?.name == "nonFinite")
            try expectFiniteJSON(report)
        }

        @Test func singleFineTuneHasNoVerdictAndFiniteNumbers() throws {
            let report = try FamilyAnalyzer().analyze(try family.open(models: [("full-a", family.fullFineTune(seed: 10))]))
            #expect(report.layers.count == 4 && report.tensors.count == 1 && report.vectors.count == 1 && report.nonFinite.isEmpty)
            for layer in report.layers {
                #expect(abs(layer.tasks[0].energy.energy.joined().reduce(0, +) - 1) < 1e-5)
                #expect(layer.interference == nil && layer.verdict == nil)
            }
            #expect(report.summary.verdict == nil && report.summary.pairs.isEmpty)
            try expectFiniteJSON(report)
        }

        @Test func singlePoisonedFineTuneIsNotMergeable() throws {
            var fullA = family.fullFineTune(seed: 10)
            fullA["enc.1.query.weight"] = SmallFamily.poisoned(fullA["enc.1.query.weight"], at: 0, with: .nan)
            let report = try FamilyAnalyzer().analyze(try family.open(models: [("full-a", fullA)]))
            #expect(report.nonFinite.map(\.tensor) == ["enc.1.query.weight"])
            #expect(report.summary.verdict?.level == .notMergeable)
            try expectFiniteJSON(report)
        }

        /// Finite values whose squares overflow `Float` (|x| > 1.8e19) must not turn into NaN energies:
        /// norms and projection masses are accumulated in Double (regression: they were summed in Float —
        /// and OpenBLAS's `cblas_dsdot` overflows too — so the null×null block became ∞ − ∞).
        @Test func hugeFiniteValuesGiveNoNaN() throws {
            var fullA = family.fullFineTune(seed: 10)
            fullA["enc.0.value.weight"] = SmallFamily.poisoned(fullA["enc.0.value.weight"], at: 2, with: 3e25)
            let report = try FamilyAnalyzer().analyze(try family.open(models: [("full-a", fullA), ("full-b", family.fullFineTune(seed: 20))]))
            try expectFiniteJSON(report)
        }
    }
}
