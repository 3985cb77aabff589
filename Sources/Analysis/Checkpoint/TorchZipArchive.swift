/// The entries of the zip container `torch.save` writes (PyTorch ≥ 1.6), found from the central
/// directory, with the byte range of each entry's data in the file.
///
/// Only what torch writes is accepted: stored (uncompressed, method 0), unencrypted entries, one disk,
/// zip64 records when sizes or offsets need them. Entry data may be padded to 64-byte alignment by the
/// local header's extra field; the data offset is read from each local header (30 bytes + name + extra).
/// Every count, size and offset is checked against the file's size before it is used, so a lying
/// directory gives ``CheckpointError/invalidTorchFile(file:reason:)``, never a large allocation. Entry
/// data is not read here, and CRCs are not checked (storages are read lazily by range).
struct TorchZipArchive {
    /// One stored entry: where its bytes are.
    struct Entry: Equatable {
        /// The entry's name, e.g. `archive/data/0`.
        let name: String
        /// Byte range of the entry's data in the file.
        let data: Range<Int>
    }

    /// Entries by name.
    let entries: [String: Entry]

    /// The most entries read (a central directory header is at least 46 bytes, so real files stay far below).
    static let maximumEntryCount = 1 << 20

    /// Reads and validates the central directory of `file`.
    init(file: ReadOnlyFile) throws {
        let path = file.path
        func invalid(_ reason: String) -> CheckpointError { .invalidTorchFile(file: path, reason: reason) }
        let size = try file.size()
        let directory = try Self.centralDirectory(file, size: size, invalid: invalid)
        let bytes = try file.read(count: directory.range.count, at: directory.range.lowerBound, tensor: nil)
        var reader = LittleEndianReader(bytes: bytes)
        var entries = [String: Entry]()
        for index in 0..<directory.count {
            func bad(_ reason: String) -> CheckpointError { invalid("central directory entry \(index): \(reason)") }
            guard let signature = reader.uint32(), signature == 0x0201_4b50 else { throw bad("bad signature") }
            guard reader.skip(4), let flags = reader.uint16(), let method = reader.uint16(), reader.skip(8),
                  let compressed32 = reader.uint32(), let uncompressed32 = reader.uint32(),
                  let nameLength = reader.uint16(), let extraLength = reader.uint16(), let commentLength = reader.uint16(),
                  let disk16 = reader.uint16(), reader.skip(6), let offset32 = reader.uint32(),
                  let nameBytes = reader.bytes(Int(nameLength)), let extra = reader.bytes(Int(extraLength)), reader.skip(Int(commentLength))
            else { throw bad("runs past the end of the central directory") }
            guard let name = String(validating: nameBytes, as: UTF8.self) else { throw bad("name is not UTF-8") }
            func badEntry(_ reason: String) -> CheckpointError { invalid("entry \(CheckpointError.quoted(name)): \(reason)") }
            guard flags & 1 == 0 else { throw badEntry("is encrypted") }
            guard method == 0 else { throw badEntry("is compressed (method \(method)); torch.save stores entries uncompressed") }
            let wide = try Self.zip64Fields(
                extra, uncompressed: uncompressed32, compressed: compressed32, offset: offset32, disk: disk16, invalid: badEntry)
            guard wide.disk == 0 else { throw badEntry("is on disk \(wide.disk); multi-disk archives are not supported") }
            guard wide.compressed == wide.uncompressed else {
                throw badEntry("stored size \(wide.compressed) differs from its size \(wide.uncompressed)")
            }
            let data = try Self.dataRange(
                file, localHeader: wide.offset, name: nameBytes, size: wide.uncompressed, end: directory.range.lowerBound, invalid: badEntry)
            guard entries.updateValue(Entry(name: name, data: data), forKey: name) == nil else { throw badEntry("appears twice") }
        }
        self.entries = entries
    }

    /// Where the central directory is and how many entries it holds, from the end-of-central-directory
    /// record (and its zip64 form when a field is saturated).
    private static func centralDirectory(
        _ file: ReadOnlyFile, size: Int, invalid: (String) -> CheckpointError
    ) throws -> (range: Range<Int>, count: Int) {
        let tailLength = min(size, 22 + 0xFFFF)
        let tail = try file.read(count: tailLength, at: size - tailLength, tensor: nil)
        guard let start = endRecordStart(in: tail) else { throw invalid("no zip end-of-central-directory record") }
        var record = LittleEndianReader(bytes: Array(tail[(start + 4)..<(start + 22)]))
        let disk = record.uint16()!, directoryDisk = record.uint16()!, _ = record.uint16()!
        var count = Int(record.uint16()!)
        var length = Int(record.uint32()!)
        var offset = Int(record.uint32()!)
        let recordOffset = size - tailLength + start
        var directoryEnd = recordOffset
        if count == 0xFFFF || length == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            guard recordOffset >= 76 else { throw invalid("zip64 end-of-central-directory locator is missing") }
            var locator = LittleEndianReader(bytes: try file.read(count: 20, at: recordOffset - 20, tensor: nil))
            guard locator.uint32() == 0x0706_4b50, locator.skip(4), let zip64Offset = locator.uint64(), zip64Offset <= UInt64(recordOffset - 76)
            else { throw invalid("zip64 end-of-central-directory locator is missing or points outside the file") }
            var zip64 = LittleEndianReader(bytes: try file.read(count: 56, at: Int(zip64Offset), tensor: nil))
            guard zip64.uint32() == 0x0606_4b50, zip64.skip(20), zip64.uint64() != nil, let total = zip64.uint64(),
                  let wideLength = zip64.uint64(), let wideOffset = zip64.uint64(),
                  total <= UInt64(maximumEntryCount), wideLength <= UInt64(size), wideOffset <= UInt64(size)
            else { throw invalid("zip64 end-of-central-directory record is malformed") }
            (count, length, offset) = (Int(total), Int(wideLength), Int(wideOffset))
            directoryEnd = Int(zip64Offset)
        }
        guard disk == 0 || disk == 0xFFFF, directoryDisk == 0 || directoryDisk == 0xFFFF else {
            throw invalid("multi-disk archives are not supported")
        }
        guard offset <= directoryEnd, length <= directoryEnd - offset else {
            throw invalid("central directory [\(offset), \(offset + length)) runs past its end record at \(directoryEnd)")
        }
        guard count <= length / 46, count <= Self.maximumEntryCount else {
            throw invalid("\(count) entries cannot fit in a \(length)-byte central directory")
        }
        return (offset..<(offset + length), count)
    }

    /// The position in `tail` (the file's last bytes) of the end-of-central-directory record whose
    /// comment ends exactly at the end of the file, searching from the end.
    private static func endRecordStart(in tail: [UInt8]) -> Int? {
        guard tail.count >= 22 else { return nil }
        for position in stride(from: tail.count - 22, through: 0, by: -1) {
            guard tail[position] == 0x50, tail[position + 1] == 0x4b, tail[position + 2] == 5, tail[position + 3] == 6 else { continue }
            let commentLength = Int(tail[position + 20]) | Int(tail[position + 21]) << 8
            if position + 22 + commentLength == tail.count { return position }
        }
        return nil
    }

    /// The sizes, offset and disk of an entry: the 32-bit (16-bit) fields, or the zip64 extra field's
    /// values for those that are saturated, in the order the zip specification lists them.
    private static func zip64Fields(
        _ extra: [UInt8], uncompressed: UInt32, compressed: UInt32, offset: UInt32, disk: UInt16, invalid: (String) -> CheckpointError
    ) throws -> (uncompressed: Int, compressed: Int, offset: Int, disk: Int) {
        var result = (uncompressed: Int(uncompressed), compressed: Int(compressed), offset: Int(offset), disk: Int(disk))
        guard uncompressed == 0xFFFF_FFFF || compressed == 0xFFFF_FFFF || offset == 0xFFFF_FFFF || disk == 0xFFFF else { return result }
        var fields = LittleEndianReader(bytes: extra)
        while let id = fields.uint16(), let length = fields.uint16() {
            guard let body = fields.bytes(Int(length)) else { break }
            guard id == 0x0001 else { continue }
            var values = LittleEndianReader(bytes: body)
            func wide() throws -> Int {
                guard let value = values.uint64(), value <= UInt64(Int.max) else { throw invalid("zip64 extra field is too short") }
                return Int(value)
            }
            if uncompressed == 0xFFFF_FFFF { result.uncompressed = try wide() }
            if compressed == 0xFFFF_FFFF { result.compressed = try wide() }
            if offset == 0xFFFF_FFFF { result.offset = try wide() }
            if disk == 0xFFFF {
                guard let value = values.uint32() else { throw invalid("zip64 extra field is too short") }
                result.disk = Int(value)
            }
            return result
        }
        throw invalid("sizes or offset need a zip64 extra field, which is missing")
    }

    /// The data range of the entry whose local header is at `offset`: checked to hold the same name and
    /// to end at or before `end` (the central directory's start).
    private static func dataRange(
        _ file: ReadOnlyFile, localHeader offset: Int, name: [UInt8], size: Int, end: Int, invalid: (String) -> CheckpointError
    ) throws -> Range<Int> {
        guard offset <= end - 30 else { throw invalid("local header at \(offset) is past the central directory at \(end)") }
        var header = LittleEndianReader(bytes: try file.read(count: 30, at: offset, tensor: nil))
        guard header.uint32() == 0x0403_4b50, header.skip(22), let nameLength = header.uint16(), let extraLength = header.uint16() else {
            throw invalid("no local header at \(offset)")
        }
        let start = offset + 30 + Int(nameLength) + Int(extraLength)
        guard Int(nameLength) == name.count, start <= end, size <= end - start else {
            throw invalid("data [\(start), \(start + size)) runs past the central directory at \(end)")
        }
        guard try file.read(count: name.count, at: offset + 30, tensor: nil) == name else {
            throw invalid("local header at \(offset) names another entry")
        }
        return start..<(start + size)
    }
}

/// Reads little-endian integers and byte runs from a buffer; every read returns nil rather than
/// running past the end.
struct LittleEndianReader {
    let bytes: [UInt8]
    private(set) var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Bytes left.
    var remaining: Int { bytes.count - position }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= remaining else { return false }
        position += count
        return true
    }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= remaining else { return nil }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    mutating func uint8() -> UInt8? { integer(UInt8.self) }
    mutating func uint16() -> UInt16? { integer(UInt16.self) }
    mutating func uint32() -> UInt32? { integer(UInt32.self) }
    mutating func uint64() -> UInt64? { integer(UInt64.self) }

    private mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { return nil }
        var value: T = 0
        for index in 0..<size { value |= T(bytes[position + index]) << (8 * index) }
        position += size
        return value
    }
}
