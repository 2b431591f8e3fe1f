/* matmul.c: a declared matrix product, run on oneDNN when it has a
 * kernel for the shape, else on OpenBLAS (in bf16 there, emulated, when
 * DLPIPE_BF16=emulate asked for it). */
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

/* Room in every slot for the planned A and B rounded to bf16. */
static gboolean
prepare_emulation (DlpMatmul *matmul, gint64 m, gint64 n, gint64 k, GError **error)
{
  gint64 size;
  if (__builtin_mul_overflow (m, k, &m) || __builtin_mul_overflow (k, n, &n)
      || __builtin_add_overflow (m, n, &size) || (guint64) size > G_MAXSIZE / sizeof (float))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                   "a bf16 matrix product of %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                   " by %" G_GINT64_FORMAT " is too large",
                   matmul->m, matmul->k, matmul->n);
      return FALSE;
    }
  matmul->rounded = g_new0 (float *, matmul->n_slots);
  matmul->rounded_size = size;
  for (guint i = 0; i < matmul->n_slots; i++)
    {
      matmul->rounded[i] = g_try_new (float, (gsize) size);
      if (matmul->rounded[i] == NULL)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                       "no memory for a bf16 matrix product of %" G_GINT64_FORMAT " values", size);
          return FALSE;
        }
    }
  return TRUE;
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
  gboolean dnnl =
    dlp_kernels_use_dnnl () && (precision == DLP_PRECISION_FP32 || dlp_dnnl_can_bf16 ());
  if (dnnl)
    return dlp_dnnl_prepare (matmul, m, matmul->n, k, error);
#endif
  if (precision == DLP_PRECISION_BF16)
    {
      /* dlp_precision_resolve() refused bf16 unless it is emulated. */
      g_return_val_if_fail (dlp_kernels_bf16_emulated (), FALSE);
      return prepare_emulation (matmul, m, matmul->n, k, error);
    }
  return TRUE;
}

void
dlp_matmul_release (DlpMatmul *matmul)
{
#ifdef DLP_HAVE_DNNL
  dlp_dnnl_release (matmul);
#endif
  for (guint i = 0; matmul->rounded && i < matmul->n_slots; i++)
    g_free (matmul->rounded[i]);
  g_clear_pointer (&matmul->rounded, g_free);
  matmul->rounded_size = 0;
  matmul->n_slots = 0;
}

static void
round_values (const float *in, float *out, gint64 n)
{
  for (gint64 i = 0; i < n; i++)
    {
      guint32 u = (guint32) dlp_bf16_from_float (in[i]) << 16;
      memcpy (&out[i], &u, sizeof u);
    }
}

/* The product of A and B rounded to bf16, accumulated in float32. */
static gboolean
run_emulated (DlpMatmul *matmul, guint slot, gint64 m, gint64 n, gint64 k, const float *a,
              const float *b, float *c)
{
  if (slot >= matmul->n_slots || m * k + k * n > matmul->rounded_size)
    return FALSE;
  float *a16 = matmul->rounded[slot], *b16 = a16 + m * k;
  round_values (a, a16, m * k);
  round_values (b, b16, k * n);
  dlp_matmul_blas (matmul->flags, m, n, k, a16, b16, c);
  return TRUE;
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
#endif
  if (matmul->rounded && run_emulated (matmul, slot, m, n, k, a, b, c))
    return;
  dlp_matmul_blas (matmul->flags, m, n, k, a, b, c);
}
