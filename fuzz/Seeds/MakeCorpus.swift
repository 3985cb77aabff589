import Foundation

/// Writes the committed seed corpus: `fuzz/corpus/safetensors/` (small valid files from
/// ``SafetensorsWriter`` and one hand-written file per header rule broken) and
/// `fuzz/corpus/lora-config/` (PEFT configs as PEFT writes them, and one per config rule broken).
/// Run by `fuzz/make-corpus`; deterministic, so re-running it rewrites identical files.
@main
struct MakeCorpus {
    static func main() throws {
        let root = URL(fileURLWithPath: CommandLine.arguments[1])
        try SafetensorsSeeds.write(into: root.appendingPathComponent("safetensors"))
        try LoRAConfigSeeds.write(into: root.appendingPathComponent("lora-config"))
    }
}

/// Seeds for the safetensors target.
enum SafetensorsSeeds {
    static func write(into directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try valid(into: directory)
        for (name, bytes) in malformed {
            try Data(bytes).write(to: directory.appendingPathComponent("rule-\(name).safetensors"))
        }
    }

    /// Files written by our writer — every writable dtype, scalars, empty tensors, escaped names — and
    /// two it cannot write: F8 tensors, and entries listed out of offset order.
    private static func valid(into directory: URL) throws {
        func tensor(_ shape: [Int], _ start: Float = 1) -> Tensor {
            Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { start + Float($0) })
        }
        try SafetensorsWriter.write(
            ["encoder.layer.0.attention.self.query.weight": tensor([4, 3]), "encoder.layer.0.attention.self.query.bias": tensor([4])],
            to: directory.appendingPathComponent("valid-f32.safetensors"))
        let names = ["f64", "f32", "f16", "bf16", "i64", "i32", "i16", "i8", "u8", "bool"]
        let dtypes: [DType] = [.f64, .f32, .f16, .bf16, .i64, .i32, .i16, .i8, .u8, .bool]
        try SafetensorsWriter.write(
            Dictionary(uniqueKeysWithValues: names.map { ($0, tensor([2], $0 == "bool" ? 0 : 1)) }),
            to: directory.appendingPathComponent("valid-every-dtype.safetensors"), dtypes: Dictionary(uniqueKeysWithValues: zip(names, dtypes)))
        try SafetensorsWriter.write(
            ["scalar": tensor([]), "empty": tensor([0, 5]), "name \"with\" \\ escapes\n": tensor([1]), "ünïcødé.权重": tensor([2, 1])],
            to: directory.appendingPathComponent("valid-odd-shapes-and-names.safetensors"), metadata: nil)
        try SafetensorsWriter.write(
            ["base_model.model.encoder.layer.0.attention.self.query.lora_A.weight": tensor([2, 3]),
             "base_model.model.encoder.layer.0.attention.self.query.lora_B.weight": tensor([4, 2])],
            to: directory.appendingPathComponent("valid-lora-adapter.safetensors"), dtype: .bf16)
        try SafetensorsWriter.write([:], to: directory.appendingPathComponent("valid-no-tensors.safetensors"))
        try Data(file(header: #"{"e4m3":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]},"e5m2":{"dtype":"F8_E5M2","shape":[2],"data_offsets":[2,4]}}"#, data: [0x38, 0x7F, 0x3C, 0x7C]))
            .write(to: directory.appendingPathComponent("valid-f8.safetensors"))
        try Data(file(header: "{\(entry("b", shape: "[2]", offsets: "[8,16]")),\(entry("a", shape: "[2]", offsets: "[0,8]"))}", data: [UInt8](repeating: 0, count: 16)))
            .write(to: directory.appendingPathComponent("valid-unsorted-offsets.safetensors"))
    }

    /// An 8-byte little-endian length (`declared`, default the header's size), the header, then `data`.
    private static func file(header: String, data: [UInt8] = [], declared: UInt64? = nil) -> [UInt8] {
        file(headerBytes: Array(header.utf8), data: data, declared: declared)
    }

    private static func file(headerBytes: [UInt8], data: [UInt8] = [], declared: UInt64? = nil) -> [UInt8] {
        withUnsafeBytes(of: (declared ?? UInt64(headerBytes.count)).littleEndian) { Array($0) } + headerBytes + data
    }

    private static func entry(_ name: String, dtype: String = "F32", shape: String = "[2,2]", offsets: String = "[0,16]") -> String {
        #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
    }

    /// One file per rule of ``SafetensorsHeaderParser`` and ``SafetensorsFile``.
    private static var malformed: [(String, [UInt8])] {
        let zeros16 = [UInt8](repeating: 0, count: 16)
        return [
            ("file-too-small", [1, 0, 0]),
            ("header-too-large", file(header: "{}", declared: 100_000_001)),
            ("header-beyond-file", file(header: "{}", declared: 1000)),
            ("header-length-2-64", file(header: "{}", declared: .max)),
            ("not-utf8", file(headerBytes: [0x7B, 0x22, 0xFF, 0x22, 0x7D])),
            ("overlong-utf8", file(headerBytes: [0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D])),
            ("not-an-object", file(header: "[1,2]")),
            ("not-json", file(header: "{\"a\":}")),
            ("duplicate-name", file(header: "{\(entry("a")),\(entry("a", offsets: "[16,32]"))}", data: zeros16 + zeros16)),
            ("deep-nesting", file(header: "{\"a\":" + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "}")),
            ("unbalanced-nesting", file(header: String(repeating: "[", count: 4000))),
            ("unknown-dtype", file(header: "{\(entry("a", dtype: "F33"))}", data: zeros16)),
            ("negative-dimension", file(header: "{\(entry("a", shape: "[-1,2]"))}", data: zeros16)),
            ("fractional-dimension", file(header: "{\(entry("a", shape: "[2.0,2]"))}", data: zeros16)),
            ("dimension-beyond-64-bits", file(header: "{\(entry("a", shape: "[18446744073709551616]"))}", data: zeros16)),
            ("shape-overflow", file(header: "{\(entry("a", dtype: "F32", shape: "[2147483648,2147483648,2147483648]"))}", data: zeros16)),
            ("huge-element-count", file(header: "{\(entry("a", dtype: "U8", shape: "[1152921504606846976]", offsets: "[0,1152921504606846976]"))}", data: zeros16)),
            ("byte-length-mismatch", file(header: "{\(entry("a", offsets: "[0,12]"))}", data: [UInt8](repeating: 0, count: 12))),
            ("offsets-beyond-data", file(header: "{\(entry("a"))}", data: [UInt8](repeating: 0, count: 8))),
            ("offsets-reversed", file(header: "{\(entry("a", offsets: "[16,0]"))}", data: zeros16)),
            ("offsets-not-a-pair", file(header: "{\(entry("a", offsets: "[0]"))}", data: zeros16)),
            ("overlapping", file(header: "{\(entry("a", shape: "[2]", offsets: "[0,8]")),\(entry("b", shape: "[2]", offsets: "[4,12]"))}", data: [UInt8](repeating: 0, count: 12))),
            ("hole", file(header: "{\(entry("a", shape: "[2]", offsets: "[0,8]")),\(entry("b", shape: "[2]", offsets: "[12,20]"))}", data: [UInt8](repeating: 0, count: 20))),
            ("trailing-data", file(header: "{\(entry("a", shape: "[2]", offsets: "[0,8]"))}", data: [UInt8](repeating: 0, count: 12))),
            ("metadata-not-strings", file(header: "{\"__metadata__\":{\"format\":1}}")),
            ("metadata-not-an-object", file(header: "{\"__metadata__\":[\"pt\"]}")),
            ("entry-missing-dtype", file(header: "{\"a\":{\"shape\":[],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0])),
            ("truncated-data", file(header: "{\(entry("a"))}", data: [UInt8](repeating: 0, count: 10))),
        ]
    }
}

/// Seeds for the LoRA config target.
enum LoRAConfigSeeds {
    static func write(into directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in valid + malformed {
            try Data(text.utf8).write(to: directory.appendingPathComponent("\(name).json"))
        }
        try Data([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]).write(to: directory.appendingPathComponent("rule-not-utf8.json"))
    }

    private static let valid: [(String, String)] = [
        ("valid-minimal", #"{"peft_type":"LORA","r":8,"lora_alpha":16}"#),
        ("valid-bert-peft-0.13", """
        {"alpha_pattern":{},"auto_mapping":null,"base_model_name_or_path":"sentence-transformers/all-MiniLM-L6-v2","bias":"none",\
        "fan_in_fan_out":false,"inference_mode":true,"init_lora_weights":true,"layer_replication":null,"layers_pattern":null,\
        "layers_to_transform":null,"loftq_config":{},"lora_alpha":16,"lora_dropout":0.1,"megatron_config":null,"megatron_core":"megatron.core",\
        "modules_to_save":null,"peft_type":"LORA","r":8,"rank_pattern":{},"revision":null,"target_modules":["query","value","key","dense"],\
        "task_type":"FEATURE_EXTRACTION","use_dora":false,"use_rslora":false}
        """),
        ("valid-llama-patterns-rslora", """
        {"peft_type":"LORA","r":16,"lora_alpha":32.0,"use_rslora":true,"target_modules":["q_proj","k_proj","v_proj","o_proj"],\
        "rank_pattern":{"model.layers.31.self_attn.v_proj":4,"^model\\\\.layers\\\\.(1|2)\\\\..*":8,"v_proj":2},\
        "alpha_pattern":{"q_proj":64,"layers\\\\.3\\\\d\\\\.self_attn\\\\.v_proj":8.5},"base_model_name_or_path":"meta-llama/Llama-2-7b-hf"}
        """),
        ("valid-gpt2-fan-in-fan-out", #"{"peft_type":"LORA","r":4,"lora_alpha":8,"fan_in_fan_out":true,"target_modules":".*\\.attn\\.c_attn","use_dora":null,"rank_pattern":null,"alpha_pattern":null}"#),
        ("valid-unicode-and-escapes", #"{"peft_type":"LORA","r":1,"lora_alpha":1e0,"base_model_name_or_path":"mod\u00e8le/\ud83d\ude00","target_modules":["a\/b"]}"#),
    ]

    private static let malformed: [(String, String)] = [
        ("rule-not-an-object", #"["peft_type","LORA"]"#),
        ("rule-not-json", #"{"peft_type":"LORA","r":8,}"#),
        ("rule-duplicate-key", #"{"peft_type":"LORA","r":8,"r":4,"lora_alpha":16}"#),
        ("rule-deep-nesting", "{\"peft_type\":\"LORA\",\"r\":8,\"lora_alpha\":16,\"loftq_config\":" + String(repeating: "{\"a\":", count: 70) + "1" + String(repeating: "}", count: 70) + "}"),
        ("rule-missing-peft-type", #"{"r":8,"lora_alpha":16}"#),
        ("rule-not-lora", #"{"peft_type":"IA3","target_modules":["k","v"],"feedforward_modules":["fc"]}"#),
        ("rule-dora", #"{"peft_type":"LORA","r":8,"lora_alpha":16,"use_dora":true}"#),
        ("rule-flag-not-boolean", #"{"peft_type":"LORA","r":8,"lora_alpha":16,"use_rslora":"yes"}"#),
        ("rule-rank-zero", #"{"peft_type":"LORA","r":0,"lora_alpha":16}"#),
        ("rule-rank-fractional", #"{"peft_type":"LORA","r":8.0,"lora_alpha":16}"#),
        ("rule-rank-beyond-64-bits", #"{"peft_type":"LORA","r":99999999999999999999,"lora_alpha":16}"#),
        ("rule-alpha-missing", #"{"peft_type":"LORA","r":8}"#),
        ("rule-alpha-string", #"{"peft_type":"LORA","r":8,"lora_alpha":"16"}"#),
        ("rule-pattern-not-an-object", #"{"peft_type":"LORA","r":8,"lora_alpha":16,"rank_pattern":["q"]}"#),
        ("rule-pattern-invalid-regex", #"{"peft_type":"LORA","r":8,"lora_alpha":16,"rank_pattern":{"(q":4}}"#),
        ("rule-pattern-rank-negative", #"{"peft_type":"LORA","r":8,"lora_alpha":16,"rank_pattern":{"q":-4}}"#),
        ("rule-pattern-alpha-string", #"{"peft_type":"LORA","r":8,"lora_alpha":16,"alpha_pattern":{"q":"4"}}"#),
        ("rule-nan-literal", #"{"peft_type":"LORA","r":8,"lora_alpha":NaN}"#),
        ("rule-lone-surrogate", #"{"peft_type":"LORA","r":8,"lora_alpha":16,"base_model_name_or_path":"\udc00"}"#),
    ]
}
