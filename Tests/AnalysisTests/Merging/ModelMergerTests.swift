import Foundation
import Testing
@testable import Analysis

/// `ModelMerger` end to end on small real safetensors families: what each tensor becomes, the layout
/// (names, dtypes, shards, side files), and the refusals that must leave nothing behind.
struct ModelMergerTests {
    static let query = "encoder.layer.0.attention.self.query.weight"
    static let dense = "encoder.layer.0.output.dense.weight"
    static let bias = "encoder.layer.0.output.dense.bias"
    static let embedding = "embeddings.word_embeddings.weight"
    static let positions = "embeddings.position_ids"

    /// A base with an F32 and a BF16 linear weight, a bias, an embedding and an I64 buffer; two full
    /// fine-tunes changing every float tensor. `shards`: write the base as two shards with an index.
    static func family(in directory: URL, shards: Bool = false, poison: Bool = false) throws -> ModelFamily {
        let fm = FileManager.default
        var base = [String: Tensor]()
        base[query] = Tensor(RandomMatrices.gaussian(6, 6, seed: 1, scale: 0.5))
        base[dense] = Tensor(shape: [8, 6], values: RandomMatrices.gaussian(8, 6, seed: 2, scale: 0.5).elements.map { HalfPrecision.float(fromBFloat16: HalfPrecision.bfloat16(from: $0)) })
        base[bias] = Tensor(shape: [8], values: RandomMatrices.gaussian(1, 8, seed: 3, scale: 0.1).elements)
        base[embedding] = Tensor(RandomMatrices.gaussian(10, 6, seed: 4, scale: 0.5))
        base[positions] = Tensor(shape: [1, 10], values: (0..<10).map(Float.init))
        let dtypes = [dense: DType.bf16, positions: DType.i64]
        let baseURL = directory.appendingPathComponent("base")
        try fm.createDirectory(at: baseURL, withIntermediateDirectories: true)
        if shards {
            let first = base.filter { $0.key.hasPrefix("embeddings") }, second = base.filter { !$0.key.hasPrefix("embeddings") }
            try SafetensorsWriter.write(first, to: baseURL.appendingPathComponent("model-00001-of-00002.safetensors"), dtypes: dtypes)
            try SafetensorsWriter.write(second, to: baseURL.appendingPathComponent("model-00002-of-00002.safetensors"), dtypes: dtypes)
            let map = first.keys.map { "\"\($0)\": \"model-00001-of-00002.safetensors\"" } + second.keys.map { "\"\($0)\": \"model-00002-of-00002.safetensors\"" }
            try Data("{\"metadata\": {}, \"weight_map\": {\(map.joined(separator: ", "))}}".utf8).write(to: baseURL.appendingPathComponent("model.safetensors.index.json"))
        } else {
            try SafetensorsWriter.write(base, to: baseURL.appendingPathComponent("model.safetensors"), dtypes: dtypes)
        }
        try Data("{\"model_type\": \"bert\"}".utf8).write(to: baseURL.appendingPathComponent("config.json"))
        try Data("[PAD]\n".utf8).write(to: baseURL.appendingPathComponent("vocab.txt"))
        var paths = [String]()
        for i in 0..<2 {
            var model = base
            for name in [query, dense, bias, embedding] {
                let values = base[name]!.values
                let delta = RandomMatrices.gaussian(1, values.count, seed: UInt64(10 + 10 * i) + UInt64(name.count), scale: 0.02).elements
                model[name] = Tensor(shape: base[name]!.shape, values: zip(values, delta).map { $0 + $1 })
            }
            if poison, i == 1 { model[bias]!.values[3] = .nan }
            let url = directory.appendingPathComponent("m\(i)")
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
            try SafetensorsWriter.write(model, to: url.appendingPathComponent("model.safetensors"), dtypes: dtypes)
            paths.append(url.path)
        }
        return try ModelFamily.open(base: baseURL.path, models: paths)
    }

    static func deltas(_ family: ModelFamily, _ name: String) throws -> [[Float]] {
        try family.denseUpdates(for: name).map(\.values)
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test func taskArithmeticAddsTheScaledSum() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try Self.family(in: directory)
        let out = directory.appendingPathComponent("merged")
        let record = try ModelMerger(settings: MergeSettings(method: .taskArithmetic, coefficient: 0.7)).merge(family, to: out)
        let merged = try Checkpoint(url: out)
        #expect(merged.tensors.map(\.name) == family.base.tensors.map(\.name))
        #expect(merged.tensors.map(\.dtype) == family.base.tensors.map(\.dtype))
        #expect(merged.tensors.map(\.shape) == family.base.tensors.map(\.shape))
        for name in [Self.query, Self.bias, Self.embedding] {
            let d = try Self.deltas(family, name)
            let expected = zip(try family.baseTensor(name).values, zip(d[0], d[1])).map { $0 + 0.7 * ($1.0 + $1.1) }
            #expect(Self.maxDifference(try merged.tensor(name).values, expected) < 1e-6, "\(name)")
        }
        #expect(try merged.tensor(Self.positions) == family.baseTensor(Self.positions))
        #expect(record.fromBase == [Self.positions])
        for file in ["config.json", "vocab.txt", MergeRecord.fileName, "README.md", "model.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        #expect(UpscaleSupport.entries(directory) == ["base", "m0", "m1", "merged"])
    }

    @Test func subspaceMethodsMergeLinearWeightsAndAverageTheRest() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try Self.family(in: directory)
        for method in [MergeMethod.tsv, .isoC, .isoCTS] {
            let out = directory.appendingPathComponent(method.rawValue)
            let record = try ModelMerger(settings: MergeSettings(method: method, coefficient: 1.3)).merge(family, to: out)
            #expect(record.subspaceWeights == 2 && record.methodTensors == 2)
            let merged = try Checkpoint(url: out)
            let updates = try family.updates(for: Self.query)
            let m: MatrixF
            switch method {
            case .tsv: m = try SubspaceMerge.tsv(updates, context: "q")
            case .isoC: m = try SubspaceMerge.isoC(updates, context: "q")
            default: m = try SubspaceMerge.isoCTS(updates, context: "q")
            }
            let expected = zip(try family.baseTensor(Self.query).values, m.elements).map { $0 + 1.3 * $1 }
            #expect(Self.maxDifference(try merged.tensor(Self.query).values, expected) < 1e-6)
            // The embedding is not a linear weight: c times the mean update.
            let d = try Self.deltas(family, Self.embedding)
            let mean = zip(try family.baseTensor(Self.embedding).values, zip(d[0], d[1])).map { $0 + 1.3 * ($1.0 + $1.1) / 2 }
            #expect(Self.maxDifference(try merged.tensor(Self.embedding).values, mean) < 1e-6)
            #expect(merged.info(Self.dense)?.dtype == .bf16)
        }
    }

    @Test func tiesMergesEveryTensor() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try Self.family(in: directory)
        let out = directory.appendingPathComponent("ties")
        _ = try ModelMerger(settings: MergeSettings(method: .ties, coefficient: 1, density: 0.5)).merge(family, to: out)
        let expected = zip(try family.baseTensor(Self.bias).values, TiesMerge.merge(try Self.deltas(family, Self.bias), density: 0.5)).map { $0 + $1 }
        #expect(Self.maxDifference(try Checkpoint(url: out).tensor(Self.bias).values, expected) < 1e-7)
    }

    @Test func shardedBaseKeepsItsShards() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try Self.family(in: directory, shards: true)
        let out = directory.appendingPathComponent("merged")
        let record = try ModelMerger(settings: MergeSettings(method: .tsv)).merge(family, to: out)
        #expect(Array(record.files.prefix(3)) == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"])
        let merged = try Checkpoint(url: out)
        #expect(merged.files.count == 2)
        for info in family.base.tensors {
            #expect(merged.file(containing: info.name)?.url.lastPathComponent == family.base.file(containing: info.name)?.url.lastPathComponent)
        }
    }

    @Test func nonFiniteUpdateWritesNothing() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try Self.family(in: directory, poison: true)
        for method in MergeMethod.allCases {
            let out = directory.appendingPathComponent("merged")
            #expect(throws: MergeError.nonFinite(model: "m1", file: family.modelPaths[1].relativePath, tensor: Self.bias)) {
                try ModelMerger(settings: MergeSettings(method: method)).merge(family, to: out)
            }
            #expect(UpscaleSupport.entries(directory) == ["base", "m0", "m1"], "\(method)")
        }
    }

    @Test func existingOutputNeedsForceAndOnlyAPreviousMerge() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try Self.family(in: directory)
        let out = directory.appendingPathComponent("merged")
        _ = try ModelMerger(settings: MergeSettings(method: .taskArithmetic)).merge(family, to: out)
        #expect(throws: UpscaleError.outputExists(path: out.relativePath)) {
            try ModelMerger(settings: MergeSettings(method: .tsv)).merge(family, to: out)
        }
        let replaced = try ModelMerger(settings: MergeSettings(method: .tsv, replaceExisting: true)).merge(family, to: out)
        #expect(replaced.method == "tsv")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(MergeRecord.fileName))) as? [String: Any]
        #expect(config?["method"] as? String == "tsv")
        // Never the base, even with --force.
        #expect(throws: MergeError.self) {
            try ModelMerger(settings: MergeSettings(method: .tsv, replaceExisting: true)).merge(family, to: family.basePath)
        }
        #expect(UpscaleSupport.entries(directory) == ["base", "m0", "m1", "merged"])
    }

    @Test func loraFamilyMergesFromFactors() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("merged")
        _ = try ModelMerger(settings: MergeSettings(method: .isoC, coefficient: 0.9)).merge(family, to: out)
        let name = "encoder.layer.1.attention.self.query.weight"
        let m = try SubspaceMerge.isoC(try family.updates(for: name), context: name)
        let expected = zip(try family.baseTensor(name).values, m.elements).map { $0 + 0.9 * $1 }
        #expect(Self.maxDifference(try Checkpoint(url: out).tensor(name).values, expected) < 1e-6)
    }
}
