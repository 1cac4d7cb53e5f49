package org.rlhf4j.policy.bench;

/**
 * The measured float32 matmul throughput of ND4J on this machine: the best of n³ products for the sizes tried.
 *
 * @param threads native (OpenMP and OpenBLAS) threads
 * @param n       the size that gave the best figure
 * @param gflops  2·n³ / seconds / 1e9
 */
public record Peak(int threads, int n, double gflops) {}
