import Analysis

/// The whole-model report of `smile-inspect model` and `mergeable`.
enum ModelReport {
    static func document(_ report: FamilyReport, perLayer: Bool = true) -> ReportDocument {
        var doc = ReportDocument()
        doc.heading("Family: \(report.taskNames.count) fine-tunes of \(report.base)")
        doc.bullets(zip(report.taskNames, report.models).map { "\($0): \($1)" } + report.notes)
        doc.paragraph("Analysed \(report.layers.count) linear weights, \(report.tensors.count) N-D tensors, \(report.vectors.count) vectors; skipped \(report.skipped.count).")
        if !report.layers.isEmpty { doc.append(taskSummary(report)) }
        if perLayer, !report.layers.isEmpty { doc.append(layerTable(report)) }
        doc.append(StorageRoundingNote.document(report.layers))
        if !report.tensors.isEmpty { doc.append(tensorTable(report)) }
        doc.bullets(report.layers.flatMap { layer in layer.warnings.map { "warning: \(layer.name): \($0)" } })
        doc.append(verdict(report))
        if !report.skipped.isEmpty {
            doc.paragraph("Skipped:")
            doc.bullets(report.skipped.prefix(20).map { "\($0.tensor): \($0.reason)" } + (report.skipped.count > 20 ? ["… and \(report.skipped.count - 20) more (see --format json)"] : []))
        }
        return doc
    }

    static func taskSummary(_ report: FamilyReport) -> ReportDocument {
        var doc = ReportDocument()
        let s = report.summary
        doc.paragraph("Where each task wrote its update, weighted over layers by ‖ΔW‖² (E_I: pretrained top zone; E_II+III: middle and null spaces):")
        doc.table(ReportTable(headers: ["task", "E_I", "E_II+III", "cross + rest"], rows: report.taskNames.indices.map { i in
            [report.taskNames[i], Format.percent(s.topEnergy[i]), Format.percent(s.middlePlusTailEnergy[i]),
             Format.percent(max(0, 1 - s.topEnergy[i] - s.middlePlusTailEnergy[i]))]
        }))
        return doc
    }

    static func layerTable(_ report: FamilyReport) -> ReportDocument {
        var doc = ReportDocument()
        let rows = report.layers.map { layer -> [String] in
            let tops = layer.tasks.map(\.energy.top)
            let rests = layer.tasks.map(\.energy.middlePlusTail)
            let relative = layer.tasks.map(\.spectrum.relativeNorm)
            let worst = layer.interference?.all.residuals.max()
            return [layer.name, "\(layer.rows)×\(layer.columns)\(layer.transposed == true ? "ᵀ" : "")", "\(layer.topRank)",
                    Format.percent(relative.max() ?? 0), Format.percent(tops.max() ?? 0), Format.percent(rests.min() ?? 0),
                    Format.optional(worst), Format.optional(layer.interference?.all.lambdaStar, digits: 2),
                    layer.verdict.map { VerdictReport.label($0.level) } ?? "—"]
        }
        doc.table(ReportTable(headers: ["layer", "shape", "k", "max ‖ΔW‖/‖W‖", "max E_I", "min E_II+III", "worst L(λ*)", "λ*", "verdict"], rows: rows))
        if report.layers.contains(where: { $0.transposed == true }) {
            doc.paragraph("ᵀ: stored in × out (GPT-2 Conv1D or --transposed) and analysed transposed; shapes are out × in.")
        }
        return doc
    }

    static func tensorTable(_ report: FamilyReport) -> ReportDocument {
        var doc = ReportDocument()
        doc.paragraph("N-D tensors, per mode (HOSVD): energy in each mode's top zone, and the channel map's top×top block:")
        let rows = report.tensors.flatMap { tensor in
            tensor.tasks.map { task in
                [tensor.name, tensor.shape.map(String.init).joined(separator: "×"), task.task]
                    + [task.modes.map { "\($0.mode): \(Format.percent($0.top, digits: 1))" }.joined(separator: "  "), Format.percent(task.channelMap.top)]
            }
        }
        doc.table(ReportTable(headers: ["tensor", "shape", "task", "mode top-zone energy", "channel E_I"], rows: rows))
        return doc
    }

    static func verdict(_ report: FamilyReport) -> ReportDocument {
        var doc = ReportDocument()
        let s = report.summary
        guard let verdict = s.verdict else {
            doc.paragraph(report.layers.isEmpty
                ? "Verdict: none — no linear weight was selected, and zone energies, interference and the verdict are read from linear weights."
                : "Verdict: needs at least two fine-tuned models.")
            return doc
        }
        doc.append(VerdictReport.document(verdict, title: "Verdict"))
        if !s.pairs.isEmpty {
            doc.paragraph("Pairs (task arithmetic of two tasks at their own λ*):")
            doc.table(ReportTable(headers: ["pair", "λ*", "worst L(λ*)", "cosine", "expected kept", "verdict", "because"], rows: s.pairs.map {
                [$0.tasks.joined(separator: " + "), Format.optional($0.lambdaStar, digits: 2), Format.fixed($0.worstResidual), String(format: "%+.3f", $0.cosine),
                 $0.retention.map { String(format: "%.2f", $0.expected) } ?? "—", VerdictReport.label($0.level), VerdictReport.because($0.level, $0.signals)]
            }))
        }
        doc.append(VerdictReport.weights(s))
        doc.append(VerdictReport.layers(s))
        let smile = s.smile
        var sizing = """
            SMILE upscaling instead: experts keeping \(Format.percent(smile.energy, digits: 0)) of each update cost \
            \(Format.count(smile.expertParameters)) parameters (\(Format.percent(smile.overheadFraction, digits: 1)) of the \(Format.count(smile.baseParameters)) base parameters \
            in these layers; keeping every fine-tuned copy costs \(Format.count(smile.keepAllParameters))). The largest expert needs \
            \(Format.percent(smile.worstRankFraction, digits: 0)) of its layer's rank.
            """
        if smile.worstRankFraction > 0.5 {
            sizing += " These updates are high-rank, so low-rank experts save little at this energy; a smaller k keeps less of each update (see the SMILE sizing figure)."
        }
        doc.paragraph(sizing)
        return doc
    }
}
