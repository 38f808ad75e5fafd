/*
 * send-email — the local stand-in for sending an e-mail (SES, or an SNS
 * e-mail subscription): the message it would send lands in the outbox.
 * Used by the summary topic's e-mail subscriber, the product-visit
 * notification and the bucket notifications.
 *
 *   event   {"to": "a@example.com" or [...], "subject": "...",
 *            "text": "..." or ["line", ...]}
 *   writes  OUTBOX_DIR/NNNN.eml: From (MAIL_FROM, else
 *           stepfn-lab@localhost), To, Subject, a blank line, the text
 *   result  {"MessageId": "NNNN"}
 */
#include "lab.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct text {
    char *s;
    size_t len;
} text;

static void add(text *t, const char *s)
{
    size_t n = strlen(s);
    t->s = realloc(t->s, t->len + n + 1);
    memcpy(t->s + t->len, s, n + 1);
    t->len += n;
}

/* A header value on one line: a CR or LF would start a header of its own. */
static void add_header(text *t, const char *name, const char *value)
{
    add(t, name);
    add(t, ": ");
    char *clean = strdup(value);
    for (char *p = clean; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    add(t, clean);
    add(t, "\n");
    free(clean);
}

/* A string, or an array of strings joined with ", " or newlines. */
static void add_list(text *t, const json_t *v, const char *sep, const char *field)
{
    if (json_is_string(v)) {
        add(t, json_string_value(v));
        return;
    }
    if (!json_is_array(v))
        lab_fail("Lab.BadEvent", "\"%s\" must be a string or an array of strings", field);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        if (!json_is_string(x))
            lab_fail("Lab.BadEvent", "\"%s\" must be a string or an array of strings", field);
        if (i > 0)
            add(t, sep);
        add(t, json_string_value(x));
    }
}

int main(void)
{
    json_t *event = lab_read_event();
    const char *from = getenv("MAIL_FROM");
    text to = {0}, mail = {0};
    add(&to, "");
    add_list(&to, json_object_get(event, "to"), ", ", "to");
    add(&mail, "");
    add_header(&mail, "From", from && *from ? from : "stepfn-lab@localhost");
    add_header(&mail, "To", to.s);
    add_header(&mail, "Subject", lab_field(event, "subject"));
    add(&mail, "\n");
    json_t *body = json_object_get(event, "text");
    if (body)
        add_list(&mail, body, "\n", "text");
    if (mail.len && mail.s[mail.len - 1] != '\n')
        add(&mail, "\n");

    const char *outbox = lab_env("OUTBOX_DIR");
    lab_mkdirs(outbox);
    long n = lab_write_numbered(outbox, ".eml", 4, mail.s, mail.len);
    char id[32];
    snprintf(id, sizeof id, "%04ld", n);
    lab_reply(json_pack("{s:s}", "MessageId", id));
    free(to.s);
    free(mail.s);
    json_decref(event);
    return 0;
}
