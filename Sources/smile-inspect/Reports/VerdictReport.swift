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

    /// One CSV row per signal of the verdict, then one per pair's own merge (signal `pair`, value: its
    /// worst residual, reason: its deciding signal), and with a plan one per group (`group`), largest
    /// mergeable subset (`subset`) and SMILE-expert candidate (`expert`). Every row carries λ*, the
    /// expected share kept and, for groups and subsets, w* (space-separated, in the order of `subject`).
    /// With `methods` (`--plan`), the columns of ``MethodReport/csvHeaders`` follow and its rows come last.
    static func csvTable(_ verdict: MergeVerdict, pairs: [FamilySummary.PairMerge], plan: MergePlan? = nil, methods: MethodResidualTable? = nil) -> ReportTable {
        func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        let signals = verdict.signals.map {
            [verdict.merge, $0.name, $0.level.rawValue, "\($0.value)", $0.subject, $0.reason, number(verdict.lambdaStar), number(verdict.retention?.expected), ""]
        }
        let pairRows = pairs.map { pair in
            ["task arithmetic of \(pair.tasks.joined(separator: " + "))", "pair", pair.level.rawValue, "\(pair.worstResidual)", pair.tasks.joined(separator: " + "),
             because(pair.level, pair.signals, sentence: true), number(pair.lambdaStar), number(pair.retention?.expected), ""]
        }
        func groupRow(_ kind: String) -> (MergePlan.Group) -> [String] {
            { group in
                ["task arithmetic of \(group.tasks.joined(separator: " + "))", kind, group.level.rawValue, "\(group.worstResidual)", group.tasks.joined(separator: " + "),
                 because(group.level, group.signals, sentence: true), number(group.lambdaStar), number(group.retention.expected),
                 group.weights.map { $0.weights.map { "\($0)" }.joined(separator: " ") } ?? ""]
            }
        }
        let planRows = (plan?.groups.map(groupRow("group")) ?? []) + (plan?.largestMergeable.map(groupRow("subset")) ?? [])
            + (plan?.experts.map { ["SMILE expert", "expert", "", "", $0, "in no mergeable group: a candidate for a SMILE expert rather than a merge", "", "", ""] } ?? [])
        var table = ReportTable(headers: ["merge", "signal", "level", "value", "subject", "reason", "lambda_star", "expected_kept", "w_star"], rows: signals + pairRows + planRows)
        if let methods {
            table.headers += MethodReport.csvHeaders
            table.rows = table.rows.map { $0 + MethodReport.csvHeaders.map { _ in "" } } + MethodReport.csvRows(methods)
        }
        table.alignments = table.headers.map { _ in .left }
        return table
    }

    /// Why a pair, group or subset got its level: the deciding signal — as a short phrase for tables
    /// ("E_I gamma 42.0%"), or its whole sentence — or, when mergeable, that no signal reached risky.
    static func because(_ level: Mergeability, _ signals: [MergeVerdict.Signal], sentence: Bool = false) -> String {
        guard level != .mergeable, let signal = signals.first(where: { $0.level == level }) else {
            let worst = signals.first { $0.name == "residual" }.map { ", worst residual \(Format.fixed($0.value))" } ?? ""
            return "every signal below risky\(worst)"
        }
        if sentence { return signal.reason }
        switch signal.name {
        case "residual": return "residual: \(signal.subject) keeps \(Format.fixed(signal.value, digits: 2))"
        case "cosine": return String(format: "cosine %@ %+.2f", signal.subject, signal.value)
        case "topEnergy": return "E_I: \(signal.subject) \(Format.percent(signal.value, digits: 1))"
        case "layers": return "layers: \(Format.percent(signal.value, digits: 1)) of the update"
        default: return "\(signal.name): \(signal.subject)"
        }
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
            doc.table(ReportTable(headers: ["group", "λ*", "worst L(λ*)", "w*", "worst L(w*)", "expected kept", "because"], rows: plan.groups.map(row)))
        }
        if !plan.largestMergeable.isEmpty {
            doc.paragraph("Largest mergeable subsets (\(plan.largestMergeable[0].tasks.count) models):")
            doc.bullets(plan.largestMergeable.map { "\($0.tasks.joined(separator: " + ")): \(label($0.level)), worst L(λ*) \(Format.fixed($0.worstResidual)) at λ* \(Format.optional($0.lambdaStar, digits: 2)) — \(because($0.level, $0.signals))" })
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
         Format.optional(g.weights?.worstResidual), String(format: "%.2f ± %.2f", g.retention.expected, g.retention.band), because(g.level, g.signals)]
    }

    static func label(_ level: Mergeability) -> String {
        switch level {
        case .mergeable: return "MERGEABLE"
        case .risky: return "RISKY"
        case .notMergeable: return "NOT MERGEABLE"
        }
    }
}
