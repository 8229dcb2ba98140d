/*
 * 3x3 convolution, stride 1, zero padding ("same"), 416x416x32 input to
 * 416x416x32 output, HWC layout with output channels innermost so the inner
 * loop is a 32-wide multiply-add that vectorises (the core of the detector).
 */
#include <string.h>

#include "kernel.h"

enum { FULL_H = 416, FULL_W = 416, CI = 32, CO = 32 };

static void conv3x3(int H, int W, const float *restrict in, const float *restrict weights,
                    const float *restrict bias, float *restrict out) {
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            float acc[CO];
            memcpy(acc, bias, sizeof acc);
            for (int dy = -1; dy <= 1; dy++) {
                int sy = y + dy;
                if (sy < 0 || sy >= H)
                    continue;
                for (int dx = -1; dx <= 1; dx++) {
                    int sx = x + dx;
                    if (sx < 0 || sx >= W)
                        continue;
                    const float *px = in + ((size_t)sy * W + (size_t)sx) * CI;
                    const float *wk = weights + (size_t)((dy + 1) * 3 + (dx + 1)) * CI * CO;
                    for (int ci = 0; ci < CI; ci++) {
                        float v = px[ci];
                        const float *wrow = wk + (size_t)ci * CO;
                        for (int co = 0; co < CO; co++)
                            acc[co] += v * wrow[co];
                    }
                }
            }
            memcpy(out + ((size_t)y * W + (size_t)x) * CO, acc, sizeof acc);
        }
    }
}

BENCH_EXPORT(conv) uint64_t bench_conv(uint32_t scale) {
    int H = (int)bench_scaled(FULL_H, scale, 1), W = (int)bench_scaled(FULL_W, scale, 1);
    uint64_t seed = 0x1234567890abcdefULL;
    size_t in_count = (size_t)H * W * CI, out_count = (size_t)H * W * CO;
    float *in = bench_alloc(in_count * sizeof(float));
    float *out = bench_alloc(out_count * sizeof(float));
    float *weights = bench_alloc((size_t)9 * CI * CO * sizeof(float));
    float bias[CO];
    for (size_t i = 0; i < in_count; i++)
        in[i] = bench_rand_float(&seed);
    for (size_t i = 0; i < (size_t)9 * CI * CO; i++)
        weights[i] = bench_rand_float(&seed) * 0.125f;
    for (int i = 0; i < CO; i++)
        bias[i] = bench_rand_float(&seed);
    conv3x3(H, W, in, weights, bias, out);
    uint64_t hash = BENCH_HASH_INIT;
    for (size_t i = 0; i < out_count; i++) {
        uint32_t bits;
        memcpy(&bits, &out[i], sizeof bits);
        hash = bench_mix(hash, bits);
    }
    free(in);
    free(out);
    free(weights);
    return hash;
}

BENCH_MAIN(conv)
