/// A cheap fingerprint of a tensor's stored bytes: FNV-1a (64-bit) over its byte count and up to
/// ``blockCount`` blocks of ``blockSize`` bytes sampled at evenly spaced offsets (the whole tensor when it
/// is at most `blockCount · blockSize` bytes).
///
/// It detects a file replaced by another checkpoint or a re-saved fine-tune, not an edit confined to the
/// unsampled bytes: it is a guard against mixing runs, not a cryptographic hash. FNV-1a: h₀ =
/// 0xcbf29ce484222325, hᵢ₊₁ = (hᵢ XOR byte) · 0x100000001b3 mod 2⁶⁴. Written as 16 lowercase hex digits.
public enum ContentFingerprint {
    /// Blocks sampled per tensor.
    public static let blockCount = 16
    /// Bytes per sampled block.
    public static let blockSize = 4096

    /// The byte ranges (relative to the tensor's first byte) read for a tensor of `byteCount` bytes: one
    /// range covering everything when small, else `blockCount` blocks starting at ⌊i·(byteCount − blockSize)/(blockCount − 1)⌋.
    public static func sampledRanges(byteCount: Int) -> [Range<Int>] {
        guard byteCount > blockCount * blockSize else { return byteCount > 0 ? [0..<byteCount] : [] }
        let last = byteCount - blockSize
        return (0..<blockCount).map { i in
            let start = last * i / (blockCount - 1)
            return start..<(start + blockSize)
        }
    }

    /// The fingerprint of `byteCount` bytes whose sampled blocks (``sampledRanges(byteCount:)``, in order)
    /// are `blocks`.
    public static func fingerprint(byteCount: Int, blocks: [[UInt8]]) -> String {
        var hasher = FNV1a()
        withUnsafeBytes(of: UInt64(byteCount).littleEndian) { hasher.add($0) }
        for block in blocks { block.withUnsafeBytes { hasher.add($0) } }
        return hasher.hex
    }
}

/// The 64-bit FNV-1a hash (Fowler–Noll–Vo), fed incrementally.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
    }

    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    /// 16 lowercase hex digits.
    var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
