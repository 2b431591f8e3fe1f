/* kernels.c: which kernel library computes, on which instruction set,
 * in which precisions. */
#include <string.h>
#include <cblas.h>
#include "kernels-private.h"
#ifdef DLP_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

#ifdef DLP_HAVE_DNNL
gboolean
dlp_kernels_use_dnnl (void)
{
  return g_strcmp0 (g_getenv ("DLPIPE_KERNELS"), "openblas") != 0;
}
#endif

static const char *
openblas_name (void)
{
  /* OpenBLAS's configuration string starts "OpenBLAS 0.3.21 ...". */
  static char name[32];
  static gsize once;
  if (g_once_init_enter (&once))
    {
      g_auto (GStrv) words = g_strsplit (openblas_get_config (), " ", 3);
      g_snprintf (name, sizeof name, "%s %s", words[0] ? words[0] : "OpenBLAS",
                  words[0] && words[1] ? words[1] : "");
      g_once_init_leave (&once, 1);
    }
  return name;
}

const char *
dlp_kernels_get_library (void)
{
#ifdef DLP_HAVE_DNNL
  if (!dlp_kernels_use_dnnl ())
    return openblas_name ();
  static char name[32];
  static gsize once;
  if (g_once_init_enter (&once))
    {
      const dnnl_version_t *v = dnnl_version ();
      g_snprintf (name, sizeof name, "oneDNN %d.%d.%d", v->major, v->minor, v->patch);
      g_once_init_leave (&once, 1);
    }
  return name;
#else
  return openblas_name ();
#endif
}

const char *
dlp_kernels_get_isa (void)
{
#ifdef DLP_HAVE_DNNL
  if (dlp_kernels_use_dnnl ())
    return dlp_dnnl_get_isa ();
#endif
  return openblas_get_corename ();
}

gboolean
dlp_kernels_has_native_bf16 (void)
{
#ifdef DLP_HAVE_DNNL
  return dlp_kernels_use_dnnl () && dlp_dnnl_has_native_bf16 () && dlp_dnnl_can_bf16 ();
#else
  return FALSE;
#endif
}

gboolean
dlp_kernels_bf16_emulated (void)
{
  return g_strcmp0 (g_getenv ("DLPIPE_BF16"), "emulate") == 0;
}

const char *
dlp_precision_get_name (DlpPrecision precision)
{
  return precision == DLP_PRECISION_BF16 ? "bf16" : "fp32";
}

gboolean
dlp_precision_from_name (const char *name, DlpPrecision *precision)
{
  if (g_strcmp0 (name, "fp32") == 0)
    *precision = DLP_PRECISION_FP32;
  else if (g_strcmp0 (name, "bf16") == 0)
    *precision = DLP_PRECISION_BF16;
  else
    return FALSE;
  return TRUE;
}

gboolean
dlp_precision_resolve (const char *name, DlpPrecision *precision, GError **error)
{
  if (g_strcmp0 (name, "auto") == 0)
    {
      *precision = dlp_kernels_has_native_bf16 () ? DLP_PRECISION_BF16 : DLP_PRECISION_FP32;
      return TRUE;
    }
  if (!dlp_precision_from_name (name, precision))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                   "unknown precision '%s' (expected fp32, bf16 or auto)", name ? name : "");
      return FALSE;
    }
#ifdef DLP_HAVE_DNNL
  gboolean can = dlp_kernels_use_dnnl () && dlp_dnnl_can_bf16 ();
#else
  gboolean can = FALSE;
#endif
  if (*precision == DLP_PRECISION_BF16 && !can && !dlp_kernels_bf16_emulated ())
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_SUPPORTED,
                   "precision bf16 needs oneDNN on a CPU with AVX-512 (natively: AVX512-BF16 or "
                   "AMX); this build computes with %s on %s (use fp32 or auto; "
                   "DLPIPE_BF16=emulate checks bf16's accuracy, at fp32's speed)",
                   dlp_kernels_get_library (), dlp_kernels_get_isa ());
      return FALSE;
    }
  return TRUE;
}

#ifndef DLP_HAVE_DNNL
void
dlp_kernels_enter_worker (void)
{
}
#endif
