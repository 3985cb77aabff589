import Foundation
import Testing
@testable import Analysis

/// --jobs gives identical reports; --max-memory refuses a layer that cannot fit; the memory estimate and
/// size parsing behave.
@Suite struct ExecutionTests {
    static func demoFamily() throws -> (ModelFamily, URL) {
        let directory = try Fixtures.temporaryDirectory()
        let paths = try DemoFamily.write(to: directory)
        return (try ModelFamily.open(base: paths.base.path, models: paths.models.map(\.path)), directory)
    }

    @Test func reportsAreIdenticalWhateverTheJobs() throws {
        let (family, directory) = try Self.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sequential = try FamilyAnalyzer(execution: ExecutionSettings(jobs: 1)).analyzeMeasured(family)
        for jobs in [2, 3] {
            let parallel = try FamilyAnalyzer(execution: ExecutionSettings(jobs: jobs)).analyzeMeasured(family)
            // Identical in a process of its own; here up to rounding (``JSONNumbers``).
            #expect(try JSONNumbers.firstDifference(parallel.report, sequential.report) == nil, "--jobs \(jobs)")
            #expect(parallel.performance.jobs == jobs)
            #expect(parallel.performance.blasThreads == sequential.performance.blasThreads)
        }
        #expect(sequential.performance.layers.map(\.name) == sequential.report.layers.map(\.name))
        #expect(sequential.performance.peakResidentBytes > 0)
        // A budget that fits one layer at a time serialises without changing anything.
        let tight = sequential.performance.largestLayerEstimateBytes
        let serial = try FamilyAnalyzer(execution: ExecutionSettings(jobs: 3, maxMemoryBytes: tight)).analyze(family)
        #expect(try JSONNumbers.firstDifference(serial, sequential.report) == nil)
    }

    /// The rounding-tolerant comparison still sees a changed number, key, string or length.
    @Test func jsonNumbersFindsRealDifferences() throws {
        struct Sample: Encodable { var name: String; var values: [Double]; var rank: Int; var flag = true }
        let base = Sample(name: "q", values: [1, 0.5, 1e-14], rank: 3)
        #expect(try JSONNumbers.firstDifference(base, Sample(name: "q", values: [1, 0.5, 1e-14], rank: 3, flag: false)) != nil)
        #expect(try JSONNumbers.firstDifference(base, Sample(name: "q", values: [1 + 1e-7, 0.5, 2e-14], rank: 3)) == nil)
        #expect(try JSONNumbers.firstDifference(base, Sample(name: "q", values: [1, 0.5001, 1e-14], rank: 3)) == "$.values[1]: 0.5 vs 0.5001")
        #expect(try JSONNumbers.firstDifference(base, Sample(name: "q", values: [1, 0.5, 1e-14], rank: 4)) != nil)
        #expect(try JSONNumbers.firstDifference(base, Sample(name: "k", values: [1, 0.5, 1e-14], rank: 3)) != nil)
        #expect(try JSONNumbers.firstDifference(base, Sample(name: "q", values: [1, 0.5], rank: 3)) != nil)
    }

    @Test func aLayerOverTheMemoryLimitIsRefusedBeforeReading() throws {
        let (family, directory) = try Self.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: ExecutionError.self) {
            try FamilyAnalyzer(execution: ExecutionSettings(jobs: 2, maxMemoryBytes: 10_000)).analyze(family)
        }
    }

    @Test func errorsSurfaceAsInTheSequentialLoop() throws {
        let (family, directory) = try Self.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: FamilyAnalyzerError.self) {
            try FamilyAnalyzer(include: "(", exclude: nil, execution: ExecutionSettings(jobs: 2)).analyze(family)
        }
    }

    @Test func memoryEstimateGrowsWithShapeAndTasks() {
        let small = MemoryAccounting.layerBytes(rows: 768, columns: 768, denseUpdates: 4, loraUpdates: 0)
        let large = MemoryAccounting.layerBytes(rows: 4096, columns: 4096, denseUpdates: 4, loraUpdates: 0)
        let moreTasks = MemoryAccounting.layerBytes(rows: 4096, columns: 4096, denseUpdates: 8, loraUpdates: 0)
        #expect(small < large && large < moreTasks)
        // At least the inputs, and within a small multiple of them.
        let inputs = MemoryAccounting.workingSetBytes(rows: 4096, columns: 4096, tasks: 4)
        #expect(large >= inputs && large <= 5 * inputs)
        #expect(MemoryAccounting.layerBytes(rows: 4096, columns: 4096, denseUpdates: 0, loraUpdates: 4) < large)
    }

    @Test func sizesParse() {
        #expect(MemoryAccounting.parse("8G") == 8 << 30)
        #expect(MemoryAccounting.parse("512MiB") == 512 << 20)
        #expect(MemoryAccounting.parse("1.5g") == 3 << 29)
        #expect(MemoryAccounting.parse("2GB") == 2_000_000_000)
        #expect(MemoryAccounting.parse("1000") == 1000)
        #expect(MemoryAccounting.parse("2GiB") == 2 << 30 && MemoryAccounting.parse("500mb") == 500_000_000 && MemoryAccounting.parse("12345B") == 12345)
        for bad in ["", "G", "-1G", "lots", "0", "0.5", "1e30G", "inf", "nan"] { #expect(MemoryAccounting.parse(bad) == nil, "\(bad)") }
        #expect(ExecutionSettings.defaultBLASThreads(layers: 10, available: 2) == 1)
        #expect(ExecutionSettings.defaultBLASThreads(layers: 1, available: 2) == 2)
        #expect(ExecutionSettings.defaultBLASThreads(layers: 3, available: 8) == 2)
    }
}
