# Shared by fuzz/build and fuzz/make-corpus (sourced, run from the repository root): the Analysis
# sources the fuzz targets need — checkpoint I/O and the matrix types it uses, nothing else, so that
# work in progress elsewhere in Analysis does not break fuzzing — and the compiler flags that find the
# OpenBLAS / LAPACKE system modules.
analysis_sources=(
    Sources/Analysis/Checkpoint/*.swift
    Sources/Analysis/LinearAlgebra/{Matrix,Matrix+Arithmetic,Matrix+Product,LinearAlgebraScalar}.swift
    Sources/Analysis/WeightUpdate.swift
)
swift_flags=(-I Sources/CBLAS -I Sources/CLAPACKE)
for flag in $(pkg-config --cflags-only-I openblas lapacke); do swift_flags+=(-Xcc "$flag"); done
for flag in $(pkg-config --libs-only-L openblas lapacke); do swift_flags+=("$flag"); done
mkdir -p .build-fuzz
