/// What one stored input tensor of a layer was: enough to tell whether a stored result was computed from
/// the same bytes without reading them all.
///
/// A layer's inputs are the base tensor, then for each model in task order its fine-tuned tensor (full
/// fine-tune) or its `lora_A` and `lora_B` factors (LoRA adapter; none for a module the adapter does not
/// touch).
public struct TensorIdentity: Codable, Sendable, Equatable {
    /// The file holding the tensor, as the path was given.
    public var path: String
    /// The tensor's name in that file.
    public var tensor: String
    /// Its shape.
    public var shape: [Int]
    /// Its stored dtype (`F32`, `BF16`, …).
    public var dtype: String
    /// Its stored size in bytes.
    public var byteCount: Int
    /// ``ContentFingerprint`` of its bytes.
    public var fingerprint: String

    public init(path: String, tensor: String, shape: [Int], dtype: String, byteCount: Int, fingerprint: String) {
        self.path = path
        self.tensor = tensor
        self.shape = shape
        self.dtype = dtype
        self.byteCount = byteCount
        self.fingerprint = fingerprint
    }
}
