import Testing
@testable import Analysis

/// Shards: parsed from `i/N` or the scheduler's environment; the plan is deterministic, disjoint,
/// complete, and balanced by cost rather than count.
@Suite struct ShardPlanTests {
    @Test func longestProcessingTimeBalancesCost() {
        // One expensive tensor and many cheap ones: by count the split would be 1+3 vs 4; by cost it is not.
        let costs: [Double] = [1, 1, 8, 1, 1, 1, 1, 1, 1]
        let plan = ShardPlan.assignment(costs: costs, count: 2)
        let loads = (0..<2).map { shard in costs.indices.filter { plan[$0] == shard }.map { costs[$0] }.reduce(0, +) }
        #expect(loads == [8, 8])
        #expect(plan[2] == 0)
        #expect(ShardPlan.assignment(costs: costs, count: 2) == plan)
        // Ties go to the lowest shard in checkpoint order.
        #expect(ShardPlan.assignment(costs: [1, 1, 1, 1], count: 3) == [0, 1, 2, 0])
        #expect(ShardPlan.assignment(costs: [], count: 4) == [])
        #expect(ShardPlan.assignment(costs: [3, 2], count: 5) == [0, 1])
    }

    @Test func costGrowsWithFlopsAndBytes() {
        let square = ShardPlan.cost(shape: [4096, 4096], isLinearWeight: true, models: 4)
        let wide = ShardPlan.cost(shape: [14336, 4096], isLinearWeight: true, models: 4)
        let bias = ShardPlan.cost(shape: [4096], isLinearWeight: false, models: 4)
        #expect(wide > 3 * square && wide < 4 * square)
        #expect(bias == 5 * 4096 * 4 * ShardPlan.flopsPerByte)
        #expect(square == 5 * 4 * 4096.0 * 4096 * 4096 + 5 * 4096 * 4096 * 4 * ShardPlan.flopsPerByte)
    }

    @Test func parsingAndTheSchedulersEnvironment() throws {
        #expect(try Shard(parsing: "2/4") == Shard(index: 2, count: 4))
        for bad in ["4/4", "-1/3", "1", "a/b", "1/0", "1/2/3"] {
            #expect(throws: StoreError.self) { try Shard(parsing: bad) }
        }
        let slurm = ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "3", "SLURM_ARRAY_TASK_COUNT": "4"]
        #expect(try Shard.automatic(environment: slurm, count: nil) == Shard(index: 2, count: 4))
        #expect(try Shard.automatic(environment: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "2"], count: nil) == Shard(index: 0, count: 2))
        // A resubmitted index (`sbatch --array=1`) is an array of one task: it is never read as shard 0 of 1
        // (the whole selection); with --shard-count it is exactly the shard it was.
        let resubmitted = ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "1", "SLURM_ARRAY_TASK_COUNT": "1"]
        #expect { try Shard.automatic(environment: resubmitted, count: nil) } throws: { "\($0)".contains("pass --shard-count N") }
        #expect(try Shard.automatic(environment: resubmitted, count: 4) == Shard(index: 1, count: 4))
        let offset = ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_MAX": "7", "SLURM_ARRAY_TASK_COUNT": "3"]
        #expect { try Shard.automatic(environment: offset, count: nil) } throws: { "\($0)".contains("indices 5…7, 3 tasks") }
        let stepped = ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "6", "SLURM_ARRAY_TASK_COUNT": "4"]
        #expect(throws: StoreError.self) { try Shard.automatic(environment: stepped, count: nil) }
        #expect(throws: StoreError.self) { try Shard.automatic(environment: resubmitted, count: 1) }
        #expect(try Shard.automatic(environment: ["JOB_COMPLETION_INDEX": "3"], count: 4) == Shard(index: 3, count: 4))
        #expect { try Shard.automatic(environment: ["JOB_COMPLETION_INDEX": "3"], count: nil) } throws: { "\($0)".contains("--shard-count") }
        #expect { try Shard.automatic(environment: [:], count: 2) } throws: { "\($0)".contains("SLURM_ARRAY_TASK_ID") }
    }
}
