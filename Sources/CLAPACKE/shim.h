#include <lapacke.h>
#include <stddef.h>

/* The two stages of LAPACK's two-stage tridiagonal reduction (reference LAPACK >= 3.7, exported by
   OpenBLAS's LAPACK but not declared in lapack.h), called directly to choose the band width. Fortran
   calling convention: every argument by reference, the hidden lengths of character arguments last. */
void dsytrd_sy2sb_(const char *uplo, const lapack_int *n, const lapack_int *kd, double *a, const lapack_int *lda,
                   double *ab, const lapack_int *ldab, double *tau, double *work, const lapack_int *lwork,
                   lapack_int *info, size_t uplo_length);
void dsytrd_sb2st_(const char *stage1, const char *vect, const char *uplo, const lapack_int *n, const lapack_int *kd,
                   double *ab, const lapack_int *ldab, double *d, double *e, double *hous, const lapack_int *lhous,
                   double *work, const lapack_int *lwork, lapack_int *info,
                   size_t stage1_length, size_t vect_length, size_t uplo_length);
