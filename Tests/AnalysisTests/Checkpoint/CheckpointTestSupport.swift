import Foundation
import Testing
@testable import Analysis

/// Hand-made safetensors files, malformed on purpose, written into a fresh temporary directory.
enum RawSafetensors {
    /// An 8-byte little-endian length (`declaredLength`, default the header's byte count), the header
    /// text, then `data`.
    static func bytes(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        bytes(headerBytes: Array(header.utf8), data: data, declaredLength: declaredLength)
    }

    /// As ``bytes(header:data:declaredLength:)`` with raw header bytes (for invalid UTF-8).
    static func bytes(headerBytes: [UInt8], data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        let length = declaredLength ?? UInt64(headerBytes.count)
        return withUnsafeBytes(of: length.littleEndian) { Array($0) } + headerBytes + data
    }

    /// Writes `bytes` as `name` in a new temporary directory and returns its URL.
    static func write(_ bytes: [UInt8], name: String = "model.safetensors") throws -> URL {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// The error opening a file made of `header` and `data` throws, with the file's path.
    static func openingError(header: String, data: [UInt8] = []) throws -> (error: CheckpointError?, path: String) {
        let url = try write(bytes(header: header, data: data))
        return (checkpointError { _ = try SafetensorsFile(url: url) }, url.relativePath)
    }
}

/// The ``CheckpointError`` `body` throws, or nil (also when it throws something else).
func checkpointError(_ body: () throws -> Void) -> CheckpointError? {
    do {
        try body()
        return nil
    } catch {
        return error as? CheckpointError
    }
}

/// Test models written with ``SafetensorsWriter``.
enum TestModels {
    /// A deterministic tensor of `shape` with entries drawn from N(0, scale²).
    static func random(_ shape: [Int], seed: UInt64, scale: Double = 1) -> Tensor {
        var generator = SplitMix64(seed: seed)
        return Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float(generator.nextGaussian() * scale) })
    }

    /// Writes `tensors` as `directory/model.safetensors` (or `file` when given) and returns the path.
    @discardableResult
    static func checkpoint(_ tensors: [String: Tensor], in directory: URL, file: String = "model.safetensors") throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(file)
        try SafetensorsWriter.write(tensors, to: url)
        return url
    }

    /// Writes a PEFT adapter directory: `config` (JSON text) and `tensors` as the adapter weights.
    static func adapter(config: String, tensors: [String: Tensor], in directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(config.utf8).write(to: directory.appendingPathComponent("adapter_config.json"))
        try SafetensorsWriter.write(tensors, to: directory.appendingPathComponent("adapter_model.safetensors"))
    }

    /// A minimal LoRA `adapter_config.json`; `extra` is spliced in as further members.
    static func loraConfig(r: Int = 2, alpha: Double = 4, extra: String = "") -> String {
        """
        {"peft_type": "LORA", "r": \(r), "lora_alpha": \(alpha), "target_modules": ["query", "value"]\(extra.isEmpty ? "" : ", " + extra)}
        """
    }
}
