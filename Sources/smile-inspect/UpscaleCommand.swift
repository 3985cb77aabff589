import Analysis
import ArgumentParser
import Foundation

/// `smile-inspect upscale`: build a SMILE sparse mixture of low-rank experts from a base and its fine-tunes.
struct UpscaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upscale",
        abstract: "Build a SMILE mixture-of-experts model from a base and its fine-tunes (FusionBench SmileMoELinear layout).",
        discussion: """
            Every selected linear layer (a 2-D .weight, with its .bias when there is one) becomes a SMILE \
            layer: a shared path, one rank-k expert per model, and a router whose logit for expert i is \
            ‖V_{i,:gate_k}ᵀ x‖₂ (V_i from the SVD of the update ΔWᵢ = Wᵢ − W_pre; LoRA adapters are decomposed \
            from their factors); the softmax over experts keeps the top_k and renormalises. By default \
            (--shared iso-c) the shared path is the Iso-C merge W_pre + c·M (M exactly as merge --method \
            iso-c computes it for the layer; c 3 for full fine-tunes, 1 when every model is a LoRA adapter; \
            biases b_pre + c·mean Δbⱼ), expert i holds the rank-k SVD of the residual ΔWᵢ − c·M (bias \
            bᵢ − b_shared), and every expert's output is scaled by β (--expert-scale, default ½; folded into \
            its u and bias): the shared path carries what the tasks share at full rank and no parameter \
            cost, the experts what is their own, and a token sent to the wrong expert loses less (on the \
            realtasks family at --budget 0.5 with the same ranks: full 0.993 normalized against 0.977 for \
            --shared merged, LoRA 0.956 against 0.916 for --shared pretrained, every task better). --shared iso-c:c sets c; \
            --shared tsv is the same construction with the TSV-M merge (M exactly as merge --method tsv \
            computes it; α 1 for full fine-tunes, 0.5 when every model is a LoRA adapter; β ½), tsv:α sets \
            α (measured: a tie with iso-c on LoRA adapters, 0.953 against 0.952 at --budget 0.1; a loss on \
            full fine-tunes, 0.979 against 0.993); \
            --shared merged is the task-arithmetic merge W_pre + λ*ΣΔWⱼ (λ* the layer's data-free optimum) \
            with experts on ΔWᵢ − λ*ΣΔWⱼ, merged:λ a fixed λ; --shared pretrained is FusionBench's SMILE \
            (W_pre, experts on ΔWᵢ). With merged and pretrained β defaults to 1. The router always reads \
            the updates ΔWᵢ themselves. Its rank defaults to each layer's k (--gate-k k; 1 when every model \
            is a LoRA adapter): it reads exactly the directions its expert acts on. With --shared pretrained \
            --gate-k 1 the output is FusionBench's own upscaling (k 128, gate_k 1, top_k 1 are its \
            defaults). k is clamped to each layer's largest update rank; --rank-for-energy F instead picks, \
            per layer, the rank keeping F of every expert's energy (--k then caps it); ranks and budgets are \
            chosen on the experts' residuals. --balanced-router scales each expert's gate block to the same \
            typical logit on inputs shaped like W_pre's (measured: no gain on real tokens, kept as an \
            option).

            --budget F spends at most F × the upscaled layers' base parameters on routers, experts and expert \
            biases, choosing k per layer by greedy water-filling over the experts' singular values: each \
            extra rank of a layer costs E·(m+n) and buys Σᵢ σᵢ²/‖ΔWᵢ‖², the sum of per-expert energy shares \
            (scale-free, so no task or layer takes the ranks because its weights are larger); with --gate-k k \
            a rank also pays its router row, E·(m+2n). --budget-on says whose spectra the water-filling \
            reads: updates (the default: each task's own ΔWᵢ, the energy of what the expert is meant to \
            restore; k stays within the update's rank, 8 for rank-8 adapters), residuals (what the experts \
            are cut from, ΔWᵢ − c·M with the Iso-C path) or uniform (one k for every layer, clamped to each \
            layer's rank); experts are always cut from the residuals. On the realtasks family at the same \
            cost, updates keeps 1.007 of the full fine-tunes at +50% against 0.993 for residuals, and ties \
            on LoRA adapters (0.952 at +10%). --k then means "at most k", --rank-floor the least k of every \
            layer. The plan (per layer: k, energy kept, cost, and the best uniform k for the same \
            budget) is printed before anything is written — on standard output above a text report, on \
            standard error when standard output carries markdown, json or csv or the report goes to -o — and \
            recorded in smile_config.json.

            --max-flatness F upscales only the layers where routing is predicted to pay: a layer whose \
            summed update ΣΔWⱼ has spectral flatness φ = (Σσ)²/(d·Σσ²) above F (its d nonzero singular \
            values; 1 = flat) is written as a plain linear holding its shared path alone (W_pre + c·M and \
            b_pre + c·mean Δbⱼ with iso-c, the merge with merged, W_pre with pretrained; no router, no \
            experts) and left out of the budget; smile_config.json lists it under shared_only with its φ. \
            On the realtasks MiniLM full fine-tunes φ ranks layers by how well real tokens reach their own \
            expert (Spearman −0.80, the best weights-only predictor measured). With --budget 0.5 (default: \
            36 layers, 1.007 normalized, 0.74 of real tokens on their own expert): --max-flatness 0.3 \
            upscales 13 layers and keeps 0.989 at +7.1% of the whole model, 0.84 routed there; 0.12 \
            upscales 2 layers, 0.978 at +1.6% with 0.92 routed there. Not a default: every limit measured loses 0.01–0.04 on some task, and on LoRA adapters (no \
            layer routes above 0.6) it trades one task for another (benchmarks/realtasks-smile.md). Whole-model layouts write such a layer as a SmileLinear with the \
            shared weight and zero router and experts.

            --gate-k auto picks, per layer, the smallest router rank whose routing accuracy on probe inputs \
            reaches --routing-target (default 0.9). Probes of task i are x = V_{i,:p} z, z ~ N(0, I), from \
            the subspace its rank-p expert acts on (p = --probe-rank, default the layer's k; a budget's planning \
            pass searches before k is known and uses min(128, update rank)); neutral probes \
            x = V_{pre,:p} z come from the pretrained weight's top input directions, where no expert should \
            be strongly preferred: their mean max-probability and normalised entropy are reported. Each \
            layer reports the accuracy at its gate rank and at FusionBench's default 1.

            --layout fusionbench-hf writes a whole Hugging Face model that FusionBench's \
            SmileLlamaForCausalLM / SmileMistralForCausalLM / SmileQwen2ForCausalLM / \
            SmileGemma2ForCausalLM loads with from_pretrained (the base's config.json model_type must be \
            llama, mistral, qwen2 or gemma2): the seven projections of every decoder layer become \
            SmileLinear (X.gate.weight, X.shared_linear.weight/.bias, X.experts.{i}.u/.svh/.bias), with one \
            rank_of_expert (--k, or chosen by --budget) and one rank_of_router for the model; config.json \
            gets model_type smile_<type>, architectures, num_local_experts, num_experts_per_tok, \
            rank_of_router, rank_of_expert; tokenizer and generation files are copied from the base.

            --layout hf writes the same whole model plus its own modeling file (modeling_smile.py) and \
            auto_map in config.json, so plain transformers loads it with no fusion_bench: \
            AutoModelForCausalLM.from_pretrained(DIR, trust_remote_code=True) for llama, mistral, qwen2 and \
            gemma2 decoders, AutoModel.from_pretrained(DIR, trust_remote_code=True) for BERT encoders \
            (model_type bert, e.g. MiniLM). The file subclasses the stock transformers classes and swaps \
            each projection for a SmileLinear with the tensor names above. Unlike fusionbench-hf, each \
            SmileLinear has its own ranks: with --budget (or --gate-k auto) the per-layer k and gate_k are \
            written as planned, listed in config.json's smile_module_ranks (rank_of_expert and \
            rank_of_router then hold the largest); without them every layer has the one k and gate_k.

            --routing sequence (with --layout hf, BERT-family encoders only) routes each sequence as a \
            whole instead of each token (--routing token, the default, FusionBench's rule): every upscaled \
            projection, when it runs, adds to the sequence's evidence eᵢ the mean of its router logits \
            ‖Gᵢ x_t‖₂ over the sequence's real tokens (the attention mask; no mask: every position); one \
            layer's query, key and value add theirs together before the first of them routes; every token \
            of the sequence then goes to argmaxᵢ eᵢ with weight 1. Evidence starts at zero with each \
            forward call, so a sequence's route depends neither on the rest of the batch nor on padding. \
            The tensors are those of per-token routing; config.json records smile_routing, which \
            modeling_smile.py reads, and every SmileLinear keeps last_routes (the expert of each position \
            in its last call). On the realtasks family (full test splits): full fine-tunes at --budget 0.5 \
            keep 1.008 normalized with 0.965 of real tokens on their own expert (per token: 1.007 with \
            0.74), LoRA adapters at --budget 0.1 keep 0.987 with 0.85 (per token: 0.952 with 0.44), \
            0.990 with 0.92 with --gate-k 8; a router rank tied to k (--gate-k k) keeps 0.983, so \
            adapters keep gate_k 1 (benchmarks/realtasks-smile.md, "Routing whole sequences"). \
            FusionBench's SmileMoELinear \
            (--layout smile-moe-linear, fusionbench-hf) routes per token and cannot express it, and \
            decoders route per token (generation with a KV cache would need causal prefix evidence): \
            refused, as is --top-k above 1.

            Layers whose updates are all zero stay plain. Every other tensor (norms, embeddings, biases and \
            weights of layers not upscaled) is averaged over the models (--others average), taken from the \
            base (--others base, FusionBench's default) or from one model (--others model:NAME).

            DIR receives model.safetensors (shards plus model.safetensors.index.json above --max-shard-size), \
            smile_config.json (k per layer, gate_k, top_k, experts with task names and paths, how other \
            tensors were chosen, parameter counts, routing accuracy on probe inputs drawn from each task's \
            update subspace) and README.md. Tensor names follow FusionBench's SmileMoELinear: X.gate.weights, \
            X.experts.{i}.u, X.experts.{i}.svh, X.experts.{i}.bias, X.pretrained_model.weight and .bias. \
            The directory appears atomically: a failure leaves nothing, and an existing DIR is refused \
            unless --force, which replaces it atomically — and only if it is empty or a previous upscale \
            output (it holds smile_config.json) and is not one of the inputs.

            The report (what was written, per layer) goes to standard output or -o FILE in --format \
            text, markdown, json (docs/json.md: the configuration with camelCase keys; smile_config.json \
            holds the same object in snake_case) or csv (one row per upscaled layer).

            Exit status: 0 success; 3 input error; 4 analysis error (NaN weights, SVD failure); 5 output \
            error (DIR exists, cannot write); 64 usage error.

            EXAMPLES:
              smile-inspect upscale --base base/ --models full-a lora-b --out moe/
              smile-inspect upscale --base base/ --models a b --out moe32/ --k 32 --top-k 2
              smile-inspect upscale --base base/ --models a b --out moe-fb/ \\
                  --shared pretrained --gate-k 1       # FusionBench's own SMILE
              smile-inspect upscale --base base/ --models a b --out moe-iso/ \\
                  --shared iso-c:2 --expert-scale 0.75
              smile-inspect upscale --base base/ --models lora-a lora-b \\
                  --out moe-tsv/ --shared tsv:0.5 --expert-scale 0.25
              smile-inspect upscale --base base/ --models a b --out moe-base/ --others base
              smile-inspect upscale --base base/ --models a b --out moe/ --force \\
                  --rank-for-energy 0.99 --include 'attention'
              smile-inspect upscale --base base/ --models a b c --out moe-budget/ \\
                  --budget 0.5
              smile-inspect upscale --base base/ --models a b --out moe-flat/ \\
                  --budget 0.5 --max-flatness 0.5
              smile-inspect upscale --base base/ --models a b c --out moe-res/ \\
                  --budget 0.5 --budget-on residuals
              smile-inspect upscale --base base/ --models a b --out moe-auto/ --k 8 \\
                  --gate-k auto --routing-target 0.9
              smile-inspect upscale --base llama/ --models llama-a/ llama-b/ \\
                  --out smile-llama/ --layout fusionbench-hf --others base --budget 0.3
              smile-inspect upscale --base llama/ --models llama-a/ llama-b/ \\
                  --out smile-llama-hf/ --layout hf --others base --budget 0.3
              smile-inspect upscale --base bert/ --models bert-a/ bert-b/ \\
                  --out smile-bert-seq/ --layout hf --routing sequence --budget 0.5
            """)

    @OptionGroup var family: FamilyArguments
    @Option(help: ArgumentHelp("Output directory (created atomically; refused if it exists, see --force).", valueName: "dir"), completion: .directory)
    var out: String
    @Option(name: .customLong("k"), parsing: .unconditional, help: ArgumentHelp("Expert rank k (default 128; with --rank-for-energy, the cap).", valueName: "k"))
    var k: Int?
    @Option(name: .customLong("gate-k"), help: ArgumentHelp("Right singular vectors per expert in the router: a number, k (each layer's expert rank; the default unless every model is a LoRA adapter, then 1), or auto (see --routing-target).", valueName: "g|k|auto"))
    var gateK: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("With --gate-k auto: the mean probe routing accuracy each layer's router must reach.", valueName: "fraction"))
    var routingTarget = 0.9
    @Option(parsing: .unconditional, help: ArgumentHelp("Parameter overhead over the upscaled base layers to spend on routers and experts (0.5: +50%).", valueName: "F"))
    var budget: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("With --budget: the least expert rank of every layer.", valueName: "k"))
    var rankFloor = 1
    @Option(help: ArgumentHelp("With --budget: water-fill ranks on each task's own update ΔWᵢ (updates, the default), on the residuals the experts are cut from (residuals), or one k for every layer (uniform).", valueName: "updates|residuals|uniform"))
    var budgetOn: String?
    @Option(help: ArgumentHelp("Tensor layout: smile-moe-linear (FusionBench SmileMoELinear, any linear layer), fusionbench-hf (a whole Smile…ForCausalLM model) or hf (a whole model plain transformers loads with trust_remote_code).", valueName: "layout"))
    var layout = UpscaleLayout.smileMoELinear.rawValue
    @Option(parsing: .unconditional, help: ArgumentHelp("Probe subspace rank p (default: each layer's k).", valueName: "p"))
    var probeRank: Int?
    @Option(help: ArgumentHelp("Shared path: iso-c (W_pre + c·M_IsoC, c 3 full, 1 LoRA only; experts on the residuals; the default), iso-c:c, tsv (W_pre + α·M_TSV, α 1 full, 0.5 LoRA only), tsv:α, merged (W_pre + λ*ΣΔWⱼ with the layer's λ*), merged:λ, or pretrained (FusionBench: W_pre, experts on ΔWᵢ).", valueName: "path"))
    var shared: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("β: every expert's output times β, folded into its u and bias (default 0.5 with iso-c and tsv, 1 with merged and pretrained).", valueName: "β"))
    var expertScale: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Upscale only layers whose summed update has spectral flatness at most F (0 < F ≤ 1); the others hold their shared path alone, as plain linears.", valueName: "F"))
    var maxFlatness: Double?
    @Option(help: ArgumentHelp("Routing: token (every token on its own, FusionBench's SMILE) or sequence (each sequence to one expert by evidence accumulated over the forward pass; --layout hf encoders only).", valueName: "token|sequence"))
    var routing = RoutingGranularity.token.rawValue
    @Flag(help: "Balance the router: scale each expert's gate block so every expert gets the same typical logit on inputs shaped like the pretrained weight's.")
    var balancedRouter = false
    @Option(name: .customLong("top-k"), parsing: .unconditional, help: ArgumentHelp("Experts each input is sent to.", valueName: "n"))
    var topK = 1
    @Option(help: ArgumentHelp("Upscale only linear weights whose name matches this regular expression (a tensor a model lacks or stores reshaped outside the selection is then a note, and its base value is written).", valueName: "regex"))
    var include: String?
    @Option(help: ArgumentHelp("Do not upscale linear weights whose name matches this regular expression.", valueName: "regex"))
    var exclude: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Pick k per layer as the rank keeping this fraction of every expert's energy.", valueName: "fraction"))
    var rankForEnergy: Double?
    @Option(help: ArgumentHelp("Where tensors outside upscaled layers come from: average, base or model:NAME.", valueName: "policy"))
    var others = "average"
    @Option(help: ArgumentHelp("Largest shard, e.g. 2GB, 500MB, 1GiB, 8G or a number of bytes (the size syntax of --max-memory).", valueName: "size"))
    var maxShardSize = "2GB"
    @Option(parsing: .unconditional, help: ArgumentHelp("Probe inputs per expert and layer for the routing accuracy (0: skip).", valueName: "n"))
    var probeSamples = 32
    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the probe inputs.", valueName: "n"))
    var seed: UInt64 = SmileUpscaleOptions().seed
    @Flag(help: "Replace DIR if it is a previous upscale output or empty (atomically).")
    var force = false
    @OptionGroup var report: ReportArguments
    @Flag(help: ArgumentHelp("Same as --format json (kept for scripts written before --format).", visibility: .hidden))
    var json = false
    @Flag(help: "No progress line on standard error.")
    var quiet = false

    func validate() throws {
        try family.requireFamily()
        if let shared, SharedPath(argument: shared) == nil { throw ValidationError("--shared must be iso-c, iso-c:c, tsv, tsv:α, merged, merged:λ (a number) or pretrained, got \"\(shared)\"") }
        if let maxFlatness, !(maxFlatness > 0 && maxFlatness <= 1) { throw ValidationError("--max-flatness must be in (0, 1], got \(maxFlatness)") }
        if let expertScale, !expertScale.isFinite { throw ValidationError("--expert-scale must be a finite number, got \(expertScale)") }
        let gateK = self.gateK ?? "k"
        guard OtherTensorPolicy(argument: others) != nil else { throw ValidationError("--others must be average, base or model:NAME, got \"\(others)\"") }
        guard MemoryAccounting.parse(maxShardSize) != nil else { throw ValidationError("--max-shard-size must be a size such as 2GB, 500MB, 8G or a number of bytes, got \"\(maxShardSize)\"") }
        if let k, k < 1 { throw ValidationError("--k must be at least 1, got \(k)") }
        if let f = rankForEnergy, !(f > 0 && f <= 1) { throw ValidationError("--rank-for-energy must be in (0, 1], got \(f)") }
        guard gateK == "auto" || gateK == "k" || (Int(gateK) ?? 0) >= 1 else { throw ValidationError("--gate-k must be a positive integer, k or auto, got \"\(gateK)\"") }
        guard let routing = RoutingGranularity(rawValue: routing) else { throw ValidationError("--routing must be token or sequence, got \"\(self.routing)\"") }
        if routing == .sequence, layout != UpscaleLayout.hf.rawValue {
            throw ValidationError("--routing sequence needs --layout hf (its modeling file routes whole sequences); --layout \(layout) loads into FusionBench's SmileMoELinear, which routes per token")
        }
        if routing == .sequence, topK != 1 { throw ValidationError("--routing sequence sends each sequence to one expert (weight 1); --top-k must be 1, got \(topK)") }
        guard UpscaleLayout(rawValue: layout) != nil else { throw ValidationError("--layout must be \(UpscaleLayout.allCases.map(\.rawValue).joined(separator: " or ")), got \"\(layout)\"") }
        if let budget, !(budget >= 0 && budget.isFinite) { throw ValidationError("--budget must be a non-negative fraction such as 0.5, got \(budget)") }
        if budget != nil, rankForEnergy != nil { throw ValidationError("--budget and --rank-for-energy both choose k; pass one of them") }
        if let budgetOn, BudgetAllocation(rawValue: budgetOn) == nil { throw ValidationError("--budget-on must be \(BudgetAllocation.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(budgetOn)\"") }
        if budgetOn != nil, budget == nil { throw ValidationError("--budget-on chooses how --budget spends its parameters; pass --budget too") }
        guard rankFloor >= 1 else { throw ValidationError("--rank-floor must be at least 1, got \(rankFloor)") }
        guard routingTarget > 0, routingTarget <= 1 else { throw ValidationError("--routing-target must be in (0, 1], got \(routingTarget)") }
        if self.gateK == "auto", probeSamples == 0 { throw ValidationError("--gate-k auto measures routing on probes; --probe-samples must be positive") }
        if let probeRank, probeRank < 1 { throw ValidationError("--probe-rank must be at least 1, got \(probeRank)") }
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1, got \(topK)") }
        guard probeSamples >= 0 else { throw ValidationError("--probe-samples must not be negative") }
    }

    func run() throws {
        do {
            try report.check()
            let selection = try TensorSelection(include: include, exclude: exclude)
            let compatibility = try CompatibilityGate.check(family, selection: selection)
            let rank: ExpertRankRule = rankForEnergy.map { .energy($0, maximum: k) } ?? .fixed(k ?? (budget == nil ? 128 : Int.max))
            let opened = try family.open(selection: selection)
            let defaults = SmileUpscaleOptions.measuredDefaults(kinds: opened.modelKinds)
            let gateK = self.gateK ?? (defaults.gateRankTiedToK ? "k" : "1")
            var options = SmileUpscaleOptions(
                expertRank: rank, gateRank: Int(gateK) ?? 1, topK: topK, include: include, exclude: exclude,
                others: OtherTensorPolicy(argument: others)!, maxShardBytes: MemoryAccounting.parse(maxShardSize)!,
                replaceExisting: force, probeSamples: probeSamples, probeRank: probeRank, seed: seed,
                routingTarget: gateK == "auto" ? routingTarget : nil, budget: budget, rankFloor: rankFloor, layout: UpscaleLayout(rawValue: layout)!,
                sharedPath: shared.flatMap(SharedPath.init(argument:)) ?? defaults.sharedPath, balancedRouter: balancedRouter, gateRankTiedToK: gateK == "k",
                expertScale: expertScale, budgetAllocation: budgetOn.flatMap(BudgetAllocation.init(rawValue:)) ?? .measuredDefault)
            options.maxFlatness = maxFlatness
            options.routing = RoutingGranularity(rawValue: routing)!
            let progress = ProgressLine(enabled: !quiet)
            // The plan is human text: on standard output only when the report there is human text too
            // (a failure to print it there shows again, as exit 5, when the report is printed).
            let planToStandardOutput = !json && report.leavesStandardOutputToHumans
            let report = try SmileUpscaler(options: options).upscale(opened, to: URL(fileURLWithPath: out), progress: { progress.update($0) }) { plan in
                guard let budget = plan.budget else { return }
                progress.finish()
                let text = Self.planSummary(budget)
                if planToStandardOutput { try? ReportOutput.emit(text, to: nil) } else { ReportOutput.note(text) }
            }
            progress.finish()
            for warning in report.config.warnings ?? [] { ReportOutput.note("warning: \(warning)\n") }
            let text: String
            switch json ? .json : self.report.format {
            case .text: text = Self.summary(report)
            case .markdown: text = Self.markdown(report)
            case .json: text = try ReportOutput.json(CheckedDocument(body: report, compatibility: compatibility), command: "upscale")
            case .csv: text = Self.csvTable(report).csv
            }
            try self.report.emit(text)
        } catch {
            throw reportFailure(error)
        }
    }

    /// The budget plan, printed before anything is written.
    static func planSummary(_ plan: RankBudgetPlan) -> String {
        var rows = [["MODULE", "K", "GATE_K", "ENERGY KEPT", "OVERHEAD PARAMS"]]
        for layer in plan.layers {
            rows.append([layer.module, String(layer.k), String(layer.gateK), String(format: "%.4f", layer.energyKept), grouped(layer.overheadParameters)])
        }
        let spread = plan.uniformRank ? "one k for the model" : plan.allocation == .uniform ? "one k, clamped per layer" : "k per layer"
        let basis = plan.allocation.map { $0 == .uniform ? "" : " of the \($0.rawValue)" } ?? ""
        var lines = ["Plan for --budget \(plan.budget) (\(spread), maximising the \(plan.objective)\(basis), floor k = \(plan.rankFloor)):"]
        lines += table(rows)
        lines.append(String(format: "overhead %@ of %@ base-layer parameters (%.1f%%), mean energy kept %.4f", grouped(plan.overheadParameters), grouped(plan.baseParameters), plan.overhead * 100, plan.energyKept))
        if let residuals = plan.energyKeptOfResiduals, let updates = plan.energyKeptOfUpdates {
            lines.append(String(format: "mean energy kept of the residuals %.4f, of the updates %.4f", residuals, updates))
        }
        if let uniform = plan.uniformAtBudget, let k = uniform.k {
            lines.append(String(format: "uniform k = %d within the same budget: overhead %.1f%%, mean energy kept %.4f", k, uniform.overhead * 100, uniform.energyKept))
        } else {
            lines.append("no uniform k fits the same budget")
        }
        return lines.joined(separator: "\n") + "\n\n"
    }

    /// The text report: one row per upscaled layer, then the totals.
    static func summary(_ report: UpscaleReport) -> String {
        let (head, rows, tail) = summaryParts(report)
        return (head + table(rows) + tail).joined(separator: "\n") + "\n"
    }

    /// The same report in markdown: the lines as paragraphs, the layers as a table.
    static func markdown(_ report: UpscaleReport) -> String {
        let (head, rows, tail) = summaryParts(report)
        var doc = ReportDocument()
        doc.heading(head[0])
        doc.paragraph(head[1])
        doc.table(ReportTable(headers: rows[0], rows: Array(rows.dropFirst())))
        doc.bullets(tail.filter { !$0.isEmpty })
        return doc.markdown
    }

    /// The lines before the layer table, the table (header first), and the lines after it.
    private static func summaryParts(_ report: UpscaleReport) -> (head: [String], rows: [[String]], tail: [String]) {
        let config = report.config
        var rows = [["MODULE", "K", "GATE_K", "ENERGY KEPT (min)", "PARAMS BASE", "PARAMS SMILE", "ROUTED k / gate_k", "ROUTED g / g=1", "NEUTRAL max p"]]
        for layer in report.layers {
            rows.append([
                layer.module, String(layer.k), String(layer.gateK),
                String(format: "%.4f", layer.energyKept.min() ?? 1),
                grouped(layer.parameters.base), grouped(layer.parameters.upscaled),
                [layer.routingAccuracy, layer.routingAccuracyGateSubspace].map { $0?.mean.map { String(format: "%.2f", $0) } ?? "–" }.joined(separator: " / "),
                [layer.routing?.meanAccuracy, layer.routing?.defaultMeanAccuracy].map { $0.map { String(format: "%.2f", $0) } ?? "–" }.joined(separator: " / "),
                layer.routing?.neutral.map { String(format: "%.2f", $0.maxProbability) } ?? "–",
            ])
        }
        let p = report.parameters
        let head = [
            "Upscaled \(report.layers.count) linear layers from \(config.experts.count) models into \(report.output)",
            "experts: " + config.experts.map { "\($0.index) \($0.task) (\($0.kind))" }.joined(separator: ", "),
            "",
        ]
        let tail = [
            "",
            "ROUTED: mean fraction of probe inputs from expert i's top-k (resp. top-gate_k) update subspace sent to expert i;",
            "ROUTED g / g=1: the same on probes of rank p (\(report.layers.compactMap { $0.routing?.probeRank }.max().map(String.init) ?? "–") at most) at the layer's gate_k and at FusionBench's default 1;",
            "NEUTRAL max p: mean largest routing probability on probes from W_pre's top input subspace (1/E = no preference).",
            "plain linear layers (every update zero): \(config.plainLinear.count)"
                + (config.sharedOnly.map { "; shared path alone (flatness above --max-flatness \(config.maxFlatness ?? 1)): \($0.count)" } ?? "")
                + "; other tensors (\(config.otherTensors.policy)\(config.otherTensors.model.map { ":\($0)" } ?? "")): \(config.otherTensors.count)",
            "parameters: base \(grouped(p.base)), upscaled \(grouped(p.upscaled)) (\(String(format: "%+.1f%%", p.overheadVsBase * 100))), "
                + "every model kept \(grouped(p.keepAll)) (upscaled is \(String(format: "%.1f%%", p.fractionOfKeepAll * 100)))",
            "files: " + (config.files + [SmileConfig.fileName, "README.md"]).joined(separator: ", "),
        ] + (config.warnings ?? []).map { "warning: \($0)" }
        return (head, rows, tail)
    }

    /// One CSV row per upscaled layer with its raw numbers (routing accuracies empty when not measured).
    static func csvTable(_ report: UpscaleReport) -> ReportTable {
        let rows = report.layers.map { layer in
            [layer.module, "\(layer.outFeatures)", "\(layer.inFeatures)", "\(layer.k)", "\(layer.gateK)", "\(layer.energyKept.min() ?? 1)",
             "\(layer.parameters.base)", "\(layer.parameters.upscaled)",
             layer.routingAccuracy?.mean.map { "\($0)" } ?? "", layer.routingAccuracyGateSubspace?.mean.map { "\($0)" } ?? ""]
        }
        var table = ReportTable(headers: ["module", "out_features", "in_features", "k", "gate_k", "energy_kept_min", "parameters_base",
                                          "parameters_upscaled", "routing_accuracy", "routing_accuracy_gate_subspace"], rows: rows)
        table.alignments = table.headers.map { _ in .left }
        return table
    }

    /// Left-aligned columns separated by two spaces.
    private static func table(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max()! }
        return rows.map { row in
            zip(row, widths).enumerated().map { index, cell in
                index == row.count - 1 ? cell.0 : cell.0.padding(toLength: cell.1, withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }

    /// 11234567 → "11,234,567".
    private static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        return digits.enumerated().map { index, digit in
            index > 0 && (digits.count - index) % 3 == 0 ? ",\(digit)" : String(digit)
        }.joined()
    }
}
