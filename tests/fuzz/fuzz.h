/* fuzz.h: every fuzz target implements libFuzzer's entry point. The same
 * file builds into a libFuzzer binary (-Dfuzzing=true, clang) and, in
 * every build, into a replay test that runs the committed corpus and the
 * regression inputs through it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
