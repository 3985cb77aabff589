import Foundation

/// How a model's tokenizer relates to the base's, read from their files (see ``TokenizerFiles``).
///
/// - **identical**: the same token → id map and, for BPE, the same merges in the same order.
/// - **superset**: every base token keeps its id, the merges are the same, and the model has more tokens
///   (``addedIds``); each needs an embedding row (``embeddingRows``, the model's token-embedding rows),
///   and rows beyond the base's change the embedding's shape.
/// - **different**: anything else. ``sharedShare`` = #{base tokens with the same id in the model} / #base
///   tokens; ``firstDifferingIds`` are the smallest ids whose token differs (or is absent on one side).
///
/// Special tokens (content and id per role) and chat templates are compared beside the relation.
public struct TokenizerComparison: Codable, Sendable, Equatable {
    /// The vocabulary relation.
    public enum Relation: String, Codable, Sendable {
        case identical, superset, different
    }

    /// An id whose token differs.
    public struct DifferingId: Codable, Sendable, Equatable {
        public var id: Int
        /// The base's token at that id, nil when it has none.
        public var base: String?
        /// The model's token at that id, nil when it has none.
        public var model: String?
    }

    /// A special-token role whose token or id differs.
    public struct SpecialToken: Codable, Sendable, Equatable {
        /// `bos_token`, `eos_token`, …
        public var role: String
        /// The base's token with its id, e.g. `</s> (2)`; nil when unset.
        public var base: String?
        /// The model's.
        public var model: String?
    }

    public var relation: Relation
    /// Tokenizer kinds (`BPE`, `WordPiece`, …) of the base and the model.
    public var baseKind: String
    public var modelKind: String
    /// Vocabulary sizes, added tokens included.
    public var baseSize: Int
    public var modelSize: Int
    /// The model's token ids absent from the base, ascending (first 100).
    public var addedIds: [Int]
    /// Their tokens, in the same order.
    public var addedTokens: [String]
    /// Rows of the model's token-embedding tensor; nil when none was found.
    public var embeddingRows: Int?
    /// Added ids (of all, not only the first 100) with no embedding row: id ≥ ``embeddingRows``.
    public var idsWithoutEmbeddingRow: [Int]
    /// #{base tokens with the same id in the model} / #base tokens.
    public var sharedShare: Double
    /// The first (up to 5) ids whose token differs.
    public var firstDifferingIds: [DifferingId]
    /// BPE merges identical (nil unless both are BPE).
    public var mergesIdentical: Bool?
    /// Roles whose special token differs.
    public var specialTokens: [SpecialToken]
    /// Chat templates identical; nil when neither has one.
    public var chatTemplateIdentical: Bool?

    /// Compares `model`'s tokenizer with `base`'s; `embeddingRows` is the model's token-embedding row count.
    static func compare(base: TokenizerFiles, model: TokenizerFiles, embeddingRows: Int?) -> TokenizerComparison {
        var sameId = 0
        for (token, id) in base.vocabulary where model.vocabulary[token] == id { sameId += 1 }
        let baseById = Dictionary(base.vocabulary.map { ($1, $0) }, uniquingKeysWith: min)
        let modelById = Dictionary(model.vocabulary.map { ($1, $0) }, uniquingKeysWith: min)
        let added = modelById.keys.filter { baseById[$0] == nil }.sorted()
        let differing = Set(baseById.keys).union(modelById.keys).filter { baseById[$0] != modelById[$0] }.sorted().prefix(5)
        let mergesIdentical = base.merges != nil && model.merges != nil ? base.merges == model.merges : nil
        let sameBytes = base.sentencePiece == model.sentencePiece
        let relation: Relation
        if sameId == base.vocabulary.count && mergesIdentical != false && sameBytes && base.kind == model.kind {
            relation = model.vocabulary.count == base.vocabulary.count ? .identical : .superset
        } else {
            relation = .different
        }
        let specials = TokenizerFiles.specialRoles.compactMap { role -> SpecialToken? in
            let (b, m) = (base.special(role), model.special(role))
            return b == m ? nil : SpecialToken(role: role, base: b, model: m)
        }
        let templates = base.chatTemplate == nil && model.chatTemplate == nil ? nil : base.chatTemplate?.text == model.chatTemplate?.text
        return TokenizerComparison(
            relation: relation, baseKind: base.kind, modelKind: model.kind, baseSize: base.vocabulary.count, modelSize: model.vocabulary.count,
            addedIds: Array(added.prefix(100)), addedTokens: added.prefix(100).map { modelById[$0]! }, embeddingRows: embeddingRows,
            idsWithoutEmbeddingRow: embeddingRows.map { rows in added.filter { $0 >= rows } } ?? [],
            sharedShare: base.vocabulary.isEmpty ? 1 : Double(sameId) / Double(base.vocabulary.count),
            firstDifferingIds: differing.map { DifferingId(id: $0, base: baseById[$0], model: modelById[$0]) },
            mergesIdentical: mergesIdentical, specialTokens: specials, chatTemplateIdentical: templates)
    }

    /// The findings this comparison stands for; `file` is the model's vocabulary file, `template` its
    /// chat template's file.
    func findings(model: TokenizerFiles) -> [CompatibilityFinding] {
        let file = model.vocabularyFile
        var findings = [CompatibilityFinding]()
        switch relation {
        case .identical: break
        case .superset:
            let tokens = zip(addedIds, addedTokens).prefix(5).map { "\($0) \(CheckpointError.quoted($1))" }.joined(separator: ", ")
            let rows = embeddingRows.map { rows in
                idsWithoutEmbeddingRow.isEmpty ? "each has an embedding row (\(rows) rows)"
                    : "\(idsWithoutEmbeddingRow.count) of them (from id \(idsWithoutEmbeddingRow[0])) have no embedding row (\(rows) rows)"
            } ?? "no token-embedding tensor was found to check their rows"
            findings.append(CompatibilityFinding(.warning, .tokenizer, key: "added_tokens", base: String(baseSize), model: String(modelSize), file: file,
                message: "the tokenizer extends the base's with \(modelSize - baseSize) token(s) (\(tokens)\(modelSize - baseSize > 5 ? ", …" : "")); \(rows); other models have no trained rows for them"))
        case .different:
            let first = firstDifferingIds.first.map { d in
                "; first differing id \(d.id): \(d.base.map(CheckpointError.quoted) ?? "none") in the base, \(d.model.map(CheckpointError.quoted) ?? "none") here"
            } ?? ""
            let onlyMerges = baseKind == modelKind && mergesIdentical == false && sharedShare == 1 && baseSize == modelSize
            let what = baseKind != modelKind ? "a \(modelKind) tokenizer where the base has \(baseKind)"
                : onlyMerges ? "the same vocabulary with other BPE merges, so text is split into other tokens"
                : baseKind == "SentencePiece" ? "another tokenizer.model (the files differ)"
                : "another vocabulary: \(Self.percent(sharedShare)) of the base's \(baseSize) tokens keep their id (\(modelSize) tokens here)\(first)"
            findings.append(CompatibilityFinding(.warning, .tokenizer, key: onlyMerges ? "merges" : "vocabulary",
                base: String(baseSize), model: String(modelSize), file: file,
                message: "\(what); merged embedding rows and outputs would mix different tokens"))
        }
        for special in specialTokens {
            findings.append(CompatibilityFinding(.warning, .tokenizer, key: special.role, base: special.base, model: special.model, file: file,
                message: "\(special.role) is \(special.model ?? "unset") here but \(special.base ?? "unset") in the base"))
        }
        if chatTemplateIdentical == false {
            let where_ = model.chatTemplate?.file ?? file
            let what = model.chatTemplate == nil ? "the model has no chat template but the base has one" : "the chat template differs from the base's"
            findings.append(CompatibilityFinding(.warning, .chatTemplate, key: "chat_template", file: where_,
                message: "\(what): the fine-tunes were trained on other prompt formats"))
        }
        return findings
    }

    private static func percent(_ share: Double) -> String {
        share == 1 ? "100%" : share > 0.999 ? ">99.9%" : String(format: "%.1f%%", share * 100)
    }
}
