import Foundation

/// A `torch.save` file in the zip format PyTorch has written since 1.6 (`pytorch_model.bin`,
/// `adapter_model.bin`, `*.pt`): a state dict of dense tensors, read without running code from it.
///
/// The archive (``TorchZipArchive``) holds `<archive>/data.pkl`, the pickled state dict, read by the
/// ``RestrictedUnpickler`` (as `torch.load(weights_only=True)`), `<archive>/byteorder` (must be
/// `little` when present) and one entry `<archive>/data/<key>` per storage. Opening reads the directory
/// and the pickle (at most ``maximumPickleLength`` bytes) and checks every tensor against its storage;
/// tensors are read one at a time, with positioned reads of their storage's byte range, like
/// ``SafetensorsFile``.
///
/// Tensors: the dtype is the storage class's (`FloatStorage` F32, `HalfStorage` F16, `BFloat16Storage`
/// BF16, `DoubleStorage` F64, `Long/Int/Short/Char/ByteStorage` I64/I32/I16/I8/U8, `BoolStorage` BOOL).
/// Several tensors may share a storage; a view with a storage offset and any non-negative strides is
/// materialized in row-major order (element (i₀…) = storage[offset + Σ iₖ·strideₖ]). Refused, with the
/// tensor named: negative sizes, strides or offsets; elements past the storage's end; more elements
/// than the storage holds (broadcast views, whose copy could be far larger than the file); a storage
/// key used with two dtypes or sizes; a storage entry whose size is not numel × element size.
public final class TorchCheckpointFile: TensorFile {
    /// The largest `data.pkl` read (a state dict's pickle takes about 200 bytes per tensor).
    public static let maximumPickleLength = 256 << 20

    public let url: URL
    public let displayPath: String
    /// Every tensor, sorted by name. `dataOffsets` is the tensor's first byte in its storage and its
    /// numel × element size (a strided view spans more of the storage).
    public let tensors: [TensorInfo]
    /// Always empty: torch files carry no string metadata.
    public let metadata: [String: String] = [:]

    private let file: ReadOnlyFile
    private let layouts: [String: Layout]
    private let index: [String: Int]

    /// Where a tensor's elements are in the file.
    private struct Layout {
        let dtype: DType
        /// File offset of the storage's first byte.
        let storageStart: Int
        let offset: Int
        let shape: [Int]
        let stride: [Int]
        /// 1 + the largest storage index an element uses (0 when empty).
        let span: Int
        var isContiguous: Bool {
            var expected = 1
            for (size, step) in zip(shape, stride).reversed() where size != 1 {
                if step != expected { return false }
                expected *= size
            }
            return true
        }
    }

    /// Opens `url`, which must be a zip-format `torch.save` file.
    public convenience init(url: URL) throws {
        try self.init(url: url, file: ReadOnlyFile(path: url.relativePath))
    }

    init(url: URL, file: ReadOnlyFile) throws {
        let path = url.relativePath
        let archive = try TorchZipArchive(file: file)
        let pickles = archive.entries.keys.filter { $0.hasSuffix("/data.pkl") && $0.split(separator: "/", omittingEmptySubsequences: false).count == 2 }
        guard pickles.count == 1, let pickle = archive.entries[pickles[0]] else {
            throw CheckpointError.invalidTorchFile(file: path, reason: "expected one <archive>/data.pkl entry, found \(pickles.count)")
        }
        let prefix = String(pickles[0].dropLast("data.pkl".count))
        if let order = archive.entries[prefix + "byteorder"] {
            let text = try file.read(count: min(order.data.count, 16), at: order.data.lowerBound, tensor: nil)
            guard text == Array("little".utf8) else {
                throw CheckpointError.unsupportedTorchFormat(file: path, reason: "byteorder is \(CheckpointError.quoted(String(decoding: text, as: UTF8.self))); only little-endian files are read")
            }
        }
        guard pickle.data.count <= Self.maximumPickleLength else {
            throw CheckpointError.invalidTorchFile(file: path, reason: "data.pkl is \(pickle.data.count) bytes, over the \(Self.maximumPickleLength)-byte limit")
        }
        let state = try RestrictedUnpickler.stateDict(try file.read(count: pickle.data.count, at: pickle.data.lowerBound, tensor: nil), file: path)
        var storages = [String: TorchStorageReference]()
        var layouts = [String: Layout]()
        var infos = [TensorInfo]()
        for (name, tensor) in state {
            func bad(_ reason: String) -> CheckpointError { .invalidTorchTensor(file: path, tensor: name, reason: reason) }
            let storage = tensor.storage
            if let known = storages.updateValue(storage, forKey: storage.key), known.dtype != storage.dtype || known.count != storage.count {
                throw bad("storage \(CheckpointError.quoted(storage.key)) is used as \(known.dtype.rawValue) × \(known.count) and \(storage.dtype.rawValue) × \(storage.count)")
            }
            guard let entry = archive.entries[prefix + "data/" + storage.key] else {
                throw bad("its storage \(CheckpointError.quoted(prefix + "data/" + storage.key)) is not in the archive")
            }
            guard storage.count.multipliedReportingOverflow(by: storage.dtype.byteSize) == (entry.data.count, false) else {
                throw bad("storage \(CheckpointError.quoted(storage.key)) has \(entry.data.count) bytes, not \(storage.count) × \(storage.dtype.byteSize)")
            }
            let layout = try Self.layout(tensor, storageStart: entry.data.lowerBound, invalid: bad)
            layouts[name] = layout
            let start = layout.offset * storage.dtype.byteSize
            let numel = layout.shape.reduce(1, *)
            infos.append(TensorInfo(name: name, dtype: storage.dtype, shape: layout.shape, dataOffsets: start..<(start + numel * storage.dtype.byteSize)))
        }
        self.url = url
        self.displayPath = path
        self.file = file
        self.layouts = layouts
        self.tensors = infos.sorted { $0.name < $1.name }
        self.index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    /// Checks `tensor`'s sizes, strides and offset against its storage.
    private static func layout(_ tensor: TorchTensorReference, storageStart: Int, invalid: (String) -> CheckpointError) throws -> Layout {
        let (shape, stride, offset) = (tensor.shape, tensor.stride, tensor.offset)
        guard shape.count == stride.count else { throw invalid("size \(shape) and stride \(stride) differ in length") }
        guard shape.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }), offset >= 0 else {
            throw invalid("negative size, stride or offset (size \(shape), stride \(stride), offset \(offset))")
        }
        var numel = 1
        var last = offset
        for (size, step) in zip(shape, stride) {
            let (count, countOverflow) = numel.multipliedReportingOverflow(by: size)
            let (reach, reachOverflow) = (size == 0 ? 0 : size - 1).multipliedReportingOverflow(by: step)
            let (next, nextOverflow) = last.addingReportingOverflow(reach)
            guard !countOverflow, !reachOverflow, !nextOverflow else { throw invalid("size \(shape) with stride \(stride) overflows 64 bits") }
            (numel, last) = (count, next)
        }
        let span = numel == 0 ? 0 : last + 1
        guard span <= tensor.storage.count else {
            throw invalid("size \(shape), stride \(stride) and offset \(offset) reach element \(last) of a storage of \(tensor.storage.count)")
        }
        guard numel <= tensor.storage.count else {
            throw invalid("\(numel) elements from a storage of \(tensor.storage.count): overlapping (broadcast) views are not read")
        }
        return Layout(dtype: tensor.storage.dtype, storageStart: storageStart, offset: offset, shape: shape, stride: stride, span: span)
    }

    public func info(_ name: String) -> TensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// Bytes of tensor `info`'s storage from its first element, in storage order (a strided view's
    /// sample covers the storage it reads, clamped to the elements it can reach).
    public func rawBytes(of info: TensorInfo, in range: Range<Int>) throws -> [UInt8] {
        guard let layout = layouts[info.name] else { throw CheckpointError.tensorNotFound(file: displayPath, tensor: info.name) }
        let size = layout.dtype.byteSize
        let clamped = range.clamped(to: 0..<(Swift.max(0, layout.span - layout.offset) * size))
        return try file.read(count: clamped.count, at: layout.storageStart + layout.offset * size + clamped.lowerBound, tensor: info.name)
    }

    /// Reads tensor `name` from its storage, materializing strided views, and decodes it to `Float`.
    public func tensor(_ name: String) throws -> Tensor {
        guard let layout = layouts[name] else { throw CheckpointError.tensorNotFound(file: displayPath, tensor: name) }
        let size = layout.dtype.byteSize
        let numel = layout.shape.reduce(1, *)
        guard numel > 0 else { return Tensor(shape: layout.shape, values: []) }
        if layout.isContiguous {
            let bytes = try file.read(count: numel * size, at: layout.storageStart + layout.offset * size, tensor: name)
            return Tensor(shape: layout.shape, values: bytes.withUnsafeBytes { layout.dtype.decode($0) })
        }
        let span = try file.read(count: (layout.span - layout.offset) * size, at: layout.storageStart + layout.offset * size, tensor: name)
        let gathered = [UInt8](unsafeUninitializedCapacity: numel * size) { target, initialized in
            span.withUnsafeBufferPointer { source in
                var index = [Int](repeating: 0, count: layout.shape.count)
                var element = 0
                for position in 0..<numel {
                    (target.baseAddress! + position * size).initialize(from: source.baseAddress! + element * size, count: size)
                    for dimension in stride(from: layout.shape.count - 1, through: 0, by: -1) {
                        index[dimension] += 1
                        element += layout.stride[dimension]
                        if index[dimension] < layout.shape[dimension] { break }
                        element -= layout.stride[dimension] * index[dimension]
                        index[dimension] = 0
                    }
                }
            }
            initialized = numel * size
        }
        return Tensor(shape: layout.shape, values: gathered.withUnsafeBytes { layout.dtype.decode($0) })
    }
}
