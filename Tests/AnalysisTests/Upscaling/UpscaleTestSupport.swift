import Foundation
import Testing
@testable import Analysis

/// Helpers shared by the upscaling tests.
enum UpscaleSupport {
    /// max |aᵢⱼ − bᵢⱼ|. Precondition: equal shapes.
    static func maxAbsDifference(_ a: MatrixF, _ b: MatrixF) -> Float {
        precondition(a.rows == b.rows && a.columns == b.columns, "shape mismatch")
        return zip(a.elements, b.elements).map { abs($0 - $1) }.max() ?? 0
    }

    /// Wᵢ x + bᵢ for a row batch: the fine-tuned layer's output.
    static func linear(_ x: MatrixF, weight: MatrixF, bias: [Float]?) -> MatrixF {
        PlainLinear(weight: weight, bias: bias).forward(x)
    }

    /// Whether two runs' copies of one written tensor agree up to float rounding: |aᵢ − bᵢ| ≤ 1e-4·max|b|.
    /// Two upscales of the same family repeat the same SVDs, but a concurrent test may change the
    /// process-wide BLAS thread count between them, which reorders sums (seen once under load: an expert
    /// differing in its last bits), so bit equality is not promised.
    static func sameUpToRounding(_ a: [Float], _ b: [Float]) -> Bool {
        let scale = b.map { abs(Double($0)) }.max() ?? 0
        return a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - Double($1)) <= 1e-4 * scale }
    }

    /// Euclidean norm of row r.
    static func rowNorm(_ m: MatrixF, _ r: Int) -> Float {
        m.row(r).reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    /// A tiny family written as safetensors: base tensors and, per model, the tensors that differ.
    /// Returns the opened family; `directory` holds `base/` and `m0/`, `m1/`, ….
    static func writeFamily(base: [String: Tensor], models: [[String: Tensor]], in directory: URL) throws -> ModelFamily {
        let fm = FileManager.default
        let basePath = directory.appendingPathComponent("base")
        try fm.createDirectory(at: basePath, withIntermediateDirectories: true)
        try SafetensorsWriter.write(base, to: basePath.appendingPathComponent("model.safetensors"))
        var paths = [String]()
        for (i, changes) in models.enumerated() {
            let url = directory.appendingPathComponent("m\(i)")
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
            try SafetensorsWriter.write(base.merging(changes) { $1 }, to: url.appendingPathComponent("model.safetensors"))
            paths.append(url.path)
        }
        return try ModelFamily.open(base: basePath.path, models: paths)
    }

    /// The DemoFamily written to a fresh temporary directory and opened; `cleanup` removes it.
    static func demoFamily() throws -> (family: ModelFamily, directory: URL) {
        let directory = try Fixtures.temporaryDirectory()
        let paths = try DemoFamily.write(to: directory)
        return (try ModelFamily.open(base: paths.base.path, models: paths.models.map(\.path)), directory)
    }

    /// Entries of a directory (hidden ones included).
    static func entries(_ directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }
}

/// `Tests/AnalysisTests/Fixtures/upscale/smile_forward_reference.json`, written by
/// `reference/smile_upscale_reference.py` (numpy float64, FusionBench semantics).
struct SmileForwardReference: Decodable {
    /// A fixture layer's weights: the base and each model (full weights or LoRA factors).
    protocol LayerWeights {
        var base: Base { get }
        var models: [Model] { get }
    }
    struct Array2D: Decodable {
        var shape: [Int]
        var data: [Double]
        var matrix: MatrixF {
            MatrixF(rows: shape.count == 2 ? shape[0] : 1, columns: shape.last ?? 0, elements: data.map(Float.init))
        }
        var floats: [Float] { data.map(Float.init) }
    }
    struct Model: Decodable {
        var kind: String
        var weight: Array2D?
        var bias: Array2D?
        var lora_b: Array2D?
        var lora_a: Array2D?
        var scale: Double?
    }
    struct Base: Decodable {
        var weight: Array2D
        var bias: Array2D?
    }
    struct Expected: Decodable {
        var k_layer: Int
        var gate_rows_per_expert: Int
        var update_ranks: [Int]
        var logits: Array2D
        var probabilities: Array2D
        var selected: [[Int]]
        var routing_weights: Array2D
        var outputs: Array2D
        var expert_updates: [Array2D]
        var fine_tuned_outputs: [Array2D]
    }
    struct Case: Decodable {
        var name: String
        var k: Int
        var gate_k: Int
        var top_k: Int
        var base: Base
        var models: [Model]
        var inputs: Array2D
        var expected: Expected
    }

    var cases: [Case]

    static func load() throws -> SmileForwardReference {
        try JSONDecoder().decode(SmileForwardReference.self, from: Data(contentsOf: Fixtures.url("upscale/smile_forward_reference.json")))
    }
}

extension SmileForwardReference.Case: SmileForwardReference.LayerWeights {}

extension SmileForwardReference.LayerWeights {
    /// W_pre, b_pre as a layer.
    var pretrained: PlainLinear { PlainLinear(weight: base.weight.matrix, bias: base.bias?.floats) }

    /// ΔWᵢ as the project forms them: Wᵢ − W_pre in float32, or the LoRA factors.
    var updates: [WeightUpdate] {
        models.map { model in
            if model.kind == "lora" {
                return .lowRank(b: model.lora_b!.matrix, a: model.lora_a!.matrix, scale: Float(model.scale!))
            }
            return .dense(model.weight!.matrix - base.weight.matrix)
        }
    }

    /// bᵢ per model when the base has a bias.
    var fineTunedBiases: [[Float]]? { base.bias == nil ? nil : models.map { $0.bias!.floats } }
}
