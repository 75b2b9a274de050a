// How the engine's loops over accounts and contacts vectorise.
//
// CATHEDRAL_VECTOR_CLONES builds a function twice, for AVX2 and for any
// x86-64, and picks one at run time. Both give the same bits: the loops are
// element-wise IEEE arithmetic without FMA (-ffp-contract=off) and use our
// own exp and log (elementary.hpp), and every sum keeps its order.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define CATHEDRAL_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CATHEDRAL_VECTOR_CLONES
#endif

// The arrays a loop touches are distinct: no iteration reads what another
// writes. (Restrict-qualified locals alone do not convince the vectoriser.)
#if defined(__clang__)
#define CATHEDRAL_INDEPENDENT_ITERATIONS _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define CATHEDRAL_INDEPENDENT_ITERATIONS _Pragma("GCC ivdep")
#else
#define CATHEDRAL_INDEPENDENT_ITERATIONS
#endif
