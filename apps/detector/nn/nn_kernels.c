/*
 * Compute kernels (see nn_kernels.h for the layout conventions).
 */
#include "nn_kernels.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define MR NN_GEMM_MR
#define NR NN_GEMM_NR
#define NV (NR / 4)

/* Clang's generic 4 x float vector; aligned(4) so loads/stores of packed
 * panels need no particular alignment. */
typedef float nn_v4 __attribute__((vector_size(16), aligned(4)));

size_t nn_conv_packed_floats(int k, int cout) {
    size_t panels = ((size_t)cout + NR - 1) / NR;
    return panels * (size_t)k * NR;
}

void nn_conv_pack_weights(const float *hwio, int k, int cout, float *packed) {
    int panels = (cout + NR - 1) / NR;
    for (int p = 0; p < panels; p++) {
        for (int kk = 0; kk < k; kk++) {
            float *dst = packed + ((size_t)p * k + kk) * NR;
            for (int j = 0; j < NR; j++) {
                int c = p * NR + j;
                dst[j] = c < cout ? hwio[(size_t)kk * cout + c] : 0.0f;
            }
        }
    }
}

size_t nn_conv_scratch_floats(const nn_conv_params *p) {
    return (size_t)NN_CONV_TILE * p->kh * p->kw * p->cin;
}

/* Writes the im2col rows of output pixels [pix0, pix0+npix) as micro-panels
 * of MR pixels: a[(mp * K + k) * MR + i].  Taps outside the input (padding)
 * and rows past npix are zero. */
static void im2col_tile(const nn_conv_params *p, const float *in, int pix0, int npix, float *a) {
    const int cin = p->cin, k_total = p->kh * p->kw * cin;
    const int panels = (npix + MR - 1) / MR;
    for (int mp = 0; mp < panels; mp++) {
        float *panel = a + (size_t)mp * k_total * MR;
        for (int i = 0; i < MR; i++) {
            int local = mp * MR + i;
            if (local >= npix) {
                for (int k = 0; k < k_total; k++)
                    panel[(size_t)k * MR + i] = 0.0f;
                continue;
            }
            int pixel = pix0 + local;
            int oy = pixel / p->out_w, ox = pixel % p->out_w;
            for (int ky = 0; ky < p->kh; ky++) {
                int iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
                for (int kx = 0; kx < p->kw; kx++) {
                    int ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
                    float *dst = panel + (size_t)((ky * p->kw + kx) * cin) * MR + i;
                    if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                        for (int c = 0; c < cin; c++)
                            dst[(size_t)c * MR] = 0.0f;
                    } else {
                        const float *src = in + ((size_t)iy * p->in_w + ix) * cin;
                        for (int c = 0; c < cin; c++)
                            dst[(size_t)c * MR] = src[c];
                    }
                }
            }
        }
    }
}

/* C[rows x cols] = A-panel x B-panel (+ bias, activation); the full MR x NR
 * tile is computed in registers and only the valid part is stored. */
static void gemm_micro(int k_total, const float *restrict a, const float *restrict b,
                       float *restrict c, int ldc, int rows, int cols, const float *bias,
                       nn_kernel_act act, float alpha) {
    nn_v4 acc[MR][NV];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NV; j++)
            acc[i][j] = (nn_v4){0.0f, 0.0f, 0.0f, 0.0f};
    for (int k = 0; k < k_total; k++) {
        nn_v4 bv[NV];
        for (int j = 0; j < NV; j++)
            memcpy(&bv[j], b + (size_t)k * NR + 4 * j, sizeof(nn_v4));
        const float *ak = a + (size_t)k * MR;
        for (int i = 0; i < MR; i++) {
            float x = ak[i];
            for (int j = 0; j < NV; j++)
                acc[i][j] += x * bv[j];
        }
    }
    float tile[MR][NR];
    memcpy(tile, acc, sizeof(tile));
    for (int i = 0; i < rows; i++) {
        float *row = tile[i];
        if (bias != NULL)
            for (int j = 0; j < NR; j++)
                row[j] += j < cols ? bias[j] : 0.0f;
        if (act == NN_KACT_RELU) {
            for (int j = 0; j < NR; j++)
                row[j] = row[j] > 0.0f ? row[j] : 0.0f;
        } else if (act == NN_KACT_LEAKY) {
            for (int j = 0; j < NR; j++)
                row[j] = row[j] < 0.0f ? row[j] * alpha : row[j];
        }
        memcpy(c + (size_t)i * ldc, row, (size_t)cols * sizeof(float));
    }
}

void nn_conv2d(const nn_conv_params *p, const float *in, float *out, float *scratch) {
    const int k_total = p->kh * p->kw * p->cin;
    const int m_total = p->out_h * p->out_w;
    const int panels = (p->cout + NR - 1) / NR;
    for (int pix0 = 0; pix0 < m_total; pix0 += NN_CONV_TILE) {
        int npix = m_total - pix0 < NN_CONV_TILE ? m_total - pix0 : NN_CONV_TILE;
        im2col_tile(p, in, pix0, npix, scratch);
        for (int panel = 0; panel < panels; panel++) {
            const float *b = p->packed + (size_t)panel * k_total * NR;
            int col0 = panel * NR;
            int cols = p->cout - col0 < NR ? p->cout - col0 : NR;
            const float *bias = p->bias != NULL ? p->bias + col0 : NULL;
            for (int mp = 0; mp * MR < npix; mp++) {
                int rows = npix - mp * MR < MR ? npix - mp * MR : MR;
                gemm_micro(k_total, scratch + (size_t)mp * k_total * MR, b,
                           out + (size_t)(pix0 + mp * MR) * p->cout + col0, p->cout, rows, cols,
                           bias, p->act, p->alpha);
            }
        }
    }
}

void nn_maxpool(const float *in, int in_h, int in_w, int c, float *out, int out_h, int out_w,
                int kh, int kw, int sh, int sw, int pad_top, int pad_left) {
    for (int oy = 0; oy < out_h; oy++) {
        for (int ox = 0; ox < out_w; ox++) {
            float *dst = out + ((size_t)oy * out_w + ox) * c;
            bool first = true;
            for (int ky = 0; ky < kh; ky++) {
                int iy = oy * sh - pad_top + ky;
                if (iy < 0 || iy >= in_h)
                    continue;
                for (int kx = 0; kx < kw; kx++) {
                    int ix = ox * sw - pad_left + kx;
                    if (ix < 0 || ix >= in_w)
                        continue;
                    const float *src = in + ((size_t)iy * in_w + ix) * c;
                    if (first) {
                        memcpy(dst, src, (size_t)c * sizeof(float));
                        first = false;
                    } else {
                        for (int ch = 0; ch < c; ch++)
                            dst[ch] = src[ch] > dst[ch] ? src[ch] : dst[ch];
                    }
                }
            }
            if (first) /* window entirely in padding */
                for (int ch = 0; ch < c; ch++)
                    dst[ch] = -INFINITY;
        }
    }
}

/* TensorFlow.js's CPU kernel: floor clamped at 0, ceil clamped at size-1,
 * fraction relative to the clamped floor. */
static void resize_coord(int out_index, double ratio, int in_size, int half_pixel, int *lo, int *hi,
                         double *frac) {
    double src = half_pixel ? ratio * (out_index + 0.5) - 0.5 : ratio * out_index;
    double fl = floor(src);
    int f = fl < 0 ? 0 : (int)fl;
    double ce = ceil(src);
    int c = ce > in_size - 1 ? in_size - 1 : (int)ce;
    if (c < 0)
        c = 0;
    *lo = f;
    *hi = c;
    *frac = src - f;
}

void nn_resize_bilinear(const float *in, int batch, int in_h, int in_w, int c, float *out,
                        int out_h, int out_w, int align_corners, int half_pixel_centers) {
    double rh =
        (align_corners && out_h > 1) ? (double)(in_h - 1) / (out_h - 1) : (double)in_h / out_h;
    double rw =
        (align_corners && out_w > 1) ? (double)(in_w - 1) / (out_w - 1) : (double)in_w / out_w;
    for (int b = 0; b < batch; b++) {
        const float *img = in + (size_t)b * in_h * in_w * c;
        for (int y = 0; y < out_h; y++) {
            int y0, y1;
            double fy;
            resize_coord(y, rh, in_h, half_pixel_centers, &y0, &y1, &fy);
            const float *top = img + (size_t)y0 * in_w * c;
            const float *bot = img + (size_t)y1 * in_w * c;
            float *dst = out + (((size_t)b * out_h + y) * out_w) * c;
            for (int x = 0; x < out_w; x++) {
                int x0, x1;
                double fx;
                resize_coord(x, rw, in_w, half_pixel_centers, &x0, &x1, &fx);
                const float *tl = top + (size_t)x0 * c, *tr = top + (size_t)x1 * c;
                const float *bl = bot + (size_t)x0 * c, *br = bot + (size_t)x1 * c;
                for (int ch = 0; ch < c; ch++) {
                    double t = tl[ch] + ((double)tr[ch] - tl[ch]) * fx;
                    double bo = bl[ch] + ((double)br[ch] - bl[ch]) * fx;
                    dst[(size_t)x * c + ch] = (float)(t + (bo - t) * fy);
                }
            }
        }
    }
}

void nn_transpose(const uint32_t *in, const int64_t *in_dims, int rank, const int *perm,
                  uint32_t *out) {
    int64_t in_strides[8], out_dims[8], stride_of_out[8], idx[8];
    int64_t s = 1;
    for (int i = rank - 1; i >= 0; i--) {
        in_strides[i] = s;
        s *= in_dims[i];
    }
    int64_t total = s;
    for (int i = 0; i < rank; i++) {
        out_dims[i] = in_dims[perm[i]];
        stride_of_out[i] = in_strides[perm[i]];
        idx[i] = 0;
    }
    if (total == 0)
        return;
    if (rank == 0) {
        out[0] = in[0];
        return;
    }
    const int last = rank - 1;
    const int64_t inner = out_dims[last], inner_stride = stride_of_out[last];
    int64_t written = 0;
    while (written < total) {
        int64_t base = 0;
        for (int i = 0; i < last; i++)
            base += idx[i] * stride_of_out[i];
        const uint32_t *src = in + base;
        uint32_t *dst = out + written;
        if (inner_stride == 1) {
            memcpy(dst, src, (size_t)inner * sizeof(uint32_t));
        } else {
            for (int64_t j = 0; j < inner; j++)
                dst[j] = src[j * inner_stride];
        }
        written += inner;
        for (int i = last - 1; i >= 0; i--) {
            if (++idx[i] < out_dims[i])
                break;
            idx[i] = 0;
        }
    }
}

static void fill(float *dst, int64_t n, float value) {
    for (int64_t i = 0; i < n; i++)
        dst[i] = value;
}

static void pad_rec(const float *in, const int64_t *in_dims, int rank, const int64_t *before,
                    const int64_t *after, float value, float *out, int dim, const int64_t *in_block,
                    const int64_t *out_block) {
    if (dim == rank - 1) {
        fill(out, before[dim], value);
        memcpy(out + before[dim], in, (size_t)in_dims[dim] * sizeof(float));
        fill(out + before[dim] + in_dims[dim], after[dim], value);
        return;
    }
    fill(out, before[dim] * out_block[dim], value);
    for (int64_t i = 0; i < in_dims[dim]; i++)
        pad_rec(in + i * in_block[dim], in_dims, rank, before, after, value,
                out + (before[dim] + i) * out_block[dim], dim + 1, in_block, out_block);
    fill(out + (before[dim] + in_dims[dim]) * out_block[dim], after[dim] * out_block[dim], value);
}

void nn_pad(const float *in, const int64_t *in_dims, int rank, const int64_t *before,
            const int64_t *after, float value, float *out) {
    if (rank == 0) {
        out[0] = in[0];
        return;
    }
    /* in_block[d] / out_block[d]: elements in one step of dimension d. */
    int64_t in_block[8], out_block[8], si = 1, so = 1;
    for (int d = rank - 1; d >= 0; d--) {
        in_block[d] = si;
        out_block[d] = so;
        si *= in_dims[d];
        so *= before[d] + in_dims[d] + after[d];
    }
    for (int d = 0; d < rank; d++)
        if (in_dims[d] == 0) {
            fill(out, so, value);
            return;
        }
    pad_rec(in, in_dims, rank, before, after, value, out, 0, in_block, out_block);
}

void nn_leaky_relu(const float *in, float *out, size_t n, float alpha) {
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] < 0.0f ? in[i] * alpha : in[i];
}

void nn_relu(const float *in, float *out, size_t n) {
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

void nn_sigmoid(const float *in, float *out, size_t n) {
    for (size_t i = 0; i < n; i++)
        out[i] = (float)(1.0 / (1.0 + exp(-(double)in[i])));
}

/* Broadcasting walk shared by the float and int adds. */
#define NN_ADD_BODY(T)                                                                             \
    int64_t total = 1, sa[8], sb[8], idx[8];                                                       \
    int64_t ea = 1, eb = 1;                                                                        \
    for (int d = rank - 1; d >= 0; d--) {                                                          \
        sa[d] = a_dims[d] == 1 ? 0 : ea;                                                           \
        sb[d] = b_dims[d] == 1 ? 0 : eb;                                                           \
        ea *= a_dims[d];                                                                           \
        eb *= b_dims[d];                                                                           \
        total *= out_dims[d];                                                                      \
        idx[d] = 0;                                                                                \
    }                                                                                              \
    if (ea == total && eb == total) {                                                              \
        for (int64_t i = 0; i < total; i++)                                                        \
            out[i] = (T)(a[i] + b[i]);                                                             \
        return;                                                                                    \
    }                                                                                              \
    int64_t inner = rank > 0 ? out_dims[rank - 1] : 1;                                             \
    int64_t ia = rank > 0 ? sa[rank - 1] : 0, ib = rank > 0 ? sb[rank - 1] : 0;                    \
    for (int64_t done = 0; done < total; done += inner) {                                          \
        int64_t oa = 0, ob = 0;                                                                    \
        for (int d = 0; d < rank - 1; d++) {                                                       \
            oa += idx[d] * sa[d];                                                                  \
            ob += idx[d] * sb[d];                                                                  \
        }                                                                                          \
        for (int64_t j = 0; j < inner; j++)                                                        \
            out[done + j] = (T)(a[oa + j * ia] + b[ob + j * ib]);                                  \
        for (int d = rank - 2; d >= 0; d--) {                                                      \
            if (++idx[d] < out_dims[d])                                                            \
                break;                                                                             \
            idx[d] = 0;                                                                            \
        }                                                                                          \
    }

void nn_add_f32(const float *a, const int64_t *a_dims, const float *b, const int64_t *b_dims,
                float *out, const int64_t *out_dims, int rank) {
    NN_ADD_BODY(float)
}

static void add_u32(const uint32_t *a, const int64_t *a_dims, const uint32_t *b,
                    const int64_t *b_dims, uint32_t *out, const int64_t *out_dims, int rank) {
    NN_ADD_BODY(uint32_t)
}

/* Wraps around like TensorFlow's int32 add (computed unsigned: no UB). */
void nn_add_i32(const int32_t *a, const int64_t *a_dims, const int32_t *b, const int64_t *b_dims,
                int32_t *out, const int64_t *out_dims, int rank) {
    add_u32((const uint32_t *)a, a_dims, (const uint32_t *)b, b_dims, (uint32_t *)out, out_dims,
            rank);
}
