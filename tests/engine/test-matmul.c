/* test-matmul.c: the SDK's matrix products (dlp-matmul.h), as a
 * third-party layer sees them: a layer defined here declares a product
 * and runs it in forward, on every layout, with sizes that grow with the
 * batch, smaller than planned, or an empty inner size, on one and two
 * threads, in each precision this build and CPU offer, and in bf16
 * emulated. Each result is checked against a product computed here in
 * double. */
#include <math.h>
#include <string.h>
#include "engine-test-util.h"

typedef struct {
  DlpMatmulFlags flags;
  gint64 m, n, k;  /* declared */
  gboolean shrink; /* run one smaller than planned in m or n */
} ProductCase;

static ProductCase current;
static GMutex worst_lock;
static double worst; /* the largest error seen, relative to sum |a||b| */
static gint64 products_run;

typedef struct {
  DlpMatmul *product;
} Probe;

static gpointer
probe_create (DlpConfig *config, GError **error)
{
  (void) config, (void) error;
  return g_new0 (Probe, 1);
}

static gboolean
probe_plan (gpointer self, DlpLayerPlan *plan, GError **error)
{
  (void) error;
  Probe *p = self;
  gint64 one = 1;
  dlp_layer_plan_set_output_shape (plan, 1, &one);
  p->product = dlp_layer_plan_add_matmul (plan, current.flags, current.m, current.n, current.k);
  return p->product != NULL;
}

static double
element (const float *x, gboolean trans, gint64 rows, gint64 cols, gint64 r, gint64 c)
{
  return trans ? x[c * rows + r] : x[r * cols + c];
}

static gboolean
probe_forward (gpointer self, DlpLayerPass *pass, GError **error)
{
  (void) error;
  Probe *p = self;
  gint64 rows = dlp_layer_pass_get_n_rows (pass);
  gint64 m = current.m * ((current.flags & DLP_MATMUL_M_PER_ROW) ? rows : 1);
  gint64 k = current.k * ((current.flags & DLP_MATMUL_K_PER_ROW) ? rows : 1);
  gint64 n = current.n;
  if (current.shrink)
    m = MAX (1, m - 2), n = MAX (1, n - 1);
  gboolean ta = current.flags & DLP_MATMUL_TRANS_A, tb = current.flags & DLP_MATMUL_TRANS_B;
  g_autofree float *a = g_new (float, MAX (m * k, 1));
  g_autofree float *b = g_new (float, MAX (k * n, 1));
  g_autofree float *c = g_new (float, m *n);
  guint64 seed = (guint64) dlp_layer_pass_get_first_row (pass) + 1;
  engine_fill (a, (gsize) (m * k), seed, -1, 1);
  engine_fill (b, (gsize) (k * n), seed + 100, -1, 1);
  engine_fill (c, (gsize) (m * n), seed + 200, -1, 1);
  g_autofree float *c0 = g_memdup2 (c, (gsize) (m * n) * sizeof (float));
  dlp_layer_pass_matmul (pass, p->product, m, n, k, a, b, c);
  double err = 0;
  for (gint64 i = 0; i < m; i++)
    for (gint64 j = 0; j < n; j++)
      {
        double sum = (current.flags & DLP_MATMUL_ACCUMULATE) ? c0[i * n + j] : 0, scale = 1;
        for (gint64 q = 0; q < k; q++)
          {
            double x = element (a, ta, m, k, i, q), y = element (b, tb, k, n, q, j);
            sum += x * y;
            scale += fabs (x * y);
          }
        err = MAX (err, fabs (sum - c[i * n + j]) / scale);
      }
  g_mutex_lock (&worst_lock);
  worst = MAX (worst, err);
  products_run++;
  g_mutex_unlock (&worst_lock);
  float *y = dlp_layer_pass_get_output (pass);
  memset (y, 0, (gsize) rows * sizeof (float));
  return TRUE;
}

static void
probe_backward (gpointer self, DlpLayerPass *pass)
{
  (void) self, (void) pass;
}

static const DlpLayerClass probe_class = {
  .struct_size = sizeof (DlpLayerClass),
  .name = "matmul_probe",
  .description = "Runs one declared product (tests only)",
  .keras_class = "MatmulProbe",
  .create = probe_create,
  .destroy = g_free,
  .plan = probe_plan,
  .forward = probe_forward,
  .backward = probe_backward,
};

static gboolean
probe_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_layer (registry, &probe_class, error);
}

/* A plugin linked into the test, as an embedding host would add one. */
DLP_PLUGIN_DEFINE (test_matmul_probe, "0.1.0", "LGPL-2.1-or-later", "A layer that runs a product",
                   probe_init)

static DlpRegistry *
probe_registry (void)
{
  static DlpRegistry *registry;
  if (registry == NULL)
    {
      g_autoptr (GError) error = NULL;
      registry = dlp_test_registry_new ();
      ck_assert (
        dlp_registry_add_plugin (registry, dlp_plugin_test_matmul_probe_get_desc (), &error));
      dlp_assert_no_error (error);
    }
  return registry;
}

static const char probe_json[] =
  "{\"class_name\": \"Sequential\", \"config\": {\"layers\": ["
  "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 3]}},"
  "{\"class_name\": \"MatmulProbe\", \"config\": {}}]}}";

/* Runs the current case on 6 and 5 rows; returns the worst error. */
static double
run_case (DlpPrecision precision, guint threads)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) config = dlp_config_parse ("probe.json", probe_json, -1, &error);
  DlpGraph *graph = dlp_graph_new (probe_registry (), config, 0, NULL, &error);
  dlp_assert_no_error (error);
  dlp_graph_set_precision (graph, precision);
  dlp_blas_set_n_threads (1);
  ck_assert_msg (dlp_graph_prepare (graph, 6, threads, &error), "%s", error->message);
  float x[18] = { 0 }, out[6];
  worst = 0;
  products_run = 0;
  ck_assert (dlp_graph_forward (graph, x, 6, FALSE, out, &error));
  ck_assert (dlp_graph_forward (graph, x, 5, FALSE, out, &error));
  dlp_assert_no_error (error);
  ck_assert_int_eq (products_run, 2 * threads);
  dlp_graph_free (graph);
  return worst;
}

static double worst_of_all; /* the largest error check_every_layout saw */

static void
check_every_layout (DlpPrecision precision, double tolerance)
{
  worst_of_all = 0;
  static const DlpMatmulFlags per_row[] = { 0, DLP_MATMUL_M_PER_ROW, DLP_MATMUL_K_PER_ROW };
  for (guint layout = 0; layout < 8; layout++)
    for (guint r = 0; r < G_N_ELEMENTS (per_row); r++)
      for (int shrink = 0; shrink < 2; shrink++)
        for (guint threads = 1; threads <= 2; threads++)
          {
            current = (ProductCase){ (DlpMatmulFlags) layout | per_row[r], 5, 7, 9, shrink };
            if (per_row[r] == DLP_MATMUL_M_PER_ROW)
              current.m = 3;
            if (per_row[r] == DLP_MATMUL_K_PER_ROW)
              current.k = 4;
            double err = run_case (precision, threads);
            worst_of_all = MAX (worst_of_all, err);
            ck_assert_msg (err <= tolerance,
                           "%s product, flags 0x%x, shrink %d, %u threads, on %s: "
                           "error %g of the magnitude (tolerance %g)",
                           dlp_precision_get_name (precision), (unsigned) current.flags, shrink,
                           threads, dlp_kernels_get_library (), err, tolerance);
          }
}

START_TEST (test_fp32_products)
{
  check_every_layout (DLP_PRECISION_FP32, 1e-6);
}
END_TEST

START_TEST (test_fp32_products_on_openblas)
{
  g_setenv ("DLPIPE_KERNELS", "openblas", TRUE);
  ck_assert_str_eq (dlp_kernels_get_isa (), dlp_blas_get_core ());
  check_every_layout (DLP_PRECISION_FP32, 1e-6);
  g_unsetenv ("DLPIPE_KERNELS");
}
END_TEST

START_TEST (test_empty_inner_size)
{
  for (int accumulate = 0; accumulate < 2; accumulate++)
    {
      current = (ProductCase){ DLP_MATMUL_K_PER_ROW | (accumulate ? DLP_MATMUL_ACCUMULATE : 0), 4,
                               3, 0, FALSE };
      ck_assert_double_eq (run_case (DLP_PRECISION_FP32, 2), 0);
    }
}
END_TEST

/* bf16 keeps 8 bits of mantissa: each product is off by up to 2^-8 of
 * its size, and the sum accumulates in fp32. */
START_TEST (test_bf16_products)
{
  g_autoptr (GError) error = NULL;
  DlpPrecision precision;
  if (!dlp_precision_resolve ("bf16", &precision, &error))
    {
      g_assert_error (error, DLP_ERROR, DLP_ERROR_NOT_SUPPORTED);
      ck_assert_ptr_nonnull (strstr (error->message, dlp_kernels_get_isa ()));
      ck_assert (!dlp_kernels_has_native_bf16 ());
      ck_assert (dlp_precision_resolve ("auto", &precision, NULL));
      ck_assert_int_eq (precision, DLP_PRECISION_FP32);
      return;
    }
  ck_assert_int_eq (precision, DLP_PRECISION_BF16);
  check_every_layout (DLP_PRECISION_BF16, 1.0 / 128);
}
END_TEST

/* DLPIPE_BF16=emulate: bf16 on any CPU, rounded and summed on OpenBLAS.
 * Its errors are bf16's, far above fp32's: the rounding did happen. */
START_TEST (test_bf16_emulated)
{
  g_setenv ("DLPIPE_KERNELS", "openblas", TRUE);
  g_setenv ("DLPIPE_BF16", "emulate", TRUE);
  DlpPrecision precision;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (dlp_precision_resolve ("bf16", &precision, &error), "%s", error->message);
  ck_assert_int_eq (precision, DLP_PRECISION_BF16);
  /* auto still means bf16 only where the CPU computes it natively. */
  ck_assert (dlp_precision_resolve ("auto", &precision, NULL));
  ck_assert_int_eq (precision, DLP_PRECISION_FP32);
  check_every_layout (DLP_PRECISION_BF16, 1.0 / 128);
  ck_assert_msg (worst_of_all > 1e-4, "bf16 errors of %g: were the inputs rounded?", worst_of_all);
  g_unsetenv ("DLPIPE_BF16");
  g_unsetenv ("DLPIPE_KERNELS");
}
END_TEST

START_TEST (test_precision_names)
{
  g_autoptr (GError) error = NULL;
  DlpPrecision precision;
  ck_assert (dlp_precision_resolve ("fp32", &precision, NULL));
  ck_assert_int_eq (precision, DLP_PRECISION_FP32);
  ck_assert (dlp_precision_resolve ("auto", &precision, NULL));
  ck_assert_int_eq (precision,
                    dlp_kernels_has_native_bf16 () ? DLP_PRECISION_BF16 : DLP_PRECISION_FP32);
  ck_assert (!dlp_precision_resolve ("fp16", &precision, &error));
  g_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG);
  ck_assert_ptr_nonnull (strstr (error->message, "expected fp32, bf16 or auto"));
}
END_TEST

static Suite *
matmul_suite (void)
{
  Suite *s = suite_create ("matmul");
  TCase *tc = tcase_create ("products");
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_fp32_products);
  tcase_add_test (tc, test_fp32_products_on_openblas);
  tcase_add_test (tc, test_empty_inner_size);
  tcase_add_test (tc, test_bf16_products);
  tcase_add_test (tc, test_bf16_emulated);
  tcase_add_test (tc, test_precision_names);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (matmul_suite)
