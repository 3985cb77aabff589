import Foundation
import Testing

/// Every JSON document the commands write is documented in docs/json.md, key by key, and every
/// documented field is written by some command on the demo family.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct JSONContractTests {
    /// (root object in docs/json.md, the document) for every command's JSON on the demo family.
    static func documents() throws -> [(root: String, name: String, json: Any)] {
        let demo = try DemoFamilyRun.shared.get()
        let models = ["alpha", "beta", "gamma"].map(demo.model)
        let family = ["--base", demo.base, "--models"] + models
        let out = try TestPaths.temporaryDirectory()
        let ties = out.appendingPathComponent("ties.yml")
        let entries = ["alpha", "gamma"].map { "  - model: \(demo.model($0))\n    parameters: {weight: 0.6, density: 0.4}\n" }.joined()
        try ("merge_method: ties\nbase_model: \(demo.base)\nmodels:\n" + entries)
            .write(to: ties, atomically: true, encoding: .utf8)
        let checked = try CheckCommandTests.family.get()
        let runs: [(String, String, [String])] = [
            ("CheckDocument", "check", ["check"] + family + ["--format", "json"]),
            ("CheckDocument", "check tokenizers", ["check", "--base", checked.path("base"), "--models", checked.path("template"), checked.path("short"), "--format", "json"]),
            ("LayerDocument", "layer", ["layer"] + family + ["--layer", "layer.0.attention.self.query", "--low-fraction", "0.9", "--format", "json"]),
            ("ModelDocument", "model", ["model"] + family + ["--format", "json", "--quiet"]),
            ("MergeableDocument", "mergeable", ["mergeable"] + family + ["--format", "json", "--quiet"]),
            ("MergeableDocument", "mergeable --plan", ["mergeable"] + family + ["--plan", "--format", "json", "--quiet"]),
            ("ModelDocument", "model --mergekit", ["model", "--mergekit", ties.path, "--format", "json", "--quiet"]),
            ("MergeableDocument", "mergeable --mergekit", ["mergeable", "--mergekit", ties.path, "--format", "json", "--quiet"]),
            ("UpscaleDocument", "upscale", ["upscale"] + family + ["--out", out.appendingPathComponent("moe").path, "--format", "json", "--quiet", "--probe-samples", "4"]),
            ("MergeDocument", "merge", ["merge"] + family + ["--out", out.appendingPathComponent("merged").path, "--format", "json", "--quiet"]),
            ("ListDocument", "list checkpoint", ["list", demo.base, "--format", "json"]),
            ("ListDocument", "list adapter", ["list", demo.model("beta"), "--format", "json"]),
        ]
        var documents = try runs.map { root, name, arguments -> (String, String, Any) in
            let run = try CommandRunner.run(arguments)
            #expect([0, 1, 2].contains(run.status), "\(name): \(run.stderr)")
            return (root, name, try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)))
        }
        let report = try Data(contentsOf: demo.directory.appendingPathComponent("report.json"))
        documents.append(("ModelDocument", "demo report.json", try JSONSerialization.jsonObject(with: report)))
        return documents
    }

    static func contract() throws -> JSONContract {
        JSONContract(markdown: try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("docs/json.md"), encoding: .utf8))
    }

    @Test func everyKeyWrittenIsDocumentedAndEveryDocumentedFieldIsWritten() throws {
        let contract = try Self.contract()
        var seen = Set<String>()
        let documents = try Self.documents()
        for document in documents {
            let undocumented = contract.check(document.json, as: document.root, seen: &seen)
            #expect(undocumented.isEmpty, """
                \(document.name) writes \(undocumented.count) key path(s) that docs/json.md does not document; \
                add a row (field, type, meaning with formula, unit) to the named object's table:
                \(undocumented.joined(separator: "\n"))
                """)
        }
        let missing = contract.neverWritten(from: Set(documents.map(\.root)).sorted(), seen: seen)
        #expect(missing.isEmpty, "documented in docs/json.md but written by no command (mark optional fields \"or absent\"): \(missing.joined(separator: ", "))")
    }

    @Test func everyDocumentHasTheSchemaVersionAndItsCommand() throws {
        for document in try Self.documents() {
            let object = try #require(document.json as? [String: Any], "\(document.name) is not an object")
            #expect(object["schemaVersion"] as? Int == 1, "\(document.name)")
            #expect((object["command"] as? String).map { document.name.hasPrefix($0) || $0 == "model" } == true, "\(document.name)")
        }
    }

    @Test func perTaskScalarsAgreeWithTheMapsTheyDeriveFrom() throws {
        let model = try #require(try Self.documents().first { $0.name == "model" }?.json as? [String: Any])
        let layers = try #require(model["layers"] as? [[String: Any]])
        #expect(!layers.isEmpty)
        for layer in layers {
            for task in try #require(layer["tasks"] as? [[String: Any]]) {
                let map = try #require((task["energy"] as? [String: Any])?["energy"] as? [[Double]])
                let eI = try #require(task["E_I"] as? Double), eII = try #require(task["E_II"] as? Double)
                let rest = try #require(task["E_II_III"] as? Double), cross = try #require(task["topCross"] as? Double)
                #expect(abs(eI - map[0][0]) < 1e-12 && abs(eII - map[1][1]) < 1e-12)
                #expect(abs(rest - (map[1][1] + map[1][2] + map[2][1] + map[2][2])) < 1e-9)
                #expect(abs(cross - (map[0][1] + map[0][2] + map[1][0] + map[2][0])) < 1e-9)
                if (task["deltaNorm"] as? Double ?? 0) > 0 { #expect(abs(eI + cross + rest - 1) < 1e-6, "blocks are clamped at 0 after round-off") }
                let spectrum = try #require(task["spectrum"] as? [String: Any])
                #expect(task["rank90"] as? Int == spectrum["effectiveRank90"] as? Int && task["rank99"] as? Int == spectrum["effectiveRank99"] as? Int)
                #expect(task["relativeNorm"] as? Double == spectrum["relativeNorm"] as? Double)
            }
        }
        let summary = try #require(model["summary"] as? [String: Any])
        let totals = try #require(model["taskTotals"] as? [[String: Any]])
        let top = try #require(summary["topEnergy"] as? [Double]), rest = try #require(summary["middlePlusTailEnergy"] as? [Double])
        for (i, total) in totals.enumerated() {
            #expect(abs((total["E_I"] as? Double ?? -1) - top[i]) < 1e-12)
            #expect(abs((total["E_II_III"] as? Double ?? -1) - rest[i]) < 1e-12)
            #expect(total["layers"] as? Int == layers.count)
        }
    }

    @Test func theContractParserReportsUndocumentedKeysWithTheirPaths() throws {
        let contract = try Self.contract()
        var seen = Set<String>()
        let bogus: [String: Any] = ["schemaVersion": 1, "command": "layer", "tasks": [["task": "a", "novelScalar": 1.0]], "surprise": ["x": 1]]
        let undocumented = contract.check(bogus, as: "LayerDocument", seen: &seen)
        #expect(undocumented == ["surprise (in LayerDocument)", "tasks[].novelScalar (in LayerAnalysis.TaskResult)"])
    }
}
