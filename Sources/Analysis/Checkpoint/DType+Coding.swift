/// Why a value cannot be stored in a dtype (see ``DType/encode(_:)``).
struct DTypeEncodingFailure: Error {
    /// The rule broken, e.g. `value 2.5 at index 3 is not an integer in I8's range`.
    let reason: String
}

extension DType {
    /// Decodes little-endian elements of this dtype to `Float`. The element count is
    /// `bytes.count / byteSize`; callers pass exactly a tensor's byte range.
    ///
    /// F16, BF16 and F8 are decoded bit by bit (subnormals, ±∞ and NaN included, see ``HalfPrecision``);
    /// integers convert to the nearest `Float`; `BOOL` gives 0 or 1.
    public func decode(_ bytes: UnsafeRawBufferPointer) -> [Float] {
        let count = bytes.count / byteSize
        switch self {
        case .f32:
            #if _endian(little)
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<(count * 4)]))
                initialized = count
            }
            #else
            return Self.map(bytes, count, UInt32.self) { Float(bitPattern: $0) }
            #endif
        case .f64: return Self.map(bytes, count, UInt64.self) { Float(Double(bitPattern: $0)) }
        case .f16: return Self.map(bytes, count, UInt16.self) { HalfPrecision.float(fromHalf: $0) }
        case .bf16: return Self.map(bytes, count, UInt16.self) { HalfPrecision.float(fromBFloat16: $0) }
        case .i64: return Self.map(bytes, count, UInt64.self) { Float(Int64(bitPattern: $0)) }
        case .i32: return Self.map(bytes, count, UInt32.self) { Float(Int32(bitPattern: $0)) }
        case .i16: return Self.map(bytes, count, UInt16.self) { Float(Int16(bitPattern: $0)) }
        case .i8: return Self.map(bytes, count, UInt8.self) { Float(Int8(bitPattern: $0)) }
        case .u8: return Self.map(bytes, count, UInt8.self) { Float($0) }
        case .bool: return Self.map(bytes, count, UInt8.self) { $0 == 0 ? 0 : 1 }
        case .f8E4M3: return Self.map(bytes, count, UInt8.self) { HalfPrecision.float(fromE4M3: $0) }
        case .f8E5M2: return Self.map(bytes, count, UInt8.self) { HalfPrecision.float(fromE5M2: $0) }
        }
    }

    /// Encodes `values` as little-endian elements of this dtype.
    ///
    /// Floats round to nearest, ties to even (F16 overflows to ±∞ like PyTorch's `.half()`); F64 is
    /// exact. Integer dtypes and `BOOL` accept only values they represent exactly (integers in range;
    /// 0 or 1) and fail otherwise rather than silently truncating. The F8 types are read-only.
    func encode(_ values: [Float]) throws(DTypeEncodingFailure) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * byteSize)
        func append<T: FixedWidthInteger>(_ word: T) {
            withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
        }
        func exact<T: FixedWidthInteger>(_ type: T.Type) throws(DTypeEncodingFailure) {
            for (index, value) in values.enumerated() {
                guard let integer = T(exactly: value), self != .bool || integer <= 1 else {
                    throw DTypeEncodingFailure(reason: "value \(value) at index \(index) is not representable in \(rawValue)")
                }
                append(integer)
            }
        }
        switch self {
        case .f64: values.forEach { append(Double($0).bitPattern) }
        case .f32: values.forEach { append($0.bitPattern) }
        case .f16: values.forEach { append(HalfPrecision.half(from: $0)) }
        case .bf16: values.forEach { append(HalfPrecision.bfloat16(from: $0)) }
        case .i64: try exact(Int64.self)
        case .i32: try exact(Int32.self)
        case .i16: try exact(Int16.self)
        case .i8: try exact(Int8.self)
        case .u8, .bool: try exact(UInt8.self)
        case .f8E4M3, .f8E5M2:
            throw DTypeEncodingFailure(reason: "writing \(rawValue) is not supported")
        }
        return bytes
    }

    /// Loads `count` little-endian words of type `Word` and converts each.
    private static func map<Word: FixedWidthInteger>(
        _ bytes: UnsafeRawBufferPointer, _ count: Int, _: Word.Type, _ convert: (Word) -> Float
    ) -> [Float] {
        let stride = MemoryLayout<Word>.size
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                buffer[index] = convert(Word(littleEndian: bytes.loadUnaligned(fromByteOffset: index * stride, as: Word.self)))
            }
            initialized = count
        }
    }
}
