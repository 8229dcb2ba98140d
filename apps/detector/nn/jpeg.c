/*
 * Baseline JPEG encoder (see jpeg.h).  Per 16x16 MCU: colour conversion
 * (JFIF full-range BT.601), 2x2 chroma averaging, a separable float DCT,
 * quantisation with rounding, zig-zag, and Huffman coding of DC
 * differences and AC run/size symbols with byte stuffing.
 */
#include "jpeg.h"

#include <math.h>
#include <string.h>

/* ITU-T T.81 Annex K.1 example quantisation tables (natural order). */
static const uint8_t base_luma_q[64] = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
};
static const uint8_t base_chroma_q[64] = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99,
    99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
};

/* Natural index of each zig-zag position. */
static const uint8_t zigzag[64] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

/* Annex K.3 Huffman tables: code counts per length 1..16, then symbols. */
static const uint8_t dc_luma_bits[16] = {0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t dc_chroma_bits[16] = {0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
static const uint8_t dc_vals[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
static const uint8_t ac_luma_bits[16] = {0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d};
static const uint8_t ac_luma_vals[162] = {
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61,
    0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52,
    0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45,
    0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64,
    0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83,
    0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
    0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
    0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3,
    0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8,
    0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
};
static const uint8_t ac_chroma_bits[16] = {0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77};
static const uint8_t ac_chroma_vals[162] = {
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61,
    0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33,
    0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18,
    0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44,
    0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63,
    0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
    0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
    0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
    0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
    0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
    0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
};

typedef struct huff {
    uint16_t code[256];
    uint8_t size[256];
} huff;

typedef struct writer {
    veil_buf *out;
    uint32_t bits;
    int n_bits;
    veil_error *err;
} writer;

/* Canonical code assignment, T.81 Annex C. */
static void build_huff(const uint8_t bits[16], const uint8_t *vals, huff *h) {
    memset(h, 0, sizeof(*h));
    unsigned code = 0;
    size_t k = 0;
    for (int len = 1; len <= 16; len++) {
        for (int i = 0; i < bits[len - 1]; i++) {
            h->code[vals[k]] = (uint16_t)code;
            h->size[vals[k]] = (uint8_t)len;
            k++;
            code++;
        }
        code <<= 1;
    }
}

static void put_byte(writer *w, uint8_t b) {
    if (w->err == NULL)
        w->err = veil_buf_append(w->out, &b, 1);
}

static void put_u16(writer *w, unsigned v) {
    put_byte(w, (uint8_t)(v >> 8));
    put_byte(w, (uint8_t)v);
}

static void put_bits(writer *w, unsigned value, int n) {
    w->bits = w->bits << n | (value & ((1u << n) - 1));
    w->n_bits += n;
    while (w->n_bits >= 8) {
        uint8_t b = (uint8_t)(w->bits >> (w->n_bits - 8));
        put_byte(w, b);
        if (b == 0xFF)
            put_byte(w, 0x00); /* byte stuffing */
        w->n_bits -= 8;
    }
    w->bits &= (1u << w->n_bits) - 1;
}

static void flush_bits(writer *w) {
    if (w->n_bits > 0)
        put_bits(w, 0x7F, 8 - w->n_bits); /* pad with 1-bits */
}

static void write_dht(writer *w, int class_id, const uint8_t bits[16], const uint8_t *vals) {
    int n = 0;
    for (int i = 0; i < 16; i++)
        n += bits[i];
    put_u16(w, 0xFFC4);
    put_u16(w, (unsigned)(2 + 1 + 16 + n));
    put_byte(w, (uint8_t)class_id);
    for (int i = 0; i < 16; i++)
        put_byte(w, bits[i]);
    for (int i = 0; i < n; i++)
        put_byte(w, vals[i]);
}

static void scale_table(const uint8_t *base, int quality, uint8_t *out) {
    int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    for (int i = 0; i < 64; i++) {
        int q = (base[i] * scale + 50) / 100;
        out[i] = (uint8_t)(q < 1 ? 1 : q > 255 ? 255 : q);
    }
}

/* Basis c[u][x] = C(u)/2 cos((2x+1)u pi/16), so that F = c f c^T. */
static void init_dct(float basis[8][8]) {
    for (int u = 0; u < 8; u++)
        for (int x = 0; x < 8; x++)
            basis[u][x] = (float)((u == 0 ? sqrt(0.5) : 1.0) / 2.0 *
                                  cos((2 * x + 1) * u * 3.14159265358979323846 / 16));
}

static int bit_size(int v) {
    int a = v < 0 ? -v : v, n = 0;
    while (a) {
        n++;
        a >>= 1;
    }
    return n;
}

/* Transforms, quantises and codes one 8x8 block of samples (0..255). */
static void encode_block(writer *w, const float dct_basis[8][8], const float block[64],
                         const uint8_t *q, const huff *dc, const huff *ac, int *prev_dc) {
    float tmp[64], coef[64];
    for (int y = 0; y < 8; y++)
        for (int u = 0; u < 8; u++) {
            float s = 0;
            for (int x = 0; x < 8; x++)
                s += dct_basis[u][x] * (block[y * 8 + x] - 128.0f);
            tmp[y * 8 + u] = s;
        }
    for (int v = 0; v < 8; v++)
        for (int u = 0; u < 8; u++) {
            float s = 0;
            for (int y = 0; y < 8; y++)
                s += dct_basis[v][y] * tmp[y * 8 + u];
            coef[v * 8 + u] = s;
        }
    int zz[64];
    for (int k = 0; k < 64; k++) {
        int n = zigzag[k];
        zz[k] = (int)lrintf(coef[n] / q[n]);
    }
    int diff = zz[0] - *prev_dc;
    *prev_dc = zz[0];
    int size = bit_size(diff);
    put_bits(w, dc->code[size], dc->size[size]);
    if (size > 0)
        put_bits(w, (unsigned)(diff < 0 ? diff + (1 << size) - 1 : diff), size);
    int run = 0;
    for (int k = 1; k < 64; k++) {
        if (zz[k] == 0) {
            run++;
            continue;
        }
        while (run > 15) {
            put_bits(w, ac->code[0xF0], ac->size[0xF0]);
            run -= 16;
        }
        size = bit_size(zz[k]);
        int sym = run << 4 | size;
        put_bits(w, ac->code[sym], ac->size[sym]);
        put_bits(w, (unsigned)(zz[k] < 0 ? zz[k] + (1 << size) - 1 : zz[k]), size);
        run = 0;
    }
    if (run > 0)
        put_bits(w, ac->code[0x00], ac->size[0x00]);
}

veil_error *veil_jpeg_encode_rgb(const uint8_t *rgb, int width, int height, size_t stride,
                                 int quality, veil_buf *out) {
    if (width < 1 || height < 1 || width > 65535 || height > 65535 || stride < (size_t)width * 3)
        return veil_error_new(VEIL_EINVAL, "JPEG: invalid image geometry %dx%d", width, height);
    if (quality < 1 || quality > 100)
        return veil_error_new(VEIL_EINVAL, "JPEG: quality %d outside 1..100", quality);
    float basis[8][8];
    init_dct(basis);
    uint8_t qy[64], qc[64];
    scale_table(base_luma_q, quality, qy);
    scale_table(base_chroma_q, quality, qc);
    huff dcl, dcc, acl, acc;
    build_huff(dc_luma_bits, dc_vals, &dcl);
    build_huff(dc_chroma_bits, dc_vals, &dcc);
    build_huff(ac_luma_bits, ac_luma_vals, &acl);
    build_huff(ac_chroma_bits, ac_chroma_vals, &acc);

    writer w = {.out = out};
    static const uint8_t jfif[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J',  'F',  'I',  'F',
                                   0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00};
    for (size_t i = 0; i < sizeof(jfif); i++)
        put_byte(&w, jfif[i]);
    for (int t = 0; t < 2; t++) {
        const uint8_t *q = t == 0 ? qy : qc;
        put_u16(&w, 0xFFDB);
        put_u16(&w, 67);
        put_byte(&w, (uint8_t)t);
        for (int k = 0; k < 64; k++)
            put_byte(&w, q[zigzag[k]]);
    }
    put_u16(&w, 0xFFC0); /* SOF0 */
    put_u16(&w, 17);
    put_byte(&w, 8);
    put_u16(&w, (unsigned)height);
    put_u16(&w, (unsigned)width);
    put_byte(&w, 3);
    static const uint8_t comps[3][3] = {{1, 0x22, 0}, {2, 0x11, 1}, {3, 0x11, 1}};
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 3; i++)
            put_byte(&w, comps[c][i]);
    write_dht(&w, 0x00, dc_luma_bits, dc_vals);
    write_dht(&w, 0x10, ac_luma_bits, ac_luma_vals);
    write_dht(&w, 0x01, dc_chroma_bits, dc_vals);
    write_dht(&w, 0x11, ac_chroma_bits, ac_chroma_vals);
    put_u16(&w, 0xFFDA); /* SOS */
    put_u16(&w, 12);
    put_byte(&w, 3);
    static const uint8_t sos[3][2] = {{1, 0x00}, {2, 0x11}, {3, 0x11}};
    for (int c = 0; c < 3; c++) {
        put_byte(&w, sos[c][0]);
        put_byte(&w, sos[c][1]);
    }
    put_byte(&w, 0);
    put_byte(&w, 63);
    put_byte(&w, 0);

    int dc_y = 0, dc_cb = 0, dc_cr = 0;
    for (int my = 0; my < height && w.err == NULL; my += 16) {
        for (int mx = 0; mx < width; mx += 16) {
            float y[4][64], cb[64], cr[64];
            memset(cb, 0, sizeof(cb));
            memset(cr, 0, sizeof(cr));
            for (int py = 0; py < 16; py++) {
                int sy = my + py < height ? my + py : height - 1;
                const uint8_t *row = rgb + (size_t)sy * stride;
                for (int px = 0; px < 16; px++) {
                    int sx = mx + px < width ? mx + px : width - 1;
                    float r = row[3 * sx], g = row[3 * sx + 1], b = row[3 * sx + 2];
                    int blk = (py / 8) * 2 + px / 8;
                    y[blk][(py % 8) * 8 + px % 8] = 0.299f * r + 0.587f * g + 0.114f * b;
                    int ci = (py / 2) * 8 + px / 2;
                    cb[ci] += 0.25f * (-0.168736f * r - 0.331264f * g + 0.5f * b + 128.0f);
                    cr[ci] += 0.25f * (0.5f * r - 0.418688f * g - 0.081312f * b + 128.0f);
                }
            }
            for (int blk = 0; blk < 4; blk++)
                encode_block(&w, basis, y[blk], qy, &dcl, &acl, &dc_y);
            encode_block(&w, basis, cb, qc, &dcc, &acc, &dc_cb);
            encode_block(&w, basis, cr, qc, &dcc, &acc, &dc_cr);
        }
    }
    flush_bits(&w);
    put_u16(&w, 0xFFD9);
    return w.err;
}
