import Foundation

/// Lets the lanes of a family run that have no layer left to start work on the per-task parts of the
/// layers still in flight, so the run does not end with one lane busy and the others idle.
///
/// A layer's analysis offers a batch of independent items (one per task: its spectrum, its energy maps)
/// through ``map(_:_:)`` and runs them itself in index order; a lane of ``BudgetedScheduler`` whose
/// queue is empty calls ``help()`` and takes items from the oldest open batch. Each item computes the
/// same thing whichever thread runs it (one BLAS thread count for the whole run), so results do not depend
/// on who helped. ``close()`` (when no layer is left in flight) releases the helpers.
public final class TaskSharing: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches = [Batch]()
    private var closed = false

    public init() {}

    /// One layer's offered items.
    private final class Batch {
        let count: Int
        let run: (Int) -> Void
        var next = 0
        var done = 0
        init(count: Int, run: @escaping (Int) -> Void) {
            self.count = count
            self.run = run
        }
    }

    /// `body(i)` for i in 0..<count, run by the calling thread and by any helper; outcomes in index order.
    /// Rethrows the error of the lowest failing index, after every started item has finished.
    public func map<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        guard count > 1 else { return try (0..<count).map(body) }
        let outcomes = Outcomes<T>(count: count)
        let batch = Batch(count: count) { index in outcomes.store(Result { try body(index) }, at: index) }
        condition.lock()
        batches.append(batch)
        condition.broadcast()
        while batch.next < count { runNext(of: batch) }
        while batch.done < count { condition.wait() }
        batches.removeAll { $0 === batch }
        condition.unlock()
        return try outcomes.values()
    }

    /// Runs offered items until ``close()``; returns at once when already closed.
    public func help() {
        condition.lock()
        while true {
            if let batch = batches.first(where: { $0.next < $0.count }) {
                runNext(of: batch)
            } else if closed {
                condition.unlock()
                return
            } else {
                condition.wait()
            }
        }
    }

    /// Takes `batch`'s next item and runs it outside the lock, then counts it done and wakes the waiters
    /// (the batch's owner, helpers looking for items). Called and returns with the lock held.
    private func runNext(of batch: Batch) {
        let index = batch.next
        batch.next += 1
        condition.unlock()
        batch.run(index)
        condition.lock()
        batch.done += 1
        condition.broadcast()
    }

    /// No more batches will be offered: helpers return once the open ones are taken.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Outcomes by index; each slot written once by the thread that ran the item, read after all finished
    /// (the batch's lock orders the writes before the read).
    private final class Outcomes<T>: @unchecked Sendable {
        private var slots: [Result<T, Error>?]
        private let lock = NSLock()
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func store(_ outcome: Result<T, Error>, at index: Int) {
            lock.lock()
            slots[index] = outcome
            lock.unlock()
        }
        func values() throws -> [T] { try slots.map { try $0!.get() } }
    }
}
