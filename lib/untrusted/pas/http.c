/*
 * The PAS over HTTP: libmicrohttpd glue around veil_pas_handle().  Request
 * bodies are collected up to VEIL_PAS_MAX_BODY (larger ones are answered
 * 413 without being kept); every answer is JSON.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "pas_internal.h"
#include "veil/log.h"
#include "veil/str.h"

#define COMPONENT "pas"

typedef struct request_ctx {
    veil_buf body;
    bool too_large;
} request_ctx;

static enum MHD_Result send_reply(struct MHD_Connection *conn, const veil_pas_reply *reply) {
    const char *text = reply->body != NULL ? reply->body : "{}";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, reply->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    (void)version;
    veil_pas *pas = cls;
    request_ctx *ctx = *con_cls;
    if (ctx == NULL) {
        ctx = calloc(1, sizeof(*ctx));
        if (ctx == NULL)
            return MHD_NO;
        veil_buf_init(&ctx->body, VEIL_PAS_MAX_BODY);
        *con_cls = ctx;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!ctx->too_large) {
            veil_error *err = veil_buf_append(&ctx->body, upload_data, *upload_data_size);
            if (err != NULL) {
                veil_error_free(err);
                ctx->too_large = true;
                veil_buf_free(&ctx->body);
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    veil_pas_reply reply = {0};
    if (ctx->too_large) {
        char *body = NULL;
        veil_error *err = veil_asprintf(
            &body,
            "{\"error\":{\"status\":413,\"code\":\"limit-exceeded\",\"message\":\"request "
            "body is larger than %u bytes\"}}",
            VEIL_PAS_MAX_BODY);
        veil_error_free(err);
        reply.status = 413;
        reply.body = body;
    } else {
        veil_pas_handle(pas, method, url, ctx->body.data, ctx->body.len, &reply);
    }
    VEIL_DEBUG(COMPONENT, "%s %s -> %u", method, url, reply.status);
    enum MHD_Result ret = send_reply(conn, &reply);
    free(reply.body);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)conn;
    (void)toe;
    request_ctx *ctx = *con_cls;
    if (ctx != NULL) {
        veil_buf_free(&ctx->body);
        free(ctx);
        *con_cls = NULL;
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) VEIL_PRINTF(2, 0);
static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    VEIL_WARN(COMPONENT, "http: %s", line);
}

veil_error *veil_pas_serve(veil_pas *pas, const char *host, uint16_t port, uint16_t *bound_port) {
    VEIL_ENSURE(pas->daemon == NULL, VEIL_EINVAL, "the PAS is already serving");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    VEIL_ENSURE(inet_pton(AF_INET, host, &addr.sin_addr) == 1, VEIL_EINVAL,
                "listen address '%s' is not an IPv4 address", host);
    pas->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, port, NULL,
                                   NULL, on_request, pas, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
                                   NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                   MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                                   MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    VEIL_ENSURE(pas->daemon != NULL, VEIL_EIO, "cannot listen on %s:%u (address in use?)", host,
                port);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(pas->daemon, MHD_DAEMON_INFO_BIND_PORT);
    uint16_t actual = info != NULL ? info->port : port;
    if (bound_port != NULL)
        *bound_port = actual;
    VEIL_INFO(COMPONENT, "serving on http://%s:%u", host, actual);
    return NULL;
}

void veil_pas_stop(veil_pas *pas) {
    if (pas->daemon != NULL) {
        MHD_stop_daemon(pas->daemon);
        pas->daemon = NULL;
    }
}
