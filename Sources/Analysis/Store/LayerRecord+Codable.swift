/// A record file's JSON: `{"tensor": …, "inputs": […], "kind": "layer" | "tensor" | "vector" |
/// "nonFinite" | "skipped", "<kind>": <the result>}` — for the problem kinds the value is `{"tensor",
/// "reason"}`. A `kind` with no matching value is a decoding error (the file is treated as corrupt).
extension LayerRecord: Codable {
    private enum Key: String, CodingKey { case tensor, inputs, kind, layer, vector, nonFinite, skipped, tensorModes }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        tensor = try container.decode(String.self, forKey: .tensor)
        inputs = try container.decode([TensorIdentity].self, forKey: .inputs)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "layer": result = .layer(try container.decode(LayerAnalysis.self, forKey: .layer))
        case "tensor": result = .tensor(try container.decode(TensorModeAnalysis.self, forKey: .tensorModes))
        case "vector": result = .vector(try container.decode(VectorUpdate.self, forKey: .vector))
        case "nonFinite": result = .nonFinite(try container.decode(FamilyReport.Problem.self, forKey: .nonFinite))
        case "skipped": result = .skipped(try container.decode(FamilyReport.Problem.self, forKey: .skipped))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown record kind \"\(kind)\"")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(tensor, forKey: .tensor)
        try container.encode(inputs, forKey: .inputs)
        switch result {
        case let .layer(layer):
            try container.encode("layer", forKey: .kind)
            try container.encode(layer, forKey: .layer)
        case let .tensor(tensor):
            try container.encode("tensor", forKey: .kind)
            try container.encode(tensor, forKey: .tensorModes)
        case let .vector(vector):
            try container.encode("vector", forKey: .kind)
            try container.encode(vector, forKey: .vector)
        case let .nonFinite(problem):
            try container.encode("nonFinite", forKey: .kind)
            try container.encode(problem, forKey: .nonFinite)
        case let .skipped(problem):
            try container.encode("skipped", forKey: .kind)
            try container.encode(problem, forKey: .skipped)
        }
    }
}
