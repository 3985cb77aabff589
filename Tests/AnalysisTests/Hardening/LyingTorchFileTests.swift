import Foundation
import Testing
@testable import Analysis

extension Hardening {
    /// PyTorch files that lie — pickles calling code, nesting deep, claiming huge strings; tensors past
    /// their storage or broadcast far beyond it; zip directories pointing outside the file; truncations
    /// and byte flips of a real `torch.save` file — give a clear ``CheckpointError`` in bounded time and
    /// memory, never a crash.
    struct LyingTorchFileTests {
        typealias Builder = TorchFileBuilder
        typealias Op = TorchFileBuilder.Op

        private func open(_ bytes: [UInt8]) throws -> (file: TorchCheckpointFile?, error: CheckpointError?) {
            let url = try RawSafetensors.write(bytes, name: "pytorch_model.bin")
            var file: TorchCheckpointFile?
            var error: CheckpointError?
            let use = ResourceUse.measure { error = checkpointError { file = try TorchCheckpointFile(url: url) } }
            #expect(use.seconds < 1 && use.peakGrowthMB < LyingHeaderTests.memoryBoundMB)
            return (file, error)
        }

        private func unpickle(_ pickle: [UInt8]) -> CheckpointError? {
            var error: CheckpointError?
            let use = ResourceUse.measure { error = checkpointError { _ = try RestrictedUnpickler.stateDict(pickle, file: "x.bin") } }
            #expect(use.seconds < 1 && use.peakGrowthMB < LyingHeaderTests.memoryBoundMB)
            return error
        }

        private func spec(numel: Int32 = 6, offset: Int32 = 0, shape: [Int32] = [2, 3], stride: [Int32] = [3, 1]) -> Builder.TensorSpec {
            Builder.TensorSpec(name: "w", numel: numel, offset: offset, shape: shape, stride: stride)
        }

        @Test func handMadeFileReadsAndAStridedViewMaterializes() throws {
            let pickle = Builder.statePickle([spec(), Builder.TensorSpec(name: "t", numel: 6, offset: 1, shape: [2, 2], stride: [1, 2])])
            let file = try #require(try open(Builder.file(pickle: pickle, storages: ["0": Builder.floats(6)])).file)
            #expect(try file.tensor("w") == Tensor(shape: [2, 3], values: [0, 1, 2, 3, 4, 5]))
            #expect(try file.tensor("t") == Tensor(shape: [2, 2], values: [1, 3, 2, 4]))
        }

        @Test func zip64RecordsAndExtraFieldsAreFollowed() throws {
            let pickle = Builder.statePickle([spec()])
            let file = try #require(try open(Builder.file(pickle: pickle, storages: ["0": Builder.floats(6)], zip64: true)).file)
            #expect(try file.tensor("w") == Tensor(shape: [2, 3], values: [0, 1, 2, 3, 4, 5]))
            var lying = Builder.file(pickle: pickle, storages: ["0": Builder.floats(6)], zip64: true)
            let locator = lying.count - 22 - 20
            lying.replaceSubrange((locator + 8)..<(locator + 16), with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
            #expect(try open(lying).error?.description.contains("zip64 end-of-central-directory locator is missing or points outside the file") == true)
        }

        @Test(arguments: [
            ("short storage", [6], 5, "has 20 bytes, not 6 × 4"),
            ("view past the storage", [6, 1], 6, "reach element 6 of a storage of 6"),
            ("broadcast view", [1, 0, 1000, 1000, 0, 0], 1, "overlapping (broadcast) views are not read"),
            ("negative stride", [6, 0, 2, 3, -3, 1], 6, "negative size, stride or offset"),
            ("storage numel near Int32.max", [Int(Int32.max)], 6, "not 2147483647 × 4"),
        ])
        func tensorsMustFitTheirStorage(case name: String, numbers: [Int], floats: Int, message: String) throws {
            var tensor = spec(numel: Int32(numbers[0]))
            if numbers.count > 1 { tensor.offset = Int32(numbers[1]) }
            if numbers.count == 6 { (tensor.shape, tensor.stride) = (numbers[2...3].map(Int32.init), numbers[4...5].map(Int32.init)) }
            let result = try open(Builder.file(pickle: Builder.statePickle([tensor]), storages: ["0": Builder.floats(floats)]))
            guard case let .invalidTorchTensor(_, tensorName, reason)? = result.error else {
                Issue.record("\(name): \(String(describing: result.error))")
                return
            }
            #expect(tensorName == "w")
            #expect(reason.contains(message), "\(name): \(reason)")
        }

        @Test func storageMissingOrUsedWithTwoTypesOrBigEndianIsRefused() throws {
            let missing = try open(Builder.file(pickle: Builder.statePickle([spec()]), storages: [:]))
            #expect(missing.error?.description.contains("storage \"archive/data/0\" is not in the archive") == true)
            var controlKey = spec()
            controlKey.key = "\u{10}"
            let control = try open(Builder.file(pickle: Builder.statePickle([controlKey]), storages: ["0": Builder.floats(6)]))
            #expect(control.error?.description.contains(#"storage "archive/data/\u{10}" is not in the archive"#) == true, "fuzz/regressions/torch/storage-key-control-character.bin")
            var half = spec()
            half.name = "x"
            half.storageType = "HalfStorage"
            let twoTypes = try open(Builder.file(pickle: Builder.statePickle([spec(), half]), storages: ["0": Builder.floats(6)]))
            #expect(twoTypes.error?.description.contains("is used as F32 × 6 and F16 × 6") == true)
            let bigEndian = try open(Builder.file(pickle: Builder.statePickle([spec()]), storages: ["0": Builder.floats(6)], byteorder: "big"))
            guard case .unsupportedTorchFormat? = bigEndian.error else { Issue.record("big-endian accepted"); return }
        }

        @Test func globalsOtherThanTensorRebuildingAreRefusedBeforeAnythingRuns() {
            for (module, name) in [("os", "system"), ("builtins", "eval"), ("torch._utils", "_rebuild_device_tensor_from_numpy"), ("torch", "load"), ("numpy.core.multiarray", "_reconstruct")] {
                let error = unpickle(Op.proto + Op.global(module, name) + Op.emptyTuple + Op.reduce + Op.stop)
                #expect(error == .refusedGlobal(file: "x.bin", global: "\(module).\(name)"))
            }
            let stackGlobal = Op.proto + [0x8C, 5] + Array("posix".utf8) + [0x8C, 6] + Array("system".utf8) + [0x93] + Op.stop
            #expect(unpickle(stackGlobal) == .refusedGlobal(file: "x.bin", global: "posix.system"))
        }

        @Test(arguments: [
            ("string longer than the pickle", Op.proto + [0x58, 0xF0, 0xFF, 0xFF, 0xFF] + Op.stop, "string of 4294967280 bytes runs past the end"),
            ("BINUNICODE8 of 2^63", Op.proto + [0x8D, 0, 0, 0, 0, 0, 0, 0, 0x80], "runs past the end"),
            ("nesting 100 000 deep", Op.proto + Op.emptyTuple + [UInt8](repeating: 0x85, count: 100_000) + Op.stop, "containers nest deeper than 32"),
            ("INST (protocol 0)", Op.proto + [0x69] + Array("os\nsystem\n".utf8) + Op.stop, "opcode 0x69 is not used by state dicts"),
            ("no STOP", Op.proto + Op.emptyDict, "ends without STOP"),
            ("unset memo", Op.proto + [0x6A, 0xFF, 0xFF, 0xFF, 0x7F] + Op.stop, "memo entry 2147483647 is not set"),
            ("LONG1 of 200 bytes", Op.proto + [0x8A, 200] + [UInt8](repeating: 1, count: 200) + Op.stop, "beyond 64 bits"),
            ("SETITEMS on a tuple", Op.proto + Op.emptyTuple + Op.mark + Op.string("a") + Op.string("b") + Op.setItems + Op.stop, "SETITEM(S) on a tuple"),
            ("REDUCE of a string", Op.proto + Op.string("f") + Op.emptyTuple + Op.reduce + Op.stop, "REDUCE calls the string"),
            ("stack underflow", Op.proto + Op.reduce, "stack underflow"),
            ("result is a list", Op.proto + [0x5D] + Op.stop, "holds a list of 0, not a state dict"),
            ("persistent id of a string", Op.proto + Op.string("storage") + Op.binPersId + Op.stop, "is not ('storage', <storage type>, key, location, numel)"),
            ("protocol 1", [0x80, 1] + Op.stop, "unsupported pickle protocol"),
            ("list inside itself", Op.proto + [0x5D, 0x71, 0, 0x68, 0, 0x61] + Op.stop, "holds a list of 1, not a state dict"),
            ("dict inside itself", Op.proto + Op.emptyDict + [0x71, 0] + Op.string("k") + [0x68, 0, 0x73] + Op.stop, "entry \"k\" is a dict of 1, not a tensor"),
        ] as [(String, [UInt8], String)])
        func lyingPicklesAreRefusedCheaply(case name: String, pickle: [UInt8], message: String) {
            let error = unpickle(pickle)
            #expect(error?.description.contains(message) == true, "\(name): \(String(describing: error))")
            #expect(error?.description.contains("\n") == false)
        }

        @Test func lyingZipDirectoriesAreRefused() throws {
            let valid = Builder.file(pickle: Builder.statePickle([spec()]), storages: ["0": Builder.floats(6)])
            var offsetPastEnd = valid
            offsetPastEnd.replaceSubrange((valid.count - 6)..<(valid.count - 2), with: [0xFF, 0xFF, 0xFF, 0x7F])
            var tooManyEntries = valid
            tooManyEntries.replaceSubrange((valid.count - 14)..<(valid.count - 10), with: [0xFF, 0xFE, 0xFF, 0xFE])
            var compressed = valid
            let centralDirectory = Int(valid[valid.count - 6]) | Int(valid[valid.count - 5]) << 8
            compressed[centralDirectory + 10] = 8
            for (name, bytes, message) in [
                ("directory offset past the end", offsetPastEnd, "central directory"),
                ("more entries than fit", tooManyEntries, "entries cannot fit"),
                ("deflated entry", compressed, "is compressed (method 8)"),
                ("no end record", Array(valid.dropLast(22)), "no zip end-of-central-directory record"),
            ] {
                let error = try open(bytes).error
                guard case let .invalidTorchFile(_, reason)? = error else { Issue.record("\(name): \(String(describing: error))"); continue }
                #expect(reason.contains(message), "\(name): \(reason)")
            }
        }

        @Test func everyTruncationAndByteFlipOfARealFileIsAnErrorOrAValidRead() throws {
            let real = try [UInt8](Data(contentsOf: Fixtures.url("torch/state_dict.bin")))
            var generator = SplitMix64(seed: 15)
            var cases = (0..<real.count).filter { $0 % 29 == 0 }.map { Array(real.prefix($0)) }
            for _ in 0..<400 {
                var mutated = real
                let position = Int(generator.next() % UInt64(real.count))
                mutated[position] = UInt8(truncatingIfNeeded: generator.next())
                cases.append(mutated)
            }
            let url = try RawSafetensors.write([], name: "pytorch_model.bin")
            var opened = 0
            let use = try ResourceUse.measure {
                for bytes in cases {
                    try Data(bytes).write(to: url)
                    let error = checkpointError {
                        let file = try TensorFiles.open(url)
                        opened += 1
                        for info in file.tensors { #expect(try file.tensor(info.name).values.count == info.numel) }
                    }
                    if let error { #expect(!error.description.contains("\n")) }
                }
            }
            #expect(opened > 0)
            #expect(use.peakGrowthMB < LyingHeaderTests.memoryBoundMB)
        }
    }
}
