/* host/dlp-blas.h: the BLAS library the SDK computes with (OpenBLAS). */
#pragma once

#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

/* The kernel set OpenBLAS chose for this CPU ("Haswell", "SkylakeX"...). */
DLP_API const char *dlp_blas_get_core (void);
/* OpenBLAS's build configuration string. */
DLP_API const char *dlp_blas_get_config (void);
DLP_API int dlp_blas_get_n_threads (void);
/* Only the host sets this; plugins must not. */
DLP_API void dlp_blas_set_n_threads (int n_threads);

G_END_DECLS
