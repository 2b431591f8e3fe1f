/* test-gradients.c: every layer's backward pass against finite
 * differences of its forward pass, for parameters and inputs.
 *
 * The loss is sum(outputs * R) for a fixed random R, so its gradient with
 * respect to the outputs is R. Inputs are spread out (no two closer than
 * 0.05, none near 0) so that no difference step crosses a ReLU's kink or
 * changes which value wins a max pool. */
#include <math.h>
#include <string.h>
#include "engine-test-util.h"

#define EPS 3e-3
#define ATOL 3e-3
#define RTOL 3e-2

typedef struct {
  const char *json;
  gint64 rows;
  gboolean training;
  guint threads;
  gint64 vocab; /* > 0: inputs are token ids below it */
} Case;

static double
loss_of (DlpGraph *graph, const Case *c, const float *x, const float *r, float *out)
{
  g_autoptr (GError) error = NULL;
  /* The same step gives the same dropout masks. */
  dlp_graph_set_step (graph, 7);
  ck_assert_msg (dlp_graph_forward (graph, x, c->rows, c->training, out, &error),
                 "forward failed: %s", error ? error->message : "");
  double sum = 0;
  gint64 n = c->rows * dlp_graph_get_output_size (graph);
  for (gint64 i = 0; i < n; i++)
    sum += (double) out[i] * r[i];
  return sum;
}

static void
spread_inputs (float *x, gsize n, guint64 seed)
{
  g_autofree gint64 *order = g_new (gint64, n);
  for (gsize i = 0; i < n; i++)
    order[i] = (gint64) i;
  DlpRng rng;
  dlp_rng_init (&rng, seed);
  dlp_rng_shuffle (&rng, order, n);
  for (gsize i = 0; i < n; i++)
    x[i] = (float) (((double) order[i] - (double) n / 2) * 0.05 + 0.0125);
  /* Keep magnitudes moderate for wide inputs. */
  double scale = n > 80 ? 80.0 / (double) n : 1.0;
  for (gsize i = 0; i < n; i++)
    x[i] = (float) (x[i] * scale);
}

/* @c's inputs: token ids, or values spread apart. */
static float *
case_inputs (const Case *c, gsize n_in)
{
  float *x = g_new (float, n_in);
  if (c->vocab > 0)
    for (gsize i = 0; i < n_in; i++)
      x[i] = (float) (i * 7 % (gsize) c->vocab);
  else
    spread_inputs (x, n_in, 5);
  return x;
}

static void
check_close (const char *what, gsize index, double numeric, double analytic, const char *json)
{
  double tol = ATOL + RTOL * MAX (fabs (numeric), fabs (analytic));
  ck_assert_msg (fabs (numeric - analytic) <= tol,
                 "%s %" G_GSIZE_FORMAT ": finite difference %g, backward %g, for %s", what, index,
                 numeric, analytic, json);
}

static void
check_case (const Case *c)
{
  g_autoptr (GError) error = NULL;
  DlpGraph *graph = engine_graph (c->json);
  dlp_graph_init (graph, 3);
  gsize n_params = dlp_graph_get_n_params (graph);
  float *params = dlp_graph_get_params (graph);
  /* Away from the initial zeros and ones, which are special points. */
  engine_fill (params, n_params, 11, -0.5, 0.5);
  ck_assert (dlp_graph_prepare (graph, c->rows, c->threads, &error));

  gsize n_in = (gsize) (c->rows * dlp_graph_get_input_size (graph));
  gsize n_out = (gsize) (c->rows * dlp_graph_get_output_size (graph));
  g_autofree float *x = case_inputs (c, n_in);
  g_autofree float *r = g_new (float, n_out);
  g_autofree float *out = g_new (float, n_out);
  g_autofree float *dx = g_new0 (float, n_in);
  engine_fill (r, n_out, 13, -1, 1);

  loss_of (graph, c, x, r, out);
  dlp_graph_backward (graph, r, dx);
  g_autofree float *grads = g_memdup2 (dlp_graph_get_grads (graph), n_params * sizeof (float));

  /* About 60 parameters and 60 inputs, spread over the blocks. */
  gsize step = MAX (n_params / 60, 1);
  for (gsize i = 0; i < n_params; i += step)
    {
      float keep = params[i];
      params[i] = keep + (float) EPS;
      double plus = loss_of (graph, c, x, r, out);
      params[i] = keep - (float) EPS;
      double minus = loss_of (graph, c, x, r, out);
      params[i] = keep;
      check_close ("parameter", i, (plus - minus) / (2 * EPS), grads[i], c->json);
    }
  if (c->vocab == 0)
    {
      step = MAX (n_in / 60, 1);
      for (gsize i = 0; i < n_in; i += step)
        {
          float keep = x[i];
          x[i] = keep + (float) EPS;
          double plus = loss_of (graph, c, x, r, out);
          x[i] = keep - (float) EPS;
          double minus = loss_of (graph, c, x, r, out);
          x[i] = keep;
          check_close ("input", i, (plus - minus) / (2 * EPS), dx[i], c->json);
        }
    }
  dlp_graph_free (graph);
}

/* clang-format off */
#define SEQ(shape, layer) \
  "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [" \
  "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": " shape "}}, " layer "]}}"
/* clang-format on */

static const Case cases[] = {
  /* dense, on vectors and on the last axis of sequences */
  { SEQ ("[null, 5]", "{\"class_name\": \"Dense\", \"config\": {\"units\": 4}}"), 3, TRUE, 1 },
  { SEQ ("[null, 3, 5]",
         "{\"class_name\": \"Dense\", \"config\": {\"units\": 2, \"use_bias\": false}}"),
    2, TRUE, 1 },
  /* conv2d: stride and padding, valid and same, a 1x1 kernel */
  { SEQ ("[null, 7, 6, 2]", "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 3, "
                            "\"kernel_size\": 3, \"strides\": 2, \"padding\": \"same\"}}"),
    2, TRUE, 1 },
  { SEQ ("[null, 6, 7, 3]",
         "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 2, "
         "\"kernel_size\": [2, 3], \"strides\": [1, 2], \"padding\": \"valid\"}}"),
    2, TRUE, 1 },
  { SEQ ("[null, 5, 5, 3]", "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 2, "
                            "\"kernel_size\": 3, \"padding\": \"same\"}}"),
    2, TRUE, 1 },
  { SEQ ("[null, 3, 4, 3]", "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 2, "
                            "\"kernel_size\": 1}}"),
    2, TRUE, 1 },
  /* images large enough to go through im2col one at a time */
  { SEQ ("[null, 64, 64, 8]", "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 2, "
                              "\"kernel_size\": 3, \"padding\": \"same\"}}"),
    3, TRUE, 1 },
  /* pooling */
  { SEQ ("[null, 5, 6, 2]", "{\"class_name\": \"MaxPooling2D\", \"config\": {}}"), 2, TRUE, 1 },
  { SEQ ("[null, 5, 5, 2]", "{\"class_name\": \"MaxPooling2D\", \"config\": {\"pool_size\": 3, "
                            "\"strides\": 2, \"padding\": \"same\"}}"),
    2, TRUE, 1 },
  { SEQ ("[null, 5, 6, 2]", "{\"class_name\": \"AveragePooling2D\", \"config\": {}}"), 2, TRUE, 1 },
  { SEQ ("[null, 5, 5, 2]", "{\"class_name\": \"AveragePooling2D\", \"config\": {\"pool_size\": 2, "
                            "\"strides\": 2, \"padding\": \"same\"}}"),
    2, TRUE, 1 },
  /* shape layers and dropout in training */
  { SEQ ("[null, 3, 4, 2]", "{\"class_name\": \"Flatten\", \"config\": {}}"), 2, TRUE, 1 },
  { SEQ ("[null, 12]", "{\"class_name\": \"Dropout\", \"config\": {\"rate\": 0.4}}"), 4, TRUE, 1 },
  /* batch normalization in training, on one thread and split over two */
  { SEQ ("[null, 5]", "{\"class_name\": \"BatchNormalization\", \"config\": {}}"), 6, TRUE, 1 },
  { SEQ ("[null, 3, 3, 2]", "{\"class_name\": \"BatchNormalization\", \"config\": {}}"), 4, TRUE,
    2 },
  { SEQ ("[null, 4]", "{\"class_name\": \"BatchNormalization\", \"config\": {}}"), 5, FALSE, 1 },
  /* activations */
  { SEQ ("[null, 8]", "{\"class_name\": \"Activation\", \"config\": {\"activation\": \"relu\"}}"),
    3, TRUE, 1 },
  { SEQ ("[null, 8]",
         "{\"class_name\": \"Activation\", \"config\": {\"activation\": \"leaky_relu\"}}"),
    3, TRUE, 1 },
  { SEQ ("[null, 8]", "{\"class_name\": \"Activation\", \"config\": {\"activation\": \"elu\"}}"), 3,
    TRUE, 1 },
  { SEQ ("[null, 8]", "{\"class_name\": \"Activation\", \"config\": {\"activation\": \"tanh\"}}"),
    3, TRUE, 1 },
  { SEQ ("[null, 8]",
         "{\"class_name\": \"Activation\", \"config\": {\"activation\": \"sigmoid\"}}"),
    3, TRUE, 1 },
  { SEQ ("[null, 8]",
         "{\"class_name\": \"Activation\", \"config\": {\"activation\": \"softmax\"}}"),
    3, TRUE, 1 },
  { SEQ ("[null, 8]", "{\"class_name\": \"ReLU\", \"config\": {}}"), 3, TRUE, 1 },
  { SEQ ("[null, 3, 2, 2]",
         "{\"class_name\": \"Activation\", \"config\": {\"activation\": \"sigmoid\"}}"),
    2, TRUE, 1 },
  { SEQ ("[null, 3, 4]", "{\"class_name\": \"Softmax\", \"config\": {}}"), 2, TRUE, 1 },
  { SEQ ("[null, 8]", "{\"class_name\": \"LeakyReLU\", \"config\": {\"alpha\": 0.1}}"), 3, TRUE,
    1 },
  { SEQ ("[null, 8]", "{\"class_name\": \"ELU\", \"config\": {\"alpha\": 0.7}}"), 3, TRUE, 1 },
  { SEQ ("[null, 8]", "{\"class_name\": \"Softmax\", \"config\": {}}"), 3, TRUE, 1 },
  /* a Dense's own activation becomes a layer of its own */
  { SEQ ("[null, 6]",
         "{\"class_name\": \"Dense\", \"config\": {\"units\": 5, \"activation\": \"tanh\"}}"),
    3, TRUE, 1 },
  /* LSTM over several steps: last output, full sequence, stacked, image rows */
  { SEQ ("[null, 5, 3]", "{\"class_name\": \"LSTM\", \"config\": {\"units\": 4}}"), 3, TRUE, 1 },
  { SEQ ("[null, 4, 3]", "{\"class_name\": \"LSTM\", \"config\": {\"units\": 3, "
                         "\"return_sequences\": true}}"),
    2, TRUE, 1 },
  { SEQ ("[null, 4, 2]", "{\"class_name\": \"LSTM\", \"config\": {\"units\": 3, \"num_layers\": 2, "
                         "\"return_sequences\": true}}"),
    2, TRUE, 1 },
  { SEQ ("[null, 4, 2, 2]",
         "{\"class_name\": \"LSTM\", \"config\": {\"units\": 3, \"num_layers\": 2}}"),
    3, TRUE, 2 },
  /* embedding: gradients of the vectors */
  { SEQ ("[null, 6]", "{\"class_name\": \"Embedding\", \"config\": {\"input_dim\": 5, "
                      "\"output_dim\": 3}}"),
    2, TRUE, 1, 5 },
};

START_TEST (test_layer_gradients)
{
  check_case (&cases[_i]);
}
END_TEST

/* Outputs, parameter and input gradients of @c's graph, on the kernels
 * DLPIPE_KERNELS picks. */
static float *
outputs_and_grads (const Case *c, gsize *n_values)
{
  g_autoptr (GError) error = NULL;
  DlpGraph *graph = engine_graph (c->json);
  dlp_graph_init (graph, 3);
  gsize n_params = dlp_graph_get_n_params (graph);
  engine_fill (dlp_graph_get_params (graph), n_params, 11, -0.5, 0.5);
  ck_assert (dlp_graph_prepare (graph, c->rows, c->threads, &error));
  gsize n_in = (gsize) (c->rows * dlp_graph_get_input_size (graph));
  gsize n_out = (gsize) (c->rows * dlp_graph_get_output_size (graph));
  g_autofree float *x = case_inputs (c, n_in);
  *n_values = n_out + n_params + n_in;
  float *values = g_new0 (float, *n_values);
  g_autofree float *r = g_new (float, n_out);
  engine_fill (r, n_out, 13, -1, 1);
  loss_of (graph, c, x, r, values);
  dlp_graph_backward (graph, r, values + n_out + n_params);
  memcpy (values + n_out, dlp_graph_get_grads (graph), n_params * sizeof (float));
  dlp_graph_free (graph);
  return values;
}

/* The same layer on oneDNN and on OpenBLAS (DLPIPE_KERNELS=openblas):
 * the same outputs and gradients, but for the order of the sums (sums of
 * some hundred terms of size 1 here: 1e-4 is a few float32 roundings). */
START_TEST (test_layer_kernels_agree)
{
  const Case *c = &cases[_i];
  gsize n_dnnl = 0, n_blas = 0;
  g_autofree float *dnnl = outputs_and_grads (c, &n_dnnl);
  g_setenv ("DLPIPE_KERNELS", "openblas", TRUE);
  g_autofree float *blas = outputs_and_grads (c, &n_blas);
  g_unsetenv ("DLPIPE_KERNELS");
  ck_assert_uint_eq (n_dnnl, n_blas);
  for (gsize i = 0; i < n_dnnl; i++)
    ck_assert_msg (fabsf (dnnl[i] - blas[i]) <= 1e-4f * (1 + fabsf (blas[i])),
                   "value %" G_GSIZE_FORMAT ": oneDNN %g, OpenBLAS %g, for %s", i, dnnl[i], blas[i],
                   c->json);
}
END_TEST

/* A whole model, on one thread and split over two. Smooth functions only:
 * in a deep model some ReLU input or max-pool pair is always within a
 * difference step of its kink. */
START_TEST (test_model_gradients_threads)
{
  static const Case model = {
    SEQ ("[null, 6, 6, 1]",
         "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 2, \"kernel_size\": 3, "
         "\"activation\": \"tanh\"}},"
         "{\"class_name\": \"BatchNormalization\", \"config\": {}},"
         "{\"class_name\": \"AveragePooling2D\", \"config\": {}},"
         "{\"class_name\": \"Flatten\", \"config\": {}},"
         "{\"class_name\": \"Dense\", \"config\": {\"units\": 3, \"activation\": \"softmax\"}}"),
    5, TRUE, 2
  };
  Case one = model;
  one.threads = 1;
  check_case (&one);
  check_case (&model);
}
END_TEST

static Suite *
gradients_suite (void)
{
  /* Splitting batches needs OpenBLAS on one thread. */
  dlp_blas_set_n_threads (1);
  Suite *s = suite_create ("gradients");
  TCase *tc = tcase_create ("layers");
  tcase_add_loop_test (tc, test_layer_gradients, 0, G_N_ELEMENTS (cases));
  tcase_add_test (tc, test_model_gradients_threads);
  /* Only a oneDNN build has two kernel libraries to compare. */
  if (g_str_has_prefix (dlp_kernels_get_library (), "oneDNN"))
    tcase_add_loop_test (tc, test_layer_kernels_agree, 0, G_N_ELEMENTS (cases));
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (gradients_suite)
