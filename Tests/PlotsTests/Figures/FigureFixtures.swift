import Analysis
import Foundation
import TestSupport
import Plots

/// Analysis results to draw the domain figures from: the built-in demo family, synthetic layers with
/// 1, 2 and 8 tasks (long names), and the MiniLM family when `/work/shared/models/minilm-l6` exists.
enum FigureFixtures {
    /// The demo family (3 tasks, 8 layers, one 4-D tensor), analysed once.
    static let demo = Result { try analyzeDemo() }

    /// Eight tasks with long, partly shared names.
    static let longNames = [
        "codelang-finetune-lr5e-5-seed1", "codelang-finetune-lr5e-5-seed2", "mansec-finetune-lr5e-5-seed1",
        "mansec-finetune-lr1e-4-seed1", "pyeco-finetune-lr5e-5-seed1", "pyeco-lora-r8-lr5e-4-seed1",
        "sst2-finetune-lr5e-5-seed3", "codelang-finetune-lr5e-5-seed3",
    ]

    /// A 96×64 layer with 8 tasks: updates into middle × middle, top × top, null × middle, and the negative
    /// of the first task (so cosines of both signs occur), cycling.
    static let eightTasks = Result { try syntheticLayer(names: longNames, rows: 96, columns: 64, seed: 8) }

    /// A 48×48 layer with 2 tasks, the second partly aligned with the first (positive cosine).
    static let twoTasks = Result { try syntheticLayer(names: ["math", "code"], rows: 48, columns: 48, seed: 2, aligned: true) }

    /// A 64×32 layer with 3 tasks, the second of which left the layer alone (ΔW = 0).
    static let withZeroUpdate = Result { try syntheticLayer(names: ["alpha", "untouched", "gamma"], rows: 64, columns: 32, seed: 3, zeroTask: 1) }

    /// A 64×32 layer with a single task.
    static let oneTask = Result { try syntheticLayer(names: ["codelang-finetune-lr5e-5-seed3"], rows: 64, columns: 32, seed: 1) }

    /// A BERT-base-shaped report: 12 blocks × 6 linear layers = 72 layers, 8 tasks with long names (the
    /// synthetic 8-task layer renamed, with sizes and top energies varied by depth).
    static let deepEightTasks = Result { () throws -> FamilyReport in
        var report = try demo.get()
        let layer = try eightTasks.get()
        let modules = ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                       "intermediate.dense", "output.dense"]
        report.layers = (0..<12).flatMap { block in
            modules.enumerated().map { index, module in
                var copy = layer
                copy.name = "encoder.layer.\(block).\(module).weight"
                let depth = 1 + 0.08 * Double(block) + 0.15 * Double(index % 3)
                for t in copy.tasks.indices {
                    copy.tasks[t].spectrum.relativeNorm *= depth
                    let moved = min(copy.tasks[t].energy.energy[1][1], 0.02 * Double((block + t) % 5))
                    copy.tasks[t].energy.energy[1][1] -= moved
                    copy.tasks[t].energy.energy[0][0] += moved
                }
                return copy
            }
        }
        report.taskNames = longNames
        report.tensors = []
        report.summary = FamilySummary(layers: report.layers, taskNames: longNames, options: report.options)
        return report
    }

    /// The repository root, from this file's path.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The MiniLM family folder, or nil when it is not there.
    static var miniLMFolder: URL? {
        let url = repositoryRoot.appendingPathComponent("../shared/models/minilm-l6").standardizedFileURL
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("base/model.safetensors").path) ? url : nil
    }

    /// The three full fine-tunes of MiniLM, three of their 12 linear layers (a square query, the MLP up and
    /// down projections: the analysis is the slow part of the tests), analysed once; nil without the folder.
    static let miniLMFull: Result<FamilyReport, Error>? = miniLMFolder.map { folder in
        Result { try analyzeMiniLM(folder, prefix: "full", include: #"layer\.0\.attention\.self\.query|layer\.5\.(intermediate|output)\.dense"#) }
    }

    static func analyzeMiniLM(_ folder: URL, prefix: String, include: String? = nil) throws -> FamilyReport {
        let tasks = ["mansec", "codelang", "pyeco"]
        let family = try ModelFamily.open(base: folder.appendingPathComponent("base").path,
                                          models: tasks.map { folder.appendingPathComponent("\(prefix)-\($0)").path },
                                          names: tasks.map { "\(prefix)-\($0)" })
        return try FamilyAnalyzer(options: AnalysisOptions(computeIntruders: false), include: include).analyze(family)
    }

    private static func analyzeDemo() throws -> FamilyReport {
        let directory = try ScratchDirectory.make("smile-figures-demo")
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = try DemoFamily.write(to: directory)
        let family = try ModelFamily.open(base: paths.base.path, models: paths.models.map(\.path), names: DemoFamily.taskNames)
        return try FamilyAnalyzer().analyze(family)
    }

    /// W = U diag(σ) Vᵀ with σⱼ = 3e^(−j/6) + 0.05 and updates placed in chosen zone blocks, each 5% of ‖W‖.
    static func syntheticLayer(names: [String], rows m: Int, columns n: Int, seed: UInt64, aligned: Bool = false,
                               zeroTask: Int? = nil) throws -> LayerAnalysis {
        var rng = SplitMix64(seed: seed)
        let r = min(m, n)
        let u = rng.gaussianMatrix(m, m).qr().orthonormal
        let v = rng.gaussianMatrix(n, n).qr().orthonormal
        let sigma = (0..<r).map { 3 * Float(exp(-Double($0) / 6)) + 0.05 }
        let weight = u.columns(0..<r).scalingColumns(by: sigma).multiplied(by: v.columns(0..<r), transposingOther: true)
        let k = ZoneRule.smileDefault.cut(sigma.map(Double.init))
        let target = 0.05 * weight.frobeniusNorm
        func scaled(_ x: MatrixF) -> MatrixF { Float(target / x.frobeniusNorm) * x }
        func block(_ left: Range<Int>, _ right: Range<Int>) -> MatrixF {
            (u.columns(left) * rng.gaussianMatrix(left.count, right.count)).multiplied(by: v.columns(right), transposingOther: true)
        }
        var updates: [MatrixF] = []
        for index in names.indices {
            let update: MatrixF
            switch index % 4 {
            case 0: update = scaled(block(k..<r, k..<r))
            case 1: update = aligned ? scaled(0.8 * updates[0] + scaled(block(0..<k, 0..<k))) : scaled(block(0..<k, 0..<k))
            case 2: update = m > r ? scaled(block(r..<m, k..<r)) : scaled(block((r - 4)..<r, (r - 4)..<r))
            default: update = scaled((-0.8) * updates[0] + 0.3 * scaled(block(k..<r, 0..<k)))
            }
            updates.append(index == zeroTask ? Matrix(zeros: m, n) : update)
        }
        return try LayerAnalyzer().analyze(name: "encoder.layer.\(seed).attention.self.query", base: weight,
                                           updates: updates.map { .dense($0) }, taskNames: names)
    }
}
