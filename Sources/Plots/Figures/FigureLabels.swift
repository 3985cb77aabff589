import Analysis
import Foundation

/// Labels and colours shared by the domain figures.
public enum FigureLabels {
    /// The colours of the SMILE zones, the same in every figure: top (zone I), middle (zone II), tail
    /// (zone III, the null spaces), and the cross blocks that mix the top zone with another.
    public enum ZoneColor {
        public static let top = Color(hex: 0xd95f02)
        public static let middle = Color(hex: 0x1b9e77)
        public static let tail = Color(hex: 0x7570b3)
        public static let cross = Color(hex: 0xb3b3b3)
    }

    /// Task labels fitted to a character budget (see ``FigureLabels/taskLabels(_:maxLength:)``).
    public struct TaskLabels: Equatable, Sendable {
        /// One label per task, unique.
        public var labels: [String]
        /// The words every name shares at its start and end, as a pattern like `codelang-finetune-*`,
        /// when they were dropped from the labels (a figure says it once instead).
        public var common: String?
        /// True when the names could not be shortened meaningfully and the labels are `T1`, `T2`, …:
        /// a figure must then show the key (e.g. legend entries `T1 · full name`).
        public var isIndexed: Bool

        /// Legend text for task `index`: the full name, prefixed with its label when labels are indices.
        public func legend(_ index: Int, name: String) -> String {
            isIndexed ? "\(labels[index]) · \(name)" : name
        }
    }

    /// Short, unique labels for task names, for places where space is tight (bar categories, heatmap
    /// rows and columns, tile titles).
    ///
    /// Names of at most `maxLength` characters, and a single name, are kept. Otherwise the words (split at `-`, `_`, `.`, `/`
    /// and spaces, keeping numbers like `5e-5` and `0.1` whole) that all names share at the start and at
    /// the end are dropped — `codelang-finetune-lr5e-5-seed1…8` become `seed1…8`, with `common` =
    /// `codelang-finetune-lr5e-5-*` for the figure to say once — and then the words that occur in every
    /// name. When that is still too long each name keeps its first word and as many last words as fit
    /// (`codelang…lr5e-5-seed1`). The first variant whose labels are unique and short enough wins; when
    /// none is, the labels are `T1`, `T2`, … (`isIndexed`).
    public static func taskLabels(_ names: [String], maxLength: Int = 16) -> TaskLabels {
        // A single name cannot be confused with another: it is kept (and ellipsized by the plot if need be).
        guard names.count > 1, names.contains(where: { $0.count > maxLength }) else {
            return TaskLabels(labels: names, common: nil, isIndexed: false)
        }
        func acceptable(_ labels: [String]) -> Bool {
            Set(labels).count == labels.count && labels.allSatisfy { !$0.isEmpty && $0.count <= maxLength }
        }
        let words = names.map(Self.words)
        // Common leading and trailing words.
        let shortest = words.map(\.count).min() ?? 0
        var prefix = 0
        while prefix < shortest - 1, words.allSatisfy({ $0[prefix].text == words[0][prefix].text }) { prefix += 1 }
        var suffix = 0
        while suffix < shortest - 1 - prefix, words.allSatisfy({ $0[$0.count - 1 - suffix].text == words[0][words[0].count - 1 - suffix].text }) {
            suffix += 1
        }
        let cores = words.map { Array($0[prefix..<($0.count - suffix)]) }
        var common: String?
        if prefix + suffix > 0 {
            let head = prefix > 0 ? join(Array(words[0][..<prefix])) + words[0][prefix].separator : ""
            let tail = suffix > 0 ? words[0][words[0].count - suffix].separator + join(Array(words[0][(words[0].count - suffix)...])) : ""
            common = head + "*" + tail
        }
        // Words every name contains say nothing about the task either.
        let shared = words.dropFirst().reduce(Set(words[0].map(\.text))) { $0.intersection($1.map(\.text)) }
        let reduced = cores.map { $0.filter { !shared.contains($0.text) } }
        let base = reduced.allSatisfy({ !$0.isEmpty }) ? reduced : cores
        for labels in [cores.map(join), base.map(join)] where acceptable(labels) {
            return TaskLabels(labels: labels, common: common, isIndexed: false)
        }
        // First word … as many last words as fit.
        let elided = base.map { core -> String in
            let full = join(core)
            guard full.count > maxLength, core.count > 1 else { return full }
            for tailCount in stride(from: core.count - 2, through: 1, by: -1) {
                let candidate = core[0].text + "…" + join(Array(core[(core.count - tailCount)...]))
                if candidate.count <= maxLength { return candidate }
            }
            return full
        }
        if acceptable(elided) { return TaskLabels(labels: elided, common: common, isIndexed: false) }
        return TaskLabels(labels: names.indices.map { "T\($0 + 1)" }, common: nil, isIndexed: true)
    }

    /// A word of a name and the separator written before it.
    private struct Word {
        var separator: String
        var text: String
    }

    /// Splits a name into words at `-`, `_`, `.`, `/` and spaces, except inside numbers (`5e-5`, `0.1`).
    private static func words(_ name: String) -> [Word] {
        let characters = Array(name)
        var words: [Word] = []
        var current = "", separator = ""
        for (i, c) in characters.enumerated() {
            let isSeparator = "-_./ ".contains(c)
            let previous = i > 0 ? characters[i - 1] : " "
            let next = i + 1 < characters.count ? characters[i + 1] : " "
            let inNumber = (c == "-" && previous == "e" && i >= 2 && characters[i - 2].isNumber && next.isNumber)
                || (c == "." && previous.isNumber && next.isNumber)
            if isSeparator && !inNumber {
                if !current.isEmpty { words.append(Word(separator: separator, text: current)) }
                current = ""
                separator = String(c)
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { words.append(Word(separator: separator, text: current)) }
        return words.isEmpty ? [Word(separator: "", text: name)] : words
    }

    private static func join(_ words: [Word]) -> String {
        words.enumerated().map { $0 == 0 ? $1.text : $1.separator + $1.text }.joined()
    }

    /// A string usable as a file name: letters, digits, `.`, `_` and `-` are kept, anything else becomes
    /// `_`; never empty, never starting with `.`, at most 180 characters.
    public static func fileStem(_ name: String) -> String {
        var stem = String(name.unicodeScalars.map { scalar -> Character in
            let allowed = scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
            return allowed ? Character(scalar) : "_"
        })
        while stem.hasPrefix(".") { stem = "_" + stem.dropFirst() }
        if stem.isEmpty { stem = "_" }
        return String(stem.prefix(180))
    }

    /// `value` as a percentage: `99%`, `79.2%`, `0.35%` (two significant digits below 1%), `120%`.
    static func percent(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let percent = value * 100
        if percent != 0 && abs(percent) < 1 { return NumberFormat.automatic.string(for: (percent * 100).rounded() / 100) + "%" }
        if abs(percent) >= 99.5 || abs(percent - percent.rounded()) < 0.05 { return NumberFormat.fixed(0).string(for: percent) + "%" }
        return NumberFormat.fixed(1).string(for: percent) + "%"
    }

    /// A ratio to a baseline: `12×`, `1.07×`, `0.3×`, `1.2k×`; `<0.01×` for (numerically) nothing.
    static func ratio(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        if value < 0.01 { return "<0.01×" }
        return NumberFormat.automatic.string(for: value >= 10 ? value.rounded() : value) + "×"
    }

    /// A tick format showing `0…upper` without repeated labels: whole percent from 10%, one decimal from
    /// 1%, two below.
    static func percentFormat(upTo upper: Double) -> NumberFormat {
        upper >= 0.1 ? .percent(0) : upper >= 0.01 ? .percent(1) : .percent(2)
    }

    /// The line style of task `t` in multi-task line plots: colours from ``Palette/tab10`` and, cycling,
    /// solid, dashed, dash-dot and dotted strokes, so lines that lie on top of each other stay visible.
    static func taskDash(_ t: Int) -> Dash {
        [Dash.solid, .dashed, .dashDot, .dotted][t % 4]
    }
}

/// The kind of module a linear layer belongs to, parsed from its name (BERT, LLaMA/Mistral, GPT-2/OPT
/// and ViT/CLIP conventions).
public enum ModuleKind: String, CaseIterable, Sendable {
    case query = "q", key = "k", value = "v", output = "o", mlp, other

    /// Parses a tensor name such as `encoder.layer.3.attention.self.query.weight` or
    /// `model.layers.3.mlp.down_proj.weight`.
    public init(layerName: String) {
        let parts = Self.parts(layerName)
        let joined = parts.joined(separator: ".")
        func has(_ part: String) -> Bool { parts.contains(part) }
        let attention = parts.contains { $0.lowercased().contains("attn") || $0.lowercased().contains("attention") }
        if has("query") || has("q_proj") || has("q") && attention {
            self = .query
        } else if has("key") || has("k_proj") || has("k") && attention {
            self = .key
        } else if has("value") || has("v_proj") || has("v") && attention {
            self = .value
        } else if joined.contains("attention.output.dense") || has("o_proj") || has("out_proj") || joined.contains("attn.c_proj")
                    || joined.contains("attention.output") || joined.contains("attn.proj") || has("o") && attention {
            self = .output
        } else if has("intermediate") || has("up_proj") || has("gate_proj") || has("down_proj") || joined.contains("output.dense")
                    || has("fc1") || has("fc2") || has("mlp") || has("ffn") || has("c_fc") || ["w1", "w2", "w3", "wi", "wo"].contains(where: has) {
            self = .mlp
        } else {
            self = .other
        }
    }

    /// A short tick label for the layer within its block: `q`, `k`, `v`, `o`, `up`, `gate`, `down`, `mlp`,
    /// or the layer's own last name part for other layers.
    static func shortName(_ layerName: String) -> String {
        let parts = parts(layerName)
        let kind = ModuleKind(layerName: layerName)
        switch kind {
        case .query, .key, .value, .output: return kind.rawValue
        case .mlp:
            let joined = parts.joined(separator: ".")
            if parts.contains("gate_proj") || parts.contains("w1") { return "gate" }
            if parts.contains("intermediate") || parts.contains("up_proj") || parts.contains("fc1") || parts.contains("c_fc") || parts.contains("w3") || parts.contains("wi") { return "up" }
            if joined.contains("output.dense") || parts.contains("down_proj") || parts.contains("fc2") || parts.contains("c_proj") || parts.contains("w2") || parts.contains("wo") { return "down" }
            return "mlp"
        case .other:
            return String((parts.last(where: { Int($0) == nil }) ?? layerName).prefix(8))
        }
    }

    /// The block (transformer layer) index: the first all-digit part of the name, or nil.
    static func blockIndex(_ layerName: String) -> Int? {
        parts(layerName).lazy.compactMap { Int($0) }.first
    }

    /// A short label for a layer in a whole-model figure: `L3 q`, `L3 up`, or the short name alone
    /// outside numbered blocks.
    static func tickLabel(_ layerName: String) -> String {
        let short = shortName(layerName)
        return blockIndex(layerName).map { "L\($0) \(short)" } ?? short
    }

    /// The layers in model order, as far as names tell: embeddings first, then by block index, within a
    /// block q, k, v, o, gate, up, down, other MLP, other; layers outside numbered blocks last; ties keep
    /// their given order.
    static func modelOrder(_ layers: [LayerAnalysis]) -> [LayerAnalysis] {
        let order = ["q", "k", "v", "o", "gate", "up", "down", "mlp"]
        func key(_ layer: LayerAnalysis) -> (Int, Int) {
            let block = blockIndex(layer.name) ?? (layer.name.lowercased().contains("embed") ? -1 : Int.max)
            return (block, order.firstIndex(of: shortName(layer.name)) ?? order.count)
        }
        return layers.enumerated().sorted { lhs, rhs in
            let a = key(lhs.element), b = key(rhs.element)
            return a != b ? a < b : lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// The name's dot-separated parts without a trailing `weight`.
    private static func parts(_ name: String) -> [String] {
        var parts = name.split(separator: ".").map(String.init)
        if parts.last == "weight" { parts.removeLast() }
        return parts
    }
}
