/* matmul-probe.c: the peak of the CPU's matrix-product kernels, at the
 * shapes the benchmark's models multiply, for bench_train.py's
 * efficiency column: OpenBLAS's sgemm, and oneDNN's matmul in fp32 and
 * (where the CPU has it) bf16. Prints one JSON line:
 *   {"threads": N, "shapes": [...], "openblas_fp32": GFLOP/s,
 *    "onednn_fp32": GFLOP/s, "onednn_bf16": GFLOP/s or null, "isa": ...}
 * each the best over the shapes. Usage: matmul-probe THREADS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

/* OpenMP's standard call, in libgomp, the runtime oneDNN runs on. */
extern void omp_set_num_threads (int n_threads);

typedef struct {
  long m, n, k;
} Shape;

/* MLP 64x784x256, CNN second conv's im2col product 7744x64x288, an LSTM
 * step 64x512x128, and the LSTM input projection 1792x512x28. */
static const Shape shapes[] = {
  { 64, 256, 784 }, { 7744, 64, 288 }, { 64, 512, 128 }, { 1792, 512, 28 }, { 64, 128, 256 },
};

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static double
gflops (const Shape *s, long iterations, double seconds)
{
  return 2.0 * s->m * s->n * s->k * iterations / seconds / 1e9;
}

static double
time_openblas (const Shape *s, const float *a, const float *b, float *c)
{
  long it = 0;
  for (int i = 0; i < 3; i++)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, s->m, s->n, s->k, 1, a, s->k, b, s->k, 0,
                 c, s->n);
  double t0 = now (), t;
  do
    {
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, s->m, s->n, s->k, 1, a, s->k, b, s->k,
                   0, c, s->n);
      it++;
    }
  while ((t = now () - t0) < 0.3);
  return gflops (s, it, t);
}

/* -1 when oneDNN makes no such product on this CPU. */
static double
time_onednn (dnnl_engine_t engine, dnnl_stream_t stream, const Shape *s, dnnl_data_type_t type,
             void *a, void *b, float *c)
{
  dnnl_memory_desc_t a_md, b_md, c_md;
  dnnl_dims_t a_dims = { s->m, s->k }, b_dims = { s->k, s->n }, c_dims = { s->m, s->n };
  dnnl_memory_desc_init_by_tag (&a_md, 2, a_dims, type, dnnl_ab);
  dnnl_memory_desc_init_by_tag (&b_md, 2, b_dims, type, dnnl_ba);
  dnnl_memory_desc_init_by_tag (&c_md, 2, c_dims, dnnl_f32, dnnl_ab);
  dnnl_matmul_desc_t desc;
  dnnl_primitive_desc_t pd;
  dnnl_primitive_t p;
  if (dnnl_matmul_desc_init (&desc, &a_md, &b_md, NULL, &c_md) != dnnl_success
      || dnnl_primitive_desc_create (&pd, &desc, NULL, engine, NULL) != dnnl_success)
    return -1;
  dnnl_primitive_create (&p, pd);
  dnnl_primitive_desc_destroy (pd);
  dnnl_memory_t am, bm, cm;
  dnnl_memory_create (&am, &a_md, engine, a);
  dnnl_memory_create (&bm, &b_md, engine, b);
  dnnl_memory_create (&cm, &c_md, engine, c);
  dnnl_exec_arg_t args[3] = { { DNNL_ARG_SRC, am },
                              { DNNL_ARG_WEIGHTS, bm },
                              { DNNL_ARG_DST, cm } };
  for (int i = 0; i < 3; i++)
    dnnl_primitive_execute (p, stream, 3, args);
  dnnl_stream_wait (stream);
  long it = 0;
  double t0 = now (), t;
  do
    {
      dnnl_primitive_execute (p, stream, 3, args);
      dnnl_stream_wait (stream);
      it++;
    }
  while ((t = now () - t0) < 0.3);
  dnnl_primitive_destroy (p);
  dnnl_memory_destroy (am);
  dnnl_memory_destroy (bm);
  dnnl_memory_destroy (cm);
  return gflops (s, it, t);
}

int
main (int argc, char **argv)
{
  int threads = argc > 1 ? atoi (argv[1]) : 1;
  openblas_set_num_threads (threads);
  omp_set_num_threads (threads);
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  dnnl_engine_create (&engine, dnnl_cpu, 0);
  dnnl_stream_create (&stream, engine, dnnl_stream_default_flags);
  double best_blas = 0, best_f32 = 0, best_bf16 = -1;
  for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
    {
      const Shape *s = &shapes[i];
      float *a = calloc ((size_t) (s->m * s->k), sizeof (float));
      float *b = calloc ((size_t) (s->k * s->n), sizeof (float));
      float *c = calloc ((size_t) (s->m * s->n), sizeof (float));
      for (long j = 0; j < s->m * s->k; j++)
        a[j] = (float) (j % 7) * 0.1f;
      for (long j = 0; j < s->k * s->n; j++)
        b[j] = (float) (j % 5) * 0.1f;
      double blas = time_openblas (s, a, b, c);
      double f32 = time_onednn (engine, stream, s, dnnl_f32, a, b, c);
      /* bf16 inputs take half the room: the float buffers hold them. */
      double bf16 = time_onednn (engine, stream, s, dnnl_bf16, a, b, c);
      best_blas = blas > best_blas ? blas : best_blas;
      best_f32 = f32 > best_f32 ? f32 : best_f32;
      best_bf16 = bf16 > best_bf16 ? bf16 : best_bf16;
      free (a);
      free (b);
      free (c);
    }
  printf ("{\"threads\": %d, \"openblas_fp32\": %.1f, \"onednn_fp32\": %.1f, \"onednn_bf16\": ",
          threads, best_blas, best_f32);
  if (best_bf16 > 0)
    printf ("%.1f}\n", best_bf16);
  else
    printf ("null}\n");
  dnnl_stream_destroy (stream);
  dnnl_engine_destroy (engine);
  return 0;
}
