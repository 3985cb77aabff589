import Analysis
import ArgumentParser
import Foundation

/// `--mergekit config.yml`, shared by `mergeable` and `model`: judge that mergekit merge. Without --base
/// and --models the family is the config's own `base_model` and models (local paths or repo ids in the
/// Hugging Face cache).
struct MergekitArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Judge this mergekit config: residuals at its weights beside λ* and w*, and for ties / dare / della its trimming energy and sign conflict. Without --base and --models its base_model and models are analysed.", valueName: "config.yml"))
    var mergekit: String?

    /// A config read and matched to the family it judges.
    struct Resolved {
        var config: MergekitConfig
        /// Family index of each config model.
        var tasks: [Int]
        /// The family to analyse: the one given, or the config's.
        var family: FamilyArguments
    }

    /// Whether the config, not --base/--models, names the family to analyse.
    func namesTheFamily(_ family: FamilyArguments) -> Bool { mergekit != nil && family.base == nil && family.models.isEmpty }

    /// Reads and checks the config before any weight is read; nil without --mergekit.
    /// - Throws: ``MergekitConfigError`` naming the key.
    func resolve(_ family: FamilyArguments) throws -> Resolved? {
        guard let path = mergekit else { return nil }
        let config = try MergekitConfig(contentsOfFile: path)
        var family = family
        if family.base == nil {
            let arguments = try config.checkpointArguments(file: path)
            family.base = arguments.base
            family.models = arguments.models
        }
        return Resolved(config: config, tasks: try config.familyIndices(base: family.base ?? "", models: family.models, file: path), family: family)
    }

    /// The analysis options with the config's sparsification statistics switched on (a computing option).
    static func options(_ options: AnalysisOptions, for resolved: Resolved?) -> AnalysisOptions {
        var options = options
        options.sparsification = resolved.flatMap { SparsificationSettings(config: $0.config, tasks: $0.tasks) }
        return options
    }

    /// The config judged against the report's whole-model objective and the layers' records.
    static func judge(_ resolved: Resolved?, report: FamilyReport, ridge: Double = 0) -> MergekitJudgement? {
        guard let resolved, let interference = report.summary.interference else { return nil }
        return MergekitJudgement(config: resolved.config, tasks: resolved.tasks, interference: interference, layers: report.layers, ridge: ridge)
    }
}
