import Foundation
import Testing
@testable import Analysis

/// ``JSONValue/text(indentation:)`` and ``JSONValue/setting(_:_:)``: a config read and rewritten keeps its
/// numbers as written (a float stays a float), its member order and its strings.
@Suite struct JSONValueTextTests {
    @Test func rewritingKeepsNumbersOrderAndStrings() throws {
        let source = #"{"final_logit_softcapping": 30.0, "eps": 1e-06, "big": 123456789012345678901, "name": "a\"b\\c\n\u0001é", "list": [1, [], {}], "flag": false, "none": null, "nested": {"x": -0.5}}"#
        let value = try StrictJSONParser.parse(Array(source.utf8))
        let text = value.text()
        #expect(try StrictJSONParser.parse(Array(text.utf8)) == value)
        #expect(text.contains(#""final_logit_softcapping": 30.0,"#) && text.contains(#""eps": 1e-06,"#) && text.contains("123456789012345678901"))
        #expect(text.contains(#""name": "a\"b\\c\n\u0001é""#))
        #expect(value.members?.map(\.key) == ["final_logit_softcapping", "eps", "big", "name", "list", "flag", "none", "nested"])

        let edited = value.setting("eps", .number("2")).setting("model_type", .string("smile_llama")).setting("none", nil)
        #expect(edited.members?.map(\.key) == ["final_logit_softcapping", "eps", "big", "name", "list", "flag", "nested", "model_type"])
        #expect(edited["eps"] == .number("2") && edited["model_type"]?.string == "smile_llama")
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(edited.text().utf8)) as? [String: Any])
        #expect(decoded["model_type"] as? String == "smile_llama" && decoded["none"] == nil)
    }
}
