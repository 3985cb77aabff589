// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "smile-inspect",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Analysis", targets: ["Analysis"]),
        .library(name: "Plots", targets: ["Plots"]),
        .executable(name: "smile-inspect", targets: ["smile-inspect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CLAPACKE", pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev"])]),
        .systemLibrary(
            name: "CCairo", pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .target(name: "CAtomicRename"),
        .target(name: "Analysis", dependencies: ["CBLAS", "CLAPACKE", "CAtomicRename", "Yams"], exclude: ["README.md"]),
        .target(name: "Plots", dependencies: ["Analysis", "CCairo"], exclude: ["README.md"]),
        .executableTarget(
            name: "smile-inspect",
            dependencies: [
                "Analysis", "Plots",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "energy-map-example", dependencies: ["Analysis"], path: "examples/EnergyMap"),
        // The energy-map half of the benchmark (benchmarks/run); not part of the product.
        .executableTarget(name: "smile-bench", dependencies: ["Analysis"], path: "benchmarks/smile-bench"),
        // Scratch directories shared by the test targets (removed when the test process exits).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Yams", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "PlotsTests", dependencies: ["Plots", "Analysis", "CPNG", "TestSupport"]),
        .testTarget(name: "smile-inspectTests", dependencies: ["Analysis", "smile-inspect", "TestSupport"]),
    ]
)
