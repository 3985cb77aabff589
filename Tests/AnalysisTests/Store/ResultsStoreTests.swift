import Foundation
import Testing
@testable import Analysis

/// The results store: a report from stored records is the in-memory report, byte for byte; resumed runs
/// reuse what matches and recompute what does not; a store of other inputs or options is refused in one
/// line. (Byte-for-byte equality across separate processes: `StoreCommandTests`.)
@Suite struct ResultsStoreTests {
    @Test func storedReportIsTheInMemoryReportByteForByte() throws {
        let setup = try StoreTestFamily()
        let inMemory = try setup.analyzer(store: false).analyze(setup.family)
        let run = try setup.analyzer().run(setup.family)
        let computed = try #require(run.report)
        #expect(try StoreTestFamily.close(computed, inMemory))
        let (fromStore, missing) = try ResultsStore.open(at: setup.store).report(thresholds: VerdictThresholds())
        #expect(missing.isEmpty)
        #expect(try StoreTestFamily.json(fromStore) == StoreTestFamily.json(computed))
        #expect(fromStore == computed)
        // Every kind of record is exercised: layers, a per-mode tensor, vectors.
        #expect(!inMemory.layers.isEmpty && !inMemory.tensors.isEmpty && !inMemory.vectors.isEmpty)
    }

    @Test func rejudgingFromTheStoreEqualsARunWithThoseThresholds() throws {
        let setup = try StoreTestFamily()
        _ = try setup.analyzer().run(setup.family)
        let strict = VerdictThresholds(residualRisky: 0.01, residualNotMergeable: 0.02, cosineRisky: 0.01, cosineOpposed: -0.01, topEnergyRisky: 0.001, topEnergyNotMergeable: 0.002)
        let store = try ResultsStore.open(at: setup.store)
        let rejudged = store.report(thresholds: strict).report
        let computed = try setup.analyzer(store: false, thresholds: strict).analyze(setup.family)
        #expect(try StoreTestFamily.close(rejudged, computed))
        #expect(rejudged.options.thresholds == strict)
        #expect(rejudged.layers.allSatisfy { $0.options.thresholds == strict && $0.verdict?.level == .notMergeable })
        let lenient = VerdictThresholds(residualRisky: 10, residualNotMergeable: 20, cosineRisky: 2, cosineOpposed: -2, topEnergyRisky: 2, topEnergyNotMergeable: 3)
        #expect(store.report(thresholds: lenient).report.summary.verdict?.level == .mergeable)
        #expect(store.report(thresholds: VerdictThresholds()).report.summary.verdict?.level == .notMergeable)
    }

    @Test func resumeReusesMatchingRecordsAndRecomputesTheRest() throws {
        let setup = try StoreTestFamily()
        let first = try setup.analyzer().run(setup.family)
        let total = first.resume.assigned
        #expect(first.resume.computed == total && first.resume.reused == 0)
        let store = try ResultsStore.open(at: setup.store)
        let names = store.manifest.tensors
        // One record truncated, one from other inputs (its fingerprint changed), one deleted.
        let truncated = store.recordURL(names[0])
        let bytes = try Data(contentsOf: truncated)
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        guard case var .found(foreign) = store.lookup(names[1]) else { Issue.record("no record for \(names[1])"); return }
        foreign.inputs[0].fingerprint = "0000000000000000"
        try store.write(foreign)
        try FileManager.default.removeItem(at: store.recordURL(names[2]))
        #expect(store.lookup(names[0]) == .corrupt && store.lookup(names[2]) == .missing)

        let second = try setup.analyzer().run(setup.family)
        #expect(second.resume.reused == total - 3)
        #expect(second.resume.recomputed == 1 && second.resume.unreadable == 1 && second.resume.computed == 3)
        #expect(second.resume.summaryLine.contains("1 recomputed: stored from other inputs or options"))
        #expect(try StoreTestFamily.close(try #require(second.report), try #require(first.report)))
        let third = try setup.analyzer().run(setup.family)
        #expect(third.resume.reused == total && third.resume.computed == 0)
    }

    @Test func aStoreOfOtherOptionsOrFormatIsRefusedNamingTheDifference() throws {
        let setup = try StoreTestFamily()
        _ = try setup.analyzer().run(setup.family)
        // Thresholds are not part of the identity.
        _ = try setup.analyzer(thresholds: VerdictThresholds(residualRisky: 0.1)).run(setup.family)
        var other = AnalysisOptions()
        other.interferenceEnergy = 0.8
        #expect { try setup.analyzer(options: other).run(setup.family) } throws: { error in
            "\(error)".contains("option interferenceEnergy: the store has 0.9, this run 0.8")
        }
        var filtered = setup.analyzer()
        filtered.include = "alpha"
        #expect { try filtered.run(setup.family) } throws: { "\($0)".contains("--include") }

        let url = setup.store.appendingPathComponent("manifest.json")
        var manifest = try JSONDecoder().decode(StoreManifest.self, from: Data(contentsOf: url))
        // A store of an earlier analysis version (other numbers) is not mixed into a computing run.
        var older = manifest
        older.toolVersion = "smile-inspect 0.1.0"
        try JSONEncoder().encode(older).write(to: url)
        #expect { try setup.analyzer().run(setup.family) } throws: {
            "\($0)".contains("the store was written by smile-inspect 0.1.0, this is \(StoreManifest.currentToolVersion)")
        }
        manifest.formatVersion = 99
        try JSONEncoder().encode(manifest).write(to: url)
        #expect { try ResultsStore.open(at: setup.store) } throws: { "\($0)".contains("format version 99, this smile-inspect reads 1") }
        #expect { try setup.analyzer().run(setup.family) } throws: { "\($0)".contains("format version 99") }
        try Data("{".utf8).write(to: url)
        #expect { try ResultsStore.open(at: setup.store) } throws: { "\($0)".contains("unreadable manifest.json") }
        #expect { try ResultsStore.open(at: setup.root) } throws: { $0 as? StoreError == .notAStore(store: setup.root.relativePath, reason: "no manifest.json") }
    }

    @Test func shardsWriteDisjointPartsThatMakeTheWholeReport() throws {
        let setup = try StoreTestFamily()
        let whole = try setup.analyzer(store: false).analyze(setup.family)
        var assigned = 0
        for index in 0..<3 {
            let run = try setup.analyzer(shard: try Shard(index: index, count: 3)).run(setup.family)
            #expect(run.report == nil && run.resume.computed == run.resume.assigned)
            assigned += run.resume.assigned
            let (_, missing) = try ResultsStore.open(at: setup.store).report(thresholds: VerdictThresholds())
            #expect(missing.count == (index == 2 ? 0 : try ResultsStore.open(at: setup.store).manifest.tensors.count - assigned))
        }
        let store = try ResultsStore.open(at: setup.store)
        #expect(assigned == store.manifest.tensors.count)
        #expect(try StoreTestFamily.close(store.report(thresholds: VerdictThresholds()).report, whole))
    }

    @Test func concurrentCreatorsAgreeOnOneManifest() throws {
        let setup = try StoreTestFamily()
        let manifest = try StoreManifest(
            family: setup.family, options: AnalysisOptions(), compute: ComputeSettings(), include: nil, exclude: nil,
            tensors: setup.family.matched.map(\.name))
        let failures = FailureCount()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            if (try? ResultsStore.create(at: setup.store, for: manifest)) == nil { failures.add() }
        }
        #expect(failures.value == 0)
        #expect(try ResultsStore.open(at: setup.store).manifest == manifest)
        let debris = try FileManager.default.contentsOfDirectory(atPath: setup.store.path).filter { $0.hasPrefix(".") }
        #expect(debris.isEmpty, "\(debris)")
    }

    @Test func overlappingRunsOnOneStoreLeaveItCompleteAndReadable() throws {
        let setup = try StoreTestFamily()
        let failures = FailureCount()
        // Shard 0/2 twice and the whole selection once, at the same time: the same files written by
        // several processes, each write a complete record.
        let analyzers = [setup.analyzer(shard: try Shard(index: 0, count: 2)), setup.analyzer(shard: try Shard(index: 0, count: 2)), setup.analyzer()]
        DispatchQueue.concurrentPerform(iterations: analyzers.count) { index in
            if (try? analyzers[index].run(setup.family)) == nil { failures.add() }
        }
        #expect(failures.value == 0)
        let store = try ResultsStore.open(at: setup.store)
        #expect(store.records().missing.isEmpty)
        #expect(store.manifest.tensors.allSatisfy { if case .found = store.lookup($0) { true } else { false } })
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: setup.store.appendingPathComponent("records").path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func recordsRoundTripEveryKind() throws {
        let problem = FamilyReport.Problem(tensor: "x/y", reason: "NaN or Inf values")
        let identity = TensorIdentity(path: "/a b/model.safetensors", tensor: "w", shape: [2, 3], dtype: "BF16", byteCount: 12, fingerprint: "0123456789abcdef")
        for result in [LayerRecord.Result.nonFinite(problem), .skipped(problem), .vector(VectorUpdate(name: "b", base: [1, 2], fineTuned: [[1, 3], [.nan, 2]]))] {
            let record = LayerRecord(tensor: "x/y", inputs: [identity], result: result)
            let data = try ResultsStore.encoder.encode(record)
            let decoded = try ResultsStore.decoder.decode(LayerRecord.self, from: data)
            #expect(try ResultsStore.encoder.encode(decoded) == data)
        }
        let unknown = Data(#"{"tensor":"t","inputs":[],"kind":"layer"}"#.utf8)
        #expect(throws: DecodingError.self) { try ResultsStore.decoder.decode(LayerRecord.self, from: unknown) }
    }
}

/// A thread-safe counter.
private final class FailureCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
