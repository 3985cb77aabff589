/// The file name of a tensor's record inside `records/`: safe on every file system for any tensor name.
///
/// Bytes of the UTF-8 name in `[A-Za-z0-9_.-]` are kept (a leading `.` is escaped, so no name is hidden
/// or `..`), every other byte becomes `%XX` (uppercase hex), and `.json` is appended. Names whose escaped
/// form exceeds ``maximumStemLength`` keep its first 150 characters followed by `~` and the FNV-1a hash of
/// the whole name. Distinct names give distinct files (up to a 64-bit hash collision among long names,
/// which the tensor name stored inside every record exposes: such a file is read as missing).
enum RecordFileName {
    /// Longest escaped stem kept whole (file systems allow 255 bytes per name).
    static let maximumStemLength = 200

    static func forTensor(_ name: String) -> String {
        var stem = ""
        for (offset, byte) in name.utf8.enumerated() {
            let safe = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2D || (byte == 0x2E && offset > 0)
            if safe {
                stem.append(Character(Unicode.Scalar(byte)))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                stem += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        if stem.isEmpty { stem = "%" }
        if stem.utf8.count > maximumStemLength {
            var hasher = FNV1a()
            hasher.add(name)
            stem = String(stem.prefix(150)) + "~" + hasher.hex
        }
        return stem + ".json"
    }
}
