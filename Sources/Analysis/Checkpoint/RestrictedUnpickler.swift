/// Reads the `data.pkl` of a `torch.save` archive into a state dict, the way
/// `torch.load(weights_only=True)` does, without running anything from the file.
///
/// Opcodes of protocols 2–5 that a state dict uses are interpreted (`PROTO`, `FRAME`, `STOP`, `MARK`,
/// `POP`, `POP_MARK`, `EMPTY_DICT/LIST/TUPLE`, `TUPLE`, `TUPLE1–3`, `BININT`, `BININT1/2`, `LONG1`,
/// `BINFLOAT`, `NONE`, `NEWTRUE/NEWFALSE`, `BINUNICODE`, `SHORT_BINUNICODE`, `BINUNICODE8`,
/// `BINPUT`, `LONG_BINPUT`, `MEMOIZE`, `BINGET`, `LONG_BINGET`, `SETITEM(S)`, `APPEND(S)`, `GLOBAL`,
/// `STACK_GLOBAL`, `REDUCE`, `NEWOBJ`, `BUILD`, `BINPERSID`); any other opcode is refused. `GLOBAL` and
/// `STACK_GLOBAL` accept only ``TorchGlobal`` names and refuse every other one at once
/// (``CheckpointError/refusedGlobal(file:global:)``). `REDUCE` applies only `OrderedDict()`,
/// `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`,
/// `_rebuild_tensor(storage, offset, size, stride)` and `_rebuild_parameter(tensor, requires_grad, hooks)`;
/// `BUILD` only sets attributes of a dict or tensor (ignored: `_metadata`). A persistent id must be
/// `('storage', <storage type>, key, location, numel)`.
///
/// Bounds: containers nest at most ``maximumDepth`` deep; strings and integers are read only after their
/// length is checked against the bytes left, so nothing is allocated beyond the pickle's own size.
/// The result must be a dict of string keys to tensors.
struct RestrictedUnpickler {
    /// Deepest container nesting accepted (a state dict needs 3).
    static let maximumDepth = 32
    /// Longest `GLOBAL` module or name line.
    static let maximumNameLength = 256

    private let bytes: [UInt8]
    private let file: String
    private var position = 0
    private var opcodeStart = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Every list and dict built, emptied when done: a pickle can put a container inside itself, and the
    /// reference cycle would otherwise never be freed.
    private var lists: [PickleList] = []
    private var dicts: [PickleDict] = []

    /// The tensors of the state dict pickled in `bytes` (from `file`, for messages), in dict order.
    static func stateDict(_ bytes: [UInt8], file: String) throws -> [(name: String, tensor: TorchTensorReference)] {
        var unpickler = RestrictedUnpickler(bytes: bytes, file: file)
        defer { unpickler.releaseContainers() }
        let root = try unpickler.run()
        guard case let .dict(dict) = root else {
            throw CheckpointError.invalidTorchFile(file: file, reason: "data.pkl holds \(root.summary), not a state dict")
        }
        return try dict.entries.map { entry in
            guard case let .string(name) = entry.key else {
                throw CheckpointError.invalidTorchFile(file: file, reason: "state dict key \(entry.key.summary) is not a string")
            }
            guard case let .tensor(tensor) = entry.value else {
                throw CheckpointError.invalidTorchFile(file: file, reason: "state dict entry \(CheckpointError.quoted(name)) is \(entry.value.summary), not a tensor")
            }
            return (name, tensor)
        }
    }

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    private func invalid(_ reason: String) -> CheckpointError {
        .invalidTorchFile(file: file, reason: "data.pkl byte \(opcodeStart): \(reason)")
    }

    /// Interprets opcodes up to `STOP` and returns the value left on the stack.
    private mutating func run() throws -> PickleValue {
        while true {
            opcodeStart = position
            guard let opcode = try readByte() else { throw invalid("ends without STOP") }
            switch opcode {
            case 0x80: // PROTO
                guard let version = try readByte(), (2...5).contains(version) else { throw invalid("unsupported pickle protocol") }
            case 0x95: // FRAME
                guard try readInteger(8) <= UInt64(bytes.count - position) else { throw invalid("frame runs past the end") }
            case 0x2E: // STOP
                guard stack.count == 1, marks.isEmpty else { throw invalid("STOP with \(stack.count) values on the stack") }
                return stack[0]
            case 0x28: marks.append(stack.count) // MARK
            case 0x30: _ = try pop() // POP
            case 0x31: _ = try popToMark() // POP_MARK
            case 0x7D: stack.append(.dict(newDict())) // EMPTY_DICT
            case 0x5D: // EMPTY_LIST
                let list = PickleList()
                lists.append(list)
                stack.append(.list(list))
            case 0x29: stack.append(.tuple([], depth: 1)) // EMPTY_TUPLE
            case 0x74: stack.append(try tuple(try popToMark())) // TUPLE
            case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
                let count = Int(opcode - 0x84)
                guard stack.count - (marks.last ?? 0) >= count else { throw invalid("TUPLE\(count) needs \(count) values") }
                let items = Array(stack.suffix(count))
                stack.removeLast(count)
                stack.append(try tuple(items))
            case 0x4A: stack.append(.int(Int(Int32(bitPattern: UInt32(try readInteger(4)))))) // BININT
            case 0x4B: stack.append(.int(Int(try readInteger(1)))) // BININT1
            case 0x4D: stack.append(.int(Int(try readInteger(2)))) // BININT2
            case 0x8A: stack.append(.int(try readLong1())) // LONG1
            case 0x47: stack.append(.float(Double(bitPattern: try readInteger(8).byteSwapped))) // BINFLOAT
            case 0x4E: stack.append(.none) // NONE
            case 0x88: stack.append(.bool(true)) // NEWTRUE
            case 0x89: stack.append(.bool(false)) // NEWFALSE
            case 0x58: stack.append(.string(try readString(lengthBytes: 4))) // BINUNICODE
            case 0x8C: stack.append(.string(try readString(lengthBytes: 1))) // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try readString(lengthBytes: 8))) // BINUNICODE8
            case 0x71: memo[Int(try readInteger(1))] = try top() // BINPUT
            case 0x72: memo[Int(try readInteger(4))] = try top() // LONG_BINPUT
            case 0x94: memo[memo.count] = try top() // MEMOIZE
            case 0x68, 0x6A: // BINGET, LONG_BINGET
                let index = Int(try readInteger(opcode == 0x68 ? 1 : 4))
                guard let value = memo[index] else { throw invalid("memo entry \(index) is not set") }
                stack.append(value)
            case 0x73: // SETITEM
                let value = try pop(), key = try pop()
                try setItems([key, value])
            case 0x75: try setItems(try popToMark()) // SETITEMS
            case 0x61: try append([try pop()]) // APPEND
            case 0x65: try append(try popToMark()) // APPENDS
            case 0x63: stack.append(.global(try global(module: try readLine(), name: try readLine()))) // GLOBAL
            case 0x93: // STACK_GLOBAL
                guard case let .string(name) = try pop(), case let .string(module) = try pop() else { throw invalid("STACK_GLOBAL needs two strings") }
                stack.append(.global(try global(module: module, name: name)))
            case 0x52: // REDUCE
                let arguments = try pop(), callable = try pop()
                stack.append(try reduce(callable, arguments))
            case 0x81: // NEWOBJ
                let arguments = try pop(), type = try pop()
                guard case .global(.orderedDict) = type else { throw invalid("NEWOBJ of \(type.summary)") }
                stack.append(try reduce(type, arguments))
            case 0x62: // BUILD
                let state = try pop()
                switch try top() {
                case .dict, .tensor: guard state.depth < Self.maximumDepth else { throw invalid("state nests too deep") }
                case let target: throw invalid("BUILD on \(target.summary)")
                }
            case 0x51: stack.append(try persistentLoad(try pop())) // BINPERSID
            default:
                throw invalid("opcode 0x\(String(opcode, radix: 16)) is not used by state dicts and is refused")
            }
        }
    }

    // MARK: Stack

    private mutating func newDict() -> PickleDict {
        let dict = PickleDict()
        dicts.append(dict)
        return dict
    }

    /// Empties every container built, which breaks any reference cycle among them.
    private mutating func releaseContainers() {
        lists.forEach { $0.items = [] }
        dicts.forEach { $0.removeAll() }
        stack = []
        memo = [:]
    }

    private mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) else { throw invalid("stack underflow") }
        return stack.removeLast()
    }

    private func top() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.last else { throw invalid("stack underflow") }
        return value
    }

    private mutating func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw invalid("no MARK") }
        let items = Array(stack[mark...])
        stack.removeLast(stack.count - mark)
        return items
    }

    private func tuple(_ items: [PickleValue]) throws -> PickleValue {
        let depth = 1 + (items.map(\.depth).max() ?? 0)
        guard depth <= Self.maximumDepth else { throw invalid("containers nest deeper than \(Self.maximumDepth)") }
        return .tuple(items, depth: depth)
    }

    private mutating func setItems(_ items: [PickleValue]) throws {
        guard items.count % 2 == 0 else { throw invalid("SETITEMS with an odd number of values") }
        guard case let .dict(dict) = try top() else { throw invalid("SETITEM(S) on \(try top().summary)") }
        for index in stride(from: 0, to: items.count, by: 2) {
            dict.depth = max(dict.depth, 1 + max(items[index].depth, items[index + 1].depth))
            guard dict.depth <= Self.maximumDepth else { throw invalid("containers nest deeper than \(Self.maximumDepth)") }
            dict.set(items[index], items[index + 1])
        }
    }

    private mutating func append(_ items: [PickleValue]) throws {
        guard case let .list(list) = try top() else { throw invalid("APPEND(S) on \(try top().summary)") }
        list.depth = max(list.depth, 1 + (items.map(\.depth).max() ?? 0))
        guard list.depth <= Self.maximumDepth else { throw invalid("containers nest deeper than \(Self.maximumDepth)") }
        list.items += items
    }

    // MARK: Globals, calls, storages

    private func global(module: String, name: String) throws -> TorchGlobal {
        guard let global = TorchGlobal(module: module, name: name) else {
            throw CheckpointError.refusedGlobal(file: file, global: "\(module).\(name)")
        }
        return global
    }

    private mutating func reduce(_ callable: PickleValue, _ arguments: PickleValue) throws -> PickleValue {
        guard case let .global(function) = callable else { throw invalid("REDUCE calls \(callable.summary)") }
        guard case let .tuple(arguments, _) = arguments else { throw invalid("REDUCE of \(function.name) with \(arguments.summary) as arguments") }
        func bad() -> CheckpointError {
            invalid("\(function.name) called with (\(arguments.map(\.summary).joined(separator: ", ")))")
        }
        switch function {
        case .orderedDict:
            guard arguments.isEmpty else { throw bad() }
            return .dict(newDict())
        case .rebuildTensorV2, .rebuildTensor:
            let counts = function == .rebuildTensor ? 4...4 : 6...7
            guard counts.contains(arguments.count), case let .storage(storage) = arguments[0], case let .int(offset) = arguments[1],
                  let shape = integers(arguments[2]), let stride = integers(arguments[3])
            else { throw bad() }
            return .tensor(TorchTensorReference(storage: storage, offset: offset, shape: shape, stride: stride))
        case .rebuildParameter:
            guard arguments.count == 3, case .tensor = arguments[0] else { throw bad() }
            return arguments[0]
        case .storage:
            throw bad()
        }
    }

    /// The integers of a tuple, or nil.
    private func integers(_ value: PickleValue) -> [Int]? {
        guard case let .tuple(items, _) = value else { return nil }
        var result = [Int]()
        for item in items {
            guard case let .int(integer) = item else { return nil }
            result.append(integer)
        }
        return result
    }

    private func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        guard case let .tuple(items, _) = id, items.count == 5, case .string("storage") = items[0],
              case let .global(.storage(dtype)) = items[1], case let .string(key) = items[2],
              case let .string(location) = items[3], case let .int(count) = items[4], count >= 0
        else { throw invalid("persistent id \(id.summary) is not ('storage', <storage type>, key, location, numel)") }
        return .storage(TorchStorageReference(dtype: dtype, key: key, location: location, count: count))
    }

    // MARK: Reading

    private mutating func readByte() throws -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    /// A little-endian unsigned integer of `count` (≤ 8) bytes.
    private mutating func readInteger(_ count: Int) throws -> UInt64 {
        guard count <= bytes.count - position else { throw invalid("truncated argument") }
        var value: UInt64 = 0
        for index in 0..<count { value |= UInt64(bytes[position + index]) << (8 * index) }
        position += count
        return value
    }

    /// `LONG1`: a length byte, then that many bytes of little-endian two's complement (at most 8).
    private mutating func readLong1() throws -> Int {
        let count = Int(try readInteger(1))
        guard count <= 8 else { throw invalid("integer of \(count) bytes is beyond 64 bits") }
        guard count > 0 else { return 0 }
        let raw = try readInteger(count)
        let shift = UInt64(64 - 8 * count)
        return Int(Int64(bitPattern: raw << shift) >> shift)
    }

    private mutating func readString(lengthBytes: Int) throws -> String {
        let length = try readInteger(lengthBytes)
        guard length <= UInt64(bytes.count - position) else { throw invalid("string of \(length) bytes runs past the end") }
        let end = position + Int(length)
        defer { position = end }
        guard let text = String(validating: bytes[position..<end], as: UTF8.self) else { throw invalid("string is not UTF-8") }
        return text
    }

    /// A `GLOBAL` argument: bytes up to a newline, at most ``maximumNameLength``.
    private mutating func readLine() throws -> String {
        let limit = min(bytes.count, position + Self.maximumNameLength + 1)
        guard let newline = bytes[position..<limit].firstIndex(of: 0x0A) else { throw invalid("GLOBAL name is unterminated or too long") }
        defer { position = newline + 1 }
        guard let text = String(validating: bytes[position..<newline], as: UTF8.self) else { throw invalid("GLOBAL name is not UTF-8") }
        return text
    }
}
