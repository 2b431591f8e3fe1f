/* dlp-macros.h: export and linkage macros shared by every SDK header. */
#pragma once

#include <glib.h>

#if defined(DLP_COMPILATION)
#define DLP_API __attribute__ ((visibility ("default")))
#else
#define DLP_API
#endif

/* On a loop function: compile it for AVX-512, AVX2 and the baseline, and
 * let the loader pick the CPU's (GCC on x86-64; elsewhere a no-op). An
 * elementwise loop gives the same bits in every variant, as the build
 * neither contracts a * b + c nor reassociates. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DLP_VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
#define DLP_VECTOR_CLONES
#endif

/* Marks the one symbol a plugin exports. */
#define DLP_PLUGIN_EXPORT __attribute__ ((visibility ("default")))

/* Facts about the build that must agree between host and plugin for their
 * structs to have the same layout. Compared as a string at load time. */
/* clang-format off */
#define DLP_BUILD_SIGNATURE                                  \
  "abi=" G_STRINGIFY (DLP_ABI_VERSION)                       \
  ";ptr=" G_STRINGIFY (GLIB_SIZEOF_VOID_P)                   \
  ";size=" G_STRINGIFY (GLIB_SIZEOF_SIZE_T)                  \
  ";long=" G_STRINGIFY (GLIB_SIZEOF_LONG)                    \
  ";order=" G_STRINGIFY (G_BYTE_ORDER)                       \
  ";glib=" G_STRINGIFY (GLIB_MAJOR_VERSION)
/* clang-format on */
