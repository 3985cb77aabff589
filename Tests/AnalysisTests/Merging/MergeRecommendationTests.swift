import Testing
@testable import Analysis

/// The default merge and how `--emit-mergekit` points to it.
struct MergeRecommendationTests {
    @Test func isoCForFullFineTunesTSVForLoRA() {
        let full = MergeRecommendation.recommended(kinds: [.full, .full])
        #expect(full.method == .isoC && full.coefficient == 3)
        #expect(MergeRecommendation.recommended(kinds: [.full, .lora]).coefficient == 3)
        let lora = MergeRecommendation.recommended(kinds: [.lora, .lora, .lora])
        #expect(lora.method == .tsv && lora.coefficient == 0.5)
        #expect(MergeRecommendation.recommended(kinds: [.full, .lora]).method == .isoC)
        #expect(MergeMethod.tsv.defaultCoefficient(allLoRA: false) == 1 && MergeMethod.isoC.defaultCoefficient(allLoRA: true) == 1)
        #expect(full.reason.contains("not a prediction"))
        #expect(MergeMethod.taskArithmetic.defaultCoefficient(allLoRA: true) == 0.3)
        #expect(MergeSettings(method: .isoCTS).coefficient == 3)
    }

    @Test func mergekitCommentsGiveTheExactCommand() {
        let comments = MergekitPlan.recommendationComments(base: "my base", models: ["runs/a", "it's b"], kinds: [.lora, .lora])
        #expect(comments.count == 2)
        #expect(comments[1] == "  smile-inspect merge --base 'my base' --models runs/a 'it'\\''s b' --method tsv --alpha 0.5 --out OUTPUT_DIR")
        #expect(comments[0].hasPrefix("recommended instead: TSV-M, which mergekit does not have"))
        #expect(MergeMethod.isoC.mergekitName == nil && MergeMethod.ties.mergekitName == "ties")
    }
}
