/* dlp-matmul.h: matrix products on the engine's kernels.
 *
 * A layer does not call a BLAS or oneDNN itself. It declares each product
 * it makes while it is planned, and runs it in forward and backward. The
 * engine then picks the kernel library (oneDNN when dlpipe was built with
 * it, else OpenBLAS), creates each kernel once for its shapes, and
 * computes in the precision the host chose for the graph (fp32, or bf16
 * with fp32 accumulation). A third-party layer gets the same kernels.
 *
 * Matrices are row-major and packed: A is [m, k] (or [k, m] with
 * DLP_MATMUL_TRANS_A), B is [k, n] (or [n, k] with DLP_MATMUL_TRANS_B),
 * C is [m, n]. See docs/layers.md#matrix-products. */
#pragma once

#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

typedef struct _DlpMatmul DlpMatmul;

/**
 * DlpMatmulFlags:
 * @DLP_MATMUL_TRANS_A: A is stored [k, m]
 * @DLP_MATMUL_TRANS_B: B is stored [n, k] (a weight kept as PyTorch keeps
 *   it, for Y = X W^T)
 * @DLP_MATMUL_ACCUMULATE: C += A B, instead of C = A B
 * @DLP_MATMUL_M_PER_ROW: the declared m is per row of the batch slice
 * @DLP_MATMUL_K_PER_ROW: the declared k is per row of the batch slice
 *
 * The two PER_ROW flags say which size grows with the batch, so that the
 * engine can create the kernel for the largest slice before the first
 * step. Since: API level 3
 */
typedef enum {
  DLP_MATMUL_TRANS_A = 1 << 0,
  DLP_MATMUL_TRANS_B = 1 << 1,
  DLP_MATMUL_ACCUMULATE = 1 << 2,
  DLP_MATMUL_M_PER_ROW = 1 << 3,
  DLP_MATMUL_K_PER_ROW = 1 << 4,
} DlpMatmulFlags;

/**
 * DlpPrecision:
 * @DLP_PRECISION_FP32: float32 throughout
 * @DLP_PRECISION_BF16: products read bfloat16 copies of A and B and
 *   accumulate in float32; weights, activations and optimizer state stay
 *   float32
 *
 * Since: API level 3
 */
typedef enum {
  DLP_PRECISION_FP32,
  DLP_PRECISION_BF16,
} DlpPrecision;

typedef struct _DlpLayerPlan DlpLayerPlan;
typedef struct _DlpLayerPass DlpLayerPass;

/**
 * dlp_layer_plan_add_matmul:
 * @plan: the plan being made
 * @flags: the layout of A and B, accumulation, and which size grows with
 *   the rows of a slice
 * @m: the rows of C (per row of the slice with DLP_MATMUL_M_PER_ROW)
 * @n: the columns of C
 * @k: the inner size (per row of the slice with DLP_MATMUL_K_PER_ROW)
 *
 * Declares a product the layer makes in forward or backward. The sizes
 * are the largest the layer asks for; dlp_layer_pass_matmul() may ask for
 * smaller ones (the last batch of an epoch, the last chunk of an image
 * loop), which get kernels of their own on first use.
 *
 * Returns: (transfer none): the product, owned by the graph, for
 *   dlp_layer_pass_matmul(). Since: API level 3
 */
DLP_API DlpMatmul *dlp_layer_plan_add_matmul (DlpLayerPlan *plan, DlpMatmulFlags flags, gint64 m,
                                              gint64 n, gint64 k);

/**
 * dlp_layer_pass_matmul:
 * @pass: the pass being run
 * @matmul: (transfer none): a product the layer declared
 * @m: the rows of C
 * @n: the columns of C
 * @k: the inner size; with 0, C is zeroed (or left alone when
 *   accumulating)
 * @a: (transfer none): A, packed as the flags say
 * @b: (transfer none): B, packed as the flags say
 * @c: (transfer none): C, [m, n]
 *
 * Computes C = A B (or C += A B) in the graph's precision, on the
 * kernels made for the calling slice. Allocates nothing after the first
 * call of each shape. Since: API level 3
 */
DLP_API void dlp_layer_pass_matmul (DlpLayerPass *pass, DlpMatmul *matmul, gint64 m, gint64 n,
                                    gint64 k, const float *a, const float *b, float *c);

G_END_DECLS
