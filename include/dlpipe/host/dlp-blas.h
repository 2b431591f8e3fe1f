/* host/dlp-blas.h: the BLAS library the SDK computes with (OpenBLAS). */
#pragma once

#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

/**
 * dlp_blas_get_core:
 *
 * Returns: (transfer none): the kernel set OpenBLAS chose for this CPU
 *   ("Haswell", "SkylakeX")
 */
DLP_API const char *dlp_blas_get_core (void);

/**
 * dlp_blas_get_config:
 *
 * Returns: (transfer none): OpenBLAS's build configuration string
 */
DLP_API const char *dlp_blas_get_config (void);

/**
 * dlp_blas_get_n_threads:
 *
 * Returns: the threads OpenBLAS uses
 */
DLP_API int dlp_blas_get_n_threads (void);

/**
 * dlp_blas_set_n_threads:
 * @n_threads: the threads OpenBLAS may use
 *
 * Sets the threads of the kernel libraries: OpenBLAS's, for the whole
 * process, and oneDNN's (OpenMP's), for the calling thread; the engine's
 * own threads run oneDNN on one thread each. Only the host calls it; to
 * split batches over graph threads it sets 1.
 */
DLP_API void dlp_blas_set_n_threads (int n_threads);

G_END_DECLS
