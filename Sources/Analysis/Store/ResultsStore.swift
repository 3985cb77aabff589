import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A directory of per-tensor results that a run writes as it goes, later runs resume from, several
/// processes (shards) fill at once, and reports are built from without opening a weight file.
///
/// Layout (format version 1, docs/store.md):
/// - `manifest.json` — the ``StoreManifest``: inputs, options and selection. Created once with a
///   hard link from a complete temporary file (so two processes creating it at the same moment cannot
///   corrupt it: one wins, the other reads and compares it).
/// - `records/<name>.json` — one ``LayerRecord`` per tensor (``RecordFileName``), written atomically
///   (temp + fsync + rename, ``AtomicFile``) as soon as the tensor is analysed. A process killed at any
///   moment leaves complete records and hidden `.…tmp-…` files, which are ignored.
///
/// A record that cannot be decoded, or that names another tensor, is treated as missing.
public final class ResultsStore: Sendable {
    /// The store's directory.
    public let directory: URL
    /// Its manifest.
    public let manifest: StoreManifest

    private init(directory: URL, manifest: StoreManifest) {
        self.directory = directory
        self.manifest = manifest
    }

    /// `manifest.json` inside `directory`.
    static func manifestURL(_ directory: URL) -> URL { directory.appendingPathComponent("manifest.json") }

    /// The store at `directory` for a run described by `manifest`: created (directory and manifest) when
    /// absent, else its manifest must agree with `manifest` (``StoreManifest/difference(from:selection:)``).
    /// Throws ``StoreError/mismatch(store:difference:)`` naming the difference, or ``CheckpointError``
    /// when the directory cannot be written.
    public static func create(at directory: URL, for manifest: StoreManifest, selection: Bool = true) throws -> ResultsStore {
        let path = directory.relativePath
        try OutputPath.checkDirectory(path)
        try OutputPath.createDirectory(directory.appendingPathComponent("records").relativePath)
        let url = manifestURL(directory)
        if !FileManager.default.fileExists(atPath: url.path) {
            try publish(manifest, at: url)
        }
        let stored = try read(directory)
        if let difference = stored.difference(from: manifest, selection: selection) {
            throw StoreError.mismatch(store: path, difference: difference)
        }
        return ResultsStore(directory: directory, manifest: stored)
    }

    /// An existing store, for reports: its manifest must be readable and of ``StoreManifest/currentFormatVersion``
    /// (the tool version may differ: records are read, not computed).
    public static func open(at directory: URL) throws -> ResultsStore {
        let manifest = try read(directory)
        guard manifest.formatVersion == StoreManifest.currentFormatVersion else {
            throw StoreError.mismatch(
                store: directory.relativePath,
                difference: "the store has format version \(manifest.formatVersion), this smile-inspect reads \(StoreManifest.currentFormatVersion)")
        }
        return ResultsStore(directory: directory, manifest: manifest)
    }

    /// Writes the manifest's complete bytes to a temporary file, then links it into place: `link` fails
    /// when the name exists, so concurrent creators never overwrite each other; the loser's file is dropped.
    private static func publish(_ manifest: StoreManifest, at url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".manifest.json.tmp-\(UUID().uuidString)")
        try AtomicFile.write(data: try encoder.encode(manifest), to: temporary)
        defer { unlink(temporary.path) }
        if link(temporary.path, url.path) != 0 && errno != EEXIST {
            throw CheckpointError.unwritable(file: url.relativePath, reason: ReadOnlyFile.lastSystemError())
        }
    }

    private static func read(_ directory: URL) throws -> StoreManifest {
        let url = manifestURL(directory)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw StoreError.notAStore(store: directory.relativePath, reason: "no manifest.json")
        }
        do {
            return try decoder.decode(StoreManifest.self, from: data)
        } catch {
            throw StoreError.corruptManifest(store: directory.relativePath, reason: "\(error)")
        }
    }

    /// What the store holds for one tensor.
    public enum Lookup: Sendable, Equatable {
        /// No file.
        case missing
        /// A file that does not decode to a record of this tensor (truncated, edited, or another name's).
        case corrupt
        /// A complete record.
        case found(LayerRecord)
    }

    /// The record of `tensor`.
    public func lookup(_ tensor: String) -> Lookup {
        guard let data = FileManager.default.contents(atPath: recordURL(tensor).path) else { return .missing }
        guard let record = try? Self.decoder.decode(LayerRecord.self, from: data), record.tensor == tensor else { return .corrupt }
        return .found(record)
    }

    /// Stores `record` atomically (replacing any previous record of its tensor).
    public func write(_ record: LayerRecord) throws {
        try AtomicFile.write(data: try Self.encoder.encode(record), to: recordURL(record.tensor))
    }

    /// Every usable record of the manifest's tensors, in manifest order, and the tensors without one.
    public func records() -> (records: [LayerRecord], missing: [String]) {
        var records = [LayerRecord](), missing = [String]()
        for tensor in manifest.tensors {
            if case let .found(record) = lookup(tensor) { records.append(record) } else { missing.append(tensor) }
        }
        return (records, missing)
    }

    /// The file of `tensor`'s record.
    public func recordURL(_ tensor: String) -> URL {
        directory.appendingPathComponent("records").appendingPathComponent(RecordFileName.forTensor(tensor))
    }

    /// Records and manifest are compact JSON with sorted keys; NaN and ±Infinity as strings (as in reports).
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }
}

extension ResultsStore {
    /// The family report from the stored records alone (no weight file is opened), judged with
    /// `thresholds`, and the selected tensors that have no usable record yet (a shard still running).
    public func report(thresholds: VerdictThresholds) -> (report: FamilyReport, missing: [String]) {
        let (records, missing) = records()
        return (FamilyReport(assembling: manifest, records: records, thresholds: thresholds), missing)
    }

    /// The stored tensor a user's layer query names, by the rules of ``ModelFamily/resolve(layer:)``
    /// (exact name, name + `.weight`, unique suffix). Throws ``StoreError/tensorNotStored(store:tensor:candidates:)``
    /// with the closest names, or ``CheckpointError/ambiguousLayer(query:matches:)``.
    public func resolve(layer query: String) throws -> String {
        let names = manifest.tensors
        for exact in [query, query + ".weight"] where names.contains(exact) { return exact }
        let matches = names.filter { $0.hasSuffix("." + query) || $0.hasSuffix("." + query + ".weight") }
        if matches.count == 1 { return matches[0] }
        if !matches.isEmpty { throw CheckpointError.ambiguousLayer(query: query, matches: Array(matches.prefix(5))) }
        let closest = names.sorted { (ModelFamily.windowDistance(query, $0), $0) < (ModelFamily.windowDistance(query, $1), $1) }.prefix(5)
        throw StoreError.tensorNotStored(store: directory.relativePath, tensor: query, candidates: Array(closest))
    }
}
