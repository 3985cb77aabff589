/// A value built by the ``RestrictedUnpickler``: the Python objects a state dict's pickle can hold.
///
/// Lists and dicts are reference types because pickle mutates them after they are memoized (`SETITEMS`
/// on a dict fetched again with `BINGET` must be seen through every reference). Every container
/// records its nesting depth, which the unpickler bounds, so no value is deep enough to overflow the
/// stack when it is released.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tuple([PickleValue], depth: Int)
    case list(PickleList)
    case dict(PickleDict)
    /// An allowed global: a callable `REDUCE` may apply, or a storage type.
    case global(TorchGlobal)
    /// A storage named by a persistent id.
    case storage(TorchStorageReference)
    /// A tensor rebuilt by `_rebuild_tensor_v2` / `_rebuild_tensor` / `_rebuild_parameter`.
    case tensor(TorchTensorReference)

    /// 0 for scalars, 1 + the deepest element for containers.
    var depth: Int {
        switch self {
        case let .tuple(_, depth): return depth
        case let .list(list): return list.depth
        case let .dict(dict): return dict.depth
        default: return 0
        }
    }

    /// A few words for messages, e.g. `a tuple of 3`, `the string "storage"`.
    var summary: String {
        switch self {
        case .none: return "None"
        case let .bool(value): return value ? "True" : "False"
        case let .int(value): return "the integer \(value)"
        case let .float(value): return "the float \(value)"
        case let .string(text): return "the string \(CheckpointError.quoted(String(text.prefix(40))))"
        case let .tuple(items, _): return "a tuple of \(items.count)"
        case let .list(list): return "a list of \(list.items.count)"
        case let .dict(dict): return "a dict of \(dict.entries.count)"
        case let .global(global): return "the global \(global.name)"
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        }
    }
}

/// A Python list under construction.
final class PickleList {
    var items: [PickleValue] = []
    var depth = 1
}

/// A Python dict (or `OrderedDict`): entries in insertion order; a repeated key replaces the value.
final class PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var positions: [String: Int] = [:]
    var depth = 1

    /// Sets `key` to `value`. String keys replace an earlier equal key, as in Python; other keys are
    /// appended (they never name a tensor).
    func set(_ key: PickleValue, _ value: PickleValue) {
        if case let .string(text) = key, let position = positions[text] {
            entries[position].value = value
            return
        }
        if case let .string(text) = key { positions[text] = entries.count }
        entries.append((key, value))
    }

    /// Drops every entry.
    func removeAll() {
        entries = []
        positions = [:]
    }
}

/// The only globals a pickle may name: what `torch.load(weights_only=True)` needs for a state dict of
/// dense tensors.
enum TorchGlobal: Equatable {
    case orderedDict
    case rebuildTensorV2
    case rebuildTensor
    case rebuildParameter
    case storage(DType)

    /// `torch.<Name>Storage` classes and the element type each stores.
    static let storageTypes: [String: DType] = [
        "FloatStorage": .f32, "HalfStorage": .f16, "BFloat16Storage": .bf16, "DoubleStorage": .f64, "LongStorage": .i64,
        "IntStorage": .i32, "ShortStorage": .i16, "CharStorage": .i8, "ByteStorage": .u8, "BoolStorage": .bool,
    ]

    /// The allowed global `module.name`, or nil.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch", _):
            guard let dtype = Self.storageTypes[name] else { return nil }
            self = .storage(dtype)
        default: return nil
        }
    }

    /// The dotted name, e.g. `torch._utils._rebuild_tensor_v2`.
    var name: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildTensor: return "torch._utils._rebuild_tensor"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case let .storage(dtype): return "torch." + Self.storageTypes.first { $0.value == dtype }!.key
        }
    }
}

/// A storage as a persistent id names it: `('storage', torch.FloatStorage, '0', 'cpu', numel)`; its
/// bytes are the archive entry `<archive>/data/<key>`.
struct TorchStorageReference: Equatable {
    /// Element type, from the storage class.
    let dtype: DType
    /// The archive key (`data/<key>`).
    let key: String
    /// Where it lived when saved (`cpu`, `cuda:0`); the bytes are the same.
    let location: String
    /// Number of elements.
    let count: Int
}

/// A tensor as `_rebuild_tensor_v2(storage, storage_offset, size, stride, …)` describes it: element
/// (i₀, …, iₙ₋₁) is storage element `offset + Σ iₖ·stride[k]`.
struct TorchTensorReference: Equatable {
    let storage: TorchStorageReference
    /// Offset of element (0, …, 0) in the storage, in elements.
    let offset: Int
    /// Dimensions, outermost first.
    let shape: [Int]
    /// Elements to step in the storage per index of each dimension.
    let stride: [Int]
}
