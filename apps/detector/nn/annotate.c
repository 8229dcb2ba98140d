/*
 * Box and label drawing (see annotate.h).  The font is Veil's own 5x7
 * bitmap for the characters COCO labels and scores need; each glyph is
 * written as seven rows of five cells ('#' set) so it can be read here.
 */
#include "annotate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define GLYPH_W 5
#define GLYPH_H 7
#define GLYPH_ADVANCE 6

typedef struct glyph {
    char ch;
    const char *rows[GLYPH_H];
} glyph;

static const glyph font[] = {
    {' ', {".....", ".....", ".....", ".....", ".....", ".....", "....."}},
    {'0', {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."}},
    {'1', {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."}},
    {'2', {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"}},
    {'3', {"####.", "....#", "....#", ".###.", "....#", "....#", "####."}},
    {'4', {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."}},
    {'5', {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."}},
    {'6', {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."}},
    {'7', {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."}},
    {'8', {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."}},
    {'9', {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."}},
    {'a', {".....", ".....", ".###.", "....#", ".####", "#...#", ".####"}},
    {'b', {"#....", "#....", "#.##.", "##..#", "#...#", "#...#", "####."}},
    {'c', {".....", ".....", ".###.", "#....", "#....", "#...#", ".###."}},
    {'d', {"....#", "....#", ".##.#", "#..##", "#...#", "#...#", ".####"}},
    {'e', {".....", ".....", ".###.", "#...#", "#####", "#....", ".###."}},
    {'f', {"..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#..."}},
    {'g', {".....", ".####", "#...#", "#...#", ".####", "....#", ".###."}},
    {'h', {"#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"}},
    {'i', {"..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."}},
    {'j', {"...#.", ".....", "..##.", "...#.", "...#.", "#..#.", ".##.."}},
    {'k', {"#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#."}},
    {'l', {".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."}},
    {'m', {".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#"}},
    {'n', {".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"}},
    {'o', {".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."}},
    {'p', {".....", ".....", "####.", "#...#", "####.", "#....", "#...."}},
    {'q', {".....", ".....", ".##.#", "#..##", ".####", "....#", "....#"}},
    {'r', {".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."}},
    {'s', {".....", ".....", ".###.", "#....", ".###.", "....#", "####."}},
    {'t', {".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."}},
    {'u', {".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"}},
    {'v', {".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."}},
    {'w', {".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#."}},
    {'x', {".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"}},
    {'y', {".....", ".....", "#...#", "#...#", ".####", "....#", ".###."}},
    {'z', {".....", ".....", "#####", "...#.", "..#..", ".#...", "#####"}},
    {'%', {"##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"}},
    {'.', {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."}},
    {'-', {".....", ".....", ".....", "#####", ".....", ".....", "....."}},
    {':', {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."}},
    {'?', {".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."}},
};

static const glyph *find_glyph(char ch) {
    if (ch >= 'A' && ch <= 'Z')
        ch = (char)(ch - 'A' + 'a');
    const glyph *unknown = NULL;
    for (size_t i = 0; i < sizeof(font) / sizeof(font[0]); i++) {
        if (font[i].ch == ch)
            return &font[i];
        if (font[i].ch == '?')
            unknown = &font[i];
    }
    return unknown;
}

static int clampi(int v, int lo, int hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

/* A box coordinate as a pixel index, kept just outside [0, limit]. */
static int to_pixel(float v, int limit) {
    if (!(v > -1.0f))
        return -1;
    if (v > (float)limit + 1.0f)
        return limit + 1;
    return (int)lrintf(v);
}

void veil_draw_fill(uint8_t *rgb, int width, int height, size_t stride, int x0, int y0, int x1,
                    int y1, veil_rgb color) {
    x0 = clampi(x0, 0, width);
    x1 = clampi(x1, 0, width);
    y0 = clampi(y0, 0, height);
    y1 = clampi(y1, 0, height);
    for (int y = y0; y < y1; y++) {
        uint8_t *p = rgb + (size_t)y * stride + (size_t)x0 * 3;
        for (int x = x0; x < x1; x++, p += 3) {
            p[0] = color.r;
            p[1] = color.g;
            p[2] = color.b;
        }
    }
}

void veil_draw_box(uint8_t *rgb, int width, int height, size_t stride, int x0, int y0, int x1,
                   int y1, int thickness, veil_rgb color) {
    if (x1 <= x0 || y1 <= y0 || thickness < 1)
        return;
    int t = thickness;
    veil_draw_fill(rgb, width, height, stride, x0, y0, x1, y0 + t, color);
    veil_draw_fill(rgb, width, height, stride, x0, y1 - t, x1, y1, color);
    veil_draw_fill(rgb, width, height, stride, x0, y0, x0 + t, y1, color);
    veil_draw_fill(rgb, width, height, stride, x1 - t, y0, x1, y1, color);
}

int veil_draw_text_width(const char *text, int scale) {
    size_t n = strlen(text);
    return n == 0 ? 0 : (int)((n - 1) * GLYPH_ADVANCE + GLYPH_W) * scale;
}

int veil_draw_text_height(int scale) {
    return GLYPH_H * scale;
}

void veil_draw_text(uint8_t *rgb, int width, int height, size_t stride, int x, int y,
                    const char *text, int scale, veil_rgb color) {
    for (size_t i = 0; text[i] != '\0'; i++) {
        const glyph *g = find_glyph(text[i]);
        int gx = x + (int)i * GLYPH_ADVANCE * scale;
        for (int r = 0; r < GLYPH_H; r++)
            for (int c = 0; c < GLYPH_W; c++)
                if (g->rows[r][c] == '#')
                    veil_draw_fill(rgb, width, height, stride, gx + c * scale, y + r * scale,
                                   gx + (c + 1) * scale, y + (r + 1) * scale, color);
    }
}

veil_rgb veil_annotate_class_color(int class_id) {
    static const veil_rgb palette[] = {
        {230, 25, 75},  {60, 180, 75},  {255, 225, 25}, {0, 130, 200},  {245, 130, 48},
        {145, 30, 180}, {70, 240, 240}, {240, 50, 230}, {210, 245, 60}, {250, 190, 212},
        {0, 128, 128},  {170, 110, 40}, {128, 0, 0},    {0, 0, 128},
    };
    size_t n = sizeof(palette) / sizeof(palette[0]);
    return palette[(size_t)(class_id < 0 ? 0 : class_id) % n];
}

veil_error *veil_annotate_detections(uint8_t *rgb, int width, int height, size_t stride,
                                     const veil_nanodet_detection *detections, size_t count) {
    if (width < 1 || height < 1 || stride < (size_t)width * 3)
        return veil_error_new(VEIL_EINVAL, "annotate: invalid frame geometry %dx%d", width, height);
    int small = width < height ? width : height;
    int thickness = small / 200 > 2 ? small / 200 : 2;
    int scale = small / 240 > 1 ? small / 240 : 1;
    int pad = scale;
    for (size_t i = 0; i < count; i++) {
        const veil_nanodet_detection *d = &detections[i];
        if (!isfinite(d->x) || !isfinite(d->y) || !isfinite(d->width) || !isfinite(d->height))
            continue;
        veil_rgb color = veil_annotate_class_color(d->class_id);
        int x0 = to_pixel(d->x, width), y0 = to_pixel(d->y, height);
        int x1 = to_pixel(d->x + d->width, width), y1 = to_pixel(d->y + d->height, height);
        veil_draw_box(rgb, width, height, stride, x0, y0, x1, y1, thickness, color);
        char text[96];
        int percent = d->score > 0.0f && d->score <= 1.0f ? (int)lrintf(d->score * 100.0f) : 0;
        if (d->label != NULL)
            snprintf(text, sizeof(text), "%.80s %d%%", d->label, percent);
        else
            snprintf(text, sizeof(text), "class %d %d%%", d->class_id, percent);
        int tw = veil_draw_text_width(text, scale) + 2 * pad;
        int th = veil_draw_text_height(scale) + 2 * pad;
        int lx = x0 < 0 ? 0 : x0;
        int ly = y0 - th >= 0 ? y0 - th : (y0 < 0 ? 0 : y0);
        if (lx + tw > width)
            lx = width - tw > 0 ? width - tw : 0;
        veil_draw_fill(rgb, width, height, stride, lx, ly, lx + tw, ly + th, color);
        /* dark text on light colours, white on dark ones */
        int luma = (299 * color.r + 587 * color.g + 114 * color.b) / 1000;
        veil_rgb ink = luma > 140 ? (veil_rgb){0, 0, 0} : (veil_rgb){255, 255, 255};
        veil_draw_text(rgb, width, height, stride, lx + pad, ly + pad, text, scale, ink);
    }
    return NULL;
}
