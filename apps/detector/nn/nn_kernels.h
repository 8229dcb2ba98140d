/*
 * Compute kernels of the inference engine (float32, NHWC).
 *
 * Written in portable C for clang to vectorise both natively and for
 * wasm32 with -msimd128: inner loops run over contiguous memory with
 * compile-time trip counts.  The GEMM micro-kernel keeps an MR x NR tile of
 * accumulators in registers using clang's generic vector types
 * (`vector_size(16)`, lowered to SSE natively and to SIMD128 in wasm) — no
 * target intrinsics.  The tile shape is chosen per target because V8's
 * register allocation and x86's differ (measured: 6x8 natively, 4x16 in
 * Node's wasm).
 *
 * Convolution = im2col of a tile of output pixels into an MR-interleaved
 * A panel + GEMM against weights packed at plan time into NR-column panels
 * ([panel][k][NR], zero-padded past Cout), with padding, bias and
 * activation fused.
 */
#ifndef VEIL_NN_KERNELS_H
#define VEIL_NN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#if defined(__wasm__)
#define NN_GEMM_MR 4
#define NN_GEMM_NR 16
#else
#define NN_GEMM_MR 6
#define NN_GEMM_NR 8
#endif
/* Output pixels per im2col tile (a multiple of MR). */
#define NN_CONV_TILE (NN_GEMM_MR * 8)

typedef enum nn_kernel_act {
    NN_KACT_NONE,
    NN_KACT_RELU,
    NN_KACT_LEAKY,
} nn_kernel_act;

typedef struct nn_conv_params {
    int in_h, in_w, cin;
    int out_h, out_w, cout;
    int kh, kw;
    int stride_h, stride_w;
    int dilation_h, dilation_w;
    int pad_top, pad_left; /* bottom/right padding is implied by out_h/out_w */
    const float *bias;     /* [cout] or NULL */
    nn_kernel_act act;
    float alpha;
    const float *packed; /* from nn_conv_pack_weights */
} nn_conv_params;

/* Floats needed for packed weights of a [kh*kw*cin, cout] HWIO filter. */
size_t nn_conv_packed_floats(int k, int cout);
void nn_conv_pack_weights(const float *hwio, int k, int cout, float *packed);
/* Scratch floats nn_conv2d needs. */
size_t nn_conv_scratch_floats(const nn_conv_params *p);
void nn_conv2d(const nn_conv_params *p, const float *in, float *out, float *scratch);

/* Max pooling, NHWC, batch 1; out-of-bounds (padding) taps are ignored. */
void nn_maxpool(const float *in, int in_h, int in_w, int c, float *out, int out_h, int out_w,
                int kh, int kw, int sh, int sw, int pad_top, int pad_left);

/* Bilinear resize, NHWC, exactly as TensorFlow(.js) computes it (source
 * coordinates and interpolation in double precision, stored as float). */
void nn_resize_bilinear(const float *in, int batch, int in_h, int in_w, int c, float *out,
                        int out_h, int out_w, int align_corners, int half_pixel_centers);

/* Generic 4-byte element transpose: out dim i = in dim perm[i]. */
void nn_transpose(const uint32_t *in, const int64_t *in_dims, int rank, const int *perm,
                  uint32_t *out);

/* Constant padding of a float tensor. */
void nn_pad(const float *in, const int64_t *in_dims, int rank, const int64_t *before,
            const int64_t *after, float value, float *out);

void nn_leaky_relu(const float *in, float *out, size_t n, float alpha);
void nn_relu(const float *in, float *out, size_t n);
void nn_sigmoid(const float *in, float *out, size_t n);

/* out = a + b with numpy broadcasting; shapes already right-aligned to
 * `rank` dims (missing leading dims are 1). */
void nn_add_f32(const float *a, const int64_t *a_dims, const float *b, const int64_t *b_dims,
                float *out, const int64_t *out_dims, int rank);
void nn_add_i32(const int32_t *a, const int64_t *a_dims, const int32_t *b, const int64_t *b_dims,
                int32_t *out, const int64_t *out_dims, int rank);

#endif
