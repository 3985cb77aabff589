import Foundation
import Testing
@testable import Analysis

/// ``CompatibilityCheck`` on tokenizers and configs written by the Hugging Face `tokenizers` /
/// `transformers` libraries (`reference/tokenizer_fixtures.py`): every relation, share, id list and
/// comparison flag agrees with what those libraries reported (`expected.json`), and each difference gets
/// the severity the issue asks for.
struct CompatibilityTokenizerTests {
    private func check(_ variant: String, tensors: [String: Tensor] = CompatibilityFamily.llamaTensors(seed: 7)) throws -> ModelCompatibility {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = try CompatibilityFamily.model("base", in: directory)
        let model = try CompatibilityFamily.model(variant, in: directory, as: "model-\(variant)", tensors: tensors)
        let report = try CompatibilityCheck.run(base: base.path, models: [model.path])
        #expect(report.notes.isEmpty)
        return report.models[0]
    }

    private func keys(_ model: ModelCompatibility, _ severity: CompatibilitySeverity) -> Set<String> {
        Set(model.findings.filter { $0.severity == severity }.map(\.key))
    }

    @Test(arguments: ["base", "added", "merges", "template", "other", "rope"])
    func tokenizerComparisonAgreesWithTheHuggingFaceLibraries(_ variant: String) throws {
        let expected = try CompatibilityFamily.expected(variant)
        let tokenizer = try #require(try check(variant).tokenizer)
        #expect(tokenizer.baseSize == 300 && tokenizer.modelSize == expected["size"] as! Int)
        #expect(abs(tokenizer.sharedShare - (expected["sharedShare"] as! Double)) < 1e-12)
        #expect(tokenizer.addedIds == expected["addedIds"] as! [Int])
        #expect(tokenizer.firstDifferingIds.map(\.id) == expected["firstDifferingIds"] as! [Int])
        #expect(tokenizer.mergesIdentical == expected["mergesIdentical"] as? Bool)
        #expect(tokenizer.chatTemplateIdentical == expected["chatTemplateIdentical"] as? Bool)
        let relation: TokenizerComparison.Relation = (expected["addedIds"] as! [Int]).isEmpty
            ? (expected["mergesIdentical"] as! Bool && (expected["sharedShare"] as! Double) == 1 ? .identical : .different) : .superset
        #expect(tokenizer.relation == relation)
        #expect(tokenizer.baseKind == "BPE" && tokenizer.modelKind == "BPE")
    }

    @Test func anIdenticalModelIsCompatibleWithoutFindings() throws {
        let model = try check("base")
        #expect(model.status == .compatible)
        #expect(model.findings.isEmpty, "\(model.findings.map(\.line))")
    }

    @Test func otherMergesAreAWarningAboutMerges() throws {
        let model = try check("merges")
        #expect(model.status == .warnings)
        #expect(keys(model, .warning) == ["merges"])
        #expect(model.findings.first { $0.key == "merges" }!.file.hasSuffix("model-merges/tokenizer.json"))
    }

    @Test func anotherChatTemplateIsAWarningNamingItsFile() throws {
        let model = try check("template")
        #expect(keys(model, .warning) == ["chat_template"])
        let finding = model.findings.first { $0.key == "chat_template" }!
        #expect(finding.aspect == .chatTemplate && finding.file.hasSuffix("model-template/chat_template.jinja"))
    }

    @Test func anotherVocabularyIsAWarningWithItsFirstDifferingId() throws {
        let model = try check("other")
        #expect(keys(model, .warning) == ["vocabulary"])
        let tokenizer = try #require(model.tokenizer)
        let first = try #require(tokenizer.firstDifferingIds.first)
        #expect(first.base != first.model && first.base != nil)
        #expect(model.findings[0].message.contains("first differing id \(first.id)"))
    }

    @Test func addedTokensWithoutEmbeddingRowsAreAWarningNamingTheIds() throws {
        let model = try check("added")
        #expect(model.status == .warnings)
        let tokenizer = try #require(model.tokenizer)
        #expect(tokenizer.embeddingRows == 300 && tokenizer.idsWithoutEmbeddingRow == [300, 301])
        #expect(tokenizer.addedTokens == ["<tool>", "</tool>"])
        #expect(keys(model, .warning) == ["added_tokens"])
        #expect(model.findings[0].message.contains("2 of them (from id 300) have no embedding row"))
    }

    @Test func addedTokensWithResizedEmbeddingsMakeTheEmbeddingsIncompatible() throws {
        let model = try check("added", tensors: CompatibilityFamily.llamaTensors(vocab: 302, seed: 7))
        #expect(model.status == .incompatible)
        #expect(model.tokenizer?.idsWithoutEmbeddingRow == [])
        #expect(keys(model, .incompatible) == ["model.embed_tokens.weight", "lm_head.weight"])
        let embed = model.findings.first { $0.key == "model.embed_tokens.weight" }!
        #expect(embed.base == "[300, 64]" && embed.model == "[302, 64]" && embed.file.hasSuffix("model.safetensors"))
    }

    @Test func ropeScalingAndThetaAreWarnings() throws {
        let model = try check("rope")
        #expect(keys(model, .warning) == ["rope_theta", "rope_scaling"])
        let theta = model.findings.first { $0.key == "rope_theta" }!
        #expect(theta.base == "10000" && theta.model == "500000" && theta.file.hasSuffix("model-rope/config.json"))
        #expect(model.findings.first { $0.key == "rope_scaling" }!.model!.contains("\"rope_type\":\"llama3\""))
    }

    @Test func missingLayersAreIncompatibleAndSummarised() throws {
        let model = try check("base", tensors: CompatibilityFamily.llamaTensors(layers: 1, seed: 7))
        #expect(model.status == .incompatible)
        let missing = try #require(model.findings.first { $0.severity == .incompatible })
        #expect(missing.message.hasPrefix("9 of the base's 21 tensors are missing (layer 1)"))
    }
}
