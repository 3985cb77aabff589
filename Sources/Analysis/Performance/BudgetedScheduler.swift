import Foundation

/// Runs `count` independent work items on up to `jobs` threads, starting them in index order and only
/// while the summed costs of the items in flight stay within `budget` (an item whose cost alone exceeds
/// the budget runs when nothing else does). Outcomes are stored by index, so the caller reassembles them
/// in order whatever the interleaving. After a failure no new item starts; the error of the lowest failed
/// index is rethrown — the one a sequential loop would have met first, since every lower index was
/// already started.
///
/// With `sharing`, a thread that finds nothing left to start helps the items still running (see
/// ``TaskSharing``) instead of returning; the first thread to find nothing left to start and nothing
/// running closes the sharing, which releases the helpers.
final class BudgetedScheduler<Outcome: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var next = 0
    private var inFlight = 0
    private var running = 0
    private var completed = 0
    private var outcomes: [Outcome?]
    private var errors: [Int: Error] = [:]
    private let costs: [Int]
    private let budget: Int
    private let sharing: TaskSharing?

    init(costs: [Int], budget: Int?, sharing: TaskSharing? = nil) {
        self.costs = costs
        self.budget = budget ?? Int.max
        self.sharing = sharing
        outcomes = Array(repeating: nil, count: costs.count)
    }

    /// Runs `work(i)` for every i; `started(i, done)` is called (under no lock guarantee of order beyond
    /// start order) as item i starts, with the number of items finished so far.
    func run(jobs: Int, started: @escaping @Sendable (Int, Int) -> Void, work: @escaping @Sendable (Int) throws -> Outcome) throws -> [Outcome] {
        let body: @Sendable (Int) -> Void = { _ in self.worker(started: started, work: work) }
        if jobs <= 1 || costs.count <= 1 {
            body(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: Swift.min(jobs, costs.count), execute: body)
        }
        if let first = errors.keys.min() { throw errors[first]! }
        return outcomes.map { $0! }
    }

    private func worker(started: @Sendable (Int, Int) -> Void, work: @Sendable (Int) throws -> Outcome) {
        while true {
            condition.lock()
            guard errors.isEmpty, next < costs.count else {
                // Nothing left to start; with nothing running either, no batch can be offered any more.
                let idle = running == 0
                condition.unlock()
                if idle { sharing?.close() }
                sharing?.help()
                return
            }
            let index = next
            next += 1
            running += 1  // claimed: counted until it finishes, also while it waits for the budget
            let cost = costs[index]
            while inFlight > 0 && (cost > budget - inFlight) { condition.wait() }
            inFlight += cost
            let done = completed
            condition.unlock()
            started(index, done)
            let result = Result { try work(index) }
            condition.lock()
            inFlight -= cost
            running -= 1
            completed += 1
            switch result {
            case let .success(outcome): outcomes[index] = outcome
            case let .failure(error): errors[index] = error
            }
            condition.broadcast()
            condition.unlock()
        }
    }
}
