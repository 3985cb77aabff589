import Foundation
@testable import Analysis

/// A case written by `reference/make_fixtures.py` (numpy float64): inputs and the expected values.
struct ReferenceFixture: Decodable {
    struct Array2D: Decodable {
        var shape: [Int]
        var data: [Double]
        var matrix: MatrixF { MatrixF(rows: shape[0], columns: shape.count > 1 ? shape[1] : 1, elements: data.map(Float.init)) }
        var floats: [Float] { data.map(Float.init) }
    }
    struct LoRA: Decodable { var a: Array2D; var b: Array2D; var scale: Double }
    struct Options: Decodable {
        var fractions_4way: [Double]?
        var explicit_rank: Int?
        var sti_rank: Int?
        var interference_fraction: Double?
    }
    struct PerModel: Decodable {
        var energy_map: [[Double]]?
        var baseline: [[Double]]?
        var baseline_ratio: [[Double?]]?
        var e_top: Double?
        var e_mid: Double?
        var e_mid_tail: Double?
        var delta_norm: Double
        var relative_norm: Double
        var delta_singular_values: [Double]?
        var energy_curve: [Double]?
        var effective_rank_90: Int?
        var effective_rank_99: Int?
        var intruder_max_cos: [Double]?
        var intruders: [Int]?
        var zero_update: Bool
        var energy_map_energy_rule: [[Double]]?
        var energy_map_explicit_rank: [[Double]]?
        var mode_band_energy: [[Double]]?
        var channel_energy_map: [[Double]]?
    }
    struct Angles: Decodable { var cosines: [Double] }
    struct Coefficients: Decodable { var a: [Double]; var b: [Double]; var c: [Double] }
    struct Mode: Decodable { var mode: Int; var singular_values: [Double]; var zone_k: Int }
    struct Expected: Decodable {
        var singular_values: [Double]?
        var zone_k: Int?
        var zone_k_energy_rule: Int?
        var zone_k_explicit: Int?
        var zone_k_4way: [Int]?
        var per_model: [PerModel]
        var energy_map_4way: [[[Double]]]?
        var interference: [[Double]]?
        var interference_ranks: [Int]?
        var ta_coefficients: Coefficients?
        var lambda_star: Double?
        var residuals_at_lambda_star: [Double]?
        var cosine: [[Double?]]?
        var principal_angles_right: [String: Angles]?
        var principal_angles_left: [String: Angles]?
        var sti: Double?
        var sti_fixed_rank: Double?
        var modes: [Mode]?
    }

    var `case`: String
    var kind: String
    var base: Array2D
    var updates: [Array2D]?
    var lora: [LoRA]?
    var options: Options
    var expected: Expected

    /// The updates as ``WeightUpdate`` values (dense or LoRA factors).
    var weightUpdates: [WeightUpdate] {
        if let lora { return lora.map { .lowRank(b: $0.b.matrix, a: $0.a.matrix, scale: Float($0.scale)) } }
        return (updates ?? []).map { .dense($0.matrix) }
    }

    /// Every committed reference case.
    static func all() throws -> [ReferenceFixture] {
        let folder = Fixtures.url("reference")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") && $0 != "minilm.json" }.sorted()
        return try names.map { try JSONDecoder().decode(ReferenceFixture.self, from: Data(contentsOf: folder.appendingPathComponent($0))) }
    }
}
