/* blas.c: what the SDK tells about OpenBLAS, and its one thread setting. */
#include <cblas.h>
#include <dlpipe/host/dlp-blas.h>

const char *
dlp_blas_get_core (void)
{
  return openblas_get_corename ();
}

const char *
dlp_blas_get_config (void)
{
  return openblas_get_config ();
}

int
dlp_blas_get_n_threads (void)
{
  return openblas_get_num_threads ();
}

void
dlp_blas_set_n_threads (int n_threads)
{
  openblas_set_num_threads (n_threads);
}
