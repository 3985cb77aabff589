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
        try self.init(parsing: yaml, file: file)
    }

    /// Reads the mergekit config file at `path` (at most 10 MB of UTF-8) and parses it as
    /// ``init(yaml:file:)`` does.
    /// - Throws: ``CheckpointError/unreadable(file:reason:)`` when the file cannot be read,
    ///   ``MergekitConfigError`` naming the key.
    public init(contentsOfFile path: String) throws {
        let bytes = try ReadOnlyFile.contents(of: path, limit: 10_000_000)
        guard let yaml = String(validating: bytes, as: UTF8.self) else { throw CheckpointError.unreadable(file: path, reason: "not UTF-8 text") }
        try self.init(parsing: yaml, file: path)
    }

    private init(parsing yaml: String, file: String) throws {
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
        var defaults = [String: Any]()
        if let parameters = top["parameters"] {
            guard let p = parameters as? [String: Any] else { throw fail("parameters", "not a mapping") }
            if let n = p["normalize"] {
                guard let b = n as? Bool else { throw fail("parameters.normalize", "not true or false") }
                normalize = b
            }
            if let l = p["lambda"] { lambda = try Self.number(l, key: "parameters.lambda", fail: fail) }
            defaults = p
        }
        models = try list.enumerated().map { index, entry in
            let key = "models[\(index)]"
            guard let m = entry as? [String: Any] else { throw fail(key, "not a mapping with `model`") }
            guard let path = m["model"] as? String else { throw fail(key + ".model", "missing or not a string") }
            let p = m["parameters"] as? [String: Any] ?? [:]
            guard let w = p["weight"] else { throw fail(key + ".parameters.weight", "missing (one number per model)") }
            let weight = try Self.number(w, key: key + ".parameters.weight", fail: fail)
            // mergekit takes a model's missing density / epsilon from the top-level parameters.
            func setting(_ name: String) throws -> Double? {
                if let v = p[name] { return try Self.number(v, key: key + ".parameters." + name, fail: fail) }
                return try defaults[name].map { try Self.number($0, key: "parameters." + name, fail: fail) }
            }
            let density = try setting("density"), epsilon = try setting("epsilon")
            if let density, !(density > 0 && density <= 1) { throw fail(key + ".parameters.density", "\(density) is not in (0, 1]") }
            if method.hasPrefix("della"), let density, density < 1, case let e = epsilon ?? 0.15, !(e >= 0 && density - e > 0 && density + e < 1) {
                throw fail(key + ".parameters.epsilon", "density ± epsilon must lie in (0, 1) (density \(density), epsilon \(e); mergekit refuses it)")
            }
            return Model(model: path, parameters: Model.Parameters(weight: weight, density: density, epsilon: method.hasPrefix("della") ? epsilon : nil))
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
    /// The checkpoint arguments the config names, in the form `--base` / `--models` take them: `base_model`
    /// and each model (the adapter of a LoRA named `base+adapter`). Each must be a local path or a Hugging
    /// Face repo id in `cache`; checked before any weight is read.
    /// - Throws: ``MergekitConfigError`` naming the key and the value.
    public func checkpointArguments(file: String, cache: HubCache = HubCache()) throws -> (base: String, models: [String]) {
        guard let baseModel else { throw MergekitConfigError(file: file, key: "base_model", rule: "missing (judging needs the pretrained model)") }
        try Self.location(baseModel, key: "base_model", file: file, cache: cache)
        let arguments = try models.enumerated().map { index, model in
            let argument = Self.fineTuned(model.model)
            try Self.location(argument, key: "models[\(index)].model", file: file, cache: cache)
            return argument
        }
        return (baseModel, arguments)
    }

    /// The family index of each config model, matching resolved locations (paths after standardizing,
    /// repo ids through `cache`) and checking `base_model` against the family's base.
    /// - Throws: ``MergekitConfigError`` naming the key when a model is neither a local path nor a cached
    ///   repo id, or not in the family.
    public func familyIndices(base: String, models familyModels: [String], file: String, cache: HubCache = HubCache()) throws -> [Int] {
        let arguments = try checkpointArguments(file: file, cache: cache)
        func resolved(_ argument: String) throws -> String { try CheckpointLocation.resolve(argument, cache: cache).url.standardizedFileURL.path }
        let family = try familyModels.map(resolved)
        guard try resolved(arguments.base) == resolved(base) else {
            throw MergekitConfigError(file: file, key: "base_model", rule: "'\(arguments.base)' is not the --base being analysed (\(base))")
        }
        return try arguments.models.enumerated().map { index, argument in
            let location = try resolved(argument)
            guard let found = family.firstIndex(of: location) else {
                throw MergekitConfigError(file: file, key: "models[\(index)].model", rule: "'\(models[index].model)' is not among the --models being analysed")
            }
            return found
        }
    }

    /// mergekit's `base+adapter` names the adapter; a name that exists as a path is taken whole.
    static func fineTuned(_ name: String) -> String {
        let parts = name.split(separator: "+", maxSplits: 1)
        return parts.count == 2 && !FileManager.default.fileExists(atPath: name) ? String(parts[1]) : name
    }

    /// Checks that `name` is an existing path or a repo id found in `cache`.
    private static func location(_ name: String, key: String, file: String, cache: HubCache) throws {
        if FileManager.default.fileExists(atPath: name) { return }
        guard let reference = HubReference(name) else {
            throw MergekitConfigError(file: file, key: key, rule: "'\(name)' is neither a local path nor a Hugging Face repo id (org/name)")
        }
        do { _ = try cache.snapshot(reference) } catch {
            throw MergekitConfigError(file: file, key: key, rule: "'\(name)' is not a local path and not in the Hugging Face cache \(cache.root.path) (download it first: \(reference.downloadCommand))")
        }
    }
}
