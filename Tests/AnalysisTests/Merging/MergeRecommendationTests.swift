import Testing
@testable import Analysis

/// The default merge and how `--emit-mergekit` points to it.
struct MergeRecommendationTests {
    @Test func isoCWithTheCoefficientOfTheInputKind() {
        let full = MergeRecommendation.recommended(kinds: [.full, .full])
        #expect(full.method == .isoC && full.coefficient == 3)
        #expect(MergeRecommendation.recommended(kinds: [.full, .lora]).coefficient == 3)
        let lora = MergeRecommendation.recommended(kinds: [.lora, .lora, .lora])
        #expect(lora.method == .isoC && lora.coefficient == 1)
        #expect(full.reason.contains("not a prediction"))
        #expect(MergeMethod.taskArithmetic.defaultCoefficient(allLoRA: true) == 0.3)
        #expect(MergeSettings(method: .isoCTS).coefficient == 3)
    }

    @Test func mergekitCommentsGiveTheExactCommand() {
        let comments = MergekitPlan.recommendationComments(base: "my base", models: ["runs/a", "it's b"], kinds: [.lora, .lora])
        #expect(comments.count == 2)
        #expect(comments[1] == "  smile-inspect merge --base 'my base' --models runs/a 'it'\\''s b' --method iso-c --alpha 1.0 --out OUTPUT_DIR")
        #expect(MergeMethod.isoC.mergekitName == nil && MergeMethod.ties.mergekitName == "ties")
    }
}
