import Testing
@testable import Analysis

/// Record file names are safe for any tensor name and distinct for distinct names; FNV-1a matches its
/// published test vectors.
@Suite struct RecordFileNameTests {
    @Test func anyNameGivesOneSafeFileName() {
        let names = ["model.layers.0.mlp.down_proj.weight", "a/b", "../x", ".hidden", "..", "a b", "ünïcode", "%41", "A", "",
                     String(repeating: "very.long.name.", count: 40), String(repeating: "very.long.name.", count: 40) + "x"]
        let files = names.map(RecordFileName.forTensor)
        #expect(Set(files).count == names.count)
        for file in files {
            #expect(!file.contains("/") && !file.hasPrefix(".") && file.hasSuffix(".json") && file.utf8.count <= 255, "\(file)")
        }
        #expect(files[0] == "model.layers.0.mlp.down_proj.weight.json")
        #expect(files[1] == "a%2Fb.json" && files[2] == "%2E.%2Fx.json" && files[7] == "%2541.json")
    }

    @Test func fnv1aMatchesItsTestVectors() {
        for (text, hash) in [("", "cbf29ce484222325"), ("a", "af63dc4c8601ec8c"), ("foobar", "85944171f73967e8")] {
            var hasher = FNV1a()
            hasher.add(text)
            #expect(hasher.hex == hash)
        }
    }

    @Test func fingerprintSamplesSixteenBlocksOfLargeTensors() {
        #expect(ContentFingerprint.sampledRanges(byteCount: 100) == [0..<100])
        let ranges = ContentFingerprint.sampledRanges(byteCount: 1 << 24)
        #expect(ranges.count == 16 && ranges.first == 0..<4096 && ranges.last == ((1 << 24) - 4096)..<(1 << 24))
        let a = ContentFingerprint.fingerprint(byteCount: 8, blocks: [[1, 2, 3, 4, 5, 6, 7, 8]])
        #expect(a != ContentFingerprint.fingerprint(byteCount: 8, blocks: [[1, 2, 3, 4, 5, 6, 7, 9]]))
        #expect(a.count == 16)
    }
}
