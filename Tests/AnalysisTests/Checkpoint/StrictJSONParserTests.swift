import Testing
@testable import Analysis

/// The strict JSON grammar used for headers and config files.
struct CheckpointStrictJSONParserTests {
    private func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try StrictJSONParser.parse(Array(text.utf8))
    }

    @Test func parsesScalarsContainersAndKeepsMemberOrder() throws {
        let value = try parse(#" { "z": [1, -2.5e3, true, false, null], "a": {"k": "v"} } "#)
        #expect(value.members?.map(\.key) == ["z", "a"])
        #expect(value["z"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(value["a"]?["k"]?.string == "v")
        #expect(value["z"]?.elements?[1].double == -2500)
        #expect(value["z"]?.elements?[1].integer == nil)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try parse(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#).string == "a\"\\/\u{08}\u{0C}\n\r\té😀")
        #expect(try parse("\"é\"").string == "é")
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "-", "1.", "1e", "+1", ".5", "NaN", "Infinity", "'a'", "tru", "nul",
        "\"\\x\"", "\"\\u12G4\"", "\"\\u+123\"", "\"\\ud83d\"", "\"\\ude00\"", "\"a\nb\"", "\"abc", "{\"a\" 1}", "{1: 2}",
        "[1 2]", "1 2", "// c\n1", "\u{0C}1",
    ])
    func rejectsNonStrictJSON(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
    }

    @Test func rejectsDuplicateKeysAtAnyDepth() {
        #expect(throws: JSONSyntaxError.self) { try parse(#"{"a": {"b": 1, "b": 2}}"#) }
        #expect(throws: Never.self) { try parse(#"{"a": {"b": 1}, "c": {"b": 2}}"#) }
    }

    @Test func boundsNesting() {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: Never.self) { try parse(ok) }
        #expect(throws: JSONSyntaxError.self) { try parse(tooDeep) }
    }

    @Test func reportsTheTopLevelKeyBeingParsed() {
        do {
            _ = try parse(#"{"good": 1, "bad": [1, }"#)
            Issue.record("no error")
        } catch {
            #expect(error.topLevelKey == "bad")
        }
    }

    @Test func integersBeyond64BitsAreNotIntegers() throws {
        #expect(try parse("9223372036854775807").integer == Int.max)
        #expect(try parse("9223372036854775808").integer == nil)
    }
}
