/* test-noalloc.c: after the first, a training step allocates nothing.
 *
 * The test binary defines malloc and its relatives, forwarding to glibc's
 * own and recording who called while counting is on; every allocation in
 * the process (GLib, the SDK, the plugins, OpenBLAS) goes through them.
 * The kernel libraries' own scratch is allowed: the engine cannot change
 * it, and it is a few blocks per call. That is OpenBLAS's (its
 * multithreaded driver's job table, the AVX-512 small-matrix kernels of
 * 0.3.21) and oneDNN's (the packing buffers its jit sgemm driver takes
 * per call, which its matmul primitive uses where it has no brgemm
 * kernel, as on AVX2, and the argument map every primitive execution
 * builds with operator new). dlpipe is C: an allocation made by
 * libstdc++'s operator new is oneDNN's. Not built with AddressSanitizer,
 * which needs those symbols itself. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "engine-test-util.h"

extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *ptr, size_t size);
extern void *__libc_memalign (size_t alignment, size_t size);
extern void __libc_free (void *ptr);

/* oneDNN allocates a few blocks per product: room for all of them. */
#define MAX_CALLERS 262144

static volatile gint counting;
static volatile gint n_allocations;
static void *callers[MAX_CALLERS];

/* Inlined into each allocator, so the return address is its caller. */
/* clang-format off */
#define count()                                                        \
  do {                                                                 \
    if (g_atomic_int_get (&counting))                                  \
      {                                                                \
        gint i_ = g_atomic_int_add (&n_allocations, 1);                \
        if (i_ < MAX_CALLERS)                                          \
          callers[i_] = __builtin_return_address (0);                  \
      }                                                                \
  } while (0)
/* clang-format on */

static gboolean
in_kernel_library (const char *file)
{
  return strstr (file, "openblas") != NULL || strstr (file, "libdnnl") != NULL
         || strstr (file, "libstdc++") != NULL;
}

/* Allocations made outside the kernel libraries, classified after
 * counting stops (dladdr must not run inside malloc). */
static gint
engine_allocations (void)
{
  gint n = MIN (g_atomic_int_get (&n_allocations), MAX_CALLERS), ours = 0;
  for (gint i = 0; i < n; i++)
    {
      Dl_info info;
      if (!dladdr (callers[i], &info) || info.dli_fname == NULL
          || !in_kernel_library (info.dli_fname))
        {
          if (ours == 0)
            fprintf (stderr, "first allocation outside the kernels: %p in %s (%s)\n", callers[i],
                     info.dli_fname ? info.dli_fname : "?", info.dli_sname ? info.dli_sname : "?");
          ours++;
        }
    }
  return ours;
}

void *malloc (size_t size);
void *calloc (size_t n, size_t size);
void *realloc (void *ptr, size_t size);
void free (void *ptr);
int posix_memalign (void **out, size_t alignment, size_t size);
void *aligned_alloc (size_t alignment, size_t size);
void *memalign (size_t alignment, size_t size);

void *
malloc (size_t size)
{
  count ();
  return __libc_malloc (size);
}
void *
calloc (size_t n, size_t size)
{
  count ();
  return __libc_calloc (n, size);
}
void *
realloc (void *ptr, size_t size)
{
  count ();
  return __libc_realloc (ptr, size);
}
void
free (void *ptr)
{
  __libc_free (ptr);
}
void *
memalign (size_t alignment, size_t size)
{
  count ();
  return __libc_memalign (alignment, size);
}
void *
aligned_alloc (size_t alignment, size_t size)
{
  count ();
  return __libc_memalign (alignment, size);
}

int
posix_memalign (void **out, size_t alignment, size_t size)
{
  count ();
  void *p = __libc_memalign (alignment, size);
  if (p == NULL)
    return ENOMEM;
  *out = p;
  return 0;
}

/* clang-format off */
#define LAYERS(shape, layers) \
  "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [" \
  "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": " shape "}}," layers "]}}"
/* clang-format on */

static const char *models[] = {
  LAYERS ("[null, 12, 12, 1]",
          "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 4, \"kernel_size\": 3, "
          "\"activation\": \"relu\"}},"
          "{\"class_name\": \"BatchNormalization\", \"config\": {}},"
          "{\"class_name\": \"MaxPooling2D\", \"config\": {}},"
          "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 4, \"kernel_size\": 3, "
          "\"padding\": \"same\"}},"
          "{\"class_name\": \"AveragePooling2D\", \"config\": {}},"
          "{\"class_name\": \"Flatten\", \"config\": {}},"
          "{\"class_name\": \"Dense\", \"config\": {\"units\": 16, \"activation\": \"elu\"}},"
          "{\"class_name\": \"Dropout\", \"config\": {\"rate\": 0.5}},"
          "{\"class_name\": \"Dense\", \"config\": {\"units\": 5, \"activation\": \"softmax\"}}"),
  LAYERS ("[null, 12, 12, 1]",
          "{\"class_name\": \"LSTM\", \"config\": {\"units\": 8, \"num_layers\": 2}},"
          "{\"class_name\": \"Dense\", \"config\": {\"units\": 5, \"activation\": \"softmax\"}}"),
  LAYERS ("[null, 144]",
          "{\"class_name\": \"Embedding\", \"config\": {\"input_dim\": 200, \"output_dim\": 4}},"
          "{\"class_name\": \"LSTM\", \"config\": {\"units\": 6, \"return_sequences\": true}},"
          "{\"class_name\": \"Flatten\", \"config\": {}},"
          "{\"class_name\": \"Dense\", \"config\": {\"units\": 5, \"activation\": \"sigmoid\"}}"),
};

START_TEST (test_steps_allocate_nothing)
{
  guint threads = 1 + (guint) (_i % 2);
  const char *json = models[_i / 2];
  g_autoptr (GError) error = NULL;
  dlp_blas_set_n_threads (1);
  DlpGraph *g = engine_graph (json);
  dlp_graph_init (g, 1);
  ck_assert (dlp_graph_prepare (g, 16, threads, &error));
  float x[16 * 144], out[16 * 5];
  gint32 labels[16];
  for (int i = 0; i < 16 * 144; i++)
    x[i] = (float) (i % 200);
  for (int i = 0; i < 16; i++)
    labels[i] = i % 5;
  DlpBatchStats stats = { 0 };
  /* The first step may set up OpenBLAS's buffers. */
  ck_assert (dlp_graph_train_batch (g, x, labels, 16, &stats, &error));
  ck_assert (dlp_graph_evaluate_batch (g, x, labels, 16, out, &stats, &error));

  g_atomic_int_set (&n_allocations, 0);
  g_atomic_int_set (&counting, 1);
  gboolean ok = TRUE;
  for (int step = 0; step < 5; step++)
    {
      ok &= dlp_graph_train_batch (g, x, labels, 16, &stats, NULL);
      ok &= dlp_graph_train_batch (g, x, labels, 11, &stats, NULL);
      ok &= dlp_graph_evaluate_batch (g, x, labels, 16, out, &stats, NULL);
      ok &= dlp_graph_forward (g, x, 9, TRUE, out, NULL);
      dlp_graph_backward (g, out, NULL);
    }
  g_atomic_int_set (&counting, 0);
  ck_assert (ok);
  ck_assert_int_lt (g_atomic_int_get (&n_allocations), MAX_CALLERS);
  ck_assert_msg (engine_allocations () == 0,
                 "%d allocations in 5 training steps of model %d on %u threads",
                 engine_allocations (), _i / 2, threads);
  /* The counter works: building a graph allocates. */
  g_atomic_int_set (&n_allocations, 0);
  g_atomic_int_set (&counting, 2);
  DlpGraph *other = engine_graph (json);
  g_atomic_int_set (&counting, 0);
  ck_assert_int_gt (engine_allocations (), 0);
  dlp_graph_free (other);
  dlp_graph_free (g);
}
END_TEST

static Suite *
noalloc_suite (void)
{
  Suite *s = suite_create ("noalloc");
  TCase *tc = tcase_create ("steps");
  tcase_add_loop_test (tc, test_steps_allocate_nothing, 0, 2 * G_N_ELEMENTS (models));
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (noalloc_suite)
