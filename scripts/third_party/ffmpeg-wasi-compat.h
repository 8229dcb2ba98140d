/*
 * Forced into every FFmpeg compile for wasm32-wasi (-include).  WASI has no
 * temporary files: wasi-libc provides neither mkstemp nor tempnam, which
 * libavutil's av_tempfile() falls back to.  Nothing in the H.264 decoder or
 * parser calls av_tempfile (only two-pass encoders do); here it fails as it
 * does when no temporary file can be made.
 */
#define tempnam(dir, prefix) ((char *)0)
