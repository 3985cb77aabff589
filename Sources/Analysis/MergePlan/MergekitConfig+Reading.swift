import Foundation
import Yams

/// A mergekit config smile-inspect cannot judge, in one line naming the key and the rule broken.
public struct MergekitConfigError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var key: String
    public var rule: String
    public var description: String { "\(file): \(key): \(rule)" }
}

extension MergekitConfig {
    /// Every merge method of mergekit 0.1.x.
    public static let knownMethods: [String] = [
        "arcee_fusion", "breadcrumbs", "breadcrumbs_ties", "dare_linear", "dare_ties", "della", "della_linear", "karcher", "linear",
        "model_stock", "multislerp", "nearswap", "nuslerp", "passthrough", "ram", "ramplus_tl", "sce", "slerp", "task_arithmetic", "ties",
    ]
    /// Methods that merge a weighted sum of task vectors (judged by the dense objective), with mergekit's
    /// default for `normalize`.
    public static let weightedMethods: [String: Bool] = [
        "task_arithmetic": false, "linear": true, "ties": true, "dare_ties": false, "dare_linear": false,
        "della": true, "della_linear": false, "breadcrumbs": false, "breadcrumbs_ties": false,
    ]
    /// Methods that sparsify each update (trim to `density`, drop at random, or elect signs) before summing.
    public static let sparsifyingMethods: Set<String> = ["ties", "dare_ties", "dare_linear", "della", "della_linear", "breadcrumbs", "breadcrumbs_ties"]

    /// Reads a mergekit config (YAML) and checks it before any weight is read: a known, weighted-sum
    /// method; `base_model` and every `models[].model` a string; `weight` (required) and `density`
    /// (optional, in (0, 1]) plain numbers; top-level `parameters.normalize` a boolean and `lambda` a number.
    /// - Throws: ``MergekitConfigError`` naming the key.
    public init(yaml: String, file: String) throws {
        func fail(_ key: String, _ rule: String) -> MergekitConfigError { MergekitConfigError(file: file, key: key, rule: rule) }
        let root: Any?
        do { root = try Yams.load(yaml: yaml) } catch { throw fail("(document)", "not valid YAML: \(error)") }
        guard let top = root as? [String: Any] else { throw fail("(document)", "a mergekit config is a mapping with merge_method, base_model and models") }
        for key in ["slices", "modules"] where top[key] != nil { throw fail(key, "slice and module configs are not judged; give `models`") }
        guard let method = top["merge_method"] as? String else { throw fail("merge_method", "missing or not a string") }
        guard Self.knownMethods.contains(method) else {
            throw fail("merge_method", "unknown mergekit method '\(method)' (known: \(Self.knownMethods.joined(separator: ", ")))")
        }
        guard let defaultNormalize = Self.weightedMethods[method] else {
            throw fail("merge_method", "'\(method)' is not a weighted sum of task vectors; judged methods: \(Self.weightedMethods.keys.sorted().joined(separator: ", "))")
        }
        guard let base = top["base_model"] as? String else { throw fail("base_model", "missing or not a string (judging needs the pretrained model)") }
        guard let list = top["models"] as? [Any], !list.isEmpty else { throw fail("models", "missing, empty or not a list") }
        let dtype = try top["dtype"].map { value -> String in
            guard let s = value as? String else { throw fail("dtype", "not a string") }
            return s
        }
        var normalize = defaultNormalize, lambda = 1.0
        if let parameters = top["parameters"] {
            guard let p = parameters as? [String: Any] else { throw fail("parameters", "not a mapping") }
            if let n = p["normalize"] {
                guard let b = n as? Bool else { throw fail("parameters.normalize", "not true or false") }
                normalize = b
            }
            if let l = p["lambda"] { lambda = try Self.number(l, key: "parameters.lambda", fail: fail) }
        }
        models = try list.enumerated().map { index, entry in
            let key = "models[\(index)]"
            guard let m = entry as? [String: Any] else { throw fail(key, "not a mapping with `model`") }
            guard let path = m["model"] as? String else { throw fail(key + ".model", "missing or not a string") }
            let p = m["parameters"] as? [String: Any] ?? [:]
            guard let w = p["weight"] else { throw fail(key + ".parameters.weight", "missing (one number per model)") }
            let weight = try Self.number(w, key: key + ".parameters.weight", fail: fail)
            let density = try p["density"].map { try Self.number($0, key: key + ".parameters.density", fail: fail) }
            if let density, !(density > 0 && density <= 1) { throw fail(key + ".parameters.density", "\(density) is not in (0, 1]") }
            return Model(model: path, parameters: Model.Parameters(weight: weight, density: density))
        }
        mergeMethod = method
        baseModel = base
        self.dtype = dtype
        parameters = Parameters(normalize: normalize)
        self.lambda = lambda
    }

    /// A plain number (an int or a float; YAML strings, lists and filtered settings are refused).
    private static func number(_ value: Any, key: String, fail: (String, String) -> MergekitConfigError) throws -> Double {
        if value is Bool { throw fail(key, "a boolean, not a number") }
        if let d = value as? Double, d.isFinite { return d }
        if let i = value as? Int { return Double(i) }
        if value is [Any] { throw fail(key, "a per-layer gradient or filtered list; smile-inspect judges one number per model") }
        throw fail(key, "'\(value)' is not a number")
    }

    /// The coefficient each model's task vector gets in the dense merge W_pre + Σⱼ cⱼ ΔWⱼ:
    /// cⱼ = λ · wⱼ / (normalize ? Σ w : 1) (mergekit leaves a sum within 10⁻⁸ of 0 undivided).
    public var effectiveWeights: [Double] {
        let weights = models.map { $0.parameters?.weight ?? 0 }
        let sum = weights.reduce(0, +)
        let divisor = parameters?.normalize == true && abs(sum) >= 1e-8 ? sum : 1
        return weights.map { lambda * $0 / divisor }
    }
}

extension MergekitConfig {
    /// The family index of each config model, matching paths after standardizing (`base+adapter` names the
    /// adapter), and checking `base_model` against the family's base.
    /// - Throws: ``MergekitConfigError`` naming the key when a model is not a local path or not in the family.
    public func familyIndices(base: String, models familyModels: [String], file: String) throws -> [Int] {
        func standard(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
        let family = familyModels.map(standard)
        if let configBase = baseModel {
            guard exists(configBase) else {
                throw MergekitConfigError(file: file, key: "base_model", rule: "'\(configBase)' is not a local path (Hugging Face repo ids are not resolved here)")
            }
            guard standard(configBase) == standard(base) else {
                throw MergekitConfigError(file: file, key: "base_model", rule: "'\(configBase)' is not the --base being analysed (\(base))")
            }
        }
        return try models.enumerated().map { index, model in
            let key = "models[\(index)].model"
            let path = model.model.split(separator: "+", maxSplits: 1).count == 2 && !exists(model.model)
                ? String(model.model.split(separator: "+", maxSplits: 1)[1]) : model.model
            guard exists(path) else {
                throw MergekitConfigError(file: file, key: key, rule: "'\(model.model)' is not a local path (Hugging Face repo ids are not resolved here)")
            }
            guard let found = family.firstIndex(of: standard(path)) else {
                throw MergekitConfigError(file: file, key: key, rule: "'\(model.model)' is not among the --models being analysed")
            }
            return found
        }
    }
}
