import Analysis

/// The verdict in words: the level, the merge it speaks for, every signal with its numbers, the graded
/// score, per-model weights, the layers behind the `layers` signal and the merge plan.
enum VerdictReport {
    static func document(_ verdict: MergeVerdict, title: String) -> ReportDocument {
        var doc = ReportDocument()
        doc.paragraph("\(title): \(label(verdict.level)) — for \(verdict.merge)\(verdict.lambdaStar.map { String(format: " (λ* = %.2f)", $0) } ?? "").")
        if let retention = verdict.retention { doc.paragraph(sentence(retention)) }
        doc.bullets(verdict.signals.map { "[\(label($0.level))] \($0.reason)" })
        return doc
    }

    /// One CSV row per signal of the verdict, then one per pair's own merge (value: its worst residual).
    static func csvTable(_ verdict: MergeVerdict, pairs: [FamilySummary.PairMerge]) -> ReportTable {
        let signals = verdict.signals.map { [verdict.merge, $0.name, $0.level.rawValue, "\($0.value)", $0.subject, $0.reason] }
        let pairRows = pairs.map { pair in
            ["task arithmetic of \(pair.tasks.joined(separator: " + "))", "pair", pair.level.rawValue, "\(pair.worstResidual)", pair.tasks.joined(separator: " + "),
             "λ* = \(pair.lambdaStar.map { "\($0)" } ?? "none"), worst residual \(pair.worstResidual), cosine \(pair.cosine)"]
        }
        var table = ReportTable(headers: ["merge", "signal", "level", "value", "subject", "reason"], rows: signals + pairRows)
        table.alignments = table.headers.map { _ in .left }
        return table
    }

    /// "Expected share of accuracy kept: …" with the band and what it rests on.
    static func sentence(_ r: RetentionEstimate) -> String {
        String(format: "Expected share of accuracy kept: %.2f ± %.2f (data-free estimate from the worst residual %.3f; fitted on 8 measured MiniLM merges with residuals %.2f–%.2f%@).",
               r.expected, r.band, r.worstResidual, RetentionEstimate.calibratedResiduals.lowerBound, RetentionEstimate.calibratedResiduals.upperBound,
               r.extrapolated ? ", so this one is an extrapolation" : "")
    }

    /// λ* and w* side by side with the residuals at both.
    static func weights(_ summary: FamilySummary) -> ReportDocument {
        var doc = ReportDocument()
        guard let weights = summary.weights, let merge = summary.interference?.all, let lambda = merge.lambdaStar else { return doc }
        doc.paragraph(String(format: "Per-model weights (data-free estimates; w* minimises the summed residual%@): Σ L at λ* %.3f, at w* %.3f.",
                             weights.ridge > 0 ? String(format: " with ridge %.3g toward λ*", weights.ridge) : "",
                             merge.residuals.reduce(0, +), weights.residuals.reduce(0, +)))
        doc.table(ReportTable(headers: ["model", "λ*", "L(λ*)", "w*", "L(w*)"], rows: weights.tasks.indices.map { p in
            [summary.taskNames[weights.tasks[p]], Format.fixed(lambda, digits: 3), Format.fixed(merge.residuals[p]), Format.fixed(weights.weights[p]), Format.fixed(weights.residuals[p])]
        }))
        if weights.unseenDirections > 0 {
            doc.paragraph("\(weights.unseenDirections) direction(s) of the weights are not seen by the objective (zero or duplicated updates); w* keeps λ* there.")
        }
        return doc
    }

    /// The layers whose own verdict is worse than mergeable, with their share of the update energy.
    static func layers(_ summary: FamilySummary) -> ReportDocument {
        var doc = ReportDocument()
        guard !summary.flaggedLayers.isEmpty else { return doc }
        let riskyShare = summary.flaggedLayers.filter { $0.level == .risky }.reduce(0) { $0 + $1.energyShare }
        doc.paragraph("Layers whose own verdict is worse than mergeable: \(summary.notMergeableLayers.count) not mergeable holding \(Format.percent(summary.notMergeableLayerShare, digits: 1)) of the update energy, \(summary.riskyLayers.count) risky holding \(Format.percent(riskyShare, digits: 1)); a layer escalates the model in proportion to its share.")
        doc.bullets(summary.flaggedLayers.prefix(8).map { "[\(label($0.level))] \($0.name): \(Format.percent($0.energyShare, digits: 1)) of the update" }
            + (summary.flaggedLayers.count > 8 ? ["… \(summary.flaggedLayers.count - 8) more"] : []))
        return doc
    }

    /// The merge plan: groups with λ* and w*, the largest mergeable subsets, SMILE-expert candidates.
    static func plan(_ plan: MergePlan) -> ReportDocument {
        var doc = ReportDocument()
        doc.paragraph("Merge plan (\(plan.search) search over \(plan.subsetsJudged) subsets, judged by the model-level signals; weights are data-free estimates):")
        if plan.groups.isEmpty {
            doc.paragraph("No two models are mergeable by task arithmetic.")
        } else {
            doc.table(ReportTable(headers: ["group", "λ*", "worst L(λ*)", "w*", "worst L(w*)", "expected kept"], rows: plan.groups.map(row)))
        }
        if !plan.largestMergeable.isEmpty {
            doc.paragraph("Largest mergeable subsets (\(plan.largestMergeable[0].tasks.count) models):")
            doc.bullets(plan.largestMergeable.map { "\($0.tasks.joined(separator: " + ")): worst L(λ*) \(Format.fixed($0.worstResidual)) at λ* \(Format.optional($0.lambdaStar, digits: 2))" })
        }
        doc.paragraph(plan.experts.isEmpty ? "Every model is in a group." : "Candidates for SMILE experts rather than a merge: \(plan.experts.joined(separator: ", ")).")
        return doc
    }

    /// A mergekit config judged: residuals at its weights, at λ* and at w*.
    static func mergekit(_ j: MergekitJudgement, taskNames: [String]) -> ReportDocument {
        var doc = ReportDocument()
        doc.paragraph("mergekit config (\(j.method)), judged as the dense sum W_pre + Σ cⱼ ΔWⱼ (data-free estimates): worst residual \(Format.fixed(j.worstResidualAtConfig)) at its weights, \(Format.fixed(j.residualsAtLambdaStar.max() ?? 0)) at λ*, \(Format.optional(j.weights?.worstResidual)) at w*. \(sentence(j.retention))")
        doc.table(ReportTable(headers: ["model", "c (config)", "L(c)", "λ*", "L(λ*)", "w*", "L(w*)"], rows: j.tasks.indices.map { p in
            [taskNames[j.tasks[p]], Format.fixed(j.effectiveWeights[p]), Format.fixed(j.residualsAtConfig[p]), Format.optional(j.lambdaStar),
             Format.fixed(j.residualsAtLambdaStar[p]), Format.optional(j.weights?.weights[p]), Format.optional(j.weights?.residuals[p])]
        }))
        if let s = j.sparsification { doc.append(sparsification(s, tasks: j.tasks.map { taskNames[$0] })) }
        doc.bullets(j.notes)
        return doc
    }

    /// Trimming energy and sign conflict of a sparsifying config, model level and worst layers.
    static func sparsification(_ s: SparsificationSummary, tasks: [String]) -> ReportDocument {
        var doc = ReportDocument()
        let kind = s.isExpectation ? "expected over the random masks (\(s.method.rawValue))" : "exact (magnitude trimming)"
        var line = "Sparsification, \(kind): among entries kept by ≥ 2 models, \(Format.fixed(s.conflictShare)) carry opposite signs"
        if let discarded = s.electionDiscardedShare { line += "; the sign election discards \(Format.fixed(discarded)) of the kept energy" }
        doc.paragraph(line + ".")
        doc.table(ReportTable(headers: ["model", "kept entries", "energy removed"] + (s.dareRescaledError == nil ? [] : ["E‖τ̃−τ‖²/‖τ‖²"]), rows: tasks.indices.map { p in
            let t = s.tasks[p]
            return [tasks[p], Format.fixed(t.entries > 0 ? t.keptEntries / Double(t.entries) : 0), Format.fixed(s.removedEnergy[p])]
                + (s.dareRescaledError.map { [Format.fixed($0[p])] } ?? [])
        }))
        doc.table(ReportTable(headers: ["layer", "worst energy removed", "sign conflict"], rows: s.worstLayers.map {
            [$0.name, Format.fixed($0.worstRemovedEnergy), Format.fixed($0.conflictShare)]
        }))
        return doc
    }

    private static func row(_ g: MergePlan.Group) -> [String] {
        [g.tasks.joined(separator: " + "), Format.optional(g.lambdaStar, digits: 2), Format.fixed(g.worstResidual),
         g.weights.map { $0.weights.map { Format.fixed($0, digits: 2) }.joined(separator: ", ") } ?? "—",
         Format.optional(g.weights?.worstResidual), String(format: "%.2f ± %.2f", g.retention.expected, g.retention.band)]
    }

    static func label(_ level: Mergeability) -> String {
        switch level {
        case .mergeable: return "MERGEABLE"
        case .risky: return "RISKY"
        case .notMergeable: return "NOT MERGEABLE"
        }
    }
}
