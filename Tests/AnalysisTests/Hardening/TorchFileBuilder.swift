import Foundation
@testable import Analysis

/// Hand-made `torch.save`-style files for tests that need what real torch never writes: a stored zip of
/// given entries, and pickles assembled opcode by opcode.
enum TorchFileBuilder {
    /// A stored (uncompressed) zip of `entries`, in order, with a central directory and end record
    /// (CRCs left 0: the reader does not check them). With `zip64`, every size and offset is in zip64
    /// extra fields (the 32-bit fields saturated) and the end record points to a zip64 end record, as
    /// torch writes files over 4 GB.
    static func zip(_ entries: [(name: String, data: [UInt8])], zip64: Bool = false) -> [UInt8] {
        var bytes = [UInt8]()
        var directory = [UInt8]()
        func u16(_ value: Int, into buffer: inout [UInt8]) { buffer += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        func u32(_ value: Int, into buffer: inout [UInt8]) { u16(value & 0xFFFF, into: &buffer); u16(value >> 16 & 0xFFFF, into: &buffer) }
        func u64(_ value: Int, into buffer: inout [UInt8]) { u32(value & 0xFFFF_FFFF, into: &buffer); u32(value >> 32, into: &buffer) }
        func wide(_ value: Int) -> Int { zip64 ? 0xFFFF_FFFF : value }
        for (name, data) in entries {
            let offset = bytes.count
            let nameBytes = Array(name.utf8)
            var extra = [UInt8]()
            if zip64 {
                u16(1, into: &extra); u16(24, into: &extra)
                u64(data.count, into: &extra); u64(data.count, into: &extra); u64(offset, into: &extra)
            }
            u32(0x0403_4b50, into: &bytes)
            u16(45, into: &bytes); u16(0, into: &bytes); u16(0, into: &bytes); u32(0, into: &bytes); u32(0, into: &bytes)
            u32(wide(data.count), into: &bytes); u32(wide(data.count), into: &bytes); u16(nameBytes.count, into: &bytes); u16(extra.count, into: &bytes)
            bytes += nameBytes + extra + data
            u32(0x0201_4b50, into: &directory)
            u16(45, into: &directory); u16(45, into: &directory); u16(0, into: &directory); u16(0, into: &directory)
            u32(0, into: &directory); u32(0, into: &directory)
            u32(wide(data.count), into: &directory); u32(wide(data.count), into: &directory)
            u16(nameBytes.count, into: &directory); u16(extra.count, into: &directory); u16(0, into: &directory)
            u16(0, into: &directory); u16(0, into: &directory); u32(0, into: &directory); u32(wide(offset), into: &directory)
            directory += nameBytes + extra
        }
        let directoryOffset = bytes.count
        bytes += directory
        if zip64 {
            let recordOffset = bytes.count
            u32(0x0606_4b50, into: &bytes); u64(44, into: &bytes); u16(45, into: &bytes); u16(45, into: &bytes)
            u32(0, into: &bytes); u32(0, into: &bytes); u64(entries.count, into: &bytes); u64(entries.count, into: &bytes)
            u64(directory.count, into: &bytes); u64(directoryOffset, into: &bytes)
            u32(0x0706_4b50, into: &bytes); u32(0, into: &bytes); u64(recordOffset, into: &bytes); u32(1, into: &bytes)
        }
        u32(0x0605_4b50, into: &bytes)
        u16(0, into: &bytes); u16(0, into: &bytes); u16(zip64 ? 0xFFFF : entries.count, into: &bytes); u16(zip64 ? 0xFFFF : entries.count, into: &bytes)
        u32(wide(directory.count), into: &bytes); u32(wide(directoryOffset), into: &bytes); u16(0, into: &bytes)
        return bytes
    }

    /// Opcodes, written as torch's pickler (protocol 2) writes them.
    enum Op {
        static let proto: [UInt8] = [0x80, 2], stop: [UInt8] = [0x2E], mark: [UInt8] = [0x28], emptyDict: [UInt8] = [0x7D]
        static let emptyTuple: [UInt8] = [0x29], tuple: [UInt8] = [0x74], setItems: [UInt8] = [0x75], reduce: [UInt8] = [0x52]
        static let binPersId: [UInt8] = [0x51], newFalse: [UInt8] = [0x89]

        static func string(_ text: String) -> [UInt8] {
            let utf8 = Array(text.utf8)
            return [0x58] + withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { Array($0) } + utf8
        }

        static func int(_ value: Int32) -> [UInt8] { [0x4A] + withUnsafeBytes(of: value.littleEndian) { Array($0) } }

        static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }

        static func ints(_ values: [Int32]) -> [UInt8] { mark + values.flatMap(int) + tuple }
    }

    /// A tensor entry of a pickled state dict: `_rebuild_tensor_v2` of storage `key` (`numel` elements of
    /// `storageType`) at `offset` with `shape` and `stride`.
    struct TensorSpec {
        var name: String
        var key = "0"
        var storageType = "FloatStorage"
        var numel: Int32
        var offset: Int32 = 0
        var shape: [Int32]
        var stride: [Int32]
    }

    /// The pickle of an `OrderedDict`-free state dict `{name: tensor, …}`.
    static func statePickle(_ tensors: [TensorSpec]) -> [UInt8] {
        var bytes = Op.proto + Op.emptyDict + Op.mark
        for tensor in tensors {
            bytes += Op.string(tensor.name) + Op.global("torch._utils", "_rebuild_tensor_v2") + Op.mark
            bytes += Op.mark + Op.string("storage") + Op.global("torch", tensor.storageType) + Op.string(tensor.key) + Op.string("cpu")
                + Op.int(tensor.numel) + Op.tuple + Op.binPersId
            bytes += Op.int(tensor.offset) + Op.ints(tensor.shape) + Op.ints(tensor.stride) + Op.newFalse + Op.emptyDict + Op.tuple + Op.reduce
        }
        return bytes + Op.setItems + Op.stop
    }

    /// A torch file: `archive/data.pkl` = `pickle`, `archive/byteorder`, and `storages` as `archive/data/<key>`.
    static func file(pickle: [UInt8], storages: [String: [UInt8]], byteorder: String = "little", zip64: Bool = false) -> [UInt8] {
        zip([("archive/data.pkl", pickle), ("archive/byteorder", Array(byteorder.utf8))]
            + storages.sorted { $0.key < $1.key }.map { ("archive/data/\($0.key)", $0.value) }, zip64: zip64)
    }

    /// `count` little-endian F32 values 0, 1, 2, ….
    static func floats(_ count: Int) -> [UInt8] {
        (0..<count).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian) { Array($0) } }
    }
}
