/*
 * `veil clip`: master keys, clip keys, and encrypted clips (format v1,
 * docs/clip-format.md) for the camera and owner side and for tests.
 *
 * Outputs are written to a temporary file beside the destination and
 * renamed into place only when the whole operation succeeded, so a failed
 * decryption leaves no plaintext behind and a failed encryption no partial
 * clip.  Keys are written with mode 0600 and never overwrite a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands_gen.h"
#include "veil/clip.h"
#include "veil/encoding.h"
#include "veil/str.h"

const char veil_cmd_clip_summary[] = "encrypted clips: keygen, encrypt, key, decrypt, info";

#define PROG "veil clip"
#define IO_STEP 65536
#define KEY_FILE_MAX 4096

static const char usage_text[] =
    "usage: veil clip COMMAND [OPTIONS]\n"
    "\n"
    "Encrypted camera clips (AES-256-GCM STREAM, format v1; see docs/clip-format.md).\n"
    "\n"
    "commands:\n"
    "  keygen [-o FILE]                 a new random master key (hex) on stdout or in FILE\n"
    "  encrypt --master-key FILE [--clip-id ID] [--camera-id ID] IN.h264 OUT\n"
    "                                   encrypt a clip (streams; IN may be -)\n"
    "  key --master-key FILE (--clip CLIPFILE | --clip-id ID) [-o FILE]\n"
    "                                   the per-clip key a runtime needs for one clip\n"
    "  decrypt (--key FILE | --master-key FILE) IN OUT\n"
    "  decrypt --ucam-ctr --key FILE [--iv FILE] IN OUT\n"
    "                                   decrypt (verifying every chunk; OUT appears only if\n"
    "                                   the whole clip verified)\n"
    "  info CLIPFILE [--key FILE | --master-key FILE]\n"
    "                                   show a clip's header (and check it with a key)\n"
    "\n"
    "Run 'veil clip COMMAND --help' for a command's options.\n";

/* ---- files --------------------------------------------------------------- */

/* An output file written under a temporary name and renamed on commit. */
typedef struct out_file {
    const char *path;
    char *tmp_path;
    int fd;
} out_file;

static veil_error *out_open(const char *path, unsigned mode, out_file *out) {
    out->path = path;
    out->fd = -1;
    VEIL_TRY(veil_asprintf(&out->tmp_path, "%s.tmp-XXXXXX", path));
    out->fd = mkstemp(out->tmp_path);
    if (out->fd < 0) {
        veil_error *err = veil_error_errno(errno, "%s: creating a temporary file", path);
        free(out->tmp_path);
        out->tmp_path = NULL;
        return err;
    }
    if (fchmod(out->fd, (mode_t)mode) != 0) {
        veil_error *err = veil_error_errno(errno, "%s: chmod", out->tmp_path);
        close(out->fd);
        unlink(out->tmp_path);
        free(out->tmp_path);
        out->tmp_path = NULL;
        return err;
    }
    return NULL;
}

static veil_error *out_sink(void *user_data, const uint8_t *data, size_t len) {
    out_file *out = user_data;
    while (len > 0) {
        ssize_t n = write(out->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return veil_error_errno(errno, "%s: write", out->path);
        data += n;
        len -= (size_t)n;
    }
    return NULL;
}

static veil_error *out_commit(out_file *out) {
    veil_error *err = NULL;
    if (fsync(out->fd) != 0)
        err = veil_error_errno(errno, "%s: fsync", out->path);
    if (close(out->fd) != 0 && err == NULL)
        err = veil_error_errno(errno, "%s: close", out->path);
    out->fd = -1;
    if (err == NULL && rename(out->tmp_path, out->path) != 0)
        err = veil_error_errno(errno, "%s: rename from %s", out->path, out->tmp_path);
    if (err != NULL)
        unlink(out->tmp_path);
    free(out->tmp_path);
    out->tmp_path = NULL;
    return err;
}

/* Removes the temporary file (nothing of a failed operation remains). */
static void out_abort(out_file *out) {
    if (out->tmp_path == NULL)
        return;
    if (out->fd >= 0)
        close(out->fd);
    unlink(out->tmp_path);
    free(out->tmp_path);
    out->tmp_path = NULL;
}

static veil_error *in_open(const char *path, int *fd) {
    if (strcmp(path, "-") == 0) {
        *fd = STDIN_FILENO;
        return NULL;
    }
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return veil_error_errno(errno, "%s", path);
    return NULL;
}

typedef veil_error *(*chunk_fn)(void *ctx, const uint8_t *data, size_t len);

/* Reads a file to its end in IO_STEP pieces, passing each to fn. */
static veil_error *stream_file(const char *path, chunk_fn fn, void *ctx) {
    int fd = -1;
    VEIL_TRY(in_open(path, &fd));
    uint8_t *buf = malloc(IO_STEP);
    veil_error *err = buf == NULL ? veil_error_new(VEIL_ENOMEM, "out of memory") : NULL;
    while (err == NULL) {
        ssize_t n = read(fd, buf, IO_STEP);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            err = veil_error_errno(errno, "%s: read", path);
        else if (n == 0)
            break;
        else
            err = fn(ctx, buf, (size_t)n);
    }
    free(buf);
    if (fd != STDIN_FILENO)
        close(fd);
    return err;
}

static veil_error *read_key_file(const char *path, size_t key_len, uint8_t *key) {
    uint8_t *data = NULL;
    size_t len = 0;
    VEIL_TRY(veil_error_wrap(veil_read_file(path, KEY_FILE_MAX, &data, &len), "key file"));
    veil_error *err = veil_clip_key_parse(data, len, key_len, path, key);
    memset(data, 0, len);
    free(data);
    return err;
}

/* Writes a key as hex + newline to stdout or to a new file (mode 0600). */
static veil_error *write_key(const uint8_t *key, size_t len, const char *path) {
    char hex[2 * VEIL_CLIP_KEY_LEN + 2];
    veil_hex_encode(key, len, hex);
    strcat(hex, "\n");
    if (path == NULL) {
        fputs(hex, stdout);
        return NULL;
    }
    struct stat st;
    VEIL_ENSURE(stat(path, &st) != 0, VEIL_EEXIST, "%s exists; refusing to overwrite a key file",
                path);
    veil_error *err = veil_write_file(path, hex, strlen(hex), 0600);
    memset(hex, 0, sizeof(hex));
    return err;
}

/* Reads the header at the start of a clip file. */
static veil_error *read_header(const char *path, uint8_t header[VEIL_CLIP_HEADER_MAX],
                               veil_clip_info *info, uint64_t *file_len) {
    int fd = -1;
    VEIL_TRY(in_open(path, &fd));
    struct stat st;
    veil_error *err = NULL;
    if (fstat(fd, &st) != 0)
        err = veil_error_errno(errno, "%s: stat", path);
    size_t have = 0;
    while (err == NULL && have < VEIL_CLIP_HEADER_MAX) {
        ssize_t n = read(fd, header + have, VEIL_CLIP_HEADER_MAX - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            err = veil_error_errno(errno, "%s: read", path);
        else if (n == 0)
            break;
        else
            have += (size_t)n;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (err == NULL) {
        size_t need = 0;
        err = veil_error_wrap(veil_clip_header_parse(header, have, info, &need), "%s", path);
    }
    *file_len = (uint64_t)st.st_size;
    return err;
}

/* ---- option parsing ------------------------------------------------------ */

enum {
    OPT_MASTER_KEY = 256,
    OPT_KEY,
    OPT_CLIP,
    OPT_CLIP_ID,
    OPT_CAMERA_ID,
    OPT_CHUNK_SIZE,
    OPT_CODEC,
    OPT_WIDTH,
    OPT_HEIGHT,
    OPT_FPS,
    OPT_CREATED_MS,
    OPT_UCAM_CTR,
    OPT_IV,
};

typedef struct clip_opts {
    const char *output;
    const char *master_key;
    const char *key;
    const char *clip;
    const char *clip_id;
    const char *camera_id;
    const char *codec;
    const char *fps;
    const char *iv;
    uint64_t chunk_size, width, height, created_ms;
    bool have_created;
    bool ucam_ctr;
    bool help;
} clip_opts;

static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {"master-key", required_argument, NULL, OPT_MASTER_KEY},
    {"key", required_argument, NULL, OPT_KEY},
    {"clip", required_argument, NULL, OPT_CLIP},
    {"clip-id", required_argument, NULL, OPT_CLIP_ID},
    {"camera-id", required_argument, NULL, OPT_CAMERA_ID},
    {"chunk-size", required_argument, NULL, OPT_CHUNK_SIZE},
    {"codec", required_argument, NULL, OPT_CODEC},
    {"width", required_argument, NULL, OPT_WIDTH},
    {"height", required_argument, NULL, OPT_HEIGHT},
    {"fps", required_argument, NULL, OPT_FPS},
    {"created-ms", required_argument, NULL, OPT_CREATED_MS},
    {"ucam-ctr", no_argument, NULL, OPT_UCAM_CTR},
    {"iv", required_argument, NULL, OPT_IV},
    {NULL, 0, NULL, 0},
};

/* Parses options; `allowed` lists the option values the subcommand takes.
 * Returns -1 on success, else an exit status. */
static int parse_opts(const char *prog, int argc, char **argv, const int *allowed, clip_opts *o) {
    memset(o, 0, sizeof(*o));
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "ho:", long_opts, NULL)) != -1) {
        if (c == 'h') {
            o->help = true;
            return -1;
        }
        if (c == '?' || c == ':') {
            if (optopt != 0)
                return veil_cli_usage_error(prog, "unknown option or missing value for '-%c'",
                                            optopt);
            return veil_cli_usage_error(prog, "unknown option or missing value: '%s'",
                                        argv[optind - 1]);
        }
        bool ok = false;
        for (const int *a = allowed; *a != 0; a++)
            ok = ok || *a == c;
        if (!ok)
            return veil_cli_usage_error(prog, "option '%s' does not apply here", argv[optind - 1]);
        veil_error *err = NULL;
        switch (c) {
        case 'o':
            o->output = optarg;
            break;
        case OPT_MASTER_KEY:
            o->master_key = optarg;
            break;
        case OPT_KEY:
            o->key = optarg;
            break;
        case OPT_CLIP:
            o->clip = optarg;
            break;
        case OPT_CLIP_ID:
            o->clip_id = optarg;
            break;
        case OPT_CAMERA_ID:
            o->camera_id = optarg;
            break;
        case OPT_CODEC:
            o->codec = optarg;
            break;
        case OPT_FPS:
            o->fps = optarg;
            break;
        case OPT_IV:
            o->iv = optarg;
            break;
        case OPT_UCAM_CTR:
            o->ucam_ctr = true;
            break;
        case OPT_CHUNK_SIZE:
            err = veil_parse_u64(optarg, VEIL_CLIP_MAX_CHUNK_SIZE, "--chunk-size", &o->chunk_size);
            if (err == NULL && o->chunk_size == 0)
                err = veil_error_new(VEIL_EINVAL, "--chunk-size must be at least 1");
            break;
        case OPT_WIDTH:
            err = veil_parse_u64(optarg, UINT16_MAX, "--width", &o->width);
            break;
        case OPT_HEIGHT:
            err = veil_parse_u64(optarg, UINT16_MAX, "--height", &o->height);
            break;
        case OPT_CREATED_MS:
            err = veil_parse_u64(optarg, UINT64_MAX, "--created-ms", &o->created_ms);
            o->have_created = true;
            break;
        default:
            return veil_cli_usage_error(prog, "unexpected option");
        }
        if (err != NULL)
            return veil_cli_report(prog, err);
    }
    return -1;
}

static int need_positional(const char *prog, int argc, char **argv, int count, const char *names) {
    if (argc - optind != count)
        return veil_cli_usage_error(prog, "expected %s, got %d argument(s)%s%s", names,
                                    argc - optind, argc > optind ? " starting with " : "",
                                    argc > optind ? argv[optind] : "");
    return -1;
}

/* ---- keygen -------------------------------------------------------------- */

static int cmd_keygen(int argc, char **argv) {
    const char *prog = PROG " keygen";
    static const int allowed[] = {'o', 0};
    clip_opts o;
    int rc = parse_opts(prog, argc, argv, allowed, &o);
    if (rc >= 0)
        return rc;
    if (o.help) {
        printf("usage: veil clip keygen [-o FILE]\n\n"
               "Makes a new random 32-byte master key and writes it as 64 hex digits to stdout\n"
               "or to FILE (created with mode 0600; an existing file is never overwritten).\n"
               "Keep it secret: it opens every clip encrypted with it.\n");
        return VEIL_EXIT_OK;
    }
    if ((rc = need_positional(prog, argc, argv, 0, "no arguments")) >= 0)
        return rc;
    uint8_t key[VEIL_CLIP_KEY_LEN];
    veil_error *err = veil_clip_random(key, sizeof(key));
    if (err == NULL)
        err = write_key(key, sizeof(key), o.output);
    memset(key, 0, sizeof(key));
    return veil_cli_report(prog, err);
}

/* ---- encrypt ------------------------------------------------------------- */

static veil_error *encrypt_piece(void *ctx, const uint8_t *data, size_t len) {
    return veil_clip_encrypt_update(ctx, data, len);
}

static veil_error *parse_fps(const char *text, veil_clip_params *p) {
    uint64_t num = 0, den = 1;
    const char *slash = strchr(text, '/');
    char *num_text = NULL;
    VEIL_TRY(veil_strdup(text, &num_text));
    if (slash != NULL)
        num_text[slash - text] = '\0';
    veil_error *err = veil_parse_u64(num_text, UINT16_MAX, "--fps numerator", &num);
    free(num_text);
    VEIL_TRY(err);
    if (slash != NULL)
        VEIL_TRY(veil_parse_u64(slash + 1, UINT16_MAX, "--fps denominator", &den));
    VEIL_ENSURE(num > 0 && den > 0, VEIL_EINVAL, "--fps '%s' must be a positive N or N/D", text);
    p->fps_num = (uint16_t)num;
    p->fps_den = (uint16_t)den;
    return NULL;
}

static veil_error *do_encrypt(const clip_opts *o, const char *in, const char *out_path) {
    uint8_t master[VEIL_CLIP_KEY_LEN], key[VEIL_CLIP_KEY_LEN];
    char id[VEIL_CLIP_ID_MAX + 1];
    veil_clip_params p = {.clip_id = o->clip_id, .camera_id = o->camera_id};
    if (p.clip_id == NULL) {
        VEIL_TRY(veil_clip_new_id(id));
        p.clip_id = id;
    }
    p.codec = VEIL_CLIP_CODEC_H264_ANNEXB;
    if (o->codec != NULL)
        VEIL_TRY(veil_clip_codec_parse(o->codec, &p.codec));
    p.chunk_size = (uint32_t)o->chunk_size;
    p.width = (uint16_t)o->width;
    p.height = (uint16_t)o->height;
    if (o->fps != NULL)
        VEIL_TRY(parse_fps(o->fps, &p));
    if (o->have_created) {
        p.created_ms = o->created_ms;
    } else {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        p.created_ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    }
    VEIL_TRY(read_key_file(o->master_key, VEIL_CLIP_KEY_LEN, master));
    veil_error *err = veil_clip_derive_key(master, p.clip_id, key);
    memset(master, 0, sizeof(master));
    VEIL_TRY(err);

    out_file out;
    veil_clip_encryptor *enc = NULL;
    err = out_open(out_path, 0644, &out);
    if (err == NULL) {
        err = veil_clip_encryptor_new(key, &p, out_sink, &out, &enc);
        if (err == NULL)
            err = stream_file(in, encrypt_piece, enc);
        if (err == NULL)
            err = veil_clip_encrypt_finish(enc);
        if (err == NULL)
            err = out_commit(&out);
        else
            out_abort(&out);
    }
    memset(key, 0, sizeof(key));
    if (err == NULL) {
        printf("clip id: %s\n", p.clip_id);
        printf("encrypted %" PRIu64 " bytes into %s (%" PRIu64 " bytes)\n",
               veil_clip_encryptor_plaintext_bytes(enc), out_path,
               veil_clip_encryptor_output_bytes(enc));
    }
    veil_clip_encryptor_free(enc);
    return err;
}

static int cmd_encrypt(int argc, char **argv) {
    const char *prog = PROG " encrypt";
    static const int allowed[] = {
        OPT_MASTER_KEY, OPT_CLIP_ID, OPT_CAMERA_ID, OPT_CHUNK_SIZE, OPT_CODEC,
        OPT_WIDTH,      OPT_HEIGHT,  OPT_FPS,       OPT_CREATED_MS, 0};
    clip_opts o;
    int rc = parse_opts(prog, argc, argv, allowed, &o);
    if (rc >= 0)
        return rc;
    if (o.help) {
        printf("usage: veil clip encrypt --master-key FILE [OPTIONS] IN OUT\n\n"
               "Encrypts IN (an H.264 Annex-B stream; - for stdin) into the clip OUT, streaming,\n"
               "under the key derived from the master key for the clip id.  Prints the clip id.\n\n"
               "  --master-key FILE   the master key (from 'veil clip keygen')\n"
               "  --clip-id ID        1-64 of A-Z a-z 0-9 . _ : - (default: 32 random hex digits)\n"
               "  --camera-id ID      the camera's name, up to 64 printable characters\n"
               "  --chunk-size N      plaintext bytes per chunk (default %u, at most %u)\n"
               "  --codec NAME        h264 (default) or opaque\n"
               "  --width N, --height N, --fps N[/D]   picture size and rate, when known\n"
               "  --created-ms MS     creation time in ms since the epoch (default: now)\n",
               VEIL_CLIP_DEFAULT_CHUNK_SIZE, VEIL_CLIP_MAX_CHUNK_SIZE);
        return VEIL_EXIT_OK;
    }
    if ((rc = need_positional(prog, argc, argv, 2, "IN and OUT")) >= 0)
        return rc;
    if (o.master_key == NULL)
        return veil_cli_usage_error(prog, "--master-key FILE is required");
    return veil_cli_report(prog, do_encrypt(&o, argv[optind], argv[optind + 1]));
}

/* ---- key ----------------------------------------------------------------- */

static veil_error *do_key(const clip_opts *o) {
    char clip_id[VEIL_CLIP_ID_MAX + 1];
    if (o->clip != NULL) {
        uint8_t header[VEIL_CLIP_HEADER_MAX];
        veil_clip_info info;
        uint64_t file_len = 0;
        VEIL_TRY(read_header(o->clip, header, &info, &file_len));
        memcpy(clip_id, info.clip_id, sizeof(clip_id));
    } else {
        VEIL_TRY(veil_clip_id_check(o->clip_id, "--clip-id"));
        veil_strlcpy(clip_id, o->clip_id, sizeof(clip_id));
    }
    uint8_t master[VEIL_CLIP_KEY_LEN], key[VEIL_CLIP_KEY_LEN];
    VEIL_TRY(read_key_file(o->master_key, VEIL_CLIP_KEY_LEN, master));
    veil_error *err = veil_clip_derive_key(master, clip_id, key);
    memset(master, 0, sizeof(master));
    if (err == NULL)
        err = write_key(key, sizeof(key), o->output);
    memset(key, 0, sizeof(key));
    return err;
}

static int cmd_key(int argc, char **argv) {
    const char *prog = PROG " key";
    static const int allowed[] = {OPT_MASTER_KEY, OPT_CLIP, OPT_CLIP_ID, 'o', 0};
    clip_opts o;
    int rc = parse_opts(prog, argc, argv, allowed, &o);
    if (rc >= 0)
        return rc;
    if (o.help) {
        printf(
            "usage: veil clip key --master-key FILE (--clip CLIPFILE | --clip-id ID) [-o FILE]\n\n"
            "Prints the clip's own key (64 hex digits): HKDF-SHA256 of the master key over the\n"
            "clip id (read from CLIPFILE's header, or given).  This is the only key a runtime\n"
            "needs to decrypt that clip; it opens no other clip.  -o writes it to a new file\n"
            "(mode 0600).\n");
        return VEIL_EXIT_OK;
    }
    if ((rc = need_positional(prog, argc, argv, 0, "no arguments")) >= 0)
        return rc;
    if (o.master_key == NULL)
        return veil_cli_usage_error(prog, "--master-key FILE is required");
    if ((o.clip == NULL) == (o.clip_id == NULL))
        return veil_cli_usage_error(prog, "give exactly one of --clip CLIPFILE and --clip-id ID");
    return veil_cli_report(prog, do_key(&o));
}

/* ---- decrypt ------------------------------------------------------------- */

static veil_error *decrypt_piece(void *ctx, const uint8_t *data, size_t len) {
    return veil_clip_decrypt_update(ctx, data, len);
}

static veil_error *ucam_piece(void *ctx, const uint8_t *data, size_t len) {
    return veil_clip_ucam_ctr_update(ctx, data, len);
}

/* The clip key: given, or derived from the master key and the header. */
static veil_error *clip_key_for(const clip_opts *o, const char *clip_path,
                                uint8_t key[VEIL_CLIP_KEY_LEN]) {
    if (o->key != NULL)
        return read_key_file(o->key, VEIL_CLIP_KEY_LEN, key);
    uint8_t header[VEIL_CLIP_HEADER_MAX];
    veil_clip_info info;
    uint64_t file_len = 0;
    VEIL_TRY(read_header(clip_path, header, &info, &file_len));
    uint8_t master[VEIL_CLIP_KEY_LEN];
    VEIL_TRY(read_key_file(o->master_key, VEIL_CLIP_KEY_LEN, master));
    veil_error *err = veil_clip_derive_key(master, info.clip_id, key);
    memset(master, 0, sizeof(master));
    return err;
}

static veil_error *do_decrypt(const clip_opts *o, const char *in, const char *out_path) {
    out_file out;
    veil_error *err = NULL;
    if (o->ucam_ctr) {
        /* 16-byte key with the counter block in --iv, or key || counter. */
        uint8_t material[VEIL_CLIP_UCAM_KEY_LEN + VEIL_CLIP_UCAM_COUNTER_LEN];
        if (o->iv != NULL) {
            VEIL_TRY(read_key_file(o->key, VEIL_CLIP_UCAM_KEY_LEN, material));
            VEIL_TRY(read_key_file(o->iv, VEIL_CLIP_UCAM_COUNTER_LEN,
                                   material + VEIL_CLIP_UCAM_KEY_LEN));
        } else {
            VEIL_TRY(read_key_file(o->key, sizeof(material), material));
        }
        veil_clip_ucam_ctr *u = NULL;
        VEIL_TRY(out_open(out_path, 0600, &out));
        err =
            veil_clip_ucam_ctr_new(material, material + VEIL_CLIP_UCAM_KEY_LEN, out_sink, &out, &u);
        memset(material, 0, sizeof(material));
        if (err == NULL)
            err = stream_file(in, ucam_piece, u);
        veil_clip_ucam_ctr_free(u);
        if (err == NULL)
            return out_commit(&out);
        out_abort(&out);
        return err;
    }
    uint8_t key[VEIL_CLIP_KEY_LEN];
    VEIL_TRY(clip_key_for(o, in, key));
    veil_clip_decryptor *dec = NULL;
    err = out_open(out_path, 0600, &out);
    if (err == NULL) {
        err = veil_clip_decryptor_new(key, out_sink, &out, &dec);
        if (err == NULL)
            err = stream_file(in, decrypt_piece, dec);
        if (err == NULL)
            err = veil_clip_decrypt_finish(dec);
        if (err == NULL)
            err = out_commit(&out);
        else
            out_abort(&out);
    }
    memset(key, 0, sizeof(key));
    if (err == NULL)
        printf("decrypted clip '%s': %u chunk(s), %" PRIu64 " bytes verified into %s\n",
               veil_clip_decryptor_info(dec)->clip_id, veil_clip_decryptor_chunks(dec),
               veil_clip_decryptor_plaintext_bytes(dec), out_path);
    veil_clip_decryptor_free(dec);
    return veil_error_wrap(err, "%s", in);
}

static int cmd_decrypt(int argc, char **argv) {
    const char *prog = PROG " decrypt";
    static const int allowed[] = {OPT_KEY, OPT_MASTER_KEY, OPT_UCAM_CTR, OPT_IV, 0};
    clip_opts o;
    int rc = parse_opts(prog, argc, argv, allowed, &o);
    if (rc >= 0)
        return rc;
    if (o.help) {
        printf("usage: veil clip decrypt (--key FILE | --master-key FILE) IN OUT\n"
               "       veil clip decrypt --ucam-ctr --key FILE [--iv FILE] IN OUT\n\n"
               "Decrypts the clip IN (- for stdin) into OUT, verifying every chunk.  OUT appears\n"
               "only when the whole clip verified: a tampered, truncated or reordered clip or a\n"
               "wrong key is reported and leaves no output.\n\n"
               "  --key FILE          the clip's own key ('veil clip key'), hex or 32 raw bytes\n"
               "  --master-key FILE   derive the clip key from the master key and the header\n"
               "  --ucam-ctr          the unauthenticated Ucam / i-PoC format (raw AES-128-CTR):\n"
               "                      --key is the 16-byte key and --iv the 16-byte initial\n"
               "                      counter block, or --key holds both (32 bytes)\n");
        return VEIL_EXIT_OK;
    }
    if ((rc = need_positional(prog, argc, argv, 2, "IN and OUT")) >= 0)
        return rc;
    if (o.ucam_ctr) {
        if (o.key == NULL || o.master_key != NULL)
            return veil_cli_usage_error(prog, "--ucam-ctr needs --key (and no --master-key)");
    } else {
        if ((o.key == NULL) == (o.master_key == NULL))
            return veil_cli_usage_error(prog, "give exactly one of --key and --master-key");
        if (o.iv != NULL)
            return veil_cli_usage_error(prog, "--iv applies only with --ucam-ctr");
    }
    return veil_cli_report(prog, do_decrypt(&o, argv[optind], argv[optind + 1]));
}

/* ---- info ---------------------------------------------------------------- */

static veil_error *do_info(const clip_opts *o, const char *path) {
    uint8_t header[VEIL_CLIP_HEADER_MAX];
    veil_clip_info info;
    uint64_t file_len = 0;
    VEIL_TRY(read_header(path, header, &info, &file_len));
    char prefix_hex[2 * VEIL_CLIP_NONCE_PREFIX_LEN + 1];
    veil_hex_encode(info.nonce_prefix, sizeof(info.nonce_prefix), prefix_hex);
    printf("format:       Veil clip v%u\n", (unsigned)info.version);
    printf("clip id:      %s\n", info.clip_id);
    printf("camera id:    %s\n", info.camera_id[0] ? info.camera_id : "(none)");
    printf("codec:        %s\n", veil_clip_codec_name(info.codec));
    if (info.width != 0 || info.height != 0)
        printf("picture:      %ux%u\n", info.width, info.height);
    else
        printf("picture:      unknown\n");
    if (info.fps_num != 0)
        printf("frame rate:   %u/%u fps\n", info.fps_num, info.fps_den);
    else
        printf("frame rate:   unknown\n");
    if (info.created_ms != 0) {
        time_t secs = (time_t)(info.created_ms / 1000u);
        struct tm tm;
        char when[64];
        gmtime_r(&secs, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        printf("created:      %s.%03uZ\n", when, (unsigned)(info.created_ms % 1000u));
    } else {
        printf("created:      unknown\n");
    }
    printf("chunk size:   %u bytes\n", info.chunk_size);
    printf("nonce prefix: %s\n", prefix_hex);
    printf("header:       %zu bytes\n", info.header_len);
    if (file_len >= info.header_len) {
        uint64_t body = file_len - info.header_len;
        uint64_t record = (uint64_t)info.chunk_size + VEIL_CLIP_TAG_LEN;
        uint64_t chunks = body == 0 ? 0 : (body + record - 1) / record;
        printf("file:         %" PRIu64 " bytes, %" PRIu64 " chunk(s), at most %" PRIu64
               " bytes of plaintext\n",
               file_len, chunks, body > chunks * VEIL_CLIP_TAG_LEN ? body - chunks * 16 : 0);
    }
    if (o->key == NULL && o->master_key == NULL) {
        printf("verified:     no (give --key or --master-key to check the header)\n");
        return NULL;
    }
    uint8_t key[VEIL_CLIP_KEY_LEN];
    VEIL_TRY(clip_key_for(o, path, key));
    veil_error *err = veil_clip_header_verify(header, info.header_len, &info, key);
    memset(key, 0, sizeof(key));
    VEIL_TRY(err);
    printf("verified:     header and key (chunks are verified by decrypt)\n");
    return NULL;
}

static int cmd_info(int argc, char **argv) {
    const char *prog = PROG " info";
    static const int allowed[] = {OPT_KEY, OPT_MASTER_KEY, 0};
    clip_opts o;
    int rc = parse_opts(prog, argc, argv, allowed, &o);
    if (rc >= 0)
        return rc;
    if (o.help) {
        printf("usage: veil clip info CLIPFILE [--key FILE | --master-key FILE]\n\n"
               "Shows what a clip's header says.  With a key, also checks that the key is this\n"
               "clip's and that the header is authentic.\n");
        return VEIL_EXIT_OK;
    }
    if ((rc = need_positional(prog, argc, argv, 1, "CLIPFILE")) >= 0)
        return rc;
    if (o.key != NULL && o.master_key != NULL)
        return veil_cli_usage_error(prog, "give at most one of --key and --master-key");
    return veil_cli_report(prog, do_info(&o, argv[optind]));
}

/* ---- dispatch ------------------------------------------------------------ */

int veil_cmd_clip(int argc, char **argv) {
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } subs[] = {
        {"keygen", cmd_keygen},   {"encrypt", cmd_encrypt}, {"key", cmd_key},
        {"decrypt", cmd_decrypt}, {"info", cmd_info},
    };
    if (argc < 2) {
        fputs(usage_text, stderr);
        return VEIL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        return VEIL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc - 1, argv + 1);
    return veil_cli_usage_error(PROG, "unknown command '%s' (keygen, encrypt, key, decrypt, info)",
                                argv[1]);
}
