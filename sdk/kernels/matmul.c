/* matmul.c: a declared matrix product, run on oneDNN when it has a
 * kernel for the shape, else on OpenBLAS. */
#include <string.h>
#include <cblas.h>
#include "kernels-private.h"

DlpMatmul *
dlp_matmul_new (DlpMatmulFlags flags, gint64 m, gint64 n, gint64 k)
{
  DlpMatmul *matmul = g_new0 (DlpMatmul, 1);
  matmul->flags = flags;
  matmul->m = m;
  matmul->n = n;
  matmul->k = k;
  return matmul;
}

void
dlp_matmul_free (DlpMatmul *matmul)
{
  if (matmul == NULL)
    return;
  dlp_matmul_release (matmul);
  g_free (matmul);
}

gboolean
dlp_matmul_prepare (DlpMatmul *matmul, guint n_slots, gint64 slice_rows, DlpPrecision precision,
                    GError **error)
{
  dlp_matmul_release (matmul);
  matmul->precision = precision;
  matmul->n_slots = n_slots;
  gint64 m = matmul->m, k = matmul->k;
  if ((matmul->flags & DLP_MATMUL_M_PER_ROW) && __builtin_mul_overflow (m, slice_rows, &m))
    m = 0;
  if ((matmul->flags & DLP_MATMUL_K_PER_ROW) && __builtin_mul_overflow (k, slice_rows, &k))
    k = 0;
#ifdef DLP_HAVE_DNNL
  if (!dlp_kernels_use_dnnl ())
    return TRUE;
  return dlp_dnnl_prepare (matmul, m, matmul->n, k, error);
#else
  (void) error;
  g_return_val_if_fail (precision == DLP_PRECISION_FP32, FALSE);
  return TRUE;
#endif
}

void
dlp_matmul_release (DlpMatmul *matmul)
{
#ifdef DLP_HAVE_DNNL
  dlp_dnnl_release (matmul);
#endif
  matmul->n_slots = 0;
}

void
dlp_matmul_blas (DlpMatmulFlags flags, gint64 m, gint64 n, gint64 k, const float *a, const float *b,
                 float *c)
{
  gboolean ta = flags & DLP_MATMUL_TRANS_A, tb = flags & DLP_MATMUL_TRANS_B;
  cblas_sgemm (CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
               (int) m, (int) n, (int) k, 1.0f, a, (int) (ta ? m : k), b, (int) (tb ? k : n),
               (flags & DLP_MATMUL_ACCUMULATE) ? 1.0f : 0.0f, c, (int) n);
}

void
dlp_matmul_run (DlpMatmul *matmul, guint slot, gint64 m, gint64 n, gint64 k, const float *a,
                const float *b, float *c)
{
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0)
    {
      if (!(matmul->flags & DLP_MATMUL_ACCUMULATE))
        memset (c, 0, (gsize) (m * n) * sizeof (float));
      return;
    }
#ifdef DLP_HAVE_DNNL
  if (matmul->slots && dlp_dnnl_run (matmul, slot, m, n, k, a, b, c))
    return;
#else
  (void) slot;
#endif
  dlp_matmul_blas (matmul->flags, m, n, k, a, b, c);
}
