/* kernels-private.h: the matrix products behind dlp-matmul.h, on oneDNN
 * or OpenBLAS. The graph engine declares, prepares and runs them; this
 * folder knows nothing of graphs. */
#pragma once

#include <string.h>
#include "sdk-private.h"

G_BEGIN_DECLS

typedef struct _DlpDnnlSlot DlpDnnlSlot;

struct _DlpMatmul {
  DlpMatmulFlags flags;
  gint64 m, n, k; /* as declared */
  DlpPrecision precision;
  guint n_slots;       /* one per batch slice, each run by one thread */
  DlpDnnlSlot **slots; /* NULL on OpenBLAS */
  /* bf16 emulated on OpenBLAS: per slot, A and B rounded to bf16 values
   * (stored as float32), room for the planned shape. */
  float **rounded;
  gint64 rounded_size;
};

/* The bfloat16 nearest to @x, ties to even, as oneDNN converts; NaN
 * stays NaN. The upper 16 bits of a float32. */
static inline guint16
dlp_bf16_from_float (float x)
{
  guint32 u;
  memcpy (&u, &x, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return (guint16) ((u >> 16) | 0x40u);
  return (guint16) ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* TRUE when DLPIPE_BF16=emulate lets bf16 run where no kernel computes
 * it natively: A and B rounded to bf16, products in float32 on OpenBLAS,
 * which is what a bf16 kernel with float32 accumulation computes, up to
 * the order of the sums. For checking a model's accuracy in bf16 on any
 * CPU; it is no faster than fp32. */
gboolean dlp_kernels_bf16_emulated (void);

DlpMatmul *dlp_matmul_new (DlpMatmulFlags flags, gint64 m, gint64 n, gint64 k);
void dlp_matmul_free (DlpMatmul *matmul);
/* Makes the kernels of @n_slots slices of @slice_rows rows each. */
gboolean dlp_matmul_prepare (DlpMatmul *matmul, guint n_slots, gint64 slice_rows,
                             DlpPrecision precision, GError **error);
/* Drops what dlp_matmul_prepare made. */
void dlp_matmul_release (DlpMatmul *matmul);
void dlp_matmul_run (DlpMatmul *matmul, guint slot, gint64 m, gint64 n, gint64 k, const float *a,
                     const float *b, float *c);

/* On a thread the engine starts: oneDNN's OpenMP runs one thread there,
 * since the engine's threads already share the cores. */
void dlp_kernels_enter_worker (void);

/* The same product on OpenBLAS, in float32. */
void dlp_matmul_blas (DlpMatmulFlags flags, gint64 m, gint64 n, gint64 k, const float *a,
                      const float *b, float *c);

#ifdef DLP_HAVE_DNNL
/* FALSE when DLPIPE_KERNELS=openblas asks for OpenBLAS in a oneDNN build
 * (read at each prepare, so that a test can compare the two). */
gboolean dlp_kernels_use_dnnl (void);
gboolean dlp_dnnl_prepare (DlpMatmul *matmul, gint64 m, gint64 n, gint64 k, GError **error);
void dlp_dnnl_release (DlpMatmul *matmul);
/* FALSE when oneDNN has no kernel for this shape; the caller uses OpenBLAS. */
gboolean dlp_dnnl_run (DlpMatmul *matmul, guint slot, gint64 m, gint64 n, gint64 k, const float *a,
                       const float *b, float *c);
const char *dlp_dnnl_get_isa (void);
gboolean dlp_dnnl_has_native_bf16 (void);
gboolean dlp_dnnl_can_bf16 (void);
void dlp_dnnl_set_n_threads (int n_threads);
#endif

G_END_DECLS
