import Foundation
import Testing
@testable import Analysis

/// Idle lanes help the layers in flight: items run on helpers, outcomes come back in index order, the
/// lowest failing index is rethrown, the scheduler closes the sharing when done, and a layer's analysis is
/// the same with helpers as without.
@Suite struct TaskSharingTests {
    /// Starts `count` helper threads on `sharing`; the returned group is left when they have returned.
    private static func helpers(_ count: Int, on sharing: TaskSharing) -> DispatchGroup {
        let group = DispatchGroup()
        for _ in 0..<count {
            group.enter()
            Thread.detachNewThread {
                sharing.help()
                group.leave()
            }
        }
        return group
    }

    /// Item 0 (the caller's) waits for item 1, which only a helper can run meanwhile: the batch finishes
    /// only because the helper took it. Outcomes are in index order.
    @Test func aHelperRunsItemsAndOutcomesKeepTheirOrder() throws {
        let sharing = TaskSharing()
        let helped = Self.helpers(1, on: sharing)
        let second = DispatchSemaphore(value: 0)
        let outcomes = try sharing.map(4) { index -> (Int, Bool) in
            if index == 0 { return (0, second.wait(timeout: .now() + 20) == .success) }
            if index == 1 { second.signal() }
            return (index * index, true)
        }
        sharing.close()
        #expect(helped.wait(timeout: .now() + 20) == .success)
        #expect(outcomes.map(\.0) == [0, 1, 4, 9])
        #expect(outcomes[0].1, "item 1 did not run while item 0 waited: no helper took it")
    }

    /// Every item runs once, even with no helper; the error of the lowest failing index is rethrown.
    @Test func theLowestFailingIndexIsRethrownAfterEveryItemRan() throws {
        struct Failure: Error, Equatable { let index: Int }
        let sharing = TaskSharing()
        let helped = Self.helpers(2, on: sharing)
        let ran = Counter()
        #expect(throws: Failure(index: 2)) {
            _ = try sharing.map(8) { index -> Int in
                ran.increment()
                if index == 2 || index == 5 { throw Failure(index: index) }
                return index
            }
        }
        sharing.close()
        #expect(helped.wait(timeout: .now() + 20) == .success)
        #expect(ran.value == 8)
        #expect(try TaskSharing().map(1) { $0 + 1 } == [1])
        #expect(try TaskSharing().map(0) { $0 } == [])
    }

    /// Work items of the scheduler may offer batches (an idle lane takes from them; a lane that finds
    /// the queue empty helps rather than returning) and the sharing is closed once nothing is left in
    /// flight: a later ``TaskSharing/help()`` returns at once instead of waiting for batches.
    @Test func theSchedulerClosesTheSharingWhenNothingIsLeft() throws {
        let sharing = TaskSharing()
        let scheduler = BudgetedScheduler<[Int]>(costs: [1, 1, 1], budget: nil, sharing: sharing)
        let outcomes = try scheduler.run(jobs: 2, started: { _, _ in }, work: { index in
            try sharing.map(3) { index * 10 + $0 }
        })
        #expect(outcomes == [[0, 1, 2], [10, 11, 12], [20, 21, 22]])
        let late = Self.helpers(1, on: sharing)
        #expect(late.wait(timeout: .now() + 20) == .success, "help() waited after the run: the sharing was not closed")
        // No item at all: the lane that finds nothing to start closes the sharing rather than waiting on it.
        let empty = TaskSharing()
        #expect(try BudgetedScheduler<Int>(costs: [], budget: nil, sharing: empty).run(jobs: 2, started: { _, _ in }, work: { $0 }).isEmpty)
        let released = Self.helpers(1, on: empty)
        #expect(released.wait(timeout: .now() + 20) == .success, "help() waited after an empty run")
    }

    /// A layer analysed with its tasks offered to a helper equals the one analysed alone (complete base:
    /// both passes are shared).
    @Test func aLayerIsTheSameWithHelpers() throws {
        let base = RandomMatrices.gaussian(96, 64, seed: 11)
        let updates = (0..<3).map { WeightUpdate.dense(RandomMatrices.gaussian(96, 64, seed: 20 + UInt64($0), scale: 0.05)) }
        let names = ["a", "b", "c"]
        let alone = try LayerAnalyzer().analyze(name: "w", base: base, updates: updates, taskNames: names)
        let sharing = TaskSharing()
        let helped = Self.helpers(1, on: sharing)
        var timings = LayerTimings()
        let shared = try LayerAnalyzer(options: AnalysisOptions(), compute: ComputeSettings(), sharing: sharing)
            .analyze(name: "w", base: base, updates: updates, taskNames: names, timings: &timings)
        sharing.close()
        #expect(helped.wait(timeout: .now() + 20) == .success)
        #expect(try JSONNumbers.firstDifference(shared, alone, relative: 1e-12, absolute: 0) == nil)
        #expect(timings.perTask.count == 3 && timings.intruders.count == 3)
    }
}

/// A thread-safe counter.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
