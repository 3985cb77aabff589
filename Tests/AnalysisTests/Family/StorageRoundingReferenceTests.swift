import Foundation
import Testing
@testable import Analysis

/// The storage-rounding floor (``StorageRounding``) of real safetensors families against the numpy float64
/// values of `reference/storage_rounding_reference.py`, which computes ulp from the stored bits
/// (`Fixtures/storage_rounding/`: the same float32 values stored as F32, F16 and BF16; a base and two
/// fine-tunes of three 24×16 layers). Tolerances: E_round 1e-12 relative (an exact sum of powers of two in
/// another order); ρ 1e-6 relative (‖ΔW‖² from the Float ΔW the analysis reads); unchanged counts exact.
struct StorageRoundingReferenceTests {
    struct Measure: Decodable {
        var energy: Double
        var update_energy: Double
        var share: Double?
        var base_energy: Double?
        var base_share: Double?
        var unchanged: Int?
    }
    struct DTypeCase: Decodable { var layers: [String: [Measure]]; var models: [Measure] }
    struct Reference: Decodable { var tasks: [String]; var expected: [String: DTypeCase] }

    static let reference = Result { try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("storage_rounding/expected.json"))) }

    static func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / Swift.max(abs(b), .leastNormalMagnitude) }

    static func report(_ dtype: DType) throws -> FamilyReport {
        let folder = Fixtures.url("storage_rounding/\(dtype.rawValue.lowercased())")
        let family = try ModelFamily.open(
            base: folder.appendingPathComponent("base.safetensors").path,
            models: ["a", "b"].map { folder.appendingPathComponent("\($0).safetensors").path }, names: ["a", "b"])
        return try FamilyAnalyzer(options: AnalysisOptions(computeIntruders: false)).analyze(family)
    }

    @Test(arguments: [DType.f32, .f16, .bf16])
    func familyMatchesTheNumpyReference(dtype: DType) throws {
        let expected = try #require(try Self.reference.get().expected[dtype.rawValue])
        let report = try Self.report(dtype)
        #expect(report.layers.map(\.name).sorted() == expected.layers.keys.sorted())
        for layer in report.layers {
            let measures = try #require(expected.layers[layer.name])
            for (task, measure) in zip(layer.tasks, measures) {
                let rounding = try #require(task.storageRounding, "\(layer.name) \(task.task)")
                #expect(rounding.dtype == dtype)
                #expect(Self.relative(rounding.energy, measure.energy) < 1e-12, "\(layer.name) \(task.task) E_round \(rounding.energy) vs \(measure.energy)")
                let share = try #require(rounding.share)
                #expect(Self.relative(share, try #require(measure.share)) < 1e-6, "\(layer.name) \(task.task) ρ \(share) vs \(measure.share!)")
                #expect(rounding.unchangedEntries == measure.unchanged)
                #expect(Self.relative(try #require(rounding.baseEnergy), try #require(measure.base_energy)) < 1e-12)
                #expect(Self.relative(try #require(rounding.baseShare), try #require(measure.base_share)) < 1e-6)
            }
        }
        let totals = TaskTotals.of(report.layers, taskNames: report.taskNames)
        for (total, measure) in zip(totals, expected.models) {
            #expect(total.storageRoundingLayers == 3)
            #expect(Self.relative(try #require(total.storageRoundingShare), try #require(measure.share)) < 1e-6)
        }
    }

    @Test func theFloorListsTheTaskLayersAtOnePercentAndTenPercent() throws {
        let expected = try #require(try Self.reference.get().expected["BF16"])
        let floor = StorageRoundingFloor(layers: try Self.report(.bf16).layers)
        let shares = expected.layers.flatMap { name, measures in zip(["a", "b"], measures).map { (name, $0, $1.share!) } }
        let over = { (limit: Double) in Set(shares.filter { $0.2 >= limit }.map { "\($0.0)/\($0.1)" }) }
        #expect(Set(floor.rank99.map { "\($0.layer)/\($0.task)" }) == over(0.01))
        #expect(Set(floor.rank90.map { "\($0.layer)/\($0.task)" }) == over(0.1))
        let withBase = Set(expected.layers.flatMap { name, measures in
            zip(["a", "b"], measures).filter { $1.share! < 0.01 && $1.share! + $1.base_share! >= 0.01 }.map { "\(name)/\($0.0)" }
        })
        #expect(Set(floor.rank99IfBaseRounded.map { "\($0.layer)/\($0.task)" }) == withBase)
        #expect(!withBase.isEmpty, "the fixture has one")
        #expect(!floor.rank90.isEmpty && floor.rank99.count > floor.rank90.count, "the fixture has both kinds")
        #expect(floor.rank99.map(\.share) == floor.rank99.map(\.share).sorted(by: >))
        #expect(StorageRoundingFloor(layers: try Self.report(.f32).layers).isEmpty)
    }

    /// Records keep the measurement through the store's JSON, and records written before it still load.
    @Test func recordsRoundTripItAndOlderRecordsLoadWithout() throws {
        let layer = try #require(try Self.report(.bf16).layers.first)
        #expect(layer.tasks.allSatisfy { $0.storageRounding != nil })
        let record = LayerRecord(tensor: layer.name, inputs: [], result: .layer(layer))
        let data = try JSONEncoder().encode(record)
        #expect(try JSONDecoder().decode(LayerRecord.self, from: data) == record)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var stored = try #require(object["layer"] as? [String: Any])
        var tasks = try #require(stored["tasks"] as? [[String: Any]])
        #expect(tasks.allSatisfy { ($0["storageRounding"] as? [String: Any])?["dtype"] as? String == "BF16" })
        for i in tasks.indices { tasks[i]["storageRounding"] = nil }
        stored["tasks"] = tasks
        object["layer"] = stored
        let old = try JSONDecoder().decode(LayerRecord.self, from: JSONSerialization.data(withJSONObject: object))
        guard case let .layer(oldLayer) = old.result else { Issue.record("not a layer record"); return }
        #expect(oldLayer.tasks.allSatisfy { $0.storageRounding == nil })
        #expect(TaskTotals.of([oldLayer], taskNames: oldLayer.taskNames).allSatisfy { $0.storageRoundingShare == nil && $0.storageRoundingLayers == 0 })
    }
}

/// The real MiniLM family's full fine-tunes (F32) against the same reference (`storage_rounding/minilm.json`,
/// written when the family is present): ρ is tiny (≈ 10⁻¹²), per layer within 1e-5 relative (F32 ΔW
/// rounded to Float in the analysis, float64 in numpy).
@Suite(.enabled(if: Fixtures.miniLM != nil && FileManager.default.fileExists(atPath: Fixtures.url("storage_rounding/minilm.json").path),
                "needs ../shared/models/minilm-l6"))
struct StorageRoundingMiniLMTests {
    struct Task: Decodable { var layers: [String: StorageRoundingReferenceTests.Measure]; var share: Double }
    struct Reference: Decodable { var tasks: [String]; var full: [String: Task] }

    @Test func fullFineTunesMatchTheNumpyReference() throws {
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("storage_rounding/minilm.json")))
        let root = try #require(Fixtures.miniLM)
        let family = try ModelFamily.open(
            base: root.appendingPathComponent("base").path,
            models: reference.tasks.map { root.appendingPathComponent("full-\($0)").path }, names: reference.tasks)
        let report = try FamilyAnalyzer(options: AnalysisOptions(computeIntruders: false)).analyze(family)
        #expect(!report.layers.isEmpty)
        for layer in report.layers {
            for task in layer.tasks {
                let expected = try #require(reference.full[task.task]?.layers[layer.name], "\(layer.name)")
                let rounding = try #require(task.storageRounding)
                #expect(rounding.dtype == .f32)
                #expect(StorageRoundingReferenceTests.relative(rounding.energy, expected.energy) < 1e-12)
                #expect(StorageRoundingReferenceTests.relative(try #require(rounding.share), try #require(expected.share)) < 1e-5)
                #expect(rounding.unchangedEntries == expected.unchanged)
            }
        }
        for total in TaskTotals.of(report.layers, taskNames: report.taskNames) {
            let share = try #require(total.storageRoundingShare)
            #expect(share > 0 && share < 1e-10, "\(total.task) ρ \(share)")
        }
        #expect(StorageRoundingFloor(layers: report.layers).isEmpty)
    }
}
