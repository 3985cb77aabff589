/// The hardening suites (issue 9) are nested in this namespace so that `swift test --filter Hardening`
/// selects exactly them.
enum Hardening {}
