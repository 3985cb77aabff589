import Analysis
import Foundation
@testable import Plots
import Testing

@Suite struct FigureLabelTests {
    @Test func shortNamesAreKept() {
        let labels = FigureLabels.taskLabels(["alpha", "beta", "gamma"])
        #expect(labels == FigureLabels.TaskLabels(labels: ["alpha", "beta", "gamma"], common: nil, isIndexed: false))
    }

    @Test func commonPrefixIsDroppedAndReported() {
        let names = (1...8).map { "codelang-finetune-lr5e-5-seed\($0)" }
        let labels = FigureLabels.taskLabels(names, maxLength: 12)
        #expect(labels.labels == (1...8).map { "seed\($0)" })
        #expect(labels.common == "codelang-finetune-lr5e-5-*")
        #expect(!labels.isIndexed)
        #expect(FigureLabels.taskLabels(["full-mansec", "full-codelang", "full-pyeco"], maxLength: 10).labels == ["mansec", "codelang", "pyeco"])
    }

    @Test func namesDifferingInTheMiddleStayDistinct() {
        let labels = FigureLabels.taskLabels(FigureFixtures.longNames, maxLength: 24)
        #expect(Set(labels.labels).count == 8)
        #expect(labels.labels.allSatisfy { $0.count <= 24 })
        #expect(labels.labels[3] == "mansec…lr1e-4-seed1")
        #expect(labels.labels[5].hasPrefix("pyeco…") && labels.labels[5].hasSuffix("lr5e-4-seed1"))
    }

    @Test func hopelessNamesAreIndexed() {
        let labels = FigureLabels.taskLabels(FigureFixtures.longNames, maxLength: 8)
        #expect(labels.isIndexed)
        #expect(labels.labels == (1...8).map { "T\($0)" })
        #expect(labels.legend(2, name: "x") == "T3 · x")
    }

    @Test func moduleKindsFromCommonConventions() {
        let cases: [(String, ModuleKind, String)] = [
            ("encoder.layer.3.attention.self.query.weight", .query, "L3 q"),
            ("encoder.layer.3.attention.self.key.weight", .key, "L3 k"),
            ("encoder.layer.3.attention.self.value.weight", .value, "L3 v"),
            ("encoder.layer.3.attention.output.dense.weight", .output, "L3 o"),
            ("encoder.layer.3.intermediate.dense.weight", .mlp, "L3 up"),
            ("encoder.layer.3.output.dense.weight", .mlp, "L3 down"),
            ("model.layers.11.self_attn.q_proj.weight", .query, "L11 q"),
            ("model.layers.11.self_attn.o_proj.weight", .output, "L11 o"),
            ("model.layers.11.mlp.gate_proj.weight", .mlp, "L11 gate"),
            ("model.layers.11.mlp.up_proj.weight", .mlp, "L11 up"),
            ("model.layers.11.mlp.down_proj.weight", .mlp, "L11 down"),
            ("vision_model.encoder.layers.2.self_attn.out_proj.weight", .output, "L2 o"),
            ("vision_model.encoder.layers.2.mlp.fc1.weight", .mlp, "L2 up"),
            ("vision_model.encoder.layers.2.mlp.fc2.weight", .mlp, "L2 down"),
            ("pooler.dense.weight", .other, "dense"),
        ]
        for (name, kind, tick) in cases {
            #expect(ModuleKind(layerName: name) == kind, "\(name)")
            #expect(ModuleKind.tickLabel(name) == tick, "\(name)")
        }
    }

    @Test func fileStemsAreSafe() {
        #expect(FigureLabels.fileStem("encoder.layer.0.attention.self.query") == "encoder.layer.0.attention.self.query")
        #expect(FigureLabels.fileStem("a/b c:d") == "a_b_c_d")
        #expect(FigureLabels.fileStem("..hidden") == "_.hidden")
        #expect(FigureLabels.fileStem("") == "_")
        #expect(FigureLabels.fileStem(String(repeating: "x", count: 400)).count == 180)
    }

    @Test func numbersInLabels() {
        #expect(FigureLabels.percent(0.99) == "99%")
        #expect(FigureLabels.percent(0.792) == "79.2%")
        #expect(FigureLabels.percent(0.0035) == "0.35%")
        #expect(FigureLabels.ratio(63.4) == "63×")
        #expect(FigureLabels.ratio(1.071) == "1.07×")
        #expect(FigureLabels.ratio(5e-13) == "<0.01×")
    }
}
