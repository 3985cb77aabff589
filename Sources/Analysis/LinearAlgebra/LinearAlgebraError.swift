/// Failures of the dense linear-algebra kernels, each naming what was being decomposed.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// Both `gesdd` and the `gesvd` fallback failed to converge (LAPACK `info > 0`).
    case svdDidNotConverge(context: String, info: Int)
    /// The input holds NaN or ±Inf, so no decomposition is meaningful.
    case nonFiniteInput(context: String)
    /// LAPACK rejected an argument (`info < 0`): a bug in this library, reported rather than crashing.
    case lapackArgument(routine: String, context: String, info: Int)
    /// `syevd` failed to converge.
    case eigenDidNotConverge(context: String, info: Int)

    public var description: String {
        switch self {
        case let .svdDidNotConverge(context, info):
            return "\(context): SVD did not converge (LAPACK gesdd and gesvd, info \(info))"
        case let .nonFiniteInput(context):
            return "\(context): the matrix holds NaN or Inf values, so it cannot be decomposed"
        case let .lapackArgument(routine, context, info):
            return "\(context): LAPACK \(routine) rejected argument \(-info) (internal error)"
        case let .eigenDidNotConverge(context, info):
            return "\(context): symmetric eigendecomposition did not converge (LAPACK syevd, info \(info))"
        }
    }
}
