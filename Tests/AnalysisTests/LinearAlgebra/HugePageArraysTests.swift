import Foundation
import Testing
@testable import Analysis

/// Large buffers are the same arrays, advised onto transparent huge pages where the kernel offers them.
@Suite struct HugePageArraysTests {
    @Test func buffersHoldWhatWasWritten() {
        for count in [0, 7, HugePageArrays.threshold / 4 + 3] {
            let zeros: [Float] = HugePageArrays.zeros(count)
            #expect(zeros.count == count && zeros.allSatisfy { $0 == 0 })
            let ramp: [Double] = HugePageArrays.filled(count) { buffer in
                for i in buffer.indices { buffer.initializeElement(at: i, to: Double(i)) }
            }
            #expect(ramp.count == count && ramp.enumerated().allSatisfy { Double($0.offset) == $0.element })
        }
        let m = MatrixF(zeros: 1024, 1025)
        #expect(m.elements.allSatisfy { $0 == 0 })
        let d = MatrixF(rows: 2, columns: 2, elements: [1, -2, 3.5, 4]).converted(to: Double.self)
        #expect(d.elements == [1, -2, 3.5, 4])
    }

    /// With THP available (`enabled` not `[never]`), the mapping holding a large zero matrix carries the
    /// kernel's "hg" flag (MADV_HUGEPAGE) in /proc/self/smaps; a small one is not advised.
    @Test(.enabled(if: HugePageArraysTests.transparentHugePagesOffered))
    func largeBuffersAreAdvised() throws {
        let large = MatrixF(zeros: 2048, 2048)  // 16 MiB
        let flags = try large.elements.withUnsafeBufferPointer { try Self.vmFlags(containing: UInt(bitPattern: $0.baseAddress! + 1 << 20)) }
        #expect(flags.contains("hg"), "VmFlags: \(flags)")
    }

    static var transparentHugePagesOffered: Bool {
        guard let mode = try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8) else { return false }
        return !mode.contains("[never]")
    }

    /// The VmFlags of the /proc/self/smaps entry whose range holds `address`.
    static func vmFlags(containing address: UInt) throws -> [String] {
        // Read to the end: /proc files report size 0, so a sized read would see nothing.
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps"))
        defer { try? handle.close() }
        let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
                let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
                inside = bounds.count == 2 && bounds[0] <= address && address < bounds[1]
            } else if inside, fields.first == "VmFlags:" {
                return fields.dropFirst().map(String.init)
            }
        }
        return []
    }
}
