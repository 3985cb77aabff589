import Analysis

/// The per-layer report of `smile-inspect layer`: spectrum and zones, each task's update, its zone energy
/// map against the random baseline, the cross-task signals and this layer's verdict.
enum LayerReport {
    static func document(_ layer: LayerAnalysis) -> ReportDocument {
        var doc = ReportDocument()
        doc.heading("Layer \(layer.name)  (\(layer.rows)×\(layer.columns), \(layer.tasks.count) task\(layer.tasks.count == 1 ? "" : "s"))")
        if layer.transposed == true {
            doc.paragraph("Stored in × out (\(layer.columns)×\(layer.rows), like GPT-2's Conv1D): analysed transposed, as out × in (\(layer.rows)×\(layer.columns)), so inputs are the right side.")
        }
        doc.append(spectrum(layer))
        doc.bullets(layer.warnings.map { "warning: " + $0 })
        doc.append(taskTable(layer))
        doc.append(StorageRoundingNote.document([layer]))
        for task in layer.tasks { doc.append(energyMap(task.energy, title: "Energy map of \(task.task): ‖U_aᵀ ΔW V_b‖² / ‖ΔW‖² (×ratio to a random update)")) }
        for task in layer.tasks where task.energyFourWay != nil {
            doc.append(energyMap(task.energyFourWay!, title: "4-way energy map of \(task.task)"))
        }
        doc.append(crossTask(layer))
        if let verdict = layer.verdict { doc.append(VerdictReport.document(verdict, title: "Verdict for this layer")) }
        return doc
    }

    static func spectrum(_ layer: LayerAnalysis) -> ReportDocument {
        var doc = ReportDocument()
        let sigma = layer.baseSingularValues
        let k = layer.topRank
        let zones = layer.zones
        doc.paragraph("""
            Pretrained weight: r = \(layer.rank), ‖W‖_F = \(Format.number(layer.baseNorm)), σ₁ = \(Format.number(sigma.first ?? 0)), \
            σ_k = \(Format.number(k > 0 ? sigma[k - 1] : 0)), σ_r = \(Format.number(sigma.last ?? 0)).
            Zones (\(layer.options.zoneRule)): top = directions 1…\(k) (zone I), middle = \(k + 1)…\(layer.rank) (zone II), \
            tail = null spaces: \(zones.leftDimension(zones.count - 1)) left (out) × \(zones.rightDimension(zones.count - 1)) right (in) dimensions (zone III).
            """)
        return doc
    }

    static func taskTable(_ layer: LayerAnalysis) -> ReportDocument {
        var doc = ReportDocument()
        let rows = layer.tasks.map { t -> [String] in
            [t.task, Format.number(t.spectrum.norm), Format.percent(t.spectrum.relativeNorm),
             Format.percent(t.energy.top), Format.percent(t.energy.middle), Format.percent(t.energy.middlePlusTail),
             Format.percent(t.energy.topCross), "\(t.spectrum.effectiveRank90)", "\(t.spectrum.effectiveRank99)", "\(t.expertRank)",
             t.intruders.map { "\($0.intruders.count)/\($0.top)" } ?? "—"]
        }
        doc.table(ReportTable(
            headers: ["task", "‖ΔW‖", "‖ΔW‖/‖W‖", "E_I", "E_II", "E_II+III", "top×cross", "rank90", "rank99", "expert k", "intruders"],
            rows: rows))
        let leading = layer.tasks.filter { $0.spectrum.computation == .leading }
        if !leading.isEmpty {
            let items = leading.map { t in
                "\(t.task) \(t.spectrum.singularValues.count) σ (uncaptured \(Format.number(t.spectrum.uncapturedEnergy / Swift.max(t.spectrum.norm * t.spectrum.norm, .leastNormalMagnitude))) of ‖ΔW‖²)"
            }
            doc.paragraph("ΔW spectra computed only as deep as this report reads (leading σ, certified; the rest of ‖ΔW‖² uncaptured): \(items.joined(separator: ", ")); the other tasks' in full.")
        }
        return doc
    }

    static func energyMap(_ map: EnergyMap, title: String) -> ReportDocument {
        var doc = ReportDocument()
        doc.paragraph(title + (map.isZeroUpdate ? " — zero update (identical weights): no energy anywhere" : ""))
        let names = map.zones.names
        let rows = names.indices.map { a in
            ["out: \(names[a]) (\(map.zones.leftDimension(a)))"] + names.indices.map { b in
                map.zones.leftDimension(a) * map.zones.rightDimension(b) == 0 ? "—" : "\(Format.percent(map.energy[a][b])) \(Format.ratio(map.baselineRatio[a][b]))"
            }
        }
        doc.table(ReportTable(headers: ["left \\ right"] + names.indices.map { "in: \(names[$0]) (\(map.zones.rightDimension($0)))" }, rows: rows))
        return doc
    }

    static func crossTask(_ layer: LayerAnalysis) -> ReportDocument {
        var doc = ReportDocument()
        guard let interference = layer.interference, let similarity = layer.similarity else {
            doc.paragraph("One task: no interference to measure.")
            return doc
        }
        let names = layer.taskNames
        doc.paragraph("Interference I[i][j] = ‖ΔW_j P_i‖² / ‖ΔW_i P_i‖² (P_i: the input subspace holding \(Format.percent(interference.energyFraction, digits: 0)) of task i's update, ranks \(interference.ranks.map(String.init).joined(separator: ", "))):")
        doc.table(ReportTable(headers: ["on inputs of \\ update of"] + names, rows: names.indices.map { i in
            [names[i]] + (interference.matrix[i]?.map { Format.fixed($0) } ?? names.map { _ in "—" })
        }))
        doc.paragraph("Task-vector cosine ⟨ΔW_i, ΔW_j⟩ / (‖ΔW_i‖‖ΔW_j‖):")
        doc.table(ReportTable(headers: [""] + names, rows: names.indices.map { i in [names[i]] + similarity.cosine[i].map { String(format: "%+.3f", $0) } }))
        let merge = interference.all
        var lines = ["Task arithmetic W_pre + λ·Σ ΔW_i: λ* = \(Format.optional(merge.lambdaStar)); residual L_i(λ*) = " +
                     zip(names, merge.residuals).map { "\($0) \(Format.fixed($1))" }.joined(separator: ", ")]
        lines += similarity.angles.map { pair in
            "Principal angles \(names[pair.first])–\(names[pair.second]): right overlap \(Format.fixed(pair.rightOverlap)), left overlap \(Format.fixed(pair.leftOverlap)), smallest right angle \(String(format: "%.1f°", pair.rightDegrees.first ?? 90))"
        }
        if let sti = layer.singularTaskInterference {
            lines.append("Singular task interference (TSV) STI = \(Format.number(sti.value)) (normalised by Σσ: \(Format.fixed(sti.normalized)))")
        }
        doc.bullets(lines)
        return doc
    }

    /// One CSV row per task with every headline number (E_I, E_II, E_II_III named as in the JSON) and the
    /// flattened 3×3 map.
    static func csvTable(_ layers: [LayerAnalysis]) -> ReportTable {
        let zoneNames = ["top", "middle", "tail"]
        let mapHeaders = zoneNames.flatMap { a in zoneNames.map { b in "E_\(a)_\(b)" } }
        let headers = ["layer", "rows", "columns", "k", "task", "delta_norm", "relative_norm", "E_I", "E_II", "E_II_III"]
            + mapHeaders + ["effective_rank_90", "effective_rank_99", "expert_rank", "intruders", "residual_at_lambda_star", "lambda_star", "verdict", "top_cross", "stored_transposed"]
        var rows = [[String]]()
        for layer in layers {
            for (i, t) in layer.tasks.enumerated() {
                let residual = layer.interference.map { "\($0.all.residuals[i])" } ?? ""
                let lambda = layer.interference?.all.lambdaStar.map { "\($0)" } ?? ""
                let intruders = t.intruders.map { "\($0.intruders.count)" } ?? ""
                let head: [String] = [layer.name, "\(layer.rows)", "\(layer.columns)", "\(layer.topRank)", t.task,
                                      "\(t.spectrum.norm)", "\(t.spectrum.relativeNorm)", "\(t.energy.top)", "\(t.energy.middle)", "\(t.energy.middlePlusTail)"]
                let map: [String] = t.energy.energy.joined().map { "\($0)" }
                let tail: [String] = ["\(t.spectrum.effectiveRank90)", "\(t.spectrum.effectiveRank99)", "\(t.expertRank)",
                                      intruders, residual, lambda, layer.verdict?.level.rawValue ?? "", "\(t.energy.topCross)", layer.transposed == true ? "true" : "false"]
                rows.append(head + map + tail)
            }
        }
        var table = ReportTable(headers: headers, rows: rows)
        table.alignments = headers.map { _ in .left }
        return table
    }
}
