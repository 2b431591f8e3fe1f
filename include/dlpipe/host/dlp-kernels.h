/* host/dlp-kernels.h: the kernel library the layers' matrix products run
 * on (oneDNN, or OpenBLAS when dlpipe was built without it), and the
 * precisions it offers on this CPU. */
#pragma once

#include <dlpipe/dlp-macros.h>
#include <dlpipe/dlp-matmul.h>

G_BEGIN_DECLS

/**
 * dlp_kernels_get_library:
 *
 * Returns: (transfer none): the library and its version ("oneDNN 2.6.3",
 *   "OpenBLAS 0.3.21"). Since: API level 3
 */
DLP_API const char *dlp_kernels_get_library (void);

/**
 * dlp_kernels_get_isa:
 *
 * Returns: (transfer none): the instruction set the library dispatched to
 *   on this CPU: oneDNN's name ("avx2", "avx512_core_amx") or OpenBLAS's
 *   kernel set ("Haswell"). Since: API level 3
 */
DLP_API const char *dlp_kernels_get_isa (void);

/**
 * dlp_kernels_has_native_bf16:
 *
 * Returns: whether this CPU computes bf16 products in hardware (AMX or
 *   AVX512-BF16) with the library built in. Since: API level 3
 */
DLP_API gboolean dlp_kernels_has_native_bf16 (void);

/**
 * dlp_precision_resolve:
 * @name: (transfer none): "fp32", "bf16" or "auto" (bf16 where the CPU
 *   has it natively, else fp32)
 * @precision: (out): the precision to compute in
 * @error: (nullable): return location for an error
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG
 *   (another name) or DLP_ERROR_NOT_SUPPORTED (bf16 on a CPU or a build
 *   that cannot compute it, naming both). Since: API level 3
 */
DLP_API gboolean dlp_precision_resolve (const char *name, DlpPrecision *precision, GError **error);

/**
 * dlp_precision_get_name:
 * @precision: a precision
 *
 * Returns: (transfer none): "fp32" or "bf16". Since: API level 3
 */
DLP_API const char *dlp_precision_get_name (DlpPrecision precision);

/**
 * dlp_precision_from_name:
 * @name: (transfer none) (nullable): "fp32" or "bf16"
 * @precision: (out): the precision named
 *
 * Returns: %TRUE when @name is one of the two. Since: API level 3
 */
DLP_API gboolean dlp_precision_from_name (const char *name, DlpPrecision *precision);

G_END_DECLS
