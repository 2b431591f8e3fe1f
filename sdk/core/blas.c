/* blas.c: what the SDK tells about OpenBLAS, and the one thread setting
 * of the kernel libraries. */
#include <cblas.h>
#include "../kernels/kernels-private.h"

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
#ifdef DLP_HAVE_DNNL
  dlp_dnnl_set_n_threads (n_threads);
#endif
}
