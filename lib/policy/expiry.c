/*
 * enclave_cert_expiry: a UTC minute (year, month, day, hour, minute).
 *
 * Veracruz only range-checks the fields (day <= 31), so "2023-02-30" passes
 * there; Veil requires a minute that exists.  Conversions use the proleptic
 * Gregorian calendar with days counted from 1970-01-01 (no time zone, no
 * leap seconds), independent of the process's TZ.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const month_names[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};

static bool is_leap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

veil_error *veil_policy_expiry_check(const veil_policy_expiry *e) {
    if (e->year < 1970 || e->year > 9999)
        return veil_error_new(VEIL_EINVAL, "year %d is outside 1970-9999", e->year);
    if (e->month < 1 || e->month > 12)
        return veil_error_new(VEIL_EINVAL, "month %d is not 1-12", e->month);
    int dim = days_in_month(e->year, e->month);
    if (e->day < 1 || e->day > dim)
        return veil_error_new(VEIL_EINVAL, "%04d-%02d-%02d is not a real date: %s %d has %d days",
                              e->year, e->month, e->day, month_names[e->month - 1], e->year, dim);
    if (e->hour < 0 || e->hour > 23)
        return veil_error_new(VEIL_EINVAL, "hour %d is not 0-23", e->hour);
    if (e->minute < 0 || e->minute > 59)
        return veil_error_new(VEIL_EINVAL, "minute %d is not 0-59", e->minute);
    return NULL;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t veil_policy_expiry_to_unix(const veil_policy_expiry *e) {
    return days_from_civil(e->year, e->month, e->day) * 86400 + (int64_t)e->hour * 3600 +
           (int64_t)e->minute * 60;
}

void veil_policy_expiry_from_unix(int64_t t, veil_policy_expiry *out) {
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    out->year = (int)(yoe + era * 400 + (m <= 2));
    out->month = (int)m;
    out->day = (int)d;
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs % 3600 / 60);
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* Reads a zone: Z, UT, UTC, GMT, +HHMM, -HHMM, +HH:MM or -HH:MM; the offset
 * is in seconds east of UTC. */
static bool zone(const char *p, int64_t *offset) {
    if (strcmp(p, "Z") == 0 || strcmp(p, "UT") == 0 || strcmp(p, "UTC") == 0 ||
        strcmp(p, "GMT") == 0) {
        *offset = 0;
        return true;
    }
    if (*p != '+' && *p != '-')
        return false;
    int sign = *p == '-' ? -1 : 1;
    p++;
    int hh, mm;
    if (!digits(&p, 2, &hh))
        return false;
    if (*p == ':')
        p++;
    if (!digits(&p, 2, &mm) || *p != '\0' || hh > 23 || mm > 59)
        return false;
    *offset = sign * ((int64_t)hh * 3600 + mm * 60);
    return true;
}

static veil_error *finish(const char *text, veil_policy_expiry local, int second, int64_t offset,
                          veil_policy_expiry *out) {
    veil_error *err = veil_policy_expiry_check(&local);
    if (err != NULL)
        return veil_error_wrap(err, "expiry \"%s\"", text);
    if (second < 0 || second > 59)
        return veil_error_new(VEIL_EINVAL, "expiry \"%s\": second %d is not 0-59", text, second);
    veil_policy_expiry_from_unix(veil_policy_expiry_to_unix(&local) - offset, out);
    err = veil_policy_expiry_check(out);
    return veil_error_wrap(err, "expiry \"%s\" in UTC", text);
}

static veil_error *parse_iso(const char *text, veil_policy_expiry *out) {
    veil_policy_expiry e = {0};
    int second = 0;
    const char *p = text;
    if (!digits(&p, 4, &e.year) || *p++ != '-' || !digits(&p, 2, &e.month) || *p++ != '-' ||
        !digits(&p, 2, &e.day) || (*p != 'T' && *p != ' ') || (p++, !digits(&p, 2, &e.hour)) ||
        *p++ != ':' || !digits(&p, 2, &e.minute))
        return veil_error_new(VEIL_EINVAL,
                              "expiry \"%s\": expected YYYY-MM-DDTHH:MM[:SS] and a zone", text);
    if (*p == ':' && (p++, !digits(&p, 2, &second)))
        return veil_error_new(VEIL_EINVAL, "expiry \"%s\": malformed seconds", text);
    int64_t offset;
    if (!zone(p, &offset))
        return veil_error_new(VEIL_EINVAL,
                              "expiry \"%s\": needs a zone (Z or +HH:MM) after the time", text);
    return finish(text, e, second, offset, out);
}

static veil_error *parse_rfc2822(const char *text, veil_policy_expiry *out) {
    static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char copy[128];
    if (strlen(text) >= sizeof(copy))
        return veil_error_new(VEIL_EINVAL, "expiry is too long");
    strcpy(copy, text);
    char *tokens[7];
    int n = 0;
    for (char *save = NULL, *t = strtok_r(copy, " \t", &save); t != NULL && n < 7;
         t = strtok_r(NULL, " \t", &save))
        tokens[n++] = t;
    int first = 0;
    if (n > 0 && strchr(tokens[0], ',') != NULL)
        first = 1; /* "Fri," */
    veil_error *bad = veil_error_new(VEIL_EINVAL,
                                     "expiry \"%s\": expected RFC 2822 (\"Fri, 01 Jan 2027 "
                                     "00:00:00 +0000\") or ISO 8601 (\"2027-01-01T00:00Z\")",
                                     text);
    if (n - first != 5)
        return bad;
    veil_policy_expiry e = {0};
    int second = 0;
    const char *p = tokens[first];
    size_t dl = strlen(p);
    if ((dl != 1 && dl != 2) || !digits(&p, (int)dl, &e.day))
        return bad;
    e.month = 0;
    for (int m = 0; m < 12; m++)
        if (strcmp(tokens[first + 1], months[m]) == 0)
            e.month = m + 1;
    p = tokens[first + 2];
    if (e.month == 0 || strlen(p) != 4 || !digits(&p, 4, &e.year))
        return bad;
    p = tokens[first + 3];
    if (!digits(&p, 2, &e.hour) || *p++ != ':' || !digits(&p, 2, &e.minute))
        return bad;
    if (*p == ':' && (p++, !digits(&p, 2, &second)))
        return bad;
    int64_t offset;
    if (*p != '\0' || !zone(tokens[first + 4], &offset))
        return bad;
    veil_error_free(bad);
    return finish(text, e, second, offset, out);
}

veil_error *veil_policy_expiry_parse(const char *text, veil_policy_expiry *out) {
    if (strlen(text) >= 10 && isdigit((unsigned char)text[0]) && text[4] == '-')
        return parse_iso(text, out);
    return parse_rfc2822(text, out);
}
